"""autograd.grad and higher-order gradients (create_graph=True): second
derivatives checked against central differences of the first, on every device."""

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from helpers import t64

RNG = np.random.default_rng(11)
# small: gradgradcheck differentiates numerically element by element, and the
# CUDA simulator runs every kernel thread in Python
A = RNG.standard_normal((2, 3))
B = RNG.standard_normal((2, 3))
POS = np.abs(A) + 0.5

UNARY = {
    "exp": lambda x: x.exp(),
    "log": lambda x: x.abs().log(),
    "sqrt": lambda x: (x * x + 0.5).sqrt(),
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": lambda x: x.tanh(),
    "relu-times-x": lambda x: x.relu() * x,
    "pow3": lambda x: x ** 3,
    "pow-tensor": lambda x: (x.abs() + 0.5) ** (x * 0.5),
    "div": lambda x: 1.0 / (x * x + 1.0),
    "clamp": lambda x: (x * x).clamp(0.1, 1.5),
    "sum-mean": lambda x: (x * x).sum(0) * x.mean(),
    "amax": lambda x: (x * x).amax(1),
    "max-dim": lambda x: (x * x).max(1).values,
    "matmul": lambda x: (x @ x.t()).tanh(),
    "linear": lambda x: F.linear(x, x[:2] * 2.0, x[0, :2]).sigmoid(),
    "reshape-permute": lambda x: x.reshape(3, 2).t().exp(),
    "getitem-cat": lambda x: mdl.cat([x[1:] * x[:-1], x[:1]]).tanh(),
    "where": lambda x: mdl.where(x > 0, x * x, x.exp()),
    "expand": lambda x: x[:1].expand(2, 3) * x,
    "log_softmax": lambda x: F.log_softmax(x * x, dim=1),
    "softmax": lambda x: F.softmax(x, dim=0) * x,
    "mse": lambda x: F.mse_loss(x.tanh(), x * 0.5),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_second_derivatives_match_finite_differences(name, device):
    assert mdl.gradgradcheck(UNARY[name], t64(A, device))


def test_binary_second_derivatives(device):
    assert mdl.gradgradcheck(lambda x, y: (x * y).tanh() + x / (y * y + 1.0),
                             t64(A, device), t64(B, device))
    assert mdl.gradgradcheck(lambda x, y: mdl.maximum(x, y) * mdl.minimum(x, y) * x,
                             t64(A, device), t64(B + 0.1, device))


def test_hessian_vector_product(device):
    """f(x) = sum(x^3) has Hessian diag(6x): H v = 6 x v."""
    x = t64(A, device)
    v = t64(B, device, requires_grad=False)
    (g,) = mdl.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (hv,) = mdl.autograd.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv.numpy(), 6 * A * B, rtol=1e-10)
    assert hv.grad_fn is None


def test_gradient_penalty_trains_through_the_gradient(device):
    mdl.manual_seed(0)
    model = mdl.nn.Sequential(mdl.nn.Linear(3, 8), mdl.nn.Tanh(), mdl.nn.Linear(8, 1))
    model.to(device).double()
    x = t64(A, device)
    out = model(x).sum()
    (gx,) = mdl.autograd.grad(out, x, create_graph=True)
    penalty = ((gx * gx).sum(1) - 1.0).pow(2).mean()
    penalty.backward()
    # the output layer's bias does not change d out / d x: no gradient, as in PyTorch
    grads = {name: p.grad for name, p in model.named_parameters()}
    assert grads["2.bias"] is None
    assert all(g is not None for name, g in grads.items() if name != "2.bias")
    # the same penalty by finite differences of the first layer's bias
    bias = model[0].bias
    eps = 1e-6
    numeric = []
    for k in range(3):
        values = []
        for sign in (1, -1):
            with mdl.no_grad():
                bias.data[k:k + 1].add_(sign * eps)
            xx = t64(A, device)
            (g,) = mdl.autograd.grad(model(xx).sum(), xx, create_graph=True)
            values.append(((g * g).sum(1) - 1.0).pow(2).mean().item())
            with mdl.no_grad():
                bias.data[k:k + 1].sub_(sign * eps)
        numeric.append((values[0] - values[1]) / (2 * eps))
    np.testing.assert_allclose(bias.grad.numpy()[:3], numeric, rtol=1e-5, atol=1e-8)


def test_grad_options(device):
    x = t64(A, device)
    y = t64(B, device)
    unused = t64(A, device)
    out = (x * y).sum()
    gx, gu = mdl.autograd.grad(out, [x, unused], allow_unused=True, retain_graph=True)
    np.testing.assert_allclose(gx.numpy(), B)
    assert gu is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        mdl.autograd.grad(out, [x, unused], retain_graph=True)
    (gy,) = mdl.autograd.grad(x * y, y, grad_outputs=t64(np.full((2, 3), 2.0), device))
    np.testing.assert_allclose(gy.numpy(), 2 * A)
    assert x.grad is None and y.grad is None  # grad() does not touch .grad


def test_ops_without_a_differentiable_backward_say_so(device):
    x = mdl.randn(4, 3, device=device, dtype=mdl.float64, requires_grad=True)
    loss = F.batch_norm(x, None, None, training=True).sum()
    with pytest.raises(RuntimeError, match="BatchNormTrain"):
        g = mdl.autograd.grad((F.batch_norm(x, None, None, training=True) ** 2).sum(), x,
                              create_graph=True)[0]
        g.sum().backward()
    del loss


def test_custom_function_supports_double_backward(device):
    class Cube(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3.0 * x * x

    assert mdl.gradgradcheck(Cube.apply, t64(A, device))

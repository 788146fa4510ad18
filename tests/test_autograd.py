"""The engine: factories, properties, graph recording, accumulation, deep
graphs, no_grad, hooks and error messages."""

import numpy as np
import pytest

import minidl as mdl
from minidl.tools import GradcheckError

from helpers import t64


def test_factories_and_properties(device):
    x = mdl.zeros(2, 3, device=device)
    assert x.shape == (2, 3) and x.dtype == mdl.float32 and x.device == device
    assert mdl.ones((2, 3), device=device).numpy().sum() == 6
    assert mdl.full((2,), 7.0, device=device).tolist() == [7.0, 7.0]
    assert mdl.arange(4, device=device).dtype == mdl.int64
    assert mdl.arange(0.0, 1.0, 0.25, device=device).shape == (4,)
    assert mdl.randn(5, 4, device=device, dtype=mdl.float64).dtype == mdl.float64
    assert mdl.tensor([[1, 2]], device=device).dtype == mdl.int64
    assert mdl.tensor([1.5], device=device).dtype == mdl.float32
    # NumPy data keeps its dtype, Python floats become float32 (PyTorch's rules)
    assert mdl.tensor(np.ones(3), device=device).dtype == mdl.float64
    assert mdl.tensor(np.ones(3, np.float32), device=device).dtype == mdl.float32
    assert mdl.tensor(np.ones(3), dtype=mdl.float32, device=device).dtype == mdl.float32
    assert mdl.tensor([True], device=device).dtype == mdl.bool
    assert mdl.full((2,), 4, device=device).dtype == mdl.int64
    assert mdl.full((2,), 4.0, device=device).dtype == mdl.float32
    assert mdl.full((2,), True, device=device).dtype == mdl.bool
    assert mdl.Tensor([1, 2]).dtype == mdl.float32 and mdl.Tensor(2, 3).shape == (2, 3)
    x = mdl.zeros(2, 3, device=device)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.numel() == 6 and x.dim() == 2
    assert x.view(x.size(0), -1).shape == (2, 3)
    assert mdl.tensor(3.0, device=device).item() == 3.0


def test_from_numpy_shares_memory_on_cpu():
    a = np.zeros(3)
    x = mdl.from_numpy(a)
    assert x.dtype == mdl.float64
    a[0] = 5
    assert x.numpy()[0] == 5


def test_manual_seed_makes_randn_reproducible():
    mdl.manual_seed(123)
    a = mdl.randn(4).numpy()
    mdl.manual_seed(123)
    np.testing.assert_array_equal(a, mdl.randn(4).numpy())


def test_gradient_accumulates_when_tensor_used_twice(device):
    x = t64([1.0, 2.0], device)
    (x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    # a second backward adds to .grad, as in PyTorch
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])


def test_diamond_graph(device):
    x = t64([0.5], device)
    a = x.exp()
    b = a * 3
    c = a * b  # a reached along two paths
    c.backward()
    np.testing.assert_allclose(x.grad.numpy(), [6 * np.exp(1.0)])


def test_ten_thousand_op_chain_backward_is_iterative(device):
    x = mdl.tensor([1.0], device=device, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000], rtol=1e-3)


def test_no_grad_records_nothing(device):
    x = mdl.ones(2, requires_grad=True, device=device)
    with mdl.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert mdl.is_grad_enabled()


def test_detach_cuts_graph(device):
    x = mdl.ones(2, requires_grad=True, device=device)
    y = (x * 2).detach()
    assert not y.requires_grad and y.is_leaf


def test_backward_on_non_scalar_needs_grad(device):
    x = mdl.ones(2, 2, requires_grad=True, device=device)
    y = x * 2
    with pytest.raises(RuntimeError, match="one element"):
        y.backward()
    y.backward(mdl.ones(2, 2, device=device))
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 2.0))


def test_backward_grad_shape_checked(device):
    y = mdl.ones(2, requires_grad=True, device=device) * 2
    with pytest.raises(RuntimeError, match="shape"):
        y.backward(mdl.ones(3, device=device))


def test_backward_without_graph_says_why(device):
    with pytest.raises(RuntimeError, match="does not require grad"):
        mdl.ones(1, device=device).backward()


def test_graph_freed_after_backward(device):
    x = mdl.ones(2, requires_grad=True, device=device)
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    z = (x * 2).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_float64_gradients_stay_float64(device):
    x = t64([1.0, 2.0], device)
    (x * 2.0).sum().backward()
    assert x.grad.dtype == mdl.float64


def test_only_float_tensors_require_grad(device):
    with pytest.raises(RuntimeError, match="floating point"):
        mdl.tensor([1, 2], requires_grad=True, device=device)


def test_tensor_hook_sees_and_replaces_gradient(device):
    x = mdl.ones(2, requires_grad=True, device=device)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10)
    (x * 3).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_retain_grad_on_intermediate(device):
    x = mdl.ones(2, requires_grad=True, device=device)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [4.0, 4.0])


def test_custom_function_gradcheck(device):
    class Cube(mdl.autograd.BackendFunction):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return ctx.backend.mul(ctx.backend.mul(x, x), x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved
            return ctx.backend.mul(grad, ctx.backend.mul(ctx.backend.mul(x, x), 3.0))

    assert mdl.gradcheck(Cube.apply, t64([0.3, -1.2, 2.0], device))


def test_custom_tensor_function_as_in_the_pytorch_tutorial(device):
    class MyReLU(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * (input > 0).double()

    x = t64([0.3, -1.2, 2.0], device)
    y = MyReLU.apply(x)
    assert y.grad_fn is not None
    np.testing.assert_allclose(y.detach().numpy(), [0.3, 0.0, 2.0])
    assert mdl.gradcheck(MyReLU.apply, t64([0.3, -1.2, 2.0], device))


def test_gradcheck_reports_worst_element(device):
    class WrongSquare(mdl.autograd.BackendFunction):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return ctx.backend.mul(x, x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved
            return ctx.backend.mul(grad, x)  # missing factor 2

    with pytest.raises(AssertionError, match="analytic .* numeric"):
        mdl.gradcheck(WrongSquare.apply, t64([1.0, 2.0], device))


def test_item_and_bool_errors(device):
    with pytest.raises(RuntimeError, match=r"2 elements \(shape \(2,\)\) cannot be converted"):
        mdl.ones(2, device=device).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mdl.ones(2, device=device))


def test_comparisons_and_argmax(device):
    x = mdl.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]], device=device)
    assert (x > 1.5).numpy().tolist() == [[False, True, True], [True, False, False]]
    assert x.argmax(axis=1).tolist() == [1, 0]
    assert x.argmax(1, keepdim=True).tolist() == [[1], [0]]
    assert x.max(1)[1].tolist() == [1, 0]
    assert x.argmax().item() == 3


def test_unknown_device_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown device"):
        mdl.zeros(2, device="tpu")


def test_gradcheck_fast_mode_checks_random_directions():
    x = mdl.tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype=mdl.float64,
                   requires_grad=True)
    assert mdl.gradcheck(lambda t: (t * t).sin(), x, fast_mode=True)

    class SlightlyWrong(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * t * 2.001

    with pytest.raises(GradcheckError, match="along random direction"):
        mdl.gradcheck(SlightlyWrong.apply, x, fast_mode=True)

"""The activation functions and layers: forward against NumPy, float64
gradchecks (and second derivatives) on every device, the gradients at the
kinks, in-place forms, and the layers' arguments and repr."""

import math

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn

from helpers import assert_close, check_gradients, t32, t64

_erf = np.vectorize(math.erf)


def _softplus_ref(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(x * beta)) / beta)


REFERENCES = {
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "elu": (lambda t: F.elu(t, 0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "gelu": (F.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    "gelu-tanh": (lambda t: F.gelu(t, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    "silu": (F.silu, lambda x: x / (1 + np.exp(-x))),
    "softplus": (F.softplus, _softplus_ref),
    "softplus-beta": (lambda t: F.softplus(t, 2.0, 1.0), lambda x: _softplus_ref(x, 2.0, 1.0)),
    "hardtanh": (lambda t: F.hardtanh(t, -0.5, 1.5), lambda x: np.clip(x, -0.5, 1.5)),
}
X = np.random.default_rng(0).uniform(-3, 3, (3, 5))


@pytest.mark.parametrize("case", sorted(REFERENCES))
def test_forward_matches_numpy(device, case):
    ours, reference = REFERENCES[case]
    assert_close(ours(t32(X, device)), reference(X.astype(np.float32).astype(np.float64)))
    out = ours(t64(X, device, requires_grad=False))
    assert out.dtype == mdl.float64
    assert_close(out, reference(X), dtype=np.float64)


@pytest.mark.parametrize("case", sorted(REFERENCES))
def test_gradcheck(device, case):
    ours, _ = REFERENCES[case]
    check_gradients(ours, t64(X, device))


@pytest.mark.parametrize("case", sorted(REFERENCES))
def test_second_derivatives(device, case):
    ours, _ = REFERENCES[case]
    # through t * t, so that piecewise linear functions have a gradient that varies too
    assert mdl.gradgradcheck(lambda t: ours(t * t - 2), t64(X, device))


def test_gradients_at_the_kinks(device):
    x = t64([-1.0, 0.0, 1.0], device)
    expected = {
        "leaky_relu": (lambda t: F.leaky_relu(t, 0.1), [0.1, 0.1, 1.0]),
        "elu": (lambda t: F.elu(t, 0.5), [0.5 * np.exp(-1), 0.5, 1.0]),
        "hardtanh": (F.hardtanh, [0.0, 1.0, 0.0]),  # zero on the bounds, as PyTorch
        "hardtanh-0-1": (lambda t: F.hardtanh(t, 0.0, 1.0), [0.0, 0.0, 0.0]),
        "softplus-threshold-0": (lambda t: F.softplus(t, 2.0, 0.0),
                                 [1 / (1 + np.exp(2.0)), 0.5, 1.0]),
    }
    for name, (fn, grad) in expected.items():
        x.grad = None
        fn(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-12, err_msg=name)


def test_large_inputs_stay_finite(device):
    x = t64([-800.0, 800.0], device)
    for fn in (F.elu, F.softplus, F.silu, F.gelu):
        x.grad = None
        out = fn(x)
        out.sum().backward()
        assert np.isfinite(out.numpy()).all() and np.isfinite(x.grad.numpy()).all(), fn
    # softplus keeps log1p's precision far below zero
    np.testing.assert_allclose(F.softplus(t64([-30.0], device)).detach().numpy(),
                               np.log1p(np.exp(-30.0)), rtol=1e-14)


@pytest.mark.parametrize("name, args", [
    ("leaky_relu", (0.3,)), ("elu", (2.0,)), ("silu", ()), ("hardtanh", (-0.5, 0.5)),
    ("relu", ())])
def test_inplace_forms(device, name, args):
    fn = getattr(F, name)
    base = t64(X, device)
    expected = fn(base * 1.0, *args).detach().numpy()
    y = base * 1.0
    version = y._version.value
    out = fn(y, *args, inplace=True)
    assert out is y and y._version.value > version
    np.testing.assert_allclose(y.detach().numpy(), expected)
    y.sum().backward()  # the gradient flows through the in-place op
    base_grad = base.grad.numpy().copy()
    base.grad = None
    fn(base * 1.0, *args).sum().backward()
    np.testing.assert_allclose(base_grad, base.grad.numpy())
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        fn(t64(X, device), *args, inplace=True)


def test_hardtanh_keeps_integer_dtype(device):
    out = F.hardtanh(mdl.tensor([-3, 0, 3], device=device))
    assert out.dtype == mdl.int64
    np.testing.assert_array_equal(out.numpy(), [-1, 0, 1])


LAYERS = {
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), REFERENCES["leaky_relu"][1],
                  "LeakyReLU(negative_slope=0.2)"),
    "ELU": (lambda: nn.ELU(0.7, inplace=True), REFERENCES["elu"][1],
            "ELU(alpha=0.7, inplace=True)"),
    "GELU": (nn.GELU, REFERENCES["gelu"][1], "GELU(approximate='none')"),
    "GELU-tanh": (lambda: nn.GELU("tanh"), REFERENCES["gelu-tanh"][1],
                  "GELU(approximate='tanh')"),
    "SiLU": (nn.SiLU, REFERENCES["silu"][1], "SiLU()"),
    "Softplus": (lambda: nn.Softplus(2.0, 1.0), REFERENCES["softplus-beta"][1],
                 "Softplus(beta=2.0, threshold=1.0)"),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 1.5), REFERENCES["hardtanh"][1],
                 "Hardtanh(min_val=-0.5, max_val=1.5)"),
    "Softmax": (lambda: nn.Softmax(dim=1),
                lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True), "Softmax(dim=1)"),
    "LogSoftmax": (lambda: nn.LogSoftmax(1),
                   lambda x: x - np.log(np.exp(x).sum(1, keepdims=True)), "LogSoftmax(dim=1)"),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers(device, name):
    make, reference, text = LAYERS[name]
    layer = make()
    assert repr(layer) == text
    assert list(layer.state_dict()) == []
    out = layer(t64(X, device, requires_grad=False))
    assert_close(out, reference(X), dtype=np.float64)
    if not getattr(layer, "inplace", False):
        check_gradients(layer, t64(X, device))


def test_layer_arguments_are_checked():
    with pytest.raises(TypeError, match="LeakyReLU: negative_slope"):
        nn.LeakyReLU("a")
    with pytest.raises(ValueError, match="Hardtanh: max_val must be greater"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="GELU: approximate"):
        nn.GELU("fast")
    with pytest.raises(RuntimeError, match="gelu: approximate argument"):
        F.gelu(mdl.zeros(2), approximate="fast")

"""Activation functions and layers against PyTorch: values and gradients in
float64 (float32 values too), including the points where PyTorch picks a
one-sided derivative (0 for leaky_relu and elu, the bounds of hardtanh, the
threshold of softplus)."""

import numpy as np
import pytest

from .helpers import compare

RNG = np.random.default_rng(0)
X = np.concatenate([RNG.uniform(-4, 4, 20), [0.0, -1.0, 1.0, 0.5, -0.5, 2.0, 25.0, -30.0]])
X32 = X.astype(np.float32)


def _f(lib):
    return lib.nn.functional


CASES = {
    "relu": lambda lib, x: _f(lib).relu(x),
    "leaky_relu": lambda lib, x: _f(lib).leaky_relu(x),
    "leaky_relu-slope": lambda lib, x: _f(lib).leaky_relu(x, 0.3),
    "elu": lambda lib, x: _f(lib).elu(x),
    "elu-alpha": lambda lib, x: _f(lib).elu(x, alpha=0.5),
    "gelu": lambda lib, x: _f(lib).gelu(x),
    "gelu-tanh": lambda lib, x: _f(lib).gelu(x, approximate="tanh"),
    "silu": lambda lib, x: _f(lib).silu(x),
    "softplus": lambda lib, x: _f(lib).softplus(x),
    "softplus-beta-threshold": lambda lib, x: _f(lib).softplus(x, beta=2.0, threshold=1.0),
    "softplus-negative-beta": lambda lib, x: _f(lib).softplus(x, beta=-0.5),
    "hardtanh": lambda lib, x: _f(lib).hardtanh(x),
    "hardtanh-bounds": lambda lib, x: _f(lib).hardtanh(x, -0.5, 2.0),
    "softmax": lambda lib, x: _f(lib).softmax(x.reshape(4, 7), dim=1),
    "log_softmax": lambda lib, x: _f(lib).log_softmax(x.reshape(4, 7), dim=0),
    "LeakyReLU": lambda lib, x: lib.nn.LeakyReLU(0.1)(x),
    "ELU": lambda lib, x: lib.nn.ELU(1.5)(x),
    "GELU": lambda lib, x: lib.nn.GELU()(x),
    "GELU-tanh": lambda lib, x: lib.nn.GELU("tanh")(x),
    "SiLU": lambda lib, x: lib.nn.SiLU()(x),
    "Softplus": lambda lib, x: lib.nn.Softplus(0.5, 5.0)(x),
    "Hardtanh": lambda lib, x: lib.nn.Hardtanh(0.0, 1.0)(x),
    "Softmax": lambda lib, x: lib.nn.Softmax(-1)(x.reshape(2, 2, 7)),
    "LogSoftmax": lambda lib, x: lib.nn.LogSoftmax(1)(x.reshape(2, 2, 7)),
    # in place on a non-leaf: values and the gradient through it
    "leaky_relu-inplace": lambda lib, x: _f(lib).leaky_relu(x * 1, 0.2, inplace=True),
    "elu-inplace": lambda lib, x: _f(lib).elu(x * 1, inplace=True),
    "silu-inplace": lambda lib, x: _f(lib).silu(x * 1, inplace=True),
    "hardtanh-inplace": lambda lib, x: _f(lib).hardtanh(x * 1, inplace=True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_float64_values_and_gradients(case):
    compare(CASES[case], X, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", sorted(CASES))
def test_float32_values(case):
    compare(CASES[case], X32, grad=False, rtol=2e-6, atol=1e-6)


def test_second_derivatives_match():
    import torch

    import minidl as mdl

    results = []
    for lib in (mdl, torch):
        x = lib.tensor(X, requires_grad=True)
        total = None
        for name in ("elu", "gelu", "gelu-tanh", "silu", "softplus"):
            y = CASES[name](lib, x * x - 2)
            (g,) = (mdl.autograd if lib is mdl else torch.autograd).grad(
                y.sum(), x, create_graph=True)
            total = (g * g).sum() if total is None else total + (g * g).sum()
        total.backward()
        results.append(x.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)

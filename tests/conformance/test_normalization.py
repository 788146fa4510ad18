"""Normalisation against PyTorch: layer_norm, group_norm and batch_norm (incl.
BatchNorm1d on (N, C, L) in training and evaluation, with its running
statistics), values and gradients of the input and the parameters."""

import numpy as np
import pytest
import torch

import minidl as mdl

from .helpers import compare

RNG = np.random.default_rng(1)
X = RNG.standard_normal((3, 4, 5))
X4 = RNG.standard_normal((2, 4, 3, 3))
W4, B4 = RNG.standard_normal(4), RNG.standard_normal(4)
W45, B45 = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))


def _f(lib):
    return lib.nn.functional


CASES = {
    "layer_norm-last": (lambda lib, x: _f(lib).layer_norm(x, (5,)), X),
    "layer_norm-two-affine": (lambda lib, x, w, b: _f(lib).layer_norm(x, [4, 5], w, b,
                                                                       eps=1e-3), X, W45, B45),
    "layer_norm-weight-only": (lambda lib, x, w: _f(lib).layer_norm(x, (4, 5), w), X, W45),
    "group_norm": (lambda lib, x, w, b: _f(lib).group_norm(x, 2, w, b), X4, W4, B4),
    "group_norm-one-group": (lambda lib, x: _f(lib).group_norm(x, 1, eps=1e-2), X4),
    "group_norm-3d": (lambda lib, x: _f(lib).group_norm(x, 4), X),
    "batch_norm-3d-train": (lambda lib, x, w, b: _f(lib).batch_norm(
        x, None, None, w, b, training=True), X, W4, B4),
    "batch_norm-3d-eval": (lambda lib, x, w, b: _f(lib).batch_norm(
        x, x.detach().mean((0, 2)) * 0.5, x.detach().var((0, 2)) + 0.5, w, b), X, W4, B4),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_functions_match_pytorch(case):
    fn, *arrays = CASES[case]
    compare(fn, *arrays, rtol=1e-10, atol=1e-12)
    compare(fn, *[a.astype(np.float32) for a in arrays], grad=False, rtol=1e-5, atol=1e-5)


def _run_layer(lib, make, steps, x_values):
    layer = make(lib.nn).double()
    rng = np.random.default_rng(5)
    with (torch.no_grad() if lib is torch else mdl.no_grad()):
        for p in layer.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape))))
    outputs, grads = [], []
    for step in range(steps):
        if step == steps - 1:
            layer.eval()
        x = lib.tensor(x_values * (step + 1), requires_grad=True)
        out = layer(x)
        (out * lib.tensor(np.cos(x_values))).sum().backward()
        outputs.append(out.detach().numpy())
        grads.append(x.grad.numpy())
    state = {k: v.numpy() for k, v in layer.state_dict().items()}
    params = {k: p.grad.numpy() for k, p in layer.named_parameters()}
    return outputs, grads, state, params


LAYERS = {
    "BatchNorm1d-NCL": (lambda nn: nn.BatchNorm1d(4), X),
    "BatchNorm1d-NCL-no-bias": (lambda nn: nn.BatchNorm1d(4, momentum=None, bias=False), X),
    "BatchNorm1d-NC": (lambda nn: nn.BatchNorm1d(5, momentum=0.3), X[0]),
    "BatchNorm2d": (lambda nn: nn.BatchNorm2d(4), X4),
    "LayerNorm": (lambda nn: nn.LayerNorm((4, 5), eps=1e-3), X),
    "LayerNorm-no-bias": (lambda nn: nn.LayerNorm(5, bias=False), X),
    "GroupNorm": (lambda nn: nn.GroupNorm(2, 4), X4),
}


@pytest.mark.parametrize("case", sorted(LAYERS))
def test_layers_match_pytorch(case):
    make, x = LAYERS[case]
    ours = _run_layer(mdl, make, 3, x)
    theirs = _run_layer(torch, make, 3, x)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert list(ours[2]) == list(theirs[2])
    for key in ours[2]:
        np.testing.assert_allclose(ours[2][key], theirs[2][key], rtol=1e-10, err_msg=key)
    assert list(ours[3]) == list(theirs[3])
    for key in ours[3]:
        np.testing.assert_allclose(ours[3][key], theirs[3][key], rtol=1e-10, atol=1e-12,
                                   err_msg=key)
    assert repr(make(mdl.nn)) == repr(make(torch.nn))

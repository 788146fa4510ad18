"""LayerNorm and GroupNorm (layers and F functions): forward against NumPy,
float64 gradchecks for the input, weight and bias on every device, the
parameters, state keys and repr."""

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn

from helpers import assert_close, check_gradients, t32, t64

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 6, 1, 2))


def layer_norm_ref(x, k, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - k, x.ndim))
    out = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm_ref(x, groups, weight=None, bias=None, eps=1e-5):
    n, c = x.shape[:2]
    grouped = x.reshape(n, groups, -1)
    out = ((grouped - grouped.mean(2, keepdims=True))
           / np.sqrt(grouped.var(2, keepdims=True) + eps)).reshape(x.shape)
    channel = (c,) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(channel)
    if bias is not None:
        out = out + bias.reshape(channel)
    return out


@pytest.mark.parametrize("k", [1, 2, 3])
def test_layer_norm_forward_and_gradients(device, k):
    shape = X.shape[-k:]
    w, b = RNG.standard_normal(shape), RNG.standard_normal(shape)
    out = F.layer_norm(t32(X, device), shape, t32(w, device), t32(b, device), eps=1e-3)
    assert out.dtype == mdl.float32
    assert_close(out, layer_norm_ref(X.astype(np.float32).astype(np.float64), k, w, b, 1e-3)
                 .astype(np.float32), dtype=np.float32)
    check_gradients(lambda x, w_, b_: F.layer_norm(x, shape, w_, b_), t64(X, device),
                    t64(w, device), t64(b, device))
    check_gradients(lambda x: F.layer_norm(x, list(shape)), t64(X, device))


@pytest.mark.parametrize("groups", [1, 2, 3, 6])
def test_group_norm_forward_and_gradients(device, groups):
    w, b = RNG.standard_normal(6), RNG.standard_normal(6)
    out = F.group_norm(t64(X, device, requires_grad=False), groups, t64(w, device, False),
                       t64(b, device, False), eps=1e-4)
    assert_close(out, group_norm_ref(X, groups, w, b, 1e-4), dtype=np.float64)
    check_gradients(lambda x, w_, b_: F.group_norm(x, groups, w_, b_), t64(X, device),
                    t64(w, device), t64(b, device))


def test_group_norm_of_2d_and_3d_inputs(device):
    x2 = RNG.standard_normal((3, 4))
    assert_close(F.group_norm(t64(x2, device, False), 2), group_norm_ref(x2, 2),
                 dtype=np.float64)
    x3 = RNG.standard_normal((2, 4, 5))
    check_gradients(lambda x: F.group_norm(x, 4), t64(x3, device))


def test_second_derivatives(device):
    assert mdl.gradgradcheck(lambda x: F.layer_norm(x, (2,)), t64(X[:1, :2], device))
    assert mdl.gradgradcheck(lambda x: F.group_norm(x, 2), t64(X[:1, :4], device))


def test_layer_norm_layer(device):
    layer = nn.LayerNorm((1, 2), eps=1e-4).to(device)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.weight.shape == (1, 2) and layer.weight.numpy().tolist() == [[1, 1]]
    assert repr(layer) == "LayerNorm((1, 2), eps=0.0001, elementwise_affine=True, bias=True)"
    assert_close(layer(t32(X, device)), layer_norm_ref(X.astype(np.float32), 2, eps=1e-4))
    layer(t32(X, device)).sum().backward()
    assert layer.weight.grad.shape == (1, 2) and layer.bias.grad is not None
    assert list(nn.LayerNorm(4, elementwise_affine=False).state_dict()) == []
    assert [n for n, _ in nn.LayerNorm(4, bias=False).named_parameters()] == ["weight"]
    assert nn.LayerNorm(5).normalized_shape == (5,)
    check_gradients(nn.LayerNorm(2).double().to(device), t64(X, device))


def test_group_norm_layer(device):
    layer = nn.GroupNorm(3, 6).to(device)
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert repr(layer) == "GroupNorm(3, 6, eps=1e-05, affine=True, bias=True)"
    assert_close(layer(t32(X, device)), group_norm_ref(X.astype(np.float32), 3))
    assert list(nn.GroupNorm(2, 4, affine=False).state_dict()) == []
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible by"):
        nn.GroupNorm(2, 5)
    with pytest.raises(RuntimeError, match=r"GroupNorm: expected input of shape \(N, 6"):
        layer(t32(X[:, :4], device))
    check_gradients(nn.GroupNorm(2, 6).double().to(device), t64(X, device))

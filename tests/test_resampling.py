"""Adaptive pooling for any output size and interpolation (F.interpolate,
Upsample): forward against direct NumPy loops over PyTorch's windows and
source coordinates, float64 gradchecks on every device, indices and ties."""

import math

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn

from helpers import assert_close, check_gradients, t32, t64

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 5, 7))


def _window(i, in_size, out_size):
    return (i * in_size) // out_size, math.ceil((i + 1) * in_size / out_size)


def adaptive_ref(x, out_h, out_w, reduce):
    out = np.empty(x.shape[:-2] + (out_h, out_w))
    for i in range(out_h):
        h0, h1 = _window(i, x.shape[-2], out_h)
        for j in range(out_w):
            w0, w1 = _window(j, x.shape[-1], out_w)
            out[..., i, j] = reduce(x[..., h0:h1, w0:w1], axis=(-2, -1))
    return out


SIZES = [(1, 1), (2, 3), (5, 7), (3, 2), (4, 4), (7, 9), (1, 7), (5, 1)]


@pytest.mark.parametrize("size", SIZES)
def test_adaptive_pools_forward_and_gradients(device, size):
    assert_close(F.adaptive_avg_pool2d(t64(X, device, False), size),
                 adaptive_ref(X, *size, np.mean), dtype=np.float64)
    assert_close(F.adaptive_max_pool2d(t64(X, device, False), size),
                 adaptive_ref(X, *size, np.max), dtype=np.float64)
    out = F.adaptive_avg_pool2d(t32(X, device), size)
    assert out.dtype == mdl.float32
    check_gradients(lambda x: F.adaptive_avg_pool2d(x, size), t64(X[:1, :1], device))
    check_gradients(lambda x: F.adaptive_max_pool2d(x, size), t64(X[:1, :1], device))


def test_adaptive_sizes_with_none_and_unbatched_input(device):
    out = F.adaptive_avg_pool2d(t64(X, device, False), (2, None))
    assert out.shape == (2, 3, 2, 7)
    assert_close(out, adaptive_ref(X, 2, 7, np.mean), dtype=np.float64)
    out = F.adaptive_max_pool2d(t64(X[0], device, False), 3)
    assert out.shape == (3, 3, 3)
    assert_close(out, adaptive_ref(X[0], 3, 3, np.max), dtype=np.float64)
    assert F.adaptive_avg_pool2d(t64(X, device, False), 0).shape == (2, 3, 0, 0)
    assert F.adaptive_avg_pool2d(mdl.zeros(0, 2, 3, 3, device=device), 2).shape == (0, 2, 2, 2)


def test_adaptive_max_indices_and_ties(device):
    x = np.array([[[[1.0, 3.0, 3.0, 0.0],
                    [3.0, 2.0, 3.0, 1.0],
                    [0.0, 0.0, 5.0, 5.0]]]])
    values, indices = F.adaptive_max_pool2d(t64(x, device), (2, 2), return_indices=True)
    # windows rows 0-1 / 1-2, columns 0-1 / 2-3: the first maximum in row-major order
    np.testing.assert_array_equal(values.detach().numpy(), [[[[3.0, 3.0], [3.0, 5.0]]]])
    np.testing.assert_array_equal(indices.numpy(), [[[[1, 2], [4, 10]]]])
    assert indices.dtype == mdl.int64
    xt = t64(x, device)
    F.adaptive_max_pool2d(xt, (2, 2)).sum().backward()
    expected = np.zeros(12)
    np.add.at(expected, [1, 2, 4, 10], 1.0)
    np.testing.assert_array_equal(xt.grad.numpy().ravel(), expected)
    flat = X.reshape(2, 3, -1)
    values, indices = F.adaptive_max_pool2d(t64(X, device, False), (3, 4), return_indices=True)
    np.testing.assert_array_equal(np.take_along_axis(flat, indices.numpy().reshape(2, 3, -1),
                                                     2).reshape(values.shape), values.numpy())


def test_adaptive_layers(device):
    layer = nn.AdaptiveMaxPool2d((2, None), return_indices=True)
    values, indices = layer(t32(X, device))
    assert values.shape == indices.shape == (2, 3, 2, 7)
    assert repr(nn.AdaptiveAvgPool2d((3, None))) == "AdaptiveAvgPool2d(output_size=(3, None))"
    assert_close(nn.AdaptiveAvgPool2d(3)(t64(X, device, False)),
                 adaptive_ref(X, 3, 3, np.mean), dtype=np.float64)
    with pytest.raises(ValueError, match="AdaptiveMaxPool2d: output_size"):
        nn.AdaptiveMaxPool2d(-1)


# ---- interpolate ----------------------------------------------------------------------------
def _source_scale(in_size, out_size, scale, align_corners):
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / scale if scale else in_size / out_size


def linear_ref(x, axis, out_size, scale=None, align_corners=False):
    in_size = x.shape[axis]
    step = _source_scale(in_size, out_size, scale, align_corners)
    out = []
    for i in range(out_size):
        src = step * i if align_corners else max(step * (i + 0.5) - 0.5, 0.0)
        low = min(int(np.floor(src)), in_size - 1)
        lam = min(max(src - low, 0.0), 1.0)
        high = min(low + 1, in_size - 1)
        out.append((1 - lam) * np.take(x, low, axis) + lam * np.take(x, high, axis))
    return np.stack(out, axis)


def nearest_ref(x, axis, out_size, scale=None, exact=False):
    in_size = x.shape[axis]
    step = 1.0 / scale if scale else in_size / out_size
    picks = [min(int(np.floor((i + (0.5 if exact else 0.0)) * step)), in_size - 1)
             for i in range(out_size)]
    return np.take(x, picks, axis)


INTERPOLATIONS = {
    "nearest-size": (dict(size=(3, 10)), lambda x: nearest_ref(nearest_ref(x, 2, 3), 3, 10)),
    "nearest-scale": (dict(scale_factor=2), lambda x: nearest_ref(nearest_ref(x, 2, 10), 3, 14)),
    "nearest-exact": (dict(size=(4, 9), mode="nearest-exact"),
                      lambda x: nearest_ref(nearest_ref(x, 2, 4, exact=True), 3, 9, exact=True)),
    "bilinear": (dict(size=(8, 4), mode="bilinear"),
                 lambda x: linear_ref(linear_ref(x, 2, 8), 3, 4)),
    "bilinear-align": (dict(size=(8, 4), mode="bilinear", align_corners=True),
                       lambda x: linear_ref(linear_ref(x, 2, 8, align_corners=True), 3, 4,
                                            align_corners=True)),
    "bilinear-scale": (dict(scale_factor=(1.5, 0.6), mode="bilinear"),
                       lambda x: linear_ref(linear_ref(x, 2, 7, 1.5), 3, 4, 0.6)),
    "bilinear-recompute": (dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True),
                           lambda x: linear_ref(linear_ref(x, 2, 7), 3, 10)),
    "area": (dict(size=(2, 3), mode="area"), lambda x: adaptive_ref(x, 2, 3, np.mean)),
}


@pytest.mark.parametrize("case", sorted(INTERPOLATIONS))
def test_interpolate_forward_and_gradients(device, case):
    kwargs, reference = INTERPOLATIONS[case]
    assert_close(F.interpolate(t64(X, device, False), **kwargs), reference(X),
                 dtype=np.float64)
    check_gradients(lambda x: F.interpolate(x, **kwargs), t64(X[:1, :1], device))


def test_interpolate_3d(device):
    x = X[:, :, 0]
    assert_close(F.interpolate(t64(x, device, False), size=11), nearest_ref(x, 2, 11),
                 dtype=np.float64)
    assert_close(F.interpolate(t64(x, device, False), scale_factor=1.7, mode="linear"),
                 linear_ref(x, 2, 11, 1.7), dtype=np.float64)
    check_gradients(lambda t: F.interpolate(t, size=4, mode="linear", align_corners=True),
                    t64(x, device))


def test_upsample_layer(device):
    layer = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    assert repr(layer) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert repr(nn.Upsample(size=(3, 4))) == "Upsample(size=(3, 4), mode='nearest')"
    out = layer(t32(X, device))
    assert out.shape == (2, 3, 10, 14) and out.dtype == mdl.float32
    assert_close(out, linear_ref(linear_ref(X.astype(np.float32).astype(np.float64), 2, 10, 2),
                                 3, 14, 2), dtype=np.float32)
    assert list(layer.state_dict()) == []


def test_interpolate_argument_errors():
    x = mdl.zeros(1, 1, 3, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(mdl.zeros(1, 1, 3), size=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match="'bicubic' is not supported"):
        F.interpolate(x, size=2, mode="bicubic")
    with pytest.raises(RuntimeError, match="greater than 0"):
        F.interpolate(x, scale_factor=0.1)

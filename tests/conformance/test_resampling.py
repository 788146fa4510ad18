"""Adaptive pooling and interpolation against PyTorch: values (float64 and
float32), gradients, indices, for sizes that divide, don't divide, shrink
and enlarge, and scale factors whose source coordinates PyTorch computes in
single precision."""

import numpy as np
import pytest
import torch

import minidl as mdl

from .helpers import compare

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 2, 5, 7))
X3 = RNG.standard_normal((2, 3, 6))


def _f(lib):
    return lib.nn.functional


POOL_SIZES = [1, 2, 3, (2, 5), (5, 7), (4, 3), (6, 9), (11, 13), (2, None), (None, 3), 0]


@pytest.mark.parametrize("size", POOL_SIZES, ids=str)
def test_adaptive_avg_pool2d(size):
    # (PyTorch's backward refuses an empty output, so size 0 compares values only)
    compare(lambda lib, x: _f(lib).adaptive_avg_pool2d(x, size), X, grad=size != 0,
            rtol=1e-12, atol=1e-14)
    compare(lambda lib, x: _f(lib).adaptive_avg_pool2d(x, size), X.astype(np.float32),
            grad=False, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", POOL_SIZES, ids=str)
def test_adaptive_max_pool2d(size):
    compare(lambda lib, x: _f(lib).adaptive_max_pool2d(x, size), X, grad=size != 0,
            rtol=1e-12, atol=1e-14)
    compare(lambda lib, x: _f(lib).adaptive_max_pool2d(x, size, return_indices=True), X,
            grad=size != 0, rtol=1e-12, atol=1e-14)


def test_adaptive_pools_with_ties_and_unbatched_input():
    ties = np.round(X * 2) / 2
    compare(lambda lib, x: _f(lib).adaptive_max_pool2d(x, (3, 4), True), ties)
    compare(lambda lib, x: lib.nn.AdaptiveMaxPool2d(2, return_indices=True)(x), ties[0])
    compare(lambda lib, x: lib.nn.AdaptiveAvgPool2d((3, None))(x), X[0])


INTERPOLATE = {
    "nearest-size": dict(size=(9, 4)),
    "nearest-double": dict(scale_factor=2),
    "nearest-scale-1.3": dict(scale_factor=1.3),
    "nearest-scale-0.7": dict(scale_factor=(0.7, 1.6)),
    "nearest-size-13": dict(size=(13, 11)),
    "nearest-recompute": dict(scale_factor=1.3, recompute_scale_factor=True),
    "nearest-exact": dict(size=(9, 4), mode="nearest-exact"),
    "nearest-exact-scale": dict(scale_factor=1.7, mode="nearest-exact"),
    "bilinear-size": dict(size=(9, 4), mode="bilinear"),
    "bilinear-align": dict(size=(9, 4), mode="bilinear", align_corners=True),
    "bilinear-align-one": dict(size=(1, 3), mode="bilinear", align_corners=True),
    "bilinear-scale": dict(scale_factor=1.3, mode="bilinear"),
    "bilinear-scale-down": dict(scale_factor=(0.5, 0.4), mode="bilinear"),
    "bilinear-scale-align": dict(scale_factor=2.5, mode="bilinear", align_corners=True),
    "bilinear-recompute": dict(scale_factor=1.3, mode="bilinear", recompute_scale_factor=True),
    "area": dict(size=(3, 4), mode="area"),
    "area-up": dict(scale_factor=1.5, mode="area"),
}


@pytest.mark.parametrize("case", sorted(INTERPOLATE))
def test_interpolate_4d(case):
    kwargs = INTERPOLATE[case]
    compare(lambda lib, x: _f(lib).interpolate(x, **kwargs), X, rtol=1e-12, atol=1e-14)
    compare(lambda lib, x: _f(lib).interpolate(x, **kwargs), X.astype(np.float32),
            grad=False, rtol=1e-5, atol=1e-6)


INTERPOLATE_3D = {
    "nearest": dict(size=10),
    "nearest-scale": dict(scale_factor=1.7),
    "linear": dict(size=10, mode="linear"),
    "linear-align": dict(scale_factor=0.6, mode="linear", align_corners=True),
    "area": dict(size=4, mode="area"),
}


@pytest.mark.parametrize("case", sorted(INTERPOLATE_3D))
def test_interpolate_3d(case):
    kwargs = INTERPOLATE_3D[case]
    compare(lambda lib, x: _f(lib).interpolate(x, **kwargs), X3, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("make", [
    lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(6, 8), mode="bilinear", align_corners=True),
    lambda nn: nn.Upsample(scale_factor=(1.5, 2.0), mode="bilinear"),
    lambda nn: nn.AdaptiveAvgPool2d((3, None)),
    lambda nn: nn.AdaptiveMaxPool2d(2),
], ids=["Upsample", "Upsample-bilinear-align", "Upsample-scale-tuple", "AdaptiveAvgPool2d",
        "AdaptiveMaxPool2d"])
def test_layers(make):
    assert repr(make(mdl.nn)) == repr(make(torch.nn))
    compare(lambda lib, x: make(lib.nn)(x), X, rtol=1e-12, atol=1e-14)

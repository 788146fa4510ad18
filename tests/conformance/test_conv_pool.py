"""Convolutions and fixed-window pooling against PyTorch: values, gradients
(input, weight, bias), indices, output sizes, layer attributes, repr and
state_dict keys, for groups, dilation, 'same' / 'valid' padding, padding
modes, transposed convolutions with output_padding and output_size, and
ceil_mode / count_include_pad / divisor_override pooling."""

import numpy as np
import pytest
import torch

import minidl as mdl

from .helpers import compare

# PyTorch warns that an even 'same' kernel copies the input (as minidl does too)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 4, 7, 6))
TOL = dict(rtol=1e-10, atol=1e-12)


def _f(lib):
    return lib.nn.functional


def _w(*shape):
    return RNG.standard_normal(shape)


CONV2D = [
    # (weight shape, kwargs)
    ((6, 4, 3, 3), dict()),
    ((6, 4, 3, 2), dict(stride=(2, 1), padding=(1, 2))),
    ((6, 2, 3, 3), dict(groups=2, padding=1)),
    ((4, 1, 3, 3), dict(groups=4, stride=2)),
    ((8, 1, 1, 1), dict(groups=4)),
    ((6, 4, 3, 3), dict(dilation=2, padding=1)),
    ((6, 4, 2, 3), dict(dilation=(1, 2), stride=(1, 2))),
    ((6, 2, 2, 2), dict(padding="same", groups=2)),
    ((6, 4, 4, 3), dict(padding="same", dilation=(1, 2))),
    ((6, 4, 3, 3), dict(padding="same", dilation=2)),
    ((6, 4, 3, 3), dict(padding="valid", stride=2)),
]


@pytest.mark.parametrize("wshape, kwargs", CONV2D, ids=lambda v: str(v))
def test_conv2d(wshape, kwargs):
    w, b = _w(*wshape), _w(wshape[0])
    compare(lambda lib, x, w, b: _f(lib).conv2d(x, w, b, **kwargs), X, w, b, **TOL)
    compare(lambda lib, x, w: _f(lib).conv2d(x, w, **kwargs), X.astype(np.float32),
            w.astype(np.float32), rtol=1e-4, atol=1e-5)


def test_conv2d_unbatched():
    compare(lambda lib, x, w: _f(lib).conv2d(x, w, padding=1, groups=2), X[0], _w(4, 2, 3, 3),
            **TOL)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same", "valid"], ids=str)
def test_conv2d_layer_padding_modes(mode, padding):
    def run(lib, x, w, b):
        lib.manual_seed(0)
        layer = lib.nn.Conv2d(4, 6, (3, 2), padding=padding, padding_mode=mode, dilation=(1, 2),
                              groups=2).double()
        with lib.no_grad():
            layer.weight.copy_(w)
            layer.bias.copy_(b)
        return layer(x)
    compare(run, X, _w(6, 2, 3, 2), _w(6), **TOL)


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1), dict(dilation=2),
                                    dict(groups=2, padding="same"), dict(padding="valid")],
                         ids=str)
def test_conv1d(kwargs):
    x = RNG.standard_normal((2, 4, 9))
    groups = kwargs.get("groups", 1)
    compare(lambda lib, x, w, b: _f(lib).conv1d(x, w, b, **kwargs), x, _w(6, 4 // groups, 3),
            _w(6), **TOL)
    compare(lambda lib, x, w: _f(lib).conv1d(x, w, **kwargs), x[0], _w(6, 4 // groups, 2),
            **TOL)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "circular"])
def test_conv1d_layer(mode):
    def run(lib, x, w):
        layer = lib.nn.Conv1d(4, 2, 4, padding="same", padding_mode=mode, bias=False).double()
        with lib.no_grad():
            layer.weight.copy_(w)
        return layer(x)
    compare(run, RNG.standard_normal((2, 4, 9)), _w(2, 4, 4), **TOL)


TRANSPOSED = [
    ((4, 3, 3, 3), dict()),
    ((4, 3, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ((4, 2, 2, 3), dict(stride=(2, 3), padding=(0, 1), output_padding=(1, 2))),
    ((4, 1, 3, 3), dict(groups=2, stride=2)),
    ((4, 2, 3, 2), dict(groups=4, dilation=2, padding=1)),
    # output_padding >= stride (allowed as it is below the dilation)
    ((4, 3, 3, 3), dict(dilation=3, output_padding=2)),
]


@pytest.mark.parametrize("wshape, kwargs", TRANSPOSED, ids=lambda v: str(v))
def test_conv_transpose2d(wshape, kwargs):
    x = X[:, :, :4, :5]
    groups = kwargs.get("groups", 1)
    bias = _w(wshape[1] * groups)
    compare(lambda lib, x, w, b: _f(lib).conv_transpose2d(x, w, b, **kwargs), x, _w(*wshape),
            bias, **TOL)
    compare(lambda lib, x, w: _f(lib).conv_transpose2d(x, w, **kwargs), x[0], _w(*wshape),
            **TOL)


@pytest.mark.parametrize("output_size", [None, (9, 11), (10, 12), [2, 3, 10, 11]], ids=str)
def test_conv_transpose2d_layer(output_size):
    def run(lib, x, w, b):
        layer = lib.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2).double()
        with lib.no_grad():
            layer.weight.copy_(w)
            layer.bias.copy_(b)
        return layer(x, output_size=output_size)
    compare(run, X[:, :, :5, :6], _w(4, 3, 3, 3), _w(6), **TOL)


def test_conv_layers_match_pytorch_attributes():
    cases = [
        ("Conv2d", (4, 6, 3), dict(padding="same", dilation=2, groups=2, bias=False)),
        ("Conv2d", (4, 6, (3, 2)), dict(stride=2, padding=(1, 0), padding_mode="reflect")),
        ("Conv1d", (4, 6, 3), dict(padding=2, padding_mode="circular")),
        ("ConvTranspose2d", (4, 6, 3), dict(stride=2, output_padding=1, groups=2)),
    ]
    for name, args, kwargs in cases:
        ours, theirs = getattr(mdl.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args,
                                                                                      **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for key, value in theirs.state_dict().items():
            assert tuple(ours.state_dict()[key].shape) == tuple(value.shape)
        for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                     "dilation", "transposed", "output_padding", "groups", "padding_mode",
                     "_reversed_padding_repeated_twice"):
            assert getattr(ours, attr) == getattr(theirs, attr), (name, attr)


def test_conv_init_bounds_follow_fan_in():
    # U(-k, k), k = 1 / sqrt(fan_in): in_channels / groups (out_channels / groups when
    # transposed) times the kernel area
    for layer, fan_in in ((mdl.nn.Conv2d(8, 4, 3, groups=4), 2 * 9),
                          (mdl.nn.ConvTranspose2d(8, 4, 3, groups=2), 2 * 9)):
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(layer.weight.detach().numpy()).max() <= bound
        assert np.abs(layer.weight.detach().numpy()).max() > 0.5 * bound
        assert np.abs(layer.bias.detach().numpy()).max() <= bound


POOLS = [
    dict(kernel_size=3),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), ceil_mode=True),
    dict(kernel_size=2, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(3, 2), padding=(1, 1)),
]


@pytest.mark.parametrize("kwargs", POOLS + [dict(kernel_size=2, dilation=2),
                                            dict(kernel_size=3, stride=2, padding=1,
                                                 dilation=(2, 1), ceil_mode=True),
                                            dict(kernel_size=2, stride=1, padding=1,
                                                 dilation=2)], ids=str)
def test_max_pool2d(kwargs):
    ties = np.round(X * 2) / 2
    compare(lambda lib, x: _f(lib).max_pool2d(x, **kwargs, return_indices=True), ties, **TOL)
    compare(lambda lib, x: _f(lib).max_pool2d(x, **kwargs), X.astype(np.float32)[0], grad=False)
    compare(lambda lib, x: lib.nn.MaxPool2d(**kwargs)(x), X, **TOL)


@pytest.mark.parametrize("include", [True, False])
@pytest.mark.parametrize("divisor", [None, 3, -2])
@pytest.mark.parametrize("kwargs", POOLS, ids=str)
def test_avg_pool2d(kwargs, include, divisor):
    compare(lambda lib, x: _f(lib).avg_pool2d(x, **kwargs, count_include_pad=include,
                                               divisor_override=divisor), X, **TOL)
    compare(lambda lib, x: lib.nn.AvgPool2d(**kwargs, count_include_pad=include,
                                            divisor_override=divisor)(x),
            X.astype(np.float32)[0], grad=False, rtol=1e-6, atol=1e-6)


def test_pool_layers_match_pytorch_repr():
    for name, kwargs in (("MaxPool2d", dict(kernel_size=3, dilation=2, ceil_mode=True)),
                         ("MaxPool2d", dict(kernel_size=(2, 3), stride=1, padding=1)),
                         ("AvgPool2d", dict(kernel_size=3, ceil_mode=True, divisor_override=2)),
                         ("MaxUnpool2d", dict(kernel_size=2))):
        assert repr(getattr(mdl.nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs))


@pytest.mark.parametrize("output_size", [None, (7, 6), [2, 4, 7, 7]], ids=str)
def test_max_unpool2d(output_size):
    def run(lib, x):
        values, indices = _f(lib).max_pool2d(x, 2, stride=2, return_indices=True)
        return lib.nn.MaxUnpool2d(2)(values, indices, output_size=output_size)
    compare(run, X, **TOL)

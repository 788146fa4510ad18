"""Convolution and pooling options on every tested device: forwards against
plain NumPy references (loops over windows), backwards by float64 gradcheck.

Groups, dilation, 'same' padding (even kernels pad one more after), padding
modes, conv1d, conv_transpose2d (output_padding, groups, dilation), and max /
average pooling with dilation, ceil_mode, count_include_pad and
divisor_override, plus max_unpool2d. Shapes are tiny: the CUDA simulator runs
these too. A finite-difference gradcheck on the simulator takes minutes even
for tiny shapes, so there each backward is compared with the CPU's (which
is gradchecked), and ``test_gradcheck_on_every_device`` gradchecks one tiny
case of each op on every device."""

import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl import nn

from helpers import assert_close, check_gradients, t32, t64

RNG = np.random.default_rng(3)


def check_backward(device, fn, *arrays):
    """float64 gradcheck of ``fn`` on the CPU; elsewhere the gradients of
    sum(fn(...) * projection) must equal the CPU's."""
    if device == "cpu":
        check_gradients(fn, *[t64(a) for a in arrays])
        return
    grads = []
    for dev in ("cpu", device):
        inputs = [t64(a, dev) for a in arrays]
        out = fn(*inputs)
        projection = np.random.default_rng(5).standard_normal(out.shape)
        (out * t64(projection, dev, False)).sum().backward()
        grads.append([t.grad.cpu().numpy() for t in inputs])
    for ours, reference in zip(*grads[::-1]):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ references

def conv2d_ref(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """Direct loops: out[n, o] sums the dilated windows of its group's channels."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for oc in range(o):
        g = oc // og
        for i in range(kh):
            for j in range(kw):
                rows = slice(i * dilation[0], i * dilation[0] + (oh - 1) * stride[0] + 1,
                             stride[0])
                cols = slice(j * dilation[1], j * dilation[1] + (ow - 1) * stride[1] + 1,
                             stride[1])
                patch = x[:, g * cg:(g + 1) * cg, rows, cols]       # (N, Cg, OH, OW)
                out[:, oc] += np.einsum("nchw,c->nhw", patch, w[oc, :, i, j])
    if b is not None:
        out += b[None, :, None, None]
    return out


def conv_transpose2d_ref(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                         dilation=(1, 1), groups=1):
    """Scatter: input pixel (h, w) adds w[c, :, i, j] at output (h*s + i*d - p, ...)."""
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    full = [(s - 1) * st + d * (k - 1) + 1 + op for s, st, d, k, op in
            zip((h, wd), stride, dilation, (kh, kw), output_padding)]
    out = np.zeros((n, og * groups, full[0], full[1]))
    cg = c // groups
    for ci in range(c):
        g = ci // cg
        for i in range(kh):
            for j in range(kw):
                r0, c0 = i * dilation[0], j * dilation[1]
                out[:, g * og:(g + 1) * og,
                    r0:r0 + (h - 1) * stride[0] + 1:stride[0],
                    c0:c0 + (wd - 1) * stride[1] + 1:stride[1]] += (
                        x[:, ci, None] * w[ci, :, i, j][None, :, None, None])
    out = out[:, :, padding[0]:full[0] - padding[0], padding[1]:full[1] - padding[1]]
    if b is not None:
        out = out + b[None, :, None, None]
    return out


def pool_size(size, k, s, p, d, ceil):
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= size + p:
        out -= 1
    return out


def max_pool_ref(x, k, s, p, d=(1, 1), ceil=False):
    """PyTorch's CPU loop: (values, flat indices)."""
    n, c, h, w = x.shape
    oh, ow = (pool_size(size, *a, ceil) for size, a in zip((h, w), zip(k, s, p, d)))
    y = np.empty((n, c, oh, ow))
    idx = np.empty((n, c, oh, ow), np.int64)
    for r in range(oh):
        for q in range(ow):
            rows = [r * s[0] - p[0] + i * d[0] for i in range(k[0])]
            cols = [q * s[1] - p[1] + j * d[1] for j in range(k[1])]
            rows = [v for v in rows if 0 <= v < h]
            cols = [v for v in cols if 0 <= v < w]
            flat = np.array([a * w + b for a in rows for b in cols])
            window = x[:, :, rows][:, :, :, cols].reshape(n, c, -1)
            best = window.argmax(-1)  # first maximum, row-major
            y[:, :, r, q] = np.take_along_axis(window, best[..., None], -1)[..., 0]
            idx[:, :, r, q] = flat[best]
    return y, idx


def avg_pool_ref(x, k, s, p, ceil=False, include=True, divisor=None):
    n, c, h, w = x.shape
    oh, ow = (pool_size(size, *a, 1, ceil) for size, a in zip((h, w), zip(k, s, p)))
    y = np.empty((n, c, oh, ow))
    for r in range(oh):
        for q in range(ow):
            h0, w0 = r * s[0] - p[0], q * s[1] - p[1]
            h1, w1 = min(h0 + k[0], h + p[0]), min(w0 + k[1], w + p[1])
            size = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            total = x[:, :, h0:h1, w0:w1].sum((2, 3))
            y[:, :, r, q] = total / (divisor or (size if include else (h1 - h0) * (w1 - w0)))
    return y


# ---------------------------------------------------------------- convolutions

CONV = [
    # (x shape, weight shape, kwargs)
    ((2, 4, 6, 5), (6, 2, 3, 3), dict(groups=2, padding=1)),
    ((1, 3, 5, 5), (3, 1, 2, 3), dict(groups=3, stride=(2, 1))),
    ((2, 2, 7, 6), (3, 2, 3, 2), dict(dilation=(2, 3), padding=(1, 2))),
    ((1, 4, 5, 4), (4, 2, 1, 1), dict(groups=2)),
    ((1, 2, 8, 8), (2, 1, 3, 3), dict(groups=2, dilation=2, stride=2, padding=2)),
]


@pytest.mark.parametrize("xshape, wshape, kwargs", CONV, ids=str)
def test_conv2d_groups_and_dilation(device, xshape, wshape, kwargs):
    x, w, b = RNG.standard_normal(xshape), RNG.standard_normal(wshape), RNG.standard_normal(
        wshape[0])
    args = {key: (v, v) if isinstance(v, int) and key != "groups" else v
            for key, v in kwargs.items()}
    expected = conv2d_ref(x, w, b, **args)
    got = F.conv2d(t32(x, device), t32(w, device), t32(b, device), **kwargs)
    assert_close(got.cpu(), expected)
    check_backward(device, lambda x, w, b: F.conv2d(x, w, b, **kwargs), x[:1], w, b)


@pytest.mark.parametrize("kernel, dilation", [((3, 3), (1, 1)), ((2, 4), (1, 1)),
                                              ((3, 2), (2, 3))], ids=str)
def test_conv2d_same_and_valid_padding(device, kernel, dilation):
    x, w = RNG.standard_normal((1, 2, 5, 6)), RNG.standard_normal((3, 2) + kernel)
    # the total padding dilation * (k - 1), the odd one after (below, right)
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    padded = np.pad(x, ((0, 0), (0, 0), (totals[0] // 2, totals[0] - totals[0] // 2),
                        (totals[1] // 2, totals[1] - totals[1] // 2)))
    got = F.conv2d(t32(x, device), t32(w, device), padding="same", dilation=dilation)
    assert got.shape == (1, 3, 5, 6)
    assert_close(got.cpu(), conv2d_ref(padded, w, dilation=dilation))
    valid = F.conv2d(t32(x, device), t32(w, device), padding="valid", dilation=dilation)
    assert_close(valid.cpu(), conv2d_ref(x, w, dilation=dilation))
    check_backward(device, lambda x, w: F.conv2d(x, w, padding="same", dilation=dilation),
                   x, w)


@pytest.mark.parametrize("mode, numpy_mode", [("reflect", "reflect"), ("replicate", "edge"),
                                              ("circular", "wrap"), ("zeros", "constant")])
def test_conv2d_padding_modes(device, mode, numpy_mode):
    mdl.manual_seed(0)
    layer = nn.Conv2d(2, 3, (3, 2), padding=(1, 2), padding_mode=mode, device=device)
    x = RNG.standard_normal((2, 2, 4, 5))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)), mode=numpy_mode)
    expected = conv2d_ref(padded, layer.weight.detach().cpu().numpy().astype(np.float64),
                          layer.bias.detach().cpu().numpy().astype(np.float64))
    assert_close(layer(t32(x, device)).cpu(), expected)
    layer64 = nn.Conv2d(2, 1, 2, padding="same", padding_mode=mode, dtype=mdl.float64)
    pad_mode = "constant" if mode == "zeros" else mode
    check_backward(device, lambda x, w: F.conv2d(
        F.pad(x, layer64._reversed_padding_repeated_twice, pad_mode), w),
        x[:1], layer64.weight.detach().numpy())


def test_conv1d(device):
    x, w, b = (RNG.standard_normal((2, 4, 9)), RNG.standard_normal((2, 2, 3)),
               RNG.standard_normal(2))
    got = F.conv1d(t32(x, device), t32(w, device), t32(b, device), stride=2, padding=2,
                   dilation=2, groups=2)
    expected = conv2d_ref(x[:, :, None], w[:, :, None], b, (1, 2), (0, 2), (1, 2), 2)[:, :, 0]
    assert_close(got.cpu(), expected)
    assert_close(F.conv1d(t32(x[0], device), t32(w, device), groups=2).cpu(),
                 conv2d_ref(x[:1, :, None], w[:, :, None], groups=2)[0, :, 0])
    layer = nn.Conv1d(4, 2, 4, padding="same", padding_mode="circular", dtype=mdl.float64,
                      device=device)
    assert layer(t64(x, device, False)).shape == (2, 2, 9)
    check_backward(device, lambda x, w: F.conv1d(x, w, padding="same", groups=2), x[:1], w)


TRANSPOSED = [
    ((1, 2, 3, 4), (2, 3, 3, 3), dict()),
    ((2, 2, 3, 3), (2, 2, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 2, 3), (4, 1, 2, 3), dict(stride=(2, 3), groups=4, output_padding=(1, 2))),
    ((1, 2, 3, 3), (2, 2, 3, 3), dict(dilation=2, padding=1, groups=2)),
    # output_padding beyond the stride (below the dilation): bias-only rows and columns
    ((1, 2, 3, 3), (2, 1, 2, 2), dict(dilation=3, output_padding=2)),
]


@pytest.mark.parametrize("xshape, wshape, kwargs", TRANSPOSED, ids=str)
def test_conv_transpose2d(device, xshape, wshape, kwargs):
    groups = kwargs.get("groups", 1)
    x, w = RNG.standard_normal(xshape), RNG.standard_normal(wshape)
    b = RNG.standard_normal(wshape[1] * groups)
    args = {key: (v, v) if isinstance(v, int) and key != "groups" else v
            for key, v in kwargs.items()}
    expected = conv_transpose2d_ref(x, w, b, **args)
    got = F.conv_transpose2d(t32(x, device), t32(w, device), t32(b, device), **kwargs)
    assert_close(got.cpu(), expected)
    check_backward(device, lambda x, w, b: F.conv_transpose2d(x, w, b, **kwargs), x[:1], w, b)


def test_conv_transpose2d_is_the_adjoint_of_conv2d(device):
    # <conv2d(x), y> == <x, conv_transpose2d(y)> with the same weight and geometry
    x, w = RNG.standard_normal((1, 4, 7, 6)), RNG.standard_normal((6, 2, 3, 2))
    kw = dict(stride=2, padding=1, dilation=(1, 2), groups=2)
    y = F.conv2d(t64(x, device, False), t64(w, device, False), **kw)
    g = RNG.standard_normal(y.shape)
    back = F.conv_transpose2d(t64(g, device, False), t64(w, device, False),
                              output_padding=(0, 1), **kw)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(y.cpu().numpy() * g), np.sum(x * back.cpu().numpy()),
                               rtol=1e-10)


def test_conv_transpose2d_layer_output_size(device):
    layer = nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, groups=2, device=device)
    assert layer.weight.shape == (2, 2, 3, 3)
    x = t32(RNG.standard_normal((1, 2, 4, 5)), device)
    assert layer(x).shape == (1, 4, 7, 9)
    assert layer(x, output_size=(8, 10)).shape == (1, 4, 8, 10)
    assert layer(x, output_size=[1, 4, 7, 10]).shape == (1, 4, 7, 10)
    assert layer(x[0]).shape == (4, 7, 9)


# --------------------------------------------------------------------- pooling

MAX_POOLS = [
    # (kernel, stride, padding, dilation, ceil_mode)
    ((3, 3), (2, 2), (1, 1), (1, 1), True),
    ((2, 2), (2, 2), (0, 0), (1, 1), True),
    ((2, 3), (1, 2), (1, 1), (2, 1), False),
    ((3, 2), (2, 3), (1, 1), (2, 2), True),
    ((2, 2), (3, 3), (1, 0), (3, 2), True),
]


@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil", MAX_POOLS, ids=str)
def test_max_pool2d_options(device, kernel, stride, padding, dilation, ceil):
    x = np.round(RNG.standard_normal((2, 2, 7, 8)) * 2) / 2  # ties
    y, idx = F.max_pool2d(t32(x, device), kernel, stride, padding, dilation, ceil_mode=ceil,
                          return_indices=True)
    want_y, want_idx = max_pool_ref(x, kernel, stride, padding, dilation, ceil)
    assert_close(y.cpu(), want_y)
    assert idx.dtype == mdl.int64
    np.testing.assert_array_equal(idx.cpu().numpy(), want_idx)
    layer = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil)
    check_backward(device, layer, RNG.standard_normal((1, 2, 7, 8)))  # no ties


AVG_POOLS = [
    # (kernel, stride, padding, ceil_mode)
    ((3, 3), (2, 2), (1, 1), True),
    ((2, 2), (2, 2), (0, 0), True),
    ((3, 2), (2, 3), (1, 1), False),
    ((4, 3), (3, 2), (2, 1), True),
]


@pytest.mark.parametrize("divisor", [None, 5])
@pytest.mark.parametrize("include", [True, False])
@pytest.mark.parametrize("kernel, stride, padding, ceil", AVG_POOLS, ids=str)
def test_avg_pool2d_options(device, kernel, stride, padding, ceil, include, divisor):
    x = RNG.standard_normal((2, 2, 7, 8))
    y = F.avg_pool2d(t32(x, device), kernel, stride, padding, ceil, include, divisor)
    assert_close(y.cpu(), avg_pool_ref(x, kernel, stride, padding, ceil, include, divisor))
    layer = nn.AvgPool2d(kernel, stride, padding, ceil, include, divisor)
    check_backward(device, layer, x[:1])


def test_pools_take_unbatched_input(device):
    x = RNG.standard_normal((2, 5, 6))
    y, idx = F.max_pool2d(t32(x, device), 2, ceil_mode=True, return_indices=True)
    want_y, want_idx = max_pool_ref(x[None], (2, 2), (2, 2), (0, 0), ceil=True)
    assert_close(y.cpu(), want_y[0])
    np.testing.assert_array_equal(idx.cpu().numpy(), want_idx[0])
    assert_close(nn.AvgPool2d(3, 2, 1, count_include_pad=False)(t32(x, device)).cpu(),
                 avg_pool_ref(x[None], (3, 3), (2, 2), (1, 1), include=False)[0])


def test_max_unpool2d(device):
    x = RNG.standard_normal((2, 2, 5, 6))
    values, idx = F.max_pool2d(t64(x, device, False), 2, return_indices=True)
    out = nn.MaxUnpool2d(2)(values, idx)
    assert out.shape == (2, 2, 4, 6)
    expected = np.zeros((2, 2, 4 * 6))
    np.put_along_axis(expected, idx.cpu().numpy().reshape(2, 2, -1),
                      values.cpu().numpy().reshape(2, 2, -1), -1)
    np.testing.assert_array_equal(out.cpu().numpy(), expected.reshape(2, 2, 4, 6))
    sized = F.max_unpool2d(values, idx, 2, output_size=(5, 6))
    assert sized.shape == (2, 2, 5, 6)
    check_backward(device, lambda v: F.max_unpool2d(v, idx.cpu().to(v.device), 2,
                                                    output_size=(5, 7)),
                   values.cpu().numpy())


def _backend_calls(device, monkeypatch):
    """The names of the backend primitives called from now on, in order."""
    from minidl.backend import get_backend
    from minidl.backend.base import Backend

    backend = get_backend(device)
    calls = []
    for name in Backend.__abstractmethods__:
        real = getattr(backend, name)
        monkeypatch.setattr(backend, name,
                            lambda *a, _n=name, _r=real, **k: calls.append(_n) or _r(*a, **k))
    return calls


def test_default_pooling_and_convolution_calls_are_unchanged(device, monkeypatch):
    """The default arguments take the primitives they took before the options
    existed, one call each, forward and backward: a strided convolution im2col and
    a product, a 3x3 stride-1 one (the Inception network's) the direct primitives."""
    x = t32(RNG.standard_normal((2, 3, 8, 8)), device)
    w = t32(RNG.standard_normal((4, 3, 3, 3)), device, requires_grad=True)
    b = t32(RNG.standard_normal(4), device, requires_grad=True)
    calls = _backend_calls(device, monkeypatch)
    y = F.avg_pool2d(F.max_pool2d(F.conv2d(x, w, b, 2, 1), 3, 2, 1), 2)
    assert calls == ["im2col", "reshape", "matmul", "reshape", "reshape", "add",
                     "max_pool2d_forward", "avg_pool2d_forward"]
    calls.clear()
    y.backward(mdl.ones(y.shape, device=device))
    assert calls == ["full", "avg_pool2d_backward", "max_pool2d_backward", "reshape",
                     "transpose", "matmul", "sum", "transpose", "reshape", "sum"]
    x.requires_grad_()
    w.grad = b.grad = None
    calls.clear()
    y = F.conv2d(x, w, b, 1, 1)
    assert calls == ["conv2d_forward", "reshape", "add"]
    calls.clear()
    y.backward(mdl.ones(y.shape, device=device))
    assert calls == ["full", "conv2d_input_grad", "conv2d_weight_grad", "sum"]


def test_gradcheck_on_every_device(device):
    """One tiny case of each op, gradchecked on the device itself."""
    x, w = t64(RNG.standard_normal((1, 2, 3, 3)), device), t64(RNG.standard_normal((2, 1, 2, 2)),
                                                              device)
    check_gradients(lambda x, w: F.conv2d(x, w, padding="same", dilation=(1, 2), groups=2), x,
                    w)
    check_gradients(lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=1,
                                                    groups=2), x, w)
    check_gradients(lambda x: F.max_pool2d(x, 2, 2, 1, dilation=(2, 1), ceil_mode=True), x)
    check_gradients(lambda x: F.avg_pool2d(x, 2, 2, 1, ceil_mode=True, count_include_pad=False),
                    x)

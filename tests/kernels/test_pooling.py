"""Pooling primitives (kernels/<device>/pooling.py) against plain loops written
after PyTorch's CPU kernels, on every tested device."""

import numpy as np
import pytest

from minidl.kernels.cpu import pooling as cpu_pooling

DTYPES = [np.float32, np.float64]
X_SHAPE = (2, 3, 7, 6)
# (kh, kw, sh, sw, ph, pw), all with pad <= kernel // 2
GEOMETRIES = [
    (3, 3, 1, 1, 1, 1),
    (2, 2, 2, 2, 0, 0),
    (3, 2, 2, 1, 1, 0),
    (3, 3, 2, 2, 1, 1),
    (1, 1, 1, 1, 0, 0),
    (7, 6, 1, 1, 0, 0),
    (4, 5, 3, 2, 2, 2),
]


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def out_size(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def ref_max_pool(x, kh, kw, sh, sw, ph, pw):
    """Transliteration of PyTorch's CPU max_pool2d loop (dilation 1)."""
    n, c, h, w = x.shape
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    y = np.empty((n, c, oh, ow), dtype=x.dtype)
    idx = np.empty((n, c, oh, ow), dtype=np.int64)
    for b in range(n):
        for ch in range(c):
            for r in range(oh):
                for s in range(ow):
                    h0, w0 = r * sh - ph, s * sw - pw
                    h1, w1 = min(h0 + kh, h), min(w0 + kw, w)
                    h0, w0 = max(h0, 0), max(w0, 0)
                    best, best_idx = -np.inf, h0 * w + w0
                    for hi in range(h0, h1):
                        for wi in range(w0, w1):
                            v = x[b, ch, hi, wi]
                            if v > best or np.isnan(v):
                                best, best_idx = v, hi * w + wi
                    y[b, ch, r, s], idx[b, ch, r, s] = best, best_idx
    return y, idx


def ref_max_pool_backward(dy, idx, x_shape):
    dx = np.zeros(x_shape)
    n, c, h, w = x_shape
    for b in range(n):
        for ch in range(c):
            plane = dx[b, ch].reshape(-1)
            for k, g in zip(idx[b, ch].reshape(-1), dy[b, ch].reshape(-1)):
                plane[k] += g
    return dx


def ref_avg_pool(x, kh, kw, sh, sw, ph, pw):
    n, c, h, w = x.shape
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    y = np.zeros((n, c, oh, ow))
    for r in range(oh):
        for s in range(ow):
            for i in range(kh):
                for j in range(kw):
                    hi, wi = r * sh - ph + i, s * sw - pw + j
                    if 0 <= hi < h and 0 <= wi < w:
                        y[:, :, r, s] += x[:, :, hi, wi]
    return y / (kh * kw)


def ref_avg_pool_backward(dy, x_shape, kh, kw, sh, sw, ph, pw):
    n, c, h, w = x_shape
    dx = np.zeros(x_shape)
    for r in range(dy.shape[2]):
        for s in range(dy.shape[3]):
            for i in range(kh):
                for j in range(kw):
                    hi, wi = r * sh - ph + i, s * sw - pw + j
                    if 0 <= hi < h and 0 <= wi < w:
                        dx[:, :, hi, wi] += dy[:, :, r, s] / (kh * kw)
    return dx


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def tie_heavy_input(rng, dtype):
    """Small integers (many ties), a NaN, -inf and a plane that is entirely -inf."""
    x = rng.integers(-2, 3, X_SHAPE).astype(dtype)
    x[0, 0, 2, 3] = np.nan
    x[0, 1, 4, 1] = np.nan
    x[0, 1, 4, 2] = np.nan
    x[1, 0, 0, 0] = -np.inf
    x[1, 2] = -np.inf
    return x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_max_pool_forward_matches_loops(call, rng, geometry, dtype):
    x = tie_heavy_input(rng, dtype)
    y, idx = call.max_pool2d_forward(x, *geometry)
    ry, ridx = ref_max_pool(x, *geometry)
    assert y.dtype == dtype and idx.dtype == np.int64 and y.shape == idx.shape == ry.shape
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ridx)
    # continuous data as well (no ties)
    x = rng.standard_normal(X_SHAPE).astype(dtype)
    y, idx = call.max_pool2d_forward(x, *geometry)
    ry, ridx = ref_max_pool(x, *geometry)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ridx)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES[:4])
def test_max_pool_backward_matches_loops(call, rng, geometry, dtype):
    x = rng.standard_normal(X_SHAPE).astype(dtype)
    y, idx = call.max_pool2d_forward(x, *geometry)
    dy = rng.standard_normal(y.shape).astype(dtype)
    dx = call.max_pool2d_backward(dy, idx, X_SHAPE)
    assert dx.dtype == dtype and dx.shape == X_SHAPE
    np.testing.assert_allclose(dx, ref_max_pool_backward(dy, idx, X_SHAPE), **tol(dtype))


@pytest.mark.parametrize("group_elements", [1, 100, 300, 16384])
@pytest.mark.parametrize("geometry", [GEOMETRIES[0], GEOMETRIES[3], GEOMETRIES[6]])
def test_max_pool_groups_of_stacked_planes(rng, monkeypatch, geometry, group_elements):
    """CPU: planes go through the kernel stacked in groups; one plane per group, a few,
    and a group ending part-way through a chunk all give the loops' answer."""
    monkeypatch.setattr(cpu_pooling, "_MAX_POOL_GROUP_ELEMENTS", group_elements)
    # 36 planes: several per chunk of the kernel's split, so groups hold several too
    x = np.concatenate([tie_heavy_input(rng, np.float32) for _ in range(6)], axis=1)
    y, idx = cpu_pooling.max_pool2d_forward(x, *geometry)
    ry, ridx = ref_max_pool(x, *geometry)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ridx)


def test_max_pool_3x3_s1_p1_larger_plane(call, rng):
    """The case a network hits hard: 14x14 planes, 3x3 window, stride 1, pad 1."""
    x = rng.standard_normal((2, 3, 14, 14)).astype(np.float32)
    y, idx = call.max_pool2d_forward(x, 3, 3, 1, 1, 1, 1)
    ry, ridx = ref_max_pool(x, 3, 3, 1, 1, 1, 1)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ridx)
    dx = call.max_pool2d_backward(y, idx, x.shape)
    np.testing.assert_allclose(dx, ref_max_pool_backward(y, idx, x.shape), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_avg_pool_forward_backward_match_loops(call, rng, geometry, dtype):
    x = rng.standard_normal(X_SHAPE).astype(dtype)
    y = call.avg_pool2d_forward(x, *geometry)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, ref_avg_pool(x.astype(np.float64), *geometry), **tol(dtype))
    dy = rng.standard_normal(y.shape).astype(dtype)
    dx = call.avg_pool2d_backward(dy, X_SHAPE, *geometry)
    assert dx.dtype == dtype and dx.shape == X_SHAPE
    want = ref_avg_pool_backward(dy.astype(np.float64), X_SHAPE, *geometry)
    np.testing.assert_allclose(dx, want, **tol(dtype))
    # adjoint: <avg_pool(x), dy> == <x, avg_pool_backward(dy)>
    lhs = np.sum(y.astype(np.float64) * dy)
    np.testing.assert_allclose(lhs, np.sum(x.astype(np.float64) * dx), **tol(dtype))


def test_repeat_runs_are_bitwise_identical(call, rng):
    x = rng.standard_normal((2, 3, 14, 14)).astype(np.float32)
    y, idx = call.max_pool2d_forward(x, 3, 3, 1, 1, 1, 1)
    a = call.avg_pool2d_backward(x, x.shape, 3, 3, 1, 1, 1, 1)
    for _ in range(3):
        y2, idx2 = call.max_pool2d_forward(x, 3, 3, 1, 1, 1, 1)
        np.testing.assert_array_equal(y, y2)
        np.testing.assert_array_equal(idx, idx2)
        np.testing.assert_array_equal(a, call.avg_pool2d_backward(x, x.shape, 3, 3, 1, 1, 1, 1))


def test_non_contiguous_input(call, rng):
    x = rng.standard_normal((2, 3, 6, 7)).transpose(0, 1, 3, 2)
    y, idx = call.max_pool2d_forward(x, 3, 3, 1, 1, 1, 1)
    ry, ridx = ref_max_pool(np.ascontiguousarray(x), 3, 3, 1, 1, 1, 1)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ridx)


# ----------------------------------------------------------------------------- errors


def test_errors_forward(call, rng):
    x = rng.standard_normal(X_SHAPE)
    for f in (call.max_pool2d_forward, call.avg_pool2d_forward):
        name = f.__name__  # the primitive's name, which its errors start with
        with pytest.raises(TypeError, match="float32 or float64"):
            f(x.astype(np.int32), 2, 2, 2, 2, 0, 0)
        with pytest.raises(ValueError, match=rf"{name}: x must have shape \(N, C, H, W\)"):
            f(x[0], 2, 2, 2, 2, 0, 0)
        with pytest.raises(ValueError, match=f"{name}: empty batch"):
            f(x[:0], 2, 2, 2, 2, 0, 0)
        with pytest.raises(ValueError, match=rf"{name}: pad \(2, 0\) must be at most half"):
            f(x, 3, 3, 1, 1, 2, 0)
        with pytest.raises(ValueError, match=f"{name}: sw must be positive, got 0"):
            f(x, 2, 2, 2, 0, 0, 0)
        with pytest.raises(ValueError, match=f"{name}: kh must be positive"):
            f(x, 0, 2, 2, 2, 0, 0)
        with pytest.raises(ValueError, match=rf"{name}: kernel \(8, 2\) is larger than"):
            f(x, 8, 2, 1, 1, 0, 0)
        with pytest.raises(ValueError, match=f"{name}: input planes must not be empty"):
            f(x[:, :, :0], 2, 2, 1, 1, 1, 1)


def test_errors_max_backward(call, device, rng):
    x = rng.standard_normal(X_SHAPE)
    y, idx = call.max_pool2d_forward(x, 2, 2, 2, 2, 0, 0)
    f = call.max_pool2d_backward
    bad = idx.copy()
    bad[1, 2, 0, 1] = 42
    if device != "cpu":
        # the device launcher does not read argmax back (the forward made it): an index
        # outside the plane is skipped, nothing is written outside dx
        good = f(y, idx, X_SHAPE)
        got = f(y, bad, X_SHAPE)
        plane = good[1, 2].reshape(-1).copy()
        plane[idx[1, 2, 0, 1]] -= y[1, 2, 0, 1]
        np.testing.assert_allclose(got[1, 2].reshape(-1), plane)
        bad[1, 2, 0, 1] = -1
        np.testing.assert_allclose(f(y, bad, X_SHAPE)[1, 2].reshape(-1), plane)
        got = f(y, idx.astype(np.uint64) + np.uint64(2**63), X_SHAPE)
        assert not got.any()
        _check_argmax_shape_errors(f, y, idx)
        return
    with pytest.raises(ValueError, match=r"argmax value 42 is out of range \[0, H\*W\) = \[0, 42"):
        f(y, bad, X_SHAPE)
    bad[1, 2, 0, 1] = -1
    with pytest.raises(ValueError, match="argmax value -1 is out of range"):
        f(y, bad, X_SHAPE)
    with pytest.raises(ValueError, match="argmax value"):
        f(y, idx.astype(np.uint64) + np.uint64(2**63), X_SHAPE)
    _check_argmax_shape_errors(f, y, idx)


def _check_argmax_shape_errors(f, y, idx):
    with pytest.raises(TypeError, match="argmax must have an integer dtype"):
        f(y, idx.astype(np.float64), X_SHAPE)
    with pytest.raises(ValueError, match=r"argmax shape \(2, 3, 3, 2\) does not match dy"):
        f(y, idx[:, :, :, :2], X_SHAPE)
    with pytest.raises(ValueError, match=r"does not match x_shape \(2, 4, 7, 6\) in \(N, C\)"):
        f(y, idx, (2, 4, 7, 6))
    with pytest.raises(ValueError, match="x_shape must be"):
        f(y, idx, (2, 3, 7))
    with pytest.raises(TypeError, match="float32 or float64"):
        f(idx, idx, X_SHAPE)
    # narrower integer argmax is accepted
    np.testing.assert_array_equal(f(y, idx.astype(np.int32), X_SHAPE), f(y, idx, X_SHAPE))


def test_errors_avg_backward(call, rng):
    dy = rng.standard_normal((2, 3, 3, 3))
    with pytest.raises(ValueError, match=r"avg_pool2d_backward: dy shape \(2, 3, 3, 3\) does not"):
        call.avg_pool2d_backward(dy, X_SHAPE, 2, 2, 1, 1, 0, 0)
    with pytest.raises(ValueError, match="avg_pool2d_backward: pad"):
        call.avg_pool2d_backward(dy, X_SHAPE, 2, 2, 2, 2, 2, 0)


@pytest.mark.parametrize("geometry", [(2, 2, 2, 2, 0, 0), (3, 3, 2, 1, 1, 1)])
def test_small_planes_with_a_tie(call, device, rng, geometry):
    x = rng.standard_normal((2, 2, 5, 4)).astype(np.float32)
    x[0, 0, 1, 1] = x[0, 0, 1, 2]  # a tie
    y, idx = call.max_pool2d_forward(x, *geometry)
    ry, ridx = ref_max_pool(x, *geometry)
    np.testing.assert_array_equal(y, ry)
    np.testing.assert_array_equal(idx, ridx)
    dy = rng.standard_normal(ry.shape).astype(np.float32)
    np.testing.assert_allclose(call.max_pool2d_backward(dy, ridx, x.shape),
                               ref_max_pool_backward(dy, ridx, x.shape), **tol(np.float32))
    np.testing.assert_allclose(call.avg_pool2d_forward(x, *geometry),
                               ref_avg_pool(x.astype(np.float64), *geometry), **tol(np.float32))
    np.testing.assert_allclose(call.avg_pool2d_backward(dy, x.shape, *geometry),
                               ref_avg_pool_backward(dy.astype(np.float64), x.shape, *geometry),
                               **tol(np.float32))
    if device == "cpu":  # (the device launcher skips such an index, see test_errors_...)
        with pytest.raises(ValueError, match="out of range"):
            call.max_pool2d_backward(dy[:1, :1, :2, :2], np.array([[[[0, 1], [2, 99]]]]),
                                     (1, 1, 4, 4))


# ------------------------------------------- dilation, ceil_mode and the divisors
def pool_out(size, k, s, p, d, ceil):
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= size + p:
        out -= 1
    return out


def ref_max_pool_general(x, kh, kw, sh, sw, ph, pw, dh, dw, ceil):
    """Transliteration of PyTorch's CPU max_pool2d loop with dilation and ceil_mode."""
    n, c, h, w = x.shape
    oh, ow = pool_out(h, kh, sh, ph, dh, ceil), pool_out(w, kw, sw, pw, dw, ceil)
    y = np.empty((n, c, oh, ow), dtype=x.dtype)
    idx = np.empty((n, c, oh, ow), dtype=np.int64)
    for b in range(n):
        for ch in range(c):
            for r in range(oh):
                for s in range(ow):
                    h0, w0 = r * sh - ph, s * sw - pw
                    h1 = min(h0 + (kh - 1) * dh + 1, h)
                    w1 = min(w0 + (kw - 1) * dw + 1, w)
                    while h0 < 0:
                        h0 += dh
                    while w0 < 0:
                        w0 += dw
                    best, best_idx = -np.inf, h0 * w + w0
                    for hi in range(h0, h1, dh):
                        for wi in range(w0, w1, dw):
                            v = x[b, ch, hi, wi]
                            if v > best or np.isnan(v):
                                best, best_idx = v, hi * w + wi
                    y[b, ch, r, s], idx[b, ch, r, s] = best, best_idx
    return y, idx


def ref_avg_pool_general(x, kh, kw, sh, sw, ph, pw, ceil, include, divisor):
    """PyTorch's CPU avg_pool2d loop: the divisor of each window."""
    n, c, h, w = x.shape
    oh, ow = pool_out(h, kh, sh, ph, 1, ceil), pool_out(w, kw, sw, pw, 1, ceil)
    y = np.empty((n, c, oh, ow))
    for r in range(oh):
        for s in range(ow):
            h0, w0 = r * sh - ph, s * sw - pw
            h1, w1 = min(h0 + kh, h + ph), min(w0 + kw, w + pw)
            size = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            if divisor is not None:
                d = divisor
            else:
                d = size if include else (h1 - h0) * (w1 - w0)
            y[:, :, r, s] = x[:, :, h0:h1, w0:w1].astype(np.float64).sum((2, 3)) / d
    return y


GENERAL = [  # (kh, kw, sh, sw, ph, pw, dh, dw, ceil)
    (3, 3, 2, 2, 1, 1, 1, 1, True),
    (2, 2, 2, 2, 0, 0, 1, 1, True),
    (3, 2, 2, 3, 1, 1, 2, 2, True),
    (2, 3, 1, 2, 1, 1, 2, 1, False),
    (2, 2, 3, 3, 1, 0, 3, 2, True),
    (4, 3, 3, 2, 2, 1, 1, 1, True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GENERAL)
def test_max_pool_dilation_and_ceil_mode(call, rng, geometry, dtype):
    x = tie_heavy_input(rng, dtype)
    kh, kw, sh, sw, ph, pw, dh, dw, ceil = geometry
    y, idx = call.max_pool2d_forward(x, *geometry)
    want_y, want_idx = ref_max_pool_general(x, *geometry)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(idx, want_idx)
    dy = rng.standard_normal(y.shape).astype(dtype)
    np.testing.assert_allclose(call.max_pool2d_backward(dy, idx, X_SHAPE),
                               ref_max_pool_backward(dy, want_idx, X_SHAPE), **tol(dtype))


@pytest.mark.parametrize("divisor", [None, 4, -3])
@pytest.mark.parametrize("include", [True, False])
@pytest.mark.parametrize("geometry", [g for g in GENERAL if g[6:8] == (1, 1)])
def test_avg_pool_ceil_mode_and_divisors(call, rng, geometry, include, divisor):
    x = rng.standard_normal(X_SHAPE)
    window, ceil = geometry[:6], geometry[8]
    y = call.avg_pool2d_forward(x, *window, ceil, include, divisor)
    np.testing.assert_allclose(y, ref_avg_pool_general(x, *window, ceil, include, divisor),
                               **tol(np.float64))
    # the backward is the adjoint: <avg(x), dy> == <x, avg_backward(dy)>
    dy = rng.standard_normal(y.shape)
    dx = call.avg_pool2d_backward(dy, X_SHAPE, *window, ceil, include, divisor)
    np.testing.assert_allclose(np.sum(y * dy), np.sum(x * dx), rtol=1e-12)


def test_default_divisor_rounds_as_before(call, rng):
    # the default divisor kh*kw is the product of the row and column factors
    x = rng.standard_normal(X_SHAPE).astype(np.float32)
    y = call.avg_pool2d_forward(x, 3, 3, 2, 2, 1, 1)
    np.testing.assert_array_equal(y, call.avg_pool2d_forward(x, 3, 3, 2, 2, 1, 1, False, True,
                                                             9))


def test_option_errors(call, rng):
    x = rng.standard_normal(X_SHAPE)
    with pytest.raises(ValueError, match="max_pool2d_forward: dh must be positive"):
        call.max_pool2d_forward(x, 2, 2, 1, 1, 0, 0, 0, 1)
    with pytest.raises(TypeError, match="max_pool2d_forward: ceil_mode must be a bool"):
        call.max_pool2d_forward(x, 2, 2, 1, 1, 0, 0, 1, 1, 1)
    with pytest.raises(ValueError, match=r"max_pool2d_forward: pad \(2, 2\).*effective"):
        call.max_pool2d_forward(x, 2, 2, 1, 1, 2, 2, 2, 1)
    with pytest.raises(TypeError, match="avg_pool2d_forward: count_include_pad must be a bool"):
        call.avg_pool2d_forward(x, 2, 2, 1, 1, 0, 0, False, 1)
    with pytest.raises(ValueError, match="avg_pool2d_forward: divisor must be not zero"):
        call.avg_pool2d_forward(x, 2, 2, 1, 1, 0, 0, False, True, 0)
    with pytest.raises(TypeError, match="avg_pool2d_backward: divisor_override must be an int"):
        call.avg_pool2d_backward(x[:, :, :6, :5], X_SHAPE, 2, 2, 1, 1, 0, 0, False, True, 2.0)

"""im2col / col2im primitives (kernels/<device>/im2col.py) against plain loops,
adjointness and a direct convolution, on every tested device; the shared
output-size check of kernels/checks.py."""

import numpy as np
import pytest

from minidl.kernels.checks import conv_output_size

DTYPES = [np.float32, np.float64]
X_SHAPE = (2, 3, 7, 6)
# (kh, kw, sh, sw, ph, pw): square/non-square kernels, strides, paddings, 1x1, whole-input
GEOMETRIES = [
    (3, 3, 1, 1, 1, 1),
    (3, 2, 2, 1, 1, 0),
    (2, 2, 2, 2, 0, 0),
    (1, 1, 1, 1, 0, 0),
    (5, 4, 3, 2, 2, 3),
    (7, 6, 1, 1, 0, 0),
]


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def out_size(size, k, s, p):
    return (size + 2 * p - k) // s + 1


def ref_im2col(x, kh, kw, sh, sw, ph, pw):
    n, c, h, w = x.shape
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    cols = np.zeros((n, c * kh * kw, oh * ow), dtype=x.dtype)
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    for y in range(oh):
                        for z in range(ow):
                            hi, wi = y * sh - ph + i, z * sw - pw + j
                            if 0 <= hi < h and 0 <= wi < w:
                                cols[b, ch * kh * kw + i * kw + j, y * ow + z] = x[b, ch, hi, wi]
    return cols


def ref_col2im(cols, x_shape, kh, kw, sh, sw, ph, pw):
    n, c, h, w = x_shape
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    dx = np.zeros(x_shape)
    for b in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    for y in range(oh):
                        for z in range(ow):
                            hi, wi = y * sh - ph + i, z * sw - pw + j
                            if 0 <= hi < h and 0 <= wi < w:
                                dx[b, ch, hi, wi] += cols[b, ch * kh * kw + i * kw + j, y * ow + z]
    return dx


def ref_conv2d(x, weight, sh, sw, ph, pw):
    """Direct convolution (cross-correlation), zero padding, loops over everything."""
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + w] = x
    y = np.zeros((n, o, oh, ow))
    for b in range(n):
        for f in range(o):
            for r in range(oh):
                for s in range(ow):
                    patch = xp[b, :, r * sh:r * sh + kh, s * sw:s * sw + kw]
                    y[b, f, r, s] = np.sum(patch * weight[f])
    return y


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_conv_output_size():
    assert conv_output_size(7, 3, 1, 1) == 7
    assert conv_output_size(7, 3, 2, 1) == 4
    assert conv_output_size(6, 2, 2, 0) == 3
    assert conv_output_size(3, 3, 1, 0) == 1
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv_output_size(3, 4, 1, 0)
    with pytest.raises(ValueError, match="stride must be positive"):
        conv_output_size(7, 3, 0, 1)
    with pytest.raises(ValueError, match="kernel must be positive"):
        conv_output_size(7, 0, 1, 1)
    with pytest.raises(ValueError, match="pad must be >= 0"):
        conv_output_size(7, 3, 1, -1)
    with pytest.raises(TypeError, match="integer"):
        conv_output_size(7, 3.0, 1, 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_im2col_matches_loops(call, rng, geometry, dtype):
    x = rng.standard_normal(X_SHAPE).astype(dtype)
    cols = call.im2col(x, *geometry)
    want = ref_im2col(x, *geometry)
    assert cols.dtype == dtype and cols.shape == want.shape
    np.testing.assert_array_equal(cols, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_col2im_matches_loops_and_is_adjoint(call, rng, geometry, dtype):
    x = rng.standard_normal(X_SHAPE).astype(dtype)
    cols_shape = ref_im2col(x, *geometry).shape
    c = rng.standard_normal(cols_shape).astype(dtype)
    dx = call.col2im(c, X_SHAPE, *geometry)
    assert dx.dtype == dtype and dx.shape == X_SHAPE
    want = ref_col2im(c.astype(np.float64), X_SHAPE, *geometry)
    np.testing.assert_allclose(dx, want, **tol(dtype))
    # <call.im2col(x), c> == <x, call.col2im(c)>
    lhs = np.sum(call.im2col(x, *geometry).astype(np.float64) * c)
    rhs = np.sum(x.astype(np.float64) * dx)
    np.testing.assert_allclose(lhs, rhs, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", [(3, 3, 1, 1, 1, 1), (3, 2, 2, 1, 1, 0)])
def test_conv_as_batched_matmul(call, rng, geometry, dtype):
    kh, kw, sh, sw, ph, pw = geometry
    x = rng.standard_normal(X_SHAPE).astype(dtype)
    weight = rng.standard_normal((4, X_SHAPE[1], kh, kw)).astype(dtype)
    n, _, h, w = X_SHAPE
    oh, ow = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    y = (weight.reshape(4, -1) @ call.im2col(x, *geometry)).reshape(n, 4, oh, ow)
    np.testing.assert_allclose(y, ref_conv2d(x, weight, sh, sw, ph, pw), **tol(dtype))


def test_non_contiguous_input(call, rng):
    base = rng.standard_normal((2, 3, 6, 7))
    x = base.transpose(0, 1, 3, 2)  # (2, 3, 7, 6) view, not C-contiguous
    np.testing.assert_array_equal(
        call.im2col(x, 3, 3, 1, 1, 1, 1), call.im2col(np.ascontiguousarray(x), 3, 3, 1, 1, 1, 1)
    )


def test_repeat_runs_are_bitwise_identical(call, rng):
    c = rng.standard_normal((2, 27, 42)).astype(np.float32)
    first = call.col2im(c, X_SHAPE, 3, 3, 1, 1, 1, 1)
    for _ in range(3):
        np.testing.assert_array_equal(first, call.col2im(c, X_SHAPE, 3, 3, 1, 1, 1, 1))


# ----------------------------------------------------------------------------- errors


def test_errors_im2col(call, rng):
    x = rng.standard_normal(X_SHAPE)
    with pytest.raises(TypeError, match="float32 or float64"):
        call.im2col(x.astype(np.int64), 3, 3, 1, 1, 1, 1)
    with pytest.raises(ValueError, match=r"im2col: x must have shape \(N, C, H, W\)"):
        call.im2col(x[0], 3, 3, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="empty batch"):
        call.im2col(x[:0], 3, 3, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="im2col: sh must be positive, got 0"):
        call.im2col(x, 3, 3, 0, 1, 1, 1)
    with pytest.raises(ValueError, match="im2col: kw must be positive, got -1"):
        call.im2col(x, 3, -1, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="im2col: pw must be >= 0"):
        call.im2col(x, 3, 3, 1, 1, 1, -2)
    with pytest.raises(ValueError, match=r"im2col: kernel \(8, 3\) is larger than the padded"):
        call.im2col(x, 8, 3, 1, 1, 0, 0)
    with pytest.raises(TypeError, match="im2col: kh must be an integer"):
        call.im2col(x, 2.5, 3, 1, 1, 1, 1)


def test_errors_col2im(call, rng):
    c = rng.standard_normal((2, 27, 42))
    with pytest.raises(ValueError, match=r"col2im: cols shape \(2, 27, 42\) does not match"):
        call.col2im(c, X_SHAPE, 3, 3, 2, 2, 1, 1)
    with pytest.raises(ValueError, match=r"col2im: cols must have shape"):
        call.col2im(c[0], X_SHAPE, 3, 3, 1, 1, 1, 1)
    with pytest.raises(ValueError, match=r"col2im: x_shape must be \(N, C, H, W\)"):
        call.col2im(c, X_SHAPE[1:], 3, 3, 1, 1, 1, 1)
    with pytest.raises(TypeError, match="col2im: x_shape"):
        call.col2im(c, (2, 3, 7.0, 6), 3, 3, 1, 1, 1, 1)
    # (a CUDA device array cannot even hold complex numbers: from_numpy refuses them)
    with pytest.raises(TypeError, match="float32 or float64|bool, integer and float arrays"):
        call.col2im(c.astype(np.complex128), X_SHAPE, 3, 3, 1, 1, 1, 1)


@pytest.mark.parametrize("geometry", [(3, 3, 1, 1, 1, 1), (2, 3, 2, 1, 0, 1)])
def test_small_planes(call, rng, geometry):
    x = rng.standard_normal((2, 2, 5, 4)).astype(np.float32)
    cols = call.im2col(x, *geometry)
    np.testing.assert_array_equal(cols, ref_im2col(x, *geometry))
    c = rng.standard_normal(cols.shape).astype(np.float32)
    np.testing.assert_allclose(call.col2im(c, x.shape, *geometry),
                               ref_col2im(c.astype(np.float64), x.shape, *geometry),
                               **tol(np.float32))


# ------------------------------------------------------------------------ dilation
DILATED = [  # (kh, kw, sh, sw, ph, pw, dh, dw)
    (3, 3, 1, 1, 2, 2, 2, 2),
    (2, 3, 2, 1, 1, 0, 3, 2),
    (3, 2, 1, 2, 0, 1, 1, 3),
]


def ref_im2col_dilated(x, kh, kw, sh, sw, ph, pw, dh, dw):
    n, c, h, w = x.shape
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), x.dtype)
    xp[:, :, ph:ph + h, pw:pw + w] = x
    cols = np.zeros((n, c, kh, kw, oh, ow), x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i * dh:i * dh + (oh - 1) * sh + 1:sh,
                                  j * dw:j * dw + (ow - 1) * sw + 1:sw]
    return cols.reshape(n, c * kh * kw, oh * ow)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", DILATED)
def test_dilated_im2col_and_its_adjoint(call, rng, geometry, dtype):
    x = rng.standard_normal(X_SHAPE).astype(dtype)
    cols = call.im2col(x, *geometry)
    np.testing.assert_array_equal(cols, ref_im2col_dilated(x, *geometry))
    c = rng.standard_normal(cols.shape).astype(dtype)
    dx = call.col2im(c, X_SHAPE, *geometry)
    # <im2col(x), c> == <x, col2im(c)>
    np.testing.assert_allclose(np.sum(cols.astype(np.float64) * c),
                               np.sum(x.astype(np.float64) * dx), **tol(dtype))


def test_dilation_errors(call, rng):
    x = rng.standard_normal(X_SHAPE)
    with pytest.raises(ValueError, match="im2col: dh must be positive"):
        call.im2col(x, 3, 3, 1, 1, 1, 1, 0, 1)
    with pytest.raises(TypeError, match="im2col: dw must be an integer"):
        call.im2col(x, 3, 3, 1, 1, 1, 1, 1, 1.5)
    with pytest.raises(ValueError, match=r"im2col: kernel \(9, 3\) is larger"):
        call.im2col(x, 3, 3, 1, 1, 0, 1, 4, 1)  # the dilated extent 9 > 7

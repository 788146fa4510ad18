"""im2col / col2im on the CPU: Numba kernels and their validating launchers.

Owns the patch unfolding that turns a 2-D convolution into one batched matmul:
cols[n] has shape (C*kh*kw, OH*OW) with row c*kh*kw + i*kw + j and column oh*OW + ow,
so W(O, C*kh*kw) @ cols[n] is the (O, OH*OW) = NCHW output of image n directly.
col2im is the exact adjoint (it sums overlapping contributions), used for the input
gradient.  Zero padding, dilation (dh, dw): window element (i, j) is row i*dh, column
j*dw of the window; output size floor((size + 2*pad - dilation*(kernel-1) - 1) / stride) + 1.
The mirror file is ``kernels/cuda/im2col.py``.
"""

import numba
import numpy as np

from ..checks import check_cols_shape, check_float, check_x_shape, conv_geometry
from . import memory, threads
from .layout import check_array, contiguous

__all__ = ["im2col", "col2im"]


# --------------------------------------------------------------------------- kernels


# Both kernels work on a zero-padded copy of one (H, W) plane (float64 for the col2im
# accumulator), so every window read or write is in bounds and the inner loops are
# branch-free; the stride-1 case gets its own contiguous loop, which vectorises.  This
# is ~4x faster than clamping each window row against the borders.
#
# Planes are independent: a kernel call handles the flat planes lo .. hi-1 (n*C + c)
# with scratch of its own and writes only the output belonging to its planes, so the
# split over threads never changes a result.


@numba.njit(nogil=True, cache=True, fastmath=False)
def _im2col_kernel(lo, hi, x, cols, kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size):
    """x (N, C, H, W) -> cols (N, C*kh*kw, OH*OW).  Plane (n, c) writes rows
    c*kh*kw .. (c+1)*kh*kw - 1 of cols[n] and nothing else."""
    n_chan, height, width = x.shape[1], x.shape[2], x.shape[3]
    # the border stays zero: only the interior is overwritten, plane after plane
    scratch = np.zeros((height + 2 * ph, width + 2 * pw), dtype=x.dtype)
    for p in range(lo, hi):
        n = p // n_chan
        c = p % n_chan
        if ph == 0 and pw == 0:
            padded = x[n, c]
        else:
            # an explicit loop: Numba's array-to-array slice assignment costs ~2 s
            # of compile time
            for h in range(height):
                for w in range(width):
                    scratch[ph + h, pw + w] = x[n, c, h, w]
            padded = scratch
        for i in range(kh):
            for j in range(kw):
                row = cols[n, (c * kh + i) * kw + j]
                for oh in range(oh_size):
                    src = padded[oh * sh + i * dh, j * dw:]
                    dst = row[oh * ow_size:(oh + 1) * ow_size]
                    if sw == 1:
                        for ow in range(ow_size):
                            dst[ow] = src[ow]
                    else:
                        for ow in range(ow_size):
                            dst[ow] = src[ow * sw]


@numba.njit(nogil=True, cache=True, fastmath=False)
def _col2im_kernel(lo, hi, cols, dx, kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size):
    """Adjoint of _im2col_kernel: dx[n, c] = sum of the cols entries that read it.

    Plane by plane, so no two iterations touch the same dx element.  A plane is
    accumulated in padded float64 scratch in a fixed (i, j, oh, ow) order; the sums
    landing in the padding belong to no input element and are dropped."""
    n_chan, height, width = dx.shape[1], dx.shape[2], dx.shape[3]
    acc = np.empty((height + 2 * ph, width + 2 * pw))
    for p in range(lo, hi):
        n = p // n_chan
        c = p % n_chan
        acc[:] = 0.0
        for i in range(kh):
            for j in range(kw):
                row = cols[n, (c * kh + i) * kw + j]
                for oh in range(oh_size):
                    dst = acc[oh * sh + i * dh, j * dw:]
                    src = row[oh * ow_size:(oh + 1) * ow_size]
                    if sw == 1:
                        for ow in range(ow_size):
                            dst[ow] += np.float64(src[ow])
                    else:
                        for ow in range(ow_size):
                            dst[ow * sw] += np.float64(src[ow])
        out = dx[n, c]
        for h in range(height):
            for w in range(width):
                out[h, w] = acc[ph + h, pw + w]


# ------------------------------------------------------------------------- launchers


def _float_input(fn, name, a, ndim, layout):
    check_array(fn, name, a)
    check_float(fn, name, a, (ndim,), layout)
    return contiguous(a)


def im2col(x, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
    """Unfold (N, C, H, W) into cols (N, C*kh*kw, OH*OW) in x's dtype (zero padding);
    window element (i, j) reads row i*dh, column j*dw of the window (dilation)."""
    fn = "im2col"
    x = _float_input(fn, "x", x, 4, "(N, C, H, W)")
    geometry = conv_geometry(fn, x.shape, kh, kw, sh, sw, ph, pw, dh, dw)
    kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size = geometry
    n_batch, n_chan = x.shape[:2]
    cols = memory.empty((n_batch, n_chan * kh * kw, oh_size * ow_size), x.dtype)
    if cols.size:
        threads.parallel_for(_im2col_kernel, n_batch * n_chan,
                             (x, cols, kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size),
                             x.size + cols.size)
    return cols


def col2im(cols, x_shape, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
    """Adjoint of im2col: fold cols (N, C*kh*kw, OH*OW) back into an array of x_shape,
    summing the entries of overlapping windows.  Output in cols' dtype."""
    fn = "col2im"
    cols = _float_input(fn, "cols", cols, 3, "(N, C*kh*kw, OH*OW)")
    x_shape = check_x_shape(fn, x_shape)
    geometry = conv_geometry(fn, x_shape, kh, kw, sh, sw, ph, pw, dh, dw)
    check_cols_shape(fn, cols, x_shape, geometry)
    kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size = geometry
    dx = memory.empty(x_shape, cols.dtype)
    if dx.size:
        threads.parallel_for(_col2im_kernel, x_shape[0] * x_shape[1],
                             (cols, dx, kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size),
                             dx.size + cols.size)
    return dx

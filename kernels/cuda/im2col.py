"""im2col / col2im on the device, with the layout of ``kernels/cpu/im2col.py``, its mirror:
cols (N, C*kh*kw, OH*OW), row c*kh*kw + i*kw + j, column oh*OW + ow, zero padding,
dilation (dh, dw).

im2col is a pure gather: one thread per cols element (grid-stride).  col2im is
written as a gather too: each input element sums, in a fixed (i, j) order and
in float64, the cols entries of the windows that cover it.  No two threads
write the same element, so no atomics are needed and results are
deterministic.
"""

from numba import cuda, float64

from ..checks import check_cols_shape, check_float, check_x_shape, conv_geometry
from .config import THREADS_PER_BLOCK, blocks_for, jit
from .layout import as_array, check_array, empty, flat

__all__ = ["im2col", "col2im"]


@jit
def _im2col_kernel(x, cols, n_chan, height, width, kh, kw, sh, sw, ph, pw, dh, dw, oh_size,
                   ow_size):
    n_cols = oh_size * ow_size
    n_rows = n_chan * kh * kw
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for t in range(start, cols.size, step):
        col = t % n_cols
        row = (t // n_cols) % n_rows
        n = t // (n_cols * n_rows)
        c = row // (kh * kw)
        i = (row // kw) % kh
        j = row % kw
        h = (col // ow_size) * sh - ph + i * dh
        w = (col % ow_size) * sw - pw + j * dw
        if 0 <= h < height and 0 <= w < width:
            cols[t] = x[((n * n_chan + c) * height + h) * width + w]
        else:
            cols[t] = 0


@jit
def _col2im_kernel(cols, dx, n_chan, height, width, kh, kw, sh, sw, ph, pw, dh, dw, oh_size,
                   ow_size):
    n_cols = oh_size * ow_size
    n_rows = n_chan * kh * kw
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for t in range(start, dx.size, step):
        w = t % width
        h = (t // width) % height
        c = (t // (width * height)) % n_chan
        n = t // (width * height * n_chan)
        acc = float64(0.0)
        for i in range(kh):
            hp = h + ph - i * dh  # = oh * sh for the windows that read (h, w) at row i
            if hp < 0 or hp % sh != 0 or hp // sh >= oh_size:
                continue
            oh = hp // sh
            for j in range(kw):
                wp = w + pw - j * dw
                if wp < 0 or wp % sw != 0 or wp // sw >= ow_size:
                    continue
                row = (c * kh + i) * kw + j
                acc += float64(cols[(n * n_rows + row) * n_cols + oh * ow_size + wp // sw])
        dx[t] = acc


def _check_float(fn, name, a, ndim, layout):
    check_array(fn, name, a)
    check_float(fn, name, a, (ndim,), layout)
    return as_array(fn, a)


def im2col(x, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
    """Unfold (N, C, H, W) into cols (N, C*kh*kw, OH*OW) in x's dtype (dilation dh, dw)."""
    fn = "im2col"
    x = _check_float(fn, "x", x, 4, "(N, C, H, W)")
    geometry = conv_geometry(fn, tuple(x.shape), kh, kw, sh, sw, ph, pw, dh, dw)
    kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size = geometry
    n_batch, n_chan, height, width = (int(d) for d in x.shape)
    cols = empty((n_batch, n_chan * kh * kw, oh_size * ow_size), x.dtype)
    if cols.size:
        _im2col_kernel[blocks_for(cols.size), THREADS_PER_BLOCK](
            flat(x), flat(cols), n_chan, height, width, kh, kw, sh, sw, ph, pw, dh, dw,
            oh_size, ow_size)
    return cols


def col2im(cols, x_shape, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
    """Adjoint of im2col: cols (N, C*kh*kw, OH*OW) summed back into x_shape."""
    fn = "col2im"
    cols = _check_float(fn, "cols", cols, 3, "(N, C*kh*kw, OH*OW)")
    x_shape = check_x_shape(fn, x_shape)
    geometry = conv_geometry(fn, x_shape, kh, kw, sh, sw, ph, pw, dh, dw)
    check_cols_shape(fn, cols, x_shape, geometry)
    kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size = geometry
    n_batch, n_chan, height, width = x_shape
    dx = empty(x_shape, cols.dtype)
    if dx.size:
        _col2im_kernel[blocks_for(dx.size), THREADS_PER_BLOCK](
            flat(cols), flat(dx), n_chan, height, width, kh, kw, sh, sw, ph, pw, dh, dw,
            oh_size, ow_size)
    return dx

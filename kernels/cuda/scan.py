"""Running and whole-axis products and sums on the device: ``prod``,
``cumsum``, ``cumprod`` and ``cumprod_backward``. The mirror file is
``kernels/cpu/scan.py``.

The host moves the axis last (a transposing copy when it is not), so the work
is a set of independent rows; one thread walks one row in order, which keeps
the summation order of the CPU. These ops are not on a training step's hot
path; a row longer than a few thousand would want a parallel scan."""

import numpy as np
from numba import cuda, float64

from .config import THREADS_PER_BLOCK, blocks_for
from .layout import as_array, flat, reshape, transpose

__all__ = ["prod", "cumsum", "cumprod", "cumprod_backward"]


@cuda.jit
def _row_scan_kernel(x, out, n_rows, n, multiply):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for row in range(start, n_rows, step):
        base = row * n
        acc = x[base] * 0 + (1 if multiply else 0)
        for k in range(n):
            if multiply:
                acc = acc * x[base + k]
            else:
                acc = acc + x[base + k]
            out[base + k] = acc


@cuda.jit
def _row_prod_kernel(x, out, n_rows, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for row in range(start, n_rows, step):
        base = row * n
        acc = out[row] * 0 + 1
        for k in range(n):
            acc = acc * x[base + k]
        out[row] = acc


@cuda.jit
def _cumprod_backward_kernel(x, g, out, n_rows, n):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for row in range(start, n_rows, step):
        base = row * n
        s = float64(0.0)
        for k in range(n - 1, -1, -1):
            nxt = float64(x[base + k + 1]) if k + 1 < n else float64(0.0)
            s = float64(g[base + k]) + nxt * s
            out[base + k] = s
        left = float64(1.0)
        for k in range(n):
            out[base + k] = out[base + k] * left
            left = left * float64(x[base + k])


def _rows(x, axis):
    """(rows (n_rows, n) contiguous, order to undo, n)."""
    ndim = len(x.shape)
    order = tuple(a for a in range(ndim) if a != axis) + (axis,)
    moved = transpose(x, order) if axis != ndim - 1 else as_array("scan", x)
    return moved, order, x.shape[axis]


def _restore(rows_out, order):
    inverse = [0] * len(order)
    for i, a in enumerate(order):
        inverse[a] = i
    return transpose(rows_out, tuple(inverse))


def _launch(kernel, n_rows, *args):
    if n_rows:
        kernel[blocks_for(n_rows), THREADS_PER_BLOCK](*args)


def _scan(x, axis, multiply):
    x = as_array("cumsum", x)
    if len(x.shape) == 0:
        return cuda.to_device(x.copy_to_host())
    rows, order, n = _rows(x, axis)
    out = cuda.device_array(rows.shape, dtype=x.dtype)
    if n:
        _launch(_row_scan_kernel, rows.size // n, flat(rows), flat(out), rows.size // n, n,
                multiply)
    return _restore(out, order)


def cumsum(x, axis):
    """Running sums along ``axis`` (an int)."""
    return _scan(x, axis, False)


def cumprod(x, axis):
    """Running products along ``axis`` (an int)."""
    return _scan(x, axis, True)


def prod(x, axis, keepdims):
    """The product over ``axis`` (None: every axis; a tuple of axes)."""
    x = as_array("prod", x)
    shape = tuple(x.shape)
    axes = tuple(range(len(shape))) if axis is None else tuple(axis)
    kept = tuple(a for a in range(len(shape)) if a not in axes)
    n_rows, n = 1, 1
    for a in kept:
        n_rows *= shape[a]
    for a in axes:
        n *= shape[a]
    result_shape = (tuple(1 if a in axes else s for a, s in enumerate(shape)) if keepdims
                    else tuple(shape[a] for a in kept))
    out = cuda.device_array(n_rows, dtype=x.dtype)
    if n_rows:
        order = kept + axes
        moved = transpose(x, order) if order != tuple(range(len(shape))) else x
        # an empty product is 1: the kernel never reads x then, any array will do
        source = flat(moved) if moved.size else out
        _launch(_row_prod_kernel, n_rows, source, out, n_rows, n)
    return out.reshape(result_shape)


def cumprod_backward(x, grad, axis):
    """The gradient of cumprod, exact where x holds zeros (see the CPU mirror)."""
    x = as_array("cumprod_backward", x)
    grad = as_array("cumprod_backward", grad)
    rows_x, order, n = _rows(x, axis)
    rows_g, _, _ = _rows(grad, axis)
    out = cuda.device_array(rows_g.shape, dtype=np.dtype(grad.dtype))
    if n:
        _launch(_cumprod_backward_kernel, rows_g.size // n, flat(rows_x), flat(rows_g),
                flat(out), rows_g.size // n, n)
    return _restore(out, order)

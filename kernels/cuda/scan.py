"""Running and whole-axis products and sums on the device: ``prod``,
``cumsum``, ``cumprod`` and ``cumprod_backward``. The mirror file is
``kernels/cpu/scan.py``.

The host moves the axis last (a transposing copy when it is not), so the work
is a set of independent rows; one thread walks one row in order, which keeps
the summation order of the CPU. These ops are not on a training step's hot
path; rows longer than a few thousand would want a parallel scan."""

import numpy as np
from numba import cuda, float64

from .config import THREADS_PER_BLOCK, blocks_for, jit, launch
from .layout import as_array, empty, flat, transpose

__all__ = ["prod", "cumsum", "cumprod", "cumprod_backward"]


@jit
def scan_kernel(x, out, n_rows, n, identity, multiply):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for row in range(start, n_rows, step):
        base = row * n
        acc = identity
        for k in range(n):
            if multiply:
                acc = acc * x[base + k]
            else:
                acc = acc + x[base + k]
            out[base + k] = acc


@jit
def prod_kernel(x, out, n_rows, n, identity):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for row in range(start, n_rows, step):
        base = row * n
        acc = identity
        for k in range(n):
            acc = acc * x[base + k]
        out[row] = acc


@jit
def cumprod_backward_kernel(x, g, out, n_rows, n):
    # s_k = g_k + x_{k+1} s_{k+1} from the end, then times prod(x[:k]); in float64
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for row in range(start, n_rows, step):
        base = row * n
        s = float64(0.0)
        for k in range(n - 1, -1, -1):
            after = float64(x[base + k + 1]) if k + 1 < n else float64(0.0)
            s = float64(g[base + k]) + after * s
            out[base + k] = s
        left = float64(1.0)
        for k in range(n):
            out[base + k] = out[base + k] * left
            left = left * float64(x[base + k])


def _rows(fn, x, axis):
    """(x with ``axis`` moved last, contiguous; the permutation used)."""
    x = as_array(fn, x)
    order = tuple(a for a in range(x.ndim) if a != axis) + (axis,)
    return as_array(fn, transpose(x, order)), order


def _restore(rows, order):
    inverse = [0] * len(order)
    for i, a in enumerate(order):
        inverse[a] = i
    return as_array("scan", transpose(rows, tuple(inverse)))


def _scan(fn, x, axis, multiply):
    rows, order = _rows(fn, x, axis)
    n = tuple(rows.shape)[-1]
    out = empty(tuple(rows.shape), rows.dtype)
    if rows.size:
        n_rows = rows.size // n
        identity = np.dtype(rows.dtype).type(1 if multiply else 0)
        launch(scan_kernel, blocks_for(n_rows), THREADS_PER_BLOCK, flat(rows), flat(out),
               n_rows, n, identity, multiply)
    return _restore(out, order)


def cumsum(x, axis):
    """Running sums along ``axis`` (an int)."""
    return _scan("cumsum", x, axis, False)


def cumprod(x, axis):
    """Running products along ``axis`` (an int)."""
    return _scan("cumprod", x, axis, True)


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
    result = (tuple(1 if a in axes else s for a, s in enumerate(shape)) if keepdims
              else tuple(shape[a] for a in kept))
    out = empty((n_rows,), x.dtype)
    if n_rows:
        rows = as_array("prod", transpose(x, kept + axes))
        # an empty product is 1: the kernel never reads x then, any array will do
        source = flat(rows) if rows.size else out
        launch(prod_kernel, blocks_for(n_rows), THREADS_PER_BLOCK, source, out, n_rows, n,
               np.dtype(x.dtype).type(1))
    return out.reshape(result)


def cumprod_backward(x, grad, axis):
    """The gradient of cumprod, exact where x holds zeros (see the CPU mirror)."""
    rows_x, order = _rows("cumprod_backward", x, axis)
    rows_g, _ = _rows("cumprod_backward", grad, axis)
    n = tuple(rows_g.shape)[-1]
    out = empty(tuple(rows_g.shape), rows_g.dtype)
    if rows_g.size:
        n_rows = rows_g.size // n
        launch(cumprod_backward_kernel, blocks_for(n_rows), THREADS_PER_BLOCK, flat(rows_x),
               flat(rows_g), flat(out), n_rows, n)
    return _restore(out, order)

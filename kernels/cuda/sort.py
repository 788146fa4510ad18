"""Ordering along one axis on the device: ``argsort``. The mirror file is
``kernels/cpu/sort.py``.

One block per row runs an odd-even transposition sort of the row's positions
in place (n phases; each phase compares disjoint neighbouring pairs in
parallel). It only swaps pairs that are strictly out of order, so it is
stable, like the CPU's. NaN sorts after every number ascending and before
them descending, as in PyTorch. The work is O(n^2 / threads) per row: fine
for the rows of class scores and top-k this serves, not for sorting millions."""

import numpy as np
from numba import cuda

from .config import THREADS_PER_BLOCK, jit, launch
from .layout import as_array, empty, flat, from_numpy, transpose

__all__ = ["argsort"]

_MAX_BLOCKS = 65535


@cuda.jit(device=True)
def _before(a, b, descending):
    """True when value a must come before value b."""
    a_nan = a != a
    b_nan = b != b
    if descending:
        if a_nan:
            return not b_nan
        return (not b_nan) and a > b
    if b_nan:
        return not a_nan
    return (not a_nan) and a < b


@jit
def argsort_kernel(x, order, n_rows, n, descending):
    tid = cuda.threadIdx.x
    for row in range(cuda.blockIdx.x, n_rows, cuda.gridDim.x):
        base = row * n
        for k in range(tid, n, cuda.blockDim.x):
            order[base + k] = k
        cuda.syncthreads()
        for phase in range(n):
            first = phase % 2
            for k in range(first + 2 * tid, n - 1, 2 * cuda.blockDim.x):
                i = order[base + k]
                j = order[base + k + 1]
                if _before(x[base + j], x[base + i], descending):
                    order[base + k] = j
                    order[base + k + 1] = i
            cuda.syncthreads()


def argsort(x, axis, descending):
    """int64 positions that sort ``x`` along ``axis`` (an int)."""
    x = as_array("argsort", x)
    shape = tuple(x.shape)
    if not shape:
        return from_numpy(np.zeros((), np.int64))
    ndim = len(shape)
    order_axes = tuple(a for a in range(ndim) if a != axis) + (axis,)
    rows = as_array("argsort", transpose(x, order_axes))
    n = shape[axis]
    out = empty(tuple(rows.shape), np.int64)
    n_rows = rows.size // n if n else 0
    if n_rows:
        launch(argsort_kernel, min(n_rows, _MAX_BLOCKS), THREADS_PER_BLOCK, flat(rows),
               flat(out), n_rows, n, bool(descending))
    inverse = [0] * ndim
    for i, a in enumerate(order_axes):
        inverse[a] = i
    return as_array("argsort", transpose(out, tuple(inverse)))

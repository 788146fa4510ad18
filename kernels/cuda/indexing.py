"""Reading and writing at computed positions on the device: ``take`` and
``put``, the primitives behind advanced indexing, gather/scatter and their
gradients. The mirror file is ``kernels/cpu/indexing.py``.

Positions are int64 device arrays of flat (row-major) indices into ``x``,
checked to lie in [0, x.size) by the caller with ``check_range``, whose
error comes at the next read from the device (see ``assertions``): the
kernels therefore skip any position outside it rather than touch memory they
do not own. ``put``
with ``accumulate`` adds with atomics, so repeated positions add up; dtypes
without an atomic add (bool, 8- and 16-bit integers) accumulate in int64."""

import numpy as np
from numba import cuda, float64, int64

from ..checks import check_positions
from . import assertions
from .config import THREADS_PER_BLOCK, blocks_for, jit, launch
from .layout import as_array, broadcast_to, cast, empty, flat, from_numpy

__all__ = ["take", "put", "check_range"]

ATOMIC_DTYPES = tuple(np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64,
                                            np.uint32, np.uint64))


@jit
def take_kernel(x, positions, out):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        p = positions[i]
        if 0 <= p < x.size:
            out[i] = x[p]


@jit
def put_kernel(out, positions, values):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, positions.size, step):
        p = positions[i]
        if 0 <= p < out.size:
            out[p] = values[i]


@jit
def put_add_kernel(out, positions, values):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, positions.size, step):
        p = positions[i]
        if 0 <= p < out.size:
            cuda.atomic.add(out, p, values[i])


@jit
def int_range_kernel(values, low, high, skip, use_skip, table, row):
    """Record in table[row] the smallest value below ``low`` and the largest
    above ``high`` (values equal to ``skip`` excepted when ``use_skip``)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, values.size, step):
        v = int64(values[i])
        if use_skip and v == skip:
            continue
        if v < low:
            cuda.atomic.min(table, (row, 0), v)
        elif v > high:
            cuda.atomic.max(table, (row, 1), v)


@jit
def float_range_kernel(values, low, high, table, row):
    """The same for floating point values, NaN flagged in table[row, 2]."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, values.size, step):
        v = float64(values[i])
        if v != v:
            table[row, 2] = 1.0
        elif v < low:
            cuda.atomic.min(table, (row, 0), v)
        elif v > high:
            cuda.atomic.max(table, (row, 1), v)


def take(x, positions):
    """out[i] = x.flat[positions[i]], shaped like ``positions``."""
    x = as_array("take", x)
    positions = as_array("take", positions)
    check_positions("take", x, positions)
    out = empty(tuple(positions.shape), x.dtype)
    if out.size:
        launch(take_kernel, blocks_for(out.size), THREADS_PER_BLOCK, flat(x), flat(positions),
               flat(out))
    return out


def put(x, positions, values, accumulate):
    """A copy of ``x`` with ``values`` (broadcast to positions' shape) written at
    ``positions``; with ``accumulate`` they are added."""
    x = as_array("put", x)
    positions = as_array("put", positions)
    check_positions("put", x, positions)
    shape = tuple(positions.shape)
    if not cuda.devicearray.is_cuda_ndarray(values):
        values = from_numpy(np.full(shape, values, dtype=x.dtype))
    if values.dtype != x.dtype:
        values = cast(values, x.dtype)
    values = as_array("put", broadcast_to(values, shape))
    work = x.dtype if (not accumulate or x.dtype in ATOMIC_DTYPES) else np.dtype(np.int64)
    out = cast(x, work)
    if work != x.dtype:
        values = cast(values, work)
    if positions.size:
        kernel = put_add_kernel if accumulate else put_kernel
        launch(kernel, blocks_for(positions.size), THREADS_PER_BLOCK, flat(out),
               flat(positions), flat(values))
    return out if work == x.dtype else cast(out, x.dtype)


def check_range(values, low, high, skip, make_error):
    """Raise ``make_error(bad)`` unless every value lies in [low, high]
    (values equal to ``skip``, when not None, excepted; NaN is out of range),
    at the next read from the device: a kernel records what it finds, nothing
    is read back here (see ``assertions``)."""
    values = as_array("check_range", values)
    if values.size == 0:
        return
    blocks = blocks_for(values.size)
    if values.dtype.kind == "f":
        table, row = assertions.claim("float", make_error)
        launch(float_range_kernel, blocks, THREADS_PER_BLOCK, flat(values), float(low),
               float(high), table, row)
        return
    table, row = assertions.claim("int", make_error)
    launch(int_range_kernel, blocks, THREADS_PER_BLOCK, flat(values), int(low), int(high),
           0 if skip is None else int(skip), skip is not None, table, row)

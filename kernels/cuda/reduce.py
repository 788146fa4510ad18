"""Reductions on the device: sum, max and argmax along axes.  The mirror file
is ``kernels/cpu/reduce.py``.

The input is read in place, through its strides: a reduction over ``axes`` is
a set of rows (one per kept index) whose elements are addressed as
offset(kept index) + offset(reduced index), so a non-trailing axis (or a
transposed view) needs no transposed copy first.

One row kernel serves every shape.  ``lanes`` threads share a row and
combine their partial results with a tree in shared memory; a block of
THREADS_PER_BLOCK threads serves THREADS_PER_BLOCK / lanes rows at a time:

* short rows (a 10-class argmax, a loss per sample): ``ROW_GROUP`` lanes (a
  warp) per row, so a block works on 8 rows at once instead of idling;
* long rows: a whole block per row;
* few long rows (``axis=None``, a per-channel sum of a large activation): two
  passes.  The first splits every row into chunks and writes one partial
  result per (row, chunk) from a grid of many blocks; the second reduces the
  partial results with the same kernel.

Sums of floats accumulate in the input's float dtype (as PyTorch's), of
integers and bools in int64 (uint64 for unsigned), exact; max compares in the
input dtype; max and argmax propagate NaN as NumPy does (argmax: the first NaN
wins, ties go to the lowest index).
"""

import builtins

import numpy as np
from numba import cuda, from_dtype, int64

from .config import MAX_BLOCKS, REDUCE_BLOCKS, ROW_GROUP, THREADS_PER_BLOCK, jit, launch
from .layout import as_kernel_scalar, copy_into, device_operand, empty, offset_of, storage

__all__ = ["sum", "max", "argmax"]

# rows at least this long get a whole block; shorter ones a ROW_GROUP
_BLOCK_ROW = 4 * ROW_GROUP
# a row is split into chunks of at least this many elements in the first pass
_MIN_CHUNK = 4 * THREADS_PER_BLOCK


# --------------------------------------------------------------------------- device functions


@cuda.jit(device=True)
def _add(acc, v):
    return acc + v


@cuda.jit(device=True)
def _max_combine(acc, v):
    return v if (v > acc or v != v) else acc


@cuda.jit(device=True)
def _better(v, i, w, j):
    """True when (v, i) should win over (w, j) in argmax order."""
    if v != v:  # NaN: the first one wins
        return w == w or i < j
    if w != w:
        return False
    return v > w or (v == w and i < j)


# --------------------------------------------------------------------------- kernels


def _make_row_reduce(combine, acc_type):
    @jit
    def kernel(x, row_shape, row_strides, red_shape, red_strides, out, n_rows, n_inner,
               n_chunks, chunk, lanes, identity):
        partial = cuda.shared.array(THREADS_PER_BLOCK, dtype=acc_type)
        tid = cuda.threadIdx.x
        lane = tid % lanes
        per_block = THREADS_PER_BLOCK // lanes
        n_items = n_rows * n_chunks
        # every thread of a block makes the same number of passes: barriers stay uniform
        for first in range(cuda.blockIdx.x * per_block, n_items, cuda.gridDim.x * per_block):
            item = first + tid // lanes
            acc = identity
            if item < n_items:
                row = item // n_chunks
                start = (item - row * n_chunks) * chunk
                stop = builtins.min(start + chunk, n_inner)
                base = offset_of(row, row_shape, row_strides)
                for k in range(start + lane, stop, lanes):
                    acc = combine(acc, acc_type(x[base + offset_of(k, red_shape, red_strides)]))
            partial[tid] = acc
            cuda.syncthreads()
            width = lanes // 2
            while width > 0:
                if lane < width:
                    partial[tid] = combine(partial[tid], partial[tid + width])
                cuda.syncthreads()
                width //= 2
            if lane == 0 and item < n_items:
                out[item] = partial[tid]
            # the next pass reuses `partial`: nobody may write it before it was read
            cuda.syncthreads()

    return kernel


def _make_row_argmax(value_type):
    @jit
    def kernel(x, row_shape, row_strides, red_stride, out, n_rows, n_inner, lanes, identity):
        best_v = cuda.shared.array(THREADS_PER_BLOCK, dtype=value_type)
        best_i = cuda.shared.array(THREADS_PER_BLOCK, dtype=int64)
        tid = cuda.threadIdx.x
        lane = tid % lanes
        per_block = THREADS_PER_BLOCK // lanes
        for first in range(cuda.blockIdx.x * per_block, n_rows, cuda.gridDim.x * per_block):
            row = first + tid // lanes
            v = identity
            vi = n_inner  # "no element yet": loses every tie
            if row < n_rows:
                base = offset_of(row, row_shape, row_strides)
                for k in range(lane, n_inner, lanes):
                    w = x[base + k * red_stride]
                    if vi == n_inner or _better(w, k, v, vi):
                        v = w
                        vi = k
            best_v[tid] = v
            best_i[tid] = vi
            cuda.syncthreads()
            width = lanes // 2
            while width > 0:
                if lane < width:
                    j = best_i[tid + width]
                    if j < n_inner and (best_i[tid] == n_inner
                                        or _better(best_v[tid + width], j, best_v[tid],
                                                   best_i[tid])):
                        best_v[tid] = best_v[tid + width]
                        best_i[tid] = j
                cuda.syncthreads()
                width //= 2
            if lane == 0 and row < n_rows:
                out[row] = best_i[tid]
            cuda.syncthreads()

    return kernel


_KERNELS = {}


def row_reduce_kernel(op, acc_dtype):
    """The row kernel of ``op`` ("sum" or "max") accumulating in ``acc_dtype``."""
    key = (op, np.dtype(acc_dtype))
    kernel = _KERNELS.get(key)
    if kernel is None:
        combine = _add if op == "sum" else _max_combine
        kernel = _KERNELS[key] = _make_row_reduce(combine, from_dtype(np.dtype(acc_dtype)))
    return kernel


def row_argmax_kernel(dtype):
    key = ("argmax", np.dtype(dtype))
    kernel = _KERNELS.get(key)
    if kernel is None:
        kernel = _KERNELS[key] = _make_row_argmax(from_dtype(np.dtype(dtype)))
    return kernel


# ------------------------------------------------------------------------- launchers


def _split(shape, strides, axes):
    """(row shape, row strides, reduced shape, reduced strides), each at least 1-d."""
    keep = [d for d in range(len(shape)) if d not in axes]
    row_shape = tuple(shape[d] for d in keep) or (1,)
    row_strides = tuple(strides[d] for d in keep) or (0,)
    red_shape = tuple(shape[d] for d in axes) or (1,)
    red_strides = tuple(strides[d] for d in axes) or (0,)
    return row_shape, row_strides, red_shape, red_strides


def _lanes(n_inner):
    return THREADS_PER_BLOCK if n_inner >= _BLOCK_ROW else ROW_GROUP


def _grid(n_items, lanes):
    return builtins.max(1, builtins.min(MAX_BLOCKS, -(-n_items // (THREADS_PER_BLOCK // lanes))))


def _reduce_rows(op, x, axes, out_dtype, acc_dtype, identity):
    """Flat (n_rows,) array of ``op`` over ``axes`` of a device array of any strides."""
    shape = tuple(x.shape)
    buf, strides = storage(x)
    row_shape, row_strides, red_shape, red_strides = _split(shape, strides, axes)
    n_rows = int(np.prod(row_shape, dtype=np.int64))
    n_inner = int(np.prod(red_shape, dtype=np.int64))
    out = empty((n_rows,), out_dtype)
    if n_rows == 0:
        return out
    identity = as_kernel_scalar(identity, acc_dtype)
    kernel = row_reduce_kernel(op, acc_dtype)
    n_chunks = 1
    if n_inner >= 2 * _MIN_CHUNK and n_rows < REDUCE_BLOCKS:
        n_chunks = builtins.min(REDUCE_BLOCKS // n_rows, n_inner // _MIN_CHUNK)
    if n_chunks > 1:
        chunk = -(-n_inner // n_chunks)
        n_chunks = -(-n_inner // chunk)
        partial = empty((n_rows * n_chunks,), acc_dtype)
        launch(kernel, _grid(n_rows * n_chunks, THREADS_PER_BLOCK), THREADS_PER_BLOCK,
               buf, row_shape, row_strides, red_shape, red_strides, partial, n_rows, n_inner,
               n_chunks, chunk, THREADS_PER_BLOCK, identity)
        # second pass: the (n_rows, n_chunks) partial results, contiguous
        buf, n_inner = partial, n_chunks
        row_shape, row_strides = (n_rows,), (n_chunks,)
        red_shape, red_strides = (n_chunks,), (1,)
    lanes = _lanes(n_inner)
    target = out if np.dtype(out_dtype) == np.dtype(acc_dtype) else empty((n_rows,), acc_dtype)
    launch(kernel, _grid(n_rows, lanes), THREADS_PER_BLOCK, buf, row_shape, row_strides,
           red_shape, red_strides, target, n_rows, n_inner, 1, builtins.max(n_inner, 1), lanes,
           identity)
    if target is not out:
        copy_into(out, target)
    return out


def _finish(out, shape, axes, keepdims):
    if keepdims:
        final = tuple(1 if d in axes else n for d, n in enumerate(shape))
    else:
        final = tuple(n for d, n in enumerate(shape) if d not in axes)
    return out.reshape(final)


def _normalise_axes(x, axis):
    if axis is None:
        return tuple(range(x.ndim))
    return tuple(sorted(int(a) for a in axis))


def sum_dtypes(dtype):
    """(output dtype, accumulator dtype) of NumPy's sum: ints and bools sum to
    int64 (unsigned to uint64), floats in their own dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return dtype, (np.dtype(np.float32) if dtype == np.float16 else dtype)
    out = np.sum(np.zeros(1, dtype=dtype)).dtype
    return out, out


def _min_value(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def sum(x, axis, keepdims):  # noqa: A001 - the primitive's name
    """NumPy's sum(x, axis, keepdims)."""
    x = device_operand("sum", x)
    axes = _normalise_axes(x, axis)
    out_dtype, acc_dtype = sum_dtypes(x.dtype)
    out = _reduce_rows("sum", x, axes, out_dtype, acc_dtype, 0)
    return _finish(out, tuple(x.shape), axes, keepdims)


def max(x, axis, keepdims):  # noqa: A001
    x = device_operand("max", x)
    axes = _normalise_axes(x, axis)
    if x.size == 0 or builtins.any(x.shape[d] == 0 for d in axes):
        raise ValueError("max: zero-size array to reduction operation maximum which has no "
                         "identity")
    dtype = np.dtype(x.dtype)
    out = _reduce_rows("max", x, axes, dtype, dtype, _min_value(dtype))
    return _finish(out, tuple(x.shape), axes, keepdims)


def argmax(x, axis):
    """Index (int64) of the maximum along the single ``axis``."""
    x = device_operand("argmax", x)
    if not isinstance(axis, (int, np.integer)) or not 0 <= axis < builtins.max(x.ndim, 1):
        raise ValueError(f"argmax: axis must be one int in [0, {x.ndim}), got {axis!r}")
    if x.ndim == 0:
        x = x.reshape(1)
    axis = int(axis)
    shape = tuple(x.shape)
    if shape[axis] == 0:
        raise ValueError("argmax: attempt to get argmax of an empty sequence")
    buf, strides = storage(x)
    row_shape, row_strides, _, _ = _split(shape, strides, (axis,))
    n_rows = int(np.prod(row_shape, dtype=np.int64))
    n_inner = shape[axis]
    out = empty((n_rows,), np.int64)
    if n_rows:
        dtype = np.dtype(x.dtype)
        lanes = _lanes(n_inner)
        launch(row_argmax_kernel(dtype), _grid(n_rows, lanes), THREADS_PER_BLOCK, buf,
               row_shape, row_strides, strides[axis], out, n_rows, n_inner, lanes,
               as_kernel_scalar(_min_value(dtype), dtype))
    return out.reshape(tuple(n for d, n in enumerate(shape) if d != axis))


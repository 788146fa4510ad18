"""Reductions on the device: sum, max and argmax along axes, and
``int_range``, the (min, max) read-back the launchers use to range-check
labels and indices.  The mirror file is ``kernels/cpu/reduce.py``.

The host moves the reduced axes last (a transposing gather when they are not
already last), so the work is always an (outer, inner) row reduction: one
block per row (grid-stride over rows), each thread folds a strided slice of
the row, then the block combines its THREADS_PER_BLOCK partial results with a
tree reduction in shared memory.  Sums accumulate in float64 (floats) or int64
(integers and bools) and are rounded once to the result dtype; max and argmax
propagate NaN as NumPy does (argmax: the first NaN wins, ties go to the lowest
index).
"""

import builtins

import numpy as np
from numba import cuda, float64, int64

from .config import THREADS_PER_BLOCK, blocks_for
from .elementwise import MUL, binary
from .layout import as_array, cast, contiguous_strides, flat, gather

__all__ = ["sum", "max", "argmax"]


# --------------------------------------------------------------------------- kernels


@cuda.jit(device=True)
def _max_combine(acc, v):
    return v if (v > acc or v != v) else acc


def _make_row_reduce(acc_type, is_max):
    @cuda.jit
    def kernel(x, out, n_rows, n_inner, identity):
        partial = cuda.shared.array(THREADS_PER_BLOCK, dtype=acc_type)
        tid = cuda.threadIdx.x
        for row in range(cuda.blockIdx.x, n_rows, cuda.gridDim.x):
            acc = identity
            base = row * n_inner
            for k in range(tid, n_inner, THREADS_PER_BLOCK):
                if is_max:
                    acc = _max_combine(acc, x[base + k])
                else:
                    acc += x[base + k]
            partial[tid] = acc
            cuda.syncthreads()
            width = THREADS_PER_BLOCK // 2
            while width > 0:
                if tid < width:
                    if is_max:
                        partial[tid] = _max_combine(partial[tid], partial[tid + width])
                    else:
                        partial[tid] += partial[tid + width]
                cuda.syncthreads()
                width //= 2
            if tid == 0:
                out[row] = partial[0]
            # the next row reuses `partial`: nobody may write it before thread 0 read it
            cuda.syncthreads()

    return kernel


_SUM_FLOAT = _make_row_reduce(float64, False)
_SUM_INT = _make_row_reduce(int64, False)
_MAX_FLOAT = _make_row_reduce(float64, True)
_MAX_INT = _make_row_reduce(int64, True)


@cuda.jit(device=True)
def _better(v, i, w, j):
    """True when (v, i) should win over (w, j) in argmax order."""
    if v != v:  # NaN: the first one wins
        return w == w or i < j
    if w != w:
        return False
    return v > w or (v == w and i < j)


def _make_row_argmax(acc_type):
    @cuda.jit
    def kernel(x, out, n_rows, n_inner, identity):
        best_v = cuda.shared.array(THREADS_PER_BLOCK, dtype=acc_type)
        best_i = cuda.shared.array(THREADS_PER_BLOCK, dtype=int64)
        tid = cuda.threadIdx.x
        for row in range(cuda.blockIdx.x, n_rows, cuda.gridDim.x):
            v = identity
            vi = n_inner  # "no element yet": loses every tie
            base = row * n_inner
            for k in range(tid, n_inner, THREADS_PER_BLOCK):
                w = x[base + k]
                if vi == n_inner or _better(w, k, v, vi):
                    v = w
                    vi = k
            best_v[tid] = v
            best_i[tid] = vi
            cuda.syncthreads()
            width = THREADS_PER_BLOCK // 2
            while width > 0:
                if tid < width:
                    j = best_i[tid + width]
                    if j < n_inner and (best_i[tid] == n_inner
                                        or _better(best_v[tid + width], j, best_v[tid],
                                                   best_i[tid])):
                        best_v[tid] = best_v[tid + width]
                        best_i[tid] = j
                cuda.syncthreads()
                width //= 2
            if tid == 0:
                out[row] = best_i[0]
            cuda.syncthreads()

    return kernel


_ARGMAX_FLOAT = _make_row_argmax(float64)
_ARGMAX_INT = _make_row_argmax(int64)


# ------------------------------------------------------------------------- launchers


def _rows(x, axes):
    """x with ``axes`` moved last, as a flat contiguous array, plus
    (kept shape, n_rows, n_inner)."""
    shape = tuple(x.shape)
    keep = [d for d in range(len(shape)) if d not in axes]
    order = keep + sorted(axes)
    kept_shape = tuple(shape[d] for d in keep)
    n_rows = int(np.prod(kept_shape, dtype=np.int64))
    n_inner = int(np.prod([shape[d] for d in axes], dtype=np.int64))
    if order != sorted(order):
        strides = contiguous_strides(shape)
        x = gather(x, 0, tuple(strides[d] for d in order), tuple(shape[d] for d in order))
    return flat(x), kept_shape, n_rows, n_inner


def _finish(out, shape, axes, kept_shape, keepdims):
    if keepdims:
        final = tuple(1 if d in axes else n for d, n in enumerate(shape))
    else:
        final = kept_shape
    return out.reshape(final)


def _normalise_axes(x, axis):
    if axis is None:
        return tuple(range(x.ndim))
    return tuple(sorted(axis))


def _sum(x, axis, keepdims):
    """NumPy's sum(x, axis, keepdims): ints and bools sum to int64 (uint to uint64)."""
    axes = _normalise_axes(x, axis)
    out_dtype = np.sum(np.zeros(1, dtype=x.dtype)).dtype
    flat_x, kept_shape, n_rows, n_inner = _rows(x, axes)
    out = cuda.device_array(n_rows, dtype=out_dtype)
    if out.size:
        is_float = np.dtype(x.dtype).kind in "fc"
        kernel = _SUM_FLOAT if is_float else _SUM_INT
        identity = 0.0 if is_float else 0
        kernel[blocks_for(n_rows, 1), THREADS_PER_BLOCK](flat_x, out, n_rows, n_inner, identity)
    return _finish(out, tuple(x.shape), axes, kept_shape, keepdims)


def _max(x, axis, keepdims):
    axes = _normalise_axes(x, axis)
    if x.size == 0 or any(x.shape[d] == 0 for d in axes):
        raise ValueError("max: zero-size array to reduction operation maximum which has no "
                         "identity")
    flat_x, kept_shape, n_rows, n_inner = _rows(x, axes)
    out = cuda.device_array(n_rows, dtype=x.dtype)
    is_float = np.dtype(x.dtype).kind == "f"
    kernel = _MAX_FLOAT if is_float else _MAX_INT
    identity = -np.inf if is_float else np.iinfo(np.int64).min
    kernel[blocks_for(n_rows, 1), THREADS_PER_BLOCK](flat_x, out, n_rows, n_inner, identity)
    return _finish(out, tuple(x.shape), axes, kept_shape, keepdims)


def _argmax(x, axis):
    """Index (int64) of the maximum along the single ``axis``."""
    if x.shape[axis] == 0:
        raise ValueError("argmax: attempt to get argmax of an empty sequence")
    flat_x, kept_shape, n_rows, n_inner = _rows(x, (axis,))
    out = cuda.device_array(n_rows, dtype=np.int64)
    is_float = np.dtype(x.dtype).kind == "f"
    kernel = _ARGMAX_FLOAT if is_float else _ARGMAX_INT
    identity = -np.inf if is_float else np.iinfo(np.int64).min
    if n_rows:
        kernel[blocks_for(n_rows, 1), THREADS_PER_BLOCK](flat_x, out, n_rows, n_inner, identity)
    return out.reshape(kept_shape)


def sum(x, axis, keepdims):  # noqa: A001 - the primitive's name
    return _sum(as_array("sum", x), axis, keepdims)


def max(x, axis, keepdims):  # noqa: A001
    return _max(as_array("max", x), axis, keepdims)


def argmax(x, axis):
    x = as_array("argmax", x)
    if not isinstance(axis, (int, np.integer)) or not 0 <= axis < builtins.max(x.ndim, 1):
        raise ValueError(f"argmax: axis must be one int in [0, {x.ndim}), got {axis!r}")
    if x.ndim == 0:
        x = x.reshape(1)
    return _argmax(x, int(axis))


def int_range(a):
    """(min, max) of a non-empty integer device array as Python ints: the one
    read-back the launchers need to range-check labels and indices."""
    if a.dtype == np.uint64:
        # values >= 2**63 have no int64 form: take the exact values on the host
        host = a.copy_to_host()
        return int(host.min()), int(host.max())
    a64 = a if a.dtype == np.int64 else cast(a, np.int64)
    hi = int(_max(a64, None, False).copy_to_host())
    # min(a) = -max(-a); the negation is an int64 multiply, so it stays exact
    lo = -int(_max(binary("arith", MUL, a64, -1), None, False).copy_to_host())
    return lo, hi

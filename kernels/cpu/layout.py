"""Creation, transfer, shape, indexing and copies on the CPU: thin NumPy.

The CPU backend's arrays are ``numpy.ndarray``.  Shape primitives return
NumPy views where NumPy does (the ops layer never writes through them);
results that NumPy may turn into scalars pass through ``np.asarray``.

Copies, casts and concatenations write large results into arrays of
``memory``'s cache.

Also the CPU side of the device checks the other files of this package use:
``check_array`` (is it a ``numpy.ndarray``?) and ``contiguous``.  The
mirror file is ``kernels/cuda/layout.py``: same public names, same meaning.
"""

import numpy as np

from . import memory, threads

__all__ = [
    "from_numpy", "to_numpy", "synchronize", "full", "arange", "astype", "copy",
    "reshape", "transpose", "broadcast_to", "getitem", "getitem_backward", "concatenate",
    "copy_",
]


# --------------------------------------------------------------------------- device checks


def check_array(fn, name, a):
    """TypeError unless ``a`` is a host array."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy.ndarray, got {type(a).__name__}")
    return a


def contiguous(a):
    """``a`` itself when C-contiguous, else a C-contiguous copy."""
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


# --------------------------------------------------------------------------- creation and transfer


def from_numpy(array, dtype=None):
    """``array`` as an ndarray, cast to ``dtype`` when given (no copy otherwise)."""
    array = np.asarray(array)
    if dtype is not None and array.dtype != dtype:
        return array.astype(dtype)
    return array


def to_numpy(x):
    return np.asarray(x)


def synchronize():
    """Nothing to wait for: CPU kernels have finished when they return, and
    their checks have raised."""


def full(shape, value, dtype):
    return np.full(shape, value, dtype=dtype)


def arange(start, stop, step, dtype):
    return np.arange(start, stop, step, dtype=dtype)


def astype(x, dtype):
    out = memory.empty(x.shape, dtype)
    np.copyto(out, x, casting="unsafe")
    return out


def copy(x):
    out = memory.empty(x.shape, x.dtype)
    np.copyto(out, x)
    return out


# --------------------------------------------------------------------------- shape


# (the ndarray methods: NumPy's module-level functions add a Python wrapper around them)
def reshape(x, shape):
    return x.reshape(shape)


def transpose(x, axes):
    return x.transpose(axes)


def broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


def getitem(x, index):
    """``x[index]`` as a view, also when every axis gets an integer (NumPy would
    return a scalar copy; the trailing ``...`` keeps a 0-d view)."""
    if Ellipsis not in index:
        index = index + (Ellipsis,)
    return x[index]


def getitem_backward(dy, shape, index):
    out = memory.empty(shape, dy.dtype)
    out.fill(0)
    out[index] = dy
    return out


def concatenate(arrays, axis):
    arrays = [np.asarray(a) for a in arrays]
    if (not arrays or len({a.dtype for a in arrays}) != 1
            or not -arrays[0].ndim <= axis < arrays[0].ndim):
        return np.concatenate(arrays, axis=axis)  # NumPy's errors and dtype rules
    shape = list(arrays[0].shape)
    shape[axis] = sum(a.shape[axis] for a in arrays)
    out = memory.empty(tuple(shape), arrays[0].dtype)
    if axis % out.ndim == 0 or out.ndim < 2:
        return np.concatenate(arrays, axis=axis, out=out)
    # joined along a later axis (channels): copied in slices of the first axis
    threads.parallel_for(_concatenate_rows, shape[0], (arrays, axis, out), 2 * out.size)
    return out


def _concatenate_rows(lo, hi, arrays, axis, out):
    np.concatenate([a[lo:hi] for a in arrays], axis=axis, out=out[lo:hi])


# --------------------------------------------------------------------------- in place


def copy_(dst, src):
    dst[...] = src

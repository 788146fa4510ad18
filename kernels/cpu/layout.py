"""Creation, transfer, shape, indexing and copies on the CPU: thin NumPy.

The CPU backend's arrays are ``numpy.ndarray``.  Shape primitives return
NumPy views where NumPy does (the ops layer never writes through them);
results that NumPy may turn into scalars pass through ``np.asarray``.

Also the CPU side of the device checks the other files of this package use:
``check_array`` (is it a ``numpy.ndarray``?) and ``contiguous``.  The
mirror file is ``kernels/cuda/layout.py``: same public names, same meaning.
"""

import numpy as np

__all__ = [
    "from_numpy", "to_numpy", "full", "arange", "astype", "copy",
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


def full(shape, value, dtype):
    return np.full(shape, value, dtype=dtype)


def arange(start, stop, step, dtype):
    return np.arange(start, stop, step, dtype=dtype)


def astype(x, dtype):
    return x.astype(dtype)


def copy(x):
    return np.array(x, copy=True, order="C")


# --------------------------------------------------------------------------- shape


def reshape(x, shape):
    return np.reshape(x, shape)


def transpose(x, axes):
    return np.transpose(x, axes)


def broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


def getitem(x, index):
    """``x[index]`` as a view, also when every axis gets an integer (NumPy would
    return a scalar copy; the trailing ``...`` keeps a 0-d view)."""
    if Ellipsis not in index:
        index = index + (Ellipsis,)
    return x[index]


def getitem_backward(dy, shape, index):
    out = np.zeros(shape, dtype=dy.dtype)
    out[index] = dy
    return out


def concatenate(arrays, axis):
    return np.concatenate(arrays, axis=axis)


# --------------------------------------------------------------------------- in place


def copy_(dst, src):
    dst[...] = src

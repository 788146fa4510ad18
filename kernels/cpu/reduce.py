"""Reductions on the CPU: sum, max and argmax along axes (NumPy), and
``int_range``, the (min, max) read-back the launchers use to range-check
labels and indices.  The mirror file is ``kernels/cuda/reduce.py``.

A large sum over the first axis alone (a convolution's per-sample weight
gradients) is computed in slices of the second axis over the thread pool:
NumPy adds the rows of such a sum one after the other for every output
element, so the slices give the same bits as one call.
"""

import numpy as np

from . import memory, threads

__all__ = ["sum", "max", "argmax"]


# (the ndarray methods: NumPy's module-level functions add a Python wrapper around them)
def sum(x, axis, keepdims):  # noqa: A001 - the primitive's name
    if (axis == (0,) and x.ndim >= 2 and x.dtype.kind == "f" and x.size >= threads.GRAIN
            and x.shape[1] > 1 and threads.get_num_threads() > 1):
        out = memory.empty(x.shape[1:], x.dtype)
        threads.parallel_for(_sum_first_axis, x.shape[1], (x, out), x.size)
        return out.reshape((1,) + out.shape) if keepdims else out
    return np.asarray(x.sum(axis=axis, keepdims=keepdims))


def _sum_first_axis(lo, hi, x, out):
    x[:, lo:hi].sum(axis=0, out=out[lo:hi])


def max(x, axis, keepdims):  # noqa: A001
    return np.asarray(x.max(axis=axis, keepdims=keepdims))


def argmax(x, axis):
    return np.asarray(np.argmax(x, axis=axis)).astype(np.int64, copy=False)


def int_range(a):
    """(min, max) of a non-empty integer array as Python ints (exact for any
    integer dtype: no conversion that could wrap huge unsigned values)."""
    return int(a.min()), int(a.max())

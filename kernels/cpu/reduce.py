"""Reductions on the CPU: sum, max and argmax along axes (NumPy), and
``int_range``, the (min, max) read-back the launchers use to range-check
labels and indices.  The mirror file is ``kernels/cuda/reduce.py``."""

import numpy as np

__all__ = ["sum", "max", "argmax"]


# (the ndarray methods: NumPy's module-level functions add a Python wrapper around them)
def sum(x, axis, keepdims):  # noqa: A001 - the primitive's name
    return np.asarray(x.sum(axis=axis, keepdims=keepdims))


def max(x, axis, keepdims):  # noqa: A001
    return np.asarray(x.max(axis=axis, keepdims=keepdims))


def argmax(x, axis):
    return np.asarray(np.argmax(x, axis=axis)).astype(np.int64, copy=False)


def int_range(a):
    """(min, max) of a non-empty integer array as Python ints (exact for any
    integer dtype: no conversion that could wrap huge unsigned values)."""
    return int(a.min()), int(a.max())

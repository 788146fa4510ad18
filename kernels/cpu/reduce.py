"""Reductions on the CPU: sum, max and argmax along axes (NumPy), and
``int_range``, the (min, max) read-back the launchers use to range-check
labels and indices.  The mirror file is ``kernels/cuda/reduce.py``."""

import numpy as np

__all__ = ["sum", "max", "argmax"]


def sum(x, axis, keepdims):  # noqa: A001 - the primitive's name
    return np.asarray(np.sum(x, axis=axis, keepdims=keepdims))


def max(x, axis, keepdims):  # noqa: A001
    return np.asarray(np.max(x, axis=axis, keepdims=keepdims))


def argmax(x, axis):
    return np.asarray(np.argmax(x, axis=axis)).astype(np.int64, copy=False)


def int_range(a):
    """(min, max) of a non-empty integer array as Python ints (exact for any
    integer dtype: no conversion that could wrap huge unsigned values)."""
    return int(a.min()), int(a.max())

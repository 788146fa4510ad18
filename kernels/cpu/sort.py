"""Ordering along one axis: ``argsort``. The mirror file is
``kernels/cuda/sort.py``. The sort is stable (equal values keep their order);
NaN sorts after every number ascending and before them descending, as in
PyTorch."""

import numpy as np

__all__ = ["argsort"]


def argsort(x, axis, descending):
    """int64 positions that sort ``x`` along ``axis`` (an int)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(np.int64)
    # stable descending: the reversed ascending sort of the reversed values
    n = x.shape[axis]
    reversed_x = np.flip(x, axis)
    order = np.flip(np.argsort(reversed_x, axis=axis, kind="stable"), axis)
    return (n - 1 - order).astype(np.int64)

"""ReLU forward and backward as single-pass parallel kernels.

NumPy needs two passes and a temporary for each (``maximum`` then a cast;
``where`` over a boolean mask); in the convolutional nets ReLU touches every
activation twice per step, so one fused pass matters."""

import numpy as np
from numba import njit, prange

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@njit(parallel=True, cache=True)
def _relu_kernel(x, out):
    for i in prange(x.size):
        v = x[i]
        out[i] = v if v > 0 else 0


@njit(parallel=True, cache=True)
def _relu_backward_kernel(dy, x, dx):
    for i in prange(x.size):
        dx[i] = dy[i] if x[i] > 0 else 0


def _check_float(fn, name, a):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy.ndarray, got {type(a).__name__}")
    if a.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{fn}: {name} must be float32 or float64, got dtype {a.dtype}")


def relu(x):
    """max(x, 0) elementwise, in x's dtype."""
    _check_float("relu", "x", x)
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    _relu_kernel(flat, out)
    return out.reshape(x.shape)


def relu_backward(dy, x):
    """dy where x > 0, else 0."""
    _check_float("relu_backward", "dy", dy)
    _check_float("relu_backward", "x", x)
    if dy.shape != x.shape or dy.dtype != x.dtype:
        raise ValueError(f"relu_backward: dy {dy.shape} {dy.dtype} does not match "
                         f"x {x.shape} {x.dtype}")
    flat_dy = np.ascontiguousarray(dy).reshape(-1)
    flat_x = np.ascontiguousarray(x).reshape(-1)
    dx = np.empty_like(flat_dy)
    _relu_backward_kernel(flat_dy, flat_x, dx)
    return dx.reshape(x.shape)

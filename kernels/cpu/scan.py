"""Running and whole-axis products and sums along one axis: ``prod``,
``cumsum``, ``cumprod`` and ``cumprod_backward``. The mirror file is
``kernels/cuda/scan.py``. The caller has cast the input to the result dtype."""

import numpy as np

__all__ = ["prod", "cumsum", "cumprod", "cumprod_backward"]


def prod(x, axis, keepdims):
    """The product over ``axis`` (None: every axis; a tuple of axes)."""
    return np.asarray(np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def cumsum(x, axis):
    """Running sums along ``axis`` (an int)."""
    return np.cumsum(x, axis=axis, dtype=x.dtype)


def cumprod(x, axis):
    """Running products along ``axis`` (an int)."""
    return np.cumprod(x, axis=axis, dtype=x.dtype)


def cumprod_backward(x, grad, axis):
    """The gradient of cumprod: g_i = prod(x[:i]) * s_i with s_i = grad_i +
    x[i+1] * s_{i+1} (a reverse recurrence, exact where x holds zeros)."""
    x = np.moveaxis(x, axis, -1)
    grad = np.moveaxis(grad, axis, -1)
    n = x.shape[-1]
    out = np.empty(np.broadcast_shapes(x.shape, grad.shape), dtype=grad.dtype)
    s = np.zeros(out.shape[:-1], dtype=np.float64)
    for i in range(n - 1, -1, -1):
        s = grad[..., i] + (x[..., i + 1] * s if i + 1 < n else 0.0)
        out[..., i] = s
    left = np.ones(out.shape[:-1], dtype=np.float64)
    for i in range(n):
        out[..., i] = out[..., i] * left
        left = left * x[..., i]
    return np.moveaxis(out, -1, axis)

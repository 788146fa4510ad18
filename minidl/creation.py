"""Tensor factories: tensor, from_numpy, zeros, ones, full, arange, randn,
rand and their *_like forms. Each takes ``device=`` and ``dtype=``."""

import numbers

import numpy as np

from . import random as _random
from .backend import get_backend, normalize_device
from .tensor import Tensor, float32


def _dtype(dtype):
    return float32 if dtype is None else np.dtype(dtype)


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"expected non-negative integer sizes, got {shape!r}")
    return tuple(int(n) for n in shape)


def tensor(data, requires_grad=False, device=None, dtype=None):
    """A new tensor holding a copy of ``data`` (float data becomes float32)."""
    return Tensor(data, requires_grad=requires_grad, device=device, dtype=dtype)


def from_numpy(array, device=None):
    """Wrap a NumPy array, keeping its dtype (no copy on the CPU)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: unsupported dtype {array.dtype}")
    device = normalize_device(device)
    return Tensor._wrap(get_backend(device).from_numpy(array), device)


def full(shape, value, device=None, dtype=None, requires_grad=False):
    if not isinstance(value, numbers.Number):
        raise TypeError(f"full: value must be a number, got {type(value).__name__}")
    device = normalize_device(device)
    shape = _shape(shape if isinstance(shape, (tuple, list)) else (shape,))
    out = Tensor._wrap(get_backend(device).full(shape, value, _dtype(dtype)), device)
    return out.requires_grad_(True) if requires_grad else out


def zeros(*shape, device=None, dtype=None, requires_grad=False):
    return full(_shape(shape), 0.0, device=device, dtype=dtype, requires_grad=requires_grad)


def ones(*shape, device=None, dtype=None, requires_grad=False):
    return full(_shape(shape), 1.0, device=device, dtype=dtype, requires_grad=requires_grad)


def zeros_like(other, dtype=None):
    return zeros(other.shape, device=other.device, dtype=dtype or other.dtype)


def ones_like(other, dtype=None):
    return ones(other.shape, device=other.device, dtype=dtype or other.dtype)


def arange(start, stop=None, step=1, device=None, dtype=None):
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be zero")
    if dtype is None:
        whole = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
        dtype = np.int64 if whole else float32
    device = normalize_device(device)
    return Tensor._wrap(get_backend(device).arange(start, stop, step, np.dtype(dtype)), device)


def randn(*shape, device=None, dtype=None, requires_grad=False, generator=None):
    """Standard normal samples from the global generator (see manual_seed)."""
    device = normalize_device(device)
    rng = generator or _random.default_generator()
    out = Tensor._wrap(get_backend(device).random_normal(_shape(shape), _dtype(dtype), rng),
                       device)
    return out.requires_grad_(True) if requires_grad else out


def rand(*shape, device=None, dtype=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1) from the global generator."""
    device = normalize_device(device)
    rng = generator or _random.default_generator()
    out = Tensor._wrap(get_backend(device).random_uniform(_shape(shape), _dtype(dtype), rng),
                       device)
    return out.requires_grad_(True) if requires_grad else out

"""Tensor factories: tensor, from_numpy, zeros, ones, full, arange, randn,
rand and their *_like forms. Each takes ``device=`` and ``dtype=``."""

import math
import numbers

import numpy as np

from . import random as _random
from .backend import get_backend, normalize_device
from .tensor import Tensor, _as_dtype, float32


def _dtype(op, dtype, floating=False):
    """float32 for None, else a dtype a tensor can hold (floating when asked)."""
    if dtype is None:
        return float32
    dtype = _as_dtype(op, dtype)
    if floating and dtype.kind != "f":
        raise TypeError(f"{op}: dtype must be floating point, got {dtype}")
    return dtype


def _shape(op, shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, (int, np.integer)) or isinstance(n, (bool, np.bool_)):
            raise TypeError(f"{op}: expected integer sizes, got {shape!r}")
        if n < 0:
            raise ValueError(f"{op}: expected non-negative sizes, got {shape!r}")
    return tuple(int(n) for n in shape)


def _require_tensor(op, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(other).__name__}")


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
    return _full("full", shape, value, device, dtype, requires_grad)


def _full(op, shape, value, device, dtype, requires_grad):
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: value must be a real number, got {type(value).__name__}")
    device = normalize_device(device)
    shape = _shape(op, shape if isinstance(shape, (tuple, list)) else (shape,))
    dtype = _dtype(op, dtype)
    if isinstance(value, numbers.Integral):
        exact = True  # Python ints may be too large for float(); compare them exactly
    else:
        exact = math.isfinite(value) and float(value).is_integer()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not (exact and info.min <= value <= info.max):
            raise ValueError(f"{op}: value {value!r} cannot be stored exactly as {dtype}")
    elif isinstance(value, numbers.Integral) and abs(value) > float(np.finfo(np.float64).max):
        raise ValueError(f"{op}: value {value!r} is too large for {dtype}")
    out = Tensor._wrap(get_backend(device).full(shape, value, dtype), device)
    return out.requires_grad_(True) if requires_grad else out


def zeros(*shape, device=None, dtype=None, requires_grad=False):
    return _full("zeros", _shape("zeros", shape), 0.0, device, dtype, requires_grad)


def ones(*shape, device=None, dtype=None, requires_grad=False):
    return _full("ones", _shape("ones", shape), 1.0, device, dtype, requires_grad)


def zeros_like(other, dtype=None):
    _require_tensor("zeros_like", other)
    return _full("zeros_like", other.shape, 0.0, other.device, dtype or other.dtype, False)


def ones_like(other, dtype=None):
    _require_tensor("ones_like", other)
    return _full("ones_like", other.shape, 1.0, other.device, dtype or other.dtype, False)


def arange(start, stop=None, step=1, device=None, dtype=None):
    if stop is None:
        start, stop = 0, start
    for name, value in (("start", start), ("stop", stop), ("step", step)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"arange: {name} must be a real number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"arange: {name} must be finite, got {value!r}")
    if step == 0:
        raise ValueError("arange: step must not be zero")
    if dtype is None:
        whole = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
        dtype = np.int64 if whole else float32
    dtype = _dtype("arange", dtype)
    device = normalize_device(device)
    return Tensor._wrap(get_backend(device).arange(start, stop, step, dtype), device)


def randn(*shape, device=None, dtype=None, requires_grad=False, generator=None):
    """Standard normal samples from the global generator (see manual_seed)."""
    return _random_tensor("randn", "random_normal", shape, device, dtype, requires_grad,
                          generator)


def rand(*shape, device=None, dtype=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1) from the global generator."""
    return _random_tensor("rand", "random_uniform", shape, device, dtype, requires_grad,
                          generator)


def _random_tensor(op, primitive, shape, device, dtype, requires_grad, generator):
    device = normalize_device(device)
    shape = _shape(op, shape)
    dtype = _dtype(op, dtype, floating=True)
    rng = _random.resolve_generator(op, generator)
    out = Tensor._wrap(getattr(get_backend(device), primitive)(shape, dtype, rng), device)
    return out.requires_grad_(True) if requires_grad else out

"""Tensor factories with PyTorch's signatures and dtype rules: ``tensor``,
``as_tensor``, ``from_numpy``, ``zeros``, ``ones``, ``empty``, ``full``,
``arange``, ``randn``, ``rand`` and the ``*_like`` forms.

Dtypes follow PyTorch: Python floats give the default float dtype (float32),
Python ints int64 and bools bool; NumPy arrays keep their dtype;
``full(size, 4)`` is int64 and ``full(size, 4.0)`` float32.
"""

import math

import numpy as np

from .. import _checks, _dtypes
from ..backend import get_backend, normalize_device
from ..random import resolve_generator
from ..tensor import Tensor


def _new(array, device, requires_grad):
    out = Tensor._wrap(array, device)
    return out.requires_grad_(True) if requires_grad else out


def _inferred_dtype(op, data, array):
    """PyTorch's dtype for ``data``: NumPy data keeps its dtype, Python data
    maps floats to the default float dtype, ints to int64, bools to bool."""
    if isinstance(data, (np.ndarray, np.generic)) or isinstance(data, Tensor):
        return _dtypes.as_dtype(op, array.dtype)
    kind = array.dtype.kind
    if kind == "b":
        return _dtypes.bool_
    if kind in "iu":
        return _dtypes.int64
    if kind == "f":
        return _dtypes.get_default_dtype()
    raise TypeError(f"{op}: data must be numbers or booleans, got {type(data).__name__} "
                    f"of dtype {array.dtype}")


def tensor(data, *, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (a number, nested sequences, a
    NumPy array or a tensor)."""
    device = normalize_device(device)
    dtype = _checks.dtype("tensor", dtype)
    source = data.numpy() if isinstance(data, Tensor) else data
    try:
        array = np.array(source, copy=True)
    except (ValueError, TypeError) as exc:  # ragged nested lists, strings, objects
        raise ValueError(f"tensor: cannot make a tensor of the data ({exc})") from None
    if dtype is None:
        dtype = _inferred_dtype("tensor", data, array)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"tensor: data must be numbers or booleans, got dtype {array.dtype}")
    return _new(get_backend(device).from_numpy(array.astype(dtype, copy=False)), device,
                requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory with a CPU tensor or NumPy array
    of the right dtype (no copy then)."""
    device = normalize_device(device)
    dtype = _checks.dtype("as_tensor", dtype)
    if isinstance(data, Tensor):
        out = data
        if dtype is not None and dtype != data.dtype:
            out = Tensor._wrap(get_backend(data.device).astype(data._data, dtype), data.device)
        return out if out.device == device else out.to(device)
    if isinstance(data, np.ndarray) and (dtype is None or dtype == data.dtype):
        if data.dtype.kind in "biuf":
            return from_numpy(data) if device == "cpu" else tensor(data, device=device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A CPU tensor sharing memory with ``ndarray`` (its dtype kept)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    dtype = _dtypes.as_dtype("from_numpy", ndarray.dtype)
    device = normalize_device("cpu")
    return Tensor._wrap(get_backend(device).from_numpy(ndarray, dtype), device)


def _full(op, shape, value, dtype, device, requires_grad):
    device = normalize_device(device)
    if dtype is None:
        dtype = _dtypes.scalar_dtype(value)
    dtype = _dtypes.as_dtype(op, dtype)
    if dtype.kind in "iu":
        exact = _checks.is_integer(value) or isinstance(value, bool) or (
            math.isfinite(value) and float(value).is_integer())
        info = np.iinfo(dtype)
        if not (exact and info.min <= value <= info.max):
            raise RuntimeError(f"{op}: value {value!r} cannot be converted to type {dtype} "
                               "without overflow")
    elif _checks.is_integer(value) and abs(value) > float(np.finfo(np.float64).max):
        raise RuntimeError(f"{op}: value {value!r} is too large for {dtype}")
    return _new(get_backend(device).full(shape, value, dtype), device, requires_grad)


def _fill_value(op, value):
    if isinstance(value, Tensor) and value.numel() == 1:
        value = value.item()
    if not (_checks.is_real(value) or isinstance(value, (bool, np.bool_))):
        raise TypeError(f"{op}: fill_value must be a number, got {type(value).__name__}")
    return value.item() if isinstance(value, np.generic) else value


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the
    value (bool, int64 or the default float) unless given."""
    size = _checks.size_args("full", (size,))
    return _full("full", size, _fill_value("full", fill_value), dtype, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros (default float dtype unless given).

    ``size`` is ints or one sequence of ints (``zeros(2, 3)`` or ``zeros((2, 3))``)."""
    size = _checks.size_args("zeros", size)
    return _full("zeros", size, 0.0, dtype or _dtypes.get_default_dtype(), device,
                 requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones (default float dtype unless given).

    ``size`` is ints or one sequence of ints (``ones(2, 3)`` or ``ones((2, 3))``)."""
    size = _checks.size_args("ones", size)
    return _full("ones", size, 1.0, dtype or _dtypes.get_default_dtype(), device,
                 requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A new tensor whose values are unspecified (zeros here), of the
    default float dtype unless given.

    ``size`` is ints or one sequence of ints (``empty(2, 3)`` or ``empty((2, 3))``)."""
    size = _checks.size_args("empty", size)
    return _full("empty", size, 0.0, dtype or _dtypes.get_default_dtype(), device,
                 requires_grad)


def _like(op, input, dtype, device):
    _checks.tensor(op, input)
    return (input.shape, _checks.dtype(op, dtype) or input.dtype,
            normalize_device(device) if device is not None else input.device)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros with the shape of ``input``; dtype and device default
    to the input's."""
    shape, dtype, device = _like("zeros_like", input, dtype, device)
    return _full("zeros_like", shape, 0, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    """A tensor of ones with the shape of ``input``; dtype and device default
    to the input's."""
    shape, dtype, device = _like("ones_like", input, dtype, device)
    return _full("ones_like", shape, 1, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    """A tensor of unspecified values (zeros here) with the shape of
    ``input``; dtype and device default to the input's."""
    shape, dtype, device = _like("empty_like", input, dtype, device)
    return _full("empty_like", shape, 0, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of ``fill_value`` with the shape of ``input``; dtype and device
    default to the input's."""
    shape, dtype, device = _like("full_like", input, dtype, device)
    return _full("full_like", shape, _fill_value("full_like", fill_value), dtype, device,
                 requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` (0 if only one bound is given) up to ``end``
    (excluded) by ``step``: int64 when every bound is an integer, else the
    default float dtype."""
    if end is None:
        start, end = 0, start
    for name, value in (("start", start), ("end", end), ("step", step)):
        if not _checks.is_real(value):
            raise TypeError(f"arange: {name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise RuntimeError(f"arange: {name} must be finite, got {value!r}")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("arange: upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        whole = all(_checks.is_integer(v) for v in (start, end, step))
        dtype = _dtypes.int64 if whole else _dtypes.get_default_dtype()
    dtype = _dtypes.as_dtype("arange", dtype)
    device = normalize_device(device)
    return _new(get_backend(device).arange(start, end, step, dtype), device, requires_grad)


def _random(op, primitive, size, generator, dtype, device, requires_grad):
    device = normalize_device(device)
    size = _checks.size_args(op, size)
    dtype = _checks.float_dtype(op, dtype)
    rng = resolve_generator(op, generator)
    return _new(getattr(get_backend(device), primitive)(size, dtype, rng), device,
                requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the standard normal distribution (see ``manual_seed``), of
    the default float dtype unless given.

    ``size`` is ints or one sequence of ints (``randn(2, 3)`` or ``randn((2, 3))``)."""
    return _random("randn", "random_normal", size, generator, dtype, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of the uniform distribution on [0, 1), of the default float
    dtype unless given.

    ``size`` is ints or one sequence of ints (``rand(2, 3)`` or ``rand((2, 3))``)."""
    return _random("rand", "random_uniform", size, generator, dtype, device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (m = n by default)."""
    n = _checks.integer("eye", "n", n, 0)
    m = n if m is None else _checks.integer("eye", "m", m, 0)
    dtype = _checks.dtype("eye", dtype) or _dtypes.get_default_dtype()
    device = normalize_device(device)
    backend = get_backend(device)
    rows = backend.reshape(backend.arange(0, n, 1, _dtypes.int64), (n, 1))
    cols = backend.reshape(backend.arange(0, m, 1, _dtypes.int64), (1, m))
    return _new(backend.astype(backend.compare("eq", rows, cols), dtype), device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values evenly spaced from ``start`` to ``end`` (both included)."""
    for name, value in (("start", start), ("end", end)):
        if not _checks.is_real(value):
            raise TypeError(f"linspace: {name} must be a number, got {value!r}")
    steps = _checks.integer("linspace", "steps", steps, 0)
    dtype = _checks.dtype("linspace", dtype) or _dtypes.get_default_dtype()
    values = np.linspace(float(start), float(end), steps)
    if dtype.kind in "iu":
        values = np.trunc(values)
    device = normalize_device(device)
    return _new(get_backend(device).from_numpy(values.astype(dtype)), device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    steps = _checks.integer("logspace", "steps", steps, 0)
    base = _checks.real("logspace", "base", base)
    for name, value in (("start", start), ("end", end)):
        if not _checks.is_real(value):
            raise TypeError(f"logspace: {name} must be a number, got {value!r}")
    dtype = _checks.dtype("logspace", dtype) or _dtypes.get_default_dtype()
    values = np.power(base, np.linspace(float(start), float(end), steps))
    device = normalize_device(device)
    return _new(get_backend(device).from_numpy(values.astype(dtype)), device, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` starts at 0);
    int64 unless ``dtype`` says otherwise."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: size must be given, e.g. randint(0, 10, (3,))")
    low = _checks.integer("randint", "low", low)
    high = _checks.integer("randint", "high", high)
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    size = _checks.size_args("randint", (size,))
    dtype = _checks.dtype("randint", dtype) or _dtypes.int64
    rng = resolve_generator("randint", generator)
    device = normalize_device(device)
    values = rng.integers(low, high, size=size, dtype=np.int64).astype(dtype)
    return _new(get_backend(device).from_numpy(values), device, requires_grad)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """``rand`` with the shape (and by default dtype and device) of ``input``."""
    shape, dtype, device = _like("rand_like", input, dtype, device)
    _checks.float_dtype("rand_like", dtype)
    return rand(*shape, generator=generator, dtype=dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """``randn`` with the shape (and by default dtype and device) of ``input``."""
    shape, dtype, device = _like("randn_like", input, dtype, device)
    _checks.float_dtype("randn_like", dtype)
    return randn(*shape, generator=generator, dtype=dtype, device=device,
                 requires_grad=requires_grad)


def randint_like(input, low, high=None, *, generator=None, dtype=None, device=None):
    """``randint`` with the shape (and by default dtype and device) of ``input``:
    integers from [``low``, ``high``), or from [0, ``low``) when ``high`` is None."""
    shape, dtype, device = _like("randint_like", input, dtype, device)
    if high is None:
        low, high = 0, low
    return randint(low, high, shape, generator=generator, dtype=dtype, device=device)

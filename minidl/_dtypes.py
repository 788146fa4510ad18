"""Data types and PyTorch's type promotion rules.

A tensor's dtype is a ``numpy.dtype`` (``mdl.float32 == numpy.float32``), but
which dtype an operation returns follows PyTorch, not NumPy:

- categories rank bool < integer < floating point; a Python number or a 0-d
  tensor only changes the result when it belongs to a higher category than
  every tensor with dimensions (``float32_tensor * 2.5`` stays float32,
  ``int_tensor * 2.5`` is float32, ``float32_tensor + float64_0d`` is float32);
- an integer meets a float: the float type wins (int64 + float32 is float32);
- Python floats count as the default float dtype (float32 unless changed by
  ``set_default_dtype``), Python ints as int64, Python bools as bool;
- true division and the floating-point functions (exp, sqrt, sigmoid, ...) of
  integer or bool tensors give the default float dtype.

Every op above the backend casts its operands to the dtype this module picks,
so backends only ever see operands of one dtype (or Python scalars).
"""

import numbers

import numpy as np

bool_ = np.dtype(np.bool_)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)

# What a tensor may hold: PyTorch's real dtypes that both backends compute with.
SUPPORTED = (bool_, uint8, int8, int16, int32, int64, float32, float64)
FLOATING = (float32, float64)

_default_float = float32


def get_default_dtype():
    """The dtype of new floating point tensors (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype):
    """Make ``dtype`` (float32 or float64) the default floating point dtype."""
    global _default_float
    dtype = as_dtype("set_default_dtype", dtype)
    if dtype not in FLOATING:
        raise TypeError(f"set_default_dtype: only float32 and float64 can be the default, "
                        f"got {dtype}")
    _default_float = dtype


def as_dtype(op, dtype):
    """``dtype`` (a dtype, a NumPy type or a name) as a supported numpy dtype."""
    if isinstance(dtype, np.dtype) and dtype in SUPPORTED:
        return dtype
    if dtype is bool:
        return bool_
    if dtype is float:
        return float64
    if dtype is int:
        return int64
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype") from None
    if result not in SUPPORTED:
        names = ", ".join(str(d) for d in SUPPORTED)
        raise TypeError(f"{op}: unsupported dtype {result}; tensors hold {names}")
    return result


def is_floating(dtype):
    return dtype.kind == "f"


def _category(dtype):
    return {"b": 0, "u": 1, "i": 1, "f": 2}[dtype.kind]


def promote_types(a, b):
    """PyTorch's promotion of two dtypes: the higher category wins; within
    floats the wider one; within integers NumPy's rule (uint8 + int8 is int16)."""
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def scalar_dtype(value):
    """The dtype PyTorch gives a Python number taking part in an op."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, numbers.Integral):
        return int64
    return _default_float


def _combine(higher, lower):
    """PyTorch's combine_categories: ``lower`` (a weaker participant) only
    matters when it belongs to a higher category than ``higher``."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher == bool_ or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """The dtype of an op on ``operands`` (tensors and Python numbers).

    Tensors with dimensions rank first, then 0-d tensors, then Python numbers,
    as PyTorch's ``torch.result_type``."""
    dimensioned = zero_dim = wrapped = None
    for x in operands:
        dtype = getattr(x, "dtype", None)
        if dtype is None:
            if x is None:
                continue
            wrapped = _promote_optional(wrapped, scalar_dtype(x))
        elif len(x.shape) == 0:
            zero_dim = _promote_optional(zero_dim, dtype)
        else:
            dimensioned = _promote_optional(dimensioned, dtype)
    return _combine(dimensioned, _combine(zero_dim, wrapped))


def _promote_optional(current, dtype):
    return dtype if current is None else promote_types(current, dtype)


def float_result_type(*operands):
    """``result_type``, but integer and bool results become the default float
    dtype: true division and the floating point functions."""
    dtype = result_type(*operands)
    return dtype if dtype.kind == "f" else _default_float

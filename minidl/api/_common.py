"""What the public tensor functions share: turning operands into tensors or
Python numbers, casting them to the dtype PyTorch's promotion picks, and
wrapping the result of a primitive that has no gradient (comparisons,
argmax) as a tensor outside the graph."""

import math
import numbers

import numpy as np

from .. import _checks, _dtypes
from ..backend import get_backend
from ..ops import elementwise as ew
from ..tensor import Tensor


def operand(op, value, like):
    """``value`` as a Tensor on ``like``'s device, or as a Python number.

    NumPy arrays become tensors of their own dtype, as in PyTorch; other
    sequences are refused (PyTorch refuses lists and tuples as operands)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (numbers.Number, np.bool_)) and not isinstance(value, np.ndarray):
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, complex):
            raise TypeError(f"{op}: complex numbers are not supported")
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"{op}: unsupported operand of dtype {value.dtype}")
        dtype = _dtypes.as_dtype(op, value.dtype)
        return Tensor._wrap(get_backend(like.device).from_numpy(value, dtype), like.device)
    raise TypeError(f"{op}: unsupported operand type {type(value).__name__} (expected a "
                    "Tensor or a number)")


def cast(op, value, dtype):
    """A tensor or Python number converted to ``dtype`` (tensors through the
    differentiable Cast, numbers to the matching Python type)."""
    if isinstance(value, Tensor):
        if value.dtype == dtype:
            return value
        return ew.Cast.apply(value, dtype)
    if value is None:
        return None
    if dtype.kind == "f":
        try:
            return float(value)
        except OverflowError:
            raise RuntimeError(f"{op}: {value!r} cannot be converted to {dtype} without "
                               "overflow") from None
    if dtype.kind == "b":
        return bool(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise RuntimeError(f"{op}: {value!r} cannot be converted to {dtype}")
        value = int(value)  # truncated toward zero, as a C cast (PyTorch's fill_)
    info = np.iinfo(dtype)
    if not info.min <= value <= info.max:
        raise RuntimeError(f"{op}: value {value!r} cannot be converted to type {dtype} "
                           "without overflow")
    return int(value)


def promoted(op, a, b, float_result=False):
    """(a, b, dtype): both operands cast to the dtype PyTorch gives ``a op b``
    (the default float dtype for integer inputs when ``float_result``)."""
    dtype = (_dtypes.float_result_type if float_result else _dtypes.result_type)(a, b)
    return cast(op, a, dtype), cast(op, b, dtype), dtype


def check_broadcast(op, a, b):
    """A clear error when two operands' shapes do not broadcast together."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.shape != b.shape:
        _checks.broadcast_shapes(op, a.shape, b.shape)


def device_of(*values):
    """The device of the first tensor among ``values``."""
    for v in values:
        if isinstance(v, Tensor):
            return v.device
    raise TypeError("expected at least one Tensor")


def constant(array, device):
    """A backend array as a tensor outside the graph (no gradient flows)."""
    return Tensor._wrap(array, device)


def raw(value):
    """The backend array of a tensor, a number as is."""
    return value._data if isinstance(value, Tensor) else value

"""Argument checks shared by every public entry point.

Each public function checks its arguments once, here, with an error that
names the function and the offending value; layers, optimizers and backends
then trust what reaches them. ``op`` is always the name the user called
(``"conv2d"``, ``"SGD"``, ``"BatchNorm2d"``) so messages point at their code.

Type errors raise TypeError, out-of-range values ValueError (as PyTorch
raises TypeError and ValueError/RuntimeError for the same mistakes).
"""

import math
import numbers

import numpy as np

from . import _dtypes
from .random import resolve_generator
from .tensor import Tensor


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def is_integer(value):
    """True for Python and NumPy integers, not for bools."""
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def is_real(value):
    """True for Python and NumPy real numbers, not for bools."""
    return isinstance(value, numbers.Real) and not _is_bool(value)


# ---- numbers ------------------------------------------------------------------
def real(op, name, value, low=None, high=None, *, low_open=False, high_open=False):
    """``value`` as a float: TypeError unless it is a real number (bools are not),
    ValueError unless it is finite and within [low, high] (ends open when asked)."""
    if not is_real(value):
        raise TypeError(f"{op}: {name} must be a number, got {value!r}")
    number = float(value)
    ok = math.isfinite(number)
    if low is not None:
        ok = ok and (number > low if low_open else number >= low)
    if high is not None:
        ok = ok and (number < high if high_open else number <= high)
    if not ok:
        raise ValueError(f"{op}: {name} must be {_range_text(low, high, low_open, high_open)}"
                         f", got {value!r}")
    return number


def _range_text(low, high, low_open, high_open):
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return "finite"


def integer(op, name, value, minimum=None):
    """``value`` as an int (>= minimum when given): TypeError unless it is an
    integer (bools are not), ValueError when it is too small."""
    if not is_integer(value):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


def boolean(op, name, value):
    if not _is_bool(value):
        raise TypeError(f"{op}: {name} must be True or False, got {value!r}")
    return bool(value)


def one_of(op, name, value, choices):
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{op}: {name} must be one of {listed}, got {value!r}")
    return value


def pair(op, name, value, minimum):
    """An int or a pair of ints, each >= minimum, as a tuple of two ints."""
    if is_integer(value):
        value = (int(value), int(value))
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(is_integer(v) for v in value)):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(value) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {tuple(value)}")
    return (int(value[0]), int(value[1]))


def ntuple(op, name, value, n, minimum):
    """An int or a tuple of ``n`` ints, each >= minimum, as a tuple of ``n`` ints."""
    if is_integer(value):
        value = (int(value),) * n
    if (not isinstance(value, (tuple, list)) or len(value) != n
            or not all(is_integer(v) for v in value)):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if min(value) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {tuple(value)}")
    return tuple(int(v) for v in value)


def positive_int(op, name, value):
    if not is_integer(value):
        raise TypeError(f"{op}: {name} must be a positive int, got {value!r}")
    if value < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    return int(value)


# ---- shapes and dimensions ----------------------------------------------------
def size_args(op, args, allow_negative=False):
    """Sizes given as ``f(2, 3)`` or ``f((2, 3))`` as a tuple of ints."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for n in args:
        if not is_integer(n) and not (isinstance(n, Tensor) and n.numel() == 1
                                      and n.dtype.kind in "iu"):
            raise TypeError(f"{op}: expected integer sizes, got {args!r}")
    sizes = tuple(int(n) for n in args)
    if not allow_negative and any(n < 0 for n in sizes):
        raise ValueError(f"{op}: sizes must be non-negative, got {sizes}")
    return sizes


def dim(op, value, ndim):
    """A dimension index in [-ndim, ndim) as a non-negative int (a 0-d tensor
    accepts 0 and -1, as in PyTorch)."""
    if not is_integer(value):
        raise TypeError(f"{op}: dim must be an int, got {value!r}")
    bound = max(ndim, 1)
    if not -bound <= value < bound:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-bound}, {bound - 1}], but got {value})")
    return int(value) % bound


def dims(op, value, ndim):
    """None (every dimension), an int or a sequence of ints, as None or a
    sorted tuple of distinct non-negative dims. A 0-d tensor reduces over
    nothing whatever dims name."""
    if value is None:
        return None
    listed = value if isinstance(value, (tuple, list)) else (value,)
    normalized = [dim(op, d, ndim) for d in listed]
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(f"{op}: dim {normalized} appears multiple times in the list of dims")
    if ndim == 0:
        return ()
    return tuple(sorted(normalized))


def broadcast_shapes(op, *shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        listed = " and ".join(str(tuple(s)) for s in shapes)
        raise RuntimeError(f"{op}: the shapes {listed} cannot be broadcast together") from None


# ---- dtypes -------------------------------------------------------------------
def dtype(op, value):
    """A supported dtype, or None left as None."""
    return None if value is None else _dtypes.as_dtype(op, value)


def float_dtype(op, value):
    """None (the default float dtype) or float32 / float64."""
    if value is None:
        return _dtypes.get_default_dtype()
    result = _dtypes.as_dtype(op, value)
    if result.kind != "f":
        raise TypeError(f"{op}: dtype must be a floating point dtype, got {result}")
    return result


# ---- tensors ------------------------------------------------------------------
def tensor(op, x, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def float_tensor(op, x, name="input"):
    tensor(op, x, name)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating point tensor, got {x.dtype}")
    return x


def same_dtype(op, x, other, name):
    if other is not None and other.dtype != x.dtype:
        raise RuntimeError(f"{op}: expected {name} to have dtype {x.dtype} like the input, "
                           f"but got {other.dtype}")


def same_device(op, x, other, name):
    if other is not None and other.device != x.device:
        raise RuntimeError(f"{op}: expected all tensors to be on the same device, but found "
                           f"{x.device} and {other.device} ({name})")


def optional_tensor(op, value, name, like, shape):
    """None, or a Tensor of ``shape`` with ``like``'s dtype and device."""
    if value is None:
        return None
    tensor(op, value, name)
    same_dtype(op, like, value, name)
    same_device(op, like, value, name)
    if value.shape != shape:
        raise RuntimeError(f"{op}: {name} has shape {value.shape}, expected {shape}")
    return value


def tensor_list(op, values, name="tensors"):
    """A non-empty list of Tensors from an iterable (a single Tensor is refused:
    it would be iterated row by row)."""
    if isinstance(values, Tensor) or not hasattr(values, "__iter__"):
        raise TypeError(f"{op}: {name} must be a sequence of Tensors, got "
                        f"{type(values).__name__}")
    values = list(values)
    if not values:
        raise ValueError(f"{op}: expected a non-empty list of Tensors")
    for i, t in enumerate(values):
        tensor(op, t, f"element {i} of {name}")
    return values


def generator(op, value):
    """None (the global generator) or a numpy Generator."""
    return resolve_generator(op, value)

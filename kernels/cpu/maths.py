"""The elementwise maths library on the CPU: trigonometric and hyperbolic
functions and their inverses, logarithms and exponentials of other bases,
rounding, the error function, division and remainder in their several
conventions, predicates, logical and bitwise operations.  The mirror file is
``kernels/cuda/maths.py``: the same op names, the same results.

Two primitives, each with a table of ops (as ``compare`` has one)::

    unary_math("sin", x)            binary_math("fmod", a, b)

Operands arrive in the dtype the op computes in (``minidl.api`` applied
PyTorch's promotion: integer inputs of a float function are already float),
and results keep it, except the predicates (``isnan``, ``logical_*``), which
give bools.  Integer division by zero is refused by the caller before any
kernel runs.  NumPy's warnings for values outside a function's domain are
silenced: the result (nan, inf) says it, as in PyTorch.

Most ops are one NumPy ufunc.  NumPy has no error function, so ``erf`` and
``erfc`` are small Numba loops over ``math.erf``; the divisions follow
PyTorch's definitions where NumPy has none (``trunc_divide``) or differs
(``frac``).
"""

import math

import numpy as np
from numba import njit

__all__ = ["unary_math", "binary_math"]


# --------------------------------------------------------------------------- Numba loops


@njit(cache=True)
def _erf_loop(x, out):
    for i in range(x.size):
        out[i] = math.erf(x[i])


@njit(cache=True)
def _erfc_loop(x, out):
    for i in range(x.size):
        out[i] = math.erfc(x[i])


def _looped(loop):
    """A float function computed by a Numba loop over the flat array; float16 is
    computed in float32 (Numba has no float16 maths) and stored back."""
    def apply(x):
        compute = np.float32 if x.dtype == np.float16 else x.dtype
        flat = np.ascontiguousarray(x, dtype=compute).reshape(-1)
        out = np.empty_like(flat)
        loop(flat, out)
        return out.reshape(x.shape).astype(x.dtype, copy=False)
    return apply


# --------------------------------------------------------------------------- definitions


def _rsqrt(x):
    return np.reciprocal(np.sqrt(x))


def _frac(x):
    # PyTorch's x - trunc(x) (np.modf agrees except for infinities)
    return np.subtract(x, np.trunc(x))


def _trunc_divide(a, b):
    """a / b rounded toward zero: floats as trunc(a / b), integers exactly."""
    if np.result_type(a, b).kind == "f":
        return np.trunc(np.true_divide(a, b))
    quotient = np.floor_divide(a, b)
    # floor and truncation differ where the division is inexact and the signs differ
    inexact = np.remainder(a, b) != 0
    return quotient + (inexact & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))


def _shift_left(a, b):
    # PyTorch gives 0 for shifts past the width (NumPy's is the machine's)
    dtype = np.result_type(a, b)
    bits = 8 * dtype.itemsize
    shifted = np.left_shift(a, np.clip(b, 0, bits - 1))
    return np.where((b >= 0) & (b < bits), shifted, 0).astype(dtype, copy=False)


def _shift_right(a, b):
    dtype = np.result_type(a, b)
    bits = 8 * dtype.itemsize
    return np.right_shift(a, np.clip(b, 0, bits - 1)).astype(dtype, copy=False)


UNARY = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh,
    "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
    "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
    "expm1": np.expm1, "exp2": np.exp2,
    "rsqrt": _rsqrt, "reciprocal": np.reciprocal,
    "erf": _looped(_erf_loop), "erfc": _looped(_erfc_loop),
    "floor": np.floor, "ceil": np.ceil, "round": np.rint, "trunc": np.trunc, "frac": _frac,
    "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite,
    "logical_not": np.logical_not, "bitwise_not": np.invert,
}

BINARY = {
    "atan2": np.arctan2,
    "fmod": np.fmod, "remainder": np.remainder,
    "floor_divide": np.floor_divide, "trunc_divide": _trunc_divide,
    "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_xor": np.logical_xor,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor,
    "bitwise_left_shift": _shift_left, "bitwise_right_shift": _shift_right,
}


def _lookup(table, kind, op):
    function = table.get(op)
    if function is None:
        raise ValueError(f"{kind}: unknown op {op!r}, expected one of {sorted(table)}")
    return function


# --------------------------------------------------------------------------- primitives


def unary_math(op, x):
    """``op`` applied elementwise to the array ``x`` (see UNARY)."""
    function = _lookup(UNARY, "unary_math", op)
    with np.errstate(all="ignore"):
        return np.asarray(function(x))


def binary_math(op, a, b):
    """``op`` applied elementwise to ``a`` and ``b`` (arrays or Python numbers of one
    dtype), broadcast together (see BINARY)."""
    function = _lookup(BINARY, "binary_math", op)
    with np.errstate(all="ignore"):
        return np.asarray(function(a, b))

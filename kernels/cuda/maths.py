"""The elementwise maths library on the device: trigonometric and hyperbolic
functions and their inverses, logarithms and exponentials of other bases,
rounding, the error function, division and remainder in their several
conventions, predicates, logical and bitwise operations.  The mirror file is
``kernels/cpu/maths.py``: the same op names, the same results.

Two primitives, each with a table of ops (as ``compare`` has one)::

    unary_math("sin", x)            binary_math("fmod", a, b)

Every op is one scalar function made into a primitive by the factories of
``elementwise`` (one kernel per dtype, compiled on first use; the compile
check builds them all from ``OPS``).  Operands arrive in the dtype the op
computes in (``minidl.api`` applied PyTorch's promotion); float16 is computed
in float32.

The scalar functions spell out what happens outside a function's domain (nan,
signed infinities) instead of relying on the hardware's answer, so that the
simulator, which runs them as Python's ``math`` (which raises there), gives
what a GPU gives.  Constants are made in the operand's type (``type(v)(1)``):
a Python float literal would widen a float32 kernel to float64.  Integer
division by zero is refused by the caller before any kernel runs.
"""

import builtins
import math
import operator

from .elementwise import binary, device, unary

__all__ = ["unary_math", "binary_math"]


# --------------------------------------------------------------------------- helpers


@device
def _nan(v):
    return type(v)(math.nan)


@device
def _signed_inf(v):
    """+inf or -inf with the sign of v (of a zero too: 1 / -0 is -inf)."""
    return math.copysign(type(v)(math.inf), v)


@device
def _is_integral_or_special(v):
    # every float of magnitude 2**52 or more is an integer (float32 already from
    # 2**23); NaN and the infinities fail the comparison too
    return not (builtins.abs(v) < type(v)(4503599627370496.0))


@device
def _keep_zero_sign(r, v):
    # floor(-0.0) and ceil(-0.5) are -0.0
    return math.copysign(r, v) if r == 0 else r


# --------------------------------------------------------------------------- unary


@device
def _sin(v):
    return math.sin(v) if v - v == 0 else _nan(v)  # nan at +-inf, as a GPU


@device
def _cos(v):
    return math.cos(v) if v - v == 0 else _nan(v)


@device
def _tan(v):
    return math.tan(v) if v - v == 0 else _nan(v)


@device
def _asin(v):
    return math.asin(v) if builtins.abs(v) <= 1 else _nan(v)


@device
def _acos(v):
    return math.acos(v) if builtins.abs(v) <= 1 else _nan(v)


@device
def _acosh(v):
    return math.acosh(v) if v >= 1 else _nan(v)


@device
def _atanh(v):
    if builtins.abs(v) < 1:
        return math.atanh(v)
    if builtins.abs(v) == 1:
        return _signed_inf(v)
    return _nan(v)


@device
def _log2(v):
    if v > 0:
        return math.log2(v)
    return type(v)(-math.inf) if v == 0 else _nan(v)


@device
def _log10(v):
    if v > 0:
        return math.log10(v)
    return type(v)(-math.inf) if v == 0 else _nan(v)


@device
def _log1p(v):
    if v > -1:
        return math.log1p(v)
    return type(v)(-math.inf) if v == -1 else _nan(v)


@device
def _exp2(v):
    return math.exp2(v)


@device
def _rsqrt(v):
    if v > 0:
        return type(v)(1) / math.sqrt(v)
    return _signed_inf(v) if v == 0 else _nan(v)


@device
def _reciprocal(v):
    return type(v)(1) / v if v != 0 else _signed_inf(v)


@device
def _floor(v):
    if _is_integral_or_special(v):
        return v
    return _keep_zero_sign(type(v)(math.floor(v)), v)


@device
def _ceil(v):
    if _is_integral_or_special(v):
        return v
    return _keep_zero_sign(type(v)(math.ceil(v)), v)


@device
def _trunc(v):
    return _floor(v) if v >= 0 else _ceil(v)


@device
def _round(v):
    # halves to even, as PyTorch's nearbyint and NumPy's rint
    if _is_integral_or_special(v):
        return v
    r = type(v)(math.floor(v))
    d = v - r
    half = type(v)(0.5)
    if d > half or (d == half and math.fmod(r, type(v)(2)) != 0):
        r = r + type(v)(1)
    return _keep_zero_sign(r, v)


@device
def _frac(v):
    return v - _trunc(v)


@device
def _isnan(v):
    return v != v


@device
def _isinf(v):
    return builtins.abs(v) == type(v)(math.inf)


@device
def _isfinite(v):
    return v - v == 0


@device
def _logical_not(v):
    return v == 0


# --------------------------------------------------------------------------- binary


@device
def _fmod_float(a, b):
    # C's fmod: the sign of a; nan for a zero divisor or an infinite dividend
    if b == 0 or _isinf(a):
        return _nan(a)
    return math.fmod(a, b)


@device
def _fmod_int(a, b):
    r = a % b  # Python's (floor) remainder, with the sign of b
    if r != 0 and (r < 0) != (a < 0):
        r = r - b
    return r


@device
def _remainder_float(a, b):
    # Python's modulo: the sign of b (PyTorch's and NumPy's definition)
    mod = _fmod_float(a, b)
    if mod != 0 and (b < 0) != (mod < 0):
        mod = mod + b
    return mod


@device
def _true_divide(a, b):
    if b != 0:
        return a / b
    if a == 0 or a != a:
        return _nan(a)
    return _signed_inf(a) * math.copysign(type(a)(1), b)


@device
def _floor_divide_float(a, b):
    # NumPy's and PyTorch's floor division: exact where floor(a / b) is not
    if b == 0:
        return _true_divide(a, b)
    mod = _fmod_float(a, b)
    div = (a - mod) / b
    if mod != 0 and (b < 0) != (mod < 0):
        div = div - type(a)(1)
    if div == 0:
        return math.copysign(type(a)(0), a / b)
    floor_div = _floor(div)
    if div - floor_div > type(a)(0.5):
        floor_div = floor_div + type(a)(1)
    return floor_div


@device
def _trunc_divide_float(a, b):
    return _trunc(_true_divide(a, b))


@device
def _trunc_divide_int(a, b):
    q = a // b
    if a % b != 0 and (a < 0) != (b < 0):
        q = q + type(q)(1)
    return q


@device
def _logical_and(a, b):
    return a != 0 and b != 0


@device
def _logical_or(a, b):
    return a != 0 or b != 0


@device
def _logical_xor(a, b):
    return (a != 0) != (b != 0)


@device
def _shift_left(a, b):
    # 0 past the width, as PyTorch (a kernel's shift by 64 or more is undefined);
    # narrower integers shift in 64 bits and keep their low bits when stored
    if b < 0 or b >= 64:
        return a - a
    return a << b


@device
def _shift_right(a, b):
    if b < 0:
        b = b - b
    if b > 63:
        b = b - b + type(b)(63)
    return a >> b


UNARY = {
    "sin": unary(_sin, kinds="f", name="sin"),
    "cos": unary(_cos, kinds="f", name="cos"),
    "tan": unary(_tan, kinds="f", name="tan"),
    "asin": unary(_asin, kinds="f", name="asin"),
    "acos": unary(_acos, kinds="f", name="acos"),
    "atan": unary(math.atan, kinds="f", name="atan"),
    "sinh": unary(math.sinh, kinds="f", name="sinh"),
    "cosh": unary(math.cosh, kinds="f", name="cosh"),
    "asinh": unary(math.asinh, kinds="f", name="asinh"),
    "acosh": unary(_acosh, kinds="f", name="acosh"),
    "atanh": unary(_atanh, kinds="f", name="atanh"),
    "log2": unary(_log2, kinds="f", name="log2"),
    "log10": unary(_log10, kinds="f", name="log10"),
    "log1p": unary(_log1p, kinds="f", name="log1p"),
    "expm1": unary(math.expm1, kinds="f", name="expm1"),
    "exp2": unary(_exp2, kinds="f", name="exp2"),
    "rsqrt": unary(_rsqrt, kinds="f", name="rsqrt"),
    "reciprocal": unary(_reciprocal, kinds="f", name="reciprocal"),
    "erf": unary(math.erf, kinds="f", name="erf"),
    "erfc": unary(math.erfc, kinds="f", name="erfc"),
    "floor": unary(_floor, kinds="f", name="floor"),
    "ceil": unary(_ceil, kinds="f", name="ceil"),
    "round": unary(_round, kinds="f", name="round"),
    "trunc": unary(_trunc, kinds="f", name="trunc"),
    "frac": unary(_frac, kinds="f", name="frac"),
    "isnan": unary(_isnan, result="bool", kinds="f", name="isnan"),
    "isinf": unary(_isinf, result="bool", kinds="f", name="isinf"),
    "isfinite": unary(_isfinite, result="bool", kinds="f", name="isfinite"),
    "logical_not": unary(_logical_not, result="bool", name="logical_not"),
    "bitwise_not": unary(operator.invert, kinds="iu", name="bitwise_not"),
}

BINARY = {
    "atan2": binary(math.atan2, kinds="f", name="atan2"),
    "fmod": binary(_fmod_float, int_fn=_fmod_int, kinds="iuf", name="fmod"),
    "remainder": binary(_remainder_float, int_fn=operator.mod, kinds="iuf",
                        name="remainder"),
    "floor_divide": binary(_floor_divide_float, int_fn=operator.floordiv, kinds="iuf",
                           name="floor_divide"),
    "trunc_divide": binary(_trunc_divide_float, int_fn=_trunc_divide_int, kinds="iuf",
                           name="trunc_divide"),
    "logical_and": binary(_logical_and, result="bool", name="logical_and"),
    "logical_or": binary(_logical_or, result="bool", name="logical_or"),
    "logical_xor": binary(_logical_xor, result="bool", name="logical_xor"),
    "bitwise_and": binary(operator.and_, kinds="biu", name="bitwise_and"),
    "bitwise_or": binary(operator.or_, kinds="biu", name="bitwise_or"),
    "bitwise_xor": binary(operator.xor, kinds="biu", name="bitwise_xor"),
    "bitwise_left_shift": binary(_shift_left, kinds="iu", name="bitwise_left_shift"),
    "bitwise_right_shift": binary(_shift_right, kinds="iu", name="bitwise_right_shift"),
}


def _lookup(table, kind, op):
    primitive = table.get(op)
    if primitive is None:
        raise ValueError(f"{kind}: unknown op {op!r}, expected one of {sorted(table)}")
    return primitive


# --------------------------------------------------------------------------- primitives


def unary_math(op, x):
    """``op`` applied elementwise to the device array ``x`` (see UNARY)."""
    return _lookup(UNARY, "unary_math", op)(x)


def binary_math(op, a, b):
    """``op`` applied elementwise to ``a`` and ``b`` (device arrays or Python numbers of
    one dtype), broadcast together (see BINARY)."""
    return _lookup(BINARY, "binary_math", op)(a, b)


# every factory-made primitive, for the compile check
OPS = list(UNARY.values()) + list(BINARY.values())

# libdevice's float32 sin, cos and tan reduce huge arguments (beyond ~1e5) in float64:
# the only float64 instructions a float32 maths kernel may contain
USES_FLOAT64_INTERNALLY = frozenset({"sin", "cos", "tan"})

"""The elementwise maths library with PyTorch's dtype rules: trigonometric and
hyperbolic functions and their inverses, logarithms and exponentials of other
bases, rounding, the error function, the divisions and remainders, ``lerp``,
the predicates and comparisons of closeness, logical and bitwise operations.

    mdl.sin(x)                  integer and bool inputs give the default float
    mdl.remainder(x, 3)         x % 3: the sign of the divisor (Python's)
    mdl.fmod(x, 3)              the sign of the dividend (C's)
    mdl.div(x, y, rounding_mode="floor")   also "trunc"; x // y is floor_divide
    mdl.isclose(x, y, rtol=1e-5, atol=1e-8, equal_nan=False)
    x & y, x | y, x ^ y, ~x, x << 2       integers and bools
"""

from .. import _checks, _dtypes
from ..backend import get_backend
from ..ops import elementwise as ew
from ..ops import maths as ops
from ..tensor import Tensor
from . import pointwise, reduction
from ._common import cast, check_broadcast, constant, operand, promoted, raw

_DTYPE_NAMES = {"b": "Bool", "i": "Integer", "u": "Integer", "f": "Float"}


def _float_unary(op, function, x):
    """A float function: integer and bool inputs give the default float dtype."""
    _checks.tensor(op, x)
    return function.apply(cast(op, x, _dtypes.float_result_type(x)))


def _not_for(op, x, kinds):
    if x.dtype.kind in kinds:
        raise RuntimeError(f'"{op}" is not implemented for {_DTYPE_NAMES[x.dtype.kind]} '
                           f"tensors (dtype {x.dtype})")


# ---- trigonometric and hyperbolic --------------------------------------------------------
def sin(input):
    """The sine of ``input``, elementwise;
    integer and bool inputs give the default float dtype."""
    return _float_unary("sin", ops.Sin, input)


def cos(input):
    """The cosine of ``input``, elementwise;
    integer and bool inputs give the default float dtype."""
    return _float_unary("cos", ops.Cos, input)


def tan(input):
    """The tangent of ``input``, elementwise;
    integer and bool inputs give the default float dtype."""
    return _float_unary("tan", ops.Tan, input)


def asin(input):
    """The inverse sine of ``input``, elementwise (nan outside [-1, 1]);
    integer and bool inputs give the default float dtype."""
    return _float_unary("asin", ops.Asin, input)


def acos(input):
    """The inverse cosine of ``input``, elementwise (nan outside [-1, 1]);
    integer and bool inputs give the default float dtype."""
    return _float_unary("acos", ops.Acos, input)


def atan(input):
    """The inverse tangent of ``input``, elementwise;
    integer and bool inputs give the default float dtype."""
    return _float_unary("atan", ops.Atan, input)


def sinh(input):
    """The hyperbolic sine of ``input``, elementwise;
    integer and bool inputs give the default float dtype."""
    return _float_unary("sinh", ops.Sinh, input)


def cosh(input):
    """The hyperbolic cosine of ``input``, elementwise;
    integer and bool inputs give the default float dtype."""
    return _float_unary("cosh", ops.Cosh, input)


def asinh(input):
    """The inverse hyperbolic sine of ``input``, elementwise;
    integer and bool inputs give the default float dtype."""
    return _float_unary("asinh", ops.Asinh, input)


def acosh(input):
    """The inverse hyperbolic cosine of ``input``, elementwise (nan below 1);
    integer and bool inputs give the default float dtype."""
    return _float_unary("acosh", ops.Acosh, input)


def atanh(input):
    """The inverse hyperbolic tangent of ``input``, elementwise (+-inf at +-1, nan beyond);
    integer and bool inputs give the default float dtype."""
    return _float_unary("atanh", ops.Atanh, input)


arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def atan2(input, other):
    """The angle of the point (other, input): atan(input / other) in the right
    quadrant. Both are tensors, broadcast together."""
    _checks.tensor("atan2", input)
    _checks.tensor("atan2", other, "other")
    return _binary_float("atan2", ops.Atan2, input, other)


arctan2 = atan2


def _binary_float(op, function, a, b):
    check_broadcast(op, a, b)
    a, b, _ = promoted(op, a, b, float_result=True)
    return function.apply(a, b)


# ---- logarithms, exponentials, powers -------------------------------------------------
def log2(input):
    """The base-2 logarithm of ``input``, elementwise;
    integer and bool inputs give the default float dtype."""
    return _float_unary("log2", ops.Log2, input)


def log10(input):
    """The base-10 logarithm of ``input``, elementwise;
    integer and bool inputs give the default float dtype."""
    return _float_unary("log10", ops.Log10, input)


def log1p(input):
    """log(1 + input), exact for small inputs."""
    return _float_unary("log1p", ops.Log1p, input)


def expm1(input):
    """exp(input) - 1, exact for small inputs."""
    return _float_unary("expm1", ops.Expm1, input)


def exp2(input):
    """2 ** input."""
    return _float_unary("exp2", ops.Exp2, input)


def rsqrt(input):
    """1 / sqrt(input)."""
    return _float_unary("rsqrt", ops.Rsqrt, input)


def reciprocal(input):
    """1 / input (integer inputs give the default float)."""
    return _float_unary("reciprocal", ops.Reciprocal, input)


def square(input):
    """input ** 2 (integers stay integers; bools give int64)."""
    _checks.tensor("square", input)
    if input.dtype == _dtypes.bool_:
        input = cast("square", input, _dtypes.int64)
    return pointwise.pow(input, 2)


def erf(input):
    """The error function 2 / sqrt(pi) * integral of exp(-t^2) from 0 to input."""
    return _float_unary("erf", ops.Erf, input)


def erfc(input):
    """1 - erf(input), exact where erf is close to 1."""
    return _float_unary("erfc", ops.Erfc, input)


# ---- rounding -----------------------------------------------------------------------------
def _rounding(op, function, x):
    """Floats are rounded; integers are already whole (a copy comes back)."""
    _checks.tensor(op, x)
    _not_for(op, x, "b")
    if x.dtype.kind in "iu":
        return x.clone()
    return function.apply(x)


def floor(input):
    """The largest integer not above input (its gradient is zero)."""
    return _rounding("floor", ops.Floor, input)


def ceil(input):
    """The smallest integer not below input."""
    return _rounding("ceil", ops.Ceil, input)


def trunc(input):
    """input rounded toward zero."""
    return _rounding("trunc", ops.Trunc, input)


fix = trunc


def round(input, *, decimals=0):
    """input rounded to ``decimals`` decimal places, halves to even (as PyTorch:
    round(x * 10**d) / 10**d, or round(x / 10**-d) * 10**-d for negative d)."""
    decimals = _checks.integer("round", "decimals", decimals)
    if decimals == 0:
        return _rounding("round", ops.Round, input)
    _checks.tensor("round", input)
    _not_for("round", input, "biu")
    if decimals > 0:
        scale = 10.0 ** decimals
        return pointwise.div(ops.Round.apply(pointwise.mul(input, scale)), scale)
    scale = 10.0 ** -decimals
    return pointwise.mul(ops.Round.apply(pointwise.div(input, scale)), scale)


def frac(input):
    """input - trunc(input): the fractional part, with input's sign."""
    _checks.tensor("frac", input)
    _not_for("frac", input, "biu")
    return ops.Frac.apply(input)


def sign(input):
    """-1, 0 or 1 by the sign of input (0 for 0, nan for nan); bools stay bools."""
    _checks.tensor("sign", input)
    if input.dtype == _dtypes.bool_:
        return input.clone()
    return ops.Sign.apply(input)


# ---- division and remainder ---------------------------------------------------------------
def _division(op, function, a, b, float_result=False):
    """A division op after promotion, refusing integer division by zero as PyTorch."""
    like = a if isinstance(a, Tensor) else b
    a = operand(op, a, like)
    b = operand(op, b, like)
    check_broadcast(op, a, b)
    a, b, dtype = promoted(op, a, b, float_result)
    if dtype == _dtypes.bool_:
        raise RuntimeError(f'"{op}" is not implemented for Bool tensors')
    if dtype.kind in "iu":
        _check_nonzero_divisor(b)
    return function.apply(a, b)


def _check_nonzero_divisor(divisor):
    if isinstance(divisor, Tensor):
        if divisor.numel() == 0:
            return
        backend = get_backend(divisor.device)
        zero = backend.to_numpy(backend.compare("eq", divisor._data, 0)).any()
    else:
        zero = divisor == 0
    if zero:
        raise RuntimeError("ZeroDivisionError: integer division by zero")


def fmod(input, other):
    """The remainder of input / other with the sign of input (C's fmod)."""
    _checks.tensor("fmod", input)
    return _division("fmod", ops.Fmod, input, other)


def remainder(input, other):
    """The remainder of input / other with the sign of other (Python's %); input
    may be a number when other is a tensor."""
    like = input if isinstance(input, Tensor) else other
    _checks.tensor("remainder", like)
    return _division("remainder", ops.Remainder, input, other)


def floor_divide(input, other):
    """floor(input / other) (input // other). It has no gradient in PyTorch: use
    div(input, other, rounding_mode="floor") to differentiate."""
    like = input if isinstance(input, Tensor) else other
    _checks.tensor("floor_divide", like)
    return _division("floor_divide", ops.FloorDivideOperator, input, other)


def div(input, other, *, rounding_mode=None):
    """input / other. ``rounding_mode``: None (true division: integers give the
    default float), "trunc" (toward zero) or "floor" (toward -inf); the rounded
    forms keep integer dtypes and have a zero gradient."""
    _checks.tensor("div", input)
    if rounding_mode is None:
        return pointwise.div(input, other)
    if rounding_mode == "trunc":
        return _division("div", ops.TruncDivide, input, other)
    if rounding_mode == "floor":
        return _division("div", ops.FloorDivide, input, other)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                       f"but found {rounding_mode!r}")


divide = div


def rfloordiv(self, other):
    return floor_divide(other, self)


def rmod(self, other):
    return remainder(other, self)


# ---- interpolation ------------------------------------------------------------------------
def lerp(input, end, weight):
    """input + weight * (end - input), computed as PyTorch does: from the nearer
    end (end - (end - input) * (1 - weight) when |weight| >= 0.5), so that
    weight 1 gives exactly ``end``. ``weight`` is a number or a tensor; the
    tensors share one float dtype and broadcast together."""
    _checks.float_tensor("lerp", input)
    _checks.tensor("lerp", end, "end")
    for name, value in (("end", end), ("weight", weight)):
        if isinstance(value, Tensor) and value.dtype != input.dtype:
            raise RuntimeError(f"lerp: expected dtype {input.dtype} for `{name}` but got "
                               f"dtype {value.dtype}")
    if isinstance(weight, Tensor):
        _checks.broadcast_shapes("lerp", input.shape, end.shape, weight.shape)
        near_start = pointwise.lt(pointwise.abs(weight), 0.5)
    else:
        weight = _checks.real("lerp", "weight", weight)
        _checks.broadcast_shapes("lerp", input.shape, end.shape)
        near_start = abs(weight) < 0.5
    step = pointwise.sub(end, input)
    if isinstance(near_start, bool):
        if near_start:
            return pointwise.add(input, pointwise.mul(step, weight))
        return pointwise.sub(end, pointwise.mul(step, 1 - weight))
    from_start = pointwise.add(input, pointwise.mul(step, weight))
    from_end = pointwise.sub(end, pointwise.mul(step, pointwise.rsub(weight, 1)))
    return ew.Where.apply(near_start, from_start, from_end)


# ---- predicates ---------------------------------------------------------------------------
def _predicate(op, x, for_integers):
    """A bool test of floats; integers and bools give ``for_integers`` everywhere."""
    _checks.tensor(op, x)
    backend = get_backend(x.device)
    if x.dtype.kind != "f":
        return constant(backend.full(x.shape, for_integers, _dtypes.bool_), x.device)
    return constant(backend.unary_math(op, x._data), x.device)


def isnan(input):
    """True where input is NaN."""
    return _predicate("isnan", input, False)


def isinf(input):
    """True where input is +inf or -inf."""
    return _predicate("isinf", input, False)


def isfinite(input):
    """True where input is neither NaN nor infinite."""
    return _predicate("isfinite", input, True)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (equal values, infinities
    included, are close; NaNs only with ``equal_nan``). Both tensors of one dtype."""
    _checks.tensor("isclose", input)
    _checks.tensor("isclose", other, "other")
    if input.dtype != other.dtype:
        raise RuntimeError(f"isclose: {input.dtype} did not match {other.dtype}")
    rtol = _checks.real("isclose", "rtol", rtol, 0)
    atol = _checks.real("isclose", "atol", atol, 0)
    equal_nan = _checks.boolean("isclose", "equal_nan", equal_nan)
    check_broadcast("isclose", input, other)
    be = get_backend(input.device)
    a, b = input._data, other._data
    close = be.compare("eq", a, b)
    if input.dtype.kind == "b":
        return constant(close, input.device)
    if input.dtype.kind == "f" and equal_nan:
        both_nan = be.binary_math("logical_and", be.unary_math("isnan", a),
                                  be.unary_math("isnan", b))
        close = be.binary_math("logical_or", close, both_nan)
    # in float (as PyTorch, integers are compared through the default float)
    dtype = input.dtype if input.dtype.kind == "f" else _dtypes.get_default_dtype()
    a, b = be.astype(a, dtype), be.astype(b, dtype)
    difference = be.abs(be.sub(a, b))
    within = be.compare("le", difference, be.add(be.mul(be.abs(b), rtol), atol))
    if dtype.kind == "f":
        within = be.binary_math("logical_and", within, be.unary_math("isfinite", difference))
    return constant(be.binary_math("logical_or", close, within), input.device)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when ``isclose(input, other, rtol, atol, equal_nan)`` holds
    everywhere: |input - other| <= atol + rtol * |other|.

    Args:
        input, other: Tensors of one dtype that broadcast together.
        rtol: the relative tolerance. Default: 1e-05.
        atol: the absolute tolerance. Default: 1e-08.
        equal_nan: count NaNs in the same place as equal. Default: False.

    Returns: a Python bool."""
    return bool(reduction.all(isclose(input, other, rtol, atol, equal_nan)).item())


# ---- logical and bitwise --------------------------------------------------------------------
def _logical(op, a, b):
    """A logical op of two tensors of any dtypes (nonzero is true): bool results."""
    _checks.tensor(op, a)
    _checks.tensor(op, b, "other")
    check_broadcast(op, a, b)
    _checks.same_device(op, a, b, "other")
    # no promotion needed: nonzero is nonzero in any dtype
    return constant(get_backend(a.device).binary_math(op, a._data, b._data), a.device)


def logical_and(input, other):
    """input and other elementwise (nonzero is true), as bools."""
    return _logical("logical_and", input, other)


def logical_or(input, other):
    """input or other elementwise, as bools."""
    return _logical("logical_or", input, other)


def logical_xor(input, other):
    """Exactly one of input and other is true, as bools."""
    return _logical("logical_xor", input, other)


def logical_not(input):
    """True where input is zero."""
    _checks.tensor("logical_not", input)
    return constant(get_backend(input.device).unary_math("logical_not", input._data),
                    input.device)


def _bitwise(op, a, b, kinds="biu"):
    """A bitwise op of integer or bool operands (either may be a number)."""
    like = a if isinstance(a, Tensor) else b
    a = operand(op, a, like)
    b = operand(op, b, like)
    check_broadcast(op, a, b)
    a, b, dtype = promoted(op, a, b)
    if dtype.kind not in kinds:
        raise RuntimeError(f'"{op}" is not implemented for {_DTYPE_NAMES[dtype.kind]} '
                           f"operands (dtype {dtype})")
    return constant(get_backend(like.device).binary_math(op, raw(a), raw(b)), like.device)


def bitwise_and(input, other):
    """input & other for integers and bools."""
    _checks.tensor("bitwise_and", input)
    return _bitwise("bitwise_and", input, other)


def bitwise_or(input, other):
    """input | other for integers and bools."""
    _checks.tensor("bitwise_or", input)
    return _bitwise("bitwise_or", input, other)


def bitwise_xor(input, other):
    """input ^ other for integers and bools."""
    _checks.tensor("bitwise_xor", input)
    return _bitwise("bitwise_xor", input, other)


def bitwise_left_shift(input, other):
    """input << other for integers (0 once shifted past the width)."""
    _checks.tensor("bitwise_left_shift", input)
    return _bitwise("bitwise_left_shift", input, other, kinds="iu")


def bitwise_right_shift(input, other):
    """input >> other for integers (arithmetic: the sign is kept)."""
    _checks.tensor("bitwise_right_shift", input)
    return _bitwise("bitwise_right_shift", input, other, kinds="iu")


def bitwise_not(input):
    """~input: the bits flipped for integers, logical not for bools."""
    _checks.tensor("bitwise_not", input)
    if input.dtype == _dtypes.bool_:
        return logical_not(input)
    if input.dtype.kind not in "iu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        f"tensors, got dtype {input.dtype}")
    return constant(get_backend(input.device).unary_math("bitwise_not", input._data),
                    input.device)


def rlshift(self, other):
    return _bitwise("bitwise_left_shift", other, self, kinds="iu")


def rrshift(self, other):
    return _bitwise("bitwise_right_shift", other, self, kinds="iu")

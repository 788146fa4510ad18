"""Elementwise functions: arithmetic, comparisons, activations and the unary
maths, with PyTorch's broadcasting and type promotion.

    mdl.add(x, y, alpha=2)      x + 2 * y
    mdl.div(x, 2)               true division: integer tensors give floats
    mdl.clamp(x, min=0)         also x.clamp_(...), x.clip(...)
"""

from .. import _checks, _dtypes
from ..backend import get_backend
from ..ops import elementwise as ew
from ..tensor import Tensor
from ._common import cast, check_broadcast, constant, operand, promoted, raw


def _binary(op, function, a, b, float_result=False):
    """Apply a broadcasting binary op after PyTorch's type promotion; either
    operand may be a Python number."""
    like = a if isinstance(a, Tensor) else b
    a = operand(op, a, like)
    b = operand(op, b, like)
    check_broadcast(op, a, b)
    a, b, _ = promoted(op, a, b, float_result)
    return function.apply(a, b)


def _unary_float(op, function, x):
    """A floating point function: integer and bool inputs give the default float."""
    _checks.tensor(op, x)
    return function.apply(cast(op, x, _dtypes.float_result_type(x)))


# ---- arithmetic ----------------------------------------------------------------
def add(input, other, *, alpha=1):
    """input + alpha * other, broadcasting, with PyTorch's type promotion."""
    _checks.tensor("add", input)
    if alpha != 1:
        other = _scaled("add", other, input, alpha)
    return _binary("add", ew.Add, input, other)


def _scaled(op, other, like, alpha):
    """alpha * other for add/sub's ``alpha`` (a number stays a number)."""
    other = operand(op, other, like)
    return mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def sub(input, other, *, alpha=1):
    """input - alpha * other."""
    _checks.tensor("sub", input)
    if alpha != 1:
        other = _scaled("sub", other, input, alpha)
    return _rsub_checked(input, other)


def _rsub_checked(a, b):
    like = a if isinstance(a, Tensor) else b
    a = operand("sub", a, like)
    b = operand("sub", b, like)
    if _dtypes.result_type(a, b) == _dtypes.bool_:
        raise RuntimeError("sub: subtraction, the `-` operator, with two bool tensors is not "
                           "supported; use the `^` or `logical_xor()` operator instead")
    return _binary("sub", ew.Sub, a, b)


def mul(input, other):
    """input * other."""
    _checks.tensor("mul", input)
    return _binary("mul", ew.Mul, input, other)


def div(input, other):
    """True division input / other; integer operands give the default float dtype."""
    _checks.tensor("div", input)
    return _binary("div", ew.Div, input, other, float_result=True)


true_divide = div


def pow(input, exponent):
    """input ** exponent (either may be a number); integers to negative integer
    powers are refused, as in PyTorch."""
    like = input if isinstance(input, Tensor) else exponent
    _checks.tensor("pow", like)
    a = operand("pow", input, like)
    b = operand("pow", exponent, like)
    if _dtypes.result_type(a, b).kind in "biu":
        _check_integer_power(b)
    return _binary("pow", ew.Pow, a, b)


def _check_integer_power(exponent):
    if isinstance(exponent, Tensor):
        if exponent.dtype.kind in "b" or exponent.numel() == 0:
            return
        backend = get_backend(exponent.device)
        negative = backend.to_numpy(backend.compare("lt", exponent._data, 0)).any()
    else:
        negative = exponent < 0
    if negative:
        value = "an exponent tensor with negative values" if isinstance(exponent, Tensor) \
            else repr(exponent)
        raise RuntimeError(f"pow: integers to negative integer powers are not allowed, got "
                           f"{value}; convert to float first (.float())")


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    _checks.tensor("addcmul", input)
    return add(input, mul(operand("addcmul", tensor1, input), tensor2), alpha=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    _checks.tensor("addcdiv", input)
    return add(input, div(operand("addcdiv", tensor1, input), tensor2), alpha=value)


def neg(input):
    """-input."""
    _checks.tensor("neg", input)
    if input.dtype == _dtypes.bool_:
        raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not "
                           "supported; use the `~` or `logical_not()` operator instead")
    return ew.Neg.apply(input)


negative = neg


def maximum(input, other):
    """The elementwise maximum of ``input`` and ``other`` (tensors that
    broadcast together, dtypes promoted); NaN propagates and ties split the
    gradient."""
    _checks.tensor("maximum", input)
    return _binary("maximum", ew.Maximum, input, other)


def minimum(input, other):
    """The elementwise minimum of ``input`` and ``other`` (tensors that
    broadcast together, dtypes promoted); NaN propagates and ties split the
    gradient."""
    _checks.tensor("minimum", input)
    return _binary("minimum", ew.Minimum, input, other)


def clamp(input, min=None, max=None):
    """Values limited to [min, max]; either bound may be None, a number or a
    tensor that broadcasts to the input. The gradient flows where
    min <= input <= max."""
    _checks.tensor("clamp", input)
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    low = None if min is None else operand("clamp", min, input)
    high = None if max is None else operand("clamp", max, input)
    dtype = _dtypes.result_type(input, low, high)
    for name, bound in (("min", low), ("max", high)):
        if isinstance(bound, Tensor):
            shape = _checks.broadcast_shapes("clamp", input.shape, bound.shape)
            if shape != input.shape:
                raise RuntimeError(f"clamp: {name} of shape {bound.shape} does not broadcast "
                                   f"to the input shape {input.shape}")
    return ew.Clamp.apply(cast("clamp", input, dtype), cast("clamp", low, dtype),
                          cast("clamp", high, dtype))


clip = clamp


# ---- unary maths -----------------------------------------------------------------
def exp(input):
    """e ** input."""
    return _unary_float("exp", ew.Exp, input)


def log(input):
    """The natural logarithm of ``input``, elementwise (integer inputs give
    the default float dtype)."""
    return _unary_float("log", ew.Log, input)


def sqrt(input):
    """The square root of ``input``, elementwise (integer inputs give the
    default float dtype)."""
    return _unary_float("sqrt", ew.Sqrt, input)


def abs(input):
    """The absolute value of ``input``, elementwise, in its dtype."""
    _checks.tensor("abs", input)
    return ew.Abs.apply(input)


def sigmoid(input):
    """The logistic function 1 / (1 + e ** -input)."""
    return _unary_float("sigmoid", ew.Sigmoid, input)


def tanh(input):
    """The hyperbolic tangent of ``input``, elementwise (integer inputs give
    the default float dtype)."""
    return _unary_float("tanh", ew.Tanh, input)


def relu(input):
    """max(input, 0)."""
    _checks.tensor("relu", input)
    if input.dtype == _dtypes.bool_:
        raise TypeError("relu: not implemented for bool tensors")
    if input.dtype.kind != "f":
        return constant(get_backend(input.device).maximum(input._data, 0), input.device)
    return ew.ReLU.apply(input)


# ---- comparisons (boolean results, outside the graph) ---------------------------------
def _compare(op, a, b):
    like = a if isinstance(a, Tensor) else b
    a = operand(op, a, like)
    b = operand(op, b, like)
    check_broadcast(op, a, b)
    a, b, _ = promoted(op, a, b)
    return constant(get_backend(like.device).compare(op, raw(a), raw(b)), like.device)


def eq(input, other):
    """input == other, elementwise, as a bool tensor."""
    _checks.tensor("eq", input)
    return _compare("eq", input, other)


def ne(input, other):
    """input != other, elementwise."""
    _checks.tensor("ne", input)
    return _compare("ne", input, other)


def lt(input, other):
    """input < other, elementwise."""
    _checks.tensor("lt", input)
    return _compare("lt", input, other)


def le(input, other):
    """input <= other, elementwise."""
    _checks.tensor("le", input)
    return _compare("le", input, other)


def gt(input, other):
    """input > other, elementwise."""
    _checks.tensor("gt", input)
    return _compare("gt", input, other)


def ge(input, other):
    """input >= other, elementwise."""
    _checks.tensor("ge", input)
    return _compare("ge", input, other)


# ---- operators with the operand on the right (Tensor.__radd__, ...) -------------------
def radd(self, other):
    return _binary("add", ew.Add, other, self)


def rsub(self, other):
    return _rsub_checked(other, self)


def rmul(self, other):
    return _binary("mul", ew.Mul, other, self)


def rtruediv(self, other):
    return _binary("div", ew.Div, other, self, float_result=True)


def rpow(self, other):
    return pow(other, self)

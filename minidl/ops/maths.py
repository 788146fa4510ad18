"""Autograd ops of the elementwise maths library (``unary_math`` and
``binary_math`` primitives): each forward is one primitive, each backward is
PyTorch's derivative written with registered primitives, so every op here can
be differentiated again (``create_graph=True``).

A unary op names its primitive ``op``, says whether its derivative reads the
input or the output (``uses``) and gives ``derivative(be, saved, grad)``:

    class Sin(UnaryMath):
        op, uses = "sin", "input"

        @staticmethod
        def derivative(be, x, grad):
            return be.mul(grad, be.unary_math("cos", x))
"""

import math

from ..autograd import BackendFunction
from .elementwise import _reduce_to, _remember_inputs


class UnaryMath(BackendFunction):
    """``unary_math(op, x)`` with the gradient ``derivative(be, x_or_y, grad)``."""

    op = None
    uses = "input"  # what derivative() reads: "input", "output" or "nothing"
    double_differentiable = True

    def __init_subclass__(cls, **kwargs):
        if "op" in cls.__dict__:  # the op that stands for the primitive under create_graph
            cls.primitive = f"unary_math.{cls.op}"
        super().__init_subclass__(**kwargs)

    @classmethod
    def forward(cls, ctx, x):
        out = ctx.backend.unary_math(cls.op, x)
        if cls.uses != "nothing":
            ctx.save_for_backward(x if cls.uses == "input" else out)
        return out

    @classmethod
    def backward(cls, ctx, grad):
        saved = ctx.saved[0] if ctx.saved else None
        return cls.derivative(ctx.backend, saved, grad)

    @staticmethod
    def derivative(be, saved, grad):
        raise NotImplementedError  # abstract: every subclass defines it


def _square(be, x):
    return be.mul(x, x)


# ---- trigonometric -------------------------------------------------------------------
class Sin(UnaryMath):
    op = "sin"

    @staticmethod
    def derivative(be, x, grad):
        return be.mul(grad, be.unary_math("cos", x))


class Cos(UnaryMath):
    op = "cos"

    @staticmethod
    def derivative(be, x, grad):
        return be.neg(be.mul(grad, be.unary_math("sin", x)))


class Tan(UnaryMath):
    op, uses = "tan", "output"

    @staticmethod
    def derivative(be, y, grad):
        return be.mul(grad, be.add(_square(be, y), 1))


class Asin(UnaryMath):
    op = "asin"

    @staticmethod
    def derivative(be, x, grad):
        return be.mul(grad, be.unary_math("rsqrt", be.sub(1, _square(be, x))))


class Acos(UnaryMath):
    op = "acos"

    @staticmethod
    def derivative(be, x, grad):
        return be.neg(be.mul(grad, be.unary_math("rsqrt", be.sub(1, _square(be, x)))))


class Atan(UnaryMath):
    op = "atan"

    @staticmethod
    def derivative(be, x, grad):
        return be.div(grad, be.add(_square(be, x), 1))


# ---- hyperbolic ----------------------------------------------------------------------
class Sinh(UnaryMath):
    op = "sinh"

    @staticmethod
    def derivative(be, x, grad):
        return be.mul(grad, be.unary_math("cosh", x))


class Cosh(UnaryMath):
    op = "cosh"

    @staticmethod
    def derivative(be, x, grad):
        return be.mul(grad, be.unary_math("sinh", x))


class Asinh(UnaryMath):
    op = "asinh"

    @staticmethod
    def derivative(be, x, grad):
        return be.mul(grad, be.unary_math("rsqrt", be.add(_square(be, x), 1)))


class Acosh(UnaryMath):
    op = "acosh"

    @staticmethod
    def derivative(be, x, grad):
        return be.mul(grad, be.unary_math("rsqrt", be.sub(_square(be, x), 1)))


class Atanh(UnaryMath):
    op = "atanh"

    @staticmethod
    def derivative(be, x, grad):
        return be.div(grad, be.sub(1, _square(be, x)))


# ---- logarithms and exponentials -----------------------------------------------------
class Log2(UnaryMath):
    op = "log2"

    @staticmethod
    def derivative(be, x, grad):
        return be.div(grad, be.mul(x, math.log(2.0)))


class Log10(UnaryMath):
    op = "log10"

    @staticmethod
    def derivative(be, x, grad):
        return be.div(grad, be.mul(x, math.log(10.0)))


class Log1p(UnaryMath):
    op = "log1p"

    @staticmethod
    def derivative(be, x, grad):
        return be.div(grad, be.add(x, 1))


class Expm1(UnaryMath):
    op, uses = "expm1", "output"

    @staticmethod
    def derivative(be, y, grad):
        return be.mul(grad, be.add(y, 1))


class Exp2(UnaryMath):
    op, uses = "exp2", "output"

    @staticmethod
    def derivative(be, y, grad):
        return be.mul(grad, be.mul(y, math.log(2.0)))


class Rsqrt(UnaryMath):
    op, uses = "rsqrt", "output"

    @staticmethod
    def derivative(be, y, grad):
        # d/dx x^(-1/2) = -y^3 / 2
        return be.mul(grad, be.mul(be.mul(_square(be, y), y), -0.5))


class Reciprocal(UnaryMath):
    op, uses = "reciprocal", "output"

    @staticmethod
    def derivative(be, y, grad):
        return be.neg(be.mul(grad, _square(be, y)))


class Erf(UnaryMath):
    op = "erf"

    @staticmethod
    def derivative(be, x, grad):
        return be.mul(grad, be.mul(be.exp(be.neg(_square(be, x))), 2.0 / math.sqrt(math.pi)))


class Erfc(UnaryMath):
    op = "erfc"

    @staticmethod
    def derivative(be, x, grad):
        return be.mul(grad, be.mul(be.exp(be.neg(_square(be, x))), -2.0 / math.sqrt(math.pi)))


# ---- rounding: piecewise constant, so the gradient is zero (frac's is one) -----------
class Floor(UnaryMath):
    op, uses = "floor", "nothing"

    @staticmethod
    def derivative(be, _, grad):
        return be.mul(grad, 0)


class Ceil(Floor):
    op = "ceil"


class Round(Floor):
    op = "round"


class Trunc(Floor):
    op = "trunc"


class Frac(UnaryMath):
    op, uses = "frac", "nothing"

    @staticmethod
    def derivative(be, _, grad):
        return grad


class Sign(BackendFunction):
    """-1, 0 or 1: piecewise constant, so a zero gradient."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, x):
        return ctx.backend.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.mul(grad, 0)


# ---- binary ----------------------------------------------------------------------------
class BinaryMath(BackendFunction):
    """``binary_math(op, a, b)``; a or b may be a Python number."""

    op = None
    double_differentiable = True

    def __init_subclass__(cls, **kwargs):
        if "op" in cls.__dict__:
            cls.primitive = f"binary_math.{cls.op}"
        super().__init_subclass__(**kwargs)

    @classmethod
    def forward(cls, ctx, a, b):
        _remember_inputs(ctx, a, b)
        ctx.save_for_backward(a, b)
        return ctx.backend.binary_math(cls.op, a, b)

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved
        ga, gb = cls.derivatives(ctx.backend, a, b, grad)
        return _reduce_to(ctx, ga, ctx.a_meta), _reduce_to(ctx, gb, ctx.b_meta)

    @staticmethod
    def derivatives(be, a, b, grad):
        raise NotImplementedError  # abstract: every subclass defines it


class Atan2(BinaryMath):
    op = "atan2"

    @staticmethod
    def derivatives(be, a, b, grad):
        scale = be.div(grad, be.add(_square(be, a), _square(be, b)))
        return be.mul(scale, b), be.neg(be.mul(scale, a))


class Fmod(BinaryMath):
    """a - b * trunc(a / b): d/da = 1, d/db = -trunc(a / b)."""

    op = "fmod"

    @staticmethod
    def derivatives(be, a, b, grad):
        return grad, be.neg(be.mul(grad, be.binary_math("trunc_divide", a, b)))


class Remainder(BinaryMath):
    """a - b * floor(a / b): d/da = 1, d/db = -floor(a / b)."""

    op = "remainder"

    @staticmethod
    def derivatives(be, a, b, grad):
        return grad, be.neg(be.mul(grad, be.binary_math("floor_divide", a, b)))


class TruncDivide(BinaryMath):
    """div(a, b, rounding_mode="trunc"): piecewise constant, zero gradients."""

    op = "trunc_divide"

    @staticmethod
    def derivatives(be, a, b, grad):
        zero = be.mul(grad, 0)
        return zero, zero


class FloorDivide(TruncDivide):
    """div(a, b, rounding_mode="floor"): piecewise constant, zero gradients."""

    op = "floor_divide"


class FloorDivideOperator(FloorDivide):
    """``floor_divide`` and ``//``: PyTorch defines no derivative for them (only for
    div(rounding_mode="floor")), so backward through them is an error."""

    @classmethod
    def backward(cls, ctx, grad):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented; use "
                           "div(a, b, rounding_mode='floor'), whose gradient is zero")

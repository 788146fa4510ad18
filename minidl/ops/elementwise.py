"""Elementwise Functions: arithmetic with broadcasting and the unary maths.

Binary ops accept a Tensor and a Python scalar in either position; the
gradient of a broadcast input is summed back to its shape by ``unbroadcast``.
"""

import numpy as np

from ..autograd import Function, unbroadcast


def _remember_inputs(ctx, a, b):
    """Shapes and dtypes of the array arguments, for unbroadcast."""
    ctx.a_meta = (a.shape, a.dtype) if ctx.needs_input_grad[0] else None
    ctx.b_meta = (b.shape, b.dtype) if ctx.needs_input_grad[1] else None


def _reduce_to(ctx, grad, meta):
    return None if meta is None else unbroadcast(ctx.backend, grad, *meta)


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        return ctx.backend.add(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _reduce_to(ctx, grad, ctx.a_meta), _reduce_to(ctx, grad, ctx.b_meta)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        return ctx.backend.sub(a, b)

    @staticmethod
    def backward(ctx, grad):
        gb = None
        if ctx.b_meta is not None:
            gb = _reduce_to(ctx, ctx.backend.neg(grad), ctx.b_meta)
        return _reduce_to(ctx, grad, ctx.a_meta), gb


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        ctx.save_for_backward(a, b)
        return ctx.backend.mul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        be = ctx.backend
        ga = _reduce_to(ctx, be.mul(grad, b), ctx.a_meta) if ctx.a_meta else None
        gb = _reduce_to(ctx, be.mul(grad, a), ctx.b_meta) if ctx.b_meta else None
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        ctx.save_for_backward(a, b)
        return ctx.backend.div(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        be = ctx.backend
        ga = _reduce_to(ctx, be.div(grad, b), ctx.a_meta) if ctx.a_meta else None
        gb = None
        if ctx.b_meta:
            # d(a/b)/db = -a / b^2
            gb = _reduce_to(ctx, be.neg(be.div(be.mul(grad, a), be.mul(b, b))), ctx.b_meta)
        return ga, gb


class Pow(Function):
    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        out = ctx.backend.pow(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        be = ctx.backend
        ga = gb = None
        if ctx.a_meta:
            # Python scalar exponents stay scalars so float32 stays float32.
            b_minus_one = b - 1 if isinstance(b, (int, float)) else be.sub(b, 1)
            ga = _reduce_to(ctx, be.mul(grad, be.mul(be.pow(a, b_minus_one), b)), ctx.a_meta)
        if ctx.b_meta:
            gb = _reduce_to(ctx, be.mul(grad, be.mul(out, be.log(a))), ctx.b_meta)
        return ga, gb


class Maximum(Function):
    """Elementwise maximum; on ties the gradient is split equally."""

    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        ctx.save_for_backward(a, b)
        return ctx.backend.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        be = ctx.backend
        wa = be.add(be.astype(be.compare("gt", a, b), grad.dtype),
                    be.mul(be.astype(be.compare("eq", a, b), grad.dtype), 0.5))
        ga = _reduce_to(ctx, be.mul(grad, wa), ctx.a_meta) if ctx.a_meta else None
        gb = _reduce_to(ctx, be.mul(grad, be.sub(1.0, wa)), ctx.b_meta) if ctx.b_meta else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return ctx.backend.neg(x)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.neg(grad)


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        out = ctx.backend.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return ctx.backend.mul(grad, out)


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.backend.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return ctx.backend.div(grad, x)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, x):
        out = ctx.backend.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        be = ctx.backend
        return be.div(be.mul(grad, 0.5), out)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.backend.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        be = ctx.backend
        return be.mul(grad, be.astype(be.sign(x), grad.dtype))


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind != "f":
            # integer and bool inputs give floats, as exp and tanh do (NumPy's promotion)
            x = ctx.backend.astype(x, np.result_type(x.dtype, np.float16))
        out = ctx.backend.sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return ctx.backend.sigmoid_backward(grad, out)


class ReLU(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype not in (np.float32, np.float64):
            raise TypeError(f"relu: input must be float32 or float64, got {x.dtype}")
        ctx.save_for_backward(x)
        return ctx.backend.relu(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return ctx.backend.relu_backward(grad, x)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        out = ctx.backend.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return ctx.backend.tanh_backward(grad, out)


class Clip(Function):
    """Clamp to [low, high]; the gradient passes only where x was inside."""

    @staticmethod
    def forward(ctx, x, low, high):
        be = ctx.backend
        out = x
        inside = None
        if low is not None:
            out = be.maximum(out, low)
            inside = be.compare("ge", x, low)
        if high is not None:
            out = be.minimum(out, high)
            below = be.compare("le", x, high)
            inside = below if inside is None else be.mul(inside, below)
        ctx.save_for_backward(inside)
        return be.astype(out, x.dtype) if out.dtype != x.dtype else out

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved
        be = ctx.backend
        if inside is None:
            return grad, None, None
        return be.mul(grad, be.astype(inside, grad.dtype)), None, None


class Cast(Function):
    """Convert between floating point dtypes; the gradient converts back."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return ctx.backend.astype(x, dtype)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.astype(grad, ctx.in_dtype), None

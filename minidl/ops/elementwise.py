"""Elementwise Functions: arithmetic with broadcasting and the unary maths.

Operands arrive with one dtype (``minidl.api`` applied PyTorch's promotion) or
as Python scalars. The gradient of a broadcast input is summed back to its
shape by ``unbroadcast``. Each op saves only what its needed gradients use,
so an in-place change to an operand whose value backward does not need is
allowed, as in PyTorch.
"""

from ..autograd import BackendFunction, unbroadcast


def _remember_inputs(ctx, a, b):
    """Shapes and dtypes of the array arguments that want a gradient."""
    ctx.a_meta = (a.shape, a.dtype) if ctx.needs_input_grad[0] else None
    ctx.b_meta = (b.shape, b.dtype) if ctx.needs_input_grad[1] else None


def _reduce_to(ctx, grad, meta):
    return None if meta is None else unbroadcast(ctx.backend, grad, *meta)


class Add(BackendFunction):
    primitive = "add"
    double_differentiable = True

    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        return ctx.backend.add(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _reduce_to(ctx, grad, ctx.a_meta), _reduce_to(ctx, grad, ctx.b_meta)


class Sub(BackendFunction):
    primitive = "sub"
    double_differentiable = True

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


class Mul(BackendFunction):
    primitive = "mul"
    double_differentiable = True

    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        # d/da needs b and d/db needs a: keep only what will be used
        ctx.save_for_backward(b if ctx.a_meta else None, a if ctx.b_meta else None)
        return ctx.backend.mul(a, b)

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved
        be = ctx.backend
        ga = _reduce_to(ctx, be.mul(grad, b), ctx.a_meta) if ctx.a_meta else None
        gb = _reduce_to(ctx, be.mul(grad, a), ctx.b_meta) if ctx.b_meta else None
        return ga, gb


class Div(BackendFunction):
    primitive = "div"
    double_differentiable = True

    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        ctx.save_for_backward(a if ctx.b_meta else None, b)
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


class Pow(BackendFunction):
    """a ** b. Where the derivative has a removable singularity PyTorch's
    convention applies: d/da is 0 where b == 0 (so x ** 0 has gradient 0 at
    x = 0), and d/db is 0 where a == 0 and b >= 0."""

    primitive = "pow"
    double_differentiable = True

    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        out = ctx.backend.pow(a, b)
        ctx.save_for_backward(a, b, out if ctx.b_meta else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        be = ctx.backend
        ga = gb = None
        if ctx.a_meta:
            # Python scalar exponents stay scalars so float32 stays float32.
            if isinstance(b, (int, float)):
                ga = be.mul(grad, be.mul(be.pow(a, b - 1), b)) if b != 0 else be.mul(grad, 0)
            else:
                term = be.mul(be.pow(a, be.sub(b, 1)), b)
                ga = be.mul(grad, be.where(be.compare("eq", b, 0), 0, term))
            ga = _reduce_to(ctx, ga, ctx.a_meta)
        if ctx.b_meta:
            term = be.mul(out, be.log(a))
            zero_base = be.compare("eq", a, 0)
            if isinstance(b, (int, float)):
                mask = zero_base if b >= 0 else None
            else:
                mask = be.mul(zero_base, be.compare("ge", b, 0))
            if mask is not None:
                term = be.where(mask, 0, term)
            gb = _reduce_to(ctx, be.mul(grad, term), ctx.b_meta)
        return ga, gb


def _tie_weights(be, a, b, dtype):
    """1 where a wins, 0.5 on ties, 0 where b wins."""
    return be.add(be.astype(be.compare("gt", a, b), dtype),
                  be.mul(be.astype(be.compare("eq", a, b), dtype), 0.5))


class Maximum(BackendFunction):
    """Elementwise maximum; on ties the gradient is split equally (PyTorch)."""

    primitive = "maximum"
    double_differentiable = True

    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        ctx.save_for_backward(a, b)
        return ctx.backend.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        be = ctx.backend
        wa = _tie_weights(be, a, b, grad.dtype)
        ga = _reduce_to(ctx, be.mul(grad, wa), ctx.a_meta) if ctx.a_meta else None
        gb = _reduce_to(ctx, be.mul(grad, be.sub(1.0, wa)), ctx.b_meta) if ctx.b_meta else None
        return ga, gb


class Minimum(BackendFunction):
    """Elementwise minimum; on ties the gradient is split equally (PyTorch)."""

    primitive = "minimum"
    double_differentiable = True

    @staticmethod
    def forward(ctx, a, b):
        _remember_inputs(ctx, a, b)
        ctx.save_for_backward(a, b)
        return ctx.backend.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        be = ctx.backend
        wa = _tie_weights(be, b, a, grad.dtype)
        ga = _reduce_to(ctx, be.mul(grad, wa), ctx.a_meta) if ctx.a_meta else None
        gb = _reduce_to(ctx, be.mul(grad, be.sub(1.0, wa)), ctx.b_meta) if ctx.b_meta else None
        return ga, gb


class Neg(BackendFunction):
    primitive = "neg"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x):
        return ctx.backend.neg(x)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.neg(grad)


class Exp(BackendFunction):
    primitive = "exp"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x):
        out = ctx.backend.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return ctx.backend.mul(grad, out)


class Log(BackendFunction):
    primitive = "log"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.backend.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return ctx.backend.div(grad, x)


class Sqrt(BackendFunction):
    primitive = "sqrt"
    double_differentiable = True

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


class Abs(BackendFunction):
    primitive = "abs"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.backend.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        be = ctx.backend
        return be.mul(grad, be.astype(be.sign(x), grad.dtype))


class Sigmoid(BackendFunction):
    primitive = "sigmoid"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x):
        out = ctx.backend.sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return ctx.backend.sigmoid_backward(grad, out)


class ReLU(BackendFunction):
    primitive = "relu"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.backend.relu(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return ctx.backend.relu_backward(grad, x)


class Tanh(BackendFunction):
    primitive = "tanh"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x):
        out = ctx.backend.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return ctx.backend.tanh_backward(grad, out)


class SigmoidBackward(BackendFunction):
    """dy * y * (1 - y) given the sigmoid's output y: the gradient of Sigmoid
    as an op of its own, so that it can be differentiated again."""

    primitive = "sigmoid_backward"
    double_differentiable = True

    @staticmethod
    def forward(ctx, dy, y):
        ctx.save_for_backward(dy if ctx.needs_input_grad[1] else None, y)
        return ctx.backend.sigmoid_backward(dy, y)

    @staticmethod
    def backward(ctx, grad):
        dy, y = ctx.saved
        be = ctx.backend
        g_dy = be.sigmoid_backward(grad, y) if ctx.needs_input_grad[0] else None
        # d/dy of dy * (y - y^2) is dy * (1 - 2y)
        g_y = be.mul(be.mul(grad, dy), be.sub(1.0, be.mul(y, 2.0))) \
            if ctx.needs_input_grad[1] else None
        return g_dy, g_y


class TanhBackward(BackendFunction):
    """dy * (1 - y^2) given the tanh's output y, differentiable again."""

    primitive = "tanh_backward"
    double_differentiable = True

    @staticmethod
    def forward(ctx, dy, y):
        ctx.save_for_backward(dy if ctx.needs_input_grad[1] else None, y)
        return ctx.backend.tanh_backward(dy, y)

    @staticmethod
    def backward(ctx, grad):
        dy, y = ctx.saved
        be = ctx.backend
        g_dy = be.tanh_backward(grad, y) if ctx.needs_input_grad[0] else None
        g_y = be.mul(be.mul(grad, dy), be.mul(y, -2.0)) if ctx.needs_input_grad[1] else None
        return g_dy, g_y


class ReLUBackward(BackendFunction):
    """dy where x > 0, else 0: linear in dy, and of zero derivative in x."""

    primitive = "relu_backward"
    double_differentiable = True

    @staticmethod
    def forward(ctx, dy, x):
        ctx.save_for_backward(x)
        return ctx.backend.relu_backward(dy, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return ctx.backend.relu_backward(grad, x), None


class Clamp(BackendFunction):
    """Clamp to [low, high] (either may be None, a number or an array); the
    gradient passes where low <= x <= high, as in PyTorch."""

    double_differentiable = True

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
        return out

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved
        be = ctx.backend
        if inside is None:
            return grad, None, None
        return be.mul(grad, be.astype(inside, grad.dtype)), None, None


class Cast(BackendFunction):
    """Convert between dtypes; the gradient of a float input converts back."""

    primitive = "astype"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.in_dtype = x.dtype
        return ctx.backend.astype(x, dtype)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.astype(grad, ctx.in_dtype), None


class Where(BackendFunction):
    """``a`` where ``condition`` holds, else ``b`` (broadcasting); each gets the
    gradient where it was chosen."""

    primitive = "where"
    double_differentiable = True

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.meta = (_shape_and_dtype(a, ctx.needs_input_grad[1]),
                    _shape_and_dtype(b, ctx.needs_input_grad[2]))
        ctx.save_for_backward(condition)
        return ctx.backend.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved
        be = ctx.backend
        a_meta, b_meta = ctx.meta
        ga = gb = None
        if a_meta is not None:
            ga = unbroadcast(be, be.where(condition, grad, 0), *a_meta)
        if b_meta is not None:
            gb = unbroadcast(be, be.where(condition, 0, grad), *b_meta)
        return None, ga, gb


def _shape_and_dtype(value, needed):
    return (tuple(value.shape), value.dtype) if needed else None

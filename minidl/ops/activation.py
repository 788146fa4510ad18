"""Activation Functions with PyTorch's gradients at the kinks: LeakyReLU,
ELU, Softplus (with its linear region above ``threshold``) and Hardtanh
(PyTorch passes the gradient only strictly inside (min_val, max_val), where
``clamp`` passes it on the bounds too). Each is written on existing
elementwise primitives, and its backward uses only the saved input, masks
and registered primitives, so it can be differentiated again."""

from ..autograd import BackendFunction


class LeakyReLU(BackendFunction):
    """x where x > 0, else slope * x; the gradient at 0 is ``slope``, as PyTorch."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, x, slope):
        be = ctx.backend
        ctx.save_for_backward(x)
        ctx.slope = slope
        return be.where(be.compare("gt", x, 0), x, be.mul(x, slope))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        be = ctx.backend
        return be.where(be.compare("gt", x, 0), grad, be.mul(grad, ctx.slope)), None


class ELU(BackendFunction):
    """x where x > 0, else alpha * (exp(x) - 1); the gradient at 0 is alpha."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, x, alpha):
        be = ctx.backend
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        # exp of min(x, 0): the unused branch never overflows
        negative = be.mul(be.sub(be.exp(be.minimum(x, 0)), 1.0), alpha)
        return be.where(be.compare("gt", x, 0), x, negative)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        be = ctx.backend
        slope = be.mul(be.exp(be.minimum(x, 0)), ctx.alpha)
        return be.where(be.compare("gt", x, 0), grad, be.mul(grad, slope)), None


class Softplus(BackendFunction):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, x, beta, threshold):
        be = ctx.backend
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        z = be.mul(x, beta)
        e = be.exp(be.minimum(z, threshold))
        # log1p(e) to full precision for small e: log(u) * e / (u - 1), u = 1 + e
        u = be.add(e, 1.0)
        exact = be.compare("eq", u, 1.0)
        log1p = be.where(exact, e, be.div(be.mul(be.log(u), e),
                                          be.where(exact, 1.0, be.sub(u, 1.0))))
        return be.where(be.compare("gt", z, threshold), x, be.div(log1p, beta))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        be = ctx.backend
        z = be.mul(x, ctx.beta)
        e = be.exp(be.minimum(z, ctx.threshold))
        slope = be.div(e, be.add(e, 1.0))
        return be.where(be.compare("gt", z, ctx.threshold), grad, be.mul(grad, slope)), \
            None, None


class Hardtanh(BackendFunction):
    """x clamped to [low, high]; the gradient flows where low < x < high."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, x, low, high):
        be = ctx.backend
        inside = be.mul(be.compare("gt", x, low), be.compare("lt", x, high))
        ctx.save_for_backward(inside)
        return be.minimum(be.maximum(x, low), high)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved
        be = ctx.backend
        return be.mul(grad, be.astype(inside, grad.dtype)), None, None

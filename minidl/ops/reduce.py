"""Reduction Functions: sum, mean and max over axes, with keepdims.

``axis`` arrives normalised by the Tensor method: None or a sorted tuple of
non-negative axes. Backward broadcasts the reduced gradient back over the
reduced axes."""

from ..autograd import Function


def _expand_reduced(backend, grad, in_shape, axis, keepdims):
    """Reshape a reduced gradient so it broadcasts against the input."""
    if not keepdims:
        axes = range(len(in_shape)) if axis is None else axis
        kept = list(in_shape)
        for a in axes:
            kept[a] = 1
        grad = backend.reshape(grad, tuple(kept))
    return grad


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.meta = (x.shape, axis, keepdims)
        return ctx.backend.sum(x, axis, keepdims)

    @staticmethod
    def backward(ctx, grad):
        shape, axis, keepdims = ctx.meta
        be = ctx.backend
        grad = _expand_reduced(be, grad, shape, axis, keepdims)
        return be.copy(be.broadcast_to(grad, shape)), None, None


class Mean(Function):
    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.meta = (x.shape, axis, keepdims)
        count = 1
        for a in (range(x.ndim) if axis is None else axis):
            count *= x.shape[a]
        ctx.count = count
        return ctx.backend.mul(ctx.backend.sum(x, axis, keepdims), 1.0 / count)

    @staticmethod
    def backward(ctx, grad):
        shape, axis, keepdims = ctx.meta
        be = ctx.backend
        grad = _expand_reduced(be, be.mul(grad, 1.0 / ctx.count), shape, axis, keepdims)
        return be.copy(be.broadcast_to(grad, shape)), None, None


class Max(Function):
    """Maximum values (as NumPy's max); tied maxima share the gradient."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        be = ctx.backend
        out = be.max(x, axis, keepdims)
        ctx.meta = (x.shape, axis, keepdims)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        shape, axis, keepdims = ctx.meta
        be = ctx.backend
        out = _expand_reduced(be, out, shape, axis, keepdims)
        grad = _expand_reduced(be, grad, shape, axis, keepdims)
        mask = be.astype(be.compare("eq", x, out), grad.dtype)
        count = be.sum(mask, axis, True)
        return be.mul(mask, be.div(grad, count)), None, None

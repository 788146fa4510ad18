"""Reduction Functions: sum, mean, the extremes over dimensions.

``axis`` arrives normalised by ``minidl.api``: None (every axis) or a sorted
tuple of non-negative axes. Backward broadcasts the reduced gradient back over
the reduced axes."""

from ..autograd import BackendFunction


def _expand_reduced(backend, grad, in_shape, axis, keepdims):
    """Reshape a reduced gradient so it broadcasts against the input."""
    if not keepdims:
        axes = range(len(in_shape)) if axis is None else axis
        kept = list(in_shape)
        for a in axes:
            kept[a] = 1
        grad = backend.reshape(grad, tuple(kept))
    return grad


def reduced_count(shape, axis):
    """How many values each output of a reduction over ``axis`` combines."""
    count = 1
    for a in (range(len(shape)) if axis is None else axis):
        count *= shape[a]
    return count


class Sum(BackendFunction):
    primitive = "sum"
    double_differentiable = True

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


class Mean(BackendFunction):
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.meta = (x.shape, axis, keepdims)
        ctx.count = reduced_count(x.shape, axis)
        total = ctx.backend.sum(x, axis, keepdims)
        # an empty reduction is 0 / 0 = nan, as in PyTorch
        scale = 1.0 / ctx.count if ctx.count else float("nan")
        return ctx.backend.mul(total, scale)

    @staticmethod
    def backward(ctx, grad):
        shape, axis, keepdims = ctx.meta
        be = ctx.backend
        grad = _expand_reduced(be, be.mul(grad, 1.0 / max(ctx.count, 1)), shape, axis, keepdims)
        return be.copy(be.broadcast_to(grad, shape)), None, None


class Amax(BackendFunction):
    """The largest values over ``axis`` (``x.max()``, ``amax``); tied maxima
    share the gradient equally, as PyTorch's amax."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        out = ctx.backend.max(x, axis, keepdims)
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


class SelectAlongDim(BackendFunction):
    """The values ``x`` holds at ``indices`` along ``axis``, one per position of
    the other axes: ``max(dim)`` and ``min(dim)`` return these, so the gradient
    goes to the selected element only, as in PyTorch.

    ``indices`` is an int64 backend array shaped like ``x`` with ``axis``
    reduced to 1."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, x, indices, axis, keepdims):
        be = ctx.backend
        ctx.meta = (x.shape, axis, keepdims)
        chosen = _one_hot_along(be, indices, x.shape, axis)
        ctx.save_for_backward(chosen)
        # where(), not a product with the mask: inf * 0 would be nan
        return be.sum(be.where(chosen, x, 0), (axis,), keepdims)

    @staticmethod
    def backward(ctx, grad):
        (chosen,) = ctx.saved
        shape, axis, keepdims = ctx.meta
        be = ctx.backend
        grad = _expand_reduced(be, grad, shape, (axis,), keepdims)
        return be.mul(be.astype(chosen, grad.dtype), grad), None, None, None


def _one_hot_along(be, indices, shape, axis):
    """A bool mask of ``shape``: True where the position along ``axis`` equals
    ``indices`` (which has size 1 along ``axis``)."""
    positions = be.reshape(be.arange(0, shape[axis], 1, indices.dtype),
                           tuple(n if a == axis else 1 for a, n in enumerate(shape)))
    return be.compare("eq", positions, indices)


class PNorm(BackendFunction):
    """(sum |x|^p)^(1/p) over ``axis``; the gradient is
    x |x|^(p-2) / norm^(p-1), taken as 0 where the norm is 0 (PyTorch's
    subgradient at the origin)."""

    double_differentiable = False

    @staticmethod
    def forward(ctx, x, p, axis, keepdims):
        be = ctx.backend
        total = be.sum(be.pow(be.abs(x), p), axis, True)
        out = be.pow(total, 1.0 / p)
        ctx.meta = (x.shape, p, axis, keepdims)
        ctx.save_for_backward(x, out)
        return out if keepdims else be.reshape(out, _reduced_shape(x.shape, axis))

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        shape, p, axis, keepdims = ctx.meta
        be = ctx.backend
        grad = _expand_reduced(be, grad, shape, axis, keepdims)
        zero = be.compare("eq", out, 0)
        safe = be.where(zero, 1, out)
        if p == 2:
            local = be.div(x, safe)
        else:
            local = be.div(be.mul(x, be.pow(be.abs(x), p - 2)), be.pow(safe, p - 1))
            local = be.where(be.compare("eq", x, 0), 0, local)
        local = be.where(zero, 0, local)
        return be.mul(grad, local), None, None, None


def _reduced_shape(shape, axis):
    axes = range(len(shape)) if axis is None else axis
    return tuple(n for a, n in enumerate(shape) if a not in axes)

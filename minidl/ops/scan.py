"""Products and running sums: Prod, Cumsum, Cumprod.

Prod's gradient is the product of all the *other* elements, computed from
running products from each side, so it stays exact where the input holds
zeros (dividing the product by x would give nan there)."""

import numpy as np

from ..autograd import BackendFunction
from .reduce import _expand_reduced


def _flip(be, x, axis):
    """x reversed along ``axis``, read at computed positions (no negative strides:
    device views have none)."""
    shape = tuple(x.shape)
    step = 1
    strides = [0] * len(shape)
    for a in range(len(shape) - 1, -1, -1):
        strides[a] = step
        step *= shape[a]
    positions = be.full(shape, 0, np.int64)
    for a, n in enumerate(shape):
        along = be.arange(n - 1, -1, -1, np.int64) if a == axis else be.arange(0, n, 1,
                                                                                np.int64)
        view = tuple(n if b == a else 1 for b in range(len(shape)))
        positions = be.add(positions, be.mul(be.reshape(along, view), strides[a]))
    return be.take(x, positions)


def _shift(be, x, axis, forward):
    """x moved one step along ``axis`` (the first entry becomes 1 when
    ``forward``, the last when not): running products made exclusive."""
    n = x.shape[axis]
    keep = slice(0, n - 1) if forward else slice(1, n)
    body = be.getitem(x, tuple(keep if a == axis else slice(None) for a in range(x.ndim)))
    one = be.full(tuple(1 if a == axis else s for a, s in enumerate(x.shape)), 1, x.dtype)
    return be.concatenate([one, body] if forward else [body, one], axis)


class Prod(BackendFunction):
    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.meta = (x.shape, axis, keepdims)
        ctx.save_for_backward(x)
        return ctx.backend.prod(x, axis, keepdims)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        shape, axis, keepdims = ctx.meta
        be = ctx.backend
        axes = tuple(range(len(shape))) if axis is None else axis
        kept = tuple(a for a in range(len(shape)) if a not in axes)
        order = kept + axes
        rows = be.transpose(x, order)
        n = 1
        for a in axes:
            n *= shape[a]
        rows = be.reshape(rows, tuple(shape[a] for a in kept) + (n,))
        last = len(kept)
        if n:
            others = be.mul(_shift(be, be.cumprod(rows, last), last, True),
                            _flip(be, _shift(be, be.cumprod(_flip(be, rows, last), last),
                                             last, True), last))
        else:
            others = rows
        grad = _expand_reduced(be, grad, shape, axis, keepdims)
        moved = be.reshape(be.transpose(be.broadcast_to(grad, shape), order),
                           tuple(shape[a] for a in kept) + (n,))
        out = be.mul(moved, others)
        out = be.reshape(out, tuple(shape[a] for a in order))
        inverse = [0] * len(order)
        for i, a in enumerate(order):
            inverse[a] = i
        return be.transpose(out, tuple(inverse)), None, None


class Cumsum(BackendFunction):
    primitive = "cumsum"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return ctx.backend.cumsum(x, axis)

    @staticmethod
    def backward(ctx, grad):
        be = ctx.backend
        return _flip(be, be.cumsum(_flip(be, grad, ctx.axis), ctx.axis), ctx.axis), None


class Cumprod(BackendFunction):
    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        ctx.save_for_backward(x)
        return ctx.backend.cumprod(x, axis)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        be = ctx.backend
        return be.cumprod_backward(x, grad, ctx.axis), None

"""Indexing Functions on flat positions: Take (gather) and Put (scatter).

Every advanced-indexing operation of ``minidl.api.indexing`` (tensor and
mask indices, gather, scatter, index_select, ...) computes the int64 flat
positions it touches and then applies one of these two ops, so their
gradients are written once: Take's gradient adds the incoming gradient back
at the positions (repeated positions add up), Put's passes the gradient
through where values were not written and gathers it for the values."""

from ..autograd import BackendFunction, unbroadcast


class Take(BackendFunction):
    """out = x.flat[positions]; positions is an int64 backend array."""

    primitive = "take"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, positions):
        ctx.meta = (x.shape, x.dtype)
        ctx.save_for_backward(positions)
        return ctx.backend.take(x, positions)

    @staticmethod
    def backward(ctx, grad):
        (positions,) = ctx.saved
        be = ctx.backend
        shape, dtype = ctx.meta
        return be.put(be.full(shape, 0, dtype), positions, grad, True), None


class Put(BackendFunction):
    """A copy of x with values written (or added, with accumulate) at positions."""

    primitive = "put"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, positions, values, accumulate):
        ctx.accumulate = accumulate
        ctx.values_meta = (tuple(values.shape), values.dtype) \
            if ctx.needs_input_grad[2] else None
        ctx.save_for_backward(positions)
        return ctx.backend.put(x, positions, values, accumulate)

    @staticmethod
    def backward(ctx, grad):
        (positions,) = ctx.saved
        be = ctx.backend
        gx = gv = None
        if ctx.needs_input_grad[0]:
            # overwritten entries had no influence on the output
            gx = grad if ctx.accumulate else be.put(grad, positions, 0, False)
        if ctx.values_meta is not None:
            gv = unbroadcast(be, be.take(grad, positions), *ctx.values_meta)
        return gx, None, gv, None

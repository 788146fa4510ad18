"""Shape Functions: reshape, permute, broadcasting, basic slicing,
concatenation, copies and device moves. None of them change values, so each
backward only undoes the layout."""

from ..autograd import BackendFunction, unbroadcast
from ..backend import get_backend


class Reshape(BackendFunction):
    primitive = "reshape"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return ctx.backend.reshape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.reshape(grad, ctx.in_shape), None


class Permute(BackendFunction):
    primitive = "transpose"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return ctx.backend.transpose(x, axes)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.axes)
        for i, a in enumerate(ctx.axes):
            inverse[a] = i
        return ctx.backend.transpose(grad, tuple(inverse)), None


class GetItem(BackendFunction):
    primitive = "getitem"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape = x.shape
        ctx.index = index
        return ctx.backend.getitem(x, index)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.getitem_backward(grad, ctx.in_shape, ctx.index), None


class GetItemBackward(BackendFunction):
    """Zeros of ``shape`` with ``dy`` written at ``index``: the gradient of
    GetItem, as an op of its own so that it can be differentiated again."""

    primitive = "getitem_backward"
    double_differentiable = True

    @staticmethod
    def forward(ctx, dy, shape, index):
        ctx.index = index
        return ctx.backend.getitem_backward(dy, shape, index)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.getitem(grad, ctx.index), None, None


class Expand(BackendFunction):
    """``x`` broadcast to ``shape``; the gradient sums over the broadcast axes."""

    primitive = "broadcast_to"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.meta = (x.shape, x.dtype)
        return ctx.backend.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(ctx.backend, grad, *ctx.meta), None


class Clone(BackendFunction):
    """A copy with its own storage."""

    primitive = "copy"
    double_differentiable = True

    @staticmethod
    def forward(ctx, x):
        return ctx.backend.copy(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class Concatenate(BackendFunction):
    """Join tensors along ``axis``; each input gets its slice of the gradient."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return ctx.backend.concatenate(arrays, axis)

    @staticmethod
    def backward(ctx, grad):
        grads = []
        start = 0
        prefix = (slice(None),) * ctx.axis
        for size, needed in zip(ctx.sizes, ctx.needs_input_grad):
            if needed:
                index = prefix + (slice(start, start + size),)
                grads.append(ctx.backend.getitem(grad, index))
            else:
                grads.append(None)
            start += size
        return tuple(grads)


class ToDevice(BackendFunction):
    """Copy to another device; the gradient is copied back."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.source_backend = ctx.backend
        ctx.backend = get_backend(device)
        ctx.device = device  # the output lives on the target device
        return ctx.backend.from_numpy(ctx.source_backend.to_numpy(x))

    @staticmethod
    def backward(ctx, grad):
        return ctx.source_backend.from_numpy(ctx.backend.to_numpy(grad)), None

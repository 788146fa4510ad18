"""Shape Functions: reshape, permute, basic slicing, concatenation, device
moves. None of them change values, so each backward only undoes the layout."""

from ..autograd import Function
from ..backend import get_backend


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return ctx.backend.reshape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.reshape(grad, ctx.in_shape), None


class Permute(Function):
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


class GetItem(Function):
    @staticmethod
    def forward(ctx, x, index):
        ctx.in_shape = x.shape
        ctx.index = index
        return ctx.backend.getitem(x, index)

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.getitem_backward(grad, ctx.in_shape, ctx.index), None


class Concatenate(Function):
    """Join tensors along ``axis``; each input gets its slice of the gradient."""

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


class ToDevice(Function):
    """Copy to another device; the gradient is copied back."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.target_backend = get_backend(device)
        ctx.output_device = device
        return ctx.target_backend.from_numpy(ctx.backend.to_numpy(x))

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.from_numpy(ctx.target_backend.to_numpy(grad)), None

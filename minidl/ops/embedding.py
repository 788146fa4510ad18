"""The embedding lookup: rows of a weight matrix picked by integer indices,
with PyTorch's gradient rules (no gradient into ``padding_idx``'s row;
optionally each row's gradient divided by how often it was looked up)."""

import numpy as np

from ..autograd import BackendFunction


class EmbeddingLookup(BackendFunction):
    """weight (V, D), indices (M,) int64 in [0, V) -> (M, D): ``weight[indices]``.

    ``row_scale`` is None or an (M, 1) array multiplying the gradient of each
    looked-up row (0 for padding, 1 / count for scale_grad_by_freq)."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, weight, indices, row_scale):
        be = ctx.backend
        d = weight.shape[1]
        columns = be.reshape(be.arange(0, d, 1, np.int64), (1, d))
        positions = be.add(be.mul(be.reshape(indices, (-1, 1)), d), columns)   # (M, D)
        ctx.save_for_backward(positions, row_scale)
        ctx.meta = (weight.shape, weight.dtype)
        return be.take(weight, positions)

    @staticmethod
    def backward(ctx, grad):
        positions, row_scale = ctx.saved
        be = ctx.backend
        shape, dtype = ctx.meta
        if row_scale is not None:
            grad = be.mul(grad, row_scale)
        return be.put(be.full(shape, 0, dtype), positions, grad, True), None, None

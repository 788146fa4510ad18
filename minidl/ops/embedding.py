"""The embedding lookup: rows of a weight matrix picked by integer indices,
with PyTorch's gradient rules (no gradient into ``padding_idx``'s row;
optionally each row's gradient divided by how often it was looked up)."""

import numpy as np

from ..autograd import BackendFunction


class EmbeddingLookup(BackendFunction):
    """weight (V, D), indices (M,) int64 in [0, V) -> (M, D): ``weight[indices]``.

    The gradient of each looked-up row is scaled by 0 where the index is
    ``padding_idx`` (None: no padding row) and, with ``scale_grad_by_freq``,
    by 1 / (how often that index occurs among the M)."""

    double_differentiable = True

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        be = ctx.backend
        d = weight.shape[1]
        columns = be.reshape(be.arange(0, d, 1, np.int64), (1, d))
        positions = be.add(be.mul(be.reshape(indices, (-1, 1)), d), columns)   # (M, D)
        ctx.save_for_backward(positions, _row_scale(be, weight, indices, padding_idx,
                                                    scale_grad_by_freq))
        ctx.meta = (weight.shape, weight.dtype)
        return be.take(weight, positions)

    @staticmethod
    def backward(ctx, grad):
        positions, row_scale = ctx.saved
        be = ctx.backend
        shape, dtype = ctx.meta
        if row_scale is not None:
            grad = be.mul(grad, row_scale)
        return be.put(be.full(shape, 0, dtype), positions, grad, True), None, None, None


def _row_scale(be, weight, indices, padding_idx, scale_grad_by_freq):
    """None, or the (M, 1) factors of the looked-up rows' gradients."""
    if padding_idx is None and not scale_grad_by_freq:
        return None
    scale = be.full((indices.size, 1), 1.0, weight.dtype)
    if padding_idx is not None:
        scale = be.reshape(be.astype(be.compare("ne", indices, padding_idx), weight.dtype),
                           (-1, 1))
    if scale_grad_by_freq:
        counts = be.put(be.full((weight.shape[0],), 0, weight.dtype), indices, 1.0, True)
        scale = be.div(scale, be.reshape(be.take(counts, indices), (-1, 1)))
    return scale

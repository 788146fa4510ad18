"""``embedding`` of ``minidl.nn.functional``: rows of a weight matrix looked
up by integer indices, with PyTorch's ``padding_idx`` (no gradient into that
row), ``max_norm`` (the looked-up rows renormalised in place first) and
``scale_grad_by_freq``."""

import numpy as np

from .. import _checks
from ..api import creation, indexing, pointwise, shape
from ..api import reduction as reduce_
from ..api.indexing import _checked_range
from ..autograd import no_grad
from ..ops import embedding as embedding_ops
from ._validation import float_input


def padding_index(op, padding_idx, num_embeddings):
    """``padding_idx`` in [-num_embeddings, num_embeddings) as a non-negative
    int (negative counts from the end), or None."""
    if padding_idx is None:
        return None
    padding_idx = _checks.integer(op, "padding_idx", padding_idx)
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{op}: padding_idx must be within num_embeddings "
                         f"({num_embeddings}), got {padding_idx}")
    return padding_idx % num_embeddings


def _renorm_rows_(weight, flat_index, max_norm, norm_type):
    """Scale, in place, the rows of ``weight`` named in ``flat_index`` whose
    ``norm_type``-norm exceeds ``max_norm`` down to ``max_norm`` (PyTorch's
    embedding_renorm_, with its 1e-7 guard)."""
    rows = np.unique(flat_index.numpy())
    with no_grad():
        picked = indexing.index_select(weight, 0, rows)
        norms = reduce_.norm(picked, norm_type, dim=1, keepdim=True)
        scale = indexing.where(pointwise.gt(norms, max_norm),
                               pointwise.rtruediv(pointwise.add(norms, 1e-7), max_norm), 1.0)
        indexing.index_put_(weight, (creation.tensor(rows, device=weight.device),),
                            pointwise.mul(picked, scale))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """The rows of ``weight`` at the indices in ``input``.

    Args:
        input: an integer Tensor of any shape, indices in [0, V).
        weight: the (V, D) floating point embedding matrix.
        padding_idx: this row gets no gradient (negative counts from the end).
            Default: None.
        max_norm: renormalise, in place, every looked-up row whose
            ``norm_type``-norm exceeds it down to it. Default: None.
        norm_type: the p of the norm for ``max_norm``. Default: 2.0.
        scale_grad_by_freq: divide each row's gradient by the number of times
            it occurs in ``input``. Default: False.
        sparse: sparse gradients are not supported (NotImplementedError).

    Returns: a Tensor of shape ``input.shape + (D,)``."""
    op = "embedding"
    _checks.tensor(op, input)
    if input.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: Expected tensor for argument #1 'indices' to have one of "
                           f"the following scalar types: Long, Int; but got {input.dtype} "
                           "instead")
    float_input(op, weight, "weight")
    _checks.same_device(op, weight, input, "input")
    if weight.ndim != 2:
        raise RuntimeError(f"{op}: 'weight' must be 2-D, got shape {weight.shape}")
    _checks.boolean(op, "scale_grad_by_freq", scale_grad_by_freq)
    if _checks.boolean(op, "sparse", sparse):
        raise NotImplementedError(f"{op}: sparse gradients are not supported in minidl; use "
                                  "sparse=False")
    num_embeddings = weight.shape[0]
    padding_idx = padding_index(op, padding_idx, num_embeddings)
    flat_input = shape.reshape(input, -1)
    flat = _checked_range(op, flat_input, num_embeddings, 0, False)
    if max_norm is not None:
        max_norm = _checks.real(op, "max_norm", max_norm, 0)
        norm_type = _checks.real(op, "norm_type", norm_type)
        if flat.size:
            _renorm_rows_(weight, flat_input, max_norm, norm_type)
    out = embedding_ops.EmbeddingLookup.apply(weight, flat, padding_idx,
                                              scale_grad_by_freq)
    return shape.reshape(out, input.shape + (weight.shape[1],))


__all__ = ["embedding"]

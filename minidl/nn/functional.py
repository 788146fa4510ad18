"""The functional forms of the layers: ``import minidl.nn.functional as F``
(also importable as ``minidl.functional``), with PyTorch's signatures.

Each function checks its arguments once, with errors that name the function
and the offending shape or value, then applies autograd ops from
``minidl.ops`` (or a composition of tensor functions); the layers in
``minidl.nn`` call these and check nothing twice.

This file holds the linear layer, padding and dropout, and gathers the
families that live in files of their own: convolutions (functional_conv.py),
fixed-window pooling (functional_pooling.py), activations
(functional_activation.py), losses (functional_loss.py), normalisation
(functional_normalization.py), adaptive pooling and interpolation
(functional_resampling.py) and embedding (functional_embedding.py).
"""

import warnings

from .. import _checks
from ..api import creation, joining, pointwise, rearrange, shape
from ..api._common import cast
from ..api.indexing import one_hot
from ..ops import linalg
from ..ops import nn as nn_ops
from ..random import resolve_generator
from ._validation import float_input, parameter
from .functional_activation import (elu, gelu, hardtanh, leaky_relu, log_softmax, relu, sigmoid,
                                    silu, softmax, softplus, tanh)
from .functional_conv import conv1d, conv2d, conv_transpose2d
from .functional_embedding import embedding
from .functional_loss import (binary_cross_entropy, binary_cross_entropy_with_logits,
                              cross_entropy, huber_loss, kl_div, l1_loss, mse_loss, nll_loss,
                              smooth_l1_loss)
from .functional_normalization import batch_norm, group_norm, layer_norm
from .functional_pooling import avg_pool2d, max_pool2d, max_unpool2d, pool_geometry
from .functional_resampling import adaptive_avg_pool2d, adaptive_max_pool2d, interpolate


# ---- linear layers ----------------------------------------------------------
def linear(input, weight, bias=None):
    """``input @ weight.T + bias``: input (*, in_features), weight (out_features,
    in_features), bias (out_features,) -> (*, out_features)."""
    float_input("linear", input)
    float_input("linear", weight, "weight")
    _checks.same_dtype("linear", input, weight, "weight")
    _checks.same_device("linear", input, weight, "weight")
    if weight.ndim != 2 or input.ndim == 0 or weight.shape[1] != input.shape[-1]:
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied (input "
                           f"{input.shape}, weight {weight.shape}; expected weight of "
                           "shape (out_features, in_features))")
    bias = parameter("linear", input, bias, "bias", (weight.shape[0],))
    if input.ndim == 2:
        return linalg.Linear.apply(input, weight, bias)
    leading = input.shape[:-1]
    flat = shape.reshape(input, -1, input.shape[-1])
    return shape.reshape(linalg.Linear.apply(flat, weight, bias), leading + (weight.shape[0],))


# ---- padding --------------------------------------------------------------------------
_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """Pad (or crop, for negative amounts) the last ``len(pad) // 2`` dimensions
    of ``input``: ``pad = (left, right)`` for the last one, then ``(top,
    bottom)`` for the one before, and so on, as PyTorch. ``mode``: 'constant'
    (``value``, default 0; the default mode), 'reflect' (mirror without the
    edge), 'replicate' (repeat the edge), 'circular' (wrap around).

    Returns: a new Tensor with the padded (or cropped) shape."""
    _checks.tensor("pad", input)
    if not isinstance(pad, (tuple, list)) or len(pad) % 2 or not all(
            _checks.is_integer(p) for p in pad):
        raise RuntimeError(f"pad: padding must be a tuple of an even number of ints, got "
                           f"{pad!r}")
    _checks.one_of("pad", "mode", mode, _PAD_MODES)
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} is too large for a "
                           f"{input.ndim}-dimensional input")
    if mode != "constant" and value not in (None, 0):
        raise RuntimeError(f"pad: padding mode '{mode}' doesn't take in value argument")
    if mode != "constant" and input.ndim not in (len(pad) // 2 + 1, len(pad) // 2 + 2):
        # PyTorch's rule: non-constant modes pad the last 1-3 dimensions of a batch
        raise NotImplementedError(
            f"pad: padding size {len(pad)} is not supported for {input.ndim}D input with mode "
            f"'{mode}' (2 pads a 2D or 3D input, 4 a 3D or 4D input, 6 a 4D or 5D input)")
    out = input
    for i in range(len(pad) // 2):
        dim = input.ndim - 1 - i
        before, after = int(pad[2 * i]), int(pad[2 * i + 1])
        out = _pad_dim(out, dim, before, after, mode, 0 if value is None else value)
    return out if out is not input else shape.reshape(input, input.shape)


def _pad_dim(x, dim, before, after, mode, value):
    size = x.shape[dim]
    # negative amounts crop first
    if before < 0 or after < 0:
        start, stop = max(-before, 0), size - max(-after, 0)
        if stop < start:
            raise RuntimeError(f"pad: cropping {-before}, {-after} from a dimension of size "
                               f"{size} leaves nothing")
        x = shape.narrow(x, dim, start, stop - start)
        size = stop - start
        before, after = max(before, 0), max(after, 0)
    if not before and not after:
        return x
    pieces = []
    if mode == "constant":
        def filler(n):
            fill_shape = x.shape[:dim] + (n,) + x.shape[dim + 1:]
            return creation.full(fill_shape, value, dtype=x.dtype, device=x.device)
        left, right = filler(before), filler(after)
    elif mode == "reflect":
        if before >= size or after >= size:
            raise RuntimeError(f"pad: padding size should be less than the corresponding input "
                               f"dimension, but got padding {before}, {after} for dimension "
                               f"of size {size} (reflect)")
        left = rearrange.flip(shape.narrow(x, dim, 1, before), dim)
        right = rearrange.flip(shape.narrow(x, dim, size - 1 - after, after), dim)
    elif mode == "replicate":
        if size == 0:
            raise RuntimeError("pad: replicate padding of an empty dimension")
        edge = x.shape[:dim] + (before,) + x.shape[dim + 1:]
        left = shape.expand(shape.narrow(x, dim, 0, 1), edge)
        edge = x.shape[:dim] + (after,) + x.shape[dim + 1:]
        right = shape.expand(shape.narrow(x, dim, size - 1, 1), edge)
    else:  # circular
        if before > size or after > size:
            raise RuntimeError(f"pad: circular padding of {before}, {after} is larger than the "
                               f"dimension of size {size}")
        left = shape.narrow(x, dim, size - before, before)
        right = shape.narrow(x, dim, 0, after)
    pieces = [p for p in (left, x, right) if p.shape[dim]]
    return joining.cat(pieces, dim)


# ---- regularisation -----------------------------------------------------------
def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Each element of ``input`` zeroed with probability p in training, the
    others scaled by 1 / (1 - p); the identity otherwise.

    Args:
        input: a floating point Tensor of any shape.
        p: the probability of an element being zeroed. Default: 0.5.
        training: apply dropout (else return the input). Default: True.
        inplace: overwrite the input. Default: False.
        generator: a numpy Generator for the mask (minidl's addition).
            Default: the global one.

    Returns: a Tensor of the input's shape."""
    float_input("dropout", input)
    p = _checks.real("dropout", "p", p, 0, 1)
    rng = resolve_generator("dropout", generator)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        out = pointwise.mul(input, 0.0)
    else:
        out = nn_ops.Dropout.apply(input, p, rng)
    return input.copy_(out) if inplace else out


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):
    """Channel dropout: in training each channel of each sample, a whole
    (H, W) plane, is zeroed with probability ``p`` and the others scaled by
    1 / (1 - p); the identity otherwise.

    Args:
        input: a floating point Tensor (N, C, H, W) (3-d inputs are taken as
            (N, C, L), with PyTorch's warning; other ranks >= 2 drop per (N, C)
            with its deprecation warning).
        p: the probability of a channel being zeroed. Default: 0.5.
        training: apply dropout (else return the input). Default: True.
        inplace: overwrite the input. Default: False.
        generator: a numpy Generator for the mask (minidl's addition).
            Default: the global one.

    Returns: a Tensor of the input's shape."""
    op = "dropout2d"
    float_input(op, input)
    p = _checks.real(op, "p", p, 0, 1)
    rng = resolve_generator(op, generator)
    _checks.boolean(op, "training", training)
    _checks.boolean(op, "inplace", inplace)
    if input.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the "
                           f"input, got shape {input.shape}")
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    elif input.ndim != 4:
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead.",
                      stacklevel=2)
    if not training or p == 0.0:
        return input
    mask_shape = input.shape[:2] + (1,) * (input.ndim - 2)
    if p == 1.0:
        mask = creation.zeros(mask_shape, dtype=input.dtype, device=input.device)
    else:
        keep = pointwise.ge(creation.rand(mask_shape, generator=rng, dtype=input.dtype,
                                          device=input.device), p)
        mask = pointwise.mul(cast(op, keep, input.dtype), 1.0 / (1.0 - p))
    if inplace:
        return input.mul_(mask)
    return pointwise.mul(input, mask)


__all__ = [
    # activations
    "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh",
    "softmax", "log_softmax",
    # linear, convolution, pooling and resampling
    "linear", "conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d",
    "max_unpool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate",
    # normalisation, regularisation, embedding, padding
    "batch_norm", "layer_norm", "group_norm", "dropout", "dropout2d", "embedding", "pad",
    "one_hot",
    # losses
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
]

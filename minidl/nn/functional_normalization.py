"""The normalisation functions of ``minidl.nn.functional``: batch_norm (on
the backend's batch-norm kernels), layer_norm and group_norm (compositions of
tensor functions, so they run and differentiate on every backend).

Layer and group normalisation use the biased variance over the normalised
elements, ``(x - mean) / sqrt(var + eps)``, then the optional elementwise
affine transform, as PyTorch's."""

from .. import _checks
from ..api import pointwise, shape
from ..api import reduction as reduce_
from ..ops import nn as nn_ops
from ._validation import float_input, parameter


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation of (N, C), (N, C, L) or (N, C, H, W) over every axis
    but C.

    Training: the batch statistics normalise (biased variance) and the running
    statistics, when given, move towards them in place: ``running = (1 -
    momentum) * running + momentum * batch`` with the unbiased variance.
    Evaluation: the running statistics normalise.

    Args:
        input: a floating point Tensor (N, C), (N, C, L) or (N, C, H, W).
        running_mean, running_var: (C,) Tensors or None (both or neither;
            needed when not training).
        weight, bias: (C,) scale and shift, or None. Default: None.
        training: normalise with the batch statistics. Default: False.
        momentum: the running statistics' update factor. Default: 0.1.
        eps: added to the variance. Default: 1e-5.

    Returns: a Tensor of the input's shape."""
    op = "batch_norm"
    float_input(op, input)
    if input.ndim not in (2, 3, 4):
        raise RuntimeError(f"{op}: expected input of shape (N, C), (N, C, L) or "
                           f"(N, C, H, W), got {input.shape}")
    if input.ndim == 3:  # (N, C, L) is (N, C, L, 1) for the kernels
        out = batch_norm(shape.reshape(input, input.shape + (1,)), running_mean,
                         running_var, weight, bias, training, momentum, eps)
        return shape.reshape(out, input.shape)
    channels = (input.shape[1],)
    weight = parameter(op, input, weight, "weight", channels)
    bias = parameter(op, input, bias, "bias", channels)
    running_mean = parameter(op, input, running_mean, "running_mean", channels)
    running_var = parameter(op, input, running_var, "running_var", channels)
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{op}: give both running_mean and running_var, or neither")
    eps = _checks.real(op, "eps", eps, 0, low_open=True)
    momentum = _checks.real(op, "momentum", momentum, 0, 1)
    if input.numel() == 0:
        raise RuntimeError(f"{op}: empty input of shape {input.shape}")
    if training:
        if input.numel() // channels[0] <= 1:
            raise ValueError(f"{op}: expected more than 1 value per channel when training, "
                             f"got input size {input.shape}")
        rm = None if running_mean is None else running_mean._data
        rv = None if running_var is None else running_var._data
        return nn_ops.BatchNormTrain.apply(input, weight, bias, rm, rv, momentum, eps)
    if running_mean is None:
        raise RuntimeError(f"{op}: running_mean and running_var are needed in evaluation "
                           "mode")
    return nn_ops.BatchNormEval.apply(input, weight, bias, running_mean._data,
                                      running_var._data, eps)


def _normalized(x, dims, eps):
    """(x - mean) / sqrt(var + eps) over ``dims`` (biased variance)."""
    centered = pointwise.sub(x, reduce_.mean(x, dims, keepdim=True))
    var = reduce_.mean(pointwise.mul(centered, centered), dims, keepdim=True)
    return pointwise.div(centered, pointwise.sqrt(pointwise.add(var, eps)))


def _eps(op, eps):
    return _checks.real(op, "eps", eps, 0)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the last ``len(normalized_shape)`` dimensions.

    Args:
        input: a floating point Tensor of shape (*, *normalized_shape).
        normalized_shape: a tuple (or list) of the trailing sizes to normalise over.
        weight: None, or a Tensor of shape ``normalized_shape`` multiplied in.
        bias: None, or a Tensor of shape ``normalized_shape`` added.
        eps: added to the variance. Default: 1e-5.

    Returns: a Tensor of the input's shape: ``(x - mean) / sqrt(var + eps) *
    weight + bias`` with the mean and biased variance over the trailing
    dimensions."""
    op = "layer_norm"
    float_input(op, input)
    if not isinstance(normalized_shape, (tuple, list)) or not all(
            _checks.is_integer(n) for n in normalized_shape):
        raise TypeError(f"{op}: normalized_shape must be a tuple of ints, got "
                        f"{normalized_shape!r}")
    normalized_shape = tuple(int(n) for n in normalized_shape)
    if not normalized_shape:
        raise RuntimeError(f"{op}: Expected normalized_shape to be at least 1-dimensional, "
                           "i.e., containing at least one element, but got "
                           "normalized_shape = []")
    k = len(normalized_shape)
    if input.ndim < k or input.shape[input.ndim - k:] != normalized_shape:
        raise RuntimeError(f"{op}: Given normalized_shape={list(normalized_shape)}, expected "
                           f"input with shape [*, {', '.join(map(str, normalized_shape))}], "
                           f"but got input of size {input.shape}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None:
            _checks.tensor(op, value, name)
            if value.shape != normalized_shape:
                raise RuntimeError(f"{op}: Expected {name} to be of same shape as "
                                   f"normalized_shape, but got {name} of shape {value.shape} "
                                   f"and normalized_shape = {list(normalized_shape)}")
    weight = parameter(op, input, weight, "weight", normalized_shape)
    bias = parameter(op, input, bias, "bias", normalized_shape)
    out = _normalized(input, tuple(range(input.ndim - k, input.ndim)), _eps(op, eps))
    if weight is not None:
        out = pointwise.mul(out, weight)
    if bias is not None:
        out = pointwise.add(out, bias)
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation: the C channels split into ``num_groups`` groups of
    consecutive channels, each normalised over its channels and all
    positions, per sample.

    Args:
        input: a floating point Tensor of shape (N, C, *) with C divisible by
            ``num_groups``.
        num_groups: the number of groups.
        weight: None, or a per-channel scale of shape (C,).
        bias: None, or a per-channel shift of shape (C,).
        eps: added to the variance. Default: 1e-5.

    Returns: a Tensor of the input's shape."""
    op = "group_norm"
    float_input(op, input)
    num_groups = _checks.positive_int(op, "num_groups", num_groups)
    if input.ndim < 2:
        raise RuntimeError(f"{op}: Expected at least 2 dimensions for input tensor but "
                           f"received {input.ndim}")
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"{op}: Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {input.shape} and "
                           f"num_groups={num_groups}")
    weight = parameter(op, input, weight, "weight", (c,))
    bias = parameter(op, input, bias, "bias", (c,))
    eps = _eps(op, eps)
    if input.numel() == 0:
        return pointwise.mul(input, 1.0)
    grouped = shape.reshape(input, n, num_groups, -1)
    out = shape.reshape(_normalized(grouped, (2,), eps), input.shape)
    channel_shape = (c,) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = pointwise.mul(out, shape.reshape(weight, channel_shape))
    if bias is not None:
        out = pointwise.add(out, shape.reshape(bias, channel_shape))
    return out


__all__ = ["batch_norm", "layer_norm", "group_norm"]

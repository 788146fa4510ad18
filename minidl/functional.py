"""Functional forms of the layers (``import minidl.functional as F``).

Each function validates its arguments, with errors that name the function
and the offending shape or value, then applies one autograd Function."""

import numbers

import numpy as np

from . import random as _random
from .ops import elementwise as ew
from .ops import linalg, nn as nn_ops, shape as shape_ops
from .tensor import Tensor


def _require_tensor(op, x, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")


def _require_float(op, x, name="input"):
    _require_tensor(op, x, name)
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:
        raise TypeError(f"{op}: {name} must be float32 or float64, got {x.dtype}")


def _require_same_dtype(op, x, other, name):
    if other is not None and other.dtype != x.dtype:
        raise TypeError(f"{op}: {name} has dtype {other.dtype} but input has {x.dtype}")


def _pair(op, name, value, minimum):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (int(value), int(value))
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in value)):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(value) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {tuple(value)}")
    return (int(value[0]), int(value[1]))


# ---- activations ------------------------------------------------------------
def relu(x):
    return ew.ReLU.apply(x)


def sigmoid(x):
    return ew.Sigmoid.apply(x)


def tanh(x):
    return ew.Tanh.apply(x)


# ---- linear layers ----------------------------------------------------------
def linear(x, weight, bias=None):
    """x @ weight.T + bias with weight of shape (out_features, in_features)."""
    _require_float("linear", x)
    _require_float("linear", weight, "weight")
    if x.ndim != 2:
        raise ValueError(f"linear: expected input of shape (N, in_features), got {x.shape}")
    if weight.ndim != 2 or weight.shape[1] != x.shape[1]:
        raise ValueError(f"linear: input {x.shape} does not match weight {weight.shape} "
                         "(expected weight of shape (out_features, in_features))")
    _require_same_dtype("linear", x, weight, "weight")
    if bias is not None:
        _require_same_dtype("linear", x, bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias has shape {bias.shape}, expected "
                             f"({weight.shape[0]},)")
    return linalg.Linear.apply(x, weight, bias)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-d convolution (cross-correlation, as PyTorch) of (N, C, H, W) by
    weight (out_channels, C, kh, kw)."""
    _require_float("conv2d", x)
    _require_float("conv2d", weight, "weight")
    if x.ndim != 4:
        raise ValueError(f"conv2d: expected input of shape (N, C, H, W), got {x.shape}")
    if weight.ndim != 4 or weight.shape[1] != x.shape[1]:
        raise ValueError(f"conv2d: input {x.shape} does not match weight {weight.shape} "
                         "(expected weight of shape (out_channels, C, kh, kw))")
    _require_same_dtype("conv2d", x, weight, "weight")
    stride = _pair("conv2d", "stride", stride, 1)
    padding = _pair("conv2d", "padding", padding, 0)
    for size, k, p, axis in zip(x.shape[2:], weight.shape[2:], padding, ("height", "width")):
        if k > size + 2 * p:
            raise ValueError(f"conv2d: kernel {weight.shape[2:]} is larger than the padded "
                             f"input {x.shape[2:]} (padding {padding}) in {axis}")
    if x.shape[0] == 0:
        raise ValueError(f"conv2d: empty batch, input shape {x.shape}")
    if bias is not None:
        _require_same_dtype("conv2d", x, bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"conv2d: bias has shape {bias.shape}, expected "
                             f"({weight.shape[0]},)")
    return nn_ops.Conv2d.apply(x, weight, bias, stride, padding)


# ---- pooling ------------------------------------------------------------------
def _pool_args(op, x, kernel_size, stride, padding):
    _require_float(op, x)
    if x.ndim != 4:
        raise ValueError(f"{op}: expected input of shape (N, C, H, W), got {x.shape}")
    kernel = _pair(op, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None else _pair(op, "stride", stride, 1)
    padding = _pair(op, "padding", padding, 0)
    if padding[0] * 2 > kernel[0] or padding[1] * 2 > kernel[1]:
        raise ValueError(f"{op}: padding {padding} should be at most half of kernel "
                         f"{kernel}")
    for size, k, p in zip(x.shape[2:], kernel, padding):
        if k > size + 2 * p:
            raise ValueError(f"{op}: kernel {kernel} is larger than the padded input "
                             f"{x.shape[2:]} (padding {padding})")
    if x.size == 0:
        raise ValueError(f"{op}: empty input of shape {x.shape}")
    return kernel, stride, padding


def max_pool2d(x, kernel_size, stride=None, padding=0):
    kernel, stride, padding = _pool_args("max_pool2d", x, kernel_size, stride, padding)
    return nn_ops.MaxPool2d.apply(x, kernel, stride, padding)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    kernel, stride, padding = _pool_args("avg_pool2d", x, kernel_size, stride, padding)
    return nn_ops.AvgPool2d.apply(x, kernel, stride, padding)


def global_avg_pool2d(x):
    """Mean over the spatial axes: (N, C, H, W) -> (N, C)."""
    _require_float("global_avg_pool2d", x)
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool2d: expected (N, C, H, W), got {x.shape}")
    return x.mean(axis=(2, 3))


# ---- normalisation ----------------------------------------------------------------
def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over (N, C) or (N, C, H, W) with PyTorch's
    signature. In training mode the batch statistics normalise and the
    running statistics (when given) are updated in place; in eval mode the
    running statistics normalise."""
    _require_float("batch_norm", x)
    if x.ndim not in (2, 4):
        raise ValueError(f"batch_norm: expected input of shape (N, C) or (N, C, H, W), "
                         f"got {x.shape}")
    channels = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is None:
            continue
        _require_tensor("batch_norm", t, name)
        _require_same_dtype("batch_norm", x, t, name)
        if t.shape != (channels,):
            raise ValueError(f"batch_norm: {name} has shape {t.shape}, expected ({channels},) "
                             f"for input {x.shape}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    if not isinstance(eps, numbers.Real) or eps <= 0:
        raise ValueError(f"batch_norm: eps must be positive, got {eps!r}")
    if not training and running_mean is None:
        raise ValueError("batch_norm: eval mode needs running_mean and running_var")
    gamma = None if weight is None else weight
    beta = None if bias is None else bias
    if training:
        count = x.size // max(channels, 1)
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {x.shape}")
        rm = None if running_mean is None else running_mean.data
        rv = None if running_var is None else running_var.data
        return nn_ops.BatchNormTrain.apply(x, gamma, beta, rm, rv, float(momentum),
                                           float(eps))
    return nn_ops.BatchNormEval.apply(x, gamma, beta, running_mean.data, running_var.data,
                                      float(eps))


# ---- losses -------------------------------------------------------------------------
def log_softmax(x, axis=-1, *, dim=None):
    _require_float("log_softmax", x)
    axis = dim if dim is not None else axis
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"log_softmax: axis {axis} out of range for shape {x.shape}")
    return nn_ops.LogSoftmax.apply(x, axis % x.ndim)


def softmax(x, axis=-1, *, dim=None):
    return log_softmax(x, axis, dim=dim).exp()


def cross_entropy(logits, labels, reduction="mean"):
    """Softmax cross-entropy of (N, K) logits against N integer class labels
    (a Tensor or a NumPy array); reduction is 'mean', 'sum' or 'none'."""
    _require_float("cross_entropy", logits)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: expected logits of shape (N, K), got {logits.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', "
                         f"got {reduction!r}")
    if isinstance(labels, Tensor):
        if labels.device != logits.device:
            raise RuntimeError(f"cross_entropy: logits on {logits.device} but labels on "
                               f"{labels.device}")
        raw_labels = labels.data
    else:
        raw_labels = np.asarray(labels)
        if raw_labels.dtype.kind not in "iu":
            raise TypeError(f"cross_entropy: labels must be integers, got {raw_labels.dtype}")
        raw_labels = Tensor._wrap(raw_labels.astype(np.int64, copy=False), "cpu").to(
            logits.device).data
    if raw_labels.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels must be integers, got {raw_labels.dtype}")
    if tuple(raw_labels.shape) != (logits.shape[0],):
        raise ValueError(f"cross_entropy: labels have shape {tuple(raw_labels.shape)}, "
                         f"expected ({logits.shape[0]},) for logits {logits.shape}")
    if logits.shape[0] == 0:
        raise ValueError("cross_entropy: empty batch")
    return nn_ops.SoftmaxCrossEntropy.apply(logits, raw_labels, reduction)


def mse_loss(prediction, target, reduction="mean"):
    diff = prediction - target
    squared = diff * diff
    if reduction == "mean":
        return squared.mean()
    if reduction == "sum":
        return squared.sum()
    if reduction == "none":
        return squared
    raise ValueError(f"mse_loss: unknown reduction {reduction!r}")


# ---- regularisation -----------------------------------------------------------
def dropout(x, p=0.5, training=True, generator=None):
    """Zero each element with probability p in training (scaling the rest by
    1 / (1 - p)); identity otherwise."""
    _require_float("dropout", x)
    if not isinstance(p, numbers.Real) or not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: p must be in [0, 1), got {p!r}")
    if not training or p == 0.0:
        return x
    return nn_ops.Dropout.apply(x, float(p), generator or _random.default_generator())


# ---- joining ------------------------------------------------------------------
def cat(tensors, axis=0, *, dim=None):
    """Concatenate tensors along an existing axis."""
    axis = dim if dim is not None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    for t in tensors:
        _require_tensor("cat", t, "every element")
    first = tensors[0]
    if not -first.ndim <= axis < first.ndim:
        raise ValueError(f"cat: axis {axis} out of range for shape {first.shape}")
    axis %= first.ndim
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(
                zip(t.shape, first.shape)) if i != axis):
            raise ValueError(f"cat: shapes {first.shape} and {t.shape} differ outside "
                             f"axis {axis}")
        if t.dtype != first.dtype:
            raise TypeError(f"cat: dtypes {first.dtype} and {t.dtype} differ")
    return shape_ops.Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis=0, *, dim=None):
    """Join same-shaped tensors along a new axis."""
    axis = dim if dim is not None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    shape = tensors[0].shape
    if not -(len(shape) + 1) <= axis <= len(shape):
        raise ValueError(f"stack: axis {axis} out of range for shape {shape}")
    axis %= len(shape) + 1
    for t in tensors:
        _require_tensor("stack", t, "every element")
        if t.shape != shape:
            raise ValueError(f"stack: shapes {shape} and {t.shape} differ")
    expanded = [t.reshape(shape[:axis] + (1,) + shape[axis:]) for t in tensors]
    return cat(expanded, axis)

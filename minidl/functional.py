"""Functional forms of the layers (``import minidl.functional as F``).

Each function validates its arguments, with errors that name the function
and the offending shape or value, then applies one autograd Function."""

import math
import numbers

import numpy as np

from . import random as _random
from .backend import get_backend
from .ops import elementwise as ew
from .ops import linalg, nn as nn_ops, shape as shape_ops
from .tensor import Tensor, _normalize_axis


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


def _real(op, name, value, low=None, high=None, *, low_open=False, high_open=False):
    """``value`` as a float: TypeError unless it is a real number (bools are not),
    ValueError unless it is finite and within [low, high] (ends open when asked)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {value!r}")
    number = float(value)
    ok = math.isfinite(number)
    if low is not None:
        ok = ok and (number > low if low_open else number >= low)
    if high is not None:
        ok = ok and (number < high if high_open else number <= high)
    if not ok:
        if low is not None and high is not None:
            text = (f"in {'(' if low_open else '['}{low}, {high}"
                    f"{')' if high_open else ']'}")
        elif low is not None:
            text = f"{'>' if low_open else '>='} {low}"
        elif high is not None:
            text = f"{'<' if high_open else '<='} {high}"
        else:
            text = "finite"
        raise ValueError(f"{op}: {name} must be {text}, got {value!r}")
    return number


def _int(op, name, value, minimum):
    """``value`` as an int >= minimum: TypeError unless it is an integer (bools
    are not), ValueError when it is too small."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


def _float_dtype(op, dtype):
    """A parameter dtype: None (float32 by default) or float32 / float64."""
    if dtype is None:
        return None
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype") from None
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"{op}: dtype must be float32 or float64, got {dtype}")
    return dtype


def _tensor_list(op, tensors):
    """A non-empty list of Tensors from an iterable (a Tensor is refused: it
    would be iterated row by row)."""
    if isinstance(tensors, Tensor) or not hasattr(tensors, "__iter__"):
        raise TypeError(f"{op}: expected a list of tensors, got {type(tensors).__name__}")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        _require_tensor(op, t, f"element {i}")
    return tensors


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


def _pool_geometry(op, kernel_size, stride, padding):
    """(kernel, stride, padding) pairs of a pooling window; stride None means
    the kernel size, and padding may be at most half the kernel."""
    kernel = _pair(op, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None else _pair(op, "stride", stride, 1)
    padding = _pair(op, "padding", padding, 0)
    if padding[0] * 2 > kernel[0] or padding[1] * 2 > kernel[1]:
        raise ValueError(f"{op}: padding {padding} should be at most half of kernel "
                         f"{kernel}")
    return kernel, stride, padding


# ---- activations ------------------------------------------------------------
def relu(x):
    _require_tensor("relu", x)
    return ew.ReLU.apply(x)


def sigmoid(x):
    _require_tensor("sigmoid", x)
    return ew.Sigmoid.apply(x)


def tanh(x):
    _require_tensor("tanh", x)
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
        _require_tensor("linear", bias, "bias")
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
        _require_tensor("conv2d", bias, "bias")
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
    kernel, stride, padding = _pool_geometry(op, kernel_size, stride, padding)
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
    if x.shape[2] == 0 or x.shape[3] == 0:
        raise ValueError(f"global_avg_pool2d: no spatial positions to average, input shape "
                         f"{x.shape}")
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
    eps = _real("batch_norm", "eps", eps, 0, low_open=True)
    momentum = _real("batch_norm", "momentum", momentum, 0, 1)
    if not training and running_mean is None:
        raise ValueError("batch_norm: eval mode needs running_mean and running_var")
    if x.size == 0:
        raise ValueError(f"batch_norm: empty input of shape {x.shape}")
    gamma = None if weight is None else weight
    beta = None if bias is None else bias
    if training:
        count = x.size // max(channels, 1)
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {x.shape}")
        rm = None if running_mean is None else running_mean.data
        rv = None if running_var is None else running_var.data
        return nn_ops.BatchNormTrain.apply(x, gamma, beta, rm, rv, momentum, eps)
    return nn_ops.BatchNormEval.apply(x, gamma, beta, running_mean.data, running_var.data, eps)


# ---- losses -------------------------------------------------------------------------
def log_softmax(x, axis=-1, *, dim=None):
    return nn_ops.LogSoftmax.apply(x, _softmax_axis("log_softmax", x, axis, dim))


def softmax(x, axis=-1, *, dim=None):
    return nn_ops.LogSoftmax.apply(x, _softmax_axis("softmax", x, axis, dim)).exp()


def _softmax_axis(op, x, axis, dim):
    _require_float(op, x)
    axis = dim if dim is not None else axis
    if x.ndim == 0:
        raise ValueError(f"{op}: expected at least 1 dimension, got shape {x.shape}")
    axis = _normalize_axis(op, axis, x.ndim)
    if x.shape[axis] == 0:
        raise ValueError(f"{op}: axis {axis} of shape {x.shape} is empty")
    return axis


def cross_entropy(logits, labels, reduction="mean"):
    """Softmax cross-entropy of (N, K) logits against N integer class labels
    (a Tensor or a NumPy array); reduction is 'mean', 'sum' or 'none'."""
    _require_float("cross_entropy", logits)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: expected logits of shape (N, K), got {logits.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', "
                         f"got {reduction!r}")
    if logits.shape[1] == 0:
        raise ValueError(f"cross_entropy: logits have no classes, shape {logits.shape}")
    if isinstance(labels, Tensor):
        if labels.device != logits.device:
            raise RuntimeError(f"cross_entropy: logits on {logits.device} but labels on "
                               f"{labels.device}")
        raw_labels = labels.data
        host_labels = None
    else:
        host_labels = np.asarray(labels)
        raw_labels = host_labels
    if raw_labels.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels must be integers, got {raw_labels.dtype}")
    if tuple(raw_labels.shape) != (logits.shape[0],):
        raise ValueError(f"cross_entropy: labels have shape {tuple(raw_labels.shape)}, "
                         f"expected ({logits.shape[0]},) for logits {logits.shape}")
    if logits.shape[0] == 0:
        raise ValueError("cross_entropy: empty batch")
    # An out-of-range label would index past a row inside the compiled kernel:
    # check on the host, before any kernel runs (one small copy for device labels).
    if host_labels is None:
        host_labels = get_backend(labels.device).to_numpy(raw_labels)
    low, high = int(host_labels.min()), int(host_labels.max())
    if low < 0 or high >= logits.shape[1]:
        raise ValueError(f"cross_entropy: label {low if low < 0 else high} is out of range "
                         f"[0, {logits.shape[1]}) for logits {logits.shape}")
    if not isinstance(labels, Tensor):
        raw_labels = Tensor._wrap(host_labels.astype(np.int64, copy=False), "cpu").to(
            logits.device).data
    return nn_ops.SoftmaxCrossEntropy.apply(logits, raw_labels, reduction)


def mse_loss(prediction, target, reduction="mean"):
    """Mean (or summed, or per-element) squared error of two same-shaped tensors."""
    _require_float("mse_loss", prediction, "prediction")
    _require_float("mse_loss", target, "target")
    _require_same_dtype("mse_loss", prediction, target, "target")
    if prediction.shape != target.shape:
        raise ValueError(f"mse_loss: prediction has shape {prediction.shape} but target has "
                         f"shape {target.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"mse_loss: unknown reduction {reduction!r}")
    if reduction == "mean" and prediction.size == 0:
        raise ValueError(f"mse_loss: the mean of an empty input of shape {prediction.shape} "
                         "is undefined")
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
    p = _real("dropout", "p", p, 0, 1, high_open=True)
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"dropout: generator must be a numpy.random.Generator, got "
                        f"{type(generator).__name__}")
    if not training or p == 0.0:
        return x
    return nn_ops.Dropout.apply(x, p, generator or _random.default_generator())


# ---- joining ------------------------------------------------------------------
def cat(tensors, axis=0, *, dim=None):
    """Concatenate tensors along an existing axis."""
    axis = dim if dim is not None else axis
    tensors = _tensor_list("cat", tensors)
    first = tensors[0]
    if first.ndim == 0:
        raise ValueError(f"cat: 0-d tensors cannot be concatenated (use stack), got shape "
                         f"{first.shape}")
    axis = _normalize_axis("cat", axis, first.ndim)
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
    tensors = _tensor_list("stack", tensors)
    shape = tensors[0].shape
    axis = _normalize_axis("stack", axis, len(shape) + 1)
    for t in tensors:
        if t.shape != shape:
            raise ValueError(f"stack: shapes {shape} and {t.shape} differ")
        if t.dtype != tensors[0].dtype:
            raise TypeError(f"stack: dtypes {tensors[0].dtype} and {t.dtype} differ")
    expanded = [t.reshape(shape[:axis] + (1,) + shape[axis:]) for t in tensors]
    return cat(expanded, axis)

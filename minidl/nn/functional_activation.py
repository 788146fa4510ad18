"""The activation functions of ``minidl.nn.functional``: relu, sigmoid, tanh,
leaky_relu, elu, gelu, silu, softplus, hardtanh, softmax and log_softmax,
with PyTorch's signatures, defaults and gradients.

Functions with ``inplace=True`` overwrite the input through
``minidl.api.inplace.update``, so PyTorch's in-place rules apply (a leaf that
requires grad refuses, the version counter moves)."""

import math

from .. import _checks
from ..api import inplace, pointwise
from ..api._common import cast
from ..ops import activation as act_ops
from ..ops import nn as nn_ops
from ..ops import maths as maths_ops
from ._validation import float_input

_GELU_APPROXIMATIONS = ("none", "tanh")


def relu(input, inplace=False):
    """max(input, 0) elementwise; ``inplace=True`` overwrites the input.

    Args:
        input: a Tensor of any shape.
        inplace: overwrite ``input`` and return it. Default: False.

    Returns: a Tensor of the input's shape and dtype."""
    return input.relu_() if inplace else pointwise.relu(input)


def sigmoid(input):
    """The logistic function 1 / (1 + exp(-input)), elementwise (integer
    inputs give the default float dtype)."""
    return pointwise.sigmoid(input)


def tanh(input):
    """The hyperbolic tangent of ``input``, elementwise."""
    return pointwise.tanh(input)


def _applied(op, input, inplace_, compute):
    """``compute(input)``, or written into ``input`` with ``inplace_``."""
    if _checks.boolean(op, "inplace", inplace_):
        return inplace.update(f"{op}_", input, compute)
    return compute(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``input`` where positive, ``negative_slope * input`` elsewhere.

    Args:
        input: a floating point Tensor of any shape.
        negative_slope: the slope for negative inputs. Default: 0.01.
        inplace: overwrite ``input``. Default: False.

    Returns: a Tensor of the input's shape. The gradient at 0 is
    ``negative_slope``, as PyTorch's."""
    float_input("leaky_relu", input)
    slope = _checks.real("leaky_relu", "negative_slope", negative_slope)
    return _applied("leaky_relu", input, inplace,
                    lambda x: act_ops.LeakyReLU.apply(x, slope))


def elu(input, alpha=1.0, inplace=False):
    """The exponential linear unit: ``input`` where positive, ``alpha *
    (exp(input) - 1)`` elsewhere.

    Args:
        input: a floating point Tensor of any shape.
        alpha: the value the negative side tends to is ``-alpha``. Default: 1.0.
        inplace: overwrite ``input``. Default: False.

    Returns: a Tensor of the input's shape."""
    float_input("elu", input)
    alpha = _checks.real("elu", "alpha", alpha)
    return _applied("elu", input, inplace, lambda x: act_ops.ELU.apply(x, alpha))


def gelu(input, approximate="none"):
    """The Gaussian error linear unit ``input * Phi(input)``, Phi the standard
    normal CDF: ``0.5 * x * (1 + erf(x / sqrt(2)))``; with
    ``approximate='tanh'``, ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715
    * x^3)))``.

    Args:
        input: a floating point Tensor of any shape.
        approximate: 'none' (exact) or 'tanh'. Default: 'none'.

    Returns: a Tensor of the input's shape."""
    float_input("gelu", input)
    if approximate not in _GELU_APPROXIMATIONS:
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    if approximate == "tanh":
        inner = pointwise.mul(pointwise.add(input, pointwise.mul(
            pointwise.mul(pointwise.mul(input, input), input), 0.044715)),
            math.sqrt(2.0 / math.pi))
        return pointwise.mul(pointwise.mul(input, 0.5), pointwise.add(pointwise.tanh(inner), 1.0))
    cdf = pointwise.add(maths_ops.Erf.apply(pointwise.mul(input, math.sqrt(0.5))), 1.0)
    return pointwise.mul(pointwise.mul(input, 0.5), cdf)


def silu(input, inplace=False):
    """The sigmoid linear unit (swish) ``input * sigmoid(input)``.

    Args:
        input: a floating point Tensor of any shape.
        inplace: overwrite ``input``. Default: False.

    Returns: a Tensor of the input's shape."""
    float_input("silu", input)
    return _applied("silu", input, inplace,
                    lambda x: pointwise.mul(x, pointwise.sigmoid(x)))


def softplus(input, beta=1.0, threshold=20.0):
    """A smooth ReLU: ``log(1 + exp(beta * input)) / beta``, and ``input``
    itself where ``beta * input > threshold`` (for numerical stability).

    Args:
        input: a floating point Tensor of any shape.
        beta: the sharpness. Default: 1.0.
        threshold: above ``beta * input > threshold`` the function is linear.
            Default: 20.0.

    Returns: a Tensor of the input's shape."""
    float_input("softplus", input)
    beta = _checks.real("softplus", "beta", beta)
    threshold = _checks.real("softplus", "threshold", threshold)
    return act_ops.Softplus.apply(input, beta, threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``input`` clamped to [min_val, max_val]; the gradient flows strictly
    inside the interval, as PyTorch's.

    Args:
        input: a Tensor of any shape (an integer tensor stays integer).
        min_val: the lower bound. Default: -1.0.
        max_val: the upper bound. Default: 1.0.
        inplace: overwrite ``input``. Default: False.

    Returns: a Tensor of the input's shape and dtype."""
    _checks.tensor("hardtanh", input)
    low = _checks.real("hardtanh", "min_val", min_val)
    high = _checks.real("hardtanh", "max_val", max_val)
    if low > high:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val="
                         f"{min_val!r} and max_val={max_val!r}")
    if input.dtype.kind != "f":
        def compute(x):
            return cast("hardtanh", pointwise.clamp(x, low, high), input.dtype)
    else:
        def compute(x):
            return act_ops.Hardtanh.apply(x, low, high)
    return _applied("hardtanh", input, inplace, compute)


# ---- softmax ----------------------------------------------------------------------
def _softmax_dim(op, x, dim):
    float_input(op, x)
    if dim is None:  # PyTorch's legacy choice when dim is omitted
        dim = 0 if x.ndim in (0, 1, 3) else 1
    if x.ndim == 0:
        raise RuntimeError(f"{op}: expected at least 1 dimension, got a 0-d tensor")
    axis = _checks.dim(op, dim, x.ndim)
    if x.shape[axis] == 0:
        raise RuntimeError(f"{op}: dim {axis} of shape {x.shape} is empty")
    return axis


def log_softmax(input, dim=None, dtype=None):
    """log(softmax(input)) along ``dim``, computed stably.

    Args:
        input: a floating point Tensor.
        dim: the dimension that sums to one after exp. Default: None, which
            picks PyTorch's legacy choice (0 for 0-, 1- and 3-d inputs, else 1).
        dtype: cast the input to this dtype first. Default: None.

    Returns: a Tensor of the input's shape."""
    if dtype is not None:
        input = cast("log_softmax", input, _checks.dtype("log_softmax", dtype))
    return nn_ops.LogSoftmax.apply(input, _softmax_dim("log_softmax", input, dim))


def softmax(input, dim=None, dtype=None):
    """exp(input) / sum(exp(input)) along ``dim`` (arguments as ``log_softmax``).

    Returns: a Tensor of the input's shape whose slices along ``dim`` sum to 1."""
    if dtype is not None:
        input = cast("softmax", input, _checks.dtype("softmax", dtype))
    return pointwise.exp(nn_ops.LogSoftmax.apply(input, _softmax_dim("softmax", input, dim)))


__all__ = ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "silu", "softplus",
           "hardtanh", "log_softmax", "softmax"]

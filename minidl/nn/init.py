"""Parameter initialisers (``nn.init``), in place and outside the graph, with
PyTorch's names, defaults and formulas, drawing from the global generator
unless one is given.

Linear and Conv2d initialise as PyTorch does: weights with
``kaiming_uniform_(w, a=sqrt(5))`` (uniform in +-1/sqrt(fan_in)) and biases
uniform in +-1/sqrt(fan_in).
"""

import math

from .. import _checks
from ..autograd import no_grad


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity, as PyTorch's table: 1 for
    'linear', the conv names and 'sigmoid'; 5/3 for 'tanh'; sqrt(2) for
    'relu'; sqrt(2 / (1 + param^2)) for 'leaky_relu' (``param``, the negative
    slope, defaults to 0.01); 3/4 for 'selu'. Returns a float."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
              "conv_transpose2d", "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else _checks.real("calculate_gain", "param", param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight: (in_features, out_features), or for a
    convolution (C * kh * kw, out_channels * kh * kw)."""
    _checks.tensor("fan", tensor, "tensor")
    if tensor.ndim < 2:
        raise ValueError(f"Fan in and fan out can not be computed for tensor with fewer than "
                         f"2 dimensions (shape {tensor.shape})")
    receptive = 1
    for n in tensor.shape[2:]:
        receptive *= n
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if _checks.one_of("init", "mode", mode, ("fan_in", "fan_out")) == "fan_in" \
        else fan_out
    if fan <= 0:
        raise ValueError(f"init: a weight of shape {tensor.shape} has no inputs or outputs to "
                         "scale by")
    return fan


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill ``tensor`` with samples of U(a, b)."""
    _checks.float_tensor("uniform_", tensor, "tensor")
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill ``tensor`` with samples of N(mean, std^2)."""
    _checks.float_tensor("normal_", tensor, "tensor")
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    """Fill ``tensor`` with ``val``."""
    _checks.tensor("constant_", tensor, "tensor")
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor):
    """Fill ``tensor`` with zeros."""
    _checks.tensor("zeros_", tensor, "tensor")
    return constant_(tensor, 0)


def ones_(tensor):
    """Fill ``tensor`` with ones."""
    _checks.tensor("ones_", tensor, "tensor")
    return constant_(tensor, 1)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Fill ``tensor`` (at least 2-D) in place from U(-b, b) with b = gain *
    sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio), and return it."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if fan_in + fan_out <= 0:
        raise ValueError(f"xavier_uniform_: a weight of shape {tensor.shape} has no fans")
    bound = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Fill ``tensor`` (at least 2-D) in place from N(0, std^2) with std =
    gain * sqrt(2 / (fan_in + fan_out)), and return it."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if fan_in + fan_out <= 0:
        raise ValueError(f"xavier_normal_: a weight of shape {tensor.shape} has no fans")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """Fill ``tensor`` in place from U(-b, b) with b = gain * sqrt(3 / fan)
    (He et al.), and return it.

    Args:
        tensor: the Tensor to fill (at least 2-D).
        a: the negative slope of the leaky_relu that follows. Default: 0.
        mode: 'fan_in' (keeps the forward variance) or 'fan_out' (the
            backward one): which fan. Default: 'fan_in'.
        nonlinearity: the gain is ``calculate_gain(nonlinearity, a)``.
            Default: 'leaky_relu'."""
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """Fill ``tensor`` in place from N(0, std^2) with std = gain / sqrt(fan)
    (He et al.), and return it. ``a``, ``mode`` and ``nonlinearity`` as
    ``kaiming_uniform_``: the gain is ``calculate_gain(nonlinearity, a)`` and
    ``mode`` 'fan_in' (default) or 'fan_out' picks the fan."""
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(_fan(tensor, mode)), generator)


def bias_uniform_(bias, weight, generator=None):
    """PyTorch's default bias of Linear and Conv: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    with the fan of ``weight``."""
    fan_in, _ = _calculate_fan_in_and_fan_out(weight)
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return uniform_(bias, -bound, bound, generator)

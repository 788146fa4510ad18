"""Parameter initialisers, in place, drawing from the global generator.

The defaults of Linear and Conv2d match PyTorch's: weights and biases uniform
in +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5) works out to that)."""

import math
import numbers

import numpy as np

from .. import functional as F
from .. import random as _random
from ..backend import get_backend


def _fill_(tensor, array):
    backend = get_backend(tensor.device)
    backend.copy_(tensor.data, array)
    return tensor


def fan_in(tensor):
    """Inputs feeding one output unit: in_features, or C * kh * kw."""
    F._require_tensor("fan_in", tensor, "tensor")
    if tensor.ndim < 2:
        raise ValueError(f"fan_in: needs a weight with at least 2 dimensions, got {tensor.shape}")
    receptive = 1
    for n in tensor.shape[2:]:
        receptive *= n
    return tensor.shape[1] * receptive


def _nonzero_fans(op, tensor, *fans):
    if min(fans) <= 0:
        raise ValueError(f"{op}: a weight of shape {tensor.shape} has no inputs or outputs "
                         "to scale by")


def uniform_(tensor, low=0.0, high=1.0, generator=None):
    F._require_float("uniform_", tensor, "tensor")
    low = F._real("uniform_", "low", low)
    high = F._real("uniform_", "high", high, low)
    backend = get_backend(tensor.device)
    rng = _random.resolve_generator("uniform_", generator)
    sample = backend.random_uniform(tensor.shape, tensor.dtype, rng)
    return _fill_(tensor, backend.add(backend.mul(sample, high - low), low))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    F._require_float("normal_", tensor, "tensor")
    mean = F._real("normal_", "mean", mean)
    std = F._real("normal_", "std", std, 0)
    backend = get_backend(tensor.device)
    rng = _random.resolve_generator("normal_", generator)
    sample = backend.random_normal(tensor.shape, tensor.dtype, rng)
    return _fill_(tensor, backend.add(backend.mul(sample, std), mean))


def constant_(tensor, value):
    F._require_tensor("constant_", tensor, "tensor")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"constant_: value must be a number, got {value!r}")
    if tensor.dtype.kind in "iu" and not (math.isfinite(value) and float(value).is_integer()):
        raise ValueError(f"constant_: value {value!r} cannot be stored exactly as "
                         f"{tensor.dtype}")
    backend = get_backend(tensor.device)
    return _fill_(tensor, backend.full(tensor.shape, value, tensor.dtype))


def zeros_(tensor):
    F._require_tensor("zeros_", tensor, "tensor")
    return constant_(tensor, 0.0)


def ones_(tensor):
    F._require_tensor("ones_", tensor, "tensor")
    return constant_(tensor, 1.0)


def default_uniform_(tensor, fan, generator=None):
    """Uniform in +-1/sqrt(fan): PyTorch's default for Linear and Conv2d."""
    fan = F._real("default_uniform_", "fan", fan, 0)
    bound = 1.0 / math.sqrt(fan) if fan > 0 else 0.0
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, nonlinearity="relu", generator=None):
    gain = math.sqrt(2.0) if nonlinearity == "relu" else 1.0
    fan = fan_in(tensor)
    _nonzero_fans("kaiming_normal_", tensor, fan)
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


def xavier_uniform_(tensor, generator=None):
    fan = fan_in(tensor)
    receptive = 1
    for n in tensor.shape[2:]:
        receptive *= n
    fan_out = tensor.shape[0] * receptive
    _nonzero_fans("xavier_uniform_", tensor, fan, fan_out)
    bound = math.sqrt(6.0 / (fan + fan_out))
    return uniform_(tensor, -bound, bound, generator)

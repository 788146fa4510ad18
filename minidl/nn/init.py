"""Parameter initialisers, in place, drawing from the global generator.

The defaults of Linear and Conv2d match PyTorch's: weights and biases uniform
in +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5) works out to that)."""

import math

from .. import random as _random
from ..backend import get_backend


def _fill_(tensor, array):
    backend = get_backend(tensor.device)
    backend.copy_(tensor.data, array)
    return tensor


def fan_in(tensor):
    """Inputs feeding one output unit: in_features, or C * kh * kw."""
    if tensor.ndim < 2:
        raise ValueError(f"fan_in: needs a weight with at least 2 dimensions, got {tensor.shape}")
    receptive = 1
    for n in tensor.shape[2:]:
        receptive *= n
    return tensor.shape[1] * receptive


def uniform_(tensor, low=0.0, high=1.0, generator=None):
    backend = get_backend(tensor.device)
    rng = generator or _random.default_generator()
    sample = backend.random_uniform(tensor.shape, tensor.dtype, rng)
    return _fill_(tensor, backend.add(backend.mul(sample, high - low), low))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    backend = get_backend(tensor.device)
    rng = generator or _random.default_generator()
    sample = backend.random_normal(tensor.shape, tensor.dtype, rng)
    return _fill_(tensor, backend.add(backend.mul(sample, std), mean))


def constant_(tensor, value):
    backend = get_backend(tensor.device)
    return _fill_(tensor, backend.full(tensor.shape, value, tensor.dtype))


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def default_uniform_(tensor, fan, generator=None):
    """Uniform in +-1/sqrt(fan): PyTorch's default for Linear and Conv2d."""
    bound = 1.0 / math.sqrt(fan) if fan > 0 else 0.0
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, nonlinearity="relu", generator=None):
    gain = math.sqrt(2.0) if nonlinearity == "relu" else 1.0
    return normal_(tensor, 0.0, gain / math.sqrt(fan_in(tensor)), generator)


def xavier_uniform_(tensor, generator=None):
    receptive = 1
    for n in tensor.shape[2:]:
        receptive *= n
    fan_out = tensor.shape[0] * receptive
    bound = math.sqrt(6.0 / (fan_in(tensor) + fan_out))
    return uniform_(tensor, -bound, bound, generator)

"""Linear: a fully connected layer y = x W^T + b."""

import numbers

import numpy as np

from .. import creation
from .. import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        in_features, out_features = _check_positive("Linear", in_features=in_features,
                                                     out_features=out_features)
        dtype = F._float_dtype("Linear", dtype)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(creation.zeros(out_features, in_features, device=device,
                                               dtype=dtype))
        if bias:
            self.bias = Parameter(creation.zeros(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_uniform_(self.weight, self.in_features)
        if self.bias is not None:
            init.default_uniform_(self.bias, self.in_features)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def _check_positive(layer, **sizes):
    """The sizes as ints, each a positive integer (TypeError / ValueError otherwise)."""
    checked = []
    for name, value in sizes.items():
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{layer}: {name} must be a positive int, got {value!r}")
        if value < 1:
            raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")
        checked.append(int(value))
    return checked

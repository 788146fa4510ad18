"""Activation layers: ReLU, Sigmoid, Tanh."""

from .. import _checks
from . import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0) elementwise.

    Args:
        inplace: overwrite the input. Default: False.
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = _checks.boolean("ReLU", "inplace", inplace)

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise.

    Shape: any; the output has the input's shape."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x) elementwise.

    Shape: any; the output has the input's shape."""

    def forward(self, input):
        return F.tanh(input)

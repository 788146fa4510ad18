"""Dropout: random zeroing in training mode, identity in eval mode."""

from .. import _checks
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` during training and scale the
    others by 1 / (1 - p) (inverted dropout); the identity in eval mode.

    Args:
        p: the probability of an element being zeroed. Default: 0.5.
        inplace: overwrite the input. Default: False.

    Shape: any; the output has the input's shape.
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = _checks.real("Dropout", "p", p, 0, 1)
        self.inplace = _checks.boolean("Dropout", "inplace", inplace)

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"

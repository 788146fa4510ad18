"""Dropout and Dropout2d: random zeroing in training mode, identity in eval
mode."""

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


class Dropout2d(Module):
    """Zero whole channels: in training each (N, C) plane of an (N, C, H, W)
    input is zeroed with probability ``p`` and the others scaled by
    1 / (1 - p); the identity in eval mode.

    Args:
        p: the probability of a channel being zeroed. Default: 0.5.
        inplace: overwrite the input. Default: False.

    Shape: (N, C, H, W) (or (N, C, L), see ``F.dropout2d``); the output has
    the input's shape.
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = _checks.real("Dropout2d", "p", p, 0, 1)
        self.inplace = _checks.boolean("Dropout2d", "inplace", inplace)

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"

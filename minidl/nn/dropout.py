"""Dropout: random zeroing in training mode, identity in eval mode."""

from .. import functional as F
from .module import Module


class Dropout(Module):
    def __init__(self, p=0.5):
        super().__init__()
        F._real("Dropout", "p", p, 0, 1, high_open=True)
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"

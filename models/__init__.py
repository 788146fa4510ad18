"""Ready-made networks (installed as ``minidl.models``)."""

from .mlp import PaperMLP

__all__ = ["PaperMLP"]

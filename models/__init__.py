"""Ready-made networks (installed as ``minidl.models``)."""

from .inception import InceptionModule, SmallInception, count_parameters
from .mlp import PaperMLP

__all__ = ["PaperMLP", "InceptionModule", "SmallInception", "count_parameters"]

"""``minidl.utils``: PyTorch's ``torch.utils`` path for minidl (``minidl.utils.data``)."""

from . import data

__all__ = ["data"]

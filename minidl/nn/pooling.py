"""Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d and
GlobalAvgPool2d."""

from .. import _checks
from ..api import reduction
from . import functional as F
from .module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        # checked now, so a bad layer fails where it is built
        self.kernel_size, self.stride, self.padding = F.pool_geometry(
            type(self).__name__, kernel_size, stride, padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


_ARGS = """
    Args:
        kernel_size: the window, an int or a pair (kh, kw).
        stride: the step between windows, an int or a pair. Default: kernel_size.
        padding: implicit padding on both sides (at most half the kernel).
            Default: 0.

    Shape: input (N, C, H, W), output (N, C, OH, OW) with
    ``OH = (H + 2 * padding - kh) // stride + 1`` (likewise OW).
"""


class MaxPool2d(_Pool2d):
    __doc__ = "The maximum of each window (padding never wins)." + _ARGS

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    __doc__ = "The mean of each window, zero padding counted in the divisor." + _ARGS

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding)


class GlobalAvgPool2d(Module):
    """The mean over all spatial positions: (N, C, H, W) -> (N, C).

    minidl's own layer (PyTorch writes ``AdaptiveAvgPool2d(1)`` then ``Flatten``)."""

    def forward(self, input):
        _checks.tensor("GlobalAvgPool2d", input)
        if input.ndim != 4:
            raise RuntimeError(f"GlobalAvgPool2d (adaptive_avg_pool2d): expected input of "
                               f"shape (N, C, H, W), got {input.shape}")
        return reduction.mean(F.adaptive_avg_pool2d(input, 1), (2, 3))


class _AdaptivePool2d(Module):
    def __init__(self, output_size):
        super().__init__()
        # checked now (values >= 0, None allowed), so a bad layer fails where it is built
        sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
        if len(sizes) != 2 or not all(s is None or (_checks.is_integer(s) and s >= 0)
                                      for s in sizes):
            raise ValueError(f"{type(self).__name__}: output_size must be a non-negative int "
                             f"or a pair of them (None keeps the input size), got "
                             f"{output_size!r}")
        self.output_size = tuple(output_size) if isinstance(output_size, list) else output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool2d):
    """Average pooling to a fixed output size: output cell (i, j) averages input
    rows floor(i*H/oh) .. ceil((i+1)*H/oh) - 1 and the matching columns, as
    PyTorch's.

    Args:
        output_size: (oh, ow) or an int for both; None in the pair keeps that
            input size.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, oh, ow) or (C, oh, ow).
    """

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool2d):
    """Max pooling to a fixed output size (windows as ``AdaptiveAvgPool2d``);
    the gradient goes to each window's first maximum in row-major order.

    Args:
        output_size: (oh, ow) or an int for both; None keeps that input size.
        return_indices: also return the flat index h * W + w of each maximum.
            Default: False.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, oh, ow) or (C, oh, ow).
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = _checks.boolean("AdaptiveMaxPool2d", "return_indices",
                                              return_indices)

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

"""Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and GlobalAvgPool2d."""

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
        return reduction.mean(F.adaptive_avg_pool2d(input, 1), (2, 3))


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size; only 1 (global average) is
    supported so far: (N, C, H, W) -> (N, C, 1, 1).

    Args:
        output_size: 1 or (1, 1).
    """

    def __init__(self, output_size):
        super().__init__()
        size = _checks.pair("AdaptiveAvgPool2d", "output_size", output_size, 1)
        if size != (1, 1):
            raise NotImplementedError(f"AdaptiveAvgPool2d: only output_size=1 is supported "
                                      f"yet, got {output_size!r}")
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"

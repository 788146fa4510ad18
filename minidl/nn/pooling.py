"""Pooling layers: MaxPool2d, AvgPool2d, GlobalAvgPool2d (= AdaptiveAvgPool2d(1))."""

from .. import functional as F
from .module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        # validated now so a bad layer fails where it is built
        self.kernel_size = F._pair(type(self).__name__, "kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else F._pair(
            type(self).__name__, "stride", stride, 1)
        self.padding = F._pair(type(self).__name__, "padding", padding, 0)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class GlobalAvgPool2d(Module):
    """Average over all spatial positions: (N, C, H, W) -> (N, C)."""

    def forward(self, x):
        return F.global_avg_pool2d(x)


class AdaptiveAvgPool2d(Module):
    """Only output size 1 is supported: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, output_size):
        super().__init__()
        if output_size not in (1, (1, 1)):
            raise ValueError(f"AdaptiveAvgPool2d: only output_size=1 is supported, got "
                             f"{output_size!r}")
        self.output_size = output_size

    def forward(self, x):
        return F.global_avg_pool2d(x).reshape(x.shape[0], x.shape[1], 1, 1)

"""Pooling layers: MaxPool2d, AvgPool2d, GlobalAvgPool2d (= AdaptiveAvgPool2d(1))."""

import numpy as np

from .. import functional as F
from .module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        # validated now so a bad layer fails where it is built
        self.kernel_size, self.stride, self.padding = F._pool_geometry(
            type(self).__name__, kernel_size, stride, padding)

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
        if (isinstance(output_size, (bool, np.bool_))
                or not isinstance(output_size, (int, np.integer, tuple, list))
                or tuple(output_size if isinstance(output_size, (tuple, list))
                         else (output_size,)) not in ((1,), (1, 1))):
            raise ValueError(f"AdaptiveAvgPool2d: only output_size=1 is supported, got "
                             f"{output_size!r}")
        self.output_size = output_size

    def forward(self, x):
        return F.global_avg_pool2d(x).reshape(x.shape[0], x.shape[1], 1, 1)

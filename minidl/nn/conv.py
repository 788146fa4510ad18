"""Conv2d: 2-d convolution over (N, C, H, W) with stride and zero padding."""

import math

from .. import _checks
from ..api import creation
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Conv2d(Module):
    """2-d convolution (cross-correlation, as PyTorch) over (N, C, H, W).

    Args:
        in_channels: C, the channels of the input.
        out_channels: the channels the layer produces.
        kernel_size: an int or a pair (kh, kw).
        stride: an int or a pair. Default: 1.
        padding: zeros added on both sides, an int or a pair. Default: 0.
        bias: learn a per-channel bias. Default: True.
        device, dtype: where and in which float dtype to create the parameters.

    Shape: input (N, C, H, W), output (N, out_channels, OH, OW) with
    ``OH = (H + 2 * padding - kh) // stride + 1`` (likewise OW).

    Attributes:
        weight: (out_channels, in_channels, kh, kw), U(-k, k) with
            k = 1 / sqrt(in_channels * kh * kw), as PyTorch.
        bias: (out_channels,), U(-k, k).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 bias=True, device=None, dtype=None):
        super().__init__()
        self.in_channels = _checks.positive_int("Conv2d", "in_channels", in_channels)
        self.out_channels = _checks.positive_int("Conv2d", "out_channels", out_channels)
        dtype = _checks.float_dtype("Conv2d", dtype)
        self.kernel_size = _checks.pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = _checks.pair("Conv2d", "stride", stride, 1)
        self.padding = _checks.pair("Conv2d", "padding", padding, 0)
        self.weight = Parameter(creation.empty(out_channels, in_channels, *self.kernel_size,
                                               device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw the weight and bias again (PyTorch's default initialisation)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            init.bias_uniform_(self.bias, self.weight)

    def forward(self, input):
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")

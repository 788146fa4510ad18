"""Conv2d: 2-d convolution over (N, C, H, W) with stride and zero padding."""

from .. import creation
from .. import functional as F
from . import init
from .linear import _check_positive
from .module import Module
from .parameter import Parameter


class Conv2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 bias=True, device=None, dtype=None):
        super().__init__()
        in_channels, out_channels = _check_positive("Conv2d", in_channels=in_channels,
                                                    out_channels=out_channels)
        dtype = F._float_dtype("Conv2d", dtype)
        kernel = F._pair("Conv2d", "kernel_size", kernel_size, 1)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel
        self.stride = F._pair("Conv2d", "stride", stride, 1)
        self.padding = F._pair("Conv2d", "padding", padding, 0)
        self.weight = Parameter(creation.zeros(out_channels, in_channels, *kernel,
                                               device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.zeros(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        fan = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        init.default_uniform_(self.weight, fan)
        if self.bias is not None:
            init.default_uniform_(self.bias, fan)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")

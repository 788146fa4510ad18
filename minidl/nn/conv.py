"""Convolution layers: Conv1d, Conv2d and ConvTranspose2d, with PyTorch's
arguments (stride, padding including 'same' / 'valid', dilation, groups,
padding_mode, output_padding), attributes, state keys and initialisation."""

import math

from .. import _checks
from ..api import creation
from . import functional as F
from . import init
from .functional_conv import conv_padding, same_padding, transpose_output_padding
from .module import Module
from .parameter import Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolutions share: argument checks, parameters and their
    initialisation, PyTorch's repr."""

    _n = 2  # spatial dimensions

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device, dtype):
        super().__init__()
        op = type(self).__name__
        n = self._n
        self.in_channels = _checks.positive_int(op, "in_channels", in_channels)
        self.out_channels = _checks.positive_int(op, "out_channels", out_channels)
        if not _checks.is_integer(groups) or groups <= 0:
            raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{op}: in_channels must be divisible by groups, got "
                             f"in_channels={in_channels}, groups={groups}")
        if out_channels % groups:
            raise ValueError(f"{op}: out_channels must be divisible by groups, got "
                             f"out_channels={out_channels}, groups={groups}")
        _checks.one_of(op, "padding_mode", padding_mode, PADDING_MODES)
        dtype = _checks.float_dtype(op, dtype)
        self.kernel_size = _checks.ntuple(op, "kernel_size", kernel_size, n, 1)
        self.stride = _checks.ntuple(op, "stride", stride, n, 1)
        self.padding = conv_padding(op, padding, n, self.stride, ValueError)
        self.dilation = _checks.ntuple(op, "dilation", dilation, n, 1)
        self.transposed = transposed
        self.output_padding = _checks.ntuple(op, "output_padding", output_padding, n, 0)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        # F.pad's (left, right, top, bottom) for the non-zero padding modes
        if self.padding == "valid":
            sides = [(0, 0)] * n
        elif self.padding == "same":
            sides = same_padding(self.kernel_size, self.dilation)
        else:
            sides = [(p, p) for p in self.padding]
        reversed_sides = [p for side in reversed(sides) for p in side]
        # a list for the padding strings, a tuple for numbers, as PyTorch keeps them
        self._reversed_padding_repeated_twice = (reversed_sides if isinstance(self.padding, str)
                                                 else tuple(reversed_sides))
        if transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(creation.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw the weight and bias again (PyTorch's default initialisation:
        U(-k, k) with k = 1 / sqrt(fan_in), fan_in = weight.shape[1] * kernel area)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            init.bias_uniform_(self.bias, self.weight)

    def _padded_input(self, input):
        """input padded by padding_mode (not 'zeros'), to convolve with no padding."""
        return F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


_CONV_ARGS = """
    Args:
        in_channels: C, the channels of the input.
        out_channels: the channels the layer produces.
        kernel_size: an int or a {tuple}.
        stride: an int or a {tuple}. Default: 1.
        padding: added on both sides, an int or a {tuple}, or 'valid' (none) or
            'same' (the output keeps the input's size; stride 1 only; an odd total
            padding puts the extra one after). Default: 0.
        dilation: spacing between kernel elements. Default: 1.
        groups: channels split into this many groups, convolved separately (both
            channel counts divisible by it). Default: 1.
        bias: learn a per-channel bias. Default: True.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular' (the input is
            padded with F.pad first). Default: 'zeros'.
        device, dtype: where and in which float dtype to create the parameters.

    Attributes:
        weight: (out_channels, in_channels / groups, *kernel_size), U(-k, k) with
            k = 1 / sqrt(in_channels / groups * kernel area), as PyTorch.
        bias: (out_channels,), U(-k, k).
"""


class Conv2d(_ConvNd):
    __doc__ = ("""2-d convolution (cross-correlation, as PyTorch) over (N, C, H, W) or
    unbatched (C, H, W).

    Shape: output (N, out_channels, OH, OW) with
    ``OH = (H + 2 * padding - dilation * (kh - 1) - 1) // stride + 1`` (likewise OW).
""" + _CONV_ARGS.format(tuple="pair"))

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        if self.padding_mode != "zeros":
            return F.conv2d(self._padded_input(input), self.weight, self.bias, self.stride, 0,
                            self.dilation, self.groups)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)


class Conv1d(_ConvNd):
    __doc__ = ("""1-d convolution (cross-correlation, as PyTorch) over (N, C, L) or
    unbatched (C, L).

    Shape: output (N, out_channels, OL) with
    ``OL = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1``.
""" + _CONV_ARGS.format(tuple="1-tuple"))

    _n = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        if self.padding_mode != "zeros":
            return F.conv1d(self._padded_input(input), self.weight, self.bias, self.stride, 0,
                            self.dilation, self.groups)
        return F.conv1d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """2-d transposed convolution (the gradient of Conv2d in its input) over
    (N, C, H, W) or unbatched (C, H, W).

    Args:
        in_channels, out_channels, kernel_size, stride, dilation, groups, bias,
            device, dtype: as Conv2d.
        padding: rows and columns cropped from each side of the full output, an
            int or a pair. Default: 0.
        output_padding: added to one side of the output, an int or a pair,
            smaller than stride or dilation. Default: 0.
        padding_mode: only 'zeros' (PyTorch's rule).

    Shape: output (N, out_channels, OH, OW) with
    ``OH = (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1``;
    ``forward(input, output_size)`` picks the output_padding that gives
    output_size instead.

    Attributes:
        weight: (in_channels, out_channels / groups, kh, kw), U(-k, k) with
            k = 1 / sqrt(out_channels / groups * kh * kw), as PyTorch.
        bias: (out_channels,), U(-k, k).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'ConvTranspose2d: Only "zeros" padding mode is supported for '
                             f"ConvTranspose2d, got padding_mode={padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair of ints, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)

    def forward(self, input, output_size=None):
        """The transposed convolution of ``input``; ``output_size`` (the wanted
        (H, W), or a shape ending in it) picks the output padding that gives
        it, as PyTorch (default: the layer's ``output_padding``)."""
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = transpose_output_padding(
                "ConvTranspose2d", input, output_size, self.kernel_size, self.stride,
                self.padding, self.dilation)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)

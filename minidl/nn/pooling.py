"""Pooling layers: MaxPool2d, AvgPool2d, MaxUnpool2d, AdaptiveAvgPool2d,
AdaptiveMaxPool2d and GlobalAvgPool2d."""

from .. import _checks
from ..api import reduction
from . import functional as F
from .module import Module


class MaxPool2d(Module):
    """The maximum of each window of (N, C, H, W) or (C, H, W); padding never wins.

    Args:
        kernel_size: the window, an int or a pair (kh, kw).
        stride: the step between windows, an int or a pair. Default: kernel_size.
        padding: implicit -inf padding on both sides, at most half the effective
            kernel. Default: 0.
        dilation: spacing between window elements. Default: 1.
        return_indices: also return the int64 flat index ``h * W + w`` of each
            maximum in its plane (for MaxUnpool2d). Default: False.
        ceil_mode: round the output size up. Default: False.

    Shape: output (N, C, OH, OW) with
    ``OH = floor_or_ceil((H + 2 * padding - dilation * (kh - 1) - 1) / stride) + 1``.
    The arguments are kept as given (stride None becomes kernel_size), as PyTorch."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        # checked now, so a bad layer fails where it is built
        F.pool_geometry("MaxPool2d", kernel_size, stride, padding, dilation)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = _checks.boolean("MaxPool2d", "return_indices", return_indices)
        self.ceil_mode = _checks.boolean("MaxPool2d", "ceil_mode", ceil_mode)

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """The mean of each window of (N, C, H, W) or (C, H, W).

    Args:
        kernel_size, stride, padding, ceil_mode: as MaxPool2d (no dilation).
        count_include_pad: count the zero padding in the divisor. Default: True.
        divisor_override: divide every window sum by this nonzero int instead.
            Default: None.

    Shape: as MaxPool2d's. The arguments are kept as given, as PyTorch."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        op = "AvgPool2d"
        F.pool_geometry(op, kernel_size, stride, padding)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = _checks.boolean(op, "ceil_mode", ceil_mode)
        self.count_include_pad = _checks.boolean(op, "count_include_pad", count_include_pad)
        if divisor_override is not None and not _checks.is_integer(divisor_override):
            raise TypeError(f"{op}: divisor_override must be an int, got {divisor_override!r}")
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be not zero")
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(Module):
    """The inverse of MaxPool2d(return_indices=True): each value goes to its
    index in an output plane, zeros elsewhere.

    Args:
        kernel_size: the pooling window, an int or a pair.
        stride: the pooling stride. Default: kernel_size.
        padding: the pooling padding. Default: 0.

    ``forward(input, indices, output_size=None)``; output (N, C, OH, OW) with
    ``OH = (H - 1) * stride - 2 * padding + kh`` unless output_size says."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        op = "MaxUnpool2d"
        self.kernel_size = _checks.pair(op, "kernel_size", kernel_size, 1)
        self.stride = (self.kernel_size if stride is None
                       else _checks.pair(op, "stride", stride, 1))
        self.padding = _checks.pair(op, "padding", padding, 0)

    def forward(self, input, indices, output_size=None):
        """Scatter ``input`` to the positions ``indices`` (from MaxPool2d with
        return_indices=True) of a zero output of the default size, or of
        ``output_size`` when given."""
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


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

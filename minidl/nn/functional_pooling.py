"""Fixed-window pooling of ``minidl.nn.functional``: max_pool2d (dilation,
ceil_mode, return_indices), avg_pool2d (ceil_mode, count_include_pad,
divisor_override) and max_unpool2d, with PyTorch's signatures, output sizes,
divisors and errors. Arguments are checked here, before any kernel runs; the
compiled work is in ``minidl.ops.nn``."""

import numpy as np

from .. import _checks
from ..api import creation, shape
from ..api import indexing as index_api
from ..kernels.checks import pool_output_size
from ..ops import nn as nn_ops
from ..tensor import Tensor
from ._validation import float_input


def pool_geometry(op, kernel_size, stride, padding, dilation=1):
    """(kernel, stride, padding, dilation) pairs of a pooling window; stride None
    (or an empty tuple) means the kernel size, and padding may be at most half
    the effective kernel ``dilation * (kernel - 1) + 1`` (PyTorch's rule). Layers
    check their arguments with this when they are built."""
    kernel = _checks.pair(op, "kernel_size", kernel_size, 1)
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        stride = kernel
    else:
        stride = _checks.pair(op, "stride", stride, 1)
    padding = _checks.pair(op, "padding", padding, 0)
    dilation = _checks.pair(op, "dilation", dilation, 1)
    span = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation))
    if padding[0] * 2 > span[0] or padding[1] * 2 > span[1]:
        raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, "
                           f"but got padding {padding} and kernel_size {kernel} and "
                           f"dilation {dilation}")
    return kernel, stride, padding, dilation


def _pool_input(op, x, kernel_size, stride, padding, dilation, ceil_mode):
    """The checked window, and x as a batch (an unbatched (C, H, W) gets N = 1)."""
    float_input(op, x)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{op}: Expected 3D or 4D (batch mode) tensor for input, got "
                           f"input of shape {x.shape}")
    kernel, stride, padding, dilation = pool_geometry(op, kernel_size, stride, padding,
                                                      dilation)
    _checks.boolean(op, "ceil_mode", ceil_mode)
    if x.numel() == 0:
        raise RuntimeError(f"{op}: empty input of shape {x.shape} (planes {x.shape[-2:]})")
    for size, k, s, p, d in zip(x.shape[-2:], kernel, stride, padding, dilation):
        if pool_output_size(size, k, s, p, d, ceil_mode) <= 0:
            raise RuntimeError(f"{op}: kernel {kernel} (dilation {dilation}) is larger than "
                               f"the padded input {x.shape[-2:]} (padding {padding}): "
                               "output size is too small")
    batch = x if x.ndim == 4 else shape.unsqueeze(x, 0)
    return batch, (kernel, stride, padding, dilation)


def _unbatch(out, input):
    return out if input.ndim == 4 else shape.squeeze(out, 0)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each window of (N, C, H, W) or unbatched (C, H, W); padding
    (implicit -inf) never wins, the first maximum in row-major window order does,
    and NaN propagates.

    Args:
        kernel_size: the window, an int or a pair.
        stride: the step between windows, an int or a pair. Default: kernel_size.
        padding: implicit padding on both sides, at most half the effective
            kernel. Default: 0.
        dilation: spacing between window elements. Default: 1.
        ceil_mode: round the output size up (the last window must still start
            inside the input or its left padding). Default: False.
        return_indices: also return the int64 flat index ``h * W + w`` of each
            maximum in its input plane (what max_unpool2d takes). Default: False.

    Returns: (N, C, OH, OW) with
    ``OH = floor_or_ceil((H + 2 * padding - dilation * (kh - 1) - 1) / stride) + 1``,
    and with ``return_indices`` a tuple (output, indices)."""
    op = "max_pool2d"
    _checks.boolean(op, "return_indices", return_indices)
    x, (kernel, stride, padding, dilation) = _pool_input(op, input, kernel_size, stride,
                                                         padding, dilation, ceil_mode)
    indices = [] if return_indices else None
    out = nn_ops.MaxPool2d.apply(x, kernel, stride, padding, dilation, bool(ceil_mode),
                                 indices)
    if not return_indices:
        return _unbatch(out, input)
    found = Tensor._wrap(indices[0], x.device)
    return _unbatch(out, input), _unbatch(found, input)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each window of (N, C, H, W) or unbatched (C, H, W).

    Args:
        kernel_size, stride, padding, ceil_mode: as max_pool2d (no dilation).
        count_include_pad: divide by the window clipped to the padded input
            (True), or to the input alone (False); windows reaching past the
            padding in ceil mode are clipped either way. Default: True.
        divisor_override: divide every window sum by this nonzero int instead.
            Default: None.

    Returns: (N, C, OH, OW) (or unbatched), the size as max_pool2d's."""
    op = "avg_pool2d"
    _checks.boolean(op, "count_include_pad", count_include_pad)
    if divisor_override is not None:
        if not _checks.is_integer(divisor_override):
            raise TypeError(f"{op}: divisor_override must be an int, got "
                            f"{divisor_override!r}")
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor must be not zero")
        divisor_override = int(divisor_override)
    x, (kernel, stride, padding, _) = _pool_input(op, input, kernel_size, stride, padding, 1,
                                                  ceil_mode)
    out = nn_ops.AvgPool2d.apply(x, kernel, stride, padding, bool(ceil_mode),
                                 bool(count_include_pad), divisor_override)
    return _unbatch(out, input)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d with return_indices: every value of input
    (N, C, H, W) or (C, H, W) goes to its index ``h * W + w`` of an output plane,
    zeros elsewhere.

    Args:
        indices: int64, the shape of input, from max_pool2d(return_indices=True).
        kernel_size, stride, padding: the pooling's (stride defaults to kernel).
        output_size: the output's (H, W) (its last two entries are taken);
            default ``(H - 1) * stride - 2 * padding + kernel``.

    Returns: (N, C, OH, OW) (or unbatched) in input's dtype."""
    op = "max_unpool2d"
    float_input(op, input)
    _checks.tensor(op, indices, "indices")
    if indices.dtype != np.int64:
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got: "
                           f"{indices.dtype}")
    if input.ndim not in (3, 4) or indices.shape != input.shape:
        raise RuntimeError(f"{op}: expected input (N, C, H, W) or (C, H, W) and indices of "
                           f"the same shape, got input {input.shape} and indices "
                           f"{indices.shape}")
    _checks.same_device(op, input, indices, "indices")
    kernel = _checks.pair(op, "kernel_size", kernel_size, 1)
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        stride = kernel
    else:
        stride = _checks.pair(op, "stride", stride, 1)
    padding = _checks.pair(op, "padding", padding, 0)
    default = tuple((s - 1) * st - 2 * p + k for s, k, st, p in
                    zip(input.shape[-2:], kernel, stride, padding))
    if output_size is None:
        out_hw = default
    else:
        if not isinstance(output_size, (tuple, list)) or not all(
                _checks.is_integer(s) for s in output_size):
            raise TypeError(f"{op}: output_size must be a tuple of ints, got "
                            f"{output_size!r}")
        if len(output_size) == input.ndim:
            output_size = output_size[-2:]
        if len(output_size) != 2:
            raise ValueError(f"{op}: output_size should be a sequence containing 2 or "
                             f"{input.ndim} elements, but it has a length of "
                             f"'{len(output_size)}'")
        out_hw = tuple(int(s) for s in output_size)
        for want, d, st in zip(out_hw, default, stride):
            if not d - st < want < d + st:
                raise ValueError(f"{op}: invalid output_size {tuple(output_size)} (dim must "
                                 f"be between {tuple(x - s for x, s in zip(default, stride))}"
                                 f" and {tuple(x + s for x, s in zip(default, stride))})")
    if min(out_hw) <= 0:
        raise RuntimeError(f"{op}: output size {out_hw} is empty for input {input.shape}")
    plane = out_hw[0] * out_hw[1]
    index_api.check_values_in_range(
        indices, 0, plane - 1,
        lambda bad: RuntimeError(f"{op}: Found an invalid max index: {bad} (output volumes are "
                                 f"of size {out_hw[0]}x{out_hw[1]})"))
    lead = input.shape[:-2]
    flat_values = shape.reshape(input, *lead, -1)
    flat_indices = shape.reshape(indices, *lead, -1)
    out = creation.zeros(*lead, plane, dtype=input.dtype, device=input.device)
    out = index_api.scatter(out, -1, flat_indices, flat_values)
    return shape.reshape(out, *lead, *out_hw)

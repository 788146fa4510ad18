"""The convolutions of ``minidl.nn.functional``: conv1d, conv2d and
conv_transpose2d, with PyTorch's signatures, defaults, output sizes and
errors. Every argument is checked here, before any kernel runs; the
compiled work is in ``minidl.ops.nn`` (im2col or col2im and a product).

conv1d is conv2d over a height of 1; padding='same' with an even effective
kernel pads one more on the right (and bottom), as PyTorch does.
"""

from .. import _checks
from ..api import creation, joining, shape
from ..ops import nn as nn_ops
from ._validation import float_input, parameter

PADDING_STRINGS = ("same", "valid")


def conv_padding(op, padding, n, stride, error=RuntimeError):
    """``padding`` as a tuple of ``n`` ints >= 0, or 'same' / 'valid' (PyTorch's
    rules: 'same' refuses a stride other than 1). A bad string raises ``error``:
    RuntimeError in the functions, ValueError in the layers, as PyTorch."""
    if isinstance(padding, str):
        if padding not in PADDING_STRINGS:
            raise error(f"{op}: Invalid padding string {padding!r}, should be one of "
                        f"{set(PADDING_STRINGS)}")
        if padding == "same" and any(s != 1 for s in stride):
            raise error(f"{op}: padding='same' is not supported for strided convolutions")
        return padding
    return _checks.ntuple(op, "padding", padding, n, 0)


def same_padding(kernel, dilation):
    """(before, after) zero padding per spatial axis that keeps the size for
    padding='same': dilation * (kernel - 1) split, the odd one after."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return [(t // 2, t - t // 2) for t in totals]


def _groups(op, groups):
    if not _checks.is_integer(groups):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups}")
    return int(groups)


def _check_tensors(op, input, weight, n_spatial):
    float_input(op, input)
    float_input(op, weight, "weight")
    _checks.same_dtype(op, input, weight, "weight")
    _checks.same_device(op, input, weight, "weight")
    if input.ndim not in (n_spatial + 1, n_spatial + 2):
        raise RuntimeError(f"{op}: Expected {n_spatial + 1}D (unbatched) or {n_spatial + 2}D "
                           f"(batched) input to {op}, but got input of size: {input.shape}")
    if weight.ndim != n_spatial + 2:
        raise RuntimeError(f"{op}: weight must have {n_spatial + 2} dimensions, got weight "
                           f"of shape {weight.shape}")
    if input.ndim == n_spatial + 2 and input.shape[0] == 0:
        raise RuntimeError(f"{op}: empty batch, input shape {input.shape}")


def _check_fits(op, input, kernel, padding, dilation, extra=(0, 0)):
    """The dilated kernel fits the padded input (``extra``: the one-sided 'same' pad)."""
    for size, k, p, d, e, axis in zip(input.shape[-2:], kernel, padding, dilation, extra,
                                      ("height", "width")):
        if (k - 1) * d + 1 > size + 2 * p + e:
            raise RuntimeError(f"{op}: kernel {tuple(kernel)} (dilation {tuple(dilation)}) "
                               f"is larger than the padded input {input.shape[-2:]} (padding "
                               f"{tuple(padding)}) in {axis}")


def _check_groups(op, input, weight, groups, n_spatial):
    """``groups`` as an int that divides the output channels and matches the input's."""
    groups = _groups(op, groups)
    channels = input.shape[1] if input.ndim == n_spatial + 2 else input.shape[0]
    if weight.shape[0] % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size {weight.shape} "
                           "instead")
    if weight.shape[1] * groups != channels:
        raise RuntimeError(f"{op}: Given groups={groups}, weight of size {weight.shape}, "
                           f"expected input{input.shape} to have {weight.shape[1] * groups} "
                           f"channels, but got {channels} channels instead")
    return groups


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation, as PyTorch).

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), floating point.
        weight: (out_channels, C / groups, kh, kw).
        bias: (out_channels,) or None. Default: None.
        stride: an int or a pair. Default: 1.
        padding: zeros on both sides, an int or a pair, or 'valid' (none) or
            'same' (the output keeps the input's size; stride 1 only; an odd
            total padding puts the extra one after). Default: 0.
        dilation: spacing between kernel elements, an int or a pair. Default: 1.
        groups: split input and output channels into this many groups, each
            convolved on its own. Default: 1.

    Returns: (N, out_channels, OH, OW) (or unbatched) with
    ``OH = (H + 2 * padding - dilation * (kh - 1) - 1) // stride + 1``."""
    return _conv2d("conv2d", input, weight, bias, stride, padding, dilation, groups)


def _conv2d(op, input, weight, bias, stride, padding, dilation, groups):
    _check_tensors(op, input, weight, 2)
    stride = _checks.pair(op, "stride", stride, 1)
    padding = conv_padding(op, padding, 2, stride)
    dilation = _checks.pair(op, "dilation", dilation, 1)
    groups = _check_groups(op, input, weight, groups, 2)
    batched = input.ndim == 4
    kernel = weight.shape[2:]
    extra = (0, 0)
    if padding == "valid":
        padding = (0, 0)
    elif padding == "same":
        sides = same_padding(kernel, dilation)
        padding = tuple(before for before, _ in sides)
        extra = tuple(after - before for before, after in sides)
    _check_fits(op, input, kernel, padding, dilation, extra)
    bias = parameter(op, input, bias, "bias", (weight.shape[0],))
    x = input if batched else shape.unsqueeze(input, 0)
    x = _zeros_after(x, extra)
    out = nn_ops.Conv2d.apply(x, weight, bias, stride, padding, dilation, groups)
    return out if batched else shape.squeeze(out, 0)


def _zeros_after(x, extra):
    """x (N, C, H, W) with extra[0] rows of zeros below and extra[1] columns on the
    right ('same' padding of an even effective kernel)."""
    for dim, count in ((2, extra[0]), (3, extra[1])):
        if count:
            fill_shape = x.shape[:dim] + (count,) + x.shape[dim + 1:]
            x = joining.cat([x, creation.zeros(fill_shape, dtype=x.dtype, device=x.device)],
                            dim)
    return x


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution (cross-correlation, as PyTorch) of ``input`` (N, C, L)
    or unbatched (C, L) by weight (out_channels, C / groups, k), plus ``bias``
    (out_channels,) when given; the other arguments as ``conv2d``'s, with ints
    (or 1-tuples) for stride, padding and dilation.

    Returns: (N, out_channels, OL) with
    ``OL = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1``."""
    op = "conv1d"
    _check_tensors(op, input, weight, 1)
    stride = _checks.ntuple(op, "stride", stride, 1, 1)
    padding = conv_padding(op, padding, 1, stride)
    dilation = _checks.ntuple(op, "dilation", dilation, 1, 1)
    _check_groups(op, input, weight, groups, 1)  # messages with the 1-d shapes
    padding = padding if isinstance(padding, str) else (0,) + padding
    out = _conv2d(op, shape.unsqueeze(input, -2), shape.unsqueeze(weight, 2), bias,
                  (1,) + stride, padding, (1,) + dilation, groups)
    return shape.squeeze(out, -2)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-d transposed convolution (the gradient of conv2d in its input).

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), floating point.
        weight: (C, out_channels / groups, kh, kw).
        bias: (out_channels,) or None. Default: None.
        stride, padding, dilation: ints or pairs, as the conv2d this transposes
            (padding crops that many rows and columns from each side of the
            full output). Defaults: 1, 0, 1.
        output_padding: added to one side of the output, an int or a pair;
            smaller than stride or dilation. Default: 0.
        groups: as conv2d. Default: 1.

    Returns: (N, out_channels, OH, OW) with
    ``OH = (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1``."""
    op = "conv_transpose2d"
    _check_tensors(op, input, weight, 2)
    stride = _checks.pair(op, "stride", stride, 1)
    if isinstance(padding, str):
        raise TypeError(f"{op}: padding must be an int or a pair of ints, got {padding!r}")
    padding = _checks.pair(op, "padding", padding, 0)
    output_padding = _checks.pair(op, "output_padding", output_padding, 0)
    dilation = _checks.pair(op, "dilation", dilation, 1)
    groups = _groups(op, groups)
    batched = input.ndim == 4
    channels = input.shape[1] if batched else input.shape[0]
    if weight.shape[0] != channels or channels % groups:
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {weight.shape}, "
                           f"expected input{input.shape} to have {weight.shape[0]} channels "
                           f"divisible by groups={groups}, but got {channels} channels "
                           "instead")
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= s and op_ >= d:
            raise RuntimeError(
                f"{op}: output padding must be smaller than either stride or dilation, but "
                f"got output_padding {output_padding}, stride {stride}, dilation {dilation}")
    size = input.shape[-2:]
    out_size = nn_ops.conv_transpose_size(size, weight.shape[2:], stride, padding,
                                          output_padding, dilation)
    fold = nn_ops.conv_transpose_size(size, weight.shape[2:], stride, padding, (0, 0),
                                      dilation)
    if min(out_size) <= 0:
        raise RuntimeError(f"{op}: Given input size per channel: {size}. Calculated output "
                           f"size per channel: {out_size}. Output size is too small")
    if min(fold) <= 0:
        # the windows would all start in the padding: no im2col geometry folds onto it
        raise NotImplementedError(f"{op}: output_padding {output_padding} makes an output of "
                                  f"{out_size} that the padding {padding} alone would leave "
                                  "empty; this is not supported")
    bias = parameter(op, input, bias, "bias", (weight.shape[1] * groups,))
    x = input if batched else shape.unsqueeze(input, 0)
    out = nn_ops.ConvTranspose2d.apply(x, weight, bias, stride, padding, output_padding,
                                       dilation, groups)
    return out if batched else shape.squeeze(out, 0)


def transpose_output_padding(op, input, output_size, kernel, stride, padding, dilation):
    """The output_padding that makes a transposed convolution of ``input`` produce
    ``output_size`` (its last two entries; PyTorch's ``_output_padding``), or
    ValueError when no output_padding below the stride can."""
    if not isinstance(output_size, (tuple, list)) or not all(
            _checks.is_integer(s) for s in output_size):
        raise TypeError(f"{op}: output_size must be a tuple of ints, got {output_size!r}")
    spatial = input.shape[-2:]
    if len(output_size) == input.ndim:
        output_size = output_size[-2:]
    if len(output_size) != 2:
        raise ValueError(f"{op}: ConvTranspose2D: for {input.ndim}D input, output_size must "
                         f"have 2 or {input.ndim} elements (got {len(output_size)})")
    low = nn_ops.conv_transpose_size(spatial, kernel, stride, padding, (0, 0), dilation)
    high = tuple(m + s - 1 for m, s in zip(low, stride))
    for want, lo, hi in zip(output_size, low, high):
        if not lo <= want <= hi:
            raise ValueError(f"{op}: requested an output size of {tuple(output_size)}, but "
                             f"valid sizes range from {list(low)} to {list(high)} (for an "
                             f"input of {spatial})")
    return tuple(int(want) - lo for want, lo in zip(output_size, low))

"""Functions of ``minidl.nn.functional`` whose output size is chosen, not
derived from a window: adaptive_avg_pool2d, adaptive_max_pool2d and
interpolate.

Everything here is separable along the spatial axes, so each axis is one
small constant matrix or index list built on the host from PyTorch's index
formulas, applied with existing tensor functions (matmul, index_select, max
along a dim); the gradients follow from those.

- Adaptive pooling: output cell i covers input rows floor(i * in / out) to
  ceil((i + 1) * in / out) (exclusive); averages are A_h @ x @ A_w^T, maxima
  are taken over columns then rows (which keeps PyTorch's first maximum in
  row-major order, where the gradient goes).
- interpolate: 'nearest' / 'nearest-exact' pick source indices; 'linear',
  'bilinear' are M_h @ x @ M_w^T with PyTorch's source coordinates (in the
  input's dtype, as its kernels compute them); 'area' is adaptive average
  pooling.
"""

import math

import numpy as np

from .. import _checks
from ..api import creation, indexing, linalg, shape
from ..api import reduction as reduce_
from ._validation import float_input

# ---- adaptive pooling -------------------------------------------------------------------


def _adaptive_size(op, output_size, spatial):
    """PyTorch's output_size: an int, or a tuple with one entry per spatial
    dimension where None keeps the input's size; every entry >= 0."""
    n = len(spatial)
    if _checks.is_integer(output_size) or output_size is None:
        output_size = (output_size,) * n
    if not isinstance(output_size, (tuple, list)):
        raise TypeError(f"{op}: output_size must be an int or a tuple of {n} ints (or None), "
                        f"got {output_size!r}")
    if len(output_size) != n:
        raise RuntimeError(f"{op}: output_size must be {n}, got {tuple(output_size)}")
    sizes = []
    for value, size in zip(output_size, spatial):
        if value is None:
            sizes.append(size)
            continue
        if not _checks.is_integer(value):
            raise TypeError(f"{op}: output_size must be an int or a tuple of {n} ints (or "
                            f"None), got {output_size!r}")
        if value < 0:
            raise RuntimeError(f"{op}: elements of output_size must be greater than or equal "
                               f"to 0 but received {tuple(output_size)}")
        sizes.append(int(value))
    return tuple(sizes)


def _adaptive_input(op, input, output_size):
    float_input(op, input)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}(): Expected 3D or 4D tensor, but got {input.shape}")
    for axis in range(input.ndim - 3, input.ndim):
        if input.shape[axis] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {input.shape} with dimension "
                               f"{axis} being empty")
    return _adaptive_size(op, output_size, input.shape[-2:])


def _windows(in_size, out_size):
    """(start, end) of every output cell's input window, PyTorch's formula."""
    return [((i * in_size) // out_size, -((-(i + 1) * in_size) // out_size))
            for i in range(out_size)]


def _averaging_matrix(in_size, out_size, dtype, device):
    matrix = np.zeros((out_size, in_size))
    for i, (start, end) in enumerate(_windows(in_size, out_size)):
        matrix[i, start:end] = 1.0 / (end - start)
    return creation.tensor(matrix.astype(dtype), device=device)


def _empty_result(input, out_h, out_w):
    return creation.zeros(input.shape[:-2] + (out_h, out_w), dtype=input.dtype,
                          device=input.device)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a chosen output size: output cell (i, j) is the mean
    of input rows floor(i*H/oh) .. ceil((i+1)*H/oh) - 1 and the matching
    columns.

    Args:
        input: a floating point Tensor (N, C, H, W) or (C, H, W).
        output_size: (oh, ow), or an int for both; None in the tuple keeps
            that input size.

    Returns: a Tensor (N, C, oh, ow) (or (C, oh, ow))."""
    op = "adaptive_avg_pool2d"
    out_h, out_w = _adaptive_input(op, input, output_size)
    height, width = input.shape[-2:]
    if input.numel() == 0 or out_h == 0 or out_w == 0:
        return _empty_result(input, out_h, out_w)
    if (out_h, out_w) == (1, 1):
        return reduce_.mean(input, (-2, -1), keepdim=True)
    rows = _averaging_matrix(height, out_h, input.dtype, input.device)
    columns = _averaging_matrix(width, out_w, input.dtype, input.device)
    return linalg.matmul(linalg.matmul(rows, input), shape.transpose(columns, 0, 1))


def _window_indices(in_size, out_size, device):
    """An (out, K) int64 tensor of each window's input indices, shorter windows
    padded by repeating their last index (a repeat never changes a maximum,
    nor which occurrence comes first)."""
    windows = _windows(in_size, out_size)
    widest = max(end - start for start, end in windows)
    table = np.array([[min(start + k, end - 1) for k in range(widest)]
                      for start, end in windows], dtype=np.int64)
    return creation.tensor(table, device=device)


def _max_along(x, axis, table):
    """The maximum of every window of ``table`` (out, K) along ``axis`` of x:
    (values, the index into x along ``axis`` of each maximum)."""
    out, widest = table.shape
    picked = indexing.index_select(x, axis, shape.reshape(table, -1))
    picked = shape.unflatten(picked, axis, (out, widest))
    values, positions = reduce_.max(picked, axis + 1)
    # window position -> input index along the axis
    index_shape = [1] * picked.ndim
    index_shape[axis], index_shape[axis + 1] = out, widest
    lookup = shape.expand(shape.reshape(table, index_shape), picked.shape)
    source = shape.squeeze(indexing.gather(lookup, axis + 1, shape.unsqueeze(positions,
                                                                              axis + 1)),
                           axis + 1)
    return values, source


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a chosen output size (windows as ``adaptive_avg_pool2d``).
    The gradient goes to the first maximum of each window in row-major order.

    Args:
        input: a floating point Tensor (N, C, H, W) or (C, H, W).
        output_size: (oh, ow), or an int for both; None keeps that input size.
        return_indices: also return the int64 flat index ``h * W + w`` in the
            input plane of every maximum. Default: False.

    Returns: a Tensor (N, C, oh, ow) (or (C, oh, ow)), and with
    ``return_indices`` a tuple (output, indices)."""
    op = "adaptive_max_pool2d"
    out_h, out_w = _adaptive_input(op, input, output_size)
    _checks.boolean(op, "return_indices", return_indices)
    height, width = input.shape[-2:]
    if input.numel() == 0 or out_h == 0 or out_w == 0:
        out = _empty_result(input, out_h, out_w)
        if return_indices:
            return out, creation.zeros(out.shape, dtype=np.int64, device=input.device)
        return out
    rows, columns = input.ndim - 2, input.ndim - 1
    column_max, column_source = _max_along(input, columns,
                                           _window_indices(width, out_w, input.device))
    values, row_source = _max_along(column_max, rows,
                                    _window_indices(height, out_h, input.device))
    if not return_indices:
        return values
    column_at_row = indexing.gather(column_source, rows, row_source)
    return values, row_source * width + column_at_row


# ---- interpolate ---------------------------------------------------------------------------
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "area")
_UNSUPPORTED = ("bicubic", "trilinear", "lanczos")
_SPATIAL_DIMS = {"linear": 1, "bilinear": 2}


def _output_sizes(op, input, size, scale_factor, recompute_scale_factor):
    """(output sizes, the scale of each axis for the source-index formulas, or
    None where PyTorch uses in/out)."""
    spatial = input.shape[2:]
    n = len(spatial)
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                             "explicit size.")
        sizes = (size,) * n if _checks.is_integer(size) else size
        if not isinstance(sizes, (tuple, list)) or not all(_checks.is_integer(s)
                                                            for s in sizes):
            raise TypeError(f"{op}: size must be an int or a tuple of ints, got {size!r}")
        if len(sizes) != n:
            raise ValueError(f"{op}: Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(spatial)} and output size of {size}. Please provide "
                             "input tensor in (N, C, d1, d2, ...,dK) format and output size "
                             "in (o1, o2, ...,oK) format.")
        return tuple(int(s) for s in sizes), (None,) * n
    scales = (scale_factor,) * n if _checks.is_real(scale_factor) else scale_factor
    if not isinstance(scales, (tuple, list)) or not all(_checks.is_real(s) for s in scales):
        raise TypeError(f"{op}: scale_factor must be a number or a tuple of numbers, got "
                        f"{scale_factor!r}")
    if len(scales) != n:
        raise ValueError(f"{op}: Input and scale_factor must have the same number of spatial "
                         f"dimensions, but got input with spatial dimensions of "
                         f"{list(spatial)} and scale_factor of shape {scale_factor}. Please "
                         "provide input tensor in (N, C, d1, d2, ...,dK) format and "
                         "scale_factor in (s1, s2, ...,sK) format.")
    sizes = tuple(math.floor(float(d) * float(s)) for d, s in zip(spatial, scales))
    if recompute_scale_factor:
        return sizes, (None,) * n
    return sizes, tuple(float(s) for s in scales)


def _scale(dtype, in_size, out_size, scale):
    """PyTorch's compute_scales_value, in the computation dtype."""
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)
    return dtype(in_size) / dtype(out_size)


def _nearest_indices(in_size, out_size, scale, exact):
    """Source index of every output index (float32 arithmetic, as PyTorch)."""
    f32 = np.float32
    if not exact and out_size == in_size:
        return np.arange(out_size, dtype=np.int64)
    if not exact and out_size == 2 * in_size:
        return np.arange(out_size, dtype=np.int64) >> 1
    step = _scale(f32, in_size, out_size, scale)
    positions = np.arange(out_size, dtype=f32) + (f32(0.5) if exact else f32(0.0))
    return np.minimum(np.floor(positions * step).astype(np.int64), in_size - 1)


def _linear_matrix(in_size, out_size, scale, align_corners, dtype):
    """(out, in) weights of 1-D linear interpolation, PyTorch's source
    coordinates computed in ``dtype``."""
    if align_corners:
        step = dtype(in_size - 1) / dtype(out_size - 1) if out_size > 1 else dtype(0)
    else:
        step = _scale(dtype, in_size, out_size, scale)
    matrix = np.zeros((out_size, in_size), dtype=dtype)
    for i in range(out_size):
        if align_corners:
            source = step * dtype(i)
        else:
            source = max(step * (dtype(i) + dtype(0.5)) - dtype(0.5), dtype(0))
        low = min(int(np.floor(source)), in_size - 1)
        weight = min(max(source - dtype(low), dtype(0)), dtype(1))
        high = low + (1 if low < in_size - 1 else 0)
        matrix[i, low] += dtype(1) - weight
        matrix[i, high] += weight
    return matrix


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dimensions of (N, C, L) or (N, C, H, W) input.

    Args:
        input: a floating point Tensor (N, C, L) or (N, C, H, W).
        size: the output spatial size: an int, or a tuple per spatial dim.
        scale_factor: a multiplier per spatial dim (a number or a tuple); the
            output size is floor(in * scale_factor). Give exactly one of size
            and scale_factor.
        mode: 'nearest' (default), 'nearest-exact', 'linear' (3-d input),
            'bilinear' (4-d input) or 'area' (adaptive average pooling).
        align_corners: for 'linear' / 'bilinear': map the corner pixels'
            centres onto each other (True) or the corners of the grids
            (False, the default when None). Must be None for other modes.
        recompute_scale_factor: compute the coordinate scale from the output
            size rather than use ``scale_factor`` as given. Default: None.
        antialias: not supported (must be False).

    Returns: a Tensor (N, C, *size) of the input's dtype."""
    op = "interpolate"
    float_input(op, input)
    if not isinstance(mode, str) or mode not in _MODES + _UNSUPPORTED:
        raise NotImplementedError(f"{op}: mode must be one of {', '.join(_MODES)}, got "
                                  f"{mode!r}")
    if mode in _UNSUPPORTED:
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported in minidl (it has "
                                  f"{', '.join(_MODES)})")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported in minidl")
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"{op}: Input Error: Only 3D and 4D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: {' | '.join(_MODES)} "
                                  f"(got {mode})")
    needed = _SPATIAL_DIMS.get(mode)
    if needed is not None and input.ndim - 2 != needed:
        raise NotImplementedError(f"{op}: Got {input.ndim}D input, but {mode} mode needs "
                                  f"{needed + 2}D input")
    if align_corners is not None:
        if needed is None:
            raise ValueError("interpolate: align_corners option can only be set with the "
                             "interpolating modes: linear | bilinear | bicubic | trilinear")
        _checks.boolean(op, "align_corners", align_corners)
    sizes, scales = _output_sizes(op, input, size, scale_factor, recompute_scale_factor)
    if min(sizes) <= 0 or min(input.shape[2:]) <= 0:
        raise RuntimeError(f"{op}: Input and output sizes should be greater than 0, but got "
                           f"input {tuple(input.shape[2:])} output {sizes}")
    axes = range(2, input.ndim)
    if mode == "area":
        if input.ndim == 3:
            pooled = adaptive_avg_pool2d(shape.unsqueeze(input, 2), (1, sizes[0]))
            return shape.squeeze(pooled, 2)
        return adaptive_avg_pool2d(input, sizes)
    out = input
    if mode in ("nearest", "nearest-exact"):
        for axis, out_size, scale in zip(axes, sizes, scales):
            picks = _nearest_indices(input.shape[axis], out_size, scale,
                                     mode == "nearest-exact")
            out = indexing.index_select(out, axis, creation.tensor(picks, device=input.device))
        return out
    dtype = input.dtype.type
    for axis, out_size, scale in zip(axes, sizes, scales):
        matrix = _linear_matrix(input.shape[axis], out_size, scale, bool(align_corners), dtype)
        weights = creation.tensor(matrix, device=input.device)
        # contract the axis with the matrix: move it last, multiply, move it back
        moved = shape.movedim(out, axis, -1)
        out = shape.movedim(linalg.matmul(moved, shape.transpose(weights, 0, 1)), -1, axis)
    return out


__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate"]

"""Argument checks shared by the CPU and the CUDA kernels, run before any kernel.

A bad shape or index inside a compiled kernel is an out-of-bounds access (a
crash, or silently wrong memory), not an exception, so every launcher checks
its arguments first.  The checks here look only at what every array type
has (``dtype``, ``ndim``, ``shape``) and at plain Python values (window
parameters, ``x_shape`` tuples, eps, label and index ranges given as two
ints), so both devices accept and reject exactly the same arguments with the
same messages.  Whether an argument is an array of the right device at all is
the one device-specific check: ``check_array`` in each device's ``layout``.

Value checks of array CONTENTS (label and argmax ranges, running_var + eps > 0)
take plain numbers and are run by the CPU launchers, whose data is on the host.
The CUDA launchers never read device data back for them (that would stall the
GPU every training step): the callers check host data before upload
(``F.cross_entropy``), and the CUDA kernels never touch memory out of range,
marking a bad value with NaN (labels, running_var) or skipping it (argmax).

Every function raises TypeError (wrong type or dtype) or ValueError (wrong
shape or value) with a message that starts with the launcher's name ``fn``.
"""

import functools
import math
import operator

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# --------------------------------------------------------------------------- plain values


def as_int(fn, name, value, minimum):
    """``value`` as a Python int >= minimum, else TypeError / ValueError naming it."""
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(
            f"{fn}: {name} must be an integer, got {type(value).__name__} {value!r}"
        ) from None
    if value < minimum:
        kind = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{fn}: {name} must be {kind}, got {value}")
    return value


def check_eps(fn, eps):
    """``eps`` as a finite float >= 0."""
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: eps must be a real number, got {eps!r}") from None
    if not (eps >= 0.0 and math.isfinite(eps)):
        raise ValueError(f"{fn}: eps must be finite and >= 0, got {eps}")
    return eps


def check_x_shape(fn, x_shape):
    """``x_shape`` as a tuple of 4 ints (N, C, H, W), none negative, N > 0."""
    try:
        shape = tuple(operator.index(d) for d in x_shape)
    except TypeError:
        raise TypeError(f"{fn}: x_shape must be a tuple of 4 ints, got {x_shape!r}") from None
    if len(shape) != 4:
        raise ValueError(f"{fn}: x_shape must be (N, C, H, W), got {shape}")
    if min(shape) < 0:
        raise ValueError(f"{fn}: x_shape has a negative dimension: {shape}")
    if shape[0] == 0:
        raise ValueError(f"{fn}: empty batch, x_shape is {shape}")
    return shape


# --------------------------------------------------------------------------- geometry


def conv_output_size(size, kernel, stride, pad):
    """Output length of a convolution / pooling window sweep along one axis:
    (size + 2*pad - kernel) // stride + 1.  Raises ValueError if it is not positive
    (kernel larger than the padded input) or an argument is out of range."""
    fn = "conv_output_size"
    size = as_int(fn, "size", size, 0)
    kernel = as_int(fn, "kernel", kernel, 1)
    stride = as_int(fn, "stride", stride, 1)
    pad = as_int(fn, "pad", pad, 0)
    out = (size + 2 * pad - kernel) // stride + 1
    if out <= 0:
        raise ValueError(
            f"{fn}: kernel {kernel} is larger than the padded input "
            f"(size {size} + 2*pad {pad} = {size + 2 * pad}); output size would be {out}"
        )
    return out


def _window(fn, kh, kw, sh, sw, ph, pw):
    return (as_int(fn, "kh", kh, 1), as_int(fn, "kw", kw, 1), as_int(fn, "sh", sh, 1),
            as_int(fn, "sw", sw, 1), as_int(fn, "ph", ph, 0), as_int(fn, "pw", pw, 0))


def _check_kernel_fits(fn, height, width, kh, kw, ph, pw):
    """``kh``, ``kw`` are effective (dilated) kernel extents."""
    if kh > height + 2 * ph or kw > width + 2 * pw:
        raise ValueError(
            f"{fn}: kernel ({kh}, {kw}) is larger than the padded input "
            f"({height} + 2*{ph}, {width} + 2*{pw}) = ({height + 2 * ph}, {width + 2 * pw})"
        )


def conv_geometry(fn, shape, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
    """Validate im2col window parameters (dilation ``dh``, ``dw``) against an
    (N, C, H, W) shape; return (kh, kw, sh, sw, ph, pw, dh, dw, OH, OW)."""
    kh, kw, sh, sw, ph, pw = _window(fn, kh, kw, sh, sw, ph, pw)
    dh, dw = as_int(fn, "dh", dh, 1), as_int(fn, "dw", dw, 1)
    _, _, height, width = shape
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    _check_kernel_fits(fn, height, width, span_h, span_w, ph, pw)
    oh_size = (height + 2 * ph - span_h) // sh + 1
    ow_size = (width + 2 * pw - span_w) // sw + 1
    return kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size


def check_weight_shape(fn, weight_shape):
    """``weight_shape`` as a tuple of 4 positive ints (O, C / groups, kh, kw)."""
    try:
        shape = tuple(operator.index(d) for d in weight_shape)
    except TypeError:
        raise TypeError(f"{fn}: weight_shape must be a tuple of 4 ints, "
                        f"got {weight_shape!r}") from None
    if len(shape) != 4 or min(shape) <= 0:
        raise ValueError(f"{fn}: weight_shape must be (O, C / groups, kh, kw) of positive "
                         f"sizes, got {shape}")
    return shape


def direct_conv_geometry(fn, x_shape, weight_shape, ph, pw, dh, dw, groups):
    """Validate a stride-1 convolution of an (N, C, H, W) input by an (O, C / groups,
    kh, kw) weight with zero padding (ph, pw) and dilation (dh, dw); return
    (ph, pw, dh, dw, groups, OH, OW)."""
    ph, pw = as_int(fn, "ph", ph, 0), as_int(fn, "pw", pw, 0)
    dh, dw = as_int(fn, "dh", dh, 1), as_int(fn, "dw", dw, 1)
    groups = as_int(fn, "groups", groups, 1)
    _, n_chan, height, width = x_shape
    n_out, group_chan, kh, kw = weight_shape
    if n_out % groups or group_chan * groups != n_chan:
        raise ValueError(f"{fn}: weight of shape {tuple(weight_shape)} with groups={groups} "
                         f"does not fit an input of {n_chan} channels: expected O divisible "
                         f"by groups and C / groups = {group_chan}")
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    _check_kernel_fits(fn, height, width, span_h, span_w, ph, pw)
    return ph, pw, dh, dw, groups, height + 2 * ph - span_h + 1, width + 2 * pw - span_w + 1


def pool_output_size(size, kernel, stride, pad, dilation, ceil_mode):
    """PyTorch's pooling output length along one axis: floor (or ceil) of
    (size + 2*pad - dilation*(kernel-1) - 1) / stride, plus 1; in ceil mode the
    last window must start inside the input or its left padding."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def pool_geometry(fn, x_shape, kh, kw, sh, sw, ph, pw, dh=1, dw=1, ceil_mode=False):
    """Validate pooling parameters for an (N, C, H, W) input (PyTorch's rules:
    pad <= half the effective kernel, non-empty planes and output); return
    ((kh, kw, sh, sw, ph, pw, dh, dw), output shape (N, C, OH, OW))."""
    kh, kw, sh, sw, ph, pw = _window(fn, kh, kw, sh, sw, ph, pw)
    dh, dw = as_int(fn, "dh", dh, 1), as_int(fn, "dw", dw, 1)
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise TypeError(f"{fn}: ceil_mode must be a bool, got {ceil_mode!r}")
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if ph > span_h // 2 or pw > span_w // 2:
        raise ValueError(
            f"{fn}: pad ({ph}, {pw}) must be at most half the effective kernel size "
            f"({span_h}, {span_w}), i.e. <= ({span_h // 2}, {span_w // 2})"
        )
    n_batch, n_chan, height, width = x_shape
    if height == 0 or width == 0:
        # a window of padding only would have nothing to take the max of
        raise ValueError(f"{fn}: input planes must not be empty, got shape {x_shape}")
    _check_kernel_fits(fn, height, width, span_h, span_w, ph, pw)
    oh_size = pool_output_size(height, kh, sh, ph, dh, ceil_mode)
    ow_size = pool_output_size(width, kw, sw, pw, dw, ceil_mode)
    # in ceil mode the last windows may reach past the padding: the padded planes
    # of the CPU kernels grow by that overhang at the bottom and on the right
    over_h = max(0, (oh_size - 1) * sh + span_h - height - 2 * ph)
    over_w = max(0, (ow_size - 1) * sw + span_w - width - 2 * pw)
    if (height + 2 * ph + over_h + span_h) * (width + 2 * pw + over_w + span_w) >= 2**31:
        # flat positions inside a padded plane are kept as int32 (CPU kernels)
        raise ValueError(f"{fn}: input planes are too large for this kernel: {x_shape}")
    return (kh, kw, sh, sw, ph, pw, dh, dw), (n_batch, n_chan, oh_size, ow_size)


def pool_overhang(x_shape, window, out_shape):
    """Rows and columns the last windows reach past the padded input (ceil mode)."""
    kh, kw, sh, sw, ph, pw, dh, dw = window
    over_h = (out_shape[2] - 1) * sh + (kh - 1) * dh + 1 - x_shape[2] - 2 * ph
    over_w = (out_shape[3] - 1) * sw + (kw - 1) * dw + 1 - x_shape[3] - 2 * pw
    return max(0, over_h), max(0, over_w)


def avg_pool_divisors(fn, x_shape, window, out_shape, count_include_pad, divisor_override):
    """Per-row and per-column factors (read-only float64 arrays (OH,), (OW,)) whose
    product is the divisor of each output of average pooling, by PyTorch's rules:
    the window clipped to the padded input (count_include_pad) or to the input, or
    ``divisor_override`` (a nonzero int or None); and the divisor when all are
    equal (else 0.0). Cached per geometry: pooling runs with a few geometries, every
    step."""
    if divisor_override is not None:
        try:
            divisor_override = operator.index(divisor_override)
        except TypeError:
            raise TypeError(f"{fn}: divisor_override must be an int, got "
                            f"{divisor_override!r}") from None
        if divisor_override == 0:
            raise ValueError(f"{fn}: divisor must be not zero")
    return _divisor_factors(tuple(x_shape[2:]), tuple(window[:6]), tuple(out_shape[2:]),
                            bool(count_include_pad), divisor_override)


@functools.lru_cache(maxsize=64)
def _divisor_factors(size_hw, window, out_hw, count_include_pad, divisor_override):
    kh, kw, sh, sw, ph, pw = window
    if divisor_override is not None:
        rows, cols = np.full(out_hw[0], float(divisor_override)), np.ones(out_hw[1])
    else:
        def factors(n_out, size, k, s, p):
            start = np.arange(n_out) * s - p
            end = np.minimum(start + k, size + p)
            if count_include_pad:
                return (end - start).astype(np.float64)
            return (np.minimum(end, size) - np.maximum(start, 0)).astype(np.float64)

        rows = factors(out_hw[0], size_hw[0], kh, sh, ph)
        cols = factors(out_hw[1], size_hw[1], kw, sw, pw)
    rows.flags.writeable = False
    cols.flags.writeable = False
    uniform = 0.0
    if rows.min() == rows.max() and cols.min() == cols.max():
        uniform = float(rows[0] * cols[0])
    return rows, cols, uniform


# --------------------------------------------------------------------------- arrays
# ``a`` has already passed the device's check_array: it is an array of that device.


def check_float_dtype(fn, name, a):
    if np.dtype(a.dtype) not in FLOAT_DTYPES:
        raise TypeError(f"{fn}: {name} must be float32 or float64, got dtype {a.dtype}")


def check_float(fn, name, a, ndims, layout):
    """A float32/float64 array with ndim in ``ndims`` and a non-empty batch;
    ``layout`` spells the expected shape in messages, e.g. "(N, C, H, W)"."""
    check_float_dtype(fn, name, a)
    if a.ndim not in ndims:
        raise ValueError(f"{fn}: {name} must have shape {layout}, got shape {tuple(a.shape)}")
    if a.shape[0] == 0:
        raise ValueError(f"{fn}: empty batch, {name} has shape {tuple(a.shape)}")


def check_no_zero_size(fn, name, a):
    if a.size == 0:
        raise ValueError(f"{fn}: {name} has a zero-size dimension, shape {tuple(a.shape)}")


def check_has_classes(fn, name, a):
    """An (N, K) array with K > 0."""
    if a.shape[1] == 0:
        raise ValueError(f"{fn}: {name} has no classes, shape {tuple(a.shape)}")


def check_same(fn, name, a, ref_name, ref):
    """``a`` has the dtype and shape of ``ref``."""
    if a.dtype != ref.dtype:
        raise TypeError(
            f"{fn}: {name} dtype {a.dtype} does not match {ref_name} dtype {ref.dtype}"
        )
    if tuple(a.shape) != tuple(ref.shape):
        raise ValueError(
            f"{fn}: {name} shape {tuple(a.shape)} does not match {ref_name} shape "
            f"{tuple(ref.shape)}"
        )


def check_channel_row(fn, name, a, x, float64_ok=False):
    """A per-channel (C,) array of x's dtype (or float64 when ``float64_ok``: the
    batch statistics)."""
    if a.dtype != x.dtype and not (float64_ok and a.dtype == np.float64):
        raise TypeError(f"{fn}: {name} dtype {a.dtype} does not match x dtype {x.dtype}")
    if tuple(a.shape) != (x.shape[1],):
        raise ValueError(
            f"{fn}: {name} must have shape (C,) = ({x.shape[1]},) for x of shape "
            f"{tuple(x.shape)}, got {tuple(a.shape)}"
        )


def check_running_var(fn, running_var, eps):
    """``running_var`` (host float64 values) + eps > 0 for every channel."""
    if np.any(running_var + eps <= 0.0):
        raise ValueError(f"{fn}: running_var + eps must be > 0 for every channel")


def check_integer_dtype(fn, name, a):
    if not np.issubdtype(np.dtype(a.dtype), np.integer):
        raise TypeError(f"{fn}: {name} must have an integer dtype, got {a.dtype}")


def check_labels(fn, labels, n_rows):
    """Integer labels of shape (N,) (their range is checked by check_label_range)."""
    check_integer_dtype(fn, "labels", labels)
    if tuple(labels.shape) != (n_rows,):
        raise ValueError(
            f"{fn}: labels must have shape (N,) = ({n_rows},), got shape "
            f"{tuple(labels.shape)}"
        )


def check_label_range(fn, lo, hi, n_classes):
    """Labels with minimum ``lo`` and maximum ``hi`` (Python ints) are in [0, K)."""
    if lo < 0 or hi >= n_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(f"{fn}: label {bad} is out of range [0, {n_classes})")


def check_ignore_index(fn, ignore_index):
    """An integer that fits int64 (the kernels compare labels with it as int64)."""
    limits = np.iinfo(np.int64)
    if as_int(fn, "ignore_index", ignore_index, limits.min) > limits.max:
        raise ValueError(f"{fn}: ignore_index {ignore_index} does not fit in int64")


def check_grad_losses(fn, grad_losses, probs):
    """grad_losses of probs' dtype and shape (N,)."""
    if grad_losses.dtype != probs.dtype:
        raise TypeError(
            f"{fn}: grad_losses dtype {grad_losses.dtype} does not match probs dtype "
            f"{probs.dtype}"
        )
    if tuple(grad_losses.shape) != (probs.shape[0],):
        raise ValueError(
            f"{fn}: grad_losses must have shape (N,) = ({probs.shape[0]},), got shape "
            f"{tuple(grad_losses.shape)}"
        )


def check_cols_shape(fn, cols, x_shape, geometry):
    """cols (N, C*kh*kw, OH*OW) as im2col makes it for ``x_shape`` and ``geometry``
    (the tuple conv_geometry returns)."""
    kh, kw, sh, sw, ph, pw, dh, dw, oh_size, ow_size = geometry
    n_batch, n_chan = x_shape[:2]
    expected = (n_batch, n_chan * kh * kw, oh_size * ow_size)
    if tuple(cols.shape) != expected:
        raise ValueError(
            f"{fn}: cols shape {tuple(cols.shape)} does not match (N, C*kh*kw, OH*OW) = "
            f"{expected} for x_shape {x_shape}, kernel ({kh}, {kw}), stride ({sh}, {sw}), "
            f"pad ({ph}, {pw}), dilation ({dh}, {dw})"
        )


def check_argmax(fn, argmax, dy, x_shape):
    """Max-pooling argmax: integers of dy's shape; dy matches x_shape in (N, C)."""
    check_integer_dtype(fn, "argmax", argmax)
    if tuple(argmax.shape) != tuple(dy.shape):
        raise ValueError(f"{fn}: argmax shape {tuple(argmax.shape)} does not match dy shape "
                         f"{tuple(dy.shape)}")
    if tuple(dy.shape[:2]) != tuple(x_shape[:2]):
        raise ValueError(
            f"{fn}: dy shape {tuple(dy.shape)} does not match x_shape {x_shape} in (N, C)"
        )


def check_argmax_range(fn, lo, hi, x_shape):
    """Flat in-plane indices with minimum ``lo`` and maximum ``hi`` are in [0, H*W)."""
    plane_size = x_shape[2] * x_shape[3]
    if lo < 0 or hi >= plane_size:
        bad = lo if lo < 0 else hi
        raise ValueError(
            f"{fn}: argmax value {bad} is out of range [0, H*W) = [0, {plane_size}) "
            f"for x_shape {x_shape}"
        )


def check_pool_dy(fn, dy, out_shape, x_shape, window):
    """dy has the pooling output shape for ``x_shape`` and ``window``."""
    if tuple(dy.shape) != tuple(out_shape):
        kh, kw, sh, sw, ph, pw = window[:6]
        raise ValueError(
            f"{fn}: dy shape {tuple(dy.shape)} does not match the pooling output shape "
            f"{out_shape} for x_shape {x_shape}, kernel ({kh}, {kw}), stride ({sh}, {sw}), "
            f"pad ({ph}, {pw})"
        )


def check_positions(fn, x, positions):
    """Positions into ``x`` for take/put: an int64 array (their range is the
    caller's to check, where the values are)."""
    if np.dtype(positions.dtype) != np.int64:
        raise TypeError(f"{fn}: positions must be int64, got {positions.dtype}")

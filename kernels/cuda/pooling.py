"""2-D max and average pooling on the device, with the semantics of
``kernels/cpu/pooling.py``, its mirror (PyTorch's: dilation for max pooling,
ceil_mode, count_include_pad, divisor_override).

Forward kernels give one thread to each output element (grid-stride), which
scans its window in row-major (i, j) order over the real (unpadded) elements:
max pooling keeps the first maximum (strict >), always takes a NaN, and for a
window of only -inf points at the window's first element on or past the
top-left input corner, as PyTorch; argmax is the int64 flat index h*W + w
within the (H, W) plane.  Average pooling divides by row_div[oh] * col_div[ow]
(PyTorch's divisor, factored: ``checks.avg_pool_divisors``).

Backward: avg pooling is a gather (each input element sums dy/divisor over the
windows covering it).  Max pooling only knows argmax, not the window geometry,
so it scatters: float64 atomic adds into a scratch plane, rounded once to dy's
dtype (the summation order of colliding windows can vary, at float64
precision).  The argmax comes from the forward; the launcher does not read it
back to range-check it: the kernel skips an index outside the plane, so it
never writes outside dx.
"""

import numpy as np
from numba import cuda, float64

from ..checks import (
    avg_pool_divisors,
    check_argmax,
    check_float,
    check_pool_dy,
    check_x_shape,
    pool_geometry,
)
from .config import THREADS_PER_BLOCK, blocks_for, jit
from .layout import as_array, cast, check_array, empty, fill, flat, from_numpy

__all__ = ["max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
           "avg_pool2d_backward"]


@jit
def _max_pool_forward_kernel(x, y, argmax, height, width, kh, kw, sh, sw, ph, pw, dh, dw,
                             oh_size, ow_size):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for t in range(start, y.size, step):
        ow = t % ow_size
        oh = (t // ow_size) % oh_size
        plane = t // (ow_size * oh_size)
        base = plane * height * width
        h0 = oh * sh - ph
        w0 = ow * sw - pw
        best = -np.inf
        # PyTorch's: the first window row and column on or past the input's corner
        first_h = h0 + ((max(-h0, 0) + dh - 1) // dh) * dh
        first_w = w0 + ((max(-w0, 0) + dw - 1) // dw) * dw
        best_idx = first_h * width + first_w
        for i in range(kh):
            h = h0 + i * dh
            if h < 0 or h >= height:
                continue
            for j in range(kw):
                w = w0 + j * dw
                if w < 0 or w >= width:
                    continue
                v = x[base + h * width + w]
                if v > best or v != v:
                    best = v
                    best_idx = h * width + w
        y[t] = best
        argmax[t] = best_idx


@jit
def _max_pool_backward_kernel(dy, argmax, acc, plane_size, out_plane):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for t in range(start, dy.size, step):
        plane = t // out_plane
        k = argmax[t]
        if 0 <= k < plane_size:
            cuda.atomic.add(acc, plane * plane_size + k, float64(dy[t]))


@jit
def _avg_pool_forward_kernel(x, y, height, width, kh, kw, sh, sw, ph, pw, oh_size, ow_size,
                             row_div, col_div):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for t in range(start, y.size, step):
        ow = t % ow_size
        oh = (t // ow_size) % oh_size
        base = (t // (ow_size * oh_size)) * height * width
        total = float64(0.0)
        for i in range(kh):
            h = oh * sh - ph + i
            if h < 0 or h >= height:
                continue
            for j in range(kw):
                w = ow * sw - pw + j
                if 0 <= w < width:
                    total += float64(x[base + h * width + w])
        y[t] = total / (row_div[oh] * col_div[ow])


@jit
def _avg_pool_backward_kernel(dy, dx, height, width, kh, kw, sh, sw, ph, pw, oh_size, ow_size,
                              row_div, col_div):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for t in range(start, dx.size, step):
        w = t % width
        h = (t // width) % height
        base = (t // (width * height)) * oh_size * ow_size
        total = float64(0.0)
        for i in range(kh):
            hp = h + ph - i
            if hp < 0 or hp % sh != 0 or hp // sh >= oh_size:
                continue
            for j in range(kw):
                wp = w + pw - j
                if wp < 0 or wp % sw != 0 or wp // sw >= ow_size:
                    continue
                total += (float64(dy[base + (hp // sh) * ow_size + wp // sw])
                          / (row_div[hp // sh] * col_div[wp // sw]))
        dx[t] = total


def _window_args(x_shape, window, out_shape):
    kh, kw, sh, sw, ph, pw = window[:6]
    return (int(x_shape[2]), int(x_shape[3]), kh, kw, sh, sw, ph, pw,
            out_shape[2], out_shape[3])


def _avg_window(fn, x_shape, kh, kw, sh, sw, ph, pw, ceil_mode, count_include_pad,
                divisor_override):
    """The avg kernels' arguments after the arrays (divisor factors uploaded), and the
    output shape."""
    window, out_shape = pool_geometry(fn, x_shape, kh, kw, sh, sw, ph, pw, 1, 1, ceil_mode)
    if not isinstance(count_include_pad, (bool, np.bool_)):
        raise TypeError(f"{fn}: count_include_pad must be a bool, got {count_include_pad!r}")
    row_div, col_div, _ = avg_pool_divisors(fn, x_shape, window, out_shape, count_include_pad,
                                            divisor_override)
    return (*_window_args(x_shape, window, out_shape), *_on_device(row_div, col_div)), out_shape


_UPLOADED = {}


def _on_device(row_div, col_div):
    """The divisor factors uploaded once per geometry, not two copies to the device
    every pooling call. The host arrays come from the checks' cache, so their ids
    name a geometry; each entry keeps its host arrays alive, so an id is never
    reused while it is a key."""
    key = (id(row_div), id(col_div))
    entry = _UPLOADED.get(key)
    if entry is None:
        if len(_UPLOADED) >= 64:
            _UPLOADED.clear()
        entry = _UPLOADED[key] = (row_div, col_div, from_numpy(row_div), from_numpy(col_div))
    return entry[2], entry[3]


def _check_float(fn, name, a):
    check_array(fn, name, a)
    check_float(fn, name, a, (4,), "(N, C, H, W)")
    return as_array(fn, a)


def max_pool2d_forward(x, kh, kw, sh, sw, ph, pw, dh=1, dw=1, ceil_mode=False):
    """(y, argmax) of max pooling; argmax int64 flat indices into each plane; dilation
    (dh, dw), PyTorch's ceil_mode output size."""
    fn = "max_pool2d_forward"
    x = _check_float(fn, "x", x)
    window, out_shape = pool_geometry(fn, tuple(int(d) for d in x.shape), kh, kw, sh, sw, ph, pw,
                                      dh, dw, ceil_mode)
    y = empty(out_shape, x.dtype)
    argmax = empty(out_shape, np.int64)
    if y.size:
        height, width, *rest = _window_args(x.shape, window, out_shape)
        _max_pool_forward_kernel[blocks_for(y.size), THREADS_PER_BLOCK](
            flat(x), flat(y), flat(argmax), height, width, *rest[:6], window[6], window[7],
            *rest[6:])
    return y, argmax


def max_pool2d_backward(dy, argmax, x_shape):
    """dx of x_shape with dy added at each argmax position of its plane."""
    fn = "max_pool2d_backward"
    _check_float(fn, "dy", dy)
    x_shape = check_x_shape(fn, x_shape)
    check_array(fn, "argmax", argmax)
    check_argmax(fn, argmax, dy, x_shape)
    dy = as_array(fn, dy)
    plane_size = x_shape[2] * x_shape[3]
    acc = fill(empty(x_shape, np.float64), 0.0)
    if dy.size:
        # int64 (a uint64 index >= 2**63 turns negative and is skipped)
        if argmax.dtype == np.uint64:
            argmax = as_array(fn, argmax).view(np.int64)  # the bits, as a GPU cast does
        elif argmax.dtype != np.int64:
            argmax = cast(argmax, np.int64)
        else:
            argmax = as_array(fn, argmax)
        out_plane = int(dy.shape[2]) * int(dy.shape[3])
        _max_pool_backward_kernel[blocks_for(dy.size), THREADS_PER_BLOCK](
            flat(dy), flat(argmax), flat(acc), plane_size, out_plane)
    return acc if dy.dtype == np.float64 else cast(acc, dy.dtype)


def avg_pool2d_forward(x, kh, kw, sh, sw, ph, pw, ceil_mode=False, count_include_pad=True,
                       divisor_override=None):
    """Average pooling with PyTorch's divisor and ceil_mode output size."""
    fn = "avg_pool2d_forward"
    x = _check_float(fn, "x", x)
    args, out_shape = _avg_window(fn, tuple(int(d) for d in x.shape), kh, kw, sh, sw, ph, pw,
                                  ceil_mode, count_include_pad, divisor_override)
    y = empty(out_shape, x.dtype)
    if y.size:
        _avg_pool_forward_kernel[blocks_for(y.size), THREADS_PER_BLOCK](
            flat(x), flat(y), *args)
    return y


def avg_pool2d_backward(dy, x_shape, kh, kw, sh, sw, ph, pw, ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    """Gradient of average pooling: dy (N, C, OH, OW) -> dx of x_shape."""
    fn = "avg_pool2d_backward"
    dy = _check_float(fn, "dy", dy)
    x_shape = check_x_shape(fn, x_shape)
    window, out_shape = pool_geometry(fn, x_shape, kh, kw, sh, sw, ph, pw, 1, 1, ceil_mode)
    check_pool_dy(fn, dy, out_shape, x_shape, window)
    args, out_shape = _avg_window(fn, x_shape, kh, kw, sh, sw, ph, pw, ceil_mode,
                                  count_include_pad, divisor_override)
    dx = empty(x_shape, dy.dtype)
    if dx.size:
        _avg_pool_backward_kernel[blocks_for(dx.size), THREADS_PER_BLOCK](
            flat(dy), flat(dx), *args)
    return dx

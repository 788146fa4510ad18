"""2-D max and average pooling on the CPU: Numba kernels and their validating launchers.

Owns max_pool2d / avg_pool2d forward and backward over (N, C, H, W) with PyTorch
semantics: output size floor((H + 2*pad - dilation*(k-1) - 1) / stride) + 1 (ceil in
ceil_mode, where the last window must start inside the input or its left padding),
pad <= half the effective kernel.  Max pooling (with dilation) pads with -inf (padding
is never selected) and returns, as int64, the flat index h*W + w of the selected element
within its (H, W) plane; on ties the first maximum in row-major window order wins, and
NaN propagates as in PyTorch (a NaN is always taken, so the last NaN of the window
wins); a window whose real elements are all -inf points at its first real element.
Average pooling divides each window sum by the divisor PyTorch uses
(``checks.avg_pool_divisors``): the window clipped to the padded input, or to the input
(count_include_pad=False), or divisor_override.  Windows that reach past the padding in
ceil mode see more padding there (-inf or 0), which changes no result.
The mirror file is ``kernels/cuda/pooling.py``.
"""

import numpy as np
from numba import njit

from ..checks import (
    avg_pool_divisors,
    check_argmax,
    check_argmax_range,
    check_float,
    check_pool_dy,
    check_x_shape,
    pool_geometry,
    pool_overhang,
)
from . import memory, threads
from .layout import check_array, contiguous
from .reduce import int_range

__all__ = [
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
]

# Padded planes stacked per max-pooling group: ~64 KiB of float32, so the buffer, the
# running maxima and their offsets stay in a core's L2 cache.
_MAX_POOL_GROUP_ELEMENTS = 16384


# --------------------------------------------------------------------------- kernels
# Window loops over tiny rows (OW ~ 14) run scalar and, for max, mispredict a branch on
# nearly every element.  Instead each plane is copied into a flat padded buffer P of row
# length Wp (padding -inf for max, 0 for avg; P[h*Wp + w]; the bottom and right padding
# grow by the ceil-mode overhang) and every window offset (i, j) is one long loop over
# the flat stride-1 output grid t = r*Wp + s:
#     R[t] = reduce over (i, j) of P[t + i*dh*Wp + j*dw]
# which vectorises (compare-and-blend or add, no branches).  Output (oh, ow) is then
# read at t = oh*sh*Wp + ow*sw; the other positions of the grid (strided-over windows,
# the last kw-1 columns of each row) are computed and ignored, which costs less than
# the scalar loop.  P has kw-1 extra elements at the end, so the grid's last row stays
# in bounds.  Windows are combined in (i, j) row-major order, as a direct loop would.
# Max pooling goes further and stacks a group of padded planes in one buffer, so the
# loops run over the whole group at once (see _max_pool_forward_kernel).
#
# Planes are independent: a kernel call handles the flat planes lo .. hi-1 (n*C + c)
# with scratch buffers of its own and writes only its own planes, so the split over
# threads never changes a result.


@njit(cache=True, fastmath=False)
def _fill_padded(padded, plane, ph, pw, padded_w, fill):
    """padded (flat, Hp*Wp + slack) <- plane surrounded by `fill`: ph rows above, pw
    columns on the left, the rest of each row of length padded_w and all rows below."""
    height, width = plane.shape
    padded[:ph * padded_w] = fill
    for h in range(height):
        row = padded[(h + ph) * padded_w:(h + ph + 1) * padded_w]
        row[:pw] = fill
        src = plane[h]
        for w in range(width):
            row[pw + w] = src[w]
        row[pw + width:] = fill
    padded[(height + ph) * padded_w:] = fill


@njit(cache=True, fastmath=False)
def _first_real_offsets(pos_init, width, ph, pw, dh, dw, padded_h, padded_w):
    """For every position of a plane's grid, the offset i*dh*W + j*dw of its window's
    first element on or past the top-left input corner, repeated for every plane slot
    of the group.

    It is where PyTorch points argmax when every real element of the window is -inf
    (nothing ever beats the initial -inf), so it seeds the per-plane offsets."""
    slot = padded_h * padded_w
    for r in range(padded_h):
        for s in range(padded_w):
            first_i = (max(ph - r, 0) + dh - 1) // dh
            first_j = (max(pw - s, 0) + dw - 1) // dw
            pos_init[r * padded_w + s] = first_i * dh * width + first_j * dw
    for t in range(slot, pos_init.shape[0]):
        pos_init[t] = pos_init[t - slot]


@njit(cache=True, fastmath=False)
def _max_pool_group(x, y, argmax, first, count, kh, kw, sh, sw, ph, pw, dh, dw, padded_w,
                    slot, padded, best, pos, pos_init):
    """Max-pool planes first .. first+count-1 (flat n*C + c), stacked in one buffer."""
    n_chan, height, width = x.shape[1], x.shape[2], x.shape[3]
    grid = count * slot
    # only the interiors are written: the -inf border was laid down once by the caller
    for g in range(count):
        p = first + g
        plane = x[p // n_chan, p % n_chan]
        base = g * slot + ph * padded_w + pw
        for h in range(height):
            row = padded[base + h * padded_w:]
            src = plane[h]
            for w in range(width):
                row[w] = src[w]
    # pos: the winner's offset i*W + j from its window's top-left corner, in unpadded
    # coordinates, so that the flat index is a plain sum (no division per output).
    # Explicit copy loops: Numba's array-to-array slice assignment costs ~2 s to compile.
    for t in range(grid):
        best[t] = -np.inf
        pos[t] = pos_init[t]
    for i in range(kh):
        for j in range(kw):
            src = padded[i * dh * padded_w + j * dw:]
            delta = i * dh * width + j * dw
            for t in range(grid):
                v = src[t]
                cur = best[t]
                # PyTorch's rule: strict > keeps the first maximum, any NaN is taken
                take = (v > cur) | (v != v)
                best[t] = v if take else cur
                pos[t] = delta if take else pos[t]
    for g in range(count):
        p = first + g
        out = y[p // n_chan, p % n_chan]
        out_idx = argmax[p // n_chan, p % n_chan]
        for oh in range(out.shape[0]):
            row_out = out[oh]
            row_idx = out_idx[oh]
            win_best = best[g * slot + oh * sh * padded_w:]
            win_pos = pos[g * slot + oh * sh * padded_w:]
            corner = (oh * sh - ph) * width - pw  # flat index of window (oh, 0)'s corner
            if sw == 1:  # contiguous: vectorises
                for ow in range(out.shape[1]):
                    row_out[ow] = win_best[ow]
                    row_idx[ow] = corner + ow + win_pos[ow]
            else:
                for ow in range(out.shape[1]):
                    row_out[ow] = win_best[ow * sw]
                    row_idx[ow] = corner + ow * sw + win_pos[ow * sw]


@njit(nogil=True, cache=True, fastmath=False)
def _max_pool_forward_kernel(lo, hi, x, y, argmax, kh, kw, sh, sw, ph, pw, dh, dw, over_h,
                             over_w, group):
    """Planes lo .. hi-1 go in groups of `group`, stacked one above the other in a flat
    padded buffer, so each window offset is one long loop over the whole group's grid
    instead of a short one per plane (planes of 7x7 spent most of their time in
    loop overhead).  Grid positions whose window straddles two planes are computed
    and never read."""
    height, width = x.shape[2], x.shape[3]
    padded_h = height + 2 * ph + over_h
    padded_w = width + 2 * pw + over_w
    slot = padded_h * padded_w
    size = min(group, hi - lo) * slot
    # a window's extent in rows plus one in columns of slack past the last slot keep
    # every window read in bounds
    padded = np.empty(size + ((kh - 1) * dh + 1) * padded_w + (kw - 1) * dw + 1,
                      dtype=x.dtype)
    for t in range(padded.shape[0]):
        padded[t] = -np.inf
    best = np.empty(size, dtype=x.dtype)
    pos = np.empty(size, dtype=np.int32)
    pos_init = np.empty(size, dtype=np.int32)
    _first_real_offsets(pos_init, width, ph, pw, dh, dw, padded_h, padded_w)
    for first in range(lo, hi, group):
        _max_pool_group(x, y, argmax, first, min(group, hi - first), kh, kw, sh, sw,
                        ph, pw, dh, dw, padded_w, slot, padded, best, pos, pos_init)


@njit(nogil=True, cache=True, fastmath=False)
def _max_pool_backward_kernel(lo, hi, dy, argmax, dx):
    """dx[n, c].flat[argmax] += dy, plane by plane (float64 accumulation in output order)."""
    n_chan, oh_size, ow_size = dy.shape[1], dy.shape[2], dy.shape[3]
    height, width = dx.shape[2], dx.shape[3]
    acc = np.empty(height * width)
    for p in range(lo, hi):
        n = p // n_chan
        c = p % n_chan
        acc[:] = 0.0
        g = dy[n, c]
        idx = argmax[n, c]
        for oh in range(oh_size):
            for ow in range(ow_size):
                acc[idx[oh, ow]] += np.float64(g[oh, ow])
        out = dx[n, c]
        for h in range(height):
            for w in range(width):
                out[h, w] = acc[h * width + w]


@njit(nogil=True, cache=True, fastmath=False)
def _avg_pool_forward_kernel(lo, hi, x, y, kh, kw, sh, sw, ph, pw, over_h, over_w, row_div,
                             col_div, uniform):
    """Window sums divided by row_div[oh] * col_div[ow] (PyTorch's divisor, factored),
    or by ``uniform`` when it is nonzero (every divisor the same: a constant divisor
    keeps the division loop vectorised, ~10% faster on the Inception net's pools)."""
    n_chan, height, width = x.shape[1], x.shape[2], x.shape[3]
    oh_size, ow_size = y.shape[2], y.shape[3]
    padded_w = width + 2 * pw + over_w
    padded_h = height + 2 * ph + over_h
    padded_size = padded_h * padded_w + kw - 1
    grid = (padded_h - kh + 1) * padded_w
    padded = np.empty(padded_size, dtype=x.dtype)
    acc = np.empty(grid)
    for p in range(lo, hi):
        n = p // n_chan
        c = p % n_chan
        _fill_padded(padded, x[n, c], ph, pw, padded_w, 0.0)
        acc[:] = 0.0
        for i in range(kh):
            for j in range(kw):
                off = i * padded_w + j
                src = padded[off:off + grid]
                for t in range(grid):
                    acc[t] += np.float64(src[t])
        out = y[n, c]
        for oh in range(oh_size):
            row_acc = acc[oh * sh * padded_w:]
            row_out = out[oh]
            rd = row_div[oh]
            if uniform != 0.0:
                if sw == 1:  # contiguous: the divisions vectorise
                    for ow in range(ow_size):
                        row_out[ow] = row_acc[ow] / uniform
                else:
                    for ow in range(ow_size):
                        row_out[ow] = row_acc[ow * sw] / uniform
            elif sw == 1:
                for ow in range(ow_size):
                    row_out[ow] = row_acc[ow] / (rd * col_div[ow])
            else:
                for ow in range(ow_size):
                    row_out[ow] = row_acc[ow * sw] / (rd * col_div[ow])


@njit(nogil=True, cache=True, fastmath=False)
def _avg_pool_backward_kernel(lo, hi, dy, dx, kh, kw, sh, sw, ph, pw, over_h, over_w, row_div,
                              col_div, uniform):
    """Adjoint of _avg_pool_forward_kernel: each dy / divisor is spread over its window.

    The shares are placed on the flat grid (zeros elsewhere) and added to a padded
    float64 plane once per window offset, in a fixed order; sums that land in the
    padding belong to no input element and are dropped."""
    n_chan, oh_size, ow_size = dy.shape[1], dy.shape[2], dy.shape[3]
    height, width = dx.shape[2], dx.shape[3]
    padded_w = width + 2 * pw + over_w
    padded_h = height + 2 * ph + over_h
    padded_size = padded_h * padded_w + kw - 1
    grid = (padded_h - kh + 1) * padded_w
    acc = np.empty(padded_size)
    share = np.empty(grid)
    for p in range(lo, hi):
        n = p // n_chan
        c = p % n_chan
        g = dy[n, c]
        share[:] = 0.0
        for oh in range(oh_size):
            rd = row_div[oh]
            if uniform != 0.0:
                for ow in range(ow_size):
                    share[oh * sh * padded_w + ow * sw] = np.float64(g[oh, ow]) / uniform
            else:
                for ow in range(ow_size):
                    share[oh * sh * padded_w + ow * sw] = np.float64(g[oh, ow]) / (rd
                                                                                   * col_div[ow])
        acc[:] = 0.0
        for i in range(kh):
            for j in range(kw):
                off = i * padded_w + j
                dst = acc[off:off + grid]
                for t in range(grid):
                    dst[t] += share[t]
        out = dx[n, c]
        for h in range(height):
            src = acc[(h + ph) * padded_w + pw:]
            for w in range(width):
                out[h, w] = src[w]


# ------------------------------------------------------------------------- launchers


def _planes(shape):
    return shape[0] * shape[1]


def _float_input(fn, name, a):
    check_array(fn, name, a)
    check_float(fn, name, a, (4,), "(N, C, H, W)")
    return contiguous(a)


def max_pool2d_forward(x, kh, kw, sh, sw, ph, pw, dh=1, dw=1, ceil_mode=False):
    """Max pooling.  x (N, C, H, W) float32/float64 -> (y, argmax), both (N, C, OH, OW):
    y in x's dtype, argmax int64 flat indices h*W + w into each input plane; dilation
    (dh, dw), PyTorch's ceil_mode output size."""
    fn = "max_pool2d_forward"
    x = _float_input(fn, "x", x)
    window, out_shape = pool_geometry(fn, x.shape, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode)
    over_h, over_w = pool_overhang(x.shape, window, out_shape)
    y = memory.empty(out_shape, x.dtype)
    argmax = memory.empty(out_shape, np.int64)
    if y.size:
        slot = (x.shape[2] + 2 * window[4] + over_h) * (x.shape[3] + 2 * window[5] + over_w)
        group = max(1, _MAX_POOL_GROUP_ELEMENTS // slot)
        threads.parallel_for(_max_pool_forward_kernel, _planes(x.shape),
                             (x, y, argmax, *window, over_h, over_w, group),
                             x.size + 3 * y.size)
    return y, argmax


def max_pool2d_backward(dy, argmax, x_shape):
    """Gradient of max pooling: dx of x_shape (dy's dtype), dx.flat-per-plane[argmax] += dy.

    dy and argmax are (N, C, OH, OW); argmax holds flat indices in [0, H*W) as returned
    by max_pool2d_forward."""
    fn = "max_pool2d_backward"
    dy = _float_input(fn, "dy", dy)
    x_shape = check_x_shape(fn, x_shape)
    check_array(fn, "argmax", argmax)
    check_argmax(fn, argmax, dy, x_shape)
    if argmax.size:
        # range-check before the int64 conversion, which would wrap huge unsigned values
        check_argmax_range(fn, *int_range(argmax), x_shape)
    argmax = np.ascontiguousarray(argmax, dtype=np.int64)
    dx = memory.empty(x_shape, dy.dtype)
    if dx.size:
        threads.parallel_for(_max_pool_backward_kernel, _planes(dx.shape), (dy, argmax, dx),
                             dx.size + 3 * dy.size)
    return dx


def _avg_window(fn, x_shape, kh, kw, sh, sw, ph, pw, ceil_mode, count_include_pad,
                divisor_override):
    """(kh, kw, sh, sw, ph, pw, over_h, over_w, row_div, col_div, uniform) for the
    kernels, and the output shape; ``uniform`` is the divisor when all are equal, else 0."""
    window, out_shape = pool_geometry(fn, x_shape, kh, kw, sh, sw, ph, pw, 1, 1, ceil_mode)
    if not isinstance(count_include_pad, (bool, np.bool_)):
        raise TypeError(f"{fn}: count_include_pad must be a bool, got {count_include_pad!r}")
    row_div, col_div, uniform = avg_pool_divisors(fn, x_shape, window, out_shape,
                                                  count_include_pad, divisor_override)
    return (*window[:6], *pool_overhang(x_shape, window, out_shape), row_div,
            col_div, uniform), out_shape


def avg_pool2d_forward(x, kh, kw, sh, sw, ph, pw, ceil_mode=False, count_include_pad=True,
                       divisor_override=None):
    """Average pooling.  x (N, C, H, W) -> y (N, C, OH, OW) in x's dtype, each window sum
    divided by PyTorch's divisor (``checks.avg_pool_divisors``); PyTorch's ceil_mode
    output size."""
    fn = "avg_pool2d_forward"
    x = _float_input(fn, "x", x)
    args, out_shape = _avg_window(fn, x.shape, kh, kw, sh, sw, ph, pw, ceil_mode,
                                  count_include_pad, divisor_override)
    y = memory.empty(out_shape, x.dtype)
    if y.size:
        threads.parallel_for(_avg_pool_forward_kernel, _planes(x.shape), (x, y, *args),
                             x.size * args[0] * args[1] + y.size)
    return y


def avg_pool2d_backward(dy, x_shape, kh, kw, sh, sw, ph, pw, ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    """Gradient of avg_pool2d_forward: dy (N, C, OH, OW) -> dx of x_shape (dy's dtype)."""
    fn = "avg_pool2d_backward"
    dy = _float_input(fn, "dy", dy)
    x_shape = check_x_shape(fn, x_shape)
    args, out_shape = _avg_window(fn, x_shape, kh, kw, sh, sw, ph, pw, ceil_mode,
                                  count_include_pad, divisor_override)
    check_pool_dy(fn, dy, out_shape, x_shape, args)
    dx = memory.empty(x_shape, dy.dtype)
    if dx.size:
        threads.parallel_for(_avg_pool_backward_kernel, _planes(dx.shape), (dy, dx, *args),
                             dx.size * args[0] * args[1] + dy.size)
    return dx

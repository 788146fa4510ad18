"""Direct stride-1 convolution on the CPU: Numba kernels and their validating launchers.

Owns the forward, the input gradient and the weight gradient of a stride-1
cross-correlation of x (N, C, H, W) by weight (O, C / groups, kh, kw) with zero
padding (ph, pw), dilation (dh, dw) and groups, computed without patches:
``minidl.ops.nn.Conv2d`` uses them where they beat im2col + BLAS (it says where
and by how much).  The mirror file is ``kernels/cuda/conv.py``.

Layout.  A block of images is laid out, channel by channel, as one flat row:
each image row is followed by ``gap_w`` zero columns and each image by
``gap_h`` zero rows, so one gap serves as the right padding of a row and the
left padding of the next (and likewise between images).  Output (oh, ow) of
image b then sits at flat position k = (b * (H + gap_h) + oh) * (W + gap_w) + ow,
and its window element (i, j) at k + shift + i*dh*(W + gap_w) + j*dw for every
output: one long loop over k with constant offsets, which vectorises.  The
positions k that are not outputs (in the gaps) are computed and thrown away:
15% of the work on 14x14 planes with a 3x3 kernel, 23% on 7x7 ones.

The input gradient is the forward convolution of the output gradient by the
weights flipped and transposed (padding (kh-1)*dh - ph), so one kernel serves
both.  The weight gradient is, per weight, a dot product over that same flat
row of the output gradient (zero in the gaps) and the shifted input row.

Non-finite values: the zero gaps take part in the products, so an inf or NaN
in x (weight gradient) or in the weights (input gradient) also meets zeros
there, and 0 * inf is NaN: an entry im2col + BLAS gives as +-inf can come out
NaN.  Finite inputs give the same values either way.

Work splits over images (forward) and over pairs of output channels (weight
gradient); which pair or block an output channel falls in, and the images
stacked together, depend only on the shapes, so results never depend on the
number of threads.
"""

import numba
import numpy as np

from ..checks import check_float, check_weight_shape, check_x_shape, direct_conv_geometry
from . import memory, threads
from .layout import check_array, contiguous

__all__ = ["conv2d_forward", "conv2d_input_grad", "conv2d_weight_grad"]

# Flat-row elements stacked per pass (images of a block): long loops amortise
# each pass's set-up (per output-channel block and input channel). On the small
# Inception net's 3x3 layers, single-threaded, the forward ran at 27 (one 14x14
# image a pass), 34 (8 images) and 35 (64) GMAC/s; 4096 elements take 18
# 14x14 images or 64 7x7 ones, capped by the images of a thread's chunk.
BLOCK_ELEMENTS = 4096

# A multiply-add here costs about a quarter of what parallel_for's grain
# assumes for an element of memory-bound work (~40 GMAC/s on one core).
_MACS_PER_ELEMENT = 4


# --------------------------------------------------------------------------- kernels


def _layout(height, width, kh, kw, ph, pw, dh, dw):
    """(gap_h, gap_w, row length, rows per image, shift, tail) of the flat layout.

    The gaps are at least the padding (a window reaching past an edge reads
    zeros) and wide enough for the output (a padding larger than the kernel
    makes OH > H + ph).  ``tail``: how far past its last output a pass reads."""
    oh_size = height + 2 * ph - (kh - 1) * dh
    ow_size = width + 2 * pw - (kw - 1) * dw
    gap_h = max(ph, oh_size - height)
    gap_w = max(pw, ow_size - width)
    row = width + gap_w
    shift = (gap_h - ph) * row + gap_w - pw
    tail = shift + (kh - 1) * dh * row + (kw - 1) * dw + gap_h * row + gap_w
    return gap_h, gap_w, row, height + gap_h, shift, tail


_layout_jit = numba.njit(nogil=True, cache=True)(_layout)


@numba.njit(nogil=True, cache=True)
def _fill_rows(rows_out, src, n0, nb, c_lo, c_hi, gap_h, gap_w, row, rows):
    """Images n0 .. n0+nb-1 of src[:, c] into rows_out[c] at their flat positions;
    the gaps are never written, so they stay zero."""
    height, width = src.shape[2], src.shape[3]
    for c in range(c_lo, c_hi):
        dst = rows_out[c]
        for b in range(nb):
            for h in range(height):
                base = (b * rows + gap_h + h) * row + gap_w
                for q in range(width):
                    dst[base + q] = src[n0 + b, c, h, q]


# contract: a multiply-add is one fused instruction (one rounding), in the vector
# loop and its scalar remainder alike; the order of the sums is as written.
@numba.njit(nogil=True, cache=True, fastmath={"contract"})
def _forward_kernel(lo, hi, x, w, out, ph, pw, dh, dw, groups, block):
    """out[n] for the images n in [lo, hi): blocks of ``block`` images, four output
    channels at a time for 3x3 kernels (each input value loaded once for 36
    multiply-adds), one at a time otherwise."""
    n_chan, height, width = x.shape[1], x.shape[2], x.shape[3]
    n_out, group_chan, kh, kw = w.shape
    oh_size, ow_size = out.shape[2], out.shape[3]
    group_out = n_out // groups
    gap_h, gap_w, row, rows, shift, tail = _layout_jit(height, width, kh, kw, ph, pw, dh, dw)
    plane = rows * row
    flat = np.zeros((n_chan, block * plane + tail), dtype=x.dtype)
    acc = np.empty((4, block * plane), dtype=x.dtype)
    three = kh == 3 and kw == 3
    r1, r2 = dh * row, 2 * dh * row
    c1, c2 = dw, 2 * dw
    for n0 in range(lo, hi, block):
        nb = min(block, hi - n0)
        length = nb * plane
        _fill_rows(flat, x, n0, nb, 0, n_chan, gap_h, gap_w, row, rows)
        for g in range(groups):
            o = g * group_out
            end = o + group_out
            while o < end:
                quad = three and end - o >= 4
                count = 4 if quad else 1
                a0, a1, a2, a3 = acc[0, :length], acc[1, :length], acc[2, :length], acc[3, :length]
                for u in range(count):
                    acc[u, :length] = 0
                for cg in range(group_chan):
                    xr = flat[g * group_chan + cg, shift:]
                    if quad:
                        x00, x01, x02 = xr[0:], xr[c1:], xr[c2:]
                        x10, x11, x12 = xr[r1:], xr[r1 + c1:], xr[r1 + c2:]
                        x20, x21, x22 = xr[r2:], xr[r2 + c1:], xr[r2 + c2:]
                        wa, wb, wc, wd = w[o, cg], w[o + 1, cg], w[o + 2, cg], w[o + 3, cg]
                        a00, a01, a02 = wa[0, 0], wa[0, 1], wa[0, 2]
                        a10, a11, a12 = wa[1, 0], wa[1, 1], wa[1, 2]
                        a20, a21, a22 = wa[2, 0], wa[2, 1], wa[2, 2]
                        b00, b01, b02 = wb[0, 0], wb[0, 1], wb[0, 2]
                        b10, b11, b12 = wb[1, 0], wb[1, 1], wb[1, 2]
                        b20, b21, b22 = wb[2, 0], wb[2, 1], wb[2, 2]
                        c00, c01, c02 = wc[0, 0], wc[0, 1], wc[0, 2]
                        c10, c11, c12 = wc[1, 0], wc[1, 1], wc[1, 2]
                        c20, c21, c22 = wc[2, 0], wc[2, 1], wc[2, 2]
                        d00, d01, d02 = wd[0, 0], wd[0, 1], wd[0, 2]
                        d10, d11, d12 = wd[1, 0], wd[1, 1], wd[1, 2]
                        d20, d21, d22 = wd[2, 0], wd[2, 1], wd[2, 2]
                        for k in range(length):
                            v00, v01, v02 = x00[k], x01[k], x02[k]
                            v10, v11, v12 = x10[k], x11[k], x12[k]
                            v20, v21, v22 = x20[k], x21[k], x22[k]
                            a0[k] += (a00 * v00 + a01 * v01 + a02 * v02 + a10 * v10 + a11 * v11
                                      + a12 * v12 + a20 * v20 + a21 * v21 + a22 * v22)
                            a1[k] += (b00 * v00 + b01 * v01 + b02 * v02 + b10 * v10 + b11 * v11
                                      + b12 * v12 + b20 * v20 + b21 * v21 + b22 * v22)
                            a2[k] += (c00 * v00 + c01 * v01 + c02 * v02 + c10 * v10 + c11 * v11
                                      + c12 * v12 + c20 * v20 + c21 * v21 + c22 * v22)
                            a3[k] += (d00 * v00 + d01 * v01 + d02 * v02 + d10 * v10 + d11 * v11
                                      + d12 * v12 + d20 * v20 + d21 * v21 + d22 * v22)
                    else:
                        for i in range(kh):
                            for j in range(kw):
                                wv = w[o, cg, i, j]
                                xs = xr[i * dh * row + j * dw:]
                                for k in range(length):
                                    a0[k] += wv * xs[k]
                for u in range(count):
                    for b in range(nb):
                        for oh in range(oh_size):
                            base = (b * rows + oh) * row
                            for q in range(ow_size):
                                out[n0 + b, o + u, oh, q] = acc[u, base + q]
                o += count


# reassoc: lets the dot products vectorise (partial sums per vector lane); the
# order is fixed at compile time, so repeated runs give identical results.
@numba.njit(nogil=True, cache=True, fastmath={"reassoc", "contract"})
def _weight_grad_kernel(lo, hi, starts, x, grad, dwt, ph, pw, dh, dw, groups, block, zero):
    """dwt[o] for the output channels of units lo .. hi-1 (unit u covers channels
    starts[u] .. starts[u+1]-1: a pair within one group for 3x3 kernels, which
    share each input load, else one), summed over all images in float64."""
    n_batch, n_chan, height, width = x.shape
    n_out, group_chan, kh, kw = dwt.shape
    oh_size, ow_size = grad.shape[2], grad.shape[3]
    group_out = n_out // groups
    o_lo, o_hi = starts[lo], starts[hi]
    gap_h, gap_w, row, rows, shift, tail = _layout_jit(height, width, kh, kw, ph, pw, dh, dw)
    plane = rows * row
    flat = np.zeros((n_chan, block * plane + tail), dtype=x.dtype)
    # the output gradient on the same flat positions, zero in the gaps
    gflat = np.zeros((o_hi - o_lo, block * plane), dtype=grad.dtype)
    acc = np.zeros((o_hi - o_lo, group_chan, kh, kw))
    r1, r2 = dh * row, 2 * dh * row
    c1, c2 = dw, 2 * dw
    c_lo = o_lo // group_out * group_chan
    c_hi = ((o_hi - 1) // group_out + 1) * group_chan
    for n0 in range(0, n_batch, block):
        nb = min(block, n_batch - n0)
        length = nb * plane
        _fill_rows(flat, x, n0, nb, c_lo, c_hi, gap_h, gap_w, row, rows)
        for o in range(o_lo, o_hi):
            dst = gflat[o - o_lo]
            for b in range(nb):
                for oh in range(oh_size):
                    base = (b * rows + oh) * row
                    for q in range(ow_size):
                        dst[base + q] = grad[n0 + b, o, oh, q]
        for u in range(lo, hi):
            o = starts[u]
            g = o // group_out
            ga = gflat[o - o_lo, :length]
            for cg in range(group_chan):
                xr = flat[g * group_chan + cg, shift:]
                if starts[u + 1] - o == 2:
                    gb = gflat[o + 1 - o_lo, :length]
                    x00, x01, x02 = xr[0:], xr[c1:], xr[c2:]
                    x10, x11, x12 = xr[r1:], xr[r1 + c1:], xr[r1 + c2:]
                    x20, x21, x22 = xr[r2:], xr[r2 + c1:], xr[r2 + c2:]
                    s00 = s01 = s02 = s10 = s11 = s12 = s20 = s21 = s22 = zero
                    t00 = t01 = t02 = t10 = t11 = t12 = t20 = t21 = t22 = zero
                    for k in range(length):
                        ea = ga[k]
                        eb = gb[k]
                        v = x00[k]
                        s00 += ea * v
                        t00 += eb * v
                        v = x01[k]
                        s01 += ea * v
                        t01 += eb * v
                        v = x02[k]
                        s02 += ea * v
                        t02 += eb * v
                        v = x10[k]
                        s10 += ea * v
                        t10 += eb * v
                        v = x11[k]
                        s11 += ea * v
                        t11 += eb * v
                        v = x12[k]
                        s12 += ea * v
                        t12 += eb * v
                        v = x20[k]
                        s20 += ea * v
                        t20 += eb * v
                        v = x21[k]
                        s21 += ea * v
                        t21 += eb * v
                        v = x22[k]
                        s22 += ea * v
                        t22 += eb * v
                    a = acc[o - o_lo, cg]
                    a[0, 0] += s00
                    a[0, 1] += s01
                    a[0, 2] += s02
                    a[1, 0] += s10
                    a[1, 1] += s11
                    a[1, 2] += s12
                    a[2, 0] += s20
                    a[2, 1] += s21
                    a[2, 2] += s22
                    a = acc[o + 1 - o_lo, cg]
                    a[0, 0] += t00
                    a[0, 1] += t01
                    a[0, 2] += t02
                    a[1, 0] += t10
                    a[1, 1] += t11
                    a[1, 2] += t12
                    a[2, 0] += t20
                    a[2, 1] += t21
                    a[2, 2] += t22
                else:
                    for i in range(kh):
                        for j in range(kw):
                            xs = xr[i * dh * row + j * dw:]
                            s = zero
                            for k in range(length):
                                s += ga[k] * xs[k]
                            acc[o - o_lo, cg, i, j] += s
    for o in range(o_lo, o_hi):
        for cg in range(group_chan):
            for i in range(kh):
                for j in range(kw):
                    dwt[o, cg, i, j] = acc[o - o_lo, cg, i, j]


# ------------------------------------------------------------------------- launchers


def _float_input(fn, name, a, layout):
    check_array(fn, name, a)
    check_float(fn, name, a, (4,), layout)
    return contiguous(a)


def _check_grad(fn, grad, x_shape, n_out, geometry):
    expected = (x_shape[0], n_out, geometry[5], geometry[6])
    if tuple(grad.shape) != expected:
        raise ValueError(f"{fn}: grad shape {tuple(grad.shape)} does not match the output "
                         f"(N, O, OH, OW) = {expected}")


def _block(x_shape, kh, kw, ph, pw, dh, dw):
    _, _, row, rows, _, _ = _layout(x_shape[2], x_shape[3], kh, kw, ph, pw, dh, dw)
    return max(1, BLOCK_ELEMENTS // (rows * row))


def _forward(x, w, geometry):
    ph, pw, dh, dw, groups, oh_size, ow_size = geometry
    n_batch = x.shape[0]
    out = memory.empty((n_batch, w.shape[0], oh_size, ow_size), x.dtype)
    macs = out.size * w.shape[1] * w.shape[2] * w.shape[3]
    block = _block(x.shape, w.shape[2], w.shape[3], ph, pw, dh, dw)
    threads.parallel_for(_forward_kernel, n_batch,
                         (x, w, out, ph, pw, dh, dw, groups, block),
                         macs // _MACS_PER_ELEMENT)
    return out


def conv2d_forward(x, weight, ph, pw, dh, dw, groups):
    """Stride-1 convolution (cross-correlation) of x (N, C, H, W) by weight
    (O, C / groups, kh, kw), zero padding (ph, pw), dilation (dh, dw):
    (N, O, OH, OW) in x's dtype, OH = H + 2*ph - dh*(kh-1)."""
    fn = "conv2d_forward"
    x = _float_input(fn, "x", x, "(N, C, H, W)")
    weight = _float_input(fn, "weight", weight, "(O, C / groups, kh, kw)")
    if weight.dtype != x.dtype:
        raise TypeError(f"{fn}: weight dtype {weight.dtype} does not match x dtype {x.dtype}")
    geometry = direct_conv_geometry(fn, x.shape, weight.shape, ph, pw, dh, dw, groups)
    return _forward(x, weight, geometry)


def conv2d_input_grad(grad, weight, x_shape, ph, pw, dh, dw, groups):
    """Gradient of conv2d_forward in x: (N, C, H, W) of ``x_shape`` in grad's dtype."""
    fn = "conv2d_input_grad"
    grad = _float_input(fn, "grad", grad, "(N, O, OH, OW)")
    weight = _float_input(fn, "weight", weight, "(O, C / groups, kh, kw)")
    if weight.dtype != grad.dtype:
        raise TypeError(f"{fn}: weight dtype {weight.dtype} does not match grad dtype "
                        f"{grad.dtype}")
    x_shape = check_x_shape(fn, x_shape)
    geometry = direct_conv_geometry(fn, x_shape, weight.shape, ph, pw, dh, dw, groups)
    _check_grad(fn, grad, x_shape, weight.shape[0], geometry)
    ph, pw, dh, dw, groups = geometry[:5]
    n_out, group_chan, kh, kw = weight.shape
    # the weights of input channel c as the output channels of a convolution of grad,
    # flipped: (C, O / groups, kh, kw)
    flipped = weight.reshape(groups, n_out // groups, group_chan, kh, kw)
    flipped = flipped.transpose(0, 2, 1, 3, 4)[:, :, :, ::-1, ::-1]
    flipped = np.ascontiguousarray(flipped).reshape(groups * group_chan, n_out // groups, kh, kw)
    # a padding larger than the kernel's reach leaves input rows no window reads: the
    # convolution of grad then starts inside, and the extra rows and columns are cropped
    top, left = (kh - 1) * dh - ph, (kw - 1) * dw - pw
    inner = direct_conv_geometry(fn, grad.shape, flipped.shape, max(top, 0), max(left, 0),
                                 dh, dw, groups)
    dx = _forward(grad, flipped, inner)
    if top >= 0 and left >= 0:
        return dx
    crop_h, crop_w = max(-top, 0), max(-left, 0)
    cropped = memory.empty(x_shape, grad.dtype)
    np.copyto(cropped, dx[:, :, crop_h:crop_h + x_shape[2], crop_w:crop_w + x_shape[3]])
    return cropped


def conv2d_weight_grad(grad, x, weight_shape, ph, pw, dh, dw, groups):
    """Gradient of conv2d_forward in the weight: ``weight_shape`` (O, C / groups, kh, kw)
    in x's dtype, summed over the batch in float64."""
    fn = "conv2d_weight_grad"
    grad = _float_input(fn, "grad", grad, "(N, O, OH, OW)")
    x = _float_input(fn, "x", x, "(N, C, H, W)")
    if x.dtype != grad.dtype:
        raise TypeError(f"{fn}: x dtype {x.dtype} does not match grad dtype {grad.dtype}")
    weight_shape = check_weight_shape(fn, weight_shape)
    geometry = direct_conv_geometry(fn, x.shape, weight_shape, ph, pw, dh, dw, groups)
    _check_grad(fn, grad, x.shape, weight_shape[0], geometry)
    ph, pw, dh, dw, groups = geometry[:5]
    n_out, group_chan, kh, kw = weight_shape
    group_out = n_out // groups
    step = 2 if (kh, kw) == (3, 3) else 1
    starts = [o for g in range(groups)
              for o in range(g * group_out, (g + 1) * group_out, step)] + [n_out]
    starts = np.array(starts, dtype=np.int64)
    dwt = np.empty(weight_shape, x.dtype)
    macs = grad.size * group_chan * kh * kw
    block = _block(x.shape, kh, kw, ph, pw, dh, dw)
    # one chunk per thread: each chunk lays out every image again
    threads.parallel_for(_weight_grad_kernel, len(starts) - 1,
                         (starts, x, grad, dwt, ph, pw, dh, dw, groups, block,
                          x.dtype.type(0)),
                         macs // _MACS_PER_ELEMENT, per_thread=1)
    return dwt

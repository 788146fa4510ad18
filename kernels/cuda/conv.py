"""Stride-1 convolution on the device: the primitives of ``kernels/cpu/conv.py``, its
mirror, with the same argument checks, computed as im2col + one batched product
(cuBLAS's where CuPy is installed) and, for the input gradient, a product then
col2im: on a GPU the product of the patches is the fast path, and no direct
kernel has been measured against it there.
"""

from ..checks import check_float, check_weight_shape, check_x_shape, direct_conv_geometry
from . import im2col as patches
from .layout import check_array, contiguous, reshape, transpose
from .matmul import matmul
from .reduce import sum as reduce_sum

__all__ = ["conv2d_forward", "conv2d_input_grad", "conv2d_weight_grad"]


def _float_input(fn, name, a, layout):
    check_array(fn, name, a)
    check_float(fn, name, a, (4,), layout)
    return contiguous(a)


def _check_grad(fn, grad, x_shape, n_out, geometry):
    expected = (x_shape[0], n_out, geometry[5], geometry[6])
    if tuple(grad.shape) != expected:
        raise ValueError(f"{fn}: grad shape {tuple(grad.shape)} does not match the output "
                         f"(N, O, OH, OW) = {expected}")


def _grouped_grad(grad, groups):
    """grad (N, O, OH, OW) as (N, O, L), or (N, G, O / G, L) with groups."""
    n_batch, n_out, oh_size, ow_size = grad.shape
    if groups == 1:
        return reshape(grad, (n_batch, n_out, oh_size * ow_size))
    return reshape(grad, (n_batch, groups, n_out // groups, oh_size * ow_size))


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
    ph, pw, dh, dw, groups, oh_size, ow_size = geometry
    n_batch = x.shape[0]
    n_out, group_chan, kh, kw = weight.shape
    cols = patches.im2col(x, kh, kw, 1, 1, ph, pw, dh, dw)          # (N, C*kh*kw, L)
    k = group_chan * kh * kw
    if groups == 1:
        out = matmul(reshape(weight, (n_out, k)), cols)
    else:
        cols = reshape(cols, (n_batch, groups, k, oh_size * ow_size))
        out = matmul(reshape(weight, (groups, n_out // groups, k)), cols)
    return reshape(out, (n_batch, n_out, oh_size, ow_size))


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
    n_out, _, kh, kw = weight.shape
    if groups == 1:
        wt = transpose(reshape(weight, (n_out, -1)), (1, 0))              # (C*kh*kw, O)
    else:
        wt = transpose(reshape(weight, (groups, n_out // groups, -1)), (0, 2, 1))
    gcols = matmul(wt, _grouped_grad(grad, groups))                       # (N, [G,] K, L)
    gcols = reshape(gcols, (x_shape[0], -1, grad.shape[2] * grad.shape[3]))
    return patches.col2im(gcols, x_shape, kh, kw, 1, 1, ph, pw, dh, dw)


def conv2d_weight_grad(grad, x, weight_shape, ph, pw, dh, dw, groups):
    """Gradient of conv2d_forward in the weight: ``weight_shape`` (O, C / groups, kh, kw)
    in x's dtype."""
    fn = "conv2d_weight_grad"
    grad = _float_input(fn, "grad", grad, "(N, O, OH, OW)")
    x = _float_input(fn, "x", x, "(N, C, H, W)")
    if x.dtype != grad.dtype:
        raise TypeError(f"{fn}: x dtype {x.dtype} does not match grad dtype {grad.dtype}")
    weight_shape = check_weight_shape(fn, weight_shape)
    geometry = direct_conv_geometry(fn, x.shape, weight_shape, ph, pw, dh, dw, groups)
    _check_grad(fn, grad, x.shape, weight_shape[0], geometry)
    ph, pw, dh, dw, groups, oh_size, ow_size = geometry
    n_batch = x.shape[0]
    _, group_chan, kh, kw = weight_shape
    cols = patches.im2col(x, kh, kw, 1, 1, ph, pw, dh, dw)
    if groups == 1:
        per_sample = matmul(cols, transpose(_grouped_grad(grad, 1), (0, 2, 1)))  # (N, K, O)
        total = transpose(reduce_sum(per_sample, (0,), False), (1, 0))
    else:
        cols = reshape(cols, (n_batch, groups, group_chan * kh * kw, oh_size * ow_size))
        g4t = transpose(_grouped_grad(grad, groups), (0, 1, 3, 2))
        per_sample = matmul(cols, g4t)                                    # (N, G, K, O/G)
        total = transpose(reduce_sum(per_sample, (0,), False), (0, 2, 1))
    return reshape(total, weight_shape)

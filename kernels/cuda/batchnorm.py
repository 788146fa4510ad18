"""Batch normalisation on the device: kernels and their validating launchers.

Same semantics as ``kernels/cpu/batchnorm.py``, its mirror (PyTorch's): statistics per
feature of (N, C) or per channel of (N, C, H, W) over N (and H, W); the biased
variance (1/m) normalises.  An input is seen as (N, C, HW) with HW = 1 for
(N, C), so one set of kernels serves both layouts.

Training kernels give each channel one block (grid-stride over channels).  The
block's threads stride over the channel's m = N*HW elements and combine their
float64 partial results by a tree reduction in shared memory:

* forward: pass 1 sums x (mean), pass 2 sums (x - mean)^2 (variance): the
  two-pass form, never E[x^2] - E[x]^2, which cancels catastrophically when
  |mean| >> std; pass 3 writes y.
* backward: ONE fused reduction produces both sum(dy) and sum(dy * xhat) (two
  shared arrays reduced side by side), then one elementwise pass writes
  dx = gamma*invstd * (dy - mean(dy) - xhat * mean(dy*xhat)).  The evaluation
  backward is the same kernel with the two means set to zero and invstd
  computed from the running variance.

The evaluation forward is a plain grid-stride elementwise kernel.  Running
statistics are not touched here: the ops layer updates them on the device
with the backend's ``lerp_``.  Every output is computed in float64 and rounded
once to the input dtype.
"""

import math

import numpy as np
from numba import cuda, float64

from ..checks import (
    check_channel_row,
    check_eps,
    check_float,
    check_no_zero_size,
    check_running_var,
    check_same,
)
from .config import THREADS_PER_BLOCK, blocks_for
from .layout import check_array, fill, flat

__all__ = [
    "batch_norm_forward_train",
    "batch_norm_forward_eval",
    "batch_norm_backward",
    "batch_norm_backward_eval",
]


# --------------------------------------------------------------------------- device functions


@cuda.jit(device=True)
def _index(j, c, n_chan, hw):
    """Flat index of element j (= n*HW + k) of channel c in a contiguous (N, C, HW)."""
    n = j // hw
    return (n * n_chan + c) * hw + (j - n * hw)


@cuda.jit(device=True)
def _block_sum(partial, value, tid):
    """Sum of ``value`` over the block (every thread gets it)."""
    partial[tid] = value
    cuda.syncthreads()
    width = THREADS_PER_BLOCK // 2
    while width > 0:
        if tid < width:
            partial[tid] += partial[tid + width]
        cuda.syncthreads()
        width //= 2
    total = partial[0]
    cuda.syncthreads()  # partial is reused by the next reduction
    return total


@cuda.jit(device=True)
def _block_sum2(part_a, part_b, a, b, tid):
    """Two block sums reduced in the same tree steps (one set of barriers)."""
    part_a[tid] = a
    part_b[tid] = b
    cuda.syncthreads()
    width = THREADS_PER_BLOCK // 2
    while width > 0:
        if tid < width:
            part_a[tid] += part_a[tid + width]
            part_b[tid] += part_b[tid + width]
        cuda.syncthreads()
        width //= 2
    total_a = part_a[0]
    total_b = part_b[0]
    cuda.syncthreads()
    return total_a, total_b


# --------------------------------------------------------------------------- kernels


@cuda.jit
def _bn_forward_train_kernel(x, gamma, beta, eps, y, mean_out, var_out, invstd_out,
                             n_batch, n_chan, hw):
    partial = cuda.shared.array(THREADS_PER_BLOCK, dtype=float64)
    tid = cuda.threadIdx.x
    m = n_batch * hw
    for c in range(cuda.blockIdx.x, n_chan, cuda.gridDim.x):
        s = 0.0
        for j in range(tid, m, THREADS_PER_BLOCK):
            s += float64(x[_index(j, c, n_chan, hw)])
        mean = _block_sum(partial, s, tid) / m
        s = 0.0
        for j in range(tid, m, THREADS_PER_BLOCK):
            d = float64(x[_index(j, c, n_chan, hw)]) - mean
            s += d * d
        var = _block_sum(partial, s, tid) / m
        invstd = 1.0 / math.sqrt(var + eps)
        scale = float64(gamma[c]) * invstd
        shift = float64(beta[c])
        for j in range(tid, m, THREADS_PER_BLOCK):
            i = _index(j, c, n_chan, hw)
            y[i] = (float64(x[i]) - mean) * scale + shift
        if tid == 0:
            mean_out[c] = mean
            var_out[c] = var
            invstd_out[c] = invstd


@cuda.jit
def _bn_forward_eval_kernel(x, gamma, beta, running_mean, running_var, eps, y, n_chan, hw):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, x.size, step):
        c = (i // hw) % n_chan
        invstd = 1.0 / math.sqrt(float64(running_var[c]) + eps)
        y[i] = ((float64(x[i]) - float64(running_mean[c])) * (float64(gamma[c]) * invstd)
                + float64(beta[c]))


@cuda.jit
def _bn_backward_kernel(dy, x, gamma, mean, stat, stat_is_var, eps, training,
                        dx, dgamma, dbeta, n_batch, n_chan, hw):
    """stat is invstd (training) or the running variance (stat_is_var, evaluation)."""
    part_a = cuda.shared.array(THREADS_PER_BLOCK, dtype=float64)
    part_b = cuda.shared.array(THREADS_PER_BLOCK, dtype=float64)
    tid = cuda.threadIdx.x
    m = n_batch * hw
    for c in range(cuda.blockIdx.x, n_chan, cuda.gridDim.x):
        mu = float64(mean[c])
        if stat_is_var:
            invstd = 1.0 / math.sqrt(float64(stat[c]) + eps)
        else:
            invstd = float64(stat[c])
        s_dy = 0.0
        s_dy_xhat = 0.0
        for j in range(tid, m, THREADS_PER_BLOCK):
            i = _index(j, c, n_chan, hw)
            g = float64(dy[i])
            s_dy += g
            s_dy_xhat += g * ((float64(x[i]) - mu) * invstd)
        sum_dy, sum_dy_xhat = _block_sum2(part_a, part_b, s_dy, s_dy_xhat, tid)
        if tid == 0:
            dgamma[c] = sum_dy_xhat
            dbeta[c] = sum_dy
        # eval: the statistics are constants, the correction terms vanish
        mean_dy = sum_dy / m if training else 0.0
        mean_dy_xhat = sum_dy_xhat / m if training else 0.0
        scale = float64(gamma[c]) * invstd
        for j in range(tid, m, THREADS_PER_BLOCK):
            i = _index(j, c, n_chan, hw)
            xhat = (float64(x[i]) - mu) * invstd
            dx[i] = scale * (float64(dy[i]) - (mean_dy + xhat * mean_dy_xhat))


# ------------------------------------------------------------------------- launchers


def _check_x(fn, x):
    check_array(fn, "x", x)
    check_float(fn, "x", x, (2, 4), "(N, C) or (N, C, H, W)")
    check_no_zero_size(fn, "x", x)
    return x


def _check_same(fn, name, a, ref_name, ref):
    check_array(fn, name, a)
    check_same(fn, name, a, ref_name, ref)
    return a


def _check_row(fn, name, a, x, optional, float64_ok=False):
    """A (C,) device array of x's dtype (or float64 when ``float64_ok``); None is
    allowed when ``optional``."""
    if a is None:
        if optional:
            return None
        raise TypeError(f"{fn}: {name} must be a CUDA device array, got None")
    check_array(fn, name, a)
    check_channel_row(fn, name, a, x, float64_ok)
    return a


def _dims(x):
    """(N, C, HW) of an (N, C) or (N, C, H, W) array."""
    n, c = int(x.shape[0]), int(x.shape[1])
    hw = 1 if x.ndim == 2 else int(x.shape[2]) * int(x.shape[3])
    return n, c, hw


def _or_const(a, x, value):
    """``a``, or a (C,) device array of ``value`` in x's dtype when a is None."""
    if a is not None:
        return a
    return fill(cuda.device_array(x.shape[1], dtype=x.dtype), value)


def _check_running_var(fn, running_var, eps):
    # a host copy of C values: the one check that reads device data, as the CPU does
    check_running_var(fn, running_var.copy_to_host().astype(np.float64), eps)


def batch_norm_forward_train(x, gamma, beta, eps):
    """(y, mean, var, invstd) with batch statistics; see the CPU launcher."""
    fn = "batch_norm_forward_train"
    _check_x(fn, x)
    n, c, hw = _dims(x)
    if n * hw <= 1:
        raise ValueError(f"{fn}: expected more than 1 value per channel when training, got "
                         f"input shape {tuple(x.shape)}")
    eps = check_eps(fn, eps)
    _check_row(fn, "gamma", gamma, x, True)
    _check_row(fn, "beta", beta, x, True)
    gamma = _or_const(gamma, x, 1.0)
    beta = _or_const(beta, x, 0.0)
    y = cuda.device_array(x.shape, dtype=x.dtype)
    # float64 statistics, as on the CPU: the backward recomputes xhat from them
    mean = cuda.device_array(c, dtype=np.float64)
    var = cuda.device_array(c, dtype=np.float64)
    invstd = cuda.device_array(c, dtype=np.float64)
    _bn_forward_train_kernel[blocks_for(c, 1), THREADS_PER_BLOCK](
        flat(x), gamma, beta, eps, flat(y), mean, var, invstd, n, c, hw)
    return y, mean, var, invstd


def batch_norm_forward_eval(x, gamma, beta, running_mean, running_var, eps):
    """y normalised with the running statistics; see the CPU launcher."""
    fn = "batch_norm_forward_eval"
    _check_x(fn, x)
    eps = check_eps(fn, eps)
    _check_row(fn, "gamma", gamma, x, True)
    _check_row(fn, "beta", beta, x, True)
    _check_row(fn, "running_mean", running_mean, x, False)
    _check_row(fn, "running_var", running_var, x, False)
    _check_running_var(fn, running_var, eps)
    gamma = _or_const(gamma, x, 1.0)
    beta = _or_const(beta, x, 0.0)
    _, c, hw = _dims(x)
    y = cuda.device_array(x.shape, dtype=x.dtype)
    _bn_forward_eval_kernel[blocks_for(x.size), THREADS_PER_BLOCK](
        flat(x), gamma, beta, running_mean, running_var, eps, flat(y), c, hw)
    return y


def _backward(dy, x, gamma, mean, stat, stat_is_var, eps, training):
    n, c, hw = _dims(x)
    gamma = _or_const(gamma, x, 1.0)
    dx = cuda.device_array(x.shape, dtype=x.dtype)
    dgamma = cuda.device_array(c, dtype=x.dtype)
    dbeta = cuda.device_array(c, dtype=x.dtype)
    _bn_backward_kernel[blocks_for(c, 1), THREADS_PER_BLOCK](
        flat(dy), flat(x), gamma, mean, stat, stat_is_var, eps, training,
        flat(dx), dgamma, dbeta, n, c, hw)
    return dx, dgamma, dbeta


def batch_norm_backward(dy, x, gamma, mean, invstd):
    """(dx, dgamma, dbeta) through the batch statistics; see the CPU launcher."""
    fn = "batch_norm_backward"
    _check_x(fn, x)
    _check_same(fn, "dy", dy, "x", x)
    _check_row(fn, "mean", mean, x, False, float64_ok=True)
    _check_row(fn, "invstd", invstd, x, False, float64_ok=True)
    _check_row(fn, "gamma", gamma, x, True)
    return _backward(dy, x, gamma, mean, invstd, False, 0.0, True)


def batch_norm_backward_eval(dy, x, gamma, running_mean, running_var, eps):
    """(dx, dgamma, dbeta) with the running statistics as constants."""
    fn = "batch_norm_backward_eval"
    _check_x(fn, x)
    _check_same(fn, "dy", dy, "x", x)
    eps = check_eps(fn, eps)
    _check_row(fn, "running_mean", running_mean, x, False)
    _check_row(fn, "running_var", running_var, x, False)
    _check_row(fn, "gamma", gamma, x, True)
    _check_running_var(fn, running_var, eps)
    return _backward(dy, x, gamma, running_mean, running_var, True, eps, False)

"""Batch normalisation on the device: kernels and their validating launchers.

Same semantics as ``kernels/cpu/batchnorm.py``, its mirror (PyTorch's): statistics per
feature of (N, C) or per channel of (N, C, H, W) over N (and H, W); the biased
variance (1/m) normalises.  An input is seen as (N, C, HW) with HW = 1 for
(N, C), so one set of kernels serves both layouts.

The work is a grid of (channel tile, chunk) blocks: a channel's m = N*HW
elements are split into chunks so that the whole GPU is busy even for C = 64
channels (about BN_BLOCKS blocks in all).  Inside a block, ``ct`` lanes run
across channels and ``THREADS_PER_BLOCK / ct`` rows of threads across a
chunk's elements, so that neighbouring threads read neighbouring addresses in
both layouts: for (N, C) a warp spans 32 channels of one sample (ct = 32); for
(N, C, H, W) one channel per block, the threads along its contiguous H*W runs
(ct = 1).  Per-block partial sums (float64) go to a (C, chunks) scratch array.

* forward, 2 kernels, x read twice (the minimum without keeping x on chip):
  (1) partial sums of (x - k) and (x - k)^2 with k the channel's first
  element, a shift that keeps the one-pass variance free of the cancellation
  of E[x^2] - E[x]^2 when |mean| >> std; (2) every block adds up its
  channels' partial sums (a few dozen numbers), the chunk-0 block stores mean,
  var and invstd, and all write y = (x - mean) * gamma * invstd + beta.
* backward, 2 kernels, x and dy read twice: (1) partial sums of dy and
  dy * (x - mean); (2) the sums give dgamma, dbeta (chunk-0 block) and each
  block writes dx = gamma*invstd * (dy - mean(dy) - xhat * mean(dy*xhat)).
  The evaluation backward is the same pair with the two means set to zero and
  invstd computed from the running variance.

The evaluation forward is a plain grid-stride elementwise kernel.  Running
statistics are not touched here: the ops layer updates them on the device
with the backend's ``lerp_``.  Every output is computed in float64 and rounded
once to the input dtype.  No launcher reads device data back to the host:
a running variance with running_var + eps <= 0 gives NaN, as in PyTorch.
"""

import math

import numpy as np
from numba import cuda, float64

from ..checks import (
    check_channel_row,
    check_eps,
    check_float,
    check_no_zero_size,
    check_same,
)
from .config import (
    BN_BLOCKS,
    BN_MIN_PER_THREAD,
    MAX_BLOCKS,
    ROW_GROUP,
    THREADS_PER_BLOCK,
    blocks_for,
    jit,
    launch,
)
from .layout import as_array, check_array, empty, fill, flat

__all__ = [
    "batch_norm_forward_train",
    "batch_norm_forward_eval",
    "batch_norm_backward",
    "batch_norm_backward_eval",
]

T = THREADS_PER_BLOCK


# --------------------------------------------------------------------------- device functions


@cuda.jit(device=True)
def _index(j, c, n_chan, hw):
    """Flat index of element j (= n*HW + k) of channel c in a contiguous (N, C, HW)."""
    n = j // hw
    return (n * n_chan + c) * hw + (j - n * hw)


@cuda.jit(device=True)
def _invstd(var, eps):
    """1 / sqrt(var + eps), NaN when var + eps <= 0 (as on a GPU, also in the simulator)."""
    v = var + eps
    if v > 0.0:
        return 1.0 / math.sqrt(v)
    return math.nan


@cuda.jit(device=True)
def _rows_sum2(part_a, part_b, a, b, tid, ct, rows):
    """Per channel lane, the sums of a and b over the block's rows (valid in row 0)."""
    part_a[tid] = a
    part_b[tid] = b
    cuda.syncthreads()
    r = tid // ct
    width = rows // 2
    while width > 0:
        if r < width:
            part_a[tid] += part_a[tid + width * ct]
            part_b[tid] += part_b[tid + width * ct]
        cuda.syncthreads()
        width //= 2
    total_a = part_a[tid]
    total_b = part_b[tid]
    cuda.syncthreads()  # the arrays are reused by the next block of work
    return total_a, total_b


# --------------------------------------------------------------------------- kernels


@jit
def _stats_kernel(x, psum, psq, n_chan, hw, m, ct, n_ctiles, n_chunks, chunk):
    part_a = cuda.shared.array(T, dtype=float64)
    part_b = cuda.shared.array(T, dtype=float64)
    tid = cuda.threadIdx.x
    c_lane = tid % ct
    r = tid // ct
    rows = T // ct
    for b in range(cuda.blockIdx.x, n_ctiles * n_chunks, cuda.gridDim.x):
        tile = b // n_chunks
        part = b - tile * n_chunks
        c = tile * ct + c_lane
        s1 = 0.0
        s2 = 0.0
        if c < n_chan:
            shift = float64(x[_index(0, c, n_chan, hw)])
            start = part * chunk
            stop = min(start + chunk, m)
            for j in range(start + r, stop, rows):
                d = float64(x[_index(j, c, n_chan, hw)]) - shift
                s1 += d
                s2 += d * d
        s1, s2 = _rows_sum2(part_a, part_b, s1, s2, tid, ct, rows)
        if r == 0 and c < n_chan:
            psum[c * n_chunks + part] = s1
            psq[c * n_chunks + part] = s2


@jit
def _normalize_kernel(x, psum, psq, gamma, beta, eps, y, mean_out, var_out, invstd_out,
                      n_chan, hw, m, ct, n_ctiles, n_chunks, chunk):
    sh_mean = cuda.shared.array(T, dtype=float64)
    sh_scale = cuda.shared.array(T, dtype=float64)
    tid = cuda.threadIdx.x
    c_lane = tid % ct
    r = tid // ct
    rows = T // ct
    for b in range(cuda.blockIdx.x, n_ctiles * n_chunks, cuda.gridDim.x):
        tile = b // n_chunks
        part = b - tile * n_chunks
        c = tile * ct + c_lane
        if r == 0 and c < n_chan:
            s1 = 0.0
            s2 = 0.0
            for q in range(n_chunks):
                s1 += psum[c * n_chunks + q]
                s2 += psq[c * n_chunks + q]
            d_mean = s1 / m
            var = max(s2 / m - d_mean * d_mean, 0.0)
            mean = float64(x[_index(0, c, n_chan, hw)]) + d_mean
            invstd = 1.0 / math.sqrt(var + eps)
            sh_mean[c_lane] = mean
            sh_scale[c_lane] = float64(gamma[c]) * invstd
            if part == 0:
                mean_out[c] = mean
                var_out[c] = var
                invstd_out[c] = invstd
        cuda.syncthreads()
        if c < n_chan:
            mean = sh_mean[c_lane]
            scale = sh_scale[c_lane]
            shift = float64(beta[c])
            start = part * chunk
            stop = min(start + chunk, m)
            for j in range(start + r, stop, rows):
                i = _index(j, c, n_chan, hw)
                y[i] = (float64(x[i]) - mean) * scale + shift
        cuda.syncthreads()


@jit
def _backward_stats_kernel(dy, x, mean, psum_dy, psum_dyx, n_chan, hw, m, ct, n_ctiles,
                           n_chunks, chunk):
    part_a = cuda.shared.array(T, dtype=float64)
    part_b = cuda.shared.array(T, dtype=float64)
    tid = cuda.threadIdx.x
    c_lane = tid % ct
    r = tid // ct
    rows = T // ct
    for b in range(cuda.blockIdx.x, n_ctiles * n_chunks, cuda.gridDim.x):
        tile = b // n_chunks
        part = b - tile * n_chunks
        c = tile * ct + c_lane
        s_dy = 0.0
        s_dyx = 0.0
        if c < n_chan:
            mu = float64(mean[c])
            start = part * chunk
            stop = min(start + chunk, m)
            for j in range(start + r, stop, rows):
                i = _index(j, c, n_chan, hw)
                g = float64(dy[i])
                s_dy += g
                s_dyx += g * (float64(x[i]) - mu)
        s_dy, s_dyx = _rows_sum2(part_a, part_b, s_dy, s_dyx, tid, ct, rows)
        if r == 0 and c < n_chan:
            psum_dy[c * n_chunks + part] = s_dy
            psum_dyx[c * n_chunks + part] = s_dyx


@jit
def _backward_dx_kernel(dy, x, gamma, mean, stat, stat_is_var, eps, training, psum_dy,
                        psum_dyx, dx, dgamma, dbeta, n_chan, hw, m, ct, n_ctiles, n_chunks,
                        chunk):
    """stat is invstd (training) or the running variance (stat_is_var, evaluation)."""
    sh_mu = cuda.shared.array(T, dtype=float64)
    sh_invstd = cuda.shared.array(T, dtype=float64)
    sh_scale = cuda.shared.array(T, dtype=float64)
    sh_mdy = cuda.shared.array(T, dtype=float64)
    sh_mdyx = cuda.shared.array(T, dtype=float64)
    tid = cuda.threadIdx.x
    c_lane = tid % ct
    r = tid // ct
    rows = T // ct
    for b in range(cuda.blockIdx.x, n_ctiles * n_chunks, cuda.gridDim.x):
        tile = b // n_chunks
        part = b - tile * n_chunks
        c = tile * ct + c_lane
        if r == 0 and c < n_chan:
            if stat_is_var:
                invstd = _invstd(float64(stat[c]), eps)
            else:
                invstd = float64(stat[c])
            sum_dy = 0.0
            sum_dyx = 0.0
            for q in range(n_chunks):
                sum_dy += psum_dy[c * n_chunks + q]
                sum_dyx += psum_dyx[c * n_chunks + q]
            sum_dy_xhat = sum_dyx * invstd
            if part == 0:
                dgamma[c] = sum_dy_xhat
                dbeta[c] = sum_dy
            sh_mu[c_lane] = float64(mean[c])
            sh_invstd[c_lane] = invstd
            sh_scale[c_lane] = float64(gamma[c]) * invstd
            # eval: the statistics are constants, the correction terms vanish
            sh_mdy[c_lane] = sum_dy / m if training else 0.0
            sh_mdyx[c_lane] = sum_dy_xhat / m if training else 0.0
        cuda.syncthreads()
        if c < n_chan:
            mu = sh_mu[c_lane]
            invstd = sh_invstd[c_lane]
            scale = sh_scale[c_lane]
            mean_dy = sh_mdy[c_lane]
            mean_dy_xhat = sh_mdyx[c_lane]
            start = part * chunk
            stop = min(start + chunk, m)
            for j in range(start + r, stop, rows):
                i = _index(j, c, n_chan, hw)
                xhat = (float64(x[i]) - mu) * invstd
                dx[i] = scale * (float64(dy[i]) - (mean_dy + xhat * mean_dy_xhat))
        cuda.syncthreads()


@jit
def _forward_eval_kernel(x, gamma, beta, running_mean, running_var, eps, y, n_chan, hw):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, x.size, step):
        c = (i // hw) % n_chan
        invstd = _invstd(float64(running_var[c]), eps)
        y[i] = ((float64(x[i]) - float64(running_mean[c])) * (float64(gamma[c]) * invstd)
                + float64(beta[c]))


# ------------------------------------------------------------------------- planning


def plan(n_batch, n_chan, hw):
    """(ct, n_ctiles, n_chunks, chunk, grid) of the (channel tile, chunk) grid."""
    m = n_batch * hw
    if hw == 1:
        # (N, C): lanes across channels, as many as there are (a power of two)
        ct = 1
        while ct < ROW_GROUP and ct < n_chan:
            ct *= 2
    else:
        ct = 1
    rows = THREADS_PER_BLOCK // ct
    n_ctiles = -(-n_chan // ct)
    n_chunks = max(1, min(BN_BLOCKS // n_ctiles, -(-m // (rows * BN_MIN_PER_THREAD))))
    chunk = -(-m // n_chunks)
    n_chunks = -(-m // chunk)
    grid = min(MAX_BLOCKS, n_ctiles * n_chunks)
    return ct, n_ctiles, n_chunks, chunk, grid


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
    return as_array(fn, a)


def _dims(x):
    """(N, C, HW) of an (N, C) or (N, C, H, W) array."""
    n, c = int(x.shape[0]), int(x.shape[1])
    hw = 1 if x.ndim == 2 else int(x.shape[2]) * int(x.shape[3])
    return n, c, hw


def _or_const(a, x, value):
    """``a``, or a (C,) device array of ``value`` in x's dtype when a is None."""
    if a is not None:
        return a
    return fill(empty((int(x.shape[1]),), x.dtype), value)


def batch_norm_forward_train(x, gamma, beta, eps):
    """(y, mean, var, invstd) with batch statistics; see the CPU launcher."""
    fn = "batch_norm_forward_train"
    _check_x(fn, x)
    n, c, hw = _dims(x)
    if n * hw <= 1:
        raise ValueError(f"{fn}: expected more than 1 value per channel when training, got "
                         f"input shape {tuple(x.shape)}")
    eps = check_eps(fn, eps)
    gamma = _or_const(_check_row(fn, "gamma", gamma, x, True), x, 1.0)
    beta = _or_const(_check_row(fn, "beta", beta, x, True), x, 0.0)
    x = as_array(fn, x)
    ct, n_ctiles, n_chunks, chunk, grid = plan(n, c, hw)
    psum = empty((c * n_chunks,), np.float64)
    psq = empty((c * n_chunks,), np.float64)
    y = empty(x.shape, x.dtype)
    # float64 statistics, as on the CPU: the backward recomputes xhat from them
    mean = empty((c,), np.float64)
    var = empty((c,), np.float64)
    invstd = empty((c,), np.float64)
    geometry = (c, hw, n * hw, ct, n_ctiles, n_chunks, chunk)
    launch(_stats_kernel, grid, T, flat(x), psum, psq, *geometry)
    launch(_normalize_kernel, grid, T, flat(x), psum, psq, gamma, beta, eps, flat(y), mean, var,
           invstd, *geometry)
    return y, mean, var, invstd


def batch_norm_forward_eval(x, gamma, beta, running_mean, running_var, eps):
    """y normalised with the running statistics; see the CPU launcher."""
    fn = "batch_norm_forward_eval"
    _check_x(fn, x)
    eps = check_eps(fn, eps)
    gamma = _or_const(_check_row(fn, "gamma", gamma, x, True), x, 1.0)
    beta = _or_const(_check_row(fn, "beta", beta, x, True), x, 0.0)
    running_mean = _check_row(fn, "running_mean", running_mean, x, False)
    running_var = _check_row(fn, "running_var", running_var, x, False)
    x = as_array(fn, x)
    _, c, hw = _dims(x)
    y = empty(x.shape, x.dtype)
    launch(_forward_eval_kernel, blocks_for(x.size), T, flat(x), gamma, beta, running_mean,
           running_var, eps, flat(y), c, hw)
    return y


def _backward(fn, dy, x, gamma, mean, stat, stat_is_var, eps, training):
    n, c, hw = _dims(x)
    gamma = _or_const(gamma, x, 1.0)
    x = as_array(fn, x)
    dy = as_array(fn, dy)
    ct, n_ctiles, n_chunks, chunk, grid = plan(n, c, hw)
    psum_dy = empty((c * n_chunks,), np.float64)
    psum_dyx = empty((c * n_chunks,), np.float64)
    dx = empty(x.shape, x.dtype)
    dgamma = empty((c,), x.dtype)
    dbeta = empty((c,), x.dtype)
    geometry = (c, hw, n * hw, ct, n_ctiles, n_chunks, chunk)
    launch(_backward_stats_kernel, grid, T, flat(dy), flat(x), mean, psum_dy, psum_dyx,
           *geometry)
    launch(_backward_dx_kernel, grid, T, flat(dy), flat(x), gamma, mean, stat, stat_is_var,
           eps, training, psum_dy, psum_dyx, flat(dx), dgamma, dbeta, *geometry)
    return dx, dgamma, dbeta


def batch_norm_backward(dy, x, gamma, mean, invstd):
    """(dx, dgamma, dbeta) through the batch statistics; see the CPU launcher."""
    fn = "batch_norm_backward"
    _check_x(fn, x)
    _check_same(fn, "dy", dy, "x", x)
    mean = _check_row(fn, "mean", mean, x, False, float64_ok=True)
    invstd = _check_row(fn, "invstd", invstd, x, False, float64_ok=True)
    gamma = _check_row(fn, "gamma", gamma, x, True)
    return _backward(fn, dy, x, gamma, mean, invstd, False, 0.0, True)


def batch_norm_backward_eval(dy, x, gamma, running_mean, running_var, eps):
    """(dx, dgamma, dbeta) with the running statistics as constants."""
    fn = "batch_norm_backward_eval"
    _check_x(fn, x)
    _check_same(fn, "dy", dy, "x", x)
    eps = check_eps(fn, eps)
    running_mean = _check_row(fn, "running_mean", running_mean, x, False)
    running_var = _check_row(fn, "running_var", running_var, x, False)
    gamma = _check_row(fn, "gamma", gamma, x, True)
    return _backward(fn, dy, x, gamma, running_mean, running_var, True, eps, False)

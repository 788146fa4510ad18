"""Batch normalisation on the CPU: Numba kernels and their validating launchers.

Owns BatchNorm forward (training and evaluation) and backward (training and evaluation)
for (N, C) and (N, C, H, W) inputs with PyTorch semantics: statistics per feature
(N, C) or per channel over N, H, W (N, C, H, W); the biased variance (1/m) normalises.

Numerical choices: per-channel statistics use two passes (mean, then the sum of squared
deviations) accumulated in float64, never E[x^2] - E[x]^2, and are returned in float64:
the backward pass recomputes xhat from them, and a float32 mean of 1e4 would be off by
up to 5e-4, a large error in xhat when the spread is 1e-2.  Every output is computed in
float64 and rounded once to the input dtype.  Work is split over channels (NCHW) or over
blocks of whole feature columns (NC), and runs on the thread pool of ``threads`` when it
is large enough; a channel's arithmetic never depends on the split, so results are
bit-identical run to run and for any thread count.
The mirror file is ``kernels/cuda/batchnorm.py``.
"""

import math

import numba
import numpy as np

from ..checks import (
    check_channel_row,
    check_eps,
    check_float,
    check_no_zero_size,
    check_running_var,
    check_same,
)
from . import memory, threads
from .layout import check_array, contiguous

__all__ = [
    "batch_norm_forward_train",
    "batch_norm_forward_eval",
    "batch_norm_backward",
    "batch_norm_backward_eval",
]

# (N, C) inputs are split into groups of this many columns (the last may be narrower),
# and a thread gets a run of whole groups: keeps the vectorised row loops long.
_NC_GROUP = 32


# --------------------------------------------------------------------------- kernels
# A channel of an (N, C, HW) array is N contiguous runs of length HW.  Its reductions
# first sum over n into one float64 lane per position k (independent lanes, so the loop
# vectorises without reassociating anything), then sum the HW lanes with 8 interleaved
# accumulators (a single accumulator is latency bound).  The order of every addition is
# fixed by the shape alone, so results are reproducible bit for bit.


@numba.njit(cache=True, fastmath=False)
def _run_sum(v):
    n = v.shape[0]
    n8 = n - n % 8
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    for i in range(0, n8, 8):
        s0 += v[i]
        s1 += v[i + 1]
        s2 += v[i + 2]
        s3 += v[i + 3]
        s4 += v[i + 4]
        s5 += v[i + 5]
        s6 += v[i + 6]
        s7 += v[i + 7]
    for i in range(n8, n):
        s0 += v[i]
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@numba.njit(cache=True, fastmath=False)
def _channel_sum(x, c, lanes):
    """sum(x[:, c, :]) in float64; `lanes` is (HW,) float64 scratch."""
    lanes[:] = 0.0
    for n in range(x.shape[0]):
        run = x[n, c]
        for k in range(run.shape[0]):
            lanes[k] += np.float64(run[k])
    return _run_sum(lanes)


@numba.njit(cache=True, fastmath=False)
def _channel_sum_sq_dev(x, c, mean, lanes):
    """sum((x[:, c, :] - mean)**2) in float64; `lanes` is (HW,) float64 scratch."""
    lanes[:] = 0.0
    for n in range(x.shape[0]):
        run = x[n, c]
        for k in range(run.shape[0]):
            d = np.float64(run[k]) - mean
            lanes[k] += d * d
    return _run_sum(lanes)


@numba.njit(cache=True, fastmath=False)
def _channel_grad_sums(dy, x, c, mean, invstd, lanes):
    """(sum(dy), sum(dy * xhat)) over channel c with xhat = (x - mean) * invstd, in one
    pass; `lanes` is (2, HW) float64 scratch."""
    lanes[:] = 0.0
    sum_dy = lanes[0]
    sum_dy_xhat = lanes[1]
    for n in range(x.shape[0]):
        g_run = dy[n, c]
        x_run = x[n, c]
        for k in range(x_run.shape[0]):
            g = np.float64(g_run[k])
            sum_dy[k] += g
            sum_dy_xhat[k] += g * ((np.float64(x_run[k]) - mean) * invstd)
    return _run_sum(sum_dy), _run_sum(sum_dy_xhat)


@numba.njit(nogil=True, cache=True, fastmath=False)
def _bn_forward_nchw(lo, hi, x, params, stats, y, eps, training):
    """Channels lo .. hi-1.  x, y: (N, C, HW); params float64 rows (gamma, beta,
    run_mean, run_var); stats (3, C) out: mean, var, invstd (batch ones if training,
    else running ones)."""
    n_batch, _, hw = x.shape
    m = n_batch * hw
    for c in range(lo, hi):
        if training:
            lanes = np.empty(hw)
            mean = _channel_sum(x, c, lanes) / m
            var = _channel_sum_sq_dev(x, c, mean, lanes) / m
        else:
            mean = params[2, c]
            var = params[3, c]
        invstd = 1.0 / math.sqrt(var + eps)
        scale = params[0, c] * invstd
        shift = params[1, c]
        for n in range(n_batch):
            xs = x[n, c]
            ys = y[n, c]
            for k in range(hw):
                ys[k] = (np.float64(xs[k]) - mean) * scale + shift
        stats[0, c] = mean
        stats[1, c] = var
        stats[2, c] = invstd


# (N, C) inputs: a feature is a strided column, so work goes by blocks of whole columns.
# Within a block each pass streams the rows once and the per-column float64 accumulators
# advance together, which vectorises across columns while every column still adds its
# rows in order: the block size cannot change any result.


@numba.njit(cache=True, fastmath=False)
def _bn_forward_nc_block(x, params, stats, y, eps, training, lo, width):
    n_batch = x.shape[0]
    hi = lo + width
    # rows: mean, var, scale (gamma * invstd), shift (beta)
    chan = np.empty((4, width))
    mean = chan[0]
    var = chan[1]
    scale = chan[2]
    shift = chan[3]
    if training:
        mean[:] = 0.0
        var[:] = 0.0
        for n in range(n_batch):
            row = x[n, lo:hi]
            for j in range(width):
                mean[j] += np.float64(row[j])
        for j in range(width):
            mean[j] /= n_batch
        for n in range(n_batch):
            row = x[n, lo:hi]
            for j in range(width):
                d = np.float64(row[j]) - mean[j]
                var[j] += d * d
        for j in range(width):
            var[j] /= n_batch
    else:
        # an explicit loop: Numba's array-to-array slice assignment costs ~2 s to compile
        for j in range(width):
            mean[j] = params[2, lo + j]
            var[j] = params[3, lo + j]
    for j in range(width):
        invstd = 1.0 / math.sqrt(var[j] + eps)
        stats[0, lo + j] = mean[j]
        stats[1, lo + j] = var[j]
        stats[2, lo + j] = invstd
        scale[j] = params[0, lo + j] * invstd
        shift[j] = params[1, lo + j]
    for n in range(n_batch):
        row = x[n, lo:hi]
        out = y[n, lo:hi]
        for j in range(width):
            out[j] = (np.float64(row[j]) - mean[j]) * scale[j] + shift[j]


@numba.njit(nogil=True, cache=True, fastmath=False)
def _bn_forward_nc(lo, hi, x, params, stats, y, eps, training, group):
    """Arguments as _bn_forward_nchw but x, y are (N, C), and lo, hi count column groups
    of `group`: columns lo*group .. hi*group-1 go as one block."""
    first = lo * group
    width = min(hi * group, x.shape[1]) - first
    _bn_forward_nc_block(x, params, stats, y, eps, training, first, width)


@numba.njit(nogil=True, cache=True, fastmath=False)
def _bn_backward_nchw(lo, hi, dy, x, params, dx, grads, training):
    """Channels lo .. hi-1.  dy, x, dx: (N, C, HW); params float64 rows (mean, invstd,
    gamma); grads (2, C) out: dgamma, dbeta.  training=False drops the terms that flow
    through the batch stats."""
    n_batch, _, hw = x.shape
    m = n_batch * hw
    for c in range(lo, hi):
        mean = params[0, c]
        invstd = params[1, c]
        sum_dy, sum_dy_xhat = _channel_grad_sums(dy, x, c, mean, invstd, np.empty((2, hw)))
        grads[0, c] = sum_dy_xhat
        grads[1, c] = sum_dy
        scale = params[2, c] * invstd
        # dx = gamma*invstd/m * (m*dy - sum_dy - xhat*sum_dy_xhat), written as
        # scale * (dy - (mean_dy + xhat*mean_dy_xhat)) so eval mode (both means 0)
        # yields exactly dy * gamma * invstd.
        if training:
            mean_dy = sum_dy / m
            mean_dy_xhat = sum_dy_xhat / m
        else:
            mean_dy = 0.0
            mean_dy_xhat = 0.0
        for n in range(n_batch):
            gs = dy[n, c]
            xs = x[n, c]
            out = dx[n, c]
            for k in range(hw):
                xhat = (np.float64(xs[k]) - mean) * invstd
                out[k] = scale * (np.float64(gs[k]) - (mean_dy + xhat * mean_dy_xhat))


@numba.njit(cache=True, fastmath=False)
def _bn_backward_nc_block(dy, x, params, dx, grads, training, lo, width):
    n_batch = x.shape[0]
    hi = lo + width
    # rows: sum(dy), sum(dy * (x - mean)), then dx = a*dy + b*x + c per column
    acc = np.zeros((5, width))
    sum_dy = acc[0]
    sum_dy_xc = acc[1]
    coef_a = acc[2]
    coef_b = acc[3]
    coef_c = acc[4]
    mean = params[0, lo:hi]
    invstd = params[1, lo:hi]
    gamma = params[2, lo:hi]
    for n in range(n_batch):
        g_row = dy[n, lo:hi]
        x_row = x[n, lo:hi]
        for j in range(width):
            g = np.float64(g_row[j])
            sum_dy[j] += g
            sum_dy_xc[j] += g * (np.float64(x_row[j]) - mean[j])
    # dx = gamma*invstd * (dy - mean_dy - xhat*mean_dy_xhat) (see _bn_backward_nchw),
    # expanded per column into a*dy + b*x + c so the row loop is two FMAs.
    for j in range(width):
        sum_dy_xhat = sum_dy_xc[j] * invstd[j]
        grads[0, lo + j] = sum_dy_xhat
        grads[1, lo + j] = sum_dy[j]
        a = gamma[j] * invstd[j]
        if training:
            b = -a * invstd[j] * (sum_dy_xhat / n_batch)
            coef_c[j] = -a * (sum_dy[j] / n_batch) - b * mean[j]
        else:
            b = 0.0
            coef_c[j] = 0.0
        coef_a[j] = a
        coef_b[j] = b
    for n in range(n_batch):
        g_row = dy[n, lo:hi]
        x_row = x[n, lo:hi]
        out = dx[n, lo:hi]
        if training:
            for j in range(width):
                out[j] = (coef_a[j] * np.float64(g_row[j]) + coef_b[j] * np.float64(x_row[j])
                          + coef_c[j])
        else:  # exactly dy * gamma * invstd, whatever x holds
            for j in range(width):
                out[j] = coef_a[j] * np.float64(g_row[j])


@numba.njit(nogil=True, cache=True, fastmath=False)
def _bn_backward_nc(lo, hi, dy, x, params, dx, grads, training, group):
    """Arguments as _bn_backward_nchw for (N, C) arrays; lo, hi count column groups."""
    first = lo * group
    width = min(hi * group, x.shape[1]) - first
    _bn_backward_nc_block(dy, x, params, dx, grads, training, first, width)


# ------------------------------------------------------------------------- launchers


def _x_input(fn, name, a):
    """`a` as a C-contiguous (N, C) or (N, C, H, W) float array, or raise."""
    check_array(fn, name, a)
    check_float(fn, name, a, (2, 4), "(N, C) or (N, C, H, W)")
    check_no_zero_size(fn, name, a)
    return contiguous(a)


def _same_input(fn, name, a, ref_name, ref):
    """`a` with the shape and dtype of `ref`, C-contiguous."""
    check_array(fn, name, a)
    check_same(fn, name, a, ref_name, ref)
    return contiguous(a)


def _channel_row(fn, name, a, x, out_row, default=None, float64_ok=False):
    """Validate a per-channel (C,) array of x's dtype (or float64 when `float64_ok`: the
    statistics) and copy it (as float64) into `out_row`; None means `default`
    everywhere, or is an error if there is no default."""
    if a is None:
        if default is None:
            raise TypeError(f"{fn}: {name} must be a numpy.ndarray, got None")
        out_row[:] = default
        return
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy.ndarray or None, got {type(a).__name__}")
    check_channel_row(fn, name, a, x, float64_ok)
    out_row[:] = a


def _launch(nchw_kernel, nc_kernel, x, args, cost):
    """Run a kernel over the channels of (N, C, HW) views or the column groups of (N, C)
    arrays (`args` holds them, see _view); `cost` estimates the elements touched.
    (N, C) goes in one block per thread: a block reads one run of its row per row, and
    short runs far apart defeat the hardware prefetcher (4 blocks per thread ran the
    (1024, 1024) backward 1.4x slower)."""
    if x.ndim == 2:
        groups = -(-x.shape[1] // _NC_GROUP)
        threads.parallel_for(nc_kernel, groups, args + (_NC_GROUP,), cost, per_thread=1)
    else:
        threads.parallel_for(nchw_kernel, x.shape[1], args, cost)


def _view(a):
    """(N, C) as is, (N, C, H, W) as its (N, C, H*W) view (a is C-contiguous)."""
    if a.ndim == 2:
        return a
    n, c, h, w = a.shape
    return a.reshape(n, c, h * w)


def _forward(x, params, eps, training):
    y = memory.empty_like(x)
    stats = np.empty((3, x.shape[1]))
    _launch(_bn_forward_nchw, _bn_forward_nc, x,
            (_view(x), params, stats, _view(y), eps, training), (4 if training else 2) * x.size)
    return y, stats


def batch_norm_forward_train(x, gamma, beta, eps):
    """Training-mode BatchNorm forward with batch statistics.

    x: (N, C) or (N, C, H, W) float32/float64; gamma, beta: (C,) of x's dtype, or None
    (ones / zeros).  Returns (y, mean, var, invstd): y has x's shape and dtype, the others
    are (C,) float64; var is the biased (1/m) batch variance, invstd = 1/sqrt(var + eps).
    """
    fn = "batch_norm_forward_train"
    x = _x_input(fn, "x", x)
    m = x.shape[0] if x.ndim == 2 else x.shape[0] * x.shape[2] * x.shape[3]
    if m <= 1:
        raise ValueError(
            f"{fn}: expected more than 1 value per channel when training, got input "
            f"shape {x.shape}"
        )
    eps = check_eps(fn, eps)
    params = np.empty((4, x.shape[1]))
    _channel_row(fn, "gamma", gamma, x, params[0], 1.0)
    _channel_row(fn, "beta", beta, x, params[1], 0.0)
    y, stats = _forward(x, params, eps, True)
    return y, stats[0], stats[1], stats[2]


def batch_norm_forward_eval(x, gamma, beta, running_mean, running_var, eps):
    """Evaluation-mode BatchNorm forward with running statistics.

    y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta, shape and dtype of x.
    gamma / beta may be None (ones / zeros); running_mean / running_var are (C,) arrays
    of x's dtype.
    """
    fn = "batch_norm_forward_eval"
    x = _x_input(fn, "x", x)
    eps = check_eps(fn, eps)
    params = np.empty((4, x.shape[1]))
    _channel_row(fn, "gamma", gamma, x, params[0], 1.0)
    _channel_row(fn, "beta", beta, x, params[1], 0.0)
    _channel_row(fn, "running_mean", running_mean, x, params[2])
    _channel_row(fn, "running_var", running_var, x, params[3])
    check_running_var(fn, params[3], eps)
    y, _ = _forward(x, params, eps, False)
    return y


def _backward(dy, x, params, training):
    dx = memory.empty_like(x)
    grads = np.empty((2, x.shape[1]), dtype=x.dtype)
    _launch(_bn_backward_nchw, _bn_backward_nc, x,
            (_view(dy), _view(x), params, _view(dx), grads, training), 5 * x.size)
    return dx, grads[0], grads[1]


def batch_norm_backward(dy, x, gamma, mean, invstd):
    """Training-mode BatchNorm backward (the gradient flows through the batch statistics).

    dy, x: same shape and dtype, (N, C) or (N, C, H, W); gamma: (C,) or None (ones);
    mean, invstd: (C,) as returned by batch_norm_forward_train (float64, or x's dtype).
    Returns (dx, dgamma,
    dbeta): dx has x's shape, dgamma = sum(dy * xhat) and dbeta = sum(dy) are (C,).
    """
    fn = "batch_norm_backward"
    x = _x_input(fn, "x", x)
    dy = _same_input(fn, "dy", dy, "x", x)
    params = np.empty((3, x.shape[1]))
    _channel_row(fn, "mean", mean, x, params[0], float64_ok=True)
    _channel_row(fn, "invstd", invstd, x, params[1], float64_ok=True)
    _channel_row(fn, "gamma", gamma, x, params[2], 1.0)
    return _backward(dy, x, params, True)


def batch_norm_backward_eval(dy, x, gamma, running_mean, running_var, eps):
    """Evaluation-mode BatchNorm backward (running statistics are constants).

    dx = dy * gamma / sqrt(running_var + eps); dgamma = sum(dy * xhat) with
    xhat = (x - running_mean) / sqrt(running_var + eps); dbeta = sum(dy).
    Returns (dx, dgamma, dbeta) in x's dtype; dgamma, dbeta are (C,).
    """
    fn = "batch_norm_backward_eval"
    x = _x_input(fn, "x", x)
    dy = _same_input(fn, "dy", dy, "x", x)
    eps = check_eps(fn, eps)
    params = np.empty((3, x.shape[1]))
    _channel_row(fn, "running_mean", running_mean, x, params[0])
    _channel_row(fn, "running_var", running_var, x, params[1])
    _channel_row(fn, "gamma", gamma, x, params[2], 1.0)
    check_running_var(fn, params[1], eps)
    params[1] = 1.0 / np.sqrt(params[1] + eps)
    return _backward(dy, x, params, False)

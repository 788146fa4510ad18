"""Fused softmax + cross-entropy on the CPU: Numba kernels and their validating launchers.

Owns the per-sample loss -log softmax(logits)[label] of (N, K) logits and integer labels,
the softmax probabilities it saves for the backward pass, and that backward pass
dlogits = (probs - onehot(labels)) * grad_losses[:, None].  Rows are independent; each
is computed in float64 after subtracting its maximum, so logits of any finite magnitude
(e.g. +-1e4) give finite losses and probabilities.
"""

import math

import numba
import numpy as np
from numba import prange

__all__ = ["softmax_cross_entropy_forward", "softmax_cross_entropy_backward"]

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# --------------------------------------------------------------------------- kernels


@numba.njit(cache=True, fastmath=False)
def _chunk_bounds(chunk, n_chunks, n_rows):
    return chunk * n_rows // n_chunks, (chunk + 1) * n_rows // n_chunks


@numba.njit(parallel=True, cache=True, fastmath=False)
def _softmax_ce_forward_kernel(logits, labels, losses, probs, n_chunks):
    """Rows are split into `n_chunks` contiguous chunks (one prange iteration each, with
    its own scratch); a row's result does not depend on the split."""
    n_rows, n_classes = logits.shape
    for chunk in prange(n_chunks):
        lo, hi = _chunk_bounds(chunk, n_chunks, n_rows)
        # exp(row - max) in float64, computed once (exp is the expensive part) and kept
        # at full precision for the normalisation, whatever the output dtype
        shifted_exp = np.empty(n_classes)
        for r in range(lo, hi):
            row = logits[r]
            row_max = np.float64(row[0])
            for k in range(1, n_classes):
                row_max = max(row_max, np.float64(row[k]))
            total = 0.0
            for k in range(n_classes):
                e = math.exp(np.float64(row[k]) - row_max)
                shifted_exp[k] = e
                total += e
            # loss = logsumexp(row) - row[label], both taken relative to row_max
            losses[r] = math.log(total) - (np.float64(row[labels[r]]) - row_max)
            out = probs[r]
            for k in range(n_classes):
                out[k] = shifted_exp[k] / total


@numba.njit(parallel=True, cache=True, fastmath=False)
def _softmax_ce_backward_kernel(probs, labels, grad_losses, dlogits):
    n_rows, n_classes = probs.shape
    for r in prange(n_rows):
        g = np.float64(grad_losses[r])
        src = probs[r]
        out = dlogits[r]
        for k in range(n_classes):
            out[k] = np.float64(src[k]) * g
        label = labels[r]
        out[label] = (np.float64(src[label]) - 1.0) * g


# ------------------------------------------------------------------------- launchers


def _check_float2d(fn, name, a):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy.ndarray, got {type(a).__name__}")
    if a.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{fn}: {name} must be float32 or float64, got dtype {a.dtype}")
    if a.ndim != 2:
        raise ValueError(f"{fn}: {name} must have shape (N, K), got shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError(f"{fn}: empty batch, {name} has shape {a.shape}")
    if a.shape[1] == 0:
        raise ValueError(f"{fn}: {name} has no classes, shape {a.shape}")
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _check_labels(fn, labels, n_rows, n_classes):
    """Labels as C-contiguous int64 (N,), every value in [0, K)."""
    if not isinstance(labels, np.ndarray):
        raise TypeError(f"{fn}: labels must be a numpy.ndarray, got {type(labels).__name__}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{fn}: labels must have an integer dtype, got {labels.dtype}")
    if labels.shape != (n_rows,):
        raise ValueError(
            f"{fn}: labels must have shape (N,) = ({n_rows},), got shape {labels.shape}"
        )
    # range-check before the int64 conversion, which would wrap huge unsigned values
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= n_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(f"{fn}: label {bad} is out of range [0, {n_classes})")
    return np.ascontiguousarray(labels, dtype=np.int64)


def softmax_cross_entropy_forward(logits, labels):
    """logits (N, K) float32/float64, labels (N,) integers in [0, K) ->
    (losses (N,), probs (N, K)), both in logits' dtype."""
    fn = "softmax_cross_entropy_forward"
    logits = _check_float2d(fn, "logits", logits)
    labels = _check_labels(fn, labels, *logits.shape)
    losses = np.empty(logits.shape[0], dtype=logits.dtype)
    probs = np.empty_like(logits)
    n_chunks = min(logits.shape[0], 4 * numba.get_num_threads())
    _softmax_ce_forward_kernel(logits, labels, losses, probs, n_chunks)
    return losses, probs


def softmax_cross_entropy_backward(probs, labels, grad_losses):
    """probs (N, K) from the forward, labels (N,), grad_losses (N,) of probs' dtype ->
    dlogits (N, K) = (probs - onehot(labels)) * grad_losses[:, None]."""
    fn = "softmax_cross_entropy_backward"
    probs = _check_float2d(fn, "probs", probs)
    labels = _check_labels(fn, labels, *probs.shape)
    if not isinstance(grad_losses, np.ndarray):
        raise TypeError(
            f"{fn}: grad_losses must be a numpy.ndarray, got {type(grad_losses).__name__}"
        )
    if grad_losses.dtype != probs.dtype:
        raise TypeError(
            f"{fn}: grad_losses dtype {grad_losses.dtype} does not match probs dtype "
            f"{probs.dtype}"
        )
    if grad_losses.shape != (probs.shape[0],):
        raise ValueError(
            f"{fn}: grad_losses must have shape (N,) = ({probs.shape[0]},), got shape "
            f"{grad_losses.shape}"
        )
    grad_losses = np.ascontiguousarray(grad_losses)
    dlogits = np.empty_like(probs)
    _softmax_ce_backward_kernel(probs, labels, grad_losses, dlogits)
    return dlogits

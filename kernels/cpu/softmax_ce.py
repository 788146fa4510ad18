"""Fused softmax + cross-entropy on the CPU: Numba kernels and their validating launchers.

Owns the per-sample loss -log softmax(logits)[label] of (N, K) logits and integer labels,
the softmax probabilities it saves for the backward pass, and that backward pass
dlogits = (probs - onehot(labels)) * grad_losses[:, None].  A row whose label equals
``ignore_index`` has loss 0 and gradient 0, and does not count in ``n_kept``, the divisor
of a mean.  Rows are independent; each
is computed in float64 after subtracting its maximum, so logits of any finite magnitude
(e.g. +-1e4) give finite losses and probabilities.
The mirror file is ``kernels/cuda/softmax_ce.py``.
"""

import math

import numba
import numpy as np

from ..checks import (
    check_float,
    check_grad_losses,
    check_has_classes,
    check_ignore_index,
    check_label_range,
    check_labels,
)
from . import memory, threads
from .layout import check_array, contiguous
from .reduce import int_range

__all__ = ["softmax_cross_entropy_forward", "softmax_cross_entropy_backward"]


# --------------------------------------------------------------------------- kernels


@numba.njit(nogil=True, cache=True, fastmath=False)
def _softmax_ce_forward_kernel(lo, hi, logits, labels, ignore_index, losses, probs):
    """Rows lo .. hi-1 (with scratch of their own); a row's result does not depend on
    how the rows are split between calls."""
    n_classes = logits.shape[1]
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
        label = labels[r]
        if label == ignore_index:
            losses[r] = 0.0
        else:
            losses[r] = math.log(total) - (np.float64(row[label]) - row_max)
        out = probs[r]
        for k in range(n_classes):
            out[k] = shifted_exp[k] / total


@numba.njit(nogil=True, cache=True, fastmath=False)
def _softmax_ce_backward_kernel(lo, hi, probs, labels, ignore_index, grad_losses, dlogits):
    n_rows, n_classes = probs.shape
    for r in range(lo, hi):
        label = labels[r]
        g = np.float64(grad_losses[r]) if label != ignore_index else 0.0
        src = probs[r]
        out = dlogits[r]
        for k in range(n_classes):
            out[k] = np.float64(src[k]) * g
        if label != ignore_index:
            out[label] = (np.float64(src[label]) - 1.0) * g


# ------------------------------------------------------------------------- launchers


def _probs_input(fn, name, a):
    """(N, K) float logits or probabilities, C-contiguous."""
    check_array(fn, name, a)
    check_float(fn, name, a, (2,), "(N, K)")
    check_has_classes(fn, name, a)
    return contiguous(a)


def _labels_input(fn, labels, n_rows, n_classes, ignore_index):
    """Labels as C-contiguous int64 (N,), every value in [0, K) or equal to
    ``ignore_index``; also the number of labels not ignored."""
    check_array(fn, "labels", labels)
    check_labels(fn, labels, n_rows)
    check_ignore_index(fn, ignore_index)
    kept = labels[labels != ignore_index]
    # range-check before the int64 conversion, which would wrap huge unsigned values
    if kept.size:
        check_label_range(fn, *int_range(kept), n_classes)
    return np.ascontiguousarray(labels, dtype=np.int64), kept.size


def softmax_cross_entropy_forward(logits, labels, ignore_index):
    """logits (N, K) float32/float64, labels (N,) integers in [0, K) or equal to
    ``ignore_index`` -> (losses (N,), probs (N, K), n_kept), the first two in
    logits' dtype, ``n_kept`` (the number of labels not ignored) a 0-d array of
    it."""
    fn = "softmax_cross_entropy_forward"
    logits = _probs_input(fn, "logits", logits)
    labels, n_kept = _labels_input(fn, labels, *logits.shape, ignore_index)
    losses = np.empty(logits.shape[0], dtype=logits.dtype)
    probs = memory.empty_like(logits)
    threads.parallel_for(_softmax_ce_forward_kernel, logits.shape[0],
                         (logits, labels, np.int64(ignore_index), losses, probs),
                         2 * logits.size)
    return losses, probs, np.array(n_kept, dtype=logits.dtype)


def softmax_cross_entropy_backward(probs, labels, ignore_index, grad_losses):
    """probs (N, K) from the forward, labels (N,), grad_losses (N,) of probs' dtype ->
    dlogits (N, K) = (probs - onehot(labels)) * grad_losses[:, None], rows whose
    label is ``ignore_index`` zero."""
    fn = "softmax_cross_entropy_backward"
    probs = _probs_input(fn, "probs", probs)
    labels, _ = _labels_input(fn, labels, *probs.shape, ignore_index)
    check_array(fn, "grad_losses", grad_losses)
    check_grad_losses(fn, grad_losses, probs)
    grad_losses = np.ascontiguousarray(grad_losses)
    dlogits = memory.empty_like(probs)
    threads.parallel_for(_softmax_ce_backward_kernel, probs.shape[0],
                         (probs, labels, np.int64(ignore_index), grad_losses, dlogits),
                         2 * probs.size)
    return dlogits

"""Fused softmax + cross-entropy on the device, with the semantics of
``kernels/cpu/softmax_ce.py``, its mirror file.

Forward: one thread per row (grid-stride over rows).  A row is done in float64
relative to its maximum, so logits of any finite size (e.g. +-1e4) give finite
losses and probabilities: loss = log(sum exp(row - max)) - (row[label] - max).
The row is read three times (max, sum of exps, probabilities) rather than
kept in scratch, since K is small for classification heads.  Backward is
elementwise over (N, K): dlogits = (probs - onehot(labels)) * grad_losses[:, None].
Labels are range-checked on the host before any kernel runs (one small
read-back of their min and max).
"""

import math

from numba import cuda, float64

from .config import THREADS_PER_BLOCK, blocks_for
from ..checks import (
    check_float,
    check_grad_losses,
    check_has_classes,
    check_label_range,
    check_labels,
)
from .layout import check_array, flat
from .reduce import int_range

__all__ = ["softmax_cross_entropy_forward", "softmax_cross_entropy_backward"]


@cuda.jit
def _forward_kernel(logits, labels, losses, probs, n_rows, n_classes):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for r in range(start, n_rows, step):
        base = r * n_classes
        row_max = float64(logits[base])
        for k in range(1, n_classes):
            row_max = max(row_max, float64(logits[base + k]))
        total = 0.0
        for k in range(n_classes):
            total += math.exp(float64(logits[base + k]) - row_max)
        losses[r] = math.log(total) - (float64(logits[base + labels[r]]) - row_max)
        for k in range(n_classes):
            probs[base + k] = math.exp(float64(logits[base + k]) - row_max) / total


@cuda.jit
def _backward_kernel(probs, labels, grad_losses, dlogits, n_classes):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for t in range(start, probs.size, step):
        r = t // n_classes
        k = t - r * n_classes
        p = float64(probs[t])
        if k == labels[r]:
            p -= 1.0
        dlogits[t] = p * float64(grad_losses[r])


def _check_probs(fn, name, a):
    """(N, K) float logits or probabilities."""
    check_array(fn, name, a)
    check_float(fn, name, a, (2,), "(N, K)")
    check_has_classes(fn, name, a)
    return a


def _check_labels(fn, labels, n_rows, n_classes):
    """Integer labels (N,), every value in [0, K)."""
    check_array(fn, "labels", labels)
    check_labels(fn, labels, n_rows)
    check_label_range(fn, *int_range(labels), n_classes)
    return labels


def softmax_cross_entropy_forward(logits, labels):
    """logits (N, K), labels (N,) in [0, K) -> (losses (N,), probs (N, K))."""
    fn = "softmax_cross_entropy_forward"
    _check_probs(fn, "logits", logits)
    n_rows, n_classes = int(logits.shape[0]), int(logits.shape[1])
    _check_labels(fn, labels, n_rows, n_classes)
    losses = cuda.device_array(n_rows, dtype=logits.dtype)
    probs = cuda.device_array(logits.shape, dtype=logits.dtype)
    _forward_kernel[blocks_for(n_rows), THREADS_PER_BLOCK](
        flat(logits), labels, losses, flat(probs), n_rows, n_classes)
    return losses, probs


def softmax_cross_entropy_backward(probs, labels, grad_losses):
    """dlogits = (probs - onehot(labels)) * grad_losses[:, None]."""
    fn = "softmax_cross_entropy_backward"
    _check_probs(fn, "probs", probs)
    n_rows, n_classes = int(probs.shape[0]), int(probs.shape[1])
    _check_labels(fn, labels, n_rows, n_classes)
    check_array(fn, "grad_losses", grad_losses)
    check_grad_losses(fn, grad_losses, probs)
    dlogits = cuda.device_array(probs.shape, dtype=probs.dtype)
    _backward_kernel[blocks_for(probs.size), THREADS_PER_BLOCK](
        flat(probs), labels, grad_losses, flat(dlogits), n_classes)
    return dlogits

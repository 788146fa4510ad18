"""Fused softmax + cross-entropy on the device, with the semantics of
``minidl.kernels.cpu.softmax_ce``.

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
from .layout import flat
from .reduce import int_range
from .validate import check_device_array, check_float, check_int_array

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


def _check_logits(fn, name, a):
    check_float(fn, name, a, (2,), "(N, K)")
    if a.shape[1] == 0:
        raise ValueError(f"{fn}: {name} has no classes, shape {tuple(a.shape)}")
    return a


def _check_labels(fn, labels, n_rows, n_classes):
    check_int_array(fn, "labels", labels, (n_rows,))
    lo, hi = int_range(labels)
    if lo < 0 or hi >= n_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(f"{fn}: label {bad} is out of range [0, {n_classes})")
    return labels


def softmax_cross_entropy_forward(logits, labels):
    """logits (N, K), labels (N,) in [0, K) -> (losses (N,), probs (N, K))."""
    fn = "softmax_cross_entropy_forward"
    _check_logits(fn, "logits", logits)
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
    _check_logits(fn, "probs", probs)
    n_rows, n_classes = int(probs.shape[0]), int(probs.shape[1])
    _check_labels(fn, labels, n_rows, n_classes)
    check_device_array(fn, "grad_losses", grad_losses)
    if grad_losses.dtype != probs.dtype:
        raise TypeError(f"{fn}: grad_losses dtype {grad_losses.dtype} does not match probs "
                        f"dtype {probs.dtype}")
    if tuple(grad_losses.shape) != (n_rows,):
        raise ValueError(f"{fn}: grad_losses must have shape (N,) = ({n_rows},), got shape "
                         f"{tuple(grad_losses.shape)}")
    dlogits = cuda.device_array(probs.shape, dtype=probs.dtype)
    _backward_kernel[blocks_for(probs.size), THREADS_PER_BLOCK](
        flat(probs), labels, grad_losses, flat(dlogits), n_classes)
    return dlogits



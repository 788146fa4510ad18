"""Fused softmax + cross-entropy on the device, with the semantics of
``kernels/cpu/softmax_ce.py``, its mirror file.

Forward: a group of lanes per row (``ROW_GROUP``, a warp, for classification
heads; a whole block for rows longer than a few warps), several rows per
block.  The lanes stride over the row and combine with a tree in shared
memory: first the row maximum, then the sum of exp(row - max), in float64
relative to the maximum, so logits of any finite size (e.g. +-1e4) give
finite losses and probabilities: loss = log(sum exp(row - max)) - (row[label] -
max).  Backward is elementwise over (N, K): dlogits = (probs - onehot(labels))
* grad_losses[:, None].  A row whose label equals ``ignore_index`` has loss 0
and gradient 0 and does not count in ``n_kept`` (the divisor of a mean: lane 0
of each kept row adds 1 to it atomically).

No launcher here reads device data back: the api layer checks the labels'
range with ``check_range``, whose error comes at the next read from the
device.  Meanwhile a kernel never reads outside a row: a label outside [0, K)
makes that row's loss (and its gradient) NaN.
"""

import math

from numba import cuda, float64, int64

from ..checks import (check_float, check_grad_losses, check_has_classes, check_ignore_index,
                      check_labels)
from .config import MAX_BLOCKS, ROW_GROUP, THREADS_PER_BLOCK, blocks_for, jit, launch
from .layout import as_array, check_array, empty, flat, full

__all__ = ["softmax_cross_entropy_forward", "softmax_cross_entropy_backward"]

T = THREADS_PER_BLOCK


@cuda.jit(device=True)
def _group_combine(part, value, tid, lane, lanes, is_max):
    """Max or sum of ``value`` over the lanes of one row group (every lane gets it)."""
    part[tid] = value
    cuda.syncthreads()
    width = lanes // 2
    while width > 0:
        if lane < width:
            if is_max:
                other = part[tid + width]
                if other > part[tid] or other != other:
                    part[tid] = other
            else:
                part[tid] += part[tid + width]
        cuda.syncthreads()
        width //= 2
    total = part[tid - lane]
    cuda.syncthreads()
    return total


@jit
def _forward_kernel(logits, labels, ignore_index, losses, probs, n_kept, n_rows, n_classes,
                    lanes):
    part = cuda.shared.array(T, dtype=float64)
    tid = cuda.threadIdx.x
    lane = tid % lanes
    per_block = T // lanes
    for first in range(cuda.blockIdx.x * per_block, n_rows, cuda.gridDim.x * per_block):
        r = first + tid // lanes
        active = r < n_rows
        base = r * n_classes
        row_max = -math.inf
        if active:
            for k in range(lane, n_classes, lanes):
                v = float64(logits[base + k])
                if v > row_max or v != v:
                    row_max = v
        row_max = _group_combine(part, row_max, tid, lane, lanes, True)
        total = 0.0
        if active:
            for k in range(lane, n_classes, lanes):
                total += math.exp(float64(logits[base + k]) - row_max)
        total = _group_combine(part, total, tid, lane, lanes, False)
        if active:
            for k in range(lane, n_classes, lanes):
                probs[base + k] = math.exp(float64(logits[base + k]) - row_max) / total
            if lane == 0:
                label = int64(labels[r])  # uint64 labels >= 2**63 become negative
                if label == ignore_index:
                    losses[r] = 0.0
                elif 0 <= label < n_classes:
                    losses[r] = math.log(total) - (float64(logits[base + label]) - row_max)
                else:
                    losses[r] = math.nan
                if label != ignore_index:
                    cuda.atomic.add(n_kept, 0, 1.0)


@jit
def _backward_kernel(probs, labels, ignore_index, grad_losses, dlogits, n_classes):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for t in range(start, probs.size, step):
        r = t // n_classes
        k = t - r * n_classes
        label = int64(labels[r])
        p = float64(probs[t])
        if k == label:
            p -= 1.0
        if not (0 <= label < n_classes):
            p = math.nan
        if label == ignore_index:  # 0 whatever the row's gradient (inf when all are ignored)
            dlogits[t] = 0.0
        else:
            dlogits[t] = p * float64(grad_losses[r])


def _check_probs(fn, name, a):
    """(N, K) float logits or probabilities."""
    check_array(fn, name, a)
    check_float(fn, name, a, (2,), "(N, K)")
    check_has_classes(fn, name, a)
    return as_array(fn, a)


def _check_labels(fn, labels, n_rows):
    """Integer labels (N,) (their values are the caller's to check, see above)."""
    check_array(fn, "labels", labels)
    check_labels(fn, labels, n_rows)
    return as_array(fn, labels)


def lanes_for(n_classes):
    """Lanes per row: a row group for short rows, a whole block for long ones."""
    return T if n_classes >= 4 * ROW_GROUP else ROW_GROUP


def softmax_cross_entropy_forward(logits, labels, ignore_index):
    """logits (N, K), labels (N,) -> (losses (N,), probs (N, K), n_kept (a 0-d
    array: the labels not equal to ``ignore_index``)); a label outside [0, K)
    and not ignored gives a NaN loss."""
    fn = "softmax_cross_entropy_forward"
    logits = _check_probs(fn, "logits", logits)
    n_rows, n_classes = int(logits.shape[0]), int(logits.shape[1])
    labels = _check_labels(fn, labels, n_rows)
    check_ignore_index(fn, ignore_index)
    losses = empty((n_rows,), logits.dtype)
    probs = empty(logits.shape, logits.dtype)
    n_kept = full((), 0, logits.dtype)
    lanes = lanes_for(n_classes)
    grid = max(1, min(MAX_BLOCKS, -(-n_rows // (T // lanes))))
    launch(_forward_kernel, grid, T, flat(logits), labels, int(ignore_index), losses,
           flat(probs), flat(n_kept), n_rows, n_classes, lanes)
    return losses, probs, n_kept


def softmax_cross_entropy_backward(probs, labels, ignore_index, grad_losses):
    """dlogits = (probs - onehot(labels)) * grad_losses[:, None], rows whose
    label is ``ignore_index`` zero."""
    fn = "softmax_cross_entropy_backward"
    probs = _check_probs(fn, "probs", probs)
    n_rows, n_classes = int(probs.shape[0]), int(probs.shape[1])
    labels = _check_labels(fn, labels, n_rows)
    check_ignore_index(fn, ignore_index)
    check_array(fn, "grad_losses", grad_losses)
    check_grad_losses(fn, grad_losses, probs)
    grad_losses = as_array(fn, grad_losses)
    dlogits = empty(probs.shape, probs.dtype)
    launch(_backward_kernel, blocks_for(probs.size), T, flat(probs), labels,
           int(ignore_index), grad_losses, flat(dlogits), n_classes)
    return dlogits


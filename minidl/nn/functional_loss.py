"""The loss functions of ``minidl.nn.functional``: cross_entropy, nll_loss,
mse_loss, l1_loss, smooth_l1_loss, huber_loss, binary_cross_entropy,
binary_cross_entropy_with_logits and kl_div, with PyTorch's signatures
(including the deprecated ``size_average``/``reduce``), reductions
('mean', 'sum', 'none'; kl_div also 'batchmean') and gradients.

cross_entropy of 2-d logits against class indices, without weights, label
smoothing or ignored labels - the training loops' case - runs the backend's
fused softmax cross-entropy kernel; every other case is a composition of
log_softmax, gather and masks.

Differences from PyTorch, on purpose: mse_loss, l1_loss, smooth_l1_loss and
huber_loss raise a clear error when input and target shapes differ (PyTorch
warns and broadcasts, which is almost always a bug), and the input and
target of those must share a dtype.
"""

import warnings

import numpy as np

from .. import _checks
from ..api import indexing, pointwise, shape
from ..api import reduction as reduce_
from ..api._common import cast
from ..api.creation import as_tensor
from ..autograd import is_grad_enabled
from ..ops import loss as loss_ops
from ..ops import nn as nn_ops
from ..tensor import Tensor
from ._validation import float_input, parameter, reduced
from ._validation import reduction as legacy_reduction
from .functional_activation import log_softmax, softplus

# ---- shared checks -----------------------------------------------------------------------


def _not_differentiable(op, value, name):
    """PyTorch's rule for weights that its loss kernels do not differentiate."""
    if value is not None and value.requires_grad and is_grad_enabled():
        raise RuntimeError(f"{op}: the function is not differentiable with respect to argument "
                           f"'{name}'. This input cannot have requires_grad True.")


def _target_tensor(op, target, input):
    """The target as a Tensor on the input's device (a NumPy array is taken as
    is, minidl's convenience; lists and other types are refused)."""
    if isinstance(target, Tensor):
        _checks.same_device(op, input, target, "target")
        return target
    if isinstance(target, np.ndarray):
        if target.dtype == np.uint64:
            raise RuntimeError(f"{op}: target of dtype {target.dtype} is not supported; use "
                               "int64 class indices")
        if target.dtype.kind not in "biuf":
            raise TypeError(f"{op}: target of dtype {target.dtype} is not supported")
        return as_tensor(target, device=input.device)
    raise TypeError(f"{op}: target must be a Tensor (class indices or probabilities), got "
                    f"{type(target).__name__}")


def _class_dim(op, input):
    if input.ndim == 0:
        raise RuntimeError(f"{op}: expected input of shape (C,), (N, C) or (N, C, d1, ...), "
                           f"got a 0-d tensor")
    class_dim = 0 if input.ndim == 1 else 1
    if input.shape[class_dim] == 0:
        raise RuntimeError(f"{op}: input has no classes, shape {input.shape}")
    return class_dim


def _check_class_target(op, input, target, class_dim):
    """Integer class indices of the input's shape without the class dim."""
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected target of an integer dtype (class indices), got "
                           f"{target.dtype}")
    expected = input.shape[:class_dim] + input.shape[class_dim + 1:]
    if target.ndim != len(expected):
        raise RuntimeError(f"{op}: expected a target of shape {expected} (class indices) for "
                           f"input of shape {input.shape}, got target of shape {target.shape}")
    if expected and target.shape[0] != expected[0]:
        raise ValueError(f"{op}: Expected input batch_size ({expected[0]}) to match target "
                         f"batch_size ({target.shape[0]}): target has shape {target.shape}, "
                         f"expected {expected}")
    if target.shape != expected:
        raise RuntimeError(f"{op}: Expected target size {expected}, got {target.shape}")


def _check_labels(op, target, n_classes, ignore_index):
    """Every label in [0, n_classes) or equal to ``ignore_index``: on the CPU
    checked at once, on a GPU at the next read from it (the kernels that use
    the labels never read outside their arrays meanwhile)."""
    def out_of_bounds(bad):
        return IndexError(f"{op}: target {bad} is out of bounds for {n_classes} classes")

    indexing.check_values_in_range(target, 0, n_classes - 1, out_of_bounds, skip=ignore_index)


def _weight_along(weight, class_dim, ndim):
    """The (C,) weight shaped to broadcast along the class dim."""
    view = [1] * ndim
    view[class_dim] = weight.shape[0]
    return shape.reshape(weight, tuple(view))


def _nll(log_probs, target, weight, ignore_index, reduction, class_dim):
    """The negative log-likelihood of ``target`` under ``log_probs``, weighted,
    ignored labels contributing 0 (and nothing to a weighted mean's divisor).
    Returns (loss, the per-element weights)."""
    keep = pointwise.ne(target, ignore_index)
    safe = indexing.where(keep, target, 0)
    picked = shape.squeeze(indexing.gather(log_probs, class_dim,
                                           shape.unsqueeze(safe, class_dim)), class_dim)
    if weight is None:
        w = cast("nll_loss", keep, log_probs.dtype)
    else:
        w = shape.reshape(indexing.index_select(weight, 0, shape.reshape(safe, -1)),
                          safe.shape)
        w = pointwise.mul(w, cast("nll_loss", keep, w.dtype))
    losses = pointwise.neg(pointwise.mul(picked, w))
    if reduction == "mean":
        if target.numel() == 0:  # the mean of nothing: nan, as PyTorch
            return pointwise.mul(reduce_.sum(losses), float("nan")), w
        return pointwise.div(reduce_.sum(losses), reduce_.sum(w)), w
    return reduced(losses, reduction), w


def _batched(input, target, class_dim):
    """1-d input (C,) with a 0-d target as a batch of one."""
    if class_dim == 0:
        return shape.unsqueeze(input, 0), shape.unsqueeze(target, 0)
    return input, target


# ---- classification ----------------------------------------------------------------------
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """The negative log-likelihood loss: ``-weight[t] * input[t]`` per sample,
    for log-probabilities ``input`` (e.g. from log_softmax).

    Args:
        input: log-probabilities (C,), (N, C) or (N, C, d1, d2, ...).
        target: class indices (), (N,) or (N, d1, d2, ...) in [0, C) (or
            ``ignore_index``); an integer Tensor or NumPy array.
        weight: None, or a (C,) rescaling of each class (no gradient).
        size_average, reduce: deprecated; override ``reduction`` as in PyTorch.
        ignore_index: a label that contributes nothing (nor to the mean's
            divisor). Default: -100.
        reduction: 'mean' (the weighted mean: divided by the sum of the
            weights of the non-ignored targets), 'sum' or 'none' (the
            target's shape). Default: 'mean'.

    Returns: a 0-d Tensor, or the per-element losses with 'none'."""
    op = "nll_loss"
    float_input(op, input)
    reduction = legacy_reduction(op, reduction, size_average, reduce)
    ignore_index = _checks.integer(op, "ignore_index", ignore_index)
    class_dim = _class_dim(op, input)
    target = _target_tensor(op, target, input)
    _check_class_target(op, input, target, class_dim)
    weight = parameter(op, input, weight, "weight", (input.shape[class_dim],))
    _not_differentiable(op, weight, "weight")
    _check_labels(op, target, input.shape[class_dim], ignore_index)
    batched_input, batched_target = _batched(input, target, class_dim)
    loss, _ = _nll(batched_input, batched_target, weight, ignore_index, reduction, 1)
    return shape.squeeze(loss, 0) if class_dim == 0 and reduction == "none" else loss


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """The cross-entropy between softmax(input) along the class dim and the
    target: class indices or class probabilities.

    Args:
        input: unnormalised logits (C,), (N, C) or (N, C, d1, d2, ...).
        target: class indices (), (N,) or (N, d1, ...) in [0, C) or equal to
            ``ignore_index`` (an integer Tensor or NumPy array), or class
            probabilities of the input's shape (a floating point Tensor).
        weight: None, or a (C,) rescaling of each class.
        size_average, reduce: deprecated; override ``reduction`` as in PyTorch.
        ignore_index: for class indices: a label that contributes nothing.
            Default: -100.
        reduction: 'mean', 'sum' or 'none'. With class indices 'mean' divides
            by the summed weights of the non-ignored targets; with
            probabilities by the number of samples (N * d1 * ...).
            Default: 'mean'.
        label_smoothing: in [0, 1]: the target mixes with the uniform
            distribution, ``(1 - label_smoothing) * target + label_smoothing / C``.
            Default: 0.

    Returns: a 0-d Tensor, or the per-sample losses with 'none'."""
    op = "cross_entropy"
    float_input(op, input)
    reduction = legacy_reduction(op, reduction, size_average, reduce)
    ignore_index = _checks.integer(op, "ignore_index", ignore_index)
    smoothing = _checks.real(op, "label_smoothing", label_smoothing, 0, 1)
    class_dim = _class_dim(op, input)
    n_classes = input.shape[class_dim]
    target = _target_tensor(op, target, input)
    weight = parameter(op, input, weight, "weight", (n_classes,))
    if target.dtype.kind == "f":
        if target.shape != input.shape:
            raise RuntimeError(f"{op}: a floating point target ({target.dtype}) holds class "
                               f"probabilities and must have the input's shape {input.shape}, "
                               f"got {target.shape}")
        return _cross_entropy_probabilities(input, target, weight, reduction, smoothing,
                                            class_dim)
    _check_class_target(op, input, target, class_dim)
    _not_differentiable(op, weight, "weight")
    _check_labels(op, target, n_classes, ignore_index)
    plain = input.ndim == 2 and weight is None and smoothing == 0 and input.shape[0] > 0
    if plain:
        return nn_ops.SoftmaxCrossEntropy.apply(input, target._data, reduction, ignore_index)
    batched_input, batched_target = _batched(input, target, class_dim)
    log_probs = log_softmax(batched_input, 1)
    loss, w = _nll(log_probs, batched_target, weight, ignore_index, reduction, 1)
    if smoothing > 0:
        keep = pointwise.ne(batched_target, ignore_index)
        spread = log_probs if weight is None else pointwise.mul(
            log_probs, _weight_along(weight, 1, log_probs.ndim))
        smooth = indexing.where(keep, pointwise.neg(reduce_.sum(spread, 1)), 0.0)
        if reduction == "mean":
            divisor = reduce_.sum(cast(op, keep, smooth.dtype)) if weight is None \
                else reduce_.sum(w)
            smooth = pointwise.div(reduce_.sum(smooth), divisor)
        else:
            smooth = reduced(smooth, reduction)
        loss = pointwise.add(pointwise.mul(loss, 1.0 - smoothing),
                             pointwise.mul(smooth, smoothing / n_classes))
    return shape.squeeze(loss, 0) if class_dim == 0 and reduction == "none" else loss


def _cross_entropy_probabilities(input, target, weight, reduction, smoothing, class_dim):
    n_classes = input.shape[class_dim]
    log_probs = log_softmax(input, class_dim)
    if smoothing > 0:
        target = pointwise.add(pointwise.mul(target, 1.0 - smoothing), smoothing / n_classes)
    product = pointwise.mul(log_probs, target)
    if weight is not None:
        product = pointwise.mul(product, _weight_along(weight, class_dim, input.ndim))
    if reduction == "none":
        return pointwise.neg(reduce_.sum(product, class_dim))
    total = pointwise.neg(reduce_.sum(product))
    if reduction == "sum":
        return total
    samples = input.numel() // n_classes
    return pointwise.div(total, samples) if samples else pointwise.mul(total, float("nan"))


# ---- regression --------------------------------------------------------------------------
def _pointwise_pair(op, input, target):
    float_input(op, input)
    float_input(op, target, "target")
    _checks.same_dtype(op, input, target, "target")
    _checks.same_device(op, input, target, "target")
    if input.shape != target.shape:
        raise RuntimeError(f"{op}: input has shape {input.shape} but target has shape "
                           f"{target.shape} (minidl does not broadcast them; PyTorch warns "
                           "that this is likely a mistake)")


def _weight_like_input(op, weight, input):
    if weight is None:
        return None
    _checks.tensor(op, weight, "weight")
    _checks.same_device(op, input, weight, "weight")
    if weight.shape != input.shape:
        raise ValueError(f"{op}: Weights and input must have the same size, got weight of "
                         f"shape {weight.shape} for input of shape {input.shape}")
    return weight


def _weighted_mean_by_weights(losses, weight, reduction):
    """mse_loss / l1_loss with a weight: 'mean' divides by the weights' sum."""
    losses = pointwise.mul(losses, weight)
    if reduction == "mean":
        return pointwise.div(reduce_.sum(losses), reduce_.sum(weight))
    return reduced(losses, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """The squared error ``(input - target)^2``, averaged, summed or per element.

    Args:
        input, target: floating point Tensors of one shape and dtype.
        size_average, reduce: deprecated; override ``reduction`` as in PyTorch.
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.
        weight: None, or a Tensor of the input's shape multiplying each error;
            then 'mean' divides by the sum of the weights (PyTorch 2.13).

    Returns: a 0-d Tensor, or the elementwise losses with 'none'."""
    op = "mse_loss"
    _pointwise_pair(op, input, target)
    reduction = legacy_reduction(op, reduction, size_average, reduce)
    weight = _weight_like_input(op, weight, input)
    diff = pointwise.sub(input, target)
    squared = pointwise.mul(diff, diff)
    if weight is not None:
        return _weighted_mean_by_weights(squared, weight, reduction)
    return reduced(squared, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """The absolute error ``|input - target|`` (arguments as ``mse_loss``:
    ``size_average``, ``reduce``, ``reduction`` (default 'mean') and the
    elementwise ``weight``)."""
    op = "l1_loss"
    _pointwise_pair(op, input, target)
    reduction = legacy_reduction(op, reduction, size_average, reduce)
    weight = _weight_like_input(op, weight, input)
    errors = pointwise.abs(pointwise.sub(input, target))
    if weight is not None:
        return _weighted_mean_by_weights(errors, weight, reduction)
    return reduced(errors, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, with
    d = input - target (``beta = 0`` is the L1 loss).

    Args:
        input, target: floating point Tensors of one shape and dtype.
        size_average, reduce: deprecated; override ``reduction``.
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.
        beta: where the loss turns from quadratic to linear, >= 0. Default: 1.0.

    Returns: a 0-d Tensor, or the elementwise losses with 'none'."""
    op = "smooth_l1_loss"
    _pointwise_pair(op, input, target)
    reduction = legacy_reduction(op, reduction, size_average, reduce)
    beta = _checks.real(op, "beta", beta)
    if beta < 0:
        raise RuntimeError(f"{op}: smooth_l1_loss does not support negative values for beta, "
                           f"got {beta}")
    diff = pointwise.sub(input, target)
    size = pointwise.abs(diff)
    if beta == 0:
        return reduced(size, reduction)
    quadratic = pointwise.mul(pointwise.mul(diff, diff), 0.5 / beta)
    losses = indexing.where(pointwise.lt(size, beta), quadratic, pointwise.sub(size, 0.5 * beta))
    return reduced(losses, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, with
    d = input - target.

    Args:
        input, target: floating point Tensors of one shape and dtype.
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.
        delta: where the loss turns linear, > 0. Default: 1.0.
        weight: None, or a Tensor of the input's shape multiplying each loss
            ('mean' is then the plain mean of the weighted losses, PyTorch 2.13).

    Returns: a 0-d Tensor, or the elementwise losses with 'none'."""
    op = "huber_loss"
    _pointwise_pair(op, input, target)
    reduction = legacy_reduction(op, reduction)
    delta = _checks.real(op, "delta", delta)
    if delta <= 0:
        raise RuntimeError(f"{op}: huber_loss does not support non-positive values for delta, "
                           f"got {delta}")
    weight = _weight_like_input(op, weight, input)
    diff = pointwise.sub(input, target)
    size = pointwise.abs(diff)
    quadratic = pointwise.mul(pointwise.mul(diff, diff), 0.5)
    linear = pointwise.mul(pointwise.sub(size, 0.5 * delta), delta)
    losses = indexing.where(pointwise.lt(size, delta), quadratic, linear)
    if weight is not None:
        losses = pointwise.mul(losses, weight)
    return reduced(losses, reduction)


# ---- binary classification ---------------------------------------------------------------
def _binary_pair(op, input, target, message):
    float_input(op, input)
    if not isinstance(target, Tensor):
        raise TypeError(f"{op}: target must be a Tensor, got {type(target).__name__}")
    float_input(op, target, "target")
    _checks.same_dtype(op, input, target, "target")
    _checks.same_device(op, input, target, "target")
    if target.shape != input.shape:
        raise ValueError(f"{op}: " + message.format(target=target.shape, input=input.shape))


def _broadcast_weight(op, weight, like, name="weight"):
    """An optional weight broadcast to ``like``'s shape."""
    if weight is None:
        return None
    _checks.tensor(op, weight, name)
    _checks.same_dtype(op, like, weight, name)
    _checks.same_device(op, like, weight, name)
    try:
        fits = np.broadcast_shapes(weight.shape, like.shape) == like.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: {name} of shape {weight.shape} does not broadcast to the "
                           f"input's shape {like.shape}")
    return shape.expand(weight, like.shape)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """The binary cross-entropy ``-w (t log x + (1 - t) log(1 - x))`` of
    probabilities x against targets t, each log clamped to >= -100.

    Args:
        input: probabilities in [0, 1], any shape.
        target: targets in [0, 1] of the input's shape and dtype.
        weight: None, or a rescaling that broadcasts to the input (no gradient).
        size_average, reduce: deprecated; override ``reduction``.
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.

    Returns: a 0-d Tensor, or the elementwise losses with 'none'."""
    op = "binary_cross_entropy"
    _binary_pair(op, input, target, "Using a target size {target} that is different to the "
                 "input size {input} is deprecated. Please ensure they have the same size.")
    reduction = legacy_reduction(op, reduction, size_average, reduce)
    weight = _broadcast_weight(op, weight, input)
    _not_differentiable(op, weight, "weight")
    for name, value in (("input", input), ("target", target)):
        # checked at once on the CPU, at the next read from a GPU
        indexing.check_values_in_range(
            value, 0.0, 1.0, lambda bad, name=name: RuntimeError(
                f"{op}: all elements of {name} should be between 0 and 1, found {bad}"))
    losses = loss_ops.BinaryCrossEntropy.apply(input, target, weight)
    return reduced(losses, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """The binary cross-entropy of sigmoid(input) against the target, computed
    stably from the logits: ``(1 - t) x - l log_sigmoid(x)`` with
    ``l = (pos_weight - 1) t + 1``, times ``weight``.

    Args:
        input: logits, any shape.
        target: targets (usually in [0, 1]) of the input's shape and dtype.
        weight: None, or a rescaling that broadcasts to the input (no gradient).
        size_average, reduce: deprecated; override ``reduction``.
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.
        pos_weight: None, or the weight of positive examples, broadcast along
            the last dimension (e.g. one per class) (no gradient).

    Returns: a 0-d Tensor, or the elementwise losses with 'none'."""
    op = "binary_cross_entropy_with_logits"
    _binary_pair(op, input, target, "Target size {target} must be the same as input size "
                 "{input}")
    reduction = legacy_reduction(op, reduction, size_average, reduce)
    weight = _broadcast_weight(op, weight, input)
    pos_weight = _broadcast_weight(op, pos_weight, input, "pos_weight")
    _not_differentiable(op, weight, "weight")
    _not_differentiable(op, pos_weight, "pos_weight")
    # log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|)): exp never overflows
    log_sigmoid = pointwise.sub(pointwise.minimum(input, 0.0),
                                softplus(pointwise.neg(pointwise.abs(input))))
    if pos_weight is not None:
        log_weight = pointwise.add(pointwise.mul(pointwise.sub(pos_weight, 1.0), target), 1.0)
        log_sigmoid = pointwise.mul(log_sigmoid, log_weight)
    losses = pointwise.sub(pointwise.mul(pointwise.rsub(target, 1.0), input), log_sigmoid)
    if weight is not None:
        losses = pointwise.mul(losses, weight)
    return reduced(losses, reduction)


# ---- divergence --------------------------------------------------------------------------
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """The Kullback-Leibler divergence loss ``target * (log(target) - input)``
    for log-probabilities ``input`` (``exp(target) * (target - input)`` with
    ``log_target``); 0 where target is 0.

    Args:
        input: log-probabilities, any shape.
        target: probabilities (log-probabilities with ``log_target``) that
            broadcast with the input.
        size_average, reduce: deprecated; override ``reduction``.
        reduction: 'mean' (over every element; PyTorch warns that this is not
            the KL divergence), 'batchmean' (the sum divided by the batch size,
            the KL divergence), 'sum' or 'none'. Default: 'mean'.
        log_target: the target is given as log-probabilities. Default: False.

    Returns: a 0-d Tensor, or the elementwise losses with 'none'."""
    op = "kl_div"
    float_input(op, input)
    float_input(op, target, "target")
    _checks.same_device(op, input, target, "target")
    _checks.broadcast_shapes(op, input.shape, target.shape)
    legacy = size_average is not None or reduce is not None
    reduction = legacy_reduction(op, reduction, size_average, reduce,
                                 ("mean", "batchmean", "sum", "none"))
    if reduction == "mean" and not legacy:
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    _checks.boolean(op, "log_target", log_target)
    if log_target:
        losses = pointwise.mul(pointwise.exp(target), pointwise.sub(target, input))
    else:
        positive = pointwise.gt(target, 0)
        # target * log(target) with 0 log 0 = 0 (the log never sees a zero)
        safe = indexing.where(positive, target, 1.0)
        entropy = indexing.where(positive, pointwise.mul(target, pointwise.log(safe)), 0.0)
        losses = pointwise.sub(entropy, pointwise.mul(target, input))
    if reduction == "batchmean":
        total = reduce_.sum(losses)
        return pointwise.div(total, input.shape[0]) if input.ndim else total
    return reduced(losses, reduction)


__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]

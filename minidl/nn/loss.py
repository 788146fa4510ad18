"""Loss layers with PyTorch's names, arguments and buffers: CrossEntropyLoss,
NLLLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss
and KLDivLoss. Each calls its function in ``minidl.nn.functional`` with
``forward(input, target)``; class weights (and ``pos_weight``) are buffers,
so they appear in ``state_dict`` and move with ``to()``, as in PyTorch."""

from .. import _checks
from . import functional as F
from ._validation import reduction as legacy_reduction
from .module import Module


class _Loss(Module):
    _reductions = ("mean", "sum", "none")

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = legacy_reduction(type(self).__name__, reduction, size_average, reduce,
                                          self._reductions)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if weight is not None:
            _checks.tensor(type(self).__name__, weight, "weight")
        self.register_buffer("weight", weight)


_REDUCTION = """        reduction: 'mean', 'sum' or 'none' (the per-element losses).
            Default: 'mean'.
        size_average, reduce: deprecated; when given they decide the
            reduction, as in PyTorch."""


class CrossEntropyLoss(_WeightedLoss):
    __doc__ = """The cross-entropy between softmax(input) and the target (class
    indices or class probabilities); see ``F.cross_entropy``.

    Args:
        weight: None, or a (C,) rescaling of each class (a buffer).
        ignore_index: for class indices: a label that contributes nothing.
            Default: -100.
""" + _REDUCTION + """
        label_smoothing: in [0, 1], the amount of the uniform distribution
            mixed into the target. Default: 0.

    Shape: input (C,), (N, C) or (N, C, d1, ...); target (), (N,) or
    (N, d1, ...) class indices, or probabilities of the input's shape;
    output a scalar, or (N, d1, ...) with 'none'.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = _checks.integer("CrossEntropyLoss", "ignore_index", ignore_index)
        self.label_smoothing = _checks.real("CrossEntropyLoss", "label_smoothing",
                                            label_smoothing, 0, 1)

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` (shapes in the class docstring)."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    __doc__ = """The negative log-likelihood of class indices under log-probabilities
    (the input of ``log_softmax``); see ``F.nll_loss``.

    Args:
        weight: None, or a (C,) rescaling of each class (a buffer).
        ignore_index: a label that contributes nothing. Default: -100.
""" + _REDUCTION + """

    Shape: input (C,), (N, C) or (N, C, d1, ...); target (), (N,) or
    (N, d1, ...); output a scalar, or the target's shape with 'none'.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = _checks.integer("NLLLoss", "ignore_index", ignore_index)

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` (shapes in the class docstring)."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


_ELEMENTWISE_SHAPE = """
    Shape: input and target of one shape; output a scalar, or that shape with
    'none'.
    """


class MSELoss(_Loss):
    __doc__ = """The squared error (input - target)^2.

    Args:
""" + _REDUCTION + _ELEMENTWISE_SHAPE

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` (shapes in the class docstring)."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    __doc__ = """The absolute error |input - target|.

    Args:
""" + _REDUCTION + _ELEMENTWISE_SHAPE

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` (shapes in the class docstring)."""
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    __doc__ = """Quadratic below ``beta``, linear above: 0.5 d^2 / beta where
    |d| < beta, else |d| - 0.5 beta (see ``F.smooth_l1_loss``).

    Args:
""" + _REDUCTION + """
        beta: the switch point, >= 0. Default: 1.0.
""" + _ELEMENTWISE_SHAPE

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = _checks.real("SmoothL1Loss", "beta", beta, 0)

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` (shapes in the class docstring)."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    __doc__ = """Quadratic below ``delta``, linear above: 0.5 d^2 where |d| < delta,
    else delta (|d| - 0.5 delta) (see ``F.huber_loss``).

    Args:
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.
        delta: the switch point, > 0. Default: 1.0.
""" + _ELEMENTWISE_SHAPE

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = _checks.real("HuberLoss", "delta", delta, 0, low_open=True)

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` (shapes in the class docstring)."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    __doc__ = """The binary cross-entropy of probabilities in [0, 1] against targets
    in [0, 1], each log clamped to >= -100 (see ``F.binary_cross_entropy``).

    Args:
        weight: None, or a rescaling that broadcasts to the input (a buffer).
""" + _REDUCTION + _ELEMENTWISE_SHAPE

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` (shapes in the class docstring)."""
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    __doc__ = """Sigmoid and binary cross-entropy in one numerically stable step
    (see ``F.binary_cross_entropy_with_logits``).

    Args:
        weight: None, or a rescaling that broadcasts to the input (a buffer).
""" + _REDUCTION + """
        pos_weight: None, or the weight of positive examples, broadcast along
            the last dimension (a buffer).
""" + _ELEMENTWISE_SHAPE

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        for name, value in (("weight", weight), ("pos_weight", pos_weight)):
            if value is not None:
                _checks.tensor("BCEWithLogitsLoss", value, name)
            self.register_buffer(name, value)

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` (shapes in the class docstring)."""
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class KLDivLoss(_Loss):
    __doc__ = """The Kullback-Leibler divergence loss target * (log(target) - input)
    for log-probabilities ``input`` (see ``F.kl_div``).

    Args:
        reduction: 'mean' (over every element; not the KL divergence, as
            PyTorch warns), 'batchmean' (the KL divergence per sample), 'sum'
            or 'none'. Default: 'mean'.
        size_average, reduce: deprecated; when given they decide the
            reduction, as in PyTorch.
        log_target: the target holds log-probabilities. Default: False.

    Shape: input any; target broadcastable to it; output a scalar, or the
    broadcast shape with 'none'.
    """

    _reductions = ("mean", "batchmean", "sum", "none")

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = _checks.boolean("KLDivLoss", "log_target", log_target)

    def forward(self, input, target):
        """The loss of ``input`` against ``target`` (shapes in the class docstring)."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)

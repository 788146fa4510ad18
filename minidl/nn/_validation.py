"""Argument checks the functional forms of the layers share (the files
minidl/nn/functional*.py): float inputs, optional weights of a known shape,
and the loss reductions with PyTorch's legacy ``size_average``/``reduce``."""

import warnings

from .. import _checks
from ..api import reduction as reduce_

REDUCTIONS = ("mean", "sum", "none")


def float_input(op, x, name="input"):
    """``x`` if it is a floating point Tensor; TypeError naming ``op`` otherwise."""
    _checks.tensor(op, x, name)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating point tensor, got {x.dtype}")
    return x


def parameter(op, x, value, name, shape):
    """An optional weight or bias: None, or a Tensor of ``shape`` with the
    input's dtype and device."""
    if value is None:
        return None
    _checks.tensor(op, value, name)
    _checks.same_dtype(op, x, value, name)
    _checks.same_device(op, x, value, name)
    if value.shape != shape:
        raise RuntimeError(f"{op}: {name} has shape {value.shape}, expected {shape} for "
                           f"input {x.shape}")
    return value


def reduction(op, value, size_average=None, reduce=None, choices=REDUCTIONS):
    """The reduction to apply: ``value``, unless one of PyTorch's deprecated
    ``size_average``/``reduce`` flags is given, which then decide (with a
    warning) as in PyTorch."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      "reduction='mean' instead.", UserWarning, stacklevel=3)
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        value = "mean" if size_average and reduce else "sum" if reduce else "none"
    return _checks.one_of(op, "reduction", value, choices)


def reduced(loss, reduction):
    """The per-element ``loss`` averaged ('mean'), summed ('sum') or as is."""
    if reduction == "mean":
        return reduce_.mean(loss)
    if reduction == "sum":
        return reduce_.sum(loss)
    return loss

"""Gradient clipping, as ``torch.nn.utils``: by total norm or by value."""

import math

from ... import _checks
from ...api.reduction import norm
from ...api.joining import stack
from ...autograd import no_grad
from ...tensor import Tensor


def _grads(op, parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    for p in parameters:
        _checks.tensor(op, p, "parameters")
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients together so that their total ``norm_type`` norm is at
    most ``max_norm`` (multiplied by ``min(max_norm / (norm + 1e-6), 1)``).

    Args:
        parameters: a Tensor or an iterable of Tensors; those without a
            ``.grad`` are skipped.
        max_norm: the largest total norm allowed.
        norm_type: the p of the norm (inf allowed). Default: 2.0.
        error_if_nonfinite: raise RuntimeError when the total norm is nan or
            inf. Default: False.
        foreach: accepted for PyTorch's signature; no effect.

    Returns: the total norm before clipping, a 0-d Tensor."""
    grads = _grads("clip_grad_norm_", parameters)
    max_norm = _checks.real("clip_grad_norm_", "max_norm", max_norm)
    norm_type = float(norm_type)
    if not grads:
        from ...api.creation import tensor

        return tensor(0.0)
    with no_grad():
        norms = [norm(g.detach(), norm_type) for g in grads]
        total = norm(stack([n.to(grads[0].device) for n in norms]), norm_type)
        # only error_if_nonfinite reads the norm back: the scaling stays on the
        # device, as in PyTorch (a nan norm makes every gradient nan)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                               "`parameters` is non-finite, so it cannot be clipped")
        coefficient = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coefficient.to(g.device))
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element of ``parameters`` (a Tensor or an iterable
    of Tensors; those without ``.grad`` skipped) into [-clip_value,
    clip_value], in place. ``foreach`` is accepted for PyTorch's signature and
    has no effect. Returns None."""
    grads = _grads("clip_grad_value_", parameters)
    clip_value = _checks.real("clip_grad_value_", "clip_value", clip_value)
    with no_grad():
        for g in grads:
            g.clamp_(-clip_value, clip_value)

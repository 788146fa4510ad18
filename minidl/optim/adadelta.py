"""Adadelta (Zeiler, 2012), as PyTorch: steps scaled by the ratio of running
roots of past updates and past squared gradients."""

from .. import _checks
from ..api.creation import zeros_like
from ..autograd import no_grad
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta.

    Args:
        params: the parameters to optimize, or a list of parameter groups.
        lr: scale of the update. Default: 1.0.
        rho: smoothing constant of the running averages. Default: 0.9.
        eps: added inside the square roots. Default: 1e-6.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        maximize: ascend instead of descend. Default: False.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        _checks.real("Adadelta", "rho", group["rho"], 0, 1)
        _checks.real("Adadelta", "eps", group["eps"], 0)
        _checks.boolean("Adadelta", "maximize", group["maximize"])

    def step(self, closure=None):
        """One update of every parameter with a gradient (``closure`` as in SGD)."""
        loss = self._evaluate(closure)
        with no_grad():
            for group, p in self._params_with_grad():
                state = self._state_for(p, lambda p=p: dict(
                    step=0, square_avg=zeros_like(p), acc_delta=zeros_like(p)))
                state["step"] += 1
                grad = -p.grad if group["maximize"] else p.grad
                if group["weight_decay"]:
                    grad = grad + group["weight_decay"] * p
                rho, eps = group["rho"], group["eps"]
                square_avg = state["square_avg"].mul_(rho).addcmul_(grad, grad, value=1 - rho)
                std = square_avg.add(eps).sqrt_()
                delta = state["acc_delta"].add(eps).sqrt_().div_(std).mul_(grad)
                state["acc_delta"].mul_(rho).addcmul_(delta, delta, value=1 - rho)
                p.add_(delta, alpha=-group["lr"])
        return loss

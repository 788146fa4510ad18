"""Adamax (Kingma & Ba, section 7.1), as PyTorch: Adam with the infinity norm
in place of the second moment."""

from .. import _checks
from ..api.creation import zeros_like
from ..api.pointwise import maximum
from ..autograd import no_grad
from .adamw import check_betas
from .optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax.

    Args:
        params: the parameters to optimize, or a list of parameter groups.
        lr: learning rate. Default: 2e-3.
        betas: decay rates of the moment and the infinity norm. Default: (0.9, 0.999).
        eps: added to the norm. Default: 1e-8.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        maximize: ascend instead of descend. Default: False.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *,
                 maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        group["betas"] = check_betas("Adamax", group["betas"])
        _checks.real("Adamax", "eps", group["eps"], 0)
        _checks.boolean("Adamax", "maximize", group["maximize"])

    def step(self, closure=None):
        """One update of every parameter with a gradient (``closure`` as in SGD)."""
        loss = self._evaluate(closure)
        with no_grad():
            for group, p in self._params_with_grad():
                beta1, beta2 = group["betas"]
                state = self._state_for(p, lambda p=p: dict(
                    step=0, exp_avg=zeros_like(p), exp_inf=zeros_like(p)))
                state["step"] += 1
                grad = -p.grad if group["maximize"] else p.grad
                if group["weight_decay"]:
                    grad = grad + group["weight_decay"] * p
                state["exp_avg"].lerp_(grad, 1 - beta1)
                norm = maximum(state["exp_inf"].mul_(beta2), grad.abs().add_(group["eps"]))
                state["exp_inf"].copy_(norm)
                clr = group["lr"] / (1 - beta1 ** state["step"])
                p.addcdiv_(state["exp_avg"], state["exp_inf"], value=-clr)
        return loss

"""AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, as PyTorch."""

from .. import _checks
from ..api.creation import zeros_like
from ..api.pointwise import maximum
from ..autograd import no_grad
from .optimizer import Optimizer


class AdamW(Optimizer):
    """Adam whose weight decay shrinks the parameters directly
    (``p -= lr * weight_decay * p``) instead of being added to the gradient.

    Args:
        params: the parameters to optimize, or a list of parameter groups.
        lr: learning rate. Default: 1e-3.
        betas: decay rates of the moment estimates. Default: (0.9, 0.999).
        eps: added to the denominator. Default: 1e-8.
        weight_decay: decoupled weight decay. Default: 1e-2.
        amsgrad: use the maximum of past second moments. Default: False.
        maximize: ascend instead of descend. Default: False.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        name = type(self).__name__
        group["betas"] = check_betas(name, group["betas"])
        _checks.real(name, "eps", group["eps"], 0)
        _checks.boolean(name, "amsgrad", group["amsgrad"])
        _checks.boolean(name, "maximize", group["maximize"])

    def step(self, closure=None):
        """One update of every parameter with a gradient (``closure`` as in SGD)."""
        loss = self._evaluate(closure)
        with no_grad():
            for group, p in self._params_with_grad():
                beta1, beta2 = group["betas"]
                state = self._state_for(p, lambda p=p, group=group: dict(
                    step=0, exp_avg=zeros_like(p), exp_avg_sq=zeros_like(p),
                    **({"max_exp_avg_sq": zeros_like(p)} if group["amsgrad"] else {})))
                state["step"] += 1
                step = state["step"]
                grad = -p.grad if group["maximize"] else p.grad
                p.mul_(1 - group["lr"] * group["weight_decay"])
                state["exp_avg"].lerp_(grad, 1 - beta1)
                state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                second = state["exp_avg_sq"]
                if group["amsgrad"]:
                    state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], second))
                    second = state["max_exp_avg_sq"]
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                denom = (second.sqrt() / (bias_correction2 ** 0.5)).add_(group["eps"])
                p.addcdiv_(state["exp_avg"], denom, value=-group["lr"] / bias_correction1)
        return loss


def check_betas(name, betas):
    """A pair of coefficients in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"{name}: betas must be a pair of numbers, got {betas!r}")
    return tuple(_checks.real(name, f"betas[{i}]", b, 0, 1, high_open=True)
                 for i, b in enumerate(betas))

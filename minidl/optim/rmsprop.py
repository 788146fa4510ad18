"""RMSprop (Hinton's lecture notes), as PyTorch: steps divided by the root of a
running average of squared gradients, optionally centered and with momentum."""

from .. import _checks
from ..api.creation import zeros_like
from ..autograd import no_grad
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop.

    Args:
        params: the parameters to optimize, or a list of parameter groups.
        lr: learning rate. Default: 1e-2.
        alpha: smoothing constant of the squared-gradient average. Default: 0.99.
        eps: added to the denominator. Default: 1e-8.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        momentum: momentum factor. Default: 0.
        centered: divide by the estimated variance of the gradient instead of
            its raw second moment. Default: False.
        maximize: ascend instead of descend. Default: False.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        _checks.real("RMSprop", "alpha", group["alpha"], 0)
        _checks.real("RMSprop", "eps", group["eps"], 0)
        _checks.real("RMSprop", "momentum", group["momentum"], 0)
        _checks.boolean("RMSprop", "centered", group["centered"])
        _checks.boolean("RMSprop", "maximize", group["maximize"])

    def step(self, closure=None):
        """One update of every parameter with a gradient (``closure`` as in SGD)."""
        loss = self._evaluate(closure)
        with no_grad():
            for group, p in self._params_with_grad():
                state = self._state_for(p, lambda p=p: dict(
                    step=0, square_avg=zeros_like(p), momentum_buffer=zeros_like(p),
                    grad_avg=zeros_like(p)))
                state["step"] += 1
                grad = -p.grad if group["maximize"] else p.grad
                if group["weight_decay"]:
                    grad = grad + group["weight_decay"] * p
                alpha = group["alpha"]
                square_avg = state["square_avg"].mul_(alpha).addcmul_(grad, grad,
                                                                      value=1 - alpha)
                if group["centered"]:
                    grad_avg = state["grad_avg"].lerp_(grad, 1 - alpha)
                    avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                else:
                    avg = square_avg.sqrt()
                avg.add_(group["eps"])
                if group["momentum"] > 0:
                    buf = state["momentum_buffer"].mul_(group["momentum"]).addcdiv_(grad, avg)
                    p.add_(buf, alpha=-group["lr"])
                else:
                    p.addcdiv_(grad, avg, value=-group["lr"])
        return loss

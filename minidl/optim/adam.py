"""Adam (Kingma & Ba) with bias correction and optional L2 weight decay."""

from .. import _checks
from ..api.creation import zeros_like
from ..ops import updates
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba), as PyTorch: bias-corrected first and second moment
    estimates, L2 weight decay added to the gradient.

    Args:
        params: the parameters to optimize, or a list of parameter groups.
        lr: learning rate. Default: 1e-3.
        betas: decay rates of the two moment estimates. Default: (0.9, 0.999).
        eps: added to the denominator. Default: 1e-8.
        weight_decay: L2 penalty. Default: 0.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _validate(self, group):
        super()._validate(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair of numbers, got {betas!r}")
        group["betas"] = tuple(_checks.real("Adam", f"betas[{i}]", b, 0, 1, high_open=True)
                               for i, b in enumerate(betas))
        _checks.real("Adam", "eps", group["eps"], 0, low_open=True)

    def step(self, closure=None):
        """One update of every parameter with a gradient (``closure`` as in SGD)."""
        loss = self._evaluate(closure)
        for group, p in self._params_with_grad():
            state = self._state_for(p, lambda p=p: {
                "step": 0, "exp_avg": zeros_like(p), "exp_avg_sq": zeros_like(p)})
            state["step"] += 1
            beta1, beta2 = group["betas"]
            updates.adam_step_(p, p.grad, state["exp_avg"], state["exp_avg_sq"], group["lr"],
                               beta1, beta2, group["eps"], group["weight_decay"],
                               state["step"])
        return loss

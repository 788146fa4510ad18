"""Adam (Kingma & Ba) with bias correction and optional L2 weight decay."""

from ..creation import zeros_like
from .optimizer import Optimizer


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"Adam: invalid betas {betas!r}")
        if eps <= 0:
            raise ValueError(f"Adam: invalid eps {eps!r}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay))

    def step(self):
        for group, p, backend in self._params_with_grad():
            state = self._state_for(p, lambda p=p: {
                "step": 0, "exp_avg": zeros_like(p), "exp_avg_sq": zeros_like(p)})
            state["step"] += 1
            beta1, beta2 = group["betas"]
            backend.adam_step_(p.data, p.grad.data, state["exp_avg"].data,
                               state["exp_avg_sq"].data, group["lr"], beta1, beta2,
                               group["eps"], group["weight_decay"], state["step"])

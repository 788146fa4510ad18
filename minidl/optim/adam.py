"""Adam (Kingma & Ba) with bias correction and optional L2 weight decay."""

from ..creation import zeros_like
from ..functional import _real
from .optimizer import Optimizer


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _validate(self, group):
        super()._validate(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair of numbers, got {betas!r}")
        group["betas"] = tuple(_real("Adam", f"betas[{i}]", b, 0, 1, high_open=True)
                               for i, b in enumerate(betas))
        _real("Adam", "eps", group["eps"], 0, low_open=True)

    def step(self):
        for group, p, backend in self._params_with_grad():
            state = self._state_for(p, lambda p=p: {
                "step": 0, "exp_avg": zeros_like(p), "exp_avg_sq": zeros_like(p)})
            state["step"] += 1
            beta1, beta2 = group["betas"]
            backend.adam_step_(p.data, p.grad.data, state["exp_avg"].data,
                               state["exp_avg_sq"].data, group["lr"], beta1, beta2,
                               group["eps"], group["weight_decay"], state["step"])

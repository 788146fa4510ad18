"""Adagrad: per-parameter learning rates from the running sum of squared
gradients, with PyTorch's lr_decay and initial_accumulator_value."""

from ..creation import full
from ..functional import _real
from .optimizer import Optimizer


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _validate(self, group):
        super()._validate(group)
        _real("Adagrad", "lr_decay", group["lr_decay"], 0)
        _real("Adagrad", "initial_accumulator_value", group["initial_accumulator_value"], 0)
        _real("Adagrad", "eps", group["eps"], 0, low_open=True)

    def step(self):
        for group, p, backend in self._params_with_grad():
            state = self._state_for(p, lambda p=p, group=group: {
                "step": 0,
                "sum": full(p.shape, group["initial_accumulator_value"], device=p.device,
                            dtype=p.dtype)})
            state["step"] += 1
            lr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
            backend.adagrad_step_(p.data, p.grad.data, state["sum"].data, lr, group["eps"],
                                  group["weight_decay"])

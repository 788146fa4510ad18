"""Adagrad: per-parameter learning rates from the running sum of squared
gradients, with PyTorch's lr_decay and initial_accumulator_value."""

from .. import _checks
from ..api.creation import full
from ..ops import updates
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad, as PyTorch: each parameter's step divided by the root of its
    running sum of squared gradients.

    Args:
        params: the parameters to optimize, or a list of parameter groups.
        lr: learning rate. Default: 1e-2.
        lr_decay: the learning rate is lr / (1 + (step - 1) * lr_decay). Default: 0.
        weight_decay: L2 penalty. Default: 0.
        initial_accumulator_value: the starting sum. Default: 0.
        eps: added to the denominator. Default: 1e-10.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _validate(self, group):
        super()._validate(group)
        _checks.real("Adagrad", "lr_decay", group["lr_decay"], 0)
        _checks.real("Adagrad", "initial_accumulator_value", group["initial_accumulator_value"], 0)
        _checks.real("Adagrad", "eps", group["eps"], 0, low_open=True)

    def step(self, closure=None):
        """One update of every parameter with a gradient (``closure`` as in SGD)."""
        loss = self._evaluate(closure)
        for group, p in self._params_with_grad():
            state = self._state_for(p, lambda p=p, group=group: {
                "step": 0,
                "sum": full(p.shape, group["initial_accumulator_value"], device=p.device,
                            dtype=p.dtype)})
            state["step"] += 1
            lr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
            updates.adagrad_step_(p, p.grad, state["sum"], lr, group["eps"],
                                  group["weight_decay"])
        return loss

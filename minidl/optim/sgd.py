"""SGD with momentum, dampening, weight decay and Nesterov, in PyTorch's form:
buf = momentum * buf + (1 - dampening) * g;  p -= lr * (g + momentum * buf if
nesterov else buf), with g = grad + weight_decay * p."""

from .. import _checks
from ..api.creation import zeros_like
from ..ops import updates
from .optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, as PyTorch.

    Args:
        params: the parameters to optimize, or a list of parameter groups (dicts).
        lr: learning rate. Default: 0.01.
        momentum: momentum factor. Default: 0.
        dampening: dampening of the momentum. Default: 0.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        nesterov: Nesterov momentum. Default: False.
    """

    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _validate(self, group):
        super()._validate(group)
        momentum = _checks.real("SGD", "momentum", group["momentum"], 0)
        dampening = _checks.real("SGD", "dampening", group["dampening"], 0, 1)
        if not isinstance(group["nesterov"], bool):
            raise TypeError(f"SGD: nesterov must be True or False, got {group['nesterov']!r}")
        if group["nesterov"] and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and no dampening")

    def step(self, closure=None):
        """One update of every parameter with a gradient; ``closure`` (re-evaluating
        the loss) is called first when given, and its loss returned."""
        loss = self._evaluate(closure)
        for group, p in self._params_with_grad():
            momentum = group["momentum"]
            buf = None
            first = False
            if momentum != 0:
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {"momentum_buffer": zeros_like(p)}
                    first = True
                buf = state["momentum_buffer"]
            updates.sgd_step_(p, p.grad, buf, group["lr"], momentum, group["dampening"],
                              group["weight_decay"], group["nesterov"], first)
        return loss

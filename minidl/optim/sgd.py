"""SGD with momentum, dampening, weight decay and Nesterov, in PyTorch's form:
buf = momentum * buf + (1 - dampening) * g;  p -= lr * (g + momentum * buf if
nesterov else buf), with g = grad + weight_decay * p."""

from ..creation import zeros_like
from ..functional import _real
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _validate(self, group):
        super()._validate(group)
        momentum = _real("SGD", "momentum", group["momentum"], 0)
        dampening = _real("SGD", "dampening", group["dampening"], 0, 1)
        if not isinstance(group["nesterov"], bool):
            raise TypeError(f"SGD: nesterov must be True or False, got {group['nesterov']!r}")
        if group["nesterov"] and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and no dampening")

    def step(self):
        for group, p, backend in self._params_with_grad():
            momentum = group["momentum"]
            buf = None
            first = False
            if momentum != 0:
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {"momentum_buffer": zeros_like(p)}
                    first = True
                buf = state["momentum_buffer"].data
            backend.sgd_step_(p.data, p.grad.data, buf, group["lr"], momentum,
                              group["dampening"], group["weight_decay"], group["nesterov"],
                              first)

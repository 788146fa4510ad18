"""In-place updates of tensors outside the graph: the fused optimizer steps.

The optimizers in ``minidl.optim`` call these on Tensors; each runs one fused
backend primitive per parameter (one pass over memory instead of several
elementwise ops) and bumps the version counters of what it changed."""

from ..backend import get_backend


def _touched(*tensors):
    for t in tensors:
        if t is not None:
            t._version.value += 1


def sgd_step_(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
              first_step):
    """One SGD update of ``param`` (and its momentum buffer, or None), PyTorch's form."""
    get_backend(param.device).sgd_step_(
        param._data, grad._data, None if momentum_buffer is None else momentum_buffer._data,
        lr, momentum, dampening, weight_decay, nesterov, first_step)
    _touched(param, momentum_buffer)


def adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, step):
    """One Adam update with bias correction (L2 weight decay added to the gradient)."""
    get_backend(param.device).adam_step_(param._data, grad._data, exp_avg._data,
                                         exp_avg_sq._data, lr, beta1, beta2, eps,
                                         weight_decay, step)
    _touched(param, exp_avg, exp_avg_sq)


def adagrad_step_(param, grad, state_sum, lr, eps, weight_decay):
    """One Adagrad update (``lr`` already decayed by the caller)."""
    get_backend(param.device).adagrad_step_(param._data, grad._data, state_sum._data, lr,
                                            eps, weight_decay)
    _touched(param, state_sum)

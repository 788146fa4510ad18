"""In-place parameter updates on the CPU: SGD (momentum, dampening, Nesterov,
weight decay), Adam and Adagrad, in PyTorch's form.  The mirror file is
``kernels/cuda/optim.py``.

NumPy, a few whole-array passes per update, with the hyper-parameters as
Python floats (so float32 parameters are updated in float32).
"""

import numpy as np

__all__ = ["sgd_step_", "adam_step_", "adagrad_step_"]


def sgd_step_(param, grad, momentum_buf, lr, momentum, dampening, weight_decay, nesterov,
              first_step):
    """One SGD update of ``param`` (and ``momentum_buf`` unless momentum is 0)."""
    if weight_decay != 0:
        grad = grad + weight_decay * param
    if momentum != 0:
        if first_step:
            momentum_buf[...] = grad
        else:
            momentum_buf *= momentum
            momentum_buf += (1.0 - dampening) * grad
        grad = grad + momentum * momentum_buf if nesterov else momentum_buf
    param -= lr * grad


def adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, step):
    """One Adam update (bias-corrected, L2 weight decay added to grad)."""
    if weight_decay != 0:
        grad = grad + weight_decay * param
    exp_avg *= beta1
    exp_avg += (1.0 - beta1) * grad
    exp_avg_sq *= beta2
    exp_avg_sq += (1.0 - beta2) * grad * grad
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2 = 1.0 - beta2 ** step
    denom = np.sqrt(exp_avg_sq) / np.sqrt(bias_correction2) + eps
    param -= (lr / bias_correction1) * exp_avg / denom


def adagrad_step_(param, grad, state_sum, lr, eps, weight_decay):
    """One Adagrad update (lr already decayed by the caller)."""
    if weight_decay != 0:
        grad = grad + weight_decay * param
    state_sum += grad * grad
    param -= lr * grad / (np.sqrt(state_sum) + eps)

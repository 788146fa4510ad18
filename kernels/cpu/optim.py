"""In-place parameter updates on the CPU: SGD (momentum, dampening, Nesterov,
weight decay), Adam and Adagrad, in PyTorch's form.  The mirror file is
``kernels/cuda/optim.py``.

A large parameter is updated in one fused Numba pass over it and its state
(NumPy needs four to eight passes and two temporaries per update), run over
the thread pool of ``threads`` when very large; below ``_FUSED_MIN`` elements
NumPy's passes cost less than a call with a dozen arguments into Numba
(measured: 2.2 against 3.8 microseconds for 10 elements).  The arithmetic is NumPy's,
operation for operation: the launchers round the hyper-parameters to the
parameter's dtype, as NumPy does with a Python float, and nothing is fused
into an FMA, so the results are bit for bit those of the NumPy form (float32
parameters are updated in float32; Adam's step, where NumPy promotes to
float64, in float64).
"""

import numpy as np
from numba import njit

from . import threads

__all__ = ["sgd_step_", "adam_step_", "adagrad_step_"]


# Elements lo .. hi-1 of flat arrays, sliced first so that the loops run from 0 and
# vectorise (see elementwise.py); the flags are loop-invariant, and LLVM takes the branches
# out of the loop (6x faster than NumPy's passes on a 784 x 100 weight).


@njit(nogil=True, cache=True)
def _sgd_kernel(lo, hi, param, grad, buf, lr, momentum, damp, weight_decay, decay, use_buf,
                nesterov, first):
    """Scalars are in the parameter's dtype."""
    param = param[lo:hi]
    grad = grad[lo:hi]
    buf = buf[lo:hi]
    for i in range(param.shape[0]):
        g = grad[i]
        if decay:
            g = g + weight_decay * param[i]
        if use_buf:
            if first:
                b = g
            else:
                b = buf[i] * momentum + damp * g
            buf[i] = b
            g = g + momentum * b if nesterov else b
        param[i] = param[i] - lr * g


@njit(nogil=True, cache=True)
def _adam_kernel(lo, hi, param, grad, exp_avg, exp_avg_sq, beta1, one_minus_beta1, beta2,
                 one_minus_beta2, weight_decay, decay, step_size, sqrt_bc2, eps):
    """beta1 .. step_size (= lr / bias_correction1) in the parameter's dtype; sqrt_bc2 and
    eps float64: NumPy's form divides by a float64 scalar, so denom and the step are
    float64."""
    param = param[lo:hi]
    grad = grad[lo:hi]
    exp_avg = exp_avg[lo:hi]
    exp_avg_sq = exp_avg_sq[lo:hi]
    for i in range(param.shape[0]):
        g = grad[i]
        if decay:
            g = g + weight_decay * param[i]
        m = exp_avg[i] * beta1 + one_minus_beta1 * g
        v = exp_avg_sq[i] * beta2 + (one_minus_beta2 * g) * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        denom = np.float64(np.sqrt(v)) / sqrt_bc2 + eps
        param[i] = param[i] - np.float64(step_size * m) / denom


@njit(nogil=True, cache=True)
def _adagrad_kernel(lo, hi, param, grad, state_sum, lr, eps, weight_decay, decay):
    param = param[lo:hi]
    grad = grad[lo:hi]
    state_sum = state_sum[lo:hi]
    for i in range(param.shape[0]):
        g = grad[i]
        if decay:
            g = g + weight_decay * param[i]
        s = state_sum[i] + g * g
        state_sum[i] = s
        param[i] = param[i] - (lr * g) / (np.sqrt(s) + eps)


# Elements from which the fused kernel beats NumPy's passes.
_FUSED_MIN = 2048


def _fused(*arrays):
    """Whether the fused kernel takes this update: a large parameter, and every array
    C-contiguous of the parameter's dtype (as the optimizers' state always is)."""
    param = arrays[0]
    if param.size < _FUSED_MIN:
        return False
    for a in arrays:
        if not a.flags.c_contiguous or a.dtype != param.dtype:
            return False
    return True


def _run(kernel, arrays, scalars):
    n = arrays[0].size
    flat = tuple([a.reshape(n) for a in arrays])
    # cost: an update is a few vectorised operations on data in cache, about a third
    # of a memory-bound kernel's time per element touched
    threads.parallel_for(kernel, n, flat + scalars, 2 * n)


def sgd_step_(param, grad, momentum_buf, lr, momentum, dampening, weight_decay, nesterov,
              first_step):
    """One SGD update of ``param`` (and ``momentum_buf`` unless momentum is 0)."""
    use_buf = momentum != 0
    buf = momentum_buf if use_buf else param  # (never written when momentum is 0)
    if _fused(param, grad, buf):
        cast = param.dtype.type
        _run(_sgd_kernel, (param, grad, buf),
             (cast(lr), cast(momentum), cast(1.0 - dampening), cast(weight_decay),
              weight_decay != 0, use_buf, bool(nesterov), bool(first_step)))
        return
    if weight_decay != 0:
        grad = grad + weight_decay * param
    if use_buf:
        if first_step:
            momentum_buf[...] = grad
        else:
            momentum_buf *= momentum
            momentum_buf += (1.0 - dampening) * grad
        grad = grad + momentum * momentum_buf if nesterov else momentum_buf
    param -= lr * grad


def adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, step):
    """One Adam update (bias-corrected, L2 weight decay added to grad)."""
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2 = 1.0 - beta2 ** step
    if _fused(param, grad, exp_avg, exp_avg_sq):
        cast = param.dtype.type
        _run(_adam_kernel, (param, grad, exp_avg, exp_avg_sq),
             (cast(beta1), cast(1.0 - beta1), cast(beta2), cast(1.0 - beta2),
              cast(weight_decay), weight_decay != 0, cast(lr / bias_correction1),
              float(np.sqrt(bias_correction2)), float(eps)))
        return
    if weight_decay != 0:
        grad = grad + weight_decay * param
    exp_avg *= beta1
    exp_avg += (1.0 - beta1) * grad
    exp_avg_sq *= beta2
    exp_avg_sq += (1.0 - beta2) * grad * grad
    denom = np.sqrt(exp_avg_sq) / np.sqrt(bias_correction2) + eps
    param -= (lr / bias_correction1) * exp_avg / denom


def adagrad_step_(param, grad, state_sum, lr, eps, weight_decay):
    """One Adagrad update (lr already decayed by the caller)."""
    if _fused(param, grad, state_sum):
        cast = param.dtype.type
        _run(_adagrad_kernel, (param, grad, state_sum),
             (cast(lr), cast(eps), cast(weight_decay), weight_decay != 0))
        return
    if weight_decay != 0:
        grad = grad + weight_decay * param
    state_sum += grad * grad
    param -= lr * grad / (np.sqrt(state_sum) + eps)

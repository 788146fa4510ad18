"""In-place parameter updates on the device: SGD (momentum, dampening,
Nesterov, weight decay), Adam and Adagrad.  The mirror file is
``kernels/cpu/optim.py``.

One elementwise grid-stride kernel per update, reading and writing the
parameter and its state once, where the CPU's NumPy formulation makes several
passes.  Arithmetic is in float64 and rounded once into the parameter's
dtype; hyper-parameters arrive as float64 scalars.  A parameter or state that
is a strided view is updated through a contiguous copy that is written back
through its strides; a strided gradient is read from a contiguous copy.
"""

import math

from numba import cuda, float64

from .config import THREADS_PER_BLOCK, blocks_for, jit, launch
from .layout import as_array, contiguous, copy_into, device_operand, flat

__all__ = ["sgd_step_", "adam_step_", "adagrad_step_"]


@jit
def _sgd_kernel(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov,
                first_step, use_momentum):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, param.size, step):
        g = float64(grad[i]) + weight_decay * float64(param[i])
        if use_momentum:
            if first_step:
                b = g
            else:
                b = momentum * float64(buf[i]) + (1.0 - dampening) * g
            buf[i] = b
            # the CPU reads the stored (rounded) buffer back: do the same
            b = float64(buf[i])
            g = g + momentum * b if nesterov else b
        param[i] = float64(param[i]) - lr * g


@jit
def _adam_kernel(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay,
                 step_size, sqrt_bias_correction2):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, param.size, step):
        g = float64(grad[i]) + weight_decay * float64(param[i])
        m = beta1 * float64(exp_avg[i]) + (1.0 - beta1) * g
        v = beta2 * float64(exp_avg_sq[i]) + (1.0 - beta2) * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        denom = math.sqrt(float64(exp_avg_sq[i])) / sqrt_bias_correction2 + eps
        param[i] = float64(param[i]) - step_size * float64(exp_avg[i]) / denom


@jit
def _adagrad_kernel(param, grad, state_sum, lr, eps, weight_decay):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, param.size, step):
        g = float64(grad[i]) + weight_decay * float64(param[i])
        state_sum[i] = float64(state_sum[i]) + g * g
        param[i] = float64(param[i]) - lr * g / (math.sqrt(float64(state_sum[i])) + eps)


def _launch(kernel, n, *args):
    if n:
        launch(kernel, blocks_for(n), THREADS_PER_BLOCK, *args)


class _Updated:
    """Contiguous stand-ins for in-place operands; ``write_back`` copies the
    stand-ins of strided views back through the views' strides."""

    def __init__(self, fn, *arrays):
        self.originals = [None if a is None else device_operand(fn, a) for a in arrays]
        self.arrays = [None if a is None else contiguous(a) for a in self.originals]

    def write_back(self):
        for original, array in zip(self.originals, self.arrays):
            if original is not None and array is not original:
                copy_into(original, array)


def _check_like(fn, param, **others):
    for name, a in others.items():
        if a is None:
            continue
        if tuple(a.shape) != tuple(param.shape):
            raise ValueError(f"{fn}: {name} shape {tuple(a.shape)} does not match param shape "
                             f"{tuple(param.shape)}")


def sgd_step_(param, grad, momentum_buf, lr, momentum, dampening, weight_decay, nesterov,
              first_step):
    fn = "sgd_step_"
    use_momentum = momentum != 0
    if use_momentum and momentum_buf is None:
        raise ValueError(f"{fn}: momentum {momentum} needs a momentum buffer")
    _check_like(fn, param, grad=grad, momentum_buf=momentum_buf)
    state = _Updated(fn, param, momentum_buf)
    param, momentum_buf = state.arrays
    buf = flat(momentum_buf) if use_momentum else flat(param)  # unused without momentum
    _launch(_sgd_kernel, param.size, flat(param), flat(as_array(fn, grad)), buf, float(lr),
            float(momentum), float(dampening), float(weight_decay), bool(nesterov),
            bool(first_step), use_momentum)
    state.write_back()


def adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, step):
    _check_like("adam_step_", param, grad=grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    state = _Updated("adam_step_", param, exp_avg, exp_avg_sq)
    param, exp_avg, exp_avg_sq = state.arrays
    grad = as_array("adam_step_", grad)
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2 = 1.0 - beta2 ** step
    _launch(_adam_kernel, param.size, flat(param), flat(grad), flat(exp_avg),
            flat(exp_avg_sq), float(lr), float(beta1), float(beta2), float(eps),
            float(weight_decay), float(lr / bias_correction1), math.sqrt(bias_correction2))
    state.write_back()


def adagrad_step_(param, grad, state_sum, lr, eps, weight_decay):
    _check_like("adagrad_step_", param, grad=grad, state_sum=state_sum)
    state = _Updated("adagrad_step_", param, state_sum)
    param, state_sum = state.arrays
    _launch(_adagrad_kernel, param.size, flat(param), flat(as_array("adagrad_step_", grad)),
            flat(state_sum), float(lr), float(eps), float(weight_decay))
    state.write_back()

"""The CPU backend: NumPy for elementwise work and BLAS matmul, Numba kernels
from ``minidl.kernels.cpu`` for batch norm, im2col, pooling and cross-entropy.

Arrays are ``numpy.ndarray``. NumPy turns 0-d results into scalars, so results
that may be 0-d pass through ``np.asarray`` to keep every value an array.
"""

import numpy as np

from ..kernels import cpu as kernels
from .base import Backend
from .host_memory import keep_freed_memory

_COMPARE = {
    "eq": np.equal, "ne": np.not_equal, "lt": np.less,
    "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
}


class CpuBackend(Backend):
    name = "cpu"

    def __init__(self):
        keep_freed_memory()

    # ---- creation and transfer -------------------------------------------
    def from_numpy(self, array, dtype=None):
        array = np.asarray(array)
        if dtype is not None and array.dtype != dtype:
            return array.astype(dtype)
        return array

    def to_numpy(self, x):
        return np.asarray(x)

    def full(self, shape, value, dtype):
        return np.full(shape, value, dtype=dtype)

    def arange(self, start, stop, step, dtype):
        return np.arange(start, stop, step, dtype=dtype)

    def random_normal(self, shape, dtype, generator):
        return generator.standard_normal(shape, dtype=np.float64).astype(dtype, copy=False)

    def random_uniform(self, shape, dtype, generator):
        return generator.random(shape, dtype=np.float64).astype(dtype, copy=False)

    def astype(self, x, dtype):
        return x.astype(dtype)

    def copy(self, x):
        return np.array(x, copy=True, order="C")

    # ---- elementwise ------------------------------------------------------
    def add(self, a, b):
        return np.asarray(np.add(a, b))

    def sub(self, a, b):
        return np.asarray(np.subtract(a, b))

    def mul(self, a, b):
        return np.asarray(np.multiply(a, b))

    def div(self, a, b):
        return np.asarray(np.true_divide(a, b))

    def pow(self, a, b):
        return np.asarray(np.power(a, b))

    def maximum(self, a, b):
        return np.asarray(np.maximum(a, b))

    def minimum(self, a, b):
        return np.asarray(np.minimum(a, b))

    def compare(self, op, a, b):
        return np.asarray(_COMPARE[op](a, b))

    def where(self, condition, a, b):
        return np.asarray(np.where(condition, a, b))

    def neg(self, x):
        return np.asarray(np.negative(x))

    def exp(self, x):
        return np.asarray(np.exp(x))

    def log(self, x):
        return np.asarray(np.log(x))

    def sqrt(self, x):
        return np.asarray(np.sqrt(x))

    def abs(self, x):
        return np.asarray(np.abs(x))

    def sign(self, x):
        return np.asarray(np.sign(x))

    def sigmoid(self, x):
        # exp(-|x|) never overflows; the two branches of the logistic
        # function are then exact for either sign of x.
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1.0, e)
        out = out.astype(x.dtype, copy=False)
        out /= 1.0 + e
        return np.asarray(out)

    def sigmoid_backward(self, dy, y):
        return np.asarray(dy * (y * (1.0 - y)))

    def relu(self, x):
        return kernels.relu(x)

    def relu_backward(self, dy, x):
        return kernels.relu_backward(dy, x)

    def tanh(self, x):
        return np.asarray(np.tanh(x))

    def tanh_backward(self, dy, y):
        return np.asarray(dy * (1.0 - y * y))

    # ---- reductions -------------------------------------------------------
    def sum(self, x, axis, keepdims):
        return np.asarray(np.sum(x, axis=axis, keepdims=keepdims))

    def max(self, x, axis, keepdims):
        return np.asarray(np.max(x, axis=axis, keepdims=keepdims))

    def argmax(self, x, axis):
        return np.asarray(np.argmax(x, axis=axis)).astype(np.int64, copy=False)

    # ---- shape ------------------------------------------------------------
    def reshape(self, x, shape):
        return np.reshape(x, shape)

    def transpose(self, x, axes):
        return np.transpose(x, axes)

    def broadcast_to(self, x, shape):
        return np.broadcast_to(x, shape)

    def getitem(self, x, index):
        return np.asarray(x[index])

    def getitem_backward(self, dy, shape, index):
        out = np.zeros(shape, dtype=dy.dtype)
        out[index] = dy
        return out

    def concatenate(self, arrays, axis):
        return np.concatenate(arrays, axis=axis)

    # ---- linear algebra ---------------------------------------------------
    def matmul(self, a, b):
        return np.matmul(a, b)

    # ---- in place ---------------------------------------------------------
    def copy_(self, dst, src):
        dst[...] = src

    def lerp_(self, dst, src, weight):
        dst *= 1.0 - weight
        dst += weight * src

    # ---- neural-network primitives ----------------------------------------
    def batch_norm_forward_train(self, x, gamma, beta, eps):
        return kernels.batch_norm_forward_train(x, gamma, beta, eps)

    def batch_norm_forward_eval(self, x, gamma, beta, running_mean, running_var, eps):
        return kernels.batch_norm_forward_eval(x, gamma, beta, running_mean, running_var, eps)

    def batch_norm_backward(self, dy, x, gamma, mean, invstd):
        return kernels.batch_norm_backward(dy, x, gamma, mean, invstd)

    def batch_norm_backward_eval(self, dy, x, gamma, running_mean, running_var, eps):
        return kernels.batch_norm_backward_eval(dy, x, gamma, running_mean, running_var, eps)

    def im2col(self, x, kh, kw, sh, sw, ph, pw):
        return kernels.im2col(x, kh, kw, sh, sw, ph, pw)

    def col2im(self, cols, x_shape, kh, kw, sh, sw, ph, pw):
        return kernels.col2im(cols, x_shape, kh, kw, sh, sw, ph, pw)

    def max_pool2d_forward(self, x, kh, kw, sh, sw, ph, pw):
        return kernels.max_pool2d_forward(x, kh, kw, sh, sw, ph, pw)

    def max_pool2d_backward(self, dy, argmax, x_shape):
        return kernels.max_pool2d_backward(dy, argmax, x_shape)

    def avg_pool2d_forward(self, x, kh, kw, sh, sw, ph, pw):
        return kernels.avg_pool2d_forward(x, kh, kw, sh, sw, ph, pw)

    def avg_pool2d_backward(self, dy, x_shape, kh, kw, sh, sw, ph, pw):
        return kernels.avg_pool2d_backward(dy, x_shape, kh, kw, sh, sw, ph, pw)

    def softmax_cross_entropy_forward(self, logits, labels):
        return kernels.softmax_cross_entropy_forward(logits, labels)

    def softmax_cross_entropy_backward(self, probs, labels, grad_losses):
        return kernels.softmax_cross_entropy_backward(probs, labels, grad_losses)

    # ---- optimizer updates ------------------------------------------------
    def sgd_step_(self, param, grad, momentum_buf, lr, momentum, dampening,
                  weight_decay, nesterov, first_step):
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

    def adam_step_(self, param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps,
                   weight_decay, step):
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

    def adagrad_step_(self, param, grad, state_sum, lr, eps, weight_decay):
        if weight_decay != 0:
            grad = grad + weight_decay * param
        state_sum += grad * grad
        param -= lr * grad / (np.sqrt(state_sum) + eps)

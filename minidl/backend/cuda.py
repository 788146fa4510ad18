"""The CUDA backend: numba.cuda device arrays and the kernels of
``minidl.kernels.cuda`` (``@cuda.jit`` kernels and their launchers).

This file and ``cpu.py`` are mirrors: every method delegates to the kernels
family function of the same name, in the order of ``base.py``, so a diff of
the two files shows only the device name and the imports.  What is specific
to the device (scalar and 0-d operands, strided views over shared device
memory, the validating launchers, the caching allocator) lives in
``minidl.kernels.cuda``; see its ``layout`` for the array rules.  Creating the
backend checks that a kernel compiles and runs (``config.require_gpu``) and
names the fix when it cannot.  Importing this module compiles nothing.
"""

from ..kernels.cuda import (
    batchnorm,
    conv,
    elementwise,
    im2col,
    indexing,
    layout,
    maths,
    matmul,
    optim,
    pooling,
    random,
    reduce,
    scan,
    softmax_ce,
    sort,
)
from ..kernels.cuda.config import require_gpu as prepare_device
from .base import Backend


class CudaBackend(Backend):
    name = "cuda"

    def __init__(self):
        prepare_device()

    # ---- creation and transfer -------------------------------------------
    def from_numpy(self, array, dtype=None):
        return layout.from_numpy(array, dtype)

    def to_numpy(self, x):
        return layout.to_numpy(x)

    def synchronize(self):
        return layout.synchronize()

    def full(self, shape, value, dtype):
        return layout.full(shape, value, dtype)

    def arange(self, start, stop, step, dtype):
        return layout.arange(start, stop, step, dtype)

    def random_normal(self, shape, dtype, generator):
        return random.random_normal(shape, dtype, generator)

    def random_uniform(self, shape, dtype, generator):
        return random.random_uniform(shape, dtype, generator)

    def astype(self, x, dtype):
        return layout.astype(x, dtype)

    def copy(self, x):
        return layout.copy(x)

    # ---- elementwise, with NumPy broadcasting -----------------------------
    def add(self, a, b):
        return elementwise.add(a, b)

    def sub(self, a, b):
        return elementwise.sub(a, b)

    def mul(self, a, b):
        return elementwise.mul(a, b)

    def div(self, a, b):
        return elementwise.div(a, b)

    def pow(self, a, b):
        return elementwise.pow(a, b)

    def maximum(self, a, b):
        return elementwise.maximum(a, b)

    def minimum(self, a, b):
        return elementwise.minimum(a, b)

    def compare(self, op, a, b):
        return elementwise.compare(op, a, b)

    def where(self, condition, a, b):
        return elementwise.where(condition, a, b)

    def neg(self, x):
        return elementwise.neg(x)

    def exp(self, x):
        return elementwise.exp(x)

    def log(self, x):
        return elementwise.log(x)

    def sqrt(self, x):
        return elementwise.sqrt(x)

    def abs(self, x):
        return elementwise.abs(x)

    def sign(self, x):
        return elementwise.sign(x)

    def sigmoid(self, x):
        return elementwise.sigmoid(x)

    def sigmoid_backward(self, dy, y):
        return elementwise.sigmoid_backward(dy, y)

    def relu(self, x):
        return elementwise.relu(x)

    def relu_backward(self, dy, x):
        return elementwise.relu_backward(dy, x)

    def tanh(self, x):
        return elementwise.tanh(x)

    def tanh_backward(self, dy, y):
        return elementwise.tanh_backward(dy, y)

    # ---- the maths library --------------------------------------------------
    def unary_math(self, op, x):
        return maths.unary_math(op, x)

    def binary_math(self, op, a, b):
        return maths.binary_math(op, a, b)

    # ---- reductions -------------------------------------------------------
    def sum(self, x, axis, keepdims):
        return reduce.sum(x, axis, keepdims)

    def max(self, x, axis, keepdims):
        return reduce.max(x, axis, keepdims)

    def argmax(self, x, axis):
        return reduce.argmax(x, axis)

    # ---- shape ------------------------------------------------------------
    def reshape(self, x, shape):
        return layout.reshape(x, shape)

    def transpose(self, x, axes):
        return layout.transpose(x, axes)

    def broadcast_to(self, x, shape):
        return layout.broadcast_to(x, shape)

    def getitem(self, x, index):
        return layout.getitem(x, index)

    def getitem_backward(self, dy, shape, index):
        return layout.getitem_backward(dy, shape, index)

    def concatenate(self, arrays, axis):
        return layout.concatenate(arrays, axis)

    # ---- linear algebra ---------------------------------------------------
    def matmul(self, a, b):
        return matmul.matmul(a, b)

    # ---- in place ---------------------------------------------------------
    def copy_(self, dst, src):
        return layout.copy_(dst, src)

    def lerp_(self, dst, src, weight):
        return elementwise.lerp_(dst, src, weight)

    # ---- neural-network primitives (compiled kernels) ---------------------
    def batch_norm_forward_train(self, x, gamma, beta, eps):
        return batchnorm.batch_norm_forward_train(x, gamma, beta, eps)

    def batch_norm_forward_eval(self, x, gamma, beta, running_mean, running_var, eps):
        return batchnorm.batch_norm_forward_eval(x, gamma, beta, running_mean, running_var, eps)

    def batch_norm_backward(self, dy, x, gamma, mean, invstd):
        return batchnorm.batch_norm_backward(dy, x, gamma, mean, invstd)

    def batch_norm_backward_eval(self, dy, x, gamma, running_mean, running_var, eps):
        return batchnorm.batch_norm_backward_eval(dy, x, gamma, running_mean, running_var, eps)

    def im2col(self, x, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
        return im2col.im2col(x, kh, kw, sh, sw, ph, pw, dh, dw)

    def col2im(self, cols, x_shape, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
        return im2col.col2im(cols, x_shape, kh, kw, sh, sw, ph, pw, dh, dw)

    def conv2d_forward(self, x, weight, ph, pw, dh, dw, groups):
        return conv.conv2d_forward(x, weight, ph, pw, dh, dw, groups)

    def conv2d_input_grad(self, grad, weight, x_shape, ph, pw, dh, dw, groups):
        return conv.conv2d_input_grad(grad, weight, x_shape, ph, pw, dh, dw, groups)

    def conv2d_weight_grad(self, grad, x, weight_shape, ph, pw, dh, dw, groups):
        return conv.conv2d_weight_grad(grad, x, weight_shape, ph, pw, dh, dw, groups)

    def max_pool2d_forward(self, x, kh, kw, sh, sw, ph, pw, dh=1, dw=1, ceil_mode=False):
        return pooling.max_pool2d_forward(x, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode)

    def max_pool2d_backward(self, dy, argmax, x_shape):
        return pooling.max_pool2d_backward(dy, argmax, x_shape)

    def avg_pool2d_forward(self, x, kh, kw, sh, sw, ph, pw, ceil_mode=False,
                           count_include_pad=True, divisor_override=None):
        return pooling.avg_pool2d_forward(x, kh, kw, sh, sw, ph, pw, ceil_mode,
                                          count_include_pad, divisor_override)

    def avg_pool2d_backward(self, dy, x_shape, kh, kw, sh, sw, ph, pw, ceil_mode=False,
                            count_include_pad=True, divisor_override=None):
        return pooling.avg_pool2d_backward(dy, x_shape, kh, kw, sh, sw, ph, pw, ceil_mode,
                                           count_include_pad, divisor_override)

    def softmax_cross_entropy_forward(self, logits, labels, ignore_index):
        return softmax_ce.softmax_cross_entropy_forward(logits, labels, ignore_index)

    def softmax_cross_entropy_backward(self, probs, labels, ignore_index, grad_losses):
        return softmax_ce.softmax_cross_entropy_backward(probs, labels, ignore_index,
                                                         grad_losses)

    # ---- products, running sums, ordering ----------------------------------
    def prod(self, x, axis, keepdims):
        return scan.prod(x, axis, keepdims)

    def cumsum(self, x, axis):
        return scan.cumsum(x, axis)

    def cumprod(self, x, axis):
        return scan.cumprod(x, axis)

    def cumprod_backward(self, x, grad, axis):
        return scan.cumprod_backward(x, grad, axis)

    def argsort(self, x, axis, descending):
        return sort.argsort(x, axis, descending)

    # ---- reading and writing at computed positions ------------------------
    def take(self, x, positions):
        return indexing.take(x, positions)

    def put(self, x, positions, values, accumulate):
        return indexing.put(x, positions, values, accumulate)

    def check_range(self, values, low, high, skip, make_error):
        return indexing.check_range(values, low, high, skip, make_error)

    # ---- optimizer updates, in place on parameters and state --------------
    def sgd_step_(self, param, grad, momentum_buf, lr, momentum, dampening, weight_decay, nesterov,
                  first_step):
        return optim.sgd_step_(param, grad, momentum_buf, lr, momentum, dampening, weight_decay,
                               nesterov, first_step)

    def adam_step_(self, param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay,
                   step):
        return optim.adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps,
                                weight_decay, step)

    def adagrad_step_(self, param, grad, state_sum, lr, eps, weight_decay):
        return optim.adagrad_step_(param, grad, state_sum, lr, eps, weight_decay)

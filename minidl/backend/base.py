"""The backend interface: the one list of primitives every device implements.

Everything above this boundary (tensors, autograd Functions, layers,
optimizers) calls only these methods, on raw device arrays, and never
branches on the device. A backend is a class whose methods take and return
its own array type (``numpy.ndarray`` on the CPU, device arrays on CUDA).
To add a device, subclass :class:`Backend` and implement every method; a
reader can compare two backends line by line because the names are the same.
The CPU and CUDA backends are mirrors: each method delegates to the function
of the same name in one family file of ``minidl.kernels.<device>``
(elementwise, maths, reduce, layout, matmul, batchnorm, im2col, conv, pooling,
softmax_ce, optim, random), and the two backend files differ only in the
device's name and imports.

Conventions shared by all primitives:
- ``shape`` is a tuple of ints, ``dtype`` a ``numpy.dtype``.
- ``axis`` is ``None`` (all axes) or a tuple of non-negative ints.
- Functions ending in ``_`` modify their first argument in place.
- Arguments have been validated by the caller: shapes agree, dtypes match.
  The nn primitives (batch norm, im2col, convolution, pooling, cross-entropy) validate
  shapes and dtypes again before any compiled kernel runs, because a bad index
  in a kernel is a crash rather than an exception.  Values inside device
  arrays (labels, argmax, running_var) are checked where they are on the host;
  a device kernel never reads or writes out of range for a bad value.
- Shape primitives (reshape of contiguous data, transpose, broadcast_to,
  getitem with a basic index) return views that share memory with their input
  on every backend, so an in-place primitive (``copy_``, ``lerp_``, the
  optimizer steps) on a view changes the base.  Every primitive accepts views
  (strided arrays) as inputs; results of the others are new arrays.
"""

from abc import ABC, abstractmethod


class Backend(ABC):
    """Primitive operations on one device's arrays."""

    name = "abstract"

    # ---- creation and transfer -------------------------------------------
    @abstractmethod
    def from_numpy(self, array, dtype=None):
        """Device array holding ``array`` (cast to ``dtype`` when given).

        On the CPU this does not copy when no cast is needed."""

    @abstractmethod
    def to_numpy(self, x):
        """Host ``numpy.ndarray`` with the values of ``x``; first raises the
        error of any failed ``check_range`` still pending."""

    @abstractmethod
    def synchronize(self):
        """Wait for all queued work; raise the error of a failed pending
        ``check_range``."""

    @abstractmethod
    def full(self, shape, value, dtype):
        """New array of ``shape`` filled with ``value``."""

    @abstractmethod
    def arange(self, start, stop, step, dtype):
        """1-d array ``start, start+step, ...`` below ``stop``."""

    @abstractmethod
    def random_normal(self, shape, dtype, generator):
        """Standard normal samples drawn from a ``numpy.random.Generator``."""

    @abstractmethod
    def random_uniform(self, shape, dtype, generator):
        """Uniform samples in [0, 1) drawn from a ``numpy.random.Generator``."""

    @abstractmethod
    def astype(self, x, dtype):
        """``x`` converted to ``dtype`` (a new array)."""

    @abstractmethod
    def copy(self, x):
        """A contiguous copy of ``x``."""

    # ---- elementwise, with NumPy broadcasting -----------------------------
    @abstractmethod
    def add(self, a, b):
        """a + b (either may be a Python scalar)."""

    @abstractmethod
    def sub(self, a, b):
        """a - b."""

    @abstractmethod
    def mul(self, a, b):
        """a * b."""

    @abstractmethod
    def div(self, a, b):
        """a / b."""

    @abstractmethod
    def pow(self, a, b):
        """a ** b."""

    @abstractmethod
    def maximum(self, a, b):
        """Elementwise maximum."""

    @abstractmethod
    def minimum(self, a, b):
        """Elementwise minimum."""

    @abstractmethod
    def compare(self, op, a, b):
        """Boolean array of ``a op b``; ``op`` in eq, ne, lt, le, gt, ge."""

    @abstractmethod
    def where(self, condition, a, b):
        """``a`` where ``condition`` holds, else ``b``."""

    @abstractmethod
    def neg(self, x):
        """-x."""

    @abstractmethod
    def exp(self, x):
        """e ** x."""

    @abstractmethod
    def log(self, x):
        """Natural logarithm."""

    @abstractmethod
    def sqrt(self, x):
        """Square root."""

    @abstractmethod
    def abs(self, x):
        """Absolute value."""

    @abstractmethod
    def sign(self, x):
        """-1, 0 or 1 by the sign of x (0 for NaN, as PyTorch)."""

    @abstractmethod
    def sigmoid(self, x):
        """1 / (1 + e ** -x), without overflow for large |x|."""

    @abstractmethod
    def sigmoid_backward(self, dy, y):
        """dy * y * (1 - y) given the forward output y."""

    @abstractmethod
    def relu(self, x):
        """max(x, 0)."""

    @abstractmethod
    def relu_backward(self, dy, x):
        """dy where x > 0, else 0."""

    @abstractmethod
    def tanh(self, x):
        """Hyperbolic tangent."""

    @abstractmethod
    def tanh_backward(self, dy, y):
        """dy * (1 - y ** 2) given the forward output y."""

    # ---- the maths library (kernels/<device>/maths.py) ---------------------
    @abstractmethod
    def unary_math(self, op, x):
        """``op`` elementwise on x: sin, cos, tan, asin, acos, atan, sinh, cosh, asinh,
        acosh, atanh, log2, log10, log1p, expm1, exp2, rsqrt, reciprocal, erf, erfc,
        floor, ceil, round (halves to even), trunc, frac (float x, result in its dtype);
        isnan, isinf, isfinite (float x), logical_not (any x; bool results);
        bitwise_not (integer x)."""

    @abstractmethod
    def binary_math(self, op, a, b):
        """``op`` elementwise on a and b of one dtype, broadcast: atan2 (float);
        fmod, remainder, floor_divide, trunc_divide (no integer zero divisors);
        logical_and, logical_or, logical_xor (bool results); bitwise_and,
        bitwise_or, bitwise_xor (integers and bools), bitwise_left_shift,
        bitwise_right_shift (integers)."""

    # ---- reductions -------------------------------------------------------
    @abstractmethod
    def sum(self, x, axis, keepdims):
        """Sum over ``axis``."""

    @abstractmethod
    def max(self, x, axis, keepdims):
        """Maximum over ``axis``."""

    @abstractmethod
    def argmax(self, x, axis):
        """Index of the maximum along one ``axis`` (an int) as int64."""

    # ---- shape ------------------------------------------------------------
    @abstractmethod
    def reshape(self, x, shape):
        """``x`` with a new shape (a view when possible)."""

    @abstractmethod
    def transpose(self, x, axes):
        """``x`` with its axes permuted."""

    @abstractmethod
    def broadcast_to(self, x, shape):
        """``x`` broadcast to ``shape`` (may be a read-only view)."""

    @abstractmethod
    def getitem(self, x, index):
        """``x[index]`` for a basic index (ints, slices, None, Ellipsis)."""

    @abstractmethod
    def getitem_backward(self, dy, shape, index):
        """Zeros of ``shape`` with ``dy`` written at ``index``."""

    @abstractmethod
    def concatenate(self, arrays, axis):
        """Join arrays along an existing axis."""

    # ---- linear algebra ---------------------------------------------------
    @abstractmethod
    def matmul(self, a, b):
        """Matrix product with NumPy's batching rules (both ndim >= 2)."""

    # ---- in place ---------------------------------------------------------
    @abstractmethod
    def copy_(self, dst, src):
        """dst[...] = src."""

    @abstractmethod
    def lerp_(self, dst, src, weight):
        """dst = (1 - weight) * dst + weight * src (running averages)."""

    # ---- neural-network primitives (compiled kernels) ---------------------
    @abstractmethod
    def batch_norm_forward_train(self, x, gamma, beta, eps):
        """(y, mean, var, invstd) with batch statistics per channel.

        ``x`` is (N, C) or (N, C, H, W); var is biased; gamma, beta may be
        None (no affine transform). The statistics are float64 whatever x's
        dtype, so the backward recomputes xhat as exactly as the forward."""

    @abstractmethod
    def batch_norm_forward_eval(self, x, gamma, beta, running_mean, running_var, eps):
        """y normalised with the population statistics."""

    @abstractmethod
    def batch_norm_backward(self, dy, x, gamma, mean, invstd):
        """(dx, dgamma, dbeta) when batch statistics were used."""

    @abstractmethod
    def batch_norm_backward_eval(self, dy, x, gamma, running_mean, running_var, eps):
        """(dx, dgamma, dbeta) when population statistics were used."""

    @abstractmethod
    def im2col(self, x, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
        """Patches of (N, C, H, W) as (N, C*kh*kw, OH*OW), zero padding (ph, pw),
        dilation (dh, dw): window element (i, j) reads row i*dh, column j*dw."""

    @abstractmethod
    def col2im(self, cols, x_shape, kh, kw, sh, sw, ph, pw, dh=1, dw=1):
        """Adjoint of im2col: patch gradients summed back into (N, C, H, W)."""

    @abstractmethod
    def conv2d_forward(self, x, weight, ph, pw, dh, dw, groups):
        """Stride-1 convolution (cross-correlation) of (N, C, H, W) by weight
        (O, C / groups, kh, kw), zero padding (ph, pw), dilation (dh, dw):
        (N, O, H + 2*ph - dh*(kh-1), W + 2*pw - dw*(kw-1))."""

    @abstractmethod
    def conv2d_input_grad(self, grad, weight, x_shape, ph, pw, dh, dw, groups):
        """Gradient of conv2d_forward in its input, of shape ``x_shape``."""

    @abstractmethod
    def conv2d_weight_grad(self, grad, x, weight_shape, ph, pw, dh, dw, groups):
        """Gradient of conv2d_forward in its weight, of shape ``weight_shape``."""

    @abstractmethod
    def max_pool2d_forward(self, x, kh, kw, sh, sw, ph, pw, dh=1, dw=1, ceil_mode=False):
        """(y, argmax) with argmax the flat index in each input plane (int64);
        dilation (dh, dw) and PyTorch's ceil_mode output size."""

    @abstractmethod
    def max_pool2d_backward(self, dy, argmax, x_shape):
        """dy scattered back to the selected inputs."""

    @abstractmethod
    def avg_pool2d_forward(self, x, kh, kw, sh, sw, ph, pw, ceil_mode=False,
                           count_include_pad=True, divisor_override=None):
        """Average pooling with PyTorch's output size (ceil_mode) and divisor: the
        window clipped to the padded input (count_include_pad) or to the input,
        or ``divisor_override`` (a nonzero int)."""

    @abstractmethod
    def avg_pool2d_backward(self, dy, x_shape, kh, kw, sh, sw, ph, pw, ceil_mode=False,
                            count_include_pad=True, divisor_override=None):
        """Gradient of average pooling."""

    @abstractmethod
    def softmax_cross_entropy_forward(self, logits, labels, ignore_index):
        """(per-sample losses (N,), softmax probabilities (N, K), the number of
        labels not equal to ``ignore_index`` as a 0-d array of logits' dtype);
        a row whose label is ``ignore_index`` has loss 0."""

    @abstractmethod
    def softmax_cross_entropy_backward(self, probs, labels, ignore_index, grad_losses):
        """(probs - onehot(labels)) * grad_losses[:, None], rows whose label is
        ``ignore_index`` zero."""

    # ---- products, running sums, ordering ----------------------------------
    @abstractmethod
    def prod(self, x, axis, keepdims):
        """The product over ``axis`` (None or a tuple of axes), in x's dtype."""

    @abstractmethod
    def cumsum(self, x, axis):
        """Running sums along one ``axis`` (an int), in x's dtype."""

    @abstractmethod
    def cumprod(self, x, axis):
        """Running products along one ``axis`` (an int), in x's dtype."""

    @abstractmethod
    def cumprod_backward(self, x, grad, axis):
        """The gradient of cumprod(x) along ``axis`` for the incoming ``grad``,
        exact where x holds zeros."""

    @abstractmethod
    def argsort(self, x, axis, descending):
        """int64 positions that stably sort ``x`` along ``axis`` (NaN last
        ascending, first descending)."""

    # ---- reading and writing at computed positions ------------------------
    @abstractmethod
    def take(self, x, positions):
        """out[i] = x.flat[positions[i]]: ``positions`` are int64 flat indices
        into ``x`` (checked by the caller to lie in [0, x.size))."""

    @abstractmethod
    def put(self, x, positions, values, accumulate):
        """A copy of ``x`` with ``values`` (an array or scalar broadcast to the
        shape of ``positions``) written at ``positions``, or added there when
        ``accumulate`` (repeated positions add up)."""

    @abstractmethod
    def check_range(self, values, low, high, skip, make_error):
        """Raise ``make_error(bad)`` unless every one of ``values`` lies in
        [low, high] (those equal to ``skip``, when not None, excepted; NaN is
        out of range); ``bad`` is the smallest value below the range, else the
        largest above it, else NaN.  Integers compare as int64.

        The CPU raises at once.  A GPU backend must not read device data back
        for it (that would stall a training step): it may raise at its next
        ``to_numpy`` or ``synchronize`` instead, as PyTorch's device-side
        asserts do, and its kernels must never read or write outside their
        arrays for values that fail the check."""

    # ---- optimizer updates, in place on parameters and state --------------
    @abstractmethod
    def sgd_step_(self, param, grad, momentum_buf, lr, momentum, dampening,
                  weight_decay, nesterov, first_step):
        """One SGD update in PyTorch's form; momentum_buf may be None."""

    @abstractmethod
    def adam_step_(self, param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps,
                   weight_decay, step):
        """One Adam update (bias-corrected, L2 weight decay added to grad)."""

    @abstractmethod
    def adagrad_step_(self, param, grad, state_sum, lr, eps, weight_decay):
        """One Adagrad update (lr already decayed by the caller)."""

"""The CUDA backend: numba.cuda device arrays and the kernels of
``minidl.kernels.cuda``, method for method the same primitives as ``cpu.py``.

Arrays are numba device arrays (``DeviceNDArray``; the simulator's stand-in
under ``NUMBA_ENABLE_CUDASIM=1``) and stay on the device from op to op: only
``to_numpy`` copies to the host, only ``from_numpy`` (and the random
primitives, see ``kernels/cuda/random.py``) copy to the device.

Every array this backend returns is C-contiguous: layout changes (transpose,
broadcast_to, slicing) are device-side copies.  The kernels can then address
every operand as a flat buffer, and the results of shape primitives are never
views that a later in-place update could alias by surprise (NumPy's views on
the CPU are never written through by the ops layer either).

Operands of the elementwise primitives may be device arrays (0-d included),
Python scalars or NumPy scalars; anything else (e.g. a host ``numpy.ndarray``)
raises a TypeError naming the fix.
"""

import numbers

import numpy as np

try:
    from numba import cuda
except ImportError as exc:  # pragma: no cover - numba always ships numba.cuda today
    raise ImportError(f"numba.cuda is not importable ({exc})") from exc

from ..kernels.cuda.validate import is_device_array
from .base import Backend

_FIX = ("install the 'cuda' extra (pip install 'minidl[cuda]') on a machine with an NVIDIA "
        "GPU and driver, or set NUMBA_ENABLE_CUDASIM=1 before starting Python to run the CUDA "
        "backend on Numba's simulator")


class CudaBackend(Backend):
    name = "cuda"

    def __init__(self):
        if not cuda.is_available():
            raise RuntimeError(f"the CUDA backend needs a usable GPU, and none was found: {_FIX}")
        # Imported here: compiling nothing, but kept off the import path of a
        # CPU-only user even if someone imports this module directly.
        from ..kernels import cuda as kernels
        from ..kernels.cuda import elementwise, layout, reduce

        self._k = kernels
        self._ew = elementwise
        self._layout = layout
        self._reduce = reduce

    # ---- helpers -------------------------------------------------------------
    def _array(self, fn, a):
        if not is_device_array(a):
            raise TypeError(f"{fn}: expected a CUDA device array, got {type(a).__name__}; "
                            "move host data to the device first (Tensor.to('cuda'))")
        if not a.is_c_contiguous():
            a = self._layout.gather(a, 0, tuple(s // a.dtype.itemsize for s in a.strides),
                                    tuple(a.shape))
        return a

    def _operand(self, fn, v):
        """A device array, or a NumPy scalar for a scalar operand."""
        if isinstance(v, np.ndarray) and v.ndim == 0:
            return v[()]
        if isinstance(v, (numbers.Number, np.generic)) and not isinstance(v, np.ndarray):
            return v
        return self._array(fn, v)

    def _scalar_to_device(self, value, dtype):
        return cuda.to_device(np.asarray(value, dtype=dtype))

    def _binary(self, fn, kind, op, a, b, out_dtype=None):
        a = self._operand(fn, a)
        b = self._operand(fn, b)
        if self._ew.is_scalar(a) and self._ew.is_scalar(b):
            # nothing on the device: let NumPy decide value and dtype, then upload
            return self.from_numpy(np.asarray(self._host_binary(kind, op, a, b, out_dtype)))
        try:
            np.broadcast_shapes(np.shape(a) if self._ew.is_scalar(a) else tuple(a.shape),
                                np.shape(b) if self._ew.is_scalar(b) else tuple(b.shape))
        except ValueError:
            raise ValueError(f"{fn}: shapes {np.shape(a) if self._ew.is_scalar(a) else a.shape}"
                             f" and {np.shape(b) if self._ew.is_scalar(b) else b.shape} cannot "
                             "be broadcast together") from None
        return self._ew.binary(kind, op, a, b, out_dtype)

    def _host_binary(self, kind, op, a, b, out_dtype):
        ew = self._ew
        if kind == "compare":
            ufunc = {ew.EQ: np.equal, ew.NE: np.not_equal, ew.LT: np.less,
                     ew.LE: np.less_equal, ew.GT: np.greater, ew.GE: np.greater_equal}[op]
            return ufunc(a, b)
        funcs = {ew.ADD: np.add, ew.SUB: np.subtract, ew.MUL: np.multiply,
                 ew.DIV: np.true_divide, ew.POW: np.power, ew.MAXIMUM: np.maximum,
                 ew.MINIMUM: np.minimum}
        result = np.asarray(funcs[op](a, b))
        return result if out_dtype is None else result.astype(out_dtype)

    def _unary(self, fn, op, x, float_result):
        x = self._array(fn, x)
        dtype = np.dtype(x.dtype)
        if float_result and dtype.kind != "f":
            dtype = np.result_type(dtype, np.float64) if dtype.kind in "iub" else dtype
        return self._ew.unary(op, x, dtype)

    # ---- creation and transfer -------------------------------------------
    def from_numpy(self, array, dtype=None):
        array = np.asarray(array)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"from_numpy: the CUDA backend holds bool, integer and float "
                            f"arrays, got dtype {array.dtype}")
        if dtype is not None and array.dtype != dtype:
            array = array.astype(dtype)
        return cuda.to_device(np.asarray(array, order="C"))  # (ascontiguousarray makes 0-d 1-d)

    def to_numpy(self, x):
        if not is_device_array(x):
            raise TypeError(f"to_numpy: expected a CUDA device array, got {type(x).__name__}")
        return x.copy_to_host()

    def full(self, shape, value, dtype):
        return self._ew.fill(cuda.device_array(tuple(shape), dtype=np.dtype(dtype)), value)

    def arange(self, start, stop, step, dtype):
        return self._ew.arange(start, stop, step, dtype)

    def random_normal(self, shape, dtype, generator):
        return self._k.random_normal(shape, dtype, generator)

    def random_uniform(self, shape, dtype, generator):
        return self._k.random_uniform(shape, dtype, generator)

    def astype(self, x, dtype):
        return self._ew.cast(self._array("astype", x), dtype)

    def copy(self, x):
        x = self._array("copy", x)
        return self._ew.cast(x, x.dtype)

    # ---- elementwise ------------------------------------------------------
    def add(self, a, b):
        return self._binary("add", "arith", self._ew.ADD, a, b)

    def sub(self, a, b):
        return self._binary("sub", "arith", self._ew.SUB, a, b)

    def mul(self, a, b):
        return self._binary("mul", "arith", self._ew.MUL, a, b)

    def div(self, a, b):
        a_kind = np.result_type(*(np.dtype(v.dtype) if is_device_array(v) else v
                                  for v in (a, b))).kind
        # true division: integers divide to float64, as NumPy's true_divide
        out_dtype = np.dtype(np.float64) if a_kind in "iub" else None
        return self._binary("div", "arith", self._ew.DIV, a, b, out_dtype)

    def pow(self, a, b):
        return self._binary("pow", "arith", self._ew.POW, a, b)

    def maximum(self, a, b):
        return self._binary("maximum", "arith", self._ew.MAXIMUM, a, b)

    def minimum(self, a, b):
        return self._binary("minimum", "arith", self._ew.MINIMUM, a, b)

    def compare(self, op, a, b):
        code = self._ew.COMPARE_CODES.get(op)
        if code is None:
            raise ValueError(f"compare: unknown comparison {op!r}, expected one of "
                             f"{sorted(self._ew.COMPARE_CODES)}")
        return self._binary("compare", "compare", code, a, b)

    def where(self, condition, a, b):
        condition = self._operand("where", condition)
        a = self._operand("where", a)
        b = self._operand("where", b)
        return self._ew.where(condition, a, b, self._scalar_to_device)

    def neg(self, x):
        return self._unary("neg", self._ew.NEG, x, False)

    def exp(self, x):
        return self._unary("exp", self._ew.EXP, x, True)

    def log(self, x):
        return self._unary("log", self._ew.LOG, x, True)

    def sqrt(self, x):
        return self._unary("sqrt", self._ew.SQRT, x, True)

    def abs(self, x):
        return self._unary("abs", self._ew.ABS, x, False)

    def sign(self, x):
        return self._unary("sign", self._ew.SIGN, x, False)

    def sigmoid(self, x):
        return self._unary("sigmoid", self._ew.SIGMOID, x, True)

    def sigmoid_backward(self, dy, y):
        return self._binary("sigmoid_backward", "arith", self._ew.SIGMOID_BWD, dy, y)

    def relu(self, x):
        return self._unary("relu", self._ew.RELU, x, False)

    def relu_backward(self, dy, x):
        dy = self._array("relu_backward", dy)
        return self._binary("relu_backward", "arith", self._ew.RELU_BWD, dy, x, dy.dtype)

    def tanh(self, x):
        return self._unary("tanh", self._ew.TANH, x, True)

    def tanh_backward(self, dy, y):
        return self._binary("tanh_backward", "arith", self._ew.TANH_BWD, dy, y)

    # ---- reductions -------------------------------------------------------
    def sum(self, x, axis, keepdims):
        return self._reduce.reduce_sum(self._array("sum", x), axis, keepdims)

    def max(self, x, axis, keepdims):
        return self._reduce.reduce_max(self._array("max", x), axis, keepdims)

    def argmax(self, x, axis):
        x = self._array("argmax", x)
        if not isinstance(axis, (int, np.integer)) or not 0 <= axis < max(x.ndim, 1):
            raise ValueError(f"argmax: axis must be one int in [0, {x.ndim}), got {axis!r}")
        if x.ndim == 0:
            x = x.reshape(1)
        return self._reduce.reduce_argmax(x, int(axis))

    # ---- shape ------------------------------------------------------------
    def reshape(self, x, shape):
        x = self._array("reshape", x)
        shape = tuple(int(n) for n in shape)
        if -1 in shape:
            known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
            if shape.count(-1) > 1 or known == 0 or x.size % known:
                raise ValueError(f"reshape: cannot reshape {tuple(x.shape)} into {shape}")
            shape = tuple(x.size // known if n == -1 else n for n in shape)
        if int(np.prod(shape, dtype=np.int64)) != x.size:
            raise ValueError(f"reshape: cannot reshape {tuple(x.shape)} ({x.size} elements) "
                             f"into {shape}")
        return x.reshape(shape)

    def transpose(self, x, axes):
        x = self._array("transpose", x)
        axes = tuple(int(a) for a in axes)
        if sorted(axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: {axes} is not a permutation of {x.ndim} axes")
        strides = self._layout.contiguous_strides(tuple(x.shape))
        return self._layout.gather(x, 0, tuple(strides[a] for a in axes),
                                   tuple(x.shape[a] for a in axes))

    def broadcast_to(self, x, shape):
        x = self._array("broadcast_to", x)
        shape = tuple(int(n) for n in shape)
        try:
            ok = np.broadcast_shapes(tuple(x.shape), shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to {shape}")
        return self._layout.gather(x, 0, self._layout.broadcast_strides(tuple(x.shape), shape),
                                   shape)

    def getitem(self, x, index):
        x = self._array("getitem", x)
        shape, base, strides = self._layout.view_of_index(tuple(x.shape), index)
        return self._layout.gather(x, base, strides, shape)

    def getitem_backward(self, dy, shape, index):
        dy = self._array("getitem_backward", dy)
        shape = tuple(int(n) for n in shape)
        out = self.full(shape, 0, dy.dtype)
        view_shape, base, strides = self._layout.view_of_index(shape, index)
        if tuple(dy.shape) != view_shape:
            dy = self.broadcast_to(dy, view_shape)
        return self._layout.scatter(dy, out, base, strides)

    def concatenate(self, arrays, axis):
        arrays = [self._array("concatenate", a) for a in arrays]
        if not arrays:
            raise ValueError("concatenate: need at least one array")
        first = tuple(arrays[0].shape)
        axis = int(axis)
        if not 0 <= axis < len(first):
            raise ValueError(f"concatenate: axis {axis} is out of range for {len(first)} axes")
        for a in arrays[1:]:
            s = tuple(a.shape)
            if len(s) != len(first) or s[:axis] + s[axis + 1:] != first[:axis] + first[axis + 1:]:
                raise ValueError(f"concatenate: shapes {first} and {s} differ outside axis {axis}")
        dtype = np.result_type(*(np.dtype(a.dtype) for a in arrays))
        total = sum(int(a.shape[axis]) for a in arrays)
        shape = first[:axis] + (total,) + first[axis + 1:]
        out = cuda.device_array(shape, dtype=dtype)
        start = 0
        for a in arrays:
            size = int(a.shape[axis])
            index = (slice(None),) * axis + (slice(start, start + size),)
            _, base, strides = self._layout.view_of_index(shape, index)
            src = a if a.dtype == dtype else self._ew.cast(a, dtype)
            self._layout.scatter(src, out, base, strides)
            start += size
        return out

    # ---- linear algebra ---------------------------------------------------
    def matmul(self, a, b):
        a = self._array("matmul", a)
        b = self._array("matmul", b)
        if a.dtype != b.dtype:
            dtype = np.result_type(a.dtype, b.dtype)
            a, b = self._ew.cast(a, dtype), self._ew.cast(b, dtype)
        return self._k.matmul(a, b)

    # ---- in place ---------------------------------------------------------
    def copy_(self, dst, src):
        dst = self._array("copy_", dst)
        src = self._operand("copy_", src)
        if self._ew.is_scalar(src):
            self._ew.fill(dst, src)
            return
        shape = tuple(dst.shape)
        try:
            ok = np.broadcast_shapes(tuple(src.shape), shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"copy_: cannot broadcast shape {tuple(src.shape)} to {shape}")
        self._layout.gather(src, 0, self._layout.broadcast_strides(tuple(src.shape), shape),
                            shape, out=dst)

    def lerp_(self, dst, src, weight):
        self._k.lerp_(self._array("lerp_", dst), self._array("lerp_", src), weight)

    # ---- neural-network primitives ----------------------------------------
    def batch_norm_forward_train(self, x, gamma, beta, eps):
        return self._k.batch_norm_forward_train(x, gamma, beta, eps)

    def batch_norm_forward_eval(self, x, gamma, beta, running_mean, running_var, eps):
        return self._k.batch_norm_forward_eval(x, gamma, beta, running_mean, running_var, eps)

    def batch_norm_backward(self, dy, x, gamma, mean, invstd):
        return self._k.batch_norm_backward(dy, x, gamma, mean, invstd)

    def batch_norm_backward_eval(self, dy, x, gamma, running_mean, running_var, eps):
        return self._k.batch_norm_backward_eval(dy, x, gamma, running_mean, running_var, eps)

    def im2col(self, x, kh, kw, sh, sw, ph, pw):
        return self._k.im2col(x, kh, kw, sh, sw, ph, pw)

    def col2im(self, cols, x_shape, kh, kw, sh, sw, ph, pw):
        return self._k.col2im(cols, x_shape, kh, kw, sh, sw, ph, pw)

    def max_pool2d_forward(self, x, kh, kw, sh, sw, ph, pw):
        return self._k.max_pool2d_forward(x, kh, kw, sh, sw, ph, pw)

    def max_pool2d_backward(self, dy, argmax, x_shape):
        return self._k.max_pool2d_backward(dy, argmax, x_shape)

    def avg_pool2d_forward(self, x, kh, kw, sh, sw, ph, pw):
        return self._k.avg_pool2d_forward(x, kh, kw, sh, sw, ph, pw)

    def avg_pool2d_backward(self, dy, x_shape, kh, kw, sh, sw, ph, pw):
        return self._k.avg_pool2d_backward(dy, x_shape, kh, kw, sh, sw, ph, pw)

    def softmax_cross_entropy_forward(self, logits, labels):
        return self._k.softmax_cross_entropy_forward(logits, labels)

    def softmax_cross_entropy_backward(self, probs, labels, grad_losses):
        return self._k.softmax_cross_entropy_backward(probs, labels, grad_losses)

    # ---- optimizer updates ------------------------------------------------
    def sgd_step_(self, param, grad, momentum_buf, lr, momentum, dampening,
                  weight_decay, nesterov, first_step):
        self._k.sgd_step_(param, grad, momentum_buf, lr, momentum, dampening, weight_decay,
                          nesterov, first_step)

    def adam_step_(self, param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps,
                   weight_decay, step):
        self._k.adam_step_(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps,
                           weight_decay, step)

    def adagrad_step_(self, param, grad, state_sum, lr, eps, weight_decay):
        self._k.adagrad_step_(param, grad, state_sum, lr, eps, weight_decay)

"""Elementwise primitives on the device, with NumPy broadcasting: arithmetic,
comparisons, where, unary maths, activations and their backward forms, and
``lerp_`` (running averages).  The mirror file is
``kernels/cpu/elementwise.py``: same public names, same results.

Every op is ONE scalar function (a device function, or a function Numba
already knows: ``math.exp``, ``operator.add``, ``abs``) turned into a
primitive by a factory, which compiles one kernel per dtype signature on first
use.  Adding an op is one line here and one line in the CPU mirror::

    expm1 = unary(math.expm1)                   # cpu: def expm1(x): return np.asarray(np.expm1(x))
    floor = unary(math.floor, result="same")
    isnan = unary(math.isnan, result="bool")
    fmod = binary(math.fmod, result="float")
    bitwise_and = binary(operator.and_, kinds="biu")
    logical_and = binary(_logical_and, result="bool")   # with a small device function:

    @device
    def _logical_and(x, y):
        return x != 0 and y != 0

(then the primitive in ``backend/base.py``, ``cpu.py`` and ``cuda.py``, see
``minidl/backend/base.py``).  ``result`` says the output dtype, NumPy's rule:
"promote" (binary default: the operands' common dtype), "same" (unary
default: the input's dtype), "float" (a float: integers and bools go to
float64/32/16 as NumPy's np.exp), "float64" (integers and bools go to float64,
as np.true_divide), "bool".  ``kinds`` lists the dtype kinds the
op accepts ("b", "i", "u", "f"); anything else is a TypeError before any kernel
runs.  ``int_fn`` gives a separate function for integer operands.

How a kernel computes: both operands are converted to the compute dtype (the
result dtype of the promotion, the float dtype for "float" ops), the scalar
function runs in that dtype and the value is stored into the output's dtype.
So float32 ops stay float32 and integer ops stay integer (exact to the last
bit of int64): a device function must not mix in Python literals of another
type (``1 + v`` with a float32 ``v`` is float64 in Numba); write
``type(v)(1) + v``.  ``tests/test_cuda_compile.py`` compiles every op for
every dtype to PTX and fails on float64 instructions in float32 or integer
kernels.

Operands: device arrays of any strides (views, broadcasts; see ``layout``),
Python or NumPy scalars (passed to the kernel as a scalar of the compute
dtype, no device copy).  Result dtypes follow NumPy (NEP 50: a Python scalar
takes the array's dtype), computed on the host; an operation on scalars only is
done by NumPy on the host and uploaded.  Results are new C-contiguous arrays.
"""

import builtins
import math
import operator
import types as _pytypes

import numpy as np
from numba import cuda, from_dtype

from .config import THREADS_PER_BLOCK, blocks_for, jit, launch
from .layout import (
    as_kernel_scalar,
    coalesce,
    device_operand,
    empty,
    from_numpy,
    is_scalar,
    offset_of,
    operand,
    operand_strides,
    storage,
)

__all__ = [
    "add", "sub", "mul", "div", "pow", "maximum", "minimum", "compare", "where",
    "neg", "exp", "log", "sqrt", "abs", "sign", "sigmoid", "sigmoid_backward",
    "relu", "relu_backward", "tanh", "tanh_backward", "lerp_",
]

# the dtypes the compile check (tests/test_cuda_compile.py) builds every op for
CHECKED_DTYPES = tuple(np.dtype(t) for t in (np.bool_, np.int32, np.int64, np.float32,
                                             np.float64))


def device(fn):
    """A scalar function usable inside the kernels (``cuda.jit(device=True)``)."""
    return cuda.jit(device=True)(fn)


def _as_device_function(fn):
    """Plain Python functions are compiled as device functions; builtins Numba knows
    (math.exp, operator.add, abs) and existing device functions are used as they are."""
    if isinstance(fn, _pytypes.FunctionType):
        return device(fn)
    return fn


@cuda.jit(device=True)
def _load_array(a, off):
    return a[off]


@cuda.jit(device=True)
def _load_scalar(a, off):
    return a


# --------------------------------------------------------------------------- kernel factories


def _unary_kernel(fn, conv):
    @jit
    def kernel(x, x_strides, out, shape, n):
        start = cuda.grid(1)
        step = cuda.gridsize(1)
        for i in range(start, n, step):
            out[i] = fn(conv(x[offset_of(i, shape, x_strides)]))

    return kernel


def _binary_kernel(fn, conv, load_a, load_b):
    @jit
    def kernel(a, a_strides, b, b_strides, out, shape, n):
        start = cuda.grid(1)
        step = cuda.gridsize(1)
        for i in range(start, n, step):
            x = conv(load_a(a, offset_of(i, shape, a_strides)))
            y = conv(load_b(b, offset_of(i, shape, b_strides)))
            out[i] = fn(x, y)

    return kernel


def _float_dtype(dtype, rule="float"):
    """NumPy's ufunc result for a float op on ``dtype``: "float" as np.exp (int64 ->
    float64, int16 -> float32, int8/bool -> float16), "float64" as np.true_divide
    (every integer and bool -> float64)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return dtype
    return np.dtype(np.float64) if rule == "float64" else np.result_type(dtype, np.float16)


def _compute_dtype(dtype):
    # float16 is stored, never computed in: Numba's CUDA maths is float32/float64
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def _operand_meta(v):
    """(shape, dtype-or-value for result_type) of an array or a scalar."""
    if is_scalar(v):
        return (), v
    return tuple(v.shape), np.dtype(v.dtype)


def _shape_of(v):
    return np.shape(v) if is_scalar(v) else tuple(v.shape)


class Unary:
    """A unary primitive: ``out = fn(x)`` elementwise (see the module docstring)."""

    def __init__(self, fn, result="same", kinds="biuf", int_fn=None, name=None):
        self.name = name or getattr(fn, "__name__", "op")
        self.fn = _as_device_function(fn)
        self.int_fn = None if int_fn is None else _as_device_function(int_fn)
        self.result = result
        self.kinds = kinds
        self._kernels = {}

    def dtypes(self, dtype):
        """(compute dtype, output dtype) for an input of ``dtype``."""
        dtype = np.dtype(dtype)
        if dtype.kind not in self.kinds:
            raise TypeError(f"{self.name}: not supported for dtype {dtype} on CUDA")
        if self.result in ("float", "float64"):
            out = _float_dtype(dtype, self.result)
        elif self.result == "bool":
            out = np.dtype(np.bool_)
        else:
            out = dtype
        compute = _compute_dtype(out if self.result in ("float", "float64") else dtype)
        return compute, out

    def kernel(self, compute):
        kernel = self._kernels.get(compute)
        if kernel is None:
            fn = self.int_fn if (self.int_fn is not None and compute.kind in "biu") else self.fn
            kernel = self._kernels[compute] = _unary_kernel(fn, from_dtype(compute))
        return kernel

    def __call__(self, x):
        x = device_operand(self.name, x)
        compute, out_dtype = self.dtypes(x.dtype)
        shape = tuple(x.shape)
        out = empty(shape, out_dtype)
        n = int(out.size)
        if n:
            buf, strides = storage(x)
            cshape, cstrides = coalesce(shape, strides)
            launch(self.kernel(compute), blocks_for(n), THREADS_PER_BLOCK,
                   buf, cstrides, out.reshape(n), cshape, n)
        return out


class Binary:
    """A binary primitive: ``out = fn(a, b)`` elementwise with broadcasting."""

    def __init__(self, fn, result="promote", kinds="biuf", int_fn=None, name=None):
        self.name = name or getattr(fn, "__name__", "op")
        self.fn = _as_device_function(fn)
        self.int_fn = None if int_fn is None else _as_device_function(int_fn)
        self.result = result
        self.kinds = kinds
        self._kernels = {}

    def dtypes(self, a_meta, b_meta):
        """(compute dtype, output dtype) for operands given as dtypes or scalars."""
        common = np.result_type(a_meta, b_meta)
        if common.kind not in self.kinds:
            raise TypeError(f"{self.name}: not supported for dtype {common} on CUDA")
        if self.result in ("float", "float64"):
            common = _float_dtype(common, self.result)
            out = common
        elif self.result == "bool":
            out = np.dtype(np.bool_)
        else:
            out = common
        return _compute_dtype(common), out

    def kernel(self, compute, a_scalar, b_scalar):
        key = (compute, a_scalar, b_scalar)
        kernel = self._kernels.get(key)
        if kernel is None:
            fn = self.int_fn if (self.int_fn is not None and compute.kind in "biu") else self.fn
            kernel = self._kernels[key] = _binary_kernel(
                fn, from_dtype(compute), _load_scalar if a_scalar else _load_array,
                _load_scalar if b_scalar else _load_array)
        return kernel

    def __call__(self, a, b, out_dtype=None):
        a = operand(self.name, a)
        b = operand(self.name, b)
        a_scalar, b_scalar = is_scalar(a), is_scalar(b)
        a_shape, a_meta = _operand_meta(a)
        b_shape, b_meta = _operand_meta(b)
        compute, result_dtype = self.dtypes(a_meta, b_meta)
        out_dtype = result_dtype if out_dtype is None else np.dtype(out_dtype)
        if a_scalar and b_scalar:
            # two scalars: one becomes a 0-d device array, the kernel does the rest
            a = from_numpy(np.asarray(a, dtype=compute))
            a_scalar, a_shape = False, ()
        try:
            shape = np.broadcast_shapes(a_shape, b_shape)
        except ValueError:
            raise ValueError(f"{self.name}: shapes {a_shape} and {b_shape} cannot "
                             "be broadcast together") from None
        out = empty(shape, out_dtype)
        n = int(out.size)
        if n:
            if a_scalar:
                a_buf, a_str = as_kernel_scalar(a, compute), (0,) * len(shape)
            else:
                a_buf, a_str = operand_strides(a, shape)
            if b_scalar:
                b_buf, b_str = as_kernel_scalar(b, compute), (0,) * len(shape)
            else:
                b_buf, b_str = operand_strides(b, shape)
            cshape, a_str, b_str = coalesce(shape, a_str, b_str)
            launch(self.kernel(compute, a_scalar, b_scalar), blocks_for(n), THREADS_PER_BLOCK,
                   a_buf, a_str, b_buf, b_str, out.reshape(n), cshape, n)
        return out


def unary(fn, result="same", kinds="biuf", int_fn=None, name=None):
    """The primitive ``x -> fn(x)`` elementwise; see the module docstring."""
    return Unary(fn, result, kinds, int_fn, name)


def binary(fn, result="promote", kinds="biuf", int_fn=None, name=None):
    """The primitive ``(a, b) -> fn(a, b)`` elementwise with broadcasting."""
    return Binary(fn, result, kinds, int_fn, name)


# --------------------------------------------------------------------------- scalar functions


@device
def _maximum(x, y):
    # NaN in either operand propagates, as np.maximum
    return x if (x > y or x != x) else y


@device
def _minimum(x, y):
    return x if (x < y or x != x) else y


@device
def _int_pow(x, y):
    # exact integer power by squaring; a negative exponent gives 0 unless |x| == 1
    if y < 0:
        if x == 1:
            return x
        if x == -1:
            return x if y % 2 else -x
        return x - x
    result = x - x + type(x)(1)
    base = x
    while y > 0:
        if y % 2:
            result *= base
        base *= base
        y //= 2
    return result


@device
def _log(v):
    # a GPU's log gives -inf at 0 and nan below; spelled out so that the
    # simulator (Python's math.log raises there) computes the same
    if v > 0:
        return math.log(v)
    if v == 0:
        return type(v)(-math.inf)
    return type(v)(math.nan)


@device
def _sqrt(v):
    if v >= 0:
        return math.sqrt(v)
    return type(v)(math.nan)


@device
def _sign(v):
    # 0 for NaN and -0.0, as in PyTorch
    if v > 0:
        return type(v)(1)
    if v < 0:
        return type(v)(-1)
    return type(v)(0)


@device
def _sigmoid(v):
    # exp(-|v|) never overflows; each branch is the exact logistic form
    one = type(v)(1)
    e = math.exp(-builtins.abs(v))
    if v >= 0:
        return one / (one + e)
    return e / (one + e)


@device
def _relu(v):
    return v if (v > 0 or v != v) else type(v)(0)


@device
def _sigmoid_backward(dy, y):
    return dy * (y * (type(y)(1) - y))


@device
def _relu_backward(dy, x):
    return dy if x > 0 else type(dy)(0)


@device
def _tanh_backward(dy, y):
    return dy * (type(y)(1) - y * y)


# --------------------------------------------------------------------------- binary

add = binary(operator.add, name="add")
sub = binary(operator.sub, name="sub")
mul = binary(operator.mul, name="mul")
div = binary(operator.truediv, result="float64", name="div")
pow = binary(operator.pow, int_fn=_int_pow, name="pow")  # noqa: A001 - the primitive's name
maximum = binary(_maximum, name="maximum")
minimum = binary(_minimum, name="minimum")

COMPARISONS = {
    "eq": binary(operator.eq, result="bool", name="eq"),
    "ne": binary(operator.ne, result="bool", name="ne"),
    "lt": binary(operator.lt, result="bool", name="lt"),
    "le": binary(operator.le, result="bool", name="le"),
    "gt": binary(operator.gt, result="bool", name="gt"),
    "ge": binary(operator.ge, result="bool", name="ge"),
}


def compare(op, a, b):
    """Boolean array of ``a op b``; ``op`` in eq, ne, lt, le, gt, ge."""
    primitive = COMPARISONS.get(op)
    if primitive is None:
        raise ValueError(f"compare: unknown comparison {op!r}, expected one of "
                         f"{sorted(COMPARISONS)}")
    return primitive(a, b)


# --------------------------------------------------------------------------- unary

neg = unary(operator.neg, kinds="iuf", name="neg")
exp = unary(math.exp, result="float", name="exp")
log = unary(_log, result="float", name="log")
sqrt = unary(_sqrt, result="float", name="sqrt")
abs = unary(builtins.abs, name="abs")  # noqa: A001
sign = unary(_sign, kinds="iuf", name="sign")

# --------------------------------------------------------------------------- activations

sigmoid = unary(_sigmoid, result="float", name="sigmoid")
relu = unary(_relu, kinds="iuf", name="relu")
tanh = unary(math.tanh, result="float", name="tanh")
sigmoid_backward = binary(_sigmoid_backward, kinds="f", name="sigmoid_backward")
tanh_backward = binary(_tanh_backward, kinds="f", name="tanh_backward")
_relu_backward_op = binary(_relu_backward, kinds="f", name="relu_backward")


def relu_backward(dy, x):
    """dy where x > 0, else 0, in dy's dtype."""
    dy = device_operand("relu_backward", dy)
    return _relu_backward_op(dy, x, out_dtype=dy.dtype)


# --------------------------------------------------------------------------- where


def _where_kernel(conv):
    @jit
    def kernel(cond, c_strides, a, a_strides, b, b_strides, out, shape, n):
        start = cuda.grid(1)
        step = cuda.gridsize(1)
        for i in range(start, n, step):
            if cond[offset_of(i, shape, c_strides)]:
                out[i] = conv(a[offset_of(i, shape, a_strides)])
            else:
                out[i] = conv(b[offset_of(i, shape, b_strides)])

    return kernel


_WHERE = {}


def where_kernel(dtype):
    kernel = _WHERE.get(dtype)
    if kernel is None:
        kernel = _WHERE[dtype] = _where_kernel(from_dtype(dtype))
    return kernel


def where(condition, a, b):
    """``a`` where ``condition`` holds, else ``b``, all broadcast."""
    condition = operand("where", condition)
    a = operand("where", a)
    b = operand("where", b)
    dtype = np.result_type(_operand_meta(a)[1], _operand_meta(b)[1])
    # scalars become 0-d device arrays (one small upload; where is rare in a step)
    if is_scalar(a):
        a = from_numpy(np.asarray(a, dtype=dtype))
    if is_scalar(b):
        b = from_numpy(np.asarray(b, dtype=dtype))
    if is_scalar(condition):
        condition = from_numpy(np.asarray(condition, dtype=np.bool_))
    shape = np.broadcast_shapes(tuple(condition.shape), tuple(a.shape), tuple(b.shape))
    out = empty(shape, dtype)
    n = int(out.size)
    if n:
        operands = [operand_strides(v, shape) for v in (condition, a, b)]
        cshape, c_str, a_str, b_str = coalesce(shape, *(s for _, s in operands))
        (c_buf, _), (a_buf, _), (b_buf, _) = operands
        launch(where_kernel(dtype), blocks_for(n), THREADS_PER_BLOCK,
               c_buf, c_str, a_buf, a_str, b_buf, b_str, out.reshape(n), cshape, n)
    return out


# --------------------------------------------------------------------------- in place


def _lerp_kernel(conv):
    @jit
    def kernel(dst, dst_strides, src, src_strides, keep, weight, shape, n):
        start = cuda.grid(1)
        step = cuda.gridsize(1)
        for i in range(start, n, step):
            d = offset_of(i, shape, dst_strides)
            dst[d] = conv(dst[d]) * keep + conv(src[offset_of(i, shape, src_strides)]) * weight

    return kernel


_LERP = {}


def lerp_kernel(dtype):
    kernel = _LERP.get(dtype)
    if kernel is None:
        kernel = _LERP[dtype] = _lerp_kernel(from_dtype(dtype))
    return kernel


def lerp_(dst, src, weight):
    """dst = (1 - weight) * dst + weight * src, in place through dst's strides, in
    dst's dtype (as the CPU's two NumPy updates)."""
    dst = device_operand("lerp_", dst)
    src = device_operand("lerp_", src)
    if tuple(src.shape) != tuple(dst.shape):
        raise ValueError(f"lerp_: src shape {tuple(src.shape)} does not match param shape "
                         f"{tuple(dst.shape)}")
    dtype = np.dtype(dst.dtype)
    if dtype.kind != "f":
        raise TypeError(f"lerp_: dst must be a float array, got dtype {dtype}")
    n = int(dst.size)
    if not n:
        return
    shape = tuple(dst.shape)
    dst_buf, dst_str = storage(dst)
    src_buf, src_str = operand_strides(src, shape)
    cshape, dst_str, src_str = coalesce(shape, dst_str, src_str)
    compute = _compute_dtype(dtype)
    launch(lerp_kernel(compute), blocks_for(n), THREADS_PER_BLOCK, dst_buf, dst_str,
           src_buf, src_str, as_kernel_scalar(1.0 - weight, compute),
           as_kernel_scalar(weight, compute), cshape, n)


# every factory-made primitive, for the compile check
OPS = [v for v in list(globals().values()) if isinstance(v, (Unary, Binary))]
OPS += [op for op in COMPARISONS.values() if op not in OPS]

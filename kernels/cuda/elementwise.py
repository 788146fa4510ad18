"""Elementwise primitives on the device, with NumPy broadcasting: arithmetic,
comparisons, where, unary maths, activations and their backward forms, and
``lerp_`` (running averages).  The mirror file is
``kernels/cpu/elementwise.py``: same public names, same results.

Broadcasting: the host computes the result shape and, per operand, one stride
per output axis (0 on broadcast axes, see ``layout``); one kernel unravels each
flat output index.  A Python scalar operand is passed to the kernel as a scalar
of the result dtype (no device copy); the kernel variants for
(array, array), (array, scalar) and (scalar, array) are built by one factory.
Result dtypes follow NumPy's promotion rules (NEP 50: a Python scalar takes the
array's dtype), computed with ``numpy.result_type`` on the host; an operation
on scalars only is done by NumPy on the host and uploaded.

Each op is an integer code and one branch of a device function (``_arith``,
``_compare``, ``_unary_op``), so adding an op is a code, a branch and its
primitive function at the end of this file.
"""

import builtins
import math

import numpy as np
from numba import cuda, float64

from .config import THREADS_PER_BLOCK, blocks_for
from .layout import (
    as_array,
    as_kernel_scalar,
    broadcast_strides,
    coalesce,
    flat,
    from_numpy,
    is_device_array,
    is_scalar,
    offset_of,
    operand,
)

__all__ = [
    "add", "sub", "mul", "div", "pow", "maximum", "minimum", "compare", "where",
    "neg", "exp", "log", "sqrt", "abs", "sign", "sigmoid", "sigmoid_backward",
    "relu", "relu_backward", "tanh", "tanh_backward", "lerp_",
]

# binary arithmetic codes (one kernel, the op is a uniform branch)
ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, SIGMOID_BWD, RELU_BWD, TANH_BWD = range(10)
# comparison codes
EQ, NE, LT, LE, GT, GE = range(6)
COMPARE_CODES = {"eq": EQ, "ne": NE, "lt": LT, "le": LE, "gt": GT, "ge": GE}
# unary codes
NEG, EXP, LOG, SQRT, ABS, SIGN, SIGMOID, RELU, TANH = range(9)


# --------------------------------------------------------------------------- device functions


@cuda.jit(device=True)
def _arith(op, x, y):
    if op == ADD:
        return x + y
    if op == SUB:
        return x - y
    if op == MUL:
        return x * y
    if op == DIV:
        return x / y
    if op == POW:
        return x ** y
    if op == MAXIMUM:
        # NaN in either operand propagates, as np.maximum
        return x if (x > y or x != x) else y
    if op == MINIMUM:
        return x if (x < y or x != x) else y
    if op == SIGMOID_BWD:  # x = dy, y = sigmoid output
        return x * (y * (1 - y))
    if op == RELU_BWD:  # x = dy, y = relu input
        return x if y > 0 else x * 0
    # TANH_BWD: x = dy, y = tanh output
    return x * (1 - y * y)


@cuda.jit(device=True)
def _compare(op, x, y):
    if op == EQ:
        return x == y
    if op == NE:
        return x != y
    if op == LT:
        return x < y
    if op == LE:
        return x <= y
    if op == GT:
        return x > y
    return x >= y


@cuda.jit(device=True)
def _unary_op(op, v):
    if op == NEG:
        return -v
    if op == EXP:
        return math.exp(v)
    if op == LOG:
        return math.log(v)
    if op == SQRT:
        return math.sqrt(v)
    if op == ABS:
        return builtins.abs(v)  # (this module's abs is the primitive)
    if op == SIGN:
        if v > 0:
            return v * 0 + 1
        if v < 0:
            return v * 0 - 1
        return v * 0  # keeps 0 as 0 and NaN as NaN
    if op == SIGMOID:
        # exp(-|v|) never overflows; each branch is the exact logistic form
        e = math.exp(-builtins.abs(v))
        if v >= 0:
            return 1 / (1 + e)
        return e / (1 + e)
    if op == RELU:
        return v if (v > 0 or v != v) else v * 0
    return math.tanh(v)


@cuda.jit(device=True)
def _load_array(a, off):
    return a[off]


@cuda.jit(device=True)
def _load_scalar(a, off):
    return a


# --------------------------------------------------------------------------- kernels


def _make_binary(combine, load_a, load_b):
    @cuda.jit
    def kernel(op, a, a_strides, b, b_strides, out, shape):
        start = cuda.grid(1)
        step = cuda.gridsize(1)
        for i in range(start, out.size, step):
            x = load_a(a, offset_of(i, shape, a_strides))
            y = load_b(b, offset_of(i, shape, b_strides))
            out[i] = combine(op, x, y)

    return kernel


_BINARY = {
    (kind, a_scalar, b_scalar): _make_binary(
        combine,
        _load_scalar if a_scalar else _load_array,
        _load_scalar if b_scalar else _load_array,
    )
    for kind, combine in (("arith", _arith), ("compare", _compare))
    for a_scalar, b_scalar in ((False, False), (False, True), (True, False))
}


@cuda.jit
def _unary_kernel(op, x, out):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = _unary_op(op, x[i])


@cuda.jit
def _lerp_kernel(dst, src, weight):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, dst.size, step):
        dst[i] = (1.0 - weight) * float64(dst[i]) + weight * float64(src[i])


@cuda.jit
def _where_kernel(cond, c_strides, a, a_strides, b, b_strides, out, shape):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        if cond[offset_of(i, shape, c_strides)]:
            out[i] = a[offset_of(i, shape, a_strides)]
        else:
            out[i] = b[offset_of(i, shape, b_strides)]


# ------------------------------------------------------------------------- launchers


def _launch(kernel, n, *args):
    if n:
        kernel[blocks_for(n), THREADS_PER_BLOCK](*args)


def _operand_meta(v):
    """(shape, dtype-or-value for result_type) of an array or a Python scalar."""
    if is_scalar(v):
        return (), v
    return tuple(v.shape), np.dtype(v.dtype)


def binary(kind, op, a, b, out_dtype=None, out=None):
    """out = a op b with broadcasting; ``kind`` is "arith" or "compare".

    ``a`` / ``b`` are contiguous device arrays or Python scalars (not both
    scalars).  Writes into ``out`` when given (it must have the result shape)."""
    a_shape, a_meta = _operand_meta(a)
    b_shape, b_meta = _operand_meta(b)
    a_scalar, b_scalar = is_scalar(a), is_scalar(b)
    if a_scalar and b_scalar:
        raise TypeError("binary CUDA op needs at least one device array operand")
    compute = np.result_type(a_meta, b_meta)
    if kind == "compare":
        out_dtype = np.dtype(np.bool_)
    elif out_dtype is None:
        out_dtype = compute
    shape = np.broadcast_shapes(a_shape, b_shape)
    if out is None:
        out = cuda.device_array(shape, dtype=out_dtype)
    if a_scalar:
        a = as_kernel_scalar(a, compute)
    if b_scalar:
        b = as_kernel_scalar(b, compute)
    n = out.size
    if n:
        a_str = (0,) * len(shape) if a_scalar else broadcast_strides(a_shape, shape)
        b_str = (0,) * len(shape) if b_scalar else broadcast_strides(b_shape, shape)
        cshape, a_str, b_str = coalesce(shape, a_str, b_str)
        kernel = _BINARY[(kind, a_scalar, b_scalar)]
        _launch(kernel, n, op,
                a if a_scalar else flat(a), a_str,
                b if b_scalar else flat(b), b_str,
                flat(out), cshape)
    return out


def _scalar_to_device(value, dtype):
    return cuda.to_device(np.asarray(value, dtype=dtype))


def _where(cond, a, b):
    """a where cond else b, all broadcast; scalars become 0-d device arrays."""
    a_meta = _operand_meta(a)[1]
    b_meta = _operand_meta(b)[1]
    dtype = np.result_type(a_meta, b_meta)
    if is_scalar(a):
        a = _scalar_to_device(a, dtype)
    if is_scalar(b):
        b = _scalar_to_device(b, dtype)
    if is_scalar(cond):
        cond = _scalar_to_device(cond, np.bool_)
    shape = np.broadcast_shapes(tuple(cond.shape), tuple(a.shape), tuple(b.shape))
    out = cuda.device_array(shape, dtype=dtype)
    if out.size:
        strides = [broadcast_strides(tuple(v.shape), shape) for v in (cond, a, b)]
        cshape, c_str, a_str, b_str = coalesce(shape, *strides)
        _launch(_where_kernel, out.size, flat(cond), c_str, flat(a), a_str, flat(b), b_str,
                flat(out), cshape)
    return out


def unary(op, x, out_dtype):
    out = cuda.device_array(x.shape, dtype=out_dtype)
    _launch(_unary_kernel, out.size, op, flat(x), flat(out))
    return out


# --------------------------------------------------------------------------- operand glue
# What the primitives share: operands checked and made device arrays or scalars,
# broadcast shapes checked, NumPy's result dtypes, and scalar-only operations
# done by NumPy on the host.

_HOST_ARITH = {ADD: np.add, SUB: np.subtract, MUL: np.multiply, DIV: np.true_divide,
               POW: np.power, MAXIMUM: np.maximum, MINIMUM: np.minimum}
_HOST_COMPARE = {EQ: np.equal, NE: np.not_equal, LT: np.less, LE: np.less_equal,
                 GT: np.greater, GE: np.greater_equal}


def _shape_of(v):
    return np.shape(v) if is_scalar(v) else tuple(v.shape)


def _binary(fn, kind, op, a, b, out_dtype=None):
    a = operand(fn, a)
    b = operand(fn, b)
    if is_scalar(a) and is_scalar(b):
        # nothing on the device: let NumPy decide value and dtype, then upload
        if kind == "compare":
            result = _HOST_COMPARE[op](a, b)
        else:
            result = np.asarray(_HOST_ARITH[op](a, b))
            result = result if out_dtype is None else result.astype(out_dtype)
        return from_numpy(np.asarray(result))
    try:
        np.broadcast_shapes(_shape_of(a), _shape_of(b))
    except ValueError:
        raise ValueError(f"{fn}: shapes {_shape_of(a)} and {_shape_of(b)} cannot "
                         "be broadcast together") from None
    return binary(kind, op, a, b, out_dtype)


def _unary(fn, op, x, float_result):
    x = as_array(fn, x)
    dtype = np.dtype(x.dtype)
    if float_result and dtype.kind != "f":
        dtype = np.result_type(dtype, np.float64) if dtype.kind in "iub" else dtype
    return unary(op, x, dtype)


# --------------------------------------------------------------------------- binary


def add(a, b):
    return _binary("add", "arith", ADD, a, b)


def sub(a, b):
    return _binary("sub", "arith", SUB, a, b)


def mul(a, b):
    return _binary("mul", "arith", MUL, a, b)


def div(a, b):
    a_kind = np.result_type(*(np.dtype(v.dtype) if is_device_array(v) else v
                              for v in (a, b))).kind
    # true division: integers divide to float64, as NumPy's true_divide
    out_dtype = np.dtype(np.float64) if a_kind in "iub" else None
    return _binary("div", "arith", DIV, a, b, out_dtype)


def pow(a, b):  # noqa: A001 - the primitive's name
    return _binary("pow", "arith", POW, a, b)


def maximum(a, b):
    return _binary("maximum", "arith", MAXIMUM, a, b)


def minimum(a, b):
    return _binary("minimum", "arith", MINIMUM, a, b)


def compare(op, a, b):
    code = COMPARE_CODES.get(op)
    if code is None:
        raise ValueError(f"compare: unknown comparison {op!r}, expected one of "
                         f"{sorted(COMPARE_CODES)}")
    return _binary("compare", "compare", code, a, b)


def where(condition, a, b):
    condition = operand("where", condition)
    a = operand("where", a)
    b = operand("where", b)
    return _where(condition, a, b)


# --------------------------------------------------------------------------- unary


def neg(x):
    return _unary("neg", NEG, x, False)


def exp(x):
    return _unary("exp", EXP, x, True)


def log(x):
    return _unary("log", LOG, x, True)


def sqrt(x):
    return _unary("sqrt", SQRT, x, True)


def abs(x):  # noqa: A001
    return _unary("abs", ABS, x, False)


def sign(x):
    return _unary("sign", SIGN, x, False)


# --------------------------------------------------------------------------- activations


def sigmoid(x):
    return _unary("sigmoid", SIGMOID, x, True)


def sigmoid_backward(dy, y):
    return _binary("sigmoid_backward", "arith", SIGMOID_BWD, dy, y)


def relu(x):
    return _unary("relu", RELU, x, False)


def relu_backward(dy, x):
    dy = as_array("relu_backward", dy)
    return _binary("relu_backward", "arith", RELU_BWD, dy, x, dy.dtype)


def tanh(x):
    return _unary("tanh", TANH, x, True)


def tanh_backward(dy, y):
    return _binary("tanh_backward", "arith", TANH_BWD, dy, y)


# --------------------------------------------------------------------------- in place


def lerp_(dst, src, weight):
    """dst = (1 - weight) * dst + weight * src, in place (same shapes)."""
    dst = as_array("lerp_", dst)
    src = as_array("lerp_", src)
    if tuple(src.shape) != tuple(dst.shape):
        raise ValueError(f"lerp_: src shape {tuple(src.shape)} does not match param shape "
                         f"{tuple(dst.shape)}")
    _launch(_lerp_kernel, dst.size, flat(dst), flat(src), float(weight))

"""Elementwise CUDA kernels: binary arithmetic and comparisons with NumPy
broadcasting, where, unary maths, activations and their backward forms, casts,
fill and arange.

Broadcasting: the host computes the result shape and, per operand, one stride
per output axis (0 on broadcast axes, see ``layout``); one kernel unravels each
flat output index.  A Python scalar operand is passed to the kernel as a scalar
of the result dtype (no device copy); the kernel variants for
(array, array), (array, scalar) and (scalar, array) are built by one factory.
Result dtypes follow NumPy's promotion rules (NEP 50: a Python scalar takes the
array's dtype), computed with ``numpy.result_type`` on the host.
"""

import math
import numbers

import numpy as np
from numba import cuda

from .config import THREADS_PER_BLOCK, blocks_for
from .layout import broadcast_strides, coalesce, flat, offset_of

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
def _unary(op, v):
    if op == NEG:
        return -v
    if op == EXP:
        return math.exp(v)
    if op == LOG:
        return math.log(v)
    if op == SQRT:
        return math.sqrt(v)
    if op == ABS:
        return abs(v)
    if op == SIGN:
        if v > 0:
            return v * 0 + 1
        if v < 0:
            return v * 0 - 1
        return v * 0  # keeps 0 as 0 and NaN as NaN
    if op == SIGMOID:
        # exp(-|v|) never overflows; each branch is the exact logistic form
        e = math.exp(-abs(v))
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
        out[i] = _unary(op, x[i])


@cuda.jit
def _cast_kernel(x, out):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = x[i]


@cuda.jit
def _to_bool_kernel(x, out):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = x[i] != 0


@cuda.jit
def _where_kernel(cond, c_strides, a, a_strides, b, b_strides, out, shape):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        if cond[offset_of(i, shape, c_strides)]:
            out[i] = a[offset_of(i, shape, a_strides)]
        else:
            out[i] = b[offset_of(i, shape, b_strides)]


@cuda.jit
def _fill_kernel(out, value):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = value


@cuda.jit
def _arange_kernel(out, start_value, step_value):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = start_value + i * step_value


# ------------------------------------------------------------------------- launchers


def _launch(kernel, n, *args):
    if n:
        kernel[blocks_for(n), THREADS_PER_BLOCK](*args)


def is_scalar(v):
    return isinstance(v, (numbers.Number, np.generic)) and not isinstance(v, np.ndarray)


def _operand_meta(v):
    """(shape, dtype-or-value for result_type) of an array or a Python scalar."""
    if is_scalar(v):
        return (), v
    return tuple(v.shape), np.dtype(v.dtype)


def _as_kernel_scalar(value, dtype):
    """A Python scalar as a NumPy scalar of ``dtype``, so the kernel computes in it."""
    return np.dtype(dtype).type(value)


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
        a = _as_kernel_scalar(a, compute)
    if b_scalar:
        b = _as_kernel_scalar(b, compute)
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


def where(cond, a, b, scalar_to_device):
    """a where cond else b, all broadcast; scalars become 0-d device arrays
    through ``scalar_to_device(value, dtype)``."""
    a_meta = _operand_meta(a)[1]
    b_meta = _operand_meta(b)[1]
    dtype = np.result_type(a_meta, b_meta)
    if is_scalar(a):
        a = scalar_to_device(a, dtype)
    if is_scalar(b):
        b = scalar_to_device(b, dtype)
    if is_scalar(cond):
        cond = scalar_to_device(cond, np.bool_)
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


def cast(x, dtype):
    """A new contiguous array with x's values converted to ``dtype`` (NumPy's
    astype: floats truncate towards zero, anything non-zero is True)."""
    dtype = np.dtype(dtype)
    out = cuda.device_array(x.shape, dtype=dtype)
    kernel = _to_bool_kernel if dtype == np.bool_ else _cast_kernel
    _launch(kernel, out.size, flat(x), flat(out))
    return out


def fill(out, value):
    _launch(_fill_kernel, out.size, flat(out), _as_kernel_scalar(value, out.dtype))
    return out


def arange(start, stop, step, dtype):
    """NumPy's arange(start, stop, step) computed as start + i * step."""
    dtype = np.dtype(dtype)
    if all(isinstance(v, (int, np.integer)) for v in (start, stop, step)):
        n = max(0, -(-(int(stop) - int(start)) // int(step)))
    else:
        n = max(0, math.ceil((stop - start) / step))
    out = cuda.device_array((n,), dtype=dtype)
    compute = np.result_type(dtype, np.float64) if dtype.kind == "f" else dtype
    if dtype.kind not in "f" and not all(isinstance(v, (int, np.integer)) for v in (start, step)):
        compute = np.dtype(np.float64)
    _launch(_arange_kernel, n, out, _as_kernel_scalar(start, compute),
            _as_kernel_scalar(step, compute))
    return out

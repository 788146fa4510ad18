"""Elementwise primitives on the CPU, with NumPy broadcasting: arithmetic,
comparisons, where, unary maths, activations and their backward forms, and
``lerp_`` (running averages).  The mirror file is
``kernels/cuda/elementwise.py``: same public names, same results.

Most are one NumPy call; NumPy turns 0-d results into scalars, so results
that may be 0-d pass through ``np.asarray`` to keep every value an array.
ReLU forward and backward are single-pass Numba kernels (run over the
thread pool of ``threads`` when large): NumPy needs two passes and a
temporary for each (``maximum`` then a cast; ``where`` over a boolean mask),
and in the convolutional nets ReLU touches every activation twice per step,
so one fused pass matters. The sigmoid and its backward stay NumPy, in place
on one output array: NumPy's vectorised ``exp`` is several times faster than
the scalar one a Numba loop calls. Large results are written into arrays of
``memory``'s cache (``_ufunc``).
"""

import numpy as np
from numba import njit

from ..checks import check_float_dtype
from . import memory, threads
from .layout import check_array

__all__ = [
    "add", "sub", "mul", "div", "pow", "maximum", "minimum", "compare", "where",
    "neg", "exp", "log", "sqrt", "abs", "sign", "sigmoid", "sigmoid_backward",
    "relu", "relu_backward", "tanh", "tanh_backward", "lerp_",
]

_COMPARE = {
    "eq": np.equal, "ne": np.not_equal, "lt": np.less,
    "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
}


# --------------------------------------------------------------------------- kernels


# Elements lo .. hi-1 of flat arrays.  The kernels slice first and loop from 0: indexing
# with range(lo, hi) leaves Numba unsure the index is non-negative, and the wraparound
# check it then emits on every access stops the loop from vectorising (1.6x slower).


@njit(nogil=True, cache=True)
def _relu_kernel(lo, hi, x, out):
    x = x[lo:hi]
    out = out[lo:hi]
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = v if v > 0 else 0


@njit(nogil=True, cache=True)
def _relu_backward_kernel(lo, hi, dy, x, dx):
    dy = dy[lo:hi]
    x = x[lo:hi]
    dx = dx[lo:hi]
    for i in range(x.shape[0]):
        dx[i] = dy[i] if x[i] > 0 else 0


# --------------------------------------------------------------------------- binary


def _quiet(ufunc):
    """``ufunc`` without NumPy's warnings for values outside its domain (log(0),
    1 / 0, sqrt(-1), overflow): the result (inf, nan) says it, as in PyTorch. The
    state is set per call because NumPy's error state is per thread."""
    def call(*args, **kwargs):
        with np.errstate(all="ignore"):
            return ufunc(*args, **kwargs)
    return call


_add, _subtract, _multiply, _true_divide, _power, _exp, _log, _sqrt = (
    _quiet(f) for f in (np.add, np.subtract, np.multiply, np.true_divide, np.power, np.exp,
                        np.log, np.sqrt))


def _ufunc(ufunc, *operands):
    """ufunc(*operands) as an array. A large result whose dtype is plain (every array
    operand of one float dtype, the others Python numbers) goes into a cached array,
    computed in slices of its first axis over the thread pool when large enough
    (NumPy releases the GIL inside a ufunc's loop)."""
    big = None
    for a in operands:
        if isinstance(a, np.ndarray):
            if a.dtype.kind != "f" or (big is not None and a.dtype != big.dtype):
                return np.asarray(ufunc(*operands))
            if big is None or a.size > big.size:
                big = a
        elif not isinstance(a, (int, float)):
            return np.asarray(ufunc(*operands))
    if big is None or big.nbytes < memory.MIN_BYTES:
        return np.asarray(ufunc(*operands))
    shape = np.broadcast_shapes(*(a.shape for a in operands if isinstance(a, np.ndarray)))
    out = memory.empty(shape, big.dtype)
    # cost: every operand read and the result written
    threads.parallel_for(_ufunc_rows, shape[0], (ufunc, operands, out),
                         (len(operands) + 1) * out.size)
    return out


def _ufunc_rows(lo, hi, ufunc, operands, out):
    """Rows lo .. hi-1 of a ufunc's result: operands that span the first axis are sliced,
    the others (numbers, arrays broadcast along it) are used whole."""
    ndim = out.ndim
    rows = [a[lo:hi] if isinstance(a, np.ndarray) and a.ndim == ndim and a.shape[0] != 1
            else a for a in operands]
    ufunc(*rows, out=out[lo:hi])


def add(a, b):
    return _ufunc(_add, a, b)


def sub(a, b):
    return _ufunc(_subtract, a, b)


def mul(a, b):
    return _ufunc(_multiply, a, b)


def div(a, b):
    return _ufunc(_true_divide, a, b)


def pow(a, b):  # noqa: A001 - the primitive's name
    return _ufunc(_power, a, b)


def maximum(a, b):
    return _ufunc(np.maximum, a, b)


def minimum(a, b):
    return _ufunc(np.minimum, a, b)


def compare(op, a, b):
    return np.asarray(_COMPARE[op](a, b))


def where(condition, a, b):
    return np.asarray(np.where(condition, a, b))


# --------------------------------------------------------------------------- unary


def neg(x):
    return _ufunc(np.negative, x)


def exp(x):
    return _ufunc(_exp, x)


def log(x):
    return _ufunc(_log, x)


def sqrt(x):
    return _ufunc(_sqrt, x)


def abs(x):  # noqa: A001
    return _ufunc(np.abs, x)


def sign(x):
    """-1, 0 or 1 in x's dtype; 0 for NaN and -0.0, as in PyTorch (np.sign gives NaN)."""
    positive = np.greater(x, 0)
    return np.asarray(np.subtract(positive, np.less(x, 0), dtype=x.dtype)
                      if x.dtype != np.bool_ else positive)


# --------------------------------------------------------------------------- activations


# exp(-x) overflows beyond this (float32: 88.7, float64: 709.8)
_EXP_LIMIT = {np.dtype(t): float(np.log(np.finfo(t).max)) for t in (np.float32, np.float64)}


def sigmoid(x):
    """1 / (1 + exp(-x)) in x's dtype, in place on one output array (5 passes)
    whenever exp(-x) cannot overflow; below that, exp(-|x|) keeps the tiny
    results of very negative inputs exact instead of flushing them to 0."""
    limit = _EXP_LIMIT.get(x.dtype)
    if limit is None or (x.size and x.min() < -limit):  # (NaN compares False: fast path)
        return _sigmoid_wide(x)
    out = memory.empty_like(x)  # an array even for 0-d x (NumPy returns scalars there)
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out


def _sigmoid_wide(x):
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0, e).astype(x.dtype, copy=False)
    out /= 1.0 + e
    return out


def sigmoid_backward(dy, y):
    """dy * y * (1 - y), in one output array."""
    out = memory.empty_like(y)
    np.subtract(1, y, out=out)
    out *= y
    out *= dy
    return out


def relu(x):
    """max(x, 0) elementwise, in x's dtype (float32 or float64)."""
    check_array("relu", "x", x)
    check_float_dtype("relu", "x", x)
    flat = np.ascontiguousarray(x).reshape(-1)
    out = memory.empty_like(flat)
    threads.parallel_for(_relu_kernel, flat.size, (flat, out), 2 * flat.size)
    return out.reshape(x.shape)


def relu_backward(dy, x):
    """dy where x > 0, else 0 (dy and x of one shape and float dtype)."""
    for name, a in (("dy", dy), ("x", x)):
        check_array("relu_backward", name, a)
        check_float_dtype("relu_backward", name, a)
    if dy.shape != x.shape or dy.dtype != x.dtype:
        raise ValueError(f"relu_backward: dy {dy.shape} {dy.dtype} does not match "
                         f"x {x.shape} {x.dtype}")
    flat_dy = np.ascontiguousarray(dy).reshape(-1)
    flat_x = np.ascontiguousarray(x).reshape(-1)
    dx = memory.empty_like(flat_dy)
    threads.parallel_for(_relu_backward_kernel, dx.size, (flat_dy, flat_x, dx), 3 * dx.size)
    return dx.reshape(x.shape)


def tanh(x):
    return _ufunc(np.tanh, x)


def tanh_backward(dy, y):
    return np.asarray(dy * (1.0 - y * y))


# --------------------------------------------------------------------------- in place


def lerp_(dst, src, weight):
    """dst = (1 - weight) * dst + weight * src, in place."""
    dst *= 1.0 - weight
    dst += weight * src

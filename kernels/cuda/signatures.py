"""Every CUDA kernel of minidl with the argument types its launcher passes,
for compiling them ahead of time (``compile_all``) on a machine without a GPU.

``tests/test_cuda_compile.py`` (a CI step) compiles each entry to PTX for
sm_80 and sm_90 with NVRTC/NVVM from the ``cuda`` extra and checks that
kernels whose arrays and compute dtype are float32 or integer contain no
float64 instruction.  A new kernel, or a new dtype a launcher passes, gets an
entry here; elementwise ops made with the factories in ``elementwise`` are
listed automatically (``elementwise.OPS``, ``maths.OPS``).

Argument types follow how numba types a launch: device arrays as 1-d
C-contiguous arrays (the launchers pass flat storage), shapes and strides as
tuples of int64, Python ints as int64, Python floats as float64, bools as
boolean, NumPy scalars as their own type.
"""

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np
from numba import cuda, from_dtype, types

from . import batchnorm, config, elementwise, im2col, indexing, layout, maths, matmul, optim
from . import pooling
from . import reduce, scan, softmax_ce, sort

I64 = types.int64
F64 = types.float64
BOOL = types.boolean
FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@dataclass(frozen=True)
class Target:
    """One kernel at one signature; ``f64_free`` when its PTX must not use float64."""

    name: str
    kernel: object  # the numba dispatcher
    argtypes: tuple
    f64_free: bool

    @property
    def pyfunc(self):
        return self.kernel.py_func


def arr(dtype):
    return from_dtype(np.dtype(dtype))[::1]


def scalar(dtype):
    return from_dtype(np.dtype(dtype))


def tup(n):
    return types.UniTuple(I64, n)


def _free(*dtypes):
    return all(np.dtype(d) != np.float64 for d in dtypes)


def _elementwise():
    dtypes = elementwise.CHECKED_DTYPES
    for op in elementwise.OPS + maths.OPS:
        for dtype in dtypes:
            if isinstance(op, elementwise.Unary):
                try:
                    compute, out = op.dtypes(dtype)
                except TypeError:
                    continue
                yield Target(f"{op.name}[{dtype}]", op.kernel(compute),
                             (arr(dtype), tup(1), arr(out), tup(1), I64),
                             _free(dtype, compute, out)
                             and op.name not in maths.USES_FLOAT64_INTERNALLY)
                continue
            try:
                compute, out = op.dtypes(dtype, dtype)
            except TypeError:
                continue
            variants = [(False, False)]
            if dtype in (np.dtype(np.float32), np.dtype(np.int64)):
                variants += [(False, True), (True, False)]
            for a_scalar, b_scalar in variants:
                a = scalar(compute) if a_scalar else arr(dtype)
                b = scalar(compute) if b_scalar else arr(dtype)
                suffix = "s" if a_scalar else "a"
                suffix += "s" if b_scalar else "a"
                yield Target(f"{op.name}[{dtype},{suffix}]", op.kernel(compute, a_scalar, b_scalar),
                             (a, tup(1), b, tup(1), arr(out), tup(1), I64),
                             _free(dtype, compute, out))
    # mixed operands are converted to the compute dtype inside the kernel
    for a_dtype, b_dtype in ((np.int32, np.int64), (np.int64, np.float32),
                             (np.float32, np.float64), (np.bool_, np.int64)):
        compute, out = elementwise.add.dtypes(np.dtype(a_dtype), np.dtype(b_dtype))
        yield Target(f"add[{np.dtype(a_dtype)},{np.dtype(b_dtype)}]",
                     elementwise.add.kernel(compute, False, False),
                     (arr(a_dtype), tup(1), arr(b_dtype), tup(1), arr(out), tup(1), I64),
                     _free(a_dtype, b_dtype, compute))
    for dtype in dtypes:
        yield Target(f"where[{dtype}]", elementwise.where_kernel(dtype),
                     (arr(np.bool_), tup(1), arr(dtype), tup(1), arr(dtype), tup(1), arr(dtype),
                      tup(1), I64), _free(dtype))
    for dtype in FLOATS:
        yield Target(f"lerp_[{dtype}]", elementwise.lerp_kernel(dtype),
                     (arr(dtype), tup(1), arr(dtype), tup(1), scalar(dtype), scalar(dtype),
                      tup(1), I64), _free(dtype))


def _layout():
    dtypes = elementwise.CHECKED_DTYPES
    pairs = [(d, d) for d in dtypes] + [
        (np.float32, np.float64), (np.float64, np.float32), (np.int64, np.float32),
        (np.float32, np.int64), (np.bool_, np.float32), (np.int32, np.int64),
        (np.int64, np.int32)]
    for src, dst in pairs:
        src, dst = np.dtype(src), np.dtype(dst)
        kernel = layout._to_bool_kernel if dst == np.bool_ else layout._copy_kernel
        yield Target(f"copy[{src}->{dst}]", kernel,
                     (arr(src), tup(1), arr(dst), tup(1), tup(1), I64), _free(src, dst))
    for dtype in dtypes:
        yield Target(f"fill[{dtype}]", layout._fill_kernel,
                     (arr(dtype), tup(1), tup(1), I64, scalar(dtype)), _free(dtype))
    for dtype in (np.int64, np.int32, np.float32, np.float64):
        yield Target(f"arange[{np.dtype(dtype)}]", layout._arange_kernel,
                     (arr(dtype), scalar(dtype), scalar(dtype)), _free(dtype))


def _reduce():
    for dtype in elementwise.CHECKED_DTYPES:
        out, acc = reduce.sum_dtypes(dtype)
        row = (tup(1), tup(1), tup(1), tup(1))
        yield Target(f"sum[{dtype}]", reduce.row_reduce_kernel("sum", acc),
                     (arr(dtype),) + row + (arr(acc),) + (I64,) * 5 + (scalar(acc),),
                     _free(dtype, acc))
        yield Target(f"max[{dtype}]", reduce.row_reduce_kernel("max", dtype),
                     (arr(dtype),) + row + (arr(dtype),) + (I64,) * 5 + (scalar(dtype),),
                     _free(dtype))
        yield Target(f"argmax[{dtype}]", reduce.row_argmax_kernel(dtype),
                     (arr(dtype), tup(1), tup(1), I64, arr(np.int64), I64, I64, I64,
                      scalar(dtype)), _free(dtype))
    # the dtypes NumPy promotes a max over unsigned and signed operands to stay integer
    yield Target("max[uint64]", reduce.row_reduce_kernel("max", np.uint64),
                 (arr(np.uint64), tup(1), tup(1), tup(1), tup(1), arr(np.uint64))
                 + (I64,) * 5 + (scalar(np.uint64),), True)


def _matmul():
    for dtype in FLOATS:
        yield Target(f"matmul[{dtype}]", matmul.KERNELS[dtype],
                     (arr(dtype), I64, I64, I64, arr(dtype), I64, I64, I64, arr(dtype), I64,
                      I64, I64, I64, scalar(dtype)), _free(dtype))


def _nn():
    geometry = (I64,) * 7
    f64 = arr(np.float64)
    for dtype in FLOATS:
        a = arr(dtype)
        yield Target(f"bn_stats[{dtype}]", batchnorm._stats_kernel, (a, f64, f64) + geometry,
                     False)
        yield Target(f"bn_normalize[{dtype}]", batchnorm._normalize_kernel,
                     (a, f64, f64, a, a, F64, a, f64, f64, f64) + geometry, False)
        for stat in (f64, a):  # batch statistics (float64) or running ones (x's dtype)
            yield Target(f"bn_backward_stats[{dtype}]", batchnorm._backward_stats_kernel,
                         (a, a, stat, f64, f64) + geometry, False)
            yield Target(f"bn_backward_dx[{dtype}]", batchnorm._backward_dx_kernel,
                         (a, a, a, stat, stat, BOOL, F64, BOOL, f64, f64, a, a, a) + geometry,
                         False)
        yield Target(f"bn_forward_eval[{dtype}]", batchnorm._forward_eval_kernel,
                     (a, a, a, a, a, F64, a, I64, I64), False)
        yield Target(f"im2col[{dtype}]", im2col._im2col_kernel, (a, a) + (I64,) * 13, False)
        yield Target(f"col2im[{dtype}]", im2col._col2im_kernel, (a, a) + (I64,) * 13, False)
        yield Target(f"max_pool_forward[{dtype}]", pooling._max_pool_forward_kernel,
                     (a, a, arr(np.int64)) + (I64,) * 12, False)
        yield Target(f"max_pool_backward[{dtype}]", pooling._max_pool_backward_kernel,
                     (a, arr(np.int64), f64, I64, I64), False)
        yield Target(f"avg_pool_forward[{dtype}]", pooling._avg_pool_forward_kernel,
                     (a, a) + (I64,) * 10 + (f64, f64), False)
        yield Target(f"avg_pool_backward[{dtype}]", pooling._avg_pool_backward_kernel,
                     (a, a) + (I64,) * 10 + (f64, f64), False)
        for labels in (np.int64, np.int32, np.uint8):
            yield Target(f"softmax_ce_forward[{dtype},{np.dtype(labels)}]",
                         softmax_ce._forward_kernel,
                         (a, arr(labels), I64, a, a, a, I64, I64, I64), False)
            yield Target(f"softmax_ce_backward[{dtype},{np.dtype(labels)}]",
                         softmax_ce._backward_kernel, (a, arr(labels), I64, a, a, I64), False)
        yield Target(f"sgd[{dtype}]", optim._sgd_kernel,
                     (a, a, a, F64, F64, F64, F64, BOOL, BOOL, BOOL), False)
        yield Target(f"adam[{dtype}]", optim._adam_kernel, (a, a, a, a) + (F64,) * 7, False)
        yield Target(f"adagrad[{dtype}]", optim._adagrad_kernel, (a, a, a, F64, F64, F64),
                     False)
    yield Target("probe", config._probe_kernel, (arr(np.float64),), False)


def _indexing_scan_sort():
    i64 = arr(np.int64)
    for dtype in elementwise.CHECKED_DTYPES:
        a = arr(dtype)
        free = _free(dtype)
        yield Target(f"take[{dtype}]", indexing.take_kernel, (a, i64, a), free)
        yield Target(f"put[{dtype}]", indexing.put_kernel, (a, i64, a), free)
        if dtype in indexing.ATOMIC_DTYPES:
            yield Target(f"put_add[{dtype}]", indexing.put_add_kernel, (a, i64, a), free)
        # the deferred range checks (see assertions): int64 and float64 tables
        if dtype.kind in "iu":
            yield Target(f"int_range[{dtype}]", indexing.int_range_kernel,
                         (a, I64, I64, I64, BOOL, from_dtype(np.dtype(np.int64))[:, ::1], I64),
                         free)
        elif dtype.kind == "f":
            yield Target(f"float_range[{dtype}]", indexing.float_range_kernel,
                         (a, F64, F64, from_dtype(np.dtype(np.float64))[:, ::1], I64), False)
        if dtype != np.bool_:
            yield Target(f"scan[{dtype}]", scan.scan_kernel,
                         (a, a, I64, I64, scalar(dtype), BOOL), free)
            yield Target(f"prod[{dtype}]", scan.prod_kernel, (a, a, I64, I64, scalar(dtype)),
                         free)
        yield Target(f"argsort[{dtype}]", sort.argsort_kernel, (a, i64, I64, I64, BOOL), free)
    for dtype in FLOATS:
        a = arr(dtype)
        yield Target(f"cumprod_backward[{dtype}]", scan.cumprod_backward_kernel,
                     (a, a, a, I64, I64), False)


def targets():
    """Every (kernel, signature) the launchers use."""
    for group in (_elementwise, _layout, _reduce, _matmul, _nn, _indexing_scan_sort):
        yield from group()


class _TargetDevice:
    def __init__(self, cc):
        self.compute_capability = cc


@contextlib.contextmanager
def compiling_for(cc):
    """Device functions ask numba for the current GPU's compute capability when a
    kernel that calls them is compiled; without a GPU, answer with ``cc``."""
    from numba.cuda import dispatcher

    real = dispatcher.get_current_device
    dispatcher.get_current_device = lambda: _TargetDevice(cc)
    try:
        yield
    finally:
        dispatcher.get_current_device = real


def compile_ptx(target, cc):
    """PTX text of one target for compute capability ``cc`` (a (major, minor) tuple)."""
    with compiling_for(cc), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ptx, _ = cuda.compile_ptx(target.pyfunc, target.argtypes, cc=cc)
    return ptx


def float64_lines(ptx):
    """The PTX instructions that compute or convert in float64 (declarations aside)."""
    return [line.strip() for line in ptx.splitlines()
            if ".f64" in line and not line.strip().startswith(".reg")]

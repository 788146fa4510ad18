"""Bad input gets a clear error, never a crash.

A table-driven sweep over the public API: Tensor methods and operators, the
mdl.* factories, minidl.functional, every layer, loss, optimizer and
schedule, DataLoader and save/load. Each case either returns the right answer
(compared with NumPy) or raises ValueError / TypeError / RuntimeError /
IndexError (the exception PyTorch raises in the same situation, where it
has one) whose message names the op and the offending shape or value.

Every error case runs with the CPU backend's compiled kernels replaced by a
tripwire: bad input must be refused in Python before any Numba kernel (or its
launcher) is reached, since an unchecked index inside a kernel is a crash,
not an exception.
"""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn, optim
from minidl.kernels.cpu import batchnorm, conv, elementwise, im2col, pooling, softmax_ce
from minidl.data import ArrayDataset, DataLoader
from minidl.optim import lr_scheduler
from minidl.utils import data as tud
from minidl.vision import datasets as vision_datasets
from minidl.vision import transforms

# ---------------------------------------------------------------------------- inputs
# Built inside each case's lambda, so collecting the tests creates nothing.


def f32(*shape):
    return mdl.tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 7 - 1)


def i64(*shape):
    return mdl.tensor(np.arange(np.prod(shape), dtype=np.int64).reshape(shape))


def b8(*shape):
    return mdl.tensor(np.arange(np.prod(shape)).reshape(shape) % 2 == 0)


def params(n=1):
    return [nn.Parameter(mdl.zeros(2)) for _ in range(n)]


def sgd(**kw):
    return optim.SGD(params(), lr=0.1, **kw)


def _with_lr(state, lr):
    state["param_groups"][0]["lr"] = lr
    return state


def dataset():
    return ArrayDataset(np.zeros((5, 2), np.float32), np.arange(5))


def bad(case_id, fn, op, detail, exc=(ValueError, TypeError, RuntimeError, IndexError)):
    """A call that must raise ``exc`` with a message naming ``op`` (a regex
    matched at a word start) and showing ``detail`` (a regex)."""
    return pytest.param(fn, exc, op, detail, id=case_id)


# ----------------------------------------------------------------------- error table

CASES = [
    # ---- tensor construction and conversion
    bad("tensor-str", lambda: mdl.tensor("abc"), "tensor", "<U3"),
    bad("tensor-none", lambda: mdl.tensor(None), "tensor", "object"),
    bad("tensor-dict", lambda: mdl.tensor({1: 2}), "tensor", "dict"),
    bad("tensor-complex", lambda: mdl.tensor([1j]), "tensor", "complex"),
    bad("tensor-ragged", lambda: mdl.tensor([[1, 2], [3]]), "tensor", "inhomogeneous"),
    bad("tensor-dtype-name", lambda: mdl.tensor([1.0], dtype="foo"), "tensor", "'foo'"),
    bad("tensor-dtype-object", lambda: mdl.tensor([1.0], dtype=object), "tensor", "object"),
    bad("tensor-int-requires-grad", lambda: mdl.tensor([1], requires_grad=True),
        "requires_grad", "int64"),
    bad("tensor-device", lambda: mdl.tensor([1.0], device="tpu"), "device", "'tpu'"),
    bad("from_numpy-list", lambda: mdl.from_numpy([1.0]), "from_numpy", "list"),
    bad("from_numpy-object", lambda: mdl.from_numpy(np.array([1, "a"], dtype=object)),
        "from_numpy", "object"),
    bad("tensor-float16", lambda: mdl.tensor(np.ones(2, np.float16)), "tensor", "float16"),
    bad("to-str", lambda: f32(2).to(dtype=str), "to", "<U"),
    bad("to-complex", lambda: f32(2).to(np.complex64), "to", "complex64"),
    bad("to-dtype", lambda: f32(2).to(dtype="foo"), "to", "'foo'"),
    bad("item-many", lambda: f32(2, 3).item(), "item", r"\(2, 3\)"),
    bad("bool-many", lambda: bool(f32(2, 3)), "Boolean value", r"\(2, 3\)"),
    bad("len-0d", lambda: len(mdl.tensor(1.0)), "len", "0-d"),

    # ---- operators: operands, shapes, dtypes
    bad("add-str", lambda: f32(2) + "a", "add", "str"),
    bad("add-none", lambda: f32(2) + None, "add", "NoneType"),
    bad("add-complex", lambda: f32(2) + 1j, "add", "complex"),
    bad("add-shapes", lambda: f32(2, 3) + f32(3, 2), "add", r"\(2, 3\) and \(3, 2\)"),
    bad("add-list", lambda: f32(2, 3) + [1.0, 2.0], "add", "list"),
    bad("add-int-overflow", lambda: i64(2) + 2 ** 70, "add", "1180591620717411303424"),
    bad("add-float-overflow", lambda: f32(2) + 10 ** 400, "add", "overflow"),
    bad("radd-list", lambda: [1.0, 2.0] + f32(3), "add", "list"),
    bad("radd-shapes", lambda: np.ones(2) + f32(3), "add", r"\(2,\) and \(3,\)"),
    bad("sub-shapes", lambda: f32(4) - f32(3), "sub", r"\(4,\) and \(3,\)"),
    bad("sub-bools", lambda: b8(2) - b8(2), "sub", "bool"),
    bad("mul-shapes", lambda: f32(2, 3) * f32(2, 2), "mul", r"\(2, 3\) and \(2, 2\)"),
    bad("div-shapes", lambda: f32(2, 3) / f32(4), "div", r"\(2, 3\) and \(4,\)"),
    bad("pow-shapes", lambda: f32(2, 3) ** f32(4), "pow", r"\(2, 3\) and \(4,\)"),
    bad("pow-int-negative", lambda: i64(3) ** -1, "pow", "-1"),
    bad("pow-int-negative-tensor", lambda: i64(3) ** mdl.tensor([1, -1, 2]), "pow",
        "negative"),
    bad("rpow-int-negative-tensor", lambda: 2 ** mdl.tensor([1, -1]), "pow", "negative"),
    bad("neg-bool", lambda: -b8(3), "neg", "bool"),
    bad("maximum-shapes", lambda: f32(2, 3).maximum(f32(3, 2)), "maximum",
        r"\(2, 3\) and \(3, 2\)"),
    bad("minimum-shapes", lambda: mdl.minimum(f32(2, 3), f32(3, 2)), "minimum",
        r"\(2, 3\) and \(3, 2\)"),
    bad("true_divide-str", lambda: mdl.true_divide(f32(2), "a"), "div", "str"),
    bad("abs-list", lambda: mdl.abs([1.0]), "abs", "list"),
    bad("addcmul-shapes", lambda: mdl.addcmul(f32(2), f32(3), f32(3)), "add",
        r"\(2,\) and \(3,\)"),
    bad("addcdiv-list", lambda: mdl.addcdiv([1.0], f32(2), f32(2)), "addcdiv", "list"),
    bad("log-ndarray", lambda: mdl.log(np.ones(2)), "log", "ndarray"),
    bad("sqrt-list", lambda: mdl.sqrt([1.0]), "sqrt", "list"),
    bad("ne-shapes", lambda: mdl.ne(f32(2, 3), f32(3, 2)), "ne", r"\(2, 3\) and \(3, 2\)"),
    bad("ge-str", lambda: mdl.ge(f32(2), "a"), "ge", "str"),
    bad("gt-shapes", lambda: f32(4) > f32(3), "gt", r"\(4,\) and \(3,\)"),
    bad("le-none", lambda: f32(2) <= None, "le", "NoneType"),
    bad("eq-shapes", lambda: f32(2, 3) == f32(3, 2), "eq", r"\(2, 3\) and \(3, 2\)"),
    bad("lt-str", lambda: f32(2) < "a", "lt", "str"),
    bad("sin-list", lambda: mdl.sin([1.0]), "sin", "list"),
    bad("cos-list", lambda: mdl.cos([1.0]), "cos", "list"),
    bad("tan-list", lambda: mdl.tan([1.0]), "tan", "list"),
    bad("asin-list", lambda: mdl.asin([1.0]), "asin", "list"),
    bad("acos-list", lambda: mdl.acos([1.0]), "acos", "list"),
    bad("atan-list", lambda: mdl.atan([1.0]), "atan", "list"),
    bad("sinh-list", lambda: mdl.sinh([1.0]), "sinh", "list"),
    bad("cosh-list", lambda: mdl.cosh([1.0]), "cosh", "list"),
    bad("asinh-list", lambda: mdl.asinh([1.0]), "asinh", "list"),
    bad("acosh-list", lambda: mdl.acosh([1.0]), "acosh", "list"),
    bad("atanh-list", lambda: mdl.atanh([1.0]), "atanh", "list"),
    bad("log2-list", lambda: mdl.log2([1.0]), "log2", "list"),
    bad("log10-list", lambda: mdl.log10([1.0]), "log10", "list"),
    bad("log1p-list", lambda: mdl.log1p([1.0]), "log1p", "list"),
    bad("expm1-list", lambda: mdl.expm1([1.0]), "expm1", "list"),
    bad("exp2-list", lambda: mdl.exp2([1.0]), "exp2", "list"),
    bad("rsqrt-list", lambda: mdl.rsqrt([1.0]), "rsqrt", "list"),
    bad("reciprocal-list", lambda: mdl.reciprocal([1.0]), "reciprocal", "list"),
    bad("square-list", lambda: mdl.square([1.0]), "square", "list"),
    bad("erf-list", lambda: mdl.erf([1.0]), "erf", "list"),
    bad("erfc-list", lambda: mdl.erfc([1.0]), "erfc", "list"),
    bad("floor-list", lambda: mdl.floor([1.0]), "floor", "list"),
    bad("ceil-list", lambda: mdl.ceil([1.0]), "ceil", "list"),
    bad("trunc-list", lambda: mdl.trunc([1.0]), "trunc", "list"),
    bad("frac-list", lambda: mdl.frac([1.0]), "frac", "list"),
    bad("sign-list", lambda: mdl.sign([1.0]), "sign", "list"),
    bad("isnan-list", lambda: mdl.isnan([1.0]), "isnan", "list"),
    bad("isinf-list", lambda: mdl.isinf([1.0]), "isinf", "list"),
    bad("isfinite-list", lambda: mdl.isfinite([1.0]), "isfinite", "list"),
    bad("logical_not-list", lambda: mdl.logical_not([1.0]), "logical_not", "list"),
    bad("bitwise_not-list", lambda: mdl.bitwise_not([1.0]), "bitwise_not", "list"),
    bad("arcsin-str", lambda: mdl.arcsin("a"), "asin", "str"),
    bad("arccos-str", lambda: mdl.arccos("a"), "acos", "str"),
    bad("arctan-str", lambda: mdl.arctan("a"), "atan", "str"),
    bad("arcsinh-str", lambda: mdl.arcsinh("a"), "asinh", "str"),
    bad("arccosh-str", lambda: mdl.arccosh("a"), "acosh", "str"),
    bad("arctanh-str", lambda: mdl.arctanh("a"), "atanh", "str"),
    bad("fix-str", lambda: mdl.fix("a"), "trunc", "str"),
    bad("frac-int", lambda: i64(3).frac(), "frac", "Integer"),
    bad("floor-bool", lambda: mdl.floor(b8(3)), "floor", "Bool"),
    bad("round-decimals-int", lambda: mdl.round(i64(3), decimals=1), "round", "Integer"),
    bad("round-decimals-float", lambda: mdl.round(f32(3), decimals=1.5), "round", "decimals"),
    bad("atan2-number", lambda: mdl.atan2(f32(2), 2.0), "atan2", "float"),
    bad("arctan2-shapes", lambda: mdl.arctan2(f32(2), f32(3)), "atan2", r"\(2,\) and \(3,\)"),
    bad("fmod-int-zero", lambda: mdl.fmod(i64(3), 0), "ZeroDivisionError", "integer division"),
    bad("remainder-int-zero-tensor", lambda: i64(3) % mdl.tensor([1, 0, 2]), "ZeroDivisionError", "integer division"),
    bad("floor_divide-int-zero", lambda: i64(3) // 0, "ZeroDivisionError", "integer division"),
    bad("floor_divide-bool", lambda: b8(3) // b8(3), "floor_divide", "Bool"),
    bad("fmod-shapes", lambda: mdl.fmod(f32(2), f32(3)), "fmod", r"\(2,\) and \(3,\)"),
    bad("remainder-str", lambda: mdl.remainder(f32(2), "a"), "remainder", "str"),
    bad("div-rounding-mode", lambda: f32(2).div(2, rounding_mode="round"), "div", "'round'"),
    bad("divide-int-zero-trunc", lambda: mdl.divide(i64(2), 0, rounding_mode="trunc"), "ZeroDivisionError", "integer"),
    bad("lerp-int", lambda: mdl.lerp(i64(2), i64(2), 0.5), "lerp", "int64"),
    bad("lerp-dtype", lambda: mdl.lerp(f32(2), f32(2).double(), 0.5), "lerp", "float64"),
    bad("lerp-weight-str", lambda: mdl.lerp(f32(2), f32(2), "a"), "lerp", "weight"),
    bad("lerp-shapes", lambda: mdl.lerp(f32(2), f32(3), 0.5), "lerp", r"\(2,\).*\(3,\)"),
    bad("isclose-dtypes", lambda: mdl.isclose(f32(2), i64(2)), "isclose", "int64"),
    bad("isclose-rtol", lambda: mdl.isclose(f32(2), f32(2), rtol=-1), "isclose", "rtol"),
    bad("allclose-shapes", lambda: mdl.allclose(f32(2), f32(3)), "isclose", r"\(2,\) and \(3,\)"),
    bad("logical_and-list", lambda: mdl.logical_and(f32(2), [1]), "logical_and", "list"),
    bad("logical_or-shapes", lambda: mdl.logical_or(f32(2), f32(3)), "logical_or", r"\(2,\) and \(3,\)"),
    bad("logical_xor-number", lambda: mdl.logical_xor(f32(2), 1), "logical_xor", "int"),
    bad("bitwise_and-float", lambda: f32(2) & 1, "bitwise_and", "Float"),
    bad("bitwise_or-float", lambda: mdl.bitwise_or(i64(2), 1.5), "bitwise_or", "Float"),
    bad("bitwise_xor-shapes", lambda: i64(2) ^ i64(3), "bitwise_xor", r"\(2,\) and \(3,\)"),
    bad("bitwise_not-float", lambda: ~f32(2), "invert", "float32"),
    bad("bitwise_left_shift-bool", lambda: mdl.bitwise_left_shift(b8(2), b8(2)), "bitwise_left_shift", "Bool"),
    bad("bitwise_right_shift-float", lambda: i64(2) >> 1.0, "bitwise_right_shift", "Float"),
    bad("sin_-int", lambda: i64(2).sin_(), "sin_", "int64"),
    bad("matmul-1d", lambda: f32(2, 3) @ f32(2), "matmul", r"\(2, 3\) and \(2,\)"),
    bad("matmul-0d", lambda: mdl.tensor(1.0) @ f32(2, 3), "matmul", r"\(\) and \(2, 3\)"),
    bad("matmul-inner", lambda: f32(2, 3) @ f32(2, 3), "matmul",
        r"cannot be multiplied \(\(2, 3\) and \(2, 3\)\)"),
    bad("matmul-batch", lambda: f32(2, 2, 3) @ f32(3, 3, 2), "matmul",
        r"\(2, 2, 3\) and \(3, 3, 2\)"),
    bad("rmatmul-1d", lambda: np.ones(2) @ f32(3, 2), "matmul", r"\(2,\) and \(3, 2\)"),
    bad("mm-inner", lambda: mdl.mm(f32(2, 3), f32(2, 3)), "matmul", "cannot be multiplied"),

    # ---- unary maths and reductions
    bad("relu-bool", lambda: b8(3).relu(), "relu", "bool"),
    bad("clamp-none", lambda: f32(3).clamp(), "clamp", "'min' or 'max'"),
    bad("clamp-str", lambda: f32(3).clamp("a"), "clamp", "str"),
    bad("clamp-tensor-shape", lambda: f32(2, 3).clamp(f32(4)), "clamp",
        r"\(2, 3\) and \(4,\)"),
    bad("clamp-tensor-grows", lambda: f32(3).clamp(f32(2, 3)), "clamp", r"\(2, 3\).*\(3,\)"),
    bad("sum-axis-range", lambda: f32(2, 3).sum(5), "sum", "range.*got 5"),
    bad("sum-axis-float", lambda: f32(2, 3).sum(1.0), "sum", "1.0"),
    bad("sum-axis-repeated", lambda: f32(2, 3).sum((0, 0)), "sum", "multiple times"),
    bad("mean-both", lambda: f32(2, 3).mean(axis=0, dim=1), "mean", "both dim and its alias"),
    bad("mean-int", lambda: i64(2, 3).mean(), "mean", "int64"),
    bad("max-empty", lambda: f32(0, 3).max(), "max", r"zero-size.*\(0, 3\)"),
    bad("max-empty-axis", lambda: f32(2, 0).max(axis=1), "max", r"zero-size.*\(2, 0\)"),
    bad("amax-empty", lambda: f32(0, 3).amax(), "amax", r"zero-size.*\(0, 3\)"),
    bad("argmax-empty", lambda: f32(0).argmax(), "argmax", r"\(0,\)"),
    bad("argmax-two-axes", lambda: f32(2, 3).argmax((0, 1)), "argmax", r"dim.*\(0, 1\)"),
    bad("argmin-range", lambda: f32(2, 3).argmin(2), "argmin", "got 2"),
    bad("amin-empty", lambda: f32(0, 3).amin(), "amin", r"zero-size.*\(0, 3\)"),
    bad("var-int", lambda: i64(3).var(), "var", "int64"),
    bad("var-correction-str", lambda: f32(3).var(correction="a"), "var", "'a'"),
    bad("var-both-corrections", lambda: f32(3).var(unbiased=True, correction=0), "var",
        "not both"),

    # ---- shapes and indexing
    bad("reshape-size", lambda: f32(2, 3).reshape(4, 2), "reshape", r"\(4, 2\).*\(2, 3\)"),
    bad("reshape-negative", lambda: f32(2, 3).reshape(-2, 3), "reshape", r"\(-2, 3\)"),
    bad("reshape-two-unknown", lambda: f32(2, 3).reshape(-1, -1), "reshape", r"\(-1, -1\)"),
    bad("reshape-float", lambda: f32(2, 3).reshape(2.0, 3), "reshape", r"2\.0"),
    bad("reshape-zero-unknown", lambda: f32(0, 3).reshape(0, -1), "reshape", r"\(0, -1\)"),
    bad("permute-repeated", lambda: f32(2, 3).permute(0, 0), "permute", r"\(0, 0\)"),
    bad("permute-short", lambda: f32(2, 3).permute(0), "permute", r"\(0,\)"),
    bad("permute-range", lambda: f32(2, 3).permute(0, 2), "permute", "got 2"),
    bad("transpose-range", lambda: f32(2, 3, 4).transpose(0, 5), "transpose", "got 5"),
    bad("flatten-range", lambda: f32(2, 3).flatten(3), "flatten", "got 3"),
    bad("flatten-order", lambda: f32(2, 3, 4).flatten(2, 1), "flatten", "start_dim 2"),
    bad("flatten-0d", lambda: mdl.tensor(1.0).flatten(1), "flatten", "got 1"),
    bad("squeeze-range", lambda: f32(2, 1).squeeze(2), "squeeze", "got 2"),
    bad("swapdims-range", lambda: mdl.swapdims(f32(2, 1), 2, 0), "transpose", "got 2"),
    bad("unflatten-sizes", lambda: f32(2, 6).unflatten(1, (4, 2)), "unflatten",
        r"\(4, 2\).*6"),
    bad("movedim-lengths", lambda: mdl.movedim(f32(2, 3), (0, 1), 0), "movedim", "same number"),
    bad("moveaxis-repeated", lambda: mdl.moveaxis(f32(2, 3), (0, 0), (0, 1)), "movedim",
        "repeated"),
    bad("narrow-too-long", lambda: f32(2, 3).narrow(1, 2, 2), "narrow", "exceeds"),
    bad("select-out-of-range", lambda: f32(2, 3).select(1, 3), "select", "index 3"),
    bad("expand-mismatch", lambda: f32(2, 3).expand(2, 4), "expand", "must match"),
    bad("split-sum", lambda: f32(2, 3).split([1, 1], 1), "split_with_sizes", "sum exactly"),
    bad("chunk-zero", lambda: f32(2, 3).chunk(0), "chunk", "chunks.*0"),
    bad("unbind-range", lambda: f32(2, 3).unbind(2), "unbind", "got 2"),
    bad("hstack-empty", lambda: mdl.hstack([]), "hstack", "non-empty"),
    bad("vstack-ndarray", lambda: mdl.vstack([np.zeros(2)]), "vstack", "ndarray"),
    bad("repeat-short", lambda: f32(2, 3).repeat(2), "repeat", "can not be smaller"),
    bad("tile-float", lambda: f32(2, 3).tile((1.5,)), "tile", r"1\.5"),
    bad("flip-range", lambda: f32(2, 3).flip(2), "flip", "got 2"),
    bad("fliplr-1d", lambda: mdl.fliplr(f32(3)), "fliplr", ">= 2-d"),
    bad("flipud-0d", lambda: mdl.flipud(mdl.tensor(1.0)), "flipud", ">= 1-d"),
    bad("roll-lengths", lambda: f32(2, 3).roll((1, 2), 0), "roll", "must align"),
    bad("tril-1d", lambda: mdl.tril(f32(3)), "tril", "at least 2 dimensions"),
    bad("triu-float-diagonal", lambda: mdl.triu(f32(2, 3), 0.5), "triu", r"0\.5"),
    bad("where-int-condition", lambda: mdl.where(i64(3), f32(3), f32(3)), "where", "bool"),
    bad("where-shapes", lambda: mdl.where(b8(3), f32(2), f32(3)), "where",
        r"\(3,\) and \(2,\)"),
    bad("gather-dims", lambda: mdl.gather(f32(2, 3), 1, i64(2)), "gather",
        "same number of dimensions"),
    bad("gather-range", lambda: mdl.gather(f32(2, 3), 1, i64(2, 1) + 3), "gather",
        "out of bounds"),
    bad("gather-float-index", lambda: mdl.gather(f32(2, 3), 1, f32(2, 1)), "gather", "float32"),
    bad("index_select-2d", lambda: mdl.index_select(f32(2, 3), 0, i64(1, 1)), "index_select",
        "vector"),
    bad("index_select-range", lambda: mdl.index_select(f32(2, 3), 0, i64(3)), "index_select",
        "out of bounds"),
    bad("take-range", lambda: mdl.take(f32(2, 3), i64(1) + 6), "take", "out of bounds"),
    bad("take_along_dim-dims", lambda: mdl.take_along_dim(f32(2, 3), i64(2), 1),
        "take_along_dim", "same number of dimensions"),
    bad("scatter-both", lambda: mdl.scatter(f32(2, 3), 1, i64(2, 1), f32(2, 1), value=1.0),
        "scatter", "exactly one"),
    bad("scatter_add-src-small", lambda: mdl.scatter_add(f32(2, 3), 1, i64(2, 2) * 0,
                                                         f32(2, 1)),
        "scatter_add", "smaller than src"),
    bad("masked_select-int-mask", lambda: mdl.masked_select(f32(3), i64(3)), "masked_select",
        "bool"),
    bad("any-range", lambda: f32(2, 3).any(2), "any", "got 2"),
    bad("all-ndarray", lambda: mdl.all(np.ones(2)), "all", "ndarray"),
    bad("logsumexp-range", lambda: f32(2, 3).logsumexp(3), "logsumexp", "got 3"),
    bad("norm-int", lambda: i64(3).norm(), "norm", "int64"),
    bad("norm-nuc", lambda: f32(2, 3).norm(p="nuc"), "norm", "nuc"),
    bad("bmm-2d", lambda: mdl.bmm(f32(2, 3), f32(3, 2)), "bmm", "3-D"),
    bad("mv-2d-vec", lambda: mdl.mv(f32(2, 3), f32(3, 1)), "mv", "1-D"),
    bad("dot-sizes", lambda: mdl.dot(f32(3), f32(2)), "dot", "same size"),
    bad("outer-2d", lambda: mdl.outer(f32(2, 2), f32(2)), "outer", "1-D"),
    bad("einsum-terms", lambda: mdl.einsum("ij,jk->ik", f32(2, 3)), "einsum", "operands"),
    bad("einsum-dims", lambda: mdl.einsum("ijk->i", f32(2, 3)), "einsum", "subscripts"),
    bad("einsum-output", lambda: mdl.einsum("ij->z", f32(2, 3)), "einsum", "subscript z"),
    bad("einsum-sizes", lambda: mdl.einsum("ij,ij->i", f32(2, 3), f32(2, 4)), "einsum",
        "sizes"),
    bad("prod-range", lambda: f32(2, 3).prod(2), "prod", "got 2"),
    bad("cumsum-range", lambda: f32(2, 3).cumsum(2), "cumsum", "got 2"),
    bad("cumprod-ndarray", lambda: mdl.cumprod(np.ones(2), 0), "cumprod", "ndarray"),
    bad("sort-range", lambda: f32(2, 3).sort(2), "sort", "got 2"),
    bad("argsort-descending-str", lambda: f32(3).argsort(descending="yes"), "argsort",
        "'yes'"),
    bad("topk-k", lambda: f32(2, 3).topk(4), "topk", r"k \(4\)"),
    bad("gradgradcheck-no-grad", lambda: mdl.gradgradcheck(lambda x: x, f32(2)),
        "gradgradcheck", "requires grad"),
    bad("masked_fill-mask-dtype", lambda: f32(3).masked_fill(i64(3), 0.0), "masked_fill",
        "bool"),
    bad("masked_fill-mask-shape", lambda: f32(3).masked_fill(b8(2, 3), 0.0), "masked_fill",
        r"\(2, 3\).*\(3,\)"),
    bad("nonzero-list", lambda: mdl.nonzero([1, 0]), "nonzero", "list"),
    bad("unsqueeze-range", lambda: f32(2, 1).unsqueeze(4), "unsqueeze", "got 4"),
    bad("swapaxes-range", lambda: mdl.swapaxes(f32(2, 1), 0, 3), "transpose", "got 3"),
    bad("t-3d", lambda: mdl.t(f32(2, 1, 2)), "t", "3D"),
    bad("index-float", lambda: f32(3)[1.5], "indexing", "float"),
    bad("index-list-range", lambda: f32(3)[[0, 3]], "indexing", "3.*size 3"),
    bad("index-tensor-range", lambda: f32(3)[i64(2) + 2], "indexing", "out of bounds"),
    bad("index-float-tensor", lambda: f32(3)[f32(2)], "indexing", "float32"),
    bad("index-mask-shape", lambda: f32(3)[b8(2)], "indexing", "boolean index"),
    bad("setitem-shape", lambda: f32(2, 3).__setitem__(0, f32(2)), "setitem",
        r"\(3,\).*\(2,\)"),
    bad("setitem-str", lambda: f32(2, 3).__setitem__(0, "a"), "setitem", "str"),
    bad("index-slice-float", lambda: f32(3)[0.5:2], "indexing", r"slice\(0\.5, 2, None\)"),
    bad("index-step-zero", lambda: f32(3)[::0], "indexing", r"slice\(None, None, 0\)"),
    bad("index-step-negative", lambda: f32(3)[::-1], "indexing", r"slice\(None, None, -1\)"),
    bad("index-out-of-range", lambda: f32(2, 3)[5], "indexing", "index 5.*size 2", IndexError),
    bad("index-negative-range", lambda: f32(2, 3)[:, -4], "indexing", "index -4.*size 3",
        IndexError),
    bad("index-too-many", lambda: f32(2, 3)[0, 0, 0], "indexing", r"\(2, 3\)", IndexError),
    bad("index-0d", lambda: mdl.tensor(1.0)[0], "indexing", r"\(\)", IndexError),
    bad("index-two-ellipses", lambda: f32(2, 3)[..., ...], "indexing", "ellipsis", IndexError),

    # ---- factories
    bad("zeros-negative", lambda: mdl.zeros(-1), "zeros", r"\(-1,\)"),
    bad("zeros-float", lambda: mdl.zeros(2.5), "zeros", r"2\.5"),
    bad("zeros-str", lambda: mdl.zeros("a"), "zeros", "'a'"),
    bad("zeros-dtype-str", lambda: mdl.zeros(2, dtype=str), "zeros", "<U0"),
    bad("zeros-dtype-name", lambda: mdl.zeros(2, dtype="foo"), "zeros", "'foo'"),
    bad("ones-nested", lambda: mdl.ones((2, (3,))), "ones", r"\(3,\)"),
    bad("full-str", lambda: mdl.full(2, "a"), "full", "str"),
    bad("full-complex", lambda: mdl.full(2, 1j), "full", "complex"),
    bad("full-negative", lambda: mdl.full(-1, 0.0), "full", r"\(-1,\)"),
    bad("full-int-fraction", lambda: mdl.full(2, 1.5, dtype=mdl.int32), "full", r"1\.5"),
    bad("full-int-nan", lambda: mdl.full(2, float("nan"), dtype=mdl.int64), "full", "nan"),
    bad("full-int-overflow", lambda: mdl.full(2, 2 ** 70, dtype=mdl.int64), "full",
        "1180591620717411303424"),
    bad("full-float-overflow", lambda: mdl.full(2, 10 ** 400, dtype=mdl.float32), "full",
        "too large"),
    bad("full-int-requires-grad", lambda: mdl.full(2, 1, dtype=mdl.int64, requires_grad=True),
        "requires_grad", "int64"),
    bad("arange-step-zero", lambda: mdl.arange(0, 5, 0), "arange", "step"),
    bad("arange-str", lambda: mdl.arange("a"), "arange", "'a'"),
    bad("arange-nan", lambda: mdl.arange(float("nan")), "arange", "nan"),
    bad("arange-inf", lambda: mdl.arange(0, float("inf")), "arange", "inf"),
    bad("arange-dtype", lambda: mdl.arange(3, dtype=object), "arange", "object"),
    bad("randn-negative", lambda: mdl.randn(-1), "randn", r"\(-1,\)"),
    bad("eye-negative", lambda: mdl.eye(-1), "eye", "n.*-1"),
    bad("linspace-steps", lambda: mdl.linspace(0, 1, -2), "linspace", "steps.*-2"),
    bad("logspace-start", lambda: mdl.logspace("a", 1, 2), "logspace", "'a'"),
    bad("randint-bounds", lambda: mdl.randint(5, 5, (2,)), "randint", "low < high"),
    bad("randint-no-size", lambda: mdl.randint(0, 5), "randint", "size"),
    bad("rand_like-list", lambda: mdl.rand_like([1.0]), "rand_like", "list"),
    bad("randn_like-int", lambda: mdl.randn_like(i64(2)), "randn_like", "int64"),
    bad("randint_like-bounds", lambda: mdl.randint_like(f32(2), 3, 1), "randint", "low < high"),
    bad("randn-int-dtype", lambda: mdl.randn(2, dtype=mdl.int64), "randn", "int64"),
    bad("rand-bool-dtype", lambda: mdl.rand(2, dtype=mdl.bool_), "rand", "bool"),
    bad("randn-generator", lambda: mdl.randn(2, generator=5), "randn", "int"),
    bad("zeros_like-list", lambda: mdl.zeros_like([1]), "zeros_like", "list"),
    bad("ones_like-ndarray", lambda: mdl.ones_like(np.zeros(2)), "ones_like", "ndarray"),
    bad("ones_like-dtype", lambda: mdl.ones_like(f32(2), dtype="foo"), "ones_like", "'foo'"),
    bad("manual_seed-negative", lambda: mdl.manual_seed(-1), "manual_seed", "-1"),
    bad("set_rng_state-str", lambda: mdl.set_rng_state("x"), "set_rng_state", "str"),
    bad("set_rng_state-other-generator",
        lambda: mdl.set_rng_state({"bit_generator": "MT19937"}), "set_rng_state", "PCG64"),
    bad("set_default_device-tpu", lambda: mdl.set_default_device("tpu"), "device", "'tpu'"),
    bad("device-tpu", lambda: mdl.device("tpu"), "device", "'tpu'"),
    bad("device-cuda1", lambda: mdl.device("cuda:1"), "device", "'cuda:1'"),
    bad("set_default_dtype-int", lambda: mdl.set_default_dtype(mdl.int64), "set_default_dtype",
        "int64"),
    bad("set_grad_enabled-none", lambda: mdl.set_grad_enabled(None), "set_grad_enabled",
        "None"),
    bad("as_tensor-str", lambda: mdl.as_tensor("abc"), "tensor", "<U3"),
    bad("empty_like-list", lambda: mdl.empty_like([1]), "empty_like", "list"),
    bad("full_like-str", lambda: mdl.full_like(f32(2), "a"), "full_like", "str"),
    bad("clone-ndarray", lambda: mdl.clone(np.zeros(2)), "clone", "ndarray"),

    # ---- activations, linear
    bad("relu-ndarray", lambda: F.relu(np.zeros(3)), "relu", "ndarray"),
    bad("sigmoid-list", lambda: F.sigmoid([1.0]), "sigmoid", "list"),
    bad("tanh-ndarray", lambda: F.tanh(np.zeros(3)), "tanh", "ndarray"),
    bad("linear-int", lambda: F.linear(i64(2, 3), f32(4, 3)), "linear", "int64"),
    bad("linear-bool", lambda: F.linear(b8(2, 3), f32(4, 3)), "linear", "bool"),
    bad("linear-0d", lambda: F.linear(mdl.tensor(1.0), f32(4, 3)), "linear", r"\(\)"),
    bad("linear-mismatch", lambda: F.linear(f32(2, 3), f32(4, 5)), "linear",
        r"\(2, 3\).*\(4, 5\)"),
    bad("linear-weight-ndarray", lambda: F.linear(f32(2, 3), np.zeros((4, 3))), "linear",
        "ndarray"),
    bad("linear-bias-ndarray", lambda: F.linear(f32(2, 3), f32(4, 3), np.zeros(4)), "linear",
        "ndarray"),
    bad("linear-bias-shape", lambda: F.linear(f32(2, 3), f32(4, 3), f32(3)), "linear",
        r"\(3,\)"),
    bad("linear-dtypes", lambda: F.linear(f32(2, 3).double(), f32(4, 3)), "linear",
        "float32"),

    # ---- convolution
    bad("conv2d-int", lambda: F.conv2d(i64(1, 1, 4, 4), f32(2, 1, 3, 3)), "conv2d", "int64"),
    bad("conv2d-2d", lambda: F.conv2d(f32(4, 4), f32(2, 1, 3, 3)), "conv2d",
        r"3D \(unbatched\) or 4D.*\(4, 4\)"),
    bad("conv2d-5d", lambda: F.conv2d(f32(1, 1, 1, 4, 4), f32(2, 1, 3, 3)), "conv2d",
        r"\(1, 1, 1, 4, 4\)"),
    bad("conv2d-weight-3d", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3)), "conv2d",
        r"\(2, 1, 3\)"),
    bad("conv2d-channels", lambda: F.conv2d(f32(1, 2, 4, 4), f32(2, 1, 3, 3)), "conv2d",
        r"\(2, 1, 3, 3\).*\(1, 2, 4, 4\)"),
    bad("conv2d-unbatched-channels", lambda: F.conv2d(f32(2, 4, 4), f32(2, 1, 3, 3)),
        "conv2d", r"\(2, 4, 4\) to have 1 channels"),
    bad("conv2d-groups-zero", lambda: F.conv2d(f32(1, 2, 4, 4), f32(2, 2, 3, 3), groups=0),
        "conv2d", "non-positive groups.*0"),
    bad("conv2d-groups-negative", lambda: F.conv2d(f32(1, 2, 4, 4), f32(2, 2, 3, 3),
                                                   groups=-2), "conv2d", "groups=-2"),
    bad("conv2d-groups-float", lambda: F.conv2d(f32(1, 2, 4, 4), f32(2, 2, 3, 3), groups=1.0),
        "conv2d", r"groups.*1\.0"),
    bad("conv2d-groups-weight", lambda: F.conv2d(f32(1, 3, 4, 4), f32(4, 1, 3, 3), groups=3),
        "conv2d", r"divisible by 3 at dimension 0.*\(4, 1, 3, 3\)"),
    bad("conv2d-groups-channels", lambda: F.conv2d(f32(1, 2, 4, 4), f32(4, 2, 3, 3), groups=2),
        "conv2d", "to have 4 channels, but got 2"),
    bad("conv2d-dilation-zero", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3), dilation=0),
        "conv2d", r"dilation.*\(0, 0\)"),
    bad("conv2d-dilation-negative", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3),
                                                     dilation=(1, -1)),
        "conv2d", r"dilation.*\(1, -1\)"),
    bad("conv2d-dilation-float", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3),
                                                  dilation=1.5), "conv2d", r"dilation.*1\.5"),
    bad("conv2d-dilation-too-big", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3),
                                                    dilation=2),
        "conv2d", r"kernel \(3, 3\) \(dilation \(2, 2\)\).*\(4, 4\)"),
    bad("conv2d-padding-string", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3),
                                                  padding="full"), "conv2d", "'full'"),
    bad("conv2d-padding-same-strided", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3),
                                                        padding="same", stride=2),
        "conv2d", "padding='same'.*strided"),
    bad("conv2d-padding-valid-too-small", lambda: F.conv2d(f32(1, 1, 2, 2), f32(2, 1, 3, 3),
                                                           padding="valid"),
        "conv2d", r"kernel \(3, 3\)"),
    bad("conv2d-padding-triple", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3),
                                                  padding=(1, 1, 1)), "conv2d", r"\(1, 1, 1\)"),

    # conv1d: the same checks, for (N, C, L)
    bad("conv1d-int", lambda: F.conv1d(i64(1, 1, 4), f32(2, 1, 3)), "conv1d", "int64"),
    bad("conv1d-4d", lambda: F.conv1d(f32(1, 1, 4, 4), f32(2, 1, 3)), "conv1d",
        r"2D \(unbatched\) or 3D.*\(1, 1, 4, 4\)"),
    bad("conv1d-weight-4d", lambda: F.conv1d(f32(1, 1, 4), f32(2, 1, 3, 3)), "conv1d",
        r"\(2, 1, 3, 3\)"),
    bad("conv1d-channels", lambda: F.conv1d(f32(1, 2, 4), f32(2, 1, 3)), "conv1d",
        "to have 1 channels, but got 2"),
    bad("conv1d-kernel-too-big", lambda: F.conv1d(f32(1, 1, 4), f32(2, 1, 5)), "conv1d",
        r"kernel \(1, 5\)"),
    bad("conv1d-stride-pair", lambda: F.conv1d(f32(1, 1, 4), f32(2, 1, 3), stride=(1, 1)),
        "conv1d", r"stride.*\(1, 1\)"),
    bad("conv1d-stride-zero", lambda: F.conv1d(f32(1, 1, 4), f32(2, 1, 3), stride=0),
        "conv1d", r"stride.*\(0,\)"),
    bad("conv1d-padding-negative", lambda: F.conv1d(f32(1, 1, 4), f32(2, 1, 3), padding=-1),
        "conv1d", r"padding.*\(-1,\)"),
    bad("conv1d-dilation-zero", lambda: F.conv1d(f32(1, 1, 4), f32(2, 1, 3), dilation=0),
        "conv1d", r"dilation.*\(0,\)"),
    bad("conv1d-groups", lambda: F.conv1d(f32(1, 2, 4), f32(3, 1, 3), groups=2), "conv1d",
        "divisible by 2"),
    bad("conv1d-same-strided", lambda: F.conv1d(f32(1, 1, 4), f32(2, 1, 3), stride=2,
                                                padding="same"), "conv1d", "strided"),
    bad("conv1d-bias-shape", lambda: F.conv1d(f32(1, 1, 4), f32(2, 1, 3), f32(3)), "conv1d",
        r"\(3,\)"),
    bad("conv1d-empty-batch", lambda: F.conv1d(f32(0, 1, 4), f32(2, 1, 3)), "conv1d",
        r"\(0, 1, 4\)"),

    # conv_transpose2d
    bad("conv_transpose2d-int", lambda: F.conv_transpose2d(i64(1, 1, 4, 4), f32(1, 2, 3, 3)),
        "conv_transpose2d", "int64"),
    bad("conv_transpose2d-2d", lambda: F.conv_transpose2d(f32(4, 4), f32(1, 2, 3, 3)),
        "conv_transpose2d", r"\(4, 4\)"),
    bad("conv_transpose2d-channels", lambda: F.conv_transpose2d(f32(1, 2, 4, 4),
                                                                f32(1, 2, 3, 3)),
        "conv_transpose2d", r"\(1, 2, 3, 3\).*\(1, 2, 4, 4\)"),
    bad("conv_transpose2d-groups", lambda: F.conv_transpose2d(f32(1, 3, 4, 4), f32(3, 2, 3, 3),
                                                              groups=2),
        "conv_transpose2d", "groups=2"),
    bad("conv_transpose2d-groups-zero", lambda: F.conv_transpose2d(
        f32(1, 2, 4, 4), f32(2, 2, 3, 3), groups=0), "conv_transpose2d", "non-positive"),
    bad("conv_transpose2d-stride-zero", lambda: F.conv_transpose2d(
        f32(1, 1, 4, 4), f32(1, 2, 3, 3), stride=0), "conv_transpose2d", r"stride.*\(0, 0\)"),
    bad("conv_transpose2d-padding-same", lambda: F.conv_transpose2d(
        f32(1, 1, 4, 4), f32(1, 2, 3, 3), padding="same"), "conv_transpose2d", "'same'"),
    bad("conv_transpose2d-output-padding-negative", lambda: F.conv_transpose2d(
        f32(1, 1, 4, 4), f32(1, 2, 3, 3), output_padding=-1), "conv_transpose2d",
        r"output_padding.*\(-1, -1\)"),
    bad("conv_transpose2d-output-padding-too-big", lambda: F.conv_transpose2d(
        f32(1, 1, 4, 4), f32(1, 2, 3, 3), stride=2, output_padding=2), "conv_transpose2d",
        "smaller than either stride or dilation"),
    bad("conv_transpose2d-dilation-zero", lambda: F.conv_transpose2d(
        f32(1, 1, 4, 4), f32(1, 2, 3, 3), dilation=0), "conv_transpose2d",
        r"dilation.*\(0, 0\)"),
    bad("conv_transpose2d-output-too-small", lambda: F.conv_transpose2d(
        f32(1, 1, 2, 2), f32(1, 2, 3, 3), padding=3), "conv_transpose2d",
        r"\(-2, -2\).*too small"),
    bad("conv_transpose2d-bias-shape", lambda: F.conv_transpose2d(
        f32(1, 1, 4, 4), f32(1, 2, 3, 3), f32(3)), "conv_transpose2d", r"\(3,\)"),
    bad("conv_transpose2d-empty-batch", lambda: F.conv_transpose2d(
        f32(0, 1, 4, 4), f32(1, 2, 3, 3)), "conv_transpose2d", r"\(0, 1, 4, 4\)"),
    bad("conv_transpose2d-dtypes", lambda: F.conv_transpose2d(
        f32(1, 1, 4, 4).double(), f32(1, 2, 3, 3)), "conv_transpose2d", "float32"),
    bad("conv2d-kernel-too-big", lambda: F.conv2d(f32(1, 1, 4, 4), f32(1, 1, 5, 5)),
        "conv2d", r"kernel \(5, 5\).*\(4, 4\)"),
    bad("conv2d-kernel-too-big-padded", lambda: F.conv2d(f32(1, 1, 2, 2), f32(1, 1, 5, 5),
                                                         padding=1),
        "conv2d", r"kernel \(5, 5\).*padding \(1, 1\)"),
    bad("conv2d-stride-zero", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3), stride=0),
        "conv2d", r"stride.*\(0, 0\)"),
    bad("conv2d-stride-negative", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3),
                                                   stride=(1, -1)),
        "conv2d", r"stride.*\(1, -1\)"),
    bad("conv2d-stride-float", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3), stride=1.5),
        "conv2d", r"stride.*1\.5"),
    bad("conv2d-padding-negative", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3),
                                                    padding=-1),
        "conv2d", r"padding.*\(-1, -1\)"),
    bad("conv2d-empty-batch", lambda: F.conv2d(f32(0, 1, 4, 4), f32(2, 1, 3, 3)), "conv2d",
        r"\(0, 1, 4, 4\)"),
    bad("conv2d-bias-shape", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3), f32(3)),
        "conv2d", r"\(3,\)"),
    bad("conv2d-bias-ndarray", lambda: F.conv2d(f32(1, 1, 4, 4), f32(2, 1, 3, 3),
                                                np.zeros(2)),
        "conv2d", "ndarray"),
    bad("conv2d-input-ndarray", lambda: F.conv2d(np.zeros((1, 1, 4, 4)), f32(2, 1, 3, 3)),
        "conv2d", "ndarray"),
    bad("conv2d-dtypes", lambda: F.conv2d(f32(1, 1, 4, 4).double(), f32(2, 1, 3, 3)),
        "conv2d", "float32"),
]

for _op in ("max_pool2d", "avg_pool2d"):
    _pool = getattr(F, _op)
    CASES += [
        bad(f"{_op}-int", lambda p=_pool: p(i64(1, 1, 4, 4), 2), _op, "int64"),
        bad(f"{_op}-bool", lambda p=_pool: p(b8(1, 1, 4, 4), 2), _op, "bool"),
        bad(f"{_op}-2d", lambda p=_pool: p(f32(4, 4), 2), _op, r"\(4, 4\)"),
        bad(f"{_op}-5d", lambda p=_pool: p(f32(1, 1, 1, 4, 4), 2), _op, r"\(1, 1, 1, 4, 4\)"),
        bad(f"{_op}-ceil-mode-int", lambda p=_pool: p(f32(1, 1, 4, 4), 2, ceil_mode=1), _op,
            "ceil_mode"),
        bad(f"{_op}-ceil-mode-too-small", lambda p=_pool: p(f32(1, 1, 4, 4), 5, 1, 0,
                                                            ceil_mode=True), _op,
            r"kernel \(5, 5\)"),
        bad(f"{_op}-kernel-too-big", lambda p=_pool: p(f32(1, 1, 4, 4), 5), _op,
            r"kernel \(5, 5\).*\(4, 4\)"),
        bad(f"{_op}-kernel-huge", lambda p=_pool: p(f32(1, 1, 4, 4), 10 ** 12), _op,
            "1000000000000"),
        bad(f"{_op}-kernel-zero", lambda p=_pool: p(f32(1, 1, 4, 4), 0), _op,
            r"kernel_size.*\(0, 0\)"),
        bad(f"{_op}-kernel-triple", lambda p=_pool: p(f32(1, 1, 4, 4), (2, 2, 2)), _op,
            r"\(2, 2, 2\)"),
        bad(f"{_op}-stride-zero", lambda p=_pool: p(f32(1, 1, 4, 4), 2, 0), _op,
            r"stride.*\(0, 0\)"),
        bad(f"{_op}-stride-negative", lambda p=_pool: p(f32(1, 1, 4, 4), 2, -1), _op,
            r"stride.*\(-1, -1\)"),
        bad(f"{_op}-padding-negative", lambda p=_pool: p(f32(1, 1, 4, 4), 2, 2, -1), _op,
            r"padding.*\(-1, -1\)"),
        bad(f"{_op}-padding-too-big", lambda p=_pool: p(f32(1, 1, 4, 4), 2, 2, 2), _op,
            r"padding \(2, 2\).*kernel_size \(2, 2\)"),
        bad(f"{_op}-empty-batch", lambda p=_pool: p(f32(0, 1, 4, 4), 2), _op,
            r"\(0, 1, 4, 4\)"),
        bad(f"{_op}-empty-channels", lambda p=_pool: p(f32(1, 0, 4, 4), 2), _op,
            r"\(1, 0, 4, 4\)"),
        bad(f"{_op}-empty-plane", lambda p=_pool: p(f32(1, 1, 0, 4), 1), _op, r"\(0, 4\)"),
    ]

CASES += [
    bad("max_pool2d-dilation-zero", lambda: F.max_pool2d(f32(1, 1, 4, 4), 2, dilation=0),
        "max_pool2d", r"dilation.*\(0, 0\)"),
    bad("max_pool2d-dilation-float", lambda: F.max_pool2d(f32(1, 1, 4, 4), 2, dilation=1.5),
        "max_pool2d", r"dilation.*1\.5"),
    bad("max_pool2d-dilation-too-big", lambda: F.max_pool2d(f32(1, 1, 4, 4), 2, 1,
                                                            dilation=4),
        "max_pool2d", r"kernel \(2, 2\) \(dilation \(4, 4\)\)"),
    bad("max_pool2d-dilated-padding-too-big", lambda: F.max_pool2d(f32(1, 1, 6, 6), 2, 1, 2,
                                                                   dilation=2),
        "max_pool2d", r"padding \(2, 2\).*dilation \(2, 2\)"),
    bad("max_pool2d-return-indices-int", lambda: F.max_pool2d(f32(1, 1, 4, 4), 2,
                                                              return_indices=1),
        "max_pool2d", "return_indices"),
    bad("avg_pool2d-count-include-pad-str", lambda: F.avg_pool2d(
        f32(1, 1, 4, 4), 2, count_include_pad="yes"), "avg_pool2d", "count_include_pad"),
    bad("avg_pool2d-divisor-zero", lambda: F.avg_pool2d(f32(1, 1, 4, 4), 2,
                                                        divisor_override=0),
        "avg_pool2d", "divisor must be not zero"),
    bad("avg_pool2d-divisor-float", lambda: F.avg_pool2d(f32(1, 1, 4, 4), 2,
                                                         divisor_override=1.5),
        "avg_pool2d", r"divisor_override.*1\.5"),
    bad("max_unpool2d-int-input", lambda: F.max_unpool2d(i64(1, 1, 2, 2), i64(1, 1, 2, 2), 2),
        "max_unpool2d", "int64"),
    bad("max_unpool2d-float-indices", lambda: F.max_unpool2d(f32(1, 1, 2, 2), f32(1, 1, 2, 2),
                                                             2),
        "max_unpool2d", "float32"),
    bad("max_unpool2d-shapes", lambda: F.max_unpool2d(f32(1, 1, 2, 2), i64(1, 1, 2, 3), 2),
        "max_unpool2d", r"\(1, 1, 2, 3\)"),
    bad("max_unpool2d-2d", lambda: F.max_unpool2d(f32(2, 2), i64(2, 2), 2),
        "max_unpool2d", r"\(2, 2\)"),
    bad("max_unpool2d-index-too-big", lambda: F.max_unpool2d(f32(1, 1, 2, 2),
                                                             i64(1, 1, 2, 2) * 10, 2),
        "max_unpool2d", "invalid max index: 30"),
    bad("max_unpool2d-index-negative", lambda: F.max_unpool2d(f32(1, 1, 2, 2),
                                                              i64(1, 1, 2, 2) - 1, 2),
        "max_unpool2d", "invalid max index: -1"),
    bad("max_unpool2d-output-size", lambda: F.max_unpool2d(f32(1, 1, 2, 2), i64(1, 1, 2, 2),
                                                           2, output_size=(6, 4)),
        "max_unpool2d", r"\(6, 4\)"),
    bad("max_unpool2d-output-size-length", lambda: F.max_unpool2d(
        f32(1, 1, 2, 2), i64(1, 1, 2, 2), 2, output_size=(1, 4, 4)), "max_unpool2d",
        "length of '3'"),
    bad("max_unpool2d-kernel-zero", lambda: F.max_unpool2d(f32(1, 1, 2, 2), i64(1, 1, 2, 2),
                                                           0),
        "max_unpool2d", r"kernel_size.*\(0, 0\)"),
    bad("adaptive_avg_pool2d-2d", lambda: F.adaptive_avg_pool2d(f32(2, 3), 1),
        "adaptive_avg_pool2d", r"\(2, 3\)"),
    bad("adaptive_avg_pool2d-empty-plane", lambda: F.adaptive_avg_pool2d(f32(1, 2, 0, 3), 1),
        "adaptive_avg_pool2d", r"\(1, 2, 0, 3\)"),
    bad("adaptive_avg_pool2d-int", lambda: F.adaptive_avg_pool2d(i64(1, 1, 2, 2), 1),
        "adaptive_avg_pool2d", "int64"),
    bad("adaptive_avg_pool2d-size", lambda: F.adaptive_avg_pool2d(f32(1, 1, 2, 2), -1),
        "adaptive_avg_pool2d", "output_size"),

    # ---- batch norm
    bad("batch_norm-int", lambda: F.batch_norm(i64(2, 3), None, None, training=True),
        "batch_norm", "int64"),
    bad("batch_norm-5d", lambda: F.batch_norm(f32(2, 3, 4, 1, 1), None, None, training=True),
        "batch_norm", r"\(2, 3, 4, 1, 1\)"),
    bad("batch_norm-1d", lambda: F.batch_norm(f32(3), None, None, training=True),
        "batch_norm", r"\(3,\)"),
    bad("batch_norm-one-sample", lambda: F.batch_norm(f32(1, 3), None, None, training=True),
        "batch_norm", r"\(1, 3\)"),
    bad("batch_norm-no-channels", lambda: F.batch_norm(f32(2, 0), None, None, training=True),
        "batch_norm", r"\(2, 0\)"),
    bad("batch_norm-empty-plane", lambda: F.batch_norm(f32(2, 2, 0, 2), None, None,
                                                       training=True),
        "batch_norm", r"\(2, 2, 0, 2\)"),
    bad("batch_norm-eval-empty", lambda: F.batch_norm(f32(0, 3), mdl.zeros(3), mdl.ones(3)),
        "batch_norm", r"\(0, 3\)"),
    bad("batch_norm-eval-no-stats", lambda: F.batch_norm(f32(2, 3), None, None),
        "batch_norm", "running_mean"),
    bad("batch_norm-one-stat", lambda: F.batch_norm(f32(2, 3), mdl.zeros(3), None,
                                                    training=True),
        "batch_norm", "running_var"),
    bad("batch_norm-weight-shape", lambda: F.batch_norm(f32(2, 3), None, None, f32(4),
                                                        training=True),
        "batch_norm", r"weight.*\(4,\)"),
    bad("batch_norm-weight-ndarray", lambda: F.batch_norm(f32(2, 3), None, None, np.ones(3),
                                                          training=True),
        "batch_norm", "ndarray"),
    bad("batch_norm-stats-dtype", lambda: F.batch_norm(f32(2, 3), mdl.zeros(3).double(),
                                                       mdl.ones(3).double()),
        "batch_norm", "float64"),
    bad("batch_norm-eps-zero", lambda: F.batch_norm(f32(2, 3), None, None, training=True,
                                                    eps=0),
        "batch_norm", r"eps.* 0"),
    bad("batch_norm-eps-nan", lambda: F.batch_norm(f32(2, 3), None, None, training=True,
                                                   eps=float("nan")),
        "batch_norm", "eps.*nan"),
    bad("batch_norm-momentum-negative", lambda: F.batch_norm(
        f32(2, 3), mdl.zeros(3), mdl.ones(3), training=True, momentum=-1),
        "batch_norm", "momentum.*-1"),
    bad("batch_norm-momentum-str", lambda: F.batch_norm(
        f32(2, 3), mdl.zeros(3), mdl.ones(3), training=True, momentum="a"),
        "batch_norm", "momentum.*'a'"),

    # ---- softmax and losses
    bad("log_softmax-int", lambda: F.log_softmax(i64(2, 3)), "log_softmax", "int64"),
    bad("log_softmax-axis", lambda: F.log_softmax(f32(2, 3), 5), "log_softmax", "got 5"),
    bad("log_softmax-axis-float", lambda: F.log_softmax(f32(2, 3), 1.0), "log_softmax",
        r"1\.0"),
    bad("log_softmax-0d", lambda: F.log_softmax(mdl.tensor(1.0)), "log_softmax", "0-d"),
    bad("softmax-empty-axis", lambda: F.softmax(f32(2, 0)), "softmax", r"\(2, 0\)"),
    bad("softmax-bool", lambda: F.softmax(b8(2, 2)), "softmax", "bool"),
    bad("cross_entropy-label-negative", lambda: F.cross_entropy(f32(2, 3), np.array([0, -1])),
        "cross_entropy", "target -1.*3 classes"),
    bad("cross_entropy-label-K", lambda: F.cross_entropy(f32(2, 3), np.array([0, 3])),
        "cross_entropy", "target 3.*3 classes"),
    bad("cross_entropy-label-huge", lambda: F.cross_entropy(f32(2, 3), np.array([0, 2 ** 40])),
        "cross_entropy", "target 1099511627776"),
    bad("cross_entropy-label-uint64", lambda: F.cross_entropy(
        f32(2, 3), np.array([0, 2 ** 64 - 1], dtype=np.uint64)),
        "cross_entropy", "uint64"),
    bad("cross_entropy-label-tensor-negative", lambda: F.cross_entropy(
        f32(2, 3), mdl.tensor([-5, 0])), "cross_entropy", "target -5"),
    bad("cross_entropy-label-tensor-K", lambda: F.cross_entropy(f32(2, 3), mdl.tensor([0, 3])),
        "cross_entropy", "target 3"),
    bad("cross_entropy-label-list", lambda: F.cross_entropy(f32(2, 3), [0, 7]),
        "cross_entropy", "list"),
    bad("cross_entropy-label-float", lambda: F.cross_entropy(f32(2, 3), np.array([0.0, 1.0])),
        "cross_entropy", "float64"),
    bad("cross_entropy-label-float-tensor", lambda: F.cross_entropy(
        f32(2, 3), mdl.tensor([0.0, 1.0])), "cross_entropy", "float32"),
    bad("cross_entropy-label-bool", lambda: F.cross_entropy(f32(2, 3), np.array([True, False])),
        "cross_entropy", "bool"),
    bad("cross_entropy-label-str", lambda: F.cross_entropy(f32(2, 3), "ab"),
        "cross_entropy", "str"),
    bad("cross_entropy-label-none", lambda: F.cross_entropy(f32(2, 3), None),
        "cross_entropy", "NoneType"),
    bad("cross_entropy-label-2d", lambda: F.cross_entropy(f32(2, 3), np.array([[0], [1]])),
        "cross_entropy", r"\(2, 1\)"),
    bad("cross_entropy-label-scalar", lambda: F.cross_entropy(f32(2, 3), mdl.tensor(1)),
        "cross_entropy", r"shape \(\)"),
    bad("cross_entropy-label-count", lambda: F.cross_entropy(f32(2, 3), np.array([0, 1, 2])),
        "cross_entropy", r"\(3,\).*\(2,\)"),
    bad("cross_entropy-no-classes", lambda: F.cross_entropy(f32(2, 0), np.array([0, 0])),
        "cross_entropy", r"\(2, 0\)"),
    bad("cross_entropy-1d", lambda: F.cross_entropy(f32(3), np.array([0])),
        "cross_entropy", r"\(3,\)"),
    bad("cross_entropy-int-logits", lambda: F.cross_entropy(i64(2, 3), np.array([0, 1])),
        "cross_entropy", "int64"),
    bad("cross_entropy-reduction", lambda: F.cross_entropy(f32(2, 3), np.array([0, 1]),
                                                           reduction="avg"),
        "cross_entropy", "'avg'"),
    bad("mse_loss-shapes", lambda: F.mse_loss(f32(2, 3), f32(3, 2)), "mse_loss",
        r"\(2, 3\).*\(3, 2\)"),
    bad("mse_loss-broadcast", lambda: F.mse_loss(f32(2, 3), f32(3)), "mse_loss",
        r"\(2, 3\).*\(3,\)"),
    bad("mse_loss-int-target", lambda: F.mse_loss(f32(2), i64(2)), "mse_loss", "int64"),
    bad("mse_loss-bool-prediction", lambda: F.mse_loss(b8(2), f32(2)), "mse_loss", "bool"),
    bad("mse_loss-ndarray", lambda: F.mse_loss(np.zeros(2), f32(2)), "mse_loss", "ndarray"),
    bad("mse_loss-dtypes", lambda: F.mse_loss(f32(2), f32(2).double()), "mse_loss",
        "float64"),
    bad("mse_loss-reduction", lambda: F.mse_loss(f32(2), f32(2), reduction="x"), "mse_loss",
        "'x'"),
    bad("cross_entropy-weight-shape", lambda: F.cross_entropy(f32(2, 3), np.array([0, 1]),
                                                              f32(4)),
        "cross_entropy", r"weight has shape \(4,\)"),
    bad("cross_entropy-weight-grad", lambda: F.cross_entropy(
        f32(2, 3), np.array([0, 1]), f32(3).requires_grad_()), "cross_entropy",
        "not differentiable with respect to argument 'weight'"),
    bad("cross_entropy-smoothing", lambda: F.cross_entropy(f32(2, 3), np.array([0, 1]),
                                                           label_smoothing=-0.1),
        "cross_entropy", r"label_smoothing.*-0\.1"),
    bad("cross_entropy-ignore-float", lambda: F.cross_entropy(f32(2, 3), np.array([0, 1]),
                                                              ignore_index=1.5),
        "cross_entropy", r"ignore_index.*1\.5"),
    bad("cross_entropy-probabilities-shape", lambda: F.cross_entropy(f32(2, 3), f32(2, 4)),
        "cross_entropy", r"\(2, 3\).*\(2, 4\)"),
    bad("cross_entropy-nd-target", lambda: F.cross_entropy(f32(2, 3, 4), mdl.tensor([[0, 1]])),
        "cross_entropy", r"\(1, 2\)"),
    bad("cross_entropy-weight-str", lambda: F.cross_entropy(f32(2, 3), np.array([0, 1]),
                                                            "mean"),
        "cross_entropy", "str"),
    bad("nll_loss-label", lambda: F.nll_loss(f32(2, 3), mdl.tensor([0, 3])), "nll_loss",
        "target 3.*3 classes", IndexError),
    bad("nll_loss-0d", lambda: F.nll_loss(mdl.tensor(1.0), mdl.tensor(0)), "nll_loss", "0-d"),
    bad("nll_loss-target-float", lambda: F.nll_loss(f32(2, 3), f32(2)), "nll_loss", "float32"),
    bad("nll_loss-reduction", lambda: F.nll_loss(f32(2, 3), mdl.tensor([0, 1]),
                                                 reduction="batchmean"),
        "nll_loss", "'batchmean'"),
    bad("l1_loss-shapes", lambda: F.l1_loss(f32(2, 3), f32(3)), "l1_loss", r"\(2, 3\).*\(3,\)"),
    bad("l1_loss-weight-shape", lambda: F.l1_loss(f32(2, 3), f32(2, 3), weight=f32(3)),
        "l1_loss", "Weights and input must have the same size"),
    bad("smooth_l1_loss-beta", lambda: F.smooth_l1_loss(f32(2), f32(2), beta=-1.0),
        "smooth_l1_loss", "negative values for beta"),
    bad("smooth_l1_loss-int", lambda: F.smooth_l1_loss(i64(2), f32(2)), "smooth_l1_loss",
        "int64"),
    bad("huber_loss-delta", lambda: F.huber_loss(f32(2), f32(2), delta=0.0), "huber_loss",
        "non-positive values for delta"),
    bad("huber_loss-dtypes", lambda: F.huber_loss(f32(2), f32(2).double()), "huber_loss",
        "float64"),
    bad("binary_cross_entropy-range", lambda: F.binary_cross_entropy(f32(2) + 3, f32(2) * 0),
        "binary_cross_entropy", "input should be between 0 and 1"),
    bad("binary_cross_entropy-target-range", lambda: F.binary_cross_entropy(
        f32(2) * 0 + 0.5, f32(2) * 0 - 1), "binary_cross_entropy",
        "target should be between 0 and 1"),
    bad("binary_cross_entropy-shapes", lambda: F.binary_cross_entropy(f32(2, 2) * 0, f32(2)),
        "binary_cross_entropy", r"\(2,\).*\(2, 2\)"),
    bad("binary_cross_entropy-weight-shape", lambda: F.binary_cross_entropy(
        f32(2, 2) * 0, f32(2, 2) * 0, f32(3)), "binary_cross_entropy", r"\(3,\)"),
    bad("binary_cross_entropy_with_logits-shapes", lambda: F.binary_cross_entropy_with_logits(
        f32(2, 3), f32(3)), "binary_cross_entropy_with_logits", r"Target size \(3,\)"),
    bad("binary_cross_entropy_with_logits-pos_weight", lambda:
        F.binary_cross_entropy_with_logits(f32(2, 3), f32(2, 3), pos_weight=f32(2)),
        "binary_cross_entropy_with_logits", r"pos_weight of shape \(2,\)"),
    bad("binary_cross_entropy_with_logits-target-list", lambda:
        F.binary_cross_entropy_with_logits(f32(2), [0.0, 1.0]),
        "binary_cross_entropy_with_logits", "list"),
    bad("kl_div-reduction", lambda: F.kl_div(f32(2), f32(2), reduction="avg"), "kl_div",
        "'avg'"),
    bad("kl_div-shapes", lambda: F.kl_div(f32(2, 3), f32(2)), "kl_div", r"\(2, 3\).*\(2,\)"),
    bad("kl_div-int-target", lambda: F.kl_div(f32(2), i64(2)), "kl_div", "int64"),
    bad("CrossEntropyLoss-reduction", lambda: nn.CrossEntropyLoss(reduction="avg"),
        "CrossEntropyLoss", "'avg'"),
    bad("CrossEntropyLoss-smoothing", lambda: nn.CrossEntropyLoss(label_smoothing=2),
        "CrossEntropyLoss", "label_smoothing.*2"),
    bad("CrossEntropyLoss-weight-ndarray", lambda: nn.CrossEntropyLoss(weight=np.ones(3)),
        "CrossEntropyLoss", "ndarray"),
    bad("CrossEntropyLoss-forward-label", lambda: nn.CrossEntropyLoss()(f32(2, 3),
                                                                         mdl.tensor([0, 9])),
        "cross_entropy", "target 9"),
    bad("NLLLoss-ignore", lambda: nn.NLLLoss(ignore_index="a"), "NLLLoss", "'a'"),
    bad("MSELoss-reduction", lambda: nn.MSELoss(reduction="avg"), "MSELoss", "'avg'"),
    bad("MSELoss-forward-shapes", lambda: nn.MSELoss()(f32(2), f32(3)), "mse_loss",
        r"\(2,\).*\(3,\)"),
    bad("L1Loss-reduction", lambda: nn.L1Loss(reduction=None), "L1Loss", "None"),
    bad("SmoothL1Loss-beta", lambda: nn.SmoothL1Loss(beta=-1), "SmoothL1Loss", "beta.*-1"),
    bad("HuberLoss-delta", lambda: nn.HuberLoss(delta=0), "HuberLoss", "delta.*0"),
    bad("BCELoss-forward-range", lambda: nn.BCELoss()(f32(2) + 2, f32(2) * 0),
        "binary_cross_entropy", "between 0 and 1"),
    bad("BCEWithLogitsLoss-pos_weight", lambda: nn.BCEWithLogitsLoss(pos_weight=[1.0]),
        "BCEWithLogitsLoss", "list"),
    bad("KLDivLoss-reduction", lambda: nn.KLDivLoss(reduction="avg"), "KLDivLoss", "'avg'"),
    bad("KLDivLoss-log_target", lambda: nn.KLDivLoss(log_target="yes"), "KLDivLoss", "'yes'"),

    # ---- padding and one_hot (minidl.functional re-exports mdl's one_hot)
    bad("pad-odd", lambda: F.pad(f32(2, 3), (1,)), "pad", "even number"),
    bad("pad-mode", lambda: F.pad(f32(2, 3), (1, 1), mode="wrap"), "pad", "'wrap'"),
    bad("pad-reflect-too-far", lambda: F.pad(f32(1, 2, 3), (3, 3), mode="reflect"), "pad",
        "less than the corresponding input dimension"),
    bad("pad-too-long", lambda: F.pad(f32(2), (1, 1, 1, 1)), "pad", "too large"),
    bad("one_hot-float", lambda: F.one_hot(f32(3)), "one_hot", "float32"),
    bad("one_hot-negative", lambda: F.one_hot(mdl.tensor([-1, 0])), "one_hot", "-1"),

    # ---- dropout, joining
    bad("dropout-p-big", lambda: F.dropout(f32(3), 1.5), "dropout", r"p.*1\.5"),
    bad("dropout-p-negative", lambda: F.dropout(f32(3), -0.1), "dropout", r"-0\.1"),
    bad("dropout-p-nan", lambda: F.dropout(f32(3), float("nan")), "dropout", "nan"),
    bad("dropout-p-str", lambda: F.dropout(f32(3), "a"), "dropout", "'a'"),
    bad("dropout-int", lambda: F.dropout(i64(3)), "dropout", "int64"),
    bad("dropout-generator", lambda: F.dropout(f32(3), generator=5), "dropout", "int"),
    bad("cat-empty", lambda: mdl.cat([]), "cat", "non-empty"),
    bad("concat-shapes", lambda: mdl.concat([f32(2, 3), f32(2, 4)]), "cat", "sizes"),
    bad("concatenate-0d", lambda: mdl.concatenate([mdl.tensor(1.0)]), "cat", "zero-dim"),
    bad("cat-tensor", lambda: mdl.cat(f32(2, 3)), "cat", "Tensor"),
    bad("cat-ndarray", lambda: mdl.cat([f32(2), np.zeros(2)]), "cat", "element 1.*ndarray"),
    bad("cat-shapes", lambda: mdl.cat([f32(2, 3), f32(2, 4)]), "cat",
        r"\(2, 3\).*\(2, 4\)"),
    bad("cat-ranks", lambda: mdl.cat([f32(2, 3), f32(2)]), "cat", r"\(2, 3\).*\(2,\)"),
    bad("cat-axis", lambda: mdl.cat([f32(2), f32(2)], 5), "cat", "got 5"),
    bad("cat-0d", lambda: mdl.cat([mdl.tensor(1.0), mdl.tensor(2.0)]), "cat",
        "zero-dimensional"),
    bad("stack-empty", lambda: mdl.stack([]), "stack", "non-empty"),
    bad("stack-tensor", lambda: mdl.stack(f32(2, 3)), "stack", "Tensor"),
    bad("stack-ints", lambda: mdl.stack([1, 2]), "stack", "int"),
    bad("stack-shapes", lambda: mdl.stack([f32(2), f32(3)]), "stack", r"\(2,\).*\(3,\)"),
    bad("stack-axis", lambda: mdl.stack([f32(2), f32(2)], 9), "stack", "got 9"),

    # ---- layers: construction
    bad("Linear-zero", lambda: nn.Linear(0, 2), "Linear", "in_features.*0"),
    bad("Linear-negative", lambda: nn.Linear(2, -1), "Linear", "out_features.*-1"),
    bad("Linear-float", lambda: nn.Linear(2.0, 2), "Linear", r"2\.0"),
    bad("Linear-bool", lambda: nn.Linear(True, 2), "Linear", "True"),
    bad("Linear-int-dtype", lambda: nn.Linear(2, 2, dtype=mdl.int64), "Linear", "int64"),
    bad("Linear-float16", lambda: nn.Linear(2, 2, dtype=np.float16), "Linear", "float16"),
    bad("Linear-forward-0d", lambda: nn.Linear(1, 2)(mdl.tensor(1.0)), "linear", r"\(\)"),
    bad("Conv2d-channels", lambda: nn.Conv2d(0, 2, 3), "Conv2d", "in_channels.*0"),
    bad("Conv2d-kernel-zero", lambda: nn.Conv2d(1, 2, 0), "Conv2d", r"kernel_size.*\(0, 0\)"),
    bad("Conv2d-stride-zero", lambda: nn.Conv2d(1, 2, 3, stride=0), "Conv2d",
        r"stride.*\(0, 0\)"),
    bad("Conv2d-padding-negative", lambda: nn.Conv2d(1, 2, 3, padding=-1), "Conv2d",
        r"padding.*\(-1, -1\)"),
    bad("Conv2d-int-dtype", lambda: nn.Conv2d(1, 2, 3, dtype=mdl.int32), "Conv2d", "int32"),
    bad("Conv2d-groups-zero", lambda: nn.Conv2d(2, 2, 3, groups=0), "Conv2d",
        "groups must be a positive integer"),
    bad("Conv2d-groups-in-channels", lambda: nn.Conv2d(3, 4, 3, groups=2), "Conv2d",
        "in_channels must be divisible by groups"),
    bad("Conv2d-groups-out-channels", lambda: nn.Conv2d(2, 3, 3, groups=2), "Conv2d",
        "out_channels must be divisible by groups"),
    bad("Conv2d-dilation-zero", lambda: nn.Conv2d(1, 2, 3, dilation=0), "Conv2d",
        r"dilation.*\(0, 0\)"),
    bad("Conv2d-padding-string", lambda: nn.Conv2d(1, 2, 3, padding="full"), "Conv2d",
        "'full'", exc=ValueError),
    bad("Conv2d-padding-same-strided", lambda: nn.Conv2d(1, 2, 3, padding="same", stride=2),
        "Conv2d", "strided", exc=ValueError),
    bad("Conv2d-padding-mode", lambda: nn.Conv2d(1, 2, 3, padding_mode="mirror"), "Conv2d",
        "padding_mode.*'mirror'"),
    bad("Conv2d-forward-reflect-too-wide", lambda: nn.Conv2d(1, 1, 5, padding=4,
                                                             padding_mode="reflect")(
        f32(1, 1, 4, 4)), "pad", "padding size should be less"),
    bad("Conv1d-channels", lambda: nn.Conv1d(0, 2, 3), "Conv1d", "in_channels.*0"),
    bad("Conv1d-kernel-pair", lambda: nn.Conv1d(1, 2, (3, 3)), "Conv1d", r"\(3, 3\)"),
    bad("Conv1d-groups", lambda: nn.Conv1d(3, 4, 3, groups=2), "Conv1d",
        "in_channels must be divisible"),
    bad("Conv1d-padding-mode", lambda: nn.Conv1d(1, 2, 3, padding_mode="edge"), "Conv1d",
        "'edge'"),
    bad("Conv1d-forward-channels", lambda: nn.Conv1d(2, 2, 3)(f32(1, 1, 4)), "conv1d",
        r"\(1, 1, 4\)"),
    bad("ConvTranspose2d-channels", lambda: nn.ConvTranspose2d(1, 0, 3), "ConvTranspose2d",
        "out_channels.*0"),
    bad("ConvTranspose2d-padding-mode", lambda: nn.ConvTranspose2d(1, 2, 3,
                                                                   padding_mode="reflect"),
        "ConvTranspose2d", '"zeros"'),
    bad("ConvTranspose2d-padding-same", lambda: nn.ConvTranspose2d(1, 2, 3, padding="same"),
        "ConvTranspose2d", "'same'"),
    bad("ConvTranspose2d-groups", lambda: nn.ConvTranspose2d(2, 3, 3, groups=2),
        "ConvTranspose2d", "out_channels must be divisible"),
    bad("ConvTranspose2d-output-padding-negative", lambda: nn.ConvTranspose2d(
        1, 2, 3, output_padding=-1), "ConvTranspose2d", r"output_padding.*\(-1, -1\)"),
    bad("ConvTranspose2d-forward-output-size", lambda: nn.ConvTranspose2d(1, 1, 3, stride=2)(
        f32(1, 1, 4, 4), output_size=(20, 20)), "ConvTranspose2d",
        r"\(20, 20\).*\[9, 9\] to \[10, 10\]"),
    bad("ConvTranspose2d-forward-output-size-length", lambda: nn.ConvTranspose2d(1, 1, 3)(
        f32(1, 1, 4, 4), output_size=(1, 6, 6)), "ConvTranspose2d", "2 or 4 elements"),
    bad("ConvTranspose2d-forward-output-size-float", lambda: nn.ConvTranspose2d(1, 1, 3)(
        f32(1, 1, 4, 4), output_size=(6.0, 6)), "ConvTranspose2d", r"6\.0"),
    bad("BatchNorm1d-zero", lambda: nn.BatchNorm1d(0), "BatchNorm1d", "num_features.*0"),
    bad("BatchNorm1d-bool", lambda: nn.BatchNorm1d(True), "BatchNorm1d", "True"),
    bad("BatchNorm2d-float", lambda: nn.BatchNorm2d(2.0), "BatchNorm2d", r"2\.0"),
    bad("BatchNorm1d-momentum", lambda: nn.BatchNorm1d(2, momentum=2), "BatchNorm1d",
        "momentum.*2"),
    bad("BatchNorm1d-momentum-str", lambda: nn.BatchNorm1d(2, momentum="a"), "BatchNorm1d",
        "momentum.*'a'"),
    bad("BatchNorm1d-eps-zero", lambda: nn.BatchNorm1d(2, eps=0), "BatchNorm1d", "eps.*0"),
    bad("BatchNorm2d-eps-negative", lambda: nn.BatchNorm2d(2, eps=-1), "BatchNorm2d",
        "eps.*-1"),
    bad("BatchNorm1d-int-dtype", lambda: nn.BatchNorm1d(2, dtype=mdl.int64), "BatchNorm1d",
        "int64"),
    bad("MaxPool2d-kernel-zero", lambda: nn.MaxPool2d(0), "MaxPool2d", r"\(0, 0\)"),
    bad("MaxPool2d-stride-zero", lambda: nn.MaxPool2d(2, 0), "MaxPool2d", r"stride.*\(0, 0\)"),
    bad("MaxPool2d-padding-negative", lambda: nn.MaxPool2d(2, padding=-1), "MaxPool2d",
        r"\(-1, -1\)"),
    bad("MaxPool2d-padding-too-big", lambda: nn.MaxPool2d(2, padding=2), "MaxPool2d",
        r"padding \(2, 2\)"),
    bad("AvgPool2d-kernel-float", lambda: nn.AvgPool2d(2.0), "AvgPool2d", r"2\.0"),
    bad("MaxPool2d-dilation-zero", lambda: nn.MaxPool2d(2, dilation=0), "MaxPool2d",
        r"dilation.*\(0, 0\)"),
    bad("MaxPool2d-ceil-mode-str", lambda: nn.MaxPool2d(2, ceil_mode="yes"), "MaxPool2d",
        "ceil_mode"),
    bad("MaxPool2d-return-indices-int", lambda: nn.MaxPool2d(2, return_indices=2),
        "MaxPool2d", "return_indices"),
    bad("AvgPool2d-divisor-zero", lambda: nn.AvgPool2d(2, divisor_override=0), "AvgPool2d",
        "divisor_override"),
    bad("AvgPool2d-divisor-float", lambda: nn.AvgPool2d(2, divisor_override=2.5), "AvgPool2d",
        r"2\.5"),
    bad("AvgPool2d-count-include-pad", lambda: nn.AvgPool2d(2, count_include_pad=None),
        "AvgPool2d", "count_include_pad"),
    bad("MaxUnpool2d-kernel-zero", lambda: nn.MaxUnpool2d(0), "MaxUnpool2d", r"\(0, 0\)"),
    bad("MaxUnpool2d-stride-negative", lambda: nn.MaxUnpool2d(2, -1), "MaxUnpool2d",
        r"stride.*\(-1, -1\)"),
    bad("MaxUnpool2d-forward-indices", lambda: nn.MaxUnpool2d(2)(f32(1, 1, 2, 2),
                                                                 f32(1, 1, 2, 2)),
        "max_unpool2d", "float32"),
    bad("AvgPool2d-stride-negative", lambda: nn.AvgPool2d(2, -2), "AvgPool2d",
        r"\(-2, -2\)"),
    bad("AdaptiveAvgPool2d-size", lambda: nn.AdaptiveAvgPool2d(-1), "AdaptiveAvgPool2d",
        "output_size"),
    bad("AdaptiveAvgPool2d-bool", lambda: nn.AdaptiveAvgPool2d(True), "AdaptiveAvgPool2d",
        "True"),
    bad("Dropout-p", lambda: nn.Dropout(1.5), "Dropout", r"1\.5"),
    bad("Dropout-p-str", lambda: nn.Dropout("a"), "Dropout", "'a'"),
    bad("Flatten-start-str", lambda: nn.Flatten("a"), "Flatten", "'a'"),
    bad("Sequential-non-module", lambda: nn.Sequential(nn.ReLU(), 5), "Sequential",
        "element 1.*int"),
    bad("Sequential-index", lambda: nn.Sequential(nn.ReLU())[5], "Sequential", "index 5",
        IndexError),

    # ---- layers: forward
    bad("Linear-forward-width", lambda: nn.Linear(3, 2)(f32(2, 4)), "linear",
        r"\(2, 4\).*\(2, 3\)"),
    bad("Linear-forward-int", lambda: nn.Linear(3, 2)(i64(2, 3)), "linear", "int64"),
    bad("Linear-forward-float64", lambda: nn.Linear(3, 2)(f32(2, 3).double()), "linear",
        "float32"),
    bad("Conv2d-forward-small", lambda: nn.Conv2d(1, 2, 5)(f32(1, 1, 4, 4)), "conv2d",
        r"kernel \(5, 5\)"),
    bad("Conv2d-forward-channels", lambda: nn.Conv2d(2, 2, 3)(f32(1, 1, 4, 4)), "conv2d",
        r"\(1, 1, 4, 4\)"),
    bad("BatchNorm1d-forward-4d", lambda: nn.BatchNorm1d(2)(f32(2, 2, 2, 2)), "BatchNorm1d",
        r"\(2, 2, 2, 2\)"),
    bad("BatchNorm2d-forward-2d", lambda: nn.BatchNorm2d(2)(f32(2, 2)), "BatchNorm2d",
        r"\(2, 2\)"),
    bad("BatchNorm1d-forward-channels", lambda: nn.BatchNorm1d(2)(f32(2, 3)), "BatchNorm1d",
        r"\(2, 3\)"),
    bad("BatchNorm1d-forward-ndarray", lambda: nn.BatchNorm1d(2)(np.zeros((2, 2))),
        "BatchNorm1d", "ndarray"),
    bad("BatchNorm1d-forward-int", lambda: nn.BatchNorm1d(3)(i64(2, 3)), "batch_norm",
        "int64"),
    bad("BatchNorm1d-forward-one-sample", lambda: nn.BatchNorm1d(3)(f32(1, 3)), "batch_norm",
        r"\(1, 3\)"),
    bad("MaxPool2d-forward-small", lambda: nn.MaxPool2d(5)(f32(1, 1, 4, 4)), "max_pool2d",
        r"kernel \(5, 5\)"),
    bad("AvgPool2d-forward-2d", lambda: nn.AvgPool2d(2)(f32(4, 4)), "avg_pool2d",
        r"\(4, 4\)"),
    bad("GlobalAvgPool2d-forward-2d", lambda: nn.GlobalAvgPool2d()(f32(2, 2)),
        "adaptive_avg_pool2d", r"\(2, 2\)"),
    bad("AdaptiveAvgPool2d-forward-2d", lambda: nn.AdaptiveAvgPool2d(1)(f32(2, 2)),
        "adaptive_avg_pool2d", r"\(2, 2\)"),
    bad("ReLU-forward-bool", lambda: nn.ReLU()(b8(3)), "relu", "bool"),
    bad("ReLU-inplace-str", lambda: nn.ReLU(inplace="yes"), "ReLU", "'yes'"),
    bad("Tanh-forward-ndarray", lambda: nn.Tanh()(np.zeros(2)), "tanh", "ndarray"),
    bad("Sigmoid-forward-list", lambda: nn.Sigmoid()([1.0]), "sigmoid", "list"),
    bad("Dropout-forward-int", lambda: nn.Dropout()(i64(3)), "dropout", "int64"),
    bad("Flatten-forward-1d", lambda: nn.Flatten()(f32(3)), "flatten", "got 1"),
    bad("Flatten-forward-ndarray", lambda: nn.Flatten()(np.zeros((2, 2))), "Flatten",
        "ndarray"),
    bad("Sequential-forward-mismatch", lambda: nn.Sequential(nn.Linear(3, 4),
                                                             nn.Linear(5, 2))(f32(2, 3)),
        "linear", r"\(2, 4\).*\(2, 5\)"),
    bad("load_state_dict-shape", lambda: nn.Linear(2, 2).load_state_dict(
        {"weight": np.zeros((3, 2)), "bias": np.zeros(2)}), "load_state_dict",
        r"weight.*\(3, 2\)"),
    bad("load_state_dict-str", lambda: nn.Linear(2, 2).load_state_dict(
        {"weight": np.full((2, 2), "a"), "bias": np.zeros(2)}), "load_state_dict",
        "weight.*<U1"),
    bad("load_state_dict-none", lambda: nn.Linear(2, 2).load_state_dict(
        {"weight": None, "bias": np.zeros(2)}), "load_state_dict", "weight.*NoneType"),
    bad("load_state_dict-int", lambda: nn.Linear(2, 2).load_state_dict(5), "load_state_dict",
        "int"),
    bad("Module-to-int", lambda: nn.Linear(2, 2).to(mdl.int64), "Module.to", "int64"),
    bad("Module-to-name", lambda: nn.Linear(2, 2).to(dtype="foo"), "Module.to", "'foo'"),
    bad("Module-to-device", lambda: nn.Linear(2, 2).to("tpu"), "device", "'tpu'"),

    # ---- activations (F functions and layers)
    bad("leaky_relu-int", lambda: F.leaky_relu(i64(3)), "leaky_relu", "int64"),
    bad("leaky_relu-slope-str", lambda: F.leaky_relu(f32(3), "a"), "leaky_relu",
        "negative_slope.*'a'"),
    bad("leaky_relu-inplace-leaf", lambda: F.leaky_relu(f32(3).requires_grad_(), inplace=True),
        "leaky_relu_", "leaf Variable"),
    bad("elu-alpha-none", lambda: F.elu(f32(3), None), "elu", "alpha.*None"),
    bad("elu-ndarray", lambda: F.elu(np.zeros(3)), "elu", "ndarray"),
    bad("gelu-approximate", lambda: F.gelu(f32(3), approximate="fast"), "gelu", "'fast'"),
    bad("gelu-bool", lambda: F.gelu(b8(3)), "gelu", "bool"),
    bad("silu-inplace-str", lambda: F.silu(f32(3), inplace="yes"), "silu", "'yes'"),
    bad("silu-int", lambda: F.silu(i64(3)), "silu", "int64"),
    bad("softplus-beta-str", lambda: F.softplus(f32(3), beta="a"), "softplus", "beta.*'a'"),
    bad("softplus-threshold-nan", lambda: F.softplus(f32(3), threshold=float("nan")),
        "softplus", "threshold.*nan"),
    bad("hardtanh-bounds", lambda: F.hardtanh(f32(3), 1.0, -1.0), "hardtanh",
        "min_val cannot be greater than max_val"),
    bad("hardtanh-list", lambda: F.hardtanh([1.0]), "hardtanh", "list"),
    bad("LeakyReLU-slope", lambda: nn.LeakyReLU("a"), "LeakyReLU", "'a'"),
    bad("LeakyReLU-forward-int", lambda: nn.LeakyReLU()(i64(3)), "leaky_relu", "int64"),
    bad("ELU-alpha", lambda: nn.ELU(alpha=[1.0]), "ELU", r"\[1\.0\]"),
    bad("GELU-approximate", lambda: nn.GELU("fast"), "GELU", "'fast'"),
    bad("SiLU-inplace", lambda: nn.SiLU(inplace=1), "SiLU", "inplace.*1"),
    bad("Softplus-beta", lambda: nn.Softplus(beta=None), "Softplus", "beta.*None"),
    bad("Hardtanh-bounds", lambda: nn.Hardtanh(1.0, 1.0), "Hardtanh", "max_val.*greater"),
    bad("Softmax-dim", lambda: nn.Softmax(1.5), "Softmax", r"1\.5"),
    bad("Softmax-forward-dim", lambda: nn.Softmax(3)(f32(2, 2)), "softmax", "got 3"),
    bad("LogSoftmax-forward-int", lambda: nn.LogSoftmax(1)(i64(2, 2)), "log_softmax", "int64"),

    # ---- normalisation
    bad("layer_norm-int-shape", lambda: F.layer_norm(f32(2, 3), 3), "layer_norm",
        "normalized_shape.*3"),
    bad("layer_norm-mismatch", lambda: F.layer_norm(f32(2, 3), (4,)), "layer_norm",
        r"normalized_shape=\[4\].*\(2, 3\)"),
    bad("layer_norm-empty-shape", lambda: F.layer_norm(f32(2, 3), ()), "layer_norm",
        "at least 1-dimensional"),
    bad("layer_norm-weight-shape", lambda: F.layer_norm(f32(2, 3), (3,), f32(4)), "layer_norm",
        r"weight of shape \(4,\)"),
    bad("layer_norm-eps-negative", lambda: F.layer_norm(f32(2, 3), (3,), eps=-1.0),
        "layer_norm", "eps.*-1"),
    bad("layer_norm-int", lambda: F.layer_norm(i64(2, 3), (3,)), "layer_norm", "int64"),
    bad("group_norm-groups", lambda: F.group_norm(f32(2, 3, 4), 2), "group_norm",
        r"divisible by num_groups.*\(2, 3, 4\)"),
    bad("group_norm-1d", lambda: F.group_norm(f32(3), 1), "group_norm", "at least 2"),
    bad("group_norm-groups-zero", lambda: F.group_norm(f32(2, 4), 0), "group_norm",
        "num_groups.*0"),
    bad("group_norm-bias-shape", lambda: F.group_norm(f32(2, 4), 2, None, f32(3)),
        "group_norm", r"bias has shape \(3,\)"),
    bad("LayerNorm-shape", lambda: nn.LayerNorm("a"), "LayerNorm", "'a'"),
    bad("LayerNorm-shape-negative", lambda: nn.LayerNorm((2, -1)), "LayerNorm", "-1"),
    bad("LayerNorm-forward-shape", lambda: nn.LayerNorm(4)(f32(2, 3)), "layer_norm",
        r"\(2, 3\)"),
    bad("LayerNorm-dtype", lambda: nn.LayerNorm(3, dtype=mdl.int64), "LayerNorm", "int64"),
    bad("GroupNorm-divisible", lambda: nn.GroupNorm(2, 5), "GroupNorm",
        r"num_channels \(5\).*num_groups \(2\)"),
    bad("GroupNorm-groups-zero", lambda: nn.GroupNorm(0, 4), "GroupNorm", "num_groups.*0"),
    bad("GroupNorm-forward-channels", lambda: nn.GroupNorm(2, 4)(f32(2, 6)), "GroupNorm",
        r"\(2, 6\)"),

    # ---- embedding and channel dropout
    bad("embedding-float-index", lambda: F.embedding(f32(2), f32(4, 3)), "embedding",
        "float32"),
    bad("embedding-index-range", lambda: F.embedding(mdl.tensor([0, 4]), f32(4, 3)),
        "embedding", "index 4 is out of bounds"),
    bad("embedding-index-negative", lambda: F.embedding(mdl.tensor([-1]), f32(4, 3)),
        "embedding", "index -1"),
    bad("embedding-weight-1d", lambda: F.embedding(mdl.tensor([0]), f32(4)), "embedding",
        r"2-D.*\(4,\)"),
    bad("embedding-padding", lambda: F.embedding(mdl.tensor([0]), f32(4, 3), padding_idx=4),
        "embedding", "padding_idx.*4"),
    bad("embedding-sparse", lambda: F.embedding(mdl.tensor([0]), f32(4, 3), sparse=True),
        "embedding", "sparse", NotImplementedError),
    bad("embedding-max_norm", lambda: F.embedding(mdl.tensor([0]), f32(4, 3), max_norm=-1),
        "embedding", "max_norm.*-1"),
    bad("Embedding-size", lambda: nn.Embedding(0, 3), "Embedding", "num_embeddings.*0"),
    bad("Embedding-padding", lambda: nn.Embedding(3, 2, padding_idx=-4), "Embedding",
        "padding_idx.*-4"),
    bad("Embedding-weight-shape", lambda: nn.Embedding(3, 2, _weight=f32(2, 2)), "Embedding",
        r"\(2, 2\)"),
    bad("Embedding-from_pretrained-1d", lambda: nn.Embedding.from_pretrained(f32(3)),
        "Embedding.from_pretrained", "2-D"),
    bad("Embedding-forward-range", lambda: nn.Embedding(3, 2)(mdl.tensor([3])), "embedding",
        "index 3"),
    bad("dropout2d-1d", lambda: F.dropout2d(f32(3)), "dropout2d", "at least 2 dimensions"),
    bad("dropout2d-p", lambda: F.dropout2d(f32(2, 2, 2), 2.0), "dropout2d", r"p.*2\.0"),
    bad("dropout2d-int", lambda: F.dropout2d(i64(2, 2, 2, 2)), "dropout2d", "int64"),
    bad("Dropout2d-p", lambda: nn.Dropout2d(-0.5), "Dropout2d", r"-0\.5"),

    # ---- adaptive pooling and interpolation
    bad("adaptive_max_pool2d-2d", lambda: F.adaptive_max_pool2d(f32(2, 3), 1),
        "adaptive_max_pool2d", r"\(2, 3\)"),
    bad("adaptive_max_pool2d-size", lambda: F.adaptive_max_pool2d(f32(1, 1, 2, 2), (1, 2, 3)),
        "adaptive_max_pool2d", "output_size"),
    bad("adaptive_max_pool2d-indices", lambda: F.adaptive_max_pool2d(f32(1, 1, 2, 2), 1,
                                                                     return_indices="y"),
        "adaptive_max_pool2d", "'y'"),
    bad("AdaptiveMaxPool2d-size", lambda: nn.AdaptiveMaxPool2d((2, -1)), "AdaptiveMaxPool2d",
        "output_size"),
    bad("AdaptiveMaxPool2d-forward-empty-plane", lambda: nn.AdaptiveMaxPool2d(1)(
        f32(1, 1, 0, 2)), "adaptive_max_pool2d", r"\(1, 1, 0, 2\)"),
    bad("interpolate-both", lambda: F.interpolate(f32(1, 1, 2, 2), 3, 2.0), "interpolate",
        "only one of size or scale_factor"),
    bad("interpolate-neither", lambda: F.interpolate(f32(1, 1, 2, 2)), "interpolate",
        "either size or scale_factor"),
    bad("interpolate-mode", lambda: F.interpolate(f32(1, 1, 2, 2), 3, mode="cubic"),
        "interpolate", "'cubic'", NotImplementedError),
    bad("interpolate-align-nearest", lambda: F.interpolate(f32(1, 1, 2, 2), 3,
                                                           align_corners=True),
        "interpolate", "align_corners"),
    bad("interpolate-size-dims", lambda: F.interpolate(f32(1, 1, 2, 2), (2, 3, 4)),
        "interpolate", r"\(2, 3, 4\)"),
    bad("interpolate-zero", lambda: F.interpolate(f32(1, 1, 2, 2), scale_factor=0.2),
        "interpolate", "greater than 0"),
    bad("interpolate-2d", lambda: F.interpolate(f32(2, 2), 3), "interpolate", "got 2D",
        NotImplementedError),
    bad("interpolate-bilinear-3d", lambda: F.interpolate(f32(1, 2, 2), 3, mode="bilinear"),
        "interpolate", "needs 4D", NotImplementedError),
    bad("interpolate-int", lambda: F.interpolate(i64(1, 1, 2, 2), 3), "interpolate", "int64"),
    bad("Upsample-scale-str", lambda: nn.Upsample(scale_factor="2"), "Upsample", "'2'"),
    bad("Upsample-forward-neither", lambda: nn.Upsample()(f32(1, 1, 2, 2)), "interpolate",
        "either size or scale_factor"),

    # ---- recurrent layers
    bad("RNNBase-mode", lambda: nn.RNNBase("GRU", 3, 4), "RNNBase", "'GRU'"),
    bad("RNN-nonlinearity", lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), "Unknown",
        "'sigmoid'"),
    bad("RNN-hidden-zero", lambda: nn.RNN(3, 0), "RNN", "hidden_size"),
    bad("RNN-layers-float", lambda: nn.RNN(3, 4, 1.5), "RNN", r"num_layers.*1\.5"),
    bad("RNN-dropout", lambda: nn.RNN(3, 4, 2, dropout=1.5), "RNN", r"dropout.*1\.5"),
    bad("RNN-forward-4d", lambda: nn.RNN(3, 4)(f32(1, 2, 3, 3)), "RNN", "4D"),
    bad("RNN-forward-width", lambda: nn.RNN(3, 4)(f32(5, 2, 4)), "RNN",
        "Expected 3, got 4"),
    bad("RNN-forward-hidden", lambda: nn.RNN(3, 4)(f32(5, 2, 3), f32(1, 3, 4)), "RNN",
        r"\(1, 2, 4\).*\(1, 3, 4\)"),
    bad("RNN-forward-empty", lambda: nn.RNN(3, 4)(f32(0, 2, 3)), "RNN", "sequence length"),
    bad("RNN-forward-dtype", lambda: nn.RNN(3, 4)(f32(5, 2, 3).double()), "RNN", "float64"),
    bad("LSTM-proj", lambda: nn.LSTM(3, 4, proj_size=5), "LSTM", "proj_size"),
    bad("LSTM-forward-hx-tensor", lambda: nn.LSTM(3, 4)(f32(5, 2, 3), f32(1, 2, 4)), "LSTM",
        "tuple"),
    bad("LSTM-forward-cell", lambda: nn.LSTM(3, 4)(f32(5, 2, 3), (f32(1, 2, 4), f32(1, 2, 3))),
        "LSTM", r"hidden\[1\].*\(1, 2, 3\)"),
    bad("LSTM-forward-unbatched-hx", lambda: nn.LSTM(3, 4)(f32(5, 3), (f32(1, 2, 4),
                                                                        f32(1, 2, 4))),
        "LSTM", "2-D"),

    # ---- containers
    bad("ModuleList-index", lambda: nn.ModuleList([nn.ReLU()])[3], "ModuleList", "index 3"),
    bad("ModuleList-index-str", lambda: nn.ModuleList([nn.ReLU()])["a"], "ModuleList",
        "str"),
    bad("ModuleList-extend-int", lambda: nn.ModuleList().extend(3), "ModuleList.extend",
        "int"),
    bad("ModuleList-append-int", lambda: nn.ModuleList().append(3), "int is not a Module",
        "subclass"),
    bad("ModuleList-forward", lambda: nn.ModuleList()(f32(2)), "Module", "forward",
        NotImplementedError),
    bad("ModuleDict-key-int", lambda: nn.ModuleDict({1: nn.ReLU()}), "module name", "int"),
    bad("ModuleDict-key-dot", lambda: nn.ModuleDict({"a.b": nn.ReLU()}), "module name",
        "a.b", KeyError),
    bad("ModuleDict-update-int", lambda: nn.ModuleDict().update(3), "ModuleDict.update", "int"),
    bad("ModuleDict-update-pairs", lambda: nn.ModuleDict().update([("a",)]), "ModuleDict",
        "length 1"),
    bad("ModuleDict-missing", lambda: nn.ModuleDict()["a"], "a", "a", KeyError),

    # ---- initialisers (minidl.nn.init)
    bad("uniform_-int", lambda: nn.init.uniform_(i64(3)), "uniform_", "int64"),
    bad("uniform_-ndarray", lambda: nn.init.uniform_(np.zeros(3)), "uniform_", "ndarray"),
    bad("uniform_-bounds", lambda: nn.init.uniform_(f32(3), 1, 0), "uniform_", "to.*0"),
    bad("uniform_-generator", lambda: nn.init.uniform_(f32(3), generator=5), "uniform_", "int"),
    bad("normal_-std-negative", lambda: nn.init.normal_(f32(3), std=-1), "normal_",
        "std.*-1"),
    bad("normal_-std-str", lambda: nn.init.normal_(f32(3), std="a"), "normal_", "'a'"),
    bad("normal_-mean-nan", lambda: nn.init.normal_(f32(3), float("nan")), "normal_",
        "mean.*nan"),
    bad("constant_-str", lambda: nn.init.constant_(f32(3), "a"), "fill_", "'a'"),
    bad("constant_-int-nan", lambda: nn.init.constant_(i64(3), float("nan")), "fill_",
        "nan.*int64"),
    bad("zeros_-ndarray", lambda: nn.init.zeros_(np.zeros(3)), "zeros_", "ndarray"),
    bad("ones_-list", lambda: nn.init.ones_([1.0]), "ones_", "list"),
    bad("kaiming_normal_-1d", lambda: nn.init.kaiming_normal_(f32(3)), "Fan in",
        r"\(3,\)"),
    bad("kaiming_normal_-no-inputs", lambda: nn.init.kaiming_normal_(f32(3, 0)),
        "init", r"\(3, 0\)"),
    bad("kaiming_normal_-mode", lambda: nn.init.kaiming_normal_(f32(3, 2), mode="x"),
        "init", "mode.*'x'"),
    bad("kaiming_uniform_-1d", lambda: nn.init.kaiming_uniform_(f32(3)), "Fan in",
        r"\(3,\)"),
    bad("xavier_uniform_-no-fans", lambda: nn.init.xavier_uniform_(f32(0, 0)),
        "xavier_uniform_", r"\(0, 0\)"),
    bad("xavier_normal_-1d", lambda: nn.init.xavier_normal_(f32(3)), "Fan in", r"\(3,\)"),
    bad("calculate_gain-name", lambda: nn.init.calculate_gain("foo"), "calculate_gain",
        "'foo'"),
    bad("bias_uniform_-1d", lambda: nn.init.bias_uniform_(f32(3), f32(3)), "Fan in",
        r"\(3,\)"),
]

for _opt in (optim.SGD, optim.Adam, optim.Adagrad, optim.AdamW, optim.RMSprop, optim.Adadelta,
             optim.Adamax):
    _n = _opt.__name__
    CASES += [
        bad(f"{_n}-lr-negative", lambda o=_opt: o(params(), lr=-1), _n, "learning rate.*-1"),
        bad(f"{_n}-lr-nan", lambda o=_opt: o(params(), lr=float("nan")), _n,
            "learning rate.*nan"),
        bad(f"{_n}-lr-inf", lambda o=_opt: o(params(), lr=float("inf")), _n,
            "learning rate.*inf"),
        bad(f"{_n}-lr-str", lambda o=_opt: o(params(), lr="a"), _n, "learning rate.*'a'"),
        bad(f"{_n}-lr-none", lambda o=_opt: o(params(), lr=None), _n, "learning rate.*None"),
        bad(f"{_n}-lr-bool", lambda o=_opt: o(params(), lr=True), _n, "learning rate.*True"),
        bad(f"{_n}-weight_decay", lambda o=_opt: o(params(), weight_decay=-1), _n,
            "weight_decay.*-1"),
        bad(f"{_n}-weight_decay-nan", lambda o=_opt: o(params(), weight_decay=float("nan")),
            _n, "weight_decay.*nan"),
        bad(f"{_n}-empty", lambda o=_opt: o([]), _n, "empty"),
        bad(f"{_n}-empty-group", lambda o=_opt: o([{"params": []}]), _n, "empty"),
        bad(f"{_n}-tensor", lambda o=_opt: o(params()[0]), _n, "Parameter"),
        bad(f"{_n}-int", lambda o=_opt: o(5), _n, "int"),
        bad(f"{_n}-ndarray-param", lambda o=_opt: o([np.zeros(2)]), _n, "ndarray"),
        bad(f"{_n}-no-grad", lambda o=_opt: o([mdl.zeros(2)]), _n, "requires_grad=False"),
        bad(f"{_n}-non-leaf", lambda o=_opt: o([params()[0] * 2]), _n, "leaf.*Mul"),
        bad(f"{_n}-duplicate", lambda o=_opt: o(params() * 2), _n, r"\(2,\).*more than once"),
        bad(f"{_n}-group-no-params", lambda o=_opt: o([{"lr": 0.1}]), _n, "'params'"),
        bad(f"{_n}-group-mixed", lambda o=_opt: o([{"params": params()}] + params()), _n,
            "mix"),
        bad(f"{_n}-group-lr", lambda o=_opt: o([{"params": params(), "lr": -2}]), _n,
            "learning rate.*-2"),
        bad(f"{_n}-load_state_dict-int", lambda o=_opt: o(params()).load_state_dict(5),
            f"{_n}.load_state_dict", "int"),
        bad(f"{_n}-load_state_dict-groups", lambda o=_opt: o(params(2)).load_state_dict(
            o(params(1)).state_dict()), f"{_n}.load_state_dict", "different size"),
        bad(f"{_n}-load_state_dict-lr", lambda o=_opt: o(params()).load_state_dict(
            _with_lr(o(params()).state_dict(), -1)), _n, "learning rate.*-1"),
        bad(f"{_n}-load_state_dict-state-index", lambda o=_opt: o(params()).load_state_dict(
            {"state": {3: {}}, "param_groups": o(params()).state_dict()["param_groups"]}),
            f"{_n}.load_state_dict", "entry 3"),
    ]

CASES += [
    bad("SGD-momentum-negative", lambda: sgd(momentum=-1), "SGD", "momentum.*-1"),
    bad("SGD-momentum-nan", lambda: sgd(momentum=float("nan")), "SGD", "momentum.*nan"),
    bad("SGD-momentum-str", lambda: sgd(momentum="a"), "SGD", "momentum.*'a'"),
    bad("SGD-dampening", lambda: sgd(momentum=0.9, dampening=2), "SGD", "dampening.*2"),
    bad("SGD-nesterov", lambda: sgd(nesterov=True), "SGD", "Nesterov"),
    bad("SGD-nesterov-str", lambda: sgd(momentum=0.9, nesterov="yes"), "SGD", "'yes'"),
    bad("SGD-group-momentum", lambda: optim.SGD([{"params": params(), "momentum": -1}]),
        "SGD", "momentum.*-1"),
    bad("Adam-beta1-one", lambda: optim.Adam(params(), betas=(1.0, 0.9)), "Adam",
        r"betas\[0\].*1\.0"),
    bad("Adam-beta2-negative", lambda: optim.Adam(params(), betas=(0.9, -0.1)), "Adam",
        r"betas\[1\].*-0\.1"),
    bad("Adam-beta-nan", lambda: optim.Adam(params(), betas=(float("nan"), 0.9)), "Adam",
        "nan"),
    bad("Adam-betas-three", lambda: optim.Adam(params(), betas=(0.1, 0.2, 0.3)), "Adam",
        r"\(0\.1, 0\.2, 0\.3\)"),
    bad("Adam-betas-float", lambda: optim.Adam(params(), betas=0.9), "Adam", r"0\.9"),
    bad("Adam-betas-str", lambda: optim.Adam(params(), betas=("a", "b")), "Adam", "'a'"),
    bad("Adam-eps-zero", lambda: optim.Adam(params(), eps=0), "Adam", "eps.*0"),
    bad("Adam-eps-nan", lambda: optim.Adam(params(), eps=float("nan")), "Adam", "eps.*nan"),
    bad("Adam-group-betas", lambda: optim.Adam([{"params": params(), "betas": (2, 0.9)}]),
        "Adam", r"betas\[0\].*2"),
    bad("Adagrad-lr_decay", lambda: optim.Adagrad(params(), lr_decay=-1), "Adagrad",
        "lr_decay.*-1"),
    bad("Adagrad-accumulator", lambda: optim.Adagrad(params(), initial_accumulator_value="a"),
        "Adagrad", "initial_accumulator_value.*'a'"),
    bad("Adagrad-eps-nan", lambda: optim.Adagrad(params(), eps=float("nan")), "Adagrad",
        "eps.*nan"),
    bad("StepLR-step-zero", lambda: lr_scheduler.StepLR(sgd(), 0), "StepLR", "step_size.*0"),
    bad("StepLR-step-float", lambda: lr_scheduler.StepLR(sgd(), 1.5), "StepLR", r"1\.5"),
    bad("StepLR-gamma-negative", lambda: lr_scheduler.StepLR(sgd(), 1, gamma=-1), "StepLR",
        "gamma.*-1"),
    bad("StepLR-gamma-nan", lambda: lr_scheduler.StepLR(sgd(), 1, gamma=float("nan")),
        "StepLR", "gamma.*nan"),
    bad("StepLR-gamma-str", lambda: lr_scheduler.StepLR(sgd(), 1, gamma="a"), "StepLR", "'a'"),
    bad("StepLR-optimizer", lambda: lr_scheduler.StepLR("opt", 1), "StepLR", "str"),
    bad("StepLR-last_epoch", lambda: lr_scheduler.StepLR(sgd(), 1, last_epoch=-2), "StepLR",
        "last_epoch.*-2"),
    bad("StepLR-resume-without-initial_lr", lambda: lr_scheduler.StepLR(sgd(), 1,
                                                                        last_epoch=5),
        "StepLR", "initial_lr"),
    bad("AdamW-amsgrad-str", lambda: optim.AdamW(params(), amsgrad="yes"), "AdamW", "'yes'"),
    bad("RMSprop-alpha", lambda: optim.RMSprop(params(), alpha=-1), "RMSprop", "alpha.*-1"),
    bad("Adadelta-rho", lambda: optim.Adadelta(params(), rho=1.5), "Adadelta", r"rho.*1\.5"),
    bad("Adamax-betas", lambda: optim.Adamax(params(), betas=(1.0, 0.9)), "Adamax",
        r"betas\[0\]"),
    bad("MultiStepLR-milestones", lambda: lr_scheduler.MultiStepLR(sgd(), 3), "MultiStepLR",
        "milestones"),
    bad("LambdaLR-not-callable", lambda: lr_scheduler.LambdaLR(sgd(), 0.5), "LambdaLR",
        "callable"),
    bad("LinearLR-start", lambda: lr_scheduler.LinearLR(sgd(), start_factor=0), "LinearLR",
        "start_factor"),
    bad("CosineAnnealingLR-T_max", lambda: lr_scheduler.CosineAnnealingLR(sgd(), 0),
        "CosineAnnealingLR", "T_max"),
    bad("OneCycleLR-no-steps", lambda: lr_scheduler.OneCycleLR(sgd(), 1.0), "OneCycleLR",
        "total_steps"),
    bad("OneCycleLR-no-momentum", lambda: lr_scheduler.OneCycleLR(
        optim.Adagrad(params()), 1.0, total_steps=5), "OneCycleLR", "momentum"),
    bad("SequentialLR-milestones", lambda: lr_scheduler.SequentialLR(
        sgd(), [], []), "SequentialLR", "milestone"),
    bad("ReduceLROnPlateau-mode", lambda: lr_scheduler.ReduceLROnPlateau(sgd(), mode="low"),
        "ReduceLROnPlateau", "'low'"),
    bad("clip_grad_norm_-str", lambda: nn.utils.clip_grad_norm_(params(), "a"),
        "clip_grad_norm_", "'a'"),
    bad("clip_grad_value_-list", lambda: nn.utils.clip_grad_value_([1.0], 0.5),
        "clip_grad_value_", "float"),
    bad("parameters_to_vector-empty", lambda: nn.utils.parameters_to_vector([]),
        "parameters_to_vector", "non-empty"),
    bad("vector_to_parameters-size", lambda: nn.utils.vector_to_parameters(f32(3), params()),
        "vector_to_parameters", "3 elements"),
    bad("ExponentialLR-gamma-zero", lambda: lr_scheduler.ExponentialLR(sgd(), 0),
        "ExponentialLR", "gamma.*0"),
    bad("ExponentialLR-gamma-str", lambda: lr_scheduler.ExponentialLR(sgd(), "a"),
        "ExponentialLR", "'a'"),
    bad("ExponentialLR-optimizer", lambda: lr_scheduler.ExponentialLR(None, 0.5),
        "ExponentialLR", "NoneType"),
    bad("StepLR-load_state_dict", lambda: lr_scheduler.StepLR(sgd(), 2).load_state_dict(5),
        "StepLR.load_state_dict", "int"),

    # ---- data loading and files
    bad("DataLoader-batch-zero", lambda: DataLoader(dataset(), 0), "DataLoader",
        "batch_size.*0"),
    bad("DataLoader-batch-negative", lambda: DataLoader(dataset(), -1), "DataLoader",
        "batch_size.*-1"),
    bad("DataLoader-batch-float", lambda: DataLoader(dataset(), 1.5), "DataLoader",
        r"batch_size.*1\.5"),
    bad("DataLoader-batch-none-drop_last", lambda: DataLoader(dataset(), None, drop_last=True),
        "DataLoader", "batch_size=None.*drop_last"),
    bad("DataLoader-batch-str", lambda: DataLoader(dataset(), "4"), "DataLoader",
        "batch_size='4'"),
    bad("DataLoader-shuffle", lambda: DataLoader(dataset(), shuffle="yes"), "DataLoader",
        "shuffle.*'yes'"),
    bad("DataLoader-drop_last", lambda: DataLoader(dataset(), drop_last=1), "DataLoader",
        "drop_last.*1"),
    bad("DataLoader-seed", lambda: DataLoader(dataset(), seed=-1), "DataLoader", "seed.*-1"),
    bad("DataLoader-dataset", lambda: DataLoader(5), "DataLoader", "int"),
    bad("DataLoader-device", lambda: DataLoader(dataset(), device="tpu"), "DataLoader",
        "'tpu'"),
    bad("DataLoader-load_state_dict-int", lambda: DataLoader(dataset()).load_state_dict(5),
        "DataLoader.load_state_dict", "not a DataLoader state"),
    bad("DataLoader-load_state_dict-missing", lambda: DataLoader(dataset()).load_state_dict(
        {k: v for k, v in DataLoader(dataset()).state_dict().items() if k != "position"}),
        "DataLoader.load_state_dict", "position"),
    bad("DataLoader-load_state_dict-position", lambda: DataLoader(dataset()).load_state_dict(
        dict(DataLoader(dataset()).state_dict(), position="x")),
        "DataLoader.load_state_dict", "position.*'x'"),
    bad("DataLoader-load_state_dict-rng", lambda: DataLoader(dataset()).load_state_dict(
        dict(DataLoader(dataset()).state_dict(), rng_state="x")),
        "DataLoader.load_state_dict", "rng_state"),
    bad("DataLoader-object-batch", lambda: list(DataLoader(
        ArrayDataset(np.array([1, "a"], dtype=object)))), "DataLoader", "object"),
    bad("DataLoader-workers", lambda: DataLoader(dataset(), num_workers=-1), "DataLoader",
        "num_workers.*-1"),
    bad("DataLoader-generator", lambda: DataLoader(dataset(), generator=3), "DataLoader",
        "generator.*int"),
    bad("DataLoader-sampler-shuffle", lambda: DataLoader(dataset(), sampler=[0], shuffle=True),
        "DataLoader", "sampler.*shuffle"),
    bad("DataLoader-persistent", lambda: DataLoader(dataset(), persistent_workers=True),
        "DataLoader", "persistent_workers.*num_workers"),
    bad("DataLoader-timeout", lambda: DataLoader(dataset(), timeout=-1), "DataLoader",
        "timeout.*-1"),
    bad("TensorDataset-sizes", lambda: tud.TensorDataset(f32(3), f32(4)), "TensorDataset",
        r"Size mismatch.*\[3, 4\]"),
    bad("TensorDataset-array", lambda: tud.TensorDataset(np.zeros(3)), "TensorDataset",
        "ndarray"),
    bad("TensorDataset-empty", lambda: tud.TensorDataset(), "TensorDataset", "at least one"),
    bad("TensorDataset-scalar", lambda: tud.TensorDataset(f32()), "TensorDataset",
        "no dimensions"),
    bad("Subset-dataset", lambda: tud.Subset(5, [0]), "Subset", "int"),
    bad("Subset-indices", lambda: tud.Subset(dataset(), 3), "Subset", "int"),
    bad("ConcatDataset-empty", lambda: tud.ConcatDataset([]), "ConcatDataset", "empty"),
    bad("ConcatDataset-one", lambda: tud.ConcatDataset(dataset()), "ConcatDataset",
        "ArrayDataset"),
    bad("ConcatDataset-index", lambda: tud.ConcatDataset([dataset()])[7], "ConcatDataset",
        "index 7"),
    bad("random_split-sum", lambda: tud.random_split(dataset(), [2, 2]), "random_split",
        r"\(4\).*\(5\)"),
    bad("random_split-negative", lambda: tud.random_split(dataset(), [-1, 6]), "random_split",
        "-1"),
    bad("random_split-fraction", lambda: tud.random_split(dataset(), [1.5, -0.5]),
        "random_split", "index 0"),
    bad("random_split-str", lambda: tud.random_split(dataset(), "ab"), "random_split", "str"),
    bad("random_split-generator", lambda: tud.random_split(dataset(), [5], generator=1),
        "random_split", "int"),
    bad("SequentialSampler-source", lambda: tud.SequentialSampler(5), "SequentialSampler",
        "int"),
    bad("RandomSampler-replacement", lambda: tud.RandomSampler(dataset(), replacement=1),
        "RandomSampler", "replacement=1"),
    bad("RandomSampler-num_samples", lambda: tud.RandomSampler(dataset(), num_samples=0),
        "RandomSampler", "num_samples=0"),
    bad("RandomSampler-generator", lambda: tud.RandomSampler(dataset(), generator="g"),
        "RandomSampler", "str"),
    bad("SubsetRandomSampler-generator", lambda: tud.SubsetRandomSampler([0], generator=1),
        "SubsetRandomSampler", "int"),
    bad("BatchSampler-size", lambda: tud.BatchSampler(range(3), 0, False), "BatchSampler",
        "batch_size=0"),
    bad("BatchSampler-drop_last", lambda: tud.BatchSampler(range(3), 2, None),
        "BatchSampler", "drop_last=None"),
    bad("BatchSampler-sampler", lambda: tud.BatchSampler(3, 2, False), "BatchSampler", "int"),
    bad("default_collate-none", lambda: tud.default_collate([None, None]), "default_collate",
        "NoneType"),
    bad("default_collate-empty", lambda: tud.default_collate([]), "default_collate", "empty"),
    bad("default_collate-ragged", lambda: tud.default_collate([f32(2), f32(3)]), "stack",
        r"\(2,\).*\(3,\)"),
    bad("default_collate-lengths", lambda: tud.default_collate([(1, 2), (1,)]),
        "each element", "equal size"),
    bad("default_convert-nothing", lambda: tud.default_convert(), "default_convert", "data"),
    bad("MNIST-root", lambda: vision_datasets.MNIST(5), "MNIST", "int"),
    bad("MNIST-transform", lambda: vision_datasets.MNIST(None, transform=5), "MNIST",
        "transform.*int"),
    bad("MNIST-train", lambda: vision_datasets.MNIST(None, train="yes"), "MNIST", "'yes'"),
    bad("FashionMNIST-download", lambda: vision_datasets.FashionMNIST(None, download=1),
        "FashionMNIST", "download.*1"),
    bad("Compose-not-list", lambda: transforms.Compose(5), "Compose", "int"),
    bad("Compose-not-callable", lambda: transforms.Compose([1]), "Compose", "int"),
    bad("ToTensor-tensor", lambda: transforms.ToTensor()(f32(2, 2)), "ToTensor", "Tensor"),
    bad("ToTensor-4d", lambda: transforms.ToTensor()(np.zeros((1, 2, 2, 1))), "ToTensor",
        "Got 4"),
    bad("Normalize-array", lambda: transforms.Normalize([0.5], [0.5])(np.zeros((1, 2, 2))),
        "Normalize", "ndarray"),
    bad("Normalize-int", lambda: transforms.Normalize([0.5], [0.5])(i64(1, 2, 2)),
        "Normalize", "int64"),
    bad("Normalize-2d", lambda: transforms.Normalize([0.5], [0.5])(f32(2, 2)), "Normalize",
        r"\(2, 2\)"),
    bad("Normalize-std-zero", lambda: transforms.Normalize([0.5], [0.0])(f32(1, 2, 2)),
        "Normalize", "zero"),
    bad("Normalize-channels", lambda: transforms.Normalize([0.5, 0.5], [1, 1])(f32(3, 2, 2)),
        "Normalize", "3 channels"),
    bad("Normalize-mean-str", lambda: transforms.Normalize("a", [1]), "Normalize", "str"),
    bad("RandomCrop-size", lambda: transforms.RandomCrop((1, 2, 3)), "RandomCrop",
        r"\(1, 2, 3\)"),
    bad("RandomCrop-padding", lambda: transforms.RandomCrop(2, padding=(1, 2, 3)),
        "RandomCrop", "3 element"),
    bad("RandomCrop-mode", lambda: transforms.RandomCrop(2, padding_mode="wrap"),
        "RandomCrop", "'wrap'"),
    bad("RandomCrop-too-big", lambda: transforms.RandomCrop(5)(np.zeros((3, 3), np.uint8)),
        "RandomCrop", r"\(5, 5\).*\(3, 3\)"),
    bad("RandomCrop-image", lambda: transforms.RandomCrop(2)([[1, 2]]), "RandomCrop", "list"),
    bad("RandomCrop-reflect-wide", lambda: transforms.RandomCrop(2, padding=3,
        padding_mode="reflect")(f32(1, 2, 2)), "pad", "reflect"),
    bad("RandomHorizontalFlip-p", lambda: transforms.RandomHorizontalFlip(2),
        "RandomHorizontalFlip", "p.*2"),
    bad("Lambda-not-callable", lambda: transforms.Lambda(3), "Lambda", "int"),
    bad("current_accelerator-flag", lambda: mdl.accelerator.current_accelerator("yes"),
        "current_accelerator", "str"),
    bad("synchronize-device", lambda: mdl.accelerator.synchronize("tpu"), "synchronize",
        "'tpu'"),
    bad("load-directory", lambda: mdl.load(os.getcwd()), "load", "not a readable"),
    bad("load-none", lambda: mdl.load(None), "load", "NoneType"),
    bad("load-int", lambda: mdl.load(5), "load", "int"),
    bad("save-object", lambda: mdl.save({"a": object()}, os.devnull), "save", "object"),
]


def _kernel_tripwire(name):
    def tripwire(*args, **kwargs):
        raise AssertionError(f"the compiled kernel launcher {name} was reached with bad "
                             "input; validate before calling the backend")
    return tripwire


@pytest.fixture
def no_kernels(monkeypatch):
    """The CPU backend's Numba kernel launchers replaced by functions that fail the test."""
    launchers = [(m, n) for m in (batchnorm, im2col, conv, pooling, softmax_ce)
                 for n in m.__all__]
    for module, name in launchers + [(elementwise, "relu"), (elementwise, "relu_backward")]:
        monkeypatch.setattr(module, name, _kernel_tripwire(name))


@pytest.mark.parametrize("call, exc, op, detail", CASES)
def test_bad_input_raises_a_clear_error(no_kernels, call, exc, op, detail):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    assert re.search(rf"(^|\W){op}\b", message), f"message does not name {op!r}: {message}"
    assert re.search(detail, message), f"message does not show {detail!r}: {message}"


def test_every_public_name_is_swept():
    """A new public function, layer or optimizer must get cases above."""
    ids = " ".join(p.id for p in CASES) + " " + " ".join(RIGHT_IDS)
    names = (
        # context managers, getters and debugging tools take no tensor data
        [n for n in mdl.__all__ if callable(getattr(mdl, n)) and n[0].islower()
         and n not in ("no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly",
                       "get_default_device", "get_rng_state", "set_rng_state", "gradcheck",
                       "profile", "inference_mode", "get_default_dtype", "cuda")]
        # every function of minidl.functional, wherever its family's file is
        + [n for n in F.__all__ if callable(getattr(F, n))]
        # Identity accepts anything and returns it unchanged
        + [n for n in nn.__all__ if n not in ("init", "utils", "Module", "Parameter",
                                               "Identity")]
        + [n for n in optim.__all__ if n not in ("Optimizer", "lr_scheduler")]
        + ["StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "LinearLR",
           "CosineAnnealingLR", "OneCycleLR", "SequentialLR", "ReduceLROnPlateau",
           "DataLoader", "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]
        # data sets, samplers and loading (minidl.utils.data), vision, accelerator
        + [n for n in tud.__all__ if n not in ("Dataset", "Sampler", "get_worker_info",
                                                "WorkerInfo")]
        + [n for n in vision_datasets.__all__ if n != "VisionDataset"]
        + list(transforms.__all__)
        + [n for n in mdl.accelerator.__all__ if n not in ("is_available", "device_count")]
        + [n for n in dir(nn.init) if not n.startswith("_") and callable(getattr(nn.init, n))
           and getattr(getattr(nn.init, n), "__module__", "") == nn.init.__name__]
    )
    missing = [n for n in names if not re.search(rf"(^|[\s-]){re.escape(n)}-", ids)]
    assert not missing, f"no bad-input cases for {missing}"


# ------------------------------------------------------------------ right answers
# Inputs that look odd but are valid: the answer must equal NumPy's.

RNG = np.random.default_rng(0)
BASE = RNG.standard_normal((3, 4, 5, 6)).astype(np.float32)
LAYOUTS = {
    "transposed": lambda a: a.transpose(0, 1, 3, 2),
    "negative-strides": lambda a: a[::-1, :, ::-1, ::-2],
    "strided": lambda a: a[::2, 1::2, ::2, 1::2],
    "fortran": np.asfortranarray,
}


def conv2d_ref(x, w, b, stride, pad):
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    kh, kw = w.shape[2:]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    return np.einsum("nchwij,ocij->nohw", windows, w) + b[None, :, None, None]


def pool_ref(x, k, stride, mode):
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    return windows.max(axis=(4, 5)) if mode == "max" else windows.mean(axis=(4, 5))


def log_softmax_ref(x, axis):
    x = x.astype(np.float64)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def batch_norm_ref(x, axes):
    x = x.astype(np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + 1e-5)


def cross_entropy_ref(logits, labels):
    return -log_softmax_ref(logits, 1)[np.arange(len(labels)), labels].mean()


W = RNG.standard_normal((2, 4, 3, 3)).astype(np.float32)
GRAD_BASE = RNG.standard_normal((4, 2, 4, 5))
B = RNG.standard_normal(2).astype(np.float32)
LABELS = np.array([3, 0, 5, 1, 5, 2])

LAYOUT_OPS = {
    "exp": (lambda t: t.exp(), np.exp),
    "sum-axis": (lambda t: t.sum(axis=(1, 3)), lambda a: a.sum(axis=(1, 3))),
    "max-axis": (lambda t: t.max(axis=2).values, lambda a: a.max(axis=2)),
    "add-broadcast": (lambda t: t + t[:, :1], lambda a: a + a[:, :1]),
    "matmul": (lambda t: t @ t.transpose(2, 3),
               lambda a: a.astype(np.float64) @ a.transpose(0, 1, 3, 2)),
    "getitem": (lambda t: t[1:, ..., None, ::2], lambda a: a[1:, ..., None, ::2]),
    "relu": (F.relu, lambda a: np.maximum(a, 0)),
    "sigmoid": (F.sigmoid, lambda a: 1 / (1 + np.exp(-a.astype(np.float64)))),
    "log_softmax": (lambda t: F.log_softmax(t, 1), lambda a: log_softmax_ref(a, 1)),
    "conv2d": (lambda t: F.conv2d(t, mdl.tensor(W), mdl.tensor(B), stride=1, padding=1),
               lambda a: conv2d_ref(a, W, B, 1, 1)),
    "conv2d-strided": (lambda t: F.conv2d(t, mdl.tensor(W), mdl.tensor(B), stride=2),
                       lambda a: conv2d_ref(a, W, B, 2, 0)),
    "max_pool2d": (lambda t: F.max_pool2d(t, 2), lambda a: pool_ref(a, 2, 2, "max")),
    "avg_pool2d": (lambda t: F.avg_pool2d(t, 2, 1), lambda a: pool_ref(a, 2, 1, "avg")),
    "batch_norm": (lambda t: F.batch_norm(t, None, None, training=True),
                   lambda a: batch_norm_ref(a, (0, 2, 3))),
    "linear": (lambda t: F.linear(t.reshape(t.shape[0], -1), t.reshape(t.shape[0], -1)),
               lambda a: a.reshape(a.shape[0], -1).astype(np.float64)
               @ a.reshape(a.shape[0], -1).T.astype(np.float64)),
    "cross_entropy": (lambda t: F.cross_entropy(t.reshape(-1, 6)[:6], LABELS[::-1]),
                      lambda a: cross_entropy_ref(a.reshape(-1, 6)[:6], LABELS[::-1])),
}


@pytest.mark.parametrize("make", ["tensor", "from_numpy"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("op", list(LAYOUT_OPS))
def test_non_contiguous_arrays_give_the_right_answer(make, layout, op):
    array = LAYOUTS[layout](BASE)
    original = array.copy()
    assert not array.flags.c_contiguous
    x = mdl.tensor(array) if make == "tensor" else mdl.from_numpy(array)
    ours, reference = LAYOUT_OPS[op]
    if op in ("conv2d", "conv2d-strided") and array.shape[1] != W.shape[1]:
        pytest.skip("the weight fits 4 input channels")
    if op == "cross_entropy" and array.size // 6 < 6:
        pytest.skip("too few rows")
    np.testing.assert_allclose(ours(x).numpy(), reference(array), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(array, original)  # the input is left untouched


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_non_contiguous_gradients_through_kernels(layout):
    """Upstream gradients that are views (transposes, reversed slices) reach
    the compiled backward kernels correctly."""
    x = mdl.from_numpy(LAYOUTS[layout](GRAD_BASE)).requires_grad_()
    w = mdl.tensor(W[:, :x.shape[1]], dtype=mdl.float64, requires_grad=True)
    labels = np.arange(x.shape[0]) % 2

    def fn(x, w):
        y = F.relu(F.conv2d(x.transpose(2, 3), w, padding=1)).transpose(2, 3)
        y = F.max_pool2d(y, 2, 1) + F.avg_pool2d(y, 2, 1)
        y = F.batch_norm(y.transpose(2, 3), None, None, training=True)
        return F.cross_entropy(y.mean(axis=(2, 3)), labels)

    assert mdl.gradcheck(fn, x, w)


RIGHT = {
    # dtypes: integers and bools follow PyTorch's promotion
    "exp-int": (lambda: i64(3).exp(), np.exp(np.arange(3))),
    "relu-int": (lambda: i64(3).relu(), np.arange(3)),
    "ReLU-forward-int": (lambda: nn.ReLU()(i64(3) - 1), np.array([0, 0, 1])),
    "mean-empty": (lambda: f32(0, 3).mean(), np.array(np.nan)),
    "var-empty": (lambda: f32(0, 3).var(), np.array(np.nan)),
    "mse_loss-empty-mean": (lambda: F.mse_loss(f32(0), f32(0)), np.array(np.nan)),
    "linear-1d": (lambda: F.linear(mdl.ones(3), mdl.ones(4, 3)), np.full(4, 3.0)),
    "linear-3d": (lambda: F.linear(mdl.ones(2, 2, 3), mdl.ones(4, 3)), np.full((2, 2, 4), 3.0)),
    "batch_norm-3d": (lambda: F.batch_norm(f32(2, 3, 4), None, None, training=True),
                      batch_norm_ref(f32(2, 3, 4).numpy(), (0, 2))),
    "dropout-p-one": (lambda: F.dropout(f32(3), 1.0), np.zeros(3)),
    "constant_-int-fraction": (lambda: nn.init.constant_(i64(3), 1.7), np.ones(3)),
    "xavier_uniform_-no-outputs": (lambda: nn.init.xavier_uniform_(f32(0, 3)),
                                   np.zeros((0, 3))),
    "cat-dtypes": (lambda: mdl.cat([f32(2), i64(2)]), np.array([-1, 1 / 7 - 1, 0, 1])),
    "stack-dtypes": (lambda: mdl.stack([f32(2), f32(2).double()]),
                     np.stack([np.arange(2) / 7 - 1] * 2)),
    "sigmoid-int": (lambda: F.sigmoid(i64(3)), 1 / (1 + np.exp(-np.arange(3.0)))),
    "sigmoid-bool": (lambda: b8(2).sigmoid(), 1 / (1 + np.exp(-np.array([1.0, 0.0])))),
    "tanh-int": (lambda: F.tanh(i64(3)), np.tanh(np.arange(3))),
    "sum-bool": (lambda: b8(5).sum(), np.array(3)),
    "neg-int": (lambda: -i64(3), -np.arange(3)),
    "add-int-float": (lambda: i64(3) + 0.5, np.arange(3) + 0.5),
    "add-int-float-array": (lambda: i64(3) + np.full(3, 0.5), np.arange(3) + 0.5),
    "mul-int-float-array": (lambda: i64(3) * np.full(3, 0.5), np.arange(3) * 0.5),
    "add-bool-int": (lambda: b8(2) + 1, np.array([2, 1])),
    "add-float-double-array": (lambda: f32(2) + np.ones(2), np.arange(2) / 7),
    "pow-int": (lambda: i64(3) ** 2, np.arange(3) ** 2),
    "pow-float-negative": (lambda: f32(3) ** -1, (np.arange(3, dtype=np.float32) / 7 - 1)
                           ** -1),
    "argmax-int": (lambda: mdl.tensor([1, 5, 2]).argmax(), np.array(1)),
    "clip-min-above-max": (lambda: f32(3).clip(1, 0), np.clip(np.arange(3) / 7 - 1, 1, 0)),
    # empty tensors
    "sum-empty": (lambda: f32(0, 3).sum(), np.array(0.0)),
    "sum-empty-axis": (lambda: f32(0, 3).sum(0), np.zeros(3)),
    "mean-empty-kept-axis": (lambda: f32(0, 3).mean(1), np.zeros(0)),
    "max-empty-kept-axis": (lambda: f32(0, 3).max(1).values, np.zeros(0)),
    "relu-empty": (lambda: F.relu(f32(0, 3)), np.zeros((0, 3))),
    "linear-empty-batch": (lambda: F.linear(f32(0, 3), f32(4, 3)), np.zeros((0, 4))),
    "log_softmax-empty-batch": (lambda: F.log_softmax(f32(0, 3)), np.zeros((0, 3))),
    "mse_loss-empty-sum": (lambda: F.mse_loss(f32(0), f32(0), reduction="sum"), np.array(0.0)),
    "cat-empty-part": (lambda: mdl.cat([f32(0, 3), f32(2, 3)]), np.arange(6).reshape(2, 3) / 7
                       - 1),
    "reshape-empty": (lambda: f32(0, 3).reshape(3, 0), np.zeros((3, 0))),
    "getitem-empty-slice": (lambda: f32(3)[2:1], np.zeros(0)),
    "zeros-empty": (lambda: mdl.zeros(0, 2), np.zeros((0, 2))),
    "arange-empty": (lambda: mdl.arange(5, 5), np.zeros(0)),
    "conv2d-no-input-channels": (lambda: F.conv2d(f32(1, 0, 3, 3), f32(2, 0, 2, 2), f32(2)),
                                 np.broadcast_to((np.arange(2) / 7 - 1)[None, :, None, None],
                                                 (1, 2, 2, 2))),
    "conv2d-no-output-channels": (lambda: F.conv2d(f32(1, 1, 3, 3), f32(0, 1, 2, 2)),
                                  np.zeros((1, 0, 2, 2))),
    # odd but valid arguments
    "conv2d-kernel-equals-input": (lambda: F.conv2d(mdl.ones(1, 1, 2, 2), mdl.ones(1, 1, 2, 2)),
                                   np.full((1, 1, 1, 1), 4.0)),
    "conv2d-padding-only": (lambda: F.conv2d(mdl.ones(1, 1, 1, 1), mdl.ones(1, 1, 3, 3),
                                             padding=1), np.ones((1, 1, 1, 1))),
    "max_pool2d-stride-bigger": (lambda: F.max_pool2d(f32(1, 1, 4, 4), 1, 3),
                                 (np.arange(16).reshape(1, 1, 4, 4) / 7 - 1)[:, :, ::3, ::3]),
    "cross_entropy-uint8-labels": (lambda: F.cross_entropy(
        mdl.zeros(2, 4), np.array([3, 0], dtype=np.uint8)), np.array(np.log(4.0))),
    # PyTorch's odd but valid: output_size 0 gives an empty result
    "adaptive_max_pool2d-size-zero": (lambda: F.adaptive_max_pool2d(f32(1, 1, 2, 2), 0).shape,
                                      np.array((1, 1, 0, 0))),
    "AdaptiveAvgPool2d-size-zero": (lambda: nn.AdaptiveAvgPool2d((0, 1))(f32(1, 1, 2, 2)),
                                    np.zeros((1, 1, 0, 1))),
    "interpolate-same-size": (lambda: F.interpolate(f32(1, 1, 2, 2), 2), f32(1, 1, 2, 2)
                              .numpy()),
    "cross_entropy-all-ignored": (lambda: F.cross_entropy(f32(2, 3), np.array([-100, -100]),
                                                          reduction="sum"), np.array(0.0)),
    "embedding-empty-index": (lambda: F.embedding(mdl.tensor(np.zeros((2, 0), np.int64)),
                                                  f32(3, 4)), np.zeros((2, 0, 4))),
    "hardtanh-int": (lambda: F.hardtanh(mdl.tensor([-3, 0, 3])), np.array([-1, 0, 1])),
    "layer_norm-list-shape": (lambda: F.layer_norm(mdl.ones(2, 3), [3]), np.zeros((2, 3))),
    # an empty batch has a nan mean, as in PyTorch
    "cross_entropy-empty-batch": (lambda: F.cross_entropy(f32(0, 3), np.zeros(0, int)),
                                  np.array(np.nan)),
    "cross_entropy-reversed-labels": (lambda: F.cross_entropy(
        mdl.zeros(3, 4), np.array([0, 1, 2, 3, 3])[::-2], reduction="none"),
        np.full(3, np.log(4.0))),
    "mse_loss": (lambda: F.mse_loss(f32(2, 3), mdl.zeros(2, 3), reduction="sum"),
                 ((np.arange(6) / 7 - 1) ** 2).sum()),
    "dropout-p-zero": (lambda: F.dropout(f32(3), 0), np.arange(3) / 7 - 1),
    "Linear-numpy-int-size": (lambda: nn.Linear(np.int64(3), 2).weight.shape, np.array((2, 3))),
    "BatchNorm1d-eval-one-sample": (lambda: nn.BatchNorm1d(3).eval()(mdl.ones(1, 3)),
                                    np.ones((1, 3)) / np.sqrt(1 + 1e-5)),
    "Sequential-empty": (lambda: nn.Sequential()(f32(2)), np.arange(2) / 7 - 1),
    "SGD-lr-zero": (lambda: optim.SGD(params(), lr=0).param_groups[0]["lr"], np.array(0)),
    "StepLR-numpy-int": (lambda: lr_scheduler.StepLR(sgd(), np.int64(2)).step_size,
                         np.array(2)),
    "DataLoader-empty-dataset": (lambda: len(list(DataLoader(ArrayDataset(np.zeros((0, 2)))))),
                                 np.array(0)),
    "DataLoader-numpy-batch": (lambda: next(iter(DataLoader(dataset(), np.int64(2))))[1].numpy(),
                               np.arange(2)),
    "DataLoader-batch-none": (lambda: next(iter(DataLoader(dataset(), None)))[1], np.array(0)),
    "random_split-fractions": (lambda: [len(s) for s in tud.random_split(dataset(), [0.5, 0.5])],
                               np.array([3, 2])),
    "random_split-zero": (lambda: [len(s) for s in tud.random_split(dataset(), [5, 0])],
                          np.array([5, 0])),
    "RandomCrop-same-size": (lambda: transforms.RandomCrop(2)(f32(1, 2, 2)),
                             np.arange(4).reshape(1, 2, 2) / 7 - 1),
    "Normalize-one-value": (lambda: transforms.Normalize(0.5, 2)(f32(2, 1, 1)),
                            (np.arange(2).reshape(2, 1, 1) / 7 - 1 - 0.5) / 2),
}
RIGHT_IDS = list(RIGHT)


@pytest.mark.parametrize("case", RIGHT_IDS)
def test_odd_but_valid_input_gives_the_right_answer(case):
    call, expected = RIGHT[case]
    out = call()
    out = out.numpy() if isinstance(out, mdl.Tensor) else np.asarray(out)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.astype(np.float64), np.asarray(expected, np.float64),
                               rtol=1e-3, atol=1e-6)


def test_floating_functions_of_integers_give_the_default_float():
    assert F.sigmoid(i64(2)).dtype == i64(2).exp().dtype == mdl.float32
    assert b8(2).sigmoid().dtype == b8(2).exp().dtype == mdl.float32
    assert (i64(2) / 2).dtype == mdl.float32


def test_failed_batch_norm_step_leaves_the_layer_unchanged():
    layer = nn.BatchNorm1d(3, momentum=None)
    before = {k: v.numpy().copy() for k, v in layer.state_dict().items()}
    with pytest.raises(ValueError, match=r"batch_norm: .*\(1, 3\)"):
        layer(mdl.ones(1, 3))
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key], err_msg=key)
    layer(f32(4, 3))
    assert layer.num_batches_tracked.item() == 1
    # momentum=None is the cumulative average: the first batch's statistics
    np.testing.assert_allclose(layer.running_mean.numpy(), f32(4, 3).numpy().mean(0),
                               rtol=1e-6)


def test_failed_optimizer_load_state_dict_changes_nothing():
    p = nn.Parameter(mdl.ones(2))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = mdl.ones(2)
    opt.step()
    saved = opt.state_dict()
    saved["param_groups"][0]["momentum"] = 0.5
    saved["state"][0]["momentum_buffer"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: .*\(3,\).*\(2,\)"):
        opt.load_state_dict(saved)
    assert opt.param_groups[0]["momentum"] == 0.9
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"].numpy(), np.ones(2))


def test_failed_load_state_dict_changes_nothing():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 3))
    before = [p.numpy().copy() for p in model.parameters()]
    bad_state = {k: np.zeros(v.shape) for k, v in model.state_dict().items()}
    bad_state["1.bias"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"load_state_dict: 1\.bias has shape \(4,\)"):
        model.load_state_dict(bad_state)
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.numpy(), b)


@pytest.mark.parametrize("grad, detail", [
    (lambda: mdl.zeros(3), r"\(3,\).*\(2,\)"),
    (lambda: mdl.tensor([1, 2]), "int64"),
    (lambda: np.ones(2), "ndarray"),
], ids=["shape", "int", "ndarray"])
@pytest.mark.parametrize("make", [optim.SGD, optim.Adam, optim.Adagrad, optim.AdamW,
                                  optim.RMSprop, optim.Adadelta, optim.Adamax])
def test_step_with_a_bad_grad(make, grad, detail):
    p = nn.Parameter(mdl.zeros(2))
    opt = make([p], lr=0.1)
    p.grad = grad()
    with pytest.raises((ValueError, TypeError), match=rf"{make.__name__}: .*{detail}"):
        opt.step()
    np.testing.assert_array_equal(p.numpy(), np.zeros(2))


def test_load_of_missing_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        mdl.load(tmp_path / "missing.npz")
    np.save(tmp_path / "array.npy", np.zeros(2))
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    (tmp_path / "junk.npz").write_bytes(b"junk")
    np.savez(tmp_path / "damaged.npz", __minidl_meta__=np.frombuffer(b"{bad", np.uint8))
    np.savez(tmp_path / "dangling.npz",
             __minidl_meta__=np.frombuffer(b'{"__array__": "a9"}', np.uint8))
    for name, detail in [("array.npy", "npy"), ("plain.npz", "not written by minidl"),
                         ("junk.npz", "not a readable"), ("damaged.npz", "damaged"),
                         ("dangling.npz", "damaged")]:
        with pytest.raises(ValueError, match=rf"load: .*{name}.*{detail}"):
            mdl.load(tmp_path / name)


def test_cross_entropy_labels_are_checked_before_the_kernel(monkeypatch):
    """The launcher's own range check is never the one that fires."""
    calls = []
    real = softmax_ce.softmax_cross_entropy_forward
    monkeypatch.setattr(softmax_ce, "softmax_cross_entropy_forward",
                        lambda *a: calls.append(a) or real(*a))
    for labels in (np.array([0, 4]), np.array([-1, 0]), mdl.tensor([0, 9])):
        with pytest.raises(IndexError, match="cross_entropy: target"):
            F.cross_entropy(mdl.zeros(2, 4), labels)
    assert calls == []
    F.cross_entropy(mdl.zeros(2, 4), np.array([0, 3]))
    assert len(calls) == 1


@pytest.mark.slow
def test_sweep_runs_in_a_separate_process_without_crashing(tmp_path):
    """A segfault would take pytest down with it; prove the worst cases (labels
    far out of range, huge kernels, zero strides) end in exceptions in a child
    process that calls the real kernels."""
    code = (
        "import numpy as np, minidl as mdl, minidl.functional as F\n"
        "x = mdl.zeros(2, 3)\n"
        "bad = [lambda: F.cross_entropy(x, np.array([0, 2**62])),\n"
        "       lambda: F.cross_entropy(x, np.array([-2**62, 0])),\n"
        "       lambda: F.max_pool2d(mdl.zeros(1, 1, 2, 2), 2**40),\n"
        "       lambda: F.conv2d(mdl.zeros(1, 1, 2, 2), mdl.zeros(1, 1, 3, 3), stride=0),\n"
        "       lambda: F.avg_pool2d(mdl.zeros(1, 1, 0, 0), 1)]\n"
        "for call in bad:\n"
        "    try:\n"
        "        call()\n"
        "    except (ValueError, TypeError, RuntimeError, IndexError):\n"
        "        continue\n"
        "    raise SystemExit('accepted bad input')\n"
        "print('ok')\n")
    # cwd outside the source tree: `python -c` puts the working folder on sys.path
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]

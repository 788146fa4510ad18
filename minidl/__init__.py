"""minidl: a small define-by-run deep learning framework on Numba kernels,
with PyTorch's names and semantics.

    import minidl as mdl
    from minidl import nn, optim
    import minidl.nn.functional as F

Keyword arguments common to the tensor functions (documented here once, as
PyTorch documents them once, rather than in every function):

    ``dtype``: the dtype of the result (a factory such as ``zeros``), the
        dtype the input is cast to before the operation (``sum``, ``mean``,
        ``prod``, ``cumsum``, ``norm``, ``softmax``), or the float dtype of a
        layer's parameters. None (the default) follows PyTorch's rules: the
        input's dtype, or for new tensors the default float dtype
        (``get_default_dtype()``, float32), int64 or bool from the data.
    ``device``: "cpu", "cuda" (or "cuda:0") or a ``minidl.device``; where the
        result, or a layer's parameters, are created. None (the default) is
        the default device (``get_default_device()``), or the input's device
        for the ``*_like`` functions.
    ``requires_grad``: record operations on the new tensor for autograd
        (floating point dtypes only: others raise RuntimeError). Default: False.
    ``generator``: a ``numpy.random.Generator`` to draw from instead of the
        global one that ``manual_seed`` seeds. Default: None (the global one).
    ``pin_memory``: accepted by ``DataLoader`` for PyTorch's signature; it
        has no effect (batches go to the GPU with ``.to``, from pageable
        memory).
    ``out``, ``layout``, ``memory_format``: not supported; minidl's functions
        do not take them (a TypeError for an unexpected keyword). Every result
        is a new strided tensor; write into an existing one with the in-place
        methods (``add_``, ``copy_``, ...) instead of ``out=``.
"""

from . import tensor_methods  # noqa: F401  (binds the Tensor methods)
from . import autograd, checkpoint, cuda, functional, nn, onnx, optim, return_types, tools
from . import accelerator, utils
from ._dtypes import (bool_, float32, float64, get_default_dtype, int8, int16, int32, int64,
                      set_default_dtype, uint8)
from .api.conversion import clone
from .api.creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full,
                           full_like, linspace, logspace, ones, ones_like, rand, rand_like,
                           randint, randint_like, randn, randn_like, tensor, zeros, zeros_like)
from .api.linalg import bmm, dot, einsum, matmul, mm, mv, outer
from .api.pointwise import (abs, add, addcdiv, addcmul, clamp, clip, eq, exp, ge, gt, le, log, lt,
                            maximum, minimum, mul, ne, neg, negative, pow, relu, sigmoid, sqrt,
                            sub, tanh, true_divide)
from .api.maths import (acos, acosh, allclose, arccos, arccosh, arcsin, arcsinh, arctan,
                        arctan2, arctanh, asin, asinh, atan, atan2, atanh, bitwise_and,
                        bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift,
                        bitwise_xor, ceil, cos, cosh, div, divide, erf, erfc, exp2, expm1, fix,
                        floor, floor_divide, fmod, frac, isclose, isfinite, isinf, isnan, lerp,
                        log1p, log2, log10, logical_and, logical_not, logical_or, logical_xor,
                        reciprocal, remainder, round, rsqrt, sign, sin, sinh, square, tan,
                        trunc)
from .api.reduction import (all, amax, amin, any, argmax, argmin, logsumexp, max, mean, min,
                            norm, std, sum, var)
from .api.indexing import (gather, index_select, masked_fill, masked_select, nonzero, scatter,
                           scatter_add, take, take_along_dim, where)
from .api.joining import cat, chunk, concat, concatenate, hstack, split, stack, unbind, vstack
from .api.ordering import argsort, cumprod, cumsum, prod, sort, topk
from .api.rearrange import flip, fliplr, flipud, roll, tile, tril, triu
from .api.shape import (flatten, moveaxis, movedim, narrow, permute, reshape, select, squeeze,
                        swapaxes, swapdims, t, transpose, unflatten, unsqueeze)
from .autograd import (Function, enable_grad, inference_mode, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .backend import device, get_default_device, set_default_device
from .random import get_rng_state, manual_seed, set_rng_state
from .serialization import load, save
from .tensor import Tensor
from .tools import AnomalyError, detect_anomaly, gradcheck, gradgradcheck, profile, viz

# PyTorch's dtype names
float = float32
double = float64
long = int64
int = int32
bool = bool_
short = int16

__version__ = "0.1.0"

__all__ = [
    # tensors, dtypes, devices
    "Tensor", "device", "bool_", "float32", "float64", "int8", "int16", "int32", "int64",
    "uint8", "float", "double", "long", "int", "bool", "short", "get_default_dtype",
    "set_default_dtype", "get_default_device", "set_default_device",
    # factories
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "arange", "randn",
    "rand", "zeros_like", "ones_like", "empty_like", "full_like", "eye", "linspace", "logspace",
    "randint", "rand_like", "randn_like", "randint_like", "cuda",
    # maths
    "abs", "add", "addcdiv", "addcmul", "clamp", "clip", "div", "eq", "exp", "ge", "gt", "le",
    "log", "lt",
    "maximum", "minimum", "mul", "ne", "neg", "negative", "pow", "relu", "sigmoid", "sqrt",
    "sub", "tanh", "true_divide", "matmul", "mm", "bmm", "mv", "dot", "outer", "einsum",
    "all", "any", "logsumexp", "norm", "prod", "cumsum", "cumprod", "sort", "argsort", "topk",
    "amax", "amin", "argmax", "argmin", "max", "mean", "min", "std", "sum", "var",
    "cat", "concat", "concatenate", "flatten", "permute", "reshape", "squeeze", "stack",
    "swapaxes", "swapdims", "t", "transpose", "unsqueeze", "clone", "chunk", "hstack", "split",
    "unbind", "vstack", "flip", "fliplr", "flipud", "roll", "tile", "tril", "triu", "moveaxis",
    "movedim", "narrow", "select", "unflatten", "masked_fill", "nonzero", "where", "gather",
    "index_select", "masked_select", "scatter", "scatter_add", "take", "take_along_dim",
    "acos", "acosh", "allclose", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
    "arctanh", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and", "bitwise_left_shift",
    "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "ceil", "cos", "cosh",
    "divide", "erf", "erfc", "exp2", "expm1", "fix", "floor", "floor_divide", "fmod", "frac",
    "isclose", "isfinite", "isinf", "isnan", "lerp", "log1p", "log2", "log10", "logical_and",
    "logical_not", "logical_or", "logical_xor", "reciprocal", "remainder", "round", "rsqrt",
    "sign", "sin", "sinh", "square", "tan", "trunc",
    # autograd
    "Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "inference_mode", "autograd",
    # randomness, files, tools, subpackages
    "manual_seed", "get_rng_state", "set_rng_state", "save", "load", "gradcheck",
    "gradgradcheck", "profile", "detect_anomaly", "AnomalyError", "viz", "tools", "functional", "nn", "optim",
    "checkpoint", "return_types", "onnx", "accelerator", "utils",
]

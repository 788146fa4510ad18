"""Reductions with PyTorch's signatures: ``sum``, ``mean``, ``max``/``min``
(values, or ``(values, indices)`` when a dim is given), ``amax``/``amin``,
``argmax``/``argmin``, ``var``/``std`` (unbiased by default).

``dim`` may be None (every dimension), an int or a tuple of ints; NumPy's
``axis=`` and ``keepdims=`` are accepted as aliases, as PyTorch accepts them.
"""

from .. import _checks, _dtypes, return_types
from ..backend import get_backend
from ..ops import reduce as red
from ..tensor import Tensor
from ._common import cast, constant
from .pointwise import abs, add, exp, log, maximum, minimum, mul, ne, neg, sqrt, sub
from .shape import reshape


def _dim_args(op, input, dim, keepdim, axis, keepdims):
    """(dims, keepdim) from PyTorch's or NumPy's spelling."""
    _checks.tensor(op, input)
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both dim and its alias axis")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return _checks.dims(op, dim, input.ndim), _checks.boolean(op, "keepdim", bool(keepdim))


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """The sum over ``dim`` (every element by default). Integer and bool inputs
    sum to int64 unless ``dtype`` says otherwise.

    Args:
        input: the Tensor to reduce.
        dim: an int or a tuple of ints, the dimensions to reduce; None (the
            default) reduces every dimension.
        keepdim: keep the reduced dimensions with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.
        dtype: the dtype the input is cast to before summing. Default: None.

    Returns: a Tensor of the input's shape less the reduced dimensions."""
    dims, keepdim = _dim_args("sum", input, dim, keepdim, axis, keepdims)
    target = _checks.dtype("sum", dtype)
    if target is None:
        target = input.dtype if input.dtype.kind == "f" else _dtypes.int64
    return red.Sum.apply(cast("sum", input, target), dims, keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """The mean over ``dim``; floating point inputs only (or give ``dtype``).
    The mean of nothing is nan.

    Args:
        input: the Tensor to reduce.
        dim: an int or a tuple of ints, the dimensions to reduce; None (the
            default) reduces every dimension.
        keepdim: keep the reduced dimensions with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.
        dtype: the floating point dtype the input is cast to first.

    Returns: a Tensor of the input's shape less the reduced dimensions."""
    dims, keepdim = _dim_args("mean", input, dim, keepdim, axis, keepdims)
    target = _checks.dtype("mean", dtype) or input.dtype
    if target.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be a "
                           f"floating point dtype, got {input.dtype}; pass dtype= or "
                           "convert with .float()")
    return red.Mean.apply(cast("mean", input, target), dims, keepdim)


def _check_not_empty(op, input, dims):
    if input.numel() == 0:
        empty = [a for a in (range(input.ndim) if dims is None else dims)
                 if input.shape[a] == 0]
        if dims is None or empty:
            raise IndexError(f"{op}(): cannot reduce over a zero-size dimension (input shape "
                             f"{input.shape}); specify a non-empty dim")


def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    """The largest value over ``dim`` (every dimension when empty); tied maxima
    share the gradient.

    Args:
        input: the Tensor to reduce.
        dim: an int or a tuple of ints, the dimensions to reduce; ``()`` (the
            default) reduces every dimension.
        keepdim: keep the reduced dimensions with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: a Tensor of the input's dtype."""
    dims, keepdim = _dim_args("amax", input, None if dim == () else dim, keepdim, axis,
                              keepdims)
    _check_not_empty("amax", input, dims)
    return red.Amax.apply(input, dims, keepdim)


def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    """The smallest value over ``dim`` (every dimension when empty).

    Args:
        input: the Tensor to reduce.
        dim: an int or a tuple of ints, the dimensions to reduce; ``()`` (the
            default) reduces every dimension.
        keepdim: keep the reduced dimensions with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: a Tensor of the input's dtype."""
    dims, keepdim = _dim_args("amin", input, None if dim == () else dim, keepdim, axis,
                              keepdims)
    _check_not_empty("amin", input, dims)
    flipped = _negated(input)
    return _unnegate(red.Amax.apply(flipped, dims, keepdim), input.dtype)


def _negated(input):
    """-input in a dtype where every value can be negated (min via max)."""
    if input.dtype.kind in "bu":
        input = cast("min", input, _dtypes.int64)
    return neg(input)


def _unnegate(result, dtype):
    return cast("min", neg(result), dtype)


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the largest value along ``dim`` (of the flattened input when
    dim is None), int64; the first one on ties, a NaN's position if any.

    Args:
        input: a Tensor.
        dim: the dimension to search along; None (the default) searches the
            flattened input.
        keepdim: keep ``dim`` with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: an int64 Tensor of indices."""
    return _arg_extreme("argmax", input, dim, keepdim, axis, keepdims, False)


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the smallest value along ``dim``, int64 (the first one on
    ties).

    Args:
        input: a Tensor.
        dim: the dimension to search along; None (the default) searches the
            flattened input.
        keepdim: keep ``dim`` with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: an int64 Tensor of indices."""
    return _arg_extreme("argmin", input, dim, keepdim, axis, keepdims, True)


def _arg_extreme(op, input, dim, keepdim, axis, keepdims, smallest):
    _checks.tensor(op, input)
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    source = _negated(input) if smallest else input
    backend = get_backend(input.device)
    if dim is None:
        _check_not_empty(op, input, None)
        flat = backend.reshape(source._data, (input.numel(),))
        index = backend.argmax(flat, 0)
        if keepdim:
            index = backend.reshape(index, (1,) * input.ndim)
        return constant(index, input.device)
    axis_ = _checks.dim(op, dim, input.ndim)
    if input.ndim == 0:
        return constant(backend.full((), 0, _dtypes.int64), input.device)
    _check_not_empty(op, input, (axis_,))
    index = backend.argmax(source._data, axis_)
    if keepdim:
        index = backend.reshape(index, _kept_shape(input.shape, axis_))
    return constant(index, input.device)


def _kept_shape(shape, axis):
    return tuple(1 if a == axis else n for a, n in enumerate(shape))


def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The largest value (a 0-d tensor), or along ``dim`` the named tuple
    ``(values, indices)``. With a tensor as second argument, ``maximum``.

    Args:
        input: a Tensor.
        dim: the dimension to reduce; None (the default) reduces every
            element. A Tensor here is ``other`` of the elementwise form.
        keepdim: keep ``dim`` with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: a 0-d Tensor, or ``(values, indices)`` (indices int64, the first
    maximum on ties) when ``dim`` is given."""
    return _extreme("max", return_types.max, input, dim, keepdim, axis, keepdims, False)


def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The smallest value, or along ``dim`` the named tuple ``(values, indices)``.
    With a tensor as second argument, ``minimum``.

    Args:
        input: a Tensor.
        dim: the dimension to reduce; None (the default) reduces every
            element. A Tensor here is ``other`` of the elementwise form.
        keepdim: keep ``dim`` with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: a 0-d Tensor, or ``(values, indices)`` (indices int64) when
    ``dim`` is given."""
    return _extreme("min", return_types.min, input, dim, keepdim, axis, keepdims, True)


def _extreme(op, result_type, input, dim, keepdim, axis, keepdims, smallest):
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        return (minimum if smallest else maximum)(input, dim)
    _checks.tensor(op, input)
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dim is None:
        _check_not_empty(op, input, None)
        if smallest:
            return _unnegate(red.Amax.apply(_negated(input), None, False), input.dtype)
        return red.Amax.apply(input, None, False)
    axis_ = _checks.dim(op, dim, input.ndim)
    keepdim = _checks.boolean(op, "keepdim", bool(keepdim))
    if input.ndim == 0:
        zero = constant(get_backend(input.device).full((), 0, _dtypes.int64), input.device)
        return result_type(input, zero)
    _check_not_empty(op, input, (axis_,))
    indices = _arg_extreme(op, input, axis_, True, None, None, smallest)
    values = red.SelectAlongDim.apply(input, indices._data, axis_, keepdim)
    if not keepdim:
        indices = constant(get_backend(input.device).reshape(
            indices._data, input.shape[:axis_] + input.shape[axis_ + 1:]), input.device)
    return result_type(values, indices)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """The variance over ``dim`` with Bessel's correction by default
    (``correction=1``, i.e. divided by N - 1), as PyTorch. ``unbiased=False``
    or ``correction=0`` gives the biased estimate. Fewer values than the
    correction gives nan.

    Args:
        input: a floating point Tensor.
        dim: an int or a tuple of ints, the dimensions to reduce; None (the
            default) reduces every dimension. A bool here is ``unbiased``.
        unbiased: False divides by N (as ``correction=0``). Default: None,
            i.e. ``correction=1``.
        keepdim: keep the reduced dimensions with size 1. Default: False.
        correction: subtracted from N in the divisor. Default: None (1).
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: a Tensor of the input's shape less the reduced dimensions."""
    if isinstance(dim, bool):  # torch.var(x, False): the legacy unbiased argument
        dim, unbiased = None, dim
    dims, keepdim = _dim_args("var", input, dim, keepdim, axis, keepdims)
    if input.dtype.kind != "f":
        raise RuntimeError(f"var(): std and var only support floating point dtypes, got "
                           f"{input.dtype}")
    if correction is not None and unbiased is not None:
        raise TypeError("var(): give correction or unbiased, not both")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    correction = _checks.real("var", "correction", correction)
    count = red.reduced_count(input.shape, dims)
    centered = sub(input, red.Mean.apply(input, dims, True))
    total = red.Sum.apply(mul(centered, centered), dims, keepdim)
    dof = count - correction
    return mul(total, 1.0 / dof if dof > 0 else float("nan"))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """The standard deviation: ``sqrt(var(...))`` with the same arguments.

    Args:
        input: a floating point Tensor.
        dim: an int or a tuple of ints, the dimensions to reduce; None (the
            default) reduces every dimension.
        unbiased: False divides by N (as ``correction=0``). Default: None,
            i.e. ``correction=1``.
        keepdim: keep the reduced dimensions with size 1. Default: False.
        correction: subtracted from N in the divisor. Default: None (1).
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: a Tensor of the input's shape less the reduced dimensions."""
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction, axis=axis,
                    keepdims=keepdims))


def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether any element (along ``dim``) is non-zero; a bool tensor.

    Args:
        input: the Tensor to reduce.
        dim: an int or a tuple of ints, the dimensions to reduce; None (the
            default) reduces every dimension.
        keepdim: keep the reduced dimensions with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: a bool Tensor."""
    dims, keepdim = _dim_args("any", input, dim, keepdim, axis, keepdims)
    backend = get_backend(input.device)
    nonzero = backend.compare("ne", input._data, 0)
    count = backend.sum(nonzero, dims, keepdim)
    return constant(backend.compare("gt", count, 0), input.device)


def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether every element (along ``dim``) is non-zero; a bool tensor.

    Args:
        input: the Tensor to reduce.
        dim: an int or a tuple of ints, the dimensions to reduce; None (the
            default) reduces every dimension.
        keepdim: keep the reduced dimensions with size 1. Default: False.
        axis, keepdims: NumPy's aliases of ``dim`` and ``keepdim``.

    Returns: a bool Tensor."""
    dims, keepdim = _dim_args("all", input, dim, keepdim, axis, keepdims)
    backend = get_backend(input.device)
    zero = backend.compare("eq", input._data, 0)
    count = backend.sum(zero, dims, keepdim)
    return constant(backend.compare("eq", count, 0), input.device)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over ``dim``, computed without overflow (the
    largest value is taken out first); -inf where every value is -inf.

    Args:
        input: a Tensor (integers are cast to the default float dtype).
        dim: an int or a tuple of ints, the dimensions to reduce.
        keepdim: keep the reduced dimensions with size 1. Default: False.

    Returns: a floating point Tensor."""
    dims, keepdim = _dim_args("logsumexp", input, dim, keepdim, None, None)
    if input.dtype.kind != "f":
        input = cast("logsumexp", input, _dtypes.get_default_dtype())
    backend = get_backend(input.device)
    if input.numel() == 0:
        return log(sum(exp(input), dims, keepdim))
    peak = backend.max(input._data, dims, True)
    # an all -inf (or inf) slice keeps its value through the shift-free form
    peak = backend.where(backend.compare("eq", backend.abs(peak), float("inf")), 0, peak)
    shift = constant(peak, input.device)
    total = log(sum(exp(sub(input, shift)), dims, True))
    out = add(total, shift)
    if not keepdim:
        out = reshape(out, tuple(n for a, n in enumerate(input.shape)
                                 if a not in (dims if dims is not None
                                              else range(input.ndim))))
    return out


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm over ``dim`` (every element by default): p = 2 or
    'fro' (the default), 1, inf, -inf, 0 (number of non-zeros) or any other
    positive number. The gradient at a zero vector is 0, as in PyTorch.

    Args:
        input: a floating point Tensor.
        p: the order of the norm. Default: 'fro' (2).
        dim: an int or a tuple of ints; None (the default) takes every element.
        keepdim: keep the reduced dimensions with size 1. Default: False.
        dtype: a floating point dtype the input is cast to first. Default: None.

    Returns: a Tensor of the input's dtype."""
    _checks.tensor("norm", input)
    if dtype is not None:
        input = cast("norm", input, _checks.float_dtype("norm", dtype))
    if input.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be floating point, got {input.dtype}")
    dims, keepdim = _dim_args("norm", input, dim, keepdim, None, None)
    if p == "fro":
        p = 2
    if p == "nuc" or isinstance(p, str):
        raise RuntimeError(f"norm: p={p!r} is not supported (only vector norms)")
    p = _checks.real("norm", "p", p) if p not in (float("inf"), float("-inf")) else p
    if p == float("inf"):
        return amax(abs(input), () if dims is None else dims, keepdim)
    if p == float("-inf"):
        return amin(abs(input), () if dims is None else dims, keepdim)
    if p == 0:
        return sum(cast("norm", ne(input, 0), input.dtype), dims, keepdim)
    if p == 1:
        return sum(abs(input), dims, keepdim)
    return red.PNorm.apply(input, p, dims, keepdim)

"""Products, running sums and ordering: ``prod``, ``cumsum``, ``cumprod``,
``sort``, ``argsort``, ``topk``.

Sorted values are read at the sorted positions through the Take op, so
their gradient goes back to where each value came from."""

from .. import _checks, _dtypes, return_types
from ..backend import get_backend
from ..ops import indexing as ops_indexing
from ..ops import scan
from ._common import cast, constant
from .indexing import _positions_along
from .reduction import _dim_args
from .shape import narrow


def _integer_to_int64(op, input, dtype):
    """PyTorch's result dtype for products and sums: int64 for integers and
    bools, the input's dtype for floats, ``dtype`` when given."""
    target = _checks.dtype(op, dtype)
    if target is None:
        target = input.dtype if input.dtype.kind == "f" else _dtypes.int64
    return cast(op, input, target)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """The product of the elements (along ``dim``); exact gradients where an
    element is zero.

    Args:
        input: a Tensor.
        dim: the dimension to reduce; None (the default) multiplies every element.
        keepdim: keep ``dim`` with size 1 (with ``dim`` only). Default: False.
        dtype: the result dtype. Default: int64 for integer and bool inputs,
            the input's dtype for floating point ones.

    Returns: a Tensor."""
    _checks.tensor("prod", input)
    if dim is not None:
        dims, keepdim = _dim_args("prod", input, dim, keepdim, None, None)
    else:
        dims = None
    return scan.Prod.apply(_integer_to_int64("prod", input, dtype), dims, keepdim)


def cumsum(input, dim, *, dtype=None):
    """Running sums along ``dim``.

    Args:
        input: a Tensor.
        dim: the dimension to accumulate along.
        dtype: the result dtype. Default: int64 for integer and bool inputs,
            the input's dtype for floating point ones.

    Returns: a Tensor of the input's shape."""
    _checks.tensor("cumsum", input)
    axis = _checks.dim("cumsum", dim, input.ndim)
    x = _integer_to_int64("cumsum", input, dtype)
    return x if x.ndim == 0 else scan.Cumsum.apply(x, axis)


def cumprod(input, dim, *, dtype=None):
    """Running products along ``dim``.

    Args:
        input: a Tensor.
        dim: the dimension to accumulate along.
        dtype: the result dtype. Default: int64 for integer and bool inputs,
            the input's dtype for floating point ones.

    Returns: a Tensor of the input's shape."""
    _checks.tensor("cumprod", input)
    axis = _checks.dim("cumprod", dim, input.ndim)
    x = _integer_to_int64("cumprod", input, dtype)
    return x if x.ndim == 0 else scan.Cumprod.apply(x, axis)


def argsort(input, dim=-1, descending=False, stable=False):
    """int64 positions that sort ``input`` along ``dim`` (stable: equal values
    keep their order; NaN last ascending).

    Args:
        input: a Tensor.
        dim: the dimension to sort along. Default: -1.
        descending: largest first. Default: False.
        stable: accepted for PyTorch's signature; the sort is always stable.

    Returns: an int64 Tensor of the input's shape."""
    _checks.tensor("argsort", input)
    axis = _checks.dim("argsort", dim, input.ndim)
    descending = _checks.boolean("argsort", "descending", descending)
    backend = get_backend(input.device)
    if input.ndim == 0:
        return constant(backend.full((), 0, _dtypes.int64), input.device)
    return constant(backend.argsort(input._data, axis, descending), input.device)


def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)``: the values sorted along ``dim`` and where each came from.

    Args:
        input: a Tensor.
        dim: the dimension to sort along. Default: -1.
        descending: largest first. Default: False.
        stable: accepted for PyTorch's signature; the sort is always stable.

    Returns: the named tuple ``(values, indices)``, both of the input's shape
    (indices int64)."""
    _checks.tensor("sort", input)
    _checks.dim("sort", dim, input.ndim)
    indices = argsort(input, dim, descending, stable)
    if input.ndim == 0:
        return return_types.sort(input, indices)
    axis = _checks.dim("sort", dim, input.ndim)
    positions = _positions_along(input, axis, indices._data, input.shape)
    return return_types.sort(ops_indexing.Take.apply(input, positions), indices)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the ``k`` largest (or smallest) values along ``dim``.

    Args:
        input: a Tensor.
        k: how many values, at most the size of ``dim``.
        dim: the dimension to search along. Default: -1.
        largest: the largest values (False: the smallest). Default: True.
        sorted: accepted for PyTorch's signature; the values always come
            sorted (largest first, or smallest first).

    Returns: the named tuple ``(values, indices)`` with ``k`` along ``dim``."""
    _checks.tensor("topk", input)
    axis = _checks.dim("topk", dim, input.ndim)
    size = input.shape[axis] if input.ndim else 1
    k = _checks.integer("topk", "k", k, 0)
    if k > size:
        raise RuntimeError(f"topk: selected index k ({k}) out of range for dimension {axis} of "
                           f"size {size}")
    indices = narrow(argsort(input, axis, _checks.boolean("topk", "largest", largest)),
                     axis, 0, k) if input.ndim else argsort(input)
    if input.ndim == 0:
        return return_types.topk(input, indices)
    raw = get_backend(input.device).copy(indices._data)
    positions = _positions_along(input, axis, raw, indices.shape)
    return return_types.topk(ops_indexing.Take.apply(input, positions),
                             constant(raw, input.device))

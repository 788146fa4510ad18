"""Functions that rearrange values into a new tensor (copies, not views):
``repeat``, ``tile``, ``flip``, ``roll``, ``tril``, ``triu``. Each is a
composition of existing ops, so it runs and differentiates on every
backend."""

from .. import _checks, _dtypes
from ..backend import get_backend
from ..ops import elementwise as ew
from ..ops import shape as shape_ops
from ._common import cast
from .creation import arange
from .indexing import index_select
from .joining import cat
from .shape import expand, flatten, narrow, reshape


def repeat(input, *sizes):
    """``input`` repeated ``sizes[i]`` times along dimension i (leading sizes
    add dimensions), as PyTorch's ``Tensor.repeat``."""
    _checks.tensor("repeat", input)
    sizes = _checks.size_args("repeat", sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"repeat: number of dimensions of repeat dims ({len(sizes)}) can not "
                           f"be smaller than number of dimensions of tensor ({input.ndim})")
    shape = (1,) * (len(sizes) - input.ndim) + input.shape
    x = reshape(input, shape)
    # each dimension n becomes (r, n): broadcast a new axis in front, then merge
    interleaved = []
    expanded = []
    for r, n in zip(sizes, shape):
        interleaved += [1, n]
        expanded += [r, n]
    x = expand(reshape(x, tuple(interleaved)), tuple(expanded))
    out = reshape(shape_ops.Clone.apply(x), tuple(r * n for r, n in zip(sizes, shape)))
    return out


def tile(input, dims):
    """``repeat`` with ``dims`` padded with leading ones to the input's rank."""
    _checks.tensor("tile", input)
    dims = _checks.size_args("tile", (dims,))
    dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, *dims)


def flip(input, dims):
    """The values of ``input`` in reverse order along each dimension in
    ``dims`` (an int or a sequence), a copy."""
    _checks.tensor("flip", input)
    dims = _checks.dims("flip", dims, input.ndim) or ()
    out = input
    for d in dims:
        n = input.shape[d]
        out = index_select(out, d, arange(n - 1, -1, -1, device=input.device))
    return out if dims else shape_ops.Clone.apply(input)


def fliplr(input):
    """``input`` (at least 2-D) reversed along dimension 1, a copy."""
    if input.ndim < 2:
        raise RuntimeError("fliplr: input must be >= 2-d")
    return flip(input, 1)


def flipud(input):
    """``input`` (at least 1-D) reversed along dimension 0, a copy."""
    if input.ndim < 1:
        raise RuntimeError("flipud: input must be >= 1-d")
    return flip(input, 0)


def roll(input, shifts, dims=None):
    """The values of ``input`` shifted by ``shifts`` (an int or a sequence)
    along ``dims`` with wrap-around; without
    dims the flattened tensor is rolled and the shape restored."""
    _checks.tensor("roll", input)
    if dims is None:
        if isinstance(shifts, (tuple, list)):
            if len(shifts) != 1:
                raise RuntimeError("roll: shifts must be a single int when dims is not given")
            shifts = shifts[0]
        return reshape(roll(flatten(input), shifts, 0), input.shape)
    shifts = shifts if isinstance(shifts, (tuple, list)) else (shifts,)
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims: {len(dims)}")
    out = input
    for shift, dim in zip(shifts, dims):
        d = _checks.dim("roll", dim, input.ndim)
        shift = _checks.integer("roll", "shifts", shift)
        size = input.shape[d]
        if size == 0 or shift % size == 0:
            continue
        shift %= size
        out = cat([narrow(out, d, size - shift, shift), narrow(out, d, 0, size - shift)], d)
    return out if out is not input else shape_ops.Clone.apply(input)


def _triangle_mask(op, input, diagonal, lower):
    _checks.tensor(op, input)
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    diagonal = _checks.integer(op, "diagonal", diagonal)
    rows, cols = input.shape[-2:]
    backend = get_backend(input.device)
    i = backend.reshape(backend.arange(0, rows, 1, _dtypes.int64), (rows, 1))
    j = backend.reshape(backend.arange(0, cols, 1, _dtypes.int64), (1, cols))
    offset = backend.sub(j, i)  # column - row
    keep = backend.compare("le" if lower else "ge", offset, diagonal)
    return backend.broadcast_to(keep, input.shape)


def tril(input, diagonal=0):
    """The lower triangle of the last two dimensions of ``input`` (j - i <=
    ``diagonal``, default 0), zeros above."""
    keep = _triangle_mask("tril", input, diagonal, True)
    return ew.Where.apply(keep, input, cast("tril", 0, input.dtype))


def triu(input, diagonal=0):
    """The upper triangle of the last two dimensions of ``input`` (j - i >=
    ``diagonal``, default 0), zeros below."""
    keep = _triangle_mask("triu", input, diagonal, False)
    return ew.Where.apply(keep, input, cast("triu", 0, input.dtype))

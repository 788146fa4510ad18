"""Shape functions: ``size``, ``reshape``/``view``, ``flatten``, ``permute``,
``transpose``, ``squeeze``/``unsqueeze``, indexing, ``cat`` and ``stack``.

As in PyTorch, ``view``, ``permute``, ``transpose``, ``squeeze``,
``unsqueeze`` and basic indexing return views: they share the input's
storage and version counter, so an in-place change to one is seen by the
other (and by backward's check of saved values).
"""

from .. import _checks, _dtypes
from ..ops import shape as shape_ops
from ..tensor import Tensor
from ._common import cast


def _view_of(out, base):
    """Mark ``out`` as a view of ``base``: same storage, same version counter."""
    if out is not base:
        out._base = base if base._base is None else base._base
        out._version = base._version
    return out


def size(input, dim=None):
    """The shape as a tuple, or the size of one dimension."""
    if dim is None:
        return input.shape
    return input.shape[_checks.dim("size", dim, input.ndim)]


def _resolve_shape(op, input, shape):
    """``shape`` with at most one -1 replaced so the element count matches."""
    count = input.numel()
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got shape {shape}")
    if any(n < -1 for n in shape):
        raise RuntimeError(f"{op}: invalid shape dimension in {shape}")
    where = f"input of shape {input.shape} (size {count})"
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    if unknown:
        if known == 0 or count % known:
            raise RuntimeError(f"{op}: shape {shape} is invalid for {where}")
        return tuple(count // known if n == -1 else n for n in shape)
    if known != count:
        raise RuntimeError(f"{op}: shape {shape} is invalid for {where}")
    return shape


def reshape(input, *shape):
    """The same elements in a new shape (one size may be -1)."""
    _checks.tensor("reshape", input)
    shape = _resolve_shape("reshape", input,
                           _checks.size_args("reshape", shape, allow_negative=True))
    if shape == input.shape:
        return input
    return _view_of(shape_ops.Reshape.apply(input, shape), input)


def view(input, *shape):
    """``reshape`` that shares storage with the input."""
    _checks.tensor("view", input)
    shape = _resolve_shape("view", input, _checks.size_args("view", shape, allow_negative=True))
    return _view_of(shape_ops.Reshape.apply(input, shape), input)


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Dimensions start_dim..end_dim merged into one (a 0-d input gives shape (1,))."""
    _checks.tensor("flatten", input)
    start = _checks.dim("flatten", start_dim, input.ndim)
    end = _checks.dim("flatten", end_dim, input.ndim)
    if input.ndim == 0:
        return reshape(input, 1)
    if start > end:
        raise RuntimeError(f"flatten() has invalid args: start_dim {start_dim} cannot come "
                           f"after end_dim {end_dim}")
    dims = input.shape
    merged = 1
    for n in dims[start:end + 1]:
        merged *= n
    return reshape(input, dims[:start] + (merged,) + dims[end + 1:])


def permute(input, *dims):
    """The dimensions reordered: output dimension i is input dimension dims[i]."""
    _checks.tensor("permute", input)
    dims = _checks.size_args("permute", dims, allow_negative=True)
    order = tuple(_checks.dim("permute", d, input.ndim) for d in dims)
    if len(order) != input.ndim or sorted(order) != list(range(input.ndim)):
        raise RuntimeError(f"permute: {dims} is not a permutation of the {input.ndim} "
                           "dimensions of the input")
    if order == tuple(range(input.ndim)):
        return input
    return _view_of(shape_ops.Permute.apply(input, order), input)


def transpose(input, dim0, dim1):
    """Dimensions ``dim0`` and ``dim1`` swapped (PyTorch's transpose, not NumPy's)."""
    _checks.tensor("transpose", input)
    a = _checks.dim("transpose", dim0, input.ndim)
    b = _checks.dim("transpose", dim1, input.ndim)
    if a == b or input.ndim < 2:
        return input
    order = list(range(input.ndim))
    order[a], order[b] = order[b], order[a]
    return _view_of(shape_ops.Permute.apply(input, tuple(order)), input)


swapaxes = transpose
swapdims = transpose


def t(input):
    """The transpose of a tensor with at most 2 dimensions."""
    _checks.tensor("t", input)
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def T(input):
    """Every dimension reversed (``x.T``)."""
    return permute(input, *reversed(range(input.ndim)))


def mT(input):
    """The last two dimensions swapped (``x.mT``)."""
    if input.ndim < 2:
        raise RuntimeError("mT: tensor.mT is only supported on matrices or batches of "
                           f"matrices, got {input.ndim}-D tensor")
    return transpose(input, -2, -1)


def unsqueeze(input, dim):
    """A size-1 dimension inserted at ``dim``."""
    _checks.tensor("unsqueeze", input)
    d = _checks.dim("unsqueeze", dim, input.ndim + 1)
    shape = input.shape
    return view(input, shape[:d] + (1,) + shape[d:])


def squeeze(input, dim=None):
    """Size-1 dimensions removed (only ``dim``, or those in a tuple of dims, when given)."""
    _checks.tensor("squeeze", input)
    if dim is None:
        dims = range(input.ndim)
    else:
        dims = _checks.dims("squeeze", dim, input.ndim) or ()
    shape = tuple(n for a, n in enumerate(input.shape) if not (a in dims and n == 1))
    if shape == input.shape:
        return input
    return view(input, shape)


# ---- indexing -----------------------------------------------------------------------
_BASIC = (int, slice, type(None), type(Ellipsis))


def getitem(input, index):
    """``input[index]`` for basic indices (ints, slices, None, ...), a view."""
    index = _basic_index(input, index)
    return _view_of(shape_ops.GetItem.apply(input, index), input)


def _basic_index(input, index):
    """``index`` as a tuple of checked basic index parts."""
    if not isinstance(index, tuple):
        index = (index,)
    parts = []
    for part in index:
        if isinstance(part, Tensor) and part.ndim == 0 and part.dtype.kind in "iu":
            part = int(part.item())
        elif _checks.is_integer(part):
            part = int(part)
        if isinstance(part, bool) or not isinstance(part, _BASIC):
            raise TypeError(f"indexing: only basic indexing (ints, slices, None, ...) is "
                            f"supported, got {type(part).__name__}")
        if isinstance(part, slice):
            for bound in (part.start, part.stop, part.step):
                if bound is not None and not _checks.is_integer(bound):
                    raise TypeError(f"indexing: slice bounds must be ints or None, got "
                                    f"{part!r}")
            if part.step is not None and part.step <= 0:
                raise ValueError(f"indexing: step must be greater than zero, got {part!r}")
        parts.append(part)
    if sum(1 for p in parts if p is Ellipsis) > 1:
        raise IndexError("indexing: an index can only have a single ellipsis ('...')")
    _check_index_bounds(input.shape, parts)
    return tuple(parts)


def _check_index_bounds(shape, index):
    dim = 0
    for part in index:
        if part is None:
            continue
        if part is Ellipsis:
            dim = len(shape) - sum(1 for p in index if p is not None and p is not Ellipsis)
            continue
        if dim >= len(shape):
            raise IndexError(f"indexing: too many indices for tensor of dimension {len(shape)} "
                             f"(shape {shape})")
        if isinstance(part, int) and not -shape[dim] <= part < shape[dim]:
            raise IndexError(f"indexing: index {part} is out of bounds for dimension {dim} "
                             f"with size {shape[dim]}")
        dim += 1


# ---- joining ------------------------------------------------------------------------
def cat(tensors, dim=0, *, axis=None):
    """Tensors joined along an existing dimension; dtypes are promoted."""
    if axis is not None:
        dim = axis
    tensors = _checks.tensor_list("cat", tensors)
    first = tensors[0]
    if first.ndim == 0:
        raise RuntimeError("cat: zero-dimensional tensor cannot be concatenated")
    axis_ = _checks.dim("cat", dim, first.ndim)
    for t_ in tensors[1:]:
        if t_.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(
                zip(t_.shape, first.shape)) if i != axis_):
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension "
                               f"{axis_}; got {first.shape} and {t_.shape}")
        _checks.same_device("cat", first, t_, "tensors")
    dtype = _dtypes.result_type(*tensors)
    tensors = [cast("cat", t_, dtype) for t_ in tensors]
    return shape_ops.Concatenate.apply(*tensors, axis=axis_)


concat = cat
concatenate = cat


def stack(tensors, dim=0, *, axis=None):
    """Same-shaped tensors joined along a new dimension."""
    if axis is not None:
        dim = axis
    tensors = _checks.tensor_list("stack", tensors)
    shape = tensors[0].shape
    axis_ = _checks.dim("stack", dim, len(shape) + 1)
    for t_ in tensors:
        if t_.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {shape} "
                               f"and {t_.shape}")
    return cat([reshape(t_, shape[:axis_] + (1,) + shape[axis_:]) for t_ in tensors], axis_)

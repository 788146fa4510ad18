"""Shape functions that return views: ``view``/``reshape``, ``flatten``,
``unflatten``, ``permute``, ``transpose``, ``movedim``, ``squeeze``,
``unsqueeze``, ``expand``, ``narrow``, ``select``; and ``size``. Basic
indexing (also a view) is in ``indexing.py``.

As in PyTorch these share the input's storage and version counter, so an
in-place change to one is seen by the other (and by backward's check of
saved values). ``reshape`` is a view when the layout allows, a copy
otherwise.
"""

from .. import _checks
from ..ops import shape as shape_ops
from ..tensor import Tensor


def _view_of(function, input, *args):
    """``function.apply(input, *args)`` (a view op) marked as a view of the
    input's base: the same storage and version counter, and ``_view_fn``, which
    re-applies the chain of view ops from the base to any tensor of the base's
    shape (an in-place change of the view uses it to update the base)."""
    out = function.apply(input, *args)

    def own(t):
        return function.apply(t, *args)

    if input._base is None:
        out._base, out._view_fn = input, own
    else:
        parent = input._view_fn
        out._base, out._view_fn = input._base, (lambda t: own(parent(t)))
    out._version = input._version
    return out


def size(input, dim=None):
    """The shape of ``input`` as a tuple, or the size of dimension ``dim``
    (an int) when given."""
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
    """The elements of ``input`` in a new ``shape`` (ints or one sequence; one
    size may be -1)."""
    _checks.tensor("reshape", input)
    shape = _resolve_shape("reshape", input,
                           _checks.size_args("reshape", shape, allow_negative=True))
    if shape == input.shape:
        return input
    return _view_of(shape_ops.Reshape, input, shape)


def view(input, *shape):
    """``reshape(input, *shape)`` that shares storage with the input."""
    _checks.tensor("view", input)
    shape = _resolve_shape("view", input, _checks.size_args("view", shape, allow_negative=True))
    return _view_of(shape_ops.Reshape, input, shape)


def view_as(input, other):
    """``view(input, other.shape)``."""
    return view(input, other.shape)


def reshape_as(input, other):
    """``reshape(input, other.shape)``."""
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
    return _view_of(shape_ops.Permute, input, order)


def transpose(input, dim0, dim1):
    """``input`` with dimensions ``dim0`` and ``dim1`` swapped, a view
    (PyTorch's transpose, not NumPy's)."""
    _checks.tensor("transpose", input)
    a = _checks.dim("transpose", dim0, input.ndim)
    b = _checks.dim("transpose", dim1, input.ndim)
    if a == b or input.ndim < 2:
        return input
    order = list(range(input.ndim))
    order[a], order[b] = order[b], order[a]
    return _view_of(shape_ops.Permute, input, tuple(order))


swapaxes = transpose
swapdims = transpose


def t(input):
    """The transpose of ``input``, a tensor with at most 2 dimensions."""
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
    """``input`` with a size-1 dimension inserted at ``dim``, a view."""
    _checks.tensor("unsqueeze", input)
    d = _checks.dim("unsqueeze", dim, input.ndim + 1)
    shape = input.shape
    return view(input, shape[:d] + (1,) + shape[d:])


def squeeze(input, dim=None):
    """``input`` with its size-1 dimensions removed (only ``dim``, or those in a
    tuple of dims, when given), a view."""
    _checks.tensor("squeeze", input)
    if dim is None:
        dims = range(input.ndim)
    else:
        dims = _checks.dims("squeeze", dim, input.ndim) or ()
    shape = tuple(n for a, n in enumerate(input.shape) if not (a in dims and n == 1))
    if shape == input.shape:
        return input
    return view(input, shape)


def unflatten(input, dim, sizes):
    """``input`` with dimension ``dim`` split into ``sizes`` (one may be -1)."""
    _checks.tensor("unflatten", input)
    d = _checks.dim("unflatten", dim, input.ndim)
    sizes = _checks.size_args("unflatten", (sizes,), allow_negative=True)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    shape = input.shape
    known = 1
    for n in sizes:
        if n != -1:
            known *= n
    if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[d]) or (
            -1 in sizes and (known == 0 or shape[d] % known)):
        raise RuntimeError(f"unflatten: provided sizes {sizes} don't multiply up to the size "
                           f"of dim {dim} ({shape[d]}) in the input tensor")
    sizes = tuple(shape[d] // known if n == -1 else n for n in sizes)
    return view(input, shape[:d] + sizes + shape[d + 1:])


def movedim(input, source, destination):
    """``input`` with dimensions ``source`` moved to positions ``destination`` (ints or
    sequences of equal length); the others keep their order."""
    _checks.tensor("movedim", input)
    src = source if isinstance(source, (tuple, list)) else (source,)
    dst = destination if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = [_checks.dim("movedim", d, input.ndim) for d in src]
    dst = [_checks.dim("movedim", d, input.ndim) for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError("movedim: repeated dim in source or destination")
    order = [None] * input.ndim
    for s_, d_ in zip(src, dst):
        order[d_] = s_
    rest = iter(d for d in range(input.ndim) if d not in src)
    order = [next(rest) if o is None else o for o in order]
    return permute(input, *order)


moveaxis = movedim


def expand(input, *sizes):
    """``input`` broadcast to ``sizes`` (-1 keeps a dimension; new leading
    dimensions may be added), as a view: no data is copied."""
    _checks.tensor("expand", input)
    sizes = _checks.size_args("expand", sizes, allow_negative=True)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be "
                           f"greater or equal to the number of dimensions in the tensor "
                           f"({input.ndim})")
    lead = len(sizes) - input.ndim
    target = []
    for i, n in enumerate(sizes):
        if i < lead:
            if n < 0:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing "
                                   f"dimension {i}")
            target.append(n)
            continue
        own = input.shape[i - lead]
        if n == -1:
            n = own
        if own != n and own != 1:
            raise RuntimeError(f"expand: the expanded size of the tensor ({n}) must match the "
                               f"existing size ({own}) at non-singleton dimension {i}. "
                               f"Target sizes: {list(sizes)}. Tensor sizes: {list(input.shape)}")
        target.append(n)
    target = tuple(target)
    if target == input.shape:
        return input
    return _view_of(shape_ops.Expand, input, target)


def expand_as(input, other):
    """``expand(input, other.shape)``."""
    return expand(input, other.shape)


def narrow(input, dim, start, length):
    """The slice ``start:start + length`` of dimension ``dim`` of ``input``, a view."""
    _checks.tensor("narrow", input)
    d = _checks.dim("narrow", dim, input.ndim)
    start = _checks.integer("narrow", "start", start)
    length = _checks.integer("narrow", "length", length, 0)
    size = input.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size or start + length > size:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension size "
                         f"({size})")
    index = (slice(None),) * d + (slice(start, start + length),)
    return _view_of(shape_ops.GetItem, input, index)


def select(input, dim, index):
    """The sub-tensor of ``input`` at position ``index`` of dimension ``dim``
    (which is removed), a view."""
    _checks.tensor("select", input)
    d = _checks.dim("select", dim, input.ndim)
    index = _checks.integer("select", "index", index)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{input.shape} at dimension {d}")
    return _view_of(shape_ops.GetItem, input, (slice(None),) * d + (index,))

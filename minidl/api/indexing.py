"""Indexing and selecting: ``x[index]`` and ``x[index] = value`` (basic and
advanced), ``gather``, ``scatter``, ``scatter_add``, ``index_select``,
``take``, ``take_along_dim``, ``masked_select``, ``index_put_``, ``where``,
``masked_fill``, ``nonzero`` and ``one_hot``.

Basic indices (ints, slices, None, ...) give views. Everything else works
out the int64 flat positions it reads or writes and applies one of two ops,
Take and Put (``minidl.ops.indexing``), which carry the gradients. Positions
of gather-like functions are computed on the tensors' device; tensor and
mask indices inside ``x[...]`` are resolved by NumPy on the host, as are
``nonzero`` and masks, whose result size depends on the data (PyTorch on a
GPU waits for the device there too)."""

import numpy as np

from .. import _checks, _dtypes
from ..backend import get_backend
from ..ops import elementwise as ew
from ..ops import indexing as ops_indexing
from ..ops import shape as shape_ops
from ..tensor import Tensor
from . import inplace
from ._common import cast, check_broadcast, constant, operand
from .shape import _view_of, expand, narrow


def where(condition, input=None, other=None):
    """``input`` where ``condition`` is True, else ``other`` (broadcasting,
    PyTorch's type promotion; either value may be a number). With only the
    condition, ``nonzero(condition, as_tuple=True)``."""
    _checks.tensor("where", condition, "condition")
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if condition.dtype != _dtypes.bool_:
        raise RuntimeError(f"where: expected condition to be a bool tensor, got "
                           f"{condition.dtype}")
    a = operand("where", input, condition)
    b = operand("where", other, condition)
    for value in (a, b):
        if isinstance(value, Tensor):
            _checks.same_device("where", condition, value, "input")
            check_broadcast("where", condition, value)
    check_broadcast("where", a, b)
    dtype = _dtypes.result_type(a, b)
    a, b = cast("where", a, dtype), cast("where", b, dtype)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = constant(get_backend(condition.device).full((), a, dtype), condition.device)
    return ew.Where.apply(condition._data, a, b)


def masked_fill(input, mask, value):
    """``value`` where the bool ``mask`` (broadcast to the input) is True."""
    _checks.tensor("masked_fill", input)
    _checks.tensor("masked_fill", mask, "mask")
    if mask.dtype != _dtypes.bool_:
        raise RuntimeError(f"masked_fill: expected mask of dtype bool, got {mask.dtype}")
    shape = _checks.broadcast_shapes("masked_fill", input.shape, mask.shape)
    if shape != input.shape:
        raise RuntimeError(f"masked_fill: the mask of shape {mask.shape} does not broadcast to "
                           f"the input's shape {input.shape}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s)")
        value = cast("masked_fill", value, input.dtype)
    else:
        value = cast("masked_fill", operand("masked_fill", value, input), input.dtype)
    if not isinstance(value, Tensor):
        value = constant(get_backend(input.device).full((), value, input.dtype), input.device)
    return ew.Where.apply(mask._data, value, input)


def nonzero(input, *, as_tuple=False):
    """The indices of the non-zero elements of ``input``: an int64 tensor
    (count, ndim), or with ``as_tuple=True`` one index tensor per dimension."""
    _checks.tensor("nonzero", input)
    backend = get_backend(input.device)
    host = backend.to_numpy(input._data)
    positions = np.nonzero(host) if host.ndim else np.nonzero(host.reshape(1))
    if as_tuple:
        return tuple(constant(backend.from_numpy(p.astype(np.int64)), input.device)
                     for p in positions)
    stacked = np.stack(positions, axis=1).astype(np.int64) if input.ndim else \
        np.zeros((int(host.reshape(-1)[0] != 0), 0), np.int64)
    return constant(backend.from_numpy(stacked), input.device)


# ---- flat positions ----------------------------------------------------------------------
def _strides(shape):
    """Row-major element strides of ``shape``."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def _int_tensor(op, index, name="index"):
    """An integer index: a Tensor of int dtype (a list or array becomes one)."""
    if isinstance(index, (list, tuple, np.ndarray)):
        index = np.asarray(index)
        if index.dtype.kind not in "iu":
            raise IndexError(f"{op}: tensors used as indices must be long, int or bool, got "
                             f"{index.dtype}")
        return index
    _checks.tensor(op, index, name)
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for {name}, got {index.dtype}")
    return index


def check_values_in_range(tensor, low, high, make_error, skip=None):
    """Raise ``make_error(bad)`` unless every value of ``tensor`` lies in
    [low, high] (those equal to ``skip`` excepted; NaN is out of range).

    On the CPU the error comes at once.  On a GPU it comes at the next read
    from the device (``.item()``, ``.numpy()``, printing, ``synchronize()``),
    as PyTorch's device-side asserts do: reading the values back here would
    stall every training step.  Until then, the kernels that use the values
    skip those out of range (nothing outside an array is read or written)."""
    get_backend(tensor.device).check_range(tensor._data, low, high, skip, make_error)


def _checked_range(op, index, size, dim, allow_negative):
    """``index`` (a Tensor) as int64, negatives wrapped when allowed, after a
    bounds check (see ``check_values_in_range``)."""
    def out_of_bounds(bad):
        return IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with size "
                          f"{size}")

    check_values_in_range(index, -size if allow_negative else 0, size - 1, out_of_bounds)
    backend = get_backend(index.device)
    raw = index._data
    if raw.dtype != np.int64:
        raw = backend.astype(raw, np.int64)
    if allow_negative and index.numel():
        raw = backend.where(backend.compare("lt", raw, 0), backend.add(raw, size), raw)
    return raw


def _grid(backend, shape, skip, strides):
    """sum over axes a != skip of arange(shape[a]) * strides[a], broadcast to
    ``shape``: the flat offset of every position except along ``skip``."""
    total = backend.full(tuple(shape), 0, np.int64)
    for a, n in enumerate(shape):
        if a == skip or n == 1:
            continue
        along = backend.arange(0, n, 1, np.int64)
        view = tuple(n if b == a else 1 for b in range(len(shape)))
        total = backend.add(total, backend.mul(backend.reshape(along, view), strides[a]))
    return total


def _positions_along(input, dim, raw_index, index_shape):
    """Flat positions into ``input`` of ``input[..., index, ...]`` where the
    index tensor (shape ``index_shape``) gives the coordinate along ``dim`` and
    the other coordinates are the index's own position."""
    backend = get_backend(input.device)
    strides = _strides(input.shape)
    total = _grid(backend, index_shape, dim, strides)
    return backend.add(total, backend.mul(raw_index, strides[dim]))


# ---- gather / scatter family ------------------------------------------------------------------
def _gather_args(op, input, dim, index):
    _checks.tensor(op, input)
    d = _checks.dim(op, dim, input.ndim)
    index = _int_tensor(op, index)
    if not isinstance(index, Tensor):
        index = constant(get_backend(input.device).from_numpy(index.astype(np.int64)),
                         input.device)
    _checks.same_device(op, input, index, "index")
    if index.ndim != input.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"input tensor ({index.ndim} vs {input.ndim})")
    for a, (n, m) in enumerate(zip(index.shape, input.shape)):
        if a != d and n > m:
            raise RuntimeError(f"{op}(): Size does not match at dimension {a} expected index "
                               f"{index.shape} to be smaller than self {input.shape} apart "
                               f"from dimension {d}")
    raw = _checked_range(op, index, input.shape[d] if input.ndim else 1, d, False)
    return d, index, raw


def gather(input, dim, index):
    """out[i][j][k] = input[i][index[i][j][k]][k] (for dim=1): values picked
    along ``dim`` at ``index``; the output has the index's shape."""
    d, index, raw = _gather_args("gather", input, dim, index)
    positions = _positions_along(input, d, raw, index.shape)
    return ops_indexing.Take.apply(input, positions)


def take_along_dim(input, indices, dim=None):
    """``gather`` with the indices broadcast against the input (flattened when
    ``dim`` is None), as ``numpy.take_along_axis``."""
    _checks.tensor("take_along_dim", input)
    if dim is None:
        return take(input, indices)
    d = _checks.dim("take_along_dim", dim, input.ndim)
    _checks.tensor("take_along_dim", indices, "indices")
    if indices.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {input.ndim} and {indices.ndim}")
    in_shape = list(input.shape)
    ix_shape = list(indices.shape)
    in_shape[d] = ix_shape[d] = 1
    common = _checks.broadcast_shapes("take_along_dim", tuple(in_shape), tuple(ix_shape))
    target_in = common[:d] + (input.shape[d],) + common[d + 1:]
    target_ix = common[:d] + (indices.shape[d],) + common[d + 1:]
    return gather(expand(input, target_in), d, expand(indices, target_ix))


def index_select(input, dim, index):
    """The entries of ``input`` along ``dim`` at the positions of the 1-D
    ``index``, in that order."""
    _checks.tensor("index_select", input)
    d = _checks.dim("index_select", dim, input.ndim)
    index = _int_tensor("index_select", index)
    if not isinstance(index, Tensor):
        index = constant(get_backend(input.device).from_numpy(index.astype(np.int64)),
                         input.device)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    _checks.same_device("index_select", input, index, "index")
    size = input.shape[d] if input.ndim else 1
    raw = _checked_range("index_select", index, size, d, False)
    backend = get_backend(input.device)
    out_shape = input.shape[:d] + (index.numel(),) + input.shape[d + 1:]
    along = backend.reshape(raw, tuple(index.numel() if a == d else 1
                                       for a in range(len(out_shape))))
    positions = _positions_along(input, d, backend.broadcast_to(along, out_shape), out_shape)
    return ops_indexing.Take.apply(input, positions)


def take(input, index):
    """The flattened input at the (flat) positions of ``index``; negative
    positions count from the end. The output has the index's shape."""
    _checks.tensor("take", input)
    index = _int_tensor("take", index)
    if not isinstance(index, Tensor):
        index = constant(get_backend(input.device).from_numpy(index.astype(np.int64)),
                         input.device)
    raw = _checked_range("take", index, input.numel(), 0, True)
    return ops_indexing.Take.apply(input, raw)


def _scatter(op, input, dim, index, src, accumulate):
    d, index, raw = _gather_args(op, input, dim, index)
    positions = _positions_along(input, d, raw, index.shape)
    if isinstance(src, Tensor):
        _checks.same_device(op, input, src, "src")
        if src.ndim != input.ndim or any(n > m for n, m in zip(index.shape, src.shape)):
            raise RuntimeError(f"{op}(): Expected index {index.shape} to be smaller than src "
                               f"{src.shape} in every dimension")
        values = src
        for a, n in enumerate(index.shape):
            if values.shape[a] != n:
                values = narrow(values, a, 0, n)
        values = cast(op, values, input.dtype)
    else:
        values = cast(op, operand(op, src, input), input.dtype)
    return ops_indexing.Put.apply(input, positions, values, accumulate)


def scatter(input, dim, index, src=None, *, value=None):
    """A copy of ``input`` with ``src`` (or the number ``value``) written at
    ``index`` along ``dim``: out[i][index[i][j][k]][k] = src[i][j][k] (dim=1)."""
    if (src is None) == (value is None):
        raise TypeError("scatter(): give exactly one of src and value")
    return _scatter("scatter", input, dim, index, src if value is None else value, False)


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``;
    repeated indices add up."""
    return _scatter("scatter_add", input, dim, index, src, True)


# ---- advanced indexing ----------------------------------------------------------------------
def _host_index(op, input, index):
    """``index`` with tensors and lists as NumPy arrays (host copies), for
    NumPy to resolve; bool tensors stay masks."""
    if not isinstance(index, tuple):
        index = (index,)
    parts = []
    for part in index:
        if isinstance(part, Tensor):
            if part.dtype.kind not in "iub":
                raise IndexError(f"{op}: tensors used as indices must be long, int or bool "
                                 f"tensors, got {part.dtype}")
            part = get_backend(part.device).to_numpy(part._data)
        elif isinstance(part, list):
            part = np.asarray(part)
            if part.dtype.kind not in "iub":
                raise IndexError(f"{op}: lists used as indices must hold ints or bools, got "
                                 f"{part.dtype}")
        elif isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
            raise IndexError(f"{op}: arrays used as indices must hold ints or bools, got "
                             f"{part.dtype}")
        elif isinstance(part, float):
            raise IndexError(f"{op}: only integers, slices, None, Ellipsis, and integer or "
                             f"boolean tensors are valid indices, got float")
        parts.append(part)
    return tuple(parts)


def _host_positions(op, input, index):
    """Flat positions of ``input[index]`` worked out by NumPy on the host."""
    grid = np.arange(input.numel(), dtype=np.int64).reshape(input.shape)
    try:
        positions = grid[index]
    except IndexError as exc:
        raise IndexError(f"{op}: {exc}") from None
    return np.ascontiguousarray(positions)


def is_basic(index):
    """True when ``index`` uses only ints (0-d integer tensors count), slices,
    None and Ellipsis."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, Tensor) and part.ndim == 0 and part.dtype.kind in "iu":
            continue
        if isinstance(part, (Tensor, list, np.ndarray, bool, np.bool_)):
            return False
    return True


_BASIC = (int, slice, type(None), type(Ellipsis))


def getitem(input, index):
    """``input[index]``: a view for basic indices (ints, slices, None, ...), a
    copy for tensor, list and mask indices (NumPy's and PyTorch's rules)."""
    if not is_basic(index):
        return advanced_getitem(input, index)
    index = _basic_index(input, index)
    return _view_of(shape_ops.GetItem, input, index)


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
            raise IndexError(f"indexing: only integers, slices (`:`), ellipsis (`...`), None "
                             f"and long or byte tensors are valid indices, got "
                             f"{type(part).__name__}")
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


def advanced_getitem(input, index):
    """``input[index]`` for indices with tensors, lists or masks: a copy."""
    positions = _host_positions("indexing", input, _host_index("indexing", input, index))
    backend = get_backend(input.device)
    return ops_indexing.Take.apply(input, backend.from_numpy(positions))


def setitem(input, index, value):
    """``input[index] = value`` in place: a number or a tensor broadcast to the
    indexed shape, converted to the input's dtype."""
    _checks.tensor("setitem", input)
    backend = get_backend(input.device)
    if is_basic(index):
        index = _basic_index(input, index)
        grid = backend.reshape(backend.arange(0, input.numel(), 1, np.int64), input.shape)
        positions = backend.copy(backend.getitem(grid, index))
    else:
        positions = backend.from_numpy(
            _host_positions("indexing", input, _host_index("indexing", input, index)))
    value = operand("setitem", value, input)
    if isinstance(value, Tensor):
        _checks.same_device("setitem", input, value, "value")
        shape = tuple(positions.shape)
        if _checks.broadcast_shapes("setitem", shape, value.shape) != shape:
            raise RuntimeError(f"setitem: shape mismatch: value tensor of shape {value.shape} "
                               f"cannot be broadcast to indexing result of shape {shape}")
    value = cast("setitem", value, input.dtype)
    inplace.update("setitem", input,
                   lambda s, v: ops_indexing.Put.apply(s, positions, v, False), value)


def masked_select(input, mask):
    """The elements of ``input`` where the bool ``mask`` (broadcast against it)
    is True, as a 1-D tensor."""
    _checks.tensor("masked_select", input)
    _checks.tensor("masked_select", mask, "mask")
    if mask.dtype != _dtypes.bool_:
        raise RuntimeError(f"masked_select: expected mask of dtype bool, got {mask.dtype}")
    shape = _checks.broadcast_shapes("masked_select", input.shape, mask.shape)
    return advanced_getitem(expand(input, shape), expand(mask, shape))


def index_put_(input, indices, values, accumulate=False):
    """``input[indices] = values`` in place (``+=`` with accumulate, repeated
    positions adding up); ``indices`` is a tuple of index tensors."""
    _checks.tensor("index_put_", input)
    if not isinstance(indices, tuple):
        raise TypeError("index_put_(): indices must be a tuple of tensors")
    backend = get_backend(input.device)
    positions = backend.from_numpy(
        _host_positions("index_put_", input, _host_index("index_put_", input, indices)))
    values = cast("index_put_", operand("index_put_", values, input), input.dtype)
    return inplace.update("index_put_", input,
                          lambda s, v: ops_indexing.Put.apply(s, positions, v, accumulate),
                          values)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot vectors of the class indices in ``tensor``: shape
    ``tensor.shape + (num_classes,)``; -1 takes the largest index + 1."""
    _checks.tensor("one_hot", tensor)
    if tensor.dtype != _dtypes.int64:
        raise RuntimeError(f"one_hot is only applicable to index tensor of dtype int64, got "
                           f"{tensor.dtype}")
    num_classes = _checks.integer("one_hot", "num_classes", num_classes, -1)
    backend = get_backend(tensor.device)
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("one_hot: can not infer total number of classes from empty "
                               "tensor")
        num_classes = int(backend.to_numpy(backend.max(tensor._data, None, False))) + 1
    _checked_range("one_hot", tensor, num_classes, -1, False)
    classes = backend.arange(0, num_classes, 1, np.int64)
    expanded = backend.reshape(tensor._data, tensor.shape + (1,))
    return constant(backend.astype(backend.compare("eq", expanded, classes), np.int64),
                    tensor.device)

"""Joining and splitting: ``cat``, ``stack``, ``hstack``, ``vstack``, ``split``,
``chunk``, ``unbind``. Split pieces are views of the input, as in PyTorch."""

from .. import _checks, _dtypes
from ..ops import shape as shape_ops
from ._common import cast
from .shape import narrow, reshape, select


def cat(tensors, dim=0, *, axis=None):
    """The ``tensors`` (a sequence of tensors of one rank whose shapes match
    except along ``dim``) joined along the existing dimension ``dim``
    (default 0; ``axis`` is NumPy's alias); dtypes are promoted."""
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
    """The same-shaped ``tensors`` joined along a new dimension inserted at
    ``dim`` (default 0; ``axis`` is NumPy's alias)."""
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


def hstack(tensors):
    """Tensors joined along dimension 1 (along 0 for 1-D tensors)."""
    tensors = _checks.tensor_list("hstack", tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Tensors joined along dimension 0, 1-D tensors taken as rows."""
    tensors = _checks.tensor_list("vstack", tensors)
    return cat([reshape(t, 1, -1) if t.ndim < 2 else t for t in tensors], 0)


def split(tensor, split_size_or_sections, dim=0):
    """``tensor`` cut along ``dim`` (default 0) into pieces: of
    ``split_size_or_sections`` elements each when it is an int (the last may
    be smaller), or of the sizes in it when it is a list. A tuple of views."""
    _checks.tensor("split", tensor)
    d = _checks.dim("split", dim, tensor.ndim)
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [_checks.integer("split", "split_sizes", n, 0) for n in split_size_or_sections]
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{sizes}")
    else:
        step = _checks.integer("split", "split_size", split_size_or_sections, 0)
        if step == 0:
            if size:
                raise RuntimeError(f"split: split_size can only be 0 if dimension size is 0, "
                                   f"but got dimension size of {size}")
            return (tensor,)
        sizes = [min(step, size - start) for start in range(0, size, step)] or [0]
    pieces, start = [], 0
    for n in sizes:
        pieces.append(narrow(tensor, d, start, n))
        start += n
    return tuple(pieces)


def chunk(input, chunks, dim=0):
    """``input`` cut into at most ``chunks`` pieces of equal size (the last may
    be smaller) along ``dim`` (default 0); a tuple of views."""
    _checks.tensor("chunk", input)
    chunks = _checks.integer("chunk", "chunks", chunks, 1)
    d = _checks.dim("chunk", dim, input.ndim)
    size = input.shape[d]
    step = -(-size // chunks) if size else 0
    return split(input, step, d) if step else tuple(narrow(input, d, 0, 0)
                                                    for _ in range(chunks))


def unbind(input, dim=0):
    """The slices of ``input`` along ``dim`` (default 0), each without that
    dimension; a tuple."""
    _checks.tensor("unbind", input)
    d = _checks.dim("unbind", dim, input.ndim)
    return tuple(select(input, d, i) for i in range(input.shape[d]))

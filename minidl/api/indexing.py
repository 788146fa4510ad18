"""Selecting by condition: ``where``, ``masked_fill``, ``nonzero``.

``nonzero`` returns as many indices as the data holds, so its result size
is only known once the values are on the host: like PyTorch on a GPU, it
waits for the device."""

import numpy as np

from .. import _checks, _dtypes
from ..backend import get_backend
from ..ops import elementwise as ew
from ..tensor import Tensor
from ._common import cast, check_broadcast, constant, operand


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
    """The indices of the non-zero elements: an int64 tensor (count, ndim), or
    with ``as_tuple=True`` one index tensor per dimension."""
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

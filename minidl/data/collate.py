"""Turning a list of examples into a batch: ``default_collate`` and ``default_convert``.

PyTorch's rules (``torch.utils.data.default_collate``), applied recursively to
the structure of the first example:

* tensors are stacked along a new first dimension (``minidl.stack``);
* NumPy arrays become tensors of their dtype and are stacked; NumPy scalars
  become a 1-D tensor of their dtype;
* Python floats become a float64 tensor, ints an int64 tensor, bools a bool tensor;
* strings and bytes stay a list;
* dicts (mappings) are collated key by key, named tuples field by field;
  tuples become *lists* of collated fields (PyTorch keeps this for backwards
  compatibility), other sequences keep their type where they can.

``default_convert`` is what a loader without automatic batching
(``batch_size=None``) applies to each example: arrays become tensors, nothing
is stacked.
"""

from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

from ..api.creation import as_tensor, from_numpy, tensor
from ..api.joining import stack
from ..tensor import Tensor
from .._dtypes import float64

__all__ = ["default_collate", "default_convert"]

# Array dtypes that cannot become tensors: byte strings, unicode, void, objects.
_STR_OBJ_DTYPE = re.compile(r"[SaUOV]")
_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                  "or lists; found {}")


def _numpy_batch(batch: list) -> Tensor:
    first = batch[0]
    if _STR_OBJ_DTYPE.search(first.dtype.str) is not None:
        raise TypeError(_COLLATE_ERROR.format(first.dtype))
    if all(isinstance(a, np.ndarray) and a.shape == first.shape and a.dtype == first.dtype
           for a in batch):
        # The common case in one NumPy copy; the values and dtype are those of
        # stacking the arrays as tensors.
        return from_numpy(np.stack(batch))
    # Mixed shapes or dtypes: stacking tensors gives PyTorch's errors and promotion.
    return stack([as_tensor(a) for a in batch])


def _transposed(batch: list) -> list:
    width = len(batch[0])
    if any(len(example) != width for example in batch):
        raise RuntimeError("each element in list of batch should be of equal size")
    return list(zip(*batch))


def default_collate(batch):
    """Collate a list of examples into a batch (PyTorch's ``default_collate``).

    Args:
        batch: a non-empty list of examples of the same structure.

    Returns the batch: a tensor whose first dimension is ``len(batch)``, or a
    list / dict / named tuple of those (see the module docstring for the rules).
    Raises TypeError for values that cannot be batched (objects, None, ...) and
    RuntimeError for tensors or sequences of different sizes.
    """
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"default_collate: batch must be a list of examples, got "
                        f"{type(batch).__name__}")
    if len(batch) == 0:
        raise ValueError("default_collate: batch is empty")
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch))
    if isinstance(first, np.ndarray):
        return _numpy_batch(list(batch))
    if isinstance(first, (np.bool_, np.number)):
        return from_numpy(np.asarray(batch))
    if isinstance(first, float):
        return tensor(list(batch), dtype=float64)
    if isinstance(first, int):  # bool included: a bool tensor
        return tensor(list(batch))
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        collated = {key: default_collate([example[key] for example in batch]) for key in first}
        try:
            if isinstance(first, collections.abc.MutableMapping):
                # Keep the mapping's type and any extra attributes it carries.
                clone = copy.copy(first)
                clone.update(collated)
                return clone
            return type(first)(collated)
        except TypeError:  # a mapping type that cannot be built from a dict
            return collated
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a named tuple
        return type(first)(*(default_collate(list(field)) for field in _transposed(batch)))
    if isinstance(first, collections.abc.Sequence):
        fields = [default_collate(list(field)) for field in _transposed(batch)]
        if isinstance(first, tuple):
            return fields
        try:
            if isinstance(first, collections.abc.MutableSequence):
                clone = copy.copy(first)
                for i, field in enumerate(fields):
                    clone[i] = field
                return clone
            return type(first)(fields)
        except TypeError:  # e.g. range: cannot be built from a list
            return fields
    raise TypeError(_COLLATE_ERROR.format(type(first)))


def default_convert(data):
    """Convert one example's arrays to tensors, without batching (PyTorch's ``default_convert``).

    Args:
        data: an example: NumPy arrays and scalars become tensors (arrays of
            strings or objects stay as they are); tensors, numbers and strings
            are returned unchanged; dicts, named tuples, tuples (as lists) and
            other sequences are converted element by element.
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        if _STR_OBJ_DTYPE.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return from_numpy(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, value in enumerate(converted):
                    clone[i] = value
                return clone
            return type(data)(converted)
        except TypeError:
            return converted
    return data

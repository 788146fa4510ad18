"""Assembling one batch from a data set: the single place a batch is made.

Both the loader's own process and its worker processes call ``fetch``:

* with automatic batching, the examples at a list of indices are read
  (``dataset.__getitems__(indices)`` when the data set has it, else
  ``dataset[i]`` one by one) and passed to ``collate_fn``, as PyTorch's fetcher;
* with the default ``collate_fn``, an ``ArrayDataset`` and a ``TensorDataset``
  (and a ``Subset`` of one) are read with *one* index per array or tensor
  instead: the same batch as stacking the examples, without a Python loop;
* without automatic batching (``batch_size=None``), one index gives one
  example, passed to ``collate_fn`` (by default ``default_convert``).
"""

from __future__ import annotations

import numpy as np

from ..api.creation import as_tensor, from_numpy
from ..api.indexing import index_select
from .collate import _COLLATE_ERROR, _STR_OBJ_DTYPE, default_collate
from .datasets import ArrayDataset, Subset, TensorDataset

__all__ = ["fetch"]


def _array_batch(array: np.ndarray):
    if _STR_OBJ_DTYPE.search(array.dtype.str) is not None:
        raise TypeError("DataLoader: " + _COLLATE_ERROR.format(array.dtype))
    # A fancy index is already a fresh copy: the batch never aliases the data set.
    return from_numpy(np.ascontiguousarray(array))


def _gather(dataset, indices: list):
    """The default-collated batch at ``indices`` read with one index per
    array or tensor, or None when ``dataset`` has no such fast path."""
    if isinstance(dataset, ArrayDataset):
        index = np.asarray(indices, dtype=np.int64)
        return [_array_batch(a[index]) for a in dataset.arrays]
    if isinstance(dataset, TensorDataset) \
            and type(dataset).__getitem__ is TensorDataset.__getitem__:
        n = len(dataset)
        index = np.asarray(indices, dtype=np.int64)
        if index.size and not (-n <= index.min() and index.max() < n):
            bad = index[(index < -n) | (index >= n)][0]
            raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
        index = np.where(index < 0, index + n, index)
        return [index_select(t, 0, as_tensor(index, device=t.device)) for t in dataset.tensors]
    if isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__ \
            and type(dataset).__getitems__ is Subset.__getitems__:
        return _gather(dataset.dataset, [dataset.indices[i] for i in indices])
    return None


def fetch(dataset, indices, auto_collation: bool, collate_fn):
    """One batch of ``dataset``.

    Args:
        dataset: a map-style data set.
        indices: a list of indices (``auto_collation``) or one index.
        auto_collation: True when the loader batches (``batch_size`` or
            ``batch_sampler`` given), False for ``batch_size=None``.
        collate_fn: turns the examples (a list, or one example) into the batch.
    """
    if not auto_collation:
        return collate_fn(dataset[indices])
    if collate_fn is default_collate:
        batch = _gather(dataset, indices)
        if batch is not None:
            return batch
    getitems = getattr(dataset, "__getitems__", None)
    if callable(getitems):
        return collate_fn(getitems(indices))
    return collate_fn([dataset[i] for i in indices])

"""Map-style data sets: the ``Dataset`` protocol, in-memory data sets, and
data sets made of other data sets.

This module owns what a data set *is* (``__len__`` + ``__getitem__``) and the
generic ones, with PyTorch's names and behaviour where PyTorch has them:

* ``ArrayDataset`` -- examples along the first axis of NumPy arrays;
* ``TensorDataset`` -- the same over minidl tensors (``torch.utils.data``);
* ``Subset``, ``ConcatDataset`` and ``random_split``.

The image data sets are in ``mnist.py`` (and ``minidl.vision.datasets``).
"""

from __future__ import annotations

import bisect
import collections.abc
import itertools
import math
import numbers
import warnings

import numpy as np

from .. import random as _random
from ..tensor import Tensor

__all__ = ["Dataset", "ArrayDataset", "TensorDataset", "Subset", "ConcatDataset",
           "random_split"]


class Dataset:
    """A map-style data set: ``len(ds)`` examples, ``ds[i]`` returns example ``i``.

    Subclasses implement both methods; ``DataLoader`` needs nothing else.
    ``a + b`` is ``ConcatDataset([a, b])``, as in PyTorch.
    """

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


def _as_array(value) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    # A minidl Tensor (or similar) exposes .numpy(); anything else goes through numpy.
    to_numpy = getattr(value, "numpy", None)
    if callable(to_numpy):
        return np.asarray(to_numpy())
    return np.asarray(value)


class ArrayDataset(Dataset):
    """Examples taken along the first axis of equally long NumPy arrays.

    ``ds[i]`` is the tuple ``(a[i] for a in ds.arrays)``; ``i`` may also be a slice
    or an integer array. A ``DataLoader`` with the default ``collate_fn`` fetches
    a whole batch with one fancy index per array (``ds.arrays``), never example
    by example, so a subclass that overrides ``__getitem__`` is not consulted.

    Args:
        *arrays: one or more arrays (or tensors, converted with ``.numpy()``)
            of the same length along axis 0.
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("ArrayDataset needs at least one array")
        arrays = tuple(_as_array(a) for a in arrays)
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"ArrayDataset: array {i} is a scalar; arrays need a "
                                 "first (example) axis")
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"ArrayDataset: arrays differ in length along axis 0: {lengths}")
        self.arrays: tuple[np.ndarray, ...] = arrays

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.dtype}{list(a.shape)}" for a in self.arrays)
        return f"{type(self).__name__}({shapes})"


class TensorDataset(Dataset):
    """Examples taken along the first dimension of tensors (PyTorch's ``TensorDataset``).

    ``ds[i]`` is the tuple ``(t[i] for t in ds.tensors)``.

    Args:
        *tensors: one or more minidl tensors (on any device) with the same
            size of dimension 0.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {i} is a {type(t).__name__}, not a "
                                "Tensor (ArrayDataset holds NumPy arrays)")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} has no dimensions; tensors need "
                                 "a first (example) dimension")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: Size mismatch between tensors: sizes {sizes} "
                             "along dimension 0")
        self.tensors: tuple[Tensor, ...] = tuple(tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{t.dtype}{list(t.shape)}" for t in self.tensors)
        return f"{type(self).__name__}({shapes})"


class Subset(Dataset):
    """The examples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the data set to take examples from.
        indices: a sequence of its indices; ``subset[i]`` is ``dataset[indices[i]]``.
    """

    def __init__(self, dataset, indices):
        if not hasattr(dataset, "__getitem__"):
            raise TypeError(f"Subset: dataset must support indexing, got "
                            f"{type(dataset).__name__}")
        if not isinstance(indices, collections.abc.Sequence) and not (
                hasattr(indices, "__len__") and hasattr(indices, "__getitem__")):
            raise TypeError(f"Subset: indices must be a sequence of ints, got "
                            f"{type(indices).__name__}")
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        """The examples at ``indices`` (one call to the data set's own
        ``__getitems__`` when it has one), as PyTorch's ``Subset``."""
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The examples of several data sets, one after the other.

    Args:
        datasets: a non-empty iterable of data sets (each with ``__len__``).

    ``cumulative_sizes`` holds the running totals of their lengths.
    """

    def __init__(self, datasets):
        if isinstance(datasets, Dataset) or not isinstance(datasets, collections.abc.Iterable):
            raise TypeError(f"ConcatDataset: datasets must be an iterable of data sets, got "
                            f"{type(datasets).__name__}")
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if not (hasattr(d, "__len__") and hasattr(d, "__getitem__")):
                raise TypeError(f"ConcatDataset: every data set needs __len__ and __getitem__, "
                                f"got {type(d).__name__}")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if isinstance(idx, (bool, np.bool_)) or not isinstance(idx, numbers.Integral):
            raise TypeError(f"ConcatDataset indices must be integers, got {type(idx).__name__}")
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        if idx >= len(self):
            raise IndexError(f"ConcatDataset: index {idx} is out of range for {len(self)} "
                             "examples")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        offset = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - offset]


def _split_lengths(n: int, lengths) -> list[int]:
    """PyTorch's rule: fractions summing to 1 become counts, the remainder
    spread one by one from the first split; otherwise counts that sum to ``n``."""
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, collections.abc.Sequence):
        raise TypeError(f"random_split: lengths must be a sequence of ints or fractions, got "
                        f"{type(lengths).__name__}")
    for i, value in enumerate(lengths):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"random_split: length at index {i} is {value!r}, not a number")
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        counts = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"random_split: Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * fraction)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=3)
        return counts
    for i, value in enumerate(lengths):
        if not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"random_split: lengths must be non-negative ints, or fractions "
                             f"summing to 1; got {value!r} at index {i}")
    if total != n:
        raise ValueError(f"random_split: Sum of input lengths ({total}) does not equal the "
                         f"length of the input dataset ({n})!")
    return [int(value) for value in lengths]


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping ``Subset``s.

    Args:
        dataset: the data set (with ``__len__``).
        lengths: the sizes of the splits, ints summing to ``len(dataset)``, or
            fractions summing to 1 (``[0.8, 0.2]``: ``floor(n * f)`` each, the
            remaining examples given one by one to the splits in order).
        generator: a ``numpy.random.Generator`` for the permutation; None
            (default) uses minidl's global generator (``minidl.manual_seed``).

    Returns a list of ``Subset``, one per length.
    """
    if not hasattr(dataset, "__len__"):
        raise TypeError(f"random_split: dataset must have a length, got "
                        f"{type(dataset).__name__}")
    counts = _split_lengths(len(dataset), lengths)
    rng = _random.resolve_generator("random_split", generator)
    indices = rng.permutation(sum(counts)).tolist()
    return [Subset(dataset, indices[end - count:end])
            for end, count in zip(itertools.accumulate(counts), counts)]

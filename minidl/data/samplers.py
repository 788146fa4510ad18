"""Samplers: the order in which a ``DataLoader`` visits a data set's indices.

As ``torch.utils.data``: a sampler is an iterable of indices, a batch sampler
an iterable of lists of indices. ``SequentialSampler`` and ``RandomSampler``
are what ``DataLoader(shuffle=False/True)`` builds; ``BatchSampler`` groups
any sampler's indices into batches.

Random numbers come from a ``numpy.random.Generator`` (minidl's generators;
PyTorch passes a ``torch.Generator``). Without one, ``RandomSampler`` draws a
fresh seed from minidl's global generator at the start of every pass, as
PyTorch does, so ``minidl.manual_seed`` makes the orders reproducible.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import random as _random

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "BatchSampler"]

# Seeds drawn from a generator are in [0, 2**63), like PyTorch's int64 seeds.
_SEED_BOUND = 2 ** 63
# RandomSampler with replacement draws its indices in chunks of this size (PyTorch's 32).
_REPLACEMENT_CHUNK = 32


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_generator(op: str, generator):
    """``generator`` when None or a ``numpy.random.Generator``; else a TypeError naming ``op``."""
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{op}: generator must be a numpy.random.Generator or None, got "
                        f"{type(generator).__name__}")
    return generator


def draw_seed(generator=None) -> int:
    """A seed in [0, 2**63) from ``generator``, or from minidl's global generator."""
    source = _random.default_generator() if generator is None else generator
    return int(source.integers(_SEED_BOUND))


class Sampler:
    """Base class of samplers: iterables of data set indices.

    Subclasses implement ``__iter__`` and, where the number of indices is
    known, ``__len__``. ``data_source`` is accepted and ignored, as in PyTorch.
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """The indices ``0, 1, ..., len(data_source) - 1`` in order.

    Args:
        data_source: the data set (anything with ``__len__``).
    """

    def __init__(self, data_source):
        if not hasattr(data_source, "__len__"):
            raise TypeError(f"SequentialSampler: data_source must have a length, got "
                            f"{type(data_source).__name__}")
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """The indices of ``data_source`` in a random order, new at every pass.

    Args:
        data_source: the data set (anything with ``__len__``).
        replacement: draw ``num_samples`` indices independently (with
            replacement) instead of permutations. Default False.
        num_samples: how many indices a pass yields; default (None) the data
            set's length. Without replacement, more than the length repeats
            whole permutations.
        generator: a ``numpy.random.Generator`` every pass draws from; None
            (default) seeds a new generator at each pass from minidl's global
            generator (``minidl.manual_seed`` makes it reproducible).
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None):
        if not hasattr(data_source, "__len__"):
            raise TypeError(f"RandomSampler: data_source must have a length, got "
                            f"{type(data_source).__name__}")
        if not _is_bool(replacement):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        if num_samples is not None and (not _is_int(num_samples) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={num_samples!r}")
        self.data_source = data_source
        self.replacement = bool(replacement)
        self._num_samples = None if num_samples is None else int(num_samples)
        self.generator = check_generator("RandomSampler", generator)

    @property
    def num_samples(self) -> int:
        """How many indices a pass yields: ``num_samples`` if given, else the
        data set's length."""
        # The data set's length is read at each use: it may change between passes.
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __len__(self) -> int:
        return self.num_samples

    def epoch_generator(self) -> np.random.Generator:
        """The generator one pass draws from: ``generator``, else a new one
        seeded from minidl's global generator (one draw)."""
        if self.generator is not None:
            return self.generator
        return np.random.default_rng(draw_seed())

    def epoch_indices(self, rng: np.random.Generator):
        """Yield one pass of indices drawn from ``rng``."""
        n = len(self.data_source)
        count = self.num_samples
        if self.replacement:
            for _ in range(count // _REPLACEMENT_CHUNK):
                yield from rng.integers(n, size=_REPLACEMENT_CHUNK).tolist()
            yield from rng.integers(n, size=count % _REPLACEMENT_CHUNK).tolist()
            return
        if n == 0:
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        if count % n:
            yield from rng.permutation(n)[:count % n].tolist()

    def __iter__(self):
        return self.epoch_indices(self.epoch_generator())


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, new at every pass.

    Args:
        indices: a sequence of data set indices.
        generator: a ``numpy.random.Generator``; None (default) as ``RandomSampler``.
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = check_generator("SubsetRandomSampler", generator)

    def __iter__(self):
        rng = _random.default_generator() if self.generator is None else self.generator
        for i in rng.permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices (a ``Sampler``, a range, a list).
        batch_size: indices per batch, a positive int.
        drop_last: drop the last batch when it is smaller than ``batch_size``.

    ``list(BatchSampler(SequentialSampler(range(10)), 3, False))`` is
    ``[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]``.
    """

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, but "
                             f"got batch_size={batch_size!r}")
        if not _is_bool(drop_last):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        if not hasattr(sampler, "__iter__"):
            raise TypeError(f"BatchSampler: sampler must be iterable, got "
                            f"{type(sampler).__name__}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)

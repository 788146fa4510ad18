"""Batching a ``Dataset`` into minidl tensors: ``DataLoader`` and ``cycle``.

This module owns the order examples are visited in (seeded per-epoch shuffling,
resumable through ``state_dict``) and how a batch is assembled:

* an ``ArrayDataset`` (``MNIST`` included) is indexed with *one* fancy index
  per array per batch, with no Python loop over examples;
* any other ``Dataset`` is read example by example and stacked (collated).

Batches are built in numpy by ``_iter_numpy`` and only converted to tensors
(``minidl.from_numpy``, then ``.to(device)``) as they are yielded. Iterating is
single-process; one iteration of a loader should be active at a time, since
they share the loader's position.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

from ..api.creation import from_numpy
from ..backend import normalize_device
from .datasets import ArrayDataset

__all__ = ["DataLoader", "cycle"]

_STATE_VERSION = 1


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"DataLoader: {name} must be True or False, got {value!r}")
    return bool(value)


def _to_numpy(value) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    to_numpy = getattr(value, "numpy", None)  # e.g. a minidl Tensor
    if callable(to_numpy):
        return np.asarray(to_numpy())
    return np.asarray(value)


def _collate(samples: list, dataset) -> tuple[np.ndarray, ...]:
    """Stack per-example values into per-field batch arrays."""
    first = samples[0]
    if isinstance(first, dict):
        raise TypeError(f"DataLoader: {type(dataset).__name__} returns dicts; return a "
                        "tuple (e.g. (image, label)) from __getitem__ instead")
    if not isinstance(first, (tuple, list)):
        return (np.stack([_to_numpy(s) for s in samples]),)
    width = len(first)
    if any(len(s) != width for s in samples):
        raise ValueError(f"DataLoader: {type(dataset).__name__} returned examples with "
                         "different numbers of fields")
    return tuple(np.stack([_to_numpy(s[f]) for s in samples]) for f in range(width))


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` examples.

    Each iteration (``for batch in loader``) is one epoch and yields tuples of
    minidl tensors, one per field of the examples (e.g. ``(images, labels)``).

    shuffle: visit the examples in a new random order every epoch, drawn from a
        ``np.random.Generator`` seeded with ``seed``: the same seed gives the same
        sequence of epoch orders in every run; ``seed=None`` seeds from the OS.
    drop_last: skip the final batch when it is smaller than ``batch_size``.
    device: when not None, each tensor is moved with ``.to(device)``.

    ``state_dict()`` / ``load_state_dict()`` save and restore the generator,
    the epoch and the position in it, so a resumed run sees exactly the batches
    the interrupted one would have seen next.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None, device=None):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise ValueError(f"DataLoader: dataset must define __len__ and __getitem__, got "
                             f"{type(dataset).__name__}")
        if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size,
                                                                       numbers.Integral):
            raise ValueError(f"DataLoader: batch_size must be an int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        if seed is not None and (isinstance(seed, (bool, np.bool_))
                                 or not isinstance(seed, numbers.Integral) or seed < 0):
            raise ValueError(f"DataLoader: seed must be None or an int >= 0, got {seed!r}")

        if device is not None:
            try:
                device = normalize_device(device)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"DataLoader: {exc}") from None

        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = _check_flag("shuffle", shuffle)
        self.drop_last = _check_flag("drop_last", drop_last)
        self.seed = None if seed is None else int(seed)
        self.device = device
        self._rng = np.random.default_rng(self.seed)
        # Position of the *next* batch: epoch index, batches already yielded in
        # it, and the generator state from before that epoch's permutation was
        # drawn (so the permutation can be drawn again on resume).
        self._epoch = 0
        self._position = 0
        self._epoch_rng_state = self._rng.bit_generator.state
        self._in_epoch = False  # an iteration has started and not finished
        self._resume = False  # set by load_state_dict: continue, don't start anew

    # -- sizes ---------------------------------------------------------------

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    @property
    def epoch(self) -> int:
        """Index of the epoch in progress, or of the next one if none is."""
        return self._epoch

    # -- iteration -----------------------------------------------------------

    def _start_epoch(self) -> np.ndarray:
        """Bookkeeping for a new (or resumed) epoch; returns its index order."""
        n = len(self.dataset)
        if self._resume:
            self._resume = False
            self._rng.bit_generator.state = copy.deepcopy(self._epoch_rng_state)
        else:
            if self._in_epoch:
                # The previous epoch was abandoned part-way (``break``): like a
                # finished one, the next iteration starts a fresh epoch.
                self._epoch += 1
                self._position = 0
            self._epoch_rng_state = self._rng.bit_generator.state
        self._in_epoch = True
        if self.shuffle:
            return self._rng.permutation(n)
        return np.arange(n)

    def _iter_numpy(self):
        """Yield each batch of the epoch as a tuple of numpy arrays."""
        order = self._start_epoch()
        n_batches = len(self)
        fast = isinstance(self.dataset, ArrayDataset)
        for b in range(self._position, n_batches):
            index = order[b * self.batch_size:(b + 1) * self.batch_size]
            if fast:
                # One fancy index per array: a copy, so a batch never aliases the
                # data set (an in-place op on a batch cannot corrupt the data).
                batch = tuple(a[index] for a in self.dataset.arrays)
            else:
                batch = _collate([self.dataset[int(i)] for i in index], self.dataset)
            # Count the batch before handing it out, so a state_dict() taken
            # while the caller holds it resumes *after* it.
            self._position = b + 1
            yield batch
        # Epoch finished: the next batch is the first one of the next epoch,
        # drawn from the generator's current state.
        self._epoch += 1
        self._position = 0
        self._epoch_rng_state = self._rng.bit_generator.state
        self._in_epoch = False

    def _to_tensor(self, array: np.ndarray):
        if array.dtype.kind not in "biuf":
            raise TypeError(f"DataLoader: {type(self.dataset).__name__} gave a batch of dtype "
                            f"{array.dtype}; only numbers and booleans become tensors")
        tensor = from_numpy(np.ascontiguousarray(array))
        return tensor if self.device is None else tensor.to(self.device)

    def __iter__(self):
        for batch in self._iter_numpy():
            yield tuple(self._to_tensor(a) for a in batch)

    # -- checkpointing -------------------------------------------------------

    def state_dict(self) -> dict:
        """Where the loader is: a dict of plain Python values (picklable)."""
        return {
            "version": _STATE_VERSION,
            "epoch": self._epoch,
            "position": self._position,
            "rng_state": copy.deepcopy(self._epoch_rng_state),
            # Saved to refuse a resume into a differently configured loader,
            # where "position" would mean different examples.
            "num_examples": len(self.dataset),
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "drop_last": self.drop_last,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state_dict()``: the next iteration continues from there."""
        if not isinstance(state, dict) or state.get("version") != _STATE_VERSION:
            raise ValueError("DataLoader.load_state_dict: not a DataLoader state "
                             f"(version {_STATE_VERSION})")
        missing = [k for k in ("epoch", "position", "rng_state") if k not in state]
        if missing:
            raise ValueError(f"DataLoader.load_state_dict: the state lacks {missing}")
        config = {"num_examples": len(self.dataset), "batch_size": self.batch_size,
                  "shuffle": self.shuffle, "drop_last": self.drop_last}
        diffs = [f"{k}: saved {state.get(k)!r}, loader has {v!r}"
                 for k, v in config.items() if state.get(k) != v]
        if diffs:
            raise ValueError("DataLoader.load_state_dict: the state is from a loader "
                             "configured differently (" + "; ".join(diffs) + ")")
        position, epoch = state["position"], state["epoch"]
        for name, value in (("position", position), ("epoch", epoch)):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                raise ValueError(f"DataLoader.load_state_dict: {name} must be an int, got "
                                 f"{value!r}")
        if not 0 <= position <= len(self):
            raise ValueError(f"DataLoader.load_state_dict: position {position} outside "
                             f"0..{len(self)}")
        rng_state = copy.deepcopy(state["rng_state"])
        previous = self._rng.bit_generator.state
        try:
            self._rng.bit_generator.state = rng_state  # validates the state's format
        except (TypeError, ValueError, KeyError) as exc:
            self._rng.bit_generator.state = previous
            raise ValueError(f"DataLoader.load_state_dict: rng_state is not a generator "
                             f"state ({exc})") from None
        self._epoch = int(epoch)
        self._position = int(position)
        self._epoch_rng_state = rng_state
        self._in_epoch = False
        self._resume = True

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})")


def cycle(loader):
    """Yield batches from ``loader`` forever, epoch after epoch (steps-based training).

    Each pass is a full iteration of the loader, so a ``DataLoader`` reshuffles
    every epoch. Raises ``ValueError`` if an epoch yields no batch at all
    (e.g. a data set smaller than the batch size with ``drop_last=True``),
    which would otherwise loop forever.
    """
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("cycle: the loader yielded no batches in an epoch")

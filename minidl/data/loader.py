"""``DataLoader``: batches of a data set, with PyTorch's arguments and behaviour, and ``cycle``.

This module owns iterating a data set in batches: which indices each batch
holds (the samplers, ``samplers.py``), in which process it is built (here, or
in worker processes, ``workers.py``), handing batches out in order, and where
the loader is (epoch, position) so that a run can stop and resume exactly
(``state_dict`` / ``load_state_dict``, a minidl addition). A batch itself is
made by ``batching.fetch``, the same code in every process.

``minidl.data.DataLoader`` and ``minidl.utils.data.DataLoader`` are this class.
"""

from __future__ import annotations

import copy
import itertools
import multiprocessing
import numbers

import numpy as np

from ..backend import normalize_device
from ..tensor import Tensor
from .batching import fetch
from .collate import default_collate, default_convert
from .samplers import (BatchSampler, RandomSampler, SequentialSampler, check_generator,
                       draw_seed)
from .workers import WorkerPool

__all__ = ["DataLoader", "cycle"]

_STATE_VERSION = 2
# Attributes PyTorch refuses to change once the loader exists.
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_flag(name: str, value, allow_none: bool = False) -> bool:
    if value is None and allow_none:
        return False
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"DataLoader: {name} must be True or False, got {value!r}")
    return bool(value)


def _to_device(data, device):
    """``data`` (a batch: tensors in lists, tuples and dicts) with every tensor on ``device``."""
    if isinstance(data, Tensor):
        return data.to(device)
    if isinstance(data, dict):
        return type(data)({key: _to_device(value, device) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_to_device(value, device) for value in data))
    if isinstance(data, (list, tuple)):
        return type(data)(_to_device(value, device) for value in data)
    return data


class _Epoch:
    """One pass over the data: how it started (to replay it on resume) and
    the batches of indices still to be handed out."""

    def __init__(self, start_states, base_seed, drew_base_seed, rng_state, batches):
        self.start_states = start_states  # the loader's generators before this pass
        self.base_seed = base_seed  # the workers' base seed
        self.drew_base_seed = drew_base_seed  # False: persistent workers kept theirs
        self.rng_state = rng_state  # a shuffling generator seeded from the global one
        self.batches = batches


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's ``torch.utils.data.DataLoader``).

    Each ``iter(loader)`` (one ``for`` loop) is one epoch. With the default
    ``collate_fn``, examples that are tuples give batches that are lists of
    tensors (``for x, y in loader``), dicts give dicts, tensors a tensor; see
    ``default_collate``.

    Args:
        dataset: a map-style data set (``__len__`` and ``__getitem__``).
        batch_size: examples per batch (default 1); None turns automatic
            batching off: each example is converted with ``default_convert``.
        shuffle: a new random order every epoch (``RandomSampler``); default
            None, which is False.
        sampler: the order of the indices, an iterable of indices; not with ``shuffle``.
        batch_sampler: yields whole lists of indices; not with ``batch_size``,
            ``shuffle``, ``sampler`` or ``drop_last``.
        num_workers: how many worker processes build batches; 0 (default)
            builds them in this process. Workers are seeded per worker and
            per epoch (see ``minidl.data.workers``) and start with
            ``multiprocessing_context``, by default "forkserver" where
            available: the data set, ``collate_fn`` and ``worker_init_fn`` must
            be picklable, and a script must start from an
            ``if __name__ == "__main__":`` block (as on macOS and Windows).
        collate_fn: makes a batch from a list of examples; default
            ``default_collate`` (``default_convert`` with ``batch_size=None``).
        pin_memory: accepted for PyTorch compatibility; does nothing (minidl
            copies host batches to the GPU with ``.to``, from pageable memory).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout: seconds to wait for a batch from the workers before raising
            RuntimeError; 0 (default) waits as long as the workers live.
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker
            after it is seeded.
        multiprocessing_context: a start method name ("fork", "spawn",
            "forkserver") or a ``multiprocessing`` context; only with workers.
        generator: a ``numpy.random.Generator`` for the shuffling order and the
            workers' base seed; None (default) draws from minidl's global
            generator at the start of every epoch, so ``minidl.manual_seed``
            makes the order reproducible.
        prefetch_factor: batches each worker loads ahead (default 2 with
            workers; must be None without).
        persistent_workers: keep the worker processes between epochs instead
            of starting new ones for each (only with workers).
        pin_memory_device: accepted for PyTorch compatibility; does nothing.
        in_order: with workers, hand batches out in sampler order (default
            True); False hands each out as soon as it is ready.

    minidl additions (keyword-only):
        seed: an int: the same as ``generator=numpy.random.default_rng(seed)``.
        device: move every tensor of each batch there with ``.to(device)``.

    ``state_dict()`` / ``load_state_dict()`` save and restore the epoch, the
    position in it and the shuffling state, so that a resumed run sees exactly
    the batches an uninterrupted one would have (for the built-in samplers).
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, seed: int | None = None,
                 device=None):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise ValueError(f"DataLoader: dataset must define __len__ and __getitem__, got "
                             f"{type(dataset).__name__}")
        if batch_size is not None and (not _is_int(batch_size) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value or "
                             f"None, but got batch_size={batch_size!r}")
        shuffle = _check_flag("shuffle", shuffle, allow_none=True)
        drop_last = _check_flag("drop_last", drop_last)
        self._check_workers(num_workers, timeout, prefetch_factor, persistent_workers,
                            multiprocessing_context, worker_init_fn)
        for name, value in (("pin_memory", pin_memory), ("in_order", in_order)):
            _check_flag(name, value)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got "
                            f"{type(collate_fn).__name__}")
        generator = check_generator("DataLoader", generator)
        if seed is not None:
            if not _is_int(seed) or seed < 0:
                raise ValueError(f"DataLoader: seed must be None or an int >= 0, got {seed!r}")
            if generator is not None:
                raise ValueError("DataLoader: give either seed or generator, not both")
            generator = np.random.default_rng(int(seed))
        if device is not None:
            try:
                device = normalize_device(device)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"DataLoader: {exc}") from None

        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        for name, value in (("sampler", sampler), ("batch_sampler", batch_sampler)):
            if value is not None and not hasattr(value, "__iter__"):
                raise TypeError(f"DataLoader: {name} must be an iterable of indices, got "
                                f"{type(value).__name__}")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, int(batch_size), drop_last)

        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = int(num_workers)
        self.prefetch_factor = (2 if prefetch_factor is None and num_workers > 0
                                else prefetch_factor)
        self.pin_memory = bool(pin_memory)
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = bool(persistent_workers)
        self.in_order = bool(in_order)
        self.seed = None if seed is None else int(seed)
        self.device = device
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

        # Where the loader is: the epoch in progress (or next), the batches of it
        # already handed out, and that epoch's random state (see state_dict).
        self._epoch = 0
        self._position = 0
        self._current: _Epoch | None = None  # the epoch in progress, if any
        self._resume: dict | None = None  # set by load_state_dict
        self._iterator = None  # the persistent workers' iterator
        self._initialized = True

    @staticmethod
    def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers,
                       multiprocessing_context, worker_init_fn) -> None:
        if not _is_int(num_workers) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be a non-negative int; "
                             f"use num_workers=0 to disable multiprocessing (got "
                             f"num_workers={num_workers!r})")
        if isinstance(timeout, (bool, np.bool_)) or not isinstance(timeout, numbers.Real) \
                or not timeout >= 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got "
                             f"timeout={timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing. Let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if prefetch_factor is not None and (not _is_int(prefetch_factor) or prefetch_factor < 1):
            raise ValueError(f"DataLoader: prefetch_factor option should be a positive int, got "
                             f"prefetch_factor={prefetch_factor!r}")
        _check_flag("persistent_workers", persistent_workers)
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError(f"DataLoader: worker_init_fn must be callable, got "
                            f"{type(worker_init_fn).__name__}")
        if multiprocessing_context is None:
            return
        if num_workers == 0:
            raise ValueError(f"DataLoader: multiprocessing_context can only be used with "
                             f"multi-process loading (num_workers > 0), but got "
                             f"num_workers={num_workers}")
        if isinstance(multiprocessing_context, str):
            methods = multiprocessing.get_all_start_methods()
            if multiprocessing_context not in methods:
                raise ValueError(f"DataLoader: multiprocessing_context option should specify a "
                                 f"valid start method in {methods!r}, but got "
                                 f"multiprocessing_context={multiprocessing_context!r}")
        elif not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
            raise TypeError(f"DataLoader: multiprocessing_context option should be a valid "
                            f"context object or a string specifying the start method, but got "
                            f"multiprocessing_context={multiprocessing_context!r}")

    def __setattr__(self, name, value):
        if name in _FROZEN and self.__dict__.get("_initialized", False):
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(name, value)

    # -- sizes ---------------------------------------------------------------

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        """Number of batches per epoch (examples, with ``batch_size=None``)."""
        return len(self._index_sampler)

    @property
    def epoch(self) -> int:
        """Index of the epoch in progress, or of the next one if none is."""
        return self._epoch

    # -- epochs --------------------------------------------------------------

    def _base_sampler(self):
        """The sampler of indices under the loader's own batching, or None
        when a custom batch sampler makes the batches."""
        if not self._auto_collation:
            return self.sampler
        return self.batch_sampler.sampler if type(self.batch_sampler) is BatchSampler else None

    def _random_sampler(self):
        """The ``RandomSampler`` behind the indices, if that is what shuffles them."""
        sampler = self._base_sampler()
        return sampler if type(sampler) is RandomSampler else None

    def _resumable(self) -> bool:
        return type(self._base_sampler()) in (SequentialSampler, RandomSampler)

    def _epoch_batches(self, rng):
        """The index batches of one pass, drawing any shuffling from ``rng``."""
        random_sampler = self._random_sampler()
        if random_sampler is None:
            return iter(self._index_sampler)
        indices = random_sampler.epoch_indices(rng)
        if not self._auto_collation:
            return indices
        return iter(BatchSampler(indices, self.batch_sampler.batch_size,
                                 self.batch_sampler.drop_last))

    def _generators(self) -> list:
        """The generators the loader draws from: its own, and the random
        sampler's when that is a different one (None where absent)."""
        sampler = self._random_sampler()
        own = sampler.generator if sampler is not None else None
        return [self.generator, None if own is self.generator else own]

    def _generator_states(self) -> list:
        return [None if g is None else copy.deepcopy(g.bit_generator.state)
                for g in self._generators()]

    def _start_epoch(self, base_seed: int | None = None) -> _Epoch:
        """Begin an epoch (or replay the start of a restored one); returns it.

        ``base_seed``: persistent workers' seed, kept instead of drawing one.
        """
        replay, self._resume = self._resume, None
        if replay is None:
            if self._current is not None:
                # The previous epoch was abandoned part-way (``break``): like a
                # finished one, this iteration starts a fresh epoch.
                self._epoch += 1
            self._position = 0
        start_states = self._generator_states()
        # PyTorch's order of draws: the workers' base seed, then the shuffling.
        # Values once drawn from the global generator are replayed from the
        # state, never drawn again: a restored run's global stream is already past them.
        drew = base_seed is None if replay is None else replay["drew_base_seed"]
        if replay is not None and not (drew and self.generator is not None):
            base_seed = replay["base_seed"]
        elif base_seed is None:
            base_seed = draw_seed(self.generator)
        sampler = self._random_sampler()
        rng = rng_state = None
        if sampler is not None:
            if sampler.generator is not None:
                rng = sampler.generator
            elif replay is not None:
                rng_state = copy.deepcopy(replay["rng_state"])
                rng = np.random.default_rng()
                rng.bit_generator.state = copy.deepcopy(rng_state)
            else:
                rng = sampler.epoch_generator()
                rng_state = copy.deepcopy(rng.bit_generator.state)
        batches = self._epoch_batches(rng)
        if replay is not None:
            batches = itertools.islice(batches, self._position, None)
        epoch = _Epoch(start_states, base_seed, drew, rng_state, batches)
        self._current = epoch
        return epoch

    def _handed_out(self, epoch: _Epoch) -> None:
        # Count a batch before the caller gets it, so that a state_dict() taken
        # while the caller holds it resumes *after* it.
        if epoch is self._current:
            self._position += 1

    def _finished(self, epoch: _Epoch) -> None:
        if epoch is self._current:
            self._epoch += 1
            self._position = 0
            self._current = None

    def _batch(self, data):
        return data if self.device is None else _to_device(data, self.device)

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self, self._start_epoch())
        if not self.persistent_workers:
            return _MultiProcessIter(self, self._start_epoch())
        if self._iterator is None or self._iterator.pool.closed:
            self._iterator = _MultiProcessIter(self, self._start_epoch())
        else:
            # As PyTorch, persistent workers keep their seeds: no new base seed is drawn.
            self._iterator.reset(self._start_epoch(base_seed=self._iterator.base_seed))
        return self._iterator

    # -- checkpointing -------------------------------------------------------

    def state_dict(self) -> dict:
        """Where the loader is: a dict of plain Python values (picklable).

        It holds the epoch, the position in it and the state of the loader's
        own generators; values drawn from minidl's global generator are saved,
        but the global generator itself is not (``minidl.checkpoint`` saves it).
        Raises RuntimeError for a loader whose order comes from a custom
        sampler or batch sampler, which cannot be replayed.
        """
        if not self._resumable():
            which = self.sampler
            if self._auto_collation and type(self.batch_sampler) is not BatchSampler:
                which = self.batch_sampler
            raise RuntimeError(f"DataLoader.state_dict: the order of a custom sampler "
                               f"({type(which).__name__}) cannot be saved; only loaders with "
                               "the built-in SequentialSampler or RandomSampler can resume")
        if self._resume is not None:  # restored and not iterated since
            return copy.deepcopy(self._resume)
        if not self.in_order and self.num_workers > 0 and self._position > 0:
            raise RuntimeError("DataLoader.state_dict: with in_order=False the batches handed "
                               "out are not the first ones of the epoch; its position cannot "
                               "be saved")
        epoch = self._current
        if epoch is None:  # between epochs: the next one starts from the generators as now
            epoch = _Epoch(self._generator_states(), None, True, None, None)
        return {
            "version": _STATE_VERSION,
            "epoch": self._epoch,
            "position": self._position,
            "in_epoch": self._current is not None,
            "generator_states": copy.deepcopy(epoch.start_states),
            "base_seed": epoch.base_seed,
            "drew_base_seed": epoch.drew_base_seed,
            "rng_state": copy.deepcopy(epoch.rng_state),
            # Saved to refuse a resume into a differently configured loader,
            # where "position" would mean different examples.
            "num_examples": len(self.dataset),
            "batch_size": self.batch_size,
            "shuffle": self._random_sampler() is not None,
            "drop_last": self.drop_last,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state``, a dict ``state_dict()`` returned: the next
        iteration continues from there."""
        if not isinstance(state, dict) or state.get("version") != _STATE_VERSION:
            raise ValueError("DataLoader.load_state_dict: not a DataLoader state "
                             f"(version {_STATE_VERSION})")
        keys = ("epoch", "position", "in_epoch", "generator_states", "base_seed",
                "drew_base_seed", "rng_state")
        missing = [k for k in keys if k not in state]
        if missing:
            raise ValueError(f"DataLoader.load_state_dict: the state lacks {missing}")
        config = {"num_examples": len(self.dataset), "batch_size": self.batch_size,
                  "shuffle": self._random_sampler() is not None, "drop_last": self.drop_last}
        diffs = [f"{k}: saved {state.get(k)!r}, loader has {v!r}"
                 for k, v in config.items() if state.get(k) != v]
        if diffs:
            raise ValueError("DataLoader.load_state_dict: the state is from a loader "
                             "configured differently (" + "; ".join(diffs) + ")")
        position, epoch = state["position"], state["epoch"]
        for name, value in (("position", position), ("epoch", epoch)):
            if not _is_int(value):
                raise ValueError(f"DataLoader.load_state_dict: {name} must be an int, got "
                                 f"{value!r}")
        if not 0 <= position <= len(self):
            raise ValueError(f"DataLoader.load_state_dict: position {position} outside "
                             f"0..{len(self)}")
        if state["in_epoch"] and state["base_seed"] is None:
            raise ValueError("DataLoader.load_state_dict: base_seed is missing for an epoch "
                             "in progress")
        generators = self._generators()
        saved = state["generator_states"]
        if not isinstance(saved, (list, tuple)) or len(saved) != 2 or any(
                (g is None) != (s is None) for g, s in zip(generators, saved)):
            raise ValueError("DataLoader.load_state_dict: generator_states do not match this "
                             "loader's generators (one given with seed/generator, the other "
                             "not?)")
        self._check_generator_state("rng_state", state["rng_state"])
        for s in saved:
            self._check_generator_state("generator_states", s)
        for generator, s in zip(generators, saved):
            if generator is not None:
                generator.bit_generator.state = copy.deepcopy(s)
        if self._iterator is not None:  # persistent workers were seeded for another run
            self._iterator.pool.shutdown()
            self._iterator = None
        self._epoch = int(epoch)
        self._position = int(position)
        self._current = None
        self._resume = copy.deepcopy(state) if state["in_epoch"] else None

    @staticmethod
    def _check_generator_state(name: str, state) -> None:
        if state is None:
            return
        try:  # validates the state's format on a scratch generator
            np.random.default_rng().bit_generator.state = copy.deepcopy(state)
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"DataLoader.load_state_dict: {name} is not a generator state "
                             f"({exc})") from None

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"shuffle={self._random_sampler() is not None}, drop_last={self.drop_last}, "
                f"num_workers={self.num_workers})")


class _SingleProcessIter:
    """An epoch of batches built in the loader's own process."""

    def __init__(self, loader: DataLoader, epoch: _Epoch):
        self._loader = loader
        self._epoch = epoch

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self):
        loader = self._loader
        try:
            indices = next(self._epoch.batches)
        except StopIteration:
            loader._finished(self._epoch)
            raise
        data = fetch(loader.dataset, indices, loader._auto_collation, loader.collate_fn)
        loader._handed_out(self._epoch)
        return loader._batch(data)


class _MultiProcessIter:
    """An epoch of batches built by worker processes.

    Up to ``prefetch_factor * num_workers`` batches are in flight; tasks go to
    the workers in turn. A task's key is ``(generation, number)``: persistent
    workers serve several epochs, and results of an abandoned one are dropped.
    """

    def __init__(self, loader: DataLoader, epoch: _Epoch):
        self._loader = loader
        self.base_seed = epoch.base_seed
        self.pool = WorkerPool(loader.dataset, loader._auto_collation, loader.collate_fn,
                               loader.num_workers, epoch.base_seed, loader.worker_init_fn,
                               loader.multiprocessing_context, loader.timeout)
        self._worker_turn = itertools.cycle(range(loader.num_workers))
        self._generation = 0
        self._start(epoch)

    def _start(self, epoch: _Epoch) -> None:
        self._epoch = epoch
        self._sent = 0  # tasks sent this generation
        self._yielded = 0  # batches handed out this generation
        self._ready: dict[int, object] = {}  # arrived ahead of their turn (in order)
        self._exhausted = False
        for _ in range(self._loader.prefetch_factor * self._loader.num_workers):
            self._send_next()

    def reset(self, epoch: _Epoch) -> None:
        """Serve a new epoch with the same workers (persistent_workers)."""
        self._generation += 1
        self._start(epoch)

    def _send_next(self) -> None:
        if self._exhausted:
            return
        try:
            indices = next(self._epoch.batches)
        except StopIteration:
            self._exhausted = True
            return
        self.pool.send(next(self._worker_turn), (self._generation, self._sent), indices)
        self._sent += 1

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self):
        loader = self._loader
        if self.pool.closed or self._yielded == self._sent:
            self._end()
            raise StopIteration
        while True:
            if loader.in_order and self._yielded in self._ready:
                data = self._ready.pop(self._yielded)
                break
            (generation, number), data = self.pool.receive()
            if generation != self._generation:
                continue  # from an epoch abandoned before this one
            if not loader.in_order or number == self._yielded:
                break
            self._ready[number] = data
        self._yielded += 1
        self._send_next()  # one out, one in: the pipeline stays full
        loader._handed_out(self._epoch)
        return loader._batch(data)

    def _end(self) -> None:
        self._loader._finished(self._epoch)
        if not self._loader.persistent_workers:
            self.pool.shutdown()

    def __del__(self):
        pool = self.__dict__.get("pool")
        if pool is not None:
            pool.shutdown()


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

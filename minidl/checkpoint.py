"""Training checkpoints: everything a steps-based run needs to continue
exactly where it stopped, in one file, written atomically and checked on load.

This module owns the checkpoint format and its files; ``minidl.training.train``
decides when to write one and how to resume from it.

A checkpoint holds the step reached, the model's parameters and buffers, the
optimizer's state (momentum buffers, learning rates), the scheduler's state,
the data loaders' positions, the global random generator's state (dropout,
``randn``) plus any extra generators or stateful objects, the metric records
written so far, the losses accumulated since the last record, the training
time so far and the loop's settings.

Files. ``save_checkpoint(state, "run/ckpt.npz")`` writes through
``minidl.save``: a temporary file in the same folder is flushed, fsynced and
renamed over ``ckpt.npz``, so ``ckpt.npz`` is always a complete checkpoint,
the old one until the new one is whole. Before that, the checkpoint being
replaced is kept as ``ckpt.prev.npz`` (a hard link, so no copy is made), so
there are two good checkpoints on disk once two have been written.

Checks. A SHA-256 digest of the contents is stored with them. ``load_checkpoint``
raises ``ValueError`` naming the file when it is truncated, corrupted (the zip
CRC or the digest does not match), not a checkpoint, of another format version
or missing entries. ``load_latest_checkpoint`` is what resuming uses: when the
latest file is unusable it warns and falls back to the previous one (a resumed
run is deterministic, so starting from the older checkpoint only costs the
steps in between); when neither is usable it raises.
"""

import hashlib
import os
import struct
import warnings

import numpy as np

from . import random as _random
from .serialization import load as _load
from .serialization import save as _save
from .tensor import Tensor

FORMAT = "minidl.checkpoint"
VERSION = 1

# Entries every checkpoint's state has; a file lacking one is refused.
REQUIRED_KEYS = ("step", "model", "optimizer", "scheduler", "train_loader", "test_loader",
                 "rng", "extra", "history", "pending_losses", "elapsed", "config")

__all__ = ["FORMAT", "VERSION", "make_checkpoint", "restore_checkpoint", "save_checkpoint",
           "load_checkpoint", "load_latest_checkpoint", "previous_path",
           "remove_checkpoint", "check_stateful"]


# -- paths -------------------------------------------------------------------

def previous_path(path):
    """Where the checkpoint before ``path`` is kept: ``ckpt.npz`` ->
    ``ckpt.prev.npz`` (``ckpt`` -> ``ckpt.prev``)."""
    path = os.fspath(path)
    root, ext = os.path.splitext(path)
    if ext == ".npz":
        return root + ".prev" + ext
    return path + ".prev"


def remove_checkpoint(path):
    """Delete ``path`` and the previous checkpoint kept beside it, if present."""
    for name in (os.fspath(path), previous_path(path)):
        if os.path.exists(name):
            os.remove(name)


def _fsync_folder(folder):
    # Make the renames themselves durable; POSIX only (Windows cannot open a
    # folder), where os.replace is already atomic.
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- contents ----------------------------------------------------------------

def _plain(obj):
    """Tensors to host arrays and NumPy scalars to Python numbers: the values
    ``minidl.load`` gives back, so the digest is the same before and after."""
    if isinstance(obj, Tensor):
        return np.array(obj.numpy())
    if isinstance(obj, np.ndarray):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {_plain(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_plain(v) for v in obj)
    return obj


def _digest(obj, h):
    """Feed a canonical encoding of a plain nested value to the hash ``h``."""
    if isinstance(obj, np.ndarray):
        h.update(b"A" + obj.dtype.str.encode() + repr(obj.shape).encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, dict):
        h.update(b"D%d:" % len(obj))
        for key, value in obj.items():
            _digest(key, h)
            _digest(value, h)
    elif isinstance(obj, (list, tuple)):
        h.update(b"%s%d:" % (b"L" if isinstance(obj, list) else b"T", len(obj)))
        for value in obj:
            _digest(value, h)
    elif obj is None:
        h.update(b"N")
    elif isinstance(obj, bool):  # before int: bool is an int subclass
        h.update(b"B1" if obj else b"B0")
    elif isinstance(obj, int):
        h.update(b"I" + str(obj).encode() + b";")
    elif isinstance(obj, float):
        h.update(b"F" + struct.pack("<d", obj))
    elif isinstance(obj, str):
        data = obj.encode("utf-8")
        h.update(b"S%d:" % len(data) + data)
    else:
        raise TypeError(f"save_checkpoint: cannot store an object of type "
                        f"{type(obj).__name__}")


def _checksum(state):
    h = hashlib.sha256()
    _digest(state, h)
    return h.hexdigest()


def check_stateful(name, obj, caller="make_checkpoint"):
    """Refuse an ``extra_state`` entry that cannot be saved and restored."""
    if isinstance(obj, np.random.Generator):
        return
    if callable(getattr(obj, "state_dict", None)) and callable(
            getattr(obj, "load_state_dict", None)):
        return
    raise ValueError(f"{caller}: extra_state[{name!r}] must be a numpy Generator or "
                     f"have state_dict()/load_state_dict(), got {type(obj).__name__}")


def _state_of(name, obj):
    """The saved state of one extra stateful object."""
    check_stateful(name, obj)
    if isinstance(obj, np.random.Generator):
        return {"generator": obj.bit_generator.state}
    return {"state_dict": obj.state_dict()}


def make_checkpoint(step, *, model, optimizer, scheduler=None, train_loader=None,
                    test_loader=None, extra_state=None, history=(), pending_losses=(),
                    elapsed=0.0, config=None):
    """The state of a training run after ``step`` optimizer steps, as a plain
    nested dict (host arrays, Python numbers) ready for ``save_checkpoint``.

    ``train_loader`` / ``test_loader`` are saved when they have a
    ``state_dict`` (a ``DataLoader``: epoch, position, shuffling generator).
    ``extra_state`` maps names to numpy Generators or objects with
    ``state_dict``/``load_state_dict`` that the run also depends on.
    ``history`` is the list of metric records so far, ``pending_losses`` the
    losses since the last record, ``config`` the loop settings a resumed run
    must share."""
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
        raise ValueError(f"make_checkpoint: step must be an int >= 0, got {step!r}")

    def loader_state(loader):
        return loader.state_dict() if callable(getattr(loader, "state_dict", None)) else None

    state = {
        "step": int(step),
        "model": dict(model.state_dict()),
        "optimizer": optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "train_loader": loader_state(train_loader),
        "test_loader": loader_state(test_loader),
        "rng": _random.get_rng_state(),
        "extra": {str(name): _state_of(name, obj) for name, obj in (extra_state or {}).items()},
        "history": [dict(record) for record in history],
        "pending_losses": np.asarray(pending_losses, dtype=np.float64).reshape(-1),
        "elapsed": float(elapsed),
        "config": dict(config or {}),
    }
    return _plain(state)


def restore_checkpoint(state, *, model, optimizer, scheduler=None, train_loader=None,
                       test_loader=None, extra_state=None, source="the checkpoint"):
    """Put ``state`` (from ``load_checkpoint``) back into the given objects and
    the global random generator. Raises ``ValueError`` naming ``source`` when
    the checkpoint does not fit them (other model, missing scheduler, ...)."""
    def fail(what, exc=None):
        detail = f": {exc}" if exc is not None else ""
        raise ValueError(f"restore_checkpoint: {source} {what}{detail}") from exc

    try:
        model.load_state_dict(state["model"])
    except (KeyError, ValueError) as exc:
        fail("does not fit the model", exc)
    try:
        optimizer.load_state_dict(state["optimizer"])
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        fail("does not fit the optimizer", exc)
    if state["scheduler"] is None and scheduler is not None:
        fail("was saved without a scheduler, but one is given")
    if state["scheduler"] is not None and scheduler is None:
        fail("was saved with a scheduler, but one is not given")
    if scheduler is not None:
        scheduler.load_state_dict(state["scheduler"])
    for name, loader in (("train_loader", train_loader), ("test_loader", test_loader)):
        saved = state[name]
        if saved is None:
            continue
        if loader is None:
            fail(f"holds a {name} position, but no {name} is given")
        if not callable(getattr(loader, "load_state_dict", None)):
            fail(f"holds a {name} position, but the {name} given "
                 f"({type(loader).__name__}) has no load_state_dict")
        try:
            loader.load_state_dict(saved)
        except ValueError as exc:
            fail(f"does not fit the {name}", exc)
    extra_state = extra_state or {}
    if set(state["extra"]) != {str(k) for k in extra_state}:
        fail(f"holds extra state {sorted(state['extra'])}, but extra_state has "
             f"{sorted(str(k) for k in extra_state)}")
    for name, obj in extra_state.items():
        saved = state["extra"][str(name)]
        if isinstance(obj, np.random.Generator):
            obj.bit_generator.state = saved["generator"]
        else:
            obj.load_state_dict(saved["state_dict"])
    # Last, so nothing above (e.g. a loader drawing a permutation) moves it.
    _random.set_rng_state(state["rng"])
    return state


# -- files -------------------------------------------------------------------

def save_checkpoint(state, path, *, keep_previous=True):
    """Write ``state`` (from ``make_checkpoint``) to ``path`` atomically.

    With ``keep_previous`` the checkpoint it replaces stays loadable as
    ``previous_path(path)``. At every moment ``path`` holds a complete
    checkpoint, the old one or the new one."""
    path = os.fspath(path)
    missing = [k for k in REQUIRED_KEYS if k not in state]
    if missing:
        raise ValueError(f"save_checkpoint: the state lacks {missing}; build it with "
                         "make_checkpoint")
    state = _plain(state)
    payload = {"format": FORMAT, "version": VERSION, "checksum": _checksum(state),
               "state": state}
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if keep_previous and os.path.exists(path):
        previous = previous_path(path)
        staging = previous + ".tmp"
        if os.path.exists(staging):
            os.remove(staging)
        try:
            os.link(path, staging)  # same file under a second name: no copy
        except OSError:  # a file system without hard links
            import shutil

            shutil.copyfile(path, staging)
            with open(staging, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(staging, previous)
    _save(payload, path)
    _fsync_folder(folder)


def load_checkpoint(path):
    """Read and verify the checkpoint at ``path``; returns its state dict.

    Raises ``FileNotFoundError`` when there is no file and ``ValueError``
    naming the file when it is truncated, corrupted or not a checkpoint of
    this format version."""
    path = os.fspath(path)
    try:
        payload = _load(path)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, KeyError, TypeError) as exc:
        # zip errors, CRC mismatches and short reads all end up here
        raise ValueError(f"load_checkpoint: {path} is truncated or corrupted ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"load_checkpoint: {path} is not a minidl training checkpoint")
    if payload.get("version") != VERSION:
        raise ValueError(f"load_checkpoint: {path} has checkpoint format version "
                         f"{payload.get('version')!r}; this minidl reads version {VERSION}")
    state = payload.get("state")
    if not isinstance(state, dict):
        raise ValueError(f"load_checkpoint: {path} has no training state")
    missing = [k for k in REQUIRED_KEYS if k not in state]
    if missing:
        raise ValueError(f"load_checkpoint: {path} is missing entries {missing}")
    try:
        actual = _checksum(state)
    except TypeError as exc:
        raise ValueError(f"load_checkpoint: {path} is corrupted ({exc})") from exc
    if actual != payload.get("checksum"):
        raise ValueError(f"load_checkpoint: {path} is corrupted (its contents do not match "
                         "the checksum stored with them)")
    return state


def load_latest_checkpoint(path):
    """The newest usable checkpoint at ``path``: returns ``(state, file)``,
    or ``(None, None)`` when ``path`` does not exist (nothing to resume).

    When ``path`` exists but is unusable, warns (``RuntimeWarning``) and
    returns the previous checkpoint kept beside it; raises ``ValueError``
    naming both files when that one is missing or unusable too."""
    path = os.fspath(path)
    if not os.path.exists(path):
        return None, None
    try:
        return load_checkpoint(path), path
    except ValueError as exc:
        latest_error = exc
    previous = previous_path(path)
    if not os.path.exists(previous):
        raise ValueError(f"{latest_error}; no previous checkpoint {previous} to fall back "
                         "to") from latest_error
    try:
        state = load_checkpoint(previous)
    except ValueError as exc:
        raise ValueError(f"{latest_error}; the previous checkpoint is unusable too: "
                         f"{exc}") from exc
    warnings.warn(f"{latest_error}; resuming from the previous checkpoint {previous} "
                  f"(step {state['step']})", RuntimeWarning, stacklevel=2)
    return state, previous

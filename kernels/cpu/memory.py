"""The CPU backend's large arrays come from a cache of freed buffers, so each
training step reuses the previous step's memory.

A training step allocates the same large activation and gradient arrays
every time and frees them at the end. glibc serves blocks that large with
mmap and returns them to the system when they are freed, so the next step
touches fresh pages and takes a page fault for each: on the small Inception
net 12,000 faults a step, a fifth of its CPU time. Raising glibc's malloc
thresholds would avoid that, but for every library in the process (that is
``minidl.backend.cpu.tune_for_throughput``, an opt-in); this cache does it
for minidl's own arrays only.

Arrays of at least ``MIN_BYTES`` are views of a raw byte buffer the cache
keeps. A buffer is free again when nothing but the cache refers to it: an
array, any view of it (NumPy points every view at the buffer that owns the
memory) or anything else holding one keeps the buffer's reference count up,
so a buffer in use is never handed out twice. Sizes are rounded up to size
classes (at most 1/8 above the request), so a buffer serves any array of
about its size. At most ``MAX_BYTES`` are kept; ``empty_cache()`` (also
``minidl.backend.cpu.empty_cache``) releases every buffer not in use. Only
where memory comes from changes, never what is computed.
"""

import os
import sys
import threading

import numpy as np

__all__ = ["empty", "empty_like", "empty_cache", "cached_bytes", "MIN_BYTES", "MAX_BYTES"]

# Smaller blocks come from glibc's heap, which reuses them without page faults.
MIN_BYTES = 1 << 17
MAX_BYTES = 1 << 30

_lock = threading.Lock()
_classes = {}          # size class (bytes) -> [buffer, ...]
_state = {"bytes": 0}


def _after_fork_in_child():
    global _lock
    _lock = threading.Lock()  # another thread of the parent may have held it


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _size_class(nbytes):
    """nbytes rounded up to a multiple of 1/8 of its power of two (>= 64 KiB)."""
    step = max(1 << 16, 1 << max(0, (nbytes - 1).bit_length() - 3))
    return -(-nbytes // step) * step


def _in_use(buffer):
    """Whether anything but the cache refers to `buffer` (called from a loop over
    its size class's list, as _measure_free_refcount measures)."""
    return sys.getrefcount(buffer) > _FREE_REFCOUNT


def _free_buffer(buffers):
    """A buffer of `buffers` that nothing else refers to, or None."""
    for buffer in buffers:
        if not _in_use(buffer):
            return buffer
    return None


def _release_free(keep_class=None):
    """Drop the free buffers of every size class but `keep_class`; returns bytes freed."""
    freed = 0
    for size, buffers in _classes.items():
        if size == keep_class:
            continue
        kept = []
        for buffer in buffers:
            if _in_use(buffer):
                kept.append(buffer)
        freed += size * (len(buffers) - len(kept))
        buffers[:] = kept
    _state["bytes"] -= freed
    return freed


def empty(shape, dtype):
    """An uninitialised C-contiguous array, like ``np.empty(shape, dtype)``."""
    dtype = np.dtype(dtype)
    count = 1
    for n in shape:
        count *= n
    nbytes = count * dtype.itemsize
    if nbytes < MIN_BYTES:
        return np.empty(shape, dtype)
    size = _size_class(nbytes)
    with _lock:
        buffers = _classes.setdefault(size, [])
        buffer = _free_buffer(buffers)
        if buffer is None:
            if _state["bytes"] + size > MAX_BYTES and _release_free(size) < size:
                return np.empty(shape, dtype)  # over the limit: not cached
            buffer = np.empty(size, np.uint8)
            buffers.append(buffer)
            _state["bytes"] += size
    return buffer[:nbytes].view(dtype).reshape(shape)


def empty_like(a):
    """``empty(a.shape, a.dtype)``."""
    return empty(a.shape, a.dtype)


def empty_cache():
    """Release every cached buffer that no array uses any more; returns the bytes
    released (they go back to the C library, and usually to the system)."""
    with _lock:
        return _release_free()


def cached_bytes():
    """Bytes the cache holds, in use or free."""
    return _state["bytes"]


def _count(buffer):
    return sys.getrefcount(buffer)


def _measure_free_refcount():
    """The reference count _in_use sees for a buffer only the cache's list holds."""
    buffers = [np.empty(1, np.uint8)]
    for buffer in buffers:
        return _count(buffer)


_FREE_REFCOUNT = _measure_free_refcount()

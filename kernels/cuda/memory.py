"""A caching device allocator for the CUDA backend: a numba-cuda External
Memory Management (EMM) plugin.

Numba's own manager calls cuMemAlloc for every array and frees in batches
with cuMemFree, which synchronises the device; a training step allocates and
frees the same activation and gradient sizes every time.  This manager keeps
freed blocks in per-size free lists and hands them out again, so a training
step in steady state makes no driver allocation at all (``stats()`` counts
them).  Sizes are rounded up (to 512 bytes, and to a quarter of the size's
power of two for large blocks) so that nearby sizes share blocks.

Reuse is safe because minidl queues all its work on one stream (the default
stream; CuPy's cuBLAS calls use it too): a kernel that gets a recycled block
runs after every kernel that used the block before.  When the device runs out
of memory, the cached blocks are freed and the allocation is retried.

The manager is installed by the CUDA backend when it is created and no CUDA
context exists yet (numba reads the manager when it creates the context), as
the CPU backend tunes glibc's malloc: ``MINIDL_CUDA_ALLOCATOR=numba`` keeps
numba's default manager, and a manager chosen with numba's own
``NUMBA_CUDA_MEMORY_MANAGER`` is left alone.
"""

import contextlib
import os
import threading
import weakref

from numba import cuda
from numba.core import config as numba_config

SIMULATOR = bool(numba_config.ENABLE_CUDASIM)

_MIN_BLOCK = 512


def rounded_size(size):
    """The block size that serves a request of ``size`` bytes."""
    if size <= _MIN_BLOCK:
        return _MIN_BLOCK
    granule = max(_MIN_BLOCK, 1 << max(0, size.bit_length() - 3))
    return -(-size // granule) * granule


if not SIMULATOR:
    from numba.cuda import (
        GetIpcHandleMixin,
        HostOnlyCUDAMemoryManager,
        MemoryInfo,
        MemoryPointer,
    )
    from numba.cuda.cudadrv.driver import CudaAPIError, binding, driver

    class CachingMemoryManager(GetIpcHandleMixin, HostOnlyCUDAMemoryManager):
        """EMM plugin: device blocks are cached by rounded size and reused."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._free = {}  # rounded size -> list of raw device pointers
            self._lock = threading.Lock()
            self.raw_allocations = 0
            self.cached_bytes = 0
            self.in_use_bytes = 0

        def initialize(self):
            super().initialize()

        def _raw_alloc(self, size):
            try:
                return driver.cuMemAlloc(size)
            except CudaAPIError as exc:
                if exc.code != binding.CUresult.CUDA_ERROR_OUT_OF_MEMORY:
                    raise
                self.empty_cache()
                return driver.cuMemAlloc(size)

        def memalloc(self, size):
            block = rounded_size(size)
            with self._lock:
                free = self._free.get(block)
                pointer = free.pop() if free else None
                if pointer is not None:
                    self.cached_bytes -= block
            if pointer is None:
                pointer = self._raw_alloc(block)
                self.raw_allocations += 1
            self.in_use_bytes += block
            manager = weakref.ref(self)

            def give_back(pointer=pointer, block=block):
                owner = manager()
                if owner is not None:
                    owner._release(pointer, block)

            return MemoryPointer(weakref.proxy(self.context), pointer, size, finalizer=give_back)

        def _release(self, pointer, block):
            with self._lock:
                self._free.setdefault(block, []).append(pointer)
                self.cached_bytes += block
                self.in_use_bytes -= block

        def empty_cache(self):
            """Return every cached (unused) block to the driver."""
            with self._lock:
                blocks = [(p, b) for b, ps in self._free.items() for p in ps]
                self._free = {}
                self.cached_bytes = 0
            for pointer, _ in blocks:
                driver.cuMemFree(pointer)

        def reset(self):
            super().reset()
            self.empty_cache()

        @contextlib.contextmanager
        def defer_cleanup(self):
            with super().defer_cleanup():
                yield

        def get_memory_info(self):
            free, total = driver.cuMemGetInfo()
            return MemoryInfo(free=free, total=total)

        @property
        def interface_version(self):
            return 1


def install():
    """Make the caching manager numba's when that still has an effect; True if the
    CUDA backend's arrays come from it."""
    if SIMULATOR or os.environ.get("MINIDL_CUDA_ALLOCATOR", "").lower() == "numba":
        return False
    if numba_config.CUDA_MEMORY_MANAGER != "default":
        return False  # the user chose a manager with numba's own setting
    from numba.cuda.cudadrv import driver as driver_module

    chosen = driver_module._memory_manager
    if chosen is None:  # no context yet: the next one takes this manager
        cuda.set_memory_manager(CachingMemoryManager)
        return True
    # a context exists already, or another library chose a manager: leave it
    return chosen is CachingMemoryManager


def _current_manager():
    try:
        return cuda.current_context().memory_manager
    except Exception:
        return None


def stats():
    """{'raw_allocations', 'in_use_bytes', 'cached_bytes'} of the caching manager
    of the current context, or None when another manager is in use."""
    manager = _current_manager()
    if SIMULATOR or not isinstance(manager, CachingMemoryManager):
        return None
    return {"raw_allocations": manager.raw_allocations, "in_use_bytes": manager.in_use_bytes,
            "cached_bytes": manager.cached_bytes}

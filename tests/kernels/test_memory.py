"""CPU: the cache of large arrays (kernels/cpu/memory.py) hands a buffer out
again only once nothing refers to it, views included."""

import gc

import numpy as np
import pytest

from minidl.kernels.cpu import memory

SHAPE = (300, 300)  # 360,000 bytes of float32: cached


@pytest.fixture
def fresh_cache(monkeypatch):
    monkeypatch.setattr(memory, "_classes", {})
    monkeypatch.setattr(memory, "_state", {"bytes": 0})
    return memory


def test_small_arrays_are_plain_numpy(fresh_cache):
    a = fresh_cache.empty((10, 10), np.float32)
    assert a.shape == (10, 10) and a.dtype == np.float32 and a.flags.c_contiguous
    assert fresh_cache.cached_bytes() == 0


def test_a_freed_buffer_is_reused(fresh_cache):
    a = fresh_cache.empty(SHAPE, np.float32)
    a[...] = 1
    address = a.__array_interface__["data"][0]
    del a
    b = fresh_cache.empty((290, 300), np.float32)  # same size class
    assert b.__array_interface__["data"][0] == address
    assert b.shape == (290, 300) and b.dtype == np.float32 and b.flags.c_contiguous


def test_a_buffer_with_a_live_view_is_not_reused(fresh_cache):
    a = fresh_cache.empty(SHAPE, np.float32)
    view = a.T[:5]
    del a
    b = fresh_cache.empty(SHAPE, np.float32)
    assert not np.shares_memory(view, b)
    del view, b
    gc.collect()
    assert fresh_cache.cached_bytes() == 2 * fresh_cache._size_class(360_000)


def test_dtypes_share_buffers_by_size(fresh_cache):
    a = fresh_cache.empty((300, 150), np.float64)
    address = a.__array_interface__["data"][0]
    del a
    b = fresh_cache.empty(SHAPE, np.int32)
    assert b.__array_interface__["data"][0] == address and b.dtype == np.int32


def test_size_classes_waste_at_most_an_eighth():
    for nbytes in (memory.MIN_BYTES, 360_000, 10**6 + 1, 3 * 2**20, 10**8):
        size = memory._size_class(nbytes)
        assert nbytes <= size <= nbytes * 1.125 + 2**16


def test_the_limit_and_empty_cache(fresh_cache, monkeypatch):
    size = fresh_cache._size_class(360_000)
    monkeypatch.setattr(fresh_cache, "MAX_BYTES", 2 * size)
    held = [fresh_cache.empty(SHAPE, np.float32) for _ in range(3)]
    assert fresh_cache.cached_bytes() == 2 * size  # the third is not cached
    del held
    big = fresh_cache.empty((400, 400), np.float32)  # another class: frees the others
    assert fresh_cache.cached_bytes() == fresh_cache._size_class(big.nbytes)
    del big
    assert fresh_cache.empty_cache() > 0 and fresh_cache.cached_bytes() == 0

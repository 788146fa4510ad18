"""CPU: minidl's thread pool and BLAS limit (kernels/cpu/threads.py).

Every kernel that can run on the pool gives the same bits serially and cut
into chunks over 4 threads (the ``cpu_pool`` fixture removes the grain size,
so tiny inputs take the parallel path); errors raised in a chunk reach the
caller; the BLAS thread count is restored after every product."""

import threading

import numpy as np
import pytest

from minidl.backend import get_backend
from minidl.kernels.cpu import matmul as cpu_matmul
from minidl.kernels.cpu import memory, threads


def _digest(out):
    return [np.ascontiguousarray(a).tobytes() for a in (out if isinstance(out, tuple) else
                                                       (out,))]


def _kernel_calls(rng):
    be = get_backend("cpu")
    img = rng.standard_normal((6, 5, 9, 9)).astype(np.float32)
    wide = rng.standard_normal((70, 200)).astype(np.float32)
    gamma = rng.standard_normal(5).astype(np.float32)
    y, mean, _, invstd = be.batch_norm_forward_train(img, gamma, gamma, 1e-5)
    cols = be.im2col(img, 3, 3, 2, 1, 1, 1)
    pooled, argmax = be.max_pool2d_forward(img, 3, 3, 1, 1, 1, 1)
    logits = rng.standard_normal((64, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 64)
    _, probs, _ = be.softmax_cross_entropy_forward(logits, labels, 3)  # 3: ignored
    a = rng.standard_normal((130, 70)).astype(np.float32)
    batch = rng.standard_normal((9, 70, 40)).astype(np.float32)
    return {
        "bn_nchw": lambda: be.batch_norm_forward_train(img, gamma, gamma, 1e-5),
        "bn_nchw_backward": lambda: be.batch_norm_backward(y, img, gamma, mean, invstd),
        "bn_nc": lambda: be.batch_norm_forward_train(wide, None, None, 1e-5),
        "bn_nc_eval": lambda: be.batch_norm_forward_eval(
            wide, None, None, wide.mean(0), wide.var(0), 1e-5),
        "bn_nc_backward": lambda: be.batch_norm_backward(
            wide, wide, None, wide.mean(0).astype(np.float64), np.ones(200)),
        "im2col": lambda: be.im2col(img, 3, 3, 2, 1, 1, 1),
        "col2im": lambda: be.col2im(cols, img.shape, 3, 3, 2, 1, 1, 1),
        "max_pool": lambda: be.max_pool2d_forward(img, 3, 3, 1, 1, 1, 1),
        "max_pool_backward": lambda: be.max_pool2d_backward(pooled, argmax, img.shape),
        "avg_pool": lambda: be.avg_pool2d_forward(img, 3, 3, 2, 2, 1, 1),
        "avg_pool_backward": lambda: be.avg_pool2d_backward(
            be.avg_pool2d_forward(img, 3, 3, 2, 2, 1, 1), img.shape, 3, 3, 2, 2, 1, 1),
        "softmax_ce": lambda: be.softmax_cross_entropy_forward(logits, labels, 3),
        "softmax_ce_backward": lambda: be.softmax_cross_entropy_backward(
            probs, labels, 3, np.full(64, 1 / 64, np.float32)),
        "relu": lambda: be.relu(img - 0.1),
        "relu_backward": lambda: be.relu_backward(img, img - 0.1),
        "add": lambda: be.add(img, img[:1]),
        "mul_scalar": lambda: be.mul(img, 0.5),
        "concatenate": lambda: be.concatenate([img, img[:, :2]], 1),
        "sum_first_axis": lambda: be.sum(batch, (0,), False),
        "matmul_rows": lambda: be.matmul(a, a.T),
        "matmul_batch": lambda: be.matmul(a[:40], batch),
    }


def test_every_parallel_kernel_gives_the_serial_bits(rng, monkeypatch, cpu_pool):
    monkeypatch.setattr(memory, "MIN_BYTES", 0)  # (only cached results are split)
    monkeypatch.setattr(cpu_matmul, "_PARALLEL_MACS", 0)
    monkeypatch.setattr(cpu_matmul, "_PARALLEL_BATCHED_MACS", 0)
    for name, call in _kernel_calls(rng).items():
        cpu_pool.set_num_threads(1)
        serial = _digest(call())
        cpu_pool.set_num_threads(4)
        assert cpu_pool.chunk_count(64, 10**6) > 1
        for _ in range(3):  # which thread takes which chunk varies from run to run
            assert _digest(call()) == serial, name


def test_chunks_cover_every_item_once(cpu_pool):
    seen = []
    lock = threading.Lock()

    def kernel(lo, hi, out):
        with lock:
            out.extend(range(lo, hi))

    cpu_pool.parallel_for(kernel, 103, (seen,), 10**6)
    assert sorted(seen) == list(range(103))


def test_an_error_in_a_chunk_reaches_the_caller(cpu_pool):
    def kernel(lo, hi):
        if lo > 0:
            raise ValueError(f"chunk at {lo}")

    with pytest.raises(ValueError, match="chunk at"):
        cpu_pool.parallel_for(kernel, 50, (), 10**6)
    cpu_pool.parallel_for(lambda lo, hi: None, 50, (), 10**6)  # the pool still works


def test_small_work_runs_in_the_calling_thread():
    callers = []
    threads.parallel_for(lambda lo, hi: callers.append((lo, hi, threading.get_ident())),
                         10, (), threads.GRAIN - 1)
    assert callers == [(0, 10, threading.get_ident())]


def test_set_num_threads_checks_its_argument():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError):
            threads.set_num_threads(bad)


def test_blas_thread_count_is_restored_after_each_product(monkeypatch):
    blas = threads.single_threaded_blas
    with blas:
        pass
    libraries = blas._shared + blas._per_thread
    if not libraries:
        pytest.skip("no BLAS library whose thread count can be set")
    before = [lib.get() for lib in libraries]
    inside = []
    with blas:
        with blas:  # nested
            inside = [lib.get() for lib in libraries]
        assert [lib.get() for lib in libraries] == inside
    assert inside == [1] * len(libraries)
    assert [lib.get() for lib in libraries] == before
    monkeypatch.setattr(cpu_matmul, "_PARALLEL_MACS", 0)
    monkeypatch.setattr(cpu_matmul, "_PARALLEL_BATCHED_MACS", 0)
    a = np.ones((256, 256), np.float32)
    np.testing.assert_array_equal(get_backend("cpu").matmul(a, a), a @ a)
    assert [lib.get() for lib in libraries] == before

"""DataLoader with worker processes (num_workers > 0): the same batches as
without workers, per-worker seeding, errors, dead and slow workers,
persistent workers, and shutting down without hanging.

Workers start with the "forkserver" method by default, so the data sets used
here are module-level classes (picklable).
"""

import gc
import os
import random
import threading
import time

import numpy as np
import pytest

import minidl as mdl
from minidl.data import workers
from minidl.utils.data import DataLoader, Dataset, TensorDataset, get_worker_info

pytestmark = pytest.mark.slow  # starts processes


class RandomDraws(Dataset):
    """Each example: its index, the worker's id and one draw from each of
    minidl's, NumPy's legacy and Python's global generators."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return (i, -1 if info is None else info.id, mdl.rand(1).item(), np.random.rand(),
                random.random())


class Failing(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 4:
            raise KeyError(f"no example {i}")
        return i


class Exits(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            os._exit(3)  # a crash: the process ends without a word
        return i


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(0.2 if i < 2 else 30)
        return i


class InitValue(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return INIT_VALUE


INIT_VALUE = -1


def set_init_value(worker_id):
    global INIT_VALUE
    INIT_VALUE = 100 + worker_id


def unpicklable_collate(batch):
    return lambda: batch


def _tensor_dataset(n=23):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    return TensorDataset(mdl.tensor(x), mdl.arange(n))


def _values(loader):
    return [[t.numpy().tolist() for t in batch] for batch in loader]


@pytest.mark.parametrize("kwargs, worker_kwargs", [
    ({"batch_size": 4}, {}), ({"batch_size": 4}, {"prefetch_factor": 1}),
    ({"batch_size": None}, {}), ({"batch_size": 4, "drop_last": True}, {"prefetch_factor": 3}),
])
def test_workers_give_the_batches_of_one_process(kwargs, worker_kwargs):
    single = DataLoader(_tensor_dataset(), shuffle=True, seed=1, **kwargs)
    multi = DataLoader(_tensor_dataset(), shuffle=True, seed=1, num_workers=2, **kwargs,
                       **worker_kwargs)
    for _ in range(2):
        assert _values(multi) == _values(single)


def test_workers_are_seeded_per_worker_and_reproducibly():
    def run():
        mdl.manual_seed(7)
        return [tuple(t.tolist() for t in batch)
                for batch in DataLoader(RandomDraws(), batch_size=2, num_workers=2)]
    first = run()
    assert first == run()  # manual_seed makes the workers' draws reproducible
    examples = [tuple(field[k] for field in batch) for batch in first
                for k in range(len(batch[0]))]
    assert [e[0] for e in examples] == list(range(8))
    assert {e[1] for e in examples} == {0, 1}  # batches alternate between the workers
    worker0 = [e for e in examples if e[1] == 0]
    worker1 = [e for e in examples if e[1] == 1]
    for field in (2, 3, 4):  # minidl, NumPy, Python: each worker its own stream
        assert worker0[0][field] != worker1[0][field]
    assert get_worker_info() is None  # in this process
    mdl.manual_seed(8)
    other = [tuple(t.tolist() for t in batch)
             for batch in DataLoader(RandomDraws(), batch_size=2, num_workers=2)]
    assert other != first


def test_worker_init_fn_runs_in_each_worker():
    loader = DataLoader(InitValue(), batch_size=1, num_workers=2,
                        worker_init_fn=set_init_value)
    assert sorted(b.item() for b in loader) == [100, 100, 101, 101]


def test_an_error_in_a_worker_is_raised_here():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    it = iter(loader)
    with pytest.raises(KeyError, match="in DataLoader worker process 0") as info:
        list(it)
    assert "no example 4" in str(info.value)
    assert it.pool.closed and not any(w.is_alive() for w in it.pool.workers)


def test_a_dead_worker_is_an_error_not_a_hang():
    loader = DataLoader(Exits(), batch_size=1, num_workers=2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+ \(exit code 3"):
        list(loader)


def test_timeout(monkeypatch):
    monkeypatch.setattr(workers, "_JOIN_TIMEOUT", 0.5)  # the stuck worker is terminated sooner
    # Long enough for a worker to start on a busy machine; Slow's third example takes 30 s.
    loader = DataLoader(Slow(), batch_size=1, num_workers=1, timeout=8)
    it = iter(loader)
    assert next(it).item() == 0 and next(it).item() == 1
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 8 seconds"):
        next(it)
    assert time.monotonic() - start < 25  # waited ~8 s, and the shutdown did not hang
    assert not any(w.is_alive() for w in it.pool.workers)


def _gone(processes, seconds=10.0):
    deadline = time.monotonic() + seconds
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(p.is_alive() for p in processes)


def test_a_dropped_iterator_stops_its_workers():
    loader = DataLoader(_tensor_dataset(200), batch_size=2, num_workers=2)
    it = iter(loader)
    next(it)
    processes = list(it.pool.workers)
    assert all(p.is_alive() for p in processes)
    del it
    gc.collect()
    assert _gone(processes)
    for batch in loader:  # break out of a loop: the next epoch starts afresh
        break
    assert [b[1].tolist() for b in loader][0] == [0, 1]


class KilledMidBatch(Dataset):
    """The worker dies while it writes a large batch: the loader must notice."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            threading.Timer(0.5, os._exit, (7,)).start()
        return np.zeros(4_000_000, np.uint8)  # 4 MB: far more than a pipe holds


def test_a_worker_dying_in_the_middle_of_a_batch_is_an_error_not_a_hang():
    loader = DataLoader(KilledMidBatch(), batch_size=1, num_workers=1, prefetch_factor=4)
    with pytest.raises(RuntimeError, match=r"exited unexpectedly"):
        for batch in loader:
            assert batch.shape == (1, 4_000_000)
            time.sleep(2)  # a slow consumer: the worker dies while its pipe is full


def test_an_unpicklable_batch_is_an_error():
    loader = DataLoader(_tensor_dataset(4), batch_size=2, num_workers=1,
                        collate_fn=unpicklable_collate)
    with pytest.raises(Exception, match="pickling a batch in DataLoader worker process 0"):
        next(iter(loader))


def test_persistent_workers_serve_every_epoch():
    loader = DataLoader(_tensor_dataset(), batch_size=4, shuffle=True, seed=2, num_workers=2,
                        persistent_workers=True)
    it = iter(loader)
    pids = [p.pid for p in it.pool.workers]
    next(it)  # an epoch abandoned part-way: its batches still in flight are dropped
    orders = []
    for _ in range(2):
        batches = _values(loader)
        for x, y in batches:  # each batch is consistent: x holds the rows of y
            assert x == [[2.0 * i, 2.0 * i + 1] for i in y]
        orders.append(sum((y for _, y in batches), []))
        assert sorted(orders[-1]) == list(range(23))
    assert orders[0] != orders[1]
    assert iter(loader) is it and [p.pid for p in it.pool.workers] == pids
    processes = list(it.pool.workers)
    del loader, it
    gc.collect()
    assert _gone(processes)


def test_persistent_workers_draw_as_pytorch():
    """PyTorch draws no new base seed when persistent workers serve another
    epoch, so the shuffling generator moves by one draw less per epoch."""
    loader = DataLoader(_tensor_dataset(), batch_size=4, shuffle=True, seed=2, num_workers=1,
                        persistent_workers=True)
    first, second = [sum((y for _, y in _values(loader)), []) for _ in range(2)]
    rng = np.random.default_rng(2)
    rng.integers(2 ** 63)  # the base seed of the first epoch only
    assert first == rng.permutation(23).tolist()
    assert second == rng.permutation(23).tolist()


def test_idle_workers_wait_for_the_loader():
    """A worker waits while the loader is busy (training on a batch) for
    longer than it takes to check that its parent is alive."""
    loader = DataLoader(_tensor_dataset(), batch_size=4, num_workers=1,
                        persistent_workers=True)
    it = iter(loader)
    first = next(it)
    time.sleep(3 * workers._STATUS_INTERVAL)
    rest = list(it)
    assert [b[1].tolist() for b in [first] + rest][-1] == [20, 21, 22]
    time.sleep(3 * workers._STATUS_INTERVAL)
    assert len(list(loader)) == 6 and all(p.is_alive() for p in it.pool.workers)


def test_out_of_order_delivery_hands_out_every_batch():
    loader = DataLoader(_tensor_dataset(), batch_size=3, num_workers=2, in_order=False)
    got = sorted(v for batch in loader for v in batch[1].tolist())
    assert got == list(range(23))


def test_resume_with_workers():
    def make():
        return DataLoader(_tensor_dataset(), batch_size=4, shuffle=True, seed=5, num_workers=2)
    expected = _values(make())
    loader = make()
    it = iter(loader)
    seen = [[t.numpy().tolist() for t in next(it)] for _ in range(2)]
    state = loader.state_dict()
    del it
    resumed = make()
    resumed.load_state_dict(state)
    assert seen + _values(resumed) == expected


def test_spawn_context():
    loader = DataLoader(_tensor_dataset(6), batch_size=3, num_workers=1,
                        multiprocessing_context="spawn")
    assert [b[1].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]]

"""DataLoader and cycle (minidl.data.loader) on small in-memory data sets.

Most tests read the numpy batches from ``DataLoader._iter_numpy`` so that they
do not depend on the tensor code; ``test_yields_minidl_tensors`` checks the
conversion and skips if ``minidl.from_numpy`` does not exist yet.
"""

import pickle

import numpy as np
import pytest

from minidl.data import ArrayDataset, DataLoader, Dataset, cycle


def _indices(n=10):
    """A data set whose first field is each example's own index."""
    return ArrayDataset(np.arange(n), np.arange(n, dtype=np.float32) * 10)


def _epoch(loader):
    return [batch[0].tolist() for batch in loader._iter_numpy()]


class ListDataset(Dataset):
    """Not an ArrayDataset: exercises the per-example path and collation."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i, np.full((2,), i * 10, dtype=np.float32)


def test_batching_and_len():
    loader = DataLoader(_indices(10), batch_size=4)
    assert len(loader) == 3
    assert _epoch(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    batch = next(loader._iter_numpy())
    assert batch[1].dtype == np.float32 and batch[1].tolist() == [0, 10, 20, 30]


def test_drop_last():
    loader = DataLoader(_indices(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert _epoch(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(_indices(8), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(_indices(3), batch_size=4, drop_last=True)) == 0
    assert len(DataLoader(_indices(3), batch_size=4)) == 1


def test_shuffle_is_seeded_and_changes_every_epoch():
    a = DataLoader(_indices(50), batch_size=7, shuffle=True, seed=123)
    b = DataLoader(_indices(50), batch_size=7, shuffle=True, seed=123)
    epochs_a = [sum(_epoch(a), []) for _ in range(3)]
    epochs_b = [sum(_epoch(b), []) for _ in range(3)]
    assert epochs_a == epochs_b  # same seed, same sequence of orders
    for order in epochs_a:  # every example exactly once per epoch
        assert sorted(order) == list(range(50))
    assert epochs_a[0] != epochs_a[1] != epochs_a[2]
    assert epochs_a[0] != list(range(50))
    other = DataLoader(_indices(50), batch_size=7, shuffle=True, seed=124)
    assert sum(_epoch(other), []) != epochs_a[0]


def test_generic_dataset_matches_array_fast_path():
    generic = DataLoader(ListDataset(11), batch_size=3, shuffle=True, seed=5)
    fast = DataLoader(ArrayDataset(np.arange(11), np.repeat(np.arange(11.0), 2).reshape(11, 2)
                                   .astype(np.float32) * 10),
                      batch_size=3, shuffle=True, seed=5)
    for g, f in zip(generic._iter_numpy(), fast._iter_numpy()):
        assert len(g) == len(f) == 2
        np.testing.assert_array_equal(g[0], f[0])
        np.testing.assert_array_equal(g[1], f[1])
        assert g[0].dtype == np.int64 and g[1].shape == (len(g[0]), 2)


def test_fast_path_uses_one_index_per_array():
    class NoPerExample(ArrayDataset):
        def __getitem__(self, index):
            raise AssertionError("ArrayDataset must not be read example by example")
    dataset = NoPerExample(np.arange(10), np.arange(10.0))
    batches = list(DataLoader(dataset, batch_size=4, shuffle=True, seed=0)._iter_numpy())
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b[0] for b in batches]).tolist()) == list(range(10))


def test_batches_do_not_alias_the_dataset():
    dataset = _indices(6)
    for batch in DataLoader(dataset, batch_size=3)._iter_numpy():
        batch[1][:] = -1
    assert dataset.arrays[1].tolist() == [0, 10, 20, 30, 40, 50]


def test_single_field_examples_become_one_tuples():
    class Scalars(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return float(i)
    batches = list(DataLoader(Scalars(), batch_size=2)._iter_numpy())
    assert [len(b) for b in batches] == [1, 1, 1]
    assert batches[0][0].tolist() == [0.0, 1.0]


def test_break_starts_a_new_full_epoch():
    loader = DataLoader(_indices(9), batch_size=2, shuffle=True, seed=1)
    for _ in loader._iter_numpy():
        break
    assert loader.epoch == 0
    order = sum(_epoch(loader), [])
    assert sorted(order) == list(range(9))
    assert loader.epoch == 2


def _run(loader, epochs):
    return [sum(_epoch(loader), []) for _ in range(epochs)]


@pytest.mark.parametrize("stop_after", [0, 2, 5, 6])  # 6 batches per epoch
def test_state_dict_resumes_exactly(stop_after):
    def make():
        return DataLoader(_indices(23), batch_size=4, shuffle=True, seed=9)
    reference = make()
    expected = [b[0].tolist() for _ in range(3) for b in reference._iter_numpy()]

    interrupted = make()
    first_epoch = interrupted._iter_numpy()
    seen = [next(first_epoch)[0].tolist() for _ in range(stop_after)]
    state = pickle.loads(pickle.dumps(interrupted.state_dict()))  # e.g. saved to disk

    resumed = make()
    resumed.load_state_dict(state)
    assert resumed.epoch == 0
    seen += [b[0].tolist() for b in resumed._iter_numpy()]  # rest of epoch 0
    seen += [b[0].tolist() for _ in range(2) for b in resumed._iter_numpy()]
    assert seen == expected
    assert resumed.epoch == 3


def test_state_dict_between_epochs_and_without_seed():
    loader = DataLoader(_indices(10), batch_size=3, shuffle=True)  # OS entropy
    _run(loader, 2)
    state = loader.state_dict()
    assert state["epoch"] == 2 and state["position"] == 0
    expected = _run(loader, 2)
    other = DataLoader(_indices(10), batch_size=3, shuffle=True)
    other.load_state_dict(state)
    assert _run(other, 2) == expected


def test_load_state_dict_rejects_other_configuration():
    state = DataLoader(_indices(10), batch_size=3, shuffle=True, seed=0).state_dict()
    with pytest.raises(ValueError, match="batch_size: saved 3, loader has 4"):
        DataLoader(_indices(10), batch_size=4, shuffle=True).load_state_dict(state)
    with pytest.raises(ValueError, match="num_examples"):
        DataLoader(_indices(11), batch_size=3, shuffle=True).load_state_dict(state)
    with pytest.raises(ValueError, match="not a DataLoader state"):
        DataLoader(_indices(10)).load_state_dict({"epoch": 1})


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size must be >= 1"),
    ({"batch_size": -3}, "batch_size must be >= 1"),
    ({"batch_size": 2.0}, "batch_size must be an int"),
    ({"batch_size": "4"}, "batch_size must be an int"),
    ({"batch_size": True}, "batch_size must be an int"),
    ({"shuffle": "yes"}, "shuffle must be True or False"),
    ({"drop_last": 1}, "drop_last must be True or False"),
    ({"seed": -1}, "seed must be None or an int >= 0"),
    ({"seed": 1.5}, "seed must be None or an int >= 0"),
])
def test_argument_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(_indices(4), **kwargs)


def test_rejects_non_dataset():
    with pytest.raises(ValueError, match="__len__ and __getitem__"):
        DataLoader(iter(range(3)))


def test_numpy_integer_batch_size_is_accepted():
    assert len(DataLoader(_indices(10), batch_size=np.int64(5))) == 2


def test_cycle_runs_across_epochs_and_rejects_empty_loaders(monkeypatch):
    loader = DataLoader(_indices(5), batch_size=2, shuffle=True, seed=3)
    # cycle iterates the loader itself; serve numpy batches so no tensors are needed.
    monkeypatch.setattr(DataLoader, "__iter__", DataLoader._iter_numpy)
    stream = cycle(loader)
    batches = [next(stream)[0].tolist() for _ in range(9)]  # 3 epochs of 3 batches
    for e in range(3):
        assert sorted(sum(batches[3 * e:3 * e + 3], [])) == list(range(5))
    assert loader.epoch == 2
    with pytest.raises(ValueError, match="no batches"):
        next(cycle(DataLoader(_indices(1), batch_size=2, drop_last=True)))


def test_yields_minidl_tensors():
    minidl = pytest.importorskip("minidl")
    if not hasattr(minidl, "from_numpy"):
        pytest.skip("minidl.from_numpy is not available yet")
    images = np.random.default_rng(0).random((10, 1, 2, 2), dtype=np.float32)
    labels = np.arange(10, dtype=np.int64)
    loader = DataLoader(ArrayDataset(images, labels), batch_size=4, shuffle=True, seed=0,
                        device="cpu")
    batches = list(loader)
    assert len(batches) == 3
    x, y = batches[0]
    assert isinstance(x, minidl.Tensor) and isinstance(y, minidl.Tensor)
    assert x.shape == (4, 1, 2, 2) and x.numpy().dtype == np.float32
    assert y.shape == (4,) and y.numpy().dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), images[y.numpy()])

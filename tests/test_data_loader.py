"""DataLoader and cycle (minidl.data.loader) on small in-memory data sets, in
one process: batching, shuffling, PyTorch's arguments, resuming, devices.

Worker processes are tested in test_data_workers.py, the samplers, data sets
and collation in test_data_utils.py.
"""

import pickle

import numpy as np
import pytest

import minidl as mdl
from minidl.data import (ArrayDataset, BatchSampler, DataLoader, Dataset, RandomSampler,
                         SequentialSampler, Subset, TensorDataset, cycle, default_collate)


def _indices(n=10):
    """A data set whose first field is each example's own index."""
    return ArrayDataset(np.arange(n), np.arange(n, dtype=np.float32) * 10)


def _epoch(loader):
    return [batch[0].tolist() for batch in loader]


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
    batch = next(iter(loader))
    assert isinstance(batch, list) and len(batch) == 2  # tuples collate to lists
    assert batch[0].dtype == mdl.int64
    assert batch[1].dtype == mdl.float32 and batch[1].tolist() == [0, 10, 20, 30]


def test_default_batch_size_is_one():
    batches = list(DataLoader(_indices(3)))
    assert [b[0].shape for b in batches] == [(1,), (1,), (1,)]


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


def test_seed_is_a_generator():
    """seed=s is generator=np.random.default_rng(s)."""
    a = DataLoader(_indices(30), batch_size=4, shuffle=True, seed=7)
    b = DataLoader(_indices(30), batch_size=4, shuffle=True,
                   generator=np.random.default_rng(7))
    assert [sum(_epoch(a), []) for _ in range(2)] == [sum(_epoch(b), []) for _ in range(2)]


def test_without_generator_the_global_seed_decides():
    """As PyTorch: no generator, so every epoch draws from the global
    generator, and manual_seed reproduces the orders."""
    def orders():
        mdl.manual_seed(11)
        loader = DataLoader(_indices(30), batch_size=4, shuffle=True)
        return [sum(_epoch(loader), []) for _ in range(2)]
    first, second = orders(), orders()
    assert first == second and first[0] != first[1]
    mdl.manual_seed(12)
    assert sum(_epoch(DataLoader(_indices(30), batch_size=4, shuffle=True)), []) != first[0]


def test_iteration_consumes_the_global_generator_as_pytorch():
    """PyTorch draws the workers' base seed at every iteration, even without
    workers: a sequential loader moves the global stream by one draw."""
    mdl.manual_seed(3)
    list(DataLoader(_indices(4), batch_size=2))
    after_loader = mdl.rand(1).item()
    mdl.manual_seed(3)
    mdl.random.default_generator().integers(2 ** 63)
    assert mdl.rand(1).item() == after_loader


def test_generic_dataset_matches_array_fast_path():
    generic = DataLoader(ListDataset(11), batch_size=3, shuffle=True, seed=5)
    fast = DataLoader(ArrayDataset(np.arange(11), np.repeat(np.arange(11.0), 2).reshape(11, 2)
                                   .astype(np.float32) * 10),
                      batch_size=3, shuffle=True, seed=5)
    for g, f in zip(generic, fast):
        assert len(g) == len(f) == 2
        np.testing.assert_array_equal(g[0].numpy(), f[0].numpy())
        np.testing.assert_array_equal(g[1].numpy(), f[1].numpy())
        assert g[0].dtype == mdl.int64 and g[1].shape == (len(g[0]), 2)


def test_fast_path_uses_one_index_per_array():
    class NoPerExample(ArrayDataset):
        def __getitem__(self, index):
            raise AssertionError("ArrayDataset must not be read example by example")
    dataset = NoPerExample(np.arange(10), np.arange(10.0))
    batches = list(DataLoader(dataset, batch_size=4, shuffle=True, seed=0))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b[0].numpy() for b in batches]).tolist()) == list(range(10))


def test_custom_collate_fn_reads_example_by_example():
    batches = list(DataLoader(_indices(5), batch_size=2, collate_fn=lambda b: b))
    assert batches[0] == [(0, 0.0), (1, 10.0)]


def test_batches_do_not_alias_the_dataset():
    dataset = _indices(6)
    for batch in DataLoader(dataset, batch_size=3):
        batch[1].numpy()[:] = -1
    assert dataset.arrays[1].tolist() == [0, 10, 20, 30, 40, 50]


def test_single_field_examples_collate_as_pytorch():
    """A float per example is a float64 tensor per batch (default_collate), not a tuple."""
    class Scalars(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return float(i)
    batches = list(DataLoader(Scalars(), batch_size=2))
    assert all(isinstance(b, mdl.Tensor) for b in batches)
    assert batches[0].dtype == mdl.float64 and batches[0].tolist() == [0.0, 1.0]


def test_dict_examples_collate_to_dicts():
    class Dicts(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {"x": np.full(2, i, np.float32), "y": i, "name": f"n{i}"}
    batch = next(iter(DataLoader(Dicts(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["y"].tolist() == [0, 1, 2]
    assert batch["name"] == ["n0", "n1", "n2"]


def test_batch_size_none_yields_examples():
    loader = DataLoader(_indices(3), batch_size=None)
    assert len(loader) == 3
    examples = list(loader)
    assert len(examples) == 3
    index, value = examples[1]  # default_convert: a tuple becomes a list of tensors
    assert isinstance(index, mdl.Tensor) and index.shape == () and index.item() == 1
    assert value.item() == 10.0


def test_sampler_and_batch_sampler():
    dataset = _indices(10)
    loader = DataLoader(dataset, batch_size=3, sampler=[9, 8, 7, 6, 5])
    assert _epoch(loader) == [[9, 8, 7], [6, 5]]
    batches = BatchSampler(SequentialSampler(dataset), 4, drop_last=True)
    loader = DataLoader(dataset, batch_sampler=batches)
    assert loader.batch_size is None and len(loader) == 2
    assert _epoch(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    loader = DataLoader(dataset, batch_sampler=[[1, 3], [5]])
    assert _epoch(loader) == [[1, 3], [5]]


@pytest.mark.parametrize("kwargs, message", [
    ({"sampler": [0, 1], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "shuffle": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "sampler": [0]}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "mutually exclusive with drop_last"),
    ({"num_workers": -1}, "num_workers option should be a non-negative"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"multiprocessing_context": "spawn"}, "can only be used with multi-process loading"),
    ({"num_workers": 1, "multiprocessing_context": "nope"}, "valid start method"),
    ({"seed": 1, "generator": np.random.default_rng(1)}, "either seed or generator"),
])
def test_pytorch_argument_rules(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(_indices(4), **kwargs)


@pytest.mark.parametrize("kwargs, error", [
    ({"generator": 5}, TypeError), ({"collate_fn": 5}, TypeError),
    ({"worker_init_fn": 5, "num_workers": 1}, TypeError),
    ({"sampler": 5}, TypeError), ({"batch_sampler": 5}, TypeError),
    ({"num_workers": 1, "multiprocessing_context": 5}, TypeError),
    ({"num_workers": 1, "prefetch_factor": 0}, ValueError),
    ({"pin_memory": "yes"}, ValueError),
])
def test_argument_types(kwargs, error):
    with pytest.raises(error, match="DataLoader"):
        DataLoader(_indices(4), **kwargs)


def test_attributes_and_frozen_ones():
    loader = DataLoader(_indices(10), batch_size=3, shuffle=True, pin_memory=True)
    assert isinstance(loader.sampler, RandomSampler)
    assert isinstance(loader.batch_sampler, BatchSampler)
    assert loader.num_workers == 0 and loader.prefetch_factor is None
    assert loader.pin_memory is True and loader.collate_fn is default_collate
    assert loader.persistent_workers is False and loader.timeout == 0
    for name in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set"):
            setattr(loader, name, None)
    loader.num_workers = 0  # not frozen, as in PyTorch
    assert DataLoader(_indices(2), num_workers=1).prefetch_factor == 2
    assert DataLoader(_indices(2), shuffle=None).sampler.__class__ is SequentialSampler


def test_break_starts_a_new_full_epoch():
    loader = DataLoader(_indices(9), batch_size=2, shuffle=True, seed=1)
    for _ in loader:
        break
    assert loader.epoch == 0
    order = sum(_epoch(loader), [])
    assert sorted(order) == list(range(9))
    assert loader.epoch == 2


def test_iterator_has_a_length():
    assert len(iter(DataLoader(_indices(10), batch_size=4))) == 3


def _run(loader, epochs):
    return [sum(_epoch(loader), []) for _ in range(epochs)]


@pytest.mark.parametrize("seed", [9, None])
@pytest.mark.parametrize("stop_after", [0, 2, 5, 6])  # 6 batches per epoch
def test_state_dict_resumes_exactly(stop_after, seed):
    """A resumed loader (with the global generator restored, as a checkpoint
    does) hands out the batches an uninterrupted one would have."""
    def make():
        return DataLoader(_indices(23), batch_size=4, shuffle=True, seed=seed)
    mdl.manual_seed(0)
    reference = make()
    expected = [b[0].tolist() for _ in range(3) for b in reference]
    after = mdl.rand(3).tolist()

    mdl.manual_seed(0)
    interrupted = make()
    first_epoch = iter(interrupted)
    seen = [next(first_epoch)[0].tolist() for _ in range(stop_after)]
    state = pickle.loads(pickle.dumps(interrupted.state_dict()))  # e.g. saved to disk
    rng = mdl.get_rng_state()

    mdl.manual_seed(123)  # a new process: other global state...
    resumed = make()
    resumed.load_state_dict(state)
    mdl.set_rng_state(rng)  # ...until the checkpoint restores it
    assert resumed.epoch == 0
    seen += [b[0].tolist() for b in resumed]  # rest of epoch 0
    seen += [b[0].tolist() for _ in range(2) for b in resumed]
    assert seen == expected
    assert resumed.epoch == 3
    assert mdl.rand(3).tolist() == after  # the global stream is where it would be


@pytest.mark.parametrize("seed", [4, None])
def test_state_dict_between_epochs(seed):
    mdl.manual_seed(1)
    loader = DataLoader(_indices(10), batch_size=3, shuffle=True, seed=seed)
    _run(loader, 2)
    state, rng = loader.state_dict(), mdl.get_rng_state()
    assert state["epoch"] == 2 and state["position"] == 0 and not state["in_epoch"]
    expected = _run(loader, 2)
    other = DataLoader(_indices(10), batch_size=3, shuffle=True, seed=seed)
    other.load_state_dict(state)
    mdl.set_rng_state(rng)
    assert _run(other, 2) == expected


def test_state_dict_of_a_restored_loader_is_the_restored_state():
    loader = DataLoader(_indices(10), batch_size=3, shuffle=True, seed=0)
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    other = DataLoader(_indices(10), batch_size=3, shuffle=True, seed=0)
    other.load_state_dict(state)
    assert other.state_dict() == state


def test_load_state_dict_rejects_other_configuration():
    state = DataLoader(_indices(10), batch_size=3, shuffle=True, seed=0).state_dict()
    with pytest.raises(ValueError, match="batch_size: saved 3, loader has 4"):
        DataLoader(_indices(10), batch_size=4, shuffle=True, seed=0).load_state_dict(state)
    with pytest.raises(ValueError, match="num_examples"):
        DataLoader(_indices(11), batch_size=3, shuffle=True, seed=0).load_state_dict(state)
    with pytest.raises(ValueError, match="generator_states"):
        DataLoader(_indices(10), batch_size=3, shuffle=True).load_state_dict(state)
    with pytest.raises(ValueError, match="not a DataLoader state"):
        DataLoader(_indices(10)).load_state_dict({"epoch": 1})


def test_custom_sampler_cannot_be_saved():
    loader = DataLoader(_indices(10), sampler=[3, 2, 1])
    with pytest.raises(RuntimeError, match="custom sampler.*list"):
        loader.state_dict()


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size should be a positive integer value"),
    ({"batch_size": -3}, "batch_size should be a positive integer value"),
    ({"batch_size": 2.0}, "batch_size should be a positive integer value"),
    ({"batch_size": "4"}, "batch_size should be a positive integer value"),
    ({"batch_size": True}, "batch_size should be a positive integer value"),
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


def test_cycle_runs_across_epochs_and_rejects_empty_loaders():
    loader = DataLoader(_indices(5), batch_size=2, shuffle=True, seed=3)
    stream = cycle(loader)
    batches = [next(stream)[0].tolist() for _ in range(9)]  # 3 epochs of 3 batches
    for e in range(3):
        assert sorted(sum(batches[3 * e:3 * e + 3], [])) == list(range(5))
    assert loader.epoch == 2
    with pytest.raises(ValueError, match="no batches"):
        next(cycle(DataLoader(_indices(1), batch_size=2, drop_last=True)))


def test_yields_minidl_tensors(device):
    images = np.random.default_rng(0).random((10, 1, 2, 2), dtype=np.float32)
    labels = np.arange(10, dtype=np.int64)
    loader = DataLoader(ArrayDataset(images, labels), batch_size=4, shuffle=True, seed=0,
                        device=device)
    batches = list(loader)
    assert len(batches) == 3
    x, y = batches[0]
    assert isinstance(x, mdl.Tensor) and isinstance(y, mdl.Tensor)
    assert x.device == device and y.device == device
    assert x.shape == (4, 1, 2, 2) and x.dtype == mdl.float32
    assert y.shape == (4,) and y.dtype == mdl.int64
    np.testing.assert_array_equal(x.numpy(), images[y.numpy()])


def test_device_moves_nested_batches(device):
    class Nested(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return {"a": (np.float32(i), [i, i + 1]), "s": "x"}
    batch = next(iter(DataLoader(Nested(), batch_size=2, device=device)))
    a, pair = batch["a"]
    assert a.device == device and all(t.device == device for t in pair)
    assert pair[1].tolist() == [1, 2] and batch["s"] == ["x", "x"]


@pytest.mark.parametrize("subset", [False, True])
def test_tensor_dataset_fast_path_equals_stacking(device, subset):
    """One index per tensor gives the batches default_collate makes of the
    examples (computed here on the CPU twin of the data set)."""
    def make(on):
        x = mdl.tensor(np.arange(24, dtype=np.float32).reshape(12, 2), device=on)
        dataset = TensorDataset(x, mdl.tensor(np.arange(12) % 3, device=on))
        return Subset(dataset, [11, 0, 5, 3, 7, 1, -1]) if subset else dataset
    fast = list(DataLoader(make(device), batch_size=3, shuffle=True, seed=2))
    slow = list(DataLoader(make("cpu"), batch_size=3, shuffle=True, seed=2,
                           collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow)
    for f, s in zip(fast, slow):
        for a, b in zip(f, s):
            assert a.device == device and a.dtype == b.dtype
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_tensor_dataset_batches_carry_gradients(device):
    x = mdl.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True, device=device)
    (batch,) = next(iter(DataLoader(TensorDataset(x), batch_size=2, sampler=[2, 0])))
    (batch * mdl.tensor([[1.0, 2.0]], device=device)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 2], [0, 0], [1, 2]])


def test_tensor_dataset_fast_path_checks_indices():
    dataset = TensorDataset(mdl.arange(3))
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        list(DataLoader(dataset, sampler=[0, 5]))

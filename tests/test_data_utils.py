"""minidl.utils.data: data sets, samplers and collation (PyTorch's
torch.utils.data names). PyTorch itself is compared in tests/conformance/test_data.py."""

import collections
import warnings

import numpy as np
import pytest

import minidl as mdl
import minidl.data
from minidl.utils import data as tud


def test_utils_data_is_minidl_data():
    assert mdl.utils.data is tud
    for name in tud.__all__:
        assert getattr(tud, name) is getattr(minidl.data, name)
    assert tud.DataLoader is minidl.data.DataLoader


# -- data sets ------------------------------------------------------------------------


def test_tensor_dataset(device):
    x = mdl.tensor(np.arange(6.0).reshape(3, 2), device=device)
    y = mdl.tensor([0, 1, 2], device=device)
    ds = tud.TensorDataset(x, y)
    assert len(ds) == 3 and ds.tensors[0] is x and ds.tensors[1] is y
    (a,) = tud.TensorDataset(x)[1]
    assert a.device == device and a.tolist() == [2.0, 3.0]
    a, b = ds[1]
    assert a.tolist() == [2.0, 3.0] and b.device == device and b.item() == 1
    assert ds[-1][0].tolist() == [4.0, 5.0] and ds[-1][1].item() == 2


def test_subset_and_getitems():
    ds = tud.TensorDataset(mdl.arange(10))
    sub = tud.Subset(ds, [9, 3, 5])
    assert len(sub) == 3 and sub[0][0].item() == 9 and sub[-1][0].item() == 5
    assert [e[0].item() for e in sub.__getitems__([2, 0])] == [5, 9]

    class WithGetitems(tud.Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            raise AssertionError("read one by one")

        def __getitems__(self, indices):
            return [(i * 2,) for i in indices]
    sub = tud.Subset(WithGetitems(), [4, 1])
    assert sub.__getitems__([0, 1]) == [(8,), (2,)]
    batch = next(iter(tud.DataLoader(sub, batch_size=2)))
    assert batch[0].tolist() == [8, 2]


def test_concat_dataset_and_add():
    a = tud.TensorDataset(mdl.arange(3))
    b = tud.TensorDataset(mdl.arange(10, 12))
    both = a + b
    assert isinstance(both, tud.ConcatDataset) and both.cumulative_sizes == [3, 5]
    assert [both[i][0].item() for i in range(5)] == [0, 1, 2, 10, 11]
    assert both[-1][0].item() == 11 and both[-5][0].item() == 0
    with pytest.raises(ValueError, match="absolute value"):
        both[-6]
    with pytest.raises(IndexError):
        both[5]


def test_random_split_lengths_and_disjointness():
    mdl.manual_seed(0)
    ds = tud.TensorDataset(mdl.arange(10))
    parts = tud.random_split(ds, [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    mdl.manual_seed(0)
    assert tud.random_split(ds, [3, 7])[0].indices == parts[0].indices  # global seed
    a = tud.random_split(ds, [5, 5], generator=np.random.default_rng(4))
    b = tud.random_split(ds, [5, 5], generator=np.random.default_rng(4))
    assert a[0].indices == b[0].indices


@pytest.mark.parametrize("n, fractions, expected", [
    (10, [0.3, 0.7], [3, 7]),
    (11, [0.5, 0.5], [6, 5]),  # the remainder goes to the first split
    (10, [1 / 3] * 3, [4, 3, 3]),
    (7, [0.1, 0.1, 0.8], [1, 1, 5]),
])
def test_random_split_fractions(n, fractions, expected):
    parts = tud.random_split(tud.TensorDataset(mdl.arange(n)), fractions)
    assert [len(p) for p in parts] == expected


def test_random_split_warns_about_empty_splits():
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        tud.random_split(tud.TensorDataset(mdl.arange(1)), [0.5, 0.5])


# -- samplers ---------------------------------------------------------------------------


def test_sequential_sampler():
    assert list(tud.SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(tud.SequentialSampler(range(4))) == 4


def test_random_sampler_permutations():
    sampler = tud.RandomSampler(range(20), generator=np.random.default_rng(0))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(20)) and first != second
    assert len(sampler) == 20
    expected = np.random.default_rng(0).permutation(20).tolist()
    assert first == expected  # a permutation drawn from the generator given


def test_random_sampler_num_samples_and_replacement():
    sampler = tud.RandomSampler(range(5), num_samples=12, generator=np.random.default_rng(1))
    drawn = list(sampler)
    assert len(drawn) == 12 == len(sampler)
    assert sorted(drawn[:5]) == sorted(drawn[5:10]) == list(range(5))  # whole permutations
    sampler = tud.RandomSampler(range(3), replacement=True, num_samples=70,
                                generator=np.random.default_rng(2))
    drawn = list(sampler)
    assert len(drawn) == 70 and set(drawn) == {0, 1, 2}
    assert list(tud.RandomSampler([], replacement=False)) == []


def test_random_sampler_without_generator_follows_manual_seed():
    mdl.manual_seed(5)
    first = list(tud.RandomSampler(range(10)))
    mdl.manual_seed(5)
    assert list(tud.RandomSampler(range(10))) == first


def test_subset_random_sampler():
    sampler = tud.SubsetRandomSampler([10, 20, 30], generator=np.random.default_rng(0))
    assert sorted(sampler) == [10, 20, 30] and len(sampler) == 3


@pytest.mark.parametrize("drop_last, expected", [
    (False, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]),
    (True, [[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
])
def test_batch_sampler(drop_last, expected):
    sampler = tud.BatchSampler(tud.SequentialSampler(range(10)), 3, drop_last)
    assert list(sampler) == expected and len(sampler) == len(expected)


def test_sampler_base_class():
    with pytest.raises(NotImplementedError):
        iter(tud.Sampler())


# -- collation ----------------------------------------------------------------------------


Point = collections.namedtuple("Point", "x y")


def test_default_collate_numbers():
    assert tud.default_collate([1, 2]).dtype == mdl.int64
    floats = tud.default_collate([1.5, 2.0])
    assert floats.dtype == mdl.float64 and floats.tolist() == [1.5, 2.0]
    assert tud.default_collate([True, False]).dtype == mdl.bool_
    scalars = tud.default_collate([np.float32(1), np.float32(2)])
    assert scalars.dtype == mdl.float32 and scalars.shape == (2,)
    assert tud.default_collate([np.int16(1), np.int16(2)]).dtype == mdl.int16


def test_default_collate_arrays_and_tensors(device):
    arrays = [np.full((2, 3), i, np.float64) for i in range(4)]
    batch = tud.default_collate(arrays)
    assert batch.shape == (4, 2, 3) and batch.dtype == mdl.float64
    np.testing.assert_array_equal(batch.numpy(), np.stack(arrays))
    tensors = [mdl.tensor(a, device=device) for a in arrays]
    stacked = tud.default_collate(tensors)
    assert stacked.device == device
    np.testing.assert_array_equal(stacked.numpy(), np.stack(arrays))
    mixed = tud.default_collate([np.zeros(2, np.int64), np.ones(2, np.float32)])
    assert mixed.dtype == mdl.float32  # tensor promotion, as torch.stack


def test_default_collate_structures():
    assert tud.default_collate(["a", "b"]) == ["a", "b"]
    batch = tud.default_collate([(1, "a"), (2, "b")])
    assert isinstance(batch, list) and batch[0].tolist() == [1, 2] and batch[1] == ["a", "b"]
    batch = tud.default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(batch, Point) and batch.x.tolist() == [1, 3]
    batch = tud.default_collate([{"a": [1, 2]}, {"a": [3, 4]}])
    assert [t.tolist() for t in batch["a"]] == [[1, 3], [2, 4]]
    ordered = tud.default_collate([collections.OrderedDict(b=1, a=2)] * 2)
    assert isinstance(ordered, collections.OrderedDict) and list(ordered) == ["b", "a"]


def test_default_collate_refuses_what_cannot_be_a_tensor():
    with pytest.raises(TypeError, match="found <class 'NoneType'>"):
        tud.default_collate([None])
    with pytest.raises(TypeError, match="found <U1"):
        tud.default_collate([np.array(["a"])])
    with pytest.raises(RuntimeError, match="equal size"):
        tud.default_collate([[1, 2], [3]])


def test_default_convert():
    out = tud.default_convert((np.arange(3), 4, "s", np.float32(2)))
    assert isinstance(out, list)
    assert isinstance(out[0], mdl.Tensor) and out[0].tolist() == [0, 1, 2]
    assert out[1] == 4 and out[2] == "s" and out[3].shape == ()
    strings = np.array(["a"])
    assert tud.default_convert(strings) is strings
    assert isinstance(tud.default_convert(Point(np.zeros(1), 1)), Point)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tud.default_convert({"k": np.ones(2)})["k"].tolist() == [1.0, 1.0]

"""minidl.utils.data against torch.utils.data: collation, batching, sampler
lengths and random_split sizes. Orders drawn at random cannot agree (the
generators differ), so for those only the rules are compared."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import minidl as mdl
from minidl.utils import data as mdata

Pair = collections.namedtuple("Pair", "a b")

BATCHES = {
    "ints": [1, 2, 3],
    "floats": [1.5, 2.5],
    "bools": [True, False],
    "np-float32": [np.float32(1), np.float32(2)],
    "np-int16": [np.int16(1), np.int16(-2)],
    "np-bool": [np.bool_(True), np.bool_(False)],
    "arrays-uint8": [np.arange(6, dtype=np.uint8).reshape(2, 3)] * 3,
    "arrays-float64": [np.linspace(0, 1, 4), np.linspace(1, 2, 4)],
    "tuples": [(np.ones(2, np.float32), 1), (np.zeros(2, np.float32), 0)],
    "lists": [[1, 2.0], [3, 4.0]],
    "dicts": [{"x": 1, "y": np.ones(2)}, {"x": 2, "y": np.zeros(2)}],
    "namedtuples": [Pair(1, 2.0), Pair(3, 4.0)],
    "nested": [{"p": (1, [2.0, 3])}, {"p": (4, [5.0, 6])}],
    "strings": ["a", "b"],
}


def _plain(value):
    """A comparable form: tensors as (dtype name, array), containers recursively."""
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype).replace("torch.", ""), value.numpy().tolist())
    if isinstance(value, mdl.Tensor):
        return ("tensor", str(value.dtype), value.numpy().tolist())
    if isinstance(value, dict):
        return ("dict", type(value).__name__, {k: _plain(v) for k, v in value.items()})
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return ("namedtuple", type(value).__name__, [_plain(v) for v in value])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_plain(v) for v in value])
    return ("value", value)


@pytest.mark.parametrize("case", list(BATCHES))
def test_default_collate_matches_pytorch(case):
    batch = BATCHES[case]
    assert _plain(mdata.default_collate(batch)) == _plain(tdata.default_collate(batch))


@pytest.mark.parametrize("case", list(BATCHES))
def test_default_convert_matches_pytorch(case):
    example = BATCHES[case][0]
    assert _plain(mdata.default_convert(example)) == _plain(tdata.default_convert(example))


@pytest.mark.parametrize("kwargs", [
    {}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None},
    {"batch_size": 4, "sampler": [7, 1, 3, 3, 9]},
    {"batch_sampler": [[0, 2], [4], [9, 8, 7]]},
])
def test_sequential_batches_match_pytorch(kwargs):
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    ours = mdata.DataLoader(mdata.TensorDataset(mdl.tensor(x), mdl.tensor(y)), **kwargs)
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.tensor(x), torch.tensor(y)), **kwargs)
    assert len(ours) == len(theirs)
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]


@pytest.mark.parametrize("n, lengths", [(10, [3, 7]), (11, [0.5, 0.5]), (10, [1 / 3] * 3),
                                        (7, [0.1, 0.1, 0.8]), (5, [0.2, 0.8])])
def test_random_split_sizes_match_pytorch(n, lengths):
    ours = mdata.random_split(mdata.TensorDataset(mdl.arange(n)), lengths)
    theirs = tdata.random_split(tdata.TensorDataset(torch.arange(n)), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]


@pytest.mark.parametrize("kwargs", [{}, {"num_samples": 7}, {"num_samples": 23},
                                    {"replacement": True, "num_samples": 40}])
def test_random_sampler_lengths_match_pytorch(kwargs):
    ours, theirs = mdata.RandomSampler(range(10), **kwargs), tdata.RandomSampler(range(10),
                                                                                  **kwargs)
    assert len(ours) == len(theirs) == len(list(ours)) == len(list(theirs))


@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True),
                                                      (9, 3, False), (2, 5, True)])
def test_batch_sampler_matches_pytorch(n, batch_size, drop_last):
    ours = mdata.BatchSampler(range(n), batch_size, drop_last)
    theirs = tdata.BatchSampler(range(n), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)

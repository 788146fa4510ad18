"""Factories and dtype rules against PyTorch."""

import numpy as np
import pytest
import torch

import minidl as mdl

CASES = {
    "tensor-float": lambda lib: lib.tensor([1.5, 2.0]),
    "tensor-int": lambda lib: lib.tensor([[1, 2]]),
    "tensor-bool": lambda lib: lib.tensor([True, False]),
    "tensor-mixed": lambda lib: lib.tensor([True, 2]),
    "tensor-numpy-f64": lambda lib: lib.tensor(np.ones(2)),
    "tensor-numpy-i32": lambda lib: lib.tensor(np.ones(2, np.int32)),
    "legacy-constructor": lambda lib: lib.Tensor([1, 2]),
    "full-int": lambda lib: lib.full((2, 2), 4),
    "full-float": lambda lib: lib.full((2,), 4.0),
    "full-bool": lambda lib: lib.full((2,), True),
    "zeros": lambda lib: lib.zeros(2, 3),
    "ones-dtype": lambda lib: lib.ones((2,), dtype=lib.int32),
    "arange-int": lambda lib: lib.arange(5),
    "arange-float": lambda lib: lib.arange(0, 1, 0.25),
    "arange-mixed": lambda lib: lib.arange(1, 4.5),
    "eye": lambda lib: lib.eye(3),
    "eye-rect": lambda lib: lib.eye(2, 4, dtype=lib.int64),
    "linspace": lambda lib: lib.linspace(-1, 2, 7),
    "logspace": lambda lib: lib.logspace(0, 3, 4),
    "logspace-base": lambda lib: lib.logspace(0, 3, 4, base=2),
    "zeros_like": lambda lib: lib.zeros_like(lib.ones(2, dtype=lib.float64)),
    "full_like": lambda lib: lib.full_like(lib.ones(2, dtype=lib.int64), 3),
    "int-div": lambda lib: lib.tensor([1, 2]) / 2,
    "int-exp": lambda lib: lib.tensor([1, 2]).exp(),
    "scalar-keeps-f32": lambda lib: lib.ones(2) * 2.5,
    "int-times-float": lambda lib: lib.tensor([1, 2], dtype=lib.int32) * 2.5,
    "0d-plus-float": lambda lib: lib.tensor(1) + 0.5,
    "f32-pow-int-tensor": lambda lib: lib.ones(2) ** lib.tensor([1, 2]),
    "f32-plus-f64-0d": lambda lib: lib.ones(2) + lib.tensor(1.0, dtype=lib.float64),
    "uint8-plus-negative": lambda lib: lib.ones(2, dtype=lib.uint8) + lib.tensor(-1),
    "bool-plus-bool": lambda lib: lib.tensor([True]) + lib.tensor([False]),
    "bool-times-int": lambda lib: lib.tensor([1, 2]) * True,
    "int32-plus-int64-0d": lambda lib: lib.ones(2, dtype=lib.int32) + lib.tensor(5),
    "sum-bool": lambda lib: lib.tensor([True, False, True]).sum(),
    "sum-int32": lambda lib: lib.ones(3, dtype=lib.int32).sum(),
    "mean-dtype": lambda lib: lib.tensor([1, 2]).mean(dtype=lib.float64),
}


def _values(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else x.numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    ours, theirs = CASES[name](mdl), CASES[name](torch)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(_values(ours).astype(np.float64),
                               _values(theirs).astype(np.float64), rtol=1e-6)


def test_randint_range_and_dtype():
    x = mdl.randint(3, 7, (1000,))
    assert x.dtype == mdl.int64 and x.min().item() == 3 and x.max().item() == 6

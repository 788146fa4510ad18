"""In-place semantics against PyTorch: values, gradients through recorded
in-place ops, and the errors PyTorch raises."""

import numpy as np
import pytest
import torch

import minidl as mdl

from .helpers import compare

A = np.random.default_rng(1).standard_normal((3, 4))


def chain(lib, x):
    y = x * 2.0
    y.add_(1.0, alpha=0.5)
    y.mul_(x)
    y[0] += 3.0
    y.clamp_(-2.0, 2.0)
    y.div_(x.abs() + 1.0)
    return y


@pytest.mark.parametrize("fn", [
    chain,
    lambda lib, x: (x * 1.0).sub_(x, alpha=2.0),
    lambda lib, x: (x * 1.0).pow_(2.0),
    lambda lib, x: (x * 1.0).exp_(),
    lambda lib, x: (x * 1.0).masked_fill_(x > 0, 0.5),
    lambda lib, x: (x * 1.0).index_put_((lib.tensor([0, 0]),), x[1] * 2, accumulate=True),
    lambda lib, x: (x * 0.0).copy_(x[0]),
    lambda lib, x: (x * 1.0).lerp_(x * 3.0, 0.25),
], ids=["chain", "sub_", "pow_", "exp_", "masked_fill_", "index_put_", "copy_", "lerp_"])
def test_in_place_matches_pytorch(fn):
    compare(fn, A)


@pytest.mark.parametrize("lib", [mdl, torch], ids=["minidl", "torch"])
def test_same_errors_as_pytorch(lib):
    leaf = lib.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf.add_(1.0)
    y = leaf.exp()
    z = y.sum()
    y.mul_(2.0)
    with pytest.raises(RuntimeError):
        z.backward()
    integer = lib.zeros(2, dtype=lib.int64)
    with pytest.raises(RuntimeError):
        integer.add_(0.5)

"""Indexing, gather/scatter and masks against PyTorch (values and gradients)."""

import numpy as np
import pytest
import torch

import minidl as mdl

from .helpers import compare

RNG = np.random.default_rng(5)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((2, 3, 4))


def idx(lib, values):
    return lib.tensor(np.asarray(values, dtype=np.int64))


CASES = {
    "int-tensor": (lambda lib, x: x[idx(lib, [2, 0, 2])], A),
    "negative": (lambda lib, x: x[idx(lib, [-1])], A),
    "two-tensors": (lambda lib, x: x[idx(lib, [0, 1]), idx(lib, [3, -1])], A),
    "list": (lambda lib, x: x[[0, 2]], A),
    "slice-and-tensor": (lambda lib, x: x[:, idx(lib, [1, 1, 3])], A),
    "separated-advanced": (lambda lib, x: x[idx(lib, [0, 1]), :, idx(lib, [3, 0])], B),
    "mask": (lambda lib, x: x[x > 0], A),
    "row-mask": (lambda lib, x: x[lib.tensor([True, False, True])], A),
    "mask-and-slice": (lambda lib, x: x[:, lib.tensor([True, False, True, True])], A),
    "gather": (lambda lib, x: x.gather(1, idx(lib, [[3, 0], [1, 1], [2, 2]])), A),
    "gather-dim0": (lambda lib, x: lib.gather(x, 0, idx(lib, [[2, 0, 1, 0]])), A),
    "take_along_dim": (lambda lib, x: lib.take_along_dim(x, idx(lib, [[0], [3], [1]]), 1), A),
    "index_select": (lambda lib, x: x.index_select(1, idx(lib, [3, 0, 3])), A),
    "index_select-3d": (lambda lib, x: lib.index_select(x, 2, idx(lib, [1, 2])), B),
    "take": (lambda lib, x: lib.take(x, idx(lib, [[0, -1], [5, 5]])), A),
    "masked_select": (lambda lib, x: lib.masked_select(x, x < 0.2), A),
    # src as large as the index: PyTorch's backward refuses a larger src
    "scatter": (lambda lib, x: x.scatter(1, idx(lib, [[0], [2], [3]]), x[:, :1] * 3), A),
    "scatter-value": (lambda lib, x: x.scatter(0, idx(lib, [[1, 2, 0, 1]]), value=0.5), A),
    "scatter_add": (lambda lib, x: x.scatter_add(1, idx(lib, [[0, 0], [2, 1], [3, 3]]),
                                                 x[:, :2] * 2), A),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    fn, array = CASES[name]
    compare(fn, array)


def _set(lib, x, index, value):
    y = x * 1.0
    y[index] = value
    return y


SET_CASES = {
    "int": lambda lib, x: _set(lib, x, 1, 0.0),
    "slice-tensor-value": lambda lib, x: _set(lib, x, (slice(None), 1), x[:, 2] * 2),
    "mask": lambda lib, x: _set(lib, x, x > 0, -1.0),
    "tensor-index": lambda lib, x: _set(lib, x, idx(lib, [0, 2]), x[1]),
    "augmented": lambda lib, x: _augmented(lib, x),
}


def _augmented(lib, x):
    y = x * 1.0
    y[idx(lib, [0, 0, 2])] += 1.0  # repeated index: added once, as PyTorch
    return y


@pytest.mark.parametrize("name", sorted(SET_CASES))
def test_setitem_matches_pytorch(name):
    compare(SET_CASES[name], A)


def test_index_put_accumulates_repeated_positions():
    def fn(lib, x):
        y = x * 1.0
        return y.index_put_((idx(lib, [0, 0, 2]),), x[0], accumulate=True)
    compare(fn, A)


def test_one_hot():
    ours = mdl.nn.functional.one_hot(mdl.tensor([0, 3, 1]))
    theirs = torch.nn.functional.one_hot(torch.tensor([0, 3, 1]))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == mdl.int64
    ours = mdl.nn.functional.one_hot(mdl.tensor([[0], [1]]), 4)
    assert ours.shape == (2, 1, 4)


def test_pytorch_tutorial_relu_with_masked_assignment():
    """The custom-Function example of PyTorch's tutorial, as written there."""
    class MyReLU(mdl.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    x = mdl.tensor(A, requires_grad=True)
    MyReLU.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (A >= 0).astype(np.float64))
    assert mdl.gradcheck(MyReLU.apply, mdl.tensor(A + 0.01 * np.sign(A), requires_grad=True))

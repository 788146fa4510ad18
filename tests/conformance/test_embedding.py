"""Embedding against PyTorch: looked-up values and the weight's gradient with
padding_idx, scale_grad_by_freq and max_norm (which renormalises rows in
place), and the layer's state keys and repr; Dropout2d's deterministic cases."""

import numpy as np
import pytest
import torch

import minidl as mdl

from .helpers import compare

RNG = np.random.default_rng(0)
W = RNG.standard_normal((7, 4)) * 2
IDX = np.array([[0, 3, 3, 6], [1, 3, 0, 0]])


def _f(lib):
    return lib.nn.functional


CASES = {
    "plain": lambda lib, i, w: _f(lib).embedding(i, w),
    "padding_idx": lambda lib, i, w: _f(lib).embedding(i, w, padding_idx=3),
    "padding_idx-negative": lambda lib, i, w: _f(lib).embedding(i, w, padding_idx=-7),
    "scale_grad_by_freq": lambda lib, i, w: _f(lib).embedding(i, w, scale_grad_by_freq=True),
    "scale-and-padding": lambda lib, i, w: _f(lib).embedding(i, w, 0, scale_grad_by_freq=True),
    "max_norm": lambda lib, i, w: _f(lib).embedding(i, w * 1, max_norm=1.0),
    "max_norm-p1": lambda lib, i, w: _f(lib).embedding(i, w * 1, max_norm=2.0, norm_type=1.0),
    "1d-index": lambda lib, i, w: _f(lib).embedding(i[0], w),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_embedding_matches_pytorch(case):
    compare(CASES[case], IDX, W, rtol=1e-12, atol=1e-14)


def test_max_norm_changes_the_table_as_pytorch():
    tables = []
    for lib in (mdl, torch):
        w = lib.tensor(W.copy())
        _f(lib).embedding(lib.tensor(IDX), w, max_norm=1.5)
        tables.append(w.numpy())
    np.testing.assert_allclose(tables[0], tables[1], rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda nn: nn.Embedding(5, 3),
    lambda nn: nn.Embedding(5, 3, padding_idx=-2, max_norm=2.0),
    lambda nn: nn.Embedding(5, 3, norm_type=3.0, scale_grad_by_freq=True),
    lambda nn: nn.Dropout2d(0.2),
    lambda nn: nn.Dropout2d(inplace=True),
], ids=["Embedding", "Embedding-padding-max_norm", "Embedding-norm-freq", "Dropout2d",
        "Dropout2d-inplace"])
def test_layers_keys_and_repr(make):
    ours, theirs = make(mdl.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_embedding_layer_padding_row_is_zero_and_from_pretrained():
    layer = mdl.nn.Embedding(5, 3, padding_idx=2)
    assert not layer.weight.numpy()[2].any()
    pretrained = {lib.__name__: lib.nn.Embedding.from_pretrained(lib.tensor(W), freeze=False,
                                                                 padding_idx=1)
                  for lib in (mdl, torch)}
    assert pretrained["minidl"].weight.requires_grad == pretrained["torch"].weight.requires_grad
    np.testing.assert_array_equal(pretrained["minidl"].weight.numpy(),
                                  pretrained["torch"].weight.detach().numpy())


DROPOUT2D = {
    "eval": lambda lib, x: _f(lib).dropout2d(x, 0.5, training=False),
    "p0": lambda lib, x: _f(lib).dropout2d(x, 0.0),
    "p1": lambda lib, x: _f(lib).dropout2d(x, 1.0),
}


@pytest.mark.parametrize("case", sorted(DROPOUT2D))
def test_dropout2d_deterministic_cases(case):
    compare(DROPOUT2D[case], RNG.standard_normal((2, 3, 4, 4)))

"""Embedding (lookup, padding_idx, max_norm, scale_grad_by_freq,
from_pretrained) and channel dropout (Dropout2d / F.dropout2d), on every
device, against NumPy and float64 gradchecks."""

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn

from helpers import check_gradients, t64

RNG = np.random.default_rng(0)
W = RNG.standard_normal((6, 3))
IDX = np.array([[0, 2, 5], [2, 2, 1]])


def test_lookup_matches_numpy_and_gradchecks(device):
    idx = mdl.tensor(IDX, device=device)
    out = F.embedding(idx, t64(W, device, requires_grad=False))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.numpy(), W[IDX])
    check_gradients(lambda w: F.embedding(idx, w), t64(W, device))
    # int32 indices and a 0-d index work too
    np.testing.assert_array_equal(
        F.embedding(mdl.tensor(IDX.astype(np.int32), device=device), t64(W, device)).detach()
        .numpy(), W[IDX])
    assert F.embedding(mdl.tensor(3, device=device), t64(W, device)).shape == (3,)


def test_gradient_adds_up_per_row(device):
    w = t64(W, device)
    F.embedding(mdl.tensor(IDX, device=device), w).sum().backward()
    counts = np.bincount(IDX.ravel(), minlength=6)[:, None]
    np.testing.assert_array_equal(w.grad.numpy(), np.broadcast_to(counts, W.shape))


def test_padding_idx_gets_no_gradient(device):
    for padding_idx in (2, -4):
        w = t64(W, device)
        out = F.embedding(mdl.tensor(IDX, device=device), w, padding_idx=padding_idx)
        np.testing.assert_array_equal(out.detach().numpy(), W[IDX])  # values unchanged
        out.sum().backward()
        counts = np.bincount(IDX.ravel(), minlength=6).astype(float)
        counts[2] = 0
        np.testing.assert_array_equal(w.grad.numpy()[:, 0], counts)
    check_gradients(lambda w: F.embedding(mdl.tensor(IDX, device=device), w, 5)[:, :2],
                    t64(W, device))


def test_scale_grad_by_freq(device):
    w = t64(W, device)
    F.embedding(mdl.tensor(IDX, device=device), w, scale_grad_by_freq=True).sum().backward()
    seen = np.bincount(IDX.ravel(), minlength=6) > 0
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], seen.astype(float))


def test_max_norm_renormalises_the_looked_up_rows_in_place(device):
    w = t64(W * 3, device, requires_grad=False)
    before = w.numpy().copy()
    out = F.embedding(mdl.tensor([0, 5, 5], device=device), w, max_norm=1.5, norm_type=1.0)
    after = w.numpy()
    for row in range(6):
        norm = np.abs(before[row]).sum()
        if row in (0, 5) and norm > 1.5:
            np.testing.assert_allclose(after[row], before[row] * 1.5 / (norm + 1e-7))
        else:
            np.testing.assert_array_equal(after[row], before[row])
    np.testing.assert_allclose(out.numpy(), after[[0, 5, 5]])


def test_embedding_layer(device):
    mdl.manual_seed(0)
    layer = nn.Embedding(10, 4, padding_idx=1).to(device)
    assert list(layer.state_dict()) == ["weight"] and layer.weight.shape == (10, 4)
    assert not layer.weight.numpy()[1].any()
    assert repr(layer) == "Embedding(10, 4, padding_idx=1)"
    assert repr(nn.Embedding(3, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)) == \
        "Embedding(3, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)"
    values = nn.Embedding(2000, 50).weight.numpy()
    assert abs(values.mean()) < 0.01 and abs(values.std() - 1) < 0.01  # N(0, 1)
    out = layer(mdl.tensor([[1, 3]], device=device))
    out.sum().backward()
    assert not layer.weight.grad.numpy()[1].any() and layer.weight.grad.numpy()[3].all()
    with pytest.raises(IndexError, match="out of bounds"):
        layer(mdl.tensor([10], device=device)).numpy()  # a GPU raises at the read


def test_from_pretrained(device):
    table = mdl.tensor(W, device=device)
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen.num_embeddings == 6
    np.testing.assert_array_equal(frozen(mdl.tensor([4], device=device)).numpy(), W[[4]])
    trainable = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad
    np.testing.assert_array_equal(trainable.weight.numpy()[0], W[0])  # left as given
    with pytest.raises(ValueError, match="2-D"):
        nn.Embedding.from_pretrained(mdl.zeros(3))


# ---- Dropout2d ------------------------------------------------------------------------------
def test_dropout2d_zeroes_whole_channels(device):
    mdl.manual_seed(1)
    x = mdl.ones(8, 16, 3, 2, device=device)
    out = F.dropout2d(x, 0.25).numpy()
    per_channel = out.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 1 / 0.75).all(-1))
    dropped = (per_channel == 0).all(-1).mean()
    assert 0.1 < dropped < 0.4
    np.testing.assert_array_equal(F.dropout2d(x, 0.25, training=False).numpy(), x.numpy())
    assert not F.dropout2d(x, 1.0).numpy().any()
    np.testing.assert_array_equal(F.dropout2d(x, 0.0).numpy(), x.numpy())


def test_dropout2d_gradient_is_the_mask(device):
    x = t64(np.ones((4, 6, 2, 2)), device)
    generator = np.random.default_rng(3)
    out = F.dropout2d(x, 0.5, generator=generator)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())
    fixed = [np.random.default_rng(4) for _ in range(2)]
    np.testing.assert_array_equal(F.dropout2d(x, 0.5, generator=fixed[0]).detach().numpy(),
                                  F.dropout2d(x, 0.5, generator=fixed[1]).detach().numpy())


def test_dropout2d_ranks_and_layer(device):
    x = mdl.ones(4, 5, 6, device=device)
    with pytest.warns(UserWarning, match=r"interpreted as shape \(N, C, L\)"):
        out = F.dropout2d(x, 0.5).numpy()
    assert np.all((out == 0).all(-1) | (out == 2).all(-1))
    with pytest.warns(UserWarning, match="2-D input to dropout2d"):
        F.dropout2d(mdl.ones(3, 4, device=device))
    layer = nn.Dropout2d(0.3)
    assert repr(layer) == "Dropout2d(p=0.3, inplace=False)"
    x = mdl.ones(2, 3, 4, 4, device=device)
    np.testing.assert_array_equal(layer.eval()(x).numpy(), x.numpy())
    y = x * 1
    assert nn.Dropout2d(0.5, inplace=True)(y) is y

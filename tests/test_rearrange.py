"""Shape, joining, rearranging and selecting functions on every device:
forward against NumPy, backward by float64 gradcheck, and views sharing
storage (PyTorch's semantics; tests/conformance compares with PyTorch)."""

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from helpers import assert_close, check_gradients, t64

RNG = np.random.default_rng(3)
A = RNG.standard_normal((2, 3, 4))
M = RNG.standard_normal((4, 5))

# name -> (minidl function, NumPy reference, input)
CASES = {
    "unflatten": (lambda x: x.unflatten(2, (2, 2)), lambda a: a.reshape(2, 3, 2, 2), A),
    "movedim": (lambda x: mdl.movedim(x, 0, 2), lambda a: np.moveaxis(a, 0, 2), A),
    "expand": (lambda x: x[:, :1].expand(2, 3, 4), lambda a: np.broadcast_to(a[:, :1], A.shape),
               A),
    "narrow": (lambda x: x.narrow(1, 1, 2), lambda a: a[:, 1:3], A),
    "select": (lambda x: x.select(2, -1), lambda a: a[:, :, -1], A),
    "split": (lambda x: mdl.split(x, 2, 1)[2], lambda a: a[:, 4:], M),
    "chunk": (lambda x: x.chunk(2, 0)[1], lambda a: a[2:], M),
    "unbind": (lambda x: x.unbind(1)[1], lambda a: a[:, 1], A),
    "hstack": (lambda x: mdl.hstack([x, x * 2]), lambda a: np.hstack([a, a * 2]), M),
    "vstack": (lambda x: mdl.vstack([x, x[0]]), lambda a: np.vstack([a, a[0]]), M),
    "repeat": (lambda x: x.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), M),
    "tile": (lambda x: x.tile((2,)), lambda a: np.tile(a, 2), M),
    "flip": (lambda x: x.flip((0, 2)), lambda a: a[::-1, :, ::-1], A),
    "roll": (lambda x: x.roll(2, 1), lambda a: np.roll(a, 2, 1), M),
    "roll-flat": (lambda x: x.roll(-3), lambda a: np.roll(a, -3), M),
    "tril": (lambda x: x.tril(1), lambda a: np.tril(a, 1), M),
    "triu": (lambda x: x.triu(-1), lambda a: np.triu(a, -1), A),
    "where": (lambda x: mdl.where(x > 0, x, x * 3), lambda a: np.where(a > 0, a, a * 3), M),
    "masked_fill": (lambda x: x.masked_fill(x < 0, 2.0), lambda a: np.where(a < 0, 2.0, a), M),
    "pad-constant": (lambda x: F.pad(x, (1, 2, 0, 1), value=0.5),
                     lambda a: np.pad(a, ((0, 1), (1, 2)), constant_values=0.5), M),
    "pad-reflect": (lambda x: F.pad(x, (2, 1), mode="reflect"),
                    lambda a: np.pad(a, ((0, 0), (0, 0), (2, 1)), mode="reflect"), A),
    "pad-replicate": (lambda x: F.pad(x, (2, 1), mode="replicate"),
                      lambda a: np.pad(a, ((0, 0), (0, 0), (2, 1)), mode="edge"), A),
    "pad-circular": (lambda x: F.pad(x, (2, 1), mode="circular"),
                     lambda a: np.pad(a, ((0, 0), (0, 0), (2, 1)), mode="wrap"), A),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_gradient(name, device):
    fn, reference, array = CASES[name]
    out = fn(t64(array, device, requires_grad=False))
    assert_close(out, reference(array), np.float64)
    check_gradients(lambda x: fn(x) * 1.0, t64(array, device))


def test_nonzero(device):
    x = t64(M, device, requires_grad=False)
    np.testing.assert_array_equal(mdl.nonzero(x > 0).numpy(), np.argwhere(M > 0))
    rows, cols = mdl.where(x > 0)
    np.testing.assert_array_equal(rows.numpy(), np.nonzero(M > 0)[0])
    np.testing.assert_array_equal(cols.numpy(), np.nonzero(M > 0)[1])


def test_views_share_storage_and_copies_do_not(device):
    x = mdl.zeros(3, 4, device=device)
    x.narrow(1, 1, 2).fill_(1.0)
    x.expand(2, 3, 4)  # a view: nothing copied
    x.split(2, 0)[1].add_(2.0)
    x.select(0, 0).mul_(5.0)
    expected = np.zeros((3, 4))
    expected[:, 1:3] = 1
    expected[2:] += 2
    expected[0] *= 5
    np.testing.assert_array_equal(x.numpy(), expected)
    flipped = x.flip(0)
    flipped.fill_(7.0)  # flip copies, as in PyTorch
    np.testing.assert_array_equal(x.numpy(), expected)


def test_in_place_through_a_view_of_a_graph_tensor(device):
    """y[0] += ... on a tensor in the graph updates y and its gradient flows to
    both the old value and the update (PyTorch's CopySlices)."""
    def fn(x):
        y = x * 2.0
        y[0] += x[1] * 3.0
        y[:, 1:].mul_(x[:, :4])
        return y
    check_gradients(fn, t64(M, device))
    leaf = mdl.ones(3, requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="view of a leaf"):
        leaf[0:2].mul_(3.0)

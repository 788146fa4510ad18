"""Advanced indexing, setitem, gather/scatter on every device: forward against
NumPy, backward by float64 gradcheck (repeated indices add up)."""

import numpy as np
import pytest

import minidl as mdl
from helpers import assert_close, check_gradients, t64

RNG = np.random.default_rng(9)
A = RNG.standard_normal((3, 4))


def ix(values, device):
    return mdl.tensor(np.asarray(values, np.int64), device=device)


def test_getitem_with_tensors_lists_and_masks(device):
    x = t64(A, device, requires_grad=False)
    assert_close(x[ix([2, 0, 2], device)], A[[2, 0, 2]], np.float64)
    assert_close(x[[0, 1], [3, -1]], A[[0, 1], [3, -1]], np.float64)
    assert_close(x[x > 0], A[A > 0], np.float64)
    assert_close(x[:, mdl.tensor([True, False, True, True], device=device)],
                 A[:, [True, False, True, True]], np.float64)


@pytest.mark.parametrize("name", ["repeated", "mask", "gather", "index_select", "take",
                                  "scatter", "scatter_add", "masked_select"])
def test_gradients(name, device):
    fns = {
        "repeated": lambda x: x[ix([2, 0, 2], device)] * 1.0,
        "mask": lambda x: x[mdl.tensor(A > 0, device=device)] * 1.0,
        "gather": lambda x: x.gather(1, ix([[3, 0], [1, 1], [2, 2]], device)),
        "index_select": lambda x: x.index_select(0, ix([1, 1, 0], device)),
        "take": lambda x: mdl.take(x, ix([[0, -1], [5, 5]], device)),
        "scatter": lambda x: x.scatter(1, ix([[0], [2], [3]], device), x * 3),
        "scatter_add": lambda x: x.scatter_add(1, ix([[0, 0], [2, 1], [3, 3]], device), x * 2),
        "masked_select": lambda x: mdl.masked_select(x, mdl.tensor(A < 0.2, device=device)),
    }
    check_gradients(fns[name], t64(A, device))


def test_setitem_in_place_and_through_the_graph(device):
    x = t64(A, device, requires_grad=False)
    x[1] = 0.0
    x[x > 0.5] = -1.0
    x[:, 0] = mdl.tensor([1.0, 2.0, 3.0], dtype=mdl.float64, device=device)
    expected = A.copy()
    expected[1] = 0
    expected[expected > 0.5] = -1
    expected[:, 0] = [1, 2, 3]
    assert_close(x, expected, np.float64)

    def fn(w):
        y = w * 2.0
        y[ix([0, 2], device)] = w[1] * 5.0
        return y
    check_gradients(fn, t64(A, device))


def test_setitem_on_a_leaf_that_requires_grad(device):
    w = t64(A, device)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 1.0
    with mdl.no_grad():
        w[0] = 1.0
    assert w.numpy()[0].tolist() == [1.0] * 4


def test_scatter_add_repeated_positions_add_up(device):
    out = mdl.zeros(5, device=device).scatter_add(0, ix([1, 1, 3, 1], device),
                                                  mdl.ones(4, device=device))
    np.testing.assert_array_equal(out.numpy(), [0, 3, 0, 1, 0])


def test_out_of_range_indices_raise(device):
    x = t64(A, device, requires_grad=False)
    with pytest.raises(IndexError, match="out of bounds"):
        x[ix([3], device)].numpy()  # on a GPU the error comes at the read
    with pytest.raises(IndexError, match="out of bounds"):
        x.gather(1, ix([[4], [0], [0]], device)).numpy()
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_select(0, ix([-1], device)).numpy()

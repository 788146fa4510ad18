"""View semantics on every device, as PyTorch's: view, reshape of contiguous data,
permute/transpose, basic slicing and squeeze/unsqueeze share storage with
their base, so an in-place change through a view changes the base (and the other
way round), with the same values on the CPU and on CUDA."""

import numpy as np

import minidl as mdl


def test_in_place_writes_through_views(device):
    x = mdl.zeros(3, 4, device=device)
    x[1].fill_(2)
    x.t()[0].add_(1)
    x[:, 1:3].mul_(3)
    x.view(2, 6)[1, 0:2].sub_(5)
    x.unsqueeze(0).squeeze(0)[2, 3:].fill_(7)
    expected = np.zeros((3, 4), np.float32)
    expected[1] = 2
    expected[:, 0] += 1
    expected[:, 1:3] *= 3
    expected.reshape(2, 6)[1, 0:2] -= 5
    expected[2, 3] = 7
    np.testing.assert_array_equal(x.numpy(), expected)


def test_views_see_later_writes_to_the_base(device):
    x = mdl.arange(12, device=device).reshape(3, 4)
    row, col, t = x[1], x[:, 2], x.t()
    x.add_(10)
    assert row.numpy().tolist() == [14, 15, 16, 17]
    assert col.numpy().tolist() == [12, 16, 20]
    assert t.numpy().tolist() == (np.arange(12).reshape(3, 4) + 10).T.tolist()
    assert t._version is x._version


def test_integer_indices_give_zero_dim_views(device):
    """x[i] of a 1-d tensor and x[i, j] of a 2-d one are 0-d views of the element."""
    y = mdl.tensor([5, 6, 7], device=device)
    assert y[1].shape == () and y[1].item() == 6 and y[-1].item() == 7
    x = mdl.arange(12.0, device=device).reshape(3, 4)
    element = x[2, 1]
    assert element.item() == 9.0 and x[1][3].item() == 7.0 and x[..., 2][1].item() == 6.0
    element.fill_(-1)  # writes through to the base, as in PyTorch
    assert x[2].tolist() == [8.0, -1.0, 10.0, 11.0]
    assert (element * 2).item() == -2.0


def test_copy_into_a_strided_view_and_ops_on_views(device):
    x = mdl.zeros(4, 5, device=device, dtype=mdl.float64)
    src = mdl.tensor(np.arange(10, dtype=np.float64).reshape(5, 2), device=device)
    x[::2, :].t().copy_(src)
    expected = np.zeros((4, 5))
    expected[::2, :] = np.arange(10).reshape(5, 2).T
    np.testing.assert_array_equal(x.numpy(), expected)
    v = x.t()[1:4]
    np.testing.assert_allclose((v * 2 + v.exp()).numpy(), expected.T[1:4] * 2
                               + np.exp(expected.T[1:4]))
    np.testing.assert_allclose(v.sum(1).numpy(), expected.T[1:4].sum(1))
    np.testing.assert_allclose((v @ x[:, :2]).numpy(), expected.T[1:4] @ expected[:, :2])


def test_int64_arithmetic_is_exact(device):
    big = mdl.tensor(np.array([2**53 + 1, -(2**62) - 3], dtype=np.int64), device=device)
    assert (big + 1).numpy().tolist() == [2**53 + 2, -(2**62) - 2]
    assert (big * 1).numpy().tolist() == big.numpy().tolist()
    assert big.max().item() == 2**53 + 1
    assert big.abs().numpy().tolist() == [2**53 + 1, 2**62 + 3]

"""In-place operations with PyTorch's rules: leaves that require grad are
refused outside no_grad, .data shares storage, a version counter catches a
saved value modified before backward, and in-place ops on graph tensors are
recorded (tests/conformance checks the values against PyTorch)."""

import numpy as np
import pytest

import minidl as mdl
from helpers import check_gradients, t64


def test_hand_written_update_needs_no_grad(device):
    w = mdl.tensor([1.0, 2.0], requires_grad=True, device=device)
    (w * w).sum().backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w -= 0.1 * w.grad
    with mdl.no_grad():
        w -= 0.1 * w.grad
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6], rtol=1e-6)
    assert w.requires_grad and w.is_leaf


def test_data_is_a_tensor_sharing_storage(device):
    w = mdl.tensor([1.0, 2.0], requires_grad=True, device=device)
    assert isinstance(w.data, mdl.Tensor) and not w.data.requires_grad
    w.data.add_(1.0)
    w.data.mul_(2.0)
    np.testing.assert_allclose(w.numpy(), [4.0, 6.0])
    w.data.zero_()
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])
    w.data = mdl.tensor([5.0, 5.0], device=device)
    np.testing.assert_allclose(w.numpy(), [5.0, 5.0])


def test_every_in_place_method_matches_its_out_of_place_form(device):
    a = np.array([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]])
    cases = [("add_", ("add", 2.0)), ("sub_", ("sub", 0.5)), ("mul_", ("mul", 3.0)),
             ("div_", ("div", 4.0)), ("pow_", ("pow", 2.0)), ("clamp_", ("clamp", -1.0, 1.0)),
             ("neg_", ("neg",)), ("exp_", ("exp",)), ("abs_", ("abs",)),
             ("sigmoid_", ("sigmoid",)), ("tanh_", ("tanh",)), ("relu_", ("relu",))]
    for inplace, (name, *args) in cases:
        x = t64(a, device, requires_grad=False)
        expected = getattr(x, name)(*args).numpy().copy()
        result = getattr(x, inplace)(*args)
        assert result is x
        np.testing.assert_allclose(x.numpy(), expected, err_msg=inplace)
    x = t64(a, device, requires_grad=False)
    x.lerp_(t64(np.zeros_like(a), device, requires_grad=False), 0.25)
    np.testing.assert_allclose(x.numpy(), 0.75 * a)
    x.fill_(3)
    assert x.numpy().tolist() == [[3.0] * 3] * 2
    x.copy_(t64([1.0, 2.0, 3.0], device, requires_grad=False))  # broadcast
    assert x.numpy().tolist() == [[1.0, 2.0, 3.0]] * 2
    y = mdl.zeros(2, dtype=mdl.int64, device=device)
    y += 3
    assert y.tolist() == [3, 3] and y.dtype == mdl.int64
    with pytest.raises(RuntimeError, match="can't be cast"):
        y += 0.5  # an integer tensor cannot take a float result, as in PyTorch


def test_in_place_on_a_graph_tensor_is_recorded(device):
    def fn(x):
        y = x * 2.0
        y.add_(1.0)
        y.mul_(x)
        y.tanh_()
        return y
    check_gradients(fn, t64([[0.3, -0.7], [1.1, 0.2]], device))


def test_modifying_a_saved_value_before_backward_raises(device):
    x = mdl.tensor([0.5, 1.0], requires_grad=True, device=device)
    y = x.exp()          # Exp saves its output
    z = (y * 1.0).sum()
    y.add_(1.0)          # ... which is then changed in place
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
    # an op that saved nothing about y is fine, as in PyTorch
    y2 = x * 3.0
    z2 = (y2 + 1.0).sum()
    y2.mul_(2.0)
    z2.backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_detach_shares_the_version_counter(device):
    x = mdl.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x.sigmoid()
    y.detach().zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_requires_grad_rules(device):
    x = mdl.tensor([1.0], device=device)
    x.requires_grad = True
    assert x.requires_grad
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="floating point"):
        mdl.tensor([1], device=device).requires_grad_()


def test_random_fills_in_place(device):
    mdl.manual_seed(0)
    x = mdl.empty(1000, device=device)
    assert x.normal_(2.0, 0.5) is x
    assert abs(x.mean().item() - 2.0) < 0.1 and abs(x.std().item() - 0.5) < 0.1
    x.uniform_(-1.0, 3.0)
    assert -1.0 <= x.min().item() and x.max().item() < 3.0

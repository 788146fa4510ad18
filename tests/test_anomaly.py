"""detect_anomaly: the first non-finite forward output or backward gradient
raises, naming the op and the line of user code that created it."""

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import autograd, nn


def _line_of(marker):
    """Line number of the source line in this file containing ``marker``."""
    with open(__file__, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if marker in line and "_line_of" not in line:
                return number
    raise AssertionError(marker)


def test_forward_overflow_names_the_op_and_the_call_site(device):
    x = mdl.tensor([1e30, -1.0, 4.0], device=device, requires_grad=True)
    with pytest.raises(mdl.AnomalyError) as info:
        with mdl.detect_anomaly():
            x * x  # marker: forward-mul
    message = str(info.value)
    assert "Mul.forward" in message and "1 Inf among 3 values of shape (3,)" in message
    assert f"test_anomaly.py\", line {_line_of('marker: forward-mul')}" in message
    assert info.value.op == "Mul" and info.value.phase == "forward"
    assert isinstance(info.value, FloatingPointError)


def test_forward_nan_is_counted():
    x = mdl.tensor([1.0, -1.0, -4.0], requires_grad=True)
    with pytest.raises(mdl.AnomalyError, match="Sqrt.forward returned 2 NaN among 3"):
        with mdl.detect_anomaly():
            x.sqrt()


def test_backward_inf_names_the_op_and_where_it_was_created(device):
    x = mdl.tensor([1.0, 0.0], device=device, requires_grad=True)
    with mdl.detect_anomaly():
        y = x.sqrt()  # marker: backward-sqrt
        loss = y.sum() * 2.0
        with pytest.raises(mdl.AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert "Sqrt.backward" in message and "1 Inf" in message
    assert "gradient of input 0" in message
    assert f"line {_line_of('marker: backward-sqrt')}" in message
    assert info.value.phase == "backward"


def test_forward_blames_the_first_op_and_says_when_an_input_was_already_bad():
    x = mdl.tensor([np.nan, 1.0], requires_grad=False)
    w = mdl.tensor([1.0, 1.0], requires_grad=True)
    with pytest.raises(mdl.AnomalyError) as info:
        with mdl.detect_anomaly():
            (x * w).sum()
    assert "Mul.forward" in str(info.value)
    assert "input 0 already held NaN or Inf" in str(info.value)


def test_ops_created_outside_the_block_have_no_site_but_still_raise():
    x = mdl.tensor([0.0], requires_grad=True)
    y = x.sqrt()
    with mdl.detect_anomaly():
        with pytest.raises(mdl.AnomalyError, match="not recorded"):
            y.sum().backward()


def test_clean_training_step_is_unchanged_and_the_hook_is_removed(device):
    mdl.manual_seed(0)
    x = mdl.randn(8, 6, device=device)
    labels = np.arange(8) % 3

    def step(check):
        mdl.manual_seed(1)
        model = nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.Sigmoid(),
                              nn.Linear(5, 3)).to(device)
        if check:
            with mdl.detect_anomaly():
                loss = F.cross_entropy(model(x), labels)
                loss.backward()
        else:
            loss = F.cross_entropy(model(x), labels)
            loss.backward()
        return loss.item(), [p.grad.numpy() for p in model.parameters()]

    plain_loss, plain_grads = step(False)
    checked_loss, checked_grads = step(True)
    assert plain_loss == checked_loss
    for a, b in zip(plain_grads, checked_grads):
        np.testing.assert_array_equal(a, b)
    assert not autograd._observers


def test_nesting_and_decorator_and_exit_on_error():
    with mdl.detect_anomaly():
        with mdl.detect_anomaly():
            pass
        assert len(autograd._observers) == 1
    assert not autograd._observers

    @mdl.detect_anomaly()
    def bad():
        return mdl.tensor([-1.0]).log()

    with pytest.raises(mdl.AnomalyError, match="Log.forward"):
        bad()
    assert not autograd._observers


def test_integer_results_are_not_checked():
    with mdl.detect_anomaly():
        out = mdl.tensor([3, 1, 2]).argmax()
    assert out.item() == 0

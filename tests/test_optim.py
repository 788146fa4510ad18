"""Optimizers and schedules against hand-computed updates."""

import numpy as np
import pytest

import minidl as mdl
from minidl import nn, optim


def param_with_grad(values, grad):
    p = nn.Parameter(mdl.tensor(values, dtype=mdl.float64))
    p.grad = mdl.tensor(grad, dtype=mdl.float64)
    return p


def test_plain_sgd():
    p = param_with_grad([1.0, 2.0], [0.5, -1.0])
    optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.numpy(), [0.95, 2.1])


def test_sgd_momentum_weight_decay_nesterov_match_pytorch_form():
    lr, mu, wd = 0.1, 0.9, 0.01
    for nesterov in (False, True):
        p = param_with_grad([1.0], [0.5])
        opt = optim.SGD([p], lr=lr, momentum=mu, weight_decay=wd, nesterov=nesterov)
        value, buf = 1.0, None
        for step, grad in enumerate([0.5, -0.2, 0.3]):
            p.grad = mdl.tensor([grad], dtype=mdl.float64)
            opt.step()
            g = grad + wd * value
            buf = g if buf is None else mu * buf + g
            value -= lr * (g + mu * buf if nesterov else buf)
            np.testing.assert_allclose(p.numpy(), [value], rtol=1e-12, err_msg=str(step))


def test_adam_matches_formula():
    p = param_with_grad([1.0], [0.0])
    opt = optim.Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    value, m, v = 1.0, 0.0, 0.0
    for t, grad in enumerate([0.5, -0.3, 0.2], start=1):
        p.grad = mdl.tensor([grad], dtype=mdl.float64)
        opt.step()
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad ** 2
        value -= 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        np.testing.assert_allclose(p.numpy(), [value], rtol=1e-12)


def test_adagrad_matches_formula():
    p = param_with_grad([1.0], [0.0])
    opt = optim.Adagrad([p], lr=0.1)
    value, total = 1.0, 0.0
    for grad in [0.5, -0.3]:
        p.grad = mdl.tensor([grad], dtype=mdl.float64)
        opt.step()
        total += grad ** 2
        value -= 0.1 * grad / (np.sqrt(total) + 1e-10)
        np.testing.assert_allclose(p.numpy(), [value], rtol=1e-12)


def test_parameters_without_grad_are_skipped_and_zero_grad():
    p = param_with_grad([1.0], [1.0])
    q = nn.Parameter(mdl.ones(1))
    opt = optim.SGD([p, q], lr=1.0)
    opt.step()
    assert q.numpy()[0] == 1.0 and p.numpy()[0] == 0.0
    opt.zero_grad()
    assert p.grad is None


def test_invalid_hyperparameters():
    p = param_with_grad([1.0], [1.0])
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([p], lr=-0.1)
    with pytest.raises(ValueError, match="momentum"):
        optim.SGD([p], lr=0.1, momentum=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([], lr=0.1)
    with pytest.raises(TypeError, match="require grad"):
        optim.SGD([mdl.ones(2)], lr=0.1)


def test_schedulers():
    p = param_with_grad([1.0], [1.0])
    opt = optim.SGD([p], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
    opt2 = optim.SGD([p], lr=2.0)
    sched2 = optim.lr_scheduler.ExponentialLR(opt2, gamma=0.5)
    sched2.step()
    sched2.step()
    assert sched2.get_last_lr() == [0.5]


def test_optimizer_state_dict_round_trip(tmp_path):
    p = param_with_grad([1.0, 2.0], [0.1, 0.2])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    mdl.save(opt.state_dict(), tmp_path / "opt.npz")
    q = param_with_grad([1.0, 2.0], [0.1, 0.2])
    opt2 = optim.SGD([q], lr=0.5, momentum=0.9)
    opt2.load_state_dict(mdl.load(tmp_path / "opt.npz"))
    assert opt2.param_groups[0]["lr"] == 0.1
    np.testing.assert_allclose(opt2.state[q]["momentum_buffer"].numpy(),
                               opt.state[p]["momentum_buffer"].numpy())

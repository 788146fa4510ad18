"""Small end-to-end runs: a tiny MLP and a tiny conv net lower their loss on
a fixed batch."""

import numpy as np

import minidl as mdl
import minidl.functional as F
from minidl import nn, optim
from helpers import t32


def fit(model, x, y, steps, lr):
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _tiny_mlp_run(device, steps):
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    x = t32(rng.standard_normal((32, 10)), device)
    y = mdl.tensor(rng.integers(0, 3, 32), device=device)
    model = nn.Sequential(nn.Linear(10, 16, bias=False), nn.BatchNorm1d(16), nn.Sigmoid(),
                          nn.Linear(16, 3)).to(device)
    return fit(model, x, y, steps, 0.5)


def test_tiny_mlp_with_batch_norm_learns(device):
    """60 steps halve the loss on the CPU; elsewhere (slow on the CUDA
    simulator) the first 10 steps' losses are the CPU's."""
    if device == "cpu":
        losses = _tiny_mlp_run(device, 60)
        assert losses[-1] < 0.5 * losses[0]
    else:
        np.testing.assert_allclose(_tiny_mlp_run(device, 10), _tiny_mlp_run("cpu", 10),
                                   rtol=1e-4)


def _tiny_conv_run(device, steps):
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    x = t32(rng.standard_normal((16, 1, 8, 8)), device)
    y = mdl.tensor(rng.integers(0, 3, 16), device=device)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
        nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(6 * 2 * 2, 3)).to(device)
    return fit(model, x, y, steps, 0.05)


def test_tiny_conv_net_learns(device):
    """40 steps halve the loss on the CPU; elsewhere (a step takes seconds on
    the CUDA simulator) the first 5 steps' losses are the CPU's."""
    if device == "cpu":
        losses = _tiny_conv_run(device, 40)
        assert losses[-1] < 0.5 * losses[0]
    else:
        np.testing.assert_allclose(_tiny_conv_run(device, 5), _tiny_conv_run("cpu", 5),
                                   rtol=1e-4)

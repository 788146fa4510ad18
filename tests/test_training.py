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


def test_tiny_mlp_with_batch_norm_learns(device):
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    x = t32(rng.standard_normal((32, 10)), device)
    y = mdl.tensor(rng.integers(0, 3, 32), device=device)
    model = nn.Sequential(nn.Linear(10, 16, bias=False), nn.BatchNorm1d(16), nn.Sigmoid(),
                          nn.Linear(16, 3)).to(device)
    losses = fit(model, x, y, 60, 0.5)
    assert losses[-1] < 0.5 * losses[0]


def test_tiny_conv_net_learns(device):
    mdl.manual_seed(0)
    rng = np.random.default_rng(0)
    x = t32(rng.standard_normal((16, 1, 8, 8)), device)
    y = mdl.tensor(rng.integers(0, 3, 16), device=device)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
        nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(6 * 2 * 2, 3)).to(device)
    losses = fit(model, x, y, 40, 0.05)
    assert losses[-1] < 0.5 * losses[0]

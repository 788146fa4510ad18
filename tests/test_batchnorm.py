"""Batch normalisation exactly as PAPER.md and PyTorch define it: batch
statistics in training, running statistics in eval, the unbiased running
variance, gradients through the statistics, and scale invariance."""

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn
from helpers import check_gradients, t32, t64


def bn_reference(x, gamma, beta, eps=1e-5):
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
    mean = x.mean(axis=axes)
    var = x.var(axis=axes)  # NumPy's biased variance normalises, as in the paper
    xhat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * xhat + beta.reshape(shape), mean, var


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 5, 5)], ids=["1d", "2d"])
def test_training_forward_and_gradients(shape, device, rng):
    x = rng.standard_normal(shape) * 3 + 2
    c = shape[1]
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    out = F.batch_norm(t32(x, device), None, None,
                       t32(gamma, device), t32(beta, device),
                       training=True)
    expected, _, _ = bn_reference(x, gamma, beta)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-5)
    check_gradients(lambda a, g, b: F.batch_norm(a, None, None, g, b, training=True),
                    t64(x, device), t64(gamma, device), t64(beta, device))
    check_gradients(lambda a: F.batch_norm(a, None, None, training=True), t64(x, device))


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 5, 5)], ids=["1d", "2d"])
def test_eval_forward_and_gradients(shape, device, rng):
    x = rng.standard_normal(shape)
    c = shape[1]
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    rm, rv = rng.standard_normal(c), rng.random(c) + 0.5
    out = F.batch_norm(*[t32(v, device) for v in (x, rm, rv, gamma, beta)],
                       training=False)
    shape_c = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
    expected = (gamma.reshape(shape_c) * (x - rm.reshape(shape_c))
                / np.sqrt(rv.reshape(shape_c) + 1e-5) + beta.reshape(shape_c))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-5)
    rm64, rv64 = t64(rm, device, False), t64(rv, device, False)
    check_gradients(lambda a, g, b: F.batch_norm(a, rm64, rv64, g, b, training=False),
                    t64(x, device), t64(gamma, device), t64(beta, device))


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (6, 4)),
                                       (nn.BatchNorm2d, (3, 4, 2, 3))])
def test_running_statistics_over_several_steps(cls, shape, device, rng):
    layer = cls(4, momentum=0.1).to(device)
    m = shape[0] * (shape[2] * shape[3] if len(shape) == 4 else 1)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    running_mean, running_var = np.zeros(4), np.ones(4)
    for _ in range(3):
        x = rng.standard_normal(shape) * 2 + 1
        layer(t32(x, device))
        running_mean = 0.9 * running_mean + 0.1 * x.mean(axis=axes)
        running_var = 0.9 * running_var + 0.1 * x.var(axis=axes) * m / (m - 1)
    np.testing.assert_allclose(layer.running_mean.numpy(), running_mean, rtol=1e-5)
    np.testing.assert_allclose(layer.running_var.numpy(), running_var, rtol=1e-5)
    assert layer.num_batches_tracked.item() == 3
    # eval uses exactly those statistics and leaves them alone
    layer.eval()
    x = rng.standard_normal(shape)
    out = layer(t32(x, device)).numpy()
    shape_c = (1, -1) if len(shape) == 2 else (1, -1, 1, 1)
    expected = (x - running_mean.reshape(shape_c)) / np.sqrt(running_var.reshape(shape_c) + 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    assert layer.num_batches_tracked.item() == 3


def test_cumulative_average_when_momentum_is_none(device, rng):
    layer = nn.BatchNorm1d(2, momentum=None).to(device)
    batches = [rng.standard_normal((5, 2)) for _ in range(3)]
    for x in batches:
        layer(t32(x, device))
    expected = np.mean([x.mean(axis=0) for x in batches], axis=0)
    np.testing.assert_allclose(layer.running_mean.numpy(), expected, rtol=1e-5)


def test_options_and_state_dict_keys():
    layer = nn.BatchNorm2d(3, affine=False, track_running_stats=False)
    assert list(layer.state_dict()) == []
    x = mdl.randn(2, 3, 2, 2)
    layer.eval()  # no running statistics: batch statistics even in eval
    out = layer(x).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    keys = list(nn.BatchNorm1d(3).state_dict())
    assert keys == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]


def test_training_on_one_value_per_channel_raises(device):
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3).to(device)(mdl.randn(1, 3, device=device))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm2d(3).to(device)(mdl.randn(1, 3, 1, 1, device=device))


def test_wrong_inputs_raise(device):
    with pytest.raises(ValueError, match="expected 3 channels"):
        nn.BatchNorm1d(3).to(device)(mdl.randn(4, 2, device=device))
    with pytest.raises(ValueError, match=r"expected 4D \(N, C, H, W\) input"):
        nn.BatchNorm2d(3).to(device)(mdl.randn(4, 3, device=device))
    with pytest.raises(TypeError, match="floating point"):
        F.batch_norm(mdl.tensor([[1, 2], [3, 4]], device=device), None, None, training=True)


def test_scale_invariance(device, rng):
    """PAPER.md section 5: BN(W u) = BN((aW) u), the gradient w.r.t. u is
    unchanged and the gradient w.r.t. the weights scales by 1/a."""
    u = rng.standard_normal((16, 6))
    w = rng.standard_normal((5, 6))
    a = 7.0
    proj = mdl.tensor(rng.standard_normal((16, 5)), device=device, dtype=mdl.float64)
    results = []
    for scale in (1.0, a):
        ut, wt = t64(u, device), t64(w * scale, device)
        out = F.batch_norm(F.linear(ut, wt), None, None, training=True, eps=0.0 + 1e-12)
        (out * proj).sum().backward()
        results.append((out.numpy(), ut.grad.numpy(), wt.grad.numpy()))
    (y1, du1, dw1), (ya, dua, dwa) = results
    np.testing.assert_allclose(ya, y1, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(dua, du1, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(dwa, dw1 / a, rtol=1e-6, atol=1e-10)

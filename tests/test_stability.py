"""Numerical stability in float32 against float64 references: extreme logits
in cross-entropy, saturated sigmoids, and batch norm on a constant feature
and on data with a large mean and a tiny spread."""

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F


def _loss_and_grad(logits, labels, dtype, device):
    x = mdl.tensor(logits, dtype=dtype, device=device, requires_grad=True)
    loss = F.cross_entropy(x, labels)
    loss.backward()
    return loss.item(), x.grad.numpy()


def _reference_cross_entropy(logits, labels):
    z = logits.astype(np.float64)
    shifted = z - z.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(labels)
    probs = np.exp(log_probs)
    probs[np.arange(n), labels] -= 1.0
    return -log_probs[np.arange(n), labels].mean(), probs / n


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_cross_entropy_with_huge_logits(device, scale):
    rng = np.random.default_rng(0)
    logits = (rng.choice([-1.0, 0.0, 1.0], size=(6, 5)) * scale).astype(np.float32)
    logits[:, 0] = scale  # ties with the maximum, in every row
    labels = np.array([0, 1, 2, 3, 4, 0])
    loss, grad = _loss_and_grad(logits, labels, mdl.float32, device)
    ref_loss, ref_grad = _reference_cross_entropy(logits, labels)
    assert np.isfinite(loss) and np.isfinite(grad).all()
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-5, atol=1e-7)


def test_cross_entropy_loss_is_huge_but_finite_for_a_confident_wrong_answer(device):
    logits = np.array([[1e4, -1e4]], dtype=np.float32)
    loss, grad = _loss_and_grad(logits, np.array([1]), mdl.float32, device)
    assert loss == pytest.approx(2e4, rel=1e-6)
    np.testing.assert_allclose(grad, [[1.0, -1.0]], atol=1e-7)


def test_log_softmax_with_huge_logits(device):
    logits = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]], dtype=np.float32)
    out = F.log_softmax(mdl.tensor(logits, device=device)).numpy()
    np.testing.assert_allclose(out, [[0.0, -1e4, -2e4], [-np.log(3)] * 3], rtol=1e-6)


def test_sigmoid_saturates_without_overflow(device):
    values = np.array([-100.0, -50.0, -1.0, 0.0, 1.0, 50.0, 100.0])
    x = mdl.tensor(values, dtype=mdl.float32, device=device, requires_grad=True)
    y = F.sigmoid(x)
    y.sum().backward()
    ref = 1.0 / (1.0 + np.exp(-values))
    out = y.numpy()
    assert np.isfinite(out).all() and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-44)
    np.testing.assert_allclose(x.grad.numpy(), ref * (1 - ref), rtol=1e-5, atol=1e-37)
    assert out[0] > 0.0 and out[-1] == 1.0


def _reference_batch_norm(x, dy, eps=1e-5):
    """Training-mode batch norm (gamma 1, beta 0) and its input gradient in
    float64, over every axis but 1."""
    x = x.astype(np.float64)
    dy = dy.astype(np.float64)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = [1] * x.ndim
    shape[1] = -1
    mean = x.mean(axis=axes).reshape(shape)
    var = ((x - mean) ** 2).mean(axis=axes).reshape(shape)
    xhat = (x - mean) / np.sqrt(var + eps)
    dx = (dy - dy.mean(axis=axes).reshape(shape)
          - xhat * (dy * xhat).mean(axis=axes).reshape(shape)) / np.sqrt(var + eps)
    return xhat, dx, var.ravel()


def _batch_norm_float32(x, dy, device):
    layer = (mdl.nn.BatchNorm1d if x.ndim == 2 else mdl.nn.BatchNorm2d)(x.shape[1]).to(device)
    inp = mdl.tensor(x, dtype=mdl.float32, device=device, requires_grad=True)
    out = layer(inp)
    out.backward(mdl.tensor(dy, dtype=mdl.float32, device=device))
    return out.numpy(), inp.grad.numpy(), layer


@pytest.mark.parametrize("shape", [(16, 3), (4, 3, 3, 3)])
def test_batch_norm_on_a_constant_feature(device, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    x[:, 1] = 7.25  # zero variance in channel 1
    dy = rng.standard_normal(shape).astype(np.float32)
    y, dx, layer = _batch_norm_float32(x, dy, device)
    ref_y, ref_dx, _ = _reference_batch_norm(x, dy)
    assert np.isfinite(y).all() and np.isfinite(dx).all()
    np.testing.assert_array_equal(y[:, 1], 0.0)  # beta, exactly
    np.testing.assert_allclose(y, ref_y, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-4, atol=1e-4)
    # the unbiased running variance of a constant is 0: 0.9 * 1 + 0.1 * 0
    assert layer.running_var.numpy()[1] == pytest.approx(0.9)


@pytest.mark.parametrize("shape", [(64, 3), (8, 3, 4, 4)])
def test_batch_norm_on_a_large_mean_and_tiny_spread(device, shape):
    """Mean 1e4, std 1e-2: E[x^2] - E[x]^2 in float32 would lose every digit
    (1e8 - 1e8); the two-pass float64 statistics keep them."""
    rng = np.random.default_rng(2)
    x = (1e4 + 1e-2 * rng.standard_normal(shape)).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    y, dx, layer = _batch_norm_float32(x, dy, device)
    # the reference sees the same float32 inputs, so only the arithmetic differs
    ref_y, ref_dx, ref_var = _reference_batch_norm(x, dy)
    np.testing.assert_allclose(y, ref_y, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-3, atol=1e-3 * np.abs(ref_dx).max())
    m = x.size // x.shape[1]
    expected_running_var = 0.9 + 0.1 * ref_var * m / (m - 1)
    np.testing.assert_allclose(layer.running_var.numpy(), expected_running_var, rtol=1e-6)

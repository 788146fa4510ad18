"""The losses (F functions and layers): values against NumPy references for
every reduction, float64 gradchecks on every device, which cross-entropy
cases take the fused kernel, and argument errors."""

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn
from minidl.ops import nn as nn_ops

from helpers import assert_close, check_gradients, t64

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((5, 4))
LABELS = np.array([0, 3, 1, 3, 2])
WEIGHT = np.array([0.5, 2.0, 1.0, 0.25])
X, Y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
P, T = RNG.uniform(0.05, 0.95, (3, 4)), RNG.uniform(0, 1, (3, 4))


def _log_softmax(x, axis=1):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


def _reduce(losses, reduction, divisor=None):
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / (losses.size if divisor is None else divisor)


def nll_ref(log_probs, labels, weight=None, ignore_index=-100, reduction="mean"):
    keep = labels != ignore_index
    safe = np.where(keep, labels, 0)
    w = (np.ones(log_probs.shape[1]) if weight is None else weight)[safe] * keep
    picked = np.take_along_axis(log_probs, safe[:, None], 1)[:, 0]
    return _reduce(-picked * w, reduction, w.sum())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_and_nll_loss(device, reduction):
    x = t64(LOGITS, device, requires_grad=False)
    labels = mdl.tensor(LABELS, device=device)
    lp = _log_softmax(LOGITS)
    assert_close(F.cross_entropy(x, labels, reduction=reduction), nll_ref(lp, LABELS,
                 reduction=reduction), np.float64)
    assert_close(F.cross_entropy(x, labels, mdl.tensor(WEIGHT, device=device),
                                 reduction=reduction),
                 nll_ref(lp, LABELS, WEIGHT, reduction=reduction), np.float64)
    assert_close(F.cross_entropy(x, labels, ignore_index=3, reduction=reduction),
                 nll_ref(lp, LABELS, ignore_index=3, reduction=reduction), np.float64)
    assert_close(F.nll_loss(x, labels, reduction=reduction),
                 nll_ref(LOGITS, LABELS, reduction=reduction), np.float64)
    w = mdl.tensor(WEIGHT, device=device)
    for fn in (lambda z: F.cross_entropy(z, labels, w, ignore_index=1, reduction=reduction),
               lambda z: F.cross_entropy(z, labels, label_smoothing=0.3, reduction=reduction),
               lambda z: F.nll_loss(z, labels, w, reduction=reduction)):
        check_gradients(fn, t64(LOGITS, device))


def test_label_smoothing_and_probability_targets(device):
    x = t64(LOGITS, device, requires_grad=False)
    lp = _log_softmax(LOGITS)
    eps = 0.2
    smoothed = np.full((5, 4), eps / 4) + (1 - eps) * np.eye(4)[LABELS]
    expected = -(lp * smoothed).sum(1).mean()
    assert_close(F.cross_entropy(x, mdl.tensor(LABELS, device=device), label_smoothing=eps),
                 expected, np.float64)
    # the same with the smoothed distribution as a probability target
    assert_close(F.cross_entropy(x, t64(smoothed, device, False)), expected, np.float64)
    probs = np.abs(RNG.standard_normal((5, 4)))
    probs /= probs.sum(1, keepdims=True)
    assert_close(F.cross_entropy(x, t64(probs, device, False), reduction="none"),
                 -(lp * probs).sum(1), np.float64)
    check_gradients(lambda z, p: F.cross_entropy(z, p, mdl.tensor(WEIGHT, device=device)),
                    t64(LOGITS, device), t64(probs, device))


def test_nd_inputs(device):
    logits = RNG.standard_normal((2, 4, 3, 2))
    labels = RNG.integers(0, 4, (2, 3, 2))
    flat_logits = logits.transpose(0, 2, 3, 1).reshape(-1, 4)
    out = F.cross_entropy(t64(logits, device, False), mdl.tensor(labels, device=device),
                          reduction="none")
    assert out.shape == (2, 3, 2)
    assert_close(out, nll_ref(_log_softmax(flat_logits), labels.ravel(), reduction="none")
                 .reshape(2, 3, 2), np.float64)
    check_gradients(lambda z: F.cross_entropy(z, mdl.tensor(labels, device=device),
                                              label_smoothing=0.1), t64(logits, device))
    unbatched = F.cross_entropy(t64(LOGITS[0], device, False), mdl.tensor(3, device=device),
                                reduction="none")
    assert unbatched.shape == ()
    assert_close(unbatched, -_log_softmax(LOGITS[:1])[0, 3], np.float64)


def test_plain_cross_entropy_takes_the_fused_kernel(device, monkeypatch):
    calls = []
    real = nn_ops.SoftmaxCrossEntropy.apply
    monkeypatch.setattr(nn_ops.SoftmaxCrossEntropy, "apply",
                        lambda *a: calls.append(1) or real(*a))
    x = mdl.tensor(LOGITS, device=device)
    labels = mdl.tensor(LABELS, device=device)
    fused = F.cross_entropy(x, labels)
    assert len(calls) == 1
    # an ignored label also takes the kernel (whether one is ignored is not read back)
    ignoring = F.cross_entropy(x, labels, ignore_index=3)
    assert len(calls) == 2
    F.cross_entropy(x, labels, mdl.ones(4, dtype=mdl.float64, device=device))
    F.cross_entropy(x, labels, label_smoothing=0.1)
    assert len(calls) == 2
    general = F.cross_entropy(x, labels, ignore_index=4)
    assert len(calls) == 3
    np.testing.assert_allclose(fused.numpy(), general.numpy())
    # the same values as the composition (the weighted path), gradients included
    composed = F.cross_entropy(x, labels, mdl.ones(4, dtype=mdl.float64, device=device),
                               ignore_index=3)
    np.testing.assert_allclose(ignoring.numpy(), composed.numpy(), rtol=1e-12)
    for reduction in ("mean", "sum", "none"):
        grads = []
        for weight in (None, mdl.ones(4, dtype=mdl.float64, device=device)):
            leaf = mdl.tensor(LOGITS, device=device, requires_grad=True)
            loss = F.cross_entropy(leaf, labels, weight, ignore_index=3, reduction=reduction)
            loss.sum().backward()
            grads.append(leaf.grad.numpy())
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-15)


def test_cross_entropy_with_every_label_ignored(device):
    """As PyTorch: the mean of nothing is nan, the sum 0, and every gradient 0."""
    for reduction, want in (("mean", np.nan), ("sum", 0.0), ("none", [0.0] * 5)):
        leaf = mdl.tensor(LOGITS, device=device, requires_grad=True)
        loss = F.cross_entropy(leaf, mdl.tensor([-100] * 5, device=device),
                               reduction=reduction)
        loss.sum().backward()
        np.testing.assert_array_equal(loss.numpy(), want)
        np.testing.assert_array_equal(leaf.grad.numpy(), np.zeros_like(LOGITS))


def test_regression_losses(device):
    x, y = t64(X, device, False), t64(Y, device, False)
    d = X - Y
    references = {
        "mse": (F.mse_loss, d ** 2),
        "l1": (F.l1_loss, np.abs(d)),
        "smooth_l1": (lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction,
                                                               beta=0.5),
                      np.where(np.abs(d) < 0.5, d ** 2, np.abs(d) - 0.25)),
        "huber": (lambda a, b, reduction: F.huber_loss(a, b, reduction, delta=0.5),
                  np.where(np.abs(d) < 0.5, 0.5 * d ** 2, 0.5 * (np.abs(d) - 0.25))),
    }
    for name, (fn, elementwise) in references.items():
        for reduction in ("mean", "sum", "none"):
            assert_close(fn(x, y, reduction=reduction), _reduce(elementwise, reduction),
                         np.float64)
        check_gradients(lambda a, b: fn(a, b, reduction="mean"), t64(X, device),
                        t64(Y, device))
    weight = np.abs(Y)
    assert_close(F.mse_loss(x, y, weight=t64(weight, device, False)),
                 (d ** 2 * weight).sum() / weight.sum(), np.float64)


def test_binary_losses(device):
    p, t = t64(P, device, False), t64(T, device, False)
    bce = -(T * np.log(P) + (1 - T) * np.log(1 - P))
    assert_close(F.binary_cross_entropy(p, t, reduction="none"), bce, np.float64)
    w = RNG.uniform(0.5, 2, 4)
    assert_close(F.binary_cross_entropy(p, t, t64(w, device, False)), (bce * w).mean(),
                 np.float64)
    check_gradients(lambda a, b: F.binary_cross_entropy(a, b), t64(P, device), t64(T, device))
    logits = X * 4
    pos = np.arange(1.0, 5.0)
    sig = 1 / (1 + np.exp(-logits))
    expected = -(pos * T * np.log(sig) + (1 - T) * np.log(1 - sig))
    assert_close(F.binary_cross_entropy_with_logits(t64(logits, device, False), t, reduction="sum",
                                                    pos_weight=t64(pos, device, False)),
                 expected.sum(), np.float64)
    check_gradients(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, weight=t64(w, device, False), pos_weight=t64(pos, device, False)),
        t64(logits, device), t64(T, device))
    # far-out logits stay finite
    huge = F.binary_cross_entropy_with_logits(t64([[-800.0, 800.0]], device),
                                              t64([[1.0, 0.0]], device, False), reduction="none")
    np.testing.assert_allclose(huge.detach().numpy(), [[800.0, 800.0]])
    # the log is clamped at -100, as PyTorch
    np.testing.assert_allclose(F.binary_cross_entropy(t64([0.0], device, False),
                                                      t64([1.0], device, False)).numpy(), 100.0)


def test_kl_div(device):
    lp = _log_softmax(LOGITS)
    target = np.exp(_log_softmax(RNG.standard_normal((5, 4))))
    target[0, 0] = 0.0
    pointwise = np.where(target > 0, target * np.log(np.where(target > 0, target, 1)), 0) \
        - target * lp
    x, t = t64(lp, device, False), t64(target, device, False)
    assert_close(F.kl_div(x, t, reduction="batchmean"), pointwise.sum() / 5, np.float64)
    assert_close(F.kl_div(x, t, reduction="none"), pointwise, np.float64)
    with pytest.warns(UserWarning, match="batchmean"):
        assert_close(F.kl_div(x, t), pointwise.mean(), np.float64)
    assert_close(F.kl_div(x, t64(np.log(target + 0.1), device, False), reduction="sum",
                          log_target=True),
                 ((target + 0.1) * (np.log(target + 0.1) - lp)).sum(), np.float64)
    check_gradients(lambda a: F.kl_div(a, t, reduction="batchmean"), t64(lp, device))


LAYERS = {
    "CrossEntropyLoss": (lambda: nn.CrossEntropyLoss(label_smoothing=0.1), LOGITS, LABELS),
    "NLLLoss": (lambda: nn.NLLLoss(reduction="sum"), LOGITS, LABELS),
    "MSELoss": (nn.MSELoss, X, Y),
    "L1Loss": (lambda: nn.L1Loss(reduction="none"), X, Y),
    "SmoothL1Loss": (lambda: nn.SmoothL1Loss(beta=0.2), X, Y),
    "HuberLoss": (lambda: nn.HuberLoss(delta=2.0), X, Y),
    "BCELoss": (nn.BCELoss, P, T),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, X, T),
    "KLDivLoss": (lambda: nn.KLDivLoss(reduction="batchmean"), X, P),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_call_their_functions(device, name):
    make, x, target = LAYERS[name]
    layer = make().to(device)
    assert repr(layer) == f"{name}()"
    target = (mdl.tensor(target, device=device) if target.dtype.kind == "i"
              else t64(target, device, False))
    check_gradients(lambda z: layer(z, target), t64(x, device))


def test_weights_are_buffers_and_move_with_the_layer():
    layer = nn.CrossEntropyLoss(weight=mdl.tensor(WEIGHT))
    assert list(layer.state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=mdl.ones(3)).state_dict()) == ["pos_weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    layer.double()
    assert layer.weight.dtype == mdl.float64


def test_errors():
    x = mdl.zeros(2, 3)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        F.cross_entropy(x, mdl.tensor([0, 1]), mdl.ones(3, requires_grad=True))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(mdl.tensor([1.5]), mdl.tensor([1.0]))
    with pytest.raises(ValueError, match="Target size"):
        F.binary_cross_entropy_with_logits(x, mdl.zeros(3))
    with pytest.raises(IndexError, match="target 5 is out of bounds for 3 classes"):
        F.nll_loss(x, mdl.tensor([0, 5]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target "
                                         r"batch_size \(3\)"):
        F.cross_entropy(x, mdl.tensor([0, 1, 1]))
    with pytest.raises(RuntimeError, match="probabilities and must have the input's shape"):
        F.cross_entropy(x, mdl.zeros(2, 4))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, mdl.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="does not support negative values for beta"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match="'batchmean'"):
        F.mse_loss(x, x, reduction="batchmean")
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert F.mse_loss(x, x + 1, size_average=False).item() == 6.0

"""Layers and functional forms: forward against NumPy references, backward
by gradcheck, module bookkeeping and argument errors."""

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn
from helpers import assert_close, check_gradients, t32, t64


def conv2d_reference(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + (0 if b is None else b[None, :, None, None])


def pool_reference(x, k, stride, pad, mode):
    n, c, h, w = x.shape
    fill = -np.inf if mode == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=fill)
    oh = (h + 2 * pad - k) // stride + 1
    ow = (w + 2 * pad - k) // stride + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = patch.max(axis=(2, 3)) if mode == "max" else patch.mean(
                axis=(2, 3))
    return out


def test_linear(device, rng):
    x, w, b = rng.standard_normal((5, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    out = F.linear(t32(x, device), t32(w, device),
                   t32(b, device))
    np.testing.assert_allclose(out.numpy(), x @ w.T + b, rtol=1e-5, atol=1e-5)
    check_gradients(F.linear, t64(x, device), t64(w, device), t64(b, device))
    check_gradients(lambda x_, w_: F.linear(x_, w_), t64(x, device), t64(w, device))


@pytest.mark.parametrize("stride,pad,bias", [(1, 0, True), (2, 1, False), (1, 1, True)])
def test_conv2d(stride, pad, bias, device, rng):
    x = rng.standard_normal((2, 3, 5, 5))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4) if bias else None
    args = [t32(x, device), t32(w, device)]
    out = F.conv2d(*args, None if b is None else t32(b, device), stride, pad)
    np.testing.assert_allclose(out.numpy(), conv2d_reference(x, w, b, stride, pad),
                               rtol=1e-4, atol=1e-4)
    if bias:
        check_gradients(lambda a, k, c: F.conv2d(a, k, c, stride, pad),
                        t64(x, device), t64(w, device), t64(b, device))
    else:
        check_gradients(lambda a, k: F.conv2d(a, k, None, stride, pad),
                        t64(x, device), t64(w, device))


def test_pointwise_conv2d(device, rng):
    x, w, b = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((4, 3, 1, 1)), \
        rng.standard_normal(4)
    out = F.conv2d(t32(x, device), t32(w, device),
                   t32(b, device))
    np.testing.assert_allclose(out.numpy(), conv2d_reference(x, w, b, 1, 0), rtol=1e-4,
                               atol=1e-4)
    check_gradients(F.conv2d, t64(x, device), t64(w, device), t64(b, device))


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("k,stride,pad", [(2, 2, 0), (3, 1, 1), (3, 2, 1)])
def test_pooling(mode, k, stride, pad, device, rng):
    x = rng.standard_normal((2, 3, 6, 6))
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    out = pool(t32(x, device), k, stride, pad)
    np.testing.assert_allclose(out.numpy(), pool_reference(x, k, stride, pad, mode),
                               rtol=1e-5, atol=1e-6)
    check_gradients(lambda a: pool(a, k, stride, pad), t64(x, device))


def test_global_avg_pool(device, rng):
    x = rng.standard_normal((2, 3, 4, 4))
    assert_close(nn.GlobalAvgPool2d()(t32(x, device)),
                 x.mean(axis=(2, 3)).astype(np.float32))
    assert nn.AdaptiveAvgPool2d(1)(t32(x, device)).shape == (2, 3, 1, 1)
    check_gradients(nn.GlobalAvgPool2d(), t64(x, device))
    check_gradients(lambda t: F.adaptive_avg_pool2d(t, 1), t64(x, device))


def test_cross_entropy_and_log_softmax(device, rng):
    logits = rng.standard_normal((6, 5))
    labels = rng.integers(0, 5, size=6)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(6), labels].mean()
    out = F.cross_entropy(t32(logits, device), labels)
    np.testing.assert_allclose(out.item(), expected, rtol=1e-5)
    labels_t = mdl.tensor(labels, device=device)
    for reduction in ("mean", "sum", "none"):
        check_gradients(lambda z: F.cross_entropy(z, labels_t, reduction=reduction),
                        t64(logits, device))
    assert_close(F.log_softmax(t32(logits, device), 1), log_probs.astype(np.float32))
    check_gradients(lambda z: F.log_softmax(z, dim=1), t64(logits, device))
    check_gradients(lambda z: F.log_softmax(z, dim=0), t64(logits, device))


def test_cross_entropy_errors(device):
    logits = mdl.zeros(3, 4, device=device)
    with pytest.raises(ValueError, match=r"target has shape \(2,\)"):  # as PyTorch
        F.cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(RuntimeError, match="class probabilities"):
        F.cross_entropy(logits, np.array([0.5, 1.0, 2.0]))
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(logits, np.array([0, 1, 4])).item()  # a GPU raises at the read
    with pytest.raises(RuntimeError, match=r"target of shape \(\)"):
        F.cross_entropy(mdl.zeros(3, device=device), np.array([0, 1, 2]))


def test_dropout(device):
    mdl.manual_seed(0)
    x = mdl.ones(1000, device=device)
    y = F.dropout(x, 0.25, training=True).numpy()
    kept = y != 0
    assert 0.65 < kept.mean() < 0.85
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    assert F.dropout(x, 0.25, training=False) is x
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    mdl.manual_seed(1)
    xg = t64(np.ones(10), device)
    F.dropout(xg, 0.5).sum().backward()
    mdl.manual_seed(1)
    mask = F.dropout(mdl.ones(10, device=device, dtype=mdl.float64), 0.5).numpy()
    np.testing.assert_allclose(xg.grad.numpy(), mask)
    np.testing.assert_array_equal(F.dropout(x, 1.0).numpy(), 0.0)  # PyTorch allows p = 1
    with pytest.raises(ValueError, match="p must be"):
        F.dropout(x, 1.5)


def test_layer_argument_errors(device):
    x = mdl.zeros(1, 2, 4, 4, device=device)
    with pytest.raises(RuntimeError, match="larger than the padded input"):
        F.conv2d(x, mdl.zeros(1, 2, 5, 5, device=device))
    with pytest.raises(ValueError, match="stride must be >= 1"):
        nn.Conv2d(2, 3, 3, stride=0)
    with pytest.raises(RuntimeError, match="to have 3 channels, but got 2"):
        F.conv2d(x, mdl.zeros(1, 3, 3, 3, device=device))
    with pytest.raises(RuntimeError, match=r"3D or 4D .* \(4, 4\)"):
        F.max_pool2d(mdl.zeros(4, 4, device=device), 2)
    with pytest.raises(RuntimeError, match="larger than the padded"):
        F.max_pool2d(x, 5)
    with pytest.raises(TypeError, match="floating point"):
        F.linear(mdl.tensor([[1, 2]], device=device), mdl.zeros(3, 2, device=device))
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        nn.Linear(3, 2).to(device)(mdl.zeros(4, 5, device=device))
    with pytest.raises(ValueError, match="positive int"):
        nn.Linear(0, 2)


def test_module_bookkeeping():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Sigmoid(),
                          nn.Linear(3, 2, bias=False))
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight"]
    assert list(model.state_dict()) == [  # module by module, as PyTorch
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked", "3.weight"]
    assert len(list(model.children())) == 4
    model.eval()
    assert all(not m.training for m in model.modules())
    model.train()
    assert model[1].training
    out = model(mdl.randn(5, 4))
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert "Linear(in_features=4" in repr(model)


def test_state_dict_round_trip_and_errors(tmp_path):
    mdl.manual_seed(0)
    a = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    a(mdl.randn(8, 4))  # moves the running statistics
    b = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    path = tmp_path / "model.npz"
    mdl.save(a.state_dict(), path)
    b.load_state_dict(mdl.load(path))
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=name)
    with pytest.raises(KeyError, match="missing"):
        b.load_state_dict({"0.weight": np.zeros((3, 4))})
    bad = dict(a.state_dict())
    bad["0.weight"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"0.weight has shape \(2, 2\)"):
        b.load_state_dict(bad)
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a readable"):
        mdl.load(tmp_path / "junk.npz")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []


def test_forward_and_backward_hooks_on_modules():
    layer = nn.Linear(3, 2)
    seen = {}

    def record_output(module, inputs, output):
        seen["out"] = output.shape

    def record_grad(module, grad_input, grad_output):
        seen["grad"] = grad_output[0].shape
        seen["grad_input"] = grad_input[0].shape

    h1 = layer.register_forward_hook(record_output)
    h2 = layer.register_full_backward_hook(record_grad)
    layer(mdl.randn(4, 3, requires_grad=True)).sum().backward()
    assert seen == {"out": (4, 2), "grad": (4, 2), "grad_input": (4, 3)}
    h1.remove()
    h2.remove()
    seen.clear()
    layer(mdl.randn(4, 3)).sum().backward()
    assert seen == {}

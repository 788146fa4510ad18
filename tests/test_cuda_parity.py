"""CPU/CUDA parity above the primitives: every layer's forward and backward,
and whole training steps, compared with the CPU backend.  (Each primitive is
tested on every device against NumPy in tests/kernels/.)

Runs on a GPU, or on Numba's CUDA simulator when NUMBA_ENABLE_CUDASIM=1 is set
for the whole pytest process (numba reads it when numba.cuda is first
imported); the module is skipped otherwise.  The simulator runs each CUDA
thread as a Python thread, so the shapes here are tiny.

Random inputs come from the numpy Generator on both devices (the CUDA backend
draws on the host on purpose, see kernels/cuda/random.py), so same seed, same
numbers: Dropout is compared exactly.
"""

import sys

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn, optim
from minidl.backend import get_backend

try:
    from numba import cuda

    _AVAILABLE = cuda.is_available()
except Exception as exc:  # numba.cuda missing or broken: skip with the reason
    _AVAILABLE = False
    _REASON = f"numba.cuda is not usable ({exc})"
else:
    _REASON = ("no CUDA GPU and the simulator is off: set NUMBA_ENABLE_CUDASIM=1 for the "
               "whole pytest run (and install the 'cuda' extra) to test the CUDA backend")

if not _AVAILABLE:
    pytest.skip(_REASON, allow_module_level=True)

from minidl.models import PaperMLP  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5  # the float32 tolerance of every comparison here


@pytest.fixture(scope="module", autouse=True)
def _simulator(cuda_simulator):
    """The simulator's shared-array lock and fast switching (tests/conftest.py)."""
    yield


def close(actual, expected, rtol=RTOL, atol=ATOL):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def randn(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


# --------------------------------------------------------------------------- layers


def _layer_parity(layer_cpu, x, train=True, labels=None):
    """Forward + backward of a layer on both devices (same weights)."""
    layer_cuda = layer_cpu  # moved below after the CPU pass
    results = {}
    for device in ("cpu", "cuda"):
        if device == "cuda":
            layer_cuda.to("cuda")
        layer_cuda.train(train)
        xt = mdl.tensor(x, requires_grad=True, device=device)
        out = layer_cuda(xt)
        proj = mdl.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape).astype(np.float32),
                          device=device)
        (out * proj).sum().backward()
        grads = {n: p.grad.numpy().copy() for n, p in layer_cuda.named_parameters()}
        buffers = {n: b.numpy().copy() for n, b in layer_cuda.named_buffers()}
        results[device] = (out.numpy().copy(), xt.grad.numpy().copy(), grads, buffers)
        layer_cuda.zero_grad()
        if device == "cpu":
            # restore the buffers the CPU pass updated, so both passes start equal
            for name, value in start_buffers.items():
                dict(layer_cuda.named_buffers())[name].copy_(mdl.from_numpy(value))
    return results


start_buffers = {}


@pytest.mark.parametrize("make, shape, train", [
    (lambda: nn.Linear(5, 3), (4, 5), True),
    (lambda: nn.Conv2d(2, 3, 3, stride=1, padding=1), (2, 2, 5, 5), True),
    (lambda: nn.Conv2d(2, 3, 2, stride=2), (2, 2, 4, 4), True),
    (lambda: nn.BatchNorm1d(3), (6, 3), True),
    (lambda: nn.BatchNorm1d(3), (6, 3), False),
    (lambda: nn.BatchNorm2d(2), (3, 2, 3, 3), True),
    (lambda: nn.BatchNorm2d(2), (3, 2, 3, 3), False),
    (lambda: nn.MaxPool2d(2), (2, 2, 4, 4), True),
    (lambda: nn.AvgPool2d(2), (2, 2, 4, 4), True),
    (lambda: nn.Sequential(nn.Sigmoid(), nn.ReLU(), nn.Tanh()), (3, 4), True),
])
def test_layer_forward_backward(rng, make, shape, train):
    mdl.manual_seed(0)
    layer = make()
    x = randn(rng, *shape)
    start_buffers.clear()
    start_buffers.update({n: b.numpy().copy() for n, b in layer.named_buffers()})
    res = _layer_parity(layer, x, train)
    (out_c, gx_c, grads_c, bufs_c), (out_g, gx_g, grads_g, bufs_g) = res["cpu"], res["cuda"]
    close(out_g, out_c, atol=1e-4)
    close(gx_g, gx_c, rtol=1e-3, atol=1e-4)
    for name in grads_c:
        close(grads_g[name], grads_c[name], rtol=1e-3, atol=1e-4)
    for name in bufs_c:
        close(bufs_g[name], bufs_c[name], atol=1e-5)


def test_cross_entropy_and_dropout_layers(rng):
    logits = randn(rng, 4, 5)
    labels = np.array([0, 4, 2, 1])
    values = {}
    for device in ("cpu", "cuda"):
        x = mdl.tensor(logits, requires_grad=True, device=device)
        loss = F.cross_entropy(x, labels)
        loss.backward()
        mdl.manual_seed(5)
        drop = nn.Dropout(0.5)(mdl.ones(6, 7, device=device))
        values[device] = (loss.numpy(), x.grad.numpy(), drop.numpy())
    for g, c in zip(values["cuda"], values["cpu"]):
        close(g, c)
    drop = values["cuda"][2]
    assert set(np.unique(drop)) <= {0.0, 2.0}  # inverted dropout scale 1 / (1 - p)


def test_out_of_range_labels_raise_at_the_next_read_from_the_device():
    """Labels on the device are not read back to check them: the error comes at
    the next read (as PyTorch's device-side asserts), the kernel reads nothing
    outside its arrays meanwhile, and the device stays usable afterwards."""
    logits = mdl.zeros(3, 4, device="cuda", requires_grad=True)
    for labels, bad in ((np.array([0, 4, 1]), 4), (np.array([-1, 0, 1]), -1),
                        (mdl.tensor([0, 1, 9], device="cuda"), 9),
                        (mdl.tensor([-3, 0, 1], device="cuda"), -3)):
        loss = F.cross_entropy(logits, labels)
        loss.backward()  # runs: nothing is read back yet
        with pytest.raises(IndexError, match=rf"cross_entropy: target {bad} is out of bounds"):
            loss.item()
    # the same for nll_loss, gather and embedding indices, and a synchronize
    log_probs = mdl.zeros(3, 4, device="cuda")
    F.nll_loss(log_probs, mdl.tensor([0, 7, 1], device="cuda"))
    with pytest.raises(IndexError, match="nll_loss: target 7 is out of bounds"):
        mdl.cuda.synchronize()
    out = mdl.gather(log_probs, 1, mdl.tensor([[0], [5], [1]], device="cuda"))
    with pytest.raises(IndexError, match="gather: index 5 is out of bounds for dimension 1"):
        out.numpy()
    F.embedding(mdl.tensor([2, -1], device="cuda"), mdl.ones(3, 2, device="cuda"))
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        print(log_probs)
    # afterwards: nothing pending, the device gives right answers
    loss = F.cross_entropy(logits, mdl.tensor([0, 1, 3], device="cuda"))
    close(loss.numpy(), np.float32(np.log(4.0)))
    ignored = F.cross_entropy(logits, mdl.tensor([0, -100, 3], device="cuda"))
    close(ignored.numpy(), np.float32(np.log(4.0)))


def test_a_training_step_reads_nothing_back_from_the_device(monkeypatch):
    """Forward, cross-entropy (labels checked), backward, gradient clipping and
    an optimizer step queue kernels only: no copy to the host."""
    from numba import cuda

    mdl.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4))
    model.to("cuda")
    opt = mdl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = mdl.randn(5, 6, device="cuda")
    labels = mdl.tensor([0, 3, 1, 2, -100], device="cuda")
    reads = []
    array_type = type(cuda.to_device(np.zeros(1)))  # the simulator's or the GPU's
    copy_to_host = array_type.copy_to_host
    monkeypatch.setattr(array_type, "copy_to_host",
                        lambda self, *a, **k: reads.append(self.shape) or copy_to_host(
                            self, *a, **k))
    for _ in range(2):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    assert reads == []
    assert np.isfinite(loss.item()) and len(reads) >= 1  # the read itself is counted


# --------------------------------------------------------------------------- training steps


def _train_step_parity(make_model, x, labels, lr=0.1, momentum=0.9):
    mdl.manual_seed(0)
    model_cpu = make_model()
    model_cuda = make_model()
    model_cuda.load_state_dict(model_cpu.state_dict())
    model_cuda.to("cuda")
    results = []
    for model, device in ((model_cpu, "cpu"), (model_cuda, "cuda")):
        opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        model.train()
        loss = F.cross_entropy(model(mdl.tensor(x, device=device)), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        results.append((loss.item(), {k: v.numpy() for k, v in model.state_dict().items()}))
    (loss_c, state_c), (loss_g, state_g) = results
    assert abs(loss_c - loss_g) <= 1e-4 * abs(loss_c) + 1e-5
    for name in state_c:
        close(state_g[name], state_c[name], rtol=1e-3, atol=1e-5)


def test_mnist_mlp_with_bn_training_step(rng):
    x = rng.random((8, 784)).astype(np.float32)
    _train_step_parity(lambda: PaperMLP(batch_norm=True), x, rng.integers(0, 10, 8))


def test_small_conv_net_with_bn_training_step(rng):
    def make():
        return nn.Sequential(
            nn.Conv2d(1, 3, 3, padding=1, bias=False), nn.BatchNorm2d(3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3 * 3 * 3, 4))

    x = rng.standard_normal((4, 1, 6, 6)).astype(np.float32)
    _train_step_parity(make, x, rng.integers(0, 4, 4))


# --------------------------------------------------------------------------- devices


def test_device_flag_factories_and_moves(rng):
    x = mdl.randn(2, 3, device="cuda")
    assert x.device == "cuda" and x.shape == (2, 3)
    assert mdl.zeros(2, device="cuda").numpy().tolist() == [0.0, 0.0]
    assert mdl.arange(4, device="cuda").numpy().tolist() == [0, 1, 2, 3]
    moved = mdl.tensor([1.0, 2.0], requires_grad=True).to("cuda")
    assert moved.device == "cuda"
    (moved * 2).sum().backward()
    previous = mdl.get_default_device()
    try:
        mdl.set_default_device("cuda")
        y = mdl.ones(3)
        assert y.device == "cuda"
        layer = nn.Linear(3, 2)
        assert layer.weight.device == "cuda"
        assert layer(y.reshape(1, 3)).device == "cuda"
    finally:
        mdl.set_default_device(previous)
    layer = nn.Linear(3, 2).to("cuda")
    assert all(p.device == "cuda" for p in layer.parameters())
    back = layer.to("cpu")
    assert all(p.device == "cpu" for p in back.parameters())


def test_mixing_devices_names_both(rng):
    a = mdl.ones(3, device="cpu")
    b = mdl.ones(3, device="cuda")
    with pytest.raises(RuntimeError, match="cpu.*cuda|cuda.*cpu"):
        a + b


def test_unavailable_cuda_names_the_fix(monkeypatch):
    import minidl.backend as registry

    monkeypatch.setattr(cuda, "is_available", lambda: False)
    monkeypatch.delitem(registry._backends, "cuda", raising=False)
    with pytest.raises(RuntimeError, match="NUMBA_ENABLE_CUDASIM=1") as info:
        registry.get_backend("cuda")
    assert "cuda" in str(info.value) and "extra" in str(info.value)


def test_missing_numba_cuda_names_the_fix(monkeypatch):
    import minidl.backend as registry

    monkeypatch.setitem(sys.modules, "minidl.backend.cuda", None)  # import now fails
    monkeypatch.delitem(registry._backends, "cuda", raising=False)
    with pytest.raises(RuntimeError, match="NUMBA_ENABLE_CUDASIM=1"):
        registry.get_backend("cuda")

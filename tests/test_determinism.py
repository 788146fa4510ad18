"""Determinism on the CPU: the same seed gives bit-identical training from
run to run (separate processes), and every parallel Numba kernel gives the
same bits whatever the number of threads (fixed work partitioning)."""

import hashlib
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

from minidl.backend import get_backend

TRAIN_SCRIPT = textwrap.dedent("""
    import hashlib, sys
    import numpy as np
    import minidl as mdl
    import minidl.functional as F
    from minidl import nn, optim

    mdl.manual_seed(int(sys.argv[1]))
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.MaxPool2d(3, stride=1, padding=1), nn.Conv2d(4, 4, 3, stride=2),
        nn.BatchNorm2d(4), nn.Sigmoid(), nn.Flatten(), nn.Dropout(0.2),
        nn.Linear(4 * 3 * 3, 10), nn.BatchNorm1d(10))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    data = mdl.randn(16, 1, 8, 8)
    labels = np.arange(16) % 10
    for _ in range(10):
        opt.zero_grad()
        loss = F.cross_entropy(model(data), labels)
        loss.backward()
        opt.step()
        print(repr(loss.item()))
    digest = hashlib.sha256()
    for value in model.state_dict().values():
        digest.update(np.ascontiguousarray(value.numpy()).tobytes())
    print(digest.hexdigest())
""")


def _train(tmp_path, seed):
    script = tmp_path / "train.py"
    script.write_text(TRAIN_SCRIPT)
    result = subprocess.run([sys.executable, str(script), str(seed)], capture_output=True,
                            text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.slow
def test_same_seed_same_bits_across_processes(tmp_path):
    first = _train(tmp_path, 0)
    second = _train(tmp_path, 0)
    assert len(first) == 11
    assert first == second  # ten losses and a hash of every weight and buffer
    assert _train(tmp_path, 1)[-1] != first[-1]


needs_two_threads = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2,
                                       reason="needs at least two Numba threads")


def _with_threads(count, fn):
    previous = numba.get_num_threads()
    numba.set_num_threads(count)
    try:
        return fn()
    finally:
        numba.set_num_threads(previous)


def _digest(outputs):
    digest = hashlib.sha256()
    for a in outputs if isinstance(outputs, tuple) else (outputs,):
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()


def _kernel_calls():
    kernels = get_backend("cpu")  # each primitive calls the CPU kernel of its name
    rng = np.random.default_rng(0)
    img = rng.standard_normal((6, 5, 9, 9)).astype(np.float32)
    wide = rng.standard_normal((300, 200)).astype(np.float32)  # the parallel (N, C) path
    gamma = rng.standard_normal(5).astype(np.float32)
    beta = rng.standard_normal(5).astype(np.float32)
    y, mean, _, invstd = kernels.batch_norm_forward_train(img, gamma, beta, 1e-5)
    cols = kernels.im2col(img, 3, 3, 2, 1, 1, 1)
    planes = rng.standard_normal((16, 8, 14, 14)).astype(np.float32)  # parallel convolutions
    weight = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    pooled, argmax = kernels.max_pool2d_forward(img, 3, 3, 1, 1, 1, 1)
    logits = rng.standard_normal((64, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 64)
    _, probs, _ = kernels.softmax_cross_entropy_forward(logits, labels, 3)  # 3: ignored
    return {
        "bn_nchw": lambda: kernels.batch_norm_forward_train(img, gamma, beta, 1e-5),
        "bn_nchw_backward": lambda: kernels.batch_norm_backward(y, img, gamma, mean, invstd),
        "bn_nc": lambda: kernels.batch_norm_forward_train(wide, None, None, 1e-5),
        "bn_nc_backward": lambda: kernels.batch_norm_backward(
            wide, wide, None, wide.mean(0).astype(np.float64),
            np.ones(200)),
        "im2col": lambda: kernels.im2col(img, 3, 3, 2, 1, 1, 1),
        "col2im": lambda: kernels.col2im(cols, img.shape, 3, 3, 2, 1, 1, 1),
        "conv2d_forward": lambda: kernels.conv2d_forward(planes, weight, 1, 1, 1, 1, 1),
        "conv2d_input_grad": lambda: kernels.conv2d_input_grad(planes, weight, planes.shape,
                                                               1, 1, 1, 1, 1),
        "conv2d_weight_grad": lambda: kernels.conv2d_weight_grad(planes, planes, weight.shape,
                                                                 1, 1, 1, 1, 1),
        "max_pool": lambda: kernels.max_pool2d_forward(img, 3, 3, 1, 1, 1, 1),
        "max_pool_backward": lambda: kernels.max_pool2d_backward(pooled, argmax, img.shape),
        "avg_pool": lambda: kernels.avg_pool2d_forward(img, 3, 3, 2, 2, 1, 1),
        "avg_pool_backward": lambda: kernels.avg_pool2d_backward(
            kernels.avg_pool2d_forward(img, 3, 3, 2, 2, 1, 1), img.shape, 3, 3, 2, 2, 1, 1),
        "softmax_ce": lambda: kernels.softmax_cross_entropy_forward(logits, labels, 3),
        "softmax_ce_backward": lambda: kernels.softmax_cross_entropy_backward(
            probs, labels, 3, np.full(64, 1 / 64, np.float32)),
        "relu": lambda: kernels.relu_backward(img, img - 0.1),
    }


@needs_two_threads
def test_parallel_kernels_give_the_same_bits_for_any_thread_count():
    for name, call in _kernel_calls().items():
        one = _with_threads(1, lambda: _digest(call()))
        many = _with_threads(min(4, numba.config.NUMBA_NUM_THREADS), lambda: _digest(call()))
        assert one == many, name

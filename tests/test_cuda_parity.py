"""CPU/CUDA parity: every CUDA backend primitive, every layer's forward and
backward, and whole training steps, compared with the CPU backend.

Runs on a GPU, or on Numba's CUDA simulator when NUMBA_ENABLE_CUDASIM=1 is set
for the whole pytest process (numba reads it when numba.cuda is first
imported); the module is skipped otherwise.  The simulator runs each CUDA
thread as a Python thread, so the shapes here are tiny.

Random inputs come from the numpy Generator on both devices (the CUDA backend
draws on the host on purpose, see kernels/cuda/random.py), so same seed, same
numbers: Dropout is compared exactly; the device-side xoroshiro dropout mask
is tested for its statistics only.
"""

import sys
import threading

import numpy as np
import pytest

import minidl as mdl
import minidl.functional as F
from minidl import nn, optim
from minidl.backend import get_backend

try:
    from numba import cuda
    from numba.core import config as numba_config

    _SIMULATOR = bool(numba_config.ENABLE_CUDASIM)
    _AVAILABLE = cuda.is_available()
except Exception as exc:  # numba.cuda missing or broken: skip with the reason
    _AVAILABLE = False
    _SIMULATOR = False
    _REASON = f"numba.cuda is not usable ({exc})"
else:
    _REASON = ("no CUDA GPU and the simulator is off: set NUMBA_ENABLE_CUDASIM=1 for the "
               "whole pytest run (and install the 'cuda' extra) to test the CUDA backend")

if not _AVAILABLE:
    pytest.skip(_REASON, allow_module_level=True)

from minidl.models import PaperMLP  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5  # the float32 tolerance of every comparison here


def _lock_simulated_shared_arrays():
    """Make the simulator's shared-memory allocation atomic; returns an undo.

    The simulator gives the threads of a block one shared array by looking it
    up by source line and creating it when missing, with no lock between the
    look-up and the store. When a thread switch falls in between, two threads
    of one block get two different "shared" arrays and a block reduction
    silently sums the wrong values (seen as rare, run-to-run different
    mismatches in the MLP step). Real GPUs have no such step."""
    from numba.cuda.simulator.kernelapi import FakeCUDAShared
    from numba.np import numpy_support
    from numba.core import types

    unlocked = FakeCUDAShared.array
    lock = threading.Lock()

    def locked_array(self, shape, dtype, alignment=None):
        if shape == 0 or alignment is not None:  # dynamic shared memory: no look-up
            return unlocked(self, shape, dtype, alignment)
        if isinstance(dtype, types.Type):
            dtype = numpy_support.as_dtype(dtype)
        frame = sys._getframe(1)  # the kernel line that declares the array, as upstream
        caller = (frame.f_code.co_filename, frame.f_lineno)
        with lock:
            array = self._allocations.get(caller)
            if array is None:
                array = np.empty(shape, dtype)
                self._allocations[caller] = array
        return array

    FakeCUDAShared.array = locked_array

    def undo():
        FakeCUDAShared.array = unlocked

    return undo


@pytest.fixture(scope="module", autouse=True)
def _fast_simulator_switching():
    """The simulator's syncthreads waits on a polling manager thread; a short GIL
    switch interval makes those waits ~5x cheaper (and would make the
    simulator's unlocked shared-array allocation race often, hence the lock).
    Restored afterwards."""
    old = sys.getswitchinterval()
    undo = None
    if _SIMULATOR:
        undo = _lock_simulated_shared_arrays()
        sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)
    if undo is not None:
        undo()


@pytest.fixture(scope="module")
def cpu():
    return get_backend("cpu")


@pytest.fixture(scope="module")
def gpu():
    return get_backend("cuda")


def close(actual, expected, rtol=RTOL, atol=ATOL):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def randn(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def both(gpu, fn_name, *args, host_args=None):
    """(cuda result on the host, cpu result) of the same primitive."""
    cpu_backend = get_backend("cpu")
    dev_args = [gpu.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
    out = getattr(gpu, fn_name)(*dev_args)
    ref = getattr(cpu_backend, fn_name)(*args)
    return out, ref


def to_host(gpu, out):
    if isinstance(out, tuple):
        return tuple(to_host(gpu, o) for o in out)
    return gpu.to_numpy(out)


# --------------------------------------------------------------------------- primitives


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_binary_broadcast_and_scalars(gpu, rng, name, dtype):
    a = randn(rng, 2, 3, 4, dtype=dtype)
    b = randn(rng, 3, 1, dtype=dtype)
    for x, y in ((a, b), (b, a), (a, 1.5), (2.5, a), (a, np.asarray(0.5, dtype))):
        out, ref = both(gpu, name, x, y)
        close(to_host(gpu, out), ref)


def test_pow_and_mixed_dtypes(gpu, rng):
    a = np.abs(randn(rng, 3, 4)) + 0.1
    out, ref = both(gpu, "pow", a, 2.0)
    close(to_host(gpu, out), ref)
    out, ref = both(gpu, "pow", a, randn(rng, 4))
    close(to_host(gpu, out), ref)
    ints = np.arange(12, dtype=np.int64).reshape(3, 4)
    out, ref = both(gpu, "add", ints, a.astype(np.float64))
    close(to_host(gpu, out), ref)
    out, ref = both(gpu, "div", ints, 4)
    close(to_host(gpu, out), ref)
    # a 0-d device array (e.g. a summed loss) as an operand
    total = gpu.sum(gpu.from_numpy(a), None, False)
    close(gpu.to_numpy(gpu.mul(total, gpu.from_numpy(a))), np.sum(a) * a, rtol=1e-5)


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_compare(gpu, rng, op):
    a = np.round(randn(rng, 3, 4))
    b = np.round(randn(rng, 4))
    out, ref = both(gpu, "compare", op, a, b)
    close(to_host(gpu, out), ref)
    out, ref = both(gpu, "compare", op, a, 0.0)
    close(to_host(gpu, out), ref)


def test_where(gpu, rng):
    a, b = randn(rng, 3, 4), randn(rng, 4)
    cond = a > 0
    out, ref = both(gpu, "where", cond, a, b)
    close(to_host(gpu, out), ref)
    out, ref = both(gpu, "where", cond, a, 0.0)
    close(to_host(gpu, out), ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary(gpu, rng, dtype):
    x = randn(rng, 3, 5, dtype=dtype)
    x[0, 0] = 0.0
    for name in ("neg", "exp", "abs", "sign", "sigmoid", "relu", "tanh"):
        out, ref = both(gpu, name, x)
        close(to_host(gpu, out), ref)
    pos = np.abs(x) + 0.5
    for name in ("log", "sqrt"):
        out, ref = both(gpu, name, pos)
        close(to_host(gpu, out), ref)


def test_sigmoid_is_stable_for_large_inputs(gpu):
    x = np.array([-100.0, -30.0, 0.0, 30.0, 100.0], dtype=np.float32)
    out = gpu.to_numpy(gpu.sigmoid(gpu.from_numpy(x)))
    assert np.all(np.isfinite(out))
    close(out, get_backend("cpu").sigmoid(x), atol=0)


def test_activation_backward(gpu, rng):
    dy, x = randn(rng, 3, 4), randn(rng, 3, 4)
    y = 1 / (1 + np.exp(-x))
    for name, second in (("sigmoid_backward", y), ("relu_backward", x),
                         ("tanh_backward", np.tanh(x))):
        out, ref = both(gpu, name, dy, second)
        close(to_host(gpu, out), ref)


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_reductions(gpu, rng, dtype):
    x = (randn(rng, 2, 3, 4) * 10).astype(dtype)
    for axis in (None, (0,), (1,), (2,), (0, 2)):
        for keepdims in (False, True):
            for name in ("sum", "max"):
                out, ref = both(gpu, name, x, axis, keepdims)
                close(to_host(gpu, out), ref, rtol=1e-5)
    for axis in (0, 1, 2):
        out, ref = both(gpu, "argmax", x, axis)
        close(to_host(gpu, out), ref)


def test_argmax_ties_and_nan(gpu):
    x = np.array([[1.0, 3.0, 3.0, 0.0], [np.nan, 1.0, np.nan, 2.0]], dtype=np.float32)
    out, ref = both(gpu, "argmax", x, 1)
    close(to_host(gpu, out), ref)
    out, ref = both(gpu, "max", x, (1,), False)
    close(to_host(gpu, out), ref)


def test_max_of_empty_raises(gpu):
    with pytest.raises(ValueError, match="zero-size"):
        gpu.max(gpu.from_numpy(np.zeros((0, 3), np.float32)), (0,), False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("a_shape, b_shape", [
    ((5, 7), (7, 6)), ((2, 5, 7), (7, 6)), ((5, 7), (2, 7, 6)), ((2, 5, 7), (2, 7, 6)),
    ((3, 1, 2, 3), (2, 3, 4)),
])
def test_matmul(gpu, rng, a_shape, b_shape, dtype):
    a, b = randn(rng, *a_shape, dtype=dtype), randn(rng, *b_shape, dtype=dtype)
    out, ref = both(gpu, "matmul", a, b)
    close(to_host(gpu, out), ref)


def test_matmul_of_transposed_views(gpu, rng):
    a, b = randn(rng, 7, 5), randn(rng, 6, 7)
    da, db = gpu.from_numpy(a), gpu.from_numpy(b)
    out = gpu.matmul(gpu.transpose(da, (1, 0)), gpu.transpose(db, (1, 0)))
    close(gpu.to_numpy(out), a.T @ b.T)


def test_shape_primitives(gpu, rng, cpu):
    x = randn(rng, 2, 3, 4)
    dx = gpu.from_numpy(x)
    close(gpu.to_numpy(gpu.reshape(dx, (4, -1))), x.reshape(4, -1))
    close(gpu.to_numpy(gpu.transpose(dx, (2, 0, 1))), x.transpose(2, 0, 1))
    close(gpu.to_numpy(gpu.broadcast_to(gpu.from_numpy(x[:, :1]), (2, 3, 4))),
          np.broadcast_to(x[:, :1], (2, 3, 4)))
    for index in ((1,), (slice(None), slice(0, 3, 2)), (Ellipsis, 1), (None, 0, slice(1, 3)),
                  (slice(None), 2, slice(None, None, 3))):
        close(gpu.to_numpy(gpu.getitem(dx, index)), x[index])
        dy = np.ones_like(x[index])
        close(gpu.to_numpy(gpu.getitem_backward(gpu.from_numpy(dy), x.shape, index)),
              cpu.getitem_backward(dy, x.shape, index))
    y = randn(rng, 2, 2, 4)
    close(gpu.to_numpy(gpu.concatenate([dx, gpu.from_numpy(y)], 1)),
          np.concatenate([x, y], 1))
    close(gpu.to_numpy(gpu.copy(dx)), x)
    close(gpu.to_numpy(gpu.astype(dx, np.float64)), x.astype(np.float64))
    close(gpu.to_numpy(gpu.astype(gpu.from_numpy(x * 3), np.int64)), (x * 3).astype(np.int64))
    close(gpu.to_numpy(gpu.astype(dx, np.bool_)), x.astype(bool))


def test_creation_and_in_place(gpu, rng):
    close(gpu.to_numpy(gpu.full((2, 3), 1.5, np.float32)), np.full((2, 3), 1.5, np.float32))
    close(gpu.to_numpy(gpu.arange(0, 10, 3, np.int64)), np.arange(0, 10, 3))
    close(gpu.to_numpy(gpu.arange(0.5, 2.0, 0.25, np.float32)),
          np.arange(0.5, 2.0, 0.25, dtype=np.float32))
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    close(gpu.to_numpy(gpu.random_normal((4, 5), np.float32, g1)),
          get_backend("cpu").random_normal((4, 5), np.float32, g2), rtol=0, atol=0)
    close(gpu.to_numpy(gpu.random_uniform((4, 5), np.float64, g1)),
          get_backend("cpu").random_uniform((4, 5), np.float64, g2), rtol=0, atol=0)
    dst, src = randn(rng, 3, 4), randn(rng, 4)
    ddst = gpu.from_numpy(dst)
    gpu.copy_(ddst, gpu.from_numpy(src))
    close(gpu.to_numpy(ddst), np.broadcast_to(src, (3, 4)))
    running, batch = randn(rng, 5), randn(rng, 5)
    drunning = gpu.from_numpy(running)
    gpu.lerp_(drunning, gpu.from_numpy(batch), 0.1)
    get_backend("cpu").lerp_(running, batch, 0.1)
    close(gpu.to_numpy(drunning), running)


# --------------------------------------------------------------------------- nn primitives


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 3, 2)])
def test_batch_norm_primitives(gpu, rng, shape, dtype):
    c = shape[1]
    x = (randn(rng, *shape, dtype=dtype) * 3 + 100).astype(dtype)  # |mean| >> std
    gamma, beta = randn(rng, c, dtype=dtype), randn(rng, c, dtype=dtype)
    dy = randn(rng, *shape, dtype=dtype)
    for g, b in ((gamma, beta), (None, None)):
        out, ref = both(gpu, "batch_norm_forward_train", x, g, b, 1e-5)
        for o, r in zip(to_host(gpu, out), ref):
            close(o, r, atol=1e-4)
        mean, invstd = ref[1], ref[3]
        out2, ref2 = both(gpu, "batch_norm_backward", dy, x, g, mean, invstd)
        for o, r in zip(to_host(gpu, out2), ref2):
            close(o, r, rtol=1e-3, atol=1e-4)
    rm, rv = randn(rng, c, dtype=dtype) + 100, np.abs(randn(rng, c, dtype=dtype)) + 0.5
    out, ref = both(gpu, "batch_norm_forward_eval", x, gamma, beta, rm, rv, 1e-5)
    close(to_host(gpu, out), ref, atol=1e-4)
    out, ref = both(gpu, "batch_norm_backward_eval", dy, x, gamma, rm, rv, 1e-5)
    for o, r in zip(to_host(gpu, out), ref):
        close(o, r, rtol=1e-3, atol=1e-4)


def test_batch_norm_validation(gpu, rng):
    x = gpu.from_numpy(randn(rng, 4, 3))
    with pytest.raises(ValueError, match="shape"):
        gpu.batch_norm_forward_train(x, gpu.from_numpy(randn(rng, 2)), None, 1e-5)
    with pytest.raises(TypeError, match="dtype"):
        gpu.batch_norm_forward_train(x, gpu.from_numpy(randn(rng, 3, dtype=np.float64)),
                                     None, 1e-5)
    with pytest.raises(ValueError, match="more than 1 value"):
        gpu.batch_norm_forward_train(gpu.from_numpy(randn(rng, 1, 3)), None, None, 1e-5)
    with pytest.raises(TypeError, match="device array"):
        gpu.batch_norm_forward_train(randn(rng, 4, 3), None, None, 1e-5)
    with pytest.raises(ValueError, match="running_var"):
        gpu.batch_norm_forward_eval(x, None, None, gpu.from_numpy(np.zeros(3, np.float32)),
                                    gpu.from_numpy(-np.ones(3, np.float32)), 1e-5)


@pytest.mark.parametrize("geom", [(3, 3, 1, 1, 1, 1), (2, 3, 2, 1, 0, 1)])
def test_im2col_col2im(gpu, rng, geom):
    x = randn(rng, 2, 2, 5, 4)
    out, ref = both(gpu, "im2col", x, *geom)
    close(to_host(gpu, out), ref)
    cols = randn(rng, *ref.shape)
    out, ref = both(gpu, "col2im", cols, x.shape, *geom)
    close(to_host(gpu, out), ref)


@pytest.mark.parametrize("geom", [(2, 2, 2, 2, 0, 0), (3, 3, 2, 1, 1, 1)])
def test_pooling(gpu, rng, geom):
    x = randn(rng, 2, 2, 5, 4)
    x[0, 0, 1, 1] = x[0, 0, 1, 2]  # a tie
    (y, idx), (ry, ridx) = both(gpu, "max_pool2d_forward", x, *geom)
    close(gpu.to_numpy(y), ry)
    close(gpu.to_numpy(idx), ridx)
    dy = randn(rng, *ry.shape)
    out, ref = both(gpu, "max_pool2d_backward", dy, ridx, x.shape)
    close(to_host(gpu, out), ref)
    out, ref = both(gpu, "avg_pool2d_forward", x, *geom)
    close(to_host(gpu, out), ref)
    out, ref = both(gpu, "avg_pool2d_backward", dy, x.shape, *geom)
    close(to_host(gpu, out), ref)


def test_pooling_validation(gpu, rng):
    dy = gpu.from_numpy(randn(rng, 1, 1, 2, 2))
    bad = gpu.from_numpy(np.array([[[[0, 1], [2, 99]]]], dtype=np.int64))
    with pytest.raises(ValueError, match="out of range"):
        gpu.max_pool2d_backward(dy, bad, (1, 1, 4, 4))
    with pytest.raises(ValueError, match="pad"):
        gpu.max_pool2d_forward(gpu.from_numpy(randn(rng, 1, 1, 4, 4)), 2, 2, 2, 2, 2, 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy(gpu, rng, dtype):
    logits = randn(rng, 5, 4, dtype=dtype)
    logits[0] = [1e4, -1e4, 0, 5e3]
    labels = np.array([1, 0, 3, 2, 1], dtype=np.int64)
    out, ref = both(gpu, "softmax_cross_entropy_forward", logits, labels)
    for o, r in zip(to_host(gpu, out), ref):
        assert np.all(np.isfinite(o))
        close(o, r)
    grads = randn(rng, 5, dtype=dtype)
    out, ref = both(gpu, "softmax_cross_entropy_backward", ref[1], labels, grads)
    close(to_host(gpu, out), ref)
    with pytest.raises(ValueError, match="out of range"):
        gpu.softmax_cross_entropy_forward(gpu.from_numpy(logits),
                                          gpu.from_numpy(np.array([0, 1, 2, 3, 4])))


def test_optimizer_primitives(gpu, rng, cpu):
    shape = (3, 4)
    cases = [
        ("sgd_step_", lambda p, g, s: (p, g, s[0], 0.1, 0.9, 0.1, 0.01, True, False), 1),
        ("sgd_step_", lambda p, g, s: (p, g, None, 0.1, 0.0, 0.0, 0.0, False, True), 0),
        ("adam_step_", lambda p, g, s: (p, g, s[0], s[1], 1e-2, 0.9, 0.999, 1e-8, 0.01, 3), 2),
        ("adagrad_step_", lambda p, g, s: (p, g, s[0], 0.1, 1e-10, 0.01), 1),
    ]
    for name, make_args, n_state in cases:
        p, g = randn(rng, *shape), randn(rng, *shape)
        state = [np.abs(randn(rng, *shape)) for _ in range(n_state)]
        dev = [gpu.from_numpy(a) for a in [p, g] + state]
        getattr(gpu, name)(*make_args(dev[0], dev[1], dev[2:]))
        getattr(cpu, name)(*make_args(p, g, state))
        for d, h in zip([dev[0]] + dev[2:], [p] + state):
            close(gpu.to_numpy(d), h)


def test_device_dropout_mask():
    from minidl.kernels.cuda import dropout_mask

    mask = dropout_mask((64, 8), 0.25, np.float32, seed=7).copy_to_host()
    assert mask.shape == (64, 8) and mask.dtype == np.float32
    assert set(np.unique(mask)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.6 < np.mean(mask > 0) < 0.9
    with pytest.raises(ValueError, match="p must be"):
        dropout_mask((2,), 1.0, np.float32, seed=0)


def test_bad_operands_raise_clear_errors(gpu, rng):
    x = gpu.from_numpy(randn(rng, 2, 3))
    with pytest.raises(TypeError, match="device array"):
        gpu.add(x, randn(rng, 2, 3))
    with pytest.raises(ValueError, match="broadcast"):
        gpu.add(x, gpu.from_numpy(randn(rng, 4)))
    with pytest.raises(ValueError, match="unknown comparison"):
        gpu.compare("approx", x, 0.0)
    with pytest.raises(TypeError, match="float32 and float64"):
        gpu.matmul(gpu.from_numpy(np.ones((2, 2), np.int64)),
                   gpu.from_numpy(np.ones((2, 2), np.int64)))
    with pytest.raises(TypeError, match="from_numpy"):
        gpu.from_numpy(np.array(["a"]))


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
        proj = mdl.tensor(np.linspace(-1, 1, out.size).reshape(out.shape).astype(np.float32),
                          device=device)
        (out * proj).sum().backward()
        grads = {n: p.grad.numpy().copy() for n, p in layer_cuda.named_parameters()}
        buffers = {n: b.numpy().copy() for n, b in layer_cuda.named_buffers()}
        results[device] = (out.numpy().copy(), xt.grad.numpy().copy(), grads, buffers)
        layer_cuda.zero_grad()
        if device == "cpu":
            # restore the buffers the CPU pass updated, so both passes start equal
            for name, value in start_buffers.items():
                dict(layer_cuda.named_buffers())[name].data[...] = value
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


def test_cross_entropy_checks_labels_before_the_device_kernel(monkeypatch):
    """Out-of-range labels, host or device, are refused before the CUDA kernel."""
    backend = get_backend("cuda")
    calls = []
    real = backend.softmax_cross_entropy_forward
    monkeypatch.setattr(backend, "softmax_cross_entropy_forward",
                        lambda *args: calls.append(args) or real(*args))
    logits = mdl.zeros(3, 4, device="cuda")
    for labels, bad in ((np.array([0, 4, 1]), 4), (np.array([-1, 0, 1]), -1),
                        (mdl.tensor([0, 1, 9], device="cuda"), 9),
                        (mdl.tensor([-3, 0, 1], device="cuda"), -3)):
        with pytest.raises(ValueError, match=rf"cross_entropy: label {bad} is out of range"):
            F.cross_entropy(logits, labels)
    assert calls == []
    loss = F.cross_entropy(logits, mdl.tensor([0, 1, 3], device="cuda"))
    assert len(calls) == 1
    close(loss.numpy(), np.float32(np.log(4.0)))


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

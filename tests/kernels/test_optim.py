"""Optimizer updates (kernels/<device>/optim.py), in place on parameters and
state, against float64 NumPy references of PyTorch's formulas."""

import numpy as np
import pytest


def ref_sgd(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first_step):
    g = g + weight_decay * p
    if momentum != 0:
        buf = g.copy() if first_step else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    return [p - lr * g] + ([buf] if momentum != 0 else [])


def ref_adam(p, g, m, v, lr, beta1, beta2, eps, weight_decay, step):
    g = g + weight_decay * p
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    denom = np.sqrt(v) / np.sqrt(1 - beta2 ** step) + eps
    return [p - lr / (1 - beta1 ** step) * m / denom, m, v]


def ref_adagrad(p, g, s, lr, eps, weight_decay):
    g = g + weight_decay * p
    s = s + g * g
    return [p - lr * g / (np.sqrt(s) + eps), s]


CASES = [
    ("sgd_step_", ref_sgd, 1, (0.1, 0.9, 0.1, 0.01, True, False)),
    ("sgd_step_", ref_sgd, 1, (0.1, 0.9, 0.0, 0.0, False, True)),
    ("sgd_step_", ref_sgd, 0, (0.1, 0.0, 0.0, 0.0, False, True)),
    ("adam_step_", ref_adam, 2, (1e-2, 0.9, 0.999, 1e-8, 0.01, 3)),
    ("adagrad_step_", ref_adagrad, 1, (0.1, 1e-10, 0.01)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, ref, n_state, hyper", CASES)
def test_update_matches_reference(backend, rng, name, ref, n_state, hyper, dtype):
    shape = (3, 4)
    p = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    state = [np.abs(rng.standard_normal(shape)).astype(dtype) for _ in range(n_state)]
    dev = [backend.from_numpy(a.copy()) for a in [p, g] + state]
    if name == "sgd_step_" and n_state == 0:
        dev.append(None)  # no momentum buffer
    getattr(backend, name)(*dev, *hyper)
    want = ref(*[a.astype(np.float64) for a in [p, g] + state]
               + ([None] if name == "sgd_step_" and n_state == 0 else []), *hyper)
    got = [dev[0]] + dev[2:2 + n_state]
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-12, 1e-14)
    for d, w in zip(got, want):
        out = backend.to_numpy(d)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, w, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, ref, n_state, hyper", CASES)
def test_cpu_fused_update_gives_the_numpy_bits(rng, name, ref, n_state, hyper, dtype):
    """CPU: the fused kernel (C-contiguous arrays) and the NumPy form it replaces
    (taken for non-contiguous ones) agree bit for bit, over a few steps."""
    from minidl.kernels.cpu import optim as cpu_optim

    shape = (50, 70)  # above the size where the fused kernel takes over
    arrays = [rng.standard_normal(shape).astype(dtype) for _ in range(2 + n_state)]
    arrays[2:] = [np.abs(a) for a in arrays[2:]]
    fused = [a.copy() for a in arrays]
    strided = [np.asfortranarray(a) for a in arrays]  # transposed layout: NumPy's path
    for step in range(3):
        for state in (fused, strided):
            extra = [None] if name == "sgd_step_" and n_state == 0 else []
            args = list(hyper)
            if name == "sgd_step_":
                args[-1] = step == 0
            elif name == "adam_step_":
                args[-1] = step + 1
            getattr(cpu_optim, name)(*state, *extra, *args)
    for a, b in zip(fused, strided):
        np.testing.assert_array_equal(a, b)

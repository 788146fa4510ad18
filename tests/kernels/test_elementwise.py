"""Elementwise primitives (kernels/<device>/elementwise.py) against NumPy:
arithmetic and comparisons with broadcasting and scalar operands, where,
unary maths, activations and their backward forms, lerp_."""

import numpy as np
import pytest

RTOL, ATOL = 1e-4, 1e-5

BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
          "maximum": np.maximum, "minimum": np.minimum}
COMPARE = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
           "gt": np.greater, "ge": np.greater_equal}


def close(actual, expected, rtol=RTOL, atol=ATOL):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def randn(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def ref_sigmoid(x):
    x64 = x.astype(np.float64)
    e = np.exp(-np.abs(x64))
    return np.where(x64 >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcast_and_scalars(call, rng, name, dtype):
    a = randn(rng, 2, 3, 4, dtype=dtype)
    b = randn(rng, 3, 1, dtype=dtype)
    for x, y in ((a, b), (b, a), (a, 1.5), (2.5, a), (a, np.asarray(0.5, dtype))):
        close(getattr(call, name)(x, y), np.asarray(BINARY[name](x, y)))


def test_pow_and_mixed_dtypes(call, backend, rng):
    a = np.abs(randn(rng, 3, 4)) + 0.1
    close(call.pow(a, 2.0), np.power(a, 2.0))
    b = randn(rng, 4)
    close(call.pow(a, b), np.power(a, b))
    ints = np.arange(12, dtype=np.int64).reshape(3, 4)
    close(call.add(ints, a.astype(np.float64)), ints + a.astype(np.float64))
    close(call.div(ints, 4), np.true_divide(ints, 4))
    # a 0-d device array (e.g. a summed loss) as an operand
    total = backend.sum(backend.from_numpy(a), None, False)
    close(backend.to_numpy(backend.mul(total, backend.from_numpy(a))), np.sum(a) * a,
          rtol=1e-5)


@pytest.mark.parametrize("op", sorted(COMPARE))
def test_compare(call, rng, op):
    a = np.round(randn(rng, 3, 4))
    b = np.round(randn(rng, 4))
    close(call.compare(op, a, b), COMPARE[op](a, b))
    close(call.compare(op, a, 0.0), COMPARE[op](a, 0.0))


def test_where(call, rng):
    a, b = randn(rng, 3, 4), randn(rng, 4)
    cond = a > 0
    close(call.where(cond, a, b), np.where(cond, a, b))
    close(call.where(cond, a, 0.0), np.where(cond, a, np.float32(0.0)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary(call, rng, dtype):
    x = randn(rng, 3, 5, dtype=dtype)
    x[0, 0] = 0.0
    refs = {"neg": np.negative(x), "exp": np.exp(x), "abs": np.abs(x), "sign": np.sign(x),
            "sigmoid": ref_sigmoid(x), "relu": np.maximum(x, 0), "tanh": np.tanh(x)}
    for name, ref in refs.items():
        close(getattr(call, name)(x), ref)
    pos = np.abs(x) + 0.5
    close(call.log(pos), np.log(pos))
    close(call.sqrt(pos), np.sqrt(pos))


def test_sigmoid_is_stable_for_large_inputs(call):
    x = np.array([-100.0, -30.0, 0.0, 30.0, 100.0], dtype=np.float32)
    out = call.sigmoid(x)
    assert np.all(np.isfinite(out))
    close(out, ref_sigmoid(x), atol=0)


def test_activation_backward(call, rng):
    dy, x = randn(rng, 3, 4), randn(rng, 3, 4)
    y = 1 / (1 + np.exp(-x))
    t = np.tanh(x)
    close(call.sigmoid_backward(dy, y), dy * (y * (1 - y)))
    close(call.relu_backward(dy, x), np.where(x > 0, dy, np.float32(0)))
    close(call.tanh_backward(dy, t), dy * (1 - t * t))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_forward_and_backward_match_numpy(call, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5, 6)).astype(dtype)
    dy = rng.standard_normal((4, 5, 6)).astype(dtype)
    np.testing.assert_array_equal(call.relu(x), np.maximum(x, 0))
    np.testing.assert_array_equal(call.relu_backward(dy, x), np.where(x > 0, dy, 0))
    xt = x.transpose(2, 0, 1)  # non-contiguous view (the CPU launcher copies it)
    np.testing.assert_array_equal(call.relu(xt), np.maximum(xt, 0))
    assert call.relu(x).dtype == dtype


def test_lerp_(backend, rng):
    running, batch = randn(rng, 5), randn(rng, 5)
    dst = backend.from_numpy(running.copy())
    backend.lerp_(dst, backend.from_numpy(batch), 0.1)
    close(backend.to_numpy(dst), (1 - 0.1) * running + 0.1 * batch)


def test_cpu_relu_argument_errors(cpu):
    """The CPU's ReLU is a Numba kernel: float arrays of one shape only."""
    with pytest.raises(TypeError, match="float32 or float64"):
        cpu.relu(np.arange(3))
    with pytest.raises(ValueError, match="does not match"):
        cpu.relu_backward(np.zeros(3, np.float32), np.zeros(4, np.float32))
    with pytest.raises(TypeError, match="numpy.ndarray"):
        cpu.relu([1.0, 2.0])


def test_bad_operands_raise_clear_errors(gpu, rng):
    x = gpu.from_numpy(randn(rng, 2, 3))
    with pytest.raises(TypeError, match="device array"):
        gpu.add(x, randn(rng, 2, 3))
    with pytest.raises(ValueError, match="broadcast"):
        gpu.add(x, gpu.from_numpy(randn(rng, 4)))
    with pytest.raises(ValueError, match="unknown comparison"):
        gpu.compare("approx", x, 0.0)

"""Matrix product (kernels/<device>/matmul.py) against NumPy, with NumPy's
batching and broadcasting rules."""

import numpy as np
import pytest


def close(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("a_shape, b_shape", [
    ((5, 7), (7, 6)), ((2, 5, 7), (7, 6)), ((5, 7), (2, 7, 6)), ((2, 5, 7), (2, 7, 6)),
    ((3, 1, 2, 3), (2, 3, 4)),
])
def test_matmul(call, rng, a_shape, b_shape, dtype):
    a = rng.standard_normal(a_shape).astype(dtype)
    b = rng.standard_normal(b_shape).astype(dtype)
    close(call.matmul(a, b), np.matmul(a, b))


def test_matmul_of_transposed_views(backend, rng):
    a = rng.standard_normal((7, 5)).astype(np.float32)
    b = rng.standard_normal((6, 7)).astype(np.float32)
    da, db = backend.from_numpy(a), backend.from_numpy(b)
    out = backend.matmul(backend.transpose(da, (1, 0)), backend.transpose(db, (1, 0)))
    close(backend.to_numpy(out), a.T @ b.T)


def test_cuda_matmul_needs_floats(gpu):
    with pytest.raises(TypeError, match="float32 and float64"):
        gpu.matmul(gpu.from_numpy(np.ones((2, 2), np.int64)),
                   gpu.from_numpy(np.ones((2, 2), np.int64)))

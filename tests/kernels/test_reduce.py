"""Reductions (kernels/<device>/reduce.py) against NumPy: sum, max, argmax
over any axes, NaN and ties, empty input."""

import numpy as np
import pytest


def close(actual, expected, rtol=1e-5, atol=1e-5):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_reductions(call, rng, dtype):
    x = (rng.standard_normal((2, 3, 4)) * 10).astype(dtype)
    for axis in (None, (0,), (1,), (2,), (0, 2)):
        for keepdims in (False, True):
            close(call.sum(x, axis, keepdims), np.asarray(np.sum(x, axis, keepdims=keepdims)))
            close(call.max(x, axis, keepdims), np.asarray(np.max(x, axis, keepdims=keepdims)))
    for axis in (0, 1, 2):
        close(call.argmax(x, axis), np.argmax(x, axis).astype(np.int64))


def test_argmax_ties_and_nan(call):
    x = np.array([[1.0, 3.0, 3.0, 0.0], [np.nan, 1.0, np.nan, 2.0]], dtype=np.float32)
    close(call.argmax(x, 1), np.argmax(x, 1).astype(np.int64))
    close(call.max(x, (1,), False), np.max(x, 1))


def test_max_of_empty_raises(call):
    with pytest.raises(ValueError, match="zero-size"):
        call.max(np.zeros((0, 3), np.float32), (0,), False)

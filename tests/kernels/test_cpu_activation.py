"""ReLU kernels against NumPy, including non-contiguous inputs, and their
argument checks."""

import numpy as np
import pytest

from minidl.kernels.cpu import relu, relu_backward


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_forward_and_backward_match_numpy(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5, 6)).astype(dtype)
    dy = rng.standard_normal((4, 5, 6)).astype(dtype)
    np.testing.assert_array_equal(relu(x), np.maximum(x, 0))
    np.testing.assert_array_equal(relu_backward(dy, x), np.where(x > 0, dy, 0))
    xt = x.transpose(2, 0, 1)  # non-contiguous view
    np.testing.assert_array_equal(relu(xt), np.maximum(xt, 0))
    assert relu(x).dtype == dtype


def test_relu_argument_errors():
    with pytest.raises(TypeError, match="float32 or float64"):
        relu(np.arange(3))
    with pytest.raises(ValueError, match="does not match"):
        relu_backward(np.zeros(3, np.float32), np.zeros(4, np.float32))
    with pytest.raises(TypeError, match="numpy.ndarray"):
        relu([1.0, 2.0])

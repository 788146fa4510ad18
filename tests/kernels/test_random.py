"""Random primitives (kernels/<device>/random.py): every device draws the
numpy Generator's samples, so the same seed gives the same numbers."""

import numpy as np
import pytest


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_samples_are_the_generators(call, dtype):
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    normal = call.random_normal((4, 5), dtype, g1)
    assert normal.dtype == dtype and normal.shape == (4, 5)
    np.testing.assert_array_equal(normal, g2.standard_normal((4, 5)).astype(dtype))
    uniform = call.random_uniform((4, 5), dtype, g1)
    assert uniform.dtype == dtype
    np.testing.assert_array_equal(uniform, g2.random((4, 5)).astype(dtype))

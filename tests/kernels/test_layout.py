"""Creation, transfer, shape, indexing and copies (kernels/<device>/layout.py)
against NumPy."""

import numpy as np
import pytest


def close(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


def ref_getitem_backward(dy, shape, index):
    out = np.zeros(shape, dtype=dy.dtype)
    out[index] = dy
    return out


def test_shape_primitives(call, rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    close(call.reshape(x, (4, -1)), x.reshape(4, -1))
    close(call.transpose(x, (2, 0, 1)), x.transpose(2, 0, 1))
    close(call.broadcast_to(x[:, :1], (2, 3, 4)), np.broadcast_to(x[:, :1], (2, 3, 4)))
    for index in ((1,), (slice(None), slice(0, 3, 2)), (Ellipsis, 1), (None, 0, slice(1, 3)),
                  (slice(None), 2, slice(None, None, 3))):
        close(call.getitem(x, index), x[index])
        dy = np.ones_like(x[index])
        close(call.getitem_backward(dy, x.shape, index), ref_getitem_backward(dy, x.shape, index))
    y = rng.standard_normal((2, 2, 4)).astype(np.float32)
    close(call.concatenate([call.to_device(x), call.to_device(y)], 1),
          np.concatenate([x, y], 1))
    close(call.copy(x), x)
    close(call.astype(x, np.float64), x.astype(np.float64))
    close(call.astype(x * 3, np.int64), (x * 3).astype(np.int64))
    close(call.astype(x, np.bool_), x.astype(bool))


def test_creation_and_copy_(call, backend, rng):
    close(call.full((2, 3), 1.5, np.float32), np.full((2, 3), 1.5, np.float32))
    close(call.arange(0, 10, 3, np.int64), np.arange(0, 10, 3))
    close(call.arange(0.5, 2.0, 0.25, np.float32), np.arange(0.5, 2.0, 0.25, dtype=np.float32))
    close(call.from_numpy(np.arange(3), np.float64), np.arange(3, dtype=np.float64))
    dst, src = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4)
    ddst = backend.from_numpy(dst)
    backend.copy_(ddst, backend.from_numpy(src.astype(np.float32)))
    close(backend.to_numpy(ddst), np.broadcast_to(src.astype(np.float32), (3, 4)))
    backend.copy_(ddst, 2.5)
    close(backend.to_numpy(ddst), np.full((3, 4), 2.5, np.float32))


def test_cuda_from_numpy_refuses_what_it_cannot_hold(gpu):
    with pytest.raises(TypeError, match="from_numpy"):
        gpu.from_numpy(np.array(["a"]))

"""The GPU-scale paths of the CUDA launchers, on every tested device: rows longer
than a block, more rows than the grid cap, two-pass reductions, batch-norm chunk
grids, matmul sides above and not multiples of the tile, strided operands.

On a GPU these shapes are small; under the simulator kernels/cuda/config.py
uses blocks of 16 threads, row groups of 4, grids of at most 8 blocks and
8x8 matmul tiles, so the same shapes span several blocks, chunks and passes
there too (the shape comments give the simulator's numbers)."""

import numpy as np
import pytest



def close(actual, expected, rtol=1e-5, atol=1e-6):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("shape, axis", [
    ((3, 100), (1,)),          # rows longer than a block
    ((70, 5), (1,)),           # more rows than 8 blocks x 4 row groups
    ((300,), None),            # one long row: two passes
    ((2, 150), (1,)),          # two long rows: two passes
    ((6, 40, 3), (0, 2)),      # non-trailing axes, read in place
])
def test_sum_and_max(call, rng, shape, axis):
    x = rng.standard_normal(shape)
    close(call.sum(x, axis, False), np.asarray(np.sum(x, axis=axis)), rtol=1e-12)
    close(call.max(x, axis, True), np.asarray(np.max(x, axis=axis, keepdims=True)))
    ints = rng.integers(-2**62, 2**62, size=shape) // 4
    assert np.array_equal(call.sum(ints, axis, False), np.asarray(np.sum(ints, axis=axis)))
    assert np.array_equal(call.max(ints, axis, False), np.asarray(np.max(ints, axis=axis)))


@pytest.mark.parametrize("shape, axis", [((70, 10), 1), ((3, 100), 1), ((100, 3), 0)])
def test_argmax(call, rng, shape, axis):
    x = rng.standard_normal(shape).astype(np.float32)
    x[1, 2] = np.nan
    assert np.array_equal(call.argmax(x, axis), np.argmax(x, axis=axis))


def test_int64_elementwise_is_exact(call):
    big = np.array([2**53 + 1, 2**62 + 3, -(2**61) - 7, 5], dtype=np.int64)
    other = np.array([1, -3, 2**60 + 1, 2**40], dtype=np.int64)
    for name, ref in (("add", np.add), ("sub", np.subtract), ("maximum", np.maximum),
                      ("minimum", np.minimum)):
        assert np.array_equal(getattr(call, name)(big, other), ref(big, other)), name
    assert np.array_equal(call.mul(big, 1), big)
    assert np.array_equal(call.abs(-big), np.abs(big))
    assert np.array_equal(call.pow(other[:1] + 2, 39), np.array([3**39]))
    assert np.array_equal(call.maximum(big, np.uint32(7)), np.maximum(big, np.uint32(7)))


@pytest.mark.parametrize("m, k, n, batch", [(19, 13, 21, ()), (9, 17, 8, (3,)),
                                            (5, 3, 30, (2, 1))])
def test_matmul_edges(call, rng, m, k, n, batch):
    a = rng.standard_normal(batch + (m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    close(call.matmul(a, b), np.matmul(a, b), rtol=1e-4, atol=1e-4)


def test_matmul_of_transposed_views(backend, rng):
    a = rng.standard_normal((7, 11))
    b = rng.standard_normal((13, 11))
    da, db = backend.from_numpy(a), backend.from_numpy(b)
    out = backend.matmul(da, backend.transpose(db, (1, 0)))
    close(backend.to_numpy(out), a @ b.T, rtol=1e-10)


@pytest.mark.parametrize("shape", [(20, 3), (37, 40), (4, 2, 5, 5), (6, 3, 2, 7)])
def test_batch_norm_chunk_grid(call, rng, shape):
    x = (rng.standard_normal(shape) * 3 + 1e3).astype(np.float32)
    c = shape[1]
    gamma = rng.standard_normal(c).astype(np.float32)
    beta = rng.standard_normal(c).astype(np.float32)
    y, mean, var, invstd = call.batch_norm_forward_train(x, gamma, beta, 1e-5)
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    x64 = x.astype(np.float64)
    ref_mean, ref_var = x64.mean(axis=axes), x64.var(axis=axes)
    close(mean, ref_mean, rtol=1e-12)
    close(var, ref_var, rtol=1e-9)
    bshape = (1, c) + (1,) * (x.ndim - 2)
    ref_y = (x64 - ref_mean.reshape(bshape)) / np.sqrt(ref_var.reshape(bshape) + 1e-5)
    ref_y = ref_y * gamma.reshape(bshape) + beta.reshape(bshape)
    close(y, ref_y.astype(np.float32), rtol=1e-4, atol=1e-4)
    dy = rng.standard_normal(shape).astype(np.float32)
    dx, dgamma, dbeta = call.batch_norm_backward(dy, x, gamma, mean, invstd)
    xhat = (x64 - ref_mean.reshape(bshape)) * invstd.reshape(bshape)
    close(dbeta, dy.astype(np.float64).sum(axis=axes).astype(np.float32), rtol=1e-4, atol=1e-4)
    close(dgamma, (dy * xhat).sum(axis=axes).astype(np.float32), rtol=1e-4, atol=1e-4)
    m = x.size // c
    ref_dx = (gamma.reshape(bshape) * invstd.reshape(bshape) / m) * (
        m * dy - dy.sum(axis=axes, keepdims=True) - xhat * (dy * xhat).sum(axis=axes,
                                                                        keepdims=True))
    close(dx, ref_dx.astype(np.float32), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("n, k", [(50, 10), (3, 100)])
def test_softmax_cross_entropy_rows(call, rng, n, k):
    logits = rng.standard_normal((n, k))
    labels = rng.integers(0, k, n)
    labels[::7] = -100  # ignored rows too
    losses, probs, n_kept = call.softmax_cross_entropy_forward(logits, labels, -100)
    kept = labels != -100
    assert n_kept == kept.sum()
    shifted = logits - logits.max(axis=1, keepdims=True)
    ref_probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    close(probs, ref_probs, rtol=1e-10)
    rows = np.arange(n)[kept]
    close(losses[kept], -np.log(ref_probs[rows, labels[kept]]), rtol=1e-10)
    assert not losses[~kept].any()


def test_strided_operands_and_destinations(backend, rng):
    x = rng.standard_normal((6, 8))
    dx = backend.from_numpy(x.copy())  # (the CPU's from_numpy does not copy)
    t = backend.transpose(dx, (1, 0))
    col = backend.getitem(dx, (slice(1, 6, 2), slice(None, None, 3)))
    close(backend.to_numpy(backend.exp(t)), np.exp(x.T), rtol=1e-12)
    close(backend.to_numpy(backend.add(t, backend.getitem(t, (slice(None), slice(0, 1))))),
          x.T + x.T[:, :1], rtol=1e-12)
    close(backend.to_numpy(backend.sum(col, (0,), False)), x[1:6:2, ::3].sum(0), rtol=1e-12)
    backend.copy_(col, 0.5)
    x[1:6:2, ::3] = 0.5
    close(backend.to_numpy(dx), x)
    backend.lerp_(backend.transpose(dx, (1, 0)), backend.full((8, 6), 1.0, np.float64), 0.5)
    close(backend.to_numpy(dx), x * 0.5 + 0.5, rtol=1e-12)
    # a copy between overlapping views reads the source first
    backend.copy_(backend.getitem(dx, (slice(1, None),)), backend.getitem(dx, (slice(0, -1),)))
    expected = x * 0.5 + 0.5
    expected[1:] = expected[:-1].copy()
    close(backend.to_numpy(dx), expected)

"""Fused softmax cross-entropy primitives (kernels/<device>/softmax_ce.py)
against a plain NumPy reference, on every tested device."""

import numpy as np
import pytest

DTYPES = [np.float32, np.float64]
N, K = 6, 5
IGNORE = -100  # PyTorch's default ignore_index: no label equals it


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def ref_forward(logits, labels):
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=1))
    losses = lse - z[np.arange(len(labels)), labels]
    probs = np.exp(z - lse[:, None])
    return losses, probs


def ref_backward(probs, labels, grad_losses):
    onehot = np.zeros(probs.shape)
    onehot[np.arange(len(labels)), labels] = 1.0
    return (probs.astype(np.float64) - onehot) * grad_losses.astype(np.float64)[:, None]


@pytest.fixture
def rng():
    return np.random.default_rng(3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_dtype", [np.int64, np.int32, np.uint8])
def test_forward_matches_reference(call, rng, dtype, label_dtype):
    logits = (rng.standard_normal((N, K)) * 3).astype(dtype)
    labels = rng.integers(0, K, N).astype(label_dtype)
    losses, probs, _ = call.softmax_cross_entropy_forward(logits, labels, IGNORE)
    rl, rp = ref_forward(logits, labels)
    assert losses.shape == (N,) and probs.shape == (N, K)
    assert losses.dtype == probs.dtype == dtype
    np.testing.assert_allclose(losses, rl, **tol(dtype))
    np.testing.assert_allclose(probs, rp, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_is_stable_for_huge_logits(call, rng, dtype):
    logits = rng.choice([-1e4, 1e4], size=(N, K)) + rng.standard_normal((N, K))
    logits[0] = 1e4  # a row of equal huge logits
    logits[1] = -1e4
    logits = logits.astype(dtype)
    labels = rng.integers(0, K, N)
    losses, probs, _ = call.softmax_cross_entropy_forward(logits, labels, IGNORE)
    assert np.all(np.isfinite(losses)) and np.all(np.isfinite(probs))
    rl, rp = ref_forward(logits, labels)
    np.testing.assert_allclose(losses, rl, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-4)
    np.testing.assert_allclose(probs, rp, **tol(dtype))
    np.testing.assert_allclose(losses[:2], np.log(K), rtol=1e-6)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_matches_reference(call, rng, dtype):
    logits = rng.standard_normal((N, K)).astype(dtype)
    labels = rng.integers(0, K, N).astype(np.int32)
    grad_losses = rng.standard_normal(N).astype(dtype)
    _, probs, _ = call.softmax_cross_entropy_forward(logits, labels, IGNORE)
    dlogits = call.softmax_cross_entropy_backward(probs, labels, IGNORE, grad_losses)
    assert dlogits.shape == (N, K) and dlogits.dtype == dtype
    np.testing.assert_allclose(dlogits, ref_backward(probs, labels, grad_losses), **tol(dtype))


def test_backward_matches_finite_differences(call, rng):
    logits = rng.standard_normal((N, K))
    labels = rng.integers(0, K, N)
    weights = rng.standard_normal(N)

    def loss():
        losses = call.softmax_cross_entropy_forward(logits, labels, IGNORE)[0]
        return float(np.dot(losses, weights))

    _, probs, _ = call.softmax_cross_entropy_forward(logits, labels, IGNORE)
    dlogits = call.softmax_cross_entropy_backward(probs, labels, IGNORE, weights)
    numeric = np.empty_like(logits)
    h = 1e-6
    for idx in np.ndindex(logits.shape):
        old = logits[idx]
        logits[idx] = old + h
        up = loss()
        logits[idx] = old - h
        down = loss()
        logits[idx] = old
        numeric[idx] = (up - down) / (2 * h)
    np.testing.assert_allclose(dlogits, numeric, rtol=1e-6, atol=1e-8)


def test_non_contiguous_and_repeatable(call, rng):
    base = rng.standard_normal((K, N)).astype(np.float32)
    logits = base.T  # (N, K), not C-contiguous
    labels = rng.integers(0, K, N)
    first = call.softmax_cross_entropy_forward(logits, labels, IGNORE)
    again = call.softmax_cross_entropy_forward(np.ascontiguousarray(logits), labels, IGNORE)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_ignored_rows_have_no_loss_and_no_gradient(call, rng, dtype, ignore_index):
    logits = rng.standard_normal((N, K)).astype(dtype)
    labels = np.array([0, ignore_index, 4, ignore_index, 1, 3])
    kept = labels != ignore_index
    grad_losses = rng.standard_normal(N).astype(dtype)
    losses, probs, n_kept = call.softmax_cross_entropy_forward(logits, labels, ignore_index)
    assert n_kept.shape == () and n_kept.dtype == dtype and n_kept == kept.sum()
    rl, rp = ref_forward(logits[kept], labels[kept])
    np.testing.assert_allclose(losses[kept], rl, **tol(dtype))
    np.testing.assert_array_equal(losses[~kept], 0)
    np.testing.assert_allclose(probs[kept], rp, **tol(dtype))
    dlogits = call.softmax_cross_entropy_backward(probs, labels, ignore_index, grad_losses)
    np.testing.assert_allclose(dlogits[kept], ref_backward(probs[kept], labels[kept],
                                                           grad_losses[kept]), **tol(dtype))
    np.testing.assert_array_equal(dlogits[~kept], 0)
    # every label ignored: nothing kept
    all_ignored = np.full(N, ignore_index)
    losses, _, n_kept = call.softmax_cross_entropy_forward(logits, all_ignored, ignore_index)
    assert n_kept == 0 and not losses.any()


# ----------------------------------------------------------------------------- errors


def test_errors_forward(call, device, rng):
    logits = rng.standard_normal((N, K))
    labels = rng.integers(0, K, N)
    def f(logits, labels):
        return call.softmax_cross_entropy_forward(logits, labels, IGNORE)

    name = "softmax_cross_entropy_forward"
    with pytest.raises(TypeError, match="float32 or float64"):
        f(logits.astype(np.int64), labels)
    with pytest.raises(TypeError, match="labels must have an integer dtype, got float64"):
        f(logits, labels.astype(np.float64))
    with pytest.raises(ValueError, match=rf"{name}: logits must have shape \(N, K\)"):
        f(logits[0], labels)
    with pytest.raises(ValueError, match=f"{name}: empty batch"):
        f(logits[:0], labels[:0])
    with pytest.raises(ValueError, match=f"{name}: logits has no classes"):
        f(logits[:, :0], labels)
    with pytest.raises(ValueError, match=r"labels must have shape \(N,\) = \(6,\), got shape"):
        f(logits, labels[:5])
    bad = labels.copy()
    bad[3] = K
    if device != "cpu":
        # device labels are not read back (the api layer checks host labels): a label
        # out of range gives that row a NaN loss, and the kernel reads nothing outside
        bad[1] = -1
        losses, probs, _ = f(logits, bad)
        assert np.isnan(losses[[1, 3]]).all() and np.isfinite(np.delete(losses, [1, 3])).all()
        np.testing.assert_allclose(probs.sum(1), 1.0)
        losses, _, _ = f(logits, labels.astype(np.uint64) + np.uint64(2**63))
        assert np.isnan(losses).all()
        return
    with pytest.raises(ValueError, match=rf"{name}: label 5 is out of range \[0, 5\)"):
        f(logits, bad)
    bad[3] = -1
    with pytest.raises(ValueError, match=r"label -1 is out of range"):
        f(logits, bad)
    with pytest.raises(ValueError, match="out of range"):
        f(logits, labels.astype(np.uint64) + np.uint64(2**63))
    with pytest.raises(TypeError, match=f"{name}: ignore_index must be an integer"):
        call.softmax_cross_entropy_forward(logits, labels, 1.5)
    with pytest.raises(ValueError, match=f"{name}: ignore_index 9223372036854775808 does not"):
        call.softmax_cross_entropy_forward(logits, labels, 2**63)


def test_errors_backward(call, array_type, rng):
    probs = np.full((N, K), 1.0 / K)
    labels = rng.integers(0, K, N)
    g = np.ones(N)
    def f(probs, labels, grad_losses):
        return call.softmax_cross_entropy_backward(probs, labels, IGNORE, grad_losses)

    name = "softmax_cross_entropy_backward"
    with pytest.raises(TypeError, match="grad_losses dtype float32 does not match probs dtype"):
        f(probs, labels, g.astype(np.float32))
    with pytest.raises(ValueError, match=rf"{name}: grad_losses must have shape \(N,\) = \(6,\)"):
        f(probs, labels, g[:, None])
    if array_type == "numpy.ndarray":
        with pytest.raises(ValueError, match=f"{name}: label 7 is out of range"):
            f(probs, np.full(N, 7), g)
    else:
        assert np.isnan(f(probs, np.full(N, 7), g)).all()
    with pytest.raises(TypeError, match=f"grad_losses must be a {array_type}"):
        f(probs, labels, 1.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_logits_forward_and_backward(call, device, dtype):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 4)).astype(dtype)
    logits[0] = [1e4, -1e4, 0, 5e3]
    labels = np.array([1, 0, 3, 2, 1], dtype=np.int64)
    losses, probs, _ = call.softmax_cross_entropy_forward(logits, labels, IGNORE)
    rl, rp = ref_forward(logits, labels)
    for got, want in ((losses, rl), (probs, rp)):
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    grads = rng.standard_normal(5).astype(dtype)
    np.testing.assert_allclose(call.softmax_cross_entropy_backward(probs, labels, IGNORE, grads),
                               ref_backward(probs, labels, grads), rtol=1e-4, atol=1e-5)
    if device == "cpu":
        with pytest.raises(ValueError, match="out of range"):
            call.softmax_cross_entropy_forward(logits, np.array([0, 1, 2, 3, 4]), IGNORE)

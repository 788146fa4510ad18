"""Batch-norm primitives (kernels/<device>/batchnorm.py) against plain NumPy
references and finite differences, on every tested device."""

import numpy as np
import pytest

from minidl.kernels.cpu import batchnorm as cpu_batchnorm

DTYPES = [np.float32, np.float64]
# (N, C) and (N, C, H, W); small, and reused everywhere so few specialisations compile
SHAPES = [(7, 5), (3, 4, 5, 3)]
EPS = 1e-5


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def axes_of(x):
    return (0,) if x.ndim == 2 else (0, 2, 3)


def per_channel(v, x):
    """(C,) -> broadcastable against x."""
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


def ref_forward_train(x, gamma, beta, eps):
    x = x.astype(np.float64)
    ax = axes_of(x)
    mean = x.mean(axis=ax)
    var = ((x - per_channel(mean, x)) ** 2).mean(axis=ax)
    invstd = 1.0 / np.sqrt(var + eps)
    xhat = (x - per_channel(mean, x)) * per_channel(invstd, x)
    y = per_channel(gamma.astype(np.float64), x) * xhat + per_channel(beta.astype(np.float64), x)
    return y, mean, var, invstd


def ref_forward_eval(x, gamma, beta, rmean, rvar, eps):
    x = x.astype(np.float64)
    xhat = (x - per_channel(rmean.astype(np.float64), x)) / np.sqrt(
        per_channel(rvar.astype(np.float64), x) + eps
    )
    return per_channel(gamma.astype(np.float64), x) * xhat + per_channel(
        beta.astype(np.float64), x
    )


def ref_backward(dy, x, gamma, mean, invstd):
    dy, x = dy.astype(np.float64), x.astype(np.float64)
    mean, invstd, gamma = (a.astype(np.float64) for a in (mean, invstd, gamma))
    ax = axes_of(x)
    m = x.size // x.shape[1]
    xhat = (x - per_channel(mean, x)) * per_channel(invstd, x)
    dbeta = dy.sum(axis=ax)
    dgamma = (dy * xhat).sum(axis=ax)
    dx = per_channel(gamma * invstd / m, x) * (
        m * dy - per_channel(dbeta, x) - xhat * per_channel(dgamma, x)
    )
    return dx, dgamma, dbeta


def ref_backward_eval(dy, x, gamma, rmean, rvar, eps):
    dy, x = dy.astype(np.float64), x.astype(np.float64)
    ax = axes_of(x)
    inv = 1.0 / np.sqrt(rvar.astype(np.float64) + eps)
    xhat = (x - per_channel(rmean.astype(np.float64), x)) * per_channel(inv, x)
    dx = dy * per_channel(gamma.astype(np.float64) * inv, x)
    return dx, (dy * xhat).sum(axis=ax), dy.sum(axis=ax)


def make_inputs(rng, shape, dtype):
    c = shape[1]
    x = (rng.standard_normal(shape) * 2.0 + 0.5).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, c).astype(dtype)
    beta = rng.standard_normal(c).astype(dtype)
    return x, gamma, beta


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_train_matches_reference(call, rng, shape, dtype):
    x, gamma, beta = make_inputs(rng, shape, dtype)
    y, mean, var, invstd = call.batch_norm_forward_train(x, gamma, beta, EPS)
    ry, rmean, rvar, rinv = ref_forward_train(x, gamma, beta, EPS)
    assert y.shape == shape and y.dtype == dtype
    for got, want in [(mean, rmean), (var, rvar), (invstd, rinv)]:
        assert got.shape == (shape[1],) and got.dtype == np.float64  # statistics stay float64
        np.testing.assert_allclose(got, want, **tol(dtype))
    np.testing.assert_allclose(y, ry, **tol(dtype))


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_train_none_gamma_beta(call, rng, shape):
    x, _, _ = make_inputs(rng, shape, np.float64)
    y, _, _, _ = call.batch_norm_forward_train(x, None, None, EPS)
    ones, zeros = np.ones(shape[1]), np.zeros(shape[1])
    np.testing.assert_allclose(y, ref_forward_train(x, ones, zeros, EPS)[0], **tol(np.float64))


def test_forward_train_is_stable_for_large_mean(call):
    # E[x^2] - E[x]^2 would lose every digit of the variance here
    rng = np.random.default_rng(0)
    x = 1e8 + rng.standard_normal((3, 4, 5, 3))
    _, mean, var, _ = call.batch_norm_forward_train(x, None, None, 0.0)
    _, rmean, rvar, _ = ref_forward_train(x, np.ones(4), np.zeros(4), 0.0)
    np.testing.assert_allclose(var, rvar, rtol=1e-7)
    np.testing.assert_allclose(mean, rmean, rtol=1e-14)


def test_forward_train_accepts_non_contiguous(call, rng):
    base = rng.standard_normal((5, 7))
    x = base.T  # (7, 5), Fortran-ordered view
    y, *_ = call.batch_norm_forward_train(x, None, None, EPS)
    y2, *_ = call.batch_norm_forward_train(np.ascontiguousarray(x), None, None, EPS)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_eval_matches_reference(call, rng, shape, dtype):
    x, gamma, beta = make_inputs(rng, shape, dtype)
    rmean = rng.standard_normal(shape[1]).astype(dtype)
    rvar = rng.uniform(0.5, 2.0, shape[1]).astype(dtype)
    y = call.batch_norm_forward_eval(x, gamma, beta, rmean, rvar, EPS)
    assert y.shape == shape and y.dtype == dtype
    np.testing.assert_allclose(y, ref_forward_eval(x, gamma, beta, rmean, rvar, EPS), **tol(dtype))
    y_none = call.batch_norm_forward_eval(x, None, None, rmean, rvar, EPS)
    ones, zeros = np.ones(shape[1], dtype), np.zeros(shape[1], dtype)
    np.testing.assert_allclose(
        y_none, ref_forward_eval(x, ones, zeros, rmean, rvar, EPS), **tol(dtype)
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_formula(call, rng, shape, dtype):
    x, gamma, beta = make_inputs(rng, shape, dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    _, mean, _, invstd = call.batch_norm_forward_train(x, gamma, beta, EPS)
    dx, dgamma, dbeta = call.batch_norm_backward(dy, x, gamma, mean, invstd)
    rdx, rdgamma, rdbeta = ref_backward(dy, x, gamma, mean, invstd)
    assert dx.shape == shape and dx.dtype == dtype
    assert dgamma.shape == dbeta.shape == (shape[1],)
    assert dgamma.dtype == dbeta.dtype == dtype
    np.testing.assert_allclose(dx, rdx, **tol(dtype))
    np.testing.assert_allclose(dgamma, rdgamma, **tol(dtype))
    np.testing.assert_allclose(dbeta, rdbeta, **tol(dtype))
    dx_none, _, _ = call.batch_norm_backward(dy, x, None, mean, invstd)
    rdx_none, _, _ = ref_backward(dy, x, np.ones(shape[1], dtype), mean, invstd)
    np.testing.assert_allclose(dx_none, rdx_none, **tol(dtype))


def numeric_grad(f, a, h=1e-6):
    """Central differences of scalar f() with respect to every element of a (in place)."""
    grad = np.empty_like(a)
    flat, gflat = a.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        up = f()
        flat[k] = old - h
        down = f()
        flat[k] = old
        gflat[k] = (up - down) / (2 * h)
    return grad


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 2, 2)])
def test_backward_matches_finite_differences(call, rng, shape):
    x, gamma, beta = make_inputs(rng, shape, np.float64)
    proj = rng.standard_normal(shape)

    def loss():
        return float(np.sum(call.batch_norm_forward_train(x, gamma, beta, EPS)[0] * proj))

    _, mean, _, invstd = call.batch_norm_forward_train(x, gamma, beta, EPS)
    dx, dgamma, dbeta = call.batch_norm_backward(proj, x, gamma, mean, invstd)
    np.testing.assert_allclose(dx, numeric_grad(loss, x), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dgamma, numeric_grad(loss, gamma), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dbeta, numeric_grad(loss, beta), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_eval_matches_formula(call, rng, shape, dtype):
    x, gamma, _ = make_inputs(rng, shape, dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    rmean = rng.standard_normal(shape[1]).astype(dtype)
    rvar = rng.uniform(0.5, 2.0, shape[1]).astype(dtype)
    got = call.batch_norm_backward_eval(dy, x, gamma, rmean, rvar, EPS)
    want = ref_backward_eval(dy, x, gamma, rmean, rvar, EPS)
    for g, w in zip(got, want):
        assert g.dtype == dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, **tol(dtype))


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 2, 2)])
def test_backward_eval_matches_finite_differences(call, rng, shape):
    x, gamma, beta = make_inputs(rng, shape, np.float64)
    rmean = rng.standard_normal(shape[1])
    rvar = rng.uniform(0.5, 2.0, shape[1])
    proj = rng.standard_normal(shape)

    def loss():
        return float(np.sum(call.batch_norm_forward_eval(x, gamma, beta, rmean, rvar, EPS) * proj))

    dx, dgamma, dbeta = call.batch_norm_backward_eval(proj, x, gamma, rmean, rvar, EPS)
    np.testing.assert_allclose(dx, numeric_grad(loss, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dgamma, numeric_grad(loss, gamma), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dbeta, numeric_grad(loss, beta), rtol=1e-6, atol=1e-8)


def test_nc_parallel_blocks_match_serial_bitwise(rng, monkeypatch, cpu_pool):
    """CPU: large (N, C) inputs split the columns into blocks run in parallel; the split must
    not change a single bit.  37 columns: the one-block run vectorises across columns,
    the 5-column blocks run scalar.  (float64 only: the kernels are dtype-agnostic.)"""
    shape = (6, 37)
    x, gamma, beta = make_inputs(rng, shape, np.float64)
    dy = rng.standard_normal(shape)
    previous = cpu_pool.set_num_threads(1)
    fwd = cpu_batchnorm.batch_norm_forward_train(x, gamma, beta, EPS)
    fwd_eval = cpu_batchnorm.batch_norm_forward_eval(x, gamma, beta, fwd[1], fwd[2], EPS)
    bwd = cpu_batchnorm.batch_norm_backward(dy, x, gamma, fwd[1], fwd[3])
    bwd_eval = cpu_batchnorm.batch_norm_backward_eval(dy, x, gamma, fwd[1], fwd[2], EPS)
    cpu_pool.set_num_threads(previous)
    monkeypatch.setattr(cpu_batchnorm, "_NC_GROUP", 5)
    assert cpu_pool.chunk_count(8, x.size, per_thread=1) == 4
    fwd_par = cpu_batchnorm.batch_norm_forward_train(x, gamma, beta, EPS)
    fwd_eval_par = cpu_batchnorm.batch_norm_forward_eval(x, gamma, beta, fwd[1], fwd[2], EPS)
    bwd_par = cpu_batchnorm.batch_norm_backward(dy, x, gamma, fwd[1], fwd[3])
    bwd_eval_par = cpu_batchnorm.batch_norm_backward_eval(dy, x, gamma, fwd[1], fwd[2], EPS)
    serial = fwd + (fwd_eval,) + bwd + bwd_eval
    parallel = fwd_par + (fwd_eval_par,) + bwd_par + bwd_eval_par
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", SHAPES)
def test_repeat_runs_are_bitwise_identical(call, rng, shape):
    x, gamma, beta = make_inputs(rng, shape, np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    first = call.batch_norm_forward_train(x, gamma, beta, EPS)
    first_b = call.batch_norm_backward(dy, x, gamma, first[1], first[3])
    for _ in range(3):
        for a, b in zip(first, call.batch_norm_forward_train(x, gamma, beta, EPS)):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(first_b, call.batch_norm_backward(dy, x, gamma, first[1], first[3])):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 3, 2)])
def test_large_mean_small_spread(call, rng, shape, dtype):
    """|mean| >> std: the two-pass statistics keep the normalised values exact."""
    c = shape[1]
    x = (rng.standard_normal(shape) * 3 + 100).astype(dtype)
    gamma, beta = rng.standard_normal(c).astype(dtype), rng.standard_normal(c).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    for g, b in ((gamma, beta), (None, None)):
        ones, zeros = np.ones(c, dtype), np.zeros(c, dtype)
        g_ref, b_ref = (gamma, beta) if g is not None else (ones, zeros)
        got = call.batch_norm_forward_train(x, g, b, EPS)
        want = ref_forward_train(x, g_ref, b_ref, EPS)
        for o, r in zip(got, want):
            np.testing.assert_allclose(o, r, rtol=1e-4, atol=1e-4)
        mean, invstd = got[1], got[3]
        got = call.batch_norm_backward(dy, x, g, mean, invstd)
        for o, r in zip(got, ref_backward(dy, x, g_ref, mean, invstd)):
            np.testing.assert_allclose(o, r, rtol=1e-3, atol=1e-4)
    rm = (rng.standard_normal(c) + 100).astype(dtype)
    rv = (np.abs(rng.standard_normal(c)) + 0.5).astype(dtype)
    np.testing.assert_allclose(call.batch_norm_forward_eval(x, gamma, beta, rm, rv, EPS),
                               ref_forward_eval(x, gamma, beta, rm, rv, EPS), atol=1e-4)
    got = call.batch_norm_backward_eval(dy, x, gamma, rm, rv, EPS)
    for o, r in zip(got, ref_backward_eval(dy, x, gamma, rm, rv, EPS)):
        np.testing.assert_allclose(o, r, rtol=1e-3, atol=1e-4)


# ----------------------------------------------------------------------------- errors


def test_errors_forward_train(call, array_type, rng):
    x, gamma, beta = make_inputs(rng, SHAPES[1], np.float32)
    f = call.batch_norm_forward_train
    with pytest.raises(TypeError, match="float32 or float64"):
        f(x.astype(np.int32), None, None, EPS)
    with pytest.raises(TypeError, match=array_type):
        f(x.tolist(), None, None, EPS)
    with pytest.raises(ValueError, match=r"batch_norm_forward_train.*\(N, C\) or \(N, C, H, W\)"):
        f(x[0], None, None, EPS)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        f(x[:1, :, :1, :1], None, None, EPS)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        f(x[:1, :, 0, 0], None, None, EPS)
    with pytest.raises(ValueError, match="empty batch"):
        f(x[:0], None, None, EPS)
    with pytest.raises(ValueError, match=r"gamma must have shape \(C,\) = \(4,\).*\(3,\)"):
        f(x, gamma[:3], beta, EPS)
    with pytest.raises(TypeError, match="beta dtype float64 does not match x dtype float32"):
        f(x, gamma, beta.astype(np.float64), EPS)
    with pytest.raises(ValueError, match="eps"):
        f(x, gamma, beta, -1.0)


def test_errors_forward_eval(call, device, rng):
    x, gamma, beta = make_inputs(rng, SHAPES[0], np.float64)
    rmean, rvar = np.zeros(5), np.ones(5)
    f = call.batch_norm_forward_eval
    with pytest.raises(TypeError, match="running_mean"):
        f(x, gamma, beta, None, rvar, EPS)
    with pytest.raises(ValueError, match="running_var must have shape"):
        f(x, gamma, beta, rmean, rvar[:4], EPS)
    if device == "cpu":
        with pytest.raises(ValueError, match="running_var \\+ eps must be > 0"):
            f(x, gamma, beta, rmean, -rvar, EPS)
    else:
        # the device launcher does not read running_var back: NaN, as PyTorch on a GPU
        assert np.isnan(f(x, gamma, beta, rmean, -rvar, EPS)).all()
    with pytest.raises(TypeError, match="float32 or float64"):
        f(x.astype(np.float16), gamma, beta, rmean, rvar, EPS)


def test_errors_backward(call, rng):
    x, gamma, _ = make_inputs(rng, SHAPES[1], np.float64)
    mean, invstd = np.zeros(4), np.ones(4)
    f = call.batch_norm_backward
    with pytest.raises(ValueError, match=r"batch_norm_backward: dy shape \(3, 4, 5, 2\)"):
        f(x[..., :2], x, gamma, mean, invstd)
    with pytest.raises(TypeError, match="dy dtype float32 does not match x dtype float64"):
        f(x.astype(np.float32), x, gamma, mean, invstd)
    with pytest.raises(ValueError, match="invstd must have shape"):
        f(x, x, gamma, mean, invstd[:2])
    with pytest.raises(TypeError, match="mean"):
        f(x, x, gamma, None, invstd)
    with pytest.raises(ValueError, match="batch_norm_backward_eval: eps"):
        call.batch_norm_backward_eval(x, x, gamma, mean, invstd, float("nan"))
    with pytest.raises(ValueError, match="batch_norm_backward_eval: dy shape"):
        call.batch_norm_backward_eval(x[:2], x, gamma, mean, invstd, EPS)


def test_errors_of_device_arrays(call, array_type, rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    f = call.batch_norm_forward_train
    with pytest.raises(ValueError, match="shape"):
        f(x, rng.standard_normal(2).astype(np.float32), None, EPS)
    with pytest.raises(TypeError, match="dtype"):
        f(x, rng.standard_normal(3), None, EPS)
    with pytest.raises(ValueError, match="more than 1 value"):
        f(x[:1], None, None, EPS)
    with pytest.raises(TypeError, match=array_type):
        call.batch_norm_forward_train(x, x[0].tolist(), None, EPS)
    if array_type == "numpy.ndarray":
        with pytest.raises(ValueError, match="running_var"):
            call.batch_norm_forward_eval(x, None, None, np.zeros(3, np.float32),
                                         -np.ones(3, np.float32), EPS)

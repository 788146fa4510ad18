"""Every elementwise, reduction and shape op: forward against NumPy and
backward against central differences (float64), on every test device."""

import numpy as np
import pytest

import minidl as mdl
from helpers import assert_close, check_gradients, t32, t64

SHAPE = (3, 4)

# name -> (minidl function, numpy reference, input transform keeping it in domain)
UNARY = {
    "neg": (lambda x: -x, lambda a: -a, None),
    "exp": (lambda x: x.exp(), np.exp, None),
    "log": (lambda x: x.log(), np.log, lambda a: np.abs(a) + 0.5),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, lambda a: np.abs(a) + 0.5),
    "abs": (lambda x: x.abs(), np.abs, lambda a: a + np.sign(a) * 0.1),
    "sigmoid": (lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), None),
    "relu": (lambda x: x.relu(), lambda a: np.maximum(a, 0), lambda a: a + np.sign(a) * 0.1),
    "tanh": (lambda x: x.tanh(), np.tanh, None),
    "pow2": (lambda x: x ** 2, lambda a: a ** 2, None),
    "pow_half": (lambda x: x ** 0.5, np.sqrt, lambda a: np.abs(a) + 0.5),
    "rsub": (lambda x: 2 - x, lambda a: 2 - a, None),
    "rdiv": (lambda x: 1 / x, lambda a: 1 / a, lambda a: np.abs(a) + 0.5),
    "clip": (lambda x: x.clip(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5),
             lambda a: np.where(np.abs(np.abs(a) - 0.5) < 0.05, a + 0.2, a)),
}

BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a ** b, np.power),
    "maximum": (lambda a, b: a.maximum(b), np.maximum),
}

# broadcasting pairs: (shape of a, shape of b)
BROADCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1))]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_and_gradient(name, device, rng):
    fn, reference, domain = UNARY[name]
    a = rng.standard_normal(SHAPE)
    if domain is not None:
        a = domain(a)
    x32 = t32(a, device)
    assert x32.dtype == mdl.float32
    out = fn(x32)
    assert out.dtype == mdl.float32 and out.device == device
    assert_close(out, reference(a.astype(np.float32)).astype(np.float32))
    check_gradients(fn, t64(a, device))


@pytest.mark.parametrize("shapes", BROADCAST, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_forward_and_gradient(name, shapes, device, rng):
    fn, reference = BINARY[name]
    a = rng.standard_normal(shapes[0])
    b = rng.standard_normal(shapes[1])
    if name in ("div", "pow"):
        b = np.abs(b) + 0.5
    if name == "pow":
        a = np.abs(a) + 0.5
    if name == "maximum":
        b = b + 0.05  # keep ties away from the finite differences
    assert_close(fn(t32(a, device), t32(b, device)),
                 reference(a.astype(np.float32), b.astype(np.float32)))
    assert_close(fn(t64(a, device), t64(b, device)), reference(a, b), np.float64)
    check_gradients(fn, t64(a, device), t64(b, device))


def test_scalar_operands_keep_float32(device):
    x = mdl.ones(2, 2, device=device)
    for out in (x + 1, 1 + x, x * 2.5, x / 3, 3 / x, x - 1, x ** 2, np.float64(2.0) * x):
        assert out.dtype == mdl.float32


def test_numpy_array_on_the_left_defers_to_tensor(device):
    x = mdl.ones(2, 2, device=device)
    out = np.ones((2, 2)) + x
    assert isinstance(out, mdl.Tensor)
    assert_close(out, np.full((2, 2), 2.0))


REDUCTIONS = {
    "sum": (lambda x, **k: x.sum(**k), lambda a, **k: a.sum(**k)),
    "mean": (lambda x, **k: x.mean(**k), lambda a, **k: a.mean(**k)),
    "amax": (lambda x, **k: x.amax(**k), lambda a, **k: a.max(**k)),
    "amin": (lambda x, **k: x.amin(**k), lambda a, **k: a.min(**k)),
    # PyTorch's var is unbiased by default: NumPy's ddof=1
    "var": (lambda x, **k: x.var(**k), lambda a, **k: a.var(ddof=1, **k)),
    "std": (lambda x, **k: x.std(**k), lambda a, **k: a.std(ddof=1, **k)),
}


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(name, axis, keepdims, device, rng):
    fn, reference = REDUCTIONS[name]
    a = rng.standard_normal((2, 3, 4))
    out = fn(t32(a, device), axis=axis, keepdims=keepdims)
    expected = reference(a.astype(np.float32), axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    assert_close(out, expected)
    check_gradients(lambda x: fn(x, axis=axis, keepdims=keepdims), t64(a, device))


@pytest.mark.parametrize("smallest", [False, True])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_max_and_min_along_a_dim_return_values_and_indices(dim, keepdim, smallest, device,
                                                           rng):
    a = rng.standard_normal((3, 4))
    x = t32(a, device)
    values, indices = x.min(dim, keepdim) if smallest else x.max(dim, keepdim)
    pick = np.argmin if smallest else np.argmax
    expected_indices = pick(a, axis=dim)
    expected_values = np.take_along_axis(a, np.expand_dims(expected_indices, dim), dim)
    if not keepdim:
        expected_values = np.squeeze(expected_values, dim)
    else:
        expected_indices = np.expand_dims(expected_indices, dim)
    assert indices.dtype == mdl.int64
    np.testing.assert_array_equal(indices.numpy(), expected_indices)
    assert_close(values, expected_values.astype(np.float32))
    # the common x.max(1)[1]: the predicted classes
    result = x.min(dim, keepdim) if smallest else x.max(dim, keepdim)
    np.testing.assert_array_equal(result[1].numpy(), expected_indices)
    np.testing.assert_array_equal(result.indices.numpy(), expected_indices)
    check_gradients(lambda t: (t.min(dim, keepdim) if smallest else t.max(dim, keepdim))[0],
                    t64(a, device))


def test_max_along_a_dim_sends_the_gradient_to_the_first_maximum(device):
    x = t64([[1.0, 3.0, 3.0]], device)
    x.max(1).values.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 1.0, 0.0]])


def test_var_is_unbiased_by_default_and_takes_a_correction(device):
    a = np.array([[1.0, 2.0, 4.0], [0.0, 0.5, 3.0]])
    x = t64(a, device, requires_grad=False)
    assert_close(x.var(), a.var(ddof=1), np.float64)
    assert_close(x.var(1), a.var(axis=1, ddof=1), np.float64)
    assert_close(x.var(1, unbiased=False), a.var(axis=1), np.float64)
    assert_close(x.var(1, correction=0), a.var(axis=1), np.float64)
    assert_close(x.std(0, keepdim=True), a.std(axis=0, ddof=1, keepdims=True), np.float64)
    assert np.isnan(t64([1.0], device).var().item())  # no degrees of freedom: nan


def test_dim_alias_and_keepdim(device):
    a = np.arange(6.0).reshape(2, 3)
    x = t32(a, device)
    assert_close(x.sum(dim=1, keepdim=True), a.sum(axis=1, keepdims=True))
    assert_close(x.mean(dim=0), a.mean(axis=0))


def test_full_max_splits_gradient_between_ties(device):
    x = t64([[1.0, 3.0, 3.0]], device)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.5, 0.5]])


def test_matmul(device, rng):
    a = rng.standard_normal((3, 4))
    b = rng.standard_normal((4, 5))
    assert_close(t32(a, device) @ t32(b, device),
                 a.astype(np.float32) @ b.astype(np.float32))
    check_gradients(lambda x, y: x @ y, t64(a, device), t64(b, device))
    batched = rng.standard_normal((2, 3, 4))
    check_gradients(lambda x, y: x @ y, t64(batched, device), t64(b, device))


def test_matmul_shape_errors_name_both_shapes(device):
    with pytest.raises(RuntimeError, match=r"\(3, 4\).*\(5, 2\)"):
        mdl.ones(3, 4, device=device) @ mdl.ones(5, 2, device=device)
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        mdl.tensor(1.0, device=device) @ mdl.ones(3, 2, device=device)


def test_broadcast_error_names_op_and_shapes(device):
    with pytest.raises(RuntimeError, match=r"add: the shapes \(3, 4\) and \(3,\)"):
        mdl.ones(3, 4, device=device) + mdl.ones(3, device=device)


SHAPE_OPS = {
    "reshape": (lambda x: x.reshape(4, 6), lambda a: a.reshape(4, 6)),
    "reshape_infer": (lambda x: x.reshape(-1, 3), lambda a: a.reshape(-1, 3)),
    "transpose_two": (lambda x: x.transpose(0, 2), lambda a: np.swapaxes(a, 0, 2)),
    "transpose_last": (lambda x: x.transpose(-1, 1), lambda a: np.swapaxes(a, 2, 1)),
    "unsqueeze": (lambda x: x.unsqueeze(1), lambda a: a[:, None]),
    "squeeze": (lambda x: x[:, :1].squeeze(1), lambda a: a[:, 0]),
    "permute": (lambda x: x.permute(1, 2, 0), lambda a: a.transpose(1, 2, 0)),
    "T": (lambda x: x.T, lambda a: a.T),
    "flatten": (lambda x: x.flatten(), lambda a: a.reshape(-1)),
    "flatten_1": (lambda x: x.flatten(1), lambda a: a.reshape(2, -1)),
    "slice": (lambda x: x[1:, ::2], lambda a: a[1:, ::2]),
    "int_index": (lambda x: x[0, 1], lambda a: a[0, 1]),
    "newaxis": (lambda x: x[None, ..., 1], lambda a: a[None, ..., 1]),
    "negative_index": (lambda x: x[-1], lambda a: a[-1]),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_ops(name, device, rng):
    fn, reference = SHAPE_OPS[name]
    a = rng.standard_normal((2, 3, 4))
    out = fn(t32(a, device))
    expected = reference(a.astype(np.float32))
    assert out.shape == expected.shape
    assert_close(out, expected)
    check_gradients(lambda x: fn(x) * 1.0, t64(a, device))


def test_cat_and_stack(device, rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    assert_close(mdl.cat([t32(a, device), t32(b, device)]),
                 np.concatenate([a, b]).astype(np.float32))
    check_gradients(lambda x, y: mdl.cat([x, y], axis=0), t64(a, device), t64(b, device))
    c = rng.standard_normal((2, 3))
    check_gradients(lambda x, y: mdl.cat([x, y], dim=1), t64(a, device), t64(c, device))
    assert_close(mdl.stack([t32(a, device), t32(c, device)], 1),
                 np.stack([a, c], 1).astype(np.float32))
    check_gradients(lambda x, y: mdl.stack([x, y], axis=2), t64(a, device), t64(c, device))


def test_cat_and_stack_errors(device):
    with pytest.raises(RuntimeError, match="cat: sizes of tensors must match"):
        mdl.cat([mdl.ones(2, 3, device=device), mdl.ones(2, 4, device=device)])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        mdl.stack([mdl.ones(2, device=device), mdl.ones(3, device=device)])
    with pytest.raises(ValueError, match="non-empty"):
        mdl.cat([])


def test_shape_errors(device):
    x = mdl.ones(2, 3, device=device)
    with pytest.raises(RuntimeError, match="reshape"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match="permute"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match="out of bounds"):
        x[5]
    with pytest.raises(IndexError, match="out of bounds"):
        x[[0, 2]].numpy()  # a GPU raises at the read
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(axis=2)


MORE = {
    "any": (lambda x: (x > 0.5).any(1), lambda a: (a > 0.5).any(1)),
    "all": (lambda x: (x > -2).all(), lambda a: np.array((a > -2).all())),
    "logsumexp": (lambda x: x.logsumexp(1), lambda a: np.log(np.exp(a).sum(1))),
    "norm": (lambda x: x.norm(), lambda a: np.sqrt((a * a).sum())),
    "norm-p3-dim": (lambda x: x.norm(p=3, dim=0), lambda a: (np.abs(a) ** 3).sum(0) ** (1 / 3)),
    "matmul-vec": (lambda x: x @ x[0], lambda a: a @ a[0]),
    "dot": (lambda x: mdl.dot(x[0], x[1]), lambda a: a[0] @ a[1]),
    "outer": (lambda x: mdl.outer(x[0], x[1]), lambda a: np.outer(a[0], a[1])),
    "einsum": (lambda x: mdl.einsum("ij,kj->ik", x, x), lambda a: a @ a.T),
    "einsum-diag": (lambda x: mdl.einsum("ii->i", x[:, :3]), lambda a: np.diag(a[:, :3])),
}


@pytest.mark.parametrize("name", sorted(MORE))
def test_more_reductions_and_products(name, device, rng):
    fn, reference = MORE[name]
    a = rng.standard_normal((3, 4))
    out = fn(t64(a, device, requires_grad=False))
    np.testing.assert_allclose(out.numpy(), reference(a), rtol=1e-10)
    if out.dtype.kind == "f":
        check_gradients(fn, t64(a, device))


ORDER = {
    "prod": (lambda x: x.prod(1), lambda a: a.prod(1)),
    "prod-all": (lambda x: x.prod(), lambda a: np.array(a.prod())),
    "cumsum": (lambda x: x.cumsum(0), lambda a: a.cumsum(0)),
    "cumprod": (lambda x: x.cumprod(1), lambda a: a.cumprod(1)),
    "sort": (lambda x: x.sort(1).values, lambda a: np.sort(a, 1)),
    "sort-descending": (lambda x: x.sort(0, descending=True).values, lambda a: -np.sort(-a, 0)),
    "topk": (lambda x: x.topk(2).values, lambda a: -np.sort(-a, 1)[:, :2]),
}


@pytest.mark.parametrize("name", sorted(ORDER))
def test_products_scans_and_sorting(name, device, rng):
    fn, reference = ORDER[name]
    a = rng.standard_normal((3, 4))
    a[1, 2] = 0.0  # products must stay exact through zeros
    np.testing.assert_allclose(fn(t64(a, device, requires_grad=False)).numpy(), reference(a),
                               rtol=1e-12)
    check_gradients(fn, t64(a, device))


def test_argsort_is_stable_and_puts_nan_last(device):
    x = mdl.tensor([[2.0, 1.0, 2.0, float("nan"), 1.0]], device=device)
    assert x.argsort(1).tolist() == [[1, 4, 0, 2, 3]]
    assert x.argsort(1, descending=True).tolist() == [[3, 0, 2, 1, 4]]
    long_row = mdl.tensor(np.arange(40)[::-1].copy() % 7, device=device)
    np.testing.assert_array_equal(long_row.argsort().numpy(),
                                  np.argsort(np.arange(40)[::-1] % 7, kind="stable"))

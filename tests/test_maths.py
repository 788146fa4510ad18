"""The elementwise maths library on every device: forward against NumPy and
Python's own integer arithmetic, values outside each function's domain,
PyTorch's dtype rules, backward by float64 gradcheck and second derivatives
by gradgradcheck (tests/conformance/test_maths.py compares with PyTorch)."""

import math

import numpy as np
import pytest

import minidl as mdl
from helpers import assert_close, check_gradients, t32, t64

RNG = np.random.default_rng(11)
WIDE = RNG.uniform(-3, 3, (3, 4))
UNIT = RNG.uniform(-0.9, 0.9, (3, 4))        # inside (-1, 1)
POSITIVE = RNG.uniform(0.2, 3, (3, 4))
ABOVE_ONE = RNG.uniform(1.2, 4, (3, 4))

erf_ref = np.vectorize(math.erf)
erfc_ref = np.vectorize(math.erfc)

# name -> (NumPy reference, input inside the domain)
UNARY = {
    "sin": (np.sin, WIDE), "cos": (np.cos, WIDE), "tan": (np.tan, UNIT),
    "asin": (np.arcsin, UNIT), "acos": (np.arccos, UNIT), "atan": (np.arctan, WIDE),
    "sinh": (np.sinh, WIDE), "cosh": (np.cosh, WIDE), "asinh": (np.arcsinh, WIDE),
    "acosh": (np.arccosh, ABOVE_ONE), "atanh": (np.arctanh, UNIT),
    "log2": (np.log2, POSITIVE), "log10": (np.log10, POSITIVE), "log1p": (np.log1p, UNIT),
    "expm1": (np.expm1, WIDE), "exp2": (np.exp2, WIDE), "rsqrt": (lambda a: 1 / np.sqrt(a),
                                                               POSITIVE),
    "reciprocal": (np.reciprocal, POSITIVE), "square": (np.square, WIDE),
    "erf": (erf_ref, WIDE), "erfc": (erfc_ref, WIDE),
    "frac": (lambda a: a - np.trunc(a), WIDE),
}
ROUNDING = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.rint,
            "sign": np.sign}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_and_gradient(name, device):
    reference, array = UNARY[name]
    fn = getattr(mdl, name)
    assert_close(fn(t64(array, device, requires_grad=False)), reference(array), np.float64)
    out32 = fn(t32(array, device))
    assert out32.dtype == mdl.float32
    assert_close(out32, reference(array.astype(np.float32)).astype(np.float32))
    check_gradients(fn, t64(array, device))
    # the method and the in-place form are the same function
    x = t64(array, device, requires_grad=False)
    assert_close(getattr(x, name)(), reference(array), np.float64)
    getattr(x, name + "_")()
    assert_close(x, reference(array), np.float64)


@pytest.mark.parametrize("name", sorted(ROUNDING))
def test_rounding_forward_and_zero_gradient(name, device):
    values = np.array([-2.5, -1.5, -0.5, -0.2, 0.0, 0.3, 0.5, 1.5, 2.5, 2.7, 1e17, -1e17])
    fn = getattr(mdl, name)
    for dtype in (np.float32, np.float64):
        out = fn(mdl.tensor(values.astype(dtype), device=device))
        assert out.dtype == dtype
        np.testing.assert_array_equal(out.numpy(), ROUNDING[name](values.astype(dtype)))
    x = t64(WIDE, device)
    (grad,) = mdl.autograd.grad(fn(x).sum(), x)
    np.testing.assert_array_equal(grad.numpy(), np.zeros_like(WIDE))


def test_rounding_keeps_integers_and_signed_zeros(device):
    ints = mdl.tensor([-3, 0, 7], device=device)
    for name in ("floor", "ceil", "trunc", "round", "fix"):
        out = getattr(mdl, name)(ints)
        assert out.dtype == mdl.int64
        np.testing.assert_array_equal(out.numpy(), [-3, 0, 7])
    # -0.5 rounds to -0.0, as in C and PyTorch
    zero = mdl.ceil(mdl.tensor([-0.5], device=device)).numpy()
    assert zero[0] == 0 and math.copysign(1, zero[0]) == -1
    assert mdl.sign(mdl.tensor([True, False], device=device)).dtype == mdl.bool


def test_round_decimals(device):
    x = mdl.tensor([1.2345, -2.5551, 1234.5, 0.125], dtype=mdl.float64, device=device)
    np.testing.assert_allclose(mdl.round(x, decimals=2).numpy(),
                               np.round(x.numpy() * 100) / 100)
    np.testing.assert_allclose(x.round(decimals=-2).numpy(), np.round(x.numpy() / 100) * 100)


def test_special_values_outside_the_domain(device):
    def f(name, values):
        return getattr(mdl, name)(mdl.tensor(values, device=device)).numpy()

    inf, nan = math.inf, math.nan
    np.testing.assert_array_equal(f("asin", [2.0, -2.0]), [nan, nan])
    np.testing.assert_array_equal(f("acos", [1.5]), [nan])
    np.testing.assert_array_equal(f("acosh", [0.5, 1.0]), [nan, 0.0])
    np.testing.assert_array_equal(f("atanh", [1.0, -1.0, 2.0]), [inf, -inf, nan])
    np.testing.assert_array_equal(f("log2", [0.0, -1.0]), [-inf, nan])
    np.testing.assert_array_equal(f("log10", [0.0, -1.0]), [-inf, nan])
    np.testing.assert_array_equal(f("log1p", [-1.0, -2.0]), [-inf, nan])
    np.testing.assert_array_equal(f("rsqrt", [0.0, -0.0, -1.0]), [inf, -inf, nan])
    np.testing.assert_array_equal(f("reciprocal", [0.0, -0.0]), [inf, -inf])
    np.testing.assert_array_equal(f("sin", [inf, nan]), [nan, nan])
    np.testing.assert_array_equal(f("floor", [inf, -inf, nan]), [inf, -inf, nan])
    np.testing.assert_array_equal(f("frac", [inf]), [nan])


def test_float_functions_of_integers_give_the_default_float(device):
    ints = mdl.tensor([1, 2, 3], device=device)
    for name in ("sin", "log2", "exp2", "rsqrt", "reciprocal", "erf", "atanh"):
        assert getattr(mdl, name)(ints).dtype == mdl.float32, name
    assert mdl.atan2(ints, ints).dtype == mdl.float32
    assert mdl.square(ints).dtype == mdl.int64
    assert mdl.square(mdl.tensor([True], device=device)).dtype == mdl.int64


# ---------------------------------------------------------------- division and remainder

INT_A = np.array([7, -7, 7, -7, 0, 5, -5, 9])
INT_B = np.array([2, 2, -2, -2, 3, 5, 3, -4])


def _c_fmod(a, b):
    return int(math.fmod(a, b))


def _c_trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_division_and_remainders(device, dtype):
    a = mdl.tensor(INT_A.astype(dtype), device=device)
    b = mdl.tensor(INT_B.astype(dtype), device=device)
    pairs = list(zip(INT_A.tolist(), INT_B.tolist()))
    expected = {
        "floor_divide": [x // y for x, y in pairs],
        "remainder": [x % y for x, y in pairs],
        "fmod": [_c_fmod(x, y) for x, y in pairs],
        "trunc": [_c_trunc_div(x, y) for x, y in pairs],
    }
    results = {
        "floor_divide": a // b, "remainder": a % b, "fmod": mdl.fmod(a, b),
        "trunc": a.div(b, rounding_mode="trunc"),
    }
    for name, out in results.items():
        assert out.dtype == np.dtype(dtype), name
        np.testing.assert_array_equal(out.numpy(), expected[name], err_msg=name)
    np.testing.assert_array_equal(mdl.div(a, b, rounding_mode="floor").numpy(),
                                  expected["floor_divide"])
    # numbers on either side
    np.testing.assert_array_equal((a // 3).numpy(), INT_A // 3)
    np.testing.assert_array_equal((20 // b).numpy(), 20 // INT_B)
    np.testing.assert_array_equal((20 % b).numpy(), 20 % INT_B)


def test_float_division_and_remainders(device):
    a = RNG.uniform(-5, 5, 12)
    b = np.where(np.arange(12) % 3 == 0, -1.5, 0.7)
    ta, tb = t64(a, device, False), t64(b, device, False)
    assert_close(ta // tb, np.floor_divide(a, b), np.float64)
    assert_close(ta % tb, np.remainder(a, b), np.float64)
    assert_close(mdl.fmod(ta, tb), np.fmod(a, b), np.float64)
    assert_close(ta.div(tb, rounding_mode="trunc"), np.trunc(a / b), np.float64)
    # zero divisors give infinities and NaN, as in PyTorch
    zeros = mdl.tensor([5.0, -5.0, 0.0], device=device)
    np.testing.assert_array_equal((zeros // 0.0).numpy(), [math.inf, -math.inf, math.nan])
    assert np.isnan(mdl.fmod(zeros, 0.0).numpy()).all()
    assert np.isnan((zeros % 0.0).numpy()).all()
    # an integer tensor and a float number promote to the default float
    assert (mdl.tensor([7], device=device) % 2.5).dtype == mdl.float32


def test_division_gradients(device):
    a = t64(RNG.uniform(-5, 5, (3, 4)), device)
    b = t64(RNG.uniform(0.5, 2, (4,)) * np.array([1, -1, 1, -1]), device)
    check_gradients(mdl.fmod, a, b)
    check_gradients(mdl.remainder, a, b)
    check_gradients(lambda x: mdl.fmod(x, 1.5), a)
    check_gradients(lambda x, y: mdl.div(x, y, rounding_mode="trunc"), a, b)
    with pytest.raises(RuntimeError, match="floor_divide"):
        (a // b).sum().backward()


def test_atan2(device):
    y, x = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    assert_close(mdl.atan2(t64(y, device, False), t64(x, device, False)), np.arctan2(y, x),
                 np.float64)
    check_gradients(mdl.atan2, t64(y, device), t64(x, device))


def test_integer_division_by_zero_is_refused(device):
    a = mdl.tensor([1, 2], device=device)
    for call in (lambda: a // 0, lambda: a % mdl.tensor([1, 0], device=device),
                 lambda: mdl.fmod(a, 0), lambda: a.div(0, rounding_mode="trunc")):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            call()


# ---------------------------------------------------------------- lerp

def test_lerp(device):
    start, end = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    weight = RNG.uniform(-0.5, 1.5, (4,))
    for w, w_np in ((0.3, 0.3), (0.8, 0.8), (t64(weight, device, False), weight)):
        out = mdl.lerp(t64(start, device, False), t64(end, device, False), w)
        assert_close(out, start + w_np * (end - start), np.float64)
    # weight 1 gives end exactly (computed from the end)
    big, small = mdl.tensor([1e8], device=device), mdl.tensor([1.0], device=device)
    assert mdl.lerp(small, big, 1.0).item() == 1e8
    check_gradients(lambda s, e, w: mdl.lerp(s, e, w), t64(start, device), t64(end, device),
                    t64(weight, device))
    check_gradients(lambda s, e: s.lerp(e, 0.7), t64(start, device), t64(end, device))
    x = t32(start, device)
    x.lerp_(t32(end, device), 0.25)
    assert_close(x, (start + 0.25 * (end - start)).astype(np.float32))


# ---------------------------------------------------------------- predicates

def test_predicates_and_closeness(device):
    values = np.array([1.0, math.inf, -math.inf, math.nan, 0.0])
    x = mdl.tensor(values, device=device)
    np.testing.assert_array_equal(mdl.isnan(x).numpy(), np.isnan(values))
    np.testing.assert_array_equal(x.isinf().numpy(), np.isinf(values))
    np.testing.assert_array_equal(mdl.isfinite(x).numpy(), np.isfinite(values))
    ints = mdl.tensor([1, 2], device=device)
    assert not mdl.isnan(ints).any().item() and mdl.isfinite(ints).all().item()
    a = mdl.tensor([1.0, 2.0, math.inf, math.nan, 1.0], device=device)
    b = mdl.tensor([1.0 + 1e-9, 2.1, math.inf, math.nan, -math.inf], device=device)
    np.testing.assert_array_equal(mdl.isclose(a, b).numpy(), [True, False, True, False, False])
    np.testing.assert_array_equal(a.isclose(b, equal_nan=True).numpy(),
                                  [True, False, True, True, False])
    np.testing.assert_array_equal(mdl.isclose(a, b, atol=0.2).numpy(),
                                  [True, True, True, False, False])
    assert mdl.allclose(a[:3], a[:3] + 1e-9) is True
    assert mdl.allclose(a, b) is False
    assert mdl.isclose(ints, ints + 1, atol=1).all().item()


# ---------------------------------------------------------------- logical and bitwise

def test_logical_operations(device):
    a = mdl.tensor([0.0, 1.0, -2.0, 0.0], device=device)
    b = mdl.tensor([0, 0, 3, 4], device=device)
    an, bn = a.numpy(), b.numpy()
    np.testing.assert_array_equal(mdl.logical_and(a, b).numpy(), np.logical_and(an, bn))
    np.testing.assert_array_equal(a.logical_or(b).numpy(), np.logical_or(an, bn))
    np.testing.assert_array_equal(mdl.logical_xor(a, b).numpy(), np.logical_xor(an, bn))
    np.testing.assert_array_equal(mdl.logical_not(a).numpy(), np.logical_not(an))
    assert mdl.logical_and(a, b).dtype == mdl.bool


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_bitwise_operations(device, dtype):
    av = np.array([0, 5, 12, 127, 3], dtype=dtype)
    bv = np.array([1, 3, 10, 1, 7], dtype=dtype)
    a, b = mdl.tensor(av, device=device), mdl.tensor(bv, device=device)
    np.testing.assert_array_equal((a & b).numpy(), av & bv)
    np.testing.assert_array_equal((a | b).numpy(), av | bv)
    np.testing.assert_array_equal((a ^ b).numpy(), av ^ bv)
    np.testing.assert_array_equal((~a).numpy(), ~av)
    np.testing.assert_array_equal((a << 2).numpy(), av << 2)
    np.testing.assert_array_equal((a >> b).numpy(), av >> bv)
    np.testing.assert_array_equal((3 & a).numpy(), 3 & av)
    assert (a & b).dtype == np.dtype(dtype)


def test_shifts_past_the_width_and_bools(device):
    x = mdl.tensor([-8, 8], device=device)
    np.testing.assert_array_equal((x << 70).numpy(), [0, 0])
    np.testing.assert_array_equal((x >> 70).numpy(), [-1, 0])
    np.testing.assert_array_equal((1 << mdl.tensor([0, 3], device=device)).numpy(), [1, 8])
    flags = mdl.tensor([True, False], device=device)
    np.testing.assert_array_equal((~flags).numpy(), [False, True])
    np.testing.assert_array_equal((flags & mdl.tensor([True, True], device=device)).numpy(),
                                  [True, False])
    assert (flags | 2).dtype == mdl.int64


def test_in_place_operators(device):
    x = mdl.tensor([7, -7, 9], device=device)
    x //= 2
    np.testing.assert_array_equal(x.numpy(), [3, -4, 4])
    x %= 3
    np.testing.assert_array_equal(x.numpy(), [0, 2, 1])
    x |= 4
    x &= 6
    x ^= 1
    x <<= 1
    x >>= 1
    np.testing.assert_array_equal(x.numpy(), [5, 7, 5])
    y = mdl.tensor([1.5, -2.5], device=device)
    y.div_(2, rounding_mode="floor")
    np.testing.assert_array_equal(y.numpy(), [0.0, -2.0])
    y.fmod_(3).round_(decimals=1)
    with pytest.raises(RuntimeError, match="sin_"):
        mdl.tensor([1, 2], device=device).sin_()


# ---------------------------------------------------------------- higher order

@pytest.mark.parametrize("name", ["sin", "tan", "asin", "atanh", "log2", "exp2", "rsqrt",
                                  "reciprocal", "erf", "erfc", "acosh"])
def test_second_derivatives(name, device):
    _, array = UNARY[name]
    assert mdl.gradgradcheck(getattr(mdl, name), t64(array[0, :3], device))


def test_second_derivatives_of_binary_ops(device):
    a = t64(RNG.uniform(-3, 3, 3), device)
    b = t64(RNG.uniform(0.5, 2, 3), device)
    assert mdl.gradgradcheck(mdl.atan2, a, b)
    assert mdl.gradgradcheck(mdl.fmod, a, b)
    assert mdl.gradgradcheck(mdl.remainder, a, b)
    assert mdl.gradgradcheck(lambda s, e: mdl.lerp(s, e, 0.3), a, b)

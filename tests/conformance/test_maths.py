"""The elementwise maths library against PyTorch: values, dtypes and gradients,
for float64 (with gradients), float32 and integer inputs."""

import numpy as np
import pytest

from .helpers import compare

RNG = np.random.default_rng(31)
WIDE = RNG.uniform(-3, 3, (3, 4))
UNIT = RNG.uniform(-0.9, 0.9, (3, 4))
POSITIVE = RNG.uniform(0.2, 3, (3, 4))
ABOVE_ONE = RNG.uniform(1.2, 4, (3, 4))
DIVISOR = RNG.uniform(0.5, 2, 4) * np.array([1, -1, 1, -1])
INTS = np.array([[7, -7, 0, 5], [-5, 9, -9, 2]])
INT_DIVISORS = np.array([2, -3, 4, -1])
SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, np.inf, -np.inf, np.nan, 0.5, -0.5, 1e-30])
HALVES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999997, -3.2, 7.7])

UNARY_DOMAINS = {
    "sin": WIDE, "cos": WIDE, "tan": UNIT, "asin": UNIT, "acos": UNIT, "atan": WIDE,
    "sinh": WIDE, "cosh": WIDE, "asinh": WIDE, "acosh": ABOVE_ONE, "atanh": UNIT,
    "log2": POSITIVE, "log10": POSITIVE, "log1p": UNIT, "expm1": WIDE, "exp2": WIDE,
    "rsqrt": POSITIVE, "reciprocal": POSITIVE, "square": WIDE, "erf": WIDE, "erfc": WIDE,
    "floor": WIDE, "ceil": WIDE, "round": WIDE, "trunc": WIDE, "frac": WIDE, "sign": WIDE,
}


@pytest.mark.parametrize("name", sorted(UNARY_DOMAINS))
def test_unary(name):
    array = UNARY_DOMAINS[name]
    compare(lambda lib, x: getattr(lib, name)(x), array)
    compare(lambda lib, x: getattr(x, name)(), array.astype(np.float32), grad=False, rtol=2e-6)


@pytest.mark.parametrize("name", sorted(UNARY_DOMAINS))
def test_unary_special_values(name):
    compare(lambda lib, x: getattr(lib, name)(x), SPECIAL, grad=False, rtol=1e-6)


@pytest.mark.parametrize("name", ["sin", "exp2", "rsqrt", "reciprocal", "erf", "atan", "square",
                                  "floor", "round", "sign"])
def test_unary_of_integers(name):
    compare(lambda lib, x: getattr(lib, name)(x), INTS, grad=False)


def test_round_halves_and_decimals():
    compare(lambda lib, x: lib.round(x), HALVES, grad=False)
    compare(lambda lib, x: lib.round(x), HALVES.astype(np.float32), grad=False)
    compare(lambda lib, x: lib.round(x, decimals=2), WIDE * 10)
    compare(lambda lib, x: x.round(decimals=-1), WIDE.astype(np.float32) * 100, grad=False)


BINARY = {
    "atan2": lambda lib, a, b: lib.atan2(a, b),
    "fmod": lambda lib, a, b: lib.fmod(a, b),
    "remainder": lambda lib, a, b: lib.remainder(a, b),
    "mod-operator": lambda lib, a, b: a % b,
    "div-trunc": lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
    "div-floor": lambda lib, a, b: a.div(b, rounding_mode="floor"),
    "lerp-tensor-weight": lambda lib, a, b: lib.lerp(a, a * 2, b),
    "lerp-number": lambda lib, a, b: a.lerp(b, 0.75),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name):
    compare(BINARY[name], WIDE, DIVISOR)


@pytest.mark.parametrize("name", ["fmod", "remainder", "mod-operator", "div-trunc",
                                  "div-floor"])
def test_integer_binary(name):
    compare(BINARY[name], INTS, INT_DIVISORS, grad=False)


def test_floor_divide_and_numbers():
    compare(lambda lib, a, b: a // b, WIDE, DIVISOR, grad=False)
    compare(lambda lib, a, b: a // b, INTS, INT_DIVISORS, grad=False)
    compare(lambda lib, a: 7 // a, INT_DIVISORS, grad=False)
    compare(lambda lib, a: 7.5 % a, DIVISOR, grad=False)  # PyTorch has no gradient here
    compare(lambda lib, a: a % 2.5, INTS, grad=False)
    compare(lambda lib, a: lib.fmod(a, -1.5), WIDE)
    compare(lambda lib, a: a // 0.0, SPECIAL, grad=False)


def test_predicates():
    for name in ("isnan", "isinf", "isfinite", "logical_not"):
        compare(lambda lib, x: getattr(lib, name)(x), SPECIAL, grad=False)
        compare(lambda lib, x: getattr(lib, name)(x), INTS, grad=False)
    a = np.array([1.0, 2.0, np.inf, np.nan, 1.0, 1e-9])
    b = np.array([1.0 + 1e-7, 2.1, np.inf, np.nan, -np.inf, 0.0])
    compare(lambda lib, x, y: lib.isclose(x, y), a, b, grad=False)
    compare(lambda lib, x, y: x.isclose(y, rtol=0.1, equal_nan=True), a, b, grad=False)
    compare(lambda lib, x, y: lib.isclose(x, y, atol=3), INTS, INTS + 2, grad=False)


def test_logical_and_bitwise():
    flags = np.array([[True, False, True, False]])
    compare(lambda lib, a, b: lib.logical_and(a, b), WIDE > 0, INTS[:1], grad=False)
    compare(lambda lib, a, b: lib.logical_or(a, b), WIDE, INTS[:1], grad=False)
    compare(lambda lib, a, b: lib.logical_xor(a, b), flags, INTS, grad=False)
    for op in (lambda a, b: a & b, lambda a, b: a | b, lambda a, b: a ^ b,
               lambda a, b: a << (b & 7), lambda a, b: a >> (b & 3)):
        compare(lambda lib, a, b: op(a, b), INTS, np.abs(INT_DIVISORS), grad=False)
    compare(lambda lib, a: ~a, INTS, grad=False)
    compare(lambda lib, a: ~a, flags, grad=False)
    compare(lambda lib, a: a & True, flags, grad=False)
    compare(lambda lib, a: a | 2, flags, grad=False)
    compare(lambda lib, a: a.int() << 3, INTS, grad=False)
    compare(lambda lib, a: a << 70, INTS, grad=False)
    compare(lambda lib, a: a >> 70, INTS, grad=False)

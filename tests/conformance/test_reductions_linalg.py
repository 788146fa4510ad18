"""Reductions and products against PyTorch (values, dtypes and gradients)."""

import numpy as np
import pytest

from .helpers import compare

RNG = np.random.default_rng(21)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((2, 3, 4))
C = RNG.standard_normal((4, 5))
V = RNG.standard_normal(4)
W = RNG.standard_normal(3)

CASES = {
    "sum": (lambda lib, x: x.sum((0, 2), keepdim=True), B),
    "mean": (lambda lib, x: x.mean(-1), B),
    "max": (lambda lib, x: x.max(), A),
    "max-dim": (lambda lib, x: x.max(1), A),
    "min-dim": (lambda lib, x: lib.min(x, 0, keepdim=True), A),
    "amax": (lambda lib, x: x.amax((0, 1)), B),
    "amin": (lambda lib, x: lib.amin(x, 1), A),
    "argmax": (lambda lib, x: x.argmax(), A),
    "argmin-dim": (lambda lib, x: x.argmin(1, keepdim=True), A),
    "var": (lambda lib, x: x.var(1), A),
    "var-biased": (lambda lib, x: x.var(0, unbiased=False), A),
    "var-correction": (lambda lib, x: lib.var(x, (0, 1), correction=2), B),
    "std": (lambda lib, x: x.std(), A),
    "any": (lambda lib, x: (x > 1).any(1), A),
    "all": (lambda lib, x: (x > -3).all(), A),
    "logsumexp": (lambda lib, x: x.logsumexp(1), A),
    "logsumexp-keep": (lambda lib, x: lib.logsumexp(x * 50, (0, 2), keepdim=True), B),
    "norm": (lambda lib, x: x.norm(), A),
    "norm-dim": (lambda lib, x: x.norm(dim=1), A),
    "norm-1": (lambda lib, x: x.norm(p=1, dim=0), A),
    "norm-3": (lambda lib, x: x.norm(p=3), A),
    "norm-inf": (lambda lib, x: x.norm(p=float("inf"), dim=1), A),
    "matmul": (lambda lib, x: x @ x.t(), A),
    "matmul-batched": (lambda lib, x: lib.matmul(x, x.transpose(1, 2)), B),
    "matmul-vec-vec": (lambda lib, x: x[0] @ x[1], A),
    "matmul-mat-vec": (lambda lib, x: x @ x[0], A),
    "matmul-vec-mat": (lambda lib, x: x[0, :3] @ x, A),
    "matmul-batch-vec": (lambda lib, x: lib.matmul(x, x[0, 0]), B),
    "matmul-broadcast": (lambda lib, x: x @ x[0].t(), B),
    "mm": (lambda lib, x: lib.mm(x, x.t()), A),
    "bmm": (lambda lib, x: lib.bmm(x, x.transpose(1, 2)), B),
    "mv": (lambda lib, x: lib.mv(x, x[0]), A),
    "dot": (lambda lib, x: lib.dot(x[0], x[1]), A),
    "outer": (lambda lib, x: lib.outer(x[0], x[1]), A),
    "einsum-bmm": (lambda lib, x: lib.einsum("bij,bkj->bik", x, x), B),
    "einsum-trace": (lambda lib, x: lib.einsum("ii", x[:, :3]), A),
    "einsum-diag": (lambda lib, x: lib.einsum("ii->i", x[:, :3]), A),
    "einsum-implicit": (lambda lib, x: lib.einsum("ij,jk", x, x.t()), A),
    "einsum-ellipsis": (lambda lib, x: lib.einsum("...j,...j->...", x, x), B),
    "einsum-three": (lambda lib, x: lib.einsum("ij,jk,kl->il", x, x.t(), x), A),
    "einsum-sum": (lambda lib, x: lib.einsum("bij->j", x), B),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name):
    fn, array = CASES[name]
    compare(fn, array)


def test_norm_gradient_at_zero_is_zero():
    compare(lambda lib, x: (x * 0).norm(), A)


Z = A.copy()
Z[1, 2] = 0.0  # a zero inside a product: the gradients must stay exact
TIES = np.array([[3.0, 1.0, 3.0, 2.0], [0.5, 0.5, -1.0, 0.5]])

MORE = {
    "prod": (lambda lib, x: x.prod(), A),
    "prod-dim": (lambda lib, x: x.prod(1), Z),
    "prod-keepdim": (lambda lib, x: lib.prod(x, 0, keepdim=True), Z),
    "prod-int": (lambda lib, x: (x > 0).prod(1), A),
    "cumsum": (lambda lib, x: x.cumsum(1), A),
    "cumsum-int": (lambda lib, x: (x > 0).cumsum(0), A),
    "cumprod": (lambda lib, x: x.cumprod(0), Z),
    "cumprod-row-zero": (lambda lib, x: lib.cumprod(x, 1), Z),
    "sort": (lambda lib, x: x.sort(1), A),
    "sort-descending": (lambda lib, x: lib.sort(x, 0, descending=True), A),
    "sort-stable-ties": (lambda lib, x: x.sort(dim=1, stable=True), TIES),
    "argsort-stable": (lambda lib, x: x.argsort(dim=1, stable=True), TIES),
    "argsort-descending-stable": (lambda lib, x: lib.argsort(x, dim=1, descending=True,
                                                            stable=True), TIES),
    "topk": (lambda lib, x: x.topk(2, 1), A),
    "topk-smallest": (lambda lib, x: lib.topk(x, 1, 0, largest=False), A),
}


@pytest.mark.parametrize("name", sorted(MORE))
def test_more_matches_pytorch(name):
    fn, array = MORE[name]
    compare(fn, array)

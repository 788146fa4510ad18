"""Losses against PyTorch: values for every reduction and the gradients of
the input and (where PyTorch has one) of the target, with class weights,
ignore_index, label smoothing, probability targets, N-d inputs, pos_weight,
log targets and the deprecated size_average / reduce; the layers' state
keys and repr."""

import warnings

import numpy as np
import pytest
import torch

import minidl as mdl

from .helpers import compare

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 4)) * 2
LABELS = np.array([0, 3, 1, 1, 2, 3])
LABELS_IGNORED = np.array([0, -100, 1, 5, 2, 5])   # with ignore_index 5 or -100
LOGITS_ND = RNG.standard_normal((2, 4, 3, 2))
LABELS_ND = RNG.integers(0, 4, (2, 3, 2))
PROBS = np.abs(RNG.standard_normal((6, 4)))
PROBS /= PROBS.sum(1, keepdims=True)
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 0.25])
X = RNG.standard_normal((3, 5))
Y = RNG.standard_normal((3, 5))
P = RNG.uniform(0.05, 0.95, (3, 5))
T = RNG.uniform(0, 1, (3, 5))
REDUCTIONS = ["mean", "sum", "none"]


def _f(lib):
    return lib.nn.functional


def _w(lib, values=CLASS_WEIGHT):
    return lib.tensor(values)


CLASSIFICATION = {
    "ce": (lambda lib, x, r: _f(lib).cross_entropy(x, lib.tensor(LABELS), reduction=r), LOGITS),
    "ce-float32": (lambda lib, x, r: _f(lib).cross_entropy(x.float(), lib.tensor(LABELS),
                                                           reduction=r), LOGITS),
    "ce-weight": (lambda lib, x, r: _f(lib).cross_entropy(x, lib.tensor(LABELS), _w(lib),
                                                          reduction=r), LOGITS),
    "ce-ignore-default": (lambda lib, x, r: _f(lib).cross_entropy(
        x, lib.tensor(np.where(LABELS_IGNORED == 5, 0, LABELS_IGNORED)), reduction=r), LOGITS),
    "ce-ignore-index": (lambda lib, x, r: _f(lib).cross_entropy(
        x, lib.tensor(np.where(LABELS_IGNORED == -100, 2, LABELS_IGNORED)), ignore_index=5,
        reduction=r), np.concatenate([LOGITS, LOGITS[:, :2]], 1)),
    "ce-weight-ignore": (lambda lib, x, r: _f(lib).cross_entropy(
        x, lib.tensor(np.where(LABELS_IGNORED == 5, 1, LABELS_IGNORED)), _w(lib),
        reduction=r), LOGITS),
    "ce-smoothing": (lambda lib, x, r: _f(lib).cross_entropy(x, lib.tensor(LABELS),
                                                             label_smoothing=0.2,
                                                             reduction=r), LOGITS),
    "ce-smoothing-weight-ignore": (lambda lib, x, r: _f(lib).cross_entropy(
        x, lib.tensor(np.where(LABELS_IGNORED == 5, 1, LABELS_IGNORED)), _w(lib),
        label_smoothing=0.3, reduction=r), LOGITS),
    "ce-nd": (lambda lib, x, r: _f(lib).cross_entropy(x, lib.tensor(LABELS_ND), reduction=r),
              LOGITS_ND),
    "ce-nd-weight-smoothing": (lambda lib, x, r: _f(lib).cross_entropy(
        x, lib.tensor(LABELS_ND), _w(lib), label_smoothing=0.1, reduction=r), LOGITS_ND),
    "ce-unbatched": (lambda lib, x, r: _f(lib).cross_entropy(x[0], lib.tensor(2), reduction=r),
                     LOGITS),
    "ce-probabilities": (lambda lib, x, p, r: _f(lib).cross_entropy(x, p, reduction=r),
                         LOGITS, PROBS),
    "ce-probabilities-weight-smoothing": (lambda lib, x, p, r: _f(lib).cross_entropy(
        x, p, weight=_w(lib), label_smoothing=0.25, reduction=r), LOGITS, PROBS),
    "ce-probabilities-nd": (lambda lib, x, r: _f(lib).cross_entropy(
        x, _f(lib).softmax(x.detach() * 0.5, 1), reduction=r), LOGITS_ND),
    "nll": (lambda lib, x, r: _f(lib).nll_loss(_f(lib).log_softmax(x, 1), lib.tensor(LABELS),
                                               reduction=r), LOGITS),
    "nll-weight-ignore": (lambda lib, x, r: _f(lib).nll_loss(
        x, lib.tensor(np.where(LABELS_IGNORED == 5, 1, LABELS_IGNORED)), _w(lib),
        reduction=r), LOGITS),
    "nll-nd-ignore": (lambda lib, x, r: _f(lib).nll_loss(
        x, lib.tensor(np.where(LABELS_ND == 3, 1, LABELS_ND)), ignore_index=1, reduction=r),
        LOGITS_ND),
    "nll-unbatched": (lambda lib, x, r: _f(lib).nll_loss(x[1], lib.tensor(3), reduction=r),
                      LOGITS),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", sorted(CLASSIFICATION))
def test_classification_losses(case, reduction):
    fn, *arrays = CLASSIFICATION[case]
    rtol = 1e-5 if "float32" in case else 1e-10
    compare(lambda lib, *xs: fn(lib, *xs, reduction), *arrays, rtol=rtol, atol=1e-12)


ELEMENTWISE = {
    "mse": (lambda lib, x, y, r: _f(lib).mse_loss(x, y, reduction=r), X, Y),
    "mse-weight": (lambda lib, x, y, r: _f(lib).mse_loss(x, y, reduction=r,
                                                         weight=lib.tensor(np.abs(Y))), X, Y),
    "l1": (lambda lib, x, y, r: _f(lib).l1_loss(x, y, reduction=r), X, Y),
    "l1-weight": (lambda lib, x, y, r: _f(lib).l1_loss(x, y, reduction=r,
                                                       weight=lib.tensor(np.abs(X))), X, Y),
    "smooth_l1": (lambda lib, x, y, r: _f(lib).smooth_l1_loss(x, y, reduction=r), X, Y),
    "smooth_l1-beta": (lambda lib, x, y, r: _f(lib).smooth_l1_loss(x, y, reduction=r,
                                                                   beta=0.5), X, Y),
    "smooth_l1-beta-0": (lambda lib, x, y, r: _f(lib).smooth_l1_loss(x, y, reduction=r,
                                                                     beta=0.0), X, Y),
    "huber": (lambda lib, x, y, r: _f(lib).huber_loss(x, y, reduction=r), X, Y),
    "huber-delta-weight": (lambda lib, x, y, r: _f(lib).huber_loss(
        x, y, reduction=r, delta=0.7, weight=lib.tensor(np.abs(Y))), X, Y),
    "bce": (lambda lib, p, t, r: _f(lib).binary_cross_entropy(p, t, reduction=r), P, T),
    "bce-weight": (lambda lib, p, t, r: _f(lib).binary_cross_entropy(
        p, t, lib.tensor(CLASS_WEIGHT[:1].repeat(5) + np.arange(5)), reduction=r), P, T),
    "bce-extremes": (lambda lib, p, t, r: _f(lib).binary_cross_entropy(
        p * lib.tensor(np.array([0, 1, 1, 1, 1.0])), t, reduction=r), P, T),
    "bce_with_logits": (lambda lib, x, t, r: _f(lib).binary_cross_entropy_with_logits(
        x, t, reduction=r), X * 10, T),
    "bce_with_logits-weights": (lambda lib, x, t, r: _f(lib).binary_cross_entropy_with_logits(
        x, t, weight=lib.tensor(np.abs(Y[0])), pos_weight=lib.tensor(np.arange(1.0, 6.0)),
        reduction=r), X * 3, T),
    "kl_div": (lambda lib, x, t, r: _f(lib).kl_div(_f(lib).log_softmax(x, 1), t, reduction=r),
               LOGITS, PROBS),
    "kl_div-zero-target": (lambda lib, x, r: _f(lib).kl_div(
        _f(lib).log_softmax(x, 1), lib.tensor(np.where(PROBS > 0.2, PROBS, 0.0)),
        reduction=r), LOGITS),
    "kl_div-log-target": (lambda lib, x, t, r: _f(lib).kl_div(
        _f(lib).log_softmax(x, 1), t.log(), reduction=r, log_target=True), LOGITS, PROBS),
    "kl_div-broadcast": (lambda lib, x, t, r: _f(lib).kl_div(
        _f(lib).log_softmax(x, 1), t[0], reduction=r), LOGITS, PROBS),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", sorted(ELEMENTWISE))
def test_elementwise_losses(case, reduction):
    fn, *arrays = ELEMENTWISE[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warning, in both libraries
        compare(lambda lib, *xs: fn(lib, *xs, reduction), *arrays, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", ["kl_div", "kl_div-log-target", "kl_div-zero-target"])
def test_kl_div_batchmean(case):
    fn, *arrays = ELEMENTWISE[case]
    compare(lambda lib, *xs: fn(lib, *xs, "batchmean"), *arrays, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("size_average, reduce", [(False, None), (None, False), (True, True),
                                                  (False, False)])
def test_deprecated_size_average_and_reduce(size_average, reduce):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(lambda lib, x: _f(lib).cross_entropy(x, lib.tensor(LABELS),
                                                     size_average=size_average,
                                                     reduce=reduce), LOGITS)
        compare(lambda lib, x, y: _f(lib).mse_loss(x, y, size_average, reduce), X, Y)
        compare(lambda lib, x, y: lib.nn.L1Loss(size_average, reduce)(x, y), X, Y)


LAYERS = {
    "CrossEntropyLoss": (lambda nn, lib: nn.CrossEntropyLoss(weight=_w(lib), ignore_index=2,
                                                             label_smoothing=0.1),
                         LOGITS, LABELS),
    "NLLLoss": (lambda nn, lib: nn.NLLLoss(reduction="sum"), LOGITS, LABELS),
    "MSELoss": (lambda nn, lib: nn.MSELoss(), X, Y),
    "L1Loss": (lambda nn, lib: nn.L1Loss(reduction="none"), X, Y),
    "SmoothL1Loss": (lambda nn, lib: nn.SmoothL1Loss(beta=0.3), X, Y),
    "HuberLoss": (lambda nn, lib: nn.HuberLoss(delta=0.4), X, Y),
    "BCELoss": (lambda nn, lib: nn.BCELoss(weight=_w(lib, np.ones(5) * 2)), P, T),
    "BCEWithLogitsLoss": (lambda nn, lib: nn.BCEWithLogitsLoss(
        pos_weight=_w(lib, np.arange(5.0))), X, T),
    "KLDivLoss": (lambda nn, lib: nn.KLDivLoss(reduction="batchmean", log_target=True), X, Y),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers(name):
    make, x, target = LAYERS[name]

    def fn(lib, x, target):
        return make(lib.nn, lib)(x, target)
    compare(fn, x, target, rtol=1e-10, atol=1e-12)
    ours, theirs = make(mdl.nn, mdl), make(torch.nn, torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.reduction == theirs.reduction


def test_empty_batch_and_all_ignored():
    for reduction in REDUCTIONS:
        compare(lambda lib, x: _f(lib).cross_entropy(x, lib.tensor(np.zeros(0, np.int64)),
                                                     reduction=reduction),
                np.zeros((0, 3)), grad=False)
    compare(lambda lib, x: _f(lib).cross_entropy(x, lib.tensor([-100, -100])), LOGITS[:2],
            grad=False)

"""Optimizers, schedules and gradient clipping against PyTorch: the same
parameters and gradients for several steps give the same parameters and
learning rates."""

import numpy as np
import pytest
import torch

import minidl as mdl

RNG = np.random.default_rng(2)
W0 = RNG.standard_normal((3, 4))
GRADS = [RNG.standard_normal((3, 4)) for _ in range(6)]


def _run(lib, make, steps=6, schedule=None):
    w = (torch.tensor(W0, requires_grad=True) if lib is torch
         else mdl.tensor(W0, requires_grad=True))
    opt_module = torch.optim if lib is torch else mdl.optim
    opt = make(opt_module, [w])
    sched = schedule(opt_module.lr_scheduler, opt) if schedule else None
    lrs = []
    for g in GRADS[:steps]:
        w.grad = torch.tensor(g) if lib is torch else mdl.tensor(g)
        opt.step()
        if sched is not None:
            sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return w.detach().numpy(), lrs


OPTIMIZERS = {
    "SGD-momentum-dampening-wd": lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, dampening=0.1,
                                                   weight_decay=0.01),
    "SGD-nesterov": lambda o, p: o.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda o, p: o.Adam(p, lr=0.01, weight_decay=0.1),
    "AdamW": lambda o, p: o.AdamW(p, lr=0.01),
    "AdamW-amsgrad": lambda o, p: o.AdamW(p, lr=0.01, amsgrad=True, weight_decay=0.05),
    "Adagrad": lambda o, p: o.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.01),
    "RMSprop": lambda o, p: o.RMSprop(p, lr=0.01),
    "RMSprop-centered-momentum": lambda o, p: o.RMSprop(p, lr=0.01, momentum=0.9,
                                                        centered=True, weight_decay=0.01),
    "Adadelta": lambda o, p: o.Adadelta(p, lr=1.0, weight_decay=0.01),
    "Adamax": lambda o, p: o.Adamax(p, lr=0.02, weight_decay=0.01),
    "AdamW-maximize": lambda o, p: o.AdamW(p, lr=0.01, maximize=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_matches_pytorch(name):
    ours, _ = _run(mdl, OPTIMIZERS[name])
    theirs, _ = _run(torch, OPTIMIZERS[name])
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


SCHEDULES = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=2, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[1, 3, 3], gamma=0.5),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda epoch: 1.0 / (epoch + 1)),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=4),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=7),
    "OneCycleLR-three-phase-linear": lambda s, o: s.OneCycleLR(
        o, max_lr=0.5, total_steps=8, three_phase=True, anneal_strategy="linear"),
    "SequentialLR": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.5, total_iters=2),
            s.ExponentialLR(o, gamma=0.5)], milestones=[2]),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_matches_pytorch(name):
    def make(o, p):
        return o.SGD(p, lr=0.1, momentum=0.9)
    ours, our_lrs = _run(mdl, make, schedule=SCHEDULES[name])
    theirs, their_lrs = _run(torch, make, schedule=SCHEDULES[name])
    np.testing.assert_allclose(our_lrs, their_lrs, rtol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_reduce_on_plateau_matches_pytorch():
    metrics = [1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.85, 0.9, 0.91]
    results = []
    for lib in (mdl, torch):
        w = lib.zeros(2, requires_grad=True)
        opt = (torch.optim if lib is torch else mdl.optim).SGD([w], lr=1.0)
        sched = (torch.optim if lib is torch else mdl.optim).lr_scheduler.ReduceLROnPlateau(
            opt, patience=1, factor=0.5, cooldown=1)
        lrs = []
        for m in metrics:
            sched.step(m)
            lrs.append(opt.param_groups[0]["lr"])
        results.append(lrs)
    assert results[0] == results[1]


def test_clip_grad_norm_and_value_match_pytorch():
    outs = []
    for lib in (mdl, torch):
        params = [lib.tensor(W0, requires_grad=True), lib.tensor(W0[0], requires_grad=True)]
        for p, g in zip(params, GRADS):
            p.grad = lib.tensor(g if p.ndim == 2 else g[0])
        utils = torch.nn.utils if lib is torch else mdl.nn.utils
        total = utils.clip_grad_norm_(params, 1.5)
        norm_inf = utils.clip_grad_norm_(params, 10.0, norm_type=float("inf"))
        utils.clip_grad_value_(params, 0.1)
        vector = utils.parameters_to_vector(params)
        outs.append((float(total), float(norm_inf), [p.grad.numpy().copy() for p in params],
                     vector.detach().numpy()))
    assert outs[0][0] == pytest.approx(outs[1][0], rel=1e-12)
    assert outs[0][1] == pytest.approx(outs[1][1], rel=1e-12)
    for a, b in zip(outs[0][2], outs[1][2]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(outs[0][3], outs[1][3])

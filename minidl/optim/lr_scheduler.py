"""Learning-rate schedules, stepped once per epoch (or per N steps), with
PyTorch's names, arguments and formulas (``torch.optim.lr_scheduler``):
StepLR, MultiStepLR, ExponentialLR, LambdaLR, LinearLR, CosineAnnealingLR,
OneCycleLR, SequentialLR and ReduceLROnPlateau.

As in PyTorch, each ``step()`` computes the new rate from the current one
(the "chainable" form) and constructing a schedule takes its first step, so
the optimizer starts at the schedule's rate for step 0.
"""

import bisect
import math
from collections import Counter

from .. import _checks
from .optimizer import Optimizer


class LRScheduler:
    """Base class: ``get_lr()`` gives the rates for ``self.last_epoch``.
    Constructing a schedule takes its first ``step()``.

    ``optimizer`` is the Optimizer whose rates are set; ``last_epoch`` the
    index of the last epoch done, -1 (the default) to start afresh (a resume
    needs 'initial_lr' in every parameter group)."""

    def __init__(self, optimizer, last_epoch=-1):
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        last_epoch = _checks.integer(name, "last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in group for group in optimizer.param_groups):
            raise ValueError(f"{name}: resuming at last_epoch={last_epoch} needs 'initial_lr' "
                             f"in every parameter group (set when the schedule first started)")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self):
        """The rates of every parameter group for ``self.last_epoch``, a list;
        called by ``step()`` (each schedule defines its formula)."""
        raise NotImplementedError  # abstract: each schedule defines its formula

    def _current(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self):
        """Advance one epoch and set the optimizer's learning rates."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current()

    def get_last_lr(self):
        """The rates the last ``step()`` set."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer (and functions, which cannot be saved)."""
        return {k: v for k, v in self.__dict__.items()
                if k != "optimizer" and not callable(v) and k != "lr_lambdas"}

    def load_state_dict(self, state):
        """Restore the schedule from ``state``, a dict ``state_dict()`` returned."""
        if not isinstance(state, dict) or "last_epoch" not in state:
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected the dict "
                             f"state_dict() returns, got {type(state).__name__}")
        self.__dict__.update(state)


class StepLR(LRScheduler):
    """The rate times ``gamma`` every ``step_size`` epochs.

    ``optimizer`` is the Optimizer whose rates are set; ``last_epoch`` the
    index of the last epoch done, -1 (the default) to start afresh (a resume
    needs 'initial_lr' in every parameter group)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = _checks.positive_int("StepLR", "step_size", step_size)
        self.gamma = _checks.real("StepLR", "gamma", gamma, 0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class MultiStepLR(LRScheduler):
    """The rate times ``gamma`` at each of the ``milestones`` (epochs).

    ``optimizer`` is the Optimizer whose rates are set; ``last_epoch`` the
    index of the last epoch done, -1 (the default) to start afresh (a resume
    needs 'initial_lr' in every parameter group)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        if not isinstance(milestones, (list, tuple, set)):
            raise TypeError(f"MultiStepLR: milestones must be a list of ints, got "
                            f"{milestones!r}")
        self.milestones = Counter(_checks.integer("MultiStepLR", "milestone", m, 0)
                                  for m in milestones)
        self.gamma = _checks.real("MultiStepLR", "gamma", gamma, 0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._current()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current()]


class ExponentialLR(LRScheduler):
    """The rate times ``gamma`` every epoch.

    ``optimizer`` is the Optimizer whose rates are set; ``last_epoch`` the
    index of the last epoch done, -1 (the default) to start afresh (a resume
    needs 'initial_lr' in every parameter group)."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = _checks.real("ExponentialLR", "gamma", gamma, 0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class LambdaLR(LRScheduler):
    """base_lr * lr_lambda(epoch), one function or one per parameter group.

    ``optimizer`` is the Optimizer whose rates are set; ``last_epoch`` the
    index of the last epoch done, -1 (the default) to start afresh (a resume
    needs 'initial_lr' in every parameter group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"LambdaLR: expected {groups} lr_lambdas, got "
                                 f"{len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda must be callable, got {fn!r}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * fn(self.last_epoch) for base, fn in zip(self.base_lrs, self.lr_lambdas)]


class LinearLR(LRScheduler):
    """The rate moved linearly from ``start_factor`` to ``end_factor`` times
    the base rate over ``total_iters`` epochs, then kept.

    ``optimizer`` is the Optimizer whose rates are set; ``last_epoch`` the
    index of the last epoch done, -1 (the default) to start afresh (a resume
    needs 'initial_lr' in every parameter group)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        self.start_factor = _checks.real("LinearLR", "start_factor", start_factor, 0, 1,
                                         low_open=True)
        self.end_factor = _checks.real("LinearLR", "end_factor", end_factor, 0, 1)
        self.total_iters = _checks.integer("LinearLR", "total_iters", total_iters, 0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current()]
        if self.last_epoch > self.total_iters:
            return self._current()
        change = self.end_factor - self.start_factor
        factor = 1.0 + change / (self.total_iters * self.start_factor
                                 + (self.last_epoch - 1) * change)
        return [lr * factor for lr in self._current()]


class CosineAnnealingLR(LRScheduler):
    """The rate along a half cosine from the base rate to ``eta_min`` over
    ``T_max`` epochs (SGDR without restarts), in PyTorch's recursive form.

    ``optimizer`` is the Optimizer whose rates are set; ``last_epoch`` the
    index of the last epoch done, -1 (the default) to start afresh (a resume
    needs 'initial_lr' in every parameter group)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = _checks.positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _checks.real("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, period = self.last_epoch, self.T_max
        if t == 0:
            return self._current()
        if self._step_count == 1 and t > 0:
            return [self.eta_min + (base - self.eta_min)
                    * (1 + math.cos(t * math.pi / period)) / 2 for base in self.base_lrs]
        if (t - 1 - period) % (2 * period) == 0:
            return [lr + (base - self.eta_min) * (1 - math.cos(math.pi / period)) / 2
                    for lr, base in zip(self._current(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (lr - self.eta_min) + self.eta_min for lr in self._current()]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin): the rate rises from max_lr /
    div_factor to ``max_lr`` over the first ``pct_start`` of the steps, then
    falls to max_lr / (div_factor * final_div_factor); momentum (or Adam's
    beta1) moves the opposite way. Stepped once per batch.

    Args:
        optimizer: the Optimizer whose rates (and momentum) are set.
        max_lr: the peak rate, a number or a list with one per parameter group.
        total_steps: the number of steps in the cycle; or give ``epochs`` and
            ``steps_per_epoch``, whose product it is. Default: None.
        epochs, steps_per_epoch: see ``total_steps``. Default: None.
        pct_start: the fraction of the steps spent rising. Default: 0.3.
        anneal_strategy: 'cos' or 'linear'. Default: 'cos'.
        cycle_momentum: move momentum (or Adam's beta1) inversely to the
            rate, between ``base_momentum`` (default 0.85) and
            ``max_momentum`` (default 0.95). Default: True.
        base_momentum, max_momentum: see ``cycle_momentum``.
        div_factor: the first rate is max_lr / div_factor. Default: 25.0.
        final_div_factor: the last rate is the first / final_div_factor.
            Default: 1e4.
        three_phase: a third phase back down to the first rate before the
            final fall (fast.ai's variant). Default: False.
        last_epoch: the index of the last step done; -1 (the default) starts
            afresh."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True,
                 base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        name = "OneCycleLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError(f"{name}: you must define either total_steps OR (epochs AND "
                                 "steps_per_epoch)")
            total_steps = (_checks.positive_int(name, "epochs", epochs)
                           * _checks.positive_int(name, "steps_per_epoch", steps_per_epoch))
        self.total_steps = _checks.positive_int(name, "total_steps", total_steps)
        pct_start = _checks.real(name, "pct_start", pct_start, 0, 1)
        self.anneal_strategy = _checks.one_of(name, "anneal_strategy", anneal_strategy,
                                              ("cos", "linear"))
        groups = optimizer.param_groups
        max_lrs = list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)
        for group, top in zip(groups, max_lrs):
            top = _checks.real(name, "max_lr", top, 0)
            group["initial_lr"] = top / div_factor
            group["max_lr"] = top
            group["min_lr"] = group["initial_lr"] / final_div_factor
        if three_phase:
            self._phases = [
                (float(pct_start * self.total_steps) - 1, "initial_lr", "max_lr",
                 "max_momentum", "base_momentum"),
                (float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                 "base_momentum", "max_momentum"),
                (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._phases = [
                (float(pct_start * self.total_steps) - 1, "initial_lr", "max_lr",
                 "max_momentum", "base_momentum"),
                (self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"{name}: optimizer must support momentum or beta1 with "
                                 "`cycle_momentum` option enabled")
            self._use_beta1 = "betas" in optimizer.defaults
            for group in groups:
                group["max_momentum"] = max_momentum
                group["base_momentum"] = base_momentum
                self._set_momentum(group, max_momentum)
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group, value):
        if self._use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total "
                             f"steps is {self.total_steps}")
        rates = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr_from, lr_to, mom_from, mom_to) in enumerate(self._phases):
                if step <= end_step or i == len(self._phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    rates.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[mom_from], group[mom_to],
                                                               pct))
                    break
                start_step = end_step
        return rates


class SequentialLR(LRScheduler):
    """Several ``schedulers`` (a list of schedules of ``optimizer``) one after
    the other, switching at ``milestones`` (epochs, one fewer than the
    schedules); a schedule starts over from its base rates when its turn
    comes. ``last_epoch``: -1 (the default) to start afresh."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if not schedulers or len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected one milestone fewer than schedulers, got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        for s in schedulers:
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError("SequentialLR: every scheduler must belong to the optimizer")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in self._schedulers:
            s.last_epoch -= 1
        self._schedulers[0]._step_count = 0
        self._schedulers[0].step()
        self._last_lr = self._schedulers[0].get_last_lr()

    def step(self):
        """Advance one epoch with the schedule whose turn it is."""
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            # a schedule starts over: its first rate from its base rates
            scheduler.last_epoch = -1
            scheduler._step_count = 0
            for group, base in zip(self.optimizer.param_groups, scheduler.base_lrs):
                group["lr"] = base
            scheduler.step()
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        """The epoch and every schedule's ``state_dict()``."""
        return {"last_epoch": self.last_epoch,
                "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state):
        """Restore from ``state``, a dict ``state_dict()`` returned."""
        self.last_epoch = state["last_epoch"]
        for s, saved in zip(self._schedulers, state["_schedulers"]):
            s.load_state_dict(saved)


class ReduceLROnPlateau:
    """The rate times ``factor`` when a metric (passed to ``step(metric)``)
    has not improved for ``patience`` epochs.

    Args:
        optimizer: the Optimizer whose rates are reduced.
        mode: 'min' (the metric should fall) or 'max'. Default: 'min'.
        factor: the multiplier, in (0, 1). Default: 0.1.
        patience: epochs without improvement tolerated. Default: 10.
        threshold: the least change that counts as an improvement.
            Default: 1e-4.
        threshold_mode: 'rel' (better than best * (1 -+ threshold)) or 'abs'
            (better than best -+ threshold). Default: 'rel'.
        cooldown: epochs to wait after a reduction before counting again.
            Default: 0.
        min_lr: the lowest rate, a number or a list with one per parameter
            group. Default: 0.
        eps: reductions smaller than this are skipped. Default: 1e-8."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        name = "ReduceLROnPlateau"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.mode = _checks.one_of(name, "mode", mode, ("min", "max"))
        self.factor = _checks.real(name, "factor", factor, 0, 1, low_open=True, high_open=True)
        self.patience = _checks.integer(name, "patience", patience, 0)
        self.threshold = _checks.real(name, "threshold", threshold)
        self.threshold_mode = _checks.one_of(name, "threshold_mode", threshold_mode,
                                             ("rel", "abs"))
        self.cooldown = _checks.integer(name, "cooldown", cooldown, 0)
        groups = optimizer.param_groups
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else \
            [min_lr] * len(groups)
        self.eps = eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in groups]

    def _better(self, current):
        if self.mode == "min":
            bound = self.best * (1 - self.threshold) if self.threshold_mode == "rel" \
                else self.best - self.threshold
            return current < bound
        bound = self.best * (self.threshold + 1) if self.threshold_mode == "rel" \
            else self.best + self.threshold
        return current > bound

    def step(self, metrics):
        """Record this epoch's ``metrics`` (a number or a one-element tensor) and
        reduce the rate after a plateau."""
        current = float(metrics)
        self.last_epoch += 1
        if self._better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
                old = group["lr"]
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The rates after the last ``step()``, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state):
        """Restore from ``state``, a dict ``state_dict()`` returned."""
        self.__dict__.update(state)

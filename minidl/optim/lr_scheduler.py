"""Learning-rate schedules stepped once per epoch (or per N steps):
StepLR and ExponentialLR, with PyTorch's closed forms."""

import numbers

from .. import _checks
from .optimizer import Optimizer


class _Scheduler:
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
                             "in every parameter group (set when the schedule first started)")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr, epoch):
        raise NotImplementedError  # abstract: each schedule defines its formula

    def step(self):
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base, self.last_epoch)

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state):
        if not isinstance(state, dict) or "last_epoch" not in state:
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected the dict "
                             f"state_dict() returns, got {type(state).__name__}")
        self.__dict__.update(state)


class StepLR(_Scheduler):
    """lr = base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if (isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral)
                or step_size < 1):
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        _checks.real("StepLR", "gamma", gamma, 0, low_open=True)
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(_Scheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _checks.real("ExponentialLR", "gamma", gamma, 0, low_open=True)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** epoch

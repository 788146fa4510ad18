"""Optimizer base: parameter groups, per-parameter state, zero_grad and
state_dict, with PyTorch's structure. Updates run as in-place backend
primitives, so the same optimizer works on every device."""

import numbers

from ..backend import get_backend
from ..tensor import Tensor


class Optimizer:
    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        self.defaults = defaults
        self.param_groups = []
        self.state = {}
        for group in params:
            self.add_param_group(group)

    def add_param_group(self, group):
        group = dict(group)
        group["params"] = list(group["params"])
        for p in group["params"]:
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"{type(self).__name__}: can only optimize tensors that "
                                "require grad")
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group):
        lr = group.get("lr")
        if not isinstance(lr, numbers.Real) or lr < 0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate {lr!r}")
        wd = group.get("weight_decay", 0.0)
        if not isinstance(wd, numbers.Real) or wd < 0:
            raise ValueError(f"{type(self).__name__}: invalid weight_decay {wd!r}")

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.zero_()

    def _params_with_grad(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if p.grad.shape != p.shape:
                        raise RuntimeError(f"{type(self).__name__}: gradient shape "
                                           f"{p.grad.shape} != parameter shape {p.shape}")
                    yield group, p, get_backend(p.device)

    def _state_for(self, p, make):
        state = self.state.get(p)
        if state is None:
            state = make()
            self.state[p] = state
        return state

    # ---- saving and restoring ---------------------------------------------
    def state_dict(self):
        """Hyper-parameters per group and state per parameter index (host
        arrays), as PyTorch lays them out."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: (v.numpy().copy() if isinstance(v, Tensor) else v)
                        for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("load_state_dict: the number of parameter groups differs")
        params = [p for group in self.param_groups for p in group["params"]]
        for group, saved in zip(self.param_groups, groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError("load_state_dict: a parameter group has a different size")
            for key, value in saved.items():
                if key != "params":
                    group[key] = value
        self.state = {}
        for key, saved in state_dict["state"].items():
            p = params[int(key)]
            entry = {}
            for name, value in saved.items():
                if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
                    entry[name] = Tensor._wrap(get_backend(p.device).from_numpy(
                        value.copy(), p.dtype), p.device)
                else:
                    entry[name] = value
            self.state[p] = entry

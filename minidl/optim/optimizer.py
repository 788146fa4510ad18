"""Optimizer base: parameter groups, per-parameter state, zero_grad and
state_dict, with PyTorch's structure. Updates run as fused in-place steps
(``minidl.ops.updates``), so the same optimizer works on every device."""

from collections.abc import Mapping

import numpy as np

from .. import _checks
from ..api import creation
from ..autograd import enable_grad
from ..tensor import Tensor


def _as_list(owner, what, params):
    """``params`` as a list; a single Tensor is refused (it would be iterated row
    by row, each row a new non-leaf tensor)."""
    if isinstance(params, Tensor) or not hasattr(params, "__iter__"):
        raise TypeError(f"{owner}: {what} must be an iterable of tensors (or of dicts), got "
                        f"{type(params).__name__}; wrap a single tensor in a list")
    return list(params)


class Optimizer:
    """Base class of the optimizers, with PyTorch's structure.

    Args:
        params: an iterable of tensors that require grad, or of dicts (parameter
            groups) with a "params" entry and per-group hyper-parameters.
        defaults: the hyper-parameters a group takes when it does not set them.

    ``param_groups`` holds the groups, ``state`` each parameter's state;
    ``zero_grad()``, ``state_dict()`` and ``load_state_dict()`` work as in
    PyTorch. Subclasses define ``step(closure=None)``."""

    def __init__(self, params, defaults):
        name = type(self).__name__
        params = _as_list(name, "params", params)
        if not params:
            raise ValueError(f"{name}: got an empty parameter list")
        groups = [isinstance(p, dict) for p in params]
        if any(groups) and not all(groups):
            raise TypeError(f"{name}: params must be all tensors or all dicts "
                            "(parameter groups), not a mix")
        if not groups[0]:
            params = [{"params": params}]
        self.defaults = defaults
        self.param_groups = []
        self.state = {}
        for group in params:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add ``group``, a dict with a 'params' entry (leaf tensors that
        require grad, none already optimized) and optionally its own
        hyper-parameters; the others come from the optimizer's defaults."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{name}: a parameter group must be a dict with a 'params' "
                            f"entry, got {group!r:.80}")
        group = dict(group)
        group["params"] = _as_list(name, "a group's params", group["params"])
        if not group["params"]:
            raise ValueError(f"{name}: got an empty parameter list in a parameter group")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if not isinstance(p, Tensor) or not p.requires_grad:
                got = (f"a {type(p).__name__} with requires_grad=False"
                       if isinstance(p, Tensor) else type(p).__name__)
                raise TypeError(f"{name}: can only optimize tensors that require grad, got "
                                f"{got}")
            if not p.is_leaf:
                raise TypeError(f"{name}: can only optimize leaf tensors (parameters), got "
                                f"one computed by {p.grad_fn.op_name}")
            if id(p) in seen:
                raise ValueError(f"{name}: a parameter of shape {p.shape} appears more than "
                                 "once; it would be updated twice per step")
            seen.add(id(p))
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group):
        """Check a group's hyper-parameters (each optimizer adds its own)."""
        name = type(self).__name__
        _checks.real(name, "learning rate", group.get("lr"), 0)
        _checks.real(name, "weight_decay", group.get("weight_decay", 0.0), 0)

    @staticmethod
    def _evaluate(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every optimized parameter: to None with
        ``set_to_none`` (the default), else to zeros in place."""
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
                    self._check_grad(p)
                    yield group, p

    def _check_grad(self, p):
        """A .grad set by hand must still fit its parameter."""
        name = type(self).__name__
        grad = p.grad
        if not isinstance(grad, Tensor):
            raise TypeError(f"{name}: a parameter's .grad must be a Tensor, got "
                            f"{type(grad).__name__}")
        if grad.shape != p.shape:
            raise ValueError(f"{name}: gradient shape {grad.shape} != parameter shape "
                             f"{p.shape}")
        if grad.dtype.kind != "f":
            raise TypeError(f"{name}: gradient dtype must be floating point, got {grad.dtype}")
        if grad.device != p.device:
            raise ValueError(f"{name}: gradient on {grad.device} but parameter on {p.device}")

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
        """Restore what state_dict() returned. Everything is checked (group
        sizes, hyper-parameters, state shapes) before anything changes."""
        op = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(
                state_dict):
            raise ValueError(f"{op}: expected a dict with 'state' and 'param_groups' (as "
                             f"state_dict() returns), got {type(state_dict).__name__}")
        groups = state_dict["param_groups"]
        if not isinstance(groups, (list, tuple)) or len(groups) != len(self.param_groups):
            raise ValueError(f"{op}: the number of parameter groups differs")
        params = [p for group in self.param_groups for p in group["params"]]
        merged_groups = []
        for group, saved in zip(self.param_groups, groups):
            if (not isinstance(saved, Mapping) or not isinstance(saved.get("params"), (list, tuple))
                    or len(group["params"]) != len(saved["params"])):
                raise ValueError(f"{op}: a parameter group has a different size")
            merged = dict(group)
            merged.update((k, v) for k, v in saved.items() if k != "params")
            self._validate(merged)
            merged_groups.append(merged)
        saved_state = state_dict["state"]
        if not isinstance(saved_state, Mapping):
            raise ValueError(f"{op}: 'state' must be a dict, got {type(saved_state).__name__}")
        state = {}
        for key, saved in saved_state.items():
            try:
                index = int(key)
            except (TypeError, ValueError):
                index = -1
            if not 0 <= index < len(params) or not isinstance(saved, Mapping):
                raise ValueError(f"{op}: state entry {key!r} does not belong to one of the "
                                 f"{len(params)} parameters")
            p = params[index]
            entry = {}
            for name, value in saved.items():
                if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
                    if tuple(value.shape) != p.shape:
                        raise ValueError(f"{op}: state {name!r} of parameter {index} has "
                                         f"shape {tuple(value.shape)} but the parameter "
                                         f"has shape {p.shape}")
                    entry[name] = creation.tensor(np.array(value, copy=True), dtype=p.dtype,
                                                  device=p.device)
                else:
                    entry[name] = value
            state[p] = entry
        for group, merged in zip(self.param_groups, merged_groups):
            group.update(merged)
        self.state = state

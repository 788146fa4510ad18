"""Module bookkeeping against PyTorch: the same model built with ``lib.nn``
gives the same names (named_modules with prefix and duplicates,
named_parameters with recurse, state_dict keys), the same repr, and its hooks
see the same gradients."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import minidl as mdl


def _model(lib):
    nn = lib.nn
    shared = nn.Linear(2, 2)
    return nn.Sequential(OrderedDict(
        block=nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 2), nn.ReLU()),
        items=nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Tanh()]),
        table=nn.ModuleDict({"a": nn.Linear(2, 1), "b": shared}),
        head=shared,
    ))


def _names(lib, call):
    return call(_model(lib))


NAME_CASES = {
    "named_modules": lambda m: [n for n, _ in m.named_modules()],
    "named_modules-prefix": lambda m: [n for n, _ in m.named_modules(prefix="net")],
    "named_modules-duplicates": lambda m: [n for n, _ in m.named_modules(
        remove_duplicate=False)],
    "named_parameters": lambda m: [n for n, _ in m.named_parameters()],
    "named_parameters-duplicates": lambda m: [n for n, _ in m.named_parameters(
        remove_duplicate=False)],
    "named_parameters-prefix": lambda m: [n for n, _ in m.named_parameters(prefix="p")],
    "named_parameters-no-recurse": lambda m: [n for n, _ in m.block[1].named_parameters(
        recurse=False)],
    "named_buffers": lambda m: [n for n, _ in m.named_buffers()],
    "named_children": lambda m: [n for n, _ in m.named_children()],
    "state_dict": lambda m: list(m.state_dict()),
    "state_dict-prefix": lambda m: list(m.state_dict(prefix="x.")),
    "apply-order": lambda m: [type(c).__name__ for c in m.modules()],
    "repr": repr,
}


@pytest.mark.parametrize("case", sorted(NAME_CASES))
def test_names_match_pytorch(case):
    assert _names(mdl, NAME_CASES[case]) == _names(torch, NAME_CASES[case])


def test_apply_visits_in_pytorch_order():
    visited = {}
    for lib in (mdl, torch):
        seen = visited[lib.__name__] = []
        _model(lib).apply(lambda m: seen.append(type(m).__name__))
    assert visited["minidl"] == visited["torch"]


REPRS = {
    "ModuleList-empty": lambda nn: nn.ModuleList(),
    "ModuleDict": lambda nn: nn.ModuleDict({"x": nn.ReLU(inplace=True)}),
    "Sequential-nested": lambda nn: nn.Sequential(nn.Sequential(nn.Linear(1, 2, bias=False))),
    "BatchNorm2d": lambda nn: nn.BatchNorm2d(3, momentum=None, affine=False),
    "Dropout": lambda nn: nn.Dropout(0.25),
    "Flatten": lambda nn: nn.Flatten(),
    "Identity": lambda nn: nn.Identity(),
}


@pytest.mark.parametrize("case", sorted(REPRS))
def test_repr_matches_pytorch(case):
    assert repr(REPRS[case](mdl.nn)) == repr(REPRS[case](torch.nn))


def _hooked_run(lib):
    """Record grad_input / grad_output of a module with two tensor inputs,
    scale grad_input in the hook, and return what was seen and the leaves'
    gradients."""
    rng = np.random.default_rng(3)
    weight = rng.standard_normal((2, 3))
    a_values, b_values = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    projection = rng.standard_normal((4, 2))
    tensor = lib.tensor

    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = lib.nn.Linear(3, 2, bias=False).double()

        def forward(self, a, b, scale):
            return self.linear(a) * b * scale, (b * 2).sum()

    block = Block()
    with (torch.no_grad() if lib is torch else mdl.no_grad()):
        block.linear.weight.copy_(tensor(weight))
    seen = {}

    def pre_hook(module, grad_output):
        seen["pre"] = [None if g is None else g.detach().numpy().copy() for g in grad_output]
        return (grad_output[0] * 2, grad_output[1])

    def hook(module, grad_input, grad_output):
        seen["grad_input"] = [None if g is None else g.detach().numpy().copy()
                              for g in grad_input]
        seen["grad_output"] = [None if g is None else g.detach().numpy().copy()
                               for g in grad_output]
        return (grad_input[0] * -1, grad_input[1], None)

    block.register_full_backward_pre_hook(pre_hook)
    block.register_full_backward_hook(hook)
    a = tensor(a_values, requires_grad=True)
    b = tensor(b_values, requires_grad=True)
    out, total = block(a, b, 0.5)
    ((out * tensor(projection)).sum() + total).backward()
    return seen, a.grad.numpy(), b.grad.numpy(), block.linear.weight.grad.numpy()


def test_backward_hooks_see_and_replace_what_pytorch_does():
    ours, theirs = _hooked_run(mdl), _hooked_run(torch)
    for key in ("pre", "grad_input", "grad_output"):
        assert len(ours[0][key]) == len(theirs[0][key]), key
        for i, (x, y) in enumerate(zip(ours[0][key], theirs[0][key])):
            assert (x is None) == (y is None), f"{key}[{i}]"
            if x is not None:
                np.testing.assert_allclose(x, y, rtol=1e-12, err_msg=f"{key}[{i}]")
    for x, y in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(x, y, rtol=1e-12)

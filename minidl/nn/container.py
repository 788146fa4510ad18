"""Containers and plumbing layers: Sequential, Flatten, Identity."""

from collections import OrderedDict

from .. import _checks
from ..api import shape
from .module import Module


class Sequential(Module):
    """Child modules applied in order. Children are named "0", "1", ... or by
    the keys of an OrderedDict: ``Sequential(OrderedDict(fc=Linear(2, 3)))``."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, module in items:
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: element {name} is a {type(module).__name__}, "
                                "not a Module")
            self.add_module(name, module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        index = _checks.integer("Sequential", "index", index)
        if not -len(modules) <= index < len(modules):
            raise IndexError(f"Sequential: index {index} is out of range for "
                             f"{len(modules)} modules")
        return modules[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append: expected a Module, got "
                            f"{type(module).__name__}")
        self.add_module(str(len(self)), module)
        return self


class Flatten(Module):
    """Dimensions start_dim..end_dim merged: (N, d1, d2, ...) -> (N, d1 * d2 * ...)
    with the defaults.

    Args:
        start_dim: first dimension to merge. Default: 1.
        end_dim: last dimension to merge. Default: -1.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = _checks.integer("Flatten", "start_dim", start_dim)
        self.end_dim = _checks.integer("Flatten", "end_dim", end_dim)

    def forward(self, input):
        _checks.tensor("Flatten", input)
        return shape.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """Returns its input unchanged (arguments to the constructor are ignored,
    as in PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input

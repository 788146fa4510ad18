"""Containers and plumbing layers: Sequential, ModuleList, ModuleDict,
Flatten, Identity."""

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from .. import _checks
from ..api import shape
from .module import Module, indent


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

    def extend(self, sequential):
        """Append every module of ``sequential`` (an iterable of modules);
        returns self."""
        for module in sequential:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index``; returns self."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: expected a Module, got "
                            f"{type(module).__name__}")
        modules = list(self._modules.values())
        n = len(modules)
        index = _checks.integer("Sequential", "index", index)
        if not -n <= index <= n:
            raise IndexError(f"Sequential: index {index} is out of range for {n} modules")
        modules.insert(index, module)
        _renumber(self, modules)
        return self

    def pop(self, index):
        """Remove and return the module at ``index``."""
        module = self[index]
        del self[index]
        return module

    def __setitem__(self, index, module):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: expected a Module, got {type(module).__name__}")
        key = list(self._modules)[_position("Sequential", index, len(self))]
        setattr(self, key, module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_position("Sequential", index, len(modules))]
        _renumber(self, modules)


def _position(op, index, length):
    """A valid non-negative position from an int index (negative counts from the end)."""
    try:
        index = operator.index(index)
    except TypeError:
        raise TypeError(f"{op} indices must be integers or slices, not "
                        f"{type(index).__name__}") from None
    if not -length <= index < length:
        raise IndexError(f"{op}: index {index} is out of range")
    return index + length if index < 0 else index


def _renumber(container, modules):
    """Replace the children by ``modules`` named "0", "1", ... (PyTorch keeps
    the numbering contiguous after insert and delete)."""
    for name in list(container._modules):
        delattr(container, name)
    for i, module in enumerate(modules):
        container.add_module(str(i), module)


class ModuleList(Module):
    """Modules held in a list, registered as children "0", "1", ... so that
    their parameters belong to the owner; it has no forward of its own.

    Args:
        modules: an iterable of Modules to add. Default: None (empty).

    Supports indexing (ints and slices, which give a ModuleList), assignment
    and ``del`` by index, ``len``, iteration, ``+``, ``+=``, ``append``,
    ``extend``, ``insert`` and ``pop``, like a Python list.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self += modules

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[str(_position("ModuleList", index, len(self)))]

    def __setitem__(self, index, module):
        self.add_module(str(_position("ModuleList", index, len(self))), module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_position("ModuleList", index, len(modules))]
        _renumber(self, modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        if not isinstance(other, ModuleList):
            raise TypeError(f"ModuleList: can only add a ModuleList, got "
                            f"{type(other).__name__}")
        return ModuleList(list(self) + list(other))

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append every module of ``modules``, an iterable; returns self."""
        if not isinstance(modules, Iterable):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got "
                            f"{type(modules).__name__}")
        offset = len(self)
        for i, module in enumerate(modules):
            self.add_module(str(offset + i), module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index`` (as ``list.insert``)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        modules = list(self._modules.values())
        modules.insert(operator.index(index), module)
        _renumber(self, modules)

    def pop(self, index=-1):
        """Remove and return the module at ``index`` (the last by default)."""
        module = self[index]
        del self[index]
        return module

    def __repr__(self):
        # runs of identical modules are shown once: "(0-2): 3 x Linear(...)"
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        runs = []  # [first, last, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for first, last, text in runs:
            if first == last:
                line = f"({first}): {text}"
            else:
                line = f"({first}-{last}): {last - first + 1} x {text}"
            lines.append(indent(line, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """Modules held in an ordered dict, registered as children under their
    keys; it has no forward of its own.

    Args:
        modules: a mapping of name -> Module, or an iterable of (name, Module)
            pairs. Default: None (empty).

    Supports ``d[key]``, ``d[key] = module``, ``del d[key]``, ``len``,
    iteration over the keys, ``in``, ``keys()``, ``values()``, ``items()``,
    ``update()``, ``pop()`` and ``clear()``, like a dict (insertion order kept).
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        if key not in self._modules:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        """Remove every module."""
        for key in list(self._modules):
            del self[key]

    def pop(self, key):
        """Remove the module under ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def keys(self):
        """The keys, in insertion order."""
        return self._modules.keys()

    def items(self):
        """(key, module) pairs, in insertion order."""
        return self._modules.items()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def update(self, modules):
        """Add or replace modules from a mapping or an iterable of (key, module)
        pairs."""
        if isinstance(modules, (Mapping, ModuleDict)):
            for key, module in modules.items():
                self[key] = module
            return
        if not isinstance(modules, Iterable) or isinstance(modules, (str, Module)):
            raise TypeError(f"ModuleDict.update should be called with an iterable of "
                            f"key/value pairs, but got {type(modules).__name__}")
        for j, pair in enumerate(modules):
            if not isinstance(pair, Iterable):
                raise TypeError(f"ModuleDict update sequence element #{j} should be "
                                f"Iterable; is {type(pair).__name__}")
            pair = tuple(pair)
            if len(pair) != 2:
                raise ValueError(f"ModuleDict update sequence element #{j} has length "
                                 f"{len(pair)}; 2 is required")
            self[pair[0]] = pair[1]


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

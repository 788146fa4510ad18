"""Tensor: what a tensor is - a backend array on one device, its gradient, the
graph node that produced it and the version counter of its storage.

This file holds the state and the few methods that need nothing but that
state (conversion, the autograd entry points). The PyTorch methods that
compute something (``x.exp()``, ``x.sum(1)``, ``x + y``, ``x.add_(y)``, ...) are
the public functions of ``minidl.api``, bound to the class in
``minidl/tensor_methods.py``; keeping them there keeps this module at the
bottom of the import graph.
"""

import numbers
import weakref

import numpy as np

from . import _dtypes
from .backend import get_backend, normalize_device


class VersionCounter:
    """How many times a storage was modified in place. Shared by a tensor, its
    ``detach()`` and its views, so a saved value changed through any of them
    is noticed by backward."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class Tensor:
    """An n-dimensional array on one device that can record its history.

    Create tensors with ``minidl.tensor(data)``, the factories (``zeros``,
    ``randn``, ...) or ``from_numpy``. As in PyTorch, calling the class itself is
    the legacy constructor: ``Tensor(data)`` makes a float tensor of the
    default dtype and ``Tensor(2, 3)`` a 2x3 tensor (of zeros here)."""

    __slots__ = ("_data", "device", "_requires_grad", "grad", "_node", "_output_index",
                 "_version", "_base", "_view_fn", "_hooks", "name", "__weakref__", "__dict__")

    # Let NumPy defer to our reflected operators (np_array + tensor).
    __array_ufunc__ = None

    def __init__(self, *args, device=None):
        device = normalize_device(device)
        dtype = _dtypes.get_default_dtype()
        if args and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                        for a in args):
            array = np.zeros(tuple(int(a) for a in args), dtype=dtype)
        elif len(args) == 1:
            source = args[0].numpy() if isinstance(args[0], Tensor) else args[0]
            array = np.array(source, dtype=dtype)
        else:
            raise TypeError(f"Tensor(): expected sizes or one sequence of numbers, got "
                            f"{args!r}; use minidl.tensor(data, dtype=...) to choose the dtype")
        self._init(get_backend(device).from_numpy(array), device)

    def _init(self, data, device):
        self._data = data
        self.device = device
        self._requires_grad = False
        self.grad = None
        self._node = None
        self._output_index = 0
        self._version = VersionCounter()
        self._base = None
        self._view_fn = None
        self._hooks = ()
        self.name = None

    @staticmethod
    def _wrap(data, device):
        """A tensor around an existing backend array (no copy, no checks)."""
        tensor = Tensor.__new__(Tensor)
        tensor._init(data, device)
        return tensor

    # ---- state --------------------------------------------------------------
    @property
    def shape(self):
        """The sizes of the dimensions, a tuple (PyTorch's torch.Size)."""
        return tuple(self._data.shape)

    @property
    def dtype(self):
        """The element type, e.g. ``minidl.float32``."""
        return self._data.dtype

    @property
    def ndim(self):
        """The number of dimensions (an int), as ``dim()``."""
        return len(self._data.shape)

    def dim(self):
        """The number of dimensions."""
        return len(self._data.shape)

    def numel(self):
        """The number of elements."""
        count = 1
        for n in self._data.shape:
            count *= n
        return count

    nelement = numel

    @property
    def is_cuda(self):
        """True when the tensor is on the GPU."""
        return self.device == "cuda"

    def is_floating_point(self):
        """True for float32 and float64 tensors."""
        return self._data.dtype.kind == "f"

    def element_size(self):
        """Bytes per element."""
        return self._data.dtype.itemsize

    @property
    def itemsize(self):
        """The size of one element in bytes."""
        return self._data.dtype.itemsize

    @property
    def data(self):
        """The same storage as a tensor outside the graph, with a version counter
        of its own: changes made through it are invisible to autograd (PyTorch's
        ``.data``; ``detach()`` is the safe form)."""
        return Tensor._wrap(self._data, self.device)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__}")
        self._data = value._data
        self.device = value.device

    @property
    def requires_grad(self):
        """Whether gradients are recorded for operations on this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    @property
    def is_leaf(self):
        """True for tensors no recorded op produced (inputs, parameters)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The graph node of the op that produced this tensor (None for leaves)."""
        return self._node

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    # ---- conversion -----------------------------------------------------------
    def numpy(self):
        """The values as a host NumPy array (shares memory on the CPU). Unlike
        PyTorch, a tensor that requires grad may be read this way too."""
        return get_backend(self.device).to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        array = get_backend(self.device).to_numpy(self._data)
        return array if dtype is None else array.astype(dtype, copy=False)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(f"item(): a Tensor with {self.numel()} elements (shape "
                               f"{self.shape}) cannot be converted to a Python number")
        return get_backend(self.device).to_numpy(self._data).reshape(()).item()

    def tolist(self):
        """The values as nested Python lists (a number for a 0-d tensor)."""
        return get_backend(self.device).to_numpy(self._data).tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted "
                            "to an index")
        return int(self.item())

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is "
                               f"ambiguous (shape {self.shape})")
        return bool(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        values = np.array2string(get_backend(self.device).to_numpy(self._data),
                                 precision=4, separator=", ", prefix="tensor(")
        extras = []
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.dtype not in (_dtypes.get_default_dtype(), _dtypes.int64, _dtypes.bool_):
            extras.append(f"dtype={self.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.name()}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([values] + extras) + ")"

    # ---- autograd -------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        """Start (or stop) recording operations on this leaf tensor."""
        flag = bool(requires_grad)
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError(f"requires_grad: only Tensors of floating point dtype can "
                               f"require gradients, got {self.dtype}")
        if self._node is not None and not flag:
            raise RuntimeError("you can only change requires_grad flags of leaf variables; "
                               "use detach() to get a tensor outside the graph")
        self._requires_grad = flag
        return self

    def detach(self):
        """The same storage cut from the graph (sharing the version counter)."""
        out = Tensor._wrap(self._data, self.device)
        out._version = self._version
        return out

    def detach_(self):
        """Cut this tensor from the graph, in place."""
        self._node = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if self._node is None:
            return
        if not self._requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on Tensor that has "
                               "requires_grad=False")
        if getattr(self, "_retains", False):
            return
        self._retains = True
        reference = weakref.ref(self)

        def keep(grad):
            tensor = reference()
            if tensor is not None:
                g = grad.detach()
                tensor.grad = g if tensor.grad is None else tensor.grad.detach() + g
        self._node.register_hook(self._output_index, keep)

    @property
    def retains_grad(self):
        """True when ``retain_grad()`` was called on this non-leaf tensor."""
        return getattr(self, "_retains", False)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned
        tensor replaces the gradient. Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self._node is not None:
            self._node.register_hook(self._output_index, hook)
            hooks = self._node.output_hooks[self._output_index]
            return _HookHandle(lambda: hooks.remove(hook) if hook in hooks else None)
        self._hooks = self._hooks + (hook,)

        def remove():
            self._hooks = tuple(h for h in self._hooks if h is not hook)
        return _HookHandle(remove)


class _HookHandle:
    def __init__(self, remove):
        self._remove = remove

    def remove(self):
        self._remove()


def is_number(value):
    """True for Python and NumPy numbers (bools included), not for arrays."""
    return isinstance(value, (numbers.Number, np.bool_)) and not isinstance(value, np.ndarray)

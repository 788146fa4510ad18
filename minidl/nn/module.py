"""Module: the base class of layers, with PyTorch's bookkeeping.

Attributes that are Parameters, Modules or registered buffers are tracked in
three ordered dicts, so parameters(), state_dict() and to() find them in
definition order, with PyTorch's dotted names ("0.weight", "bn.running_mean").
Traversals are depth-first in definition order, as PyTorch's; calling a module
runs its forward pre-hooks, ``forward``, its forward hooks and sets up its
backward hooks (minidl/nn/hooks.py).
"""

from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from .. import _checks
from ..api import conversion, creation
from ..autograd import no_grad
from ..tensor import Tensor
from . import hooks as hook_tools
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer: subclasses assign layers, Parameters and
    buffers as attributes in ``__init__`` (after ``super().__init__()``) and
    define ``forward``. Calling the module runs ``forward`` with its hooks."""

    def __init__(self):
        for name in ("_parameters", "_buffers", "_modules", "_forward_pre_hooks",
                     "_forward_hooks", "_backward_hooks", "_backward_pre_hooks"):
            object.__setattr__(self, name, OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_forward_pre_hooks_with_kwargs", {})
        object.__setattr__(self, "_forward_hooks_with_kwargs", {})
        object.__setattr__(self, "training", True)

    # ---- registration -----------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 "assigning attributes")
        if isinstance(value, Parameter):
            self._buffers.pop(name, None)
            self._modules.pop(name, None)
            self._non_persistent_buffers_set.discard(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._buffers.pop(name, None)
            self._non_persistent_buffers_set.discard(name)
            self._modules[name] = value
        elif name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter "
                                f"'{name}' (minidl.nn.Parameter or None expected)")
            self._parameters[name] = None
        elif name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (minidl.nn.Module or None expected)")
            self._modules[name] = None
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer "
                                f"'{name}' (minidl.Tensor or None expected)")
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent_buffers_set.discard(name)
        object.__delattr__(self, name)

    def _check_new_name(self, kind, name, registry):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f"{kind} name can't contain \".\", got: {name}")
        if name == "":
            raise KeyError(f"{kind} name can't be empty string \"\"")
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    def register_buffer(self, name, tensor, persistent=True):
        """Track a tensor that is state but not learned (running statistics).

        Args:
            name: the attribute name.
            tensor: a Tensor, or None (then the buffer is skipped by state_dict).
            persistent: whether the buffer is part of ``state_dict``. Default: True.
        """
        self._check_new_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name, param):
        """Add ``param``, a Parameter (or None, a declared but absent
        parameter), under ``name``."""
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got "
                            f"{type(param).__name__}")
        if param is None:
            self._buffers.pop(name, None)
            self._modules.pop(name, None)
            self._parameters[name] = None
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def add_module(self, name, module):
        """Add a child module (or None) by name; ``module.name`` then refers to it."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_new_name("module", name, self._modules)
        if module is None:
            self._parameters.pop(name, None)
            self._buffers.pop(name, None)
            self._modules[name] = None
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, module)

    register_module = add_module

    def get_submodule(self, target):
        """The module at dotted path ``target`` ("" is self), e.g. "encoder.0"."""
        if target == "":
            return self
        module = self
        for item in target.split("."):
            child = module._modules.get(item) if isinstance(module, Module) else None
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no attribute `{item}`")
            module = child
        return module

    def get_parameter(self, target):
        """The parameter at dotted path ``target``, e.g. "0.weight"."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters or module._parameters[name] is None:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}`")
        return module._parameters[name]

    # ---- calling ------------------------------------------------------------
    def forward(self, *args, **kwargs):
        """The module's computation, defined by every subclass: call the module
        (``module(input)``), not ``forward``, so that the hooks run. A layer's
        arguments and shapes are in its class docstring."""
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required "
                                  "\"forward\" function")

    def __call__(self, *args, **kwargs):
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result!r}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward_hook = None
        if self._backward_hooks or self._backward_pre_hooks:
            backward_hook = hook_tools.BackwardHook(self, self._backward_hooks,
                                                    self._backward_pre_hooks)
            args = backward_hook.setup_input_hook(args)
        output = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            if key in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_hook is not None:
            output = backward_hook.setup_output_hook(output)
        return output

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` before every forward; a returned value replaces
        the positional arguments (a non-tuple is wrapped in a 1-tuple). With
        ``with_kwargs=True`` it is ``hook(module, args, kwargs)`` returning None
        or ``(args, kwargs)``. ``prepend`` runs it before the hooks registered
        earlier. Returns a handle whose ``remove()`` unregisters it."""
        return hook_tools.add_hook(self._forward_pre_hooks, hook, prepend,
                                   self._forward_pre_hooks_with_kwargs if with_kwargs
                                   else None)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args, output)`` after every forward (``hook(module, args,
        kwargs, output)`` with ``with_kwargs=True``); a returned value replaces
        the output. ``prepend=True`` runs it before the hooks already
        registered. Returns a handle whose ``remove()`` unregisters it."""
        return hook_tools.add_hook(self._forward_hooks, hook, prepend,
                                   self._forward_hooks_with_kwargs if with_kwargs else None)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` once the gradients of the
        module's inputs are computed, as PyTorch's.

        ``grad_input`` has one entry per positional argument of forward (the
        gradient for a tensor input that requires grad, None otherwise) and
        ``grad_output`` one per output (a single tensor output gives a 1-tuple).
        A returned tuple of the same length replaces ``grad_input`` in the rest
        of the backward pass. When no input requires grad the hook fires with
        ``grad_input`` all None, as soon as ``grad_output`` is known.
        ``prepend=True`` runs it before the hooks already registered. Returns a
        handle whose ``remove()`` unregisters it."""
        return hook_tools.add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` when the gradients of the module's
        outputs are computed, before the gradients of its inputs; a returned
        tuple of the same length replaces ``grad_output``. ``prepend=True``
        runs it before the hooks already registered. Returns a handle whose
        ``remove()`` unregisters it."""
        return hook_tools.add_hook(self._backward_pre_hooks, hook, prepend)

    # ---- traversal ----------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module ("" or ``prefix``) and every
        descendant, depth first in definition order; a module reachable twice
        is listed once unless ``remove_duplicate=False``. ``memo``, a set of
        module ids already listed, is the recursion's own."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            child_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self):
        """This module and every descendant (each once)."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """(name, module) of the direct children, each module once."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        """The direct child modules, each once."""
        for _, child in self.named_children():
            yield child

    def _named_members(self, members, prefix, recurse, remove_duplicate):
        seen = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for name, value in members(module):
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) of this module's parameters and, with
        ``recurse`` (default), its descendants'; a shared parameter is listed
        once unless ``remove_duplicate=False``. Names start with ``prefix``
        and a dot when it is given."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                   remove_duplicate)

    def parameters(self, recurse=True):
        """The Parameters, with ``recurse`` (default True) those of the
        descendants too (see ``named_parameters``)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Tensor) of the registered buffers; ``prefix``,
        ``recurse`` and ``remove_duplicate`` as ``named_parameters``."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                   remove_duplicate)

    def buffers(self, recurse=True):
        """The registered buffers, with ``recurse`` (default True) those of the
        descendants too (see ``named_buffers``)."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn):
        """Call ``fn(module)`` on every child (recursively) and then on self,
        e.g. to initialise weights; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ------------------------------------------------
    def train(self, mode=True):
        """Training mode (``mode=True``) or evaluation mode for this module and
        its descendants; returns self."""
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError("training mode is expected to be boolean")
        object.__setattr__(self, "training", bool(mode))
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every parameter: to None with ``set_to_none``
        (the default), else to zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad = param.grad.detach()
                param.grad.zero_()

    def requires_grad_(self, requires_grad=True):
        """Switch gradient recording of every parameter on or off; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # ---- devices and state --------------------------------------------------
    def _apply_to_tensors(self, convert):
        """Replace the storage of every parameter and buffer (and gradient) by
        ``convert(tensor)``, in place: the same Parameter objects stay, so
        optimizers built earlier remain valid."""
        with no_grad():
            for tensor in list(self.parameters()) + list(self.buffers()):
                tensor.data = convert(tensor.detach())
                if tensor.grad is not None:
                    tensor.grad = convert(tensor.grad.detach())
        return self

    def to(self, *args, **kwargs):
        """Move (``to("cuda")``) and/or convert (``to(minidl.float64)``) every
        parameter and buffer in place; only floating point ones change dtype,
        as in PyTorch. Returns the module."""
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, str):
                device = arg
            elif arg is not None:
                dtype = arg
        if dtype is not None:
            dtype = _checks.float_dtype("Module.to", dtype)

        def convert(t):
            target = dtype if dtype is not None and t.dtype.kind == "f" else None
            return conversion.to(t, device=device, dtype=target)
        return self._apply_to_tensors(convert)

    def cpu(self):
        """Move the parameters and buffers to the CPU; returns self."""
        return self.to("cpu")

    def cuda(self, device=None):
        """Move the parameters and buffers to the GPU; returns self. ``device``
        is accepted for PyTorch's signature (minidl uses one GPU)."""
        return self.to("cuda")

    def double(self):
        """Floating point parameters and buffers as float64."""
        return self.to(dtype=np.float64)

    def float(self):
        """Floating point parameters and buffers as float32."""
        return self.to(dtype=np.float32)

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """Ordered dotted name -> Tensor of every parameter and persistent buffer,
        module by module (each module's parameters, then its buffers, then its
        children's entries), with PyTorch's keys.

        Args:
            destination: a dict to fill and return. Default: a new OrderedDict.
            prefix: put in front of every key. Default: "".
            keep_vars: the parameters and buffers themselves instead of detached
                tensors sharing their storage. Default: False.
        """
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy values in place from a dict of Tensors or NumPy arrays with the
        keys of ``state_dict()``. With ``strict`` (default) the keys must match
        exactly. Returns ``(missing_keys, unexpected_keys)``."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of tensors or arrays, got "
                            f"{type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys "
                           f"{unexpected}")
        # check every entry before copying any, so a bad state dict changes nothing
        arrays = {}
        for name, tensor in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            array = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError(f"load_state_dict: {name} holds {type(value).__name__} of "
                                f"dtype {array.dtype}, not numbers")
            if tuple(array.shape) != tensor.shape:
                raise ValueError(f"load_state_dict: {name} has shape {tuple(array.shape)} "
                                 f"in the state dict but {tensor.shape} in the model")
            arrays[name] = array
        with no_grad():
            for name, array in arrays.items():
                tensor = own[name]
                tensor.copy_(creation.tensor(array, dtype=tensor.dtype, device=tensor.device))
        return IncompatibleKeys(missing, unexpected)

    # ---- printing -------------------------------------------------------------
    def extra_repr(self):
        """The module's own settings for ``repr`` (one line, or several)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {indent(repr(module), 2)}"
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


def indent(text, spaces):
    """Every line of ``text`` but the first indented by ``spaces`` (PyTorch's
    nesting of module reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])

"""Module: the base class of layers, with PyTorch's bookkeeping.

Attributes that are Parameters, Modules or registered buffers are tracked in
three ordered dicts, so parameters(), state_dict() and to() find them in
definition order, with PyTorch's dotted names ("0.weight", "bn.running_mean").
"""

from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from .. import _checks
from ..api import conversion, creation
from ..autograd import no_grad
from ..tensor import Tensor
from .parameter import Parameter


class _RemovableHandle:
    def __init__(self, registry, key):
        self._registry = registry
        self._key = key

    def remove(self):
        self._registry.pop(self._key, None)


class Module:
    """Base class: subclasses set layers and Parameters as attributes and
    define ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_hook_counter", 0)
        object.__setattr__(self, "training", True)

    # ---- registration -----------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 "assigning attributes")
        if isinstance(value, Parameter):
            self._buffers.pop(name, None)
            self._modules.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._buffers.pop(name, None)
            self._modules[name] = value
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"buffer {name!r} must be a Tensor or None")
            self._buffers[name] = value
        else:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name, tensor):
        """Track a tensor that is state but not learned (running statistics)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None")
        self._buffers[name] = tensor
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name, param):
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None")
        if param is None:
            self._parameters.pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def add_module(self, name, module):
        setattr(self, name, module)

    # ---- calling ------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if self._backward_hooks and isinstance(output, Tensor) and output.requires_grad:
            output = _attach_backward_hooks(self, output)
        return output

    def register_forward_hook(self, hook):
        """``hook(module, inputs, output)`` after every forward; a returned
        value replaces the output. Returns a handle with remove()."""
        return self._add_hook(self._forward_hooks, hook)

    def register_full_backward_hook(self, hook):
        """``hook(module, grad_output)`` when the gradient of this module's
        output is computed (a returned tensor replaces it)."""
        return self._add_hook(self._backward_hooks, hook)

    def _add_hook(self, registry, hook):
        key = self._hook_counter
        object.__setattr__(self, "_hook_counter", key + 1)
        registry[key] = hook
        return _RemovableHandle(registry, key)

    # ---- traversal ----------------------------------------------------------
    def named_modules(self, prefix=""):
        stack = [(prefix, self)]
        seen = set()
        while stack:
            name, module = stack.pop(0)
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            for child_name, child in module._modules.items():
                if child is not None:
                    stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def named_parameters(self, prefix=""):
        seen = set()
        for module_name, module in self.named_modules(prefix):
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self):
        for _, param in self.named_parameters():
            yield param

    def named_buffers(self, prefix=""):
        for module_name, module in self.named_modules(prefix):
            for name, buf in module._buffers.items():
                if buf is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buf

    def buffers(self):
        for _, buf in self.named_buffers():
            yield buf

    # ---- modes and gradients ------------------------------------------------
    def train(self, mode=True):
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad.zero_()

    def requires_grad_(self, flag=True):
        for param in self.parameters():
            param.requires_grad_(flag)
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
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda")

    def double(self):
        """Floating point parameters and buffers as float64."""
        return self.to(dtype=np.float64)

    def float(self):
        """Floating point parameters and buffers as float32."""
        return self.to(dtype=np.float32)

    def state_dict(self):
        """Ordered name -> Tensor with PyTorch's key names (detached views)."""
        state = OrderedDict()
        for name, param in self.named_parameters():
            state[name] = param.detach()
        for name, buf in self.named_buffers():
            state[name] = buf.detach()
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy values in place from a dict of Tensors or NumPy arrays."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of tensors or arrays, got "
                            f"{type(state_dict).__name__}")
        own = OrderedDict(list(self.named_parameters()) + list(self.named_buffers()))
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
        return missing, unexpected

    # ---- printing -------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        lines.append(")")
        return "\n".join(lines)


def _attach_backward_hooks(module, output):
    """Route the output's gradient through the module's backward hooks."""

    def run_hooks(grad):
        for hook in list(module._backward_hooks.values()):
            result = hook(module, grad)
            if result is not None:
                grad = result
        return grad

    output.register_hook(run_hooks)
    return output

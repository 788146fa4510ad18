"""Module hooks: the removable handle every ``register_*_hook`` returns, and
the machinery behind ``register_full_backward_hook`` and
``register_full_backward_pre_hook``.

A module with backward hooks routes its tensor inputs and outputs through
identity ops (one node for all inputs, one for all outputs), as PyTorch's
``BackwardHook`` does. The output node's backward sees the gradients of the
outputs (``grad_output``, which the pre-hooks may replace); the input node's
backward, which runs once everything inside the module has been
differentiated, sees the gradients of the inputs (``grad_input``, which the
hooks may replace) and calls ``hook(module, grad_input, grad_output)``.
"""

import warnings

from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor


class RemovableHandle:
    """What ``register_*_hook`` returns: ``remove()`` unregisters the hook
    (idempotent); also a context manager that removes it on exit."""

    _next_id = 0

    def __init__(self, *registries):
        self._registries = registries
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        for registry in self._registries:
            registry.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()
        return False


def add_hook(registry, hook, prepend=False, extra=None):
    """Register ``hook`` in the ordered dict ``registry`` (first when
    ``prepend``); ``extra`` is a set that records the hook's id (the hooks
    that take keyword arguments). Returns the handle."""
    if not callable(hook):
        raise TypeError(f"hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(registry, extra if extra is not None else {})
    registry[handle.id] = hook
    if prepend:
        registry.move_to_end(handle.id, last=False)
    if extra is not None:
        extra[handle.id] = True
    return handle


class _HookIdentity(Function):
    """Identity on several tensors whose backward hands their gradients to a
    callback (which may replace them)."""

    @staticmethod
    def forward(ctx, on_backward, *tensors):
        ctx.on_backward = on_backward
        return tuple(tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.on_backward(grads))


def _through_identity(values, on_backward):
    """(new values, positions of the tensors routed) for the tensors among
    ``values`` that require grad, or (values, None) when none does (or
    recording is off)."""
    positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if not positions or not is_grad_enabled():
        return values, None
    sources = [values[i] for i in positions]
    routed = _HookIdentity.apply(on_backward, *sources)
    values = list(values)
    for i, source, new in zip(positions, sources, routed):
        new._version = source._version  # the same storage: in-place changes count for both
        values[i] = new
    return tuple(values), positions


def _packed(positions, grads, count):
    """A tuple of ``count`` gradients: ``grads`` at ``positions``, None elsewhere."""
    out = [None] * count
    for i, g in zip(positions, grads):
        out[i] = g
    return tuple(out)


class BackwardHook:
    """One forward call's hook state: set up the inputs before forward and the
    outputs after it."""

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = list(hooks.values())
        self.pre_hooks = list(pre_hooks.values())
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions = None
        self.n_outputs = 0
        self.output_positions = None

    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        args, self.input_positions = _through_identity(args, self._input_backward)
        return args

    def setup_output_hook(self, output):
        single = not isinstance(output, tuple)
        outputs = (output,) if single else output
        self.n_outputs = len(outputs)
        outputs, self.output_positions = _through_identity(outputs, self._output_backward)
        return outputs[0] if single else outputs

    def _output_backward(self, grads):
        self.grad_outputs = _packed(self.output_positions, grads, self.n_outputs)
        for hook in self.pre_hooks:
            result = hook(self.module, self.grad_outputs)
            if result is None:
                continue
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(self.grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(result)}, but expected "
                                   f"{len(self.grad_outputs)}")
            self.grad_outputs = result
        grad_outputs = self.grad_outputs
        if self.input_positions is None:
            # no input requires grad: the hooks fire now, with no input gradients
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients.",
                          stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                result = hook(self.module, grad_inputs, grad_outputs)
                if result is not None and not (isinstance(result, tuple)
                                               and all(r is None for r in result)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return tuple(grad_outputs[i] for i in self.output_positions)

    def _input_backward(self, grads):
        if self.grad_outputs is None:
            # the gradient reached the inputs without passing through the outputs
            return grads
        grad_inputs = _packed(self.input_positions, grads, self.n_inputs)
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is None:
                continue
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(grad_inputs):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(result)}, but expected {len(grad_inputs)}")
            grad_inputs = result
        self.grad_outputs = None
        return tuple(grad_inputs[i] for i in self.input_positions)

"""The define-by-run engine: Function, the graph node it records, no_grad,
and the iterative backward pass.

Every differentiable operation is a :class:`Function` subclass with a static
``forward(ctx, *args)`` and ``backward(ctx, grad)`` side by side, both working
on raw backend arrays through ``ctx.backend``. ``Function.apply`` runs the
forward on the inputs' device and, when gradients are wanted, records a
:class:`Node` on the output tensor. ``backward`` walks those nodes in reverse
topological order, found without recursion so graphs of any depth work.
"""

from contextlib import contextmanager

from .backend import get_backend


class _GradMode:
    enabled = True


def is_grad_enabled():
    return _GradMode.enabled


@contextmanager
def no_grad():
    """Run the block without recording a graph (evaluation, updates)."""
    previous = _GradMode.enabled
    _GradMode.enabled = False
    try:
        yield
    finally:
        _GradMode.enabled = previous


@contextmanager
def enable_grad():
    previous = _GradMode.enabled
    _GradMode.enabled = True
    try:
        yield
    finally:
        _GradMode.enabled = previous


class Context:
    """What a Function's forward leaves for its backward.

    ``needs_input_grad[i]`` tells backward whether argument ``i`` wants a
    gradient, so work nobody needs can be skipped."""

    __slots__ = ("backend", "needs_input_grad", "saved", "__dict__")

    def __init__(self, backend, needs_input_grad):
        self.backend = backend
        self.needs_input_grad = needs_input_grad
        self.saved = ()

    def save_for_backward(self, *arrays):
        self.saved = arrays


class Node:
    """One recorded operation: the Function, its context and its inputs."""

    __slots__ = ("function", "ctx", "inputs", "released", "created_at")

    def __init__(self, function, ctx, inputs):
        self.function = function
        self.ctx = ctx
        self.inputs = inputs  # the Tensor arguments, or None for constants
        self.released = False
        self.created_at = None  # the user's stack, kept only under detect_anomaly

    @property
    def op_name(self):
        return self.function.__name__

    def release(self):
        """Drop saved arrays and inputs once backward has used them."""
        self.ctx = None
        self.inputs = ()
        self.released = True


class Function:
    """Base class of differentiable operations.

    Subclasses define ``forward(ctx, *args, **kwargs)`` returning one backend
    array, and ``backward(ctx, grad)`` returning one gradient (or None) per
    positional argument. Positional arguments that are Tensors are unwrapped
    to their arrays; anything else is passed through as a constant."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError  # abstract: every subclass defines it

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError  # abstract: every subclass defines it

    @classmethod
    def apply(cls, *args, **kwargs):
        from .tensor import Tensor

        device = None
        raw = []
        needs = []
        any_needs = False
        for arg in args:
            if isinstance(arg, Tensor):
                if device is None:
                    device = arg.device
                elif arg.device != device:
                    raise RuntimeError(
                        f"{cls.__name__}: expected all tensors on one device, "
                        f"found {device} and {arg.device}")
                raw.append(arg.data)
                wants = arg.requires_grad
                needs.append(wants)
                any_needs = any_needs or wants
            else:
                raw.append(arg)
                needs.append(False)
        if device is None:
            raise TypeError(f"{cls.__name__}: expected at least one Tensor argument")
        record = any_needs and _GradMode.enabled
        ctx = Context(get_backend(device), tuple(needs))
        out = cls.forward(ctx, *raw, **kwargs)
        # A device move is the one op whose output lives elsewhere.
        result = Tensor._wrap(out, getattr(ctx, "output_device", device))
        if record or _anomaly_hook is not None:
            inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
            if record:
                result.requires_grad = True
                result._node = Node(cls, ctx, inputs)
            if _anomaly_hook is not None:
                _anomaly_hook.after_forward(cls.__name__, inputs, result, result._node)
        return result


# Set by minidl.anomaly.detect_anomaly: an object whose after_forward and
# after_backward methods see every op's output and every gradient.
_anomaly_hook = None
# Set by minidl.tracing: called after each node's backward (see ObserverContext).
_backward_observer = None


def unbroadcast(backend, grad, shape, dtype):
    """Sum ``grad`` down to ``shape`` (undoing NumPy broadcasting) and cast
    it to ``dtype``. The single place where broadcasting is undone."""
    if grad.shape != shape:
        extra = grad.ndim - len(shape)
        axes = tuple(range(extra)) + tuple(
            extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
        if axes:
            grad = backend.sum(grad, axes, True)
        grad = backend.reshape(grad, shape)
    if grad.dtype != dtype:
        grad = backend.astype(grad, dtype)
    return grad


def _topological_order(root, grad_only=True):
    """Tensors reachable from ``root`` through recorded nodes, each after
    all the tensors it was computed from (iterative depth-first search, so
    deep graphs do not recurse). Inputs are visited in argument order.

    ``grad_only`` skips inputs that do not require grad (what backward
    needs); drawing a graph keeps them, so data tensors appear too."""
    order = []
    visited = set()
    stack = [(root, False)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        node = tensor._node
        if node is not None:
            for parent in reversed(node.inputs):
                if (parent is not None and id(parent) not in visited
                        and (parent.requires_grad or not grad_only)):
                    stack.append((parent, False))
    return order


def backward(root, grad=None, retain_graph=False):
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that
    requires a gradient. ``grad`` seeds the pass (ones for a scalar root)."""
    from .tensor import Tensor

    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no graph "
            "(was it computed under no_grad, or from tensors without requires_grad?)")
    backend = get_backend(root.device)
    if grad is None:
        if root.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for a tensor with one "
                f"element, got shape {root.shape}; pass grad= of that shape")
        seed = backend.full(root.shape, 1.0, root.dtype)
    else:
        seed = grad.data if isinstance(grad, Tensor) else backend.from_numpy(grad, root.dtype)
        if tuple(seed.shape) != root.shape:
            raise ValueError(
                f"backward: grad has shape {tuple(seed.shape)} but the tensor has "
                f"shape {root.shape}")

    grads = {id(root): seed}
    for tensor in reversed(_topological_order(root)):
        g = grads.pop(id(tensor), None)
        if g is None:
            continue
        for hook in tensor._hooks:
            replaced = hook(Tensor._wrap(g, tensor.device))
            if replaced is not None:
                g = replaced.data
        node = tensor._node
        if node is None:
            _accumulate_leaf(tensor, g)
            continue
        if node.released:
            raise RuntimeError(
                f"backward: the graph through {node.op_name} was already freed by an "
                "earlier backward; call backward(retain_graph=True) the first time")
        if tensor._retains_grad:
            _accumulate_leaf(tensor, g)
        input_grads = node.function.backward(node.ctx, g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        if _backward_observer is not None:
            _backward_observer(node, tensor, g, input_grads)
        for index, (parent, pg) in enumerate(zip(node.inputs, input_grads)):
            if parent is None or pg is None or not parent.requires_grad:
                continue
            if tuple(pg.shape) != parent.shape:
                raise RuntimeError(
                    f"{node.op_name}.backward returned a gradient of shape "
                    f"{tuple(pg.shape)} for an input of shape {parent.shape}")
            if _anomaly_hook is not None:
                _anomaly_hook.after_backward(node, index, pg, parent.device)
            key = id(parent)
            previous = grads.get(key)
            if previous is None:
                grads[key] = pg
            else:
                grads[key] = get_backend(parent.device).add(previous, pg)
        if not retain_graph:
            node.release()


def _accumulate_leaf(tensor, g):
    from .tensor import Tensor

    if g.dtype != tensor.dtype:
        g = get_backend(tensor.device).astype(g, tensor.dtype)
    if tensor.grad is None:
        tensor.grad = Tensor._wrap(g, tensor.device)
    else:
        tensor.grad = Tensor._wrap(get_backend(tensor.device).add(tensor.grad.data, g),
                                   tensor.device)


def trace(file=None):
    """Print each backward step (op, shapes, gradient norms); see minidl.tracing."""
    from .tracing import trace as _trace

    return _trace(file)

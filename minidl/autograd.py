"""The define-by-run engine: gradient mode, Function, the graph it records,
and the backward pass (``backward`` and ``grad``).

Two kinds of differentiable operation share one machinery:

- :class:`Function` is PyTorch's custom-op API: ``forward(ctx, *args)`` and
  ``backward(ctx, *grads)`` receive and return Tensors, ``ctx.save_for_backward``
  keeps tensors and ``ctx.saved_tensors`` gives them back.
- :class:`BackendFunction` is how minidl's own ops (``minidl.ops``) are written:
  the same two static methods, but on raw backend arrays through
  ``ctx.backend``, so the math runs on any device without Tensor overhead.

``Function.apply`` runs the forward and, when a gradient is wanted, records a
:class:`Node` on the output: the function, its context and its Tensor inputs.
Backward walks the nodes in reverse topological order (found without recursion,
so graphs of any depth work), sums the gradients that reach each tensor, calls
each node's backward once and accumulates into the leaves' ``.grad``.

With ``create_graph=True`` the gradients are Tensors and each backward runs
with recording on, so the result can be differentiated again. A BackendFunction
then computes its backward through :class:`DifferentiablePrimitives`: the same
formula, with each backend primitive replaced by the op that differentiates it.

Tools that watch the engine (anomaly detection, tracing, the profiler, graph
export) subclass :class:`Observer` and register it with ``add_observer``; the
engine calls them and knows nothing else about them.
"""

import weakref
from contextlib import contextmanager

from . import _checks
from .backend import get_backend
from .tensor import Tensor, VersionCounter

# ---------------------------------------------------------------- grad mode


class _GradMode:
    enabled = True


def is_grad_enabled():
    """Whether new operations are recorded for backward."""
    return _GradMode.enabled


class set_grad_enabled:
    """Switch recording on or off: as a call, or as a context manager that
    restores the previous mode on exit."""

    def __init__(self, mode):
        self._previous = _GradMode.enabled
        _GradMode.enabled = _checks.boolean("set_grad_enabled", "mode", mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _GradMode.enabled = self._previous
        return False


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
    """Record the block even inside ``no_grad``."""
    previous = _GradMode.enabled
    _GradMode.enabled = True
    try:
        yield
    finally:
        _GradMode.enabled = previous


# inference_mode is no_grad here: minidl has no cheaper mode to offer.
inference_mode = no_grad


# ---------------------------------------------------------------- observers


class Observer:
    """Base class of tools that watch the engine; override what you need.

    ``before_forward(function)`` and ``after_forward(function, args, kwargs,
    output, node)`` bracket every ``Function.apply`` (``node`` is None when
    nothing was recorded); ``before_backward(node)`` and ``after_backward(node,
    grads, input_grads)`` bracket every node's backward, with the gradients of
    its outputs and the ones it returned for its inputs (backend arrays, or
    Tensors under ``create_graph=True``)."""

    def before_forward(self, function):
        pass

    def after_forward(self, function, args, kwargs, output, node):
        pass

    def before_backward(self, node):
        pass

    def after_backward(self, node, grads, input_grads):
        pass


_observers = []


class _ObserverHandle:
    def __init__(self, observer):
        self._observer = observer

    def remove(self):
        """Stop calling the observer (idempotent)."""
        if self._observer in _observers:
            _observers.remove(self._observer)


def add_observer(observer):
    """Call ``observer`` (an :class:`Observer`) from now on; returns a handle
    whose ``remove()`` stops it. Observers are called in registration order."""
    if not isinstance(observer, Observer):
        raise TypeError(f"add_observer: expected an autograd.Observer, got "
                        f"{type(observer).__name__}")
    _observers.append(observer)
    return _ObserverHandle(observer)


# ---------------------------------------------------------------- the graph


class Context:
    """What a forward leaves for its backward.

    ``needs_input_grad[i]`` says whether positional argument ``i`` wants a
    gradient, so backward can skip work nobody needs. ``backend`` is the
    device's primitives (BackendFunction) and ``device`` where the op runs;
    an op that moves data sets ``ctx.device`` to where its output lives."""

    __slots__ = ("backend", "device", "needs_input_grad", "saved", "__dict__")

    def __init__(self, backend, device, needs_input_grad):
        self.backend = backend
        self.device = device
        self.needs_input_grad = needs_input_grad
        self.saved = ()

    def save_for_backward(self, *values):
        """Keep arrays (BackendFunction) or tensors (Function) for backward.

        Saved inputs and outputs are checked at backward time: modifying one
        in place in between raises, as in PyTorch."""
        self.saved = values

    @property
    def saved_tensors(self):
        return self.saved


class Node:
    """One recorded operation: the function, its context, its inputs (Tensors,
    or None for constant arguments) and what backward needs to check.

    ``edges[i]`` is the (node, output index) that produced input i *when the
    op ran*, or None for a leaf or a constant. Backward follows the edges, not
    the tensors, so an in-place update that later gives an input tensor a new
    node does not change where this op's gradient goes (as in PyTorch)."""

    __slots__ = ("function", "ctx", "inputs", "edges", "n_outputs", "output_hooks",
                 "saved_versions", "saved_sources", "output_ref", "metadata", "released")

    def __init__(self, function, ctx, inputs, n_outputs=1):
        self.function = function
        self.ctx = ctx
        self.inputs = inputs
        self.edges = tuple(None if t is None or t._node is None else (t._node, t._output_index)
                           for t in inputs)
        self.n_outputs = n_outputs
        self.output_hooks = None    # {output index: [hook, ...]} for non-leaf tensors
        self.saved_versions = ()    # ((VersionCounter, version), ...) of saved tensors
        self.saved_sources = None   # where each saved array came from (create_graph)
        self.output_ref = None      # weak reference to the output, when it was saved
        self.metadata = None        # a dict tools may use (anomaly keeps the call site)
        self.released = False

    @property
    def op_name(self):
        return self.function.__name__

    def name(self):
        """PyTorch's grad_fn name, e.g. ``MulBackward``."""
        return f"{self.function.__name__}Backward"

    @property
    def next_functions(self):
        """((node, output index) or (None, 0), ...) per input, as PyTorch's."""
        return tuple(edge if edge is not None else (None, 0) for edge in self.edges)

    def register_hook(self, index, hook):
        if self.output_hooks is None:
            self.output_hooks = {}
        self.output_hooks.setdefault(index, []).append(hook)

    def release(self):
        """Drop the saved values and inputs once backward has used them."""
        self.ctx = None
        self.inputs = ()
        self.edges = ()
        self.saved_sources = None
        self.released = True

    def __repr__(self):
        return f"<{self.name()}>"


# ---------------------------------------------------------------- Function

# BackendFunctions that stand for a backend primitive under create_graph
# (see DifferentiablePrimitives), by primitive name.
_DIFFERENTIABLE_PRIMITIVES = {}


class Function:
    """A differentiable operation with PyTorch's custom-Function API.

    Subclasses define static ``forward(ctx, *args)`` returning a Tensor (or a
    tuple of them) computed from the Tensor arguments, and ``backward(ctx,
    *grads)`` returning one gradient Tensor (or None) per positional argument
    of forward. Call it with ``MyFunction.apply(*args)``. Forward runs with
    recording off; backward runs with recording on only under
    ``create_graph=True``, so a backward written with differentiable tensor
    ops supports higher-order gradients."""

    # Set on BackendFunctions that can stand in for a backend primitive.
    primitive = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("primitive"):
            _DIFFERENTIABLE_PRIMITIVES[cls.primitive] = cls

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """The output Tensor (or tuple of Tensors) computed from the arguments;
        ``ctx.save_for_backward(*tensors)`` and attributes set on ``ctx`` keep
        what backward needs. Every subclass defines it."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        """One gradient Tensor (or None) per positional argument of forward,
        from ``grads``, the gradients of forward's outputs (``ctx`` as forward
        left it). Every subclass defines it."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward(ctx, *args, **kwargs)`` with recording off and, when a
        Tensor argument requires grad, record the call in the graph so that
        ``backward`` is called on the way back. Returns forward's output."""
        device, needs, any_needs = _scan_inputs(cls, args)
        ctx = Context(get_backend(device), device, needs)
        if _observers:
            _notify_before_forward(cls)
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = isinstance(result, Tensor)
        outputs = (result,) if single else tuple(result)
        for out in outputs:
            if not isinstance(out, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple of "
                                f"Tensors, got {type(out).__name__}")
        node = None
        if any_needs and _GradMode.enabled:
            node = Node(cls, ctx, _tensor_inputs(args), len(outputs))
            # Fresh Tensors carry the graph; an input returned as is stays untouched.
            outputs = tuple(Tensor._wrap(out._data, out.device) for out in outputs)
            for index, out in enumerate(outputs):
                out._node = node
                out._output_index = index
                out._requires_grad = out.dtype.kind == "f"
            node.saved_versions = tuple((t._version, t._version.value)
                                        for t in ctx.saved if isinstance(t, Tensor))
        out = outputs[0] if single else outputs
        if _observers:
            _notify_after_forward(cls, args, kwargs, out, node)
        return out


class BackendFunction(Function):
    """A differentiable op written on backend arrays: minidl's own ops.

    ``forward(ctx, *args)`` receives each Tensor argument as its backend array
    (other arguments as they are) and returns one backend array, computed with
    ``ctx.backend``'s primitives; ``backward(ctx, grad)`` returns one gradient
    array (or None) per positional argument. Arrays passed to
    ``ctx.save_for_backward`` are read back from ``ctx.saved``.

    Set ``primitive = "name"`` on an op whose forward is the backend primitive
    of that name (``"unary_math.sin"`` for ``unary_math("sin", x)``), so
    higher-order gradients can differentiate through it, and
    ``double_differentiable = True`` on an op whose backward uses only saved
    inputs, saved outputs and values whose derivative is zero (masks, counts):
    only then is its backward itself differentiable."""

    double_differentiable = False

    @classmethod
    def apply(cls, *args, **kwargs):
        # one pass over the arguments: this runs for every op, ~25 times a training step
        # of a small MLP, where the per-op overhead is most of the time
        device = None
        needs = []
        raw = []
        for arg in args:
            if isinstance(arg, Tensor):
                if device is None:
                    device = arg.device
                elif arg.device != device:
                    _different_devices(cls, device, arg.device)
                needs.append(arg._requires_grad)
                raw.append(arg._data)
            else:
                needs.append(False)
                raw.append(arg)
        if device is None:
            raise TypeError(f"{cls.__name__}: expected at least one Tensor argument")
        needs = tuple(needs)
        ctx = Context(get_backend(device), device, needs)
        if _observers:
            _notify_before_forward(cls)
        out = cls.forward(ctx, *raw, **kwargs)
        result = Tensor._wrap(out, ctx.device)
        node = None
        if True in needs and _GradMode.enabled:
            inputs = _tensor_inputs(args)
            node = Node(cls, ctx, inputs)
            result._node = node
            result._requires_grad = True
            if ctx.saved:
                _remember_saved(node, ctx.saved, inputs, result)
        if _observers:
            _notify_after_forward(cls, args, kwargs, result, node)
        return result


def _different_devices(cls, first, other):
    raise RuntimeError(f"{cls.__name__}: expected all tensors on one device, "
                       f"found {first} and {other}")


def _scan_inputs(cls, args):
    """(device, needs_input_grad, any_needs) of the positional arguments."""
    device = None
    needs = []
    any_needs = False
    for arg in args:
        if isinstance(arg, Tensor):
            if device is None:
                device = arg.device
            elif arg.device != device:
                _different_devices(cls, device, arg.device)
            wants = arg._requires_grad
            needs.append(wants)
            any_needs = any_needs or wants
        else:
            needs.append(False)
    if device is None:
        raise TypeError(f"{cls.__name__}: expected at least one Tensor argument")
    return device, tuple(needs), any_needs


def _tensor_inputs(args):
    return tuple(a if isinstance(a, Tensor) else None for a in args)


def _remember_saved(node, saved, inputs, output):
    """Record the version of every input or output a BackendFunction saved,
    and where each saved array came from (create_graph needs the tensors)."""
    versions = []
    sources = []
    arrays = [None if t is None else t._data for t in inputs]
    output_data = output._data
    for array in saved:
        source = None
        if array is output_data:
            source = -1
            versions.append((output._version, output._version.value))
            node.output_ref = weakref.ref(output)
        elif array is not None:
            for index, candidate in enumerate(arrays):
                if array is candidate:
                    t = inputs[index]
                    source = index
                    versions.append((t._version, t._version.value))
                    break
        sources.append(source)
    node.saved_versions = tuple(versions)
    node.saved_sources = tuple(sources)


def _notify_before_forward(function):
    for observer in tuple(_observers):
        observer.before_forward(function)


def _notify_after_forward(function, args, kwargs, output, node):
    for observer in tuple(_observers):
        observer.after_forward(function, args, kwargs, output, node)


# ---------------------------------------------------------------- backward


def unbroadcast(backend, grad, shape, dtype):
    """Sum ``grad`` down to ``shape`` (undoing broadcasting) and cast it to
    ``dtype``. The single place where broadcasting is undone."""
    if tuple(grad.shape) != shape:
        extra = len(grad.shape) - len(shape)
        axes = tuple(range(extra)) + tuple(
            extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
        if axes:
            grad = backend.sum(grad, axes, True)
        grad = backend.reshape(grad, shape)
    if grad.dtype != dtype:
        grad = backend.astype(grad, dtype)
    return grad


def graph_nodes(roots):
    """The nodes reachable from ``roots`` (tensors), each after every node that
    consumes one of its outputs: the order backward runs them in. Iterative
    depth-first search, so deep graphs do not recurse."""
    order = []
    visited = set()
    stack = [(t._node, False) for t in reversed(roots) if t._node is not None]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for edge in reversed(node.edges):
            if edge is not None and id(edge[0]) not in visited:
                stack.append((edge[0], False))
    order.reverse()
    return order


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of every leaf
    that requires grad (or only of ``inputs`` when given), as
    ``torch.autograd.backward``. ``grad_tensors`` seed the pass (ones for a
    one-element tensor)."""
    roots, seeds = _roots_and_seeds("backward", tensors, grad_tensors, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    only = None if inputs is None else _as_tensor_list("backward", "inputs", inputs)
    _run_backward(roots, seeds, bool(retain_graph), bool(create_graph), only=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned as a
    tuple instead of accumulated into ``.grad``, as ``torch.autograd.grad``.

    With ``create_graph=True`` the results carry a graph of their own, so they
    can be differentiated again (Hessian-vector products, gradient penalties)."""
    roots, seeds = _roots_and_seeds("grad", outputs, grad_outputs, create_graph)
    wanted = _as_tensor_list("grad", "inputs", inputs)
    for t in wanted:
        if not t._requires_grad:
            raise RuntimeError("grad: one of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    found = _run_backward(roots, seeds, bool(retain_graph), bool(create_graph),
                          capture=wanted)
    results = []
    for index, t in enumerate(wanted):
        g = found.get(index)
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {index} of shape {t.shape} was not used in the "
                               "graph; pass allow_unused=True to get None for it")
        results.append(g if g is None or create_graph else Tensor._wrap(g, t.device))
    return tuple(results)


def _as_tensor_list(op, name, values):
    if isinstance(values, Tensor):
        return [values]
    values = list(values)
    for v in values:
        if not isinstance(v, Tensor):
            raise TypeError(f"{op}: {name} must be Tensors, got {type(v).__name__}")
    return values


def _roots_and_seeds(op, tensors, grads, create_graph):
    roots = _as_tensor_list(op, "outputs", tensors)
    if grads is None:
        grads = [None] * len(roots)
    elif isinstance(grads, Tensor):
        grads = [grads]
    else:
        grads = list(grads)
    if len(grads) != len(roots):
        raise ValueError(f"{op}: got {len(roots)} tensors but {len(grads)} gradients")
    seeds = []
    for root, g in zip(roots, grads):
        if not root._requires_grad:
            raise RuntimeError(
                f"{op}: element 0 of tensors does not require grad and does not have a "
                "grad_fn (was it computed under no_grad, or from tensors without "
                "requires_grad?)")
        if g is None:
            if root.numel() != 1:
                raise RuntimeError(f"{op}: grad can be implicitly created only for a tensor "
                                   f"with one element, got shape {root.shape}; pass a "
                                   "gradient of that shape")
            seed = get_backend(root.device).full(root.shape, 1, root.dtype)
            seeds.append(Tensor._wrap(seed, root.device) if create_graph else seed)
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"{op}: gradients must be Tensors, got {type(g).__name__}")
        if g.shape != root.shape:
            raise RuntimeError(f"{op}: a gradient of shape {g.shape} was given for a tensor "
                               f"of shape {root.shape}")
        if g.device != root.device:
            raise RuntimeError(f"{op}: gradient on {g.device} for a tensor on {root.device}")
        seeds.append(g if create_graph else g._data)
    return roots, seeds


def _run_backward(roots, seeds, retain_graph, create_graph, capture=None, only=None):
    """The backward pass. Gradients are backend arrays, or Tensors under
    ``create_graph``. Leaf gradients are summed first, then each leaf's hooks
    run once and the result is added to its ``.grad`` - unless ``capture``
    (the inputs of ``grad()``) is given: then the gradients of those tensors
    are returned by position and no ``.grad`` is touched."""
    ops = _TensorGradOps() if create_graph else _ArrayGradOps()
    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    try:
        node_grads = {}   # id(node) -> [grad per output]
        leaf_grads = {}   # id(leaf) -> [leaf, summed grad]
        for root, seed in zip(roots, seeds):
            edge = None if root._node is None else (root._node, root._output_index)
            _send(ops, node_grads, leaf_grads, root, seed, edge)
        captured = {}
        capture_leaves = {}
        capture_outputs = {}
        if capture is not None:
            for index, t in enumerate(capture):
                if t._node is None:
                    capture_leaves[id(t)] = index
                else:
                    capture_outputs[(id(t._node), t._output_index)] = index
        for node in graph_nodes(roots):
            grads = node_grads.pop(id(node), None)
            if grads is None:
                continue
            if node.released:
                raise RuntimeError(
                    f"backward: trying to backward through the graph a second time (through "
                    f"{node.name()}); the saved values were freed after the first "
                    "backward. Call backward(retain_graph=True) the first time")
            if node.output_hooks:
                grads = _run_output_hooks(ops, node, grads)
            if capture_outputs:
                for index, g in enumerate(grads):
                    position = capture_outputs.get((id(node), index))
                    if position is not None and g is not None:
                        captured[position] = g
            _check_saved_versions(node)
            if _observers:
                for observer in tuple(_observers):
                    observer.before_backward(node)
            input_grads = ops.call_backward(node, grads)
            if _observers:
                for observer in tuple(_observers):
                    observer.after_backward(node, grads, input_grads)
            for parent, edge, pg in zip(node.inputs, node.edges, input_grads):
                if parent is None or pg is None or (edge is None and not parent._requires_grad):
                    continue
                if pg.shape != parent._data.shape and tuple(pg.shape) != parent.shape:
                    raise RuntimeError(
                        f"{node.name()} returned a gradient of shape {tuple(pg.shape)} for "
                        f"an input of shape {parent.shape}")
                _send(ops, node_grads, leaf_grads, parent, pg, edge)
            if not retain_graph:
                node.release()
        for leaf, g in leaf_grads.values():
            if capture is not None:
                position = capture_leaves.get(id(leaf))
                if position is not None:
                    captured[position] = ops.finish_leaf(leaf, g)
            elif only is None or any(leaf is t for t in only):
                _accumulate_leaf(ops, leaf, g)
        return captured
    finally:
        _GradMode.enabled = previous_mode


def _send(ops, node_grads, leaf_grads, tensor, g, edge):
    """Add ``g`` to what has reached ``tensor`` so far: to its slot in the node
    of ``edge``, or for a leaf to its sum."""
    if edge is None:
        entry = leaf_grads.get(id(tensor))
        if entry is None:
            leaf_grads[id(tensor)] = [tensor, g]
        else:
            entry[1] = ops.add(entry[1], g, tensor.device)
        return
    node, index = edge
    slots = node_grads.get(id(node))
    if slots is None:
        slots = node_grads[id(node)] = [None] * node.n_outputs
    slots[index] = g if slots[index] is None else ops.add(slots[index], g, tensor.device)


def _run_output_hooks(ops, node, grads):
    grads = list(grads)
    for index, hooks in node.output_hooks.items():
        if grads[index] is None:
            continue
        for hook in hooks:
            replaced = hook(ops.as_tensor(grads[index], node.ctx.device))
            if replaced is not None:
                grads[index] = ops.from_tensor(replaced)
    return grads


def _check_saved_versions(node):
    for counter, version in node.saved_versions:
        if counter.value != version:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by "
                f"an inplace operation: a value saved by {node.op_name} is at version "
                f"{counter.value}; expected version {version} instead. Compute on a copy "
                "(.clone()) or move the in-place operation after backward")


def _accumulate_leaf(ops, leaf, g):
    g = ops.finish_leaf(leaf, g)
    if leaf.grad is None:
        leaf.grad = ops.as_tensor(g, leaf.device)
    else:
        leaf.grad = ops.as_tensor(ops.add(ops.from_tensor(leaf.grad), g, leaf.device),
                                  leaf.device)


class _ArrayGradOps:
    """Backward on backend arrays: the fast path."""

    @staticmethod
    def add(a, b, device):
        return get_backend(device).add(a, b)

    @staticmethod
    def as_tensor(g, device):
        return Tensor._wrap(g, device)

    @staticmethod
    def from_tensor(t):
        return t._data

    @staticmethod
    def finish_leaf(leaf, g):
        """Run the leaf's hooks and match its dtype."""
        for hook in leaf._hooks:
            replaced = hook(Tensor._wrap(g, leaf.device))
            if replaced is not None:
                g = replaced._data
        if g.dtype != leaf.dtype:
            g = get_backend(leaf.device).astype(g, leaf.dtype)
        return g

    @staticmethod
    def call_backward(node, grads):
        function = node.function
        ctx = node.ctx
        if issubclass(function, BackendFunction):
            result = function.backward(ctx, *grads)
        else:
            with no_grad():
                result = function.backward(ctx, *(
                    None if g is None else Tensor._wrap(g, ctx.device) for g in grads))
            result = _as_tuple(result)
            result = tuple(None if r is None else _grad_array(function, r) for r in result)
        return _as_tuple(result)


class _TensorGradOps:
    """Backward on Tensors with recording on: ``create_graph=True``."""

    @staticmethod
    def add(a, b, device):
        return a + b

    @staticmethod
    def as_tensor(g, device):
        return g

    @staticmethod
    def from_tensor(t):
        return t

    @staticmethod
    def finish_leaf(leaf, g):
        for hook in leaf._hooks:
            replaced = hook(g)
            if replaced is not None:
                g = replaced
        return g

    @staticmethod
    def call_backward(node, grads):
        function = node.function
        if issubclass(function, BackendFunction):
            if not function.double_differentiable:
                raise RuntimeError(
                    f"create_graph=True: the backward of {function.__name__} cannot be "
                    "differentiated again in minidl (its gradient formula runs as a "
                    "compiled kernel); use create_graph=False through this op")
            primitives = DifferentiablePrimitives(node)
            result = function.backward(primitives.context(), *grads)
        else:
            result = function.backward(node.ctx, *grads)
        return _as_tuple(result)


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def _grad_array(function, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{function.__name__}.backward must return Tensors or None, got "
                        f"{type(value).__name__}")
    return value._data


class DifferentiablePrimitives:
    """A stand-in for ``ctx.backend`` under ``create_graph=True``.

    Each primitive a backward formula calls is applied as the BackendFunction
    registered for it (``primitive = "mul"`` on ``ops.elementwise.Mul``), on
    Tensors, so the gradient itself is recorded. Primitives whose result has a
    zero derivative (comparisons, sign) run on the arrays and come back as
    constants. Saved arrays come back as the input or output tensors they
    were, so the second derivative flows through them."""

    _CONSTANT_RESULTS = frozenset({"compare", "sign", "argmax", "full"})

    def __init__(self, node):
        self._node = node
        self._backend = node.ctx.backend
        self._device = node.ctx.device

    def context(self):
        """A copy of the node's context whose backend and saved values are ours."""
        ctx = self._node.ctx
        view = Context(self, ctx.device, ctx.needs_input_grad)
        view.__dict__.update(ctx.__dict__)
        sources = self._node.saved_sources or (None,) * len(ctx.saved)
        view.saved = tuple(self._saved_tensor(array, source)
                           for array, source in zip(ctx.saved, sources))
        return view

    def _saved_tensor(self, array, source):
        if array is None:
            return None
        if source is None:
            return self._constant(array)
        if source == -1:
            output = self._node.output_ref()
            if output is None:
                raise RuntimeError(
                    f"create_graph=True: the output of {self._node.op_name}, which its "
                    "backward needs, no longer exists; keep a reference to it")
            return output
        return self._node.inputs[source]

    def _constant(self, value):
        if isinstance(value, Tensor) or not hasattr(value, "shape"):
            return value
        return Tensor._wrap(value, self._device)

    def __getattr__(self, name):
        if name in self._CONSTANT_RESULTS:
            primitive = getattr(self._backend, name)

            def constant(*args):
                raw = [a._data if isinstance(a, Tensor) else a for a in args]
                return self._constant(primitive(*raw))

            return constant
        if name in self._TABLE_PRIMITIVES:
            # unary_math("sin", x): the op's name picks the registered Function
            return lambda op, *args: self._applier(f"{name}.{op}")(*args)
        return self._applier(name)

    # primitives whose first argument names the op in a table (registered as "table.op")
    _TABLE_PRIMITIVES = frozenset({"unary_math", "binary_math"})

    def _applier(self, name):
        function = _DIFFERENTIABLE_PRIMITIVES.get(name)
        if function is None:
            raise RuntimeError(
                f"create_graph=True: the backward of {self._node.op_name} uses the primitive "
                f"{name!r}, which has no differentiable form yet")

        def apply(*args):
            args = [self._constant(a) for a in args]
            return function.apply(*args)

        return apply


__all__ = ["Function", "BackendFunction", "Context", "Node", "Observer", "add_observer",
           "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "inference_mode", "unbroadcast", "graph_nodes",
           "VersionCounter"]

"""Watching the backward pass: ``trace()`` prints every step the engine takes.

This file owns ``ObserverContext``, a ``with`` block during which an
``autograd.Observer`` sees every backward step (registered on entry,
removed on exit, so tools nest in any order), and ``Trace`` (returned by
``trace()``), which prints each step - op, output shape and gradient norm,
then every input's shape and gradient norm - and keeps the steps in
``.steps``. The engine itself is not changed.
"""

import math
import sys
from dataclasses import dataclass

import numpy as np

from .. import autograd
from ..backend import get_backend
from ..tensor import Tensor


def array_norm(array, device):
    """The Euclidean norm of a backend array (or a Tensor), as a Python float.

    Computed on the host in float64 so that float32 gradients of big
    tensors do not lose digits in the sum of squares."""
    if isinstance(array, Tensor):
        array, device = array._data, array.device
    host = np.asarray(get_backend(device).to_numpy(array), dtype=np.float64)
    return float(math.sqrt(float(np.sum(host * host))))


class ObserverContext(autograd.Observer):
    """A ``with`` block during which ``observe`` sees every backward step.

    Subclasses define ``observe(node, grads, input_grads)``: the node, the
    gradients of its outputs and the gradients it returned for its inputs."""

    def __init__(self):
        self._handle = None

    def observe(self, node, grads, input_grads):
        raise NotImplementedError(f"{type(self).__name__} must define observe()")

    def after_backward(self, node, grads, input_grads):
        self.observe(node, grads, input_grads)

    def __enter__(self):
        if self._handle is not None:
            raise RuntimeError(f"{type(self).__name__} is already active; create a new one")
        self._handle = autograd.add_observer(self)
        return self

    def __exit__(self, *exc_info):
        self._handle.remove()
        self._handle = None
        return False


@dataclass(frozen=True)
class InputGrad:
    """One tensor input of a traced step: its position among the op's
    arguments, its shape and the norm of the gradient sent to it.

    ``grad_norm`` is None when no gradient flows there (the tensor does not
    require grad). Python constants among the arguments are left out."""

    index: int
    shape: tuple
    grad_norm: object


@dataclass(frozen=True)
class TraceStep:
    """One backward step: the op, d(root)/d(output) and what went to each input."""

    number: int
    op: str
    output_shape: tuple
    grad_norm: float
    inputs: tuple

    def format(self):
        lines = [f"step {self.number}: {self.op} backward",
                 f"    grad of output  shape {shape_text(self.output_shape):<12} "
                 f"norm {self.grad_norm:.6g}"]
        for item in self.inputs:
            shape = shape_text(item.shape)
            norm = "no grad" if item.grad_norm is None else f"norm {item.grad_norm:.6g}"
            lines.append(f"    -> input {item.index}      shape {shape:<12} {norm}")
        return "\n".join(lines)


class Trace(ObserverContext):
    """Prints each backward step to ``file`` and keeps them in ``steps``.

    Steps come in the order the engine runs them: reverse topological order,
    from the root back towards the leaves, so reading down the output follows
    the chain rule one op at a time."""

    def __init__(self, file=None):
        super().__init__()
        if file is not None and not callable(getattr(file, "write", None)):
            raise TypeError(f"trace: file must have a write() method, got "
                            f"{type(file).__name__}")
        self.file = file
        self.steps = []

    def observe(self, node, grads, input_grads):
        device = node.ctx.device
        grad = grads[0]
        inputs = []
        for index, parent in enumerate(node.inputs):
            pg = input_grads[index] if index < len(input_grads) else None
            if parent is None:
                continue  # a Python constant (a scalar, an axis): not part of the graph
            flows = pg is not None and parent.requires_grad
            norm = array_norm(pg, parent.device) if flows else None
            inputs.append(InputGrad(index, parent.shape, norm))
        step = TraceStep(len(self.steps) + 1, node.op_name, tuple(grad.shape),
                         array_norm(grad, device), tuple(inputs))
        self.steps.append(step)
        # Looked up at print time so pytest's capsys (which swaps sys.stdout) sees it.
        print(step.format(), file=self.file if self.file is not None else sys.stdout)


def trace(file=None):
    """A context manager printing each backward step (op, shapes, gradient norms).

    ``with trace() as t: loss.backward()`` prints to ``file`` (default
    sys.stdout) and leaves the steps in ``t.steps`` as :class:`TraceStep`."""
    return Trace(file)


def shape_text(shape):
    """A shape as Python writes a tuple: (), (3,), (2, 3)."""
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"

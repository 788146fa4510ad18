"""Anomaly detection: ``with mdl.detect_anomaly(): ...`` stops at the first
op whose forward output or backward gradient holds NaN or Inf.

This file owns the checker, an ``autograd.Observer`` registered while the
context is active: it looks at every forward output (``after_forward``) and
every gradient a node's backward hands to an input (``after_backward``). Each
op recorded in the context also keeps the user's stack at the moment it was
called (in ``node.metadata``), so an error found during backward can say
where the op came from.
Checking copies every result to the host, so this is a debugging tool: it
makes training many times slower.
"""

import os
import threading
import traceback

import numpy as np

from .. import autograd
from ..backend import get_backend
from ..tensor import Tensor

# frames inside minidl are not the user's code
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STACK_LIMIT = 8


class AnomalyError(FloatingPointError):
    """Raised by ``detect_anomaly`` at the first non-finite forward output or
    backward gradient. ``op`` names the Function, ``phase`` is "forward" or
    "backward" and ``created_at`` is the formatted user stack of the op's call."""

    def __init__(self, message, op, phase, created_at):
        super().__init__(message)
        self.op = op
        self.phase = phase
        self.created_at = created_at


def _user_stack():
    """The caller's frames outside minidl itself, innermost last."""
    frames = [f for f in traceback.extract_stack()[:-1]
              if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR + os.sep)]
    return traceback.StackSummary.from_list(frames[-_STACK_LIMIT:])


def _describe_bad_values(array, device):
    """'NaN' / 'Inf' counts of a float backend array, or None when all finite."""
    if array is None or np.dtype(array.dtype).kind != "f":
        return None
    host = np.asarray(get_backend(device).to_numpy(array))
    finite = np.isfinite(host)
    if finite.all():
        return None
    nan = int(np.isnan(host).sum())
    inf = host.size - int(finite.sum()) - nan
    parts = [f"{count} {name}" for count, name in ((nan, "NaN"), (inf, "Inf")) if count]
    return f"{' and '.join(parts)} among {host.size} values of shape {tuple(host.shape)}"


def _format_stack(stack):
    if not stack:
        return "  (not recorded: the op ran outside detect_anomaly)\n"
    return "".join(stack.format())


class _Checker(autograd.Observer):
    """The observer registered while ``detect_anomaly`` is active."""

    def after_forward(self, function, args, kwargs, output, node):
        stack = _user_stack()
        if node is not None:
            node.metadata = dict(node.metadata or (), created_at=stack)
        outputs = output if isinstance(output, tuple) else (output,)
        bad = None
        for out in outputs:
            bad = bad or _describe_bad_values(out._data, out.device)
        if bad is None:
            return
        inputs = [a for a in args if isinstance(a, Tensor)]
        culprits = [f"input {i}" for i, t in enumerate(inputs)
                    if _describe_bad_values(t._data, t.device)]
        already = (f" ({', '.join(culprits)} already held NaN or Inf)" if culprits
                   else "")
        where = _format_stack(stack)
        name = function.__name__
        raise AnomalyError(
            f"detect_anomaly: {name}.forward returned {bad}{already}. "
            f"The op was called at:\n{where}", name, "forward", where)

    def after_backward(self, node, grads, input_grads):
        for index, (parent, grad) in enumerate(zip(node.inputs, input_grads)):
            if parent is None or grad is None:
                continue
            raw = grad._data if isinstance(grad, Tensor) else grad
            bad = _describe_bad_values(raw, parent.device)
            if bad is None:
                continue
            where = _format_stack((node.metadata or {}).get("created_at"))
            raise AnomalyError(
                f"detect_anomaly: {node.op_name}.backward returned {bad} in the gradient "
                f"of input {index}. The op was created at:\n{where}",
                node.op_name, "backward", where)


_lock = threading.Lock()
# one entry per open detect_anomaly block; the outermost holds the observer
_active = []


class detect_anomaly:
    """Context manager (also usable as a decorator) that checks every op.

    Inside the block, the first forward output or backward gradient holding
    NaN or Inf raises :class:`AnomalyError` naming the op, what it held and
    where it was created in your code. Run both the forward and the backward
    inside the block: an op's creation site is only known if its forward ran
    under detection. Blocks nest; the outermost one switches checking off.
    Checking copies every result to the host: a debugging tool, not for long
    runs."""

    def __enter__(self):
        with _lock:
            if _active:  # nested blocks share the outer checker
                _active.append(None)
            else:
                _active.append(autograd.add_observer(_Checker()))
        return self

    def __exit__(self, *exc_info):
        with _lock:
            handle = _active.pop()
            if handle is not None:
                handle.remove()
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper

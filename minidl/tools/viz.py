"""Drawing the graph behind a tensor: Graphviz DOT text and rendered files.

This file owns ``to_dot`` (the DOT text of the recorded graph), ``draw``
(rendering it with the ``dot`` program, or writing the ``.dot`` file when
Graphviz is not installed) and ``record_grads`` (a context that remembers the
gradient norm of every intermediate tensor during backward, so the drawing
can show them). It only reads the graph: ``Tensor._node``, ``Node.op_name``
and ``Node.inputs``; the engine is not changed.

    from minidl import viz
    with viz.record_grads() as grads:
        loss.backward(retain_graph=True)
    print(viz.to_dot(loss, show_grads=True, grads=grads,
                     params=dict(model.named_parameters())))
"""

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ..tensor import Tensor
from .tracing import ObserverContext, array_norm, shape_text

# Output formats `dot` is asked for, by file suffix.
RENDER_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}

INSTALL_HINT = ("Graphviz's `dot` program was not found; install it "
                "(`apt-get install graphviz` or `brew install graphviz`) to render")

# Leaves that learn are coloured apart from the ops and from plain data.
_LEAF_STYLE = 'shape=box, style="rounded,filled", fillcolor="#cfe2f3"'
_DATA_STYLE = 'shape=box, style="rounded,filled", fillcolor="#eeeeee"'
_OP_STYLE = 'shape=ellipse, style=filled, fillcolor="#fff2cc"'


class GradRecord(ObserverContext):
    """Gradient norms of intermediate tensors, seen during one or more backwards.

    ``norm(tensor)`` is the norm of d(root)/d(tensor) for a tensor an op
    produced, or None if backward never reached it inside the block. If
    backward runs more than once inside the block, the last pass's norm is kept."""

    def __init__(self):
        super().__init__()
        # Keyed by id() of the op's node; the node is kept alive alongside so
        # ids are not reused.
        self._norms = {}

    def observe(self, node, grads, input_grads):
        norms = tuple(None if g is None else array_norm(g, node.ctx.device) for g in grads)
        self._norms[id(node)] = (node, norms)

    def norm(self, tensor):
        node = tensor._node
        entry = None if node is None else self._norms.get(id(node))
        if entry is None or entry[0] is not node:
            return None
        return entry[1][tensor._output_index]

    def __len__(self):
        return len(self._norms)


def record_grads():
    """A context manager recording each op output's gradient norm during backward.

    Pass the returned record to ``to_dot(..., show_grads=True, grads=record)``."""
    return GradRecord()


def to_dot(tensor, show_grads=False, params=None, grads=None):
    """The Graphviz DOT text of the graph that produced ``tensor``.

    One node per op output (op name, shape, dtype, device) and one per leaf
    (its name, shape, dtype, device); edges run in data-flow order, from each
    input to the op that used it (twice if it was used twice, as in x * x).
    Leaves are named from ``params`` (a ``{name: tensor}`` mapping such as
    ``dict(model.named_parameters())``, or a Module), else from
    ``Tensor.name``, else "leaf" (requires grad) or "input" (data without grad).

    With ``show_grads=True`` each leaf shows the norm of its ``.grad`` (and so
    does a non-leaf that called ``retain_grad()``). Op outputs show their
    gradient norm only when ``grads`` is a record from ``record_grads()``
    that was active during backward; without one, only leaves carry norms.

    Backward frees the graph unless called with ``retain_graph=True``; a freed
    graph cannot be drawn and raises RuntimeError."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    if grads is not None and not isinstance(grads, GradRecord):
        raise TypeError(f"to_dot: grads must come from viz.record_grads(), got "
                        f"{type(grads).__name__}")
    if grads is not None and not show_grads:
        raise ValueError("to_dot: grads= is only used with show_grads=True")
    names = _parameter_names(params)

    order = _graph_order(tensor)
    ids = {id(t): f"t{i}" for i, t in enumerate(order)}
    lines = ["digraph minidl {",
             '    node [fontname="Helvetica", fontsize=10];',
             '    edge [color="#555555"];']
    for t in order:
        node = t._node
        if node is None:
            title = names.get(id(t)) or t.name or ("leaf" if t.requires_grad else "input")
            style = _LEAF_STYLE if t.requires_grad else _DATA_STYLE
        else:
            title = node.op_name if t.name is None else f"{node.op_name} ({t.name})"
            style = _OP_STYLE
        label = [title, f"{shape_text(t.shape)} {t.dtype} {t.device}"]
        if show_grads:
            norm = _grad_norm(t, grads)
            if norm is not None:
                label.append(f"grad norm {norm:.4g}")
        lines.append(f'    {ids[id(t)]} [label="{_escape(chr(10).join(label))}", {style}];')
    for t in order:
        if t._node is not None:
            for parent in t._node.inputs:
                if parent is not None:
                    lines.append(f"    {ids[id(parent)]} -> {ids[id(t)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw(tensor, path, **kwargs):
    """Render ``to_dot(tensor, **kwargs)`` to ``path`` and return the file written.

    The format follows the suffix: .svg, .png or .pdf are rendered by
    Graphviz's ``dot`` program; .dot writes the text. When ``dot`` is not
    installed the text goes to ``path`` with a .dot suffix instead, and one
    line saying how to install Graphviz is printed."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix != ".dot" and suffix not in RENDER_FORMATS:
        raise ValueError(f"draw: unsupported file suffix {path.suffix!r}; use one of "
                         f"{', '.join(sorted(RENDER_FORMATS))} or .dot")
    text = to_dot(tensor, **kwargs)
    if suffix == ".dot":
        path.write_text(text, encoding="utf-8")
        return path
    program = shutil.which("dot")
    if program is None:
        fallback = path.with_suffix(".dot")
        fallback.write_text(text, encoding="utf-8")
        print(f"{INSTALL_HINT} {path.name}; wrote {fallback} instead")
        return fallback
    result = subprocess.run([program, f"-T{RENDER_FORMATS[suffix]}", "-o", str(path)],
                            input=text.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"draw: dot failed with exit status {result.returncode}: "
                           f"{result.stderr.decode('utf-8', 'replace').strip()}")
    return path


def _graph_order(root):
    """Every tensor the graph of ``root`` reaches, inputs before the ops using
    them, data tensors included (an iterative depth-first search); refuses a
    graph that backward has freed."""
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
        if node is None:
            continue
        if node.released:
            raise RuntimeError(
                f"to_dot: the graph through {node.op_name} was freed by backward(); "
                "call backward(retain_graph=True) to draw the graph after backward, "
                "or draw it before calling backward")
        for parent in reversed(node.inputs):
            if parent is not None and id(parent) not in visited:
                stack.append((parent, False))
    return order


def _parameter_names(params):
    """{id(tensor): name} from a mapping of names to tensors, or a Module."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters") and not isinstance(params, Mapping):
        params = dict(params.named_parameters())
    if not isinstance(params, Mapping):
        raise TypeError(f"to_dot: params must map names to tensors (for example "
                        f"dict(model.named_parameters())), got {type(params).__name__}")
    names = {}
    for name, value in params.items():
        if not isinstance(name, str) or not isinstance(value, Tensor):
            raise TypeError(f"to_dot: params must map str names to Tensors, got "
                            f"{type(name).__name__} -> {type(value).__name__}")
        names[id(value)] = name
    return names


def _grad_norm(tensor, grads):
    if tensor.grad is not None:
        return array_norm(tensor.grad._data, tensor.grad.device)
    if grads is not None and tensor._node is not None:
        return grads.norm(tensor)
    return None


def _escape(text):
    """A DOT double-quoted string body: backslashes and quotes escaped, newlines
    as DOT's centred line break."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

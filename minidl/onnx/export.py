"""``export``: a minidl model as an ONNX file, traced from one forward pass.

The model runs once on the example input under ``no_grad`` with a
``Tracer`` registered as an engine observer; every op it applies becomes
ONNX nodes, parameters and buffers become initializers under their
``state_dict`` keys. As with any tracer, Python control flow is recorded
for the example input only.
"""

import os
from importlib import metadata

from .. import autograd
from ..nn import Module
from ..serialization import write_atomically
from ..tensor import Tensor
from .errors import ExportError
from .graph import Graph
from .proto import MIN_OPSET, build_model, max_opset, require_onnx

DEFAULT_OPSET = 17


def export(model, args, f, *, input_names=None, output_names=None, opset_version=None,
           dynamic_axes=None):
    """Trace ``model`` on ``args`` and write it to ``f`` as an ONNX model
    (PyTorch's ``torch.onnx.export``, for the layers minidl has).

    Args:
        model: an ``nn.Module`` in evaluation mode (``model.eval()``): BatchNorm
            with running statistics, dropout left out.
        args: the example input, a Tensor or a tuple of Tensors (one per
            positional argument of ``forward``). Shapes and dtypes of the
            graph's inputs are taken from it.
        f: a path (str or os.PathLike; written atomically) or a binary file
            object with ``write``.
        input_names, output_names: names of the graph's inputs and outputs, in
            order. Default: ``input`` / ``output`` (``input_0``, ``input_1``,
            ... when there are several).
        opset_version: the ONNX opset, from 14 to the newest the installed
            onnx package knows. Default: 17.
        dynamic_axes: ``{name: [0]}`` or ``{name: {0: "batch"}}`` for inputs and
            outputs whose axis 0 may vary; only axis 0 can be dynamic yet.
            Default: None (every shape fixed, as traced).

    Returns None. Raises ``ImportError`` naming the ``interop`` extra when
    the onnx package is missing, ``UnsupportedOperatorError`` naming an op
    that has no ONNX form yet, ``ExportError`` for a model in training mode
    or a value the trace cannot follow, ``TypeError`` / ``ValueError`` for
    bad arguments."""
    require_onnx()
    if not isinstance(model, Module):
        raise TypeError(f"export: model must be an nn.Module, got {type(model).__name__}")
    training = [name or type(model).__name__ for name, m in model.named_modules()
                if m.training]
    if training:
        raise ExportError(f"export: the model is in training mode ({training[0]}); call "
                          "model.eval() first, so that BatchNorm uses its running "
                          "statistics and dropout is left out")
    inputs = _example_inputs(args)
    if not isinstance(f, (str, bytes, os.PathLike)) and not callable(getattr(f, "write", None)):
        raise TypeError(f"export: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    opset = _opset(opset_version)
    input_names = _checked_names("input_names", input_names, len(inputs))
    input_names += _default_names("input", len(input_names), len(inputs))
    output_names = _checked_names("output_names", output_names, None)
    dynamic = _dynamic_axes(dynamic_axes)

    graph = Graph(opset, dynamic_batch=bool(dynamic))
    for name in input_names + output_names:
        graph.reserve(name)
    for key, tensor in list(model.named_parameters()) + list(model.named_buffers()):
        graph.add_parameter(key, tensor)
    for name, tensor in zip(input_names, inputs):
        graph.add_input(name, tensor, batch_dependent=name in dynamic)

    # imported here: the op table names many of minidl.ops' classes, and
    # ``import minidl`` should not depend on every one of them
    from .tracer import Tracer

    tracer = Tracer(graph)
    handle = autograd.add_observer(tracer)
    try:
        with autograd.no_grad():
            result = model(*inputs)
    finally:
        handle.remove()
    if tracer.error is not None:
        raise tracer.error

    outputs = _model_outputs(result)
    if len(output_names) > len(outputs):
        raise ValueError(f"export: output_names has {len(output_names)} names for "
                         f"{len(outputs)} outputs")
    output_names += [_free(graph, name) for name in
                     _default_names("output", len(output_names), len(outputs))]
    _bind_outputs(graph, outputs, output_names)
    unknown = sorted(set(dynamic) - set(input_names) - set(output_names))
    if unknown:
        raise ValueError(f"export: dynamic_axes names {unknown}, which are neither input "
                         f"names {input_names} nor output names {output_names}")

    def signature(names, tensors):
        for name, t in zip(names, tensors):
            if name in dynamic and t.ndim == 0:
                raise ValueError(f"export: dynamic_axes marks axis 0 of {name!r}, which "
                                 "has no axes")
        return [(name, t.dtype, [dynamic[name] if (name in dynamic and axis == 0) else n
                                 for axis, n in enumerate(t.shape)])
                for name, t in zip(names, tensors)]

    proto = build_model(graph, signature(input_names, inputs),
                        signature(output_names, outputs), type(model).__name__,
                        _minidl_version())
    _write(proto.SerializeToString(), f)


def _example_inputs(args):
    inputs = (args,) if isinstance(args, Tensor) else args
    if not isinstance(inputs, (tuple, list)) or not inputs:
        raise TypeError(f"export: args must be a Tensor or a tuple of Tensors, got "
                        f"{type(args).__name__}")
    for index, value in enumerate(inputs):
        if not isinstance(value, Tensor):
            raise TypeError(f"export: args[{index}] must be a Tensor, got "
                            f"{type(value).__name__}")
    return tuple(inputs)


def _opset(opset_version):
    if opset_version is None:
        return DEFAULT_OPSET
    newest = max_opset()
    if (isinstance(opset_version, bool) or not isinstance(opset_version, int)
            or not MIN_OPSET <= opset_version <= newest):
        raise ValueError(f"export: opset_version must be an int from {MIN_OPSET} to "
                         f"{newest}, got {opset_version!r}")
    return opset_version


def _checked_names(what, names, count):
    """``names`` (None or a list of distinct non-empty str) as a list."""
    if names is None:
        return []
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n
                                                       for n in names):
        raise TypeError(f"export: {what} must be a list of non-empty str, got {names!r}")
    if count is not None and len(names) > count:
        raise ValueError(f"export: {what} has {len(names)} names for {count} values")
    if len(set(names)) != len(names):
        raise ValueError(f"export: {what} has repeated names {list(names)}")
    return list(names)


def _default_names(base, start, count):
    """Names of the values from ``start`` on that were given none."""
    return [base if count == 1 else f"{base}_{index}" for index in range(start, count)]


def _free(graph, name):
    """``name`` if no value has it yet, else a fresh name from it."""
    try:
        return graph.reserve(name)
    except ValueError:
        return graph.fresh(name)


def _dynamic_axes(dynamic_axes):
    """{value name: name of its dynamic axis 0} from PyTorch's dynamic_axes."""
    if dynamic_axes is None:
        return {}
    if not isinstance(dynamic_axes, dict):
        raise TypeError(f"export: dynamic_axes must be a dict, got "
                        f"{type(dynamic_axes).__name__}")
    result = {}
    for name, axes in dynamic_axes.items():
        if isinstance(axes, dict):
            axis_names = axes
        elif isinstance(axes, (list, tuple)):
            axis_names = {axis: f"{name}_dynamic_axes_{i + 1}" for i, axis in enumerate(axes)}
        else:
            raise TypeError(f"export: dynamic_axes[{name!r}] must be a list of axes or a "
                            f"dict axis -> name, got {type(axes).__name__}")
        if set(axis_names) != {0}:
            raise NotImplementedError(f"export: dynamic_axes[{name!r}] = {axes!r}; only axis "
                                      "0 (the batch) can be dynamic yet")
        result[name] = str(axis_names[0])
    return result


def _model_outputs(result):
    outputs = (result,) if isinstance(result, Tensor) else result
    if not isinstance(outputs, (tuple, list)) or not outputs or not all(
            isinstance(t, Tensor) for t in outputs):
        raise TypeError(f"export: the model must return a Tensor or a tuple of Tensors, "
                        f"got {type(result).__name__}")
    return tuple(outputs)


def _bind_outputs(graph, outputs, names):
    """Name each output's value; a value that is not a node's own output (an
    input, an initializer, an output given twice) is copied by Identity."""
    produced = {o for node in graph.nodes for o in node.outputs}
    graph.begin_op("the model's output", outputs[0].device, ())
    for index, (tensor, name) in enumerate(zip(outputs, names)):
        value = graph.value(tensor, index)
        if value in produced:
            graph.rename(value, name)
            produced.discard(value)
        else:
            graph.copy(value, name)


def _minidl_version():
    try:
        return metadata.version("minidl")
    except metadata.PackageNotFoundError:
        return ""


def _write(data, f):
    if isinstance(f, (str, bytes, os.PathLike)):
        write_atomically(os.fspath(f), lambda file: file.write(data), binary=True)
    else:
        f.write(data)

"""The ``onnx`` package's side of the export: a ``graph.Graph`` as an ONNX
ModelProto, checked with ``onnx.checker``. The only file that imports
``onnx``, and only when an export runs (it is an optional extra)."""

import numpy as np

from .errors import ExportError

MIN_OPSET = 14
INSTALL_HINT = 'pip install "minidl[interop]" (or pip install onnx)'


def require_onnx():
    """The ``onnx`` module, or an ImportError naming the extra that brings it."""
    try:
        import onnx
    except ImportError as exc:
        raise ImportError(f"export: exporting to ONNX needs the onnx package: "
                          f"{INSTALL_HINT}") from exc
    return onnx


def max_opset():
    """The newest ONNX opset the installed ``onnx`` package knows."""
    return require_onnx().defs.onnx_opset_version()


def tensor_type(dtype):
    """The ONNX element type (TensorProto enum) of a NumPy dtype."""
    return require_onnx().helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _ir_version(onnx, opset):
    """The oldest IR version that carries ``opset``: older runtimes can load it."""
    for _release, ir_version, ai_onnx, *_ in onnx.helper.VERSION_TABLE:
        if ai_onnx >= opset:
            return ir_version
    return onnx.IR_VERSION


def build_model(graph, inputs, outputs, name, producer_version):
    """The checked ModelProto of ``graph``.

    ``inputs`` and ``outputs`` are (name, dtype, shape) with a str in shape
    for a dynamic axis."""
    onnx = require_onnx()
    helper = onnx.helper
    nodes = [helper.make_node(n.op_type, n.inputs, n.outputs, name=n.name, **n.attrs)
             for n in graph.nodes]
    initializers = [onnx.numpy_helper.from_array(array, key)
                    for key, array in graph.initializers.items()]

    def value_info(entry):
        value_name, dtype, shape = entry
        return helper.make_tensor_value_info(value_name, tensor_type(dtype), list(shape))

    proto = helper.make_graph(nodes, name, [value_info(i) for i in inputs],
                              [value_info(o) for o in outputs], initializer=initializers)
    model = helper.make_model(proto, opset_imports=[helper.make_opsetid("", graph.opset)],
                              producer_name="minidl", producer_version=producer_version,
                              ir_version=_ir_version(onnx, graph.opset))
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # the checker's own error types
        raise ExportError(f"export: the ONNX graph of {name} fails onnx.checker "
                          f"({exc})") from exc
    return model

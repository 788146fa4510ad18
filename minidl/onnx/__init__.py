"""Export minidl models to ONNX (``minidl.onnx.export``), for onnxruntime and
the other ONNX tools.

    model.eval()
    minidl.onnx.export(model, example_input, "model.onnx")

The model is traced: it runs once on the example input and every op it
applies is written as ONNX nodes (opset 17 by default); parameters and
buffers become initializers named by their ``state_dict`` keys. Needs the
optional ``onnx`` package: ``pip install "minidl[interop]"``.
"""

from .errors import ExportError, TracerWarning, UnsupportedOperatorError
from .export import export

__all__ = ["export", "ExportError", "UnsupportedOperatorError", "TracerWarning"]

"""The errors ``minidl.onnx.export`` raises when a model cannot be exported,
and the warning it gives when the trace may not hold for other inputs."""


class ExportError(RuntimeError):
    """The model cannot be exported as traced (training mode, a value the
    trace cannot follow, a shape that cannot be made dynamic)."""


class UnsupportedOperatorError(ExportError):
    """The model applies an operation that has no ONNX form in minidl yet."""

    def __init__(self, op_name, detail=""):
        self.op_name = op_name
        message = f"export: the operation {op_name} cannot be exported to ONNX yet"
        super().__init__(message + (f" ({detail})" if detail else ""))


class TracerWarning(UserWarning):
    """The exported graph holds a value the trace could not follow (kept as a
    constant): it is right for other inputs only if that value does not
    depend on the input (PyTorch's ``torch.jit.TracerWarning``)."""


__all__ = ["ExportError", "UnsupportedOperatorError", "TracerWarning"]

"""The observer that turns a model's forward pass into ONNX nodes: each op
the engine applies is handed, with its arguments and output, to the op's
converter (``converters.py``) as it happens."""

from ..autograd import BackendFunction, Observer
from ..tensor import Tensor
from .converters import CONVERTERS
from .errors import ExportError, UnsupportedOperatorError


class Tracer(Observer):
    """Converts every op applied while it is registered into nodes of
    ``graph`` (a ``graph.Graph``).

    The first error is raised where the op runs and kept in ``error``, so a
    model that catches exceptions cannot hide an incomplete trace."""

    def __init__(self, graph):
        self.graph = graph
        self.error = None
        self._converting = False

    def after_forward(self, function, args, kwargs, output, node):
        if self._converting:
            return  # an op the conversion itself applied: not part of the model
        if self.error is not None:
            raise self.error
        self._converting = True
        try:
            self._convert(function, args, kwargs, output)
        except ExportError as exc:
            self.error = exc
            raise
        finally:
            self._converting = False

    def _convert(self, function, args, kwargs, output):
        converter = CONVERTERS.get(function)
        if converter is None:
            if not issubclass(function, BackendFunction) and self._already_traced(output):
                # a tensor-level Function: the ops of its forward were traced one
                # by one and its outputs are theirs
                return
            raise UnsupportedOperatorError(function.__name__)
        if not isinstance(output, Tensor):
            raise UnsupportedOperatorError(function.__name__, "several outputs")
        self.graph.begin_op(function.__name__, output.device, args)
        converter(self.graph, args, kwargs, output)
        for arg in args:
            if isinstance(arg, Tensor):
                self.graph.read_by(arg, output)

    def _already_traced(self, output):
        outputs = output if isinstance(output, tuple) else (output,)
        return all(self.graph.name_of(t) is not None for t in outputs)

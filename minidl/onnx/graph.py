"""The ONNX graph being built while a model is traced, as plain Python data.

``Graph`` owns the names: which ONNX value each traced Tensor, parameter,
buffer and input stands for, the initializers (parameters and buffers under
their ``state_dict`` keys, constants under fresh names) and the node list.
Tensors are recognised by identity, the Tensor object or its backend array,
so nothing here depends on how an op computes. Turning this into an ONNX
protobuf is ``proto.py``'s job: this file needs no ``onnx`` package.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..backend import get_backend
from ..tensor import Tensor
from .errors import ExportError, TracerWarning


@dataclass
class NodeRecord:
    """One ONNX node: operator type, input and output value names, attributes."""

    op_type: str
    inputs: list
    outputs: list
    attrs: dict = field(default_factory=dict)
    name: str = ""


@dataclass
class _Traced:
    """A Tensor the graph has a value for, with the versions of the storages
    it may share at that moment: its own and, for the output of an op, those
    of the op's arguments (a view takes its base's version counter after the
    op returns). A later change of version means an in-place write."""

    name: str
    tensor: object
    versions: tuple = ()

    def baseline(self, counter):
        """The value ``counter`` had when the Tensor was named, or None."""
        for known, value in self.versions:
            if known is counter:
                return value
        return None


class Graph:
    """Values, initializers and nodes of the graph being traced.

    Args:
        opset: the ONNX opset the nodes are written for.
        dynamic_batch: whether axis 0 of the marked inputs may vary, so that
            shape constants must keep it free.
    """

    def __init__(self, opset, dynamic_batch=False):
        self.opset = opset
        self.dynamic_batch = dynamic_batch
        self.nodes = []
        self.initializers = {}          # name -> NumPy array
        self.batch_dependent = set()    # value names whose axis 0 follows the batch
        self.op_name = None             # the op being converted, for messages
        self.op_device = "cpu"          # where its arrays live
        self._reading = ()              # (counter, version) of its Tensor arguments
        self._names = set()
        self._counters = {}
        self._tensors = {}              # id(Tensor) -> _Traced
        self._arrays = {}               # id(backend array) -> _Traced
        self._parameters = {}           # id(Tensor) and id(array) -> (key, Tensor)
        self._last_reader = {}          # id(Tensor) -> output of the last op reading it

    # ---- names --------------------------------------------------------------
    def reserve(self, name):
        """Claim ``name`` (an input, output or state_dict key) for one value."""
        if name in self._names:
            raise ValueError(f"export: the name {name!r} is used twice")
        self._names.add(name)
        return name

    def fresh(self, base):
        """A new unused value name starting with ``base``."""
        while True:
            count = self._counters.get(base, 0)
            self._counters[base] = count + 1
            name = f"{base}_{count}"
            if name not in self._names:
                self._names.add(name)
                return name

    # ---- values -------------------------------------------------------------
    def add_parameter(self, key, tensor):
        """Make ``tensor`` (a parameter or buffer) the initializer ``key`` once
        an op uses it; the first key of a shared tensor wins."""
        if id(tensor) in self._parameters:
            return
        self.reserve(key)
        self._parameters[id(tensor)] = (key, tensor)
        self._parameters[id(tensor._data)] = (key, tensor)

    def add_input(self, name, tensor, batch_dependent):
        """Name the graph input ``tensor``."""
        self.bind(tensor, name)
        if batch_dependent:
            self.batch_dependent.add(name)

    def begin_op(self, name, device, args):
        """Start converting the op ``name`` applied on ``device`` to ``args``."""
        self.op_name = name
        self.op_device = device
        self._reading = tuple((a._version, a._version.value) for a in args
                              if isinstance(a, Tensor))

    def bind(self, tensor, name):
        """Record that ``tensor`` holds the value ``name`` from now on."""
        versions = ((tensor._version, tensor._version.value),) + self._reading
        traced = _Traced(name, tensor, versions)
        self._tensors[id(tensor)] = traced
        self._arrays[id(tensor._data)] = traced

    def name_of(self, tensor):
        """The value name of a traced Tensor, or None."""
        traced = self._tensors.get(id(tensor))
        return None if traced is None else traced.name

    def value(self, arg, position):
        """The value name of a Tensor or backend array argument of the op
        being converted (argument ``position``)."""
        if isinstance(arg, Tensor):
            traced = self._tensors.get(id(arg)) or self._arrays.get(id(arg._data))
            if traced is not None:
                baseline = traced.baseline(arg._version)
                if baseline is not None and arg._version.value != baseline:
                    return self._written_in_place(arg, baseline, position)
                # (no baseline: another Tensor over the same array, such as .data)
                return traced.name
            found = self._parameters.get(id(arg)) or self._parameters.get(id(arg._data))
        else:
            traced = self._arrays.get(id(arg))
            if traced is not None:
                return traced.name
            found = self._parameters.get(id(arg))
        if found is not None:
            return self._parameter_value(*found)
        return self._untraced_constant(arg, position)

    def read_by(self, tensor, output):
        """Note that the op which computed ``output`` read ``tensor``."""
        self._last_reader[id(tensor)] = output

    def _written_in_place(self, tensor, baseline, position):
        """The value an in-place op (relu_, add_, ``+=``, ``ReLU(inplace=True)``)
        wrote into ``tensor``: the output of the last op that read it, when
        ``tensor`` changed once since and now holds exactly that output."""
        output = self._last_reader.get(id(tensor))
        if (output is not None and tensor._version.value == baseline + 1
                and self.name_of(output) is not None and output.shape == tensor.shape
                and output.dtype == tensor.dtype):
            now = tensor.numpy()
            written = output.numpy()
            if np.array_equal(now, written, equal_nan=now.dtype.kind == "f"):
                name = self.name_of(output)
                self.bind(tensor, name)
                return name
        raise ExportError(
            f"export: argument {position} of {self.op_name} was modified in place after it "
            "was computed, and the trace cannot tell by which operation (a write through "
            "a view, fill_, copy_ ...); use the out-of-place form")

    def _untraced_constant(self, arg, position):
        """A tensor (or array) no traced op produced, kept as a constant."""
        if isinstance(arg, Tensor):
            array = arg.numpy()
        else:
            array = get_backend(self.op_device).to_numpy(arg)
        warnings.warn(
            f"export: argument {position} of {self.op_name} (a tensor of shape "
            f"{tuple(array.shape)}) is not an input, a parameter, a buffer or the result of "
            "a traced operation, so the exported graph keeps its current value as a "
            "constant. That is wrong for other inputs if it depends on the input (a "
            "comparison, argmax, a .numpy() round trip); register fixed tensors with "
            "register_buffer", TracerWarning, stacklevel=2)
        name = self.constant(array)
        if isinstance(arg, Tensor):
            self.bind(arg, name)
        else:
            self._arrays[id(arg)] = _Traced(name, None)
        return name

    def _parameter_value(self, key, tensor):
        if key not in self.initializers:
            self.initializers[key] = np.array(tensor.numpy(), copy=True)
        return key

    def operand(self, arg, dtype, position):
        """A value name for a Tensor argument, or a 0-d constant of ``dtype``
        for a Python number (minidl never lets a number widen a tensor)."""
        if isinstance(arg, (bool, int, float)):
            return self.constant(np.array(arg, dtype=dtype))
        return self.value(arg, position)

    def constant(self, array, base="constant"):
        """A new initializer holding ``array``; returns its name."""
        name = self.fresh(base)
        self.initializers[name] = np.array(array, copy=True)
        return name

    def int64s(self, values):
        """A 1-d int64 constant (shapes, axes) as a value name."""
        return self.constant(np.array(list(values), dtype=np.int64))

    # ---- nodes --------------------------------------------------------------
    def node(self, op_type, inputs, output=None, **attrs):
        """Append a node; returns its output's value name.

        ``output`` is the Tensor the node computes (bound to the new value) or
        None for an intermediate value. The output follows the batch when an
        input does."""
        name = self.fresh(op_type)
        result = self.fresh(f"{name}_output")
        self.nodes.append(NodeRecord(op_type, list(inputs), [result], attrs, name))
        if any(i in self.batch_dependent for i in inputs):
            self.batch_dependent.add(result)
        if output is not None:
            self.bind(output, result)
        return result

    def copy(self, source, target):
        """Append an Identity node from value ``source`` to the named value
        ``target`` (a graph output that is an input or an initializer)."""
        self.nodes.append(NodeRecord("Identity", [source], [target], {},
                                     self.fresh("Identity")))

    def alias(self, tensor, value):
        """Bind ``tensor`` to an existing value (an op that changes nothing)."""
        self.bind(tensor, value)

    def shape_constant(self, source, in_shape, out_shape):
        """The target shape of a Reshape of value ``source`` from ``in_shape``
        to ``out_shape``, as an int64 constant. With a dynamic batch, axis 0
        is written as 0 ("copy the input's") when it is kept."""
        out_shape = list(out_shape)
        if self.dynamic_batch and source in self.batch_dependent:
            if not (in_shape and out_shape and out_shape[0] == in_shape[0]
                    and 0 not in out_shape[1:]):
                raise ExportError(
                    f"export: {self.op_name} reshapes {tuple(in_shape)} to "
                    f"{tuple(out_shape)}, which changes axis 0; only reshapes that keep "
                    "the batch axis can be exported with a dynamic batch (dynamic_axes)")
            out_shape[0] = 0
        return self.int64s(out_shape)

    def rename(self, old, new):
        """Give the value ``old`` the name ``new`` (graph outputs)."""
        for node in self.nodes:
            node.inputs = [new if i == old else i for i in node.inputs]
            node.outputs = [new if o == old else o for o in node.outputs]
        for traced in self._tensors.values():
            if traced.name == old:
                traced.name = new
        if old in self.batch_dependent:
            self.batch_dependent.add(new)

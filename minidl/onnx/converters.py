"""The ONNX form of each minidl op: ``CONVERTERS`` maps an op class of
``minidl.ops`` to a function ``convert(graph, args, kwargs, output)`` that
appends the equivalent nodes to ``graph`` (a ``graph.Graph``) and binds
``output``, the Tensor the op returned.

``args`` and ``kwargs`` are what the op was applied to: Tensors, the backend
arrays of buffers (BatchNorm's running statistics) and constants (axes,
shapes, strides, Python numbers). Ops missing here raise
``UnsupportedOperatorError`` naming them.
"""

import numpy as np

from ..ops import elementwise as ew
from ..ops import linalg
from ..ops import nn as nn_ops
from ..ops import reduce as reduce_ops
from ..ops import shape as shape_ops
from .errors import ExportError, UnsupportedOperatorError
from .proto import tensor_type


# ---- elementwise ------------------------------------------------------------

def _unary(op_type):
    def convert(g, args, kwargs, out):
        g.node(op_type, [g.value(args[0], 0)], out)
    return convert


def _binary(op_type):
    def convert(g, args, kwargs, out):
        a, b = args
        g.node(op_type, [g.operand(a, out.dtype, 0), g.operand(b, out.dtype, 1)], out)
    return convert


def _pow(g, args, kwargs, out):
    base, exponent = args
    # a Python exponent keeps its own kind (x ** 2 stays an integer power)
    if isinstance(exponent, (bool, int, float)):
        kind = np.int64 if isinstance(exponent, int) else out.dtype
        exponent_value = g.constant(np.array(exponent, dtype=kind))
    else:
        exponent_value = g.operand(exponent, out.dtype, 1)
    g.node("Pow", [g.operand(base, out.dtype, 0), exponent_value], out)


def _clamp(g, args, kwargs, out):
    x, low, high = args
    value = g.value(x, 0)
    bounds = ((low, "Max", 1), (high, "Min", 2))
    steps = [(bound, op_type, pos) for bound, op_type, pos in bounds if bound is not None]
    for index, (bound, op_type, position) in enumerate(steps):
        last = index == len(steps) - 1
        value = g.node(op_type, [value, g.operand(bound, out.dtype, position)],
                       out if last else None)
    if not steps:
        g.alias(out, value)


def _cast(g, args, kwargs, out):
    g.node("Cast", [g.value(args[0], 0)], out, to=tensor_type(out.dtype))


# ---- linear algebra and layers ------------------------------------------------

def _linear(g, args, kwargs, out):
    x, weight, bias = args
    if x.ndim != 2:
        raise UnsupportedOperatorError("Linear", f"input of {x.ndim} dimensions; "
                                       "F.linear gives it 2")
    inputs = [g.value(x, 0), g.value(weight, 1)]
    if bias is not None:
        inputs.append(g.value(bias, 2))
    g.node("Gemm", inputs, out, transB=1)


def _window(kernel, stride, padding, dilation=(1, 1)):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    return {"kernel_shape": [kh, kw], "strides": [sh, sw], "pads": [ph, pw, ph, pw],
            "dilations": [dh, dw]}


def _conv_inputs(g, x, weight, bias):
    inputs = [g.value(x, 0), g.value(weight, 1)]
    if bias is not None:
        inputs.append(g.value(bias, 2))
    return inputs


def _conv2d(g, args, kwargs, out):
    x, weight, bias, stride, padding, dilation, groups = args
    g.node("Conv", _conv_inputs(g, x, weight, bias), out, group=groups,
           **_window(weight.shape[2:], stride, padding, dilation))


def _conv_transpose2d(g, args, kwargs, out):
    x, weight, bias, stride, padding, output_padding, dilation, groups = args
    g.node("ConvTranspose", _conv_inputs(g, x, weight, bias), out, group=groups,
           output_padding=list(output_padding),
           **_window(weight.shape[2:], stride, padding, dilation))


def _max_pool2d(g, args, kwargs, out):
    x, kernel, stride, padding, dilation, ceil_mode, _ = args
    # minidl's padding never wins the maximum: ONNX pads with -inf too
    g.node("MaxPool", [g.value(x, 0)], out, ceil_mode=int(ceil_mode),
           **_window(kernel, stride, padding, dilation))


def _avg_pool2d(g, args, kwargs, out):
    x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override = args
    if divisor_override is not None:
        raise UnsupportedOperatorError("AvgPool2d", "divisor_override (AveragePool always "
                                       "divides by the window's size)")
    attrs = _window(kernel, stride, padding)
    del attrs["dilations"]  # AveragePool has them only from opset 19
    g.node("AveragePool", [g.value(x, 0)], out, ceil_mode=int(ceil_mode),
           count_include_pad=int(count_include_pad), **attrs)


def _batch_norm_eval(g, args, kwargs, out):
    x, gamma, beta, running_mean, running_var, eps = args
    channels = x.shape[1]
    dtype = out.dtype
    scale = (g.value(gamma, 1) if gamma is not None
             else g.constant(np.ones(channels, dtype), "batch_norm_scale"))
    shift = (g.value(beta, 2) if beta is not None
             else g.constant(np.zeros(channels, dtype), "batch_norm_bias"))
    g.node("BatchNormalization", [g.value(x, 0), scale, shift, g.value(running_mean, 3),
                                  g.value(running_var, 4)], out, epsilon=float(eps))


def _batch_norm_train(g, args, kwargs, out):
    raise ExportError("export: BatchNorm normalises with batch statistics here (a module "
                      "in training mode, or track_running_stats=False); call model.eval() "
                      "and keep running statistics to export it")


def _dropout(g, args, kwargs, out):
    raise ExportError("export: dropout is applied in training mode; call model.eval() "
                      "before exporting (dropout is then left out)")


def _log_softmax(g, args, kwargs, out):
    x, axis = args
    g.node("LogSoftmax", [g.value(x, 0)], out, axis=axis)


# ---- reductions -----------------------------------------------------------------

def _reduce(op_type):
    def convert(g, args, kwargs, out):
        x, axis, keepdims = args
        if (op_type == "ReduceMean" and x.ndim == 4 and tuple(axis or ()) == (2, 3)
                and keepdims):
            g.node("GlobalAveragePool", [g.value(x, 0)], out)  # adaptive_avg_pool2d(x, 1)
            return
        inputs = [g.value(x, 0)]
        attrs = {"keepdims": int(bool(keepdims))}
        if axis is not None:
            # ReduceSum takes its axes as an input since opset 13, the others since 18
            if op_type == "ReduceSum" or g.opset >= 18:
                inputs.append(g.int64s(axis))
            else:
                attrs["axes"] = list(axis)
        g.node(op_type, inputs, out, **attrs)
    return convert


# ---- shapes ---------------------------------------------------------------------

def _reshape(g, args, kwargs, out):
    x, _ = args
    source = g.value(x, 0)
    shape = g.shape_constant(source, x.shape, out.shape)
    # a static 0 is a real size, not ONNX's "copy the input's"
    attrs = {"allowzero": 1} if 0 in out.shape and not g.dynamic_batch else {}
    g.node("Reshape", [source, shape], out, **attrs)


def _permute(g, args, kwargs, out):
    x, axes = args
    g.node("Transpose", [g.value(x, 0)], out, perm=list(axes))


def _expand(g, args, kwargs, out):
    x, shape = args
    source = g.value(x, 0)
    target = list(shape)
    if g.dynamic_batch and source in g.batch_dependent:
        offset = len(target) - x.ndim
        if offset != 0 or x.shape[0] != target[0]:
            raise ExportError(f"export: {g.op_name} broadcasts {x.shape} to {tuple(shape)} "
                              "along the batch axis, which cannot be exported with a "
                              "dynamic batch (dynamic_axes)")
        target[0] = 1  # Expand broadcasts both ways: 1 keeps the input's batch
    g.node("Expand", [source, g.int64s(target)], out)


def _getitem(g, args, kwargs, out):
    """Basic indexing: one Slice over the indexed axes, then a Reshape that
    drops the integer-indexed axes and adds the None ones."""
    x, index = args
    value = g.value(x, 0)
    windows = []  # (axis, start, stop, step) of each axis that is cut
    sliced_shape = list(x.shape)
    axis = 0
    for part in _expand_ellipsis(index, x.ndim):
        if part is None:
            continue  # a new axis of size 1: the Reshape adds it
        if isinstance(part, int):
            start = part + x.shape[axis] if part < 0 else part
            part = slice(start, start + 1, 1)
        if part != slice(None):
            # minidl refuses steps <= 0, so the bounds are plain ascending ones
            start, stop, step = part.indices(x.shape[axis])
            windows.append((axis, start, stop, step))
            sliced_shape[axis] = len(range(start, stop, step))
        axis += 1
    if windows:
        axes, starts, stops, steps = zip(*windows)
        if g.dynamic_batch and value in g.batch_dependent and 0 in axes:
            raise ExportError(f"export: {g.op_name} indexes the batch axis, which cannot be "
                              "exported with a dynamic batch (dynamic_axes)")
        value = g.node("Slice", [value, g.int64s(starts), g.int64s(stops), g.int64s(axes),
                                 g.int64s(steps)])
    if tuple(sliced_shape) != tuple(out.shape):
        value = g.node("Reshape", [value, g.shape_constant(value, sliced_shape, out.shape)])
    g.alias(out, value)


def _expand_ellipsis(index, ndim):
    used = sum(1 for p in index if p is not None and p is not Ellipsis)
    parts = []
    for part in index:
        if part is Ellipsis:
            parts.extend([slice(None)] * (ndim - used))
        else:
            parts.append(part)
    return parts


def _identity(g, args, kwargs, out):
    g.node("Identity", [g.value(args[0], 0)], out)


def _concatenate(g, args, kwargs, out):
    g.node("Concat", [g.value(a, i) for i, a in enumerate(args)], out, axis=kwargs["axis"])


CONVERTERS = {
    ew.Add: _binary("Add"),
    ew.Sub: _binary("Sub"),
    ew.Mul: _binary("Mul"),
    ew.Div: _binary("Div"),
    ew.Pow: _pow,
    ew.Maximum: _binary("Max"),
    ew.Minimum: _binary("Min"),
    ew.Neg: _unary("Neg"),
    ew.Exp: _unary("Exp"),
    ew.Log: _unary("Log"),
    ew.Sqrt: _unary("Sqrt"),
    ew.Abs: _unary("Abs"),
    ew.Sigmoid: _unary("Sigmoid"),
    ew.ReLU: _unary("Relu"),
    ew.Tanh: _unary("Tanh"),
    ew.Clamp: _clamp,
    ew.Cast: _cast,
    linalg.MatMul: _binary("MatMul"),
    linalg.Linear: _linear,
    nn_ops.Conv2d: _conv2d,
    nn_ops.ConvTranspose2d: _conv_transpose2d,
    nn_ops.MaxPool2d: _max_pool2d,
    nn_ops.AvgPool2d: _avg_pool2d,
    nn_ops.BatchNormEval: _batch_norm_eval,
    nn_ops.BatchNormTrain: _batch_norm_train,
    nn_ops.Dropout: _dropout,
    nn_ops.LogSoftmax: _log_softmax,
    reduce_ops.Sum: _reduce("ReduceSum"),
    reduce_ops.Mean: _reduce("ReduceMean"),
    reduce_ops.Amax: _reduce("ReduceMax"),
    shape_ops.Reshape: _reshape,
    shape_ops.Permute: _permute,
    shape_ops.Expand: _expand,
    shape_ops.GetItem: _getitem,
    shape_ops.Clone: _identity,
    shape_ops.ToDevice: _identity,
    shape_ops.Concatenate: _concatenate,
}

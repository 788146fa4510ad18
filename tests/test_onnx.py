"""minidl.onnx.export: the exported graphs (node types, initializer names,
inputs and outputs), the same outputs as minidl's from onnxruntime (fixed
and dynamic batch, several opsets), in-place ops and untraced constants, and
clear errors for what cannot be exported.

Tests skip without the onnx package; those that run a graph skip without
onnxruntime."""

import io
import os
import sys
from collections import Counter

import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F
from minidl import nn
from minidl.models import PaperMLP, SmallInception
from minidl.onnx import ExportError, TracerWarning, UnsupportedOperatorError

IMAGE_SHAPE = (2, 1, 12, 12)
MLP_SHAPE = (3, 784)


def needs_onnx():
    return pytest.importorskip("onnx")


def randomized(model, seed=0):
    """``model`` in eval mode with every float parameter and buffer drawn at
    random (positive running variances), so BatchNorm's statistics matter."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, value in model.state_dict().items():
        array = value.numpy()
        if array.dtype.kind == "f":
            array = rng.standard_normal(array.shape).astype(array.dtype) * 0.5
            if name.endswith("running_var"):
                array = np.abs(array) + 0.5
        state[name] = array
    model.load_state_dict(state)
    return model.eval()


def example(shape, seed=1):
    return mdl.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def exported(model, args, tmp_path, **kwargs):
    """Export ``model`` and read the file back as an onnx ModelProto."""
    onnx = needs_onnx()
    path = tmp_path / "model.onnx"
    mdl.onnx.export(model, args, path, **kwargs)
    return onnx.load(str(path)), path


def run_onnx(path, feeds):
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {name: value.numpy() for name, value in feeds.items()})


def run_minidl(model, *inputs):
    with mdl.no_grad():
        return model(*inputs).numpy()


def op_types(proto):
    return [node.op_type for node in proto.graph.node]


def shape_of(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


MODELS = {
    "mlp": (lambda: PaperMLP(batch_norm=False), MLP_SHAPE),
    "mlp-bn": (lambda: PaperMLP(batch_norm=True), MLP_SHAPE),
    "inception-bn": (lambda: SmallInception(bn=True, dropout=0.5), IMAGE_SHAPE),
    "inception-sigmoid": (lambda: SmallInception(bn=False, activation="sigmoid"),
                          IMAGE_SHAPE),
}


# ---------------------------------------------------------------- the graphs

@pytest.mark.parametrize("batch_norm", [False, True])
def test_paper_mlp_graph(batch_norm, tmp_path):
    model = randomized(PaperMLP(batch_norm=batch_norm))
    proto, _ = exported(model, example(MLP_SHAPE), tmp_path)
    hidden = ["Gemm", "BatchNormalization", "Sigmoid"] if batch_norm else ["Gemm", "Sigmoid"]
    assert op_types(proto) == hidden * 3 + ["Gemm"]
    # every parameter and the running statistics, under their state_dict keys;
    # num_batches_tracked is not used by the graph, so it is not exported
    expected = [k for k in model.state_dict() if not k.endswith("num_batches_tracked")]
    assert sorted(i.name for i in proto.graph.initializer) == sorted(expected)
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["output"]
    assert shape_of(proto.graph.input[0]) == list(MLP_SHAPE)
    assert shape_of(proto.graph.output[0]) == [MLP_SHAPE[0], 10]
    assert proto.opset_import[0].version == 17
    gemm = proto.graph.node[0]
    assert list(gemm.input) == ["input", "features.0.weight"] + ([] if batch_norm else
                                                                  ["features.0.bias"])
    onnx = needs_onnx()
    weights = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    np.testing.assert_array_equal(weights["classifier.weight"],
                                  model.classifier.weight.numpy())


def test_small_inception_graph(tmp_path):
    model = randomized(SmallInception(bn=True, dropout=0.5))
    proto, _ = exported(model, example(IMAGE_SHAPE), tmp_path)
    counts = Counter(op_types(proto))
    # 15 conv units (stem + 7 per module), 3 max-pools (one per module and the
    # reduction), global average pooling then the flattening mean, dropout left out
    assert counts == {"Conv": 15, "BatchNormalization": 15, "Relu": 15, "MaxPool": 3,
                      "Concat": 2, "GlobalAveragePool": 1, "ReduceMean": 1, "Gemm": 1}
    expected = [k for k in model.state_dict() if not k.endswith("num_batches_tracked")]
    assert sorted(i.name for i in proto.graph.initializer) == sorted(expected)
    stem = proto.graph.node[0]
    attrs = {a.name: list(a.ints) for a in stem.attribute if a.ints}
    assert attrs == {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1],
                     "dilations": [1, 1]}


# ---------------------------------------------------------------- same outputs

@pytest.mark.parametrize("name", list(MODELS))
def test_onnxruntime_matches_minidl(name, tmp_path):
    build, shape = MODELS[name]
    model = randomized(build())
    x = example(shape)
    _, path = exported(model, x, tmp_path)
    (result,) = run_onnx(path, {"input": x})
    np.testing.assert_allclose(result, run_minidl(model, x), rtol=1e-4, atol=1e-5)


def test_export_from_any_device(device, tmp_path):
    model = randomized(PaperMLP(batch_norm=True))
    x = example(MLP_SHAPE)
    expected = run_minidl(model, x)
    model.to(device)
    _, path = exported(model, x.to(device), tmp_path)
    (result,) = run_onnx(path, {"input": x})
    np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["mlp-bn", "inception-bn"])
def test_dynamic_batch(name, tmp_path):
    build, shape = MODELS[name]
    model = randomized(build())
    proto, path = exported(model, example(shape), tmp_path,
                           dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    assert shape_of(proto.graph.input[0]) == ["batch", *shape[1:]]
    assert shape_of(proto.graph.output[0]) == ["batch", 10]
    other = example((5,) + shape[1:], seed=3)
    (result,) = run_onnx(path, {"input": other})
    np.testing.assert_allclose(result, run_minidl(model, other), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("opset", [14, 18])
def test_other_opsets(opset, tmp_path):
    model = randomized(SmallInception(bn=True))
    x = example(IMAGE_SHAPE)
    proto, path = exported(model, x, tmp_path, opset_version=opset)
    assert proto.opset_import[0].version == opset
    (result,) = run_onnx(path, {"input": x})
    np.testing.assert_allclose(result, run_minidl(model, x), rtol=1e-4, atol=1e-5)


class Assorted(nn.Module):
    """One of nearly every op the exporter knows, on small shapes."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4, affine=False)
        self.pool = nn.AvgPool2d(2, stride=2, padding=1)
        self.fc = nn.Linear(4 * 3 * 3, 6)
        self.flatten = nn.Flatten()
        self.register_buffer("offset", mdl.tensor(np.linspace(-1, 1, 6, dtype=np.float32)))
        self.register_buffer("lower", mdl.full((16,), -0.5))

    def forward(self, x):
        features = self.pool(F.tanh(self.bn(self.conv(x))))
        h = features.permute(0, 2, 3, 1)[:, 1:, ::2, 1].clamp(-0.5, 0.5)
        z = self.fc(self.flatten(features))
        z = (2.0 - z * 3.0) ** 2 / 4.0 + self.offset
        z = mdl.maximum(z, -z) - mdl.minimum(z.exp(), 1.5) + (z.abs() + 1).log().sqrt()
        w = mdl.cat([F.softmax(z, 1), F.log_softmax(z, dim=1), h.reshape(h.shape[0], -1)], 1)
        w = F.relu(w.clamp(self.lower, None)).neg().sigmoid() / 2
        head = w.sum(1, keepdim=True) + w.mean() - w.amax(1, keepdim=True)
        return head + w @ self.lower.reshape(1, 16).t() + F.max_pool2d(
            x, 2).mean((1, 2, 3)).unsqueeze(1).double().float()


def test_assorted_ops_match(tmp_path):
    model = randomized(Assorted())
    x = example((2, 3, 5, 5))
    proto, path = exported(model, x, tmp_path, dynamic_axes={"input": [0], "output": [0]})
    assert {"Transpose", "Slice", "Reshape", "Max", "Min", "Pow", "Div", "LogSoftmax",
            "Exp", "Concat", "Sqrt", "Log", "Abs", "Neg", "Relu", "Sigmoid", "ReduceSum",
            "ReduceMean", "ReduceMax", "MatMul", "Cast", "AveragePool",
            "MaxPool", "Tanh"} <= set(op_types(proto))
    for batch in (2, 4):
        other = example((batch, 3, 5, 5), seed=batch)
        (result,) = run_onnx(path, {"input": other})
        np.testing.assert_allclose(result, run_minidl(model, other), rtol=1e-5, atol=1e-6)


def test_broadcast_copies_are_expand(tmp_path):
    # Expand is what copy_ broadcasts with; no public function applies it alone yet
    from minidl.ops.shape import Expand

    class Model(nn.Module):
        def forward(self, x):
            return Expand.apply(x[:, :1], x.shape) * Expand.apply(x[:1], x.shape)

    x = example((3, 4))
    proto, path = exported(Model().eval(), x, tmp_path)
    assert op_types(proto).count("Expand") == 2
    (result,) = run_onnx(path, {"input": x})
    np.testing.assert_allclose(result, x.numpy()[:, :1] * x.numpy()[:1], rtol=1e-6)


def test_in_place_ops_are_followed(tmp_path):
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(2, 2, 3, padding=1), nn.BatchNorm2d(2),
                                      nn.ReLU(inplace=True))

        def forward(self, x):
            h = self.body(x)
            h += x
            return h.mul_(2).add_(1)

    model = randomized(Residual())
    x = example((2, 2, 4, 4))
    proto, path = exported(model, x, tmp_path)
    assert op_types(proto) == ["Conv", "BatchNormalization", "Relu", "Add", "Mul", "Add"]
    (result,) = run_onnx(path, {"input": x})
    np.testing.assert_allclose(result, run_minidl(model, x), rtol=1e-5, atol=1e-6)


def test_several_inputs_and_outputs(tmp_path):
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, a, b):
            product = self.fc(a) * b
            return product, b, self.fc(b.t()[:, :3]), product

    model = Pair().eval()
    a, b = example((4, 3)), example((4, 2), seed=2)
    buffer = io.BytesIO()
    needs_onnx()
    mdl.onnx.export(model, (a, b), buffer, input_names=["a"], output_names=["product"])
    onnx = needs_onnx()
    proto = onnx.load_from_string(buffer.getvalue())
    assert [i.name for i in proto.graph.input] == ["a", "input_1"]
    assert [o.name for o in proto.graph.output] == ["product", "output_1", "output_2",
                                                    "output_3"]
    path = tmp_path / "pair.onnx"
    path.write_bytes(buffer.getvalue())
    results = run_onnx(path, {"a": a, "input_1": b})
    with mdl.no_grad():
        expected = model(a, b)
    for result, reference in zip(results, expected):
        np.testing.assert_allclose(result, reference.numpy(), rtol=1e-6)


def test_custom_functions_of_traced_ops_are_inlined(tmp_path):
    class Square(mdl.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    class Model(nn.Module):
        def forward(self, x):
            return Square.apply(x) + 1

    x = example((2, 3))
    proto, path = exported(Model().eval(), x, tmp_path)
    assert op_types(proto) == ["Mul", "Add"]
    (result,) = run_onnx(path, {"input": x})
    np.testing.assert_allclose(result, x.numpy() ** 2 + 1, rtol=1e-6)


def test_untraced_tensors_are_constants_with_a_warning(tmp_path):
    class Shifted(nn.Module):
        def forward(self, x):
            return x + mdl.ones(x.shape[1])  # created in forward: not a buffer

    x = example((2, 3))
    with pytest.warns(TracerWarning, match="argument 1 of Add .*constant"):
        proto, path = exported(Shifted().eval(), x, tmp_path)
    (result,) = run_onnx(path, {"input": x})
    np.testing.assert_allclose(result, x.numpy() + 1)


def test_identity_model_and_atomic_write(tmp_path):
    proto, path = exported(nn.Sequential(nn.Identity(), nn.Dropout(0.5)).eval(),
                           example((2, 3)), tmp_path)
    assert op_types(proto) == ["Identity"]
    assert os.listdir(tmp_path) == ["model.onnx"]


# ---------------------------------------------------------------- errors

def test_training_mode_is_refused(tmp_path):
    needs_onnx()
    model = PaperMLP(batch_norm=True)
    with pytest.raises(ExportError, match=r"training mode.*model\.eval\(\)"):
        mdl.onnx.export(model, example(MLP_SHAPE), tmp_path / "m.onnx")
    model.eval()
    model.features[1].train()  # one submodule is enough
    with pytest.raises(ExportError, match="features.1"):
        mdl.onnx.export(model, example(MLP_SHAPE), tmp_path / "m.onnx")
    assert not os.listdir(tmp_path)


def test_batch_statistics_are_refused(tmp_path):
    needs_onnx()
    model = nn.Sequential(nn.BatchNorm1d(3, track_running_stats=False)).eval()
    with pytest.raises(ExportError, match="batch statistics"):
        mdl.onnx.export(model, example((4, 3)), tmp_path / "m.onnx")


@pytest.mark.parametrize("forward, op", [
    (lambda x: x.max(dim=1).values, "SelectAlongDim"),
    (lambda x: F.cross_entropy(x, mdl.tensor([0, 1])), "SoftmaxCrossEntropy"),
    (lambda x: F.dropout(x, 0.5, training=True), "Dropout"),
])
def test_unsupported_ops_are_named(forward, op, tmp_path):
    needs_onnx()

    class Model(nn.Module):
        def forward(self, x):
            return forward(x)

    expected = ExportError if op == "Dropout" else UnsupportedOperatorError
    with pytest.raises(expected, match=op if op != "Dropout" else "dropout"):
        mdl.onnx.export(Model().eval(), example((2, 3)), tmp_path / "m.onnx")
    assert not os.listdir(tmp_path)


def test_untraceable_custom_function_is_named(tmp_path):
    needs_onnx()

    class ViaNumpy(mdl.Function):
        @staticmethod
        def forward(ctx, x):
            return mdl.tensor(np.square(x.numpy()))

        @staticmethod
        def backward(ctx, grad):
            return grad

    class Model(nn.Module):
        def forward(self, x):
            return ViaNumpy.apply(x)

    with pytest.raises(UnsupportedOperatorError, match="ViaNumpy"):
        mdl.onnx.export(Model().eval(), example((2, 3)), tmp_path / "m.onnx")


def test_untraceable_in_place_write_is_refused(tmp_path):
    needs_onnx()

    class Model(nn.Module):
        def forward(self, x):
            y = x * 2
            y[:, 0].zero_()  # a write through a view
            return y + 1

    with pytest.raises(ExportError, match="argument 0 of Add was modified in place"):
        mdl.onnx.export(Model().eval(), example((2, 3)), tmp_path / "m.onnx")


def test_dynamic_batch_limits(tmp_path):
    needs_onnx()

    class Folding(nn.Module):
        def forward(self, x):
            return x.reshape(-1)  # merges the batch axis

    with pytest.raises(ExportError, match="changes axis 0"):
        mdl.onnx.export(Folding().eval(), example((2, 3)), tmp_path / "m.onnx",
                        dynamic_axes={"input": [0]})
    with pytest.raises(NotImplementedError, match="only axis 0"):
        mdl.onnx.export(nn.Identity().eval(), example((2, 3)), tmp_path / "m.onnx",
                        dynamic_axes={"input": [0, 1]})
    with pytest.raises(ValueError, match="neither input names"):
        mdl.onnx.export(nn.Identity().eval(), example((2, 3)), tmp_path / "m.onnx",
                        dynamic_axes={"x": [0]})


@pytest.mark.parametrize("kwargs, args, exc, detail", [
    ({}, [np.zeros((2, 3), np.float32)], TypeError, "args must be a Tensor"),
    ({}, [(example((2, 3)), 1.0)], TypeError, r"args\[1\] must be a Tensor"),
    ({"opset_version": 9}, [example((2, 3))], ValueError, "opset_version"),
    ({"input_names": "x"}, [example((2, 3))], TypeError, "input_names"),
    ({"input_names": ["a", "b"]}, [example((2, 3))], ValueError, "2 names for 1"),
    ({"dynamic_axes": [0]}, [example((2, 3))], TypeError, "dynamic_axes"),
])
def test_bad_arguments(kwargs, args, exc, detail, tmp_path):
    needs_onnx()
    with pytest.raises(exc, match=detail):
        mdl.onnx.export(nn.Identity().eval(), *args, tmp_path / "m.onnx", **kwargs)
    with pytest.raises(TypeError, match="nn.Module"):
        mdl.onnx.export(lambda x: x, example((2, 3)), tmp_path / "m.onnx")
    with pytest.raises(TypeError, match="binary file object"):
        mdl.onnx.export(nn.Identity().eval(), example((2, 3)), 42)


def test_missing_package_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # the import fails as if absent
    with pytest.raises(ImportError, match=r"minidl\[interop\]"):
        mdl.onnx.export(nn.Identity().eval(), example((2, 3)), tmp_path / "m.onnx")
    assert not os.listdir(tmp_path)


# ------------------------------------------------- convolution and pooling options

class ConvPool(nn.Module):
    """Grouped, dilated and transposed convolutions and ceil-mode pooling."""

    def __init__(self, include_pad):
        super().__init__()
        self.conv = nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2)
        self.up = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.max = nn.MaxPool2d(3, stride=2, padding=1, dilation=(1, 2), ceil_mode=True)
        self.avg = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                count_include_pad=include_pad)
        self.line = nn.Conv1d(4, 4, 3, padding=1, groups=4)

    def forward(self, x):
        y = self.avg(self.max(self.up(self.conv(x))))
        return self.line(y.reshape(y.shape[0], 4, -1))


@pytest.mark.parametrize("include_pad", [True, False])
@pytest.mark.parametrize("opset", [14, 18, None])
def test_conv_and_pool_options_match(include_pad, opset, tmp_path):
    model = randomized(ConvPool(include_pad))
    x = example((2, 4, 7, 6))
    proto, path = exported(model, x, tmp_path, opset_version=opset)
    assert Counter(op_types(proto))["Conv"] == 2
    assert {"ConvTranspose", "MaxPool", "AveragePool"} <= set(op_types(proto))
    nodes = {node.op_type: node for node in proto.graph.node}
    attrs = {a.name: a for a in nodes["MaxPool"].attribute}
    assert list(attrs["dilations"].ints) == [1, 2] and attrs["ceil_mode"].i == 1
    attrs = {a.name: a for a in nodes["ConvTranspose"].attribute}
    assert list(attrs["output_padding"].ints) == [1, 1] and attrs["group"].i == 2
    (result,) = run_onnx(path, {"input": x})
    np.testing.assert_allclose(result, run_minidl(model, x), rtol=1e-5, atol=1e-5)


def test_divisor_override_is_not_exported(tmp_path):
    needs_onnx()
    model = nn.Sequential(nn.AvgPool2d(2, divisor_override=3)).eval()
    with pytest.raises(UnsupportedOperatorError, match="divisor_override"):
        mdl.onnx.export(model, example((1, 1, 4, 4)), tmp_path / "m.onnx")

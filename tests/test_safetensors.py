"""``.safetensors`` files through minidl.save / minidl.load: round trips in
minidl, state dicts exchanged with PyTorch in both directions (same outputs
from the same input), and clear errors for what the format cannot hold.

The tests that need the safetensors package or PyTorch skip without them."""

import os
import sys

import numpy as np
import pytest

import minidl as mdl
from minidl.models import PaperMLP, SmallInception

# small shapes keep every test fast; SmallInception takes any H, W >= 4
IMAGE_SHAPE = (2, 1, 12, 12)
MLP_SHAPE = (4, 784)


def needs_safetensors():
    return pytest.importorskip("safetensors.numpy")


def randomized(model, seed):
    """``model`` with every float parameter and buffer drawn at random
    (positive running variances), so BatchNorm's statistics matter."""
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


def minidl_models():
    return {
        "mlp": lambda: PaperMLP(batch_norm=False),
        "mlp-bn": lambda: PaperMLP(batch_norm=True),
        "inception-bn": lambda: SmallInception(bn=True),
        "inception-sigmoid": lambda: SmallInception(bn=False, activation="sigmoid"),
    }


def example_input(name, seed=1):
    shape = MLP_SHAPE if name.startswith("mlp") else IMAGE_SHAPE
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def minidl_output(model, x):
    with mdl.no_grad():
        return model(mdl.tensor(x)).numpy()


# ---------------------------------------------------------------- PyTorch twins

def torch_model(name):
    """The PyTorch network with the same architecture and state_dict keys."""
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    def mlp(batch_norm):
        class TorchPaperMLP(tnn.Module):
            def __init__(self):
                super().__init__()
                layers, width = [], 784
                for size in (100, 100, 100):
                    layers.append(tnn.Linear(width, size, bias=not batch_norm))
                    if batch_norm:
                        layers.append(tnn.BatchNorm1d(size))
                    layers.append(tnn.Sigmoid())
                    width = size
                self.features = tnn.Sequential(*layers)
                self.classifier = tnn.Linear(width, 10)

            def forward(self, x):
                return self.classifier(self.features(x))
        return TorchPaperMLP()

    def conv_unit(cin, cout, k, bn, activation, stride=1):
        layers = [tnn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=not bn)]
        if bn:
            layers.append(tnn.BatchNorm2d(cout))
        layers.append(tnn.ReLU() if activation == "relu" else tnn.Sigmoid())
        return tnn.Sequential(*layers)

    class Inception(tnn.Module):
        def __init__(self, cin, b1, b3, b5, pool_proj, bn, act):
            super().__init__()
            self.branch1 = conv_unit(cin, b1, 1, bn, act)
            self.branch3 = tnn.Sequential(conv_unit(cin, b3[0], 1, bn, act),
                                          conv_unit(b3[0], b3[1], 3, bn, act))
            self.branch5 = tnn.Sequential(conv_unit(cin, b5[0], 1, bn, act),
                                          conv_unit(b5[0], b5[1], 3, bn, act),
                                          conv_unit(b5[1], b5[1], 3, bn, act))
            self.branch_pool = tnn.Sequential(tnn.MaxPool2d(3, stride=1, padding=1),
                                              conv_unit(cin, pool_proj, 1, bn, act))
            self.out_channels = b1 + b3[1] + b5[1] + pool_proj

        def forward(self, x):
            return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x),
                              self.branch_pool(x)], dim=1)

    class TorchSmallInception(tnn.Module):
        def __init__(self, bn, act):
            super().__init__()
            self.stem = conv_unit(1, 32, 3, bn, act, stride=2)
            self.block1 = Inception(32, 16, (16, 24), (8, 12), 12, bn, act)
            self.reduce = tnn.MaxPool2d(2, stride=2)
            self.block2 = Inception(self.block1.out_channels, 24, (24, 32), (12, 20), 20,
                                    bn, act)
            self.pool = tnn.AdaptiveAvgPool2d(1)
            self.dropout = tnn.Identity()
            self.classifier = tnn.Linear(self.block2.out_channels, 10)

        def forward(self, x):
            x = self.block2(self.reduce(self.block1(self.stem(x))))
            return self.classifier(self.dropout(torch.flatten(self.pool(x), 1)))

    builders = {
        "mlp": lambda: mlp(False),
        "mlp-bn": lambda: mlp(True),
        "inception-bn": lambda: TorchSmallInception(True, "relu"),
        "inception-sigmoid": lambda: TorchSmallInception(False, "sigmoid"),
    }
    return builders[name]()


def torch_output(model, x):
    import torch

    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("name", ["mlp-bn", "inception-bn"])
def test_round_trip_through_a_file(name, tmp_path):
    needs_safetensors()
    source = randomized(minidl_models()[name](), seed=0)
    path = tmp_path / "weights.safetensors"
    mdl.save(source.state_dict(), path)
    loaded = mdl.load(path)

    expected = source.state_dict()
    assert set(loaded) == set(expected)
    for key, value in loaded.items():
        assert isinstance(value, mdl.Tensor) and value.device == "cpu"
        assert value.dtype == expected[key].dtype and value.shape == expected[key].shape
        np.testing.assert_array_equal(value.numpy(), expected[key].numpy())

    target = minidl_models()[name]().eval()
    target.load_state_dict(loaded)
    x = example_input(name)
    np.testing.assert_array_equal(minidl_output(target, x), minidl_output(source, x))


def test_state_on_any_device_is_saved(device, tmp_path):
    needs_safetensors()
    model = randomized(PaperMLP(batch_norm=True), seed=4)
    expected = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    model.to(device)
    mdl.save(model.state_dict(), tmp_path / "weights.safetensors")
    loaded = mdl.load(tmp_path / "weights.safetensors")
    assert set(loaded) == set(expected)
    for key, value in loaded.items():
        assert value.device == "cpu"
        np.testing.assert_array_equal(value.numpy(), expected[key])


def test_round_trip_keeps_dtypes_shapes_and_layouts(tmp_path):
    needs_safetensors()
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    state = {
        "transposed": mdl.tensor(base).t(),             # not C-contiguous
        "scalar": mdl.tensor(7),                        # 0-d int64
        "flags": mdl.tensor(np.array([True, False])),
        "small": mdl.tensor(np.array([1, 2], dtype=np.int8)),
        "trained": mdl.ones(2, 3, requires_grad=True),  # saved without its graph
        "array": np.array([[1.5, 2.5]], dtype=np.float32),
        "empty": mdl.zeros(0, 3),
    }
    path = tmp_path / "mixed.safetensors"
    mdl.save(state, str(path))
    loaded = mdl.load(str(path))
    for key, value in state.items():
        expected = value.detach().numpy() if isinstance(value, mdl.Tensor) else value
        assert loaded[key].dtype == expected.dtype, key
        assert loaded[key].shape == expected.shape, key
        np.testing.assert_array_equal(loaded[key].numpy(), expected)
    # loaded tensors own writable memory
    loaded["transposed"].add_(1.0)
    assert loaded["transposed"].numpy()[0, 0] == 1.0


def test_the_suffix_picks_the_format(tmp_path):
    needs_safetensors()
    import safetensors.numpy

    state = {"w": mdl.ones(2)}
    mdl.save(state, tmp_path / "a.safetensors")
    assert list(safetensors.numpy.load_file(str(tmp_path / "a.safetensors"))) == ["w"]
    mdl.save(state, tmp_path / "b.SafeTensors")  # the suffix is matched case-blind
    assert list(safetensors.numpy.load_file(str(tmp_path / "b.SafeTensors"))) == ["w"]
    # other suffixes keep minidl's .npz format, which loads as NumPy arrays
    mdl.save(state, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz") as archive:
        assert "__minidl_meta__" in archive.files
    assert isinstance(mdl.load(tmp_path / "c.npz")["w"], np.ndarray)


def test_a_failed_save_keeps_the_old_file(tmp_path):
    needs_safetensors()
    path = tmp_path / "weights.safetensors"
    mdl.save({"w": mdl.ones(3)}, path)
    with pytest.raises(TypeError):
        mdl.save({"w": mdl.zeros(3), "nested": {"a": mdl.ones(1)}}, path)
    np.testing.assert_array_equal(mdl.load(path)["w"].numpy(), np.ones(3, np.float32))
    assert os.listdir(tmp_path) == ["weights.safetensors"]  # no temporary file left


# ---------------------------------------------------------------- with PyTorch

@pytest.mark.parametrize("name", list(minidl_models()))
def test_minidl_weights_load_into_pytorch(name, tmp_path):
    needs_safetensors()
    torch_safetensors = pytest.importorskip("safetensors.torch")
    model = randomized(minidl_models()[name](), seed=2)
    path = tmp_path / "minidl.safetensors"
    mdl.save(model.state_dict(), path)

    twin = torch_model(name)
    twin.load_state_dict(torch_safetensors.load_file(str(path)), strict=True)
    twin.eval()
    x = example_input(name)
    np.testing.assert_allclose(torch_output(twin, x), minidl_output(model, x),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", list(minidl_models()))
def test_pytorch_weights_load_into_minidl(name, tmp_path):
    needs_safetensors()
    torch_safetensors = pytest.importorskip("safetensors.torch")
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    twin = torch_model(name)
    with torch.no_grad():  # non-trivial BatchNorm statistics
        for key, buffer in twin.state_dict().items():
            if key.endswith("running_mean"):
                buffer.normal_(0.0, 0.5)
            elif key.endswith("running_var"):
                buffer.uniform_(0.5, 2.0)
            elif key.endswith("num_batches_tracked"):
                buffer.fill_(3)
    twin.eval()
    path = tmp_path / "torch.safetensors"
    torch_safetensors.save_file(twin.state_dict(), str(path))

    model = minidl_models()[name]().eval()
    model.load_state_dict(mdl.load(path))
    x = example_input(name)
    np.testing.assert_allclose(minidl_output(model, x), torch_output(twin, x),
                               rtol=1e-4, atol=1e-5)
    if name.endswith("bn"):
        assert model.state_dict()[next(k for k in model.state_dict()
                                       if k.endswith("num_batches_tracked"))].item() == 3


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("obj, detail", [
    ({"a": {"b": mdl.ones(1)}}, "'a' is a dict"),
    ({"a": [mdl.ones(1)]}, "'a' is a list"),
    ({"a": 1.5}, "'a' is a float"),
    ({1: mdl.ones(1)}, "key 1 is a int"),
    ([mdl.ones(1)], "got list"),
    (mdl.ones(1), "got Tensor"),
    ({"a": np.array(["x"])}, "dtype <U1"),
])
def test_only_flat_dicts_of_tensors_are_saved(obj, detail, tmp_path):
    with pytest.raises(TypeError, match="save") as info:
        mdl.save(obj, tmp_path / "bad.safetensors")
    assert detail in str(info.value)
    assert not os.listdir(tmp_path)


def test_missing_package_names_the_extra(tmp_path, monkeypatch):
    # None in sys.modules makes the import fail as if the package were absent
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"save: .*minidl\[interop\]"):
        mdl.save({"w": mdl.ones(1)}, tmp_path / "w.safetensors")
    with pytest.raises(ImportError, match=r"load: .*minidl\[interop\]"):
        mdl.load(tmp_path / "w.safetensors")
    assert not os.listdir(tmp_path)


def test_load_errors_name_the_file(tmp_path):
    needs_safetensors()
    import safetensors.numpy

    with pytest.raises(FileNotFoundError):
        mdl.load(tmp_path / "missing.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="junk.safetensors is not a readable safetensors"):
        mdl.load(junk)
    truncated = tmp_path / "truncated.safetensors"
    mdl.save({"w": mdl.ones(100)}, truncated)
    truncated.write_bytes(truncated.read_bytes()[:-8])
    with pytest.raises(ValueError, match="truncated.safetensors"):
        mdl.load(truncated)
    half = tmp_path / "half.safetensors"
    safetensors.numpy.save_file({"w": np.ones(2, np.float16)}, str(half))
    with pytest.raises(ValueError, match="'w' of dtype float16"):
        mdl.load(half)

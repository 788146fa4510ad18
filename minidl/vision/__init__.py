"""``minidl.vision``: image data sets and transforms, as ``torchvision``.

    from minidl.vision import datasets, transforms

* ``datasets`` -- ``MNIST``, ``FashionMNIST`` (torchvision's arguments; images
  as uint8 NumPy arrays, no PIL needed);
* ``transforms`` -- ``Compose``, ``ToTensor``, ``Normalize``, ``RandomCrop``,
  ``RandomHorizontalFlip``, ``Lambda``.
"""

from . import datasets, transforms

__all__ = ["datasets", "transforms"]

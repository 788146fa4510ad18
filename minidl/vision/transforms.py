"""Image transforms, as ``torchvision.transforms``: ``Compose``, ``ToTensor``,
``Normalize``, ``RandomCrop``, ``RandomHorizontalFlip``, ``Lambda``.

No PIL is needed. An image is either

* a NumPy array, H x W or H x W x C (what ``minidl.vision.datasets`` hands
  out, and the layout of a PIL image), or
* a minidl tensor, ... x H x W (channels first, any device), as torchvision's
  tensor images;

and a PIL image is accepted where PIL is installed (``ToTensor`` converts it,
the random transforms return a PIL image for one). The random transforms
draw from minidl's global generator, so ``minidl.manual_seed`` (and the
per-worker seeding of a ``DataLoader``) makes them reproducible.
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

from .. import random as _random
from .._dtypes import get_default_dtype
from ..api.creation import as_tensor, from_numpy, full
from ..api.indexing import index_select
from ..api.joining import cat
from ..tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip", "Lambda"]

_PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def _is_pil(img) -> bool:
    # Only an image made by an imported PIL can be one: PIL is never imported here.
    image_module = sys.modules.get("PIL.Image")
    return image_module is not None and isinstance(img, image_module.Image)


def _check_image(op: str, img) -> None:
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(f"{op}: a tensor image needs at least 2 dimensions (..., H, W), "
                             f"got shape {img.shape}")
    elif isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"{op}: an array image must be H x W or H x W x C, got shape "
                             f"{img.shape}")
    elif not _is_pil(img):
        raise TypeError(f"{op}: img should be a NumPy array, a Tensor or a PIL Image, got "
                        f"{type(img).__name__}")


def _size(img) -> tuple[int, int]:
    """(height, width) of an array, tensor or PIL image."""
    if isinstance(img, Tensor):
        return img.shape[-2], img.shape[-1]
    if isinstance(img, np.ndarray):
        return img.shape[0], img.shape[1]
    return img.size[1], img.size[0]


class Compose:
    """Apply several transforms one after the other.

    Args:
        transforms: a list of callables; ``Compose([a, b])(x)`` is ``b(a(x))``.
    """

    def __init__(self, transforms):
        if isinstance(transforms, (str, bytes)) or not hasattr(transforms, "__iter__"):
            raise TypeError(f"Compose: transforms must be a list of callables, got "
                            f"{type(transforms).__name__}")
        transforms = list(transforms)
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is a {type(t).__name__}, not callable")
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("] + [f"    {t}" for t in self.transforms] + [")"]
        return "\n".join(lines)


class ToTensor:
    """A NumPy array or PIL image, H x W (x C), as a tensor C x H x W.

    uint8 values (0..255) become the default float dtype (float32) divided by
    255, so in [0, 1]; other dtypes keep their values and dtype, as in
    torchvision. An H x W array gets one channel. Tensors are refused
    (TypeError), as in torchvision: they are converted already.
    """

    def __call__(self, pic) -> Tensor:
        if _is_pil(pic):
            array = _pil_to_array(pic)
        elif isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"ToTensor: pic should be 2/3 dimensional. Got {pic.ndim} "
                                 "dimensions.")
            array = pic[:, :, None] if pic.ndim == 2 else pic
        else:
            raise TypeError(f"ToTensor: pic should be PIL Image or ndarray. Got "
                            f"{type(pic).__name__}")
        array = np.ascontiguousarray(array.transpose(2, 0, 1))
        if array.dtype == np.uint8:
            dtype = np.dtype(get_default_dtype())
            array = array.astype(dtype)
            array /= dtype.type(255)  # in the float dtype, as torchvision's div(255)
        return from_numpy(array)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _pil_to_array(pic) -> np.ndarray:
    """torchvision's conversion: mode "1" becomes 0/255, the rest keeps its values."""
    dtypes = {"I": np.int32, "I;16": np.int16, "F": np.float32}
    array = np.array(pic, dtypes.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        array = array * np.uint8(255)
    channels = len(pic.getbands())
    return array.reshape(pic.size[1], pic.size[0], channels)


class Normalize:
    """``(tensor - mean) / std`` per channel, for a float tensor ... x C x H x W.

    Args:
        mean: the channels' means, a sequence (one value for all channels).
        std: the channels' standard deviations; none may be 0.
        inplace: change the tensor in place instead of returning a new one
            (default False).

    Works on any device and is differentiable. Raises TypeError for a
    non-tensor or a non-float tensor, ValueError for fewer than 3 dimensions
    or a zero std, RuntimeError when the number of values does not fit the channels.
    """

    def __init__(self, mean, std, inplace: bool = False):
        for name, value in (("mean", mean), ("std", std)):
            values = _values("Normalize", name, value)
            if not values:
                raise ValueError(f"Normalize: {name} must hold at least one value")
        if not isinstance(inplace, bool):
            raise TypeError(f"Normalize: inplace must be True or False, got {inplace!r}")
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: img should be Tensor Image. Got {type(tensor).__name__}")
        if not tensor.is_floating_point():
            raise TypeError(f"Normalize: Input tensor should be a float tensor. Got "
                            f"{tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError(f"Normalize: Expected tensor to be a tensor image of size "
                             f"(..., C, H, W). Got tensor.size() = {tensor.shape}")
        dtype = tensor.dtype
        mean = np.asarray(_values("Normalize", "mean", self.mean), dtype=dtype)
        std = np.asarray(_values("Normalize", "std", self.std), dtype=dtype)
        if np.any(std == 0):
            raise ValueError(f"Normalize: std evaluated to zero after conversion to {dtype}, "
                             "leading to division by zero.")
        channels = tensor.shape[-3]
        for name, values in (("mean", mean), ("std", std)):
            if len(values) not in (1, channels):
                raise RuntimeError(f"Normalize: {len(values)} {name} values do not fit a "
                                   f"tensor with {channels} channels (shape {tensor.shape})")
        mean = as_tensor(mean.reshape(-1, 1, 1), device=tensor.device)
        std = as_tensor(std.reshape(-1, 1, 1), device=tensor.device)
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


def _values(op: str, name: str, value) -> list:
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{op}: {name} must be a sequence of numbers, got "
                        f"{type(value).__name__}")
    values = list(np.asarray(value, dtype=object).reshape(-1)) if isinstance(
        value, np.ndarray) else list(value)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{op}: {name} must be a sequence of numbers, got {value!r}")
    return values


def _pair(op: str, name: str, value) -> tuple[int, int]:
    """torchvision's size rule: an int n is (n, n); a sequence of one or two ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    elif isinstance(value, (list, tuple)) and len(value) == 1:
        value = (value[0], value[0])
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{op}: Please provide only two dimensions (h, w) for {name}, got "
                         f"{value!r}")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v <= 0:
            raise ValueError(f"{op}: {name} must be positive ints, got {value!r}")
    return int(value[0]), int(value[1])


def _padding(op: str, padding) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) from an int, or a sequence of 1, 2 or 4 ints."""
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        padding = [padding]
    if not isinstance(padding, (list, tuple)):
        raise TypeError(f"{op}: Got inappropriate padding arg {padding!r}")
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"{op}: Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    for p in padding:
        if isinstance(p, bool) or not isinstance(p, numbers.Integral):
            raise TypeError(f"{op}: Got inappropriate padding arg {padding!r}")
        if p < 0:
            raise ValueError(f"{op}: padding must be >= 0, got {padding!r}")
    if len(padding) == 1:
        return (int(padding[0]),) * 4
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    return tuple(int(p) for p in padding)


def _check_fill(op: str, fill) -> None:
    if isinstance(fill, numbers.Real) and not isinstance(fill, bool):
        return
    if isinstance(fill, (list, tuple)) and fill and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in fill):
        return
    raise TypeError(f"{op}: Got inappropriate fill arg {fill!r}")


def _pad(img, padding, fill=0, padding_mode: str = "constant"):
    """``img`` with ``padding`` added around it (torchvision's ``F.pad``).

    Args:
        img: an array (H x W (x C)), a tensor (... x H x W) or a PIL image.
        padding: an int (all sides), (left/right, top/bottom) or (left, top,
            right, bottom).
        fill: the value of new pixels with ``padding_mode="constant"``: a
            number, or for an array / PIL image one value per channel.
        padding_mode: "constant" (default), "edge" (repeat the border),
            "reflect" (mirror without the border) or "symmetric" (with it).
    """
    left, top, right, bottom = _padding("pad", padding)
    _check_fill("pad", fill)
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"pad: Padding mode should be either constant, edge, reflect or "
                         f"symmetric, got {padding_mode!r}")
    _check_image("pad", img)
    height, width = _size(img)
    if padding_mode == "reflect" and (max(top, bottom) >= height or max(left, right) >= width):
        raise ValueError(f"pad: reflect padding {(left, top, right, bottom)} must be smaller "
                         f"than the image size {(height, width)}")
    if padding_mode != "constant" and (height == 0 or width == 0):
        raise ValueError(f"pad: cannot {padding_mode}-pad an empty image {(height, width)}")
    if isinstance(img, Tensor):
        if not isinstance(fill, numbers.Real):
            raise TypeError("pad: a tensor image takes one number as fill, got "
                            f"{fill!r}")
        return _pad_tensor(img, (left, top, right, bottom), fill, padding_mode)
    if _is_pil(img):
        # As torchvision: PIL's own border for constant padding (the mode kept),
        # NumPy's for the others.
        from PIL import Image, ImageOps  # only reached with a PIL image, so PIL is there

        if padding_mode == "constant":
            fill = fill if isinstance(fill, numbers.Real) else tuple(fill)
            return ImageOps.expand(img, border=(left, top, right, bottom), fill=fill)
        array = _pad_array(np.asarray(img), (left, top, right, bottom), fill, padding_mode)
        return Image.fromarray(array)
    return _pad_array(img, (left, top, right, bottom), fill, padding_mode)


def _pad_array(array: np.ndarray, sides, fill, mode: str) -> np.ndarray:
    left, top, right, bottom = sides
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (array.ndim - 2)
    if mode != "constant":
        return np.pad(array, widths, mode=mode)
    fills = [fill] if isinstance(fill, numbers.Real) else list(fill)
    channels = array.shape[2] if array.ndim == 3 else 1
    if len(fills) not in (1, channels):
        raise ValueError(f"pad: {len(fills)} fill values for an image with {channels} channels")
    out = np.empty((array.shape[0] + top + bottom, array.shape[1] + left + right)
                   + array.shape[2:], dtype=array.dtype)
    out[...] = np.asarray(fills if len(fills) > 1 else fills[0]).astype(array.dtype)
    out[top:top + array.shape[0], left:left + array.shape[1]] = array
    return out


def _pad_tensor(img: Tensor, sides, fill, mode: str) -> Tensor:
    left, top, right, bottom = sides
    height, width = img.shape[-2:]
    if mode == "constant":
        def block(shape):
            return full(shape, fill, dtype=img.dtype, device=img.device)
        lead = img.shape[:-2]
        rows = [block(lead + (top, width))] if top else []
        rows += [img] + ([block(lead + (bottom, width))] if bottom else [])
        img = cat(rows, dim=-2) if len(rows) > 1 else img
        new_height = height + top + bottom
        columns = [block(lead + (new_height, left))] if left else []
        columns += [img] + ([block(lead + (new_height, right))] if right else [])
        return cat(columns, dim=-1) if len(columns) > 1 else img
    # Edge, reflect and symmetric padding pick existing rows and columns: the
    # index maps come from np.pad over the positions, the picking runs on the
    # tensor's device (and is differentiable).
    rows = np.pad(np.arange(height), (top, bottom), mode=mode)
    columns = np.pad(np.arange(width), (left, right), mode=mode)
    img = index_select(img, -2, as_tensor(rows, device=img.device))
    return index_select(img, -1, as_tensor(columns, device=img.device))


class RandomCrop:
    """Crop a random ``size`` window of the image (torchvision's ``RandomCrop``).

    Args:
        size: (height, width) of the crop, or an int for a square.
        padding: added around the image first (see ``_pad``); default None.
        pad_if_needed: pad an image smaller than ``size`` up to it (default False).
        fill: value of padded pixels with ``padding_mode="constant"`` (default 0).
        padding_mode: "constant" (default), "edge", "reflect" or "symmetric".

    The window's corner is drawn from minidl's global generator. Raises
    ValueError when the (padded) image is smaller than ``size``.
    """

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0,
                 padding_mode: str = "constant"):
        self.size = _pair("RandomCrop", "size", size)
        if padding is not None:
            _padding("RandomCrop", padding)
        if not isinstance(pad_if_needed, bool):
            raise TypeError(f"RandomCrop: pad_if_needed must be True or False, got "
                            f"{pad_if_needed!r}")
        _check_fill("RandomCrop", fill)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"RandomCrop: Padding mode should be either constant, edge, "
                             f"reflect or symmetric, got {padding_mode!r}")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img, output_size) -> tuple[int, int, int, int]:
        """(top, left, height, width) of a random crop of ``output_size`` in ``img``."""
        _check_image("RandomCrop", img)
        height, width = _size(img)
        th, tw = _pair("RandomCrop", "output_size", output_size)
        if height < th or width < tw:
            raise ValueError(f"RandomCrop: Required crop size {(th, tw)} is larger than input "
                             f"image size {(height, width)}")
        if height == th and width == tw:
            return 0, 0, height, width
        rng = _random.default_generator()
        top = int(rng.integers(0, height - th + 1))
        left = int(rng.integers(0, width - tw + 1))
        return top, left, th, tw

    def __call__(self, img):
        _check_image("RandomCrop", img)
        if self.padding is not None:
            img = _pad(img, self.padding, self.fill, self.padding_mode)
        height, width = _size(img)
        if self.pad_if_needed and width < self.size[1]:
            img = _pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = _pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        top, left, th, tw = self.get_params(img, self.size)
        if isinstance(img, Tensor):
            return img[..., top:top + th, left:left + tw]
        if isinstance(img, np.ndarray):
            return img[top:top + th, left:left + tw].copy()
        return img.crop((left, top, left + tw, top + th))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror the image left to right with probability ``p`` (default 0.5).

    The coin is drawn from minidl's global generator.
    """

    def __init__(self, p: float = 0.5):
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be a probability in [0, 1], got "
                             f"{p!r}")
        self.p = p

    def __call__(self, img):
        _check_image("RandomHorizontalFlip", img)
        if not _random.default_generator().random() < self.p:
            return img
        if isinstance(img, Tensor):
            return img.flip(-1)
        if isinstance(img, np.ndarray):
            return img[:, ::-1].copy()
        from PIL import Image  # only reached with a PIL image, so PIL is there

        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class Lambda:
    """A transform made of a function: ``Lambda(f)(img)`` is ``f(img)``.

    Args:
        lambd: any callable.
    """

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: Argument lambd should be callable, got "
                            f"{type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

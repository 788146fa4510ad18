"""save / load: state dicts in a file, written atomically: a temporary file in
the same folder is flushed, fsynced and renamed over the target, so a crash
never leaves a half-written file under the real name.

The path's suffix picks the format:

- ``.safetensors``: the safetensors format that PyTorch and the Hugging Face
  tools read and write (``safetensors.torch.load_file``), through the optional
  ``safetensors`` package (``pip install "minidl[interop]"``). It holds a flat
  dict of named tensors only.
- any other suffix: one ``.npz`` file holding nested dicts, lists and tuples
  of tensors, arrays and numbers (minidl's own format; checkpoints use it).
"""

import errno
import json
import os
import tempfile
from collections.abc import Mapping

import numpy as np

from ._dtypes import SUPPORTED
from .api.creation import from_numpy
from .tensor import Tensor

_META_KEY = "__minidl_meta__"
SAFETENSORS_SUFFIX = ".safetensors"


def _flatten(obj, prefix, arrays):
    """Replace arrays by references and collect them in ``arrays``."""
    if isinstance(obj, Tensor):
        obj = obj.numpy()
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"save: cannot store an array of dtype {obj.dtype} (only numbers "
                            "and booleans)")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, dict):
        return {"__dict__": [[_flatten(k, prefix, arrays), _flatten(v, prefix, arrays)]
                             for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"__list__" if isinstance(obj, list) else "__tuple__":
                [_flatten(v, prefix, arrays) for v in obj]}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"save: cannot store an object of type {type(obj).__name__}")


def _unflatten(obj, arrays):
    if isinstance(obj, dict):
        if "__array__" in obj:
            return arrays[obj["__array__"]]  # a missing key is reported by load
        if "__dict__" in obj:
            return {_unflatten(k, arrays): _unflatten(v, arrays) for k, v in obj["__dict__"]}
        if "__list__" in obj:
            return [_unflatten(v, arrays) for v in obj["__list__"]]
        if "__tuple__" in obj:
            return tuple(_unflatten(v, arrays) for v in obj["__tuple__"])
    return obj


def write_atomically(path, write, binary):
    """Call ``write(file)`` on a temporary file beside ``path``, flush and fsync
    it, then rename it over ``path``: readers see the old file or the whole new
    one, never a part. The temporary file is removed if anything fails."""
    folder = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    try:
        mode, encoding = ("wb", None) if binary else ("w", "utf-8")
        with os.fdopen(fd, mode, encoding=encoding) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def is_safetensors_path(path):
    """Whether ``path`` (a str, bytes or os.PathLike) names a .safetensors file."""
    suffix = os.path.splitext(os.fsdecode(os.fspath(path)))[1]
    return suffix.lower() == SAFETENSORS_SUFFIX


def save(obj, path):
    """Write ``obj`` (e.g. ``model.state_dict()``) to ``path`` atomically.

    Args:
        obj: for a ``.safetensors`` path, a flat dict of str -> Tensor or
            NumPy array (what ``state_dict()`` returns); for any other path,
            nested dicts, lists and tuples of tensors, arrays, numbers,
            strings and None (written as ``.npz``).
        path: a str or os.PathLike; its suffix picks the format.

    Raises ``TypeError`` for an object the format cannot hold and
    ``ImportError`` naming the ``interop`` extra when a ``.safetensors``
    path is given without the ``safetensors`` package installed."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"save: path must be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    if is_safetensors_path(path):
        _save_safetensors(obj, path)
        return
    arrays = {}
    meta = _flatten(obj, "", arrays)
    arrays[_META_KEY] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    write_atomically(path, lambda f: np.savez(f, **arrays), binary=True)


def load(path):
    """Read what ``save`` wrote to the file ``path``.

    From a ``.safetensors`` file (minidl's or PyTorch's
    ``safetensors.torch.save_file``): a dict of name -> CPU Tensor, in the
    file's order, as ``safetensors.torch.load_file`` returns.
    From any other file: the saved structure with tensors as NumPy arrays.
    Both are what ``Module.load_state_dict`` accepts.

    Raises ``FileNotFoundError`` when there is no file and ``ValueError``
    naming the file when it is not a readable file of its format."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"load: path must be a str or os.PathLike, got {type(path).__name__}")
    if is_safetensors_path(path):
        return _load_safetensors(os.fspath(path))
    try:
        data = np.load(os.fspath(path), allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError("a single .npy array, not an .npz archive")
        with data:
            arrays = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise ValueError(f"load: {path} is not a readable minidl file ({exc})") from exc
    if _META_KEY not in arrays:
        raise ValueError(f"load: {path} was not written by minidl.save")
    try:
        meta = json.loads(arrays.pop(_META_KEY).tobytes().decode("utf-8"))
        return _unflatten(meta, arrays)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"load: {path} has a damaged index of its contents ({exc!r})") from exc


# ---------------------------------------------------------------- safetensors

_INTEROP_HINT = 'pip install "minidl[interop]" (or pip install safetensors)'


def _safetensors_numpy(op):
    """The ``safetensors.numpy`` module, or an ImportError naming the extra."""
    try:
        import safetensors.numpy
    except ImportError as exc:
        raise ImportError(f"{op}: .safetensors files need the safetensors package: "
                          f"{_INTEROP_HINT}") from exc
    return safetensors.numpy


def _safetensors_arrays(obj):
    """The flat dict of contiguous host arrays that ``obj`` stands for."""
    hint = "use a .npz path for other objects"
    if not isinstance(obj, Mapping):
        raise TypeError(f"save: a .safetensors file holds a flat dict of str -> tensors, got "
                        f"{type(obj).__name__}; {hint}")
    arrays = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"save: a .safetensors file holds a flat dict of str -> tensors, "
                            f"but key {key!r} is a {type(key).__name__}; {hint}")
        if isinstance(value, Tensor):
            value = value.numpy()
        if not isinstance(value, np.ndarray):
            raise TypeError(f"save: a .safetensors file holds a flat dict of str -> tensors, "
                            f"but {key!r} is a {type(value).__name__}; {hint}")
        if value.dtype.kind not in "biuf" or value.dtype.itemsize > 8:
            raise TypeError(f"save: cannot store {key!r} of dtype {value.dtype} in a "
                            ".safetensors file (only numbers and booleans)")
        # the writer copies raw memory: it needs dense C-ordered arrays
        # (asarray, not ascontiguousarray, which makes 0-d arrays 1-d)
        arrays[key] = np.asarray(value, order="C")
    return arrays


def _save_safetensors(obj, path):
    arrays = _safetensors_arrays(obj)
    encoder = _safetensors_numpy("save")
    data = encoder.save(arrays)
    write_atomically(path, lambda f: f.write(data), binary=True)


def _load_safetensors(path):
    decoder = _safetensors_numpy("load")
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "load: no such file", path)
    try:
        arrays = decoder.load_file(path)
    except Exception as exc:  # the reader raises its own error types
        raise ValueError(f"load: {path} is not a readable safetensors file ({exc})") from exc
    state = {}
    for key, array in arrays.items():
        if array.dtype not in SUPPORTED:
            names = ", ".join(str(d) for d in SUPPORTED)
            raise ValueError(f"load: {path} holds {key!r} of dtype {array.dtype}, which "
                             f"minidl tensors cannot hold ({names}); convert it first")
        # a private, writable copy: the reader's arrays may map the file
        state[key] = from_numpy(np.array(array, copy=True))
    return state

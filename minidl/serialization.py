"""save / load: state dicts (nested dicts of tensors, arrays and numbers) in
one ``.npz`` file, written atomically: a temporary file in the same folder
is flushed, fsynced and renamed over the target, so a crash never leaves a
half-written file under the real name."""

import json
import os
import tempfile

import numpy as np

from .tensor import Tensor

_META_KEY = "__minidl_meta__"


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


def save(obj, path):
    """Write ``obj`` (e.g. ``model.state_dict()``) to ``path`` atomically."""
    arrays = {}
    meta = _flatten(obj, "", arrays)
    arrays[_META_KEY] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    write_atomically(path, lambda f: np.savez(f, **arrays), binary=True)


def load(path):
    """Read what ``save`` wrote; tensors come back as NumPy arrays, which
    ``load_state_dict`` accepts."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"load: path must be a str or os.PathLike, got {type(path).__name__}")
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

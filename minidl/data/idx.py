"""Reading and writing IDX files, the array format of the MNIST distribution.

This module owns the IDX codec and nothing else: no searching, downloading or
checksums (those live in ``fetch.py``).

An IDX file is a 4-byte magic number, then one big-endian uint32 per dimension,
then the array data in C order, big-endian::

    byte 0-1   0x00 0x00
    byte 2     dtype code: 0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int,
               0x0D float, 0x0E double
    byte 3     number of dimensions
    ...        ndim big-endian uint32 sizes, then the data

Files may be stored raw or gzip-compressed; the reader tells them apart by the
gzip magic bytes, not by the file name, so a mis-named file still reads.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "write_idx"]

# IDX dtype code -> big-endian numpy dtype of the stored data.
_CODE_TO_DTYPE = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# numpy dtype (native or not, compared by kind and size) -> IDX dtype code.
_DTYPE_TO_CODE = {(dt.kind, dt.itemsize): code for code, dt in _CODE_TO_DTYPE.items()}

_GZIP_MAGIC = b"\x1f\x8b"
_HEADER_SIZE = 4


def _read_bytes(path: Path) -> bytearray:
    """Return the (decompressed) content of ``path`` as a writable buffer.

    A bytearray is returned so that ``np.frombuffer`` gives a writable array
    without another copy for the common uint8 case.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        return bytearray(raw)
    try:
        return bytearray(gzip.decompress(raw))
    except EOFError as exc:  # stream ends before the end-of-stream marker
        raise ValueError(f"{path}: truncated gzip stream ({exc})") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:  # bad header, CRC or length
        raise ValueError(f"{path}: corrupt gzip data ({exc})") from exc


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read the IDX file at ``path`` (raw or gzip-compressed) into a
    native-endian NumPy array of the shape and dtype its header gives.

    Raises ``ValueError`` naming the file for a wrong magic number, an unknown
    dtype code, data shorter or longer than the header's dimensions say, or a
    truncated/corrupt gzip stream.
    """
    path = Path(path)
    buf = _read_bytes(path)
    if len(buf) < _HEADER_SIZE:
        raise ValueError(f"{path}: not an IDX file (only {len(buf)} bytes, "
                         f"shorter than the {_HEADER_SIZE}-byte header)")
    if buf[0] != 0 or buf[1] != 0:
        raise ValueError(f"{path}: not an IDX file (magic number starts with "
                         f"0x{buf[0]:02x} 0x{buf[1]:02x}, expected 0x00 0x00)")
    code, ndim = buf[2], buf[3]
    if code not in _CODE_TO_DTYPE:
        known = ", ".join(f"0x{c:02X}" for c in _CODE_TO_DTYPE)
        raise ValueError(f"{path}: unknown IDX dtype code 0x{code:02X} (known: {known})")

    data_start = _HEADER_SIZE + 4 * ndim
    if len(buf) < data_start:
        raise ValueError(f"{path}: truncated IDX header: {ndim} dimensions need "
                         f"{data_start} bytes, file has {len(buf)}")
    shape = tuple(int(d) for d in np.frombuffer(buf, ">u4", ndim, _HEADER_SIZE))
    dtype = _CODE_TO_DTYPE[code]
    expected = data_start + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(buf) < expected:
        raise ValueError(f"{path}: truncated IDX data: shape {shape} of {dtype.name} "
                         f"needs {expected} bytes, file has {len(buf)}")
    if len(buf) > expected:
        raise ValueError(f"{path}: {len(buf) - expected} unexpected trailing bytes after "
                         f"the IDX data (shape {shape} of {dtype.name} ends at byte "
                         f"{expected})")

    count = expected - data_start
    arr = np.frombuffer(buf, dtype, count // dtype.itemsize, data_start).reshape(shape)
    if dtype.itemsize > 1:
        # Swap to native order once here so callers never see '>' dtypes.
        arr = arr.astype(dtype.newbyteorder("="))
    return arr


def write_idx(path: str | os.PathLike, array) -> None:
    """Write ``array`` as an IDX file; gzip-compressed when ``path`` ends in ``.gz``.

    Supported dtypes: uint8, int8, int16, int32, float32, float64 (the six IDX
    types). Anything else is a ``ValueError``: silently casting e.g. int64 to
    int32 could lose data.
    """
    path = Path(path)
    arr = np.asarray(array)
    code = _DTYPE_TO_CODE.get((arr.dtype.kind, arr.dtype.itemsize))
    if code is None:
        raise ValueError(f"write_idx: dtype {arr.dtype} has no IDX code (supported: "
                         "uint8, int8, int16, int32, float32, float64)")
    if arr.ndim > 255:
        raise ValueError(f"write_idx: {arr.ndim} dimensions, IDX allows at most 255")
    if any(d >= 2**32 for d in arr.shape):
        raise ValueError(f"write_idx: shape {arr.shape} has a dimension >= 2**32")

    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">u4").tobytes()
    data = np.ascontiguousarray(arr, dtype=_CODE_TO_DTYPE[code]).tobytes()
    if path.name.endswith(".gz"):
        # mtime=0 makes the output byte-for-byte reproducible.
        payload = gzip.compress(header + data, compresslevel=6, mtime=0)
    else:
        payload = header + data
    with open(path, "wb") as f:
        f.write(payload)

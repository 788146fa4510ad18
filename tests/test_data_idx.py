"""IDX reader/writer (minidl.data.idx) on small files written by the tests."""

import gzip
import struct

import numpy as np
import pytest

from minidl.data import read_idx, write_idx


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32,
                                   np.float32, np.float64])
def test_round_trip(tmp_path, dtype, suffix):
    rng = np.random.default_rng(0)
    if np.dtype(dtype).kind == "f":
        array = rng.standard_normal((3, 4, 5)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, size=(3, 4, 5), endpoint=True, dtype=dtype)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, array)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    assert out.shape == (3, 4, 5)
    np.testing.assert_array_equal(out, array)
    assert out.flags.writeable


def test_gzip_is_detected_by_content_not_name(tmp_path):
    write_idx(tmp_path / "x.gz", np.arange(6, dtype=np.uint8).reshape(2, 3))
    (tmp_path / "x.gz").rename(tmp_path / "x-idx2-ubyte")
    np.testing.assert_array_equal(read_idx(tmp_path / "x-idx2-ubyte"),
                                  np.arange(6).reshape(2, 3))
    assert (tmp_path / "y.gz").suffix == ".gz"
    write_idx(tmp_path / "y.gz", np.zeros(3, np.uint8))
    assert (tmp_path / "y.gz").read_bytes()[:2] == b"\x1f\x8b"


def test_reads_hand_built_big_endian_file(tmp_path):
    # Built by hand rather than with write_idx, so reader and writer cannot
    # share a byte-order mistake.
    raw = bytes([0, 0, 0x0C, 2]) + struct.pack(">II", 2, 2) + struct.pack(">iiii", 1, -2, 3, 70000)
    (tmp_path / "i.idx").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "i.idx"), [[1, -2], [3, 70000]])
    raw = bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 2) + struct.pack(">ff", 1.5, -0.25)
    (tmp_path / "f.idx.gz").write_bytes(gzip.compress(raw))
    out = read_idx(tmp_path / "f.idx.gz")
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [1.5, -0.25])


def test_empty_dimension(tmp_path):
    write_idx(tmp_path / "e", np.zeros((0, 28, 28), np.uint8))
    assert read_idx(tmp_path / "e").shape == (0, 28, 28)


def _valid_bytes():
    return bytes([0, 0, 0x08, 2]) + struct.pack(">II", 2, 3) + bytes(range(6))


@pytest.mark.parametrize("content, message", [
    (b"\x00\x00", "shorter than"),
    (b"\x01\x02\x08\x01" + struct.pack(">I", 1) + b"\x00", "magic number"),
    (bytes([0, 0, 0x0A, 1]) + struct.pack(">I", 1) + b"\x00", "unknown IDX dtype code 0x0A"),
    (bytes([0, 0, 0x08, 3]) + struct.pack(">I", 1), "truncated IDX header"),
    (_valid_bytes()[:-1], "truncated IDX data"),
    (_valid_bytes() + b"junk", "4 unexpected trailing bytes"),
])
@pytest.mark.parametrize("compress", [False, True])
def test_bad_files_raise_clear_errors(tmp_path, content, message, compress):
    path = tmp_path / ("bad.gz" if compress else "bad")
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_gzip_stream(tmp_path):
    path = tmp_path / "t.gz"
    write_idx(path, np.random.default_rng(1).integers(0, 255, (50, 28, 28), dtype=np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated gzip stream") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_corrupt_gzip_stream(tmp_path):
    path = tmp_path / "c.gz"
    write_idx(path, np.arange(1000, dtype=np.int32))
    data = bytearray(path.read_bytes())
    data[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupt gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("dtype", [np.int64, np.uint16, np.bool_, np.float16])
def test_write_rejects_types_without_idx_code(tmp_path, dtype):
    with pytest.raises(ValueError, match="no IDX code"):
        write_idx(tmp_path / "x", np.zeros(3, dtype))

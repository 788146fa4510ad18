"""Matrix product on the device, with NumPy's batching rules.  The mirror file
is ``kernels/cpu/matmul.py``.

On a GPU with CuPy installed (part of the ``cuda`` extra) the product is
cuBLAS's, called through ``cupy.matmul`` on zero-copy views of the numba
arrays (``__cuda_array_interface__``), with the output written straight into
a minidl array: NVIDIA's tuned GEMMs, full float32 precision (no TF32, as
PyTorch's default).  Without CuPy, under the simulator, or with
``MINIDL_CUDA_MATMUL=numba``, the register-blocked Numba kernel below runs:

Each block computes an ``MM_TILE x MM_TILE`` tile of C = A @ B with
``MM_THREADS x MM_THREADS`` threads, each thread ``MM_REG x MM_REG`` outputs
held in registers.  Per step along K the block stages an ``MM_TILE x
MM_THREADS`` slice of A and an ``MM_THREADS x MM_TILE`` slice of B in shared
memory; every thread then does MM_REG^2 multiply-adds per pair of shared
loads (a 16x16-tile, one-output kernel does one), so the kernel is bound by
arithmetic rather than shared-memory traffic.  Blocks walk the (column tile,
row tile, batch) space with grid-stride loops; all loop bounds are uniform
within a block, so every thread reaches every ``syncthreads``.  Edges (sides
that are not multiples of the tile) are zero-padded in shared memory.
Accumulation is in the operands' dtype, as cuBLAS and NumPy's BLAS do.

Operands are read through their strides (a transposed weight is not copied):
each matrix has a row and a column stride, and the batch axes one stride
(0 for a broadcast batch).  Batch axes that cannot be described by one stride
are copied out first.
"""

import os

import numpy as np
from numba import cuda, float32, float64

from .config import MAX_BLOCKS, MM_REG, MM_THREADS, MM_TILE, SIMULATOR, jit, launch
from .layout import (
    broadcast_to,
    cast,
    coalesce,
    contiguous,
    device_operand,
    element_strides,
    empty,
    fill,
    storage,
)

__all__ = ["matmul"]


def _make_matmul(dtype):
    @jit
    def kernel(a, a_bs, a_rs, a_cs, b, b_bs, b_rs, b_cs, out, n_batch, m, k, n, zero):
        tile_a = cuda.shared.array((MM_TILE, MM_THREADS), dtype=dtype)
        tile_b = cuda.shared.array((MM_THREADS, MM_TILE), dtype=dtype)
        acc = cuda.local.array((MM_REG, MM_REG), dtype=dtype)
        frag_a = cuda.local.array(MM_REG, dtype=dtype)
        frag_b = cuda.local.array(MM_REG, dtype=dtype)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        n_col_tiles = (n + MM_TILE - 1) // MM_TILE
        n_row_tiles = (m + MM_TILE - 1) // MM_TILE
        for batch in range(cuda.blockIdx.z, n_batch, cuda.gridDim.z):
            a_base = batch * a_bs
            b_base = batch * b_bs
            c_base = batch * m * n
            for row_tile in range(cuda.blockIdx.y, n_row_tiles, cuda.gridDim.y):
                row0 = row_tile * MM_TILE
                for col_tile in range(cuda.blockIdx.x, n_col_tiles, cuda.gridDim.x):
                    col0 = col_tile * MM_TILE
                    for i in range(MM_REG):
                        for j in range(MM_REG):
                            acc[i, j] = zero
                    for k0 in range(0, k, MM_THREADS):
                        # each thread stages MM_REG elements of each slice
                        for r in range(MM_REG):
                            row = row0 + ty + r * MM_THREADS
                            kk = k0 + tx
                            if row < m and kk < k:
                                tile_a[ty + r * MM_THREADS, tx] = a[a_base + row * a_rs
                                                                    + kk * a_cs]
                            else:
                                tile_a[ty + r * MM_THREADS, tx] = zero
                            col = col0 + tx + r * MM_THREADS
                            kk = k0 + ty
                            if kk < k and col < n:
                                tile_b[ty, tx + r * MM_THREADS] = b[b_base + kk * b_rs
                                                                    + col * b_cs]
                            else:
                                tile_b[ty, tx + r * MM_THREADS] = zero
                        cuda.syncthreads()
                        for t in range(MM_THREADS):
                            for r in range(MM_REG):
                                frag_a[r] = tile_a[ty + r * MM_THREADS, t]
                                frag_b[r] = tile_b[t, tx + r * MM_THREADS]
                            for i in range(MM_REG):
                                for j in range(MM_REG):
                                    acc[i, j] += frag_a[i] * frag_b[j]
                        # the tiles are overwritten next step: wait for every reader
                        cuda.syncthreads()
                    for i in range(MM_REG):
                        row = row0 + ty + i * MM_THREADS
                        if row < m:
                            for j in range(MM_REG):
                                col = col0 + tx + j * MM_THREADS
                                if col < n:
                                    out[c_base + row * n + col] = acc[i, j]

    return kernel


KERNELS = {np.dtype(np.float32): _make_matmul(float32),
           np.dtype(np.float64): _make_matmul(float64)}


# --------------------------------------------------------------------------- cuBLAS


def _load_cupy():
    if SIMULATOR or os.environ.get("MINIDL_CUDA_MATMUL", "").lower() == "numba":
        return None
    try:
        import cupy
    except Exception:  # not installed, or its CUDA libraries are missing
        return None
    return cupy


_cupy = None
_cupy_checked = False


def cublas():
    """CuPy's module when matmul goes through cuBLAS, else None (checked once)."""
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy = _load_cupy()
        _cupy_checked = True
    return _cupy


# --------------------------------------------------------------------------- launchers


def _batched(x, batch_shape):
    """(1-d storage, batch stride, row stride, column stride) of x seen with the
    leading ``batch_shape``; batch axes that one stride cannot describe are copied."""
    shape = tuple(x.shape)
    pad = len(batch_shape) - (len(shape) - 2)
    full = (1,) * pad + shape
    strides = (0,) * pad + element_strides(x)
    batch_strides = tuple(0 if full[d] == 1 else strides[d] for d in range(len(batch_shape)))
    merged = coalesce(tuple(batch_shape), batch_strides)
    merged_shape, merged_strides = merged
    if len(merged_shape) > 1:
        x = contiguous(x)
        if int(np.prod(shape[:-2], dtype=np.int64)) != int(np.prod(batch_shape, dtype=np.int64)):
            # a partial broadcast, e.g. (3, 1, M, K) against batch (3, 4): copy it out
            target = tuple(batch_shape) + shape[-2:]
            x = contiguous(broadcast_to(x, target))
        return _batched(x, batch_shape)
    buf, _ = storage(x)
    return buf, merged_strides[0], strides[-2], strides[-1]


def _matmul_numba(a, b, out, batch_shape, m, k, n):
    n_batch = int(np.prod(batch_shape, dtype=np.int64))
    a_buf, a_bs, a_rs, a_cs = _batched(a, batch_shape)
    b_buf, b_bs, b_rs, b_cs = _batched(b, batch_shape)
    grid = (min(MAX_BLOCKS, -(-n // MM_TILE)), min(MAX_BLOCKS, -(-m // MM_TILE)),
            min(65535, n_batch))
    launch(KERNELS[np.dtype(a.dtype)], grid, (MM_THREADS, MM_THREADS),
           a_buf, a_bs, a_rs, a_cs, b_buf, b_bs, b_rs, b_cs, out.reshape(out.size),
           n_batch, m, k, n, np.dtype(a.dtype).type(0))


def _matmul_cublas(cupy, a, b, out):
    cupy.matmul(cupy.asarray(a), cupy.asarray(b), out=cupy.asarray(out))


def _matmul(a, b):
    """a @ b for float32/float64 device arrays of one dtype, ndim >= 2, any strides."""
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"matmul: both operands need at least 2 dimensions, got shapes "
                         f"{a_shape} and {b_shape}")
    if a_shape[-1] != b_shape[-2]:
        raise ValueError(f"matmul: shapes {a_shape} and {b_shape} do not align")
    if a.dtype != b.dtype:
        raise TypeError(f"matmul: operand dtypes differ ({a.dtype} and {b.dtype})")
    if np.dtype(a.dtype) not in KERNELS:
        raise TypeError(f"matmul on CUDA supports float32 and float64, got {a.dtype}")
    batch_shape = tuple(np.broadcast_shapes(a_shape[:-2], b_shape[:-2]))
    m, k = a_shape[-2], a_shape[-1]
    n = b_shape[-1]
    out = empty(batch_shape + (m, n), a.dtype)
    if out.size == 0:
        return out
    if k == 0:
        return fill(out, 0)
    cupy = cublas()
    if cupy is not None:
        _matmul_cublas(cupy, a, b, out)
    else:
        _matmul_numba(a, b, out, batch_shape, m, k, n)
    return out


def matmul(a, b):
    """a @ b for device arrays with ndim >= 2, in their common dtype."""
    a = device_operand("matmul", a)
    b = device_operand("matmul", b)
    if a.dtype != b.dtype:
        dtype = np.result_type(a.dtype, b.dtype)
        a, b = cast(a, dtype), cast(b, dtype)
    return _matmul(a, b)


"""Tiled shared-memory matrix product on the device, with NumPy's batching rules.
The mirror file is ``kernels/cpu/matmul.py``.

Each block computes one TILE x TILE tile of C = A @ B: per step along K it
loads a tile of A and a tile of B into shared memory (one element per thread),
synchronises, and every thread accumulates its dot-product slice from shared
memory, so each global element is read K / TILE times fewer than by a naive
kernel.  Blocks walk the (column tile, row tile, batch) space with grid-stride
loops; all loop bounds are uniform within a block, so every thread reaches
every ``syncthreads``.  Accumulation is in the operands' dtype, as cuBLAS and
NumPy's BLAS do.

Batching: operands are C-contiguous (M, K) / (K, N) matrices stacked over
leading batch axes.  The host broadcasts the batch axes (materialising a
broadcast copy only when an operand's batch shape is neither complete nor all
ones), and a batch stride of 0 reuses a single matrix for every batch entry.
"""

import numpy as np
from numba import cuda, float32, float64

from .config import MAX_BLOCKS, TILE
from .layout import as_array, broadcast_strides, cast, fill, gather

__all__ = ["matmul"]


def _make_matmul(dtype):
    @cuda.jit
    def kernel(a, b, out, n_batch, m, k, n, a_batch_stride, b_batch_stride, zero):
        tile_a = cuda.shared.array((TILE, TILE), dtype=dtype)
        tile_b = cuda.shared.array((TILE, TILE), dtype=dtype)
        tx = cuda.threadIdx.x  # column within the tile
        ty = cuda.threadIdx.y  # row within the tile
        n_col_tiles = (n + TILE - 1) // TILE
        n_row_tiles = (m + TILE - 1) // TILE
        for batch in range(cuda.blockIdx.z, n_batch, cuda.gridDim.z):
            a_base = batch * a_batch_stride
            b_base = batch * b_batch_stride
            c_base = batch * m * n
            for row_tile in range(cuda.blockIdx.y, n_row_tiles, cuda.gridDim.y):
                row = row_tile * TILE + ty
                for col_tile in range(cuda.blockIdx.x, n_col_tiles, cuda.gridDim.x):
                    col = col_tile * TILE + tx
                    acc = zero  # of the operands' dtype
                    for k0 in range(0, k, TILE):
                        ka = k0 + tx
                        kb = k0 + ty
                        if row < m and ka < k:
                            tile_a[ty, tx] = a[a_base + row * k + ka]
                        else:
                            tile_a[ty, tx] = 0
                        if kb < k and col < n:
                            tile_b[ty, tx] = b[b_base + kb * n + col]
                        else:
                            tile_b[ty, tx] = 0
                        cuda.syncthreads()
                        for t in range(TILE):
                            acc += tile_a[ty, t] * tile_b[t, tx]
                        # the tiles are overwritten next step: wait for every reader
                        cuda.syncthreads()
                    if row < m and col < n:
                        out[c_base + row * n + col] = acc

    return kernel


_KERNELS = {np.dtype(np.float32): _make_matmul(float32),
            np.dtype(np.float64): _make_matmul(float64)}


def _batched(x, batch_shape):
    """(flat contiguous data, batch stride) of x seen with leading ``batch_shape``."""
    shape = tuple(x.shape)
    own_batch = shape[:-2]
    mat = shape[-2] * shape[-1]
    n_batch = int(np.prod(batch_shape, dtype=np.int64))
    if own_batch == tuple(batch_shape) or n_batch <= 1:
        return x.reshape(x.size), mat
    if int(np.prod(own_batch, dtype=np.int64)) == 1:
        return x.reshape(x.size), 0
    # a partial broadcast, e.g. (3, 1, M, K) against batch (3, 4): copy it out
    full = tuple(batch_shape) + shape[-2:]
    strides = broadcast_strides(shape, full)
    return gather(x, 0, strides, full).reshape(int(np.prod(full))), mat


def _matmul(a, b):
    """a @ b for contiguous float32/float64 device arrays with ndim >= 2."""
    a_shape, b_shape = tuple(a.shape), tuple(b.shape)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"matmul: both operands need at least 2 dimensions, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if a_shape[-1] != b_shape[-2]:
        raise ValueError(f"matmul: shapes {a_shape} and {b_shape} do not align")
    if a.dtype != b.dtype:
        raise TypeError(f"matmul: operand dtypes differ ({a.dtype} and {b.dtype})")
    kernel = _KERNELS.get(np.dtype(a.dtype))
    if kernel is None:
        raise TypeError(f"matmul on CUDA supports float32 and float64, got {a.dtype}")
    batch_shape = np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    m, k = a_shape[-2], a_shape[-1]
    n = b_shape[-1]
    out = cuda.device_array(tuple(batch_shape) + (m, n), dtype=a.dtype)
    n_batch = int(np.prod(batch_shape, dtype=np.int64))
    if out.size == 0:
        return out
    if k == 0:
        return fill(out, 0)
    a_flat, a_stride = _batched(a, batch_shape)
    b_flat, b_stride = _batched(b, batch_shape)
    grid = (min(MAX_BLOCKS, -(-n // TILE)), min(MAX_BLOCKS, -(-m // TILE)),
            min(65535, n_batch))
    kernel[grid, (TILE, TILE)](a_flat, b_flat, out.reshape(out.size), n_batch, m, k, n,
                               a_stride, b_stride, np.dtype(a.dtype).type(0))
    return out


def matmul(a, b):
    """a @ b for device arrays with ndim >= 2, in their common dtype."""
    a = as_array("matmul", a)
    b = as_array("matmul", b)
    if a.dtype != b.dtype:
        dtype = np.result_type(a.dtype, b.dtype)
        a, b = cast(a, dtype), cast(b, dtype)
    return _matmul(a, b)

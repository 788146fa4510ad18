"""Matrix product on the CPU: NumPy's matmul (BLAS), with NumPy's batching
rules.  The mirror file is ``kernels/cuda/matmul.py``.

BLAS runs on one thread inside these calls (``threads.single_threaded_blas``)
and a large product is split into row blocks (2-D) or batch blocks (3-D), one
BLAS call each, over minidl's thread pool: one set of threads for every
kernel, so BLAS's own threads never compete with minidl's for the cores
(see ``threads``).  Each block is an independent product, so the split does
not change any result.
"""

import numpy as np

from . import memory, threads

__all__ = ["matmul"]

# Multiply-adds below which a product runs in one call. 2-D products: about 80
# microseconds of single-threaded sgemm, where a second thread gained nothing (the
# paper MLP's 60 x 784 x 100 products ran no faster on two BLAS threads).
# Batched products (a convolution's, one per image) split into whole images from
# 20 microseconds of work.
_PARALLEL_MACS = 1 << 23
_PARALLEL_BATCHED_MACS = 1 << 21
# Multiply-adds below which OpenBLAS itself stays on one thread (it goes parallel
# from 4 * 65536): the limit's few microseconds are saved there.
_BLAS_SERIAL_MACS = 1 << 16


def _row_blocks(lo, hi, a, b, out):
    with threads.single_threaded_blas:  # each pool worker holds the limit too
        np.matmul(a[lo:hi], b, out=out[lo:hi])


def _batch_blocks(lo, hi, a, b, out):
    with threads.single_threaded_blas:
        np.matmul(a if a.ndim == 2 else a[lo:hi], b if b.ndim == 2 else b[lo:hi],
                  out=out[lo:hi])


def _plain(a, b):
    """Whether the product is an ordinary float one (same dtype, >= 2-D operands whose
    inner sizes agree), the only kind split or written into a cached array; NumPy's own
    call handles (or rejects) the rest."""
    return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
            and a.dtype.kind == "f" and a.ndim >= 2 and b.ndim >= 2
            and a.shape[-1] == b.shape[-2])


def _split(a, b):
    """(kernel, n_items, cost) for a plain product worth splitting, else None."""
    macs = a.shape[-2] * a.shape[-1] * b.shape[-1]
    if a.ndim == 2 and b.ndim == 2:
        if a.shape[0] < 64:
            return None
        kernel, n_items = _row_blocks, a.shape[0]
    elif max(a.ndim, b.ndim) == 3 and (a.ndim == 2 or b.ndim == 2
                                      or a.shape[0] == b.shape[0]):
        n_items = a.shape[0] if a.ndim == 3 else b.shape[0]
        macs *= n_items
        kernel = _batch_blocks
    else:
        return None
    limit = _PARALLEL_MACS if kernel is _row_blocks else _PARALLEL_BATCHED_MACS
    if macs < limit or threads.get_num_threads() == 1:
        return None
    # cost in units parallel_for compares with its grain: one multiply-add each
    return kernel, n_items, macs


def matmul(a, b):
    """np.matmul(a, b) with BLAS on one thread, split over minidl's threads when large."""
    if not _plain(a, b):
        with threads.single_threaded_blas:
            return np.matmul(a, b)
    if a.ndim == 2 and b.ndim == 2:
        shape = (a.shape[0], b.shape[1])
        macs = a.shape[0] * a.shape[1] * b.shape[1]
        if macs < _BLAS_SERIAL_MACS:  # BLAS runs these on the calling thread anyway
            return np.matmul(a, b)
    else:
        shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    with threads.single_threaded_blas:
        out = memory.empty(shape, a.dtype)
        split = _split(a, b)
        if split is None:
            return np.matmul(a, b, out=out)
        kernel, n_items, cost = split
        threads.parallel_for(kernel, n_items, (a, b, out), cost, per_thread=2)
        return out

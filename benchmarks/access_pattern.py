"""How fast can batch norm's data be read in the order a per-channel kernel
reads it? Two Numba read kernels over the same float32 array, both summing
into float64 lanes as the batch-norm kernels do:

* channel order: one thread per channel; a channel of an (N, C, HW) array is
  N runs of HW elements, C*HW elements apart (for (N, C): a block of columns,
  one short run per row);
* contiguous: the array in memory order, split into equal slices of rows.

The ratio of the two is what the memory layout costs a per-channel kernel
before it does any arithmetic. Used by run.py; runnable on its own:

    python benchmarks/access_pattern.py 256 64 14 14
"""

import sys
import time

import numba
import numpy as np
from numba import prange


@numba.njit(parallel=True, cache=True)
def _read_channel_order(x, out):
    n_batch, n_chan, hw = x.shape
    for c in prange(n_chan):
        lanes = np.zeros(hw)
        for n in range(n_batch):
            run = x[n, c]
            for k in range(hw):
                lanes[k] += run[k]
        out[c] = lanes.sum()


@numba.njit(parallel=True, cache=True)
def _read_column_blocks(x, out, block):
    n_rows, n_cols = x.shape
    for b in prange((n_cols + block - 1) // block):
        lo = b * block
        hi = min(lo + block, n_cols)
        lanes = np.zeros(hi - lo)
        for n in range(n_rows):
            row = x[n, lo:hi]
            for j in range(hi - lo):
                lanes[j] += row[j]
        out[b] = lanes.sum()


@numba.njit(parallel=True, cache=True)
def _read_contiguous(flat, out, row_length):
    n_rows = flat.shape[0] // row_length
    n_slices = out.shape[0]
    for s in prange(n_slices):
        lanes = np.zeros(row_length)
        for r in range(s * n_rows // n_slices, (s + 1) * n_rows // n_slices):
            row = flat[r * row_length:(r + 1) * row_length]
            for k in range(row_length):
                lanes[k] += row[k]
        out[s] = lanes.sum()


def _median_seconds(fn, repeats):
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def read_bandwidths(shape, repeats=30):
    """(channel-order GB/s, contiguous GB/s) for a float32 array of ``shape``."""
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    threads = numba.get_num_threads()
    if x.ndim == 4:
        x3 = x.reshape(shape[0], shape[1], -1)
        out = np.empty(shape[1])
        channel = _median_seconds(lambda: _read_channel_order(x3, out), repeats)
        row_length = x3.shape[2]
    else:
        block = max(32, -(-shape[1] // threads))  # as the (N, C) kernels split it
        out = np.empty(-(-shape[1] // block))
        channel = _median_seconds(lambda: _read_column_blocks(x, out, block), repeats)
        row_length = shape[1]
    slices = np.empty(4 * threads)
    flat = x.reshape(-1)
    contiguous = _median_seconds(lambda: _read_contiguous(flat, slices, row_length), repeats)
    return x.nbytes / channel / 1e9, x.nbytes / contiguous / 1e9


if __name__ == "__main__":
    dims = tuple(int(a) for a in sys.argv[1:]) or (256, 64, 14, 14)
    by_channel, in_order = read_bandwidths(dims)
    print(f"{dims}: channel order {by_channel:.1f} GB/s, contiguous {in_order:.1f} GB/s")

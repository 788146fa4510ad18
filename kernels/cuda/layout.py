"""Strided copies on the device: the layout half of the CUDA backend.

Every array the CUDA backend hands out is C-contiguous.  Views (transpose,
broadcast_to, basic slicing) are therefore produced by copying: the host
computes, for the source, a base offset and one stride per output axis (0 for a
broadcast axis), and one generic gather kernel unravels each flat output index
over the output shape.  The scatter kernel is the adjoint (writes a contiguous
source into a strided window of the destination): getitem_backward and
concatenate use it.

Shapes and strides travel as tuples, so each kernel is compiled once per
number of axes and no small host-to-device copy is needed per launch.  Before a
launch, axes that are contiguous in every operand are merged (``coalesce``), so
the common no-broadcast case unravels a single axis.
"""

import numpy as np
from numba import cuda

from .config import MAX_DIMS, THREADS_PER_BLOCK, blocks_for

__all__ = [
    "contiguous_strides", "broadcast_strides", "coalesce", "flat",
    "gather", "scatter", "view_of_index",
]


# --------------------------------------------------------------------------- host helpers


def contiguous_strides(shape):
    """Element strides of a C-contiguous array of ``shape``."""
    strides = [0] * len(shape)
    step = 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


def broadcast_strides(shape, out_shape):
    """Strides that read a contiguous array of ``shape`` broadcast to ``out_shape``."""
    pad = len(out_shape) - len(shape)
    full = (1,) * pad + tuple(shape)
    own = contiguous_strides(full)
    return tuple(0 if n == 1 else s for n, s in zip(full, own))


def coalesce(shape, *strides_list):
    """Merge axes that are contiguous in every operand and drop size-1 axes.

    Returns (shape, strides...) with at least one axis, so kernels never see an
    empty tuple."""
    dims = [d for d in range(len(shape)) if shape[d] != 1]
    new_shape = []
    new_strides = [[] for _ in strides_list]
    for d in reversed(dims):
        if new_shape and all(s[d] == ns[0] * new_shape[0] for s, ns in zip(strides_list, new_strides)):
            new_shape[0] *= shape[d]
            continue
        new_shape.insert(0, shape[d])
        for s, ns in zip(strides_list, new_strides):
            ns.insert(0, s[d])
    if not new_shape:
        return ((1,),) + tuple((0,) for _ in strides_list)
    if len(new_shape) > MAX_DIMS:
        raise ValueError(f"CUDA kernels support at most {MAX_DIMS} axes, got shape {tuple(shape)}")
    return (tuple(new_shape),) + tuple(tuple(ns) for ns in new_strides)


def flat(a):
    """1-d view of a C-contiguous device array (0-d arrays become length 1)."""
    if a.ndim == 1:
        return a
    return a.reshape(max(1, a.size) if a.ndim == 0 else a.size)


def view_of_index(shape, index):
    """(out_shape, base offset, element strides) of ``x[index]`` for a C-contiguous
    ``x`` of ``shape`` and a basic index, computed by NumPy on a storage-free probe."""
    probe = np.lib.stride_tricks.as_strided(
        np.zeros(1, dtype=np.uint8), shape=shape, strides=contiguous_strides(shape))
    view = probe[index]
    base = view.__array_interface__["data"][0] - probe.__array_interface__["data"][0]
    return tuple(view.shape), base, tuple(view.strides)


# --------------------------------------------------------------------------- kernels


@cuda.jit(device=True)
def offset_of(i, shape, strides):
    """Element offset of flat (row-major) index ``i`` of ``shape`` under ``strides``."""
    off = 0
    for d in range(len(shape) - 1, -1, -1):
        n = shape[d]
        off += (i % n) * strides[d]
        i //= n
    return off


@cuda.jit
def _gather_kernel(src, base, src_strides, out, out_shape):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, out.size, step):
        out[i] = src[base + offset_of(i, out_shape, src_strides)]


@cuda.jit
def _scatter_kernel(src, dst, base, dst_strides, src_shape):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, src.size, step):
        dst[base + offset_of(i, src_shape, dst_strides)] = src[i]


# ------------------------------------------------------------------------- launchers


def gather(src, base, src_strides, out_shape, dtype=None, out=None):
    """Contiguous array of ``out_shape`` with out[idx] = src.flat[base + idx . strides]
    (cast to ``dtype`` when given); written into ``out`` when given."""
    if out is None:
        out = cuda.device_array(out_shape, dtype=dtype or src.dtype)
    if out.size:
        shape, strides = coalesce(out_shape, src_strides)
        _gather_kernel[blocks_for(out.size), THREADS_PER_BLOCK](
            flat(src), base, strides, flat(out), shape)
    return out


def scatter(src, dst, base, dst_strides):
    """dst.flat[base + idx . dst_strides] = src[idx] for every index of ``src``."""
    if src.size:
        shape, strides = coalesce(tuple(src.shape), dst_strides)
        _scatter_kernel[blocks_for(src.size), THREADS_PER_BLOCK](
            flat(src), flat(dst), base, strides, shape)
    return dst

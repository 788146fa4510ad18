"""Reading and writing at computed positions: ``take`` and ``put``, the two
primitives behind advanced indexing, gather/scatter and their gradients.
The mirror file is ``kernels/cuda/indexing.py``.

Positions are int64 arrays of flat (row-major) indices into ``x``, already
checked to lie in [0, x.size) by the caller (minidl.api.indexing)."""

import numpy as np

from ..checks import check_positions

__all__ = ["take", "put"]


def take(x, positions):
    """out[i] = x.flat[positions[i]], shaped like ``positions``."""
    check_positions("take", x, positions)
    return np.asarray(np.ravel(x)[positions])


def put(x, positions, values, accumulate):
    """A copy of ``x`` with ``values`` (broadcast to positions' shape) written at
    ``positions``; with ``accumulate`` they are added, repeated positions
    adding up (the gradient of take)."""
    check_positions("put", x, positions)
    out = np.array(x, copy=True, order="C").reshape(-1)
    values = np.broadcast_to(np.asarray(values, dtype=x.dtype), positions.shape)
    if accumulate:
        np.add.at(out, positions.reshape(-1), values.reshape(-1))
    else:
        out[positions.reshape(-1)] = values.reshape(-1)
    return out.reshape(x.shape)

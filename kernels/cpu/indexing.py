"""Reading and writing at computed positions: ``take`` and ``put``, the two
primitives behind advanced indexing, gather/scatter and their gradients.
The mirror file is ``kernels/cuda/indexing.py``.

Positions are int64 arrays of flat (row-major) indices into ``x``, already
checked to lie in [0, x.size) by the caller (minidl.api.indexing), with
``check_range``: on the CPU it raises at once (the values are already in host
memory); its CUDA mirror raises at the next read from the device."""

import numpy as np

from ..checks import check_positions

__all__ = ["take", "put", "check_range"]


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


def check_range(values, low, high, skip, make_error):
    """Raise ``make_error(bad)`` unless every value lies in [low, high]
    (values equal to ``skip``, when not None, excepted; NaN is out of range).
    ``bad`` is the smallest value below the range, else the largest above it,
    else NaN.  Integer values are compared as int64."""
    values = np.asarray(values)
    if values.size == 0:
        return
    if values.dtype.kind == "f":
        below, above = values[values < low], values[values > high]
        if below.size:
            raise make_error(float(below.min()))
        if above.size:
            raise make_error(float(above.max()))
        if np.isnan(values).any():
            raise make_error(float("nan"))
        return
    as_int64 = values.astype(np.int64, copy=False)
    if skip is not None:
        as_int64 = as_int64[as_int64 != skip]
    if as_int64.size:
        smallest, largest = int(as_int64.min()), int(as_int64.max())
        if smallest < low:
            raise make_error(smallest)
        if largest > high:
            raise make_error(largest)

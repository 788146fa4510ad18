"""Checks of device data whose errors are raised later: the CUDA side of the
``check_range`` primitive (``indexing``), with no read back to the host.

A training step must not wait for the GPU just to check its labels or
indices: copying them to the host to look at them would synchronise every
step.  Instead, a kernel records what it finds in a small table on the device,
and the error is raised at the next read from the device to the host
(``to_numpy``, hence ``.item()``, ``.numpy()``, printing) or at
``synchronize()``, as PyTorch raises its device-side asserts asynchronously.
Unlike a device-side assert, the failure leaves the device usable: the kernels
that consume the values never read or write outside their arrays (see
``indexing`` and ``softmax_ce``).

Each pending check owns one row of a table: for integer values
(smallest value below the range, largest above it), for floating point values
the same in float64 plus a NaN flag.  The tables are read (one small copy)
only when checks are pending, then reset to their sentinels.
"""

import numpy as np
from numba import cuda

__all__ = ["claim", "raise_pending"]

# rows of each table; when every row is taken, the pending checks are settled
# first (one read, as if the program had read a value)
CAPACITY = 64

_INT_EMPTY = (np.iinfo(np.int64).max, np.iinfo(np.int64).min)
_FLOAT_EMPTY = (np.inf, -np.inf, 0.0)

_tables = {}    # kind ("int" or "float") -> the device table
_pending = []   # (kind, row, make_error) in the order the checks were launched


def _template(kind):
    row = _INT_EMPTY if kind == "int" else _FLOAT_EMPTY
    dtype = np.int64 if kind == "int" else np.float64
    return np.tile(np.array(row, dtype=dtype), (CAPACITY, 1))


def claim(kind, make_error):
    """A (table, row) for one new check of ``kind`` values; ``make_error(bad)``
    builds the exception to raise when the kernel flags ``bad``."""
    if len(_pending) >= CAPACITY:
        raise_pending()
    table = _tables.get(kind)
    if table is None:
        table = _tables[kind] = cuda.to_device(_template(kind))
    row = sum(1 for entry in _pending if entry[0] == kind)
    _pending.append((kind, row, make_error))
    return table, row


def _bad_value(kind, values):
    """The value a table row flags: the one below the range first, then the
    one above, then NaN; None when the row is still empty."""
    empty = _INT_EMPTY if kind == "int" else _FLOAT_EMPTY
    convert = int if kind == "int" else float
    for found, sentinel in zip(values[:2], empty[:2]):
        if found != sentinel:
            return convert(found)
    if kind == "float" and values[2]:
        return float("nan")
    return None


def raise_pending():
    """Settle the pending checks: raise the first failed one's error (the
    tables are reset first, so the device stays usable after it)."""
    if not _pending:
        return
    checks = list(_pending)
    _pending.clear()
    rows = {}
    for kind in {entry[0] for entry in checks}:
        rows[kind] = _tables[kind].copy_to_host()
        _tables[kind].copy_to_device(_template(kind))
    for kind, row, make_error in checks:
        bad = _bad_value(kind, rows[kind][row])
        if bad is not None:
            raise make_error(bad)

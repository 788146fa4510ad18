"""Random numbers for the CUDA backend.

``random_normal`` / ``random_uniform`` (the backend primitives) draw on the
host from the ``numpy.random.Generator`` the interface passes and copy the
samples to the device.  That is deliberate: the CPU and CUDA backends then
produce identical samples for the same seed, so weight initialisation, data
augmentation and the Dropout op (which the ops layer composes from
``random_uniform`` and a comparison) agree bit for bit across devices, and the
parity tests can compare them exactly.

The copy does not stall the host: the samples are written into a pinned
(page-locked) staging buffer and copied asynchronously on the default stream,
so the host goes on queueing kernels while the copy runs.  A staging buffer
is reused only after the event recorded behind its last copy has completed
(two buffers per size take turns, so a training step's dropout masks never
wait).  The mirror file is ``kernels/cpu/random.py``.
"""

import numpy as np
from numba import cuda

from .config import SIMULATOR
from .layout import empty

__all__ = ["random_normal", "random_uniform"]

_STAGING_PER_SIZE = 2
_staging = {}  # nbytes -> list of [pinned buffer, event or None]


def _upload(host):
    """Device copy of a C-contiguous host array, through a pinned staging buffer."""
    if SIMULATOR or host.nbytes == 0:
        return cuda.to_device(host)
    slots = _staging.setdefault(host.nbytes, [])
    slot = None
    for candidate in slots:
        event = candidate[1]
        if event is None or event.query():
            slot = candidate
            break
    if slot is None:
        if len(slots) < _STAGING_PER_SIZE:
            slot = [cuda.pinned_array(host.nbytes, dtype=np.uint8), None]
            slots.append(slot)
        else:
            slot = slots[0]
            slot[1].synchronize()
            slots.append(slots.pop(0))
    buffer = slot[0]
    staged = buffer.view(host.dtype).reshape(host.shape)
    staged[...] = host
    out = empty(host.shape, host.dtype)
    out.copy_to_device(staged, stream=cuda.default_stream())
    event = slot[1] or cuda.event(timing=False)
    event.record(cuda.default_stream())
    slot[1] = event
    return out


def random_normal(shape, dtype, generator):
    """Standard normal samples, drawn on the host from ``generator`` (as the CPU does)."""
    host = generator.standard_normal(shape, dtype=np.float64).astype(dtype, copy=False)
    return _upload(np.asarray(host, order="C"))


def random_uniform(shape, dtype, generator):
    """Uniform [0, 1) samples, drawn on the host from ``generator`` (as the CPU does)."""
    host = generator.random(shape, dtype=np.float64).astype(dtype, copy=False)
    return _upload(np.asarray(host, order="C"))

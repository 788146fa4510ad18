"""Random numbers for the CUDA backend.

``random_normal`` / ``random_uniform`` (the backend primitives) draw on the
host from the ``numpy.random.Generator`` the interface passes and copy the
samples to the device.  That is deliberate: the CPU and CUDA backends then
produce identical samples for the same seed, so weight initialisation, data
augmentation and the Dropout op (which the ops layer composes from
``random_uniform`` and a comparison) agree bit for bit across devices, and the
parity tests can compare them exactly.  The cost is a host-to-device copy per
call, which is small next to a training step for the sizes minidl targets.
The mirror file is ``kernels/cpu/random.py``.
"""

import numpy as np
from numba import cuda

__all__ = ["random_normal", "random_uniform"]


def random_normal(shape, dtype, generator):
    """Standard normal samples, drawn on the host from ``generator`` (as the CPU does)."""
    host = generator.standard_normal(shape, dtype=np.float64).astype(dtype, copy=False)
    return cuda.to_device(np.asarray(host, order="C"))


def random_uniform(shape, dtype, generator):
    """Uniform [0, 1) samples, drawn on the host from ``generator`` (as the CPU does)."""
    host = generator.random(shape, dtype=np.float64).astype(dtype, copy=False)
    return cuda.to_device(np.asarray(host, order="C"))

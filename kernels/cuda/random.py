"""Random numbers for the CUDA backend.

``random_normal`` / ``random_uniform`` (the backend primitives) draw on the
host from the ``numpy.random.Generator`` the interface passes and copy the
samples to the device.  That is deliberate: the CPU and CUDA backends then
produce identical samples for the same seed, so weight initialisation, data
augmentation and the Dropout op (which the ops layer composes from
``random_uniform`` and a comparison) agree bit for bit across devices, and the
parity tests can compare them exactly.  The cost is a host-to-device copy per
call, which is small next to a training step for the sizes minidl targets.

``dropout_mask`` generates a keep-mask entirely on the device with Numba's
counter-based xoroshiro128+ generator (``numba.cuda.random``), one state per
thread of the launch.  It is *not* used by the Dropout op, whose randomness
must come from the shared numpy Generator to keep the devices in step; it is
offered for device-only pipelines and benchmarks, and tested on its own for
shape, values and keep rate (never compared exactly with the CPU).
"""

import warnings

import numpy as np
from numba import cuda, float64
from numba.cuda.random import create_xoroshiro128p_states, xoroshiro128p_uniform_float64

from .config import THREADS_PER_BLOCK, blocks_for
from .layout import flat

__all__ = ["random_normal", "random_uniform", "dropout_mask"]


def random_normal(shape, dtype, generator):
    """Standard normal samples, drawn on the host from ``generator`` (as the CPU does)."""
    host = generator.standard_normal(shape, dtype=np.float64).astype(dtype, copy=False)
    return cuda.to_device(np.asarray(host, order="C"))


def random_uniform(shape, dtype, generator):
    """Uniform [0, 1) samples, drawn on the host from ``generator`` (as the CPU does)."""
    host = generator.random(shape, dtype=np.float64).astype(dtype, copy=False)
    return cuda.to_device(np.asarray(host, order="C"))


@cuda.jit
def _dropout_mask_kernel(states, mask, p, scale):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for i in range(start, mask.size, step):
        u = xoroshiro128p_uniform_float64(states, start)
        mask[i] = scale if u >= p else float64(0.0)


def dropout_mask(shape, p, dtype, seed):
    """Inverted-dropout mask of ``shape``: 1/(1-p) with probability 1-p, else 0.

    ``seed`` (an int) seeds one xoroshiro128+ state per launched thread."""
    p = float(p)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout_mask: p must be in [0, 1), got {p}")
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dropout_mask: dtype must be a float type, got {dtype}")
    mask = cuda.device_array(shape, dtype=dtype)
    if mask.size:
        blocks = blocks_for(mask.size)
        with warnings.catch_warnings():
            # the simulator initialises the states in object mode and warns about it
            warnings.simplefilter("ignore")
            states = create_xoroshiro128p_states(blocks * THREADS_PER_BLOCK, seed=int(seed))
        _dropout_mask_kernel[blocks, THREADS_PER_BLOCK](states, flat(mask), p, 1.0 / (1.0 - p))
    return mask

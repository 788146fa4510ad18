"""Random numbers for the CPU backend, drawn from the ``numpy.random.Generator``
the interface passes.  Samples are drawn in float64 and rounded to ``dtype``,
exactly as ``kernels/cuda/random.py`` does, so both devices produce identical
samples for the same seed."""

import numpy as np

__all__ = ["random_normal", "random_uniform"]


def random_normal(shape, dtype, generator):
    """Standard normal samples of ``shape`` in ``dtype``."""
    return generator.standard_normal(shape, dtype=np.float64).astype(dtype, copy=False)


def random_uniform(shape, dtype, generator):
    """Uniform [0, 1) samples of ``shape`` in ``dtype``."""
    return generator.random(shape, dtype=np.float64).astype(dtype, copy=False)

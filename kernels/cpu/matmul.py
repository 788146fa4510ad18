"""Matrix product on the CPU: NumPy's matmul (BLAS), with NumPy's batching
rules.  The mirror file is ``kernels/cuda/matmul.py``."""

import numpy as np

__all__ = ["matmul"]


def matmul(a, b):
    return np.matmul(a, b)

"""Input checks for the CUDA launchers, run in Python before any kernel.

A bad shape or index inside a kernel is an out-of-bounds access (a crash, or
silently wrong memory), not an exception, so every launcher checks its device
arrays here first.  Checks that do not look at array storage (integer window
parameters, x_shape tuples, eps, pooling geometry) are imported from the CPU
launchers so both devices accept and reject exactly the same arguments with
the same messages; only the "is this an array of the right kind" checks are
written for device arrays here.
"""

import numpy as np
from numba import cuda

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def is_device_array(a):
    """True for a numba CUDA device array (or the simulator's stand-in)."""
    return cuda.devicearray.is_cuda_ndarray(a)


def check_device_array(fn, name, a):
    if not is_device_array(a):
        raise TypeError(
            f"{fn}: {name} must be a CUDA device array, got {type(a).__name__}; "
            "move host data with CudaBackend.from_numpy (Tensor.to('cuda'))"
        )
    return a


def check_float(fn, name, a, ndims, layout):
    """A float32/float64 device array with ndim in ``ndims`` and a non-empty batch."""
    check_device_array(fn, name, a)
    if np.dtype(a.dtype) not in FLOAT_DTYPES:
        raise TypeError(f"{fn}: {name} must be float32 or float64, got dtype {a.dtype}")
    if a.ndim not in ndims:
        raise ValueError(f"{fn}: {name} must have shape {layout}, got shape {tuple(a.shape)}")
    if a.shape[0] == 0:
        raise ValueError(f"{fn}: empty batch, {name} has shape {tuple(a.shape)}")
    return a


def check_same(fn, name, a, ref_name, ref):
    """A device array with the shape and dtype of ``ref``."""
    check_device_array(fn, name, a)
    if a.dtype != ref.dtype:
        raise TypeError(f"{fn}: {name} dtype {a.dtype} does not match {ref_name} dtype {ref.dtype}")
    if tuple(a.shape) != tuple(ref.shape):
        raise ValueError(
            f"{fn}: {name} shape {tuple(a.shape)} does not match {ref_name} shape "
            f"{tuple(ref.shape)}"
        )
    return a


def check_channel_row(fn, name, a, x, optional, float64_ok=False):
    """A (C,) device array of x's dtype (or float64 when ``float64_ok``); None is
    allowed when ``optional``."""
    if a is None:
        if optional:
            return None
        raise TypeError(f"{fn}: {name} must be a CUDA device array, got None")
    check_device_array(fn, name, a)
    if a.dtype != x.dtype and not (float64_ok and a.dtype == np.float64):
        raise TypeError(f"{fn}: {name} dtype {a.dtype} does not match x dtype {x.dtype}")
    if tuple(a.shape) != (x.shape[1],):
        raise ValueError(
            f"{fn}: {name} must have shape (C,) = ({x.shape[1]},) for x of shape "
            f"{tuple(x.shape)}, got {tuple(a.shape)}"
        )
    return a


def check_int_array(fn, name, a, shape):
    """An integer device array of exactly ``shape``."""
    check_device_array(fn, name, a)
    if not np.issubdtype(np.dtype(a.dtype), np.integer):
        raise TypeError(f"{fn}: {name} must have an integer dtype, got {a.dtype}")
    if tuple(a.shape) != tuple(shape):
        raise ValueError(f"{fn}: {name} must have shape {tuple(shape)}, got shape {tuple(a.shape)}")
    return a

"""``minidl.cuda``: asking about the GPU, as ``torch.cuda``. Nothing here
imports the CUDA backend or compiles anything unless a GPU is asked about."""

import importlib.util


def is_available():
    """True when the ``cuda`` extra is installed and a usable GPU (or Numba's
    simulator, ``NUMBA_ENABLE_CUDASIM=1``) is present."""
    if importlib.util.find_spec("numba.cuda") is None:
        return False
    try:
        from numba import cuda
    except ImportError:
        return False
    try:
        return bool(cuda.is_available())
    except Exception:  # a broken driver is "not available", not a crash
        return False


def device_count():
    """1 when a GPU is available (minidl drives one), else 0."""
    return 1 if is_available() else 0


def synchronize():
    """Wait for every queued GPU kernel to finish, and raise the error of a
    failed check of device data (an out-of-range label or index) still
    pending (no-op without a GPU)."""
    if is_available():
        from .backend import get_backend

        get_backend("cuda").synchronize()

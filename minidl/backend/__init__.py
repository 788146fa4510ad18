"""Backend registry and the device flag.

``MINIDL_DEVICE=cpu|cuda`` is read once, when minidl is imported, and sets the
default device; ``set_default_device`` changes it later. Backends are created
on first use, so a CPU-only user never imports the CUDA machinery.
"""

import os

from .base import Backend

DEVICES = ("cpu", "cuda")

_backends = {}
_default_device = None


def normalize_device(device):
    """The canonical device string for ``device`` (None means the default)."""
    if device is None:
        return _default_device
    if isinstance(device, str):
        name = device.strip().lower()
        if name == "cuda:0":
            name = "cuda"
        if name in DEVICES:
            return name
    raise ValueError(f"unknown device {device!r}: expected one of {DEVICES}")


def get_backend(device):
    """The :class:`Backend` for a device string, created on first use."""
    backend = _backends.get(device)
    if backend is None:
        backend = _create_backend(normalize_device(device))
        _backends[device] = backend
    return backend


def _create_backend(device):
    if device == "cpu":
        from .cpu import CpuBackend

        return CpuBackend()
    try:
        from .cuda import CudaBackend
    except ImportError as exc:
        raise RuntimeError(
            "the CUDA backend is not available: minidl.backend.cuda could not be "
            f"imported ({exc}). Install the 'cuda' extra on a machine with an NVIDIA "
            "GPU, or set NUMBA_ENABLE_CUDASIM=1 to run it on Numba's simulator."
        ) from exc
    return CudaBackend()


def set_default_device(device):
    """Make ``device`` the device of new tensors and modules."""
    global _default_device
    device = normalize_device(device)
    get_backend(device)  # fail now, with the fix in the message, not later
    _default_device = device


def get_default_device():
    return _default_device


_default_device = normalize_device(os.environ.get("MINIDL_DEVICE", "cpu") or "cpu")

__all__ = ["Backend", "get_backend", "set_default_device", "get_default_device",
           "normalize_device", "DEVICES"]

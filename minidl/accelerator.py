"""``minidl.accelerator``: the current accelerator, as ``torch.accelerator``.

minidl has one kind of accelerator, an NVIDIA GPU driven by the CUDA backend
(or Numba's CUDA simulator, ``NUMBA_ENABLE_CUDASIM=1``). Whether it is usable
is decided at run time (``minidl.cuda.is_available``): minidl has no build
without GPU support, so ``current_accelerator()`` returns a device only when
one can be used. Nothing here imports the CUDA backend unless asked.
"""

from __future__ import annotations

from . import cuda
from .backend import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "synchronize"]


def is_available() -> bool:
    """True when an accelerator (a GPU, or the CUDA simulator) can be used."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False):
    """The accelerator's device, ``device("cuda")``, or None when there is none.

    Args:
        check_available: accepted for PyTorch compatibility (default False);
            minidl always checks, so both values give the same answer.
    """
    if not isinstance(check_available, bool):
        raise TypeError(f"current_accelerator: check_available must be a bool, got "
                        f"{type(check_available).__name__}")
    return _device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """How many accelerator devices can be used: 1 with a GPU (minidl drives one), else 0."""
    return cuda.device_count()


def synchronize(device=None) -> None:
    """Wait for all queued work on the accelerator to finish (no-op without one).

    Args:
        device: accepted for PyTorch compatibility; minidl drives one device.
    """
    if device is not None:
        try:
            _device(device)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"synchronize: {exc}") from None
    cuda.synchronize()

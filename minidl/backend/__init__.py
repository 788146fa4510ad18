"""Backend registry, devices and the device flag.

``MINIDL_DEVICE=cpu|cuda`` is read once, when minidl is imported, and sets the
default device; ``set_default_device`` changes it later. Backends are created
on first use, so a CPU-only user never imports the CUDA machinery.
"""

import os
import time

from .base import Backend

DEVICES = ("cpu", "cuda")


class device(str):
    """A device, as ``torch.device``: ``device("cpu")``, ``device("cuda")``,
    ``device("cuda:0")``; ``.type`` and ``.index`` as in PyTorch.

    It is also the plain string "cpu" or "cuda" (minidl has one GPU device),
    so it can be passed wherever a device name is expected."""

    __slots__ = ()

    def __new__(cls, type_or_name="cpu", index=None):
        if isinstance(type_or_name, device):
            return type_or_name
        return _DEVICES[_parse(type_or_name, index)]

    @property
    def type(self):
        """The device type, "cpu" or "cuda"."""
        return str.__str__(self)

    @property
    def index(self):
        """0 for the GPU (minidl uses one), None for the CPU."""
        return 0 if self == "cuda" else None

    def __repr__(self):
        if self == "cuda":
            return "device(type='cuda', index=0)"
        return f"device(type='{self.type}')"


def _parse(name, index=None, where=None):
    if isinstance(name, str):
        text = name.strip().lower()
        kind, _, number = text.partition(":")
        if number:
            index = int(number) if number.isdigit() else -1
        if kind in DEVICES and (index is None or (kind == "cuda" and index == 0)
                                or (kind == "cpu" and index == 0)):
            return kind
    source = f" (from {where})" if where else ""
    raise ValueError(f"unknown device {name!r}{source}: expected 'cpu' or 'cuda' "
                     "(minidl drives one GPU, 'cuda' = 'cuda:0')")


_DEVICES = {name: str.__new__(device, name) for name in DEVICES}

_backends = {}
_default_device = _DEVICES["cpu"]


def normalize_device(value, where=None):
    """The :class:`device` for ``value`` (None means the default device)."""
    if value is None:
        return _default_device
    if isinstance(value, device):
        return value
    return _DEVICES[_parse(value, where=where)]


def get_backend(dev):
    """The :class:`Backend` of a device (a device, a name, or None for the
    default), created on first use; one backend per device however named."""
    backend = _backends.get(dev)
    if backend is not None:
        return backend
    name = normalize_device(dev)
    backend = _backends.get(name)
    if backend is None:
        backend = _create_backend(name)
        _backends[name] = backend
    return backend


def _create_backend(name):
    if name == "cpu":
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


class instrumented:
    """While active, every public method of every backend class reports
    ``record(name, seconds)`` after it runs (the profiler's primitive timing).
    The classes are restored on exit; nothing is wrapped otherwise."""

    def __init__(self, record):
        self._record = record
        self._patched = []

    def __enter__(self):
        classes, stack = [], [Backend]
        while stack:
            for sub in stack.pop().__subclasses__():
                classes.append(sub)
                stack.append(sub)
        record = self._record
        clock = time.perf_counter
        for cls in classes:
            for name, raw in list(cls.__dict__.items()):
                if name.startswith("_") or not callable(raw):
                    continue
                label = f"{cls.name}.{name}"
                function = raw.__func__ if isinstance(raw, staticmethod) else raw

                def timed(*args, _function=function, _label=label, **kwargs):
                    start = clock()
                    try:
                        return _function(*args, **kwargs)
                    finally:
                        record(_label, clock() - start)

                self._patched.append((cls, name, raw))
                setattr(cls, name, staticmethod(timed) if isinstance(raw, staticmethod)
                        else timed)
        return self

    def __exit__(self, *exc_info):
        for cls, name, raw in reversed(self._patched):
            setattr(cls, name, raw)
        self._patched = []
        return False


def set_default_device(dev):
    """Make ``dev`` the device of new tensors and modules."""
    global _default_device
    dev = normalize_device(dev)
    get_backend(dev)  # fail now, with the fix in the message, not later
    _default_device = dev


def get_default_device():
    """The device new tensors are created on."""
    return _default_device


_default_device = normalize_device(os.environ.get("MINIDL_DEVICE", "cpu") or "cpu",
                                   where="the MINIDL_DEVICE environment variable")

__all__ = ["Backend", "device", "get_backend", "set_default_device", "get_default_device",
           "normalize_device", "instrumented", "DEVICES"]

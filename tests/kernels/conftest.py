"""Fixtures of the kernel tests: each family's primitives are tested through
the backend of the ``device`` fixture (tests/conftest.py), against NumPy
references.

``call.<primitive>(...)`` runs a backend primitive with host (NumPy) arrays
in and host arrays out, so one test body serves every device; in-place
primitives use ``backend`` and its arrays directly.  Tests of one device's
own launcher rules (host-array type errors, CPU block sizes) use the ``cpu``
or ``gpu`` fixture; ``gpu`` skips unless MINIDL_TEST_DEVICES includes cuda.
Under the simulator every CUDA thread is a Python thread: keep shapes tiny.
"""

import os

import numpy as np
import pytest

from minidl.backend import get_backend

# how each device's launchers name their array type in a TypeError
ARRAY_TYPE = {"cpu": "numpy.ndarray", "cuda": "CUDA device array"}


class HostCalls:
    """A backend's primitives with host arrays in and host arrays out."""

    def __init__(self, backend):
        self.backend = backend

    def __getattr__(self, name):
        primitive = getattr(self.backend, name)

        def call(*args):
            args = [self.to_device(a) for a in args]
            return self.to_host(primitive(*args))

        call.__name__ = name
        return call

    def to_device(self, a):
        return self.backend.from_numpy(a) if isinstance(a, np.ndarray) else a

    def to_host(self, out):
        if isinstance(out, tuple):
            return tuple(self.to_host(o) for o in out)
        return self.backend.to_numpy(out)


@pytest.fixture
def backend(device):
    return get_backend(device)


@pytest.fixture
def call(backend):
    return HostCalls(backend)


@pytest.fixture
def array_type(device):
    """How this device's launchers name their array type in a TypeError."""
    return ARRAY_TYPE[device]


@pytest.fixture
def cpu():
    return get_backend("cpu")


@pytest.fixture
def gpu(request):
    if "cuda" not in os.environ.get("MINIDL_TEST_DEVICES", "cpu").split(","):
        pytest.skip("CUDA-only check: MINIDL_TEST_DEVICES does not include cuda")
    request.getfixturevalue("cuda_simulator")
    return get_backend("cuda")


@pytest.fixture
def cpu_pool(monkeypatch):
    """Every CPU kernel goes through minidl's thread pool (4 threads, no grain
    size), however small its input; the previous thread count is restored."""
    from minidl.kernels.cpu import threads

    monkeypatch.setattr(threads, "GRAIN", 0)
    previous = threads.set_num_threads(4)
    yield threads
    threads.set_num_threads(previous)

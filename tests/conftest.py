"""Shared test fixtures: the devices to run on and a seeded generator.

Tests that take the ``device`` fixture run once per device in
MINIDL_TEST_DEVICES (default "cpu"); CI adds "cuda" under the simulator.
A module whose tests run on "cuda" under Numba's simulator gets the
``cuda_simulator`` fixture for its duration (see there)."""

import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import minidl as mdl

# The examples' own helpers (plotting, recorder) are imported by the examples'
# tests as the examples import them: from the examples folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

TEST_DEVICES = [d for d in os.environ.get("MINIDL_TEST_DEVICES", "cpu").split(",") if d]


@pytest.fixture(params=TEST_DEVICES)
def device(request):
    if request.param == "cuda":
        request.getfixturevalue("cuda_simulator")
    return request.param


def _lock_simulated_shared_arrays():
    """Make the simulator's shared-memory allocation atomic; returns an undo.

    The simulator gives the threads of a block one shared array by looking it
    up by source line and creating it when missing, with no lock between the
    look-up and the store. When a thread switch falls in between, two threads
    of one block get two different "shared" arrays and a block reduction
    silently sums the wrong values (seen as rare, run-to-run different
    mismatches in the MLP step). Real GPUs have no such step."""
    from numba.core import types
    from numba.cuda.simulator.kernelapi import FakeCUDAShared
    from numba.np import numpy_support

    unlocked = FakeCUDAShared.array
    lock = threading.Lock()

    def locked_array(self, shape, dtype, alignment=None):
        if shape == 0 or alignment is not None:  # dynamic shared memory: no look-up
            return unlocked(self, shape, dtype, alignment)
        if isinstance(dtype, types.Type):
            dtype = numpy_support.as_dtype(dtype)
        frame = sys._getframe(1)  # the kernel line that declares the array, as upstream
        caller = (frame.f_code.co_filename, frame.f_lineno)
        with lock:
            array = self._allocations.get(caller)
            if array is None:
                array = np.empty(shape, dtype)
                self._allocations[caller] = array
        return array

    FakeCUDAShared.array = locked_array

    def undo():
        FakeCUDAShared.array = unlocked

    return undo


@pytest.fixture(scope="module")
def cuda_simulator():
    """Under Numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1), for one module: the
    shared-array lock above, and a short GIL switch interval. The simulator's
    syncthreads waits on a polling manager thread; the short interval makes
    those waits ~5x cheaper (and would make the unlocked shared-array
    allocation race often, hence the lock). Both are undone afterwards; on a
    real GPU this does nothing."""
    from numba.core import config as numba_config

    if not numba_config.ENABLE_CUDASIM:
        yield
        return
    old = sys.getswitchinterval()
    undo = _lock_simulated_shared_arrays()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)
    undo()


@pytest.fixture
def rng():
    mdl.manual_seed(0)
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def no_device_error_left_pending():
    """A failed check of device data (an out-of-range label on the GPU) raises
    at the next read from the device: a test that provokes one must read it,
    so that it cannot surface in a later test."""
    yield
    assertions = sys.modules.get("minidl.kernels.cuda.assertions")
    if assertions is not None and assertions._pending:
        try:
            assertions.raise_pending()
        except Exception as exc:
            pytest.fail(f"the test left a device error pending: {exc!r}")

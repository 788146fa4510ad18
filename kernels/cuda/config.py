"""Launch configuration shared by every CUDA kernel of minidl, and the check
that a GPU (or the simulator) is there and can compile and run a kernel.

``THREADS_PER_BLOCK`` is the 1-d block size of the elementwise and reduction
kernels (a power of two: reductions combine per-thread partial results with a
tree in shared memory).  ``ROW_GROUP`` threads (a warp on a GPU) share one
short row in the row reductions, the softmax and the batch-norm chunks.  The
fallback matmul uses blocks of ``MM_THREADS x MM_THREADS`` threads, each
computing ``MM_REG x MM_REG`` outputs.  Every kernel walks its work with a
grid-stride loop, so any grid size is correct; ``MAX_BLOCKS`` only caps how
many blocks one launch asks for, and ``REDUCE_BLOCKS`` how many partial results
the first pass of a two-pass reduction writes, ``BN_BLOCKS`` how many
(channel tile, chunk) blocks a batch-norm statistics pass aims for.

Numba's CUDA simulator runs every simulated thread as a Python thread, one
block after another; there the same code runs with small blocks, groups and
grids, so that the test suite's small arrays still span several blocks,
several chunks and several passes (the GPU-scale paths), and stays fast.

Kernels are compiled lazily, per argument types, on first launch, and with
``cache=True`` (``jit``) their machine code is kept on disk across processes.
"""

import functools
import math
import warnings

from numba import cuda
from numba.core import config as _numba_config

from .memory import install as install_allocator

SIMULATOR = bool(_numba_config.ENABLE_CUDASIM)

if SIMULATOR:
    THREADS_PER_BLOCK = 16
    ROW_GROUP = 4
    MAX_BLOCKS = 8
    REDUCE_BLOCKS = 4
    MM_THREADS = 4
    MM_REG = 2
    BN_BLOCKS = 6
    BN_MIN_PER_THREAD = 1
else:
    THREADS_PER_BLOCK = 256
    ROW_GROUP = 32
    MAX_BLOCKS = 4096
    REDUCE_BLOCKS = 1024
    MM_THREADS = 16
    MM_REG = 4
    BN_BLOCKS = 1056  # 8 blocks per SM of an H100/H200 (132 SMs)
    BN_MIN_PER_THREAD = 4

# output tile of one block of the fallback matmul
MM_TILE = MM_THREADS * MM_REG

# the strided kernels unravel flat indices over at most this many axes
MAX_DIMS = 16

assert THREADS_PER_BLOCK & (THREADS_PER_BLOCK - 1) == 0, "tree reductions need a power of two"
assert ROW_GROUP & (ROW_GROUP - 1) == 0 and THREADS_PER_BLOCK % ROW_GROUP == 0
assert REDUCE_BLOCKS <= THREADS_PER_BLOCK * THREADS_PER_BLOCK

if not SIMULATOR:
    # Small grids are deliberate here (a 10-class argmax, a (C,) update): Numba's
    # low-occupancy warning would fire on every such launch.  Only that warning's
    # message is filtered; Numba's other performance warnings stay on.
    try:
        from numba.core.errors import NumbaPerformanceWarning

        warnings.filterwarnings("ignore", category=NumbaPerformanceWarning,
                                message=r"Grid size \d+ will likely result in GPU "
                                        r"under-utilization")
    except ImportError:  # pragma: no cover - older numba
        pass


def blocks_for(n_items, per_block=THREADS_PER_BLOCK):
    """Blocks for a grid-stride launch over ``n_items`` work items."""
    return max(1, min(MAX_BLOCKS, -(-n_items // per_block)))


def jit(*args, **kwargs):
    """``cuda.jit`` with ``cache=True`` on a GPU (the simulator has no cache)."""
    if not SIMULATOR and not kwargs.get("device"):
        kwargs.setdefault("cache", True)
    return cuda.jit(*args, **kwargs)


# ---------------------------------------------------------------------------- availability

INSTALL_HINT = (
    "install the 'cuda' extra on a machine with an NVIDIA GPU and driver: "
    "pip install 'minidl[cuda]' (CUDA 12 toolkit wheels, NVIDIA driver >= 525) or "
    "pip install 'minidl[cuda13]' (CUDA 13 wheels, driver >= 580); or set "
    "NUMBA_ENABLE_CUDASIM=1 before starting Python to run the CUDA backend on Numba's "
    "simulator (pip install 'minidl[cuda-sim]')")


@cuda.jit
def _probe_kernel(out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = out[i] + math.sqrt(float(i + 1))


def require_gpu():
    """Check that a GPU (or the simulator) is there and, once per process, that a
    kernel compiles (NVRTC/NVVM found) and runs; RuntimeError naming the fix otherwise."""
    if not cuda.is_available():
        raise RuntimeError(
            f"the CUDA backend needs a usable GPU, and none was found: {INSTALL_HINT}")
    if SIMULATOR:
        return True
    return _probe_once()


@functools.lru_cache(maxsize=1)
def _probe_once():
    install_allocator()  # before the probe creates the CUDA context
    try:
        import numpy as np

        out = cuda.to_device(np.zeros(2, dtype=np.float64))
        _probe_kernel[1, 32](out)
        result = out.copy_to_host()
    except Exception as exc:  # compiler libraries missing, driver too old, ...
        name = type(exc).__name__
        detail = str(exc).strip().splitlines()
        detail = detail[0] if detail else ""
        raise RuntimeError(
            "the CUDA backend found a GPU but cannot compile or run a kernel "
            f"({name}: {detail}). Numba needs NVIDIA's NVVM and NVRTC libraries: "
            f"{INSTALL_HINT}. Check with: python -c \"from numba import cuda; "
            "cuda.detect()\"") from exc
    if abs(result[0] - 1.0) > 1e-12 or abs(result[1] - math.sqrt(2.0)) > 1e-12:
        raise RuntimeError(f"the CUDA backend's probe kernel computed wrong values "
                           f"({result.tolist()}); the GPU or driver is not usable")
    return True


_configured = {}


def launch(kernel, grid, block, *args):
    """``kernel[grid, block](*args)``, reusing the launch configuration object
    of an earlier launch with the same grid and block (it is made once)."""
    key = (kernel, grid, block)
    configured = _configured.get(key)
    if configured is None:
        if len(_configured) > 4096:
            _configured.clear()
        configured = _configured[key] = kernel[grid, block]
    configured(*args)

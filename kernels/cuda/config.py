"""Launch configuration shared by every CUDA kernel of minidl, and the check
that a GPU (or the simulator) is there at all.

``THREADS_PER_BLOCK`` is the one block size: elementwise kernels launch 1-d
blocks of it, reductions use it as the width of their shared-memory tree (so it
must be a power of two) and the tiled matmul uses square tiles of
``TILE * TILE == THREADS_PER_BLOCK`` threads.  Every kernel walks its work with
a grid-stride loop, so any grid size is correct; ``MAX_BLOCKS`` only caps how
many blocks a launch asks for.

Numba's CUDA simulator runs every simulated thread as a Python thread, one
block after another; there the same code runs with small blocks and grids so
the test suite stays fast.  The kernels do not depend on the values (beyond
THREADS_PER_BLOCK being a power of two and a perfect square).
"""

import math

from numba import cuda
from numba.core import config as _numba_config

SIMULATOR = bool(_numba_config.ENABLE_CUDASIM)

if SIMULATOR:
    THREADS_PER_BLOCK = 16
    MAX_BLOCKS = 8
else:
    THREADS_PER_BLOCK = 256
    MAX_BLOCKS = 4096

# side of the square matmul tile: TILE * TILE threads per block
TILE = math.isqrt(THREADS_PER_BLOCK)

# the broadcasting kernels unravel flat indices over at most this many axes
MAX_DIMS = 16

assert THREADS_PER_BLOCK & (THREADS_PER_BLOCK - 1) == 0, "tree reductions need a power of two"
assert TILE * TILE == THREADS_PER_BLOCK, "the matmul tile must use the whole block"


def blocks_for(n_items, per_block=THREADS_PER_BLOCK):
    """Blocks for a grid-stride launch over ``n_items`` work items."""
    return max(1, min(MAX_BLOCKS, -(-n_items // per_block)))


_FIX = ("install the 'cuda' extra (pip install 'minidl[cuda]') on a machine with an NVIDIA "
        "GPU and driver, or set NUMBA_ENABLE_CUDASIM=1 before starting Python to run the CUDA "
        "backend on Numba's simulator")


def require_gpu():
    """RuntimeError naming the fix unless numba.cuda has a usable GPU (or the simulator)."""
    if not cuda.is_available():
        raise RuntimeError(f"the CUDA backend needs a usable GPU, and none was found: {_FIX}")

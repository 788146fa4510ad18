"""NUMBA_BOUNDSCHECK=1 really compiles bounds checks into the cached kernels.

CI runs the kernel tests a second time with NUMBA_BOUNDSCHECK=1, so that an
index a launcher failed to validate raises IndexError instead of reading or
writing stray memory. Numba's on-disk cache does not key its entries on that
flag: a run with NUMBA_BOUNDSCHECK=1 loads the unchecked machine code an
earlier run cached (and an unchecked run loads checked code). CI's
boundscheck step therefore gives Numba a cache folder of its own.

This test calls a real kernel with labels one past each row, in a child
process (an unchecked kernel reads a spare row of the buffer, never memory it
does not own). Under NUMBA_BOUNDSCHECK=1 the child inherits this process's
environment, cache folder included, and checks what that configuration really
runs; otherwise it compiles with bounds checks into a fresh cache folder.
"""

import os
import subprocess
import sys

import pytest

CHILD = """
import numpy as np
from minidl.kernels.cpu import softmax_ce

results = []
for dtype in (np.float32, np.float64):
    n, k = 8, 3
    buffer = np.zeros(n * k + k, dtype=dtype)   # a spare row after the logits
    logits = buffer[:n * k].reshape(n, k)
    labels = np.full(n, k, dtype=np.int64)      # every label one past its row
    losses = np.empty(n, dtype=dtype)
    probs = np.empty_like(logits)
    try:
        softmax_ce._softmax_ce_forward_kernel(0, n, logits, labels, -100, losses, probs)
    except IndexError:
        results.append("checked")
    except Exception as exc:
        results.append(repr(exc))
    else:
        results.append("unchecked")
print(" ".join(results))
"""


@pytest.mark.slow
def test_kernels_are_bounds_checked_under_numba_boundscheck(tmp_path):
    env = dict(os.environ)
    if env.get("NUMBA_BOUNDSCHECK") != "1":
        env["NUMBA_BOUNDSCHECK"] = "1"
        env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")
    # cwd outside the source tree: `python -c` puts the working folder on sys.path
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["checked", "checked"], (
        f"an out-of-range index ran unchecked under NUMBA_BOUNDSCHECK=1 ({done.stdout!r}): "
        "Numba loaded kernels cached without bounds checks; give this run its own "
        f"NUMBA_CACHE_DIR (now {env.get('NUMBA_CACHE_DIR')!r})")

"""An opt-in process-wide allocator setting for long CPU training runs.

minidl changes nothing in the process by itself. ``tune_for_throughput()``
is for a user who owns the process (a training script, not a notebook that
also runs other libraries) and wants glibc's malloc to keep freed memory:
by default glibc serves large blocks with mmap and gives them (and the top
of the heap) back to the system when they are freed, so the next training
step touches fresh pages and pays a page fault for each. Raising the mmap
and trim thresholds lets freed blocks be reused. It changes when memory goes
back to the system, never what is computed, but it does so for every library
in the process, which is why it is never applied implicitly.
"""

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# glibc caps the mmap threshold at 32 MiB on 64-bit systems
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 512 * 1024 * 1024


def tune_for_throughput():
    """Raise glibc malloc's mmap threshold (32 MiB) and trim threshold (512 MiB)
    for the whole process, so freed activation arrays are reused instead of
    returned to the system. Opt-in: call it once at the start of a training
    script. Returns True when applied, False where the C library is not glibc
    (nothing changes there)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))

"""How the CPU backend asks glibc to keep freed memory.

A training step allocates the same large activation and gradient arrays
every time and frees them at the end. By default glibc serves large blocks
with mmap and returns them (and the top of the heap) to the system as soon
as they are freed, so the next step touches fresh pages and pays a page
fault for each: on the small Inception net that was about a third of the
step time. Raising the mmap and trim thresholds lets freed blocks be reused,
as a caching allocator would. It only changes when memory goes back to the
system, never what is computed. Set MINIDL_KEEP_MALLOC=1 to leave glibc's
defaults alone; other C libraries are left alone as well."""

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# glibc caps the mmap threshold at 32 MiB on 64-bit systems
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 512 * 1024 * 1024

_tuned = False


def keep_freed_memory():
    """Apply the thresholds once per process; returns True when applied."""
    global _tuned
    if _tuned or not sys.platform.startswith("linux") or os.environ.get("MINIDL_KEEP_MALLOC"):
        return _tuned
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    return _tuned

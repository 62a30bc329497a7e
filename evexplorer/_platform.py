"""Process-wide settings that the application (not the library) applies at start.

``tune_allocator`` keeps glibc from returning large NumPy buffers to the
operating system after every model run. By default glibc serves each array
above a dynamic threshold with a fresh ``mmap`` and unmaps it on free, so a
10,000-sample batch pays page faults on every intermediate array; measured on
the project's 2-core machine the batch benchmark ran in 115 ms that way and in
80 ms with the thresholds below (see the README's performance section). The
cost is that up to ``_TRIM_THRESHOLD`` of freed memory stays with the process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 256 * 1024 * 1024
_TRIM_THRESHOLD = 512 * 1024 * 1024
_tuned = False


def tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds; return True if they were set.

    Does nothing (and returns False) outside glibc-based Linux.
    """
    global _tuned
    if _tuned:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    return _tuned

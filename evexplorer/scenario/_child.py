"""Entry point of the child process that parses a received file (see :mod:`.isolated`).

Nothing heavy is imported at module level: the environment below must be in
place before NumPy and h5py load, so that no thread pool eats the memory limit
and HDF5 starts with plugin loading off.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

#: Environment of the child: single-threaded numerics, no HDF5 plugins, no file locks.
ENVIRONMENT = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "HDF5_PLUGIN_PRELOAD": "::",  # HDF5's own switch: "::" disables every plugin
    "HDF5_USE_FILE_LOCKING": "FALSE",
}
#: The parse function the child runs: "module:function", taking the file's bytes, returning
#: a Tree.
DEFAULT_PARSER = "evexplorer.scenario.safe_hdf5:read_tree"


def run(conn: Any, data: bytes, memory_limit: int, parser: str = DEFAULT_PARSER) -> None:
    """Parse ``data`` and send the outcome to the parent as JSON bytes, then exit at once.

    The child never opens the user's file: the parent read it and passes its bytes.

    Parameters
    ----------
    conn : multiprocessing.connection.Connection
        Write end of the pipe to the parent (only ``send_bytes`` is used).
    data : bytes
        The whole file.
    memory_limit : int
        Address space the parse may add to the child's start-up footprint [bytes].
    parser : str
        ``"module:function"`` to run (tests substitute misbehaving ones).
    """
    os.environ.update(ENVIRONMENT)
    _silence()
    try:
        message = _parse(data, memory_limit, parser)
    except MemoryError:
        message = b'{"error":{"code":"memory","message":""}}'
    try:
        conn.send_bytes(message)
        conn.close()
    finally:
        # Skip interpreter shutdown: finalizers of a damaged HDF5 file have nothing to add.
        os._exit(0)


def _parse(data: bytes, memory_limit: int, parser: str) -> bytes:
    import numpy  # noqa: F401 - loaded before the memory limit, as part of the footprint

    from . import wire
    from .errors import ScenarioFileError

    module, _, function = parser.partition(":")
    parse = getattr(importlib.import_module(module), function)
    _limit_memory(memory_limit)
    try:
        payload: dict[str, Any] = {"tree": wire.encode_tree(parse(data))}
    except ScenarioFileError as exc:
        payload = {"error": {"code": exc.code, "message": str(exc)}}
    except MemoryError:
        raise
    except Exception as exc:
        payload = {"error": {"code": "reader-failed",
                             "message": "This file could not be read: the safe file reader "
                                        f"failed ({type(exc).__name__})."}}
    return wire.dumps(payload)


def _silence() -> None:
    """Send the child's standard output and error to the null device.

    A failing assertion inside libhdf5 prints to standard error before it
    aborts; the parent reports the crash in one sentence instead.
    """
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # pragma: no cover - no null device
        return
    for fd in (1, 2):
        try:
            os.dup2(null, fd)
        except OSError:  # pragma: no cover - no such descriptor (windowed app)
            pass
    os.close(null)


def _limit_memory(headroom: int) -> None:
    """Cap the address space at the current footprint plus ``headroom`` (Linux; else nothing)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - no /proc (macOS)
        return
    limit = current + int(headroom)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover - refused by the system
        pass

"""Parsing a received file in a child process, so that the HDF5 library cannot harm the caller.

A malformed file can crash libhdf5 (segmentation fault, abort), make it hang
or make it allocate without bound. The parse therefore runs in a child started
with the "spawn" method (never fork: the GUI has threads), under a memory
limit and a time limit; it sends back plain data as JSON bytes (never pickle),
which the parent then validates. Whatever happens in the child, the caller and
the user's unsaved work stay alive, and the outcome is one clear sentence.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from multiprocessing.connection import wait

from . import _child, _files, wire
from . import format as fmt
from .errors import ScenarioFileError
from .tree import Tree

#: Largest reply accepted from the child [bytes]; a scenario's is about 20 KiB.
MAX_REPLY_BYTES = 64 * fmt.MiB
_TIMED_OUT = object()


def read_tree_isolated(source: bytes | str | os.PathLike[str], *, timeout: float = 10.0,
                       memory_limit: int = 1 << 30, parser: str = _child.DEFAULT_PARSER) -> Tree:
    """Run the defensive parse of a file's bytes in a child process.

    Parameters
    ----------
    source : bytes, str or path-like
        The file's bytes, or the file (read here, with the checks of
        :func:`._files.read_scenario_bytes`); the child never opens a file.
    timeout : float
        Time allowed, start-up of the child included [s]; then the child is killed.
    memory_limit : int
        Address space the child may add to its start-up footprint [bytes].
    parser : str
        ``"module:function"`` the child runs (for tests).

    Returns
    -------
    Tree

    Raises
    ------
    ScenarioFileError
        For a refused file, and with distinct sentences when the child crashed
        (``code == "crash"``), ran out of time (``"timeout"``) or out of memory
        (``"memory"``).
    """
    data = source if isinstance(source, bytes) else _files.read_scenario_bytes(source)
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child.run, name="evexplorer-file-reader", daemon=True,
                              args=(sender, data, int(memory_limit), parser))
    deadline = time.monotonic() + timeout
    try:
        process.start()
    except OSError as exc:
        receiver.close()
        sender.close()
        raise ScenarioFileError(
            f"EV Explorer could not start its safe file reader ({exc.strerror or exc}), so the "
            "file was not opened.", "reader-failed") from None
    sender.close()  # the child holds the only write end: its death closes the pipe
    try:
        reply = _receive(receiver, process, deadline)
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5.0)
    if reply is _TIMED_OUT:
        raise ScenarioFileError(
            f"Reading this file took longer than {timeout:g} s, so it was stopped; the file is "
            "probably damaged.", "timeout")
    if reply is None:
        raise _died(process.exitcode)
    message = wire.loads(reply)
    if isinstance(message, dict) and "error" in message:
        error = message["error"]
        code = str(error.get("code", "reader-failed"))
        if code == "memory":
            raise ScenarioFileError(
                f"Reading this file needed more than {fmt.size_text(memory_limit)} of memory, so "
                "it was stopped; the file is probably damaged.", "memory")
        raise ScenarioFileError(str(error.get("message") or "This file could not be read."), code)
    if not isinstance(message, dict) or "tree" not in message:
        raise ScenarioFileError("The safe file reader returned malformed data, so the file was "
                                "not opened.", "reader-failed")
    return wire.decode_tree(message["tree"])


def _receive(receiver, process, deadline: float) -> bytes | object | None:
    """The child's reply; None if it died without one; :data:`_TIMED_OUT` (it is killed)."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            process.kill()
            return _TIMED_OUT
        ready = wait([receiver, process.sentinel], remaining)
        if receiver in ready or (process.sentinel in ready and receiver.poll(0)):
            try:
                return receiver.recv_bytes(MAX_REPLY_BYTES)
            except EOFError:
                process.join(5.0)
                return None
            except OSError:  # longer than MAX_REPLY_BYTES
                process.kill()
                raise ScenarioFileError("The safe file reader returned too much data, so the "
                                        "file was not opened.", "reader-failed") from None
        if process.sentinel in ready:
            process.join(5.0)
            return None


def _died(exitcode: int) -> ScenarioFileError:
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return ScenarioFileError(
            f"This file is damaged: reading it crashed the HDF5 library ({name}), which was "
            "stopped safely; nothing else was affected.", "crash")
    return ScenarioFileError(
        f"The safe file reader stopped unexpectedly (exit status {exitcode}), so the file was "
        "not opened.", "reader-failed")

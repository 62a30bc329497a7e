"""Bands and tornados computed in a child process, beside the window's process.

Why a process and not only a thread: the window's GUI thread runs Python most
of the time it paints (pyqtgraph), and a worker thread in the same process
needs the interpreter lock after every NumPy kernel of the model, so it waits
for the GUI thread again and again (measured: a 256-sample band took 5 ms
alone and 25 ms beside a busy Python thread; see ``benchmarks/bench_gui_bands.py``).
A child process has its own interpreter: the model batch runs on the second
processor core at full speed while the window paints, and the parent's thread
only waits on a pipe (without the lock) and unpacks a few kilobytes.

:class:`ComputeProcess` is the parent's side: :meth:`~ComputeProcess.call`
sends one request (``"bands"``, ``"tornado"`` or ``"warm_up"`` with its
arguments) and waits for the answer; it is called from a background thread
(:class:`~evexplorer.app.background.LatestJobs`), never from the GUI thread.
One child serves every window of the application (:func:`shared`); it is
started with the "spawn" method on first use, and started again after a
crash. If it cannot be started at all, the calls run in the calling thread
instead, so the window still gets its bands. No Qt here: the child imports
only NumPy, SciPy and the model.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from ..model.registry import ParameterError

#: Requests the child answers, by name.
REQUESTS: tuple[str, ...] = ("warm_up", "bands", "tornado")


class ComputeError(RuntimeError):
    """The child process failed; the message is one sentence for people."""


def plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Lever values that can travel to another process (the chemistry mix as a dict)."""
    return {name: dict(value) if isinstance(value, Mapping) else value
            for name, value in values.items()}


_last_spec: list[Any] = [None, None]  # the last record and its spec: a drag reuses it


def _spec(record: Mapping[str, Any] | None) -> Any:
    from ..analysis.uncertainty import spec_or_default

    if _last_spec[1] is None or record != _last_spec[0]:
        _last_spec[:] = [record, spec_or_default(record)]
    return _last_spec[1]


def _run(name: str, arguments: Mapping[str, Any]) -> Any:
    """Answer one request (in the child, or in the caller when there is no child)."""
    if name not in REQUESTS:
        raise ValueError(f"unknown request {name!r}")
    spec = _spec(arguments.get("record"))
    if name == "warm_up":
        from ..analysis.sampling import warm_up

        warm_up(spec, arguments["n_samples"])
        return None
    values = arguments["values"]
    if name == "bands":
        from ..analysis.bands import compute_bands

        return compute_bands(values, spec, arguments["n_samples"], series=arguments["series"])
    from ..analysis.sensitivity import tornado

    return tornado(values, spec, arguments["output"], arguments["year"])


def _to_plain(result: Any) -> Any:
    """A result that pickles: a Bands' mappings as dicts (other results are plain already)."""
    from ..analysis.bands import Bands

    if isinstance(result, Bands):
        return ("Bands", {field: dict(value) if isinstance(value, Mapping) else value
                          for field, value in vars(result).items()})
    return ("value", result)


def _from_plain(message: Any) -> Any:
    kind, payload = message
    if kind != "Bands":
        return payload
    from ..analysis.bands import Bands

    fields = dict(payload)
    for field, value in fields.items():
        if isinstance(value, dict):
            for item in value.values():
                if isinstance(item, np.ndarray):
                    item.flags.writeable = False
            fields[field] = MappingProxyType(value)
    return Bands(**fields)


def serve(connection: Any) -> None:
    """The child's loop: answer requests until the pipe closes or ``None`` arrives."""
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        name, arguments = request
        try:
            reply = ("ok", _to_plain(_run(name, arguments)))
        except ParameterError as exc:
            reply = ("parameter", str(exc))
        except Exception as exc:  # sent to the parent as one sentence
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            connection.send(reply)
        except (EOFError, OSError):
            return


class ComputeProcess:
    """The parent's side of the child process (see the module's description)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection: Any = None
        self._process: Any = None
        self.in_process = False  # True once the child could not be started
        #: Children started so far (1 unless one crashed).
        self.starts = 0

    def call(self, name: str, **arguments: Any) -> Any:
        """Answer request ``name`` in the child; wait for it (from a background thread).

        Raises
        ------
        evexplorer.model.registry.ParameterError
            For lever values or an uncertainty that cannot be used.
        ComputeError
            If the child died or failed otherwise (it is started again next time).
        """
        with self._lock:
            if not self.in_process and (self._process is None or not self._process.is_alive()):
                self._start()
            if self.in_process:
                return _run(name, arguments)
            try:
                self._connection.send((name, arguments))
                status, payload = self._connection.recv()
            except (EOFError, OSError) as exc:
                self._stop()
                raise ComputeError("The background computation stopped unexpectedly; it "
                                   "starts again with the next change.") from exc
        if status == "parameter":
            raise ParameterError(payload)
        if status == "error":
            raise ComputeError(f"The background computation failed ({payload}).")
        return _from_plain(payload)

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=serve, args=(child,), name="evexplorer-compute",
                                  daemon=True)
        try:
            process.start()
        except (OSError, RuntimeError):  # no child processes here: compute in this process
            parent.close()
            child.close()
            self.in_process = True
            return
        child.close()  # the child holds the only other end: its death closes the pipe
        self._connection, self._process = parent, process
        self.starts += 1

    def _stop(self) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            try:
                connection.send(None)
            except (EOFError, OSError):
                pass
            connection.close()
        if process is not None:
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join(1.0)

    def close(self) -> None:
        """End the child (at exit; a call in progress may finish first, for at most 2 s)."""
        if self._lock.acquire(timeout=2.0):
            try:
                self._stop()
            finally:
                self._lock.release()
        elif self._process is not None:
            self._process.kill()


_SHARED: ComputeProcess | None = None


def shared() -> ComputeProcess:
    """The application's one child process (created on first use, ended at exit)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = ComputeProcess()
        atexit.register(_SHARED.close)
    return _SHARED

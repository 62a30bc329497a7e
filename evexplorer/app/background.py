"""Work off the GUI thread: the newest job of each kind, and long tasks with progress and cancel.

Two helpers, each with one Python thread that runs NumPy/SciPy code while the
GUI thread paints (NumPy releases the interpreter lock inside its kernels, so
on two cores a model batch runs beside the painting):

- :class:`LatestJobs` runs short jobs (percentile bands, a tornado) one at a
  time. Jobs have a *kind*; submitting a job replaces the queued job of the
  same kind, so a burst of lever moves costs one run per kind with the newest
  values (latest wins). Queued jobs run in order of priority.
- :class:`BackgroundTask` runs one long task (Sobol indices) that reports its
  progress and can be cancelled; starting another one cancels the first.

Results come back to the GUI thread as Qt signals (queued connections). Both
objects are created without a Qt parent and keep their thread's only reference
to themselves, so a closing window cannot delete them under a running job;
:meth:`LatestJobs.shutdown` and :meth:`BackgroundTask.cancel` stop them. The
threads are daemons: quitting the application never waits for a job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal


@dataclass(frozen=True)
class Done:
    """A finished job.

    Attributes
    ----------
    kind : str
        The job's kind.
    token : object
        What the submitter gave to recognise the job (e.g. which lever values).
    result : object
        The function's return value; None if it raised.
    error : Exception or None
        What the function raised, if anything.
    cpu_ms : float
        Processor time of the job's thread while it ran [ms].
    wall_ms : float
        Wall-clock time from start to end of the job [ms].
    """

    kind: str
    token: Any
    result: Any
    error: Exception | None
    cpu_ms: float
    wall_ms: float


@dataclass
class _Job:
    kind: str
    token: Any
    function: Callable[[], Any]
    priority: int
    order: int


class LatestJobs(QObject):
    """One background thread running the newest job of each kind.

    Parameters
    ----------
    name : str
        Name of the thread (seen in debuggers and profilers).
    """

    #: Emitted in the GUI thread with a :class:`Done` for every job that ran.
    finished = Signal(object)

    def __init__(self, name: str = "evexplorer-jobs") -> None:
        super().__init__()
        self._name = name
        self._condition = threading.Condition()
        self._queued: dict[str, _Job] = {}
        self._running: _Job | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._order = 0
        #: Jobs started, by kind (what a test or benchmark reads to see work being done).
        self.started: dict[str, int] = {}

    def submit(self, kind: str, token: Any, function: Callable[[], Any],
               priority: int = 0) -> None:
        """Queue ``function`` as the job of ``kind``, replacing a queued one of that kind.

        Parameters
        ----------
        kind : str
            Jobs of one kind replace each other while queued.
        token : object
            Given back in :class:`Done`.
        function : callable
            Called with no argument in the background thread.
        priority : int
            Lower runs first among queued jobs; equal priorities run in order.
        """
        with self._condition:
            if self._stopped:
                return
            self._order += 1
            self._queued[kind] = _Job(kind, token, function, priority, self._order)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._condition.notify()

    def discard(self, kind: str) -> None:
        """Forget the queued job of ``kind`` (a running one finishes and is delivered)."""
        with self._condition:
            self._queued.pop(kind, None)

    def pending(self, kind: str | None = None) -> bool:
        """True while a job (of ``kind``, if given) is queued or running."""
        with self._condition:
            jobs = [*self._queued.values(), *([self._running] if self._running else [])]
            return any(kind is None or job.kind == kind for job in jobs)

    def shutdown(self) -> None:
        """Drop queued jobs and end the thread after its current job; nothing more is delivered."""
        with self._condition:
            self._stopped = True
            self._queued.clear()
            self._condition.notify_all()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._queued and not self._stopped:
                    self._condition.wait()
                if self._stopped:
                    return
                job = min(self._queued.values(), key=lambda j: (j.priority, j.order))
                del self._queued[job.kind]
                self._running = job
                self.started[job.kind] = self.started.get(job.kind, 0) + 1
            wall, cpu = time.perf_counter(), time.thread_time()
            result, error = None, None
            try:
                result = job.function()
            except Exception as exc:
                error = exc
            done = Done(job.kind, job.token, result, error,
                        1e3 * (time.thread_time() - cpu), 1e3 * (time.perf_counter() - wall))
            with self._condition:
                self._running = None
                if self._stopped:
                    return
            _emit(self.finished, done)


class BackgroundTask(QObject):
    """One long task at a time in a background thread, with progress and cancel.

    The task is a function ``task(progress, cancel)``: it calls ``progress(fraction)``
    now and then and stops when ``cancel.is_set()`` (raising, for example,
    :class:`evexplorer.analysis.sensitivity.Cancelled`).
    """

    #: Fraction done, 0-1, with the run's number.
    progress = Signal(int, float)
    #: A :class:`Done` when the task returned or raised (also after a cancel).
    finished = Signal(object)

    def __init__(self, name: str = "evexplorer-task") -> None:
        super().__init__()
        self._name = name
        self._run_number = 0
        self._cancel: threading.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def run_number(self) -> int:
        """Number of the latest run (1 for the first)."""
        return self._run_number

    @property
    def running(self) -> bool:
        """True while the latest run has not finished."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, task: Callable[[Callable[[float], None], threading.Event], Any],
              token: Any = None) -> int:
        """Cancel any run in progress and start ``task``; return the new run's number."""
        self.cancel()
        self._run_number += 1
        number = self._run_number
        cancel = self._cancel = threading.Event()

        def report(fraction: float) -> None:
            if not cancel.is_set():
                _emit(self.progress, number, float(fraction))

        def run() -> None:
            wall, cpu = time.perf_counter(), time.thread_time()
            result, error = None, None
            try:
                result = task(report, cancel)
            except Exception as exc:
                error = exc
            _emit(self.finished, Done(self._name, (number, token), result, error,
                                      1e3 * (time.thread_time() - cpu),
                                      1e3 * (time.perf_counter() - wall)))

        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()
        return number

    def cancel(self) -> None:
        """Ask the run in progress to stop (it finishes with an error at its next check)."""
        if self._cancel is not None:
            self._cancel.set()


def _emit(signal: Any, *args: Any) -> None:
    """Emit from a background thread; a receiver that is gone is not an error."""
    try:
        signal.emit(*args)
    except RuntimeError:  # the application is shutting down
        pass

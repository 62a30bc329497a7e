"""Percentile bands that follow every lever move, computed off the GUI thread.

:class:`BandController` keeps ``session.bands`` (P10, P50, P90 of the series
the window draws, and of every scalar) for the scenario on screen: whenever the
model has rerun for new lever values (a lever or the time axis moved) or the
uncertainty changed, it asks a background thread
(:class:`~evexplorer.app.background.LatestJobs`) for the bands of exactly the
values whose curves are about to be drawn. The thread hands the work to a child
process (:mod:`evexplorer.app.compute_process`) and waits; the GUI thread
meanwhile repaints the curves; the band follows in the same or the next frame.

Coarse to fine. One 1,000-sample band costs more than a 60 Hz frame (the
model batch alone takes most of it), so while the hand moves a lever the
worker computes **256** samples (the first 256 points of the same scrambled
Sobol' design: a balanced subset of the 1,000), and when the levers have been
still for :data:`SETTLE_MS` it computes the **1,000**-sample band. A single
change after a pause (a typed value, an undo, a preset) goes straight to
1,000 samples. Latest wins: a job waiting in the queue is replaced by the
newest lever values, and a finished band that is no longer wanted is dropped.

Never the wrong band. Every model run for new levers, and every change of the
uncertainty, is a *generation*: one step of the curves on screen. A band is put
on screen only if it belongs to the current generation or to the one before
(the curve moved one step since its values were taken); when a step makes the
band on screen two or more steps old, the band is hidden (``session.bands``
becomes None) until a newer one arrives. The
seed of the sampling design is the scenario's (its uncertainty record, else
the default seed), so the same levers always give the same band and a
dragged band does not flicker.

Bands off (View ▸ Show Uncertainty unchecked) means no band computation at
all. ``scipy.stats`` is imported and the default design drawn in the
background once the window has been painted for the first time
(:func:`evexplorer.analysis.sampling.warm_up`), so that start-up is not slowed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ..analysis.sampling import DEFAULT_SAMPLES
from ..model import SERIES
from ..model.data import MINERALS
from ..model.registry import ParameterError
from ..session import Change, Session
from .background import Done, LatestJobs
from .compute_process import ComputeProcess, plain_values, shared
from .panels import HEADLINES

#: Samples of a band while levers move: the first 256 points of the design (balanced).
DRAG_SAMPLES = 256
#: Quiet time after the last change before the full band is computed [ms].
SETTLE_MS = 120
#: Kind of the band jobs in the background queue.
JOB_KIND = "bands"

#: Series whose bands the window draws: the charts' curves and the headline cards'
#: figures (series a model version lacks are left out; every scalar is always included).
WINDOW_SERIES: tuple[str, ...] = (
    "pack_cost", "ev_price", "ice_price", "ev_price_premium",
    *(f"{m}_demand" for m in MINERALS),
    "ev_production_emissions", "ice_production_emissions",
    "ev_lifecycle_emissions", "ice_lifecycle_emissions", "breakeven_distance",
    "fleet_emissions_avoided", "supply_concentration",
    *(f"{m}_refining_hhi" for m in MINERALS),
)


def window_series(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The series of :data:`WINDOW_SERIES`, the headline cards' outputs and ``extra`` that this
    model computes, in order."""
    names = dict.fromkeys([*WINDOW_SERIES, *(h.output for h in HEADLINES if h.output), *extra])
    return tuple(name for name in names if name in SERIES)


class BandController(QObject):
    """Keeps ``session.bands`` for the scenario on screen (see the module's description).

    Parameters
    ----------
    session : Session
        Whose levers and uncertainty record are sampled and whose ``bands`` are set.
    jobs : LatestJobs
        The background queue that asks for the bands (shared with other views).
    compute : ComputeProcess, optional
        Where the bands are computed (default: the application's child process).
    report : callable, optional
        Called with one sentence when the scenario's uncertainty cannot be used.
    series : iterable of str, optional
        The series to compute bands for (default: :func:`window_series`).
    n_samples, drag_samples : int
        Samples of the full band and of the band while levers move.
    settle_ms : int
        Quiet time after the last change before the full band is computed [ms].
    """

    #: Emitted with the generation whose band was just put on the session.
    shown = Signal(int)
    #: Emitted once the background work has been started (:meth:`start`).
    started = Signal()

    def __init__(self, session: Session, jobs: LatestJobs, *,
                 compute: ComputeProcess | None = None,
                 report: Callable[[str], None] | None = None,
                 series: Iterable[str] | None = None, n_samples: int = DEFAULT_SAMPLES,
                 drag_samples: int = DRAG_SAMPLES, settle_ms: int = SETTLE_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._jobs = jobs
        self.compute = compute if compute is not None else shared()
        self._report = report or (lambda text: None)
        self.series = tuple(series) if series is not None else window_series()
        self.n_samples = int(n_samples)
        self.drag_samples = int(drag_samples)
        self._enabled = True
        self._started = False
        #: Generation of the curves and uncertainty: +1 at every model run and uncertainty change.
        self.generation = 0
        #: (generation, samples) of the band on the session, or None.
        self.on_screen: tuple[int, int] | None = None
        self._last_change = -float("inf")
        self._spec_of: tuple[Any, Any] | None = None
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(settle_ms)
        self._settle.timeout.connect(self._refine)
        jobs.finished.connect(self._on_done)
        session.subscribe(self._on_session, names=("results", "uncertainty"))

    # -- state ---------------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        """True while bands are shown (and therefore computed)."""
        return self._enabled

    @property
    def settled(self) -> bool:
        """True when the session holds the full band of the current levers and uncertainty."""
        return self.on_screen == (self.generation, self.n_samples)

    def spec(self) -> Any:
        """The scenario's uncertainty: its record, else the defaults.

        Raises
        ------
        evexplorer.model.registry.ParameterError
            If the record cannot be used (one sentence).
        """
        from ..analysis.uncertainty import spec_or_default

        record = self._session.uncertainty
        if self._spec_of is None or self._spec_of[0] is not record:
            self._spec_of = (record, spec_or_default(record))
        return self._spec_of[1]

    # -- control -------------------------------------------------------------------------------
    def start(self) -> None:
        """Warm up the sampler in the background, then compute the first band."""
        if self._started:
            return
        self._started = True
        try:
            record = self.spec().to_record()
        except ParameterError:
            record = None
        self._jobs.submit("warm_up", None, lambda: self.compute.call(
            "warm_up", record=record, n_samples=self.n_samples), priority=-1)
        if self._enabled:
            self._request(self.n_samples)
        self.started.emit()

    def start_after_first_paint(self, window: QWidget) -> None:
        """Call :meth:`start` once ``window`` has been painted for the first time."""
        controller = self

        class FirstPaint(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.UpdateRequest:
                    watched.removeEventFilter(self)
                    # after this paint is done; dropped if the window has gone meanwhile
                    QTimer.singleShot(0, controller, controller.start)
                return False

        self._first_paint = FirstPaint(self)
        window.installEventFilter(self._first_paint)

    def set_enabled(self, enabled: bool) -> None:
        """Compute and show bands (True) or neither (False)."""
        enabled = bool(enabled)
        if enabled == self._enabled:
            return
        self._enabled = enabled
        self.generation += 1
        if enabled:
            if self._started:
                self._request(self.n_samples)
            return
        self._settle.stop()
        self._jobs.discard(JOB_KIND)
        self._put(None, None)

    def wait_until_settled(self, timeout_ms: int = 10_000) -> bool:
        """Process events until the full band is on the session (for renderings); True if so."""
        if not self._enabled:
            return False
        self.start()
        app = QCoreApplication.instance()
        deadline = time.monotonic() + timeout_ms / 1e3
        while not self.settled and time.monotonic() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.002)
        return self.settled

    # -- events --------------------------------------------------------------------------------
    def _on_session(self, change: Change) -> None:
        if not self._enabled:
            return
        self.generation += 1
        if self.on_screen is not None and self.on_screen[0] < self.generation - 1:
            self._put(None, None)  # two steps behind the curve: hide it until a new one
        if not self._started:
            return
        now = time.monotonic()
        moving = (now - self._last_change) * 1e3 < self._settle.interval()
        self._last_change = now
        if moving:
            self._request(self.drag_samples)
            self._settle.start()
        else:  # a single change after a pause: straight to the full band
            self._settle.stop()
            self._request(self.n_samples)

    def _refine(self) -> None:
        if self._enabled and self.on_screen != (self.generation, self.n_samples):
            self._request(self.n_samples)

    def _request(self, n_samples: int) -> None:
        try:
            record = self.spec().to_record()
        except ParameterError as exc:
            self._put(None, None)
            self._report(f"No uncertainty bands: {exc}")
            return
        arguments = {"values": plain_values(self._session.values), "record": record,
                     "n_samples": n_samples, "series": self.series}
        self._jobs.submit(JOB_KIND, (self.generation, n_samples),
                          lambda: self.compute.call("bands", **arguments))

    def _on_done(self, done: Done) -> None:
        if done.kind != JOB_KIND or not self._enabled:
            return
        generation, n_samples = done.token
        if done.error is not None:
            if generation == self.generation:
                self._put(None, None)
                self._report(f"No uncertainty bands: {done.error}")
            return
        if generation < self.generation - 1:
            return  # the levers moved on: a newer band is on its way
        if self.on_screen is not None and (generation, n_samples) < self.on_screen:
            return  # older or coarser than the band on screen
        self._put(done.result, (generation, n_samples))

    def _put(self, bands: Any, key: tuple[int, int] | None) -> None:
        self.on_screen = key
        self._session.set_bands(bands)
        if key is not None:
            self.shown.emit(key[0])


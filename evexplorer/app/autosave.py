"""A window's recovery copy: its unsaved work written to the recovery folder on a timer.

While the window's scenario has unsaved changes, an :class:`Autosaver` writes
a recovery copy (:mod:`evexplorer.recovery`) at most every
:func:`autosave_seconds`, the first that long after the first unsaved change.
The copy is removed when the work is saved or discarded (the session no longer
has unsaved changes, or the window closes after the user chose Discard).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from .. import recovery
from ..model import registry
from ..scenario import ScenarioFileError
from ..session import META_FIELDS, Change, Session

#: Settings key of the time between recovery copies [s]; 0 writes none.
AUTOSAVE_KEY = "autosave_seconds"
#: Environment variable that overrides the setting [s] (e.g. a short period for tests).
AUTOSAVE_VARIABLE = "EVEXPLORER_AUTOSAVE_SECONDS"
#: Time between recovery copies unless the settings or the environment say otherwise [s].
DEFAULT_AUTOSAVE_SECONDS = 60.0

#: Fields of the session whose change is unsaved work.
_CONTENT = frozenset({*registry.PARAMETERS, *META_FIELDS, "reference", "uncertainty",
                      "targets", "path", "modified"})


def _seconds(value: object) -> float | None:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def autosave_seconds(settings: QSettings | None = None) -> float:
    """Time between recovery copies [s]: the environment variable, the setting, or 60.

    ``EVEXPLORER_AUTOSAVE_SECONDS`` (any number ≥ 0, fractions too) overrides
    the ``autosave_seconds`` setting; 0 turns recovery copies off. An invalid
    value is ignored.
    """
    for value in (os.environ.get(AUTOSAVE_VARIABLE),
                  None if settings is None else settings.value(AUTOSAVE_KEY)):
        seconds = None if value in (None, "") else _seconds(value)
        if seconds is not None:
            return seconds
    return DEFAULT_AUTOSAVE_SECONDS


class Autosaver(QObject):
    """Keeps one window's recovery copy while its scenario has unsaved changes.

    Parameters
    ----------
    session : Session
        The window's working set.
    parent : QObject, optional
        Owner (the window).
    seconds : float
        Time between copies [s]; 0 writes none on the timer (:meth:`flush` still writes).
    folder : str or Path, optional
        Where the copies go (default :func:`evexplorer.recovery.recovery_dir`).
    report : callable, optional
        Called with one sentence when a copy cannot be written (once until one
        can be written again).
    """

    #: A copy was written (the :class:`~evexplorer.recovery.RecoveryCopy`).
    written = Signal(object)

    def __init__(self, session: Session, parent: QObject | None = None, *,
                 seconds: float = DEFAULT_AUTOSAVE_SECONDS, folder: str | Path | None = None,
                 report: Callable[[str], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("autosave")
        self._session = session
        self._folder = folder
        self._report = report
        self.key = recovery.new_key()
        #: The last copy written, or None if there is none now.
        self.copy: recovery.RecoveryCopy | None = None
        #: True while the scenario has unsaved changes that no copy holds yet.
        self.dirty = False
        self._failing = False
        self._timer = QTimer(self)
        self._timer.setObjectName("autosave_timer")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self.seconds = seconds
        session.subscribe(self._on_session)
        if session.modified:  # e.g. work restored before the window took it over
            self._on_session(Change(frozenset({"modified"})))

    @property
    def seconds(self) -> float:
        """Time between copies [s]; 0: none on the timer."""
        return self._seconds

    @seconds.setter
    def seconds(self, seconds: float) -> None:
        self._seconds = float(seconds)
        self._timer.setInterval(max(1, round(1000 * self._seconds)))
        if self._seconds <= 0:
            self._timer.stop()
        elif self.dirty and not self._timer.isActive():
            self._timer.start()

    @property
    def pending(self) -> bool:
        """True while a copy is due (the timer runs)."""
        return self._timer.isActive()

    def _on_session(self, change: Change) -> None:
        if not self._session.modified:
            if self.copy is not None or self.dirty:
                self.discard()
            return
        if change.names & _CONTENT:
            self.dirty = True
            if self._seconds > 0 and not self._timer.isActive():
                self._timer.start()

    def flush(self) -> bool:
        """Write a copy now if there are unsaved changes that no copy holds; True if none
        is missing afterwards."""
        if not (self.dirty and self._session.modified):
            return True
        return self.write_now()

    def write_now(self) -> bool:
        """Write the recovery copy of the scenario as it is now; True if it was written."""
        self._timer.stop()
        try:
            copy = recovery.write_copy(self._session, self.key, self._folder)
        except ScenarioFileError as exc:
            self._failed(f"The recovery copy of your unsaved work could not be written: {exc}")
            return False
        except Exception as exc:  # a timer slot must never take the window down
            self._failed(f"The recovery copy of your unsaved work could not be written "
                         f"({type(exc).__name__}: {exc}).")
            return False
        self.copy = copy
        self.dirty = False
        self._failing = False
        self.written.emit(copy)
        return True

    def _failed(self, text: str) -> None:
        if self._seconds > 0:  # try again later; changes made meanwhile go in too
            self._timer.start()
        if not self._failing and self._report is not None:
            self._report(text)
        self._failing = True

    def discard(self) -> None:
        """Remove the recovery copy (the work was saved or discarded)."""
        self._timer.stop()
        self.dirty = False
        if self.copy is not None:
            try:
                recovery.remove_copy(self.copy)
            except OSError:
                pass  # a copy that cannot be removed is offered once more at the next start
            self.copy = None

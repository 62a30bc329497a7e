"""The application's windows: where handed-over files open, restoring unsaved work, and ending
the application from outside (signals, the desktop session) without losing anything.

Where a file opens (a later start's double-click, macOS's FileOpen event):

1. a window that already shows that file is brought to the front;
2. otherwise a window with nothing to lose (untitled, no unsaved changes, no
   dialog open) shows it;
3. otherwise a new window opens for it, so that no window's work is replaced
   and no question interrupts what the user was doing.

Ending: SIGTERM, SIGHUP, SIGINT and the desktop session's end first write a
recovery copy of every window with unsaved changes, then close the windows
as File ▸ Quit does (each asks about its unsaved changes; Cancel keeps the
application running). A second request while a question is open quits at once,
the copies kept. When the application quits by any other path, the copies of
work that is still unsaved are written as it goes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout

from .. import recovery
from ..scenario import ScenarioFileError
from .main_window import MainWindow, default_settings
from .recovery_banner import RecoveryBanner, describe
from .single_instance import SingleInstance
from .termination import SignalWakeup

#: How far each new window is moved from the one before [px].
CASCADE = 32


class WindowManager(QObject):
    """Creates the windows and routes files, restores and requests to quit to them.

    Parameters
    ----------
    settings : callable, optional
        Returns the settings store for a new window (default: the user's).
    instance : SingleInstance, optional
        The running instance's socket; files later starts hand over open here.
    parent : QObject, optional
    """

    def __init__(self, settings: Callable[[], QSettings] = default_settings,
                 instance: SingleInstance | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.windows: list[MainWindow] = []
        self.instance = instance
        if instance is not None:
            instance.files_received.connect(self.open_paths)
        self.wakeup: SignalWakeup | None = None
        #: The offer to restore unsaved work of an earlier run, while it is shown.
        self.recovery_banner: RecoveryBanner | None = None
        self._ending = False

    # -- windows -----------------------------------------------------------------------------
    def new_window(self) -> MainWindow:
        """A new window on the baseline (not shown), placed below and right of the last one."""
        window = MainWindow(self._settings())
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        shown = [w for w in self._live() if w.isVisible()]
        if shown:
            window.move(shown[-1].pos().x() + CASCADE, shown[-1].pos().y() + CASCADE)
        self.windows.append(window)
        window.destroyed.connect(lambda *_args, w=window: self._forget(w))
        return window

    def _forget(self, window: MainWindow) -> None:
        with contextlib.suppress(ValueError):
            self.windows.remove(window)

    def _live(self) -> list[MainWindow]:
        return [w for w in self.windows if shiboken6.isValid(w)]

    def window_for(self, path: str) -> MainWindow | None:
        """The window that shows ``path``, if any."""
        wanted = _resolved(path)
        for window in self._live():
            if window.session.path and _resolved(window.session.path) == wanted:
                return window
        return None

    def spare_window(self) -> MainWindow | None:
        """A shown window with nothing to lose: untitled, no unsaved changes, no dialog open."""
        if QApplication.activeModalWidget() is not None:
            return None
        for window in reversed(self._live()):
            session = window.session
            if window.isVisible() and session.path is None and not session.modified:
                return window
        return None

    @staticmethod
    def bring_to_front(window: MainWindow) -> None:
        """Show, raise and activate ``window``."""
        if window.isMinimized():
            window.showNormal()
        window.show()
        window.raise_()
        window.activateWindow()

    def open_paths(self, paths: Sequence[str]) -> None:
        """Open files handed over by a later start or the system (see the module's rules);
        no paths: bring the last window to the front."""
        if not paths:
            live = self._live()
            if live:
                self.bring_to_front(live[-1])
            return
        for path in paths:
            self.open_path(str(path))

    def open_path(self, path: str) -> MainWindow | None:
        """Open one file where the module's rules say; returns its window (None if refused)."""
        window = self.window_for(path)
        if window is not None:
            self.bring_to_front(window)
            return window
        window = self.spare_window()
        created = window is None
        if window is None:
            window = self.new_window()
            window.show()
        if window.open_file(path, ask=False):
            self.bring_to_front(window)
            return window
        if created:
            window.close()  # it showed why; nothing else was in it
        return None

    # -- unsaved work from an earlier run ----------------------------------------------------
    def offer_recovery(self, window: MainWindow | None = None) -> RecoveryBanner | None:
        """Offer the recovery copies that an earlier run left behind, in a banner on
        ``window`` (default: the first); None if there are none."""
        copies = recovery.orphaned_copies()
        live = self._live()
        window = window or (live[0] if live else None)
        if not copies or window is None:
            return None
        banner = RecoveryBanner(copies, self.restore, self.discard, window)
        layout = window.centralWidget().layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(0, banner)
        banner.show()
        self.recovery_banner = banner
        return banner

    def restore(self, copies: Sequence[recovery.RecoveryCopy]) -> list[MainWindow]:
        """Open each copy as unsaved work of its original file, each in a window of its own
        (a window with nothing to lose is used first). Each restored window keeps a recovery
        copy of its own from then on; the old copy goes once the new one is written."""
        restored = []
        for copy in copies:
            window = self.spare_window()
            created = window is None
            if window is None:
                window = self.new_window()
                window.show()
            try:
                window.session.open_recovered(copy.path, original=copy.original,
                                              fingerprint=copy.fingerprint)
            except Exception as exc:  # the copy stays for another try
                text = str(exc) if isinstance(exc, ScenarioFileError) else (
                    f"The recovery copy {copy.path} could not be opened ({type(exc).__name__}: "
                    f"{exc}); it is kept.")
                window.show_error("Cannot restore unsaved work", text)
                if created:
                    window.close()
                continue
            if window.autosave.write_now():
                recovery.remove_copy(copy)
            window.show_message(f"Restored {describe(copy)}: not yet saved.", 15000)
            self.bring_to_front(window)
            restored.append(window)
        return restored

    @staticmethod
    def discard(copies: Sequence[recovery.RecoveryCopy]) -> None:
        """Delete recovery copies (the user confirmed)."""
        for copy in copies:
            with contextlib.suppress(OSError):
                recovery.remove_copy(copy)

    # -- ending from outside -----------------------------------------------------------------
    def watch_termination(self, app: QApplication | None = None) -> None:
        """Answer signals, the desktop session's end and quitting (see the module)."""
        app = app or QApplication.instance()
        self.wakeup = SignalWakeup(parent=self)
        self.wakeup.received.connect(lambda number: self.end_requested())
        app.commitDataRequest.connect(self.commit_data)
        app.aboutToQuit.connect(self.write_recovery_copies)

    def stop_watching(self) -> None:
        """Put the previous signal handlers back."""
        if self.wakeup is not None:
            self.wakeup.close()
            self.wakeup = None

    def write_recovery_copies(self) -> None:
        """Write a recovery copy of every window whose unsaved work no copy holds yet."""
        for window in self._live():
            window.autosave.flush()

    def end_requested(self) -> bool:
        """Close every window as File ▸ Quit does, after writing recovery copies.

        Returns True if every window closed. A second request while the first
        one's question is open quits at once (the copies stay).
        """
        self.write_recovery_copies()
        if self._ending:
            QApplication.exit(0)
            return False
        self._ending = True
        try:
            for window in list(reversed(self._live())):
                if not window.close():
                    return False
            return True
        finally:
            self._ending = False

    def commit_data(self, manager: Any) -> None:
        """The desktop session ends: write recovery copies, then ask about unsaved work if
        the session manager allows it (Cancel cancels the log-out).

        ``manager`` is the ``QSessionManager`` (anything with ``allowsInteraction()``,
        ``cancel()`` and ``release()``).
        """
        self.write_recovery_copies()
        if not any(w.session.modified for w in self._live()):
            return
        if not manager.allowsInteraction():
            return  # no questions allowed: the copies keep the work
        try:
            for window in self._live():
                if not window.maybe_save():
                    manager.cancel()
                    return
                if window.session.modified:  # the user chose Discard
                    window.autosave.discard()
        finally:
            manager.release()


def _resolved(path: str) -> str:
    try:
        return str(Path(path).resolve())
    except OSError:
        return str(Path(path).absolute())

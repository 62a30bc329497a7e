"""Helpers of the reliability GUI tests: windows with their own settings, answering modal
dialogs like a user, work left behind by a process that is gone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication

from evexplorer import recovery
from evexplorer.session import Session


def settings_in(tmp_path: Path, name: str = "settings.ini") -> QSettings:
    return QSettings(str(tmp_path / name), QSettings.Format.IniFormat)


def new_window(qtbot, tmp_path: Path, name: str = "settings.ini"):
    """A shown main window with its own settings (created after any environment change)."""
    from evexplorer.app import create_main_window

    window = create_main_window(settings_in(tmp_path, name))
    window.errors = []  # what would be warning dialogs: (title, text)
    window.error_sink = lambda title, text: window.errors.append((title, text))
    # Closed at the end of the test with nothing to ask about.
    qtbot.addWidget(window, before_close_func=lambda w: w.session.new())
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitActive(window):  # shortcuts go to the active window
        window.activateWindow()
    return window


def answer_next_dialog(button: str | None = None, key: Qt.Key | None = None,
                       seen: list | None = None) -> None:
    """When the next modal dialog is up, click its button named ``button`` (object name) with
    the mouse, or press ``key`` in it, as a user would. ``seen`` collects the dialog's text."""
    tries = [0]

    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        target = None
        if dialog is not None:
            target = dialog if button is None else dialog.findChild(QAbstractButton, button)
        if target is None:
            tries[0] += 1
            if tries[0] < 500:
                QTimer.singleShot(10, attempt)
            return
        if seen is not None:
            seen.append((dialog.objectName(), dialog.property("text"),
                         dialog.property("informativeText")))
        if key is not None:
            QTest.keyClick(dialog, key)
        else:
            QTest.mouseClick(target, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, attempt)


def finished_pid() -> int:
    """The number of a process that has finished."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def left_behind(session: Session) -> recovery.RecoveryCopy:
    """A recovery copy of ``session`` as a process that is gone would have left it."""
    copy = recovery.write_copy(session, recovery.new_key())
    entry = json.loads(Path(copy.index_path).read_text(encoding="utf-8"))
    entry["pid"] = finished_pid()
    Path(copy.index_path).write_text(json.dumps(entry), encoding="utf-8")
    (listed,) = [c for c in recovery.list_copies() if c.path == copy.path]
    return listed

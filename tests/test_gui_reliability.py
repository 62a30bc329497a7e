"""Nothing lost in the window: failed saves, files changed on disk, recovery copies, restoring
them, the recovery folder, and ending the application from outside (in-process, offscreen)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from gui_helpers import settle, spin, type_value
from gui_reliability_helpers import answer_next_dialog, left_behind, new_window, settings_in
from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from evexplorer import recovery, scenario
from evexplorer.app import autosave as autosave_module
from evexplorer.app.recovery_banner import RecoveryBanner, local_time, offer_text
from evexplorer.app.windows import WindowManager
from evexplorer.model import evaluate
from evexplorer.scenario import ScenarioFileError
from evexplorer.session import Session

pytestmark = pytest.mark.gui


def answer_questions(monkeypatch, answer):
    asked = []

    def question(*args, **kwargs):
        asked.append(args[2] if len(args) > 2 else "")
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def save_dialog_gives(monkeypatch, path: Path) -> list:
    asked = []

    def dialog(*args, **kwargs):
        asked.append(args)
        return str(path), "EV Explorer scenario (*.evx)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    return asked


def activate(window) -> None:
    """Make ``window`` the active one, as the user's click on it does (offscreen, a closed
    dialog does not hand activation back)."""
    if not window.isActiveWindow():
        window.activateWindow()
        for _ in range(500):
            if window.isActiveWindow():
                break
            QTest.qWait(10)
        assert window.isActiveWindow()


def press(window, key: QKeySequence.StandardKey | str) -> None:
    activate(window)
    QTest.keySequence(window, QKeySequence(key))
    settle()


def quit_by_keyboard(window) -> None:
    """File ▸ Quit by its shortcut (Ctrl+Q where the system names no other)."""
    shortcut = window.findChild(QAction, "action_quit").shortcut()
    assert not shortcut.isEmpty()
    activate(window)
    QTest.keySequence(window, shortcut)
    settle()


def another_program_writes(path: Path, **levers) -> bytes:
    results = evaluate(levers)
    scenario.save_scenario(path, results.parameters, results, title="Theirs")
    return path.read_bytes()


# -- every failure of a save is a message, never lost work ---------------------------------------

def notes_of(size: int) -> str:
    """Notes of exactly ``size`` bytes of UTF-8, with two-byte characters among them."""
    text = "Sources: é" * (size // 11)
    text += "a" * (size - len(text.encode("utf-8")))
    assert len(text.encode("utf-8")) == size
    return text


@pytest.mark.parametrize("size", [65_503, 65_535])
def test_quit_with_notes_at_the_limit_saves_them_and_closes(qtbot, tmp_path, monkeypatch, size):
    window = new_window(qtbot, tmp_path)
    notes = notes_of(size)
    window.meta.notes.setFocus()
    window.meta.notes.insertPlainText(notes)  # as a paste does
    assert window.session.get("notes") == notes and window.isWindowModified()
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Save)
    target = tmp_path / "long-notes.evx"
    save_dialog_gives(monkeypatch, target)
    quit_by_keyboard(window)
    assert asked and window.errors == []
    assert not window.isVisible()
    assert scenario.open_scenario(target).notes == notes


@pytest.mark.parametrize("failure", [
    OSError(errno.ENOSPC, "No space left on device"),
    RuntimeError("the writer broke"),
    ScenarioFileError("Cannot save 'long-notes.evx': the disk is full; nothing was saved.",
                      "disk-full"),
])
def test_quit_whose_save_fails_stays_open_and_says_why(qtbot, tmp_path, monkeypatch, failure):
    window = new_window(qtbot, tmp_path)
    window.meta.notes.setFocus()
    window.meta.notes.insertPlainText(notes_of(65_535))

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(scenario, "save_scenario", fail)
    answer_questions(monkeypatch, QMessageBox.StandardButton.Save)
    target = tmp_path / "long-notes.evx"
    save_dialog_gives(monkeypatch, target)
    quit_by_keyboard(window)
    assert window.isVisible()  # the work is still on screen
    assert window.isWindowModified() and window.session.get("notes") == notes_of(65_535)
    assert len(window.errors) == 1
    title, text = window.errors[0]
    assert title == "Cannot save scenario"
    assert "\n" not in text and "Traceback" not in text and text.endswith(".")
    assert "long-notes.evx" in text
    assert not target.exists()
    assert window.statusBar().currentMessage() == ""


def test_status_bar_never_says_saved_after_a_failed_save(qtbot, tmp_path, monkeypatch):
    window = new_window(qtbot, tmp_path)
    type_value(qtbot, spin(window, "recycling_rate"), "65")
    save_dialog_gives(monkeypatch, tmp_path / "plan.evx")
    window.findChild(QAction, "action_save").trigger()
    assert window.statusBar().currentMessage().startswith("Saved ")
    type_value(qtbot, spin(window, "recycling_rate"), "66")

    def fail(*args, **kwargs):
        raise ScenarioFileError("Cannot save 'plan.evx': the disk is full; the previous file "
                                "is unchanged.", "disk-full")

    monkeypatch.setattr(scenario, "save_scenario", fail)
    press(window, QKeySequence.StandardKey.Save)
    assert window.errors == [("Cannot save scenario", "Cannot save 'plan.evx': the disk is "
                              "full; the previous file is unchanged.")]
    assert window.statusBar().currentMessage() == ""
    assert window.isWindowModified()


# -- changed on disk: overwrite, save as, cancel -------------------------------------------------

def saved_then_changed_elsewhere(qtbot, tmp_path, monkeypatch):
    window = new_window(qtbot, tmp_path)
    path = tmp_path / "plan.evx"
    save_dialog_gives(monkeypatch, path)
    type_value(qtbot, spin(window, "recycling_rate"), "70")
    window.findChild(QAction, "action_save").trigger()
    assert not window.isWindowModified()
    type_value(qtbot, spin(window, "recycling_rate"), "75")
    theirs = another_program_writes(path, mode_shift=9.0)
    return window, path, theirs


def test_changed_on_disk_overwrite(qtbot, tmp_path, monkeypatch):
    window, path, _theirs = saved_then_changed_elsewhere(qtbot, tmp_path, monkeypatch)
    seen = []
    answer_next_dialog("changed_on_disk_overwrite", seen=seen)
    press(window, QKeySequence.StandardKey.Save)
    (name, text, question), = seen
    assert name == "changed_on_disk"
    assert "plan.evx" in text and "changed by another program" in text
    assert "Overwrite" in question and "another name" in question
    doc = scenario.open_scenario(path)
    assert doc.parameters["recycling_rate"] == 75.0 and doc.parameters["mode_shift"] == 0.0
    assert not window.isWindowModified() and window.errors == []
    assert window.statusBar().currentMessage().startswith("Saved ")
    type_value(qtbot, spin(window, "recycling_rate"), "76")
    press(window, QKeySequence.StandardKey.Save)  # no question: the file is ours again
    assert scenario.open_scenario(path).parameters["recycling_rate"] == 76.0


def test_changed_on_disk_save_as(qtbot, tmp_path, monkeypatch):
    window, path, theirs = saved_then_changed_elsewhere(qtbot, tmp_path, monkeypatch)
    other = tmp_path / "mine.evx"
    asked = save_dialog_gives(monkeypatch, other)
    answer_next_dialog("changed_on_disk_save_as")
    press(window, QKeySequence.StandardKey.Save)
    assert len(asked) == 1
    assert path.read_bytes() == theirs  # their version is kept
    assert scenario.open_scenario(other).parameters["recycling_rate"] == 75.0
    assert window.session.path == str(other) and not window.isWindowModified()


def test_changed_on_disk_cancel_with_escape(qtbot, tmp_path, monkeypatch):
    window, path, theirs = saved_then_changed_elsewhere(qtbot, tmp_path, monkeypatch)
    answer_next_dialog(key=Qt.Key.Key_Escape)
    press(window, QKeySequence.StandardKey.Save)
    assert path.read_bytes() == theirs
    assert window.isWindowModified() and window.session.get("recycling_rate") == 75.0
    assert window.statusBar().currentMessage() == "plan.evx was not saved."
    assert window.errors == []


def test_two_windows_on_one_file_do_not_overwrite_each_other_silently(qtbot, tmp_path,
                                                                       monkeypatch):
    path = tmp_path / "shared.evx"
    another_program_writes(path)
    first = new_window(qtbot, tmp_path, "first.ini")
    second = new_window(qtbot, tmp_path, "second.ini")
    assert first.open_file(str(path), ask=False) and second.open_file(str(path), ask=False)
    type_value(qtbot, spin(first, "lithium_price"), "20000")
    press(first, QKeySequence.StandardKey.Save)
    type_value(qtbot, spin(second, "nickel_price"), "30000")
    seen = []
    answer_next_dialog("changed_on_disk_cancel", seen=seen)
    press(second, QKeySequence.StandardKey.Save)
    assert seen and seen[0][0] == "changed_on_disk"
    assert scenario.open_scenario(path).parameters["lithium_price"] == 20_000.0
    assert second.isWindowModified()


def test_a_file_deleted_since_it_was_opened_can_be_written_again(qtbot, tmp_path, monkeypatch):
    window, path, _theirs = saved_then_changed_elsewhere(qtbot, tmp_path, monkeypatch)
    path.unlink()
    seen = []
    answer_next_dialog("changed_on_disk_overwrite", seen=seen)
    press(window, QKeySequence.StandardKey.Save)
    assert "deleted or moved" in seen[0][1]
    assert scenario.open_scenario(path).parameters["recycling_rate"] == 75.0


# -- recovery copies -----------------------------------------------------------------------------

@pytest.fixture
def autosaving(monkeypatch):
    """Recovery copies every 50 ms."""
    monkeypatch.setenv("EVEXPLORER_AUTOSAVE_SECONDS", "0.05")


def test_unsaved_changes_get_a_recovery_copy_that_saving_removes(qtbot, tmp_path, monkeypatch,
                                                                 autosaving):
    window = new_window(qtbot, tmp_path)
    assert not window.autosave.pending  # nothing unsaved: no copy due
    type_value(qtbot, spin(window, "lithium_price"), "31000")
    window.meta.title.setFocus()
    QTest.keyClicks(window.meta.title, "Work in progress")
    qtbot.waitUntil(lambda: window.autosave.copy is not None and not window.autosave.dirty)
    (copy,) = recovery.list_copies()
    assert copy.original is None and copy.title == "Work in progress"
    assert Path(copy.path).parent == recovery.recovery_dir()
    doc = scenario.open_scenario(copy.path)  # a normal scenario file
    assert doc.parameters["lithium_price"] == 31_000.0 and doc.title == "Work in progress"
    save_dialog_gives(monkeypatch, tmp_path / "wip.evx")
    press(window, QKeySequence.StandardKey.Save)
    assert recovery.list_copies() == []
    type_value(qtbot, spin(window, "lithium_price"), "32000")
    qtbot.waitUntil(lambda: len(recovery.list_copies()) == 1)
    assert recovery.list_copies()[0].original == str(tmp_path / "wip.evx")


def test_discarding_the_work_removes_its_copy(qtbot, tmp_path, monkeypatch, autosaving):
    window = new_window(qtbot, tmp_path)
    type_value(qtbot, spin(window, "demand_growth"), "30")
    qtbot.waitUntil(lambda: len(recovery.list_copies()) == 1)
    answer_questions(monkeypatch, QMessageBox.StandardButton.Discard)
    press(window, QKeySequence.StandardKey.New)
    assert recovery.list_copies() == []
    type_value(qtbot, spin(window, "demand_growth"), "31")
    qtbot.waitUntil(lambda: len(recovery.list_copies()) == 1)
    quit_by_keyboard(window)  # Discard again: a clean exit
    assert not window.isVisible()
    assert recovery.list_copies() == []


def test_a_cancelled_close_keeps_the_copy(qtbot, tmp_path, monkeypatch, autosaving):
    window = new_window(qtbot, tmp_path)
    type_value(qtbot, spin(window, "demand_growth"), "30")
    qtbot.waitUntil(lambda: len(recovery.list_copies()) == 1)
    answer_questions(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert len(recovery.list_copies()) == 1
    window.session.new()


def test_the_copy_follows_later_changes(qtbot, tmp_path, autosaving):
    window = new_window(qtbot, tmp_path)
    type_value(qtbot, spin(window, "demand_growth"), "30")
    qtbot.waitUntil(lambda: window.autosave.copy is not None and not window.autosave.dirty)
    first = window.autosave.copy
    type_value(qtbot, spin(window, "demand_growth"), "33")
    qtbot.waitUntil(lambda: scenario.open_scenario(first.path, isolated=False)
                    .parameters["demand_growth"] == 33.0)
    assert window.autosave.copy.path == first.path  # one copy per window, replaced
    assert len(recovery.list_copies()) == 1
    window.session.new()


def test_a_copy_that_cannot_be_written_is_said_in_the_status_bar(qtbot, tmp_path, monkeypatch,
                                                                 autosaving):
    window = new_window(qtbot, tmp_path)
    real = recovery.write_copy
    failures = []

    def full(*args, **kwargs):
        failures.append(args)
        raise ScenarioFileError("Cannot write 'unsaved.evx': the disk is full; nothing was "
                                "written.", "disk-full")

    monkeypatch.setattr(recovery, "write_copy", full)
    type_value(qtbot, spin(window, "demand_growth"), "30")
    qtbot.waitUntil(lambda: len(failures) >= 2)  # tried again later
    message = window.statusBar().currentMessage()
    assert message.startswith("The recovery copy of your unsaved work could not be written")
    assert "disk is full" in message and window.errors == []
    monkeypatch.setattr(recovery, "write_copy", real)
    qtbot.waitUntil(lambda: len(recovery.list_copies()) == 1)
    window.session.new()


def test_autosave_period_from_settings_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("EVEXPLORER_AUTOSAVE_SECONDS", raising=False)
    settings = settings_in(tmp_path)
    assert autosave_module.autosave_seconds(settings) == 60.0
    settings.setValue("autosave_seconds", 120)
    assert autosave_module.autosave_seconds(settings) == 120.0
    settings.setValue("autosave_seconds", "often")  # invalid: the default
    assert autosave_module.autosave_seconds(settings) == 60.0
    monkeypatch.setenv("EVEXPLORER_AUTOSAVE_SECONDS", "0.5")
    assert autosave_module.autosave_seconds(settings) == 0.5
    monkeypatch.setenv("EVEXPLORER_AUTOSAVE_SECONDS", "-3")
    assert autosave_module.autosave_seconds(settings) == 60.0


def test_zero_seconds_writes_no_copies(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("EVEXPLORER_AUTOSAVE_SECONDS", "0")
    window = new_window(qtbot, tmp_path)
    type_value(qtbot, spin(window, "demand_growth"), "30")
    assert window.autosave.dirty and not window.autosave.pending
    assert recovery.list_copies() == []
    window.session.new()


# -- the folder: Qt's AppDataLocation ------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix" or os.uname().sysname == "Darwin",
                    reason="the variables below steer the folder on Linux and other Unix")
@pytest.mark.parametrize("environ", [
    {"XDG_DATA_HOME": "/tmp/evx-data-home"},
    {"XDG_DATA_HOME": "relative/data", "HOME": "/tmp/evx-home"},
    {"XDG_DATA_HOME": None, "HOME": "/tmp/evx-home/"},
    {"XDG_DATA_HOME": None, "HOME": None},
])
def test_the_folder_is_qts_app_data_location(qapp, monkeypatch, environ):
    for name, value in environ.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    names = (QCoreApplication.organizationName(), QCoreApplication.applicationName())
    test_mode = QStandardPaths.isTestModeEnabled()
    QStandardPaths.setTestModeEnabled(False)
    QCoreApplication.setOrganizationName(recovery.ORGANIZATION)
    QCoreApplication.setApplicationName(recovery.APPLICATION)
    try:
        qt = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    finally:
        QCoreApplication.setOrganizationName(names[0])
        QCoreApplication.setApplicationName(names[1])
        QStandardPaths.setTestModeEnabled(test_mode)
    assert Path(qt) == recovery.app_data_dir()
    monkeypatch.delenv(recovery.DATA_DIR_VARIABLE)
    assert recovery.recovery_dir() == Path(qt) / "recovery"


def test_the_applications_own_folder_is_the_one_the_command_line_uses(monkeypatch):
    """In a process of its own, the application (its names set as at start-up) and the
    Qt-free function name the same folder."""
    monkeypatch.delenv(recovery.DATA_DIR_VARIABLE)
    code = ("from PySide6.QtCore import QStandardPaths as P\n"
            "from evexplorer.app import _application\n"
            "from evexplorer import recovery\n"
            "_application()\n"
            "print(P.writableLocation(P.StandardLocation.AppDataLocation))\n"
            "print(recovery.recovery_dir())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    qt, ours = out.stdout.splitlines()[-2:]
    assert Path(ours) == Path(qt) / "recovery"
    assert Path(qt).parts[-2:] == ("EV Explorer", "EV Explorer")


# -- restoring work an earlier run left behind ---------------------------------------------------

@pytest.fixture
def manager(qtbot, tmp_path):
    made = WindowManager(settings=lambda: settings_in(tmp_path))
    yield made
    for window in made._live():
        window.session.new()
        window.close()


def unsaved_work(tmp_path: Path, title="Squeeze", lithium=31_000.0, saved=True) -> tuple:
    s = Session()
    s.set("title", title)
    original = tmp_path / f"{title}.evx"
    if saved:
        s.save(original)
    s.set("lithium_price", lithium)
    return left_behind(s), original


def shown(manager, qtbot):
    window = manager.new_window()
    window.errors = []  # what would be warning dialogs: (title, text)
    window.error_sink = lambda title, text: window.errors.append((title, text))
    window.show()
    qtbot.waitExposed(window)
    activate(window)
    return window


def test_restore_shows_the_work_as_unsaved_changes_of_its_file(qtbot, tmp_path, manager,
                                                               monkeypatch):
    copy, original = unsaved_work(tmp_path)
    window = shown(manager, qtbot)
    banner = manager.offer_recovery(window)
    assert banner is not None and banner.isVisible()
    assert "“Squeeze” (Squeeze.evx," in banner.text.text() and "Restore it?" in banner.text.text()
    assert banner.y() < window.charts.mapTo(window, window.charts.rect().topLeft()).y()
    qtbot.mouseClick(banner.restore_button, Qt.MouseButton.LeftButton)
    settle()
    assert not banner.isVisible()
    assert window.session.get("lithium_price") == 31_000.0
    assert spin(window, "lithium_price").value() == 31_000.0
    assert window.session.path == str(original) and window.isWindowModified()
    assert window.windowTitle().startswith("Squeeze.evx")
    assert "Restored “Squeeze”" in window.statusBar().currentMessage()
    (now,) = recovery.list_copies()  # the window's own copy replaces the old one
    assert now.path != copy.path and now.pid == os.getpid() and now.original == str(original)
    press(window, QKeySequence.StandardKey.Save)  # to the original, checked, no question
    assert scenario.open_scenario(original).parameters["lithium_price"] == 31_000.0
    assert recovery.list_copies() == [] and not window.isWindowModified()


def test_restoring_several_pieces_of_work_opens_a_window_for_each(qtbot, tmp_path, manager):
    unsaved_work(tmp_path, "First", 20_000.0)
    unsaved_work(tmp_path, "Second", 40_000.0, saved=False)
    window = shown(manager, qtbot)
    banner = manager.offer_recovery(window)
    assert "2 pieces of work" in banner.text.text() and "an untitled scenario" not in \
        banner.text.text()
    QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # &Restore
    qtbot.waitUntil(lambda: len(manager._live()) == 2)  # a mnemonic clicks a moment later
    windows = manager._live()
    assert sorted(w.session.get("title") for w in windows) == ["First", "Second"]
    assert all(w.session.modified for w in windows)
    assert len(recovery.list_copies()) == 2 and not recovery.orphaned_copies()


def test_discard_deletes_the_copies_after_asking(qtbot, tmp_path, manager, monkeypatch):
    unsaved_work(tmp_path)
    window = shown(manager, qtbot)
    banner = manager.offer_recovery(window)
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(banner.discard_button, Qt.MouseButton.LeftButton)
    assert asked and "cannot be brought back" in asked[0]
    assert banner.isVisible() and len(recovery.list_copies()) == 1
    answer_questions(monkeypatch, QMessageBox.StandardButton.Discard)
    qtbot.mouseClick(banner.discard_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible() and recovery.list_copies() == []
    assert not window.session.modified


def test_later_keeps_the_copies_for_the_next_start(qtbot, tmp_path, manager):
    copy, _original = unsaved_work(tmp_path)
    window = shown(manager, qtbot)
    banner = manager.offer_recovery(window)
    qtbot.mouseClick(banner.later_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible()
    assert [c.path for c in recovery.orphaned_copies()] == [copy.path]


def test_no_banner_without_work_left_behind(qtbot, tmp_path, manager):
    s = Session()
    s.set("mode_shift", 3.0)
    recovery.write_copy(s, recovery.new_key())  # this running process's own: not offered
    window = shown(manager, qtbot)
    assert manager.offer_recovery(window) is None
    assert window.findChild(RecoveryBanner) is None


def test_a_copy_that_cannot_be_read_is_kept_and_said(qtbot, tmp_path, manager):
    copy, _original = unsaved_work(tmp_path)
    Path(copy.path).write_bytes(b"damaged")
    window = shown(manager, qtbot)
    manager.offer_recovery(window).restore_button.click()
    assert window.errors and window.errors[0][0] == "Cannot restore unsaved work"
    assert Path(copy.path).exists() and not window.session.modified


def test_banner_texts():
    copy = recovery.RecoveryCopy("k", "/r/k.evx", "/home/ana/plan.evx", "2025-01-02T03:04:00Z",
                                 "Plan")
    assert offer_text([copy]) == (f"EV Explorer closed before this work was saved: “Plan” "
                                  f"(plan.evx, {local_time(copy.saved_at)}). Restore it?")
    many = offer_text([copy] * 5)
    assert many.startswith("EV Explorer closed before 5 pieces of work were saved:")
    assert "and 3 more" in many
    long = recovery.RecoveryCopy("k", "/r/k.evx", None, "2025-01-02T03:04:00Z", "x" * 60)
    assert f"“{'x' * 39}…” (never saved," in offer_text([long])
    assert local_time("garbage") == "garbage"


# -- ending from outside: signals and the desktop session ----------------------------------------

def test_a_termination_signal_reaches_the_event_loop(qtbot, qapp):
    from evexplorer.app.termination import SignalWakeup, _ignore

    before = signal.getsignal(signal.SIGTERM)
    wakeup = SignalWakeup((signal.SIGTERM,))
    try:
        assert signal.getsignal(signal.SIGTERM) is _ignore
        with qtbot.waitSignal(wakeup.received, timeout=5000) as caught:
            os.kill(os.getpid(), signal.SIGTERM)
        assert caught.args == [signal.SIGTERM]
    finally:
        wakeup.close()
    assert signal.getsignal(signal.SIGTERM) == before


def test_ending_writes_copies_then_asks_like_quit(qtbot, tmp_path, manager, monkeypatch):
    window = shown(manager, qtbot)
    type_value(qtbot, spin(window, "demand_growth"), "30")
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert recovery.list_copies() == []  # the timer's copy is a minute away
    assert not manager.end_requested()
    assert asked and window.isVisible()
    (copy,) = recovery.list_copies()
    assert scenario.open_scenario(copy.path).parameters["demand_growth"] == 30.0
    answer_questions(monkeypatch, QMessageBox.StandardButton.Discard)
    assert manager.end_requested()
    assert recovery.list_copies() == []


class SessionManager:
    """Stands for QSessionManager in commitDataRequest."""

    def __init__(self, interaction: bool):
        self.interaction = interaction
        self.calls = []

    def allowsInteraction(self):
        self.calls.append("allowsInteraction")
        return self.interaction

    def cancel(self):
        self.calls.append("cancel")

    def release(self):
        self.calls.append("release")


@pytest.mark.parametrize(("interaction", "answer", "calls", "copies"), [
    (False, None, ["allowsInteraction"], 1),
    (True, QMessageBox.StandardButton.Cancel, ["allowsInteraction", "cancel", "release"], 1),
    (True, QMessageBox.StandardButton.Discard, ["allowsInteraction", "release"], 0),
])
def test_session_end_writes_copies_and_asks_when_allowed(qtbot, tmp_path, manager, monkeypatch,
                                                         interaction, answer, calls, copies):
    window = shown(manager, qtbot)
    type_value(qtbot, spin(window, "demand_growth"), "30")
    asked = answer_questions(monkeypatch, answer)
    session_manager = SessionManager(interaction)
    manager.commit_data(session_manager)
    assert session_manager.calls == calls
    assert bool(asked) == interaction
    assert len(recovery.list_copies()) == copies


def test_quitting_by_any_other_path_keeps_unsaved_work(qtbot, tmp_path, manager):
    window = shown(manager, qtbot)
    type_value(qtbot, spin(window, "demand_growth"), "30")
    manager.write_recovery_copies()  # what aboutToQuit runs
    (copy,) = recovery.list_copies()
    assert scenario.open_scenario(copy.path).parameters["demand_growth"] == 30.0
    manager.write_recovery_copies()  # nothing new: nothing rewritten
    assert recovery.list_copies() == [copy]

"""Nothing lost across processes: the application killed with SIGKILL and started again, asked
to end by SIGTERM/SIGHUP/SIGINT, and a second start handing its file to the running one."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from gui_helpers import settle, spin
from gui_reliability_helpers import settings_in
from PySide6.QtCore import QDir, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from evexplorer import recovery, scenario
from evexplorer.app.single_instance import SingleInstance, server_name
from evexplorer.app.windows import WindowManager
from evexplorer.session import Session

pytestmark = [pytest.mark.gui, pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX signals and Unix-domain sockets")]

ROOT = Path(__file__).resolve().parents[1]

#: The application as a user runs it, with a scripted hand: once the window is up it changes
#: the lithium price and the title, and answers the unsaved-changes question with
#: $DRIVER_ANSWER ("save", "discard", "cancel", or "hold": keep the question open).
DRIVER = '''
import os, sys
from pathlib import Path


def main():
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from evexplorer import app as appmod
    from evexplorer.app.main_window import MainWindow

    answer = os.environ["DRIVER_ANSWER"]
    buttons = {"save": QMessageBox.StandardButton.Save,
               "discard": QMessageBox.StandardButton.Discard,
               "cancel": QMessageBox.StandardButton.Cancel}

    def question(*args, **kwargs):
        print("asked", flush=True)
        QTimer.singleShot(0, lambda: print("idle", flush=True))
        if answer == "hold":
            QEventLoop().exec()  # until the application is told to exit
            return QMessageBox.StandardButton.Cancel
        return buttons[answer]

    QMessageBox.question = question
    appmod._application()

    def edit():
        window = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, MainWindow) and w.isVisible())
        window.session.set("lithium_price", 31000.0)
        window.session.set("title", "Work in progress")
        print("edited", flush=True)

    QTimer.singleShot(0, edit)
    status = appmod.run(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print("exited", status, flush=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
'''


class Running:
    """A child process whose output lines are read as they come."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, cwd=ROOT, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        """Wait until the child prints a line starting with ``text``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                self.process.kill()
                raise AssertionError(f"no '{text}' from the child; stderr: "
                                     f"{self.process.stderr.read()[-3000:]}") from None
            if line.startswith(text):
                return

    def finish(self, timeout: float = 60.0) -> int:
        """Wait for the child to end (killed after ``timeout`` [s]); its exit status."""
        try:
            return self.process.wait(timeout)
        finally:
            self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(10)
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture
def driver(tmp_path):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER, encoding="utf-8")
    started = []

    def start(answer: str, file: Path | None = None, seconds: str = "3600") -> Running:
        env = {**os.environ, "DRIVER_ANSWER": answer, "EVEXPLORER_AUTOSAVE_SECONDS": seconds}
        running = Running([sys.executable, str(script), *([str(file)] if file else [])], env)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close()


def a_saved_plan(tmp_path: Path) -> Path:
    s = Session()
    s.set("title", "Plan")
    path = tmp_path / "plan.evx"
    s.save(path)
    return path


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def copy_holds_the_edit() -> bool:
    copies = recovery.list_copies()
    if len(copies) != 1:
        return False
    try:
        doc = scenario.open_scenario(copies[0].path, isolated=False)
    except scenario.ScenarioFileError:
        return False
    return doc.parameters["lithium_price"] == 31_000.0 and doc.title == "Work in progress"


@pytest.fixture
def manager(qtbot, tmp_path):
    made = WindowManager(settings=lambda: settings_in(tmp_path, "next-start.ini"))
    yield made
    for window in made._live():
        window.session.new()
        window.close()
    if made.instance is not None:
        made.instance.close()


def shown_window(manager, qtbot):
    window = manager.new_window()
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitActive(window):
        window.activateWindow()
    return window


# -- SIGKILL, then the next start ----------------------------------------------------------------

def test_killed_with_unsaved_work_the_next_start_offers_it_back(qtbot, tmp_path, driver,
                                                                 manager, monkeypatch):
    original = a_saved_plan(tmp_path)
    app = driver("cancel", original, seconds="0.2")
    app.wait_for("edited")
    wait_until(copy_holds_the_edit)
    app.process.send_signal(signal.SIGKILL)
    assert app.finish() == -signal.SIGKILL
    assert scenario.open_scenario(original).title == "Plan"  # the file was never touched

    # The next start: it takes over the dead instance's socket, then offers the work.
    instance = SingleInstance()
    assert instance.start([]) is False and instance.listening
    manager.instance = instance
    window = shown_window(manager, qtbot)
    banner = manager.offer_recovery(window)
    assert banner is not None and banner.isVisible()
    assert "“Work in progress” (plan.evx," in banner.text.text()
    qtbot.mouseClick(banner.restore_button, Qt.MouseButton.LeftButton)
    settle()
    assert window.session.get("lithium_price") == 31_000.0
    assert spin(window, "lithium_price").value() == 31_000.0
    assert window.meta.title.text() == "Work in progress"
    assert window.session.path == str(original) and window.isWindowModified()
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a))
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Save))
    settle()
    assert warnings == [] and not window.isWindowModified()
    doc = scenario.open_scenario(original)
    assert doc.parameters["lithium_price"] == 31_000.0 and doc.title == "Work in progress"
    assert recovery.list_copies() == []


# -- SIGTERM and its kin: ask, or keep the work --------------------------------------------------

def test_sigterm_writes_a_copy_then_asks_and_cancel_keeps_running(driver):
    app = driver("cancel")
    app.wait_for("edited")
    assert recovery.list_copies() == []  # the timer's copy is an hour away
    app.process.send_signal(signal.SIGTERM)
    app.wait_for("asked")
    assert copy_holds_the_edit()  # written before the question
    app.wait_for("idle")
    app.process.send_signal(signal.SIGTERM)  # still running, and asks again
    app.wait_for("asked")
    app.wait_for("idle")
    assert app.process.poll() is None
    app.process.send_signal(signal.SIGKILL)
    app.finish()
    (copy,) = recovery.orphaned_copies()
    assert copy.title == "Work in progress"


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_request_to_end_answered_discard_exits_cleanly_without_copies(driver, number):
    app = driver("discard")
    app.wait_for("edited")
    app.process.send_signal(number)
    app.wait_for("asked")
    app.wait_for("exited 0")
    assert app.finish() == 0
    assert recovery.list_copies() == []


def test_sigterm_answered_save_saves_to_the_file(tmp_path, driver):
    original = a_saved_plan(tmp_path)
    app = driver("save", original)
    app.wait_for("edited")
    app.process.send_signal(signal.SIGTERM)
    app.wait_for("exited 0")
    assert app.finish() == 0
    assert scenario.open_scenario(original).parameters["lithium_price"] == 31_000.0
    assert recovery.list_copies() == []


def test_a_second_sigterm_while_asking_quits_and_keeps_the_work(driver):
    app = driver("hold")
    app.wait_for("edited")
    app.process.send_signal(signal.SIGTERM)
    app.wait_for("asked")
    app.process.send_signal(signal.SIGTERM)
    app.wait_for("exited 0")
    assert app.finish() == 0
    assert copy_holds_the_edit()
    assert len(recovery.orphaned_copies()) == 1  # offered at the next start


# -- one instance: a second start hands its file over --------------------------------------------

@pytest.fixture
def running(qtbot, manager):
    """This process as the running EV Explorer, with one window."""
    instance = SingleInstance()
    assert instance.start([]) is False and instance.listening
    manager.instance = instance
    instance.files_received.connect(manager.open_paths)
    return manager, shown_window(manager, qtbot)


def second_start(qtbot, *argv: str) -> int:
    """``evexplorer ARGV`` in another process while this one runs its event loop."""
    child = subprocess.Popen([sys.executable, "-m", "evexplorer", *argv], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        qtbot.waitUntil(lambda: child.poll() is not None, timeout=60_000)
    finally:
        if child.poll() is None:
            child.kill()
        _out, err = child.communicate()
    assert "Traceback" not in err, err
    return child.returncode


def scenario_file(tmp_path: Path, name: str, **levers) -> Path:
    s = Session()
    s.update({"title": name, **levers})
    path = tmp_path / f"{name}.evx"
    s.save(path)
    return path


def test_a_second_start_opens_its_file_in_the_running_window(qtbot, tmp_path, running):
    manager, window = running
    path = scenario_file(tmp_path, "Received", lithium_price=25_000.0)
    assert second_start(qtbot, str(path)) == 0
    qtbot.waitUntil(lambda: window.session.path == str(path))
    assert window.session.get("lithium_price") == 25_000.0
    assert len(manager._live()) == 1  # the untouched window took it


def test_unsaved_work_is_never_replaced_a_new_window_opens(qtbot, tmp_path, running):
    manager, window = running
    window.session.set("mode_shift", 7.0)
    path = scenario_file(tmp_path, "Second", nickel_price=30_000.0)
    assert second_start(qtbot, str(path)) == 0
    qtbot.waitUntil(lambda: len(manager._live()) == 2)
    other = manager._live()[-1]
    qtbot.waitUntil(lambda: other.session.path == str(path))
    assert window.session.get("mode_shift") == 7.0 and window.session.path is None
    # The same file again: its window comes to the front, no third window.
    assert second_start(qtbot, str(path)) == 0
    settle()
    assert len(manager._live()) == 2
    window.session.new()


def test_a_second_start_without_a_file_just_shows_the_running_one(qtbot, running):
    manager, _window = running
    assert second_start(qtbot) == 0
    settle()
    assert len(manager._live()) == 1


def test_a_refused_file_from_a_second_start_leaves_no_empty_window(qtbot, tmp_path, running,
                                                                    monkeypatch):
    manager, window = running
    window.session.set("mode_shift", 7.0)  # so that a new window would be needed
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[1:3]))
    bad = tmp_path / "broken.evx"
    bad.write_bytes(b"not a scenario")
    assert second_start(qtbot, str(bad)) == 0
    qtbot.waitUntil(lambda: len(warnings) == 1)
    settle()
    assert warnings[0][0] == "Cannot open scenario"
    assert manager._live() == [window]
    window.session.new()


def socket_path(name: str) -> Path:
    return Path(QDir.tempPath()) / name


def test_a_crashed_instances_socket_is_taken_over(qtbot, tmp_path, manager):
    code = ("from PySide6.QtCore import QCoreApplication\n"
            "from evexplorer.app.single_instance import SingleInstance\n"
            "app = QCoreApplication([])\n"
            "instance = SingleInstance()\n"
            "assert instance.start([]) is False and instance.listening\n"
            "print('listening', flush=True)\n"
            "app.exec()\n")
    first = Running([sys.executable, "-c", code])
    first.wait_for("listening")
    first.process.send_signal(signal.SIGKILL)
    assert first.finish() == -signal.SIGKILL
    stale = socket_path(server_name())
    assert stale.exists()  # left behind by the killed instance
    instance = SingleInstance()
    assert instance.start([]) is False and instance.listening  # nobody answered: taken over
    manager.instance = instance
    instance.files_received.connect(manager.open_paths)
    window = shown_window(manager, qtbot)
    path = scenario_file(tmp_path, "After the crash", cobalt_price=50_000.0)
    assert second_start(qtbot, str(path)) == 0
    qtbot.waitUntil(lambda: window.session.path == str(path))


def test_an_instance_that_does_not_answer_is_left_alone(qtbot):
    busy = QLocalServer()
    assert busy.listen(server_name())  # accepts connections, answers nothing
    try:
        instance = SingleInstance()
        assert instance.start(["/tmp/some.evx"], timeout_ms=300) is False
        assert not instance.listening  # this process opens its own window, takes nothing over
        assert busy.isListening()
    finally:
        busy.close()


def test_the_socket_name_is_per_user_and_data_folder(tmp_path, monkeypatch):
    here = server_name()
    assert here.startswith("evexplorer-") and len(here) == len("evexplorer-") + 16
    assert server_name() == here
    assert server_name(tmp_path / "other") != here
    monkeypatch.setattr("getpass.getuser", lambda: "someone-else")
    assert server_name() != here


@pytest.mark.parametrize("message", [b"not json\n", b'{"protocol": 99, "open": []}\n',
                                     b'{"protocol": 1, "open": [5]}\n', b'[1, 2]\n'])
def test_a_malformed_message_is_refused(qtbot, message):
    instance = SingleInstance()
    assert instance.listen()
    received = []
    instance.files_received.connect(received.append)
    client = QLocalSocket()
    client.connectToServer(instance.name)
    client.write(message)
    reply = bytearray()
    client.readyRead.connect(lambda: reply.extend(bytes(client.readAll().data())))
    qtbot.waitUntil(lambda: b"\n" in reply)
    settle()
    assert bytes(reply) == b"error\n" and received == []
    instance.close()


def test_a_well_formed_message_is_answered_and_handed_on(qtbot):
    instance = SingleInstance()
    assert instance.listen()
    client = QLocalSocket()
    client.connectToServer(instance.name)
    reply = bytearray()
    client.readyRead.connect(lambda: reply.extend(bytes(client.readAll().data())))
    with qtbot.waitSignal(instance.files_received, timeout=5000) as got:
        client.write(json.dumps({"protocol": 1, "open": ["/a.evx", "/b c.evx"]}).encode()
                     + b"\n")
    assert got.args == [["/a.evx", "/b c.evx"]] and bytes(reply) == b"ok\n"
    instance.close()

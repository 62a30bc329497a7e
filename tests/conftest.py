"""Shared test set-up: Qt runs offscreen; hypothesis profiles for CI and development."""

import os

import pytest

# Offscreen Qt with a 1920×1200 screen (the plugin's default 800×600 screen would clamp
# restored window geometry).
_SCREEN = os.path.join(os.path.dirname(__file__), "offscreen-screen.json")
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

from hypothesis import HealthCheck, settings  # noqa: E402 (after the Qt platform is set)

settings.register_profile(
    "default", deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path_factory, monkeypatch):
    """Every test gets its own application-data folder (recovery copies, the running
    instance's socket name): the user's own are never touched, and tests cannot meet."""
    monkeypatch.setenv("EVEXPLORER_DATA_DIR", str(tmp_path_factory.mktemp("evexplorer-data")))


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The main window, shown offscreen at 1400×900, with settings in a temporary file.

    Questions about unsaved changes are answered "Discard" and recorded in
    ``window.questions`` unless a test patches QMessageBox.question itself.
    """
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from evexplorer.app import create_main_window

    questions = []

    def answer(*args, **kwargs):
        questions.append(args)
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", answer)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = create_main_window(settings)
    win.questions = questions
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.session.new()

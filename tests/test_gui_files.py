"""Scenario files in the window: new, open, save, refused files, unsaved prompts, presets,
drag and drop, recent files and settings (dialogs patched, offscreen)."""

from __future__ import annotations

import csv
import dataclasses
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest
from gui_helpers import curve_y, settle, spin, type_value
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox
from test_scenario_support import ARCHIVE

from evexplorer import scenario, session
from evexplorer._resources import resource_path
from evexplorer.model import PARAMETERS, evaluate

pytestmark = pytest.mark.gui


@pytest.fixture
def warnings(monkeypatch):
    """Record warning dialogs instead of showing them."""
    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *a, **k: shown.append((title, text)))
    return shown


def save_as(window, monkeypatch, path: Path) -> bool:
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(path), "EV Explorer scenario (*.evx)"))
    return window.save_as()


def open_via_dialog(window, monkeypatch, path: Path) -> bool:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    return window.open_dialog()


def test_save_and_reopen_a_scenario(window, qtbot, monkeypatch, tmp_path):
    type_value(qtbot, spin(window, "lithium_price"), "30000")
    window.meta.title.setFocus()
    qtbot.keyClicks(window.meta.title, "Lithium squeeze")
    assert window.isWindowModified()
    path = tmp_path / "squeeze"  # no suffix: .evx is added
    assert save_as(window, monkeypatch, path)
    saved = tmp_path / "squeeze.evx"
    assert saved.is_file()
    assert window.session.path == str(saved)
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("squeeze.evx")
    assert str(saved.resolve()) in window.recent_files()

    window.new_scenario()
    assert window.session.get("lithium_price") == PARAMETERS["lithium_price"].default
    assert open_via_dialog(window, monkeypatch, saved)
    assert window.session.get("lithium_price") == 30_000.0
    assert window.session.get("title") == "Lithium squeeze"
    assert window.meta.title.text() == "Lithium squeeze"
    assert not window.isWindowModified()
    assert len(window.session.history) == 0


def test_save_shortcut_on_an_untitled_scenario_asks_where(window, qtbot, monkeypatch, tmp_path):
    asked = []

    def dialog(*args, **kwargs):
        asked.append(args)
        return str(tmp_path / "new.evx"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    type_value(qtbot, spin(window, "mode_shift"), "10")
    window.findChild(QAction, "action_save").trigger()
    assert len(asked) == 1
    assert (tmp_path / "new.evx").is_file()
    type_value(qtbot, spin(window, "mode_shift"), "15")
    window.save()  # now it has a file: no question
    assert len(asked) == 1
    assert scenario.open_scenario(tmp_path / "new.evx").parameters["mode_shift"] == 15.0


def test_failed_save_keeps_everything_and_says_why(window, qtbot, monkeypatch, tmp_path,
                                                   warnings):
    type_value(qtbot, spin(window, "recycling_rate"), "70")
    target = tmp_path / "missing-folder" / "x.evx"
    assert not save_as(window, monkeypatch, target)
    assert warnings and warnings[0][0] == "Cannot save scenario"
    assert "\n" not in warnings[0][1].strip()
    assert window.isWindowModified()
    assert window.session.path is None
    assert window.session.get("recycling_rate") == 70.0


def test_refused_file_leaves_the_current_scenario_untouched(window, qtbot, monkeypatch,
                                                            tmp_path, warnings):
    type_value(qtbot, spin(window, "nickel_price"), "25000")
    before = dict(window.session.values)
    steps = len(window.session.history)
    bad = tmp_path / "attachment.evx"
    bad.write_bytes(b"this is not a scenario file at all" * 10)
    assert not window.open_file(str(bad), ask=False)
    assert warnings and warnings[0][0] == "Cannot open scenario"
    message = warnings[0][1]
    assert message and "Traceback" not in message
    assert dict(window.session.values) == before
    assert window.isWindowModified()
    assert len(window.session.history) == steps
    window.session.undo()
    assert window.session.get("nickel_price") == PARAMETERS["nickel_price"].default


def test_malformed_hdf5_does_not_kill_the_window(window, warnings):
    corpus = Path(__file__).resolve().parents[2] / "shared" / "hdf5-malformed"
    files = sorted(corpus.glob("*.h5"))[:3] if corpus.is_dir() else []
    if not files:
        pytest.skip("the malformed HDF5 corpus is not beside the repository")
    for path in files:
        assert not window.open_file(str(path), ask=False)
    assert len(warnings) == len(files)
    assert window.isVisible()


def test_new_asks_before_discarding(window, qtbot, monkeypatch):
    type_value(qtbot, spin(window, "demand_growth"), "40")
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not window.new_scenario()
    assert window.session.get("demand_growth") == 40.0
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert window.new_scenario()
    assert window.session.get("demand_growth") == PARAMETERS["demand_growth"].default


def test_open_asks_and_save_answer_saves_first(window, qtbot, monkeypatch, tmp_path):
    other = tmp_path / "other.evx"
    results = window.session.results
    scenario.save_scenario(other, dict(window.session.values), results, title="Other")
    type_value(qtbot, spin(window, "battery_size"), "80")
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Save)
    first = tmp_path / "first.evx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(first), ""))
    assert open_via_dialog(window, monkeypatch, other)
    assert scenario.open_scenario(first).parameters["battery_size"] == 80.0
    assert window.session.get("title") == "Other"


def test_closing_with_unsaved_changes_can_be_cancelled(window, qtbot, monkeypatch):
    type_value(qtbot, spin(window, "mode_shift"), "5")
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert window.isVisible()


def test_drag_and_drop_opens_a_scenario(window, qtbot, tmp_path):
    path = tmp_path / "dropped.evx"
    results = evaluate({"mode_shift": 12.0})
    scenario.save_scenario(path, results.parameters, results, title="Dropped")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, data,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.session.get("title") == "Dropped")
    assert window.session.get("mode_shift") == 12.0

    text = QMimeData()
    text.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    refuse = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, text,
                             Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(refuse)
    assert not refuse.isAccepted()


def test_presets_open_as_untitled_scenarios(window):
    presets = sorted(resource_path("presets").glob("*.evx"))
    assert len(presets) >= 5
    window.presets_menu.aboutToShow.emit()
    actions = window.presets_menu.actions()
    assert len(actions) == len(presets)
    for action in actions:
        action.trigger()
        settle()
        assert window.session.path is None
        assert window.session.changed_levers(), action.text()
        assert window.session.get("title")
        assert not window.isWindowModified()


def test_recent_files_and_geometry_survive_a_restart(qtbot, tmp_path, monkeypatch):
    from evexplorer.app import create_main_window

    settings_file = str(tmp_path / "settings.ini")
    first = create_main_window(QSettings(settings_file, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    path = tmp_path / "kept.evx"
    scenario.save_scenario(path, dict(first.session.values), first.session.results, title="Kept")
    assert first.open_file(str(path), ask=False)
    first.resize(1300, 1000)
    first.show()
    qtbot.waitExposed(first)
    kept = (first.size().width(), first.size().height())
    assert kept != (1400, 900)  # the size a window without settings gets
    assert first.close()
    second = create_main_window(QSettings(settings_file, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert second.recent_files()[0] == str(path.resolve())
    assert (second.size().width(), second.size().height()) == kept
    recent = second.recent_menu.actions()
    assert recent and "kept.evx" in recent[0].text()
    recent[0].trigger()
    assert second.session.get("title") == "Kept"


def test_stored_results_that_differ_are_shown_with_a_banner(window, monkeypatch, tmp_path):
    path = tmp_path / "old.evx"
    scenario.save_scenario(path, dict(window.session.values), window.session.results, title="Old")
    monkeypatch.setattr(scenario, "compare_with_model",
                        lambda doc, results: "The stored results differ from this model.")
    assert window.open_file(str(path), ask=False)
    assert window.banner.isVisibleTo(window)
    assert "differ" in window.banner.text()
    window.session.set("mode_shift", 3.0)
    assert not window.banner.isVisibleTo(window)


def test_screenshot_command_renders_1400_by_900(tmp_path):
    png = tmp_path / "shot.png"
    out = subprocess.run([sys.executable, "-m", "evexplorer", "--screenshot", str(png)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1400, 900)


def test_screenshot_of_a_refused_file_fails_in_one_line(tmp_path):
    bad = tmp_path / "bad.evx"
    bad.write_text("nope")
    out = subprocess.run([sys.executable, "-m", "evexplorer", "--screenshot",
                          str(tmp_path / "x.png"), str(bad)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("evexplorer: error:")
    assert not (tmp_path / "x.png").exists()


def test_self_test_passes(tmp_path):
    out = subprocess.run([sys.executable, "-m", "evexplorer", "--self-test"],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "self-test passed" in out.stdout


def test_macos_file_open_event_reaches_the_window(tmp_path):
    """Finder hands a double-clicked file over as a FileOpen event, not on the command line."""
    code = """
import sys
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFileOpenEvent
from evexplorer.app import _application
app = _application()
opened = []
app.open_file = opened.append
QCoreApplication.postEvent(app, QFileOpenEvent(sys.argv[1]))
app.processEvents()
print(opened)
"""
    target = str(tmp_path / "received.evx")
    out = subprocess.run([sys.executable, "-c", code, target], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == repr([target])


def csv_columns(path: Path) -> dict[str, np.ndarray]:
    """The columns of an exported CSV by series name (unit stripped)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    names = [h.split(" [")[0] for h in rows[0]]
    values = np.array([[float(v) if v else np.nan for v in row] for row in rows[1:]])
    return dict(zip(names, values.T, strict=True))


def export_csv(window, monkeypatch, path: Path) -> dict[str, np.ndarray]:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    assert window.findChild(QAction, "action_csv") is not None
    window.findChild(QAction, "action_csv").trigger()
    return csv_columns(path)


def later_model(params=None):
    """This model with pack costs 10 % higher and a series more: a later model version."""
    results = evaluate(params)
    series = {**results.series, "pack_cost": results.series["pack_cost"] * 1.1,
              "storage_demand": np.full(results.years.shape, 7.0)}
    return dataclasses.replace(results, series=MappingProxyType(series),
                               units=MappingProxyType({**results.units,
                                                       "storage_demand": "GWh"}))


@pytest.mark.parametrize("name", ["v1-default.evx", "v1-lfp-shock.evx"])
def test_a_1_0_file_shows_its_numbers_under_a_later_model(window, monkeypatch, tmp_path, name):
    monkeypatch.setattr(session, "evaluate", later_model)
    path = ARCHIVE / name
    doc = scenario.open_scenario(path)
    assert window.open_file(str(path), ask=False)
    settle()
    assert window.banner.isVisibleTo(window)
    text = window.banner.text()
    lacking = set(later_model(doc.parameters).series) - set(doc.results.series)
    assert "storage_demand" in lacking
    assert "differ" in text and f"lacks {len(lacking)} series" in text
    assert "model 1.0" in text and "Move any lever" in text
    stored = doc.results.series
    np.testing.assert_allclose(curve_y(window.charts.pack.total), stored["pack_cost"])
    columns = export_csv(window, monkeypatch, tmp_path / "on-screen.csv")
    np.testing.assert_allclose(columns["pack_cost"], stored["pack_cost"])  # what is on screen
    np.testing.assert_allclose(columns["storage_demand"], 7.0)  # this version's, lacking there
    window.session.set("mode_shift", 1.0)
    settle()
    assert not window.banner.isVisibleTo(window)
    columns = export_csv(window, monkeypatch, tmp_path / "recomputed.csv")
    np.testing.assert_allclose(columns["pack_cost"],
                               later_model(window.session.values).series["pack_cost"])


def test_a_file_missing_a_series_shows_the_rest_of_its_numbers(window, monkeypatch, tmp_path):
    # Written with its checksum (a sound file), by a model whose pack cost was 25 % higher
    # and which did not compute the mineral part of it.
    results = evaluate({"lithium_price": 25_000.0})
    series = {n: v * 1.25 if n == "pack_cost" else v for n, v in results.series.items()
              if n != "pack_material_cost"}
    older = dataclasses.replace(results, series=MappingProxyType(series))
    path = tmp_path / "trimmed.evx"
    scenario.save_scenario(path, results.parameters, older, title="Trimmed")
    assert window.open_file(str(path), ask=False)
    settle()
    text = window.banner.text()
    assert window.banner.isVisibleTo(window)
    assert "1 series (pack_cost" in text and "lacks 1 series" in text
    assert "pack_material_cost" in text
    np.testing.assert_allclose(curve_y(window.charts.pack.total),
                               results.series["pack_cost"] * 1.25)
    np.testing.assert_allclose(curve_y(window.charts.pack.material),
                               results.series["pack_material_cost"])  # this version's


def test_csv_export_writes_the_recomputed_results_normally(window, monkeypatch, tmp_path, qtbot):
    type_value(qtbot, spin(window, "cobalt_price"), "50000")
    columns = export_csv(window, monkeypatch, tmp_path / "r.csv")
    np.testing.assert_allclose(columns["pack_cost"],
                               evaluate({"cobalt_price": 50_000}).series["pack_cost"])
    np.testing.assert_array_equal(columns["year"], window.session.shown.years)

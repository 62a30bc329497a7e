"""The reference scenario in the window, driven like a user: Analysis ▸ Set Reference…, a preset,
the current scenario or a file; ghost curves, headline deltas and the changes list follow;
Edit ▸ Undo and Analysis ▸ Reset Reference to Baseline go back (offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import curve_y, settle, spin, type_value
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QListWidget

from evexplorer import scenario
from evexplorer.model import evaluate
from evexplorer.session import presets

pytestmark = pytest.mark.gui


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def pick_reference(window, qtbot, text: str) -> None:
    """Analysis ▸ Set Reference…, click the choice containing ``text``, press OK."""
    action(window, "set_reference").trigger()
    dialog = window.reference_dialog
    assert dialog is not None and dialog.isVisible()
    choices = dialog.findChild(QListWidget, "reference_choices")
    rows = [choices.item(i) for i in range(choices.count())]
    item = next(i for i in rows if text in i.text())
    rect = choices.visualItemRect(item)
    qtbot.mouseClick(choices.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert choices.currentItem() is item
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    settle()


def squeeze():
    return next(p for p in presets() if p.title == "Lithium squeeze")


def test_the_menu_bar_has_an_analysis_menu_with_both_actions(window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View", "&Analysis", "&Help"]
    assert action(window, "set_reference").isEnabled()
    assert not action(window, "reset_reference").isEnabled()  # already the baseline


def test_a_preset_becomes_the_reference_and_the_ghosts_move_to_it(window, qtbot):
    baseline = evaluate().series
    np.testing.assert_allclose(curve_y(window.charts.pack.ghost), baseline["pack_cost"])
    pick_reference(window, qtbot, "Preset: Lithium squeeze")
    expected = evaluate(squeeze().parameters).series
    charts = window.charts
    for item, series in ((charts.pack.ghost, "pack_cost"), (charts.price.ghost, "ev_price"),
                         (charts.mineral.ghost, "lithium_demand"),
                         (charts.production.ghost, "ev_production_emissions"),
                         (charts.lifecycle.ghost, "ev_lifecycle_emissions"),
                         (charts.avoided.ghost, "fleet_emissions_avoided")):
        np.testing.assert_allclose(curve_y(item), expected[series], err_msg=series)
    # the scenario's own curve has not moved
    np.testing.assert_allclose(curve_y(charts.pack.total), baseline["pack_cost"])
    assert "Lithium squeeze" in charts.pack.legend_label.text()
    window.headline.year.setValue(2028)  # during the squeeze's price shock
    card = window.headline.cards["pack_cost"]
    assert "vs Lithium squeeze" in card.delta.text()
    assert "−" in card.delta.text()  # the baseline is cheaper than the squeeze
    assert "What changed vs Lithium squeeze" in window.changes.title.text()
    names = [window.changes.list.item(i).data(Qt.ItemDataRole.UserRole)
             for i in range(window.changes.list.count())]
    assert "price_shock_mineral" in names
    assert "reference" in window.changes.list.item(0).text()
    assert action(window, "reset_reference").isEnabled()
    assert window.isWindowModified()  # the reference belongs to the scenario


def test_the_reference_change_is_undone_by_ctrl_z_and_reset_goes_back(window, qtbot):
    pick_reference(window, qtbot, "Preset: Lithium squeeze")
    squeeze_ghost = curve_y(window.charts.pack.ghost)
    assert "Set reference" in action(window, "action_undo").text()
    window.activateWindow()  # back from the dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Undo))
    settle()
    np.testing.assert_allclose(curve_y(window.charts.pack.ghost),
                               evaluate().series["pack_cost"])
    assert "= baseline" in window.headline.cards["pack_cost"].delta.text()
    assert "What changed vs baseline" in window.changes.title.text()
    assert not window.isWindowModified()
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Redo))
    settle()
    np.testing.assert_allclose(curve_y(window.charts.pack.ghost), squeeze_ghost)
    action(window, "reset_reference").trigger()
    settle()
    np.testing.assert_allclose(curve_y(window.charts.pack.ghost),
                               evaluate().series["pack_cost"])
    assert "Baseline" in window.charts.pack.legend_label.text()
    assert not action(window, "reset_reference").isEnabled()


def test_the_current_scenario_as_reference_then_a_lever_move(window, qtbot):
    type_value(qtbot, spin(window, "lithium_price"), "30000")
    window.meta.title.setFocus()
    qtbot.keyClicks(window.meta.title, "Plan A")
    pick_reference(window, qtbot, "The current scenario")
    card = window.headline.cards["pack_cost"]
    assert "= Plan A" in card.delta.text()
    assert window.changes.list.count() == 1
    assert window.changes.list.item(0).data(Qt.ItemDataRole.UserRole) is None  # "no lever"
    type_value(qtbot, spin(window, "lithium_price"), "20000")
    assert "vs Plan A" in card.delta.text() and "−" in card.delta.text()
    np.testing.assert_allclose(curve_y(window.charts.pack.ghost),
                               evaluate({"lithium_price": 30_000}).series["pack_cost"])


def test_a_file_becomes_the_reference(window, qtbot, monkeypatch, tmp_path):
    path = tmp_path / "colleague.evx"
    results = evaluate({"recycling_rate": 90.0})
    scenario.save_scenario(path, results.parameters, results, title="Colleague's plan")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    pick_reference(window, qtbot, "A scenario file")
    assert window.session.reference.title == "Colleague's plan"
    np.testing.assert_allclose(curve_y(window.charts.mineral.ghost),
                               results.series["lithium_demand"])
    assert "= Colleague's plan" in window.headline.cards["pack_cost"].delta.text()


def test_a_refused_reference_file_changes_nothing(window, qtbot, monkeypatch, tmp_path):
    bad = tmp_path / "bad.evx"
    bad.write_bytes(b"nope" * 50)
    shown = []
    window.error_sink = lambda title, text: shown.append((title, text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    pick_reference(window, qtbot, "A scenario file")
    assert shown and shown[0][0] == "Cannot open scenario" and "\n" not in shown[0][1]
    assert window.session.reference.is_baseline
    assert not window.session.history.can_undo


def test_cancelling_the_dialog_keeps_the_reference(window, qtbot):
    action(window, "set_reference").trigger()
    dialog = window.reference_dialog
    cancel = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    settle()
    assert not dialog.isVisible()
    assert window.session.reference.is_baseline and not window.session.history.can_undo


def test_the_undo_limit_comes_from_the_settings(qtbot, tmp_path):
    from evexplorer.app import create_main_window

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("undo_limit", 3)
    win = create_main_window(settings)
    qtbot.addWidget(win)
    for price in (20_000, 21_000, 22_000, 23_000, 24_000):
        win.session.set("lithium_price", price)
    assert len(win.session.history) == 3
    settings.setValue("undo_limit", "many")
    other = create_main_window(settings)
    qtbot.addWidget(other)
    assert other.session.history.limit == 1000
    for w in (win, other):
        w.session.new()

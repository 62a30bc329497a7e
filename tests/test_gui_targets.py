"""The targets tab driven like a user: the EU Battery Regulation's built-in targets against the
series, a target of one's own added with the form, its badge flipping as a lever moves, undo,
save and reopen, removal, targets outside the years shown (offscreen)."""

from __future__ import annotations

import pytest
from gui_helpers import choose_in_combo, settle, spin, trigger, type_value
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

from evexplorer.analysis.targets import builtin_targets
from evexplorer.model import SERIES, evaluate

pytestmark = pytest.mark.gui

MINE = "pack_cost<=80@2030"
RECYCLED = ("cobalt_recycled_content", "lithium_recycled_content", "nickel_recycled_content")
needs_recycled_content = pytest.mark.skipif(
    not set(RECYCLED) <= set(SERIES), reason="needs the model 2.0 recycled-content series")


def at(parameters, name: str, year: int) -> float:
    results = evaluate(parameters)
    return float(results.series[name][list(results.years).index(year)])


@pytest.fixture
def view(window):
    trigger(window, "show_targets")
    assert window.analysis_tabs.currentWidget() is window.targets_view
    return window.targets_view


def add_target(qtbot, view, output: str, comparison: str, value: str, year: str) -> None:
    """Fill in the form with the keyboard and press Add target."""
    choose_in_combo(qtbot, view.output, output)
    choose_in_combo(qtbot, view.comparison, comparison)
    type_value(qtbot, view.value, value)
    type_value(qtbot, view.year, year)
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    settle()


def test_the_six_eu_targets_are_listed_with_their_source(view):
    rows = [view.rows[t.id] for t in builtin_targets()]
    assert len(rows) == 6
    lines = [row.line for row in rows]
    for mineral, share, year in (("Cobalt", 16, 2031), ("Lithium", 6, 2031), ("Nickel", 6, 2031),
                                 ("Cobalt", 26, 2036), ("Lithium", 12, 2036),
                                 ("Nickel", 15, 2036)):
        assert any(line.startswith(mineral) and f"≥ {share}" in line and line.endswith(
            f"in {year}") for line in lines), (mineral, share, year)
    for row in rows:
        assert "Regulation (EU) 2023/1542" in row.toolTip()
        assert row.remove_button is None  # built-in targets cannot be removed
    assert "L 191" in view.findChild(QLabel, "targets_source").text()


@needs_recycled_content
def test_a_builtin_badge_agrees_with_the_series_computed_independently(window, view):
    results = evaluate()
    for target in builtin_targets():
        row = view.rows[target.id]
        value = float(results.series[target.output][list(results.years).index(target.year)])
        assert row.met is (value >= target.required), target.id
        assert row.badge.accessibleName() == ("met" if row.met else "not met")
        assert "%" in row.status_text()


def test_without_the_recycled_content_series_builtins_are_not_evaluated(view):
    for target in builtin_targets():
        row = view.rows[target.id]
        if target.output in SERIES:
            assert row.met is not None
        else:
            assert row.met is None
            assert f"the model does not compute {target.output}" in row.status_text()
            assert row.badge.accessibleName() == "not evaluated"


def test_a_target_of_ones_own_flips_as_a_lever_moves(window, qtbot, view):
    add_target(qtbot, view, "pack_cost", "<=", "80", "2030")
    assert [dict(t)["id"] for t in window.session.targets] == [MINE]
    row = view.rows[MINE]
    assert row.line == "Pack cost ≤ 80 USD/kWh in 2030"
    baseline = at({}, "pack_cost", 2030)
    assert row.met is (baseline <= 80)
    assert f"{baseline:.1f} USD/kWh" in row.status_text()
    type_value(qtbot, spin(window, "lithium_price"), "3000")
    qtbot.waitUntil(lambda: not view.pending)  # redrawn at most ten times a second
    cheap = at({"lithium_price": 3000}, "pack_cost", 2030)
    assert cheap <= 80 and row.met is True
    assert row.badge.accessibleName() == "met" and "met:" in row.status_text()
    type_value(qtbot, spin(window, "lithium_price"), "60000")
    qtbot.waitUntil(lambda: not view.pending)
    assert at({"lithium_price": 60000}, "pack_cost", 2030) > 80 and row.met is False
    assert row.status_text().endswith(
        f"not met: {at({'lithium_price': 60000}, 'pack_cost', 2030):.1f} USD/kWh")
    # the three badges differ in shape, not only in colour: their pixels differ in grey too
    from evexplorer.app.targets_view import badge_icon

    grey = [badge_icon(m).pixmap(16, 16).toImage().convertToFormat(
        badge_icon(m).pixmap(16, 16).toImage().Format.Format_Grayscale8) for m in (True, False,
                                                                                  None)]
    assert grey[0] != grey[1] and grey[1] != grey[2] and grey[0] != grey[2]


def test_adding_is_one_undo_step_marks_modified_and_ctrl_z_removes_it(window, qtbot, view):
    steps = len(window.session.history)
    add_target(qtbot, view, "ev_share", ">=", "50", "2035")
    assert len(window.session.history) == steps + 1
    assert window.isWindowModified()
    assert "Add target EV share ≥ 50 % in 2035" in window.undo_action.text()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Undo))
    settle()
    assert window.session.targets == () and "ev_share>=50@2035" not in view.rows
    assert not window.isWindowModified()
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Redo))
    settle()
    assert "ev_share>=50@2035" in view.rows


def test_a_duplicate_is_refused_in_a_sentence(window, qtbot, view):
    add_target(qtbot, view, "pack_cost", "<=", "80", "2030")
    add_target(qtbot, view, "pack_cost", "<=", "80", "2030")
    assert len(window.session.targets) == 1
    assert view.message.text() == "“Pack cost ≤ 80 USD/kWh in 2030” is already listed."


def test_saved_in_the_file_and_back_on_open(window, qtbot, view, tmp_path, monkeypatch):
    add_target(qtbot, view, "pack_cost", "<=", "80", "2030")
    path = tmp_path / "with-target.evx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    trigger(window, "action_save_as")
    assert path.exists() and not window.isWindowModified()
    trigger(window, "action_new")
    assert window.session.targets == () and MINE not in view.rows
    assert "none yet" in view.user_heading.text()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    trigger(window, "action_open")
    assert [dict(t)["id"] for t in window.session.targets] == [MINE]
    assert view.rows[MINE].met is (at({}, "pack_cost", 2030) <= 80)


def test_the_rows_remove_button_removes_it_as_one_step(window, qtbot, view):
    add_target(qtbot, view, "pack_cost", "<=", "80", "2030")
    add_target(qtbot, view, "ev_share", ">=", "50", "2035")
    button = view.rows[MINE].remove_button
    assert button is not None and "Pack cost" in button.accessibleName()
    steps = len(window.session.history)
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    settle()
    assert [dict(t)["id"] for t in window.session.targets] == ["ev_share>=50@2035"]
    assert MINE not in view.rows and len(window.session.history) == steps + 1
    assert "Edit ▸ Undo" in view.message.text()


def test_a_target_after_the_last_year_shown_is_not_evaluated(window, qtbot, view):
    add_target(qtbot, view, "pack_cost", "<=", "70", "2045")
    row = view.rows["pack_cost<=70@2045"]
    assert row.met is not None
    type_value(qtbot, spin(window, "end_year"), "2040")
    qtbot.waitUntil(lambda: not view.pending)
    assert row.met is None and row.badge.accessibleName() == "not evaluated"
    assert "not evaluated: 2045 is after the last year shown (2040)" in row.status_text()
    for target in builtin_targets():
        if target.year > 2040 and target.output in SERIES:
            assert view.rows[target.id].met is None


def test_a_stored_target_the_model_cannot_check_is_shown_not_hidden(window, view):
    record = {"id": "x", "description": "Emissions avoided, all years", "source": "user",
              "output": "fleet_emissions_avoided_total", "year": 2030, "comparison": ">=",
              "required": 1.0}
    with window.session.change("Add target"):
        window.session.set_targets([record])
    settle()
    row = view.rows["x"]
    assert row.met is None and "single number" in row.status_text()
    assert row.remove_button is not None


def test_a_burst_of_lever_moves_is_one_redraw_of_the_latest_results(window, qtbot, view):
    from PySide6.QtWidgets import QSlider

    add_target(qtbot, view, "pack_cost", "<=", "80", "2030")
    slider = window.findChild(QSlider, "lithium_price__slider")
    draws = view.draw_count
    slider.setSliderDown(True)
    for position in range(0, slider.maximum() // 2, slider.maximum() // 60):
        slider.setValue(position)
        window.recompute()  # each position's results, as the window's timer would run it
    assert view.pending and view.draw_count == draws  # nothing drawn in the burst
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: not view.pending)
    assert view.draw_count == draws + 1
    value = at(window.session.values, "pack_cost", 2030)
    assert view.rows[MINE].met is (value <= 80)
    assert f"{value:.1f} USD/kWh" in view.rows[MINE].status_text()

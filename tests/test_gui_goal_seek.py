"""Goal-seek driven like a user: Ctrl+G, lever, output, year and target, Seek, Apply as one undo
step that Ctrl+Z takes back, an unreachable target, price parity by a year (offscreen)."""

from __future__ import annotations

import pytest
from gui_helpers import choose_in_combo, settle, spin, type_value
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from evexplorer.analysis.goal_seek import UnreachableTarget, goal_seek
from evexplorer.model import PARAMETERS, evaluate

pytestmark = pytest.mark.gui


def at(parameters, name: str, year: int) -> float:
    results = evaluate(parameters)
    return float(results.series[name][list(results.years).index(year)])


def open_dialog(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keySequence(window, QKeySequence("Ctrl+G"))
    settle()
    dialog = window.goal_seek_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    return dialog


def ask(qtbot, dialog, lever: str, output: str, year: int, target: str) -> None:
    choose_in_combo(qtbot, dialog.lever, lever)
    choose_in_combo(qtbot, dialog.output, output)
    type_value(qtbot, dialog.year, str(year))
    type_value(qtbot, dialog.target, target)


def test_the_action_is_in_the_analysis_menu_with_a_shortcut(window):
    action = window.goal_seek_action
    assert action.objectName() == "goal_seek"
    assert action.shortcut() == QKeySequence("Ctrl+G")
    assert action in window.findChild(type(window.menuBar().actions()[0].menu()),
                                      "menu_analysis").actions()
    assert "&" in action.text()


def test_seek_lithium_price_for_80_usd_per_kwh_apply_and_undo(window, qtbot):
    dialog = open_dialog(window, qtbot)
    ask(qtbot, dialog, "lithium_price", "pack_cost", 2030, "80")
    assert dialog.target.suffix() == " USD/kWh"
    qtbot.mouseClick(dialog.seek_button, Qt.MouseButton.LeftButton)
    found = dialog.result
    assert found is not None and found.lever == "lithium_price"
    # the value found, evaluated independently, reaches the target
    assert at({"lithium_price": found.value}, "pack_cost", 2030) == pytest.approx(80.0,
                                                                                  abs=1e-6)
    text = dialog.answer.text()
    assert "USD/t LCE" in text and "80.0 USD/kWh" in text and "2030" in text
    assert dialog.apply_button.isEnabled()
    steps = len(window.session.history)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    settle()
    assert window.session.get("lithium_price") == pytest.approx(found.value)
    assert len(window.session.history) == steps + 1
    assert window.session.history.undo_text == "Goal-seek Lithium carbonate price"
    assert spin(window, "lithium_price").value() == pytest.approx(found.value, abs=1)
    assert window.headline.cards["pack_cost"].value.text().startswith("80")
    assert not dialog.apply_button.isEnabled() and "Applied" in dialog.answer.text()
    dialog.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Undo))
    settle()
    assert window.session.get("lithium_price") == PARAMETERS["lithium_price"].default
    assert not window.session.history.can_undo


def test_an_unreachable_target_names_the_reachable_range_and_offers_nothing(window, qtbot):
    dialog = open_dialog(window, qtbot)
    ask(qtbot, dialog, "lithium_price", "pack_cost", 2030, "10")
    qtbot.mouseClick(dialog.seek_button, Qt.MouseButton.LeftButton)
    with pytest.raises(UnreachableTarget) as expected:
        goal_seek(window.session.values, "lithium_price", "pack_cost", 2030, 10.0)
    assert dialog.result is None and not dialog.apply_button.isEnabled()
    assert str(expected.value) in dialog.answer.text()
    assert "stays between" in dialog.answer.text() and "USD/kWh" in dialog.answer.text()
    steps = len(window.session.history)
    qtbot.keyClick(dialog.apply_button, Qt.Key.Key_Space)
    assert len(window.session.history) == steps


def test_price_parity_by_a_year_is_ready_made(window, qtbot):
    dialog = open_dialog(window, qtbot)
    choose_in_combo(qtbot, dialog.goal, "parity")
    assert dialog.output.output() == "ev_price_premium" and not dialog.output.isEnabled()
    assert dialog.target.value() == 0 and not dialog.target.isEnabled()
    choose_in_combo(qtbot, dialog.lever, "battery_size")
    type_value(qtbot, dialog.year, "2027")
    qtbot.keyClick(dialog.seek_button, Qt.Key.Key_Space)
    found = dialog.result
    assert found is not None and found.output == "ev_price_premium" and found.target == 0
    assert at({"battery_size": found.value}, "ev_price_premium", 2027) == pytest.approx(
        0, abs=1e-4)
    assert "kWh" in dialog.answer.text() and "price premium" in dialog.answer.text()


def test_a_lever_moved_after_seeking_makes_the_answer_stale(window, qtbot):
    dialog = open_dialog(window, qtbot)
    ask(qtbot, dialog, "lithium_price", "pack_cost", 2030, "85")
    qtbot.mouseClick(dialog.seek_button, Qt.MouseButton.LeftButton)
    assert dialog.apply_button.isEnabled()
    type_value(qtbot, spin(window, "recycling_rate"), "60")
    assert dialog.result is None and not dialog.apply_button.isEnabled()
    assert "Seek again" in dialog.answer.text()
    assert "now 10,000 USD/t LCE" in dialog.lever_now.text()


def test_a_whole_number_lever_meets_the_target_on_the_far_side(window, qtbot):
    window.session.set("chemistry_mix", "LFP")

    def cost(year: int) -> float:
        return at({"chemistry_mix": "LFP", "chemistry_target_year": year}, "pack_cost", 2030)

    target = round(0.5 * (cost(2032) + cost(2033)), 2)  # between two whole years
    above = cost(2035) > target  # where the lever's current value puts the pack cost
    dialog = open_dialog(window, qtbot)
    ask(qtbot, dialog, "chemistry_target_year", "pack_cost", 2030, f"{target:.2f}")
    qtbot.mouseClick(dialog.seek_button, Qt.MouseButton.LeftButton)
    found = dialog.result
    assert found is not None and isinstance(found.value, int) and found.whole_number
    assert cost(found.value) == pytest.approx(found.achieved)
    # the answer meets the target; the next whole year towards the current value does not
    assert (found.achieved <= target) if above else (found.achieved >= target)
    toward = found.value + (1 if found.value < 2035 else -1)
    assert (cost(toward) > target) if above else (cost(toward) < target)
    assert "whole values" in dialog.answer.text()
    assert f"Target mix reached in {found.value} → pack cost" in dialog.answer.text()


def test_a_scalar_output_has_no_year(window, qtbot):
    dialog = open_dialog(window, qtbot)
    choose_in_combo(qtbot, dialog.lever, "ev_nonbattery_price")
    choose_in_combo(qtbot, dialog.output, "cost_parity_year")
    assert not dialog.year.isEnabled() and dialog.target.suffix() == ""
    type_value(qtbot, dialog.target, "2032")
    qtbot.mouseClick(dialog.seek_button, Qt.MouseButton.LeftButton)
    found = dialog.result
    assert found is not None and found.year is None
    assert evaluate({"ev_nonbattery_price": found.value}).scalars["cost_parity_year"] == 2032
    assert "→ price parity year 2032 (target 2032)" in dialog.answer.text()

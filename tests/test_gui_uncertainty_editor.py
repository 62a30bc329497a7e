"""Editing the uncertainty in a lever's information panel, driven like a user (offscreen):
certain ↔ uncertain, distribution, low and high in the lever's unit, correlations, resets;
each edit one undo step; invalid input one sentence that changes nothing; the lever list
marks the uncertain levers."""

from __future__ import annotations

import pytest
from gui_helpers import settle, type_value
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QToolButton

from evexplorer.analysis.uncertainty import UncertaintySpec, default_spec, load_defaults
from evexplorer.app.uncertainty_editor import describe_lever, new_uncertainty, with_lever_reset
from evexplorer.model import PARAMETERS

pytestmark = pytest.mark.gui


def open_editor(window, qtbot, name: str):
    """Click the lever's i button; return its panel's uncertainty editor."""
    window.levers.focus_lever(name)
    qtbot.mouseClick(window.findChild(QToolButton, f"{name}__info"), Qt.MouseButton.LeftButton)
    popup = window.levers.levers[name].info_popup
    qtbot.waitUntil(popup.isVisible)
    assert popup.editor is not None and popup.editor.name == name
    return popup.editor


def spec_of(window) -> UncertaintySpec:
    record = window.session.uncertainty
    return default_spec() if record is None else UncertaintySpec.from_record(record)


def mark(window, name: str) -> QLabel:
    found = window.findChild(QLabel, f"{name}__uncertain_mark")
    assert found is not None
    return found


def toggle(qtbot, box) -> None:
    """Click a check box on its indicator, where a user clicks."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def undo(window) -> None:
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Undo))
    settle()


def test_the_panel_shows_the_lever_its_source_and_its_uncertainty(window, qtbot):
    editor = open_editor(window, qtbot, "lithium_price")
    popup = editor.window()
    assert "Lithium carbonate price" in popup.info.text() and "Source" in popup.info.text()
    assert editor.uncertain.isChecked()
    assert editor.distribution.currentData() == "lognormal"
    # the default spread, 0.6 to 4 × 10,000 USD/t, as values in the lever's unit
    assert editor.low.value() == pytest.approx(6_000) and editor.high.value() == 40_000
    assert editor.low.suffix() == " USD/t LCE"
    assert "5th percentile" in editor.low_label.text()
    assert editor.description.text().startswith("Lognormal, 5th and 95th percentiles 6,000")
    note = popup.findChild(QLabel, "lithium_price__uncertainty_default")
    assert load_defaults().sources["lithium_price"].citation[:40] in note.text()
    QTest.keyClick(popup, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not popup.isVisible())


def test_making_a_lever_certain_is_one_undo_step_and_clears_its_mark(window, qtbot):
    assert mark(window, "nickel_price").isVisibleTo(window)
    assert "Uncertain: Log-uniform" in mark(window, "nickel_price").toolTip()
    steps = len(window.session.history)
    editor = open_editor(window, qtbot, "nickel_price")
    toggle(qtbot, editor.uncertain)
    assert not editor.uncertain.isChecked() and not editor.low.isEnabled()
    spec = spec_of(window)
    assert "nickel_price" not in spec.levers
    assert spec.correlations == ()  # its correlation with cobalt went with it
    assert len(window.session.history) == steps + 1 and window.isWindowModified()
    assert not mark(window, "nickel_price").isVisibleTo(window)
    assert editor.description.text().startswith("Certain: held at 16,000 USD/t")
    undo(window)
    assert window.session.uncertainty is None and not window.isWindowModified()
    assert mark(window, "nickel_price").isVisibleTo(window) and editor.uncertain.isChecked()


def test_distribution_and_values_in_the_levers_unit_are_stored_as_its_spread(window, qtbot):
    editor = open_editor(window, qtbot, "demand_growth")
    index = editor.distribution.findData("triangular")
    editor.distribution.setCurrentIndex(index)
    editor.distribution.activated.emit(index)
    type_value(qtbot, editor.low, "20")
    type_value(qtbot, editor.high, "35")
    entry = spec_of(window).levers["demand_growth"]
    # absolute offsets around 25 %/yr, as the lever's default spread is
    assert (entry.distribution, entry.spread) == ("triangular", "absolute")
    assert (entry.low, entry.high) == pytest.approx((-5.0, 10.0))
    assert len(window.session.history) == 3  # three edits, three steps
    # the spread follows the lever: at 30 %/yr the same offsets read 25 to 40
    window.session.set("demand_growth", 30.0)
    settle()
    assert (editor.low.value(), editor.high.value()) == pytest.approx((25.0, 40.0))
    assert "25.0 and 40.0 %/yr" in mark(window, "demand_growth").toolTip()


def test_invalid_input_is_one_sentence_and_changes_nothing(window, qtbot):
    editor = open_editor(window, qtbot, "demand_growth")
    before = window.session.uncertainty
    steps = len(window.session.history)
    index = editor.distribution.findData("triangular")
    editor.distribution.setCurrentIndex(index)
    editor.distribution.activated.emit(index)
    type_value(qtbot, editor.low, "27")  # the mode (25 %/yr) would be outside the spread
    assert editor.error.isVisibleTo(editor)
    message = editor.error.text()
    assert "triangular" in message and "between" in message and "\n" not in message
    steps_after = len(window.session.history)
    assert steps_after == steps + 1  # the distribution change went through, the low did not
    entry = spec_of(window).levers["demand_growth"]
    assert entry.low == pytest.approx(-7.0)
    assert editor.low.value() == pytest.approx(18.0)  # the field shows what is stored
    type_value(qtbot, editor.high, "15")  # below the low value
    assert "must be below" in editor.error.text()
    assert len(window.session.history) == steps_after
    type_value(qtbot, editor.high, "33")  # a valid edit clears the message
    assert not editor.error.isVisibleTo(editor)
    assert spec_of(window).levers["demand_growth"].high == pytest.approx(8.0)
    assert before is None
    undo(window)
    undo(window)
    assert window.session.uncertainty is None


def test_correlations_are_set_refused_and_removed(window, qtbot):
    editor = open_editor(window, qtbot, "demand_growth")
    partner = editor.partner
    partner.setCurrentIndex(partner.findData("supply_growth"))
    editor.rho.setValue(0.6)
    qtbot.mouseClick(editor.set_rho, Qt.MouseButton.LeftButton)
    assert spec_of(window).rho("demand_growth", "supply_growth") == pytest.approx(0.6)
    assert editor.correlations.rowCount() == 1
    assert editor.correlations.item(0, 0).text() == PARAMETERS["supply_growth"].label
    other = open_editor(window, qtbot, "learning_rate")
    other.partner.setCurrentIndex(other.partner.findData("supply_growth"))
    other.rho.setValue(0.6)
    qtbot.mouseClick(other.set_rho, Qt.MouseButton.LeftButton)
    assert spec_of(window).rho("learning_rate", "supply_growth") == pytest.approx(0.6)
    other.partner.setCurrentIndex(other.partner.findData("demand_growth"))
    other.rho.setValue(-0.9)
    steps = len(window.session.history)
    qtbot.mouseClick(other.set_rho, Qt.MouseButton.LeftButton)  # the three cannot all hold
    assert "not positive semi-definite" in other.error.text()
    assert len(window.session.history) == steps
    assert spec_of(window).rho("demand_growth", "learning_rate") == 0
    remove = other.findChild(QToolButton, "learning_rate__correlation_remove_supply_growth")
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: spec_of(window).rho("learning_rate", "supply_growth") == 0)
    assert other.correlations.rowCount() == 0
    assert f"Rank-correlated with {PARAMETERS['supply_growth'].label} (0.6)" in \
        mark(window, "demand_growth").toolTip()


def test_a_certain_lever_made_uncertain_gets_a_narrow_spread_and_a_mark(window, qtbot):
    assert not mark(window, "renewable_share").isVisibleTo(window)
    editor = open_editor(window, qtbot, "renewable_share")
    assert not editor.uncertain.isChecked() and not editor.distribution.isEnabled()
    toggle(qtbot, editor.uncertain)
    entry = spec_of(window).levers["renewable_share"]
    assert entry == new_uncertainty("renewable_share", 0.0)
    assert (entry.spread, entry.low, entry.high) == ("absolute", -5.0, 5.0)  # 5 % of 0-100 %
    assert mark(window, "renewable_share").isVisibleTo(window)
    qtbot.mouseClick(editor.reset, Qt.MouseButton.LeftButton)  # its default: certain
    assert "renewable_share" not in spec_of(window).levers
    assert window.session.uncertainty is None  # back to the defaults exactly


def test_resets_per_lever_and_for_all(window, qtbot):
    editor = open_editor(window, qtbot, "nickel_price")
    type_value(qtbot, editor.high, "30000")
    toggle(qtbot, editor.uncertain)
    toggle(qtbot, editor.uncertain)  # uncertain again
    spec = spec_of(window)
    assert spec.rho("nickel_price", "cobalt_price") == 0  # the correlation went
    qtbot.mouseClick(editor.reset, Qt.MouseButton.LeftButton)
    assert spec_of(window) == with_lever_reset(spec, "nickel_price") == default_spec()
    assert window.session.uncertainty is None
    other = open_editor(window, qtbot, "cobalt_price")
    type_value(qtbot, other.high, "60000")
    assert window.session.uncertainty is not None
    steps = len(window.session.history)
    window.findChild(QAction, "reset_uncertainty").trigger()
    assert window.session.uncertainty is None and len(window.session.history) == steps + 1
    assert window.session.history.undo_text == "Reset uncertainty to defaults"


def test_describe_lever_in_words():
    entry = default_spec().levers["recycling_rate"]
    # 95 % with a spread of −15 to +20 points: shown within the lever's range, 80 to 100 %
    assert describe_lever("recycling_rate", entry, 95.0) == (
        "Uniform between 80 and 100 % (−15.0 to +20.0 % around the value).")
    assert describe_lever("renewable_share", None, 40.0) == \
        "Certain: held at 40 % in every sample."

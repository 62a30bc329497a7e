"""The main window driven like a user: levers, charts, headline, undo, keyboard (offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import curve_y, settle, spin, type_value
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSlider,
    QWidget,
)

from evexplorer.model import PARAMETERS, evaluate
from evexplorer.model.data import CHEMISTRIES

pytestmark = pytest.mark.gui


def test_every_lever_has_an_input_widget_named_after_it(window):
    for name, param in PARAMETERS.items():
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName(), name
        if param.numeric:
            assert isinstance(widget, QAbstractSpinBox)
            assert window.findChild(QSlider, f"{name}__slider") is not None
        elif param.kind == "choice":
            assert isinstance(widget, QComboBox)


def test_every_focusable_control_has_an_accessible_name(window):
    kinds = (QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit,
             QAbstractButton, QListWidget)
    for widget in window.findChildren(QWidget):
        parent = widget.parentWidget()
        if isinstance(parent, (QAbstractSpinBox, QComboBox)) or not isinstance(widget, kinds):
            continue  # the editor inside a spin or combo box speaks through its parent
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            assert widget.accessibleName() or text, widget.objectName() or repr(widget)


def test_units_on_every_value_field(window):
    for name, param in PARAMETERS.items():
        if param.numeric and param.unit not in ("", "year"):
            assert spin(window, name).suffix().strip() == param.unit


def test_typing_a_value_moves_the_curves_against_the_ghost(window, qtbot):
    before = curve_y(window.charts.pack.total)
    type_value(qtbot, spin(window, "lithium_price"), "40000")
    assert window.session.get("lithium_price") == 40_000.0
    after = curve_y(window.charts.pack.total)
    # lithium carbonate up ⇒ every year's pack cost up; the ghost stays on the baseline
    assert np.all(after > before)
    np.testing.assert_allclose(curve_y(window.charts.pack.ghost), before)
    np.testing.assert_allclose(after, evaluate({"lithium_price": 40_000}).series["pack_cost"])


def test_slider_drag_moves_curves_live_and_is_one_undo_step(window):
    slider = window.findChild(QSlider, "lithium_price__slider")
    start_value = window.session.get("lithium_price")
    start_curve = curve_y(window.charts.pack.total)
    steps_before = len(window.session.history)
    seen = []
    slider.setSliderDown(True)
    for position in range(slider.value(), slider.value() + 400, 40):
        slider.setValue(position)
        settle()
        seen.append(curve_y(window.charts.pack.total)[0])
    slider.setSliderDown(False)
    settle()
    assert len(set(seen)) >= 8  # the curve moved with the hand
    assert len(window.session.history) == steps_before + 1
    dragged = window.session.get("lithium_price")
    assert dragged > start_value
    window.session.undo()
    settle()
    assert window.session.get("lithium_price") == start_value
    np.testing.assert_allclose(curve_y(window.charts.pack.total), start_curve)
    window.session.redo()
    settle()
    assert window.session.get("lithium_price") == dragged


def test_undo_and_redo_shortcuts(window, qtbot):
    type_value(qtbot, spin(window, "nickel_price"), "30000")
    assert window.session.get("nickel_price") == 30_000.0
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Undo))
    settle()
    assert window.session.get("nickel_price") == PARAMETERS["nickel_price"].default
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Redo))
    settle()
    assert window.session.get("nickel_price") == 30_000.0


def test_modified_marker_follows_changes(window, qtbot):
    assert "[*]" in window.windowTitle() and "Untitled" in window.windowTitle()
    assert not window.isWindowModified()
    type_value(qtbot, spin(window, "recycling_rate"), "60")
    assert window.isWindowModified()
    window.session.undo()
    settle()
    assert not window.isWindowModified()


def test_reset_button_restores_default_and_undo_returns(window, qtbot):
    type_value(qtbot, spin(window, "cobalt_price"), "60000")
    reset = window.findChild(QAbstractButton, "cobalt_price__reset")
    assert reset.isEnabled()
    qtbot.mouseClick(reset, Qt.MouseButton.LeftButton)
    settle()
    assert window.session.get("cobalt_price") == PARAMETERS["cobalt_price"].default
    assert not reset.isEnabled()
    window.session.undo()
    settle()
    assert window.session.get("cobalt_price") == 60_000.0


def test_keyboard_moves_a_slider_and_a_spin_box(window, qtbot):
    slider = window.findChild(QSlider, "recycling_rate__slider")
    slider.setFocus()
    before = window.session.get("recycling_rate")
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    settle()
    assert window.session.get("recycling_rate") > before
    field = spin(window, "end_year")
    window.levers.focus_lever("end_year")
    qtbot.keyClick(field, Qt.Key.Key_Down)
    settle()
    assert window.session.get("end_year") == 2049
    assert len(window.session.results.years) == 2049 - 2025 + 1


def test_keyboard_reaches_every_lever(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    for section in window.levers.sections.values():
        if not section.expanded:
            section.header.setFocus()
            qtbot.keyClick(section.header, Qt.Key.Key_Space)
    assert all(s.expanded for s in window.levers.sections.values())
    window.levers.search.setFocus()
    reached = set()
    for _ in range(400):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        while widget is not None and not widget.objectName():
            widget = widget.parentWidget()
        if widget is not None:
            reached.add(widget.objectName())
    wanted = {n for n, p in PARAMETERS.items() if p.kind != "mix"}
    wanted |= {f"chemistry_mix.{c}" for c in CHEMISTRIES}
    assert wanted <= reached, sorted(wanted - reached)


def test_chemistry_shares_always_sum_to_100(window):
    lfp = spin(window, "chemistry_mix.LFP")
    before = dict(window.session.get("chemistry_mix"))
    lfp.setValue(60.0)
    settle()
    mix = window.session.get("chemistry_mix")
    assert mix["LFP"] == pytest.approx(0.6)
    assert sum(mix.values()) == pytest.approx(1.0)
    # the others keep their proportions
    rest_before = {c: s for c, s in before.items() if c != "LFP"}
    scale = 0.4 / sum(rest_before.values())
    for chem, share in rest_before.items():
        assert mix[chem] == pytest.approx(share * scale)
    total = sum(spin(window, f"chemistry_mix.{c}").value() for c in CHEMISTRIES)
    assert total == pytest.approx(100.0, abs=0.2)


def test_mix_going_to_one_chemistry_and_back(window):
    spin(window, "chemistry_mix.NA_ION").setValue(100.0)
    settle()
    assert window.session.get("chemistry_mix")["NA_ION"] == pytest.approx(1.0)
    spin(window, "chemistry_mix.NA_ION").setValue(50.0)
    settle()
    mix = window.session.get("chemistry_mix")
    assert mix["NA_ION"] == pytest.approx(0.5)
    assert sum(mix.values()) == pytest.approx(1.0)


def test_what_changed_lists_both_values_and_jumps_to_the_lever(window, qtbot):
    type_value(qtbot, spin(window, "mode_shift"), "20")
    items = window.changes.list
    names = [items.item(i).data(Qt.ItemDataRole.UserRole) for i in range(items.count())]
    assert names == ["mode_shift"]
    text = items.item(0).text()
    assert "20 %" in text and "baseline 0 %" in text
    window.levers.search.setFocus()
    items.itemClicked.emit(items.item(0))
    settle()
    assert QApplication.focusWidget() is spin(window, "mode_shift")


def test_headline_shows_change_against_baseline(window, qtbot):
    card = window.headline.cards["pack_cost"]
    assert "= baseline" in card.delta.text()
    type_value(qtbot, spin(window, "lithium_price"), "60000")
    assert "+" in card.delta.text() and "vs baseline" in card.delta.text()
    year = window.headline.year.value()
    i = list(window.session.results.years).index(year)
    expected = window.session.results.series["pack_cost"][i]
    assert card.value.text().startswith(f"{expected:,.0f}<")
    assert card.accessibleName() == f"Pack cost: {expected:,.0f} USD/kWh"


def test_out_of_range_combination_is_refused_with_a_message(window, qtbot):
    type_value(qtbot, spin(window, "start_year"), "2045")
    assert window.session.get("start_year") == 2045
    type_value(qtbot, spin(window, "end_year"), "2040")
    assert window.session.get("end_year") == 2050
    assert "end_year" in window.statusBar().currentMessage()
    assert spin(window, "end_year").value() == 2050


def test_changing_the_time_axis_recomputes_the_baseline(window, qtbot):
    type_value(qtbot, spin(window, "end_year"), "2040")
    assert len(curve_y(window.charts.pack.total)) == 16
    assert len(curve_y(window.charts.pack.ghost)) == 16
    assert window.headline.year.maximum() == 2040


def test_search_filters_levers(window, qtbot):
    qtbot.keyClicks(window.levers.search, "cobalt")
    assert window.levers.levers["cobalt_price"].isVisibleTo(window)
    assert not window.levers.levers["lithium_price"].isVisibleTo(window)
    window.levers.search.clear()
    assert window.levers.levers["lithium_price"].isVisibleTo(window)


def test_advanced_group_starts_collapsed(window):
    assert not window.levers.sections["advanced"].expanded
    assert window.levers.sections["minerals"].expanded


def test_axes_carry_units_without_si_prefix(window):
    for chart in window.charts.charts:
        axis = chart.plot.getAxis("left")
        assert axis.autoSIPrefix is False
        assert chart.unit and chart.unit in axis.labelText


def test_hover_shows_year_and_values(window):
    chart = window.charts.pack
    vb = chart.plot.getViewBox()
    scene_pos = vb.mapViewToScene(QPointF(2035.2, 50.0))
    chart._on_mouse((scene_pos,))
    assert chart.hover_text.isVisible()
    html = chart.hover_text.textItem.toHtml()
    assert "2035" in html
    i = list(window.session.results.years).index(2035)
    assert f"{window.session.results.series['pack_cost'][i]:,.1f}" in html


def test_parity_marker_follows_the_scenario(window, qtbot):
    price = window.charts.price
    assert price.parity.isVisible()
    assert price.parity.value() == window.session.results.scalars["cost_parity_year"]
    window.levers.sections["advanced"].set_expanded(True)
    type_value(qtbot, spin(window, "ice_vehicle_price"), "15000")
    assert window.session.results.scalars["cost_parity_year"] is None
    assert not price.parity.isVisible()
    card = window.headline.cards["cost_parity_year"]  # the EV is still dearer that year
    premium = window.session.results.series["ev_price_premium"][
        list(window.session.results.years).index(window.headline.year.value())]
    assert card.accessibleName() == f"Price parity with gasoline: {premium:,.0f} USD dearer"
    assert "never reached" in card.toolTip()
    assert "baseline: 20" in card.delta.text()  # the baseline's parity year


def test_mineral_picker_switches_series_and_unit(window):
    chart = window.charts.mineral
    combo = window.findChild(QComboBox, "mineral_choice")
    combo.setCurrentIndex(combo.findData("nickel"))
    settle()
    np.testing.assert_allclose(curve_y(chart.demand),
                               window.session.results.series["nickel_demand"])
    assert chart.plot.getAxis("left").labelText == "kt"
    combo.setCurrentIndex(combo.findData("lithium"))
    assert chart.plot.getAxis("left").labelText == "kt LCE"


def test_many_redraws_with_grabs_stay_alive(window):
    """A binding that breaks pyqtgraph updates (PySide6 6.12.0) fails here, not for a user."""
    slider = window.findChild(QSlider, "demand_growth__slider")
    slider.setSliderDown(True)
    for position in range(0, 1000, 10):
        slider.setValue(position)
        settle()
        window.charts.grab()
    slider.setSliderDown(False)
    settle()
    expected = evaluate({"demand_growth": window.session.get("demand_growth")})
    np.testing.assert_allclose(curve_y(window.charts.avoided.ghost),
                               evaluate().series["fleet_emissions_avoided"])
    np.testing.assert_allclose(curve_y(window.charts.pack.total), expected.series["pack_cost"])

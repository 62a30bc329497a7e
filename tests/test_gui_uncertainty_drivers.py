"""The Drivers tab, driven like a user (offscreen): the tornado fills and follows the levers,
the output and the year; a bar jumps to its lever; Sobol runs in the background with progress,
can be cancelled, and goes stale when the levers change."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import settle, spin, type_value
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox

from evexplorer.analysis.sensitivity import sobol, tornado
from evexplorer.analysis.uncertainty import default_spec
from evexplorer.model import PARAMETERS

pytestmark = pytest.mark.gui

WAIT_MS = 60_000

#: Three uncertain levers: a Sobol analysis of them is quick.
THREE = {"seed": 5, "levers": {
    "lithium_price": {"distribution": "loguniform", "spread": "relative", "low": 0.6,
                      "high": 3.0},
    "learning_rate": {"distribution": "uniform", "spread": "absolute", "low": -3.0,
                      "high": 5.0},
    "demand_growth": {"distribution": "uniform", "spread": "absolute", "low": -7.0,
                      "high": 7.0}},
    "correlations": [{"a": "lithium_price", "b": "demand_growth", "rho": 0.3}]}


def open_drivers(window, qtbot):
    """Analysis ▸ Drivers (Ctrl+Shift+D): the tab comes to the front with its tornado."""
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+D"))
    drivers = window.drivers
    assert window.analysis_tabs.currentWidget() is drivers
    assert drivers.objectName() == "drivers"
    qtbot.waitUntil(lambda: drivers.tornado_result is not None, timeout=WAIT_MS)
    return drivers


def wait_for_tornado(drivers, qtbot, check) -> None:
    qtbot.waitUntil(lambda: drivers.tornado_result is not None and check(drivers.tornado_result),
                    timeout=WAIT_MS)


def test_the_drivers_tab_is_in_the_analysis_tabs_and_filled_at_start(window, qtbot):
    tabs = window.analysis_tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert "&Drivers" in titles and tabs.widget(titles.index("&Drivers")) is window.drivers
    assert window.findChild(QAction, "show_drivers") is not None
    assert not window.drivers.isVisible()  # the Scenario tab is in front ...
    # ... yet the tornado is computed once the window is up, ready when the tab is shown
    qtbot.waitUntil(lambda: window.drivers.tornado_result is not None, timeout=WAIT_MS)
    assert window.drivers.tornado.count() == len(default_spec().levers)


def test_the_tornado_fills_with_every_uncertain_lever_labelled_with_units(window, qtbot):
    drivers = open_drivers(window, qtbot)
    expected = tornado(window.session.values, default_spec(), "pack_cost", 2030)
    result = drivers.tornado_result
    assert [b.name for b in result.bars] == [b.name for b in expected.bars]
    assert result.value == pytest.approx(expected.value)
    rows = drivers.tornado
    assert rows.count() == len(default_spec().levers)
    first = rows.item(0)
    top = PARAMETERS[expected.bars[0].name]
    assert first.data(Qt.ItemDataRole.UserRole) == top.name
    text = first.text()
    assert top.label in text and top.unit in text and "USD/kWh" in text
    assert top.format_with_unit(expected.bars[0].low_value) in text
    assert "82.2" in drivers.summary.text() or f"{expected.value:.1f}" in drivers.summary.text()


def test_the_tornado_goes_to_reports_as_driver_rows(window, qtbot):
    from evexplorer.app.on_screen import snapshot_of

    drivers = open_drivers(window, qtbot)
    bars = drivers.tornado_result.bars
    rows = window.session.drivers
    assert len(rows) == 10
    top = PARAMETERS[bars[0].name]
    assert rows[0]["output"] == "Pack cost in 2030" and rows[0]["lever"] == top.label
    assert rows[0]["lever at P10"] == top.format_with_unit(bars[0].low_value)
    assert rows[0]["output at P90"].endswith(" USD/kWh")
    assert [dict(r) for r in snapshot_of(window.session).drivers] == [dict(r) for r in rows]
    # the levers move: no rows until the new tornado, then the new ones
    type_value(qtbot, spin(window, "lithium_price"), "40000")
    assert window.session.drivers == ()
    qtbot.waitUntil(lambda: window.session.drivers != (), timeout=WAIT_MS)
    expected = tornado(window.session.values, default_spec(), "pack_cost", 2030)
    assert window.session.drivers[0]["lever"] == PARAMETERS[expected.bars[0].name].label


def test_the_tornado_follows_levers_output_and_year(window, qtbot):
    drivers = open_drivers(window, qtbot)
    type_value(qtbot, spin(window, "lithium_price"), "40000")
    expected = tornado(window.session.values, default_spec(), "pack_cost", 2030)
    wait_for_tornado(drivers, qtbot, lambda r: r.value == pytest.approx(expected.value))
    assert drivers.tornado.item(0).data(Qt.ItemDataRole.UserRole) == expected.bars[0].name
    # another output, chosen from the combo by keyboard: a scalar, which has no year
    combo = window.findChild(QComboBox, "drivers_output")
    combo.setFocus()
    combo.setCurrentIndex(combo.findData("cost_parity_year"))
    assert not drivers.year.isEnabled()
    wait_for_tornado(drivers, qtbot, lambda r: r.output == "cost_parity_year")
    assert drivers.tornado_result.year is None
    assert "Price parity year" in drivers.summary.text()
    combo.setCurrentIndex(combo.findData("ev_lifecycle_emissions"))
    drivers.year.setValue(2040)
    expected = tornado(window.session.values, default_spec(), "ev_lifecycle_emissions", 2040)
    wait_for_tornado(drivers, qtbot, lambda r: (r.output, r.year) ==
                     ("ev_lifecycle_emissions", 2040))
    assert drivers.tornado_result.value == pytest.approx(expected.value)
    assert "g CO2e/km" in drivers.tornado.item(0).text()


def test_clicking_a_bar_goes_to_its_lever(window, qtbot):
    drivers = open_drivers(window, qtbot)
    rows = drivers.tornado
    item = rows.item(1)
    name = item.data(Qt.ItemDataRole.UserRole)
    qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton,
                     pos=rows.visualItemRect(item).center())
    assert QApplication.focusWidget() is spin(window, name)
    # and by keyboard: the first bar, Enter
    rows.setFocus()
    rows.setCurrentRow(0)
    QTest.keyClick(rows, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is spin(window, rows.item(0).data(Qt.ItemDataRole.UserRole))


def test_sobol_runs_in_the_background_with_progress_and_matches_the_analysis(window, qtbot):
    window.session.set_uncertainty(THREE)
    drivers = open_drivers(window, qtbot)
    drivers.samples.setCurrentIndex(drivers.samples.findData(1024))
    fractions = []
    drivers.task.progress.connect(lambda number, fraction: fractions.append(fraction))
    with qtbot.waitSignal(drivers.task.finished, timeout=WAIT_MS):
        qtbot.mouseClick(drivers.run_sobol, Qt.MouseButton.LeftButton)
        assert drivers.cancel.isEnabled() and drivers.progress.isVisible()
    assert fractions and fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert not drivers.progress.isVisible() and not drivers.cancel.isEnabled()
    from evexplorer.analysis.uncertainty import UncertaintySpec

    expected = sobol(window.session.values, UncertaintySpec.from_record(THREE), "pack_cost",
                     2030, n=1024)
    ix = expected.indices
    rows = drivers.indices
    assert rows.isVisible() and rows.count() == 3
    order = np.argsort(-ix.total)
    for row, i in enumerate(order):
        item = rows.item(row)
        assert item.data(Qt.ItemDataRole.UserRole) == ix.names[i]
        label = PARAMETERS[ix.names[i]].label
        assert item.text() == (
            f"{label}: first order {ix.first[i]:.2f} ({ix.first_conf[i][0]:.2f} to "
            f"{ix.first_conf[i][1]:.2f}), total order {ix.total[i]:.2f} "
            f"({ix.total_conf[i][0]:.2f} to {ix.total_conf[i][1]:.2f})")
    status = drivers.status.text()
    assert "1,024 base samples" in status and "Correlations left out" in status
    assert "Lithium carbonate price ~ EV sales growth (0.3)" in status
    # a row goes to its lever
    qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton,
                     pos=rows.visualItemRect(rows.item(0)).center())
    assert QApplication.focusWidget() is spin(window, ix.names[order[0]])
    # the levers move: the indices stay, marked stale
    type_value(qtbot, spin(window, "lithium_price"), "30000")
    assert drivers.sobol_stale and drivers.status.text().startswith("Stale")
    assert rows.count() == 3 and rows.toolTip().startswith("Stale")


def test_sobol_can_be_cancelled(window, qtbot):
    drivers = open_drivers(window, qtbot)
    drivers.samples.setCurrentIndex(drivers.samples.findData(16384))
    with qtbot.waitSignal(drivers.task.progress, timeout=WAIT_MS):
        qtbot.mouseClick(drivers.run_sobol, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(drivers.task.finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(drivers.cancel, Qt.MouseButton.LeftButton)
    from evexplorer.analysis.sensitivity import Cancelled

    assert isinstance(finished.args[0].error, Cancelled)
    assert drivers.status.text() == "Sobol analysis cancelled."
    assert drivers.sobol_result is None and not drivers.indices.isVisible()
    assert not drivers.progress.isVisible()


def test_a_second_run_replaces_the_first(window, qtbot):
    window.session.set_uncertainty(THREE)
    drivers = open_drivers(window, qtbot)
    drivers.samples.setCurrentIndex(drivers.samples.findData(16384))
    qtbot.mouseClick(drivers.run_sobol, Qt.MouseButton.LeftButton)
    drivers.samples.setCurrentIndex(drivers.samples.findData(1024))
    settle()
    with qtbot.waitSignal(drivers.task.finished, timeout=WAIT_MS,
                          check_params_cb=lambda done: done.token[0] == 2):
        qtbot.mouseClick(drivers.run_sobol, Qt.MouseButton.LeftButton)
    assert drivers.sobol_result.indices.n_base == 1024 and not drivers.sobol_stale


def test_no_uncertain_lever_says_so(window, qtbot):
    drivers = open_drivers(window, qtbot)
    window.session.set_uncertainty({"seed": 1, "levers": {}, "correlations": []})
    qtbot.waitUntil(lambda: drivers.tornado_result is None, timeout=WAIT_MS)
    assert "No lever is uncertain" in drivers.summary.text() and drivers.tornado.count() == 0

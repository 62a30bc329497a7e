"""Live uncertainty bands in the window, driven like a user (offscreen): the bands follow a
drag and settle on the 1,000-sample band of the final levers, View ▸ Show Uncertainty stops
their computation, the headline cards show P10–P90, and the uncertainty travels in the file."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from gui_helpers import settle, spin, type_value
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QSlider
from test_session_uncertainty import IMPOSSIBLE

from evexplorer.analysis.bands import compute_bands
from evexplorer.analysis.sampling import sampled_parameters
from evexplorer.analysis.uncertainty import default_spec
from evexplorer.model import evaluate

pytestmark = pytest.mark.gui

WAIT_MS = 60_000  # the background thread shares two cores with other test runs


def settled(window, qtbot) -> None:
    """Wait until the window shows the 1,000-sample band of the current levers."""
    qtbot.waitUntil(lambda: window.uncertainty.settled, timeout=WAIT_MS)


def assert_same_bands(bands, expected) -> None:
    assert bands is not None
    assert bands.n_samples == expected.n_samples and bands.seed == expected.seed
    assert bands.series.keys() == expected.series.keys()
    for name, rows in expected.series.items():
        np.testing.assert_array_equal(bands.series[name], rows, err_msg=name)
    for name, rows in expected.scalars.items():
        np.testing.assert_array_equal(bands.scalars[name], rows, err_msg=name)


def test_the_window_opens_with_bands_of_the_baseline(window, qtbot):
    settled(window, qtbot)
    controller = window.uncertainty
    assert window.show_uncertainty_action.isChecked()
    assert window.jobs.started.get("warm_up") == 1  # SciPy's samplers warmed in the background
    expected = compute_bands(window.session.values, default_spec(), 1000,
                             series=controller.series)
    assert_same_bands(window.session.bands, expected)
    # the series the charts and cards draw, not every series
    assert {"pack_cost", "ev_price", "lithium_demand", "fleet_emissions_avoided",
            "breakeven_distance"} <= set(window.session.bands.series)


def test_bands_follow_a_drag_never_more_than_one_step_behind(window, qtbot):
    settled(window, qtbot)
    controller = window.uncertainty
    spec = controller.spec()
    values = {controller.generation: dict(window.session.values)}

    def check() -> None:
        bands = window.session.bands
        if bands is None:  # hidden: it would have been two steps behind
            assert controller.on_screen is None
            return
        generation, samples = controller.on_screen
        assert generation >= controller.generation - 1  # this position or the one before
        assert_same_bands(bands, compute_bands(values[generation], spec, samples,
                                               series=controller.series))

    slider = window.findChild(QSlider, "lithium_price__slider")
    slider.setSliderDown(True)
    for position in range(slider.value(), slider.value() + 300, 30):
        slider.setValue(position)
        settle()
        values[controller.generation] = dict(window.session.values)
        check()
        qtbot.wait(5)  # the hand moves on: the worker may or may not have caught up
        check()
    slider.setSliderDown(False)
    settled(window, qtbot)
    assert window.session.get("lithium_price") > 10_000
    assert_same_bands(window.session.bands, compute_bands(window.session.values, spec, 1000,
                                                          series=controller.series))


def test_a_band_two_steps_behind_is_hidden_until_a_new_one_comes(window, qtbot):
    settled(window, qtbot)
    controller = window.uncertainty
    gate = threading.Event()
    window.jobs.submit("gate", None, gate.wait, priority=-5)  # the worker is held up
    try:
        qtbot.waitUntil(lambda: window.jobs.started.get("gate") == 1, timeout=WAIT_MS)
        slider = window.findChild(QSlider, "demand_growth__slider")
        slider.setSliderDown(True)
        slider.setValue(slider.value() + 20)
        settle()
        assert window.session.bands is not None  # one step behind: still shown
        assert controller.on_screen[0] == controller.generation - 1
        slider.setValue(slider.value() + 20)
        settle()
        assert window.session.bands is None and controller.on_screen is None
        assert window.headline.cards["pack_cost"].range.text() == ""
        slider.setSliderDown(False)
    finally:
        gate.set()
    settled(window, qtbot)
    assert_same_bands(window.session.bands, compute_bands(
        window.session.values, controller.spec(), 1000, series=controller.series))


def test_show_uncertainty_off_stops_all_band_computation(window, qtbot):
    settled(window, qtbot)
    action = window.findChild(QAction, "show_uncertainty")
    card = window.headline.cards["pack_cost"]
    assert card.range.isVisible() and card.range.text()
    started = window.jobs.started.get("bands", 0)
    QTest.keySequence(window, QKeySequence("Ctrl+U"))  # View ▸ Show Uncertainty, by keyboard
    assert not action.isChecked()
    assert window.session.bands is None and not card.range.isVisible()
    type_value(qtbot, spin(window, "lithium_price"), "25000")
    slider = window.findChild(QSlider, "demand_growth__slider")
    for _ in range(5):
        slider.setValue(slider.value() + 10)
        settle()
    qtbot.wait(300)
    assert window.jobs.started.get("bands", 0) == started
    assert not window.jobs.pending("bands") and window.session.bands is None
    action.trigger()  # on again: the band of the levers as they are now
    assert card.range.isVisible()
    settled(window, qtbot)
    assert_same_bands(window.session.bands, compute_bands(
        window.session.values, default_spec(), 1000, series=window.uncertainty.series))


def _percentile_never_last(values: np.ndarray, q: float) -> float:
    """numpy's default percentile with "never" (NaN) ordered after every number (inf)."""
    ordered = np.sort(np.where(np.isnan(values), np.inf, values))
    position = q / 100 * (ordered.size - 1)
    below, above = ordered[int(np.floor(position))], ordered[int(np.ceil(position))]
    if np.isinf(above) and position != np.floor(position):
        return np.inf
    return float(below + (position - np.floor(position)) * (above - below))


def test_headline_cards_show_p10_p90_from_an_independent_monte_carlo(window, qtbot):
    type_value(qtbot, spin(window, "lithium_price"), "40000")
    settled(window, qtbot)
    # The same 1,000 samples run through the model here, percentiles by numpy.
    values = dict(window.session.values)
    batch = evaluate(sampled_parameters(values, default_spec(), 1000))
    i = int(np.searchsorted(batch.years, 2030))
    p10, p90 = np.percentile(batch.series["pack_cost"][:, i], [10, 90])
    pack = window.headline.cards["pack_cost"].range.text()
    assert pack in (f"P10–P90: {p10:.0f}–{p90:.0f} USD/kWh", f"P10–P90: {p10:.0f}–{p90:.0f}",
                    f"{p10:.0f}–{p90:.0f}")
    parity = batch.scalars["cost_parity_year"]
    never = np.isnan(parity).mean()
    assert 0.1 < never < 0.9  # some samples never reach parity: the card says how many
    first = round(_percentile_never_last(parity, 10))
    assert np.isinf(_percentile_never_last(parity, 90))
    text = window.headline.cards["cost_parity_year"].range.text()
    assert text in (f"P10 {first}; {100 * never:.0f} % never",
                    f"{first}–never ({100 * never:.0f} %)")
    # Each card's range is of the figure it shows: the lithium card shows the shortfall in
    # kt LCE of the chosen year (not the count of short years it is keyed by).
    s10, s90 = np.percentile(batch.series["lithium_shortfall"][:, i], [10, 90])
    shortfall = window.headline.cards["lithium_shortfall_years"].range.text()
    assert f"{s10:,.0f}–{s90:,.0f}" in shortfall, shortfall
    # the cards follow the chosen year
    window.headline.year.setValue(2040)
    j = int(np.searchsorted(batch.years, 2040))
    q10, q90 = np.percentile(batch.series["pack_cost"][:, j], [10, 90])
    assert f"{q10:.0f}–{q90:.0f}" in window.headline.cards["pack_cost"].range.text()


def test_an_unusable_uncertainty_gives_one_sentence_and_no_bands(window, qtbot):
    settled(window, qtbot)
    window.session.set_uncertainty(IMPOSSIBLE)
    settle()
    assert window.session.bands is None
    message = window.statusBar().currentMessage()
    assert message.startswith("No uncertainty bands: ") and "correlation matrix" in message
    assert message.count(".") == 1
    window.session.undo()
    settled(window, qtbot)
    assert window.session.bands is not None


def test_uncertainty_edited_in_the_window_is_saved_and_comes_back(window, qtbot, monkeypatch,
                                                                  tmp_path):
    settled(window, qtbot)
    editor = open_editor(window, qtbot, "lithium_price")
    editor.distribution.setCurrentIndex(editor.distribution.findData("uniform"))
    editor.distribution.activated.emit(editor.distribution.currentIndex())
    type_value(qtbot, editor.high, "20000")
    record = window.session.uncertainty
    assert record["levers"]["lithium_price"]["distribution"] == "uniform"
    assert record["levers"]["lithium_price"]["high"] == pytest.approx(2.0)
    assert window.isWindowModified()
    editor.window().close()
    settled(window, qtbot)
    before = window.session.bands
    path = tmp_path / "narrow.evx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(path), "EV Explorer scenario (*.evx)"))
    assert window.save_as()
    window.new_scenario()
    settled(window, qtbot)
    assert window.session.uncertainty is None
    assert window.open_file(str(path), ask=False)
    assert dict(window.session.uncertainty) == record and not window.isWindowModified()
    settled(window, qtbot)
    assert_same_bands(window.session.bands, before)


def open_editor(window, qtbot, name: str):
    """Click a lever's i button; return the uncertainty editor in its panel."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QToolButton

    window.levers.focus_lever(name)
    button = window.findChild(QToolButton, f"{name}__info")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    popup = window.levers.levers[name].info_popup
    qtbot.waitUntil(popup.isVisible)
    assert popup.editor is not None
    return popup.editor

"""The attribution waterfall driven like a user: a preset as the reference, Analysis ▸ Explain the
Change, bars that add up to the change, live updates once the levers are still, another output,
a bar clicked (or chosen with the keyboard) takes the focus to its lever (offscreen)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from gui_helpers import choose_in_combo, settle, spin, trigger, type_value
from hypothesis import assume, given
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from test_gui_reference import pick_reference

from evexplorer.analysis.attribution import EXACT_LIMIT
from evexplorer.model import PARAMETERS, evaluate
from evexplorer.session import NamedScenario, presets


def at(results, name: str, year: int) -> float:
    return float(results.series[name][list(results.years).index(year)])


pytestmark = pytest.mark.gui


@pytest.fixture
def view(window):
    trigger(window, "show_attribution")
    assert window.analysis_tabs.currentWidget() is window.attribution_view
    return window.attribution_view


def lever_bars(view):
    return [b for b in view.waterfall.bars if b.kind == "lever"]


def test_a_preset_as_reference_and_the_bars_add_up_to_the_change(window, qtbot, view):
    pick_reference(window, qtbot, "Preset: Lithium squeeze")
    qtbot.waitUntil(lambda: not view.pending)
    squeeze = next(p for p in presets() if p.title == "Lithium squeeze")
    split = view.result
    assert split is not None and split.output == "pack_cost" and split.year == 2030
    assert split.method == "exact"
    assert split.reference == pytest.approx(at(evaluate(squeeze.parameters), "pack_cost", 2030))
    assert split.scenario == pytest.approx(at(evaluate(), "pack_cost", 2030))
    bars = view.waterfall.bars
    assert [b.kind for b in bars] == ["reference", *["lever"] * len(split.contributions),
                                      "scenario"]
    levers = lever_bars(view)
    # the bars' heights add up exactly to scenario - reference, and they chain
    assert math.fsum(b.effect for b in levers) == pytest.approx(split.scenario - split.reference,
                                                                abs=1e-9)
    assert levers[0].start == split.reference
    for a, b in itertools.pairwise(levers):
        assert b.start == a.end
    assert levers[-1].end == pytest.approx(split.scenario, abs=1e-9)
    # one bar per lever that differs, labelled with its label and from -> to with units
    assert {b.name for b in levers} == set(window.session.changed_levers())
    for bar in levers:
        assert bar.label == PARAMETERS[bar.name].label
        assert "→" in bar.detail and "USD/kWh" in bar.value_text
    growth = next(b for b in levers if b.name == "supply_growth")
    param = PARAMETERS["supply_growth"]
    assert growth.detail == (f"{param.format(squeeze.parameters['supply_growth'])} %/yr → "
                             f"{param.format(param.default)} %/yr")
    # on screen: the bars' pixel lengths add up to the distance between the two totals
    wf = view.waterfall
    low, high = wf.scale()
    pixels = sum((wf.bar_rect(i).width() if b.effect >= 0 else -wf.bar_rect(i).width())
                 for i, b in enumerate(bars) if b.kind == "lever")
    expected = wf._x(split.scenario, low, high) - wf._x(split.reference, low, high)
    assert pixels == pytest.approx(expected, abs=len(levers))
    assert "Lithium squeeze" in bars[0].label
    assert "total change" in bars[-1].detail
    assert "Pack cost in 2030: an exact Shapley split" in view.summary.text()


def test_the_waterfall_waits_for_the_levers_to_be_still_then_updates(window, qtbot, view):
    type_value(qtbot, spin(window, "lithium_price"), "30000")
    qtbot.waitUntil(lambda: not view.pending)
    first = view.compute_count
    assert [b.name for b in lever_bars(view)] == ["lithium_price"]
    type_value(qtbot, spin(window, "recycling_rate"), "70")
    type_value(qtbot, spin(window, "battery_size"), "80")
    assert view.pending and view.waterfall.stale  # drawn faded until the hand pauses
    qtbot.waitUntil(lambda: not view.pending)
    assert view.compute_count == first + 1  # one attribution for the burst
    assert not view.waterfall.stale
    assert {b.name for b in lever_bars(view)} == {"lithium_price", "recycling_rate",
                                                   "battery_size"}
    scenario = evaluate({"lithium_price": 30_000, "recycling_rate": 70, "battery_size": 80})
    assert view.result.scenario == pytest.approx(at(scenario, "pack_cost", 2030))
    assert math.fsum(b.effect for b in lever_bars(view)) == pytest.approx(
        view.result.change, abs=1e-9)


def test_another_output_and_year_chosen_with_the_keyboard(window, qtbot, view):
    type_value(qtbot, spin(window, "grid_decarbonization"), "6")
    type_value(qtbot, spin(window, "renewable_share"), "80")
    choose_in_combo(qtbot, view.output, "ev_lifecycle_emissions")
    type_value(qtbot, view.year, "2040")
    qtbot.waitUntil(lambda: not view.pending)
    split = view.result
    assert (split.output, split.year, split.unit) == ("ev_lifecycle_emissions", 2040,
                                                      "g CO2e/km")
    assert split.scenario == pytest.approx(at(evaluate(window.session.values),
                                              "ev_lifecycle_emissions", 2040))
    assert all("g CO2e/km" in b.value_text for b in lever_bars(view))
    assert split.change < 0 and all(b.effect < 0 for b in lever_bars(view))
    choose_in_combo(qtbot, view.output, "fleet_emissions_avoided_total")
    assert not view.year.isEnabled()  # a scalar covers every year shown
    assert view.result.year is None and "Mt CO2e" in view.waterfall.bars[0].value_text


def test_clicking_a_bar_or_pressing_enter_goes_to_its_lever(window, qtbot, view):
    type_value(qtbot, spin(window, "lithium_price"), "30000")
    type_value(qtbot, spin(window, "cell_energy"), "50")
    qtbot.waitUntil(lambda: not view.pending)
    wf = view.waterfall
    index = next(i for i, b in enumerate(wf.bars) if b.name == "cell_energy")
    wf.setFocus()
    point = wf.bar_rect(index).center().toPoint()
    view.scroll.ensureVisible(point.x(), point.y())
    qtbot.mouseClick(wf, Qt.MouseButton.LeftButton, pos=point)
    settle()
    assert QApplication.focusWidget() is spin(window, "cell_energy")
    wf.setFocus()
    wf.current = -1
    qtbot.keyClick(wf, Qt.Key.Key_Down)  # the reference row
    target = wf.bars[1].name
    qtbot.keyClick(wf, Qt.Key.Key_Down)  # the first lever
    assert target in wf.accessibleDescription() or wf.bars[1].label in \
        wf.accessibleDescription()
    qtbot.keyClick(wf, Qt.Key.Key_Return)
    settle()
    assert QApplication.focusWidget() is spin(window, target)


def test_beyond_twelve_levers_a_sampled_estimate_labelled_as_such(window, qtbot, view):
    numeric = [n for n, p in PARAMETERS.items() if p.numeric and p.kind == "float"
               and n not in ("start_year", "end_year")][:EXACT_LIMIT + 2]
    far = {n: float(np.clip(PARAMETERS[n].default * 1.3 if PARAMETERS[n].default else
                            PARAMETERS[n].maximum / 2, PARAMETERS[n].minimum,
                            PARAMETERS[n].maximum)) for n in numeric}
    window.session.set_reference(NamedScenario.of("Far away", far))
    qtbot.waitUntil(lambda: not view.pending)
    split = view.result
    assert split.method == "sampled" and len(split.contributions) == len(numeric)
    assert "a sampled estimate ± standard error" in view.summary.text()
    assert any(b.error > 0 and "±" in b.value_text for b in lever_bars(view))
    assert math.fsum(b.effect for b in lever_bars(view)) == pytest.approx(split.change,
                                                                        abs=1e-9)


def test_nothing_to_split_and_an_output_without_a_value_say_so(window, qtbot, view):
    assert view.result is not None and view.result.contributions == ()
    assert "No lever differs from the baseline" in view.summary.text()
    assert view.waterfall.bars == []
    type_value(qtbot, spin(window, "ev_nonbattery_price"), "60000")  # parity never comes
    choose_in_combo(qtbot, view.output, "cost_parity_year")
    qtbot.waitUntil(lambda: not view.pending)
    assert view.result is None and view.waterfall.bars == []
    assert "has no value (never)" in view.summary.text()
    assert view.summary.text().count("\n") == 0


def test_hidden_the_view_computes_nothing_until_shown(window, qtbot, view):
    window.analysis_tabs.setCurrentIndex(0)
    settle()
    count = view.compute_count
    type_value(qtbot, spin(window, "lithium_price"), "20000")
    qtbot.waitUntil(lambda: not view._timer.isActive())  # the settle time passed: idle
    assert view.compute_count == count and view.pending
    trigger(window, "show_attribution")
    assert view.compute_count == count + 1 and not view.pending
    assert [b.name for b in lever_bars(view)] == ["lithium_price"]
    assert view.waterfall.mapTo(window, QPoint(0, 0)).x() > window.width() // 2


@given(st.floats(-1e7, 1e7), st.floats(1e-6, 1e7))
def test_nice_ticks_are_round_and_inside_the_range(low, span):
    from evexplorer.app.attribution_view import nice_ticks

    assume(span >= 1e-6 * max(1.0, abs(low)))  # a range the width of a panel can show
    high = low + span
    ticks = nice_ticks(low, high)
    assert 2 <= ticks.size <= 11
    assert np.all(ticks >= low - 1e-9 * span) and np.all(ticks <= high + 1e-9 * span)
    steps = np.diff(ticks)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-6)
    mantissa = steps[0] / 10.0 ** np.floor(np.log10(steps[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6


def test_values_and_changes_read_with_their_units():
    from evexplorer.app.attribution_view import nice_ticks, signed_quantity

    assert signed_quantity(12.34, "USD/kWh") == "+12.3 USD/kWh"
    assert signed_quantity(-0.0913, "USD/kWh") == "\u22120.0913 USD/kWh"
    assert signed_quantity(-3, "year") == "\u22123.0 years"  # a change of a year is in years
    assert signed_quantity(2.5, "Mt CO2e", 0.25) == "+2.5 ± 0.25 Mt CO2e"
    np.testing.assert_allclose(nice_ticks(78.0, 83.7), [78, 80, 82])
    np.testing.assert_allclose(nice_ticks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(nice_ticks(1, 82), [20, 40, 60, 80])


def test_waterfall_rows_chain_from_the_reference_to_the_scenario():
    from evexplorer.analysis.attribution import attribute
    from evexplorer.app.attribution_view import waterfall_bars

    split = attribute({"lithium_price": 10_000}, {"lithium_price": 30_000, "cell_energy": 50},
                      "pack_cost", 2030)
    bars = waterfall_bars(split, "Plan A")
    assert [b.kind for b in bars] == ["reference", "lever", "lever", "scenario"]
    assert bars[0].label == "Reference: Plan A" and bars[0].start == split.reference
    lithium = next(b for b in bars if b.name == "lithium_price")
    assert lithium.detail == "10,000 USD/t LCE → 30,000 USD/t LCE"
    assert lithium.label == "Lithium carbonate price"
    assert bars[1].start == split.reference and bars[2].start == bars[1].end
    assert bars[2].end == pytest.approx(split.scenario, abs=1e-9)
    assert bars[-1].detail.startswith("total change +") and bars[-1].detail.endswith("USD/kWh")


def test_the_years_shown_are_held_and_said_so(window, qtbot, view):
    type_value(qtbot, spin(window, "end_year"), "2040")
    type_value(qtbot, spin(window, "lithium_price"), "30000")
    qtbot.waitUntil(lambda: not view.pending)
    assert view.result.held == ("end_year",)
    assert [b.name for b in lever_bars(view)] == ["lithium_price"]  # the time axis is no bar
    assert view.note.text() == ("Last year held at the scenario's values (they set the years "
                                "shown).")
    assert view.year.maximum() == 2040  # the year picker offers the years shown
    type_value(qtbot, view.year, "2040")
    qtbot.waitUntil(lambda: not view.pending)
    assert view.result.year == 2040

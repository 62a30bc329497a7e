"""The charts' content driven like a user: honest axes, the price gap, clipped supply, the
supply-concentration view, P10-P90 bands, compared scenarios, legends and "What's This?"
(offscreen)."""

from __future__ import annotations

import doctest
import re

import numpy as np
import pyqtgraph as pg
import pytest
from gui_helpers import axis_texts, curve_y, settle, spin, type_value
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QMenu, QSlider

from evexplorer.analysis.bands import compute_bands
from evexplorer.analysis.uncertainty import UncertaintySpec, default_spec
from evexplorer.app import charts, legend, theme
from evexplorer.app.charts import HIGHLY_CONCENTRATED_HHI, MAX_HHI, split_at_crossings
from evexplorer.model import SERIES, evaluate
from evexplorer.model.data import MINERALS
from evexplorer.session import MAX_COMPARED, presets

pytestmark = pytest.mark.gui

#: The per-mineral refining HHI series arrive with model 2.0.
HAS_MINERAL_HHI = all(f"{m}_refining_hhi" in SERIES for m in MINERALS)
needs_mineral_hhi = pytest.mark.skipif(
    not HAS_MINERAL_HHI, reason="the model does not give {mineral}_refining_hhi series yet "
    "(model 2.0)")


def preset(title: str):
    return next(p for p in presets() if p.title == title)


def bands_now(window):
    """The 1,000-sample bands of the current levers with the default uncertainty."""
    return compute_bands(window.session.values, default_spec(), 1000)


def tick_texts(axis: pg.AxisItem) -> list[str]:
    """The tick labels an axis draws now."""
    return [text for _, text in axis_texts(axis)]


def legend_names(chart) -> list[str]:
    return [name for name, _, _ in chart.legend_label.entries()]


def view_toggle(window, chart) -> QAction:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert isinstance(menu, QMenu)
    return next(a for a in menu.actions() if a.text() == chart.title)


# -- the module's examples ----------------------------------------------------------------------

@pytest.mark.parametrize("module", [charts, legend, theme])
def test_examples_in_the_docstrings_hold(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# -- honest axes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("title", [None, "Lithium squeeze", "Sodium-ion breakthrough"])
def test_every_value_axis_starts_at_zero_and_labels_it(window, title):
    if title is not None:
        window.session.update(dict(preset(title).parameters))
        settle()
    for chart in window.charts.charts:
        low, high = chart.plot.getViewBox().viewRange()[1]
        values = np.concatenate([np.ravel(a) for a in chart._fit_arrays])
        assert low <= 0.0 < high, chart.key
        if np.nanmin(values) >= 0:
            assert low == 0.0, chart.key
        assert "0" in tick_texts(chart.plot.getAxis("left")), chart.key


def test_the_price_axis_starts_at_zero_so_a_ten_percent_move_looks_like_one(window, qtbot):
    chart = window.charts.price
    low, high = chart.plot.getViewBox().viewRange()[1]
    assert low == 0.0
    ev = curve_y(chart.ev)
    assert high >= ev.max()
    # the EV line's drop from first to last year takes the same share of the axis as of the price
    assert (ev[0] - ev[-1]) / (high - low) <= (ev[0] - ev[-1]) / ev[0]


def test_the_price_gap_is_shaded_from_the_premium_series(window, qtbot):
    chart = window.charts.price
    s = window.session.results.series
    premium = s["ev_price_premium"]
    assert np.any(premium > 0) and np.any(premium < 0)  # the baseline crosses parity
    assert chart.premium_fill.isVisible() and chart.saving_fill.isVisible()
    x, lower, upper = chart.premium_fill._drawn
    # the shaded premium spans the gasoline price up to the EV's while the EV costs more
    np.testing.assert_allclose(np.trapezoid(upper - lower, x),
                               positive_area(window.session.results.years, premium))
    x, lower, upper = chart.saving_fill._drawn
    np.testing.assert_allclose(np.trapezoid(upper - lower, x),
                               positive_area(window.session.results.years, -premium))
    assert {"EV premium", "EV saving"} <= set(legend_names(chart))
    window.levers.sections["advanced"].set_expanded(True)
    type_value(qtbot, spin(window, "ice_vehicle_price"), "15000")  # parity never comes
    assert window.session.results.scalars["cost_parity_year"] is None
    assert chart.premium_fill.isVisible() and not chart.saving_fill.isVisible()
    assert "EV saving" not in legend_names(chart)
    assert not chart.parity.isVisible()


def test_hover_on_the_price_chart_gives_the_signed_premium_with_its_unit(window):
    chart = window.charts.price
    i = list(window.session.results.years).index(2026)
    text = chart.hover_html(i)
    premium = window.session.results.series["ev_price_premium"][i]
    assert f"EV premium: {premium:+,.0f}" in text
    assert text.endswith("<i>USD</i>")


def positive_area(x, d) -> float:
    """Exact integral of max(d, 0) for d linear between the points (x, d)."""
    x, d = np.asarray(x, float), np.asarray(d, float)
    total = 0.0
    for x0, x1, d0, d1 in zip(x[:-1], x[1:], d[:-1], d[1:], strict=True):
        if d0 >= 0 and d1 >= 0:
            total += (d0 + d1) / 2 * (x1 - x0)
        elif d0 > 0 or d1 > 0:  # crosses zero: a triangle on the positive side
            top = max(d0, d1)
            total += top * (x1 - x0) * top / (abs(d0) + abs(d1)) / 2
    return total


def test_split_at_crossings_known_value():
    # a rises from 0 to 2 across b = 1: they cross at x = 0.5; above b there is 0.25
    x, a, b = split_at_crossings(np.array([0.0, 1.0]), np.array([0.0, 2.0]),
                                 np.array([1.0, 1.0]))
    assert x.tolist() == [0.0, 0.5, 1.0]
    assert np.trapezoid(np.maximum(a, b) - b, x) == pytest.approx(0.25)
    # without the crossing the area would be 0.5: a fill drawn on the raw points overstates it
    assert np.trapezoid(np.maximum([0.0, 2.0], 1.0) - 1.0, [0.0, 1.0]) == pytest.approx(0.5)


@given(arrays(float, st.integers(2, 30), elements=st.floats(-1e4, 1e4)),
       arrays(float, st.integers(2, 30), elements=st.floats(-1e4, 1e4)))
def test_split_at_crossings_makes_the_shaded_areas_exact(a, b):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    x = np.arange(n, dtype=float) + 2025
    xs, a2, b2 = split_at_crossings(x, a, b)
    assert np.all(np.diff(xs) >= 0)
    d = a2 - b2
    # no segment of the refined polylines changes sign strictly inside it
    assert not np.any(d[:-1] * d[1:] < 0)
    scale = 1.0 + np.abs(a).max() + np.abs(b).max()
    assert np.trapezoid(np.maximum(d, 0), xs) == pytest.approx(positive_area(x, a - b),
                                                                abs=1e-9 * scale * n)
    assert np.trapezoid(np.maximum(-d, 0), xs) == pytest.approx(positive_area(x, b - a),
                                                                 abs=1e-9 * scale * n)


# -- clipped supply, the reference's supply -------------------------------------------------------

def test_supply_above_the_axis_is_marked_with_arrows_and_its_value(window):
    chart = window.charts.mineral
    s = window.session.results.series
    total = s["lithium_supply"] + s["lithium_recycled"]
    top = chart.plot.getViewBox().viewRange()[1][1]
    assert total.max() > top  # the baseline's lithium supply runs far above demand
    years, _ = chart.clipped()
    np.testing.assert_array_equal(years, window.session.results.years[total > top])
    assert chart.clip_arrows.isVisible()
    np.testing.assert_array_equal(chart.clip_arrows.data["x"], years)
    assert np.all(chart.clip_arrows.data["y"] <= top)
    text = chart.clip_text.textItem.toPlainText()
    assert f"supply up to {total.max():,.0f} kt LCE ↑" in text
    assert f"Baseline up to {total.max():,.0f} ↑" in text


def test_no_arrows_when_supply_fits_under_the_axis(window, qtbot):
    chart = window.charts.mineral
    combo = window.findChild(QComboBox, "mineral_choice")
    type_value(qtbot, spin(window, "supply_growth"), "0")  # supply stays below demand
    window.session.set_reference(window.session.current_scenario())
    settle()
    for mineral in MINERALS:
        combo.setCurrentIndex(combo.findData(mineral))
        settle()
        s = window.session.results.series
        total = s[f"{mineral}_supply"] + s[f"{mineral}_recycled"]
        top = chart.plot.getViewBox().viewRange()[1][1]
        assert total.max() <= top, mineral
        years, ghost_years = chart.clipped()
        assert years.size == ghost_years.size == 0
        assert not chart.clip_arrows.isVisible() and not chart.ghost_clip_arrows.isVisible()
        assert not chart.clip_text.isVisible()


def test_the_reference_supply_is_drawn_as_a_dotted_ghost(window):
    chart = window.charts.mineral
    baseline = evaluate().series
    np.testing.assert_allclose(curve_y(chart.ghost_supply),
                               baseline["lithium_supply"] + baseline["lithium_recycled"])
    assert chart.ghost_supply.opts["pen"].style() == Qt.PenStyle.DotLine
    assert "Baseline supply" in legend_names(chart)
    squeeze = preset("Lithium squeeze")
    window.session.set_reference(squeeze)
    settle()
    expected = evaluate(dict(squeeze.parameters)).series
    np.testing.assert_allclose(curve_y(chart.ghost_supply),
                               expected["lithium_supply"] + expected["lithium_recycled"])
    assert "Lithium squeeze supply" in legend_names(chart)


# -- the seventh view ----------------------------------------------------------------------------

def test_supply_concentration_is_a_chart_of_the_grid_and_of_the_view_menu(window, qtbot):
    widget = window.findChild(pg.PlotWidget, "supply_concentration_chart")
    chart = window.charts.concentration
    assert widget is chart.widget and chart in window.charts.charts
    assert chart.key == "supply_concentration" and chart.unit == "HHI"
    assert chart.plot.getAxis("left").labelText == "HHI"
    assert chart.container.isVisible()
    toggle = view_toggle(window, chart)
    toggle.trigger()
    assert not chart.container.isVisible()
    toggle.trigger()
    assert chart.container.isVisible()


def test_supply_concentration_draws_the_weighted_index_and_the_guideline(window):
    chart = window.charts.concentration
    results = window.session.results
    np.testing.assert_allclose(curve_y(chart.weighted), results.series["supply_concentration"])
    np.testing.assert_allclose(curve_y(chart.ghost), results.series["supply_concentration"])
    assert chart.threshold.value() == HIGHLY_CONCENTRATED_HHI == 2_500
    assert chart.threshold_label.textItem.toPlainText() == "2,500 HHI: highly concentrated"
    low, high = chart.plot.getViewBox().viewRange()[1]
    assert low == 0 and high >= MAX_HHI  # the whole index, 0 to 10,000
    assert "Merger Guidelines" in chart.widget.whatsThis()


@needs_mineral_hhi
def test_supply_concentration_draws_one_labelled_line_per_mineral(window):
    chart = window.charts.concentration
    results = window.session.results
    names = legend_names(chart)
    colors = set()
    for mineral, item in chart.minerals.items():
        assert item.isVisible()
        np.testing.assert_allclose(curve_y(item), results.series[f"{mineral}_refining_hhi"])
        assert chart.minerals[mineral].opts["pen"].color().name() == \
            theme.MINERAL_COLORS[mineral].lower()
        colors.add(theme.MINERAL_COLORS[mineral])
    assert len(colors) == len(MINERALS)
    from evexplorer.model.outputs import MINERAL_LABELS
    assert all(MINERAL_LABELS[m] in names for m in MINERALS)


def test_without_mineral_series_only_the_weighted_index_shows(window):
    chart = window.charts.concentration
    names = legend_names(chart)
    from evexplorer.model.outputs import MINERAL_LABELS
    for mineral, item in chart.minerals.items():
        assert item.isVisible() == HAS_MINERAL_HHI
        assert (MINERAL_LABELS[mineral] in names) == HAS_MINERAL_HHI


# -- bands -----------------------------------------------------------------------------------

#: Each chart and the series its band surrounds.
BAND_SERIES = {"pack_cost": "pack_cost", "vehicle_price": "ev_price",
               "minerals": "lithium_demand", "production_emissions": "ev_production_emissions",
               "lifecycle_emissions": "ev_lifecycle_emissions",
               "emissions_avoided": "fleet_emissions_avoided",
               "supply_concentration": "supply_concentration"}


def band_edges(chart) -> tuple[np.ndarray, np.ndarray]:
    """The band a chart draws: lower and upper edge by year."""
    if isinstance(chart, charts.AvoidedChart):
        opts = chart.band_bars.opts
        return opts["y"] - opts["bottom"], opts["y"] + opts["top"]
    _, lower, upper = chart.band_fill._drawn
    return lower, upper


def band_item(chart):
    return chart.band_bars if isinstance(chart, charts.AvoidedChart) else chart.band_fill


def test_bands_surround_the_curves_of_every_chart_and_join_the_legend(window):
    assert window.show_uncertainty_action.isChecked()
    for chart in window.charts.charts:
        assert not band_item(chart).isVisible()
        assert "P10–P90" not in legend_names(chart)
    bands = bands_now(window)
    window.session.set_bands(bands)
    for chart in window.charts.charts:
        name = BAND_SERIES[chart.key]
        assert chart.band_name == name
        assert band_item(chart).isVisible(), chart.key
        lower, upper = band_edges(chart)
        np.testing.assert_allclose(lower, bands.band(name, 10))
        np.testing.assert_allclose(upper, bands.band(name, 90))
        assert "P10–P90" in legend_names(chart), chart.key
        low, high = chart.plot.getViewBox().viewRange()[1]
        assert low <= lower.min() and upper.max() <= high, chart.key  # never cut off


def test_the_band_is_a_pale_tint_of_its_curve_under_it(window):
    window.session.set_bands(bands_now(window))
    chart = window.charts.pack
    color = chart.band_fill.brush().color()
    assert color.name() == chart.total.opts["pen"].color().name()
    assert color.alpha() == theme.BAND_ALPHA < 128
    assert chart.band_fill.zValue() < chart.total.zValue()
    assert chart.band_fill.zValue() > chart.rest_area.zValue()
    entry = next(e for e in chart.legend_label.entries() if e[0] == "P10–P90")
    assert theme.on_white(entry[1]) == theme.on_white(theme.with_alpha(theme.BLUE,
                                                                       theme.BAND_ALPHA))


def test_hover_gives_the_band_range(window):
    bands = bands_now(window)
    window.session.set_bands(bands)
    chart = window.charts.pack
    vb = chart.plot.getViewBox()
    chart._on_mouse((vb.mapViewToScene(QPointF(2035.2, 50.0)),))
    html = chart.hover_text.textItem.toHtml()
    i = list(window.session.results.years).index(2035)
    lo, hi = bands.band("pack_cost", 10)[i], bands.band("pack_cost", 90)[i]
    assert f"P10–P90: {lo:,.1f} – {hi:,.1f}" in html


def test_show_uncertainty_hides_and_shows_every_band(window, qtbot):
    window.session.set_bands(bands_now(window))
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    QTest.keySequence(window, QKeySequence("Ctrl+U"))
    assert not window.show_uncertainty_action.isChecked()
    assert not window.charts.bands_visible()
    for chart in window.charts.charts:
        assert not band_item(chart).isVisible()
        assert "P10–P90" not in legend_names(chart)
    window.show_uncertainty_action.trigger()
    assert window.charts.bands_visible()
    assert window.uncertainty.wait_until_settled()  # the bands are computed again
    settle()
    for chart in window.charts.charts:
        assert band_item(chart).isVisible()
        assert "P10–P90" in legend_names(chart)


def test_bands_of_other_years_are_never_drawn(window, qtbot):
    # The window's own band computation is stopped: the test hands the bands in itself.
    window.uncertainty.set_enabled(False)
    window.session.set_bands(bands_now(window))
    type_value(qtbot, spin(window, "end_year"), "2040")  # the bands still cover 2025-2050
    assert len(window.session.results.years) == 16
    for chart in window.charts.charts:
        assert not band_item(chart).isVisible(), chart.key
        # the legend keeps its entry until the new bands come: it does not jump
        assert "P10–P90" in legend_names(chart)
        assert "P10–P90" not in chart.hover_html(0)
    window.session.set_bands(bands_now(window))
    for chart in window.charts.charts:
        assert band_item(chart).isVisible()
        assert len(band_edges(chart)[0]) == 16


def test_bands_of_the_series_the_charts_name_are_enough(window):
    names = window.charts.band_series()
    assert set(BAND_SERIES.values()) <= set(names)
    assert {f"{m}_demand" for m in MINERALS} <= set(names)
    assert len(names) == len(set(names))
    window.session.set_bands(compute_bands(window.session.values, default_spec(), 300,
                                           series=names))
    combo = window.findChild(QComboBox, "mineral_choice")
    for mineral in MINERALS:
        combo.setCurrentIndex(combo.findData(mineral))
        for chart in window.charts.charts:
            assert band_item(chart).isVisible(), (mineral, chart.key)


def test_a_band_coming_and_going_moves_neither_the_axis_nor_the_legend(window):
    bands = bands_now(window)
    window.session.set_bands(bands)
    settle()
    ranges = {c.key: c.plot.getViewBox().viewRange()[1] for c in window.charts.charts}
    legends = {c.key: c.legend_label.entries() for c in window.charts.charts}
    plots = {c.key: c.widget.geometry() for c in window.charts.charts}
    for _ in range(3):
        window.session.set_bands(None)  # bands on their way: none to draw for a moment
        settle()
        for chart in window.charts.charts:
            assert not band_item(chart).isVisible()
            assert chart.plot.getViewBox().viewRange()[1] == ranges[chart.key], chart.key
            assert chart.legend_label.entries() == legends[chart.key], chart.key
            assert chart.widget.geometry() == plots[chart.key], chart.key
        window.session.set_bands(bands)
        settle()
        for chart in window.charts.charts:
            assert band_item(chart).isVisible()
            assert chart.plot.getViewBox().viewRange()[1] == ranges[chart.key], chart.key


def test_bands_follow_a_slider_drag(window):
    slider = window.findChild(QSlider, "demand_growth__slider")
    spec = default_spec()
    slider.setSliderDown(True)
    for position in range(slider.value(), slider.value() + 300, 100):
        slider.setValue(position)
        settle()
        bands = compute_bands(window.session.values, spec, 1000)
        window.session.set_bands(bands)
        lower, upper = band_edges(window.charts.avoided)
        np.testing.assert_allclose(lower, bands.band("fleet_emissions_avoided", 10))
        np.testing.assert_allclose(upper, bands.band("fleet_emissions_avoided", 90))
        lower, upper = band_edges(window.charts.pack)
        np.testing.assert_allclose(upper, bands.band("pack_cost", 90))
    slider.setSliderDown(False)
    settle()


def only_uncertain(name: str):
    """The default uncertainty of one lever, every other lever certain."""
    default = default_spec()
    return UncertaintySpec(default.seed, {name: default.levers[name]})


def test_a_series_the_uncertainty_does_not_move_gets_no_band(window):
    # the gasoline car's price moves none of the series the charts band
    window.session.set_bands(compute_bands(window.session.values,
                                           only_uncertain("ice_vehicle_price"), 200))
    for chart in window.charts.charts:
        assert not band_item(chart).isVisible(), chart.key
        assert "P10–P90" not in legend_names(chart)
    # the lithium price moves the pack cost
    bands = compute_bands(window.session.values, only_uncertain("lithium_price"), 200)
    window.session.set_bands(bands)
    assert band_item(window.charts.pack).isVisible()
    for chart in window.charts.charts:
        rows = bands.series[chart.band_name]
        assert band_item(chart).isVisible() == bool(np.any(rows[-1] > rows[0])), chart.key


# -- compared scenarios ---------------------------------------------------------------------------

def test_compared_scenarios_overlay_every_chart_in_their_own_colours(window):
    titles = ["Lithium squeeze", "LFP everywhere", "Slow demand with mode shift"]
    entries = [window.session.add_comparison(preset(t)) for t in titles]
    settle()
    colors = [window.charts.compared_color(e.key) for e in entries]
    assert colors == list(theme.COMPARED[:3])
    for chart in window.charts.charts:
        name = chart.compare_name
        for i, entry in enumerate(entries):
            item = chart._compared_items[i]
            assert item.isVisible(), chart.key
            np.testing.assert_allclose(curve_y(item), entry.results.series[name])
            assert item.opts["pen"].color().name() == colors[i].lower()
        assert legend_names(chart)[-3:] == titles, chart.key
        # the reference stays a grey ghost
        assert chart.ghost.opts["pen"].color().name() == theme.GHOST.lower()


def test_removing_a_compared_scenario_removes_its_line_and_frees_its_colour(window):
    first = window.session.add_comparison(preset("Lithium squeeze"))
    second = window.session.add_comparison(preset("LFP everywhere"))
    settle()
    window.session.remove_comparison(first.key)
    settle()
    chart = window.charts.pack
    assert [item.isVisible() for item in chart._compared_items] == [True, False]
    np.testing.assert_allclose(curve_y(chart._compared_items[0]),
                               second.results.series["pack_cost"])
    assert "Lithium squeeze" not in legend_names(chart)
    assert window.charts.compared_color(second.key) == theme.COMPARED[1]  # kept
    third = window.session.add_comparison(preset("Circular 2040"))
    settle()
    assert window.charts.compared_color(third.key) == theme.COMPARED[0]  # the freed one


def test_six_compared_scenarios_get_six_distinct_colours(window):
    for p in presets()[:MAX_COMPARED]:
        window.session.add_comparison(p)
    settle()
    colors = {window.charts.compared_color(e.key) for e in window.session.comparison}
    assert len(colors) == MAX_COMPARED == len(set(theme.COMPARED))
    assert not colors & {theme.GHOST, theme.BLUE, theme.VERMILLION, theme.GREEN, theme.BLACK}
    for chart in window.charts.charts:
        assert sum(item.isVisible() for item in chart._compared_items) == MAX_COMPARED


def test_the_compared_current_scenario_follows_the_levers(window, qtbot):
    window.session.add_comparison()
    settle()
    type_value(qtbot, spin(window, "lithium_price"), "40000")
    expected = evaluate({"lithium_price": 40_000}).series["pack_cost"]
    np.testing.assert_allclose(curve_y(window.charts.pack._compared_items[0]), expected)
    assert "Current scenario" in legend_names(window.charts.pack)


def test_compared_titles_are_shortened_between_words(window):
    long = preset("Lithium squeeze")
    long = long.__class__("A very long scenario title that would fill the legend",
                          long.parameters, long.origin, long.path)
    window.session.add_comparison(long)
    settle()
    name = legend_names(window.charts.pack)[-1]
    assert len(name) <= theme.LEGEND_TITLE_CHARS
    assert name == "A very long scenario title…"


def test_hover_lists_the_compared_scenarios(window):
    entry = window.session.add_comparison(preset("Lithium squeeze"))
    settle()
    chart = window.charts.pack
    i = list(window.session.results.years).index(2030)
    assert f"Lithium squeeze: {entry.results.series['pack_cost'][i]:,.1f}" in chart.hover_html(i)


# -- hidden charts catch up ----------------------------------------------------------------------

def test_a_hidden_chart_catches_up_when_shown_again(window, qtbot):
    chart = window.charts.production
    toggle = view_toggle(window, chart)
    toggle.trigger()
    assert not chart.container.isVisible()
    type_value(qtbot, spin(window, "renewable_share"), "90")
    toggle.trigger()
    settle()
    expected = evaluate({"renewable_share": 90}).series["ev_production_emissions"]
    np.testing.assert_allclose(curve_y(chart.ev), expected)


# -- legends and help ------------------------------------------------------------------------------

def test_legend_entries_hold_their_words_together(window):
    window.session.add_comparison(preset("Slow demand with mode shift"))
    window.session.set_bands(bands_now(window))
    settle()
    for chart in window.charts.charts:
        for label, (name, _, _) in zip(chart.legend_label.labels(), chart.legend_label.entries(),
                                       strict=True):
            text = label.text()
            visible = re.sub(r"<[^>]+>", "", text)
            assert " " not in visible, text  # only non-breaking spaces inside an entry
            assert visible.replace("&nbsp;", " ").endswith(name.replace("&", "&amp;"))


def test_every_chart_says_what_it_shows(window):
    for chart in window.charts.charts:
        text = chart.widget.whatsThis()
        assert chart.title in text and chart.container.whatsThis() == text
        for words in ("reference", "P10–P90", "compar", "starts at zero"):
            assert words in text, (chart.key, words)
    assert "parity" in window.charts.price.widget.whatsThis()
    assert "arrows" in window.charts.mineral.widget.whatsThis()
    assert "2,500" in window.charts.concentration.widget.whatsThis()
    assert "whisker" in window.charts.avoided.widget.whatsThis()


def test_compared_palette_is_distinct_from_the_scenario_colours():
    assert len(set(theme.COMPARED)) == len(theme.COMPARED) == MAX_COMPARED
    roles = {theme.BLUE, theme.ORANGE, theme.SKY, theme.GREEN, theme.VERMILLION, theme.PURPLE,
             theme.BLACK, theme.GHOST}
    assert not {c.upper() for c in theme.COMPARED} & {c.upper() for c in roles}

"""Goal-seek: every value found is evaluated again with ``evaluate`` and must meet the target."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evexplorer.analysis.goal_seek import (
    PARITY_OUTPUT,
    SCAN_POINTS,
    UnreachableTarget,
    goal_seek,
    scan_grid,
    seek_parity,
)
from evexplorer.analysis.readout import AnalysisError
from evexplorer.model import PARAMETERS, ParameterError, evaluate


def output_at(params, output, year):
    results = evaluate(params)
    if year is None:
        return results.scalars[output]
    return float(results.series[output][list(results.years).index(year)])


def test_a_log_lever_is_scanned_geometrically_over_its_whole_range():
    grid = scan_grid("lithium_price")
    assert grid.size == SCAN_POINTS
    assert grid[0] == PARAMETERS["lithium_price"].minimum
    assert grid[-1] == PARAMETERS["lithium_price"].maximum
    ratios = grid[1:] / grid[:-1]
    assert np.allclose(ratios, ratios[0], rtol=1e-9)


def test_a_linear_lever_is_scanned_evenly():
    grid = scan_grid("recycling_rate", 11)
    assert grid.tolist() == pytest.approx([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])


def test_a_whole_number_lever_is_scanned_at_every_whole_value():
    lowest = int(PARAMETERS["chemistry_target_year"].minimum)
    assert scan_grid("chemistry_target_year").tolist() == list(range(lowest, 2061))
    assert scan_grid("price_shock_years", 4).tolist() == [1, 4, 7, 10]


def test_pack_cost_target_through_lithium_price():
    found = goal_seek(None, "lithium_price", "pack_cost", 2030, 100.0)
    achieved = output_at({"lithium_price": found.value}, "pack_cost", 2030)
    assert achieved == pytest.approx(100.0, abs=1e-6)
    assert found.achieved == achieved
    assert found.unit == "USD/t LCE" and found.output_unit == "USD/kWh"
    assert not found.whole_number
    assert found.bracket[0] <= found.value <= found.bracket[1]
    assert found.runs > SCAN_POINTS


@settings(max_examples=15)
@given(st.floats(73.0, 148.0))  # inside the reachable 71.7-149.4 USD/kWh
def test_any_reachable_pack_cost_is_met(target):
    found = goal_seek(None, "lithium_price", "pack_cost", 2030, target)
    assert output_at({"lithium_price": found.value}, "pack_cost", 2030) == pytest.approx(
        target, abs=1e-6)


def test_price_parity_by_a_year_is_a_ready_made_target():
    found = seek_parity({"ev_nonbattery_price": 30_000}, "ice_vehicle_price", 2030)
    assert found.output == PARITY_OUTPUT == "ev_price_premium" and found.target == 0.0
    params = {"ev_nonbattery_price": 30_000, "ice_vehicle_price": found.value}
    assert abs(output_at(params, "ev_price_premium", 2030)) < 1e-6
    # One dollar more for the gasoline car and the EV is at parity in 2030.
    params["ice_vehicle_price"] = found.value + 1
    results = evaluate(params)
    assert results.scalars["cost_parity_year"] <= 2030


def test_non_monotone_output_takes_the_solution_nearest_the_current_value():
    # Pack cost in 2035 first falls with battery size (learning from volume), then rises
    # (scarcity), with its lowest point near 45 kWh: 71 USD/kWh is reached twice.
    low = goal_seek({"battery_size": 20}, "battery_size", "pack_cost", 2035, 71.0)
    high = goal_seek({"battery_size": 140}, "battery_size", "pack_cost", 2035, 71.0)
    assert low.value < 45 < high.value
    for found in (low, high):
        assert output_at({"battery_size": found.value}, "pack_cost", 2035) == pytest.approx(
            71.0, abs=1e-6)


def test_a_whole_number_lever_gives_the_nearest_whole_value_that_meets_the_target():
    base = {"chemistry_mix": "LFP", "chemistry_target_year": 2045}
    start = output_at(base, "pack_cost", 2030)
    target = start - 3.0  # an earlier target year brings cheaper LFP sooner
    found = goal_seek(base, "chemistry_target_year", "pack_cost", 2030, target)
    assert found.whole_number and isinstance(found.value, int)
    assert found.achieved == output_at({**base, "chemistry_target_year": found.value},
                                       "pack_cost", 2030)
    assert found.achieved <= target  # met, from above
    later = output_at({**base, "chemistry_target_year": found.value + 1}, "pack_cost", 2030)
    assert later > target  # one year later no longer meets it


def test_an_unreachable_target_names_the_reachable_range():
    with pytest.raises(UnreachableTarget) as caught:
        goal_seek(None, "lithium_price", "pack_cost", 2030, 10.0)
    message = str(caught.value)
    assert re.fullmatch(r"pack_cost in 2030 stays between [\d.,]+ and [\d.,]+ USD/kWh over "
                        r"lithium_price's range 3,000-150,000 USD/t LCE\.", message), message
    ends = evaluate({"lithium_price": np.array([3_000.0, 150_000.0])}).series["pack_cost"][:, 5]
    assert caught.value.low == pytest.approx(ends.min(), rel=1e-6)
    assert caught.value.high == pytest.approx(ends.max(), rel=1e-6)
    assert isinstance(caught.value, AnalysisError)


def test_an_output_the_lever_does_not_move_says_where_it_stays():
    with pytest.raises(UnreachableTarget, match=r"^pack_cost in 2030 stays at [\d.]+ USD/kWh "
                                                r"over annual_km's range 5,000-30,000 km/yr\.$"):
        goal_seek(None, "annual_km", "pack_cost", 2030, 50.0)


def test_a_scalar_output_has_no_year():
    found = goal_seek(None, "ice_vehicle_price", "cost_parity_year", None, 2026)
    assert found.year is None and found.output_unit == "year"
    assert evaluate({"ice_vehicle_price": found.value}).scalars["cost_parity_year"] == 2026


@pytest.mark.parametrize(("lever", "output", "year", "target", "error", "match"), [
    ("chemistry_mix", "pack_cost", 2030, 80, AnalysisError, "numeric lever"),
    ("use_region", "pack_cost", 2030, 80, AnalysisError, "numeric lever"),
    ("end_year", "pack_cost", 2030, 80, AnalysisError, "years shown"),
    ("lithium_prize", "pack_cost", 2030, 80, ParameterError, "did you mean lithium_price"),
    ("lithium_price", "pack_kost", 2030, 80, AnalysisError, "did you mean pack_cost"),
    ("lithium_price", "pack_cost", 2070, 80, AnalysisError, "outside the years shown"),
    ("lithium_price", "pack_cost", None, 80, AnalysisError, "give the year"),
    ("lithium_price", "pack_cost", 2030, float("nan"), AnalysisError, "finite number"),
])
def test_bad_requests_are_refused_in_one_sentence(lever, output, year, target, error, match):
    with pytest.raises(error, match=match):
        goal_seek(None, lever, output, year, target)


def test_a_dip_between_scan_points_is_found():
    from evexplorer.analysis.goal_seek import _refine_extremes

    # A bowl with a narrow dip at x = 0.55 reaching -1 that a scan at 0, 0.1, ..., 1 sees
    # only as > 0.
    def gap(x):
        return 1.0 + (x - 0.55) ** 2 - 2.0 * max(0.0, 1.0 - abs(x - 0.55) / 0.03)

    grid = np.linspace(0.0, 1.0, 11)
    gaps = np.array([gap(x) for x in grid])
    assert (gaps > 0).all()
    def gaps_at(xs):
        return np.array([gap(x) for x in xs])

    evaluations, brackets, extremes = _refine_extremes(grid, gaps, gaps_at)
    assert brackets and evaluations == SCAN_POINTS
    for a, b in brackets:
        assert 0.4 <= a < b <= 0.6 and gap(a) * gap(b) <= 0
    # Without a crossing, the extremes found are the tips of the bowl, not the scan's points.
    evaluations, brackets, extremes = _refine_extremes(grid, gaps + 5.0,
                                                       lambda xs: gaps_at(xs) + 5.0)
    assert brackets == [] and min(extremes) == pytest.approx(-1.0 + 5.0, abs=1e-3)


def test_a_target_between_the_scan_and_the_true_minimum_is_reached():
    grid = scan_grid("battery_size")
    scanned = evaluate({"battery_size": grid}).series["pack_cost"][:, 10]  # 2035
    i = int(np.argmin(scanned))
    assert 0 < i < grid.size - 1, "premise: pack cost in 2035 turns inside battery_size's range"
    fine = np.linspace(grid[i - 1], grid[i + 1], 2001)
    lowest = evaluate({"battery_size": fine}).series["pack_cost"][:, 10].min()
    assert lowest < scanned[i], "premise: the scan steps over the lowest pack cost"
    target = 0.5 * (lowest + scanned[i])
    found = goal_seek(None, "battery_size", "pack_cost", 2035, target)
    assert output_at({"battery_size": found.value}, "pack_cost", 2035) == pytest.approx(
        target, abs=1e-9)

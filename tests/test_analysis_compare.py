"""Compare: headline figures side by side, their differences and which of them differ."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evexplorer._resources import resource_path
from evexplorer.analysis.compare import HEADLINES, MAX_SCENARIOS, Headline, compare
from evexplorer.analysis.readout import AnalysisError
from evexplorer.model import evaluate

SCENARIOS = [
    ("Baseline", {}),
    ("Expensive lithium", {"lithium_price": 60_000}),
    ("LFP", {"chemistry_mix": "LFP", "chemistry_target_year": 2028}),
]


@pytest.fixture(scope="module")
def results():
    return [(title, evaluate(params)) for title, params in SCENARIOS]


def test_figures_are_read_from_each_scenario(results):
    table = compare(results, 2030)
    assert table.titles == ("Baseline", "Expensive lithium", "LFP")
    assert [h.output for h in table.headlines] == [h.output for h in HEADLINES]
    assert table.values.shape == (len(HEADLINES), 3)
    for s, (_, r) in enumerate(results):
        years = list(r.years)
        expected = [float(r.series["pack_cost"][years.index(2030)]),
                    r.scalars["cost_parity_year"],
                    float(r.series["breakeven_distance"][years.index(2030)]),
                    float(r.series["lithium_shortfall"][years.index(2030)]),
                    float(r.series["fleet_emissions_avoided"][years.index(2030)])]
        assert table.values[:, s].tolist() == pytest.approx(expected, rel=1e-15)


def test_differences_are_against_the_first_or_a_chosen_scenario(results):
    first = compare(results, 2035)
    assert np.allclose(first.differences, first.values - first.values[:, [0]], equal_nan=True)
    assert not first.differs[:, 0].any()
    pack = [h.output for h in HEADLINES].index("pack_cost")
    assert first.differs[pack, 1] and first.differences[pack, 1] > 0
    assert not first.improves[pack, 1]  # dearer lithium: a dearer pack is worse
    assert first.improves[pack, 2] == (first.differences[pack, 2] < 0)
    chosen = compare(results, 2035, against=2)
    assert chosen.against == 2
    assert np.allclose(chosen.differences, chosen.values - chosen.values[:, [2]],
                       equal_nan=True)


def test_more_emissions_avoided_is_better():
    table = compare([("slow", evaluate({"demand_growth": 10})),
                     ("fast", evaluate({"demand_growth": 40}))], 2035, against=0)
    avoided = [h.output for h in HEADLINES].index("fleet_emissions_avoided")
    assert table.differences[avoided, 1] > 0 and table.improves[avoided, 1]


class Fake:
    """Results-like object with one series and one scalar."""

    def __init__(self, pack_cost, parity):
        self.years = np.array([2030])
        self.series = {"pack_cost": np.array([pack_cost])}
        self.scalars = {"cost_parity_year": parity}


@pytest.mark.parametrize(("a", "b", "differs"), [
    (100.0, 100.4, False),   # shown alike (0 decimals): not a difference
    (100.0, 100.6, True),
    (1e6, 1e6 + 900, False),  # within 0.1 %
    (1e6, 1e6 + 1100, True),
    (math.nan, math.nan, False),
    (math.nan, 100.0, True),
    (100.0, math.nan, True),
])
def test_the_tolerance_ignores_what_would_look_the_same(a, b, differs):
    table = compare([("a", Fake(a, 2030)), ("b", Fake(b, None))], 2030,
                    headlines=[Headline("pack_cost", "Pack cost")])
    assert bool(table.differs[0, 1]) is differs


@pytest.mark.parametrize(("a", "b", "differs"), [(2030, 2030, False), (2030, 2029, True),
                                                (2030, 2032, True)])
def test_parity_a_year_earlier_differs(a, b, differs):
    # a calendar year is a date: 0.1 % of 2030 (two years) must not hide a year's change
    table = compare([("a", Fake(80, a)), ("b", Fake(80, b))], 2030,
                    headlines=[Headline("cost_parity_year", "Parity")])
    assert bool(table.differs[0, 1]) is differs
    assert bool(table.improves[0, 1]) is (b < a)


def test_a_missing_parity_year_is_never_and_differs():
    table = compare([("a", Fake(80, 2030)), ("b", Fake(80, None))], 2030,
                    headlines=[Headline("cost_parity_year", "Parity")])
    h = table.headlines[0]
    assert h.is_year and h.unit == "year"
    assert h.format(table.values[0, 0]) == "2030" and h.format(table.values[0, 1]) == "never"
    assert table.differs[0, 1] and not table.improves[0, 1]
    assert h.format_difference(table.differences[0, 1]) == "–"


def test_a_year_outside_a_scenario_reads_as_missing(results):
    short = evaluate({"end_year": 2035})
    table = compare([results[0], ("short", short)], 2040)
    pack = [h.output for h in HEADLINES].index("pack_cost")
    assert math.isnan(table.values[pack, 1]) and table.differs[pack, 1]
    assert HEADLINES[pack].format(table.values[pack, 1]) == "–"


def test_stored_results_of_a_file_compare_like_computed_ones():
    from evexplorer.scenario import open_scenario

    document = open_scenario(resource_path("presets", "lithium_squeeze.evx"))
    computed = evaluate(document.parameters)
    table = compare([("stored", document.results), ("computed", computed)], 2030)
    assert np.allclose(table.values[:, 0], table.values[:, 1], rtol=1e-9, equal_nan=True)
    assert not table.differs.any()


def test_two_to_six_scenarios(results):
    with pytest.raises(AnalysisError, match="2 to 6 scenarios, not 1"):
        compare(results[:1], 2030)
    with pytest.raises(AnalysisError, match="2 to 6 scenarios, not 7"):
        compare(results * 2 + results[:1], 2030)
    assert compare((results * 2)[:MAX_SCENARIOS], 2030).values.shape[1] == 6
    with pytest.raises(AnalysisError, match="Scenario 3 is not among the 3"):
        compare(results, 2030, against=3)


def test_the_headlines_are_those_of_the_window_cards():
    panels = pytest.importorskip("evexplorer.app.panels")
    assert [(h.output, h.title, h.lower_is_better) for h in HEADLINES] == [
        (h.output, h.title, h.lower_is_better) for h in panels.HEADLINES]
    assert [h.unit for h in HEADLINES if not h.is_year] == [
        h.unit for h in panels.HEADLINES if not h.is_year]

"""Targets: the built-in EU rules, the written form, records read from files, pass/fail.

Pass/fail is checked against the series computed independently with ``evaluate``.
"""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evexplorer.analysis.targets import (
    RECORD_KEYS,
    USER_SOURCE,
    YEAR_RANGE,
    Target,
    TargetError,
    builtin_targets,
    check_targets,
    load_builtin_targets,
    parse_target,
    user_target,
)
from evexplorer.model import SERIES, evaluate
from evexplorer.model.data import DataError

RECYCLED_CONTENT = ("cobalt_recycled_content", "lithium_recycled_content",
                    "nickel_recycled_content")


def series_at(results, output, year):
    return float(np.asarray(results.series[output])[int(year) - int(results.years[0])])


# ---------------------------------------------------------------------------------------------
# Built-in targets


def test_the_eu_battery_regulation_minimum_recycled_content():
    # Regulation (EU) 2023/1542, Article 8(2) and 8(3): shares of recycled cobalt, lithium and
    # nickel in new EV batteries from 2031 and from 2036 [%].
    found = {(t.output, t.year): (t.comparison, t.required) for t in builtin_targets()}
    assert found == {
        ("cobalt_recycled_content", 2031): (">=", 16.0),
        ("lithium_recycled_content", 2031): (">=", 6.0),
        ("nickel_recycled_content", 2031): (">=", 6.0),
        ("cobalt_recycled_content", 2036): (">=", 26.0),
        ("lithium_recycled_content", 2036): (">=", 12.0),
        ("nickel_recycled_content", 2036): (">=", 15.0),
    }
    for target in builtin_targets():
        assert "2023/1542" in target.source and "Article 8" in target.source
        assert "2023/1542" in target.description
        assert target.builtin


def test_builtin_ids_are_unique_and_differ_from_user_ids():
    ids = [t.id for t in builtin_targets()]
    assert len(set(ids)) == len(ids) == 6
    assert not parse_target("pack_cost<=80@2030").builtin


def test_builtin_targets_are_on_percent_series():
    for target in builtin_targets():
        assert target.unit == SERIES[target.output].unit == "%"


@pytest.mark.parametrize("params", [{}, {"recycling_rate": 95, "battery_lifetime": 8},
                                    {"recycling_rate": 0}])
def test_builtin_targets_pass_or_fail_against_the_series(params):
    results = evaluate(params)
    for check in check_targets(results, builtin_targets()):
        value = series_at(results, check.target.output, check.target.year)
        assert check.value == value
        assert check.met is (value >= check.target.required)


def test_builtin_targets_pass_or_fail_on_given_series():
    # The checks read whatever results hold: here recycled content of 10 % in every year.
    years = np.arange(2025, 2051)
    results = SimpleNamespace(years=years, series={
        name: np.full(years.size, 10.0) for name in RECYCLED_CONTENT})
    met = {(t.output, t.year): c.met for t, c in zip(
        builtin_targets(), check_targets(results, builtin_targets()), strict=True)}
    assert met == {
        ("cobalt_recycled_content", 2031): False, ("lithium_recycled_content", 2031): True,
        ("nickel_recycled_content", 2031): True, ("cobalt_recycled_content", 2036): False,
        ("lithium_recycled_content", 2036): False, ("nickel_recycled_content", 2036): False,
    }


def test_a_target_on_a_series_the_model_lacks_is_not_evaluated():
    target = Target("x", "a series from a later model", "user", "graphene_content", 2030, ">=",
                    1.0)
    check = target.check(evaluate())
    assert check.met is None and check.value is None
    assert check.reason == "the model does not compute graphene_content"
    assert check.status() == "not evaluated: the model does not compute graphene_content"


def test_the_targets_file_follows_the_rule_of_sources():
    good = {"format": "evexplorer-policy-targets",
            "sources": {"s": {"citation": "A law", "vintage": 2023, "tag": "V"}},
            "targets": [{"id": "a", "description": "d", "output": "pack_cost", "comparison": "<=",
                         "year": {"value": 2030, "source": "s"},
                         "required": {"value": 80, "source": "s"}}]}
    (target,) = load_builtin_targets(good)
    assert (target.source, target.year, target.required) == ("A law", 2030, 80.0)
    unsourced = json.loads(json.dumps(good))
    unsourced["targets"][0]["required"] = 80
    with pytest.raises(DataError, match="has no source"):
        load_builtin_targets(unsourced)
    unknown = json.loads(json.dumps(good))
    unknown["targets"][0]["year"]["source"] = "t"
    with pytest.raises(DataError, match="unknown source"):
        load_builtin_targets(unknown)
    twice = json.loads(json.dumps(good))
    twice["targets"].append(twice["targets"][0])
    with pytest.raises(DataError, match="share an id"):
        load_builtin_targets(twice)
    untagged = dict(good, format="something else")
    with pytest.raises(DataError, match="format"):
        load_builtin_targets(untagged)
    broken = json.loads(json.dumps(good))
    broken["targets"][0]["comparison"] = "<"
    with pytest.raises(DataError, match="policy target 0"):
        load_builtin_targets(broken)


# ---------------------------------------------------------------------------------------------
# The written form


@pytest.mark.parametrize(("text", "output", "comparison", "required", "year"), [
    ("pack_cost<=80@2030", "pack_cost", "<=", 80.0, 2030),
    ("  pack_cost  <=  80  @  2030 ", "pack_cost", "<=", 80.0, 2030),
    ("ev_share>=50.5@2040", "ev_share", ">=", 50.5, 2040),
    ("ev_price_premium<=0@2030", "ev_price_premium", "<=", 0.0, 2030),
    ("breakeven_distance ≤ 60,000 @ 2035", "breakeven_distance", "<=", 60_000.0, 2035),
    ("fleet_emissions_avoided≥1_000@2045", "fleet_emissions_avoided", ">=", 1000.0, 2045),
    ("ev_price_premium<=-500@2028", "ev_price_premium", "<=", -500.0, 2028),
])
def test_written_targets_are_read(text, output, comparison, required, year):
    target = parse_target(text)
    assert (target.output, target.comparison, target.required, target.year) == (
        output, comparison, required, year)
    assert target.source == USER_SOURCE
    assert target.id == f"{output}{comparison}{required:g}@{year}"
    assert parse_target(target.id) == target


def test_a_user_target_describes_itself_with_its_unit():
    assert parse_target("pack_cost<=80@2030").description == "Pack cost ≤ 80 USD/kWh in 2030"
    assert user_target("ev_share", ">=", 50, 2040).description == "EV share ≥ 50 % in 2040"


@pytest.mark.parametrize(("text", "match"), [
    ("pack_cost<80@2030", "OUTPUT<=VALUE@YEAR"),
    ("pack_cost=80@2030", "OUTPUT<=VALUE@YEAR"),
    ("pack_cost<=80", "OUTPUT<=VALUE@YEAR"),
    ("<=80@2030", "OUTPUT<=VALUE@YEAR"),
    ("", "OUTPUT<=VALUE@YEAR"),
    ("pack_cost<=80@2030@2031", "whole number, not .2030@2031."),
    ("pack_cots<=80@2030", "Unknown output 'pack_cots'; did you mean pack_cost"),
    ("pack_cost<=eighty@2030", "must be a number, not 'eighty'"),
    ("pack_cost<=@2030", "must be a number"),
    ("pack_cost<=nan@2030", "finite number"),
    ("pack_cost<=inf@2030", "finite number"),
    ("pack_cost<=80@2030.5", "whole number"),
    ("pack_cost<=80@", "whole number"),
    ("pack_cost<=80@2100", "within 2025-2060"),
    ("cost_parity_year<=2030@2030", "ev_price_premium<=0@2030"),
])
def test_bad_written_targets_are_refused_in_one_sentence(text, match):
    with pytest.raises(TargetError, match=match) as caught:
        parse_target(text)
    assert "\n" not in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Records, as stored in a scenario file


def test_a_record_has_exactly_the_documented_keys():
    record = parse_target("pack_cost<=80@2030").to_record()
    assert tuple(record) == RECORD_KEYS == ("id", "description", "source", "output", "year",
                                            "comparison", "required")
    assert record == {"id": "pack_cost<=80@2030", "description": "Pack cost ≤ 80 USD/kWh in 2030",
                      "source": "user", "output": "pack_cost", "year": 2030, "comparison": "<=",
                      "required": 80.0}
    assert json.loads(json.dumps(record)) == record


@given(st.sampled_from(sorted(SERIES)), st.sampled_from(["<=", ">="]),
       st.floats(-1e9, 1e9, allow_nan=False), st.integers(*YEAR_RANGE))
def test_records_round_trip(output, comparison, required, year):
    target = user_target(output, comparison, required, year)
    assert Target.from_record(json.loads(json.dumps(target.to_record()))) == target


def test_extra_keys_of_a_record_are_ignored():
    record = {**parse_target("pack_cost<=80@2030").to_record(), "colour": "red"}
    assert Target.from_record(record) == parse_target("pack_cost<=80@2030")


GOOD = {"id": "mine", "description": "d", "source": "user", "output": "pack_cost",
        "year": 2030, "comparison": "<=", "required": 80.0}


@pytest.mark.parametrize(("change", "match"), [
    ({"id": None}, "id must be text"),
    ({"id": ""}, "id must be text"),
    ({"description": 3}, "description must be text"),
    ({"source": "x" * 5000}, "source must be text of 1 to 2,000"),
    ({"output": "pack_kost"}, "did you mean pack_cost"),
    ({"output": ["pack_cost"]}, "output must be text"),
    ({"output": "lithium_shortfall_years"}, "single number"),
    ({"year": True}, "whole number"),
    ({"year": 2030.5}, "whole number"),
    ({"year": "2030"}, "whole number"),
    ({"year": 1990}, "within 2025-2060"),
    ({"comparison": "<"}, "'<=' or '>='"),
    ({"comparison": None}, "'<=' or '>='"),
    ({"required": "80"}, "finite number"),
    ({"required": float("inf")}, "finite number"),
    ({"required": False}, "finite number"),
])
def test_hostile_records_are_refused(change, match):
    with pytest.raises(TargetError, match=match):
        Target.from_record({**GOOD, **change})


def test_records_that_are_not_records_are_refused():
    with pytest.raises(TargetError, match="map its keys"):
        Target.from_record(["pack_cost<=80@2030"])
    with pytest.raises(TargetError, match="lacks year, required"):
        Target.from_record({k: v for k, v in GOOD.items() if k not in ("year", "required")})


def test_numpy_numbers_from_a_file_are_accepted():
    target = Target.from_record({**GOOD, "year": np.int64(2030), "required": np.float64(80)})
    assert target.year == 2030 and type(target.year) is int and type(target.required) is float


# ---------------------------------------------------------------------------------------------
# Pass and fail


@given(st.sampled_from(["pack_cost", "ev_share", "lithium_demand", "ev_lifecycle_emissions",
                        "supply_concentration"]),
       st.sampled_from(["<=", ">="]), st.integers(2025, 2050), st.floats(0.5, 1.5),
       st.sampled_from([{}, {"lithium_price": 40_000}, {"chemistry_mix": "LFP",
                                                           "demand_growth": 10}]))
def test_pass_or_fail_follows_the_series(output, comparison, year, factor, params):
    results = evaluate(params)
    value = series_at(results, output, year)
    target = user_target(output, comparison, value * factor, year)
    check = target.check(results)
    assert check.value == value
    assert check.met is (value <= value * factor if comparison == "<=" else
                         value >= value * factor)
    assert check.to_record()["met"] is check.met and check.reason is None


def test_a_target_exactly_on_the_value_is_met_both_ways():
    results = evaluate()
    value = series_at(results, "pack_cost", 2030)
    assert user_target("pack_cost", "<=", value, 2030).check(results).met is True
    assert user_target("pack_cost", ">=", value, 2030).check(results).met is True


def test_a_year_outside_the_years_shown_is_not_evaluated_and_not_a_failure():
    results = evaluate({"start_year": 2030, "end_year": 2035})
    late, early, inside = check_targets(results, [parse_target("pack_cost<=80@2036"),
                                                  parse_target("pack_cost<=80@2028"),
                                                  parse_target("pack_cost<=80@2035")])
    assert (late.met, late.value) == (None, None)
    assert late.reason == "2036 is after the last year shown (2035)"
    assert early.reason == "2028 is before the first year shown (2030)"
    assert not late.evaluated and inside.evaluated
    assert inside.value == series_at(results, "pack_cost", 2035)
    record = late.to_record()
    assert record["met"] is None and record["value"] is None and record["unit"] == "USD/kWh"


def test_a_year_without_a_value_is_not_evaluated():
    # An EV on a coal-heavy grid with a thrifty gasoline car never breaks even (NaN).
    params = {"use_region": "india", "manufacturing_region": "india", "ice_fuel_use": 3,
              "ev_efficiency": 40, "grid_decarbonization": 0, "battery_size": 150}
    results = evaluate(params)
    assert math.isnan(series_at(results, "breakeven_distance", 2030))
    check = parse_target("breakeven_distance<=100000@2030").check(results)
    assert check.met is None and check.reason == "breakeven_distance has no value in 2030"

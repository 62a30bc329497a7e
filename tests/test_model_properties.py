"""Invariants a strategist relies on, checked over random valid scenarios (hypothesis).

Monotonicity is checked year by year. "Not up" allows a relative round-off of 1e-12: the
model's arithmetic is monotone in exact arithmetic, but two nearby lever values can land a
last-bit rounding apart (e.g. in ``expm1(-x)/x``).

With the price response on, easier supply (more recycling, more mining) eases prices and so
slows the shift away from the scarce mineral: demand for it, and for what the substitute does
not use, can rise (a rebound). The monotonicity of quantities is therefore checked with the
response off; prices and pack cost in the price levers hold with it on.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evexplorer.model import PARAMETERS, SERIES, evaluate
from evexplorer.model.chemistry import mix_weighted
from evexplorer.model.data import CHEMISTRIES, MINERALS, load
from evexplorer.model.mineral_table import PRICE_LEVERS
from evexplorer.model.registry import validate_mix

ROUND_OFF = 1e-12
#: Levers that may be given as samples: every numeric lever but the time axis.
SAMPLED = tuple(n for n, p in PARAMETERS.items() if p.numeric
                and n not in ("start_year", "end_year"))


def lever_values(name: str) -> st.SearchStrategy:
    """Any valid value of a numeric lever."""
    p = PARAMETERS[name]
    if p.kind == "int":
        return st.integers(int(p.minimum), int(p.maximum))
    return st.floats(p.minimum, p.maximum, allow_nan=False, allow_infinity=False)


@st.composite
def ordered_values(draw, name: str) -> tuple[float, float]:
    """Two valid values of a lever, the first no larger than the second."""
    a, b = draw(lever_values(name)), draw(lever_values(name))
    return (a, b) if a <= b else (b, a)


@st.composite
def mixes(draw) -> dict[str, float]:
    """A target chemistry mix: shares of a random set of chemistries summing to 1."""
    chosen = draw(st.lists(st.sampled_from(CHEMISTRIES), min_size=1, max_size=4, unique=True))
    weights = [draw(st.floats(0.05, 1.0)) for _ in chosen]
    total = sum(weights)
    return {c: w / total for c, w in zip(chosen, weights, strict=True)}


@st.composite
def scenarios(draw, exclude: tuple[str, ...] = ()) -> dict:
    """A random valid scenario: some levers drawn, the rest left at their defaults."""
    names = draw(st.sets(st.sampled_from([n for n in SAMPLED if n not in exclude])))
    params = {n: draw(lever_values(n)) for n in sorted(names)}
    for name in ("price_shock_mineral", "manufacturing_region", "use_region"):
        if name not in exclude and draw(st.booleans()):
            params[name] = draw(st.sampled_from(PARAMETERS[name].choices))
    if draw(st.booleans()):
        params["chemistry_mix"] = draw(mixes())
    start = draw(st.integers(2025, 2045))
    params["start_year"] = start
    params["end_year"] = draw(st.integers(max(start + 1, 2030), 2060))
    return params


def assert_not_up(after: np.ndarray, before: np.ndarray, what: str) -> None:
    limit = before + ROUND_OFF * np.abs(before)
    bad = ~(after <= limit)
    assert not np.any(bad), f"{what} went up: {before[bad][:3]} -> {after[bad][:3]}"


def assert_not_down(after: np.ndarray, before: np.ndarray, what: str) -> None:
    limit = before - ROUND_OFF * np.abs(before)
    bad = ~(after >= limit)
    assert not np.any(bad), f"{what} went down: {before[bad][:3]} -> {after[bad][:3]}"


def pair(scenario: dict, name: str, low, high):
    return evaluate({**scenario, name: low}), evaluate({**scenario, name: high})


# ---------------------------------------------------------------------------------------------
# Monotone responses


@given(scenario=scenarios(), data=st.data())
def test_any_mineral_price_up_never_lowers_pack_cost(scenario, data):
    name = data.draw(st.sampled_from(PRICE_LEVERS))
    low, high = data.draw(ordered_values(name))
    before, after = pair(scenario, name, low, high)
    for series in ("pack_cost", "cell_cost", "pack_material_cost", "ev_price"):
        assert_not_down(after.series[series], before.series[series], series)


@given(scenario=scenarios(), data=st.data())
def test_more_renewables_never_raise_manufacturing_emissions(scenario, data):
    low, high = data.draw(ordered_values("renewable_share"))
    before, after = pair(scenario, "renewable_share", low, high)
    for series in ("battery_emissions", "ev_production_emissions"):
        assert_not_up(after.series[series], before.series[series], series)


NO_RESPONSE = ("price_response",)


@given(scenario=scenarios(exclude=NO_RESPONSE), data=st.data())
@pytest.mark.parametrize("lever", ["recycling_rate", "lithium_recovery"])
def test_more_recycling_never_raises_primary_demand_or_the_footprint(lever, scenario, data):
    low, high = data.draw(ordered_values(lever))
    before, after = pair(scenario, lever, low, high)
    for m in MINERALS:
        demand, recycled = f"{m}_demand", f"{m}_recycled"
        assert_not_up(after.series[demand] - after.series[recycled],
                      before.series[demand] - before.series[recycled], f"primary {m} demand")
        assert_not_down(after.series[recycled], before.series[recycled], recycled)
        assert_not_up(after.series[f"{m}_shortfall"], before.series[f"{m}_shortfall"],
                      f"{m}_shortfall")
    for series in ("battery_emissions", "ev_production_emissions", "ev_lifecycle_emissions"):
        assert_not_up(after.series[series], before.series[series], series)


@given(scenario=scenarios(), data=st.data())
@pytest.mark.parametrize("lever", ["supply_growth", "recycling_rate", "lithium_recovery"])
def test_continuity_a_small_step_of_a_supply_lever_moves_2040_pack_cost_by_a_few_pct(
        lever, scenario, data):
    # No cliffs: a step of 0.1 (%/yr for supply growth, % for the recycling levers) anywhere
    # in its range moves the 2040 pack cost by at most 5 % (model 1.0 moved it by almost 10 %
    # for 0.1 %/yr of supply growth). The bound follows from the scarcity rule: supply moves
    # at most 0.53 % by 2040, the multiplier at most 4/3 x exponent (<= 5) times that.
    p = PARAMETERS[lever]
    value = data.draw(st.floats(p.minimum, p.maximum - 0.1))
    scenario = {**scenario, "end_year": max(scenario["end_year"], 2040)}
    before, after = pair(scenario, lever, value, value + 0.1)
    i = list(before.years).index(2040) if 2040 in before.years else None
    if i is None:  # the first year shown is after 2040
        return
    a, b = after.series["pack_cost"][i], before.series["pack_cost"][i]
    assert abs(a - b) <= 0.05 * b, (a, b)


@given(scenario=scenarios())
def test_the_ev_share_never_exceeds_its_ceiling(scenario):
    result = evaluate(scenario)
    ceiling = result.parameters["ev_share_ceiling"]
    assert np.all(result.series["ev_share"] <= ceiling * (1 + 1e-12))


@given(scenario=scenarios(), data=st.data())
def test_faster_learning_never_raises_the_non_mineral_cost(scenario, data):
    low, high = data.draw(ordered_values("learning_rate"))
    before, after = pair(scenario, "learning_rate", low, high)
    assert_not_up(after.series["pack_other_cost"], before.series["pack_other_cost"],
                  "pack_other_cost")


@given(scenario=scenarios(exclude=NO_RESPONSE), data=st.data())
def test_more_supply_growth_never_raises_shortfalls_or_prices(scenario, data):
    low, high = data.draw(ordered_values("supply_growth"))
    before, after = pair(scenario, "supply_growth", low, high)
    for m in MINERALS:
        for series in (f"{m}_shortfall", f"{m}_price"):
            assert_not_up(after.series[series], before.series[series], series)


@given(scenario=scenarios(), data=st.data())
def test_faster_grid_decarbonisation_never_raises_ev_lifecycle_emissions(scenario, data):
    low, high = data.draw(ordered_values("grid_decarbonization"))
    before, after = pair(scenario, "grid_decarbonization", low, high)
    assert_not_up(after.series["ev_lifecycle_emissions"],
                  before.series["ev_lifecycle_emissions"], "ev_lifecycle_emissions")


@given(scenario=scenarios(), data=st.data())
def test_more_mode_shift_never_raises_ev_sales(scenario, data):
    low, high = data.draw(ordered_values("mode_shift"))
    before, after = pair(scenario, "mode_shift", low, high)
    assert_not_up(after.series["ev_sales"], before.series["ev_sales"], "ev_sales")


@given(scenario=scenarios(exclude=("price_shock_mineral", *NO_RESPONSE)), data=st.data())
def test_price_shock_changes_only_the_years_of_its_window(scenario, data):
    # Without the price response (which answers sustained prices in later years), a shock
    # changes nothing outside its window; inside, the price is the shock times the scarcity
    # multiplier, at most 10 times the lever as the lever text promises.
    mineral = data.draw(st.sampled_from(MINERALS))
    shock = {name: data.draw(lever_values(name))
             for name in ("price_shock_year", "price_shock_years", "price_shock_factor")}
    quiet = evaluate({**scenario, **shock, "price_shock_mineral": "none"})
    shocked = evaluate({**scenario, **shock, "price_shock_mineral": mineral})
    years = quiet.years
    first = shock["price_shock_year"]
    inside = (years >= first) & (years < first + shock["price_shock_years"])
    for name in SERIES:
        np.testing.assert_array_equal(shocked.series[name][~inside], quiet.series[name][~inside],
                                      err_msg=f"{name} changed outside the shock window")
    lever = quiet.parameters[f"{mineral}_price"]
    scarcity = quiet.series[f"{mineral}_price"][inside] / lever
    np.testing.assert_allclose(shocked.series[f"{mineral}_price"][inside],
                               lever * np.minimum(10.0, shock["price_shock_factor"] * scarcity),
                               rtol=1e-12)
    assert np.all(shocked.series[f"{mineral}_price"] <= 10.0 * lever * (1 + 1e-12))


# ---------------------------------------------------------------------------------------------
# Invariants of every scenario


@given(scenario=scenarios())
def test_cost_structure_and_bounds(scenario):
    result = evaluate(scenario)
    s = result.series
    # pack = cell + integration >= cell = minerals + rest of cell >= minerals >= 0
    assert np.all(s["pack_cost"] >= s["cell_cost"])
    assert np.all(s["cell_cost"] >= s["pack_material_cost"])
    assert np.all(s["pack_material_cost"] >= 0)
    np.testing.assert_allclose(s["pack_material_cost"] + s["pack_other_cost"], s["pack_cost"],
                               rtol=1e-12)
    assert np.all((s["supply_concentration"] >= 0) & (s["supply_concentration"] <= 10_000))
    assert np.all((s["ev_share"] > 0) & (s["ev_share"] <= 100))
    for m in MINERALS:
        assert np.all((s[f"{m}_refining_hhi"] > 0) & (s[f"{m}_refining_hhi"] <= 10_000))
        price, lever = s[f"{m}_price"], result.parameters[f"{m}_price"]
        assert np.all(price <= 10 * lever * (1 + 1e-12)), m  # the cap the levers promise
    for m in ("lithium", "nickel", "cobalt"):
        assert np.all((s[f"{m}_recycled_content"] >= 0) & (s[f"{m}_recycled_content"] <= 100))


@given(scenario=scenarios())
def test_every_series_is_finite_except_breakeven(scenario):
    result = evaluate(scenario)
    n_years = int(result.parameters["end_year"]) - int(result.parameters["start_year"]) + 1
    assert len(result.years) == n_years
    for name, values in result.series.items():
        assert values.shape == (n_years,), name
        if name == "breakeven_distance":
            finite = values[np.isfinite(values)]
            assert np.all(finite >= 0), "a break-even distance is never negative"
            assert not np.any(np.isinf(values))
        else:
            assert np.all(np.isfinite(values)), name
    for m in MINERALS:
        assert np.all(result.series[f"{m}_shortfall"] >= 0)
        assert np.all(result.series[f"{m}_recycled"] >= 0)
        assert np.all(result.series[f"{m}_supply"] >= 0)
    assert isinstance(result.scalars["lithium_shortfall_years"], int)
    assert math.isfinite(result.scalars["fleet_emissions_avoided_total"])
    parity = result.scalars["cost_parity_year"]
    assert parity is None or int(result.years[0]) <= parity <= int(result.years[-1])


@given(scenario=scenarios(), data=st.data())
def test_the_price_response_moves_away_from_a_scarce_mineral(scenario, data):
    # Sustained high prices move share away from lithium (to sodium-ion) and from nickel and
    # cobalt (to LFP, which also holds less lithium): never more lithium, nickel or cobalt
    # per kWh with the response than without it. (Prices may rise a little years later: the
    # batteries retiring then held less lithium to recycle.)
    rate = data.draw(st.floats(0.0, 50.0))
    without = evaluate({**scenario, "price_response": 0.0})
    with_response = evaluate({**scenario, "price_response": rate})
    for m in ("lithium", "nickel", "cobalt"):
        assert_not_up(with_response.series[f"{m}_demand"], without.series[f"{m}_demand"],
                      f"{m} demand")


@given(shares=st.lists(st.floats(0, 1), min_size=7, max_size=7).filter(lambda w: sum(w) > 0.01),
       percent=st.booleans(), progress=st.floats(0, 1))
def test_chemistry_shares_always_sum_to_one(shares, percent, progress):
    total = sum(shares)
    scale = 100.0 if percent else 1.0
    given_mix = {c: scale * w / total for c, w in zip(CHEMISTRIES, shares, strict=True)}
    mix = validate_mix(given_mix)
    assert set(mix) == set(CHEMISTRIES)
    assert math.fsum(mix.values()) == pytest.approx(1.0, abs=1e-12)
    # and every mix on the path from the 2024 mix to it
    path = mix_weighted(progress, load().mix_2024, [mix[c] for c in CHEMISTRIES])
    assert math.fsum(path) == pytest.approx(1.0, abs=1e-12)
    assert np.all(path >= 0)


# ---------------------------------------------------------------------------------------------
# Batch = single runs


@st.composite
def batches(draw, lifetime_sampled: bool):
    """A base scenario, the levers sampled (N values each), and N."""
    exclude = ("battery_lifetime",) if lifetime_sampled else ()
    base = draw(scenarios())
    n = draw(st.integers(2, 4))
    pool = [name for name in SAMPLED if name != "battery_lifetime"]
    names = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6, unique=True))
    if lifetime_sampled:
        names.append("battery_lifetime")
    samples = {name: np.array(draw(st.lists(lever_values(name), min_size=n, max_size=n)),
                              dtype=float) for name in names}
    for name in exclude:
        base.pop(name, None)
    return base, samples, n


def _scale(name: str, full) -> float:
    """Size of a series over the whole model horizon, for the absolute batch tolerance.

    ``full`` is the run from 2025 (the model always starts there; the first year shown only
    windows the results). Recycled, supply and shortfall quantities share their mineral's
    demand scale, the largest content the retirement convolution sees.
    """
    values = [np.nanmax(np.abs(full.series[name]), initial=0.0)]
    mineral, _, what = name.rpartition("_")
    if what in ("recycled", "supply", "shortfall"):
        values.append(np.max(np.abs(full.series[f"{mineral}_demand"])))
    return float(max(values))


def _check_batch(base: dict, samples: dict, n: int) -> None:
    """Every row of the batch equals the single run with that row's values.

    Tolerance: 1e-9 relative, plus 1e-12 of the series' scale absolute. The FFT convolution
    used when battery_lifetime is sampled is exact to round-off of the largest value
    (~1e-16 of it), so a year whose value is 1e-8 of the peak (e.g. 0.2 kg of manganese from
    the few old NMC batteries of an all-NCA scenario) can differ by 1e-8 relative.
    """
    batch = evaluate({**base, **samples})
    n_years = len(batch.years)
    assert batch.n_samples == n
    for name, values in batch.series.items():
        assert values.shape == (n, n_years), name
    for name, values in batch.scalars.items():
        assert np.shape(values) == (n,), name
    for k in range(n):
        values = {**base, **{name: v[k].item() for name, v in samples.items()}}
        single = evaluate(values)
        full = evaluate({**values, "start_year": 2025})
        np.testing.assert_array_equal(single.years, batch.years)
        for name in SERIES:
            np.testing.assert_allclose(batch.series[name][k], single.series[name], rtol=1e-9,
                                       atol=1e-12 * _scale(name, full),
                                       err_msg=f"row {k} of {name}")
        for name, value in single.scalars.items():
            got = batch.scalars[name][k]
            if value is None:
                assert np.isnan(got), name
            else:
                assert got == pytest.approx(value, rel=1e-9), name
        row = batch.row(k)
        for name, value in single.scalars.items():
            assert (row.scalars[name] is None) == (value is None), name
            if value is not None:
                assert row.scalars[name] == pytest.approx(value, rel=1e-9), name
        for name in samples:
            assert row.parameters[name] == single.parameters[name]


@given(case=batches(lifetime_sampled=True))
def test_batch_rows_equal_single_runs_lifetime_sampled(case):
    # battery_lifetime varies: one retirement distribution per sample (FFT path); each single
    # run has one distribution (Toeplitz path).
    _check_batch(*case)


@given(case=batches(lifetime_sampled=False))
def test_batch_rows_equal_single_runs_lifetime_shared(case):
    # battery_lifetime held: one distribution shared by the batch (Toeplitz path).
    _check_batch(*case)


@pytest.mark.parametrize("name", SAMPLED)
@pytest.mark.parametrize("shock", ["none", "cobalt"])
def test_each_lever_alone_can_be_sampled(name, shock):
    # Every lever sampled on its own (the others scalar) broadcasts to (N, n_years) and the
    # rows equal single runs. (Sampling only battery_lifetime, scarcity_exponent, annual_km or
    # a shock lever once failed with a broadcasting error.)
    p = PARAMETERS[name]
    values = np.linspace(p.minimum, p.maximum, 3)
    if p.kind == "int":
        values = np.round(values)
    _check_batch({"price_shock_mineral": shock}, {name: values}, 3)


def test_batch_results_are_read_only():
    result = evaluate({"lithium_price": np.array([10_000.0, 20_000.0])})
    with pytest.raises(ValueError, match="read-only"):
        result.series["pack_cost"][0, 0] = 0.0
    with pytest.raises(TypeError):
        result.series["pack_cost"] = None  # type: ignore[index]

"""Shapley attribution: hand-computed cases, its axioms as properties, and through the model.

The exact values are checked against the Shapley formula written out by hand,

    phi_i = sum over S not holding i of |S|! (k - |S| - 1)! / k! * (v(S + i) - v(S)),

for a small synthetic function and for the model with two and three levers, each subset
evaluated on its own (L. S. Shapley, "A value for n-person games", 1953). Effects must add up
to scenario - reference to 1e-9 relative (the efficiency axiom).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evexplorer.analysis.attribution import (
    EXACT_LIMIT,
    TIME_AXIS,
    antithetic_orders,
    attribute,
    changed_levers,
    permutation_masks,
    shapley_from_permutations,
    shapley_from_subsets,
    subset_masks,
)
from evexplorer.analysis.readout import AnalysisError
from evexplorer.model import PARAMETERS, ParameterError, evaluate, registry


def value_at(params, output="pack_cost", year=2030):
    results = evaluate(params)
    return float(results.series[output][list(results.years).index(year)])


def assert_sums_to_change(split):
    total = math.fsum(c.effect for c in split.contributions)
    scale = max(abs(split.reference), abs(split.scenario),
                *(abs(c.effect) for c in split.contributions), 1e-300)
    assert abs(total - split.change) <= 1e-9 * scale


# ---------------------------------------------------------------------------------------------
# The formula, on synthetic functions


def test_two_levers_by_hand():
    # v(a, b) = a*b + a from (a, b) = (1, 2) to (3, 5); subsets in subset_masks order:
    # {} -> f(1, 2) = 3, {a} -> f(3, 2) = 9, {b} -> f(1, 5) = 6, {a, b} -> f(3, 5) = 18.
    masks = subset_masks(2)
    assert masks.tolist() == [[False, False], [True, False], [False, True], [True, True]]
    a = np.where(masks[:, 0], 3.0, 1.0)
    b = np.where(masks[:, 1], 5.0, 2.0)
    values = a * b + a
    assert values.tolist() == [3.0, 9.0, 6.0, 18.0]
    # phi_a = 1/2 (v(a) - v()) + 1/2 (v(ab) - v(b)) = 1/2 (6) + 1/2 (12) = 9
    # phi_b = 1/2 (v(b) - v()) + 1/2 (v(ab) - v(a)) = 1/2 (3) + 1/2 (9) = 6
    assert shapley_from_subsets(values) == pytest.approx([9.0, 6.0], rel=1e-15)


def test_three_levers_by_hand():
    # v(x, y, z) = x*y*z from (1, 1, 1) to (2, 3, 4). Weights for k = 3: |S| = 0 or 2 -> 1/3,
    # |S| = 1 -> 1/6.
    masks = subset_masks(3)
    values = np.prod(np.where(masks, [2.0, 3.0, 4.0], 1.0), axis=1)
    v = {frozenset(n for n, on in zip("xyz", row, strict=True) if on): val
         for row, val in zip(masks, values, strict=True)}
    assert v[frozenset()] == 1 and v[frozenset("xyz")] == 24

    def phi(i):
        others = [c for c in "xyz" if c != i]
        s0, s1, s2 = frozenset(), frozenset(others[:1]), frozenset(others[1:])
        both = frozenset(others)
        return (1 / 3 * (v[s0 | {i}] - v[s0]) + 1 / 6 * (v[s1 | {i}] - v[s1])
                + 1 / 6 * (v[s2 | {i}] - v[s2]) + 1 / 3 * (v[both | {i}] - v[both]))

    by_hand = [phi(i) for i in "xyz"]
    assert by_hand == pytest.approx([5.5, 8.0, 9.5], rel=1e-15)
    assert shapley_from_subsets(values) == pytest.approx(by_hand, rel=1e-14)


def test_subsets_need_a_power_of_two():
    with pytest.raises(ValueError, match="2\\^k"):
        shapley_from_subsets(np.ones(6))


@given(st.integers(1, 7).flatmap(lambda k: st.lists(
    st.floats(-1e6, 1e6, allow_nan=False), min_size=2 ** k, max_size=2 ** k)))
def test_effects_sum_to_the_change_for_any_game(values):
    values = np.array(values)
    effects = shapley_from_subsets(values)
    scale = max(np.abs(values).max(), 1.0)
    assert abs(effects.sum() - (values[-1] - values[0])) <= 1e-9 * scale


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=7))
def test_an_additive_game_gives_each_lever_its_own_effect(effects):
    k = len(effects)
    values = subset_masks(k) @ np.array(effects)
    assert shapley_from_subsets(values) == pytest.approx(effects, abs=1e-9)


@given(st.integers(2, 6), st.data())
def test_a_lever_that_does_nothing_gets_nothing(k, data):
    # v depends on every lever but the last (the dummy axiom).
    table = np.array(data.draw(st.lists(st.floats(-10, 10, allow_nan=False),
                                        min_size=2 ** (k - 1), max_size=2 ** (k - 1))))
    values = table[np.arange(2 ** k) % 2 ** (k - 1)]
    assert shapley_from_subsets(values)[-1] == pytest.approx(0.0, abs=1e-12)


def test_permutation_masks_follow_each_order():
    orders = np.array([[2, 0, 1]])
    masks = permutation_masks(orders)
    assert masks[0].tolist() == [[False, False, False], [False, False, True],
                                 [True, False, True], [True, True, True]]


def test_antithetic_orders_pair_each_order_with_its_reverse():
    orders = antithetic_orders(5, 10, seed=3)
    assert orders.shape == (10, 5)
    assert (orders[5:] == orders[:5, ::-1]).all()
    assert all(sorted(row) == list(range(5)) for row in orders)


@given(st.integers(2, 7), st.integers(0, 2 ** 32 - 1))
def test_a_sampled_estimate_sums_to_the_change_exactly(k, seed):
    rng = np.random.default_rng(seed)
    table = rng.normal(size=2 ** k)  # an arbitrary game, by subset
    orders = antithetic_orders(k, 8, seed)
    masks = permutation_masks(orders)
    index = (masks * (1 << np.arange(k))).sum(axis=2)
    effects, error = shapley_from_permutations(orders, table[index])
    assert effects.sum() == pytest.approx(table[-1] - table[0], abs=1e-12)
    assert np.all(error >= 0)


def test_a_sampled_estimate_approaches_the_exact_values():
    k = 6
    rng = np.random.default_rng(7)
    table = rng.normal(size=2 ** k) + subset_masks(k) @ rng.normal(size=k) * 5
    exact = shapley_from_subsets(table)
    orders = antithetic_orders(k, 4000, seed=1)
    index = (permutation_masks(orders) * (1 << np.arange(k))).sum(axis=2)
    effects, error = shapley_from_permutations(orders, table[index])
    assert np.all(np.abs(effects - exact) <= 5 * error + 1e-12)
    assert np.all(error < 0.1)


# ---------------------------------------------------------------------------------------------
# Through the model


def test_two_levers_through_the_model_by_hand():
    ref = {}
    change = {"lithium_price": 40_000.0, "chemistry_mix": {"LFP": 0.7, "NMC811": 0.3}}
    v0 = value_at(ref)
    v_li = value_at({"lithium_price": 40_000.0})
    v_mix = value_at({"chemistry_mix": change["chemistry_mix"]})
    v_both = value_at(change)
    phi_li = 0.5 * (v_li - v0) + 0.5 * (v_both - v_mix)
    phi_mix = 0.5 * (v_mix - v0) + 0.5 * (v_both - v_li)
    split = attribute(ref, change, "pack_cost", 2030)
    effects = {c.name: c.effect for c in split.contributions}
    assert split.method == "exact" and split.runs == 4
    assert effects == pytest.approx({"lithium_price": phi_li, "chemistry_mix": phi_mix},
                                    rel=1e-9)
    assert split.reference == pytest.approx(v0, rel=1e-12)
    assert split.scenario == pytest.approx(v_both, rel=1e-12)
    assert_sums_to_change(split)


def test_three_levers_through_the_model_by_hand():
    # Scarcity makes lithium price and supply growth interact, and the mix (one lever) sets how
    # much lithium a kWh holds.
    ref = {"lithium_price": 12_000.0}
    scen = {"lithium_price": 60_000.0, "supply_growth": 2.0,
            "chemistry_mix": {"LFP": 0.5, "NMC811": 0.5}}
    names = list(scen)

    def v(subset):
        params = dict(ref)
        params.update({n: scen[n] for n in subset})
        return value_at(params, "pack_cost", 2040)

    def phi(i):
        a, b = [n for n in names if n != i]
        return (1 / 3 * (v({i}) - v(set())) + 1 / 6 * (v({a, i}) - v({a}))
                + 1 / 6 * (v({b, i}) - v({b})) + 1 / 3 * (v({a, b, i}) - v({a, b})))

    by_hand = {n: phi(n) for n in names}
    split = attribute(ref, scen, "pack_cost", 2040)
    assert {c.name: c.effect for c in split.contributions} == pytest.approx(by_hand, rel=1e-9)
    assert split.runs == 8 and split.method == "exact" and split.unit == "USD/kWh"
    assert_sums_to_change(split)


def test_contributions_carry_both_values_and_are_sorted_by_size():
    scen = {"lithium_price": 30_000, "recycling_rate": 60, "chemistry_mix": "LFP",
            "manufacturing_region": "eu", "use_region": "norway"}
    split = attribute(None, scen, "pack_cost", 2030)
    sizes = [abs(c.effect) for c in split.contributions]
    assert sizes == sorted(sizes, reverse=True)
    by_name = {c.name: c for c in split.contributions}
    assert set(by_name) == set(scen)
    assert by_name["lithium_price"].before == PARAMETERS["lithium_price"].default
    assert by_name["lithium_price"].after == 30_000
    assert by_name["manufacturing_region"].after == "eu"
    assert by_name["chemistry_mix"].after["LFP"] == 1.0
    # Packs made in Europe cost more than the world average (BNEF 2025: +56 % over China).
    assert by_name["manufacturing_region"].effect > 0
    # Where cars are driven does not enter the pack cost: no effect at all.
    assert by_name["use_region"].effect == 0.0
    assert all(c.standard_error == 0.0 for c in split.contributions)


LEVER_CHANGES = {
    "lithium_price": st.floats(3_000, 150_000),
    "nickel_price": st.floats(5_000, 120_000),
    "supply_growth": st.floats(-5, 30),
    "demand_growth": st.floats(0, 60),
    "recycling_rate": st.floats(0, 100),
    "battery_size": st.floats(20, 150),
    "learning_rate": st.floats(0, 40),
    "chemistry_target_year": st.integers(2026, 2060),
    "manufacturing_region": st.sampled_from(PARAMETERS["manufacturing_region"].choices),
    "use_region": st.sampled_from(PARAMETERS["use_region"].choices),
    "price_shock_mineral": st.sampled_from(PARAMETERS["price_shock_mineral"].choices),
    "chemistry_mix": st.sampled_from(["LFP", "NMC811", "LFP:0.5,NA_ION:0.5", "NCA:0.2,LMFP:0.8"]),
}
OUTPUTS = ["pack_cost", "ev_price_premium", "lithium_price", "ev_lifecycle_emissions",
           "supply_concentration"]


@given(st.dictionaries(st.sampled_from(sorted(LEVER_CHANGES)), st.none(), min_size=1,
                       max_size=5).flatmap(
    lambda keys: st.fixed_dictionaries({k: LEVER_CHANGES[k] for k in keys})),
    st.sampled_from(OUTPUTS), st.integers(2026, 2050))
def test_effects_sum_to_scenario_minus_reference(scenario, output, year):
    split = attribute(None, scenario, output, year)
    assert_sums_to_change(split)
    assert split.reference == pytest.approx(value_at({}, output, year), rel=1e-12, abs=1e-9)
    assert split.scenario == pytest.approx(value_at(scenario, output, year), rel=1e-12,
                                           abs=1e-9)
    assert {c.name for c in split.contributions} == set(
        changed_levers(registry.resolve(None), registry.resolve(scenario)))


def test_a_scalar_output_has_no_year():
    split = attribute(None, {"supply_growth": 0.0, "demand_growth": 40.0},
                      "lithium_shortfall_years")
    assert split.year is None and split.unit == "years"
    assert split.scenario == evaluate({"supply_growth": 0.0, "demand_growth": 40.0}
                                      ).scalars["lithium_shortfall_years"]
    assert_sums_to_change(split)


def test_no_changed_lever_gives_no_contribution():
    split = attribute({"lithium_price": 20_000}, {"lithium_price": 20_000.0}, "pack_cost", 2030)
    assert split.contributions == () and split.change == 0.0 and split.runs == 1


def test_the_time_axis_is_held_at_the_scenario_and_reported():
    scen = {"end_year": 2060, "lithium_price": 20_000}
    split = attribute(None, scen, "pack_cost", 2055)
    assert split.held == ("end_year",)
    assert [c.name for c in split.contributions] == ["lithium_price"]
    assert split.reference == pytest.approx(value_at({"end_year": 2060}, year=2055), rel=1e-12)
    assert_sums_to_change(split)
    assert set(TIME_AXIS) == {"start_year", "end_year"}


def test_a_year_outside_the_scenario_is_refused():
    with pytest.raises(AnalysisError, match="outside the years shown, 2030-2050"):
        attribute(None, {"start_year": 2030}, "pack_cost", 2028)
    with pytest.raises(AnalysisError, match="give the year"):
        attribute(None, {"lithium_price": 20_000}, "pack_cost")


def test_unknown_names_are_refused_with_the_closest():
    with pytest.raises(AnalysisError, match="did you mean pack_cost"):
        attribute(None, {"lithium_price": 20_000}, "pack_cots", 2030)
    with pytest.raises(ParameterError, match="lithium_price"):
        attribute(None, {"lithium_prices": 20_000}, "pack_cost", 2030)


def test_an_output_without_value_cannot_be_split():
    # Parity never comes when the EV without battery costs far more than the gasoline car.
    scen = {"ev_nonbattery_price": 80_000, "ice_vehicle_price": 10_000}
    with pytest.raises(AnalysisError, match=r"never.*in the scenario"):
        attribute(None, scen, "cost_parity_year")
    with pytest.raises(AnalysisError, match=r"never.*in the reference"):
        attribute(scen, None, "cost_parity_year")


def test_beyond_the_exact_limit_the_estimate_is_sampled_with_errors():
    names = [n for n, p in PARAMETERS.items() if p.numeric and n not in TIME_AXIS][:13]
    scen = {n: PARAMETERS[n].maximum for n in names}
    assert len(changed_levers(registry.resolve(None), registry.resolve(scen))) == 13 > EXACT_LIMIT
    sampled = attribute(None, scen, "pack_cost", 2035, permutations=64, seed=5)
    assert sampled.method == "sampled" and sampled.permutations == 64
    assert_sums_to_change(sampled)
    assert any(c.standard_error > 0 for c in sampled.contributions)
    exact = attribute(None, scen, "pack_cost", 2035, exact_limit=13)
    assert exact.method == "exact" and exact.runs == 2 ** 13
    assert sampled.change == pytest.approx(exact.change, rel=1e-12)
    exact_by = {c.name: c.effect for c in exact.contributions}
    for c in sampled.contributions:
        assert abs(c.effect - exact_by[c.name]) <= 5 * c.standard_error + 1e-9 * abs(
            exact.change)
    again = attribute(None, scen, "pack_cost", 2035, permutations=64, seed=5)
    assert again == sampled  # the seed makes the estimate repeatable


def test_choice_and_mix_levers_count_as_one_lever_each():
    scen = {"chemistry_mix": "LFP", "use_region": "eu", "price_shock_mineral": "nickel",
            "lithium_price": 25_000}
    split = attribute(None, scen, "ev_lifecycle_emissions", 2032, exact_limit=3)
    assert split.method == "sampled"  # four levers, one beyond the limit of three
    split = attribute(None, scen, "ev_lifecycle_emissions", 2032)
    assert split.method == "exact" and split.runs == 16 and len(split.contributions) == 4
    assert_sums_to_change(split)

"""Bands: against an independent Monte Carlo, percentiles against NumPy, correlations widening
or narrowing a band as their sign says, "never" handled.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from evexplorer.analysis import bands as B
from evexplorer.analysis import uncertainty as U
from evexplorer.analysis.sampling import sampled_parameters
from evexplorer.analysis.uncertainty import Correlation, LeverUncertainty, UncertaintySpec
from evexplorer.model import PARAMETERS, SCALARS, SERIES, evaluate, registry

# ---------------------------------------------------------------------------------------------
# Percentiles of many arrays at once


@given(hnp.arrays(float, st.tuples(st.integers(1, 40), st.integers(1, 4)),
                  elements=st.floats(-1e6, 1e6)),
       st.lists(st.floats(0, 100), min_size=1, max_size=4))
def test_stacked_percentiles_equal_numpy(samples, q):
    other = samples[:, ::-1] * 2.0
    (a, b), (never_a, _) = B.stacked_percentiles([samples, other], q)
    np.testing.assert_allclose(a, np.percentile(samples, q, axis=0), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(b, np.percentile(other, q, axis=0), rtol=1e-12, atol=1e-9)
    assert not never_a.any()


def test_never_is_ordered_after_every_number():
    # 10 samples, 3 of them "never" (NaN): P50 is a number, P90 falls among the nevers.
    x = np.array([5.0, np.nan, 1.0, 3.0, np.nan, 2.0, 4.0, 6.0, np.nan, 7.0])
    (levels,), (never,) = B.stacked_percentiles([x], [0, 50, 60, 90])
    # order: 1 2 3 4 5 6 7 never never never; position q/100 * 9
    np.testing.assert_allclose(levels, [1.0, 5.5, 6.4, np.inf], rtol=1e-15)
    assert never == pytest.approx(0.3)
    (all_never,), (share,) = B.stacked_percentiles([np.full(4, np.nan)], [10, 90])
    assert np.all(np.isinf(all_never)) and share == 1.0


def test_arrays_constant_over_the_samples_are_not_sorted_but_answered():
    constant = np.broadcast_to(np.array([1.0, np.nan, 3.0]), (50, 3))
    (levels,), (never,) = B.stacked_percentiles([constant], [10, 90])
    np.testing.assert_array_equal(levels, [[1.0, np.inf, 3.0]] * 2)
    np.testing.assert_array_equal(never, [0.0, 1.0, 0.0])


# ---------------------------------------------------------------------------------------------
# Against an independent Monte Carlo

N_REFERENCE = 40_000
#: (series, year) compared with the reference.
CHECKED = [("pack_cost", 2030), ("ev_price", 2035), ("lithium_demand", 2040),
           ("battery_emissions", 2030), ("fleet_emissions_avoided", 2040),
           ("breakeven_distance", 2030), ("ev_lifecycle_emissions", 2045)]


def _draw(rng, lever: LeverUncertainty, value: float, param, n: int) -> np.ndarray:
    """NumPy's own generators for each shape, truncated by rejection (not inverse CDFs)."""
    lo, hi = lever.bounds(value)
    draws = {
        "uniform": lambda k: rng.uniform(lo, hi, k),
        "triangular": lambda k: rng.triangular(lo, value, hi, k),
        "loguniform": lambda k: np.exp(rng.uniform(np.log(lo), np.log(hi), k)),
        "lognormal": lambda k: rng.lognormal(0.5 * np.log(lo * hi),
                                             np.log(hi / lo) / (2 * 1.6448536269514722), k),
    }[lever.distribution]
    out = draws(n)
    while True:
        bad = (out < param.minimum) | (out > param.maximum)
        if not bad.any():
            return out
        out[bad] = draws(int(bad.sum()))


@pytest.fixture(scope="module")
def reference():
    """40,000 plain Monte Carlo runs of the default uncertainty, drawn independently."""
    spec = U.default_spec()
    values = registry.defaults()
    rng = np.random.default_rng(20250101)
    draws = {name: _draw(rng, lever, values[name], PARAMETERS[name], N_REFERENCE)
             for name, lever in spec.levers.items()}
    # Rank correlation by reordering (Iman & Conover 1982): keep each marginal exactly and
    # give the pair the ranks of correlated normal scores.
    for c in spec.correlations:
        r = 2 * np.sin(np.pi * c.rho / 6)
        z = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], N_REFERENCE)
        for name, column in ((c.a, z[:, 0]), (c.b, z[:, 1])):
            ranks = np.argsort(np.argsort(column))
            draws[name] = np.sort(draws[name])[ranks]
    outputs = {key: [] for key in [*CHECKED, "cost_parity_year",
                                   "fleet_emissions_avoided_total"]}
    for start in range(0, N_REFERENCE, 10_000):
        chunk = {name: d[start:start + 10_000] for name, d in draws.items()}
        results = evaluate({**values, **chunk})
        for name, year in CHECKED:
            outputs[(name, year)].append(results.series[name][:, year - 2025])
        for name in ("cost_parity_year", "fleet_emissions_avoided_total"):
            outputs[name].append(np.asarray(results.scalars[name]))
    return {key: np.concatenate(parts) for key, parts in outputs.items()}


@pytest.fixture(scope="module")
def default_bands():
    return B.compute_bands(registry.defaults(), U.default_spec())


def test_bands_agree_with_an_independent_monte_carlo(reference, default_bands):
    # Tolerance in probability: the reference's share of runs below our P10 must be 0.10
    # within 4 binomial standard errors of a 1,000-sample quantile, sqrt(p (1 - p) / 1000)
    # (the reference's own error, at 40,000 runs, is 40 times smaller in variance). A
    # quasi-random design only tightens this; a wrong marginal, truncation or correlation
    # moves the shares by more (e.g. reading lithium's lognormal bounds as P10/P90).
    b = default_bands
    for p_index, p in enumerate((0.10, 0.50, 0.90)):
        tolerance = 4 * np.sqrt(p * (1 - p) / b.n_samples)
        for name, year in CHECKED:
            level = b.series[name][p_index, year - 2025]
            share = np.mean(reference[(name, year)] <= level)
            assert share == pytest.approx(p, abs=tolerance), (name, year, p, share)
        level = b.scalars["fleet_emissions_avoided_total"][p_index]
        share = np.mean(reference["fleet_emissions_avoided_total"] <= level)
        assert share == pytest.approx(p, abs=tolerance)


def test_share_that_never_reaches_parity_agrees_with_the_reference(reference, default_bands):
    never = np.mean(np.isnan(reference["cost_parity_year"]))
    tolerance = 4 * np.sqrt(never * (1 - never) / default_bands.n_samples)
    assert 0.02 < never < 0.98  # the default uncertainty straddles parity
    assert float(default_bands.never["cost_parity_year"]) == pytest.approx(never, abs=tolerance)
    assert default_bands.scalars["cost_parity_year"][2] == np.inf  # P90: never


def test_bands_equal_numpy_percentiles_of_the_same_batch(default_bands):
    results = evaluate(sampled_parameters(registry.defaults(), U.default_spec()))
    for name in SERIES:
        samples = np.where(np.isnan(results.series[name]), np.inf, results.series[name])
        with np.errstate(invalid="ignore"):
            expected = np.percentile(samples, [10, 50, 90], axis=0)
        finite = np.isfinite(expected)
        np.testing.assert_allclose(default_bands.series[name][finite], expected[finite],
                                   rtol=1e-12, err_msg=name)


def test_band_layout_and_order(default_bands):
    b = default_bands
    assert list(b.series) == list(SERIES) and list(b.scalars) == list(SCALARS)
    assert b.percentiles == (10.0, 50.0, 90.0) and b.n_samples == 1000
    assert b.varied == U.default_spec().uncertain and b.seed == U.default_spec().seed
    for name, levels in b.series.items():
        assert levels.shape == (3, b.years.size)
        assert np.all(levels[0] <= levels[1]) and np.all(levels[1] <= levels[2]), name
        assert not levels.flags.writeable
    np.testing.assert_array_equal(b.band("pack_cost", 90), b.series["pack_cost"][2])
    # The scenario's own curve lies inside its P10-P90 band where the spreads enclose it.
    line = evaluate(registry.defaults()).series["pack_cost"]
    assert np.all((b.series["pack_cost"][0] <= line) & (line <= b.series["pack_cost"][2]))


def test_same_inputs_same_band_and_a_subset_equals_the_full_set(default_bands):
    again = B.compute_bands(registry.defaults(), U.default_spec(),
                            series=["ev_price", "pack_cost"])
    assert list(again.series) == ["ev_price", "pack_cost"]
    for name in again.series:
        np.testing.assert_array_equal(again.series[name], default_bands.series[name])


def test_nothing_uncertain_gives_a_band_of_zero_width():
    b = B.compute_bands({"lithium_price": 30_000}, UncertaintySpec(1), 50)
    line = evaluate({"lithium_price": 30_000})
    for name in ("pack_cost", "breakeven_distance"):
        for row in b.series[name]:
            np.testing.assert_array_equal(row, np.where(np.isnan(line.series[name]), np.inf,
                                                        line.series[name]))


def test_unknown_series_names_close_ones():
    with pytest.raises(U.UncertaintyError, match="Unknown series 'pack_cots'; did you mean "
                                                 "pack_cost"):
        B.compute_bands({}, U.default_spec(), series=["pack_cots"])


# ---------------------------------------------------------------------------------------------
# Correlations widen or narrow a band as their sign says


def _width(spec: UncertaintySpec, name: str, year: int) -> float:
    b = B.compute_bands({}, spec, 2000, series=[name])
    return float(b.series[name][2, year - 2025] - b.series[name][0, year - 2025])


def _two(a: str, b: str, rho: float) -> UncertaintySpec:
    levers = {a: U.default_spec().levers[a], b: U.default_spec().levers[b]}
    return UncertaintySpec(7, levers, (Correlation(a, b, rho),) if rho else ())


@pytest.mark.parametrize("a, b, direction", [
    # nickel and cobalt both raise the pack cost: positive correlation widens its band
    ("nickel_price", "cobalt_price", +1),
    # lithium raises it, the learning rate lowers it: positive correlation narrows it
    ("lithium_price", "learning_rate", -1),
])
def test_correlation_widens_or_narrows_the_band_as_its_sign_says(a, b, direction):
    independent = _width(_two(a, b, 0.0), "pack_cost", 2030)
    positive = _width(_two(a, b, 0.8), "pack_cost", 2030)
    negative = _width(_two(a, b, -0.8), "pack_cost", 2030)
    if direction > 0:
        assert negative < 0.9 * independent < independent < positive / 1.1
    else:
        assert positive < 0.9 * independent < independent < negative / 1.1

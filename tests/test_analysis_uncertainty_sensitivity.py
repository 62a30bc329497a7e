"""Tornado and Sobol indices: known values, the chunked estimator on the Ishigami function,
progress and cancellation.
"""

from __future__ import annotations

import itertools
import math
import threading

import numpy as np
import pytest
from scipy import stats

from evexplorer.analysis import sensitivity as S
from evexplorer.analysis import uncertainty as U
from evexplorer.analysis.uncertainty import Correlation, LeverUncertainty, UncertaintySpec
from evexplorer.model import PARAMETERS, evaluate, registry

# ---------------------------------------------------------------------------------------------
# Outputs


def test_outputs_and_years_are_checked():
    years = np.arange(2025, 2051)
    assert S.check_output("pack_cost", 2030, years) == 5
    assert S.check_output("cost_parity_year", None, years) is None
    assert S.check_output("cost_parity_year", 1900, years) is None  # a scalar has no year
    with pytest.raises(U.UncertaintyError, match="Unknown output 'pack_cots'; did you mean "
                                                 "pack_cost"):
        S.check_output("pack_cots", 2030, years)
    with pytest.raises(U.UncertaintyError, match=r"The year 2051 is outside the run "
                                                 r"\(2025-2050\)"):
        S.check_output("pack_cost", 2051, years)
    with pytest.raises(U.UncertaintyError, match="pack_cost is a series: give the year"):
        S.check_output("pack_cost", None, years)
    assert S.run_years({"start_year": 2030, "end_year": 2040}).tolist() == list(range(2030,
                                                                                      2041))


# ---------------------------------------------------------------------------------------------
# Tornado


def test_tornado_bars_equal_single_runs_at_each_levers_p10_and_p90():
    spec = U.default_spec()
    values = {"lithium_price": 20_000, "demand_growth": 30.0}
    result = S.tornado(values, spec, "pack_cost", 2035)
    full = {**registry.defaults(), **values}
    assert result.value == pytest.approx(evaluate(full).series["pack_cost"][10], rel=1e-12)
    assert {bar.name for bar in result.bars} == set(spec.uncertain)
    for bar in result.bars:
        lever = spec.levers[bar.name]
        # P10 and P90 of the lever's distribution, independently from SciPy (these levers'
        # spreads lie inside their ranges, so truncation does not act).
        if bar.name == "demand_growth":
            assert (bar.low_value, bar.high_value) == pytest.approx(
                stats.uniform(23, 14).ppf([0.1, 0.9]), rel=1e-12)
        if bar.name == "lithium_price":
            lo, hi = lever.bounds(20_000)
            mu, sigma = np.log(lo * hi) / 2, np.log(hi / lo) / (2 * stats.norm.ppf(0.95))
            truncated = stats.truncnorm((np.log(3_000) - mu) / sigma,
                                        (np.log(150_000) - mu) / sigma, mu, sigma)
            assert (bar.low_value, bar.high_value) == pytest.approx(
                np.exp(truncated.ppf([0.1, 0.9])), rel=1e-9)
        for at, lever_value in ((bar.low, bar.low_value), (bar.high, bar.high_value)):
            single = evaluate({**full, bar.name: lever_value}).series["pack_cost"][10]
            assert at == pytest.approx(single, rel=1e-12), bar.name
    swings = [bar.swing for bar in result.bars]
    assert swings == sorted(swings, reverse=True)
    assert result.bars[0].name == "lithium_price"


def test_tornado_of_a_scalar_with_never_reached_ends():
    spec = UncertaintySpec(1, {"ice_vehicle_price": LeverUncertainty("uniform", "relative",
                                                                     0.5, 1.5),
                               "learning_rate": LeverUncertainty("uniform", "absolute", -1, 1)})
    result = S.tornado({}, spec, "cost_parity_year", 2040)
    assert result.year is None and result.unit == "year"
    top = result.bars[0]
    # A much cheaper gasoline car: the EV never reaches parity; a dearer one: at once.
    assert top.name == "ice_vehicle_price" and math.isnan(top.low) and top.high == 2025
    assert top.swing == math.inf


def test_tornado_ignores_correlations():
    spec = U.default_spec()
    plain = spec.with_correlation("nickel_price", "cobalt_price", 0)
    assert S.tornado({}, spec, "pack_cost", 2030) == S.tornado({}, plain, "pack_cost", 2030)


# ---------------------------------------------------------------------------------------------
# Sobol: the chunked estimator on the Ishigami function


def _ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def _ishigami_indices(a: float = 7.0, b: float = 0.1):
    """Analytic indices (Ishigami & Homma 1990; Saltelli et al. 2008, Global Sensitivity
    Analysis: The Primer, section 4.6): S1 0.314, S2 0.442, S3 0; ST1 0.558, ST3 0.244."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0]) / v, np.array([v1 + v13, v2, v13]) / v


def _uniform_pi(u: np.ndarray) -> np.ndarray:
    return -np.pi + 2 * np.pi * u


def test_ishigami_known_values():
    first, total = _ishigami_indices()
    np.testing.assert_allclose(first, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(total, [0.5576, 0.4424, 0.2437], atol=5e-5)


@pytest.fixture(scope="module")
def ishigami_result():
    return S.sobol_indices(_ishigami, [_uniform_pi] * 3, 2**13, names=("x1", "x2", "x3"),
                           seed=3, chunk_size=5000)


def test_sobol_estimator_recovers_the_ishigami_indices(ishigami_result):
    # Tolerance 0.02: at N = 8,192 the bootstrap standard errors are 0.006-0.012, so the
    # estimates lie within about two of them of the analytic values.
    first, total = _ishigami_indices()
    r = ishigami_result
    np.testing.assert_allclose(r.first, first, atol=0.02)
    np.testing.assert_allclose(r.total, total, atol=0.02)
    assert r.n_base == 2**13 and r.n_runs == 2**13 * 5 and r.names == ("x1", "x2", "x3")
    # The 95 % intervals contain the analytic values and are narrower than 0.1.
    for estimate, conf, exact in ((r.first, r.first_conf, first), (r.total, r.total_conf,
                                                                     total)):
        assert np.all(conf[:, 0] <= exact) and np.all(exact <= conf[:, 1])
        assert np.all(conf[:, 0] <= estimate) and np.all(estimate <= conf[:, 1])
        assert np.all(conf[:, 1] - conf[:, 0] < 0.1)


def test_chunking_does_not_change_the_numbers(ishigami_result):
    whole = S.sobol_indices(_ishigami, [_uniform_pi] * 3, 2**13, names=("x1", "x2", "x3"),
                            seed=3, chunk_size=10**6)
    np.testing.assert_array_equal(whole.first, ishigami_result.first)
    np.testing.assert_array_equal(whole.total, ishigami_result.total)
    np.testing.assert_array_equal(whole.first_conf, ishigami_result.first_conf)


def test_progress_rises_to_one_and_cancel_stops_between_chunks():
    fractions = []
    S.sobol_indices(_ishigami, [_uniform_pi] * 3, 1024, chunk_size=1000,
                    progress=fractions.append, n_resamples=200)
    assert len(fractions) >= 6 and fractions[-1] == 1.0
    assert all(b >= a for a, b in itertools.pairwise(fractions))

    stop = threading.Event()
    calls = []

    def func(x):
        calls.append(len(x))
        stop.set()  # asked to stop while the first chunk runs
        return _ishigami(x)

    with pytest.raises(S.Cancelled):
        S.sobol_indices(func, [_uniform_pi] * 3, 1024, chunk_size=1000, cancel=stop)
    assert calls == [1000]
    with pytest.raises(S.Cancelled):
        S.sobol_indices(_ishigami, [_uniform_pi] * 3, 1024, cancel=lambda: True)


def test_sobol_refusals():
    with pytest.raises(ValueError, match="power of 2"):
        S.sobol_indices(_ishigami, [_uniform_pi] * 3, 1000)
    with pytest.raises(ValueError, match="not finite"):
        S.sobol_indices(lambda x: np.full(len(x), np.nan), [_uniform_pi] * 3, 64)


def test_a_constant_output_has_zero_indices():
    r = S.sobol_indices(lambda x: np.ones(len(x)), [_uniform_pi] * 2, 64)
    np.testing.assert_array_equal(r.first, [0, 0])
    np.testing.assert_array_equal(r.total_conf, [[0, 0], [0, 0]])


# ---------------------------------------------------------------------------------------------
# Sobol through the model


def test_model_sobol_of_an_additive_output_known_values():
    # ev_price_premium = ev_nonbattery_price - ice_vehicle_price + (terms of neither), so with
    # both uniform within 10 % the indices are the shares of variance: the squares of their
    # defaults over their sum (first = total, no interaction).
    spec = UncertaintySpec(5, {
        "ev_nonbattery_price": LeverUncertainty("uniform", "relative", 0.9, 1.1),
        "ice_vehicle_price": LeverUncertainty("uniform", "relative", 0.9, 1.1)},
        (Correlation("ev_nonbattery_price", "ice_vehicle_price", 0.4),))
    result = S.sobol({}, spec, "ev_price_premium", 2030, n=1024, n_resamples=300)
    ev, ice = (PARAMETERS[n].default for n in ("ev_nonbattery_price", "ice_vehicle_price"))
    share = ev**2 / (ev**2 + ice**2)
    np.testing.assert_allclose(result.indices.first, [share, 1 - share], atol=0.01)
    np.testing.assert_allclose(result.indices.total, [share, 1 - share], atol=0.01)
    assert result.indices.names == ("ev_nonbattery_price", "ice_vehicle_price")
    assert result.ignored_correlations == spec.correlations
    assert result.year == 2030 and result.unit == "USD" and result.never_as is None


def test_model_sobol_counts_never_as_the_year_after_the_run():
    spec = UncertaintySpec(5, {"ice_vehicle_price": LeverUncertainty("uniform", "relative",
                                                                     0.5, 1.5)})
    result = S.sobol({"end_year": 2040}, spec, "cost_parity_year", n=256, n_resamples=100)
    assert result.never_as == 2041.0 and result.year is None
    assert result.indices.first[0] == pytest.approx(1.0, abs=0.05)


def test_model_sobol_refusals():
    spec = U.default_spec()
    with pytest.raises(U.UncertaintyError, match="power of 2"):
        S.sobol({}, spec, "pack_cost", 2030, n=1000)
    with pytest.raises(U.UncertaintyError, match="at least one uncertain lever"):
        S.sobol({}, UncertaintySpec(1), "pack_cost", 2030, n=64)
    with pytest.raises(U.UncertaintyError, match="outside the run"):
        S.sobol({"end_year": 2040}, spec, "pack_cost", 2045, n=64)
    # breakeven_distance is "never" (NaN) when the EV never catches up: no number to analyse
    dirty = UncertaintySpec(1, {"cell_energy": LeverUncertainty("uniform", "relative", 1, 2.5),
                                "ev_efficiency": LeverUncertainty("uniform", "relative", 1,
                                                                  1.7)})
    with pytest.raises(U.UncertaintyError, match=r"never reached in .* of the runs"):
        S.sobol({"use_region": "india", "grid_decarbonization": 0.0}, dirty,
                "breakeven_distance", 2025, n=256)

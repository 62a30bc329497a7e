"""Sampling: marginals against SciPy's distributions, truncation, seeds, common random numbers,
rank correlations through the Gaussian copula.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from evexplorer.analysis import sampling
from evexplorer.analysis import uncertainty as U
from evexplorer.analysis.uncertainty import Correlation, LeverUncertainty, UncertaintySpec
from evexplorer.model import PARAMETERS, evaluate, registry

SAMPLEABLE = [n for n, p in PARAMETERS.items() if p.numeric and n not in U.TIME_AXIS]
P = np.linspace(0.01, 0.99, 99)


def _scipy_distribution(lever: LeverUncertainty, value: float):
    """The spread as a frozen SciPy distribution in the lever's unit (before truncation)."""
    lo, hi = lever.bounds(value)
    if lever.distribution == "uniform":
        return stats.uniform(lo, hi - lo)
    if lever.distribution == "loguniform":
        return stats.loguniform(lo, hi)
    if lever.distribution == "triangular":
        return stats.triang((value - lo) / (hi - lo), loc=lo, scale=hi - lo)
    # lognormal: lo and hi are its 5th and 95th percentiles
    mu = 0.5 * (np.log(lo) + np.log(hi))
    sigma = (np.log(hi) - np.log(lo)) / (2 * stats.norm.ppf(0.95))
    return stats.lognorm(sigma, scale=np.exp(mu))


@pytest.mark.parametrize("name, lever, value", [
    ("lithium_price", LeverUncertainty("lognormal", "relative", 0.6, 4.0), 10_000),
    ("lithium_price", LeverUncertainty("lognormal", "relative", 0.6, 4.0), 60_000),
    ("nickel_price", LeverUncertainty("loguniform", "relative", 0.6, 1.6), 16_000),
    ("nickel_price", LeverUncertainty("loguniform", "relative", 0.6, 1.6), 100_000),
    ("cell_energy", LeverUncertainty("triangular", "relative", 0.67, 2.0), 30.0),
    ("cell_energy", LeverUncertainty("triangular", "relative", 0.67, 2.0), 70.0),
    ("learning_rate", LeverUncertainty("triangular", "absolute", -3, 7), 18.0),
    ("learning_rate", LeverUncertainty("triangular", "absolute", -3, 7), 1.0),
    ("recycling_rate", LeverUncertainty("uniform", "absolute", -15, 20), 30.0),
    ("recycling_rate", LeverUncertainty("uniform", "absolute", -15, 20), 95.0),
])
def test_quantiles_equal_scipy_truncated_distributions(name, lever, value):
    # Independent implementation: SciPy's distribution, truncated to the lever's range by
    # the definition x = F^-1(F(min) + p (F(max) - F(min))).
    param = PARAMETERS[name]
    dist = _scipy_distribution(lever, value)
    lo, hi = dist.cdf(param.minimum), dist.cdf(param.maximum)
    expected = dist.ppf(lo + P * (hi - lo))
    got = sampling.lever_values(name, lever, value, P)
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_truncation_is_not_clipping():
    # recycling_rate at 95 % with a spread of -15 to +20 points: the part above 100 % is cut
    # away, so the samples are uniform on 80-100 % (clipping would put 43 % of them at 100).
    lever = LeverUncertainty("uniform", "absolute", -15, 20)
    u = sampling.unit_design(1, ("recycling_rate",), 4096, "sobol")[:, 0]
    x = sampling.lever_values("recycling_rate", lever, 95.0, u)
    assert x.min() >= 80.0 and x.max() <= 100.0
    assert np.mean(x == 100.0) < 0.001
    assert stats.kstest(x, stats.uniform(80, 20).cdf).pvalue > 0.01


def test_whole_number_levers_get_each_whole_value_equally_often():
    lever = LeverUncertainty("uniform", "absolute", -3, 3)
    u = sampling.unit_design(5, ("chemistry_target_year",), 7000, "sobol")[:, 0]
    x = sampling.lever_values("chemistry_target_year", lever, 2035, u)
    assert np.all(x == np.round(x))
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == list(range(2032, 2039))
    np.testing.assert_allclose(counts / x.size, 1 / 7, atol=0.002)


@st.composite
def lever_and_value(draw):
    name = draw(st.sampled_from(SAMPLEABLE))
    param = PARAMETERS[name]
    value = draw(st.floats(param.minimum, param.maximum))
    if param.kind == "int":
        value = float(round(value))
        shape = draw(st.sampled_from(("uniform", "triangular")))
        lever = LeverUncertainty(shape, "absolute", draw(st.floats(-30, 0)),
                                 draw(st.floats(0.5, 30)))
    else:
        shape = draw(st.sampled_from(U.DISTRIBUTIONS))
        if shape in U.LOG_DISTRIBUTIONS or draw(st.booleans()):
            low = draw(st.floats(0.01 if shape != "triangular" else 0.0, 1.0))
            lever = LeverUncertainty(shape, "relative", low, draw(st.floats(1.001, 20)))
        else:
            width = param.maximum - param.minimum
            lever = LeverUncertainty(shape, "absolute", draw(st.floats(-width, 0)),
                                     draw(st.floats(width / 1000, width)))
    return name, lever, value


@given(lever_and_value(), st.integers(0, 2**32))
def test_samples_stay_in_range_and_the_model_accepts_them(case, seed):
    name, lever, value = case
    param = PARAMETERS[name]
    spec = UncertaintySpec(seed, {name: lever})
    x = sampling.sample({name: value}, spec, 64)[name]
    assert x.shape == (64,)
    assert np.all(np.isfinite(x))
    assert np.all((x >= param.minimum) & (x <= param.maximum))
    if param.kind == "int":
        assert np.all(x == np.round(x))
    param.validate(x)  # what evaluate checks
    # Monotone in u: increasing, except for factors of a negative value
    sign = -1.0 if lever.spread == "relative" and value < 0 else 1.0
    assert np.all(sign * np.diff(sampling.lever_values(name, lever, value, P)) >= 0)


def test_same_seed_same_numbers_other_seed_other_numbers():
    spec = U.default_spec()
    values = registry.defaults()
    sampling.correlated_design.cache_clear()
    sampling.unit_design.cache_clear()
    first = sampling.sample(values, spec, 1000)
    sampling.correlated_design.cache_clear()
    sampling.unit_design.cache_clear()
    second = sampling.sample(values, spec, 1000)
    other = sampling.sample(values, spec.with_seed(spec.seed + 1), 1000)
    for name in spec.uncertain:
        np.testing.assert_array_equal(first[name], second[name])
        assert not np.array_equal(first[name], other[name])
    for method in sampling.METHODS:
        a = sampling.unit_design(11, ("lithium_price", "demand_growth"), 100, method)
        b = sampling.unit_design.__wrapped__(11, ("lithium_price", "demand_growth"), 100, method)
        np.testing.assert_array_equal(a, b)


def test_moving_one_lever_moves_only_its_own_samples_without_reshuffling():
    # Common random numbers: the design is reused; only the transform follows the lever.
    spec = U.default_spec()
    values = registry.defaults()
    before = sampling.sample(values, spec, 1000)
    after = sampling.sample({**values, "demand_growth": 30.0, "lithium_price": 12_000},
                            spec, 1000)
    for name in spec.uncertain:
        if name not in ("demand_growth", "lithium_price"):
            np.testing.assert_array_equal(before[name], after[name])
    # An absolute spread far from the range's ends shifts by exactly the move.
    np.testing.assert_allclose(after["demand_growth"], before["demand_growth"] + 5.0, rtol=1e-12)
    # A relative spread keeps every sample's rank.
    np.testing.assert_array_equal(np.argsort(after["lithium_price"]),
                                  np.argsort(before["lithium_price"]))
    assert np.all(after["lithium_price"] > before["lithium_price"])


def test_latin_hypercube_columns_do_not_depend_on_the_other_levers():
    one = sampling.unit_design(3, ("lithium_price",), 500, "lhs")
    two = sampling.unit_design(3, ("nickel_price", "lithium_price"), 500, "lhs")
    np.testing.assert_array_equal(one[:, 0], two[:, 1])
    # Latin hypercube: exactly one point in each of the 500 strata of every column.
    for column in two.T:
        assert sorted(np.floor(column * 500).astype(int)) == list(range(500))


def test_sobol_design_is_balanced_at_a_power_of_two():
    design = sampling.unit_design(3, ("lithium_price", "nickel_price"), 1024, "sobol")
    for column in design.T:
        assert np.bincount(np.floor(column * 1024).astype(int), minlength=1024).max() == 1


@pytest.mark.parametrize("rho", [-0.8, -0.3, 0.5, 0.9])
def test_rank_correlation_is_what_the_spec_says(rho):
    spec = UncertaintySpec(2, {"nickel_price": LeverUncertainty("loguniform", "relative",
                                                                0.6, 1.6),
                               "cobalt_price": LeverUncertainty("lognormal", "relative",
                                                                0.65, 2.7),
                               "lithium_price": LeverUncertainty("lognormal", "relative",
                                                                 0.6, 4.0)},
                           (Correlation("nickel_price", "cobalt_price", rho),))
    x = sampling.sample({}, spec, 20_000)
    # Sampling error of a Spearman coefficient at N = 20,000 is about 0.007.
    assert stats.spearmanr(x["nickel_price"], x["cobalt_price"])[0] == pytest.approx(rho,
                                                                                    abs=0.02)
    assert abs(stats.spearmanr(x["nickel_price"], x["lithium_price"])[0]) < 0.03
    # The copula keeps each marginal: nickel still loguniform over 9,600-25,600.
    assert stats.kstest(x["nickel_price"], stats.loguniform(9_600, 25_600).cdf).pvalue > 0.01


def test_perfect_correlation_uses_the_semi_definite_factor():
    spec = UncertaintySpec(2, {"nickel_price": LeverUncertainty("uniform", "relative", 0.5, 1.5),
                               "cobalt_price": LeverUncertainty("uniform", "relative", 0.5, 1.5)},
                           (Correlation("nickel_price", "cobalt_price", 1.0),))
    x = sampling.sample({}, spec, 1000)
    # Equal to the round-off of the normal score's round trip (ndtri, then ndtr): ~1e-8.
    np.testing.assert_allclose(x["nickel_price"] / 16_000, x["cobalt_price"] / 33_000,
                               rtol=1e-6)


def test_gaussian_copula_known_values():
    # Identity matrix: nothing changes; a Cholesky factor keeps the first column.
    design = sampling.unit_design(1, ("a_", "b_"), 256, "random")
    np.testing.assert_allclose(sampling.gaussian_copula(design, np.eye(2)), design, rtol=1e-12)
    mixed = sampling.gaussian_copula(design, np.array([[1.0, 0.6], [0.6, 1.0]]))
    np.testing.assert_allclose(mixed[:, 0], design[:, 0], rtol=1e-12)


def test_nothing_uncertain_gives_no_samples_and_the_scenario_runs():
    spec = UncertaintySpec(1)
    assert sampling.sample({}, spec, 10) == {}
    params = sampling.sampled_parameters({"lithium_price": 20_000}, spec, 10)
    assert evaluate(params).n_samples is None


def test_samples_need_a_single_value_to_sample_around():
    spec = UncertaintySpec(1, {"lithium_price": LeverUncertainty("uniform", "relative", .5, 2)})
    with pytest.raises(registry.ParameterError, match="one value to be sampled around"):
        sampling.sample({"lithium_price": np.array([1e4, 2e4])}, spec, 10)


def test_bad_design_requests_are_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        sampling.unit_design(1, ("x",), 10, "halton")
    with pytest.raises(ValueError, match="at least 1"):
        sampling.unit_design(1, ("x",), 0, "lhs")

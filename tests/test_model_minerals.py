"""Known values of evexplorer.model.minerals, each worked out by hand or independently."""

import math

import numpy as np
import pytest
from scipy import stats

from evexplorer.model import data, minerals


class TestRetirementDistribution:
    @pytest.mark.parametrize("mean_life", [5.0, 13.0, 25.0])
    @pytest.mark.parametrize("shape", [1.5, 3.5, 6.0])
    def test_sums_to_one_and_keeps_the_mean(self, mean_life, shape):
        # Over 0-199 years every lifetime has retired; binning at whole ages moves the mean by
        # less than 0.002 years for these shapes (E[round(X)] ~ E[X] for a smooth density).
        ages = np.arange(200)
        p = minerals.retirement_distribution(ages, mean_life, shape)
        assert p.sum() == pytest.approx(1.0, abs=1e-8)
        assert (ages * p).sum() == pytest.approx(mean_life, abs=2e-3)
        assert np.all(p >= 0)

    def test_bins_against_scipy_weibull(self):
        # Independent: scipy.stats.weibull_min with scale mu / Gamma(1 + 1/k).
        # Defaults: mean 13 years, shape 3.5 -> scale 13 / Gamma(1.2857) = 13 / 0.8997 = 14.45 yr.
        k, mu = 3.5, 13.0
        dist = stats.weibull_min(k, scale=mu / math.gamma(1 + 1 / k))
        ages = np.arange(40)
        expected = dist.cdf(ages + 0.5) - dist.cdf(np.maximum(ages - 0.5, 0.0))
        got = minerals.retirement_distribution(ages, mu, k)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-16)
        assert mu / math.gamma(1 + 1 / k) == pytest.approx(14.45, abs=0.01)

    def test_one_distribution_per_sample(self):
        means = np.array([[10.0], [13.0], [16.0]])
        p = minerals.retirement_distribution(np.arange(60), means, 3.5)
        assert p.shape == (3, 60)
        np.testing.assert_allclose((np.arange(60) * p).sum(axis=1), [10, 13, 16], atol=2e-3)
        np.testing.assert_allclose(p[1], minerals.retirement_distribution(np.arange(60), 13.0,
                                                                          3.5))


def _double_loop(content, retirement):
    """R[n, m, t] = sum over a <= t of C[n, m, t - a] p[n, a], by plain loops."""
    n_rows = max(content.shape[0], retirement.shape[0])
    _, n_minerals, n_years = content.shape
    out = np.zeros((n_rows, n_minerals, n_years))
    for n in range(n_rows):
        c = content[min(n, content.shape[0] - 1)]
        p = retirement[min(n, retirement.shape[0] - 1)]
        for m in range(n_minerals):
            for t in range(n_years):
                for a in range(t + 1):
                    out[n, m, t] += c[m, t - a] * p[a]
    return out


class TestRetiredContent:
    def test_single_battery_cohort(self):
        # One unit placed in year 0 retires with the distribution itself: [0.1, 0.5, 0.4].
        # Equal units each year: 0.1; 0.1 + 0.5 = 0.6; 0.1 + 0.5 + 0.4 = 1.0.
        p = np.array([[0.1, 0.5, 0.4]])
        got = minerals.retired_content(np.array([[[1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]), p)
        np.testing.assert_allclose(got, [[[0.1, 0.5, 0.4], [0.1, 0.6, 1.0]]], atol=1e-15)

    def test_toeplitz_path_shared_distribution(self):
        # One distribution for every sample: the Toeplitz product.
        rng = np.random.default_rng(0)
        content = rng.uniform(0, 500, size=(4, 3, 30))
        retirement = minerals.retirement_distribution(np.arange(36), np.array([[13.0]]), 3.5)
        got = minerals.retired_content(content, retirement)
        np.testing.assert_allclose(got, _double_loop(content, retirement), rtol=1e-12,
                                   atol=1e-12)

    def test_fft_path_one_distribution_per_sample(self):
        # One distribution per sample: the FFT convolution, round-off ~1e-16 of the largest value.
        rng = np.random.default_rng(1)
        content = rng.uniform(0, 500, size=(4, 3, 30))
        life = np.array([[6.0], [10.0], [13.0], [24.0]])
        retirement = minerals.retirement_distribution(np.arange(36), life, 3.5)
        got = minerals.retired_content(content, retirement)
        np.testing.assert_allclose(got, _double_loop(content, retirement), rtol=1e-10,
                                   atol=1e-10)

    def test_fft_path_shared_content(self):
        # Only the lifetime is sampled: one content row, N distributions (shape (1, M, T)).
        rng = np.random.default_rng(2)
        content = rng.uniform(0, 500, size=(1, 2, 26))
        retirement = minerals.retirement_distribution(np.arange(26), np.array([[8.0], [20.0]]),
                                                      3.5)
        got = minerals.retired_content(content, retirement)
        assert got.shape == (2, 2, 26)
        np.testing.assert_allclose(got, _double_loop(content, retirement), rtol=1e-10,
                                   atol=1e-10)

    def test_both_paths_agree(self):
        rng = np.random.default_rng(3)
        content = rng.uniform(0, 500, size=(3, 4, 36))
        shared = minerals.retirement_distribution(np.arange(36), np.array([[13.0]]), 3.5)
        toeplitz = minerals.retired_content(content, shared)
        fft = minerals.retired_content(content, np.repeat(shared, 3, axis=0))
        np.testing.assert_allclose(fft, toeplitz, rtol=1e-10, atol=1e-10)


class TestPrimarySupplyForEvs:
    def test_two_years_of_growth(self):
        # 100 kt growing 10 %/yr, 50 kt of other demand growing 3 %/yr, two years on:
        # 100 * 1.21 - 50 * 1.0609 = 121 - 53.045 = 67.955 kt
        got = minerals.primary_supply_for_evs([[2.0]], [100.0], 0.10, [50.0], 0.03)
        assert float(got.squeeze()) == pytest.approx(67.955, rel=1e-12)

    def test_never_negative(self):
        # Manganese: 20,000 kt shrinking 5 %/yr against 19,500 kt of steel demand growing 3 %/yr.
        # Year 1: 19,000 - 20,085 < 0 -> 0.
        got = minerals.primary_supply_for_evs([[0.0], [1.0]], [20_000.0], -0.05, [19_500.0],
                                              0.03)
        np.testing.assert_allclose(got.squeeze(), [500.0, 0.0])

    def test_shapes_years_minerals_samples(self):
        elapsed = np.arange(1, 4, dtype=float)[:, None]  # (T, 1)
        growth = np.array([0.0, 0.1])[:, None, None]  # (N, 1, 1)
        got = minerals.primary_supply_for_evs(elapsed, [10.0, 20.0], growth, [0.0, 0.0], 0.0)
        assert got.shape == (2, 3, 2)
        # no growth: 10 and 20 every year; 10 %: 10 * 1.1^3 = 13.31 in year 3
        np.testing.assert_allclose(got[0], [[10, 20]] * 3)
        assert got[1, 2, 0] == pytest.approx(13.31)


class TestScarcityMultiplier:
    def test_documented_rule(self):
        # r = demand / available; m = min(cap, max(1, r)^e) with e = 2, cap = 10:
        # 80/100 -> 1; 120/100 = 1.2 -> 1.44; 200/100 -> 4; 1000/100 = 10 -> 100 -> capped 10.
        demand = np.array([80.0, 120.0, 200.0, 1000.0])
        got = minerals.scarcity_multiplier(demand, 100.0, 2.0, 10.0)
        np.testing.assert_allclose(got, [1.0, 1.44, 4.0, 10.0], rtol=1e-12)

    def test_no_supply_gives_the_cap_and_no_demand_gives_one(self):
        got = minerals.scarcity_multiplier(np.array([5.0, 0.0]), np.array([0.0, 0.0]), 2.0, 10.0)
        np.testing.assert_array_equal(got, [10.0, 1.0])

    def test_zero_exponent_means_no_response(self):
        got = minerals.scarcity_multiplier(np.array([50.0, 500.0]), 10.0, 0.0, 10.0)
        np.testing.assert_array_equal(got, [1.0, 1.0])

    def test_exponent_samples_broadcast(self):
        # One demand/supply path, three sampled exponents: 1.5^[0, 1, 2] = 1, 1.5, 2.25.
        got = minerals.scarcity_multiplier(np.full((1, 2, 1), 150.0), 100.0,
                                           np.array([0.0, 1.0, 2.0])[:, None, None], 10.0)
        assert got.shape == (3, 2, 1)
        np.testing.assert_allclose(got[:, 0, 0], [1.0, 1.5, 2.25])


class TestShockMultiplier:
    def test_tripling_for_two_years_from_2028(self):
        years = np.arange(2025, 2033)  # 2025 ... 2032
        got = minerals.shock_multiplier(years, 2028, 2, 3.0)
        np.testing.assert_array_equal(got, [1, 1, 1, 3, 3, 1, 1, 1])

    def test_per_sample_windows(self):
        years = np.arange(2025, 2030)
        got = minerals.shock_multiplier(years, np.array([[2025], [2029]]), np.array([[1], [5]]),
                                        np.array([[0.5], [2.0]]))
        np.testing.assert_array_equal(got, [[0.5, 1, 1, 1, 1], [1, 1, 1, 1, 2.0]])


class TestHerfindahl:
    def test_single_dominant_country(self):
        # 10,000 x 0.9^2 = 8,100 (REFERENCE_DATA §4 lower bound for rare earths)
        assert float(minerals.herfindahl([0.9])) == pytest.approx(8100.0)

    def test_two_equal_and_lithium_refining(self):
        # 2 x 0.5^2 = 0.5 -> 5,000; lithium 0.67^2 + 0.20^2 + 0.05^2 = 0.4489 + 0.04 + 0.0025
        # = 0.4914 -> 4,914.
        got = minerals.herfindahl(np.array([[0.5, 0.5, 0.0], [0.67, 0.20, 0.05]]))
        np.testing.assert_allclose(got, [5000.0, 4914.0], rtol=1e-12)

    def test_monopoly(self):
        assert float(minerals.herfindahl([1.0])) == 10_000.0

    def test_data_hhi_uses_the_same_rule(self):
        ref = data.load()
        shares = ref.raw["minerals"]["cobalt"]["refining_shares"]
        # cobalt 0.77^2 + 0.10^2 + 0.03^2 = 0.5929 + 0.01 + 0.0009 = 0.6038 -> 6,038
        assert float(minerals.herfindahl([s["value"] for s in shares.values()])) == \
            pytest.approx(6038.0)
        assert ref.refining_hhi[data.MINERALS.index("cobalt")] == pytest.approx(6038.0)


class TestWeightedConcentration:
    def test_equal_and_unequal_spending(self):
        # Equal spending on two minerals with HHI 8,000 and 2,000 -> 5,000;
        # spending 3:1 -> (3 x 8,000 + 2,000) / 4 = 6,500.
        usd = np.array([1e3, 1e3])
        hhi = np.array([8000.0, 2000.0])
        got = minerals.weighted_concentration(np.array([[1.0, 1.0], [3.0, 1.0]]), usd, hhi)
        np.testing.assert_allclose(got, [5000.0, 6500.0])

    def test_units_of_ndpr_per_kg(self):
        # 1 kt at 1,000 USD/t = 1e6 USD; 1 kt of NdPr at 1 USD/kg = 1e6 USD as well:
        # equal weights -> (8,000 + 2,000) / 2.
        got = minerals.weighted_concentration(np.array([1000.0, 1.0]), np.array([1e3, 1e6]),
                                              np.array([8000.0, 2000.0]))
        assert float(got) == pytest.approx(5000.0)

    def test_nothing_spent_gives_zero(self):
        got = minerals.weighted_concentration(np.zeros((2, 3)), np.ones(3), np.full(3, 5000.0))
        np.testing.assert_array_equal(got, [0.0, 0.0])

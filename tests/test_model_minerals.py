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
    """R[m, n, t] = sum over a <= t of C[m, n, t - a] p[n, a], by plain loops."""
    n_minerals, _, n_years = content.shape
    n_rows = max(content.shape[1], retirement.shape[0])
    out = np.zeros((n_minerals, n_rows, n_years))
    for n in range(n_rows):
        p = retirement[min(n, retirement.shape[0] - 1)]
        for m in range(n_minerals):
            c = content[m, min(n, content.shape[1] - 1)]
            for t in range(n_years):
                for a in range(t + 1):
                    out[m, n, t] += c[t - a] * p[a]
    return out


class TestRetiredContent:
    def test_single_battery_cohort(self):
        # One unit placed in year 0 retires with the distribution itself: [0.1, 0.5, 0.4].
        # Equal units each year: 0.1; 0.1 + 0.5 = 0.6; 0.1 + 0.5 + 0.4 = 1.0.
        p = np.array([[0.1, 0.5, 0.4]])
        got = minerals.retired_content(np.array([[[1.0, 0.0, 0.0]], [[1.0, 1.0, 1.0]]]), p)
        np.testing.assert_allclose(got, [[[0.1, 0.5, 0.4]], [[0.1, 0.6, 1.0]]], atol=1e-15)

    def test_toeplitz_path_shared_distribution(self):
        # One distribution for every sample: the Toeplitz product.
        rng = np.random.default_rng(0)
        content = rng.uniform(0, 500, size=(3, 4, 30))
        retirement = minerals.retirement_distribution(np.arange(36), np.array([[13.0]]), 3.5)
        got = minerals.retired_content(content, retirement)
        np.testing.assert_allclose(got, _double_loop(content, retirement), rtol=1e-12,
                                   atol=1e-12)

    def test_fft_path_one_distribution_per_sample(self):
        # One distribution per sample: the FFT convolution, round-off ~1e-16 of the largest value.
        rng = np.random.default_rng(1)
        content = rng.uniform(0, 500, size=(3, 4, 30))
        life = np.array([[6.0], [10.0], [13.0], [24.0]])
        retirement = minerals.retirement_distribution(np.arange(36), life, 3.5)
        got = minerals.retired_content(content, retirement)
        np.testing.assert_allclose(got, _double_loop(content, retirement), rtol=1e-10,
                                   atol=1e-10)

    def test_fft_path_shared_content(self):
        # Only the lifetime is sampled: one content row, N distributions (shape (M, 1, T)).
        rng = np.random.default_rng(2)
        content = rng.uniform(0, 500, size=(2, 1, 26))
        retirement = minerals.retirement_distribution(np.arange(26), np.array([[8.0], [20.0]]),
                                                      3.5)
        got = minerals.retired_content(content, retirement)
        assert got.shape == (2, 2, 26)
        np.testing.assert_allclose(got, _double_loop(content, retirement), rtol=1e-10,
                                   atol=1e-10)

    def test_a_shorter_fft_keeps_the_years_wanted(self):
        # Only the years from `first` on are wanted: a shorter FFT (64 instead of 72 points for
        # 36 years from the 10th) leaves them as the full convolution has them.
        rng = np.random.default_rng(4)
        content = rng.uniform(0, 500, size=(2, 3, 36))
        life = np.array([[7.0], [13.0], [21.0]])
        retirement = minerals.retirement_distribution(np.arange(36), life, 3.5)
        short = minerals.Convolution(retirement, 36, first=10)
        assert short.length == 64
        np.testing.assert_allclose(short(content)[..., 10:],
                                   _double_loop(content, retirement)[..., 10:],
                                   rtol=1e-10, atol=1e-10)

    def test_both_paths_agree(self):
        rng = np.random.default_rng(3)
        content = rng.uniform(0, 500, size=(4, 3, 36))
        shared = minerals.retirement_distribution(np.arange(36), np.array([[13.0]]), 3.5)
        toeplitz = minerals.retired_content(content, shared)
        fft = minerals.retired_content(content, np.repeat(shared, 3, axis=0))
        np.testing.assert_allclose(fft, toeplitz, rtol=1e-10, atol=1e-10)


class TestPrimarySupply:
    def test_geometric_between_pipeline_years_then_expansion(self):
        # 100 kt in 2024 and 121 kt in 2026: geometric in between, 110 kt in 2025;
        # after 2026 growth of 10 %/yr: 133.1 kt in 2027, 146.41 kt in 2028.
        got = minerals.primary_supply([2024, 2025, 2026, 2027, 2028], [2024, 2026],
                                      [[100.0, 121.0]], 0.10)
        np.testing.assert_allclose(got[0, 0], [100.0, 110.0, 121.0, 133.1, 146.41], rtol=1e-12)

    def test_three_point_pipeline_and_flat_before_it(self):
        # Lithium of the data file: 1,277 (2024), 2,150 (2030), 2,220 kt LCE (2035).
        # 2027 = 1277 * (2150/1277)^(3/6) = sqrt(1277 * 2150) = 1656.98...; 2023 stays at 1,277.
        got = minerals.primary_supply([2023, 2027, 2030, 2035], [2024, 2030, 2035],
                                      [[1277.0, 2150.0, 2220.0]], 0.0)
        np.testing.assert_allclose(got[0, 0], [1277.0, math.sqrt(1277 * 2150), 2150.0, 2220.0],
                                   rtol=1e-12)

    def test_growth_beyond_the_pipeline_moves_only_later_years(self):
        years = np.arange(2030, 2041)
        growth = np.array([[0.0], [0.05], [-0.05]])  # (S, 1)
        got = minerals.primary_supply(years, [2024, 2035], [[10.0, 20.0], [5.0, 5.0]], growth)
        assert got.shape == (2, 3, 11)  # (minerals, samples, years)
        np.testing.assert_array_equal(got[:, 0, :6], got[:, 1, :6])  # to 2035 the pipeline
        np.testing.assert_array_equal(got[:, 0, :6], got[:, 2, :6])
        # 2040: 20 * 1.05^5 = 25.525631...; 20 * 0.95^5 = 15.475618...
        np.testing.assert_allclose(got[0, :, -1], [20.0, 20 * 1.05 ** 5, 20 * 0.95 ** 5])


class TestOtherUses:
    def test_growth_from_the_base_year(self):
        # Nickel: 2,651 kt in 2024 growing 0.93 %/yr: 2,651 * 1.0093^2 = 2,700.47... in 2026.
        got = minerals.other_uses([2025, 2026], 2024, [2651.0, 80.0], [0.0093, 0.04])
        assert got.shape == (2, 1, 2)
        np.testing.assert_allclose(got[:, 0, 1], [2651 * 1.0093 ** 2, 80 * 1.04 ** 2])


class TestScarcity:
    def test_ramp_known_values(self):
        # w = 0.05: r(x) = 0 for x <= 0; x^2 (2w - x)/w^2 inside; x from w on.
        # x = 0.025: 0.000625 * 0.075 / 0.0025 = 0.01875; x = 0.05: 0.0025 * 0.05 / 0.0025 = 0.05.
        got = minerals.scarcity_ramp([-1.0, 0.0, 0.025, 0.05, 0.2], 0.05)
        np.testing.assert_allclose(got, [0.0, 0.0, 0.01875, 0.05, 0.2], rtol=1e-12, atol=1e-15)

    def test_ramp_is_continuous_with_a_continuous_slope(self):
        # Value and slope match at both ends of the onset (0 and w), by finite differences.
        w, h = 0.05, 1e-7
        for x in (0.0, w):
            left, mid, right = minerals.scarcity_ramp([x - h, x, x + h], w)
            assert right - left == pytest.approx(2 * h * (0.0 if x == 0 else 1.0), abs=1e-12)
            assert mid == pytest.approx((left + right) / 2, abs=1e-12)

    def test_documented_rule(self):
        # m = (1 + r(theta - 1))^e with e = 2, w = 0.05: untouched up to balance,
        # theta^e from 1.05 on: 1.2 -> 1.44, 2 -> 4, 10 -> 100 (the cap is applied later).
        got = minerals.scarcity_multiplier([0.8, 1.0, 1.2, 2.0, 10.0], 2.0, 0.05)
        np.testing.assert_allclose(got, [1.0, 1.0, 1.44, 4.0, 100.0], rtol=1e-12)

    def test_zero_exponent_means_no_response(self):
        np.testing.assert_array_equal(minerals.scarcity_multiplier([5.0, 50.0], 0.0, 0.05), 1.0)

    def test_exponent_samples_broadcast(self):
        # One tightness path, three sampled exponents: 1.5^[0, 1, 2] = 1, 1.5, 2.25.
        got = minerals.scarcity_multiplier(np.full((1, 2), 1.5),
                                           np.array([0.0, 1.0, 2.0])[:, None], 0.05)
        assert got.shape == (3, 2)
        np.testing.assert_allclose(got[:, 0], [1.0, 1.5, 2.25])

    def test_price_multiplier_caps_scarcity_and_shock_together(self):
        # Lever text: at most 10 times the lever. Scarcity 2.6 with a tripling: 7.8;
        # with a tenfold shock: 26 -> 10. A halving on a tight market: 1.3.
        got = minerals.price_multiplier([2.6, 2.6, 2.6, 1.0], [3.0, 10.0, 0.5, 10.0], 10.0)
        np.testing.assert_allclose(got, [7.8, 10.0, 1.3, 10.0])


class TestPriceResponse:
    def test_sustained_multiplier_is_the_lagged_mean(self):
        # Three-year mean of the years before; years before the model count as 1:
        # t0: (1+1+1)/3 = 1; t1: (1+1+2)/3; t2: (1+2+4)/3; t3: (2+4+4)/3; t4: (4+4+1)/3.
        got = minerals.sustained_multiplier([2.0, 4.0, 4.0, 1.0, 1.0], 3)
        np.testing.assert_allclose(got, [1.0, 4 / 3, 7 / 3, 10 / 3, 3.0], rtol=1e-12)

    def test_response_fraction_per_doubling_and_capped(self):
        # 20 % per doubling: a sustained 1.5x moves 0.2 log2(1.5) = 0.11699...; 4x moves 0.4;
        # 16x would move 0.8 but at most half; prices at or below the lever move nothing.
        got = minerals.response_fraction([0.5, 1.0, 1.5, 4.0, 16.0], 0.2, 0.5)
        np.testing.assert_allclose(got, [0.0, 0.0, 0.2 * math.log2(1.5), 0.4, 0.5],
                                   rtol=1e-12, atol=0)

    def test_channels_follow_the_mineral_table(self):
        # Lithium -> sodium-ion (every lithium chemistry exposed); nickel and cobalt -> LFP
        # (NMC, NCA and solid-state exposed, LFP itself not).
        chems = data.CHEMISTRIES
        channels = {chems[s]: ({data.MINERALS[m] for m in minerals_}, {chems[c] for c in
                                                                       np.flatnonzero(u)})
                    for minerals_, u, s in minerals._channels()}
        assert channels["NA_ION"] == ({"lithium"},
                                      {"NMC622", "NMC811", "NCA", "LFP", "LMFP", "SOLID_STATE"})
        assert channels["LFP"] == ({"nickel", "cobalt"},
                                   {"NMC622", "NMC811", "NCA", "SOLID_STATE"})


class TestRecycledContent:
    def test_share_of_battery_demand_capped_at_one(self):
        # 6 kt recycled into 100 kt of batteries = 6 %; more recycled than needed -> 100 %;
        # nothing needed -> 0.
        got = minerals.recycled_content([6.0, 150.0, 3.0], [100.0, 100.0, 0.0])
        np.testing.assert_allclose(got, [0.06, 1.0, 0.0])


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
        got = minerals.weighted_concentration([np.array([1.0, 3.0]), np.array([1.0, 1.0])],
                                              usd, hhi)
        np.testing.assert_allclose(got, [5000.0, 6500.0])

    def test_units_of_ndpr_per_kg(self):
        # 1 kt at 1,000 USD/t = 1e6 USD; 1 kt of NdPr at 1 USD/kg = 1e6 USD as well:
        # equal weights -> (8,000 + 2,000) / 2.
        got = minerals.weighted_concentration([1000.0, 1.0], np.array([1e3, 1e6]),
                                              np.array([8000.0, 2000.0]))
        assert float(got) == pytest.approx(5000.0)

    def test_nothing_spent_gives_zero(self):
        got = minerals.weighted_concentration([np.zeros(2)] * 3, np.ones(3), np.full(3, 5000.0))
        np.testing.assert_array_equal(got, [0.0, 0.0])

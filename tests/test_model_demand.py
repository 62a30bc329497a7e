"""Known values of evexplorer.model.demand, each worked out by hand in a comment."""

import math

import numpy as np
import pytest

from evexplorer.model import demand


class TestEvShare:
    def test_one_year_after_the_base_year(self):
        # Defaults: 21 % in 2024 (IEA GEVO 2025), growth 25 %/yr, ceiling 90 %.
        # rho = ln 1.25, so e^{-rho} = 1/1.25 = 0.8
        # s(2025) = 0.9 / (1 + (0.9/0.21 - 1) * 0.8)
        #         = 0.9 / (1 + 3.2857142857 * 0.8) = 0.9 / 3.6285714286 = 0.2480314961
        share = demand.ev_share(2025, 0.21, 0.25, 0.9, 2024)
        assert float(share) == pytest.approx(0.2480314961, rel=1e-9)

    def test_base_year_gives_the_base_share(self):
        # e^0 = 1, so s = c / (1 + c/s0 - 1) = s0
        assert float(demand.ev_share(2024, 0.21, 0.25, 0.9, 2024)) == pytest.approx(0.21)

    def test_tends_to_the_ceiling(self):
        # After 200 years e^{-rho t} = 0.8^200 ~ 4e-20: s = c to machine precision.
        assert float(demand.ev_share(2224, 0.21, 0.25, 0.9, 2024)) == pytest.approx(0.9)

    def test_far_below_the_ceiling_grows_by_the_growth_rate(self):
        # With s0 = 1e-6 and c = 1: s(t) ~ s0 (1+g)^t while s << c.
        years = np.arange(2024, 2030)
        share = demand.ev_share(years, 1e-6, 0.25, 1.0, 2024)
        np.testing.assert_allclose(share[1:] / share[:-1], 1.25, rtol=1e-4)

    def test_zero_growth_keeps_the_share(self):
        # rho = ln 1 = 0: the denominator is c/s0, s = s0 in every year.
        share = demand.ev_share(np.arange(2025, 2051), 0.21, 0.0, 0.9, 2024)
        np.testing.assert_allclose(share, 0.21, rtol=1e-12)

    @pytest.mark.parametrize("growth", [0.0, 0.1, 0.6])
    def test_the_ceiling_holds_at_any_growth(self, growth):
        # Ceiling 10 % below today's 21 %: the share starts at the ceiling and stays there,
        # with no growth too (model 1.0 kept 21 % at zero growth).
        share = demand.ev_share(np.arange(2025, 2101), 0.21, growth, 0.10, 2024)
        np.testing.assert_allclose(share, 0.10, rtol=1e-12)

    def test_the_ceiling_is_continuous_through_today_share(self):
        # A ceiling just above or just below today's share gives shares just apart.
        low = demand.ev_share(2030, 0.21, 0.25, 0.21 - 1e-9, 2024)
        high = demand.ev_share(2030, 0.21, 0.25, 0.21 + 1e-9, 2024)
        assert 0 < float(high - low) < 3e-9

    def test_broadcasts_samples_against_years(self):
        growth = np.array([[0.1], [0.25]])
        share = demand.ev_share(np.arange(2025, 2030), 0.21, growth, 0.9, 2024)
        assert share.shape == (2, 5)
        assert share[1, 0] == pytest.approx(0.2480314961, rel=1e-9)


class TestStorageDemand:
    def test_iea_2030_at_the_default_growth(self):
        # 170 GWh in 2024 toward 3,000 GWh/yr at 17 %/yr: rho = ln 1.17 = 0.157004;
        # 3000 / (1 + (3000/170 - 1) e^-0.942024) = 3000 / (1 + 16.647059 x 0.389838) = 400.55
        got = demand.storage_demand(2030, 170.0, 0.17, 3000.0, 2024)
        assert float(got) == pytest.approx(400.55, abs=0.01)

    def test_far_below_the_ceiling_grows_by_the_rate(self):
        years = np.arange(2024, 2028)
        got = demand.storage_demand(years, 1.0, 0.3, 1e9, 2024)
        np.testing.assert_allclose(got[1:] / got[:-1], 1.3, rtol=1e-8)


class TestCarMarket:
    def test_halfway_through_the_mode_shift(self):
        # 100 M cars in 2024, +1 %/yr, 20 % shift complete by 2034.
        # 2029: elapsed 5, ramp 5/10 = 0.5: 100 * 1.01^5 * (1 - 0.2*0.5)
        #     = 100 * 1.0510100501 * 0.9 = 94.590904509
        assert float(demand.car_market(2029, 100.0, 0.01, 0.2, 2034, 2024)) == pytest.approx(
            94.590904509, rel=1e-9)

    def test_after_the_mode_shift_year_the_full_shift_applies(self):
        # 2040: elapsed 16, ramp clipped to 1: 100 * 1.01^16 * 0.8
        # 1.01^2 = 1.0201, ^4 = 1.04060401, ^8 = 1.08285670563, ^16 = 1.17257864492
        # -> 93.806291594
        assert float(demand.car_market(2040, 100.0, 0.01, 0.2, 2034, 2024)) == pytest.approx(
            93.806291594, rel=1e-9)

    def test_no_mode_shift_is_plain_growth(self):
        years = np.arange(2025, 2031)
        market = demand.car_market(years, 82.0, 0.02, 0.0, 2040, 2024)
        np.testing.assert_allclose(market, 82.0 * 1.02 ** (years - 2024), rtol=1e-12)


class TestCumulativeProduction:
    def test_running_sum_on_top_of_history(self):
        # 10 + 1 = 11, 11 + 2 = 13, 13 + 3 = 16
        np.testing.assert_array_equal(demand.cumulative_production([1.0, 2.0, 3.0], 10.0),
                                      [11.0, 13.0, 16.0])

    def test_sums_along_years_per_sample(self):
        production = np.array([[1.0, 1.0, 1.0], [5.0, 0.0, 5.0]])
        np.testing.assert_array_equal(demand.cumulative_production(production, 100.0),
                                      [[101.0, 102.0, 103.0], [105.0, 105.0, 110.0]])

    def test_model_history_total(self):
        # REFERENCE_DATA §6 and the data file: 40 GWh of EV batteries before 2015, then
        # 30+45+65+100+120+160+340+550+750+950 = 3,110 GWh (2015-2024); stationary storage
        # 2+3+4+8+10+15+25+40+100+170 = 377 GWh -> 3,527 GWh on the experience curve.
        from evexplorer.model import data, evaluate

        assert data.load().cumulative_base == pytest.approx(3527.0)
        result = evaluate()
        first = result.series["battery_demand"][0] + result.series["storage_demand"][0]
        assert result.series["cumulative_production"][0] == pytest.approx(3527.0 + first)
        assert math.isclose(float(demand.cumulative_production([0.0], 3527.0)[0]), 3527.0)

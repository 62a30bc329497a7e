"""Known values of evexplorer.model.vehicle, each worked out by hand in a comment."""

import numpy as np
import pytest

from evexplorer.model import evaluate, vehicle


class TestEvPrice:
    def test_default_car_in_2025(self):
        # 24,500 USD without battery + 108 USD/kWh x 55 kWh + 0.4 kg NdPr x 88 USD/kg
        # = 24,500 + 5,940 + 35.2 = 30,475.2 USD
        assert float(vehicle.ev_price(24_500, 108.0, 55.0, 0.4, 88.0)) == pytest.approx(30_475.2)

    def test_model_uses_the_same_sum(self):
        # The model's 2025 pack cost is BNEF's BEV figure, 99 USD/kWh (see test_calibration), so
        # its 2025 EV price is 25,500 + 99 x 55 + 0.4 x 88 = 25,500 + 5,445 + 35.2 = 30,980.2.
        result = evaluate()
        assert result.series["ev_price"][0] == pytest.approx(30_980.2, rel=1e-12)
        assert result.series["ev_price_premium"][0] == pytest.approx(980.2, rel=1e-9)

    def test_samples_and_years(self):
        got = vehicle.ev_price(np.array([[20_000.0], [30_000.0]]), np.array([[100.0, 50.0]]),
                               np.array([[50.0], [100.0]]), 0.0, 88.0)
        # 20,000 + 5,000 / 2,500; 30,000 + 10,000 / 5,000
        np.testing.assert_allclose(got, [[25_000, 22_500], [40_000, 35_000]])


class TestParityYear:
    def test_first_year_ev_costs_no_more(self):
        # 31,000 and 30,500 > 30,000; 29,900 <= 30,000 in 2027 -> 2027
        years = np.array([2025, 2026, 2027, 2028])
        ev = np.array([31_000.0, 30_500.0, 29_900.0, 29_000.0])
        assert float(vehicle.parity_year(years, ev, 30_000.0)) == 2027.0

    def test_equal_price_counts_as_parity(self):
        assert float(vehicle.parity_year([2030, 2031], [30_001.0, 30_000.0], 30_000.0)) == 2031

    def test_never_and_per_sample(self):
        years = np.array([2025, 2026, 2027])
        ev = np.array([[40_000.0, 39_000.0, 38_000.0], [29_000.0, 31_000.0, 28_000.0]])
        got = vehicle.parity_year(years, ev, 30_000.0)
        assert np.isnan(got[0])
        assert got[1] == 2025.0

"""Known values of evexplorer.model.cost, each worked out by hand in a comment."""

import math

import numpy as np
import pytest

from evexplorer.model import cost, data


class TestExperienceExponent:
    def test_bnef_learning_rate(self):
        # REFERENCE_DATA §1 and §8: LR 18 % => b = -log2(1 - 0.18) = ln(1/0.82)/ln 2
        #   = 0.198450939 / 0.693147181 = 0.286304185, quoted as 0.286.
        assert float(cost.experience_exponent(0.18)) == pytest.approx(0.286304185, rel=1e-8)
        assert round(float(cost.experience_exponent(0.18)), 3) == 0.286

    def test_round_numbers(self):
        # LR 0 => b = 0 (no learning); LR 50 % => b = -log2(0.5) = 1; LR 75 % => b = 2.
        np.testing.assert_allclose(cost.experience_exponent([0.0, 0.5, 0.75]), [0.0, 1.0, 2.0],
                                   atol=1e-15)

    def test_ziegler_trancik(self):
        # Ziegler & Trancik 2021, about 20 % per doubling: b = -log2(0.8) = 0.321928095
        assert float(cost.experience_exponent(0.20)) == pytest.approx(0.321928095, rel=1e-8)


class TestLearningFactor:
    def test_one_doubling_cuts_by_the_learning_rate(self):
        # (2Q0/Q0)^-b = 2^log2(0.82) = 0.82
        assert float(cost.learning_factor(2.0 * 3150, 3150, 0.18)) == pytest.approx(0.82)

    def test_two_doublings(self):
        # 0.82^2 = 0.6724
        assert float(cost.learning_factor(4.0 * 3150, 3150, 0.18)) == pytest.approx(0.6724)

    def test_reference_point_and_no_learning(self):
        np.testing.assert_allclose(cost.learning_factor([3150.0, 9000.0], 3150.0, [0.18, 0.0]),
                                   [1.0, 1.0])

    def test_samples_broadcast_against_years(self):
        lr = np.array([[0.1], [0.2]])
        got = cost.learning_factor(np.array([2.0, 8.0]), 1.0, lr)
        # 0.9, 0.9^3 = 0.729; 0.8, 0.8^3 = 0.512
        np.testing.assert_allclose(got, [[0.9, 0.729], [0.8, 0.512]], rtol=1e-12)


class TestMaterialCost:
    def test_nmc811_at_default_prices(self):
        # BatPaC 5.1 NMC811 (REFERENCE_DATA §2) in kg/kWh: Li 0.100 (x 5.323 = 0.5323 kg LCE),
        # Ni 0.658, Co 0.083, Mn 0.077, graphite 0.924; default prices in USD/t:
        # 10,000 LCE, 16,000, 33,000, 2,000, 10,000.  kg/kWh x USD/t / 1000 = USD/kWh:
        # 5.323 + 10.528 + 2.739 + 0.154 + 9.240 = 27.984 USD/kWh
        intensity = [0.100 * 5.323, 0.658, 0.083, 0.077, 0.924]
        prices = [10_000, 16_000, 33_000, 2_000, 10_000]
        assert float(cost.material_cost(intensity, prices)) == pytest.approx(27.984, rel=1e-12)

    def test_linear_in_each_price(self):
        # A lithium price 3x higher adds 2 x 5.323 = 10.646 USD/kWh and nothing else.
        intensity = np.array([0.5323, 0.658, 0.083, 0.077, 0.924])
        base = np.array([10_000, 16_000, 33_000, 2_000, 10_000.0])
        spiked = base * [3, 1, 1, 1, 1]
        delta = cost.material_cost(intensity, spiked) - cost.material_cost(intensity, base)
        assert float(delta) == pytest.approx(10.646, rel=1e-12)

    def test_minerals_on_the_first_axis_years_and_samples(self):
        intensity = np.ones((5, 1, 3))  # (minerals, samples, years), 1 kg/kWh each
        prices = np.array([1000.0, 2000.0])[None, :, None] * np.ones((5, 1, 1))  # (5, 2, 1)
        # 5 minerals x 1 kg/kWh x 1 USD/kg = 5 USD/kWh; doubled prices 10 USD/kWh
        np.testing.assert_allclose(cost.material_cost(intensity, prices),
                                   [[5.0] * 3, [10.0] * 3])

    def test_model_mineral_cost_2025(self):
        # The 2024 mix of the data file (NMC622 30.5 %, NMC811 13.2 %, NCA 8.3 %, LFP 48 %)
        # at the default prices, per chemistry in USD/kWh (kg/kWh x USD/kg):
        #   NMC622: 0.110*53.23 + 0.546*16 + 0.183*33 + 0.170*2 + 0.910*10 = 30.0703
        #   NMC811: 27.984 (above)
        #   NCA:    0.107*53.23 + 0.710*16 + 0.134*33 + 0 + 0.930*10 = 30.77761
        #   LFP:    0.091*53.23 + 0.985*10 = 14.69393
        # weighted: .305*30.0703 + .132*27.984 + .083*30.77761 + .48*14.69393
        #         = 9.1714415 + 3.693888 + 2.55454163 + 7.0530864 = 22.47295753
        # Every market is slack in 2025 at the defaults, so prices are the levers.
        from evexplorer.model import evaluate

        result = evaluate()
        assert result.series["pack_material_cost"][0] == pytest.approx(22.47295753, rel=1e-9)
        np.testing.assert_allclose(cost.calibration().mineral_cost[:4],
                                   [30.0703, 27.984, 30.77761, 14.69393], rtol=1e-6)
        assert math.isclose(data.load().intensity[3, 0], 0.091 * 5.323)


class TestOwnVolume:
    def test_first_year_is_one_then_learning_on_own_production(self):
        # 10 GWh made before; 10 then 20 GWh: year 2 sees 20 GWh (x2 -> 0.8 at 20 %),
        # year 3 sees 40 GWh (x4 -> 0.64).
        got = cost.own_volume_factor([10.0, 20.0, 40.0], 10.0, 0.2)
        np.testing.assert_allclose(got, [1.0, 0.8, 0.64], rtol=1e-12)

    def test_no_production_keeps_the_premium(self):
        np.testing.assert_array_equal(cost.own_volume_factor(np.zeros((2, 4)), 1.0, 0.18), 1.0)


class TestCalibration:
    def test_bev_average_and_published_chemistry_ratio(self):
        # BNEF 2025: LFP packs 81, NMC packs 128 (all uses), BEV packs 99. Scaled so that the
        # 2024 BEV mix averages 99: 0.48 x 81 + 0.52 x 128 = 105.44; x 99/105.44 ->
        # LFP 76.053, NMC 120.182 USD/kWh. The LFP/NMC ratio stays 81/128.
        cal = cost.calibration()
        ref = data.load()
        assert ref.mix_2024 @ cal.chemistry_pack == pytest.approx(99.0, rel=1e-12)
        lfp, nmc811 = cal.chemistry_pack[3], cal.chemistry_pack[1]
        assert lfp == pytest.approx(81 * 99 / 105.44, rel=1e-9)
        assert lfp / nmc811 == pytest.approx(81 / 128, rel=1e-12)

    def test_pack_integration_in_the_all_segment_proportion(self):
        # 99 x (1 - 74/108) = 99 x 34/108 = 31.1667 USD/kWh
        assert cost.calibration().pack_integration == pytest.approx(99 * 34 / 108, rel=1e-12)

    def test_region_factors_move_the_2024_mix_pack_by_the_published_spread(self):
        # China 84/108 = 0.778 of the world average; on the non-mineral part (99 - 22.473):
        # (0.778 x 99 - 22.473) / 76.527 = 0.71281.
        cal = cost.calibration()
        minerals = 22.47295753
        assert cal.region_factor["world"] == pytest.approx(1.0, rel=1e-12)
        assert cal.region_factor["china"] == pytest.approx(
            (0.778 * 99 - minerals) / (99 - minerals), rel=1e-9)

    def test_small_scale_premium_falls_to_the_mature_cost(self):
        # Sodium-ion: pack 81 x 1.25 = 101.25 scaled by 99/105.44 = 95.066; minerals
        # 0.322 kg Mn x 2 USD/kg = 0.644; less integration 31.167 -> cell rest 63.255;
        # mature = 63.255 / 1.6 = 39.534 USD/kWh.
        cal = cost.calibration()
        na = data.CHEMISTRIES.index("NA_ION")
        rest = 101.25 * 99 / 105.44 - 0.644 - 99 * 34 / 108
        assert cal.cell_rest_mature[na] == pytest.approx(rest / 1.6, rel=1e-9)
        assert cal.premium[na] == 0.6 and cal.volume[na] == 10.0

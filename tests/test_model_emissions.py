"""Known values of evexplorer.model.emissions, by hand or by an independent solver."""

import math

import numpy as np
import pytest
from scipy import integrate, optimize, special

from evexplorer.model import emissions


class TestGridIntensity:
    def test_world_grid_in_2025(self):
        # Ember 2023 world 481 g/kWh falling 2 %/yr for two years: 481 x 0.98^2 = 461.9524
        assert float(emissions.grid_intensity(481.0, 2025, 2023, 0.02)) == pytest.approx(
            461.9524, rel=1e-12)

    def test_no_decarbonisation_and_samples(self):
        got = emissions.grid_intensity(582.0, np.arange(2023, 2026), 2023,
                                       np.array([[0.0], [0.1]]))
        # 582 flat; 582, 523.8, 471.42 at 10 %/yr
        np.testing.assert_allclose(got, [[582, 582, 582], [582, 523.8, 471.42]], rtol=1e-12)


class TestMeanOverLife:
    def test_against_numerical_integration(self):
        # Independent: (1/L) integral over 0..L of g (1-d)^s ds by quadrature.
        g, d, life = 400.0, 0.02, 200_000 / 12_000
        expected = integrate.quad(lambda s: g * (1 - d) ** s, 0, life)[0] / life
        assert float(emissions.mean_over_life(g, d, life)) == pytest.approx(expected, rel=1e-12)

    def test_by_hand(self):
        # d = 2 %, L = 10 yr: k = -ln 0.98 = 0.0202027073, kL = 0.202027073,
        # (1 - e^-0.202027073) / 0.202027073 = 0.182927... / 0.202027... = 0.905459...
        factor = (1 - math.exp(-0.202027073)) / 0.202027073
        assert float(emissions.mean_over_life(1.0, 0.02, 10.0)) == pytest.approx(factor,
                                                                                 rel=1e-8)
        assert factor == pytest.approx(0.90546, abs=1e-5)

    def test_flat_grid(self):
        np.testing.assert_allclose(emissions.mean_over_life(300.0, np.array([0.0, 1e-13]), 15.0),
                                   300.0, rtol=1e-12)


class TestRegionRate:
    def test_default_speeds_at_the_default_world_rate(self):
        # At the default world rate each region falls at its own default (EU 8 %/yr).
        assert float(emissions.region_rate(0.02, 0.08, 0.02)) == pytest.approx(0.08, rel=1e-12)

    def test_zero_stops_every_grid_and_speeds_scale(self):
        # k = ln(0.92)/ln(0.98) = 4.1273; at a 1 %/yr world rate: 1 - 0.99^4.1273 = 4.065 %/yr.
        k = math.log(0.92) / math.log(0.98)
        got = emissions.region_rate(np.array([0.0, 0.01]), 0.08, 0.02)
        np.testing.assert_allclose(got, [0.0, 1 - 0.99 ** k], rtol=1e-12, atol=0)


class TestPlantEmissions:
    def test_china_grid_no_renewables(self):
        # Degen 2023: 30 kWh/kWh; 48 % electricity (Degen & Schuette 2022) at 582 g/kWh
        # (Ember, China), 52 % gas heat at its life-cycle factor 0.232 kg/kWh
        # (IPCC 0.202 + 15 % supply chain):
        # 30 x (0.48 x 0.582 + 0.52 x 0.232) = 30 x (0.27936 + 0.12064) = 30 x 0.4 = 12.0
        got = emissions.plant_emissions(30.0, 0.48, 582.0, 0.0, 30.0, 0.232)
        assert float(got) == pytest.approx(12.0, rel=1e-12)

    def test_all_renewable_electricity_leaves_the_gas(self):
        # 30 x (0.48 x 0.030 + 0.12064) = 30 x 0.13504 = 4.0512
        got = emissions.plant_emissions(30.0, 0.48, 582.0, 1.0, 30.0, 0.232)
        assert float(got) == pytest.approx(4.0512, rel=1e-12)

    def test_renewables_never_dirtier_than_a_clean_grid(self):
        # Grid at 20 g/kWh is cleaner than the 30 g/kWh renewable supply: min(30, 20) = 20,
        # so the share of renewables changes nothing: 10 x (0.5 x 0.020 + 0.5 x 0.2) = 1.1
        got = emissions.plant_emissions(10.0, 0.5, 20.0, np.array([0.0, 0.5, 1.0]), 30.0, 0.2)
        np.testing.assert_allclose(got, 1.1, rtol=1e-12)


class TestMaterialsEmissions:
    def test_nothing_recycled_in_2025_is_the_published_footprint(self):
        # GREET NMC811 50.0 kg CO2e/kWh split 18 (electricity) + 32 (rest): 50 in 2025.
        got = emissions.materials_emissions(18.0, 32.0, 1.0, 1.0, [0.0, 0.0], 1.0,
                                            [5.0, 3.0], [1.0, 2.0])
        assert float(got) == 50.0

    def test_paths_act_on_their_parts(self):
        # Refining grid at half its 2025 intensity, supply chain at 80 %: 18 x 0.5 + 32 x 0.8
        # = 9 + 25.6 = 34.6
        got = emissions.materials_emissions(18.0, 32.0, 0.5, 0.8, [0.0], 1.0, [5.0], [1.0])
        assert float(got) == pytest.approx(34.6, rel=1e-12)

    def test_recycled_nickel_credit(self):
        # 1 kt of recycled nickel in 1 GWh of batteries = 1 kg/kWh. Primary 20 kg CO2e/kg,
        # 40 % electricity; recycled 4 kg CO2e/kg, half electricity:
        # a = 8 - 2 = 6, b = 12 - 2 = 10 -> credit 16 in 2025: 50 - 16 = 34.
        got = emissions.materials_emissions(18.0, 32.0, 1.0, 1.0, [0.0, 1.0], 1.0,
                                            [0.0, 6.0], [0.0, 10.0])
        assert float(got) == pytest.approx(34.0, rel=1e-12)

    def test_footprint_split_sums_to_the_published_figures(self):
        # Electricity plus rest of each chemistry equals its materials figure (GREET LFP 41.8,
        # NMC811 50.0, NMC622 50.5, NCA 54.2; derived LMFP 42.6, sodium-ion 30.0, solid-state
        # 53.7), and the untracked residual is never negative.
        from evexplorer.model import data

        fp = emissions.footprint()
        np.testing.assert_allclose(fp.electricity + fp.other, data.load().materials_emissions,
                                   rtol=1e-12)
        assert np.all(fp.residual >= 0)

    def test_aichberger_jungmeier_recycling_credit_of_a_fully_recycled_pack(self):
        # The credit of a pack of the 2024 mix whose recoverable materials are all recycled,
        # in 2025: sum over materials of content x (primary - recycled factor), kg CO2e/kWh:
        # Li 0.5286 x (7 - 3) + Ni 0.3123 x (20 - 4) + Co 0.0779 x (10 - 4) + Mn 0.0620 x 1
        # + Cu 0.4630 x 3.5 + Al 0.6425 x 15.4 = 2.114 + 4.997 + 0.468 + 0.062 + 1.621 + 9.894
        # = 19.16. Aichberger & Jungmeier 2020: median 20, range 5-29.
        from evexplorer.model import data

        ref = data.load()
        fp = emissions.footprint()
        content = ref.mix_2024 @ ref.intensity  # kg/kWh per material
        credit = float(content @ (fp.credit_electricity + fp.credit_other))
        assert credit == pytest.approx(19.16, abs=0.02)
        assert 5.0 <= credit <= 29.0


class TestIceUse:
    def test_default_car_improves_one_percent_a_year(self):
        # 7 L/100 km x 2.31 kg/L x 1.2 = 194.04 g/km in 2025; 2035: x 0.99^10 = 175.48 g/km
        got = emissions.ice_use(0.07, np.array([2025, 2035]), 2025, 0.01, 2.31, 0.2)
        np.testing.assert_allclose(got, [194.04, 194.04 * 0.99 ** 10], rtol=1e-12)


def _brentq_breakeven(d_prod, e0, c, d, annual_km):
    """Solve c x - integral_0^x e0 (1-d)^(s/annual_km) ds = D by bracketing."""
    k = -math.log1p(-d) / annual_km

    def gap(x):
        used = e0 * x if k == 0 else e0 * -math.expm1(-k * x) / k
        return c * x - used - d_prod

    hi = 1.0
    while gap(hi) < 0:
        hi *= 2
    return optimize.brentq(gap, 0.0, hi, xtol=1e-10, rtol=1e-15, maxiter=500)


class TestBreakevenDistance:
    def test_flat_grid_by_hand(self):
        # No decarbonisation: D / (c - e0) = 3e6 g / (200 - 100) g/km = 30,000 km
        assert float(emissions.breakeven_distance(3e6, 100.0, 200.0, 0.0, 12_000)) == \
            pytest.approx(30_000.0)

    def test_flat_grid_dirtier_than_gasoline_never_breaks_even(self):
        assert np.isnan(emissions.breakeven_distance(3e6, 250.0, 200.0, 0.0, 12_000))

    def test_cleaner_to_make_breaks_even_at_once(self):
        assert float(emissions.breakeven_distance(-1e6, 300.0, 200.0, 0.02, 12_000)) == 0.0

    def test_default_scenario_case(self):
        # Model defaults for 2025 (world grid, China-made battery): D = 3.15e6 g,
        # e0 = 0.235 x 461.95 = 108.56 g/km, c = 0.07 x 2310 x 1.2 = 194.04 g/km, d = 2 %.
        d_prod, e0, c = 3.15e6, 0.235 * 481 * 0.98**2, 0.07 * 2310 * 1.2
        expected = _brentq_breakeven(d_prod, e0, c, 0.02, 12_000)
        got = float(emissions.breakeven_distance(d_prod, e0, c, 0.02, 12_000))
        assert got == pytest.approx(expected, rel=1e-12)

    @pytest.mark.parametrize("decarb", [0.001, 0.01, 0.02, 0.05, 0.10, 0.15])
    def test_against_brentq(self, decarb):
        # Random cases across the levers' ranges, including EVs dirtier per km than the
        # gasoline car when new (e0 > c), which still break even as the grid decarbonises.
        rng = np.random.default_rng(int(decarb * 1000))
        d_prod = rng.uniform(1e5, 2e7, 300)
        e0 = rng.uniform(0.0, 400.0, 300)
        c = rng.uniform(50.0, 400.0, 300)
        km = rng.uniform(5_000, 30_000, 300)
        got = emissions.breakeven_distance(d_prod, e0, c, decarb, km)
        expected = [_brentq_breakeven(*args, decarb, k) for *args, k in
                    zip(d_prod, e0, c, km, strict=True)]
        np.testing.assert_allclose(got, expected, rtol=1e-9)

    def test_samples_of_decarbonisation_and_distance_broadcast(self):
        # (N, 1) levers against (1, T) series: the result has shape (N, T).
        d = np.array([[0.01], [0.05]])
        km = np.array([[10_000.0], [20_000.0]])
        got = emissions.breakeven_distance(np.full((1, 3), 3e6), np.full((1, 3), 100.0), 200.0,
                                           d, km)
        assert got.shape == (2, 3)
        assert got[1, 0] == pytest.approx(_brentq_breakeven(3e6, 100.0, 200.0, 0.05, 20_000),
                                          rel=1e-9)


class TestLambertW0:
    def test_against_scipy(self):
        # Whole domain [-1/e, 0], dense near the branch point and near zero.
        z = np.concatenate([
            -np.exp(-1.0) + np.logspace(-15, -1, 300),
            np.linspace(-np.exp(-1.0), 0.0, 20_001)[1:],
            -np.logspace(-300, -1, 300),
            [0.0],
        ])
        expected = special.lambertw(z, 0).real
        np.testing.assert_allclose(emissions._lambertw0(z), expected, rtol=0, atol=1e-8)

    def test_known_values(self):
        # W(-1/e) = -1; W(-ln2 / 2) = -ln 2 (since -ln2 e^{-ln2} = -ln2/2); W(0) = 0
        got = emissions._lambertw0(np.array([-np.exp(-1.0), -math.log(2) / 2, 0.0]))
        np.testing.assert_allclose(got, [-1.0, -math.log(2), 0.0], atol=1e-8)


class TestEmissionsAvoided:
    def test_by_hand(self):
        # 10 million cars x (225 - 125) g/km x 200,000 km = 2e14 g = 200 Mt CO2e
        got = emissions.emissions_avoided(10.0, 225.0, 125.0, 200_000.0)
        assert float(got) == pytest.approx(200.0, rel=1e-12)

    def test_dirtier_evs_add_emissions(self):
        got = emissions.emissions_avoided(np.array([1.0, 2.0]), 200.0, 250.0, 100_000.0)
        # 1e6 x -50 x 1e5 = -5e12 g = -5 Mt; twice that for 2 M cars
        np.testing.assert_allclose(got, [-5.0, -10.0])

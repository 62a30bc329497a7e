"""Known values of evexplorer.model.chemistry, each worked out by hand in a comment."""

import numpy as np
import pytest

from evexplorer.model import chemistry, data


class TestMixProgress:
    def test_linear_then_flat(self):
        # From 2025 to a 2030 target: (t - 2025)/5, clipped to [0, 1].
        years = np.arange(2023, 2034)
        expected = [0, 0, 0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1, 1]
        np.testing.assert_allclose(chemistry.mix_progress(years, 2030, 2025), expected,
                                   rtol=1e-12)

    def test_target_year_per_sample(self):
        progress = chemistry.mix_progress(np.array([2027.0]), np.array([[2027], [2029]]), 2025)
        # 2/2 = 1 and 2/4 = 0.5
        np.testing.assert_allclose(progress, [[1.0], [0.5]])


    def test_target_in_the_first_model_year_applies_from_it(self):
        # Anchored on the 2024 mix: a 2025 target gives progress 1 from 2025 on; a 2034 target
        # is a tenth of the way in 2025 ((2025 - 2024)/(2034 - 2024)).
        np.testing.assert_array_equal(chemistry.mix_progress([2025, 2026], 2025, 2024), [1, 1])
        np.testing.assert_allclose(chemistry.mix_progress([2025, 2029], 2034, 2024), [0.1, 0.5])

    def test_the_model_accepts_the_start_year_as_target_year(self):
        # "What does an all-LFP pack cost now?": the target mix from the first year.
        from evexplorer.model import evaluate

        result = evaluate({"chemistry_mix": "LFP", "chemistry_target_year": 2025})
        lfp = data.CHEMISTRIES.index("LFP")
        assert result.series["lithium_demand"][0] == pytest.approx(
            result.series["battery_demand"][0] * data.load().intensity[lfp, 0], rel=1e-12)


class TestMixPath:
    @staticmethod
    def _explicit(path, progress, phis):
        """Shares year by year, built chemistry by chemistry from the definition."""
        shares = path.today + np.asarray(progress)[:, None] * (path.target - path.today)
        for shift, phi in zip(path.shifts, phis, strict=True):
            moved = phi[:, None] * shares * shift.exposed
            shares = shares - moved
            shares[:, shift.substitute] += moved.sum(axis=1)
        return shares

    def _path(self, shifts=True):
        rng = np.random.default_rng(5)
        today, target = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(7))
        progress = np.linspace(0, 1, 6)[None, :]  # (S=1, T=6)
        exposed = np.array([1, 1, 1, 1, 1, 0, 1.0])
        phi = np.linspace(0.0, 0.4, 6)[None, :]
        shift = chemistry.Shift(phi=phi, exposed=exposed, substitute=5)
        path = chemistry.MixPath(progress, today, target, (shift,) if shifts else ())
        return path, progress[0], [phi[0]] if shifts else []

    def test_weighted_equals_the_share_weighted_sum_with_a_shift(self):
        # One shift only, so simultaneous and sequential moves agree.
        path, progress, phis = self._path()
        shares = self._explicit(path, progress, phis)
        values = np.random.default_rng(6).uniform(0, 60, size=(7, 4))
        np.testing.assert_allclose(path.weighted(values)[:, 0, :], (shares @ values).T,
                                   rtol=1e-12)
        np.testing.assert_allclose(path.weighted(values[:, 0])[0], shares @ values[:, 0],
                                   rtol=1e-12)
        np.testing.assert_allclose(path.share(5)[0], shares[:, 5], rtol=1e-12)
        np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-12)

    def test_weighted_by_year(self):
        path, progress, phis = self._path()
        shares = self._explicit(path, progress, phis)
        values = np.random.default_rng(7).uniform(1, 9, size=(6, 7))  # (T, C)
        np.testing.assert_allclose(path.weighted_by_year(values)[0],
                                   np.einsum("tc,tc->t", shares, values), rtol=1e-12)

    @pytest.mark.parametrize("shifts", [False, True])
    def test_content_rows_times_coefficients_give_the_content(self, shifts):
        path, progress, phis = self._path(shifts)
        shares = self._explicit(path, progress, phis)
        placed = np.array([[10.0, 20.0, 30.0, 40.0, 50.0, 60.0]])
        history = np.array([5.0, 7.0])
        values = np.random.default_rng(8).uniform(0, 2, size=(7, 3))
        rows = path.content_rows(placed, history)
        coefficients = path.row_coefficients(values)
        assert rows.shape == (coefficients.shape[0], 1, 8)
        content = np.einsum("rst,rk->kst", rows, coefficients)
        np.testing.assert_allclose(content[:, 0, 2:], (placed[0][:, None] * (shares @ values)).T,
                                   rtol=1e-12)
        # history at the base-year mix
        np.testing.assert_allclose(content[:, 0, :2], np.outer(path.today @ values, history),
                                   rtol=1e-12)


class TestMixWeighted:
    def test_quarter_of_the_way(self):
        # 10 + 0.25 * (20 - 10) = 12.5
        assert float(chemistry.mix_weighted(0.25, 10.0, 20.0)) == 12.5

    def test_equals_the_share_weighted_sum_along_the_path(self):
        # The module's claim: with x(t) = x0 + pi (x1 - x0), sum_c x_c v_c equals
        # v0 + pi (v1 - v0). Check it against the explicit share-weighted sum.
        rng = np.random.default_rng(3)
        x0 = rng.dirichlet(np.ones(7))
        x1 = rng.dirichlet(np.ones(7))
        values = rng.uniform(0, 60, size=(7, 5))  # e.g. kg/kWh of 5 minerals per chemistry
        progress = np.linspace(0, 1, 11)
        shares = x0 + progress[:, None] * (x1 - x0)  # (11, 7)
        explicit = shares @ values
        got = chemistry.mix_weighted(progress[:, None], x0 @ values, x1 @ values)
        np.testing.assert_allclose(got, explicit, rtol=1e-12)

    def test_shares_along_the_path_sum_to_one(self):
        x0 = np.array([0.305, 0.132, 0.083, 0.48, 0, 0, 0])  # 2024 mix of the data file
        x1 = np.array([0, 0, 0, 0.6, 0.15, 0.25, 0])
        shares = chemistry.mix_weighted(np.linspace(0, 1, 9)[:, None], x0, x1)
        np.testing.assert_allclose(shares.sum(axis=-1), 1.0, rtol=1e-12)
        assert np.all(shares >= 0)


class TestInterpolateByYear:
    def test_linear_between_table_years_and_flat_outside(self):
        # carculator NMC811 cell specific energy: 0.28 (2020), 0.30 (2030), 0.34 (2050) kWh/kg.
        # 2025: halfway 2020-2030 -> 0.29; 2040: halfway 2030-2050 -> 0.32;
        # before 2020 -> 0.28; after 2050 -> 0.34.
        table = np.array([[0.28, 0.30, 0.34], [0.16, 0.18, 0.22]])  # NMC811, LFP
        got = chemistry.interpolate_by_year([2010, 2025, 2040, 2060], [2020, 2030, 2050], table)
        assert got.shape == (4, 2)  # (years, chemistries)
        np.testing.assert_allclose(got[:, 0], [0.28, 0.29, 0.32, 0.34], rtol=1e-12)
        # LFP: 0.16, 0.17, 0.20, 0.22
        np.testing.assert_allclose(got[:, 1], [0.16, 0.17, 0.20, 0.22], rtol=1e-12)


class TestPackMassPerKwh:
    def test_lfp_2020(self):
        # carculator LFP 2020: 0.16 kWh/kg of cell, cells 80 % of the pack.
        # 1 / (0.16 * 0.8) = 1 / 0.128 = 7.8125 kg/kWh, i.e. 128 Wh/kg of pack.
        assert float(chemistry.pack_mass_per_kwh(0.16, 0.8)) == pytest.approx(7.8125)
        assert 1000 / float(chemistry.pack_mass_per_kwh(0.16, 0.8)) == pytest.approx(128.0)

    def test_nmc811_2030(self):
        # 0.30 kWh/kg, mass share 0.70 + (0.80-0.70)*10/30 = 0.7333 (interpolated 2020-2050)
        # 1 / (0.30 * 0.73333) = 4.5454545 kg/kWh = 220 Wh/kg
        assert float(chemistry.pack_mass_per_kwh(0.30, 0.7 + 0.1 / 3)) == pytest.approx(
            4.5454545, rel=1e-7)

    def test_model_pack_specific_energy_2025(self):
        # Model check: pack specific energy in 2025 is the 2024 mix of 1000 / pack mass, with
        # tables interpolated at 2025. Worked out independently here from the raw data.
        from evexplorer.model import data, evaluate

        ref = data.load()
        raw = ref.raw["chemistries"]
        mass = 0.0
        for chem, share in zip(data.CHEMISTRIES, ref.mix_2024, strict=True):
            se = {int(y): v["value"] for y, v in raw[chem]["cell_specific_energy"].items()}
            ms = {int(y): v["value"] for y, v in raw[chem]["cell_mass_share"].items()}
            se_2025 = se[2020] + (se[2030] - se[2020]) * 5 / 10
            ms_2025 = ms[2020] + (ms[2050] - ms[2020]) * 5 / 30
            mass += share / (se_2025 * ms_2025)
        result = evaluate()
        assert result.series["pack_specific_energy"][0] == pytest.approx(1000 / mass, rel=1e-12)

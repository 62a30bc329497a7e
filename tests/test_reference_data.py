"""The shipped reference data: every number sourced, hostile data refused, figures transcribed.

The transcription checks compare the data file with REFERENCE_DATA.md (the project's
sourced brief), table by table.
"""

import copy
import json

import numpy as np
import pytest

from evexplorer._resources import resource_path
from evexplorer.model import data
from evexplorer.model.data import CHEMISTRIES, MINERALS, REGIONS, DataError


@pytest.fixture(scope="module")
def raw():
    with open(resource_path("reference_data.json"), encoding="utf-8") as fh:
        return json.load(fh)


def test_every_number_has_a_known_source(raw):
    sources = data.check_sources(raw)
    numbers = list(data.iter_numbers(raw))
    assert len(numbers) >= 150  # 200 valued entries in the 2025 data
    for path, value, source in numbers:
        assert source in sources, path
        assert sources[source].vintage >= 2000, path
        if path.startswith("/choice_defaults/"):
            assert isinstance(value, str), path
        else:
            assert isinstance(value, (int, float)) and not isinstance(value, bool), path


def test_every_source_is_used(raw):
    used = {source for _, _, source in data.iter_numbers(raw)}
    assert set(raw["sources"]) == used


def test_load_builds_the_arrays(raw):
    ref = data.load()
    assert ref.intensity.shape == (len(CHEMISTRIES), len(data.BATTERY_MINERALS))
    assert ref.mix_2024.sum() == pytest.approx(1.0)
    assert set(ref.grid) == set(REGIONS)
    assert ref.refining_hhi.shape == (len(MINERALS),)


# ---------------------------------------------------------------------------------------------
# Hostile data


def test_bare_number_is_refused(raw):
    hostile = copy.deepcopy(raw)
    hostile["cost_2025"]["pack"] = 108.0  # no {"value", "source"} wrapper
    with pytest.raises(DataError, match=r"the number 108.0 at /cost_2025/pack has no source"):
        data.check_sources(hostile)
    with pytest.raises(DataError):
        data.build(hostile)


def test_number_with_no_source_key_is_refused(raw):
    hostile = copy.deepcopy(raw)
    hostile["chemistries"]["LFP"]["intensity"]["lithium"] = {"value": 0.091}
    with pytest.raises(DataError, match="has no source"):
        data.check_sources(hostile)


def test_unknown_source_key_is_refused(raw):
    hostile = copy.deepcopy(raw)
    hostile["lever_defaults"]["lithium_price"]["source"] = "my_guess"
    with pytest.raises(DataError, match="cites the unknown source 'my_guess'"):
        data.build(hostile)


def test_number_hidden_in_a_list_is_refused(raw):
    hostile = copy.deepcopy(raw)
    hostile["minerals"]["lithium"]["extra"] = [1.0, 2.0]
    with pytest.raises(DataError, match="/minerals/lithium/extra/0 has no source"):
        data.check_sources(hostile)


@pytest.mark.parametrize("entry, match", [
    ({"citation": "x", "tag": "V"}, "needs a citation, a vintage and a tag"),
    ({"citation": "x", "vintage": "recent", "tag": "V"}, "needs a citation, a vintage"),
    ({"citation": "x", "vintage": 2020, "tag": "Q"}, "use one of V, D, U, A"),
])
def test_incomplete_source_is_refused(raw, entry, match):
    hostile = copy.deepcopy(raw)
    hostile["sources"]["bnef_2025"] = entry
    with pytest.raises(DataError, match=match):
        data.check_sources(hostile)


def test_mix_that_does_not_sum_to_one_is_refused(raw):
    hostile = copy.deepcopy(raw)
    hostile["chemistries"]["LFP"]["market_share_2024"]["value"] = 0.5
    with pytest.raises(DataError, match="2024 chemistry shares sum to"):
        data.build(hostile)


def test_missing_chemistry_is_refused(raw):
    hostile = copy.deepcopy(raw)
    del hostile["chemistries"]["LMFP"]
    with pytest.raises(DataError, match="lack chemistries"):
        data.build(hostile)


def test_unknown_source_lookup_names_close_keys():
    with pytest.raises(KeyError, match="did you mean bnef_2025"):
        data.load().source("bnef_2052")


# ---------------------------------------------------------------------------------------------
# Transcription of REFERENCE_DATA.md


# REFERENCE_DATA §2 (BatPaC 5.1 via Busch), kg element per kWh of pack: Li, Ni, Co, Mn, graphite.
BATPAC = {
    "NMC622": (0.110, 0.546, 0.183, 0.170, 0.910),
    "NMC811": (0.100, 0.658, 0.083, 0.077, 0.924),
    "NCA": (0.107, 0.710, 0.134, 0.0, 0.930),
    "LFP": (0.091, 0.0, 0.0, 0.0, 0.985),
    "NA_ION": (0.0, 0.0, 0.0, 0.322, 0.0),
    "SOLID_STATE": (0.189, 0.658, 0.083, 0.077, 0.0),
}


@pytest.mark.parametrize("chem", BATPAC)
def test_intensity_matches_batpac(raw, chem):
    got = [raw["chemistries"][chem]["intensity"][m]["value"] for m in data.BATTERY_MINERALS]
    assert got == pytest.approx(BATPAC[chem])
    # in the arrays lithium is LCE: x 5.323 (REFERENCE_DATA §8)
    row = data.load().intensity[CHEMISTRIES.index(chem)]
    assert row[0] == pytest.approx(BATPAC[chem][0] * 5.323)


def test_greet_materials_and_bnef_and_iea(raw):
    chem = raw["chemistries"]
    # GREET materials, kg CO2e/kWh (REFERENCE_DATA §5)
    for name, value in {"LFP": 41.8, "NMC811": 50.0, "NMC622": 50.5, "NCA": 54.2}.items():
        assert chem[name]["materials_emissions"]["value"] == value
    # BNEF 2025 (REFERENCE_DATA §3)
    assert raw["cost_2025"]["pack"]["value"] == 108
    assert raw["cost_2025"]["cell"]["value"] == 74
    # IEA GEVO 2025 (REFERENCE_DATA §6): > 17 M, > 20 %, > 950 GWh in 2024
    assert raw["ev_sales_2024"]["value"] > 17
    assert raw["ev_share_2024"]["value"] > 0.20
    assert raw["battery_demand_history"]["2024"]["value"] >= 950


def test_grid_intensities_match_ember(raw):
    # REFERENCE_DATA §5, Ember 2023 lifecycle g CO2e/kWh ([V]; US [D], EU [U])
    ember = {"world": 481, "china": 582, "india": 713, "norway": 30, "usa": 370, "eu": 245}
    for region, value in ember.items():
        assert raw["regions"][region]["grid_2023"]["value"] == value


def test_lce_conversion(raw):
    # REFERENCE_DATA §8: 1 kg Li = 5.323 kg Li2CO3. Stoichiometry check by hand:
    # M(Li2CO3) / (2 M(Li)) = (2 x 6.941 + 12.011 + 3 x 15.999) / (2 x 6.941) = 73.890 / 13.882
    # = 5.3227
    assert raw["minerals"]["lithium"]["lce_per_kg_element"]["value"] == 5.323
    assert (2 * 6.941 + 12.011 + 3 * 15.999) / (2 * 6.941) == pytest.approx(5.323, abs=5e-4)


def test_history_before_the_model():
    ref = data.load()
    np.testing.assert_array_equal(ref.history_years, np.arange(2015, 2025))
    assert np.all(np.diff(ref.history_demand) > 0)

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
    assert ref.intensity.shape == (len(CHEMISTRIES), len(data.MATERIALS))
    assert data.MATERIALS[:len(MINERALS)] == MINERALS
    assert np.all(ref.intensity[:, MINERALS.index("ndpr")] == 0)  # magnets are not in packs
    assert ref.mix_2024.sum() == pytest.approx(1.0)
    assert ref.storage_mix.sum() == pytest.approx(1.0)
    assert set(ref.grid) == set(REGIONS) == set(ref.grid_rate) == set(ref.region_cost_ratio)
    assert sum(ref.cell_production_share.values()) == pytest.approx(1.0)
    assert ref.refining_hhi.shape == (len(MINERALS),)
    assert ref.supply.shape == (len(MINERALS), len(ref.supply_years))
    with pytest.raises(ValueError, match="read-only"):
        ref.supply[0, 0] = 0.0


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


def _refused(raw, change, match):
    hostile = copy.deepcopy(raw)
    change(hostile)
    with pytest.raises(DataError, match=match):
        data.build(hostile)


def test_supply_paths_must_share_their_years(raw):
    def change(d):
        d["minerals"]["cobalt"]["supply"]["2031"] = d["minerals"]["cobalt"]["supply"].pop("2030")
    _refused(raw, change, "supply path of cobalt must give the years")


def test_recycled_material_dirtier_than_primary_is_refused(raw):
    def change(d):
        d["minerals"]["nickel"]["emissions"]["recycled"]["value"] = 30.0
    _refused(raw, change, "recycled material's electricity or process emissions exceed")


def test_storage_shares_must_sum_to_one(raw):
    def change(d):
        d["storage"]["chemistry_shares"]["LFP"]["value"] = 0.7
    _refused(raw, change, "storage chemistry shares sum to")


def test_magnet_material_cannot_be_recovered_from_batteries(raw):
    def change(d):
        d["minerals"]["ndpr"]["recovery"]["value"] = 0.5
    _refused(raw, change, "ndpr is not in the battery")


def test_cell_production_shares_must_sum_to_one(raw):
    def change(d):
        d["regions"]["china"]["cell_production_share"]["value"] = 0.5
    _refused(raw, change, "shares of cell production do not sum to 1")


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


# Copper and aluminium, kg/kWh (REFERENCE_DATA §2).
BATPAC_CU_AL = {
    "NMC622": (0.388, 0.572), "NMC811": (0.370, 0.555), "NCA": (0.378, 0.563),
    "LFP": (0.551, 0.725), "NA_ION": (0.534, 0.725), "SOLID_STATE": (0.370, 0.555),
}


@pytest.mark.parametrize("chem", BATPAC)
def test_intensity_matches_batpac(raw, chem):
    got = [raw["chemistries"][chem]["intensity"][m]["value"] for m in data.BATTERY_MINERALS]
    assert got == pytest.approx(BATPAC[chem])
    got = [raw["chemistries"][chem]["intensity"][m]["value"] for m in ("copper", "aluminium")]
    assert got == pytest.approx(BATPAC_CU_AL[chem])
    # in the arrays lithium is LCE: x 5.323 (REFERENCE_DATA §8)
    row = data.load().intensity[CHEMISTRIES.index(chem)]
    assert row[0] == pytest.approx(BATPAC[chem][0] * 5.323)


def test_second_version_figures(raw):
    # REFERENCE_DATA §9. BNEF survey December 2025: BEV packs 99, LFP 81, NMC 128 USD/kWh,
    # China 84, North America +44 %, Europe +56 %.
    assert raw["cost_2025"]["pack_bev"]["value"] == 99
    chem = raw["chemistries"]
    assert chem["LFP"]["pack_cost_2025"]["value"] == 81
    assert all(chem[c]["pack_cost_2025"]["value"] == 128 for c in ("NMC622", "NMC811", "NCA"))
    regions = raw["regions"]
    assert regions["china"]["pack_cost_ratio"]["value"] == pytest.approx(84 / 108, abs=5e-4)
    assert regions["usa"]["pack_cost_ratio"]["value"] == pytest.approx(84 * 1.44 / 108, abs=5e-4)
    assert regions["eu"]["pack_cost_ratio"]["value"] == pytest.approx(84 * 1.56 / 108, abs=5e-4)
    # IEA 2024: LFP about 80 % of new storage batteries.
    assert raw["storage"]["chemistry_shares"]["LFP"]["value"] == 0.8
    # IEA CMO 2025: announced lithium projects about 40 % short of 3.7 Mt LCE in 2035;
    # China refines about 70 % of lithium.
    assert raw["minerals"]["lithium"]["supply"]["2035"]["value"] == pytest.approx(0.6 * 3700)
    assert raw["minerals"]["lithium"]["refining_shares"]["China"]["value"] == 0.7


def test_greet_materials_and_bnef_and_iea(raw):
    chem = raw["chemistries"]
    # GREET materials, kg CO2e/kWh (REFERENCE_DATA §5)
    for name, value in {"LFP": 41.8, "NMC811": 50.0, "NMC622": 50.5, "NCA": 54.2}.items():
        assert chem[name]["materials_emissions"]["value"] == value
    # BNEF 2025 (REFERENCE_DATA §3)
    assert raw["cost_2025"]["pack"]["value"] == 108
    assert raw["cost_2025"]["cell"]["value"] == 74
    assert raw["factory"]["gas_lifecycle_factor"]["value"] == pytest.approx(0.202 * 1.15,
                                                                            abs=5e-4)
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

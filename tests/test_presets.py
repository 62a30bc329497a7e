"""The presets shipped in resources/presets/ are valid scenarios that match their recipe."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from evexplorer import scenario
from evexplorer._resources import resource_path
from evexplorer.model import evaluate, registry
from evexplorer.model.registry import same_value

ROOT = Path(__file__).resolve().parents[1]


def _recipes():
    spec = importlib.util.spec_from_file_location("make_presets",
                                                  ROOT / "tools" / "make_presets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PRESETS


RECIPES = _recipes()


def test_at_least_five_presets_ship():
    shipped = {p.stem for p in resource_path("presets").glob("*.evx")}
    assert len(shipped) >= 5
    assert shipped == set(RECIPES)


@pytest.mark.parametrize("stem", sorted(RECIPES))
def test_preset_matches_its_recipe(stem):
    recipe = RECIPES[stem]
    doc = scenario.open_scenario(resource_path("presets", f"{stem}.evx"), isolated=False)
    assert doc.checksum_ok
    assert doc.title == recipe["title"] and doc.notes == recipe["notes"]
    expected = registry.resolve(recipe["levers"])
    for name, value in expected.items():
        assert same_value(name, doc.parameters[name], value), name
    # the stored numbers are this model's numbers
    assert scenario.compare_with_model(doc, evaluate(doc.parameters)) is None
    assert doc.warnings == ()


# Each preset's notes tell a story; these check that model 2.0 still tells it.


@pytest.fixture(scope="module")
def baseline():
    return evaluate()


def _preset(stem):
    return evaluate(RECIPES[stem]["levers"])


def _at(result, year, name):
    return result.series[name][list(result.years).index(year)]


def test_lithium_squeeze_keeps_lithium_short_and_packs_dear(baseline):
    squeeze = _preset("lithium_squeeze")
    years = squeeze.years[squeeze.series["lithium_shortfall"] > 1e-9]
    assert years.min() <= 2029 and years.max() == 2050
    assert squeeze.scalars["lithium_shortfall_years"] > baseline.scalars[
        "lithium_shortfall_years"]
    assert squeeze.series["lithium_price"].max() > 2 * baseline.series["lithium_price"].max()
    extra = squeeze.series["pack_cost"] - baseline.series["pack_cost"]
    assert np.all(extra[2:5] == pytest.approx(16, abs=0.5))  # 2027-2029, the shock
    assert extra[list(squeeze.years).index(2040)] == pytest.approx(8.5, abs=0.5)


def test_lfp_everywhere_drops_nickel_and_cobalt_with_cheaper_heavier_packs(baseline):
    lfp = _preset("lfp_everywhere")
    for year in (2030, 2040):
        assert _at(lfp, year, "nickel_demand") == 0 and _at(lfp, year, "cobalt_demand") == 0
        assert _at(lfp, year, "lithium_demand") < _at(baseline, year, "lithium_demand")
        assert _at(lfp, year, "pack_cost") < _at(baseline, year, "pack_cost")
        assert _at(lfp, year, "pack_specific_energy") < _at(baseline, year,
                                                             "pack_specific_energy")


def test_green_gigafactories_halve_the_footprint_by_2050_at_a_higher_cost(baseline):
    green = _preset("green_gigafactories")
    assert np.all(green.series["battery_emissions"] < baseline.series["battery_emissions"])
    assert _at(green, 2050, "battery_emissions") <= 0.5 * _at(baseline, 2050,
                                                              "battery_emissions")
    assert np.all(green.series["pack_cost"] > baseline.series["pack_cost"])


def test_circular_2040_recycled_lithium_about_15pct_in_2040_a_third_in_2050(baseline):
    circular = _preset("circular_2040")
    assert _at(circular, 2040, "lithium_recycled_content") == pytest.approx(15, abs=2.5)
    assert _at(circular, 2050, "lithium_recycled_content") == pytest.approx(100 / 3, abs=4)
    assert np.all(circular.series["lithium_recycled_content"]
                  >= baseline.series["lithium_recycled_content"])


def test_slow_demand_never_runs_short_of_lithium(baseline):
    slow = _preset("slow_demand_mode_shift")
    assert slow.scalars["lithium_shortfall_years"] == 0
    assert np.all(slow.series["ev_share"] <= 70.0 + 1e-9)
    assert np.all(slow.series["ev_sales"][1:] < baseline.series["ev_sales"][1:])


def test_sodium_ion_cuts_lithium_by_a_third_and_tightens_manganese(baseline):
    sodium = _preset("sodium_ion_breakthrough")
    assert _at(sodium, 2035, "lithium_demand") == pytest.approx(
        _at(baseline, 2035, "lithium_demand") * 2 / 3, rel=0.05)
    assert sodium.series["manganese_price"].max() > baseline.series["manganese_price"].max()

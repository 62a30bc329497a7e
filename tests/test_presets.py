"""The presets shipped in resources/presets/ are valid scenarios that match their recipe."""

import importlib.util
from pathlib import Path

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

"""Numbers, units and lever values for people (evexplorer.model.labels): known values from the
registry and the reference data, and properties over every lever's range."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evexplorer._resources import resource_path
from evexplorer.model import PARAMETERS, labels
from evexplorer.model.data import CHEMISTRIES, REGIONS

REFERENCE = json.loads(resource_path("reference_data.json").read_text(encoding="utf-8"))
NUMERIC = [name for name, p in PARAMETERS.items() if p.numeric]
CHOICES = [name for name, p in PARAMETERS.items() if p.kind == "choice"]


@pytest.mark.parametrize(("name", "value", "text"), [
    ("manufacturing_region", "eu", "European Union"),
    ("use_region", "usa", "United States"),
    ("use_region", "world", REFERENCE["regions"]["world"]["label"]),
    ("price_shock_mineral", "none", "No shock"),
    ("price_shock_mineral", "ndpr", "NdPr oxide"),
    ("price_shock_year", 2030, "2030"),           # a calendar year: no unit, no separator
    ("chemistry_target_year", 2035, "2035"),
    ("price_shock_years", 1, "1 year"),           # a duration: singular for one
    ("price_shock_years", 3, "3 years"),
    ("battery_lifetime", 13.0, "13.0 years"),
    ("lithium_price", 30_000, "30,000 USD/t LCE"),
    ("renewable_share", 80, "80 %"),
    ("scarcity_exponent", 2, "2.00"),             # unit "1": a pure number
    ("chemistry_mix", {"LFP": 0.7, "NA_ION": 0.3}, "LFP 70 %, Sodium-ion 30 %"),
    ("chemistry_mix", {"NMC622": 0.305, "LFP": 0.48, "NMC811": 0.132, "NCA": 0.083},
     "LFP 48 %, NMC622 30.5 %, NMC811 13.2 %, NCA 8.3 %"),
])
def test_lever_values_read_as_people_write_them(name, value, text):
    assert labels.lever_value(name, value) == text


@pytest.mark.parametrize(("diff", "unit", "decimals", "text"), [
    (3.21, "USD/kWh", 1, "+3.2 USD/kWh"),
    (-1200.0, "USD", 0, "\u22121,200 USD"),
    (-1, "year", 0, "1 year earlier"),
    (-3, "year", 0, "3 years earlier"),
    (2, "year", 0, "2 years later"),
    (0, "year", 0, "same year"),
    (1, "years", 0, "+1 year"),
    (-2, "years", 0, "\u22122 years"),
    (10, "%", 0, "+10 percentage points"),
    (0.04, "USD/kWh", 1, "no change"),
    (0.7, "1", 1, "+0.7"),
])
def test_differences_carry_sign_and_unit(diff, unit, decimals, text):
    assert labels.difference(diff, unit, decimals) == text


def test_region_and_chemistry_labels_come_from_the_reference_data():
    for region in REGIONS:
        assert labels.region_label(region) == REFERENCE["regions"][region]["label"]
    for chem in CHEMISTRIES:
        full = REFERENCE["chemistries"][chem]["label"]
        assert labels.chemistry_label(chem, short=False) == full
        short = labels.chemistry_label(chem)
        assert full.startswith(short) and "(" not in short
    assert labels.chemistry_label("NA_ION") == "Sodium-ion"
    assert labels.chemistry_label("NA_ION", short=False) == \
        "Sodium-ion (layered oxide, hard carbon)"


@pytest.mark.parametrize("name", CHOICES)
def test_every_choice_has_a_label_that_is_not_an_underscored_id(name):
    shown = labels.choice_labels(name)
    assert list(shown) == list(PARAMETERS[name].choices)
    for choice, label in shown.items():
        assert "_" not in label and label[0].isupper(), (choice, label)
    assert len(set(shown.values())) == len(shown)  # two choices never read alike


@given(st.data())
def test_every_numeric_lever_value_shows_its_unit_once_and_never_year_after_a_year(draw):
    name = draw.draw(st.sampled_from(NUMERIC))
    p = PARAMETERS[name]
    if p.kind == "int":
        value = draw.draw(st.integers(int(p.minimum), int(p.maximum)))
    else:
        value = draw.draw(st.floats(float(p.minimum), float(p.maximum)))
    text = labels.lever_value(name, value)
    if p.unit == "year":
        assert text == str(round(value))
    elif p.unit == "years":
        assert text.endswith(" year" if text.split()[0] in ("1", "1.0") else " years")
    elif p.unit not in ("", "1"):
        assert text.endswith(f" {p.unit}") and text.count(p.unit) == 1
    assert "e+" not in text and "-" not in text.split(" ")[0][1:]


@given(st.floats(-1e9, 1e9, allow_nan=False), st.integers(0, 3))
def test_a_difference_is_signed_as_its_rounded_value(diff, decimals):
    text = labels.difference(diff, "USD/kWh", decimals)
    rounded = round(diff, decimals)
    if abs(diff) < 0.5 * 10.0 ** -decimals:
        assert text == "no change"
    elif rounded > 0 or diff > 0:
        assert text.startswith("+")
    else:
        assert text.startswith("\u2212")
    assert "e+" not in text and "e-" not in text


@given(st.integers(-40, 40))
def test_a_year_shift_says_earlier_or_later_in_words(years):
    text = labels.year_shift(years)
    if years == 0:
        assert text == "same year"
    else:
        assert text == (f"{abs(years)} {'year' if abs(years) == 1 else 'years'} "
                        f"{'later' if years > 0 else 'earlier'}")
    assert "\u2212" not in text and "-" not in text


@given(st.dictionaries(st.sampled_from(CHEMISTRIES), st.floats(0.001, 1.0), min_size=1))
def test_a_mix_lists_each_chemistry_once_largest_first(raw):
    total = sum(raw.values())
    mix = {c: s / total for c, s in raw.items()}
    text = labels.mix_text(mix)
    parts = text.split(", ")
    assert len(parts) == len(mix)
    shares = [float(part.rsplit(" ", 2)[1]) for part in parts]
    assert shares == sorted(shares, reverse=True)
    assert "_" not in text


def test_missing_values_are_an_en_dash():
    assert labels.quantity(float("nan"), "km") == "\u2013"
    assert labels.difference(float("inf"), "km") == "\u2013"
    assert labels.number(float("nan")) == "\u2013"


def test_evexplorer_info_shows_lever_values_as_the_window_does(tmp_path, capsys):
    from evexplorer.cli import main
    from evexplorer.model import evaluate
    from evexplorer.scenario import save_scenario

    levers = {"manufacturing_region": "eu", "price_shock_mineral": "lithium",
              "price_shock_year": 2030, "price_shock_years": 1,
              "chemistry_mix": {"LFP": 0.75, "NA_ION": 0.25}}
    results = evaluate(levers)
    path = tmp_path / "labels.evx"
    save_scenario(path, results.parameters, results)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    changed = out.split("Levers changed from the default")[1]
    region = labels.lever_value("manufacturing_region", PARAMETERS["manufacturing_region"].default)
    for piece in ("manufacturing_region", f"European Union   (default {region})",
                  "Lithium   (default No shock)", "2030   (default 2028)",
                  "1 year   (default 2 years)", "LFP 75 %, Sodium-ion 25 %"):
        assert piece in changed, piece
    for raw in ("eu ", "NA_ION", "2030 year", "none", "lithium "):
        assert raw not in changed, raw
    for name in levers:  # the names scripts use with --set stay on every line
        assert f"  {name} " in changed

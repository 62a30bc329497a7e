"""The parameter registry: completeness of every lever, validation, and mix parsing."""

import keyword
import math

import numpy as np
import pytest

from evexplorer.model import GROUPS, PARAMETERS, ParameterError, evaluate, registry
from evexplorer.model.data import CHEMISTRIES, load

NUMERIC = [p for p in PARAMETERS.values() if p.numeric]


# ---------------------------------------------------------------------------------------------
# Every lever is complete


@pytest.mark.parametrize("param", PARAMETERS.values(), ids=lambda p: p.name)
def test_lever_is_fully_described(param):
    assert param.name.isidentifier() and param.name == param.name.lower()
    assert not keyword.iskeyword(param.name)
    assert param.label.strip()
    assert param.group in GROUPS
    assert len(param.description) > 20 and param.description.strip() == param.description
    if param.kind in ("choice", "mix"):
        assert param.unit == ""
    else:
        assert param.unit.strip(), f"{param.name} has no unit"
        assert param.minimum is not None and param.maximum is not None
        assert param.minimum < param.maximum


@pytest.mark.parametrize("param", PARAMETERS.values(), ids=lambda p: p.name)
def test_lever_source_resolves_with_a_vintage(param):
    source = load().source(param.source)
    assert source.citation.strip()
    assert 1990 <= source.vintage <= 2030
    assert source.tag in ("V", "D", "U", "A")
    assert str(source.vintage) in source.describe()


@pytest.mark.parametrize("param", PARAMETERS.values(), ids=lambda p: p.name)
def test_default_is_valid(param):
    value = param.validate(param.default)
    if param.kind == "mix":
        assert math.fsum(value.values()) == pytest.approx(1.0)
    elif param.kind == "choice":
        assert param.default in param.choices
    else:
        assert param.minimum <= param.default <= param.maximum
        assert value == param.default


def test_every_group_has_levers():
    assert {p.group for p in PARAMETERS.values()} == set(GROUPS)


def test_defaults_returns_fresh_copies():
    first = registry.defaults()
    first["chemistry_mix"]["LFP"] = 0.0
    assert registry.defaults()["chemistry_mix"]["LFP"] > 0


# ---------------------------------------------------------------------------------------------
# Unknown names


def test_unknown_lever_lists_close_names():
    with pytest.raises(ParameterError, match="lithium_price") as info:
        registry.get("lithium_prize")
    assert info.value.name == "lithium_prize"
    assert "Unknown lever" in str(info.value)


def test_unknown_lever_in_evaluate():
    with pytest.raises(ParameterError, match="recycling_rate"):
        evaluate({"recyling_rate": 50})


def test_unknown_lever_without_close_names_points_to_the_list():
    with pytest.raises(ParameterError, match="evexplorer params"):
        registry.get("zzzz")


# ---------------------------------------------------------------------------------------------
# Bad values: each error names the lever and its range


BAD_NUMBERS = {
    "below range": 2_999.0,
    "above range": 150_001.0,
    "nan": float("nan"),
    "inf": float("inf"),
    "minus inf": -float("inf"),
    "bool": True,
    "numpy bool": np.bool_(False),
    "bool array": np.array([True, False]),
    "string": "30000",
    "string array": ["30000", "40000"],
    "bytes": b"30000",
    "None": None,
    "complex": 30_000 + 0j,
    "ragged list": [30_000, [40_000, 50_000]],
    "dict": {"a": 1},
    "2-D array": np.full((2, 2), 30_000.0),
    "empty array": np.array([]),
    "one bad sample": np.array([30_000.0, 1.0]),
    "nan sample": np.array([30_000.0, np.nan]),
}


@pytest.mark.parametrize("value", BAD_NUMBERS.values(), ids=BAD_NUMBERS.keys())
def test_bad_number_is_refused_naming_lever_and_range(value):
    with pytest.raises(ParameterError) as info:
        evaluate({"lithium_price": value})
    message = str(info.value)
    assert info.value.name == "lithium_price"
    assert message.startswith("lithium_price ")
    assert "3,000 to 150,000 USD/t LCE" in message
    assert "\n" not in message


@pytest.mark.parametrize("value", [2030.5, np.array([2030.0, 2031.5])])
def test_non_integer_year_is_refused(value):
    with pytest.raises(ParameterError, match=r"price_shock_year must be a whole number "
                                             r"\(2025 to 2060 year\)"):
        evaluate({"price_shock_year": value})


def test_integer_levers_come_back_as_integers():
    assert registry.get("price_shock_years").validate(3.0) == 3
    assert isinstance(registry.get("price_shock_years").validate(3.0), int)
    samples = registry.get("price_shock_years").validate([1.0, 2.0])
    assert samples.dtype == np.int64


def test_samples_are_accepted_as_arrays():
    got = registry.get("lithium_price").validate([10_000, 20_000])
    np.testing.assert_array_equal(got, [10_000.0, 20_000.0])
    assert got.dtype == float


def test_bad_choice_suggests_the_close_one():
    with pytest.raises(ParameterError, match="did you mean china") as info:
        evaluate({"manufacturing_region": "chna"})
    assert info.value.name == "manufacturing_region"
    assert "one of china, usa" in str(info.value)


def test_start_and_end_year_cannot_be_sampled():
    with pytest.raises(ParameterError, match="start_year sets the time axis"):
        evaluate({"start_year": np.array([2025, 2026])})


def test_end_year_must_follow_start_year():
    with pytest.raises(ParameterError, match=r"end_year \(2040\) must come after start_year"):
        evaluate({"start_year": 2040, "end_year": 2040})


def test_samples_of_different_lengths_are_refused():
    with pytest.raises(ParameterError, match="same number of samples"):
        evaluate({"lithium_price": np.full(3, 10_000.0), "recycling_rate": np.full(2, 50.0)})


@pytest.mark.parametrize("param", NUMERIC, ids=lambda p: p.name)
def test_range_ends_are_accepted_and_just_outside_refused(param):
    assert param.validate(param.minimum) == param.minimum
    assert param.validate(param.maximum) == param.maximum
    step = 1 if param.kind == "int" else 1e-9 * max(1.0, abs(param.maximum))
    for outside in (param.minimum - step, param.maximum + step):
        with pytest.raises(ParameterError, match=param.name):
            param.validate(outside)


def test_parse_reads_typed_text():
    assert registry.get("lithium_price").parse(" 30,000 ") == 30_000.0
    assert registry.get("vehicle_lifetime_km").parse("200_000") == 200_000.0
    with pytest.raises(ParameterError, match=r"lithium_price must be a number \(3,000 to "):
        registry.get("lithium_price").parse("lots")


# ---------------------------------------------------------------------------------------------
# chemistry_mix


def _mix(**shares):
    out = dict.fromkeys(CHEMISTRIES, 0.0)
    out.update(shares)
    return out


@pytest.mark.parametrize("text, expected", [
    ("LFP", _mix(LFP=1.0)),
    ("lfp", _mix(LFP=1.0)),
    ("na-ion", _mix(NA_ION=1.0)),
    ("LFP:0.6,NMC811:0.4", _mix(LFP=0.6, NMC811=0.4)),
    (" LFP : 0.6 , NMC811 : 0.4 ", _mix(LFP=0.6, NMC811=0.4)),
    ("LFP:60,NMC811:40", _mix(LFP=0.6, NMC811=0.4)),
    ("LFP:0.3,LFP:0.3,NMC811:0.4", _mix(LFP=0.6, NMC811=0.4)),  # repeated ids add up
    ("LFP:0.502,NMC811:0.5", _mix(LFP=0.502 / 1.002, NMC811=0.5 / 1.002)),  # within 0.005
])
def test_mix_parsing(text, expected):
    got = registry.get("chemistry_mix").parse(text)
    assert got == pytest.approx(expected, abs=1e-12)
    assert math.fsum(got.values()) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("text, match", [
    ("LFX", r"unknown chemistry 'LFX' \(valid: NMC622, .*\); did you mean LFP"),
    ("LFP:0.6,NMX811:0.4", "unknown chemistry 'NMX811'"),
    ("LFP:0.5,NMC811:0.4", "sum to 0.9"),
    ("LFP:60,NMC811:30", "sum to 90"),
    ("LFP:1.2,NMC811:-0.2", "zero or positive; got -0.2"),
    ("LFP:abc", "the share of LFP must be a number"),
    ("LFP:0.6,NMC811", "needs id:share pairs"),
    ("", "is empty"),
])
def test_bad_mix_is_refused(text, match):
    with pytest.raises(ParameterError, match=match) as info:
        evaluate({"chemistry_mix": text})
    assert info.value.name == "chemistry_mix"


@pytest.mark.parametrize("value", [["LFP", 1.0], {"LFP": True}, {"LFP": "1"},
                                   {"LFP": float("nan")}])
def test_bad_mix_objects_are_refused(value):
    with pytest.raises(ParameterError, match="chemistry_mix"):
        registry.validate_mix(value)


def test_format_mix_round_trips():
    mix = registry.validate_mix("LFP:0.6,NMC811:0.3,NA_ION:0.1")
    text = registry.format_mix(mix)
    assert text == "LFP:0.6,NMC811:0.3,NA_ION:0.1"
    assert registry.validate_mix(text) == pytest.approx(mix)


# ---------------------------------------------------------------------------------------------
# Model versions


def test_levers_added_by_model_2_0_are_named_for_older_files():
    # A file written by model 1.0 cannot set these; their defaults apply without a warning.
    new = {"storage_growth", "supply_chain_decarbonization", "ice_efficiency_gain",
           "price_response"}
    assert registry.introduced_after("1.0") == new
    assert registry.introduced_after("2.0") == frozenset()
    for version in (None, "", "two", "1.0.0.x", "9" * 40):
        assert registry.introduced_after(version) == frozenset(), version
    assert all(PARAMETERS[name].since == "2.0" for name in new)


@pytest.mark.parametrize("name, value", [("supply_growth", 10.0), ("supply_growth", -5.0),
                                         ("battery_lifetime", 13.0),
                                         ("manufacturing_region", "china"),
                                         ("chemistry_target_year", 2026),
                                         ("scarcity_exponent", 2.0),
                                         ("ev_nonbattery_price", 24_500.0)])
def test_values_saved_by_model_1_0_are_still_accepted(name, value):
    # Levers whose meaning or default changed in 2.0 accept every 1.0 value (docs/model.md
    # says how each is read now).
    assert registry.canonical(name, value) == value
    evaluate({name: value})


def test_the_target_mix_may_apply_from_the_first_model_year():
    assert PARAMETERS["chemistry_target_year"].minimum == 2025
    result = evaluate({"chemistry_mix": "LFP", "chemistry_target_year": 2025})
    assert result.series["nickel_demand"][0] == 0.0

"""The optional groups: a reference scenario, uncertainty settings and user targets.

Each round-trips as the plain record the analysis layer uses, is covered by a checksum,
leaves the levers' checksum (and so EV Explorer 0.1.0's reading) untouched, and is
validated on the way in and on the way out.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_scenario_format import DOC
from test_scenario_refusals import refused
from test_scenario_support import ARCHIVE, edited_copy, fixed_text, replace_dataset

from evexplorer.model import PARAMETERS, SCALARS, SERIES, evaluate, registry
from evexplorer.scenario import (
    ScenarioFileError,
    canonical_targets,
    canonical_uncertainty,
    describe,
    extras,
    open_scenario,
    save_scenario,
)

NUMERIC = [name for name, p in PARAMETERS.items() if p.numeric]

UNCERTAINTY = {
    "seed": 20251130,
    "levers": {
        "demand_growth": {"distribution": "triangular", "spread": "absolute", "low": -8.0,
                          "high": 8.0},
        "lithium_price": {"distribution": "loguniform", "spread": "relative", "low": 0.5,
                          "high": 2.0},
        "nickel_price": {"distribution": "lognormal", "spread": "relative", "low": 0.7,
                         "high": 1.4},
        "cobalt_price": {"distribution": "lognormal", "spread": "relative", "low": 0.6,
                         "high": 1.6},
        "price_shock_year": {"distribution": "uniform", "spread": "absolute", "low": -2,
                             "high": 3},
    },
    "correlations": [{"a": "nickel_price", "b": "cobalt_price", "rho": 0.6},
                     {"a": "lithium_price", "b": "demand_growth", "rho": -0.25}],
}
REFERENCE = {"title": "Baseline (EV Explorer defaults)", "parameters": {"renewable_share": 40}}
TARGETS = [
    {"id": "pack-2030", "description": "Pack cost at most 80 USD/kWh in 2030", "source": "user",
     "output": "pack_cost", "year": 2030, "comparison": "<=", "required": 80.0},
    {"id": "ev-share-2035", "description": "EV share of new cars at least 50 % in 2035",
     "source": "Fleet plan, ©2026", "output": "ev_share", "year": 2035, "comparison": ">=",
     "required": 50},
    {"id": "parity", "description": "Price parity by 2028", "source": "",
     "output": "cost_parity_year", "year": 2028, "comparison": "<=", "required": 2028.0},
]


def _save(path: Path, **extra) -> Path:
    results = evaluate({"lithium_price": 24_000})
    save_scenario(path, results.parameters, results, title="With extras", **extra)
    return path


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    return _save(tmp_path_factory.mktemp("extras") / "full.evx", reference=REFERENCE,
                 uncertainty=UNCERTAINTY, targets=TARGETS)


# -- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_all_three_round_trip_as_plain_records(full, isolated):
    doc = open_scenario(full, isolated=isolated)
    assert doc.warnings == () and doc.checksum_ok and doc.checksum_status == "ok"
    assert doc.uncertainty == canonical_uncertainty(UNCERTAINTY)
    assert list(doc.uncertainty["levers"]) == ["lithium_price", "nickel_price", "cobalt_price",
                                               "price_shock_year", "demand_growth"]  # registry
    assert doc.uncertainty["levers"]["price_shock_year"]["low"] == -2.0
    assert doc.uncertainty["correlations"] == UNCERTAINTY["correlations"]
    assert doc.targets == canonical_targets(TARGETS)
    assert doc.targets[1]["required"] == 50.0 and type(doc.targets[1]["required"]) is float
    assert doc.reference["title"] == REFERENCE["title"]
    expected = registry.resolve({"renewable_share": 40})
    assert set(doc.reference["parameters"]) == set(PARAMETERS)
    for name, value in expected.items():
        assert registry.same_value(name, doc.reference["parameters"][name], value), name


def test_without_extras_the_document_holds_none_and_an_empty_list_stays_empty(tmp_path):
    doc = open_scenario(_save(tmp_path / "plain.evx"), isolated=False)
    assert (doc.reference, doc.uncertainty, doc.targets) == (None, None, None)
    with h5py.File(tmp_path / "plain.evx", "r") as f:
        assert "extras_checksum" not in f.attrs and set(f) == {"parameters", "results"}
    empty = open_scenario(_save(tmp_path / "empty.evx", targets=[],
                                uncertainty={"seed": 0, "levers": {}, "correlations": []}),
                          isolated=False)
    assert empty.targets == [] and empty.uncertainty == {"seed": 0, "levers": {},
                                                         "correlations": []}
    assert empty.checksum_ok and empty.warnings == ()


def test_the_layout_is_the_documented_one(full):
    with h5py.File(full, "r") as f:
        lever = f["uncertainty/levers/lithium_price"]
        assert lever.dtype == np.dtype("<f8") and lever.shape == (2,)
        assert list(lever[()]) == [0.5, 2.0]
        assert {k: v.decode() for k, v in lever.attrs.items()} == {
            "distribution": "loguniform", "spread": "relative", "unit": "1"}
        assert f["uncertainty/levers/demand_growth"].attrs["unit"].decode() == "%/yr"
        assert f["uncertainty/seed"].dtype == np.dtype("<i8")
        assert f["uncertainty/seed"][()] == 20251130
        assert [a.decode() for a in f["uncertainty/correlations/a"][()]] == [
            "nickel_price", "lithium_price"]
        assert f["uncertainty/correlations/rho"].attrs["unit"].decode() == "1"
        assert f["reference"].attrs["title"].decode() == REFERENCE["title"]
        assert set(f["reference/parameters"]) == set(PARAMETERS)
        assert f["reference/parameters/renewable_share"][()] == 40.0
        assert f["reference/parameters/renewable_share"].attrs["unit"].decode() == "%"
        assert [u.decode() for u in f["targets/unit"][()]] == [
            SERIES["pack_cost"].unit, SERIES["ev_share"].unit, SCALARS["cost_parity_year"].unit]
        assert f["targets/year"].dtype == np.dtype("<i8")
        assert [c.decode() for c in f["targets/comparison"][()]] == ["<=", ">=", "<="]
        for name in ("id", "description", "source", "output", "comparison", "unit"):
            tid = f[f"targets/{name}"].id.get_type()
            assert tid.get_class() == h5py.h5t.STRING and not tid.is_variable_str()


@pytest.mark.skipif(shutil.which("h5dump") is None, reason="h5dump (Debian hdf5-tools) missing")
def test_the_h5dump_views_in_the_specification_are_what_h5dump_shows(tmp_path):
    """Each ``$ h5dump ... scenario.evx`` excerpt of docs/file-format.md, run on a file saved
    with the example values it shows, prints exactly that."""
    path = _save(tmp_path / "scenario.evx", reference={"title": "Baseline", "parameters": {}},
                 uncertainty={"seed": 1, "levers": {"lithium_price": UNCERTAINTY["levers"]
                                                    ["lithium_price"]}, "correlations": []},
                 targets=[TARGETS[0], dict(TARGETS[1], required=50.0)])
    text = DOC.read_text(encoding="utf-8")
    views = re.findall(r"```\n\$ (h5dump [^\n]*) scenario\.evx\n(.*?)```", text, flags=re.S)
    assert len(views) == 3
    for command, expected in views:
        out = subprocess.run([*command.split(), "scenario.evx"], cwd=path.parent,
                             capture_output=True, text=True, timeout=60, check=True).stdout
        assert out == expected, command


def test_the_archived_file_with_extras_opens():
    doc = open_scenario(ARCHIVE / "v1-extras.evx")
    assert doc.warnings == () and doc.checksum_ok
    assert doc.uncertainty == canonical_uncertainty(UNCERTAINTY)
    assert doc.targets == canonical_targets(TARGETS)
    assert doc.reference["title"] == "Baseline (EV Explorer defaults)"
    assert doc.reference["parameters"]["renewable_share"] == 40.0
    assert doc.title == "Recycling push, with its uncertainty" and doc.author == "Åsa Lindqvist"
    assert doc.parameters["recycling_rate"] == 70.0


# -- checksums ------------------------------------------------------------------------------------


def test_extras_leave_the_levers_checksum_as_version_1_defines_it(tmp_path, full):
    """EV Explorer 0.1.0 checks only ``checksum``: the extras must not change it."""
    plain = _save(tmp_path / "plain.evx")
    with h5py.File(plain, "r") as a, h5py.File(full, "r") as b:
        assert a.attrs["checksum"] == b.attrs["checksum"]
        assert b.attrs["extras_checksum"].decode().startswith("sha256:")


@pytest.mark.parametrize("edit", [
    lambda f: f["uncertainty/levers/lithium_price"].__setitem__((), [0.5, 3.0]),
    lambda f: f["targets/required"].__setitem__(0, 81.0),
    lambda f: f["reference/parameters/renewable_share"].__setitem__((), 41.0),
    lambda f: f.__delitem__("targets"),
], ids=["uncertainty", "targets", "reference", "group-removed"])
def test_the_extras_checksum_covers_every_optional_group(full, tmp_path, edit):
    doc = open_scenario(edited_copy(full, tmp_path / "s.evx", edit), isolated=False)
    assert doc.checksum_status == "mismatch" and not doc.checksum_ok
    assert doc.warnings == ("The file's checksum does not match its reference scenario, "
                            "uncertainty or targets: they were damaged or changed after it was "
                            "saved.",)


def test_extras_without_their_checksum_are_reported(full, tmp_path):
    path = edited_copy(full, tmp_path / "s.evx", lambda f: f.attrs.__delitem__("extras_checksum"))
    doc = open_scenario(path, isolated=False)
    assert doc.checksum_status == "missing"
    assert doc.warnings == ("The file has no checksum for its reference scenario, uncertainty "
                            "or targets, so damage to them cannot be detected.",)
    assert "Checksum:       none (the file has no checksum" in describe(doc)


# -- refused when saving --------------------------------------------------------------------------


def _lever(**change):
    return {"distribution": "uniform", "spread": "absolute", "low": -1.0, "high": 1.0, **change}


def _unc(**change):
    return {"seed": 1, "levers": {"lithium_price": _lever(spread="relative", low=0.5, high=2),
                                  "nickel_price": _lever(spread="relative", low=0.5, high=2)},
            "correlations": [], **change}


def _target(**change):
    return {**TARGETS[0], **change}


BAD_UNCERTAINTY = [
    (_unc(levers={"lithum_price": _lever()}), "did you mean lithium_price"),
    (_unc(levers={"chemistry_mix": _lever()}), "'chemistry_mix' is not a number"),
    (_unc(levers={"manufacturing_region": _lever()}), "is not a number"),
    (_unc(levers={"lithium_price": _lever(distribution="normal")}), "unknown distribution"),
    (_unc(levers={"lithium_price": _lever(spread="percent")}), "unknown spread 'percent'"),
    (_unc(levers={"lithium_price": _lever(low=2.0, high=1.0)}), "needs low below high"),
    (_unc(levers={"lithium_price": _lever(low=1.0, high=1.0)}), "needs low below high"),
    (_unc(levers={"lithium_price": _lever(low=math.nan)}), "finite numbers"),
    (_unc(levers={"lithium_price": _lever(high=math.inf)}), "finite numbers"),
    (_unc(levers={"lithium_price": _lever(low=True)}), "finite numbers"),
    (_unc(levers={"lithium_price": _lever(low="1")}), "finite numbers"),
    (_unc(levers={"lithium_price": _lever(spread="relative", low=0.0, high=2.0)}),
     "must be above 0"),
    (_unc(levers={"lithium_price": {"distribution": "uniform"}}), "lacks"),
    (_unc(levers={"lithium_price": _lever(mode=0.0)}), "unknown fields 'mode'"),
    (_unc(levers=["lithium_price"]), "must map lever names"),
    (_unc(seed=-1), "seed must be a whole number"),
    (_unc(seed=1.5), "seed must be a whole number"),
    (_unc(seed=True), "seed must be a whole number"),
    (_unc(seed=2**63), "seed must be a whole number"),
    (_unc(correlations=[{"a": "lithium_price", "b": "nickel_price", "rho": 1.5}]),
     "from -1 to 1"),
    (_unc(correlations=[{"a": "lithium_price", "b": "nickel_price", "rho": math.nan}]),
     "from -1 to 1"),
    (_unc(correlations=[{"a": "lithium_price", "b": "lithium_price", "rho": 0.5}]),
     "with itself"),
    (_unc(correlations=[{"a": "lithium_price", "b": "nickel_price", "rho": 0.5},
                        {"a": "nickel_price", "b": "lithium_price", "rho": 0.4}]), "given twice"),
    (_unc(correlations=[{"a": "lithium_price", "b": "cobalt_price", "rho": 0.5}]),
     "not an uncertain lever"),
    (_unc(correlations=[{"a": "lithium_price", "b": "nickel_price"}]), "lacks 'rho'"),
    (_unc(correlations="lithium_price,nickel_price"), "must be a list"),
    (_unc(correlations=[{"a": "lithium_price", "b": "nickel_price", "rho": 0.1}] * 1025),
     "1,025 correlations"),
    ({"seed": 1, "levers": {}}, "lacks 'correlations'"),
    ([1, 2], "must be a record"),
]
BAD_TARGETS = [
    ([_target(output="pack_cots")], "unknown output 'pack_cots' (did you mean pack_cost"),
    ([_target(year=2024)], "whole year from 2025 to 2060"),
    ([_target(year=2030.5)], "whole year"),
    ([_target(comparison="<")], "'<=' or '>='"),
    ([_target(required=math.nan)], "finite number"),
    ([_target(required="80")], "finite number"),
    ([_target(), _target()], "used twice"),
    ([_target(id=" ")], "must not be empty"),
    ([_target(id=7)], "must be text"),
    ([_target(id="x" * 129)], "too long"),
    ([_target(description="d" * 2001)], "too long"),
    ([_target(source="a\0b")], "NUL"),
    ([_target(id=f"t{i}") for i in range(257)], "257 targets"),
    ([{k: v for k, v in TARGETS[0].items() if k != "year"}], "lacks 'year'"),
    (["pack_cost<=80@2030"], "must be a record"),
    ({"pack-2030": TARGETS[0]}, "must be a list"),
]
BAD_REFERENCES = [
    ({"title": "r", "parameters": {"lithum_price": 1}}, "did you mean lithium_price"),
    ({"title": "r", "parameters": {"lithium_price": 1}}, "3,000 to 150,000 USD/t LCE"),
    ({"title": "r", "parameters": {"start_year": 2040, "end_year": 2035}}, "must come after"),
    ({"title": "a\0b", "parameters": {}}, "NUL"),
    ({"title": "r", "parameters": [1]}, "must map lever names"),
    ({"title": "r"}, "lacks 'parameters'"),
]


@pytest.mark.parametrize(("record", "words"), BAD_UNCERTAINTY)
def test_invalid_uncertainty_is_refused_when_saving(tmp_path, record, words):
    _assert_refused(tmp_path, "The uncertainty settings cannot be saved: ", words,
                    uncertainty=record)


@pytest.mark.parametrize(("record", "words"), BAD_TARGETS)
def test_invalid_targets_are_refused_when_saving(tmp_path, record, words):
    _assert_refused(tmp_path, "The targets cannot be saved: ", words, targets=record)


@pytest.mark.parametrize(("record", "words"), BAD_REFERENCES)
def test_an_invalid_reference_is_refused_when_saving(tmp_path, record, words):
    _assert_refused(tmp_path, "The reference scenario cannot be saved: ", words, reference=record)


def _assert_refused(tmp_path: Path, start: str, words: str, **extra) -> None:
    with pytest.raises(ScenarioFileError) as info:
        save_scenario(tmp_path / "s.evx", {}, None, **extra)
    message = str(info.value)
    assert info.value.code == "bad-value"
    assert message.startswith(start) and words in message, message
    assert "\n" not in message and message.endswith((".", "?"))
    assert not list(tmp_path.iterdir())


# -- validated when reading -----------------------------------------------------------------------


def _opened(full: Path, tmp_path: Path, edit):
    return open_scenario(edited_copy(full, tmp_path / "s.evx", edit), isolated=False)


@pytest.mark.parametrize(("edit", "words"), [
    (lambda f: f["uncertainty/levers/lithium_price"].__setitem__((), [np.nan, 2.0]),
     "'lithium_price' holds a number that is not finite"),
    (lambda f: f["uncertainty/levers/lithium_price"].attrs.__setitem__(
        "distribution", fixed_text("normal")), "unknown distribution 'normal'"),
    (lambda f: f["uncertainty/levers/lithium_price"].__setitem__((), [2.0, 0.5]),
     "needs low below high"),
    (lambda f: f["uncertainty/levers/lithium_price"].attrs.__setitem__(
        "unit", fixed_text("USD/t LCE")), "is given in 'USD/t LCE', but EV Explorer expects '1'"),
    (lambda f: replace_dataset(f, "uncertainty/levers/lithium_price", np.ones(3)),
     "must hold two numbers"),
    (lambda f: replace_dataset(f, "uncertainty/seed", fixed_text("42")), "must be one whole"),
    (lambda f: f["uncertainty/correlations/rho"].__setitem__(0, 2.0), "from -1 to 1"),
    (lambda f: replace_dataset(f, "uncertainty/correlations/rho", np.ones(5), unit="1"),
     "columns of different lengths"),
    (lambda f: f.__delitem__("uncertainty/levers"), "its levers are missing"),
], ids=["nan", "distribution", "order", "unit", "shape", "seed", "rho", "lengths", "missing"])
def test_invalid_uncertainty_in_a_file_is_ignored_with_a_reason(full, tmp_path, edit, words):
    doc = _opened(full, tmp_path, edit)
    assert doc.uncertainty is None
    notes = [w for w in doc.warnings if w.startswith("The file's uncertainty settings were "
                                                     "ignored: ")]
    assert len(notes) == 1 and words in notes[0], doc.warnings
    assert doc.targets == canonical_targets(TARGETS) and doc.reference is not None
    assert doc.parameters["lithium_price"] == 24_000  # the scenario itself opens


@pytest.mark.parametrize(("edit", "words"), [
    (lambda f: f["targets/required"].__setitem__(1, np.inf), "not finite"),
    (lambda f: replace_dataset(f, "targets/comparison", np.array(
        [b"<=", b"=", b"<="], dtype="S3")), "must be '<=' or '>='"),
    (lambda f: replace_dataset(f, "targets/year", np.array([2030, 2035])),
     "columns of different lengths"),
    (lambda f: replace_dataset(f, "targets/unit", np.array(
        [b"EUR/kWh", b"%", b"year"], dtype="S8")), "in 'EUR/kWh', but EV Explorer expects"),
    (lambda f: replace_dataset(f, "targets/id", np.array([b"a", b"a", b"b"], dtype="S2")),
     "used twice"),
    (lambda f: replace_dataset(f, "targets/year", np.array([2030.0, 2035.0, 2028.0])),
     "must be a list of whole numbers"),
], ids=["inf", "comparison", "lengths", "unit", "duplicate", "float-years"])
def test_invalid_targets_in_a_file_are_ignored_with_a_reason(full, tmp_path, edit, words):
    doc = _opened(full, tmp_path, edit)
    assert doc.targets is None
    notes = [w for w in doc.warnings if w.startswith("The file's targets were ignored: ")]
    assert len(notes) == 1 and words in notes[0], doc.warnings
    assert doc.uncertainty is not None


def test_too_many_targets_in_a_file_are_ignored(tmp_path):
    path = _save(tmp_path / "original.evx", targets=TARGETS)

    def edit(f):
        n = extras.MAX_TARGETS + 1
        for name in ("id", "description", "source", "output", "comparison", "unit"):
            column = [f"t{i}" if name == "id" else f[f"targets/{name}"][0].decode()
                      for i in range(n)]
            replace_dataset(f, f"targets/{name}", np.array([c.encode() for c in column]),
                            unit=None)
        replace_dataset(f, "targets/year", np.full(n, 2030), unit="year")
        replace_dataset(f, "targets/required", np.full(n, 80.0), unit=None)

    doc = _opened(path, tmp_path, edit)
    assert doc.targets is None
    assert any("257 targets, more than a scenario holds (256)" in w for w in doc.warnings)


def test_names_a_later_version_adds_are_reported_and_left_out(full, tmp_path):
    def edit(f):
        replace_dataset(f, "uncertainty/levers/hydrogen_share", np.array([-5.0, 5.0]),
                        unit="%/yr")
        for name, attr in (("distribution", "uniform"), ("spread", "absolute")):
            f["uncertainty/levers/hydrogen_share"].attrs[name] = fixed_text(attr)
        for column, value in (("a", "hydrogen_share"), ("b", "lithium_price")):
            old = [v.decode() for v in f[f"uncertainty/correlations/{column}"][()]]
            replace_dataset(f, f"uncertainty/correlations/{column}",
                            np.array([v.encode() for v in [*old, value]]), unit=None)
        replace_dataset(f, "uncertainty/correlations/rho", np.array([0.6, -0.25, 0.3]), unit="1")
        old = [v.decode() for v in f["targets/output"][()]]
        replace_dataset(f, "targets/output", np.array(
            [b"sodium_recycled_content", *(v.encode() for v in old[1:])]), unit=None)
        replace_dataset(f, "reference/parameters/hydrogen_share", 20.0, unit="%/yr")

    doc = _opened(full, tmp_path, edit)
    assert doc.uncertainty is not None and "hydrogen_share" not in doc.uncertainty["levers"]
    assert doc.uncertainty["correlations"] == UNCERTAINTY["correlations"]
    assert [t["id"] for t in doc.targets] == ["ev-share-2035", "parity"]
    assert "hydrogen_share" not in doc.reference["parameters"]
    assert set(doc.warnings) >= {
        "The file's uncertainty settings name an unknown lever 'hydrogen_share'; it was ignored.",
        "The file's target 'pack-2030' is for an unknown output 'sodium_recycled_content'; it "
        "was ignored.",
        "The file sets an unknown lever 'hydrogen_share' in its reference scenario; it was "
        "ignored."}


def test_missing_units_in_the_extras_are_assumed_and_noted(full, tmp_path):
    def edit(f):
        del f["uncertainty/levers/lithium_price"].attrs["unit"]
        del f["targets/unit"]

    doc = _opened(full, tmp_path, edit)
    assert doc.uncertainty == canonical_uncertainty(UNCERTAINTY)
    assert doc.targets == canonical_targets(TARGETS)
    assert ("The file gives no unit for uncertainty/lithium_price and targets/required; EV "
            "Explorer's units are assumed.") in doc.warnings


@pytest.mark.parametrize(("edit", "code", "words"), [
    (lambda f: f["reference/parameters/lithium_price"].__setitem__((), 1.0e6), "bad-value",
     "not allowed in its reference scenario: lithium_price must be within"),
    (lambda f: replace_dataset(f, "reference/parameters/lithium_price", fixed_text("x")),
     "wrong-type", "lever 'lithium_price' in its reference scenario in the wrong form"),
    (lambda f: f["reference/parameters/lithium_price"].attrs.__setitem__(
        "unit", fixed_text("USD/kg")), "unit", "in its reference scenario in 'USD/kg'"),
    (lambda f: f.__delitem__("reference/parameters"), "damaged",
     "no lever settings in its reference scenario"),
    (lambda f: f["reference"].attrs.__setitem__("title", np.float64(1)), "wrong-type",
     "attribute 'title' of '/reference' is not a text"),
], ids=["value", "type", "unit", "missing", "title"])
def test_an_invalid_reference_refuses_the_file_like_invalid_levers(full, tmp_path, edit, code,
                                                                    words):
    assert words in refused(edited_copy(full, tmp_path / "s.evx", edit), code)


def test_a_reference_missing_levers_takes_their_defaults(full, tmp_path):
    doc = _opened(full, tmp_path, lambda f: f.__delitem__("reference/parameters/mode_shift"))
    assert doc.reference["parameters"]["mode_shift"] == PARAMETERS["mode_shift"].default
    assert ("The file does not set 'mode_shift' in its reference scenario; the default 0 % is "
            "used.") in doc.warnings


# -- any valid record round-trips exactly ---------------------------------------------------------


def _bounds(spread: str):
    low = st.floats(0.01, 10, allow_nan=False) if spread == "relative" else st.floats(
        -1e6, 1e6, allow_nan=False)
    return low.flatmap(lambda lo: st.tuples(st.just(lo), st.floats(
        lo, lo + 1e6, allow_nan=False, exclude_min=True)))


@st.composite
def _uncertainties(draw):
    names = draw(st.lists(st.sampled_from(NUMERIC), unique=True, max_size=8))
    levers = {}
    for name in names:
        spread = draw(st.sampled_from(extras.SPREADS))
        low, high = draw(_bounds(spread))
        levers[name] = {"distribution": draw(st.sampled_from(extras.DISTRIBUTIONS)),
                        "spread": spread, "low": low, "high": high}
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=6)) if pairs else []
    correlations = [{"a": a, "b": b, "rho": draw(st.floats(-1, 1))} for a, b in chosen]
    return {"seed": draw(st.integers(0, extras.MAX_SEED)), "levers": levers,
            "correlations": correlations}


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
                max_size=40)


@st.composite
def _target_lists(draw):
    count = draw(st.integers(0, 5))
    ids = draw(st.lists(_TEXT.filter(lambda s: s.strip()), min_size=count, max_size=count,
                        unique=True))
    return [{"id": ident, "description": draw(_TEXT), "source": draw(_TEXT),
             "output": draw(st.sampled_from([*SERIES, *SCALARS])),
             "year": draw(st.integers(2025, 2060)), "comparison": draw(st.sampled_from(
                 extras.COMPARISONS)),
             "required": draw(st.floats(-1e12, 1e12, allow_nan=False))} for ident in ids]


@given(uncertainty=_uncertainties(), targets=_target_lists())
def test_any_valid_record_round_trips_exactly(tmp_path_factory, uncertainty, targets):
    path = tmp_path_factory.mktemp("rt") / "s.evx"
    save_scenario(path, {}, None, uncertainty=uncertainty, targets=targets,
                  reference={"parameters": {"mode_shift": 10}})
    doc = open_scenario(path, isolated=False)
    assert doc.uncertainty == canonical_uncertainty(uncertainty)
    assert doc.targets == canonical_targets(targets)
    assert doc.reference["title"] == "" and doc.reference["parameters"]["mode_shift"] == 10
    assert doc.checksum_ok and doc.warnings == ()

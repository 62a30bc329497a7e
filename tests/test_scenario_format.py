"""The scenario format: round trips, the documented layout, the checksum, archived files."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_scenario_support import ARCHIVE, save_default

from evexplorer._version import MODEL_VERSION, __version__
from evexplorer.model import PARAMETERS, SCALARS, SERIES, evaluate
from evexplorer.model.data import CHEMISTRIES
from evexplorer.scenario import (
    FORMAT_VERSION,
    SCENARIO_SUFFIXES,
    ScenarioFileError,
    compare_with_model,
    describe,
    open_scenario,
    save_scenario,
)
from evexplorer.scenario import format as fmt
from evexplorer.scenario.tree import canonical_bytes, checksum

DOC = Path(__file__).resolve().parents[1] / "docs" / "file-format.md"


def _lever_strategy(name: str):
    param = PARAMETERS[name]
    if param.kind == "choice":
        return st.sampled_from(param.choices)
    if param.kind == "int":
        return st.integers(int(param.minimum), int(param.maximum))
    if param.kind == "mix":
        return (st.lists(st.floats(0, 1), min_size=len(CHEMISTRIES), max_size=len(CHEMISTRIES))
                .filter(lambda s: sum(s) > 1e-3)
                .map(lambda s: {c: v / sum(s) for c, v in zip(CHEMISTRIES, s, strict=True)}))
    return st.floats(param.minimum, param.maximum, allow_nan=False)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
                max_size=200)


@st.composite
def _scenarios(draw):
    values = {name: draw(_lever_strategy(name)) for name in PARAMETERS}
    if values["end_year"] <= values["start_year"]:
        values["end_year"] = min(2060, values["start_year"] + 1 + draw(st.integers(0, 14)))
    return values


@given(values=_scenarios(), title=_TEXT, author=_TEXT, notes=_TEXT)
def test_every_lever_and_text_round_trips_exactly(tmp_path_factory, values, title, author, notes):
    path = tmp_path_factory.mktemp("rt") / "scenario.evx"
    save_scenario(path, values, None, title=title, author=author, notes=notes)
    doc = open_scenario(path, isolated=False)
    assert (doc.title, doc.author, doc.notes) == (title, author, notes)
    assert doc.warnings == ()
    assert doc.checksum_ok
    assert doc.results is None
    for name, param in PARAMETERS.items():
        got = doc.parameters[name]
        if param.kind == "mix":
            assert set(got) == set(CHEMISTRIES)
            for chem in CHEMISTRIES:
                assert got[chem] == pytest.approx(values[name][chem], rel=1e-12, abs=1e-15)
        else:
            assert got == values[name], name
            assert type(got) is {"float": float, "int": int, "choice": str}[param.kind], name
    # Opening and saving again writes the very same levers (no drift of the mix's last bits).
    again = path.with_name("again.evx")
    save_scenario(again, doc.parameters, None, title=title, author=author, notes=notes,
                  created=doc.created)
    with h5py.File(path, "r") as a, h5py.File(again, "r") as b:
        assert a.attrs["checksum"] == b.attrs["checksum"]


def test_results_round_trip_with_units_and_scalars(tmp_path):
    results = evaluate({"lithium_price": 60_000, "end_year": 2040, "price_shock_mineral": "cobalt"})
    path = tmp_path / "s.evx"
    save_scenario(path, results.parameters, results)
    stored = open_scenario(path, isolated=False).results
    np.testing.assert_array_equal(stored.years, results.years)
    assert set(stored.series) == set(SERIES)
    for name, series in results.series.items():
        np.testing.assert_array_equal(stored.series[name], series)  # NaN included
        assert stored.units[name] == SERIES[name].unit
        assert not stored.series[name].flags.writeable
    assert dict(stored.scalars) == dict(results.scalars)
    for name in SCALARS:
        assert stored.units[name] == SCALARS[name].unit


def test_a_parity_year_that_never_comes_is_stored_as_nan_and_read_as_none(tmp_path):
    levers = {"lithium_price": 150_000, "battery_size": 150, "ice_vehicle_price": 10_000,
              "learning_rate": 0}
    assert evaluate(levers).scalars["cost_parity_year"] is None
    path = save_default(tmp_path / "never.evx", **levers)
    with h5py.File(path, "r") as f:
        assert math.isnan(f["results/scalars/cost_parity_year"][()])
    assert open_scenario(path, isolated=False).results.scalars["cost_parity_year"] is None


def test_metadata_and_versions_are_written(tmp_path):
    path = save_default(tmp_path / "s.evx")
    doc = open_scenario(path, isolated=False)
    assert (doc.app_version, doc.model_version, doc.format_version) == (
        __version__, MODEL_VERSION, FORMAT_VERSION)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc.created)
    assert doc.created == doc.modified
    assert doc.path == str(path.resolve())
    save_scenario(path, doc.parameters, None, created="2020-01-02T03:04:05+01:00")
    assert open_scenario(path, isolated=False).created == "2020-01-02T02:04:05Z"


def test_the_file_has_the_documented_layout_and_types(tmp_path):
    path = save_default(tmp_path / "s.evx", chemistry_mix="LFP:0.6,NMC811:0.4")
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == b"evexplorer-scenario"
        assert f.attrs["format_version"] == 1
        assert f.attrs["format_version"].dtype == np.dtype("<i8")
        for name in fmt.TEXT_ATTRIBUTES:
            tid = f.attrs.get_id(name).get_type()
            assert tid.get_class() == h5py.h5t.STRING and not tid.is_variable_str(), name
            assert tid.get_cset() == h5py.h5t.CSET_UTF8
            assert tid.get_strpad() == h5py.h5t.STR_NULLTERM
        assert set(f) == {"parameters", "results"}
        assert set(f["parameters"]) == set(PARAMETERS)
        for name, param in PARAMETERS.items():
            dataset = f["parameters"][name]
            assert dataset.attrs["unit"].decode() == param.unit
            expected = {"float": "<f8", "int": "<i8", "mix": "<f8"}.get(param.kind)
            if expected:
                assert dataset.dtype == np.dtype(expected), name
            else:
                assert dataset.dtype.kind == "S"
        mix = f["parameters/chemistry_mix"]
        assert [c.decode() for c in mix.attrs["chemistries"]] == list(CHEMISTRIES)
        assert dict(zip(CHEMISTRIES, mix[()], strict=True))["LFP"] == 0.6
        assert set(f["results"]) == {"years", "scalars", *SERIES}
        assert set(f["results/scalars"]) == set(SCALARS)
        assert f["results/years"].dtype == np.dtype("<i8")
        for dataset in (f["results/pack_cost"], f["parameters/lithium_price"]):
            assert dataset.id.get_create_plist().get_layout() in (h5py.h5d.CONTIGUOUS,
                                                                   h5py.h5d.COMPACT)
            assert dataset.id.get_create_plist().get_nfilters() == 0


def test_a_default_scenario_file_is_at_most_64_kib(tmp_path):
    path = save_default(tmp_path / "s.evx")
    assert path.stat().st_size <= 64 * 1024
    # The longest horizon: model 2.0's 62 series over 36 years take 65,800 bytes.
    longest = save_default(tmp_path / "long.evx", end_year=2060)
    assert longest.stat().st_size <= 66 * 1024


def test_the_file_is_written_with_hdf5_1_8_objects(tmp_path):
    raw = save_default(tmp_path / "s.evx").read_bytes()
    assert raw[:8] == fmt.HDF5_SIGNATURE
    assert raw[8] == 2  # superblock version 2: what libver=("v108", "v110") produces
    with h5py.File(tmp_path / "s.evx", "r") as f:
        assert f.id.get_create_plist().get_version()[0] == 2
        assert h5py.h5o.get_info(f.id).hdr.version == 2  # the header that allows dense attributes


@pytest.mark.skipif(shutil.which("h5dump") is None, reason="h5dump (Debian hdf5-tools) missing")
def test_h5dump_reads_a_saved_scenario(tmp_path):
    path = save_default(tmp_path / "s.evx", price_shock_mineral="nickel")
    header = subprocess.run(["h5dump", "-H", str(path)], capture_output=True, text=True,
                            timeout=60, check=True).stdout
    for name in ("format_version", "checksum", "parameters", "lithium_price", "results",
                 "pack_cost", "scalars", "H5T_IEEE_F64LE", "H5T_CSET_UTF8"):
        assert name in header
    data = subprocess.run(["h5dump", "-d", "/parameters/price_shock_mineral", str(path)],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    assert '"nickel"' in data


def test_checksum_covers_levers_results_and_units_but_not_the_title():
    tree_a = _tree(title="a")
    assert checksum(tree_a) == checksum(_tree(title="b"))
    for change in (("/parameters/lithium_price", None, 20_000.0),
                   ("/results/pack_cost", None, np.arange(3.0)),
                   ("/results/pack_cost", "unit", np.array("EUR/kWh"))):
        tree_b = _tree(title="a")
        node = tree_b.nodes[change[0]]
        if change[1] is None:
            node.value = np.asarray(change[2])
        else:
            node.attrs[change[1]] = change[2]
        assert checksum(tree_b) != checksum(tree_a), change


def test_canonical_bytes_are_the_documented_ones():
    assert canonical_bytes(np.float64(1.5)) == b"f" + (0).to_bytes(8, "little") + \
        np.float64(1.5).tobytes()
    nan = canonical_bytes(np.array([float("nan")]))
    assert nan.endswith(bytes.fromhex("000000000000f87f"))
    assert canonical_bytes(np.array(["ab", "é"])) == (
        b"s" + (1).to_bytes(8, "little") + (2).to_bytes(8, "little")
        + (2).to_bytes(8, "little") + b"ab" + (2).to_bytes(8, "little") + "é".encode())
    assert canonical_bytes(np.array([[1, 2]], dtype=np.int32))[:25] == (
        b"i" + (2).to_bytes(8, "little") + (1).to_bytes(8, "little") + (2).to_bytes(8, "little"))


def _tree(title: str):
    from evexplorer.scenario.tree import Node, Tree

    return Tree({
        "/": Node("group", {"title": np.array(title)}),
        "/parameters": Node("group"),
        "/parameters/lithium_price": Node("dataset", {"unit": np.array("USD/t LCE")},
                                          np.float64(10_000)),
        "/results": Node("group"),
        "/results/pack_cost": Node("dataset", {"unit": np.array("USD/kWh")},
                                   np.array([1.0, 2.0, float("nan")])),
    })


# -- the specification ----------------------------------------------------------------------------


def doc_python_block(title: str) -> str:
    """The Python example of the specification whose first line is ``# title``."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    found = [b for b in blocks if b.startswith(f"# {title}\n")]
    assert len(found) == 1, title
    return found[0]


def test_the_documented_plain_h5py_reader_reads_a_saved_file(tmp_path):
    path = save_default(tmp_path / "s.evx", lithium_price=42_000, chemistry_mix="LFP")
    namespace = {"path": str(path)}
    exec(doc_python_block("Read a scenario with plain h5py"), namespace)
    assert namespace["title"] == "Test scenario"
    assert namespace["levers"]["lithium_price"] == (42_000.0, "USD/t LCE")
    assert namespace["levers"]["chemistry_mix"][0]["LFP"] == 1.0
    assert namespace["levers"]["price_shock_mineral"] == ("none", "")
    assert namespace["pack_cost_unit"] == "USD/kWh"
    assert len(namespace["pack_cost"]) == len(namespace["years"])


@pytest.mark.parametrize("name", ["v1-default.evx", "v1-lfp-shock.evx", "fresh"])
def test_the_documented_checksum_matches_ours(tmp_path, name):
    path = save_default(tmp_path / "s.evx", mode_shift=20) if name == "fresh" else ARCHIVE / name
    namespace = {"path": str(path)}
    exec(doc_python_block("The checksum, with plain h5py and NumPy"), namespace)
    assert namespace["checksum_ok"] is True
    with h5py.File(path, "r+") if name == "fresh" else h5py.File(path, "r") as f:
        if name == "fresh":
            f["parameters/mode_shift"][()] = 21.0
            assert namespace["scenario_checksum"](f) != f.attrs["checksum"].decode()


def _doc_table(header: str) -> dict[str, list[str]]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(header)
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        for i in range(0, len(cells), 3 if "| |" in line else len(cells)):
            name = cells[i].strip("`")
            if name:
                rows[name] = [c.strip("`") for c in cells[i + 1:i + 3]]
    return rows


def test_the_specification_lists_every_lever_with_its_type_and_unit():
    table = _doc_table("| lever | type | unit | allowed values |")
    assert set(table) == set(PARAMETERS)
    types = {"float": "float64", "int": "int64", "choice": "text", "mix": "float64 (7,)"}
    for name, param in PARAMETERS.items():
        assert table[name] == [types[param.kind], param.unit], name


def test_the_specification_lists_every_output_with_its_unit():
    series = _doc_table("| series | unit | | series | unit |")
    assert {n: u[0] for n, u in series.items()} == {n: o.unit for n, o in SERIES.items()}
    scalars = _doc_table("| scalar (in `results/scalars`) | unit |")
    assert {n: u[0] for n, u in scalars.items()} == {n: o.unit for n, o in SCALARS.items()}


def test_the_specification_states_the_limits_the_reader_enforces():
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    for phrase in (f"at most {fmt.MAX_OBJECTS:,} objects", f"{fmt.MAX_LINKS_PER_GROUP} links",
                   f"{fmt.MAX_ATTRIBUTES} attributes", f"nested {fmt.MAX_DEPTH} deep",
                   f"{fmt.MAX_RANK} dimensions", "at most 8 MiB", "at most 1 MiB",
                   "at most 64 KiB", "at most 16 MiB", "deflate (1), shuffle (2) and fletcher32"):
        assert phrase in text, phrase
    assert fmt.MAX_FILE_BYTES == 8 * fmt.MiB and fmt.MAX_DATASET_BYTES == fmt.MiB
    assert fmt.MAX_ATTRIBUTE_BYTES == fmt.MAX_STRING_BYTES == 64 * fmt.KiB
    assert fmt.MAX_TOTAL_BYTES == 16 * fmt.MiB
    assert set(fmt.ALLOWED_FILTERS) == {1, 2, 3}
    assert SCENARIO_SUFFIXES[0] == ".evx"


# -- files written by every released version ------------------------------------------------------

_EXPECTED = json.loads((ARCHIVE / "v1-expected.json").read_text(encoding="utf-8"))
#: Levers whose default model 2.0 changed, with their model 1.0 defaults.
DEFAULTS_CHANGED_IN_2_0 = {"manufacturing_region": "china", "battery_lifetime": 13.0,
                           "ev_nonbattery_price": 24_500.0}


def test_the_archive_holds_a_file_of_every_released_format_version():
    versions = {int(re.match(r"v(\d+)-", p.name).group(1)) for p in ARCHIVE.glob("v*.evx")}
    assert versions == set(range(1, FORMAT_VERSION + 1))


@pytest.mark.parametrize("name", sorted(_EXPECTED))
@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_archived_files_open_with_their_values(name, isolated):
    expected = _EXPECTED[name]
    doc = open_scenario(ARCHIVE / name, isolated=isolated)
    assert doc.checksum_ok and doc.warnings == ()
    for key in ("format_version", "app_version", "model_version", "title", "author", "notes",
                "created", "modified"):
        assert getattr(doc, key) == expected[key], key
    for lever, value in expected["changed_levers"].items():
        got = doc.parameters[lever]
        assert (dict(got) if isinstance(value, dict) else got) == value, lever
    from evexplorer.scenario.document import changed_levers

    # Model 2.0 changed three defaults; a 1.0 file holds the 1.0 value, now a change.
    for lever, value in DEFAULTS_CHANGED_IN_2_0.items():
        if lever not in expected["changed_levers"]:
            assert doc.parameters[lever] == value, lever
    assert set(changed_levers(doc.parameters)) == set(expected["changed_levers"]) | set(
        DEFAULTS_CHANGED_IN_2_0)
    years = doc.results.years
    assert [int(years[0]), int(years[-1])] == expected["years"]
    assert len(doc.results.series) == expected["series_count"]
    for series, (first, last) in expected["values"].items():
        assert doc.results.series[series][0] == first and doc.results.series[series][-1] == last
    assert dict(doc.results.scalars) == expected["scalars"]


def test_describe_names_metadata_checksum_and_changed_levers(tmp_path):
    doc = open_scenario(ARCHIVE / "v1-lfp-shock.evx", isolated=False)
    text = describe(doc, recomputed=evaluate(doc.parameters))
    for piece in ("LFP and sodium-ion", "Zoë Ørsted", "Second line", "EV Explorer 0.1.0",
                  "model 1.0", "file format 1", "Checksum:       OK", "2025-2045",
                  "price_shock_mineral", "lithium   (default none)", "renewable_share",
                  "80 %   (default", "manufacturing_region", "eu   (default"):
        assert piece in text, piece
    assert "lithium_price" not in text.split("Levers changed")[1]
    baseline = describe(open_scenario(ARCHIVE / "v1-default.evx", isolated=False))
    changed = baseline.split("Levers changed from the default (3):")[1]
    assert all(name in changed for name in DEFAULTS_CHANGED_IN_2_0)
    fresh = describe(open_scenario(save_default(tmp_path / "d.evx"), isolated=False))
    assert "every lever is at its default" in fresh


def test_describe_names_the_series_a_1_0_file_lacks_as_new_not_different(tmp_path):
    doc = open_scenario(ARCHIVE / "v1-default.evx", isolated=False)
    results = evaluate(doc.parameters)
    message = compare_with_model(doc, results)
    lacking = [name for name in results.series if name not in doc.results.series]
    assert "storage_demand" in lacking and "lithium_refining_hhi" in lacking
    count = int(re.search(r"in (\d+) series", message).group(1))
    compared = [n for n in doc.results.series if not np.allclose(
        results.series[n], doc.results.series[n], rtol=1e-9, atol=1e-12, equal_nan=True)]
    assert count == len(compared)  # only the series both have are compared
    assert f"this version also computes {len(lacking)} new series (" in message
    assert message.endswith("the stored numbers are shown.")
    # A file whose stored series all match but that lacks some: they match, and the series
    # the file lacks are named as new by describe().
    import h5py

    path = save_default(tmp_path / "older.evx")
    with h5py.File(path, "r+") as f:
        del f["results/storage_demand"]
        del f["results/lithium_recycled_content"]
    older = open_scenario(path, isolated=False)
    assert compare_with_model(older, evaluate(older.parameters)) is None
    text = describe(older, recomputed=evaluate(older.parameters))
    assert "They match this version's model." in text
    assert ("This version's model also computes 2 new series (storage_demand, "
            "lithium_recycled_content), which the file does not hold.") in text


def test_compare_with_model_is_silent_when_equal_and_names_differences(tmp_path):
    doc = open_scenario(save_default(tmp_path / "s.evx"), isolated=False)
    results = evaluate(doc.parameters)
    assert compare_with_model(doc, results) is None
    changed = evaluate({"lithium_price": 11_000})
    message = compare_with_model(doc, changed)
    assert message.startswith("The stored results differ from this version's model in ")
    count = int(re.search(r"in (\d+) series", message).group(1))
    differing = [n for n in SERIES if not np.allclose(changed.series[n], results.series[n],
                                                     rtol=1e-9, atol=1e-12, equal_nan=True)]
    assert count == len(differing)
    assert "%" in message and message.endswith("the stored numbers are shown.")
    shorter = evaluate({"end_year": 2040})
    assert "2025-2050" in compare_with_model(doc, shorter)


@pytest.mark.parametrize(("kwargs", "code", "words"), [
    ({"results": evaluate({"lithium_price": np.array([10_000.0, 20_000.0])})}, "bad-value",
     "these results are a batch of 2 samples"),
    ({"parameters": {"lithium_price": 12_000}, "results": evaluate()}, "bad-value",
     "computed for other lever settings (lithium_price differs)"),
    ({"notes": "x" * fmt.MAX_STRING_BYTES}, "text-too-long",
     "The notes is too long to save (65,536 bytes; at most 65,535 bytes of text)."),
    ({"title": "a\0b"}, "bad-text", "The title contains a NUL character"),
    ({"author": "\ud800"}, "bad-text", "The author contains characters that are not valid"),
    ({"notes": 42}, "bad-text", "The notes must be text, not int."),
    ({"parameters": {"lithium_prise": 1}}, "bad-value",
     "Unknown lever 'lithium_prise'; did you mean lithium_price"),
    ({"parameters": {"lithium_price": 1}}, "bad-value", "3,000 to 150,000 USD/t LCE"),
    ({"created": "yesterday"}, "bad-value", "The creation time must be an ISO 8601 time"),
    ({"results": object()}, "internal", "EV Explorer could not gather what to save"),
], ids=["batch", "other-levers", "too-long", "nul", "surrogate", "not-text", "unknown-lever",
        "out-of-range", "bad-time", "not-results"])
def test_every_refusal_to_save_is_one_scenario_file_error(tmp_path, kwargs, code, words):
    args = {"parameters": {}, "results": None, **kwargs}
    with pytest.raises(ScenarioFileError) as info:
        save_scenario(tmp_path / "s.evx", args.pop("parameters"), args.pop("results"), **args)
    message = str(info.value)
    assert info.value.code == code and words in message, message
    assert "\n" not in message and message[0].isupper() and message.endswith((".", "?"))
    assert not list(tmp_path.iterdir())


def test_importing_the_package_is_light():
    code = ("import sys, evexplorer.scenario as s; "
            "assert s.FORMAT_VERSION == 1 and s.ScenarioFileError; "
            "heavy = [m for m in ('numpy', 'h5py', 'PySide6', 'evexplorer.model') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"
    code = ("import sys; from evexplorer.scenario import open_scenario, save_scenario; "
            "print([m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"

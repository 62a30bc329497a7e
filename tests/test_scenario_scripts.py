"""Files that colleagues' scripts write with h5py's defaults open, in the isolated reader too:
variable-length text, 32-bit numbers, missing units; a newer format says so. Hostile
variable-length text is held to the same limits."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from test_scenario_format import doc_python_block
from test_scenario_refusals import refused
from test_scenario_support import ARCHIVE, edited_copy, save_default

from evexplorer.model import PARAMETERS, SERIES
from evexplorer.scenario import ScenarioFileError, open_scenario
from evexplorer.scenario import format as fmt

ROOT = Path(__file__).resolve().parents[1]


def _script(tmp_path: Path, body: str) -> Path:
    """Write a file with h5py's defaults: ``body`` runs with ``f``, the open file."""
    path = tmp_path / "script.evx"
    with h5py.File(path, "w") as f:
        exec(body, {"f": f, "np": np, "h5py": h5py})
    return path


def _both(path: Path):
    """Open in-process and in the child; both must give the same document."""
    local = open_scenario(path, isolated=False)
    isolated = open_scenario(path)
    assert dict(local.parameters) == dict(isolated.parameters)
    for field in ("title", "author", "notes", "warnings", "checksum_status", "fingerprint"):
        assert getattr(local, field) == getattr(isolated, field), field
    return local


def test_the_documented_minimal_script_writes_a_file_that_opens(tmp_path):
    """The example in docs/file-format.md, run exactly as printed, with h5py's defaults."""
    code = doc_python_block("A minimal scenario written by a script")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "lithium-squeeze.evx"
    with h5py.File(path, "r") as f:  # the script really uses variable-length text
        assert f.attrs.get_id("format").get_type().is_variable_str()
    doc = _both(path)
    assert doc.parameters["lithium_price"] == 40_000
    assert doc.parameters["price_shock_mineral"] == "lithium"
    assert dict(doc.parameters["chemistry_mix"]) == pytest.approx(
        {"NMC622": 0, "NMC811": 0.4, "NCA": 0, "LFP": 0.6, "LMFP": 0, "NA_ION": 0,
         "SOLID_STATE": 0})
    assert doc.parameters["mode_shift"] == PARAMETERS["mode_shift"].default
    assert doc.warnings == (
        f"The file sets 3 of the {len(PARAMETERS)} levers; the others take their defaults.",
        "The file gives no unit for chemistry_mix, lithium_price and price_shock_mineral; "
        "EV Explorer's units are assumed.",
        "The file has no checksum, so damage to it cannot be detected; check the numbers.")
    assert doc.checksum_status == "missing" and not doc.checksum_ok
    assert doc.results is None and doc.title == ""


def test_the_archived_script_file_opens():
    doc = open_scenario(ARCHIVE / "v1-script-h5py.evx")
    assert doc.parameters["lithium_price"] == 40_000
    assert doc.parameters["chemistry_mix"]["LFP"] == 0.6
    assert doc.checksum_status == "missing" and len(doc.warnings) == 3


def test_variable_length_text_everywhere_32_bit_numbers_and_missing_units(tmp_path):
    path = _script(tmp_path, """
f.attrs["format"] = "evexplorer-scenario"
f.attrs["format_version"] = np.int32(1)
f.attrs["title"] = "Écrit par un script"
f.attrs["author"] = b"ascii author"
f.attrs["notes"] = "line one\\nline two"
f.attrs["created"] = "2026-01-02T03:04:05+01:00"
p = f.create_group("parameters")
p["renewable_share"] = np.float32(62.5)
p["price_shock_year"] = np.int32(2031)
p["price_shock_years"] = np.uint8(2)
p["manufacturing_region"] = "eu"
p["use_region"] = np.array(b"norway", dtype=h5py.string_dtype("ascii"))
p["chemistry_mix"] = np.array([0.5, 0.5], dtype=np.float32)
p["chemistry_mix"].attrs["chemistries"] = ["LFP", "NA_ION"]
p["chemistry_mix"].attrs["unit"] = ""
p["battery_size"] = 75
p["battery_size"].attrs["unit"] = "kWh"
p["ev_share_ceiling"] = np.array(90, dtype=">i2")
p["ev_share_ceiling"].attrs["unit"] = "%"
p["annual_km"] = np.array(12_500.5, dtype=">f8")
p["annual_km"].attrs["unit"] = "km/yr"
""")
    doc = _both(path)
    assert doc.title == "Écrit par un script" and doc.author == "ascii author"
    assert doc.notes == "line one\nline two" and doc.created == "2026-01-02T02:04:05Z"
    values = doc.parameters
    assert values["renewable_share"] == 62.5 and type(values["renewable_share"]) is float
    assert values["price_shock_year"] == 2031 and type(values["price_shock_year"]) is int
    assert values["price_shock_years"] == 2
    assert values["manufacturing_region"] == "eu" and values["use_region"] == "norway"
    assert values["chemistry_mix"]["NA_ION"] == 0.5
    assert values["battery_size"] == 75.0 and type(values["battery_size"]) is float
    assert values["ev_share_ceiling"] == 90.0 and values["annual_km"] == 12_500.5
    assert ("The file gives no unit for manufacturing_region, price_shock_year, price_shock_years "
            "and 2 more; EV Explorer's units are assumed.") in doc.warnings
    assert doc.warnings[0] == f"The file sets 9 of the {len(PARAMETERS)} levers; the others " \
                              "take their defaults."


def test_stored_results_without_units_take_the_registrys(tmp_path):
    good = save_default(tmp_path / "good.evx")

    def edit(f):
        del f["results/pack_cost"].attrs["unit"]
        del f["results/scalars/cost_parity_year"].attrs["unit"]
        f["results/mystery"] = np.ones(26)  # an unknown series without a unit

    doc = open_scenario(edited_copy(good, tmp_path / "s.evx", edit), isolated=False)
    assert doc.results.units["pack_cost"] == SERIES["pack_cost"].unit
    assert doc.results.units["cost_parity_year"] == "year"
    assert "mystery" not in doc.results.series
    assert "The file's stored result 'mystery' has no unit; it was ignored." in doc.warnings
    assert ("The file gives no unit for results/pack_cost and results/scalars/cost_parity_year; "
            "EV Explorer's units are assumed.") in doc.warnings


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_a_newer_format_written_by_a_script_says_so(tmp_path, isolated):
    path = _script(tmp_path, """
f.attrs["format"] = "evexplorer-scenario"
f.attrs["format_version"] = 2
f.attrs["min_app_version"] = "0.5"
for i in range(40):   # more attributes than version 1 allows: still read as 'newer'
    f.attrs[f"new{i}"] = [1, 2, 3]
f.create_dataset("parameters/lithium_price", data=[1.0], compression="lzf")
f["parameters"].attrs["kind"] = h5py.Empty("f8")
""")
    message = refused(path, "newer-version", isolated=isolated)
    assert message.startswith("This file was made by a newer EV Explorer (format 2); version "
                              "0.5 or later is needed to open it")


def test_a_foreign_file_with_variable_length_text_is_not_a_scenario(tmp_path):
    path = _script(tmp_path, 'f.attrs["format"] = "anndata"\nf["X"] = ["a", "b"]\n')
    assert "not an EV Explorer scenario" in refused(path, "not-scenario")


# -- hostile variable-length text -----------------------------------------------------------------


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return save_default(tmp_path_factory.mktemp("vlen") / "good.evx")


@pytest.mark.parametrize(("edit", "code", "words"), [
    (lambda f: f.attrs.__setitem__("title", ["t"] * (fmt.MAX_VLEN_ATTRIBUTE_ITEMS + 1)),
     "attribute-too-large", "17 texts"),
    (lambda f: f.attrs.__setitem__("notes", "n" * fmt.MAX_STRING_BYTES), "string-too-long",
     "text of 64.0 KiB"),
    (lambda f: f.attrs.__setitem__("notes", ["n" * 40_000, "m" * 40_000]),
     "attribute-too-large", "attribute of 78.1 KiB"),
    (lambda f: f.create_dataset("parameters/big", data=["x"] * (fmt.MAX_VLEN_DATASET_ITEMS + 1),
                                dtype=h5py.string_dtype()), "dataset-too-large", "4,097 texts"),
    (lambda f: f.create_dataset("parameters/big", data=["y" * 4000] * 300,
                                dtype=h5py.string_dtype()), "dataset-too-large",
     "more than a scenario file allows (1.0 MiB)"),
    (lambda f: f.create_dataset("parameters/bad", data=np.array(b"\xff\xfe", dtype=h5py.
                                                               string_dtype("ascii"))),
     "damaged", "not valid UTF-8"),
], ids=["attribute-items", "long-text", "attribute-size", "dataset-items", "dataset-size",
        "not-utf8"])
def test_variable_length_text_is_held_to_the_limits(good, tmp_path, edit, code, words):
    path = edited_copy(good, tmp_path / "s.evx", edit)
    assert words in refused(path, code)


def _with_vlen_title(tmp_path: Path, good: Path, length: int) -> Path:
    """A copy whose variable-length title claims ``length`` bytes in its stored reference."""
    path = edited_copy(good, tmp_path / "s.evx",
                       lambda f: f.attrs.__setitem__("title", "HELLO-WORLD-12345"))
    data = bytearray(path.read_bytes())
    heaps = [i for i in range(len(data)) if data.startswith(b"GCOL", i)]
    needles = [struct.pack("<I", 17) + struct.pack("<Q", h) for h in heaps]
    found = [data.find(n) for n in needles if data.find(n) >= 0]
    assert found, "the variable-length reference was not found"
    data[found[0]:found[0] + 4] = struct.pack("<I", length)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("length", [1_000, 1 << 20, 0x7FFF_FFF0])
@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_a_variable_length_text_claiming_another_size_is_refused(good, tmp_path, length,
                                                                  isolated):
    """HDF5 checks the claimed size against the stored text; a huge claim may first fail to
    get its memory (the child's limit): either way one sentence, and nothing is read."""
    path = _with_vlen_title(tmp_path, good, length)
    with pytest.raises(ScenarioFileError) as info:
        open_scenario(path, isolated=isolated)
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")
    if info.value.code == "memory":
        assert length > 1 << 20 and "memory" in message
    else:
        assert info.value.code == "damaged"
        assert message == "This file is damaged: the HDF5 library could not read '/ (attribute " \
                          "title)'." or message.startswith("This file is damaged")

"""Hostile and broken files: each is refused with one clear sentence, before any value is used.

Every file here is built with h5py the way an attacker or a broken tool would.
Most go through the in-process parser (same checks, faster); a few go through
the child process too, to show that its refusals reach the caller unchanged.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import h5py
import numpy as np
import pytest
from test_scenario_support import edited_copy, fixed_text, replace_dataset, save_default

from evexplorer.scenario import ScenarioFileError, open_scenario
from evexplorer.scenario import format as fmt
from evexplorer.scenario.safe_hdf5 import read_tree

SECRET = b"the content of another file on the recipient's disk"


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return save_default(tmp_path_factory.mktemp("good") / "good.evx", lithium_price=20_000)


@pytest.fixture
def secret(tmp_path) -> Path:
    """Another file on the recipient's disk that a hostile scenario tries to read."""
    path = tmp_path / "secret.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.frombuffer(SECRET, dtype=np.uint8).astype(float)
    (tmp_path / "secret.bin").write_bytes(SECRET)
    return path


def refused(path: Path, code: str, *, isolated: bool = False) -> str:
    """Open ``path``; check it is refused with ``code``; return the sentence."""
    with pytest.raises(ScenarioFileError) as info:
        open_scenario(path, isolated=isolated)
    message = str(info.value)
    assert info.value.code == code, message
    assert "\n" not in message and "Traceback" not in message
    assert message.endswith((".", "?")) and message[0].isupper()
    assert SECRET.decode() not in message
    return message


def test_the_good_file_opens(good):
    doc = open_scenario(good, isolated=False)
    assert doc.parameters["lithium_price"] == 20_000 and doc.checksum_ok and not doc.warnings


# -- links, external data, filters ----------------------------------------------------------------


@pytest.mark.parametrize("where", ["parameters/lithium_price", "extra"])
def test_external_link_is_refused(good, secret, tmp_path, where):
    def edit(f):
        if where in f:
            del f[where]
        f[where] = h5py.ExternalLink(str(secret), "/x")

    path = edited_copy(good, tmp_path / "s.evx", edit)
    with h5py.File(path, "r") as f:  # the danger is real: a naive reader follows the link
        assert bytes(f[where][()].astype(np.uint8)) == SECRET
    assert "another file" in refused(path, "external-link")


def test_soft_link_is_refused(good, tmp_path):
    def edit(f):
        del f["parameters/nickel_price"]
        f["parameters/nickel_price"] = h5py.SoftLink("/parameters/cobalt_price")

    assert "soft link" in refused(edited_copy(good, tmp_path / "s.evx", edit), "soft-link")


def test_external_storage_dataset_is_refused(good, tmp_path, secret):
    def edit(f):
        del f["parameters/lithium_price"]
        f.create_dataset("parameters/lithium_price", shape=(len(SECRET),), dtype="u1",
                          external=[(str(tmp_path / "secret.bin"), 0, len(SECRET))])

    path = edited_copy(good, tmp_path / "s.evx", edit)
    with h5py.File(path, "r") as f:
        assert bytes(f["parameters/lithium_price"][()]) == SECRET
    assert "external storage" in refused(path, "external-storage")


def test_virtual_dataset_is_refused(good, tmp_path, secret):
    def edit(f):
        layout = h5py.VirtualLayout(shape=(len(SECRET),), dtype=float)
        layout[:] = h5py.VirtualSource(str(secret), "x", shape=(len(SECRET),))
        del f["results/pack_cost"]
        f.create_virtual_dataset("results/pack_cost", layout)

    path = edited_copy(good, tmp_path / "s.evx", edit)
    with h5py.File(path, "r") as f:
        assert bytes(f["results/pack_cost"][()].astype(np.uint8)) == SECRET
    assert "virtual dataset" in refused(path, "virtual-dataset")


def test_a_filter_other_than_deflate_shuffle_fletcher32_is_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: replace_dataset(
        f, "results/pack_cost", f["results/pack_cost"][()], compression="lzf"))
    assert "lzf" in refused(path, "filter")


def test_standard_filters_are_read_by_our_own_bounded_decoder(good, tmp_path):
    pack = np.linspace(100.0, 50.0, 26)

    def edit(f):
        replace_dataset(f, "results/pack_cost", pack, chunks=(7,), compression="gzip",
                        shuffle=True, fletcher32=True)

    path = edited_copy(good, tmp_path / "s.evx", edit)
    doc = open_scenario(path, isolated=False)
    np.testing.assert_array_equal(doc.results.series["pack_cost"], pack)
    assert not doc.checksum_ok  # the numbers changed after saving, and the checksum says so


def test_named_datatype_is_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx",
                       lambda f: f.__setitem__("parameters/kind", np.dtype("<f8")))
    assert "named data type" in refused(path, "object-kind")


def test_an_object_under_two_names_is_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: f.__setitem__(
        "results/copy", f["results"]))  # a hard link to its own parent: a cycle
    assert "another name" in refused(path, "damaged")


# -- references and unusual types -----------------------------------------------------------------


def test_object_references_are_refused(good, tmp_path):
    def edit(f):
        f["parameters"].attrs.create("ref", f["results"].ref, dtype=h5py.ref_dtype)

    assert "references" in refused(edited_copy(good, tmp_path / "s.evx", edit), "reference")


def test_region_references_are_refused(good, tmp_path):
    def edit(f):
        dataset = f["results/pack_cost"]
        f.create_dataset("results/region", data=dataset.regionref[0:3],
                         dtype=h5py.regionref_dtype)

    assert "references" in refused(edited_copy(good, tmp_path / "s.evx", edit), "reference")


def test_variable_length_text_in_blocks_or_tables_is_refused(good, tmp_path):
    def chunked(f):
        f.create_dataset("parameters/notes2", data=["a", "b"], chunks=(1,),
                         dtype=h5py.string_dtype())

    assert "in blocks" in refused(edited_copy(good, tmp_path / "a.evx", chunked),
                                  "variable-string")

    def table(f):
        f.create_dataset("parameters/notes2", data=[["a", "b"], ["c", "d"]],
                         dtype=h5py.string_dtype())

    assert "table of variable-length texts" in refused(
        edited_copy(good, tmp_path / "b.evx", table), "type")


@pytest.mark.parametrize("dtype", [
    np.dtype([("a", "<f8"), ("b", "<i4")]),
    h5py.enum_dtype({"low": 0, "high": 1}, basetype="i1"),
    h5py.vlen_dtype(np.float64),
    np.dtype("V8"),
    np.dtype("<f2"),
], ids=["compound", "enum", "vlen", "opaque", "float16"])
def test_unusual_types_are_refused(good, tmp_path, dtype):
    def edit(f):
        if dtype.kind == "O":
            f.create_dataset("parameters/mode_shift2", shape=(1,), dtype=dtype)
        else:
            f.create_dataset("parameters/mode_shift2", shape=(2,), dtype=dtype)

    refused(edited_copy(good, tmp_path / "s.evx", edit), "type")


def test_an_empty_dataspace_is_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: f.attrs.__setitem__(
        "extra", h5py.Empty("f8")))
    assert "empty value" in refused(path, "type")


# -- size caps, checked before data is read -------------------------------------------------------


def test_a_gzip_bomb_is_refused_from_its_declared_size(tmp_path, good):
    """2 GiB of zeros in about 2 MiB: 2,048 chunks of 1 MiB, each a 1 KiB deflate stream."""
    chunk = 1 << 17  # float64 values per 1 MiB chunk
    stream = zlib.compress(bytes(8 * chunk), 9)

    def edit(f):
        del f["results/pack_cost"]
        dataset = f.create_dataset("results/pack_cost", shape=(2048 * chunk,), dtype="<f8",
                                   chunks=(chunk,), compression="gzip")
        for i in range(2048):
            dataset.id.write_direct_chunk((i * chunk,), stream)
        dataset.attrs["unit"] = fixed_text("USD/kWh")

    path = edited_copy(good, tmp_path / "bomb.evx", edit)
    assert path.stat().st_size < 4 * fmt.MiB
    message = refused(path, "dataset-too-large")
    assert "2.0 GiB" in message


def test_a_chunk_that_inflates_beyond_its_declared_size_is_refused(tmp_path, good):
    """A 208-byte chunk holding a 64 MiB deflate stream: HDF5's own filter would inflate it all."""
    def edit(f):
        del f["results/pack_cost"]
        dataset = f.create_dataset("results/pack_cost", shape=(26,), dtype="<f8", chunks=(26,),
                                   compression="gzip")
        dataset.id.write_direct_chunk((0,), zlib.compress(bytes(64 << 20), 9))
        dataset.attrs["unit"] = fixed_text("USD/kWh")

    message = refused(edited_copy(good, tmp_path / "s.evx", edit), "decompression-bomb")
    assert "expands beyond its declared size" in message


def test_an_oversized_dataset_is_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: f.create_dataset(
        "results/huge", shape=(fmt.MAX_DATASET_BYTES // 8 + 1,), dtype="<f8", chunks=(1024,),
        compression="gzip"))
    assert "more than a scenario file allows" in refused(path, "dataset-too-large")


def test_oversized_chunks_are_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: f.create_dataset(
        "results/huge", shape=(10,), maxshape=(None,), dtype="<f8",
        chunks=(fmt.MAX_DATASET_BYTES // 8 + 1,)))
    assert "blocks of" in refused(path, "dataset-too-large")


def test_an_oversized_attribute_is_refused(good, tmp_path):
    path = tmp_path / "s.evx"
    path.write_bytes(good.read_bytes())
    with h5py.File(path, "r+", libver="latest") as f:  # a new group, with dense attributes
        f.create_group("results/big").attrs["huge"] = np.zeros(fmt.MAX_ATTRIBUTE_BYTES // 8 + 1)
    assert "attribute of" in refused(path, "attribute-too-large")


def test_an_overlong_text_is_refused(good, tmp_path):
    def edit(f):
        replace_dataset(f, "parameters/price_shock_mineral", fixed_text(
            "none" + " " * fmt.MAX_STRING_BYTES), unit="")

    assert "text of" in refused(edited_copy(good, tmp_path / "s.evx", edit), "string-too-long")


def test_too_many_objects_too_deep_too_many_attributes_are_refused(good, tmp_path):
    def many(f):
        for i in range(fmt.MAX_LINKS_PER_GROUP + 1):
            f.create_group(f"parameters/g{i}")

    refused(edited_copy(good, tmp_path / "a.evx", many), "too-many-objects")

    def deep(f):
        f.create_group("/".join(["results"] + [f"d{i}" for i in range(fmt.MAX_DEPTH + 1)]))

    refused(edited_copy(good, tmp_path / "b.evx", deep), "too-deep")

    def attrs(f):
        for i in range(fmt.MAX_ATTRIBUTES + 1):
            f["results"].attrs[f"a{i}"] = np.float64(i)

    refused(edited_copy(good, tmp_path / "c.evx", attrs), "too-many-attributes")

    def spread(f):
        for i in range(fmt.MAX_OBJECTS // 400 + 1):
            group = f.create_group(f"results/spread{i}")
            for j in range(400):
                group.create_group(f"g{j}")

    refused(edited_copy(good, tmp_path / "d.evx", spread), "too-many-objects")


def test_a_file_larger_than_any_scenario_is_refused_unread(tmp_path):
    path = tmp_path / "big.evx"
    with open(path, "wb") as fh:
        fh.write(fmt.HDF5_SIGNATURE)
        fh.truncate(fmt.MAX_FILE_BYTES + 1)
    assert "far larger than any scenario" in refused(path, "file-too-large")


# -- not a scenario, or not one of ours -----------------------------------------------------------


def test_not_hdf5_empty_missing_and_folders_are_refused(tmp_path, monkeypatch):
    text = tmp_path / "notes.evx"
    text.write_text("lithium_price=30000\n")
    assert "not an HDF5 file" in refused(text, "not-hdf5")
    assert "not an HDF5 file" in refused(text, "not-hdf5", isolated=True)
    empty = tmp_path / "empty.evx"
    empty.touch()
    assert "empty" in refused(empty, "empty")
    assert "does not exist" in refused(tmp_path / "missing.evx", "not-found")
    assert refused(tmp_path, "not-a-file") == f"The folder '{tmp_path}' is not a scenario file."
    relative = tmp_path / "relative.evx"
    relative.mkdir()
    monkeypatch.chdir(tmp_path)
    assert refused(Path("relative.evx"), "not-a-file") == (
        "The folder 'relative.evx' is not a scenario file.")


def test_an_hdf5_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "anndata"  # variable-length, as other tools write
        f["X"] = np.ones((3, 3))
    assert "not an EV Explorer scenario" in refused(path, "not-scenario")


def test_a_wrong_format_attribute_is_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: f.attrs.__setitem__(
        "format", fixed_text("evexplorer-session")))
    assert "not an EV Explorer scenario" in refused(path, "not-scenario")


def test_a_newer_format_version_names_the_version_needed(good, tmp_path):
    def edit(f):
        f.attrs["format_version"] = np.int64(3)
        f.attrs["min_app_version"] = fixed_text("0.4")
        f.create_dataset("parameters/newfangled", data=np.zeros(3), compression="lzf")

    message = refused(edited_copy(good, tmp_path / "s.evx", edit), "newer-version")
    assert message.startswith("This file was made by a newer EV Explorer (format 3); "
                              "version 0.4 or later is needed to open it")
    message = refused(edited_copy(good, tmp_path / "t.evx", lambda f: (
        f.attrs.__setitem__("format_version", np.int64(2)),
        f.attrs.__setitem__("min_app_version", fixed_text("see www.example.com")))),
        "newer-version")
    assert "format 2" in message and "a newer version is needed" in message
    assert "example" not in message


@pytest.mark.parametrize("value", [np.float64(1.0), fixed_text("1"), np.int64(0)],
                         ids=["float", "text", "zero"])
def test_a_broken_format_version_is_refused(good, tmp_path, value):
    path = edited_copy(good, tmp_path / "s.evx",
                       lambda f: f.attrs.__setitem__("format_version", value))
    assert refused(path, "damaged").startswith("This file is damaged: ")


# -- the schema: values, types, units -------------------------------------------------------------


@pytest.mark.parametrize(("lever", "value", "expected"), [
    ("lithium_price", np.nan, "got nan"),
    ("lithium_price", np.inf, "got inf"),
    ("lithium_price", 1.0e6, "3,000 to 150,000 USD/t LCE"),
    ("mode_shift", -1.0, "mode_shift"),
    ("price_shock_year", np.int64(1999), "2025 to 2060"),
    ("price_shock_years", 2.5, "whole number"),
])
def test_invalid_lever_values_are_refused(good, tmp_path, lever, value, expected):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: replace_dataset(
        f, f"parameters/{lever}", value))
    message = refused(path, "bad-value")
    assert message.startswith("This file sets a value that is not allowed: ")
    assert expected in message


def test_invalid_choices_and_mixes_are_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "a.evx", lambda f: replace_dataset(
        f, "parameters/use_region", fixed_text("atlantis"), unit=""))
    assert "use_region" in refused(path, "bad-value")

    def mix(shares, ids):
        def edit(f):
            replace_dataset(f, "parameters/chemistry_mix", np.asarray(shares, float), unit="")
            f["parameters/chemistry_mix"].attrs["chemistries"] = np.array(
                [i.encode() for i in ids], dtype=h5py.string_dtype("utf-8", 12))
        return edit

    for name, shares, ids, code in [
        ("sum", [0.5, 0.2], ["LFP", "NMC811"], "bad-value"),
        ("negative", [1.5, -0.5], ["LFP", "NMC811"], "bad-value"),
        ("unknown", [1.0], ["UNOBTAINIUM"], "bad-value"),
        ("twice", [0.5, 0.5], ["LFP", "LFP"], "bad-value"),
        ("nan", [np.nan, 1.0], ["LFP", "NMC811"], "bad-value"),
    ]:
        refused(edited_copy(good, tmp_path / f"mix-{name}.evx", mix(shares, ids)), code)
    # Shares of only some chemistries are fine: the others are 0.
    doc = open_scenario(edited_copy(good, tmp_path / "mix-ok.evx",
                                    mix([0.25, 0.75], ["NA_ION", "LFP"])), isolated=False)
    assert doc.parameters["chemistry_mix"]["LFP"] == 0.75
    assert doc.parameters["chemistry_mix"]["NMC622"] == 0.0


def test_levers_that_do_not_fit_together_are_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: (
        replace_dataset(f, "parameters/start_year", np.int64(2040)),
        replace_dataset(f, "parameters/end_year", np.int64(2035))))
    assert "end_year" in refused(path, "bad-value")


@pytest.mark.parametrize(("lever", "value"), [
    ("lithium_price", fixed_text("30000")),
    ("lithium_price", np.array([10_000.0, 20_000.0])),
    ("price_shock_mineral", np.float64(1.0)),
    ("chemistry_mix", np.float64(1.0)),
], ids=["text-for-number", "array-for-number", "number-for-choice", "number-for-mix"])
def test_levers_of_the_wrong_type_are_refused(good, tmp_path, lever, value):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: replace_dataset(
        f, f"parameters/{lever}", value))
    assert "wrong form" in refused(path, "wrong-type")


def test_a_lever_group_instead_of_a_value_is_refused(good, tmp_path):
    def edit(f):
        del f["parameters/mode_shift"]
        f.create_group("parameters/mode_shift")

    refused(edited_copy(good, tmp_path / "s.evx", edit), "wrong-type")


def test_a_lever_in_another_unit_is_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: f["parameters/lithium_price"].attrs
                       .__setitem__("unit", fixed_text("USD/kg")))
    message = refused(path, "unit")
    assert "'USD/kg'" in message and "'USD/t LCE'" in message


def test_missing_lever_group_and_broken_results_are_refused(good, tmp_path):
    refused(edited_copy(good, tmp_path / "a.evx", lambda f: f.__delitem__("parameters")),
            "damaged")
    refused(edited_copy(good, tmp_path / "b.evx", lambda f: f.__delitem__("results/years")),
            "damaged")
    refused(edited_copy(good, tmp_path / "c.evx", lambda f: replace_dataset(
        f, "results/pack_cost", np.ones(5))), "damaged")
    refused(edited_copy(good, tmp_path / "d.evx", lambda f: replace_dataset(
        f, "results/years", np.array([2025, 2027, 2026, *range(2028, 2051)]))), "damaged")
    refused(edited_copy(good, tmp_path / "f.evx", lambda f: f.attrs.__setitem__(
        "title", np.float64(1))), "wrong-type")


# -- reported, not refused ------------------------------------------------------------------------


def test_an_unknown_lever_is_reported_and_ignored(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: replace_dataset(
        f, "parameters/warp_drive", np.float64(9.0), unit="c"))
    doc = open_scenario(path, isolated=False)
    assert "warp_drive" not in doc.parameters
    assert doc.warnings[0] == "The file sets an unknown lever 'warp_drive'; it was ignored."
    assert doc.parameters["lithium_price"] == 20_000


def test_a_missing_lever_takes_its_default_and_the_user_is_told(good, tmp_path):
    def edit(f):
        del f["parameters/mode_shift"]
        del f["parameters/chemistry_mix"]

    doc = open_scenario(edited_copy(good, tmp_path / "s.evx", edit), isolated=False)
    from evexplorer.model import PARAMETERS

    assert doc.parameters["mode_shift"] == PARAMETERS["mode_shift"].default
    assert dict(doc.parameters["chemistry_mix"]) == pytest.approx(
        PARAMETERS["chemistry_mix"].default)
    assert "The file does not set 'mode_shift'; the default 0 % is used." in doc.warnings
    from evexplorer.model.labels import lever_value

    mix = lever_value("chemistry_mix", PARAMETERS["chemistry_mix"].default)  # "LFP 48 %, …"
    assert f"The file does not set 'chemistry_mix'; the default {mix} is used." in doc.warnings
    assert not doc.checksum_ok


def test_a_checksum_mismatch_is_detected_and_named(good, tmp_path):
    def edit(f):
        f["parameters/lithium_price"][()] = 21_000.0  # still a valid value

    doc = open_scenario(edited_copy(good, tmp_path / "s.evx", edit), isolated=False)
    assert doc.parameters["lithium_price"] == 21_000
    assert doc.checksum_ok is False
    assert any("checksum does not match" in w and "damaged or changed" in w
               for w in doc.warnings)
    doc = open_scenario(edited_copy(good, tmp_path / "t.evx", lambda f: f.attrs.__delitem__(
        "checksum")), isolated=False)
    assert doc.checksum_ok is False and any("no checksum" in w for w in doc.warnings)
    # Editing the title does not touch the checksum.
    doc = open_scenario(edited_copy(good, tmp_path / "u.evx", lambda f: f.attrs.__setitem__(
        "title", fixed_text("Renamed"))), isolated=False)
    assert doc.checksum_ok and doc.title == "Renamed"


def test_unknown_extras_are_ignored(good, tmp_path):
    def edit(f):
        f.attrs["future"] = np.int64(7)
        f.create_group("history").attrs["n"] = np.int64(2)
        replace_dataset(f, "results/new_series", np.ones(26), unit="kt")

    doc = open_scenario(edited_copy(good, tmp_path / "s.evx", edit), isolated=False)
    assert doc.warnings == ("The file's checksum does not match its levers and results: it was "
                            "damaged or changed after it was saved, so check the numbers.",)
    assert doc.results.units["new_series"] == "kt"


def test_a_bad_time_is_reported(good, tmp_path):
    doc = open_scenario(edited_copy(good, tmp_path / "s.evx", lambda f: f.attrs.__setitem__(
        "created", fixed_text("yesterday"))), isolated=False)
    assert doc.created is None and any("'yesterday'" in w for w in doc.warnings)


# -- the same refusals through the child process --------------------------------------------------


def test_refusals_reach_the_caller_from_the_child_process(good, secret, tmp_path):
    def edit(f):
        f["extra"] = h5py.ExternalLink(str(secret), "/x")

    path = edited_copy(good, tmp_path / "s.evx", edit)
    assert refused(path, "external-link") == refused(path, "external-link", isolated=True)


def test_plugin_loading_is_off_after_a_parse(good):
    h5py.h5pl.append(b"/nonexistent/plugins")
    read_tree(good.read_bytes())
    assert h5py.h5pl.size() == 0


def test_the_file_is_read_without_locking_and_not_kept_open(good, tmp_path):
    import os

    path = tmp_path / "held.evx"
    path.write_bytes(good.read_bytes())
    with h5py.File(path, "a"):  # another program holds it open for writing, with a lock
        doc = open_scenario(path, isolated=False)
    assert doc.parameters["lithium_price"] == 20_000
    if Path("/proc/self/fd").exists():
        open_files = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
        assert str(path.resolve()) not in open_files


def test_names_that_would_break_a_message_are_refused(good, tmp_path):
    path = edited_copy(good, tmp_path / "s.evx", lambda f: replace_dataset(
        f, "parameters/line\nbreak", np.float64(1.0), unit=""))
    assert "not valid text" in refused(path, "damaged")

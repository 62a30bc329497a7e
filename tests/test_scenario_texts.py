"""Titles, authors and notes up to the documented 65,535 bytes save and read back; every failure
of a save is one ScenarioFileError, and the previous file is kept."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import pytest
from test_scenario_support import ARCHIVE, save_default

from evexplorer import _atomic
from evexplorer.model import evaluate
from evexplorer.scenario import ScenarioFileError, open_scenario, save_scenario, writer
from evexplorer.scenario import format as fmt

ROOT = Path(__file__).resolve().parents[1]

#: Around the sizes where the writer used to fail: from 65,496 bytes it built a file it could
#: not read back (an object-header message HDF5 mis-aligned), from 65,503 HDF5 refused the
#: attribute (OSError), and 65,535 is the documented limit.
SIZES = [65_495, 65_496, 65_502, 65_503, 65_535]


def _text(size: int) -> str:
    """``size`` bytes of UTF-8 with two- and three-byte characters in them."""
    body = "Notes € é\n" * (size // 15)
    body = body.encode("utf-8")[: size - 3].decode("utf-8", "ignore")
    return body + "x" * (size - len(body.encode("utf-8")))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("field", ["title", "author", "notes"])
def test_a_long_text_saves_and_reads_back(tmp_path, field, size):
    text = _text(size)
    assert len(text.encode("utf-8")) == size
    path = tmp_path / "long.evx"
    results = evaluate({"mode_shift": 12})
    save_scenario(path, results.parameters, results, **{field: text})
    doc = open_scenario(path, isolated=False)
    assert getattr(doc, field) == text
    assert doc.checksum_ok and doc.warnings == ()
    assert doc.parameters["mode_shift"] == 12


def test_three_texts_at_the_limit_read_back_in_the_isolated_reader(tmp_path):
    texts = {"title": _text(65_535), "author": "Ø" * 32_767 + "a", "notes": "€" * 21_845}
    assert {len(t.encode("utf-8")) for t in texts.values()} == {65_535}
    path = save_default(tmp_path / "seed.evx")
    doc = open_scenario(path, isolated=False)
    save_scenario(path, doc.parameters, None, created=doc.created, **texts)
    isolated = open_scenario(path)
    assert (isolated.title, isolated.author, isolated.notes) == tuple(texts.values())
    assert isolated.checksum_ok and isolated.warnings == ()


def test_a_text_one_byte_over_the_limit_is_refused_and_nothing_is_written(tmp_path):
    previous = save_default(tmp_path / "s.evx")
    before = previous.read_bytes()
    with pytest.raises(ScenarioFileError) as info:
        save_scenario(previous, {}, None, notes="€" * 21_845 + "x")
    assert info.value.code == "text-too-long"
    assert str(info.value) == ("The notes is too long to save (65,536 bytes; at most 65,535 "
                               "bytes of text).")
    assert previous.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


def test_long_texts_are_ordinary_fixed_length_attributes_that_every_version_1_reader_reads(
        tmp_path):
    """Dense attribute storage changes where HDF5 keeps an attribute, not what it is: the type
    and size the specification gives, within the limits of EV Explorer 0.1.0's reader."""
    path = save_default(tmp_path / "s.evx")
    save_scenario(path, {}, None, notes="€" * 21_845, title="short")
    with h5py.File(path, "r") as f:
        for name, size in (("notes", 65_536), ("title", 6)):
            tid = f.attrs.get_id(name).get_type()
            assert tid.get_class() == h5py.h5t.STRING and not tid.is_variable_str()
            assert tid.get_size() == size and tid.get_cset() == h5py.h5t.CSET_UTF8
        assert f.attrs["notes"].decode("utf-8") == "€" * 21_845
        assert int(f.attrs["format_version"]) == 1
    assert fmt.MAX_STRING_BYTES == fmt.MAX_ATTRIBUTE_BYTES == 65_536  # 0.1.0's limits too


@pytest.mark.parametrize("field", ["title", "notes"])
def test_the_format_name_stays_in_the_first_4_kib_however_long_the_texts(tmp_path, field):
    """File managers recognise a scenario without its name by 'evexplorer-scenario' in the
    first 4 KiB (packaging/linux/evexplorer-mime.xml)."""
    path = tmp_path / "s.evx"
    for size in (0, 5_000, 65_535):
        save_scenario(path, {}, evaluate(), **{field: "n" * size})
        head = path.read_bytes()[:4096]
        assert b"evexplorer-scenario" in head, size


def test_the_archived_file_with_texts_at_the_limit_opens():
    doc = open_scenario(ARCHIVE / "v1-long-texts.evx")
    assert doc.checksum_ok and doc.warnings == () and doc.results is None
    assert doc.title == "T" * 200 + "é" * 32_667 + "x"
    assert doc.author == "Ørsted " * 8191 + "Zzzzzzz"
    assert doc.notes == "€" * 21_845
    assert doc.parameters["mode_shift"] == 15
    assert doc.created == "2026-11-30T12:30:00Z"


@pytest.mark.skipif(shutil.which("h5dump") is None, reason="h5dump (Debian hdf5-tools) missing")
def test_h5dump_reads_texts_at_the_limit():
    out = subprocess.run(["h5dump", "-a", "/notes", str(ARCHIVE / "v1-long-texts.evx")],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    # h5dump escapes bytes beyond ASCII: each "€" (E2 82 AC) starts with the escape of 0xE2.
    assert "STRSIZE 65536;" in out and out.count("\\37777777742") == 21_845


def test_compute_save_with_notes_at_the_limit_prints_no_traceback(tmp_path):
    """The command line copies a file's notes into the saved file (used to be a traceback)."""
    target = tmp_path / "copy.evx"
    done = subprocess.run([sys.executable, "-m", "evexplorer", "compute",
                           str(ARCHIVE / "v1-long-texts.evx"), "--set", "mode_shift=20",
                           "--save", str(target)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr == f"Saved {target}\n"
    copy = open_scenario(target, isolated=False)
    assert copy.notes == "€" * 21_845 and copy.parameters["mode_shift"] == 20


# -- whatever fails while saving is one ScenarioFileError -----------------------------------------


@pytest.fixture
def previous(tmp_path) -> Path:
    return save_default(tmp_path / "scenario.evx", lithium_price=33_000)


def _fail_with(exc: BaseException):
    def fail(*args, **kwargs):
        raise exc
    return fail


@pytest.mark.parametrize(("where", "exc", "code", "words"), [
    ("hdf5_image", MemoryError(), "memory", "There was not enough memory to build the file"),
    ("hdf5_image", OSError("Unable to synchronously create attribute (object header message is "
                           "too large)"), "internal",
     "EV Explorer could not build the file (OSError: Unable to synchronously create attribute"),
    ("hdf5_image", RuntimeError("boom"), "internal", "could not build the file (RuntimeError"),
    ("_verify", KeyError("checksum"), "internal", "could not build the file (KeyError"),
    ("write_atomically", MemoryError(), "memory", "There was not enough memory"),
    ("write_atomically", UnicodeEncodeError("utf-8", "x", 0, 1, "bad"), "internal",
     "could not write the file"),
    ("build_tree", TypeError("unhashable"), "internal", "could not gather what to save"),
], ids=["memory-building", "hdf5-error", "runtime-error", "verify", "memory-writing",
        "writing", "gathering"])
def test_any_exception_while_saving_is_one_sentence_and_the_old_file_stays(
        previous, monkeypatch, where, exc, code, words):
    before = previous.read_bytes()
    target = _atomic if where == "write_atomically" else writer
    monkeypatch.setattr(target, where, _fail_with(exc))
    results = evaluate({"lithium_price": 77_000})
    with pytest.raises(ScenarioFileError) as info:
        save_scenario(previous, results.parameters, results, notes="x")
    message = str(info.value)
    assert info.value.code == code and words in message, message
    assert "\n" not in message and message.endswith(".")
    assert "nothing was saved" in message
    monkeypatch.undo()
    assert previous.read_bytes() == before
    assert [p.name for p in previous.parent.iterdir()] == [previous.name]

"""The command line's file parts: compute FILE, --save, info."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import pytest

from evexplorer.cli import EXIT_FILE_ERROR, main
from evexplorer.scenario import open_scenario

ARCHIVE = Path(__file__).resolve().parent / "data" / "scenarios"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_compute_save_then_info(tmp_path, capsys):
    path = tmp_path / "s.evx"
    status, out, err = run(capsys, "compute", "--set", "lithium_price=30000", "--set",
                           "chemistry_mix=LFP:0.7,NA_ION:0.3", "--save", str(path))
    assert (status, out, err) == (0, "", "")
    doc = open_scenario(path, isolated=False)
    assert doc.parameters["lithium_price"] == 30_000
    assert doc.parameters["chemistry_mix"]["NA_ION"] == pytest.approx(0.3)
    assert doc.results is not None and doc.checksum_ok
    status, out, err = run(capsys, "info", str(path))
    assert status == 0 and err == ""
    assert "Checksum:       OK" in out
    assert "lithium_price" in out and "30,000 USD/t LCE" in out and "(default 10,000" in out
    assert "chemistry_mix" in out and "They match this version's model." in out
    assert "format 1" in out and "model 2.0" in out


def test_compute_starts_from_the_file_and_set_overrides(tmp_path, capsys):
    status, out, _err = run(capsys, "compute", str(ARCHIVE / "v1-lfp-shock.evx"), "--set",
                            "renewable_share=10", "--json")
    assert status == 0
    document = json.loads(out)
    params = document["parameters"]
    assert params["price_shock_mineral"]["value"] == "lithium"  # from the file
    assert params["end_year"]["value"] == 2045
    assert params["renewable_share"]["value"] == 10  # from --set
    assert document["years"][-1] == 2045


def test_compute_file_save_keeps_title_author_notes_and_creation(tmp_path, capsys):
    path = tmp_path / "copy.evx"
    status, _out, _err = run(capsys, "compute", str(ARCHIVE / "v1-lfp-shock.evx"), "--set",
                             "mode_shift=20", "--save", str(path))
    assert status == 0
    copy = open_scenario(path, isolated=False)
    source = open_scenario(ARCHIVE / "v1-lfp-shock.evx", isolated=False)
    assert (copy.title, copy.author, copy.notes, copy.created) == (
        source.title, source.author, source.notes, source.created)
    assert copy.modified != source.modified
    assert copy.parameters["mode_shift"] == 20


def test_compute_prints_the_files_notes_on_stderr(tmp_path, capsys):
    path = tmp_path / "partial.evx"
    path.write_bytes((ARCHIVE / "v1-default.evx").read_bytes())
    with h5py.File(path, "r+") as f:
        del f["parameters/mode_shift"]
    status, out, err = run(capsys, "compute", str(path), "--csv", "-")
    assert status == 0 and out.startswith("year,")
    assert "evexplorer: note: The file does not set 'mode_shift'; the default 0 % is used." in err


@pytest.mark.parametrize("command", ["info", "compute"])
def test_a_refused_file_is_one_line_and_a_non_zero_status(tmp_path, capsys, command):
    bad = tmp_path / "bad.evx"
    bad.write_text("not a scenario")
    status, out, err = run(capsys, command, str(bad))
    assert status == EXIT_FILE_ERROR
    assert out == ""
    assert err == ("evexplorer: error: This file is not an EV Explorer scenario (it is not an "
                   "HDF5 file).\n")


def test_a_failed_save_is_one_line_and_a_non_zero_status(tmp_path, capsys):
    status, out, err = run(capsys, "compute", "--save", str(tmp_path / "missing" / "s.evx"))
    assert status == EXIT_FILE_ERROR and out == ""
    assert err.count("\n") == 1 and "does not exist" in err


def test_the_installed_command_refuses_a_malicious_file_without_a_traceback(tmp_path):
    secret = tmp_path / "secret.h5"
    with h5py.File(secret, "w") as f:
        f["x"] = [1.0, 2.0]
    hostile = tmp_path / "hostile.evx"
    hostile.write_bytes((ARCHIVE / "v1-default.evx").read_bytes())
    with h5py.File(hostile, "r+") as f:
        del f["parameters/lithium_price"]
        f["parameters/lithium_price"] = h5py.ExternalLink(str(secret), "/x")
    for command in ("info", "compute"):
        done = subprocess.run([sys.executable, "-m", "evexplorer", command, str(hostile)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == EXIT_FILE_ERROR
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("evexplorer: error: This file contains a link to another "
                                      "file ('/parameters/lithium_price', an external link)")

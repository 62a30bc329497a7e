"""The command line's file parts: compute FILE, --save, info."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import pytest

from evexplorer.cli import EXIT_BAD_INPUT, EXIT_FILE_ERROR, main
from evexplorer.scenario import open_scenario

ARCHIVE = Path(__file__).resolve().parent / "data" / "scenarios"
ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_compute_save_then_info(tmp_path, capsys):
    path = tmp_path / "s.evx"
    status, out, err = run(capsys, "compute", "--set", "lithium_price=30000", "--set",
                           "chemistry_mix=LFP:0.7,NA_ION:0.3", "--save", str(path))
    assert (status, out, err) == (0, "", f"Saved {path}\n")
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


# -- a command line that forgives -----------------------------------------------------------------


def _command(*argv: str, env: dict[str, str] | None = None, cwd: Path = ROOT
             ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evexplorer", *argv], capture_output=True,
                          text=True, timeout=120, env=env, cwd=cwd)


def _one_error_line(done: subprocess.CompletedProcess, status: int) -> str:
    assert done.returncode == status, (done.returncode, done.stderr)
    assert done.stdout == "" and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("evexplorer: error: "), done.stderr
    return lines[0].removeprefix("evexplorer: error: ")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland displays")
def test_the_window_without_a_display_is_one_line_and_a_hint(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    line = _one_error_line(_command(env=env), EXIT_FILE_ERROR)
    assert line == ("no display is available for the window (neither DISPLAY nor "
                    "WAYLAND_DISPLAY is set); use 'evexplorer compute' for the results, or "
                    "'evexplorer --screenshot PNG' to render the window to an image.")
    scenario = ARCHIVE / "v1-default.evx"
    assert _one_error_line(_command(str(scenario), env=env), EXIT_FILE_ERROR) == line


def test_no_display_is_detected_before_qt_is_imported(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    before = set(sys.modules)
    status = main([])
    assert status == EXIT_FILE_ERROR and "no display is available" in capsys.readouterr().err
    assert not {m for m in set(sys.modules) - before if m.startswith(("PySide6", "pyqtgraph"))}


@pytest.mark.parametrize(("word", "hint"), [
    ("comptue", "did you mean compute or compare?"),
    ("param", "did you mean params?"),
    ("infos", "did you mean info?"),
    ("frobnicate", "the commands are params, compute, info"),
])
def test_a_mistyped_command_is_not_taken_for_a_file(capsys, word, hint):
    status, out, err = run(capsys, word, "--set", "lithium_price=3")
    assert (status, out) == (EXIT_BAD_INPUT, "")
    assert err.startswith(f"evexplorer: error: '{word}' is neither a command nor an existing "
                          f"file; {hint}")
    assert err.count("\n") == 1


def test_a_missing_file_for_the_window_is_one_line(tmp_path, capsys):
    status, out, err = run(capsys, str(tmp_path / "missing.evx"))
    assert (status, out) == (EXIT_FILE_ERROR, "")
    assert err == f"evexplorer: error: The file '{tmp_path / 'missing.evx'}' does not exist.\n"


def test_an_existing_file_that_looks_like_a_command_is_opened(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "comptue").write_bytes((ARCHIVE / "v1-default.evx").read_bytes())
    opened = []
    import evexplorer.app

    monkeypatch.setattr(evexplorer.app, "run", lambda **kwargs: opened.append(kwargs) or 0)
    assert main(["comptue"]) == 0
    assert str(opened[0]["file"]) == "comptue"


@pytest.mark.parametrize(("value", "warned"), [
    ("0.8", True), ("1", True), ("0.05", True), ("80", False), ("0", False), ("1.5", False)])
def test_a_percentage_given_as_a_fraction_is_used_with_a_warning(capsys, value, warned):
    status, out, err = run(capsys, "compute", "--set", f"renewable_share={value}", "--json")
    assert status == 0
    assert json.loads(out)["parameters"]["renewable_share"]["value"] == float(value)
    expected = (f"evexplorer: warning: renewable_share={value} means {float(value):g} %; for "
                f"{float(value) * 100:g} % write {float(value) * 100:g}\n")
    assert err == (expected if warned else "")


def test_only_levers_in_percent_are_warned_about(capsys):
    status, _out, err = run(capsys, "compute", "--set", "demand_growth=0.5", "--set",
                            "scarcity_exponent=0.5", "--set", "recycling_rate=0.5", "--csv", "-")
    assert status == 0
    assert err == ("evexplorer: warning: recycling_rate=0.5 means 0.5 %; for 50 % write 50\n")


def test_save_adds_the_suffix_confirms_and_keeps_other_suffixes(tmp_path, capsys):
    status, out, err = run(capsys, "compute", "--save", str(tmp_path / "plain"))
    assert (status, out, err) == (0, "", f"Saved {tmp_path / 'plain.evx'}\n")
    assert open_scenario(tmp_path / "plain.evx", isolated=False).checksum_ok
    status, _out, err = run(capsys, "compute", "--save", str(tmp_path / "data.h5"))
    assert status == 0 and err == f"Saved {tmp_path / 'data.h5'}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.h5", "plain.evx"]


def test_save_refuses_to_replace_a_file_that_is_not_a_scenario_unless_forced(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    other = tmp_path / "measurements.h5"
    with h5py.File(other, "w") as f:
        f["x"] = [1.0]
    for target in (notes, other):
        before = target.read_bytes()
        status, out, err = run(capsys, "compute", "--save", str(target))
        assert (status, out) == (EXIT_FILE_ERROR, "")
        assert err == (f"evexplorer: error: '{target}' exists and is not an EV Explorer "
                       "scenario, so it was not replaced; use --force to replace it.\n")
        assert target.read_bytes() == before
    status, _out, err = run(capsys, "compute", "--save", str(notes), "--force")
    assert status == 0 and err == f"Saved {notes}\n"
    assert open_scenario(notes, isolated=False).checksum_ok


def test_save_replaces_a_scenario_without_asking(tmp_path, capsys):
    path = tmp_path / "s.evx"
    path.write_bytes((ARCHIVE / "v1-default.evx").read_bytes())
    status, _out, err = run(capsys, "compute", "--set", "mode_shift=5", "--save", str(path))
    assert status == 0 and err == f"Saved {path}\n"
    assert open_scenario(path, isolated=False).parameters["mode_shift"] == 5


@pytest.mark.parametrize(("argv", "status", "expected"), [
    (["info", "/tmp"], EXIT_FILE_ERROR, "The folder '/tmp' is not a scenario file."),
    (["compute", "--save", "/proc/x.evx"], EXIT_FILE_ERROR,
     "Cannot save 'x.evx': files cannot be created in the folder '/proc'."),
    (["compute", "--csv", "{tmp}/missing/x.csv"], EXIT_FILE_ERROR,
     "Cannot write 'x.csv': the folder '{tmp}/missing' does not exist."),
    (["compute", "--csv", "{tmp}"], EXIT_FILE_ERROR, "Cannot write '{name}': it is a folder."),
    (["compute", "--save", "{tmp}/missing/s.evx"], EXIT_FILE_ERROR,
     "Cannot save 's.evx': the folder '{tmp}/missing' does not exist."),
    (["info", "{tmp}/missing.evx"], EXIT_FILE_ERROR,
     "The file '{tmp}/missing.evx' does not exist."),
], ids=["info-folder", "save-proc", "csv-missing-folder", "csv-folder", "save-missing-folder",
        "info-missing"])
def test_every_file_error_names_the_right_path_and_reason(tmp_path, capsys, argv, status,
                                                          expected):
    if "/proc" in " ".join(argv) and not Path("/proc/self").is_dir():
        pytest.skip("needs /proc")
    fill = {"tmp": str(tmp_path), "name": tmp_path.name}
    code, out, err = run(capsys, *(a.format(**fill) for a in argv))
    assert (code, out) == (status, "")
    assert err == f"evexplorer: error: {expected.format(**fill)}\n"


def test_info_on_a_file_without_a_checksum_says_so(tmp_path, capsys):
    path = tmp_path / "s.evx"
    path.write_bytes((ARCHIVE / "v1-default.evx").read_bytes())
    with h5py.File(path, "r+") as f:
        del f.attrs["checksum"]
    status, out, _err = run(capsys, "info", str(path))
    assert status == 0
    assert ("Checksum:       none (the file has no checksum, so damage to it cannot be "
            "detected)") in out
    assert "DOES NOT MATCH" not in out


def test_an_unexpected_failure_is_still_one_line(monkeypatch, capsys):
    import evexplorer.cli.model as model

    monkeypatch.setattr(model, "_print_summary", lambda results: 1 / 0)
    status, out, err = run(capsys, "compute")
    assert (status, out) == (EXIT_FILE_ERROR, "")
    assert err == ("evexplorer: error: EV Explorer failed unexpectedly (ZeroDivisionError: "
                   "division by zero); please report this.\n")

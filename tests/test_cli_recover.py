"""``evexplorer recover``: list and clear the recovery copies, through the entry point and
in-process for the failure paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evexplorer import recovery
from evexplorer.cli import EXIT_BAD_INPUT, EXIT_FILE_ERROR, main
from evexplorer.session import Session

ROOT = Path(__file__).resolve().parents[1]


def command(*argv: str) -> subprocess.CompletedProcess:
    """``python -m evexplorer ARGV`` with this test's data folder (inherited)."""
    return subprocess.run([sys.executable, "-m", "evexplorer", *argv], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def kept_work(tmp_path: Path, title: str, lever: float, *, saved: bool) -> recovery.RecoveryCopy:
    """A recovery copy written by a process that has finished (as after a crash)."""
    s = Session()
    s.set("title", title)
    if saved:
        s.save(tmp_path / f"{title}.evx")
    s.set("lithium_price", lever)
    copy = recovery.write_copy(s, recovery.new_key())
    entry = json.loads(Path(copy.index_path).read_text(encoding="utf-8"))
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    entry["pid"] = done.pid  # the writer is gone
    Path(copy.index_path).write_text(json.dumps(entry), encoding="utf-8")
    return copy


def test_list_json_gives_path_original_time_and_title_newest_first(tmp_path):
    older = kept_work(tmp_path, "Older", 20_000.0, saved=True)
    entry = json.loads(Path(older.index_path).read_text(encoding="utf-8"))
    entry["saved_at"] = "2020-01-01T00:00:00Z"
    Path(older.index_path).write_text(json.dumps(entry), encoding="utf-8")
    newer = kept_work(tmp_path, "Newer", 30_000.0, saved=False)
    out = command("recover", "--list", "--json")
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert [set(item) for item in listed] == [{"path", "original", "saved_at", "title"}] * 2
    assert [item["title"] for item in listed] == ["Newer", "Older"]
    assert listed[0] == {"path": newer.path, "original": None, "saved_at": newer.saved_at,
                         "title": "Newer"}
    assert listed[1]["original"] == str(tmp_path / "Older.evx")
    assert listed[1]["saved_at"] == "2020-01-01T00:00:00Z"
    assert Path(listed[1]["path"]).parent == recovery.recovery_dir()


def test_list_without_json_is_a_table_naming_each_copy(tmp_path):
    copy = kept_work(tmp_path, "Squeeze", 30_000.0, saved=True)
    out = command("recover", "--list")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["Saved", "at", "Title", "Original", "file", "Recovery", "copy"]
    assert "Squeeze" in lines[1] and str(tmp_path / "Squeeze.evx") in lines[1]
    assert lines[1].endswith(copy.path) and " UTC " in lines[1]
    assert lines[-1].startswith("1 recovery copy;")


def test_an_empty_list_says_where_it_looked(capsys):
    assert main(["recover", "--list"]) == 0
    assert str(recovery.recovery_dir()) in capsys.readouterr().out
    assert main(["recover", "--list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_clear_removes_them_and_says_how_many(tmp_path):
    kept_work(tmp_path, "A", 20_000.0, saved=False)
    kept_work(tmp_path, "B", 25_000.0, saved=True)
    out = command("recover", "--clear")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Removed 2 recovery copies."
    assert recovery.list_copies() == []
    assert list(recovery.recovery_dir().iterdir()) == []
    again = command("recover", "--clear")
    assert again.stdout.strip() == "Removed 0 recovery copies."


def test_clear_keeps_the_copies_of_a_running_explorer(tmp_path):
    kept_work(tmp_path, "Gone", 20_000.0, saved=False)
    s = Session()
    s.set("lithium_price", 22_000.0)
    live = recovery.write_copy(s, recovery.new_key())  # written by this running process
    out = command("recover", "--clear")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("Removed 1 recovery copy; kept 1 of a running EV "
                                         "Explorer")
    assert [c.path for c in recovery.list_copies()] == [live.path]


@pytest.mark.parametrize("argv", [["recover"], ["recover", "--json"],
                                  ["recover", "--list", "--clear"],
                                  ["recover", "--clear", "--json"]])
def test_bad_arguments_are_one_line_and_status_2(argv, capsys):
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("evexplorer: error:")


def test_a_copy_that_cannot_be_removed_is_one_line_and_status_1(tmp_path, monkeypatch, capsys):
    kept_work(tmp_path, "Stuck", 20_000.0, saved=False)

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "unlink", refuse)
    assert main(["recover", "--clear"]) == EXIT_FILE_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Permission denied" in err[0]
    assert str(recovery.recovery_dir()) in err[0]


def test_recover_is_listed_among_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "recover" in capsys.readouterr().out

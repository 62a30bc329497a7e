"""Recovery copies without Qt: the application-data folder, writing, listing, clearing, and
hostile index entries."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evexplorer import recovery, scenario
from evexplorer.recovery import app_data_dir
from evexplorer.session import Session

NAMES = ("EV Explorer", "EV Explorer")


# -- the application-data folder: Qt's AppDataLocation, computed without Qt ---------------------
# Expected values follow the Qt 6 documentation of QStandardPaths (AppDataLocation:
# "~/.local/share/<APPNAME>" on Linux with the organisation before it, "~/Library/Application
# Support/<APPNAME>" on macOS, "C:/Users/<USER>/AppData/Roaming/<APPNAME>" on Windows) and the
# XDG Base Directory Specification (XDG_DATA_HOME, relative values ignored). The GUI test
# tests/test_gui_reliability.py checks the same cases against Qt itself.

@pytest.mark.parametrize(("environ", "expected"), [
    ({"HOME": "/home/ana"}, "/home/ana/.local/share/EV Explorer/EV Explorer"),
    ({"HOME": "/home/ana/"}, "/home/ana/.local/share/EV Explorer/EV Explorer"),
    ({"HOME": "/home/ana", "XDG_DATA_HOME": "/data/ana"}, "/data/ana/EV Explorer/EV Explorer"),
    ({"HOME": "/home/ana", "XDG_DATA_HOME": "relative/data"},
     "/home/ana/.local/share/EV Explorer/EV Explorer"),
    ({"HOME": "/home/ana", "XDG_DATA_HOME": ""}, "/home/ana/.local/share/EV Explorer/EV Explorer"),
    ({}, "//.local/share/EV Explorer/EV Explorer"),
])
def test_linux_folder_follows_xdg_and_home(environ, expected):
    assert str(app_data_dir(*NAMES, environ=environ, platform="linux")) == \
        str(Path(expected))


def test_empty_names_are_left_out_as_qt_does():
    env = {"HOME": "/home/ana"}
    assert app_data_dir("", "EV Explorer", environ=env, platform="linux") == \
        Path("/home/ana/.local/share/EV Explorer")
    assert app_data_dir("", "", environ=env, platform="linux") == Path("/home/ana/.local/share")


def test_macos_folder_is_application_support():
    env = {"CFFIXED_USER_HOME": "/Users/ana", "HOME": "/elsewhere"}
    assert app_data_dir(*NAMES, environ=env, platform="darwin") == \
        Path("/Users/ana/Library/Application Support/EV Explorer/EV Explorer")


@pytest.mark.skipif(sys.platform == "win32", reason="Windows asks the shell, not the variable")
def test_windows_folder_is_roaming_app_data():
    env = {"APPDATA": "C:\\Users\\ana\\AppData\\Roaming"}
    assert str(app_data_dir(*NAMES, environ=env, platform="win32")) == \
        str(Path("C:/Users/ana/AppData/Roaming/EV Explorer/EV Explorer"))


def test_data_folder_variable_overrides_the_platform_folder(tmp_path):
    env = {"HOME": "/home/ana", recovery.DATA_DIR_VARIABLE: str(tmp_path)}
    assert recovery.data_dir(env) == tmp_path
    assert recovery.recovery_dir(env) == tmp_path / "recovery"
    assert recovery.recovery_dir({"HOME": "/home/ana"}) == \
        app_data_dir(environ={"HOME": "/home/ana"}) / "recovery"


# -- writing and listing -------------------------------------------------------------------------

def edited_session(tmp_path: Path, **levers) -> Session:
    """A session on a saved file, then changed (unsaved work)."""
    s = Session()
    s.set("title", "Squeeze")
    original = tmp_path / "squeeze.evx"
    s.save(original)
    s.update(levers or {"lithium_price": 31_000.0})
    assert s.modified
    return s


def test_a_copy_is_a_scenario_file_with_its_index_entry(tmp_path):
    s = edited_session(tmp_path)
    folder = tmp_path / "recovery"
    copy = recovery.write_copy(s, "unsaved-0123456789ab", folder)
    assert Path(copy.path) == folder / "unsaved-0123456789ab.evx"
    doc = scenario.open_scenario(copy.path)  # opens anywhere, like any scenario
    assert doc.parameters["lithium_price"] == 31_000.0
    assert doc.title == "Squeeze"
    entry = json.loads(Path(copy.index_path).read_text(encoding="utf-8"))
    assert entry["original"] == str(tmp_path / "squeeze.evx")
    assert entry["title"] == "Squeeze" and entry["pid"] == os.getpid()
    assert entry["fingerprint"]["sha256"] == s.file_fingerprint.sha256
    assert s.modified  # writing a copy saves nothing
    (listed,) = recovery.list_copies(folder)
    assert listed == copy
    assert listed.record() == {"path": copy.path, "original": str(tmp_path / "squeeze.evx"),
                               "saved_at": copy.saved_at, "title": "Squeeze"}


def test_rewriting_a_copy_replaces_it(tmp_path):
    s = edited_session(tmp_path)
    folder = tmp_path / "recovery"
    recovery.write_copy(s, "unsaved-aaaaaaaaaaaa", folder)
    s.set("lithium_price", 45_000.0)
    copy = recovery.write_copy(s, "unsaved-aaaaaaaaaaaa", folder)
    assert len(recovery.list_copies(folder)) == 1
    assert scenario.open_scenario(copy.path).parameters["lithium_price"] == 45_000.0
    assert sorted(p.name for p in folder.iterdir()) == ["unsaved-aaaaaaaaaaaa.evx",
                                                       "unsaved-aaaaaaaaaaaa.json"]


def write_entry(folder: Path, key: str, stamp: str, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{key}.evx"
    copy.write_bytes(b"\x89HDF\r\n\x1a\n")
    entry = {"format": 1, "copy": copy.name, "original": None, "saved_at": stamp,
             "title": key, "pid": None, "host": None, "started": None, "fingerprint": None}
    entry.update(fields)
    copy.with_suffix(".json").write_text(json.dumps(entry), encoding="utf-8")
    return copy


def test_copies_are_listed_newest_first(tmp_path):
    for key, stamp in (("unsaved-old", "2025-01-01T10:00:00Z"),
                       ("unsaved-new", "2025-03-01T10:00:00Z"),
                       ("unsaved-mid", "2025-02-01T10:00:00Z")):
        write_entry(tmp_path, key, stamp)
    assert [c.key for c in recovery.list_copies(tmp_path)] == \
        ["unsaved-new", "unsaved-mid", "unsaved-old"]


def test_a_copy_without_its_entry_is_listed_from_the_file_alone(tmp_path):
    copy = write_entry(tmp_path, "unsaved-orphan", "2025-01-01T10:00:00Z")
    copy.with_suffix(".json").unlink()  # the process died between the two writes
    (listed,) = recovery.list_copies(tmp_path)
    assert listed.original is None and listed.title == ""
    assert listed.saved_at.endswith("Z") and listed.path == str(copy)


def test_an_entry_without_its_copy_and_other_files_are_not_listed(tmp_path):
    copy = write_entry(tmp_path, "unsaved-gone", "2025-01-01T10:00:00Z")
    copy.unlink()
    (tmp_path / "notes.evx").write_bytes(b"not ours")
    (tmp_path / "unsaved-dir.evx").mkdir()
    assert recovery.list_copies(tmp_path) == []
    assert recovery.list_copies(tmp_path / "missing") == []


@given(entry=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=6),
    max_leaves=20))
def test_any_index_entry_gives_a_listing_never_an_error(tmp_path_factory, entry):
    folder = tmp_path_factory.mktemp("hostile")
    copy = write_entry(folder, "unsaved-hostile", "2025-01-01T10:00:00Z")
    copy.with_suffix(".json").write_text(json.dumps(entry), encoding="utf-8")
    (listed,) = recovery.list_copies(folder)
    assert listed.path == str(copy)
    assert isinstance(listed.saved_at, str) and isinstance(listed.title, str)
    assert listed.original is None or isinstance(listed.original, str)


@pytest.mark.parametrize("field", [
    {"pid": "123"}, {"pid": True}, {"title": 5}, {"original": ["a"]}, {"saved_at": "yesterday"},
    {"fingerprint": {"size": "big", "mtime_ns": 1, "sha256": "x"}}, {"fingerprint": [1]},
    {"copy": "unsaved-other.evx"},
])
def test_entries_with_wrong_types_fall_back_to_the_file(tmp_path, field):
    write_entry(tmp_path, "unsaved-typed", "2025-01-01T10:00:00Z", **field)
    (listed,) = recovery.list_copies(tmp_path)
    assert listed.pid is None or isinstance(listed.pid, int)
    assert listed.saved_at != "yesterday"


def test_an_unreadable_index_entry_is_not_read_whole(tmp_path):
    copy = write_entry(tmp_path, "unsaved-big", "2025-01-01T10:00:00Z")
    copy.with_suffix(".json").write_bytes(b"[" * (recovery._MAX_INDEX_BYTES + 10))
    (listed,) = recovery.list_copies(tmp_path)
    assert listed.title == ""


# -- whose copy: running processes ---------------------------------------------------------------

def finished_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_copies_of_running_processes_are_not_offered(tmp_path):
    here = socket.gethostname()
    write_entry(tmp_path, "unsaved-mine", "2025-01-01T10:00:00Z", pid=os.getpid(), host=here,
                started=recovery._process_started(os.getpid()))
    write_entry(tmp_path, "unsaved-dead", "2025-01-02T10:00:00Z", pid=finished_pid(), host=here)
    write_entry(tmp_path, "unsaved-elsewhere", "2025-01-03T10:00:00Z", pid=os.getpid(),
                host=here + "-other")
    write_entry(tmp_path, "unsaved-unknown", "2025-01-04T10:00:00Z")
    assert [c.key for c in recovery.orphaned_copies(tmp_path)] == \
        ["unsaved-unknown", "unsaved-elsewhere", "unsaved-dead"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times: Linux")
def test_a_reused_process_number_is_not_taken_for_the_writer(tmp_path):
    started = recovery._process_started(os.getpid())
    assert isinstance(started, int)
    write_entry(tmp_path, "unsaved-reused", "2025-01-01T10:00:00Z", pid=os.getpid(),
                host=socket.gethostname(), started=started - 1)
    assert [c.key for c in recovery.orphaned_copies(tmp_path)] == ["unsaved-reused"]


def test_clear_removes_what_no_running_process_keeps(tmp_path):
    here = socket.gethostname()
    mine = write_entry(tmp_path, "unsaved-mine", "2025-01-01T10:00:00Z", pid=os.getpid(),
                       host=here)
    write_entry(tmp_path, "unsaved-dead", "2025-01-02T10:00:00Z", pid=finished_pid(), host=here)
    orphan = write_entry(tmp_path, "unsaved-orphan", "2025-01-03T10:00:00Z")
    orphan.with_suffix(".json").unlink()
    stray = write_entry(tmp_path, "unsaved-stray", "2025-01-03T10:00:00Z")
    stray.unlink()  # an entry whose copy is gone
    assert recovery.clear_copies(tmp_path) == (2, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name, mine.with_suffix(
        ".json").name]


def test_remove_copy_removes_both_files_and_says_if_it_was_there(tmp_path):
    path = write_entry(tmp_path, "unsaved-x", "2025-01-01T10:00:00Z")
    (copy,) = recovery.list_copies(tmp_path)
    assert recovery.remove_copy(copy) is True
    assert not path.exists() and not path.with_suffix(".json").exists()
    assert recovery.remove_copy(copy) is False


def test_a_copy_that_cannot_be_written_is_one_sentence(tmp_path):
    s = edited_session(tmp_path)
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    with pytest.raises(scenario.ScenarioFileError) as caught:
        recovery.write_copy(s, "unsaved-000000000000", blocker / "recovery")
    assert "\n" not in str(caught.value) and "recovery folder" in str(caught.value)


def test_new_keys_differ_and_are_recognised():
    keys = {recovery.new_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(k.startswith(recovery.PREFIX) for k in keys)


def test_other_programs_files_in_the_folder_are_ignored(tmp_path):
    for i in range(50):
        (tmp_path / f"other-{i}.json").write_text("{not json", encoding="utf-8")
    write_entry(tmp_path, "unsaved-one", "2025-01-01T10:00:00Z")
    assert [c.key for c in recovery.list_copies(tmp_path)] == ["unsaved-one"]


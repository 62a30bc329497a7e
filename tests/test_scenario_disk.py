"""The file on disk: a file changed since it was opened is not overwritten; leftovers of killed
saves are cleaned up, and nothing else; every failure names the right file and reason."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_scenario_support import save_default

from evexplorer import _atomic
from evexplorer.model import evaluate
from evexplorer.scenario import (
    FileFingerprint,
    ScenarioFileError,
    check_unchanged,
    open_scenario,
    save_scenario,
    writer,
)

ROOT = Path(__file__).resolve().parents[1]


def _fingerprint_of(path: Path) -> FileFingerprint:
    data = path.read_bytes()
    return FileFingerprint(len(data), path.stat().st_mtime_ns, hashlib.sha256(data).hexdigest())


def _save(path: Path, lithium_price: float, **kwargs) -> FileFingerprint:
    results = evaluate({"lithium_price": lithium_price})
    return save_scenario(path, results.parameters, results, **kwargs)


# -- fingerprints and the changed-on-disk refusal -------------------------------------------------


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_opening_and_saving_record_the_files_fingerprint(tmp_path, isolated):
    path = tmp_path / "s.evx"
    saved = _save(path, 20_000)
    assert saved == _fingerprint_of(path)
    doc = open_scenario(path, isolated=isolated)
    assert doc.fingerprint == saved
    again = _save(path, 21_000, expected=doc.fingerprint)
    assert again == _fingerprint_of(path) and again.sha256 != saved.sha256
    _save(path, 22_000, expected=again)  # the fingerprint of a save is good for the next one
    assert open_scenario(path, isolated=False).parameters["lithium_price"] == 22_000


def test_a_file_changed_by_another_program_is_not_overwritten(tmp_path):
    path = tmp_path / "shared.evx"
    mine = open_scenario(save_default(path, lithium_price=20_000), isolated=False)
    _save(path, 30_000, title="the other window's")  # another window saves meanwhile
    theirs = path.read_bytes()
    with pytest.raises(ScenarioFileError) as info:
        _save(path, 40_000, expected=mine.fingerprint)
    assert info.value.code == "changed-on-disk"
    assert str(info.value) == ("The file 'shared.evx' was changed by another program since it "
                               "was opened; nothing was saved.")
    assert path.read_bytes() == theirs
    assert [p.name for p in tmp_path.iterdir()] == ["shared.evx"]
    _save(path, 40_000)  # "overwrite": the window saves again without the fingerprint
    assert open_scenario(path, isolated=False).parameters["lithium_price"] == 40_000


def test_a_file_deleted_or_moved_since_it_was_opened_is_not_recreated_silently(tmp_path):
    path = tmp_path / "s.evx"
    fingerprint = _save(path, 20_000)
    path.rename(tmp_path / "moved.evx")
    with pytest.raises(ScenarioFileError) as info:
        _save(path, 21_000, expected=fingerprint)
    assert str(info.value) == ("The file 's.evx' was deleted or moved by another program since "
                               "it was opened; nothing was saved.")
    assert info.value.code == "changed-on-disk" and not path.exists()


def test_a_file_only_touched_has_not_changed(tmp_path):
    path = tmp_path / "s.evx"
    fingerprint = _save(path, 20_000)
    later = time.time() + 5
    os.utime(path, (later, later))
    check_unchanged(path, fingerprint)
    _save(path, 21_000, expected=fingerprint)


def test_the_same_size_with_other_bytes_has_changed(tmp_path):
    path = tmp_path / "s.evx"
    fingerprint = _save(path, 20_000)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ScenarioFileError, match="was changed by another program"):
        check_unchanged(path, fingerprint)


def test_the_check_comes_after_the_new_file_is_built_just_before_it_replaces_the_old(
        tmp_path, monkeypatch):
    """A change made while the new file is being built and written is still seen."""
    path = tmp_path / "s.evx"
    fingerprint = _save(path, 20_000)
    real = writer.hdf5_image

    def build_while_another_program_writes(tree):
        image = real(tree)
        path.write_bytes(path.read_bytes() + b"appended by someone else")
        return image

    monkeypatch.setattr(writer, "hdf5_image", build_while_another_program_writes)
    with pytest.raises(ScenarioFileError) as info:
        _save(path, 21_000, expected=fingerprint)
    assert info.value.code == "changed-on-disk"
    assert path.read_bytes().endswith(b"appended by someone else")
    assert [p.name for p in tmp_path.iterdir()] == ["s.evx"]


# -- leftovers of killed saves --------------------------------------------------------------------


def _age(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)
    return path


def test_stale_temporary_files_are_removed_at_the_next_save_and_nothing_else(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep.txt").write_text("target of a link")
    folder = tmp_path / "work"
    folder.mkdir()
    stale = [".s.evx.0123abcd.tmp", ".other name.h5.ffffffff.tmp", ".report.csv.00000000.tmp"]
    for name in stale:
        (folder / name).write_bytes(b"half a file")
        _age(folder / name, 120)
    survivors = {
        ".s.evx.4567cdef.tmp": 5,      # young: perhaps a save running right now
        ".s.evx.0123ABCD.tmp": 120,    # not our pattern: upper-case hex
        ".s.evx.0123abc.tmp": 120,     # seven digits
        ".s.evx.0123abcde.tmp": 120,   # nine digits
        "s.evx.0123abcd.tmp": 120,     # no leading dot
        ".s.evx.0123abcd.tmp.bak": 120,
        ".s.evx.0123abcd.tmpx": 120,
        "..0123abcd.tmp": 120,         # no name
        "notes.txt": 120,
        "scenario.evx": 120,
    }
    for name, age in survivors.items():
        (folder / name).write_bytes(b"keep me")
        _age(folder / name, age)
    (folder / ".dir.evx.89abcdef.tmp").mkdir()  # a folder named like one
    _age(folder / ".dir.evx.89abcdef.tmp", 120)
    link = folder / ".link.evx.13579bdf.tmp"
    link.symlink_to(outside / "keep.txt")
    _age(link, 120)
    _save(folder / "s.evx", 20_000)
    names = {p.name for p in folder.iterdir()}
    assert not names & set(stale)
    assert names == {*survivors, ".dir.evx.89abcdef.tmp", ".link.evx.13579bdf.tmp", "s.evx"}
    assert (outside / "keep.txt").read_text() == "target of a link"
    for name in survivors:
        assert (folder / name).read_bytes() == b"keep me", name


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_a_temporary_file_still_locked_by_a_running_save_is_kept(tmp_path):
    import fcntl

    busy = tmp_path / ".big.csv.2468ace0.tmp"
    busy.write_bytes(b"a long export, still being written")
    _age(busy, 300)  # its writer has been quiet for five minutes, but holds its lock
    with open(busy, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert _atomic.remove_stale_temporaries(tmp_path) == []
        assert busy.exists()
    assert _atomic.remove_stale_temporaries(tmp_path) == [busy.name]


def test_exports_clean_up_too(tmp_path):
    """The cleanup lives in the atomic writer that every export uses."""
    leftover = tmp_path / ".results.csv.0a1b2c3d.tmp"
    leftover.write_text("half")
    _age(leftover, 61)
    with _atomic.atomic_stream(tmp_path / "results.csv", verb="export", text=True) as fh:
        fh.write("year\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]


_KILLED_SAVER = textwrap.dedent("""
    import os, sys, time
    from evexplorer.model import evaluate
    from evexplorer.scenario import save_scenario, writer

    def stuck_write(fd, data):   # the save hangs half-way, and is killed there
        print("writing", flush=True)
        time.sleep(60)

    writer.os.write = stuck_write
    results = evaluate()
    save_scenario(sys.argv[1], results.parameters, results)
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_the_leftover_of_a_killed_save_goes_at_a_later_save(tmp_path):
    path = tmp_path / "s.evx"
    child = subprocess.Popen([sys.executable, "-c", _KILLED_SAVER, str(path)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.kill()
        child.wait(30)
        child.stdout.close()
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and _atomic.TEMPORARY_NAME.fullmatch(leftovers[0].name)
    _save(path, 20_000)  # a minute has not passed: the leftover may be a running save
    assert leftovers[0].exists()
    _age(leftovers[0], 61)
    _save(path, 21_000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.evx"]


# -- each failure its own sentence ----------------------------------------------------------------


@pytest.fixture
def previous(tmp_path) -> Path:
    return save_default(tmp_path / "scenario.evx")


def _refused_save(path: Path) -> ScenarioFileError:
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(ScenarioFileError) as info:
        _save(path, 77_000)
    if before is not None:
        assert path.read_bytes() == before
    if path.parent.is_dir():
        assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    return info.value


def test_a_protected_file_is_not_called_a_read_only_folder(previous, monkeypatch):
    real = os.replace

    def refuse(source, target, *args, **kwargs):
        if Path(target) == previous.resolve():
            raise PermissionError(errno.EPERM, "Operation not permitted", target)
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refuse)
    error = _refused_save(previous)
    assert error.code == "file-protected"
    assert str(error) == ("Cannot save 'scenario.evx': the file is protected against changes "
                          "(it may be marked immutable or belong to another user); the previous "
                          "file is unchanged.")


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr (e2fsprogs)")
def test_a_really_immutable_file(previous):
    made = subprocess.run(["chattr", "+i", str(previous)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not allowed here: {made.stderr.decode().strip()}")
    try:
        error = _refused_save(previous)
        assert error.code == "file-protected" and "protected against changes" in str(error)
    finally:
        subprocess.run(["chattr", "-i", str(previous)], check=True)


def test_a_file_too_large_for_the_disk_or_account(previous, monkeypatch):
    def too_large(fd, data):
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(os, "write", too_large)
    error = _refused_save(previous)
    assert error.code == "too-large"
    assert str(error) == ("Cannot save 'scenario.evx': the file would be larger than this disk "
                          "or your account allows; the previous file is unchanged.")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE as on Linux")
def test_a_real_file_size_limit(tmp_path):
    code = textwrap.dedent("""
        import resource, sys
        from evexplorer.model import evaluate
        from evexplorer.scenario import ScenarioFileError, save_scenario
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        r = evaluate()
        try:
            save_scenario(sys.argv[1], r.parameters, r)
        except ScenarioFileError as exc:
            print(exc.code, exc, sep="|")
    """)
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.evx")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("too-large|Cannot save 's.evx': the file would be larger "
                                   "than this disk or your account allows; nothing was saved.")
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_disk(tmp_path, monkeypatch):
    def read_only(path, flags, mode=0o777):
        raise OSError(errno.EROFS, "Read-only file system", path)

    monkeypatch.setattr(os, "open", read_only)
    error = _refused_save(tmp_path / "new.evx")
    monkeypatch.undo()
    assert (error.code, str(error)) == ("read-only", "Cannot save 'new.evx': the disk is "
                                        "read-only; nothing was saved.")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_a_folder_that_takes_no_files_is_not_called_missing():
    error = _refused_save(Path("/proc/x.evx"))
    assert (error.code, str(error)) == (
        "cannot-create", "Cannot save 'x.evx': files cannot be created in the folder '/proc'.")


def test_a_file_where_a_folder_should_be_is_named(tmp_path):
    (tmp_path / "notes.txt").write_text("a file")
    error = _refused_save(tmp_path / "notes.txt" / "sub" / "s.evx")
    assert error.code == "no-folder"
    assert str(error) == f"Cannot save 's.evx': '{tmp_path / 'notes.txt'}' is a file, not a folder."
    error = _refused_save(tmp_path / "missing" / "s.evx")
    assert str(error) == f"Cannot save 's.evx': the folder '{tmp_path / 'missing'}' does not exist."

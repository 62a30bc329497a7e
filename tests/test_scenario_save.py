"""Saving never loses data: a failure at any point leaves the previous file as it was."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_scenario_support import save_default

from evexplorer.model import evaluate
from evexplorer.scenario import ScenarioFileError, open_scenario, save_scenario, writer


@pytest.fixture
def previous(tmp_path) -> Path:
    """A saved scenario that a failed save must leave untouched."""
    return save_default(tmp_path / "scenario.evx", lithium_price=33_000)


def _save_new(path: Path) -> None:
    results = evaluate({"lithium_price": 77_000})
    save_scenario(path, results.parameters, results, title="new")


def _assert_untouched(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    assert open_scenario(path, isolated=False).parameters["lithium_price"] == 33_000
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary left


@pytest.mark.parametrize(("errno_", "code", "words"), [
    (errno.ENOSPC, "disk-full", "the disk is full"),
    (errno.EIO, "io", "Input/output error"),
])
def test_a_write_failing_half_way_leaves_the_old_file(previous, monkeypatch, errno_, code, words):
    before = previous.read_bytes()
    calls = []

    def write_half_then_fail(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return os.write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno_, os.strerror(errno_))

    monkeypatch.setattr(writer.os, "write", write_half_then_fail)
    with pytest.raises(ScenarioFileError) as info:
        _save_new(previous)
    monkeypatch.undo()
    assert len(calls) == 2  # it did get half-way
    assert info.value.code == code and words in str(info.value)
    assert "the previous file is unchanged" in str(info.value)
    _assert_untouched(previous, before)


@pytest.mark.parametrize("step", ["open", "fsync", "replace"])
def test_a_failure_at_any_step_leaves_the_old_file(previous, monkeypatch, step):
    before = previous.read_bytes()
    real = getattr(os, step)

    def fail(*args, **kwargs):
        if step == "open" and not str(args[0]).endswith(".tmp"):
            return real(*args, **kwargs)
        raise OSError(errno.EROFS if step == "open" else errno.EIO, "simulated")

    monkeypatch.setattr(writer.os, step, fail)
    with pytest.raises(ScenarioFileError) as info:
        _save_new(previous)
    monkeypatch.undo()
    assert info.value.code == ("read-only" if step == "open" else "io")
    _assert_untouched(previous, before)


def test_read_only_folder_is_a_clear_error(tmp_path, monkeypatch):
    def denied(path, flags, mode=0o777):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(writer.os, "open", denied)
    with pytest.raises(ScenarioFileError) as info:
        _save_new(tmp_path / "new.evx")
    assert str(info.value) == ("Cannot save 'new.evx': the folder is read-only or you may not "
                               "write there; nothing was saved.")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions and a non-root user")
def test_a_really_read_only_folder(tmp_path):  # pragma: no cover - CI runs as root
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(ScenarioFileError) as info:
            _save_new(tmp_path / "new.evx")
        assert info.value.code == "read-only"
    finally:
        tmp_path.chmod(0o755)


def test_missing_folder_and_folder_as_target(tmp_path):
    with pytest.raises(ScenarioFileError, match="does not exist") as info:
        _save_new(tmp_path / "nowhere" / "new.evx")
    assert info.value.code == "no-folder"
    with pytest.raises(ScenarioFileError, match="it is a folder"):
        _save_new(tmp_path)


def test_a_save_replaces_the_file_keeps_its_permissions_and_follows_links(previous):
    previous.chmod(0o640)
    link = previous.with_name("link.evx")
    link.symlink_to(previous.name)
    _save_new(link)
    assert link.is_symlink()
    assert open_scenario(previous, isolated=False).parameters["lithium_price"] == 77_000
    assert stat.S_IMODE(previous.stat().st_mode) == 0o640
    assert sorted(p.name for p in previous.parent.iterdir()) == ["link.evx", "scenario.evx"]


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    _save_new(tmp_path / "new.evx")
    assert stat.S_IMODE((tmp_path / "new.evx").stat().st_mode) == 0o666 & ~umask


def test_no_file_is_kept_open_after_saving(tmp_path):
    if not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc")
    _save_new(tmp_path / "new.evx")
    targets = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
    assert not any(t.startswith(str(tmp_path)) for t in targets)


_SAVER = textwrap.dedent("""
    import os, sys, time
    from evexplorer.model import evaluate
    from evexplorer.scenario import save_scenario, writer

    real_write = os.write

    def slow_write(fd, data):  # 1 KiB at a time, so that a kill lands mid-file
        time.sleep(0.002)
        return real_write(fd, bytes(data[:1024]))

    writer.os.write = slow_write
    path = sys.argv[1]
    results = [evaluate({"lithium_price": p}) for p in (44_000.0, 55_000.0)]
    print("ready", flush=True)
    i = 0
    while True:
        r = results[i % 2]
        save_scenario(path, r.parameters, r)
        i += 1
""")


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_save_killed_half_way_leaves_a_whole_file(previous):
    """Kill a process that saves over and over: the file is always one whole scenario."""
    seen = set()
    rng = __import__("random").Random(7)
    for _attempt in range(6):
        child = subprocess.Popen([sys.executable, "-c", _SAVER, str(previous)],
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, 0.4))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(30)
            child.stdout.close()
        doc = open_scenario(previous, isolated=False)
        assert doc.checksum_ok
        seen.add(doc.parameters["lithium_price"])
        for leftover in previous.parent.glob(".*.tmp"):  # a kill may leave a temporary behind
            leftover.unlink()
    assert seen <= {33_000, 44_000, 55_000}
    assert seen - {33_000}  # the saves did happen

"""The working set's part in not losing work (no Qt): saving checked against changes on disk,
and restoring a recovery copy as unsaved work of its original file."""

from __future__ import annotations

import pytest

from evexplorer import recovery, scenario
from evexplorer.model import evaluate
from evexplorer.session import Session


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, change):
        self.calls.append(change.names)


def saved_session(tmp_path, name="plan.evx") -> tuple[Session, object]:
    s = Session()
    s.set("title", "Plan")
    path = tmp_path / name
    s.save(path)
    return s, path


def another_program_writes(path, **levers):
    results = evaluate(levers)
    scenario.save_scenario(path, results.parameters, results, title="Theirs")


def test_opening_and_saving_keep_the_files_fingerprint(tmp_path):
    s, path = saved_session(tmp_path)
    first = s.file_fingerprint
    assert first is not None and first.size == path.stat().st_size
    s.set("mode_shift", 5.0)
    s.save(path)  # its own last save: no refusal
    assert s.file_fingerprint != first
    other = Session()
    other.open(path)
    assert other.file_fingerprint == s.file_fingerprint
    other.new()
    assert other.file_fingerprint is None


def test_saving_over_a_file_changed_on_disk_is_refused_and_changes_nothing(tmp_path):
    s, path = saved_session(tmp_path)
    s.set("recycling_rate", 70.0)
    another_program_writes(path, mode_shift=9.0)
    theirs = path.read_bytes()
    with pytest.raises(scenario.ScenarioFileError) as caught:
        s.save(path)
    assert caught.value.code == "changed-on-disk"
    assert path.read_bytes() == theirs
    assert s.modified and s.get("recycling_rate") == 70.0


def test_overwrite_replaces_a_changed_file_and_later_saves_check_against_it(tmp_path):
    s, path = saved_session(tmp_path)
    s.set("recycling_rate", 70.0)
    another_program_writes(path, mode_shift=9.0)
    s.save(path, overwrite=True)
    assert scenario.open_scenario(path).parameters["recycling_rate"] == 70.0
    assert not s.modified
    s.set("recycling_rate", 71.0)
    s.save(path)  # the fingerprint is now that of its own save
    another_program_writes(path)
    s.set("recycling_rate", 72.0)
    with pytest.raises(scenario.ScenarioFileError):
        s.save(path)


def test_a_deleted_file_counts_as_changed(tmp_path):
    s, path = saved_session(tmp_path)
    s.set("recycling_rate", 70.0)
    path.unlink()
    with pytest.raises(scenario.ScenarioFileError) as caught:
        s.save(path)
    assert caught.value.code == "changed-on-disk" and "deleted or moved" in str(caught.value)
    assert not path.exists()


def test_saving_under_another_name_is_not_checked(tmp_path):
    s, path = saved_session(tmp_path)
    another_program_writes(path)
    elsewhere = tmp_path / "copy.evx"
    another_program_writes(elsewhere)  # the file dialog asked about replacing it
    s.set("recycling_rate", 70.0)
    s.save(elsewhere)
    assert scenario.open_scenario(elsewhere).parameters["recycling_rate"] == 70.0
    assert s.path == str(elsewhere)


def test_the_same_file_by_another_spelling_is_checked(tmp_path):
    s, path = saved_session(tmp_path)
    another_program_writes(path)
    s.set("recycling_rate", 70.0)
    with pytest.raises(scenario.ScenarioFileError):
        s.save(tmp_path / "." / "plan.evx")


def test_a_restored_copy_is_unsaved_work_of_its_original(tmp_path):
    s, path = saved_session(tmp_path)
    s.update({"lithium_price": 31_000.0, "notes": "half done"})
    copy = recovery.write_copy(s, recovery.new_key(), tmp_path / "recovery")
    restored = Session()
    heard = Recorder()
    restored.subscribe(heard)
    restored.open_recovered(copy.path, original=copy.original, fingerprint=copy.fingerprint)
    assert len(heard.calls) == 1  # one notification, never an intermediate "saved" state
    assert {"modified", "path", "lithium_price", "notes"} <= heard.calls[0]
    assert restored.path == str(path) and restored.modified
    assert restored.get("lithium_price") == 31_000.0 and restored.get("notes") == "half done"
    assert restored.created == s.created
    restored.set("lithium_price", 10_000.0)  # back to what the file holds: still unsaved
    restored.set("lithium_price", 31_000.0)
    assert restored.modified
    restored.save(restored.path)  # the original is as it was: saved without a question
    assert not restored.modified
    assert scenario.open_scenario(path).parameters["lithium_price"] == 31_000.0


def test_saving_restored_work_checks_the_original_as_it_was_before_the_crash(tmp_path):
    s, path = saved_session(tmp_path)
    s.set("lithium_price", 31_000.0)
    copy = recovery.write_copy(s, recovery.new_key(), tmp_path / "recovery")
    another_program_writes(path, mode_shift=3.0)  # a colleague saved meanwhile
    restored = Session()
    restored.open_recovered(copy.path, original=copy.original, fingerprint=copy.fingerprint)
    with pytest.raises(scenario.ScenarioFileError) as caught:
        restored.save(restored.path)
    assert caught.value.code == "changed-on-disk"
    assert scenario.open_scenario(path).parameters["mode_shift"] == 3.0


def test_restored_untitled_work_stays_untitled(tmp_path):
    s = Session()
    s.set("demand_growth", 30.0)
    copy = recovery.write_copy(s, recovery.new_key(), tmp_path)
    restored = Session()
    restored.open_recovered(copy.path, original=copy.original, fingerprint=copy.fingerprint)
    assert restored.path is None and restored.modified
    assert restored.file_fingerprint is None
    assert restored.get("demand_growth") == 30.0


def test_a_copy_that_cannot_be_read_changes_nothing(tmp_path):
    s, _path = saved_session(tmp_path)
    s.set("mode_shift", 4.0)
    bad = tmp_path / "unsaved-bad.evx"
    bad.write_bytes(b"not a scenario")
    with pytest.raises(scenario.ScenarioFileError):
        s.open_recovered(bad, original=str(tmp_path / "x.evx"))
    assert s.get("mode_shift") == 4.0 and s.path == str(tmp_path / "plan.evx")

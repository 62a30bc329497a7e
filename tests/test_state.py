"""The Qt-free scenario state, tested with plain listeners (no Qt)."""

import subprocess
import sys

import pytest

from evexplorer.app.state import FILE_FIELD, ScenarioState
from evexplorer.model import ParameterError, registry
from evexplorer.model.registry import same_value


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, change):
        self.calls.append(change.names)


def test_starts_at_defaults_unmodified():
    state = ScenarioState()
    assert dict(state.values) == registry.defaults()
    assert state.modified is False
    assert state.path is None
    assert state.changed_levers() == []


def test_set_notifies_once_with_the_changed_name():
    state, rec = ScenarioState(), Recorder()
    state.subscribe(rec)
    assert state.set("lithium_price", 30_000) is True
    assert rec.calls == [frozenset({"lithium_price"})]
    assert state.get("lithium_price") == 30_000.0
    assert state.modified is True
    assert state.changed_levers() == ["lithium_price"]


def test_setting_the_same_value_is_silent():
    state, rec = ScenarioState(), Recorder()
    state.subscribe(rec)
    assert state.set("lithium_price", state.get("lithium_price")) is False
    assert state.update({"chemistry_mix": dict(state.get("chemistry_mix"))}) == frozenset()
    assert rec.calls == []


def test_bulk_update_is_one_notification():
    state, rec = ScenarioState(), Recorder()
    state.subscribe(rec)
    changed = state.update({"lithium_price": 20_000, "recycling_rate": 50, "title": "Squeeze"})
    assert changed == {"lithium_price", "recycling_rate", "title"}
    assert rec.calls == [frozenset({"lithium_price", "recycling_rate", "title"})]


def test_invalid_value_changes_nothing():
    state, rec = ScenarioState(), Recorder()
    state.subscribe(rec)
    before = dict(state.values)
    with pytest.raises(ParameterError, match="lithium_price"):
        state.update({"recycling_rate": 50, "lithium_price": -1})
    assert dict(state.values) == before
    assert rec.calls == []


def test_end_year_before_start_is_refused():
    state = ScenarioState()
    with pytest.raises(ParameterError, match="end_year"):
        state.update({"start_year": 2040, "end_year": 2035})
    assert state.get("start_year") == 2025


def test_filtered_listener_only_hears_its_names():
    state, rec = ScenarioState(), Recorder()
    state.subscribe(rec, names={"nickel_price"})
    state.set("lithium_price", 20_000)
    assert rec.calls == []
    state.set("nickel_price", 20_000)
    assert rec.calls == [frozenset({"nickel_price"})]
    state.unsubscribe(rec)
    state.set("nickel_price", 25_000)
    assert len(rec.calls) == 1


def test_modified_returns_to_false_when_the_change_is_reverted():
    state = ScenarioState()
    state.set("mode_shift", 20)
    state.set("title", "Mode shift")
    assert state.modified
    state.update({"mode_shift": 0, "title": ""})
    assert not state.modified


def test_replace_counts_as_saved_and_reports_file_change():
    state, rec = ScenarioState(), Recorder()
    state.set("lithium_price", 20_000)
    state.subscribe(rec)
    state.replace({"recycling_rate": 80}, {"title": "Circular"}, "/tmp/x.evx")
    assert not state.modified
    assert state.path == "/tmp/x.evx"
    assert state.get("lithium_price") == registry.defaults()["lithium_price"]
    assert rec.calls[-1] >= {"lithium_price", "recycling_rate", "title", FILE_FIELD}


def test_mark_saved_clears_modified():
    state = ScenarioState()
    state.set("renewable_share", 80)
    state.mark_saved("/tmp/green.evx")
    assert not state.modified
    assert state.path == "/tmp/green.evx"
    state.set("renewable_share", 70)
    assert state.modified


def test_reset_puts_levers_back():
    state = ScenarioState({"lithium_price": 50_000, "mode_shift": 10})
    assert state.reset(["mode_shift"]) == {"mode_shift"}
    assert state.get("lithium_price") == 50_000
    state.reset()
    assert state.changed_levers() == []


def test_unknown_meta_field_is_refused():
    with pytest.raises(ParameterError):
        ScenarioState(meta={"colour": "red"})


def test_values_equal_on_mixes_and_floats():
    assert same_value("chemistry_mix", {"LFP": 0.5, "NCA": 0.5}, {"LFP": 0.5, "NCA": 0.5 + 1e-15})
    assert not same_value("chemistry_mix", {"LFP": 0.5, "NCA": 0.5}, {"LFP": 0.6, "NCA": 0.4})
    assert same_value("chemistry_mix", {"LFP": 1.0}, {"LFP": 1.0, "NCA": 0.0})
    assert same_value("end_year", 2030, 2030.0)
    assert not same_value("manufacturing_region", "china", "usa")


def test_state_module_does_not_import_qt():
    code = ("import sys, evexplorer.app.state; "
            "print(any(m.startswith(('PySide6', 'shiboken6', 'pyqtgraph')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

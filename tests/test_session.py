"""The Qt-free working set, tested with plain listeners (no Qt)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evexplorer import scenario, session
from evexplorer.model import ParameterError, evaluate, registry
from evexplorer.model.registry import same_value
from evexplorer.session import (
    BASELINE,
    MAX_COMPARED,
    History,
    NamedScenario,
    Session,
    SessionError,
    Step,
    merge_stored,
    presets,
)

ARCHIVE = Path(__file__).resolve().parent / "data" / "scenarios"
#: Files saved by EV Explorer 0.1.0 with model 1.0 and their results.
V1_FILES = [ARCHIVE / "v1-default.evx", ARCHIVE / "v1-lfp-shock.evx"]


class Recorder:
    """A listener that keeps the names of every notification."""

    def __init__(self):
        self.calls = []

    def __call__(self, change):
        self.calls.append(change.names)

    @property
    def names(self):
        return frozenset().union(*self.calls) if self.calls else frozenset()


def preset(title: str) -> NamedScenario:
    return next(p for p in presets() if p.title == title)


def model_2(scale: float = 1.1):
    """This model with pack_cost scaled and one series more: stands for a later model version."""
    def run(params=None):
        r = evaluate(params)
        series = dict(r.series)
        series["pack_cost"] = r.series["pack_cost"] * scale
        series["storage_demand"] = np.full(r.years.shape, 7.0)
        units = {**r.units, "storage_demand": "GWh"}
        return dataclasses.replace(r, series=MappingProxyType(series),
                                   units=MappingProxyType(units))
    return run


# -- the scenario: levers and texts --------------------------------------------------------------

def test_starts_at_the_baseline_unmodified():
    s = Session()
    assert dict(s.values) == {n: registry.canonical(n, v) for n, v in registry.defaults().items()}
    assert s.modified is False and s.path is None
    assert s.reference is BASELINE and s.changed_levers() == []
    assert not s.showing_stored and s.stored is None
    assert s.comparison == () and s.uncertainty is None and s.targets == ()
    np.testing.assert_array_equal(s.results.series["pack_cost"],
                                  evaluate().series["pack_cost"])


def test_set_notifies_once_with_every_changed_field():
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    assert s.set("lithium_price", 30_000) is True
    assert len(rec.calls) == 1
    assert rec.calls[0] == {"lithium_price", "modified", "results", "shown", "history"}
    assert s.get("lithium_price") == 30_000.0 and s.modified
    assert s.changed_levers() == ["lithium_price"]
    np.testing.assert_allclose(s.results.series["pack_cost"],
                               evaluate({"lithium_price": 30_000}).series["pack_cost"])


def test_setting_the_same_value_is_silent():
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    assert s.set("lithium_price", s.get("lithium_price")) is False
    assert s.update({"chemistry_mix": dict(s.get("chemistry_mix"))}) == frozenset()
    assert s.update({"end_year": 2050.0, "title": ""}) == frozenset()
    assert rec.calls == [] and len(s.history) == 0


def test_bulk_update_is_one_notification_and_one_step():
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    changed = s.update({"lithium_price": 20_000, "recycling_rate": 50, "title": "Squeeze"})
    assert changed == {"lithium_price", "recycling_rate", "title"}
    assert len(rec.calls) == 1 and rec.calls[0] >= changed
    assert len(s.history) == 1
    s.undo()
    assert s.get("title") == "" and s.changed_levers() == []


def test_invalid_value_changes_nothing():
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    before = dict(s.values)
    with pytest.raises(ParameterError, match="lithium_price"):
        s.update({"recycling_rate": 50, "lithium_price": -1})
    with pytest.raises(ParameterError, match="end_year"):
        s.update({"start_year": 2040, "end_year": 2035})
    with pytest.raises(ParameterError, match="lithium_prize"):
        s.set("lithium_prize", 1)
    with pytest.raises(ParameterError, match="colour"):
        s.update({"colour": "red"})
    assert dict(s.values) == before and rec.calls == [] and len(s.history) == 0


def test_filtered_listener_only_hears_its_names():
    s, rec = Session(), Recorder()
    s.subscribe(rec, names={"nickel_price"})
    s.set("lithium_price", 20_000)
    assert rec.calls == []
    s.set("nickel_price", 20_000)
    assert len(rec.calls) == 1 and "nickel_price" in rec.calls[0]
    s.unsubscribe(rec)
    s.set("nickel_price", 25_000)
    assert len(rec.calls) == 1


def test_modified_returns_to_false_when_the_change_is_reverted():
    s, rec = Session(), Recorder()
    s.subscribe(rec, names={"modified"})
    s.set("mode_shift", 20)
    s.set("title", "Mode shift")
    assert s.modified
    s.update({"mode_shift": 0, "title": ""})
    assert not s.modified
    assert len(rec.calls) == 2  # became modified, became unmodified: nothing in between


def test_reset_puts_levers_back_as_one_step():
    s = Session()
    s.update({"lithium_price": 50_000, "mode_shift": 10})
    assert s.reset(["mode_shift"]) == {"mode_shift"}
    assert s.get("lithium_price") == 50_000
    s.reset()
    assert s.changed_levers() == [] and s.history.undo_text == "Reset all levers"
    s.undo()
    assert s.get("lithium_price") == 50_000


def test_values_are_canonical():
    s = Session()
    s.set("chemistry_mix", {"LFP": 60, "NMC811": 40})  # percent
    mix = s.get("chemistry_mix")
    assert isinstance(mix, MappingProxyType) and mix["LFP"] == pytest.approx(0.6)
    assert set(mix) == set(registry.PARAMETERS["chemistry_mix"].default)
    s.set("end_year", 2040.0)
    assert type(s.get("end_year")) is int


def test_same_value_on_mixes_and_floats():
    assert same_value("chemistry_mix", {"LFP": 0.5, "NCA": 0.5}, {"LFP": 0.5, "NCA": 0.5 + 1e-15})
    assert not same_value("chemistry_mix", {"LFP": 0.5, "NCA": 0.5}, {"LFP": 0.6, "NCA": 0.4})
    assert same_value("end_year", 2030, 2030.0)
    assert not same_value("manufacturing_region", "china", "usa")


# -- recomputation --------------------------------------------------------------------------------

def test_a_deferred_recompute_runs_the_model_once_for_a_burst():
    asked = []
    s = Session(schedule=lambda: asked.append(1))
    assert len(asked) == 1 and not s.up_to_date  # the first run is deferred too
    assert s.recompute() is True and s.up_to_date
    rec = Recorder()
    s.subscribe(rec, names={"results"})
    for price in (20_000, 25_000, 30_000):
        s.set("lithium_price", price)
    assert len(asked) == 4 and rec.calls == [] and not s.up_to_date  # nothing ran yet
    assert s.recompute() is True
    assert len(rec.calls) == 1
    assert s.recompute() is False  # nothing left to do
    np.testing.assert_allclose(s.results.series["pack_cost"],
                               evaluate({"lithium_price": 30_000}).series["pack_cost"])


def test_reading_results_never_gives_stale_numbers():
    s = Session(schedule=lambda: None)
    s.set("demand_growth", 30)
    np.testing.assert_allclose(s.shown.series["ev_sales"],
                               evaluate({"demand_growth": 30}).series["ev_sales"])


# -- reference ------------------------------------------------------------------------------------

def test_a_preset_as_reference_moves_the_reference_results_and_the_changes():
    s, rec = Session(), Recorder()
    squeeze = preset("Lithium squeeze")
    s.subscribe(rec)
    assert s.set_reference(squeeze) is True
    assert len(rec.calls) == 1
    assert rec.calls[0] >= {"reference", "reference_results", "history", "modified"}
    assert s.reference is squeeze
    np.testing.assert_allclose(s.reference_results.series["pack_cost"],
                               evaluate(squeeze.parameters).series["pack_cost"])
    assert s.changed_levers() == [n for n in registry.PARAMETERS
                                  if not same_value(n, squeeze.parameters[n],
                                                    registry.PARAMETERS[n].default)]
    assert s.history.undo_text == "Set reference to “Lithium squeeze”"
    assert s.set_reference(squeeze) is False  # already the reference: no step
    assert len(s.history) == 1


def test_reference_change_is_undoable_and_reset_goes_back_to_the_baseline():
    s = Session()
    s.set_reference(preset("LFP everywhere"))
    s.undo()
    assert s.reference is BASELINE and not s.modified
    s.redo()
    assert s.reference.title == "LFP everywhere"
    assert s.reset_reference() is True
    assert s.reference.is_baseline
    np.testing.assert_array_equal(s.reference_results.series["pack_cost"],
                                  evaluate().series["pack_cost"])
    assert s.reset_reference() is False


def test_the_current_scenario_as_reference_is_a_copy():
    s = Session()
    s.update({"lithium_price": 40_000, "title": "Plan A"})
    s.set_reference(s.current_scenario())
    assert s.reference.title == "Plan A" and s.changed_levers() == []
    s.set("lithium_price", 45_000)
    assert s.changed_levers() == ["lithium_price"]
    assert s.reference.parameters["lithium_price"] == 40_000


def test_the_reference_follows_the_current_time_axis():
    s = Session()
    s.set_reference(NamedScenario.of("Short", {"end_year": 2035, "mode_shift": 10}))
    assert list(s.reference_results.years) == list(range(2025, 2051))
    s.set("end_year", 2040)
    np.testing.assert_array_equal(s.reference_results.years, s.results.years)
    np.testing.assert_allclose(
        s.reference_results.series["ev_sales"],
        evaluate({"end_year": 2040, "mode_shift": 10}).series["ev_sales"])


def test_named_scenario_record_round_trip():
    squeeze = preset("Lithium squeeze")
    record = squeeze.as_record()
    assert set(record) == {"title", "parameters"}
    assert isinstance(record["parameters"]["chemistry_mix"], dict)
    again = NamedScenario.from_record(record)
    assert again.title == squeeze.title and session.same_levers(again.parameters,
                                                                squeeze.parameters)
    with pytest.raises(ParameterError):
        NamedScenario.of("bad", {"lithium_price": -5})


# -- stored results -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", V1_FILES, ids=lambda p: p.name)
def test_stored_numbers_of_a_1_0_file_under_a_later_model(path):
    """A 1.0 file under a model whose numbers differ and that has more series."""
    doc = scenario.open_scenario(path, isolated=False)
    computed = model_2()(doc.parameters)
    shown, note = merge_stored(doc, computed)
    assert shown is not None
    assert list(shown.series) == list(computed.series)
    for name, values in doc.results.series.items():
        np.testing.assert_array_equal(shown.series[name], values)  # the sender's numbers
    lacking = [n for n in computed.series if n not in doc.results.series]
    assert "storage_demand" in lacking
    for name in lacking:  # this version's numbers where the file has none
        np.testing.assert_array_equal(shown.series[name], computed.series[name])
        assert shown.units[name] == computed.units[name]
    assert shown.scalars == doc.results.scalars
    assert f"lacks {len(lacking)} series" in note and "model 1.0" in note
    assert "differ" in note and note.count(". ") <= 1  # two sentences at most


def test_identical_stored_numbers_need_no_banner(tmp_path):
    params = {"lithium_price": 20_000}
    scenario.save_scenario(tmp_path / "now.evx", params, evaluate(params))
    doc = scenario.open_scenario(tmp_path / "now.evx", isolated=False)
    assert merge_stored(doc, evaluate(doc.parameters)) == (None, None)
    assert merge_stored(dataclasses.replace(doc, results=None), evaluate()) == (None, None)


def test_stored_numbers_on_another_time_axis_leave_lacking_series_blank():
    doc = scenario.open_scenario(V1_FILES[0], isolated=False)
    computed = model_2()({**doc.parameters, "end_year": 2040})
    shown, note = merge_stored(doc, computed)
    assert len(shown.years) == len(doc.results.years)
    assert np.all(np.isnan(shown.series["storage_demand"]))
    assert "left blank" in note


def test_opening_a_file_shows_its_stored_numbers_until_a_lever_moves(monkeypatch):
    monkeypatch.setattr(session, "evaluate", model_2())
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    doc = s.open(V1_FILES[-1])
    assert len(rec.calls) == 1
    assert rec.calls[0] >= {"path", "stored", "showing_stored", "shown", "results", "history"}
    assert s.showing_stored and not s.modified
    np.testing.assert_array_equal(s.shown.series["pack_cost"], doc.results.series["pack_cost"])
    np.testing.assert_array_equal(s.shown.series["storage_demand"],
                                  np.full(len(doc.results.years), 7.0))
    assert s.results.series["pack_cost"][0] != doc.results.series["pack_cost"][0]
    rec.calls.clear()
    s.set("mode_shift", 5)
    assert not s.showing_stored and s.shown is s.results
    assert {"showing_stored", "shown"} <= rec.names
    with pytest.raises(SessionError):
        s.show_stored(True)  # the levers moved away from the file's
    s.undo()
    s.show_stored(True)
    assert s.shown is s.stored


# -- files ----------------------------------------------------------------------------------------

def test_save_and_open_round_trip(tmp_path):
    s = Session()
    s.update({"lithium_price": 30_000, "title": "Squeeze", "author": "A. Analyst",
              "notes": "Two lines\nof notes"})
    path = tmp_path / "squeeze.evx"
    s.save(path)
    assert s.path == str(path) and not s.modified
    created = s.created
    other = Session()
    doc = other.open(path)
    assert doc.title == "Squeeze" and other.meta["notes"] == "Two lines\nof notes"
    assert other.created == created and other.path == str(path)
    assert other.get("lithium_price") == 30_000 and not other.modified
    assert len(other.history) == 0 and not other.showing_stored
    other.set("mode_shift", 4)
    other.save(path)
    assert scenario.open_scenario(path).created == created


def test_a_failed_save_changes_nothing(tmp_path):
    s = Session()
    s.set("recycling_rate", 70)
    with pytest.raises(scenario.ScenarioFileError):
        s.save(tmp_path / "missing-folder" / "x.evx")
    assert s.path is None and s.modified and s.created is None


def test_a_refused_file_changes_nothing(tmp_path):
    s = Session()
    s.set("nickel_price", 25_000)
    bad = tmp_path / "bad.evx"
    bad.write_bytes(b"not a scenario" * 20)
    with pytest.raises(scenario.ScenarioFileError):
        s.open(bad)
    assert s.get("nickel_price") == 25_000 and len(s.history) == 1 and s.modified


def test_a_preset_opens_as_a_new_untitled_scenario():
    s = Session()
    s.set_reference(preset("LFP everywhere"))
    path = Path(preset("Circular 2040").path)
    s.open(path, isolated=False, as_new=True)
    assert s.path is None and s.created is None and not s.modified
    assert s.meta["title"] == "Circular 2040" and s.reference is BASELINE
    assert len(s.history) == 0


def test_new_goes_back_to_the_baseline():
    s = Session()
    s.update({"lithium_price": 30_000, "title": "x"})
    s.set_reference(preset("Lithium squeeze"))
    s.set_uncertainty({"seed": 1, "levers": {}, "correlations": []})
    s.new()
    assert s.changed_levers() == [] and s.meta["title"] == "" and s.reference is BASELINE
    assert s.uncertainty is None and not s.modified and len(s.history) == 0


def test_save_arguments_hold_the_reference_uncertainty_and_targets():
    s = Session()
    args = s.save_arguments()
    assert args["reference"] is None and args["uncertainty"] is None and args["targets"] is None
    assert set(session.SAVED_ARGUMENTS) <= set(args)
    s.set_reference(preset("Lithium squeeze"))
    s.set_uncertainty({"seed": 7, "levers": {"lithium_price": {"dist": "x"}},
                       "correlations": [["lithium_price", "nickel_price", 0.5]]})
    s.set_targets([{"output": "pack_cost", "year": 2030, "comparison": "<=",
                    "required": 80.0}])
    args = s.save_arguments()
    assert args["reference"]["title"] == "Lithium squeeze"
    assert args["reference"]["parameters"]["lithium_price"] == \
        preset("Lithium squeeze").parameters["lithium_price"]
    assert args["uncertainty"]["seed"] == 7
    assert args["targets"] == [{"output": "pack_cost", "year": 2030, "comparison": "<=",
                                "required": 80.0}]


def test_open_carries_the_files_reference_uncertainty_and_targets(tmp_path):
    """A file that stores the three sections brings them into the session, and back."""
    squeeze = preset("Lithium squeeze")
    uncertainty = {"seed": 3, "levers": {"lithium_price": {
        "distribution": "loguniform", "spread": "relative", "low": 0.5, "high": 2.0}},
        "correlations": []}
    targets = [{"id": "mine", "description": "Packs under 80 USD/kWh", "source": "",
                "output": "pack_cost", "year": 2030, "comparison": "<=", "required": 80.0}]
    path = tmp_path / "full.evx"
    params = {"lithium_price": 20_000}
    scenario.save_scenario(path, params, evaluate(params), reference=squeeze.as_record(),
                           uncertainty=uncertainty, targets=targets)
    s = Session()
    s.open(path, isolated=False)
    assert s.reference.title == "Lithium squeeze" and s.reference.origin == "file"
    assert session.same_levers(s.reference.parameters, squeeze.parameters)
    assert s.uncertainty["seed"] == 3
    assert s.uncertainty["levers"]["lithium_price"]["high"] == 2.0
    assert [dict(t) for t in s.targets] == targets
    assert not s.modified
    again = tmp_path / "again.evx"
    s.save(again)
    doc = scenario.open_scenario(again, isolated=False)
    assert doc.reference["title"] == "Lithium squeeze"
    assert doc.uncertainty["seed"] == 3 and [dict(t) for t in doc.targets] == targets


def test_an_unusable_reference_in_a_file_falls_back_to_the_baseline(monkeypatch):
    real = scenario.open_scenario

    def open_bad(path, **kwargs):
        doc = real(path, **kwargs)
        return dataclasses.replace(doc, reference={"title": "Broken",
                                                   "parameters": {"lithium_price": -1}})

    monkeypatch.setattr(scenario, "open_scenario", open_bad)
    s = Session()
    doc = s.open(V1_FILES[0], isolated=False)
    assert s.reference is BASELINE and not s.modified
    assert doc.warnings[-1].startswith("The file's reference scenario cannot be used")
    assert "lithium_price" in doc.warnings[-1]


# -- uncertainty and targets slots ----------------------------------------------------------------

def test_uncertainty_and_targets_notify_only_on_real_change():
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    record = {"seed": 1, "levers": {"lithium_price": [1.0, 2.0]}, "correlations": []}
    s.set_uncertainty(record)
    record["seed"] = 99  # the session keeps its own copy
    assert s.uncertainty["seed"] == 1
    s.set_uncertainty({"seed": 1, "levers": {"lithium_price": [1.0, 2.0]}, "correlations": []})
    s.set_targets([{"output": "pack_cost", "value": np.array([1.0, 2.0])}])
    s.set_targets([{"output": "pack_cost", "value": np.array([1.0, 2.0])}])
    assert [c & {"uncertainty", "targets"} for c in rec.calls] == [{"uncertainty"}, {"targets"}]
    assert s.modified
    s.set_uncertainty(None)
    s.set_targets([])
    assert not s.modified


# -- comparison set -------------------------------------------------------------------------------

def test_the_current_scenarios_entry_follows_its_levers():
    s, rec = Session(), Recorder()
    s.subscribe(rec, names={"comparison"})
    live = s.add_comparison()
    assert live.follows_current and len(rec.calls) == 1
    s.set("lithium_price", 35_000)
    (entry,) = s.comparison
    assert entry.key == live.key and entry.scenario.parameters["lithium_price"] == 35_000
    np.testing.assert_allclose(entry.results.series["pack_cost"],
                               s.results.series["pack_cost"])
    assert len(rec.calls) == 2
    with pytest.raises(SessionError, match="already"):
        s.add_comparison()


def test_compared_scenarios_are_computed_and_bounded():
    s = Session()
    entries = [s.add_comparison(p) for p in presets()[:MAX_COMPARED]]
    for entry in entries:
        np.testing.assert_allclose(entry.results.series["pack_cost"],
                                   evaluate(entry.scenario.parameters).series["pack_cost"])
    with pytest.raises(SessionError, match=str(MAX_COMPARED)):
        s.add_comparison(BASELINE)
    s.remove_comparison(entries[0].key)
    assert [c.key for c in s.comparison] == [e.key for e in entries[1:]]
    with pytest.raises(SessionError):
        s.remove_comparison(entries[0].key)
    s.set("lithium_price", 50_000)  # entries from presets do not follow the levers
    assert s.comparison[0].results is entries[1].results


# -- undo -----------------------------------------------------------------------------------------

def test_a_gesture_is_one_undo_step():
    s, rec = Session(), Recorder()
    s.subscribe(rec, names={"history"})
    s.begin_change("Change lithium price")
    for price in range(12_000, 30_000, 2_000):
        s.set("lithium_price", price)
    assert len(s.history) == 0 and rec.calls == []
    assert s.end_change() == {"lithium_price"}
    assert len(s.history) == 1 and s.history.undo_text == "Change lithium price"
    s.undo()
    assert s.get("lithium_price") == registry.PARAMETERS["lithium_price"].default
    s.redo()
    assert s.get("lithium_price") == 28_000
    s.begin_change("nothing")
    assert s.end_change() == frozenset() and len(s.history) == 1


def test_a_change_block_is_one_step_and_one_notification():
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    with s.change("Apply goal"):
        s.set("lithium_price", 20_000)
        s.set("recycling_rate", 60)
        s.set("title", "Goal")
    assert len(rec.calls) == 1
    assert rec.calls[0] >= {"lithium_price", "recycling_rate", "title", "history", "results"}
    assert len(s.history) == 1 and s.history.undo_text == "Apply goal"
    s.undo()
    assert s.changed_levers() == [] and s.meta["title"] == ""


def test_typing_in_one_text_field_is_one_step():
    s = Session()
    for i in range(1, 6):
        s.set("title", "Plan B"[:i])
    s.set("notes", "n")
    s.set("title", "Plan B2")
    assert len(s.history) == 3
    s.undo()
    s.undo()
    assert s.meta["title"] == "Plan " and s.meta["notes"] == ""
    s.undo()
    assert s.meta["title"] == "" and not s.history.can_undo


def test_a_new_step_drops_the_steps_that_could_be_redone():
    s = Session()
    s.set("lithium_price", 20_000)
    s.set("lithium_price", 30_000)
    s.undo()
    s.set("nickel_price", 20_000)
    assert not s.history.can_redo and len(s.history) == 2
    assert s.redo() is False


def test_the_history_is_bounded():
    s = Session(undo_limit=10)
    for i in range(25):
        s.set("lithium_price", 10_000 + 100 * (i + 1))
    assert len(s.history) == 10
    while s.undo():
        pass
    assert s.get("lithium_price") == 10_000 + 100 * 15  # the oldest steps are gone
    s.set_undo_limit(3)
    assert len(s.history) == 3
    s.set_undo_limit(0)
    s.set("nickel_price", 20_000)
    assert len(s.history) == 0 and not s.history.can_undo
    with pytest.raises(ValueError):
        History(-1)


def test_history_merge_keeps_the_first_before():
    h = History(limit=None)
    h.push(Step("Edit title", (("title", ""),), (("title", "a"),), "text:title"))
    h.push(Step("Edit title", (("title", "a"),), (("title", "ab"),), "text:title"))
    assert len(h) == 1
    step = h.undo()
    assert step.before == (("title", ""),) and step.after == (("title", "ab"),)


LEVERS = {
    "lithium_price": st.sampled_from([8_000.0, 10_000.0, 20_000.0, 40_000.0]),
    "recycling_rate": st.sampled_from([10.0, 50.0, 90.0]),
    "manufacturing_region": st.sampled_from(["china", "usa", "eu"]),
    "title": st.sampled_from(["", "A", "B"]),
}
ACTIONS = st.lists(st.one_of(*(st.tuples(st.just(name), values)
                               for name, values in LEVERS.items())), max_size=25)


@given(actions=ACTIONS, limit=st.integers(min_value=1, max_value=30))
def test_undo_all_then_redo_all_retraces_every_step(actions, limit):
    s = Session(undo_limit=limit, schedule=lambda: None)
    rec = Recorder()
    s.subscribe(rec)
    states = [dict(s.values) | dict(s.meta)]  # the state after each undo step
    real, last = 0, None
    for name, value in actions:
        if s.set(name, value):
            real += 1
            if name == last == "title":  # consecutive typing in one field merges
                states[-1] = dict(s.values) | dict(s.meta)
            else:
                states.append(dict(s.values) | dict(s.meta))
            last = name
    assert len(rec.calls) == real  # one notification per real change, none otherwise
    assert len(s.history) == min(limit, len(states) - 1)
    undone = 0
    while s.undo():
        undone += 1
        assert dict(s.values) | dict(s.meta) == states[-1 - undone]
    assert undone == min(limit, len(states) - 1)
    while s.redo():
        pass
    assert dict(s.values) | dict(s.meta) == states[-1]


def test_bands_notify_once_and_are_not_part_of_the_scenario():
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    bands = object()  # the session carries bands; it does not interpret them
    s.set_bands(bands)
    assert s.bands is bands and rec.calls == [frozenset({"bands"})]
    s.set_bands(bands)
    assert len(rec.calls) == 1  # the same bands again: no notification
    assert not s.modified and not s.history.can_undo
    s.set_bands(None)
    assert s.bands is None and rec.calls[-1] == frozenset({"bands"})


def test_targets_and_uncertainty_set_in_a_change_block_are_one_undo_step():
    s = Session()
    target = {"id": "pack_cost<=80@2030", "description": "Pack cost ≤ 80 USD/kWh in 2030",
              "source": "user", "output": "pack_cost", "year": 2030, "comparison": "<=",
              "required": 80.0}
    with s.change("Add target"):
        s.set_targets([target])
    assert len(s.history) == 1 and s.history.undo_text == "Add target" and s.modified
    with s.change("Edit uncertainty"):
        s.set_uncertainty({"seed": 3, "levers": {}, "correlations": []})
    assert len(s.history) == 2
    s.undo()
    assert s.uncertainty is None and [dict(t) for t in s.targets] == [target]
    s.undo()
    assert s.targets == () and not s.modified
    s.redo()
    s.redo()
    assert [dict(t) for t in s.targets] == [target] and s.uncertainty["seed"] == 3
    with s.change("nothing"):
        s.set_targets([target])  # the same records: no step
    assert len(s.history) == 2

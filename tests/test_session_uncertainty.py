"""The uncertainty record is part of the scenario's undo history (no Qt)."""

from __future__ import annotations

from evexplorer import scenario
from evexplorer.analysis.uncertainty import default_spec
from evexplorer.session import Session

NARROW = {"seed": 3, "levers": {"lithium_price": {
    "distribution": "loguniform", "spread": "relative", "low": 0.5, "high": 2.0}},
    "correlations": []}

#: A record files may hold whose correlations cannot all hold (not a valid correlation matrix).
IMPOSSIBLE = {"seed": 1, "levers": {
    name: {"distribution": "uniform", "spread": "absolute", "low": -1.0, "high": 1.0}
    for name in ("demand_growth", "supply_growth", "learning_rate")},
    "correlations": [{"a": "demand_growth", "b": "supply_growth", "rho": 0.9},
                     {"a": "supply_growth", "b": "learning_rate", "rho": 0.9},
                     {"a": "demand_growth", "b": "learning_rate", "rho": -0.9}]}


class Recorder:
    def __init__(self) -> None:
        self.calls: list[frozenset[str]] = []

    def __call__(self, change) -> None:
        self.calls.append(change.names)


def test_setting_the_uncertainty_is_one_undo_step():
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    s.set_uncertainty(NARROW, text="Narrow lithium")
    assert s.uncertainty["seed"] == 3 and s.modified
    assert len(s.history) == 1 and s.history.undo_text == "Narrow lithium"
    assert rec.calls[-1] >= {"uncertainty", "history", "modified"}
    assert s.undo()
    assert s.uncertainty is None and not s.modified
    assert "uncertainty" in rec.calls[-1]
    assert s.redo()
    assert s.uncertainty["levers"]["lithium_price"]["low"] == 0.5 and s.modified


def test_the_same_record_again_is_no_step():
    s = Session()
    s.set_uncertainty(NARROW)
    s.set_uncertainty(dict(NARROW))
    assert len(s.history) == 1


def test_a_gesture_takes_levers_and_uncertainty_into_one_step():
    s = Session()
    with s.change("Apply a what-if"):
        s.set("lithium_price", 30_000)
        s.set_uncertainty(NARROW)
    assert len(s.history) == 1 and s.history.undo_text == "Apply a what-if"
    s.undo()
    assert s.get("lithium_price") == 10_000 and s.uncertainty is None
    s.redo()
    assert s.get("lithium_price") == 30_000 and s.uncertainty["seed"] == 3


def test_a_lever_step_does_not_touch_the_uncertainty():
    s = Session()
    s.set_uncertainty(NARROW)
    s.set("lithium_price", 30_000)
    s.undo()  # the lever only
    assert s.get("lithium_price") == 10_000 and s.uncertainty["seed"] == 3


def test_the_session_carries_a_record_it_cannot_use_without_judging_it():
    s = Session()
    s.set_uncertainty(IMPOSSIBLE)
    assert s.uncertainty["correlations"][2]["rho"] == -0.9 and s.modified


def test_opening_and_new_are_not_undo_steps(tmp_path):
    path = tmp_path / "u.evx"
    record = default_spec().with_seed(11).to_record()
    scenario.save_scenario(path, {}, None, uncertainty=record)
    s = Session()
    s.set_uncertainty(NARROW)
    s.open(path, isolated=False)
    assert s.uncertainty["seed"] == 11 and len(s.history) == 0 and not s.modified
    s.new()
    assert s.uncertainty is None and len(s.history) == 0


def test_driver_rows_are_carried_for_reports_and_are_not_part_of_the_scenario():
    s, rec = Session(), Recorder()
    s.subscribe(rec)
    rows = [{"lever": "Lithium carbonate price", "output at P10": "80.8 USD/kWh"}]
    s.set_drivers(rows)
    rows[0]["lever"] = "changed"  # the session keeps its own copy
    assert s.drivers[0]["lever"] == "Lithium carbonate price"
    assert rec.calls == [frozenset({"drivers"})]
    s.set_drivers([{"lever": "Lithium carbonate price", "output at P10": "80.8 USD/kWh"}])
    assert len(rec.calls) == 1  # the same rows: no notification
    assert not s.modified and len(s.history) == 0
    s.set_drivers(())
    assert s.drivers == () and rec.calls[-1] == frozenset({"drivers"})

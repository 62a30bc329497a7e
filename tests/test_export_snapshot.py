"""The Snapshot: what an export shows, and when a file's stored numbers are the ones shown."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import h5py
import numpy as np
import pytest

from evexplorer._version import MODEL_VERSION
from evexplorer.export import Bands, Reference, ScenarioInfo, Snapshot, from_document
from evexplorer.export.snapshot import changed_levers, stored_results
from evexplorer.model import Results, evaluate
from evexplorer.scenario import open_scenario, save_scenario


def shifted(results: Results, name: str = "pack_cost", by: float = 1.0) -> Results:
    """The same results with one series moved: numbers this model would never compute."""
    series = dict(results.series)
    series[name] = np.asarray(series[name]) + by
    return replace(results, series=MappingProxyType(series))


@pytest.fixture
def sent(tmp_path):
    """A file as a colleague sends it: levers, and stored numbers that differ from ours."""
    results = evaluate({"lithium_price": 25_000, "end_year": 2040})
    path = tmp_path / "sent.evx"
    save_scenario(path, results.parameters, shifted(results), title="Sent scenario",
                  author="A. Colleague", notes="Two lines\nof notes")
    return path


def _text(value: str) -> np.ndarray:
    data = value.encode("utf-8")
    return np.array(data, dtype=h5py.string_dtype("utf-8", len(data)))


# ---------------------------------------------------------------------------------------------
# which numbers a file shows


def test_a_trusted_file_shows_its_stored_numbers(sent):
    doc = open_scenario(sent, isolated=False)
    recomputed = evaluate(doc.parameters)
    snap = from_document(doc, recomputed)
    assert snap.stored and snap.computed == ()
    np.testing.assert_array_equal(snap.results.series["pack_cost"],
                                  recomputed.series["pack_cost"] + 1.0)
    np.testing.assert_array_equal(snap.results.series["ev_sales"], recomputed.series["ev_sales"])
    assert snap.results.model_version == MODEL_VERSION
    assert snap.numbers == "stored in the file"
    assert snap.info.title == "Sent scenario" and snap.info.author == "A. Colleague"
    assert snap.info.checksum_ok is True and snap.info.file == str(sent)
    assert snap.name == "Sent scenario"


def test_changed_levers_show_the_recomputed_numbers(sent):
    doc = open_scenario(sent, isolated=False)
    recomputed = evaluate({**doc.parameters, "recycling_rate": 80})
    snap = from_document(doc, recomputed)
    assert not snap.stored and snap.results is recomputed
    assert snap.numbers.startswith("computed by EV Explorer")


def test_a_damaged_file_shows_the_recomputed_numbers(sent, tmp_path):
    with h5py.File(sent, "r+") as f:
        data = f["results/ev_sales"][()] * 2.0
        unit = f["results/ev_sales"].attrs["unit"]
        del f["results/ev_sales"]
        f.create_dataset("results/ev_sales", data=data).attrs["unit"] = unit
    doc = open_scenario(sent, isolated=False)
    assert not doc.checksum_ok
    recomputed = evaluate(doc.parameters)
    snap = from_document(doc, recomputed)
    assert not snap.stored and snap.results is recomputed
    assert snap.info.checksum_ok is False


def test_a_file_of_another_model_version_shows_the_recomputed_numbers(sent):
    with h5py.File(sent, "r+") as f:
        f.attrs["model_version"] = _text("0.9")  # root attributes are outside the checksum
    doc = open_scenario(sent, isolated=False)
    assert doc.checksum_ok and doc.model_version == "0.9"
    recomputed = evaluate(doc.parameters)
    assert stored_results(doc, recomputed) == (None, ())
    assert not from_document(doc, recomputed).stored


def test_series_a_file_lacks_come_from_this_version(monkeypatch):
    # An archived file written by model 1.0, which lacks ev_price_premium, read as if this were
    # still model 1.0 (its stored numbers are then trusted).
    from pathlib import Path

    from evexplorer.export import snapshot

    archive = Path(__file__).resolve().parent / "data" / "scenarios" / "v1-lfp-shock.evx"
    doc = open_scenario(archive, isolated=False)
    assert doc.checksum_ok and "ev_price_premium" not in doc.results.series
    monkeypatch.setattr(snapshot, "MODEL_VERSION", doc.model_version)
    recomputed = evaluate(doc.parameters)
    snap = from_document(doc, recomputed)
    lacking = tuple(n for n in recomputed.series if n not in doc.results.series)
    assert "ev_price_premium" in lacking
    assert snap.stored and snap.computed == lacking
    np.testing.assert_array_equal(snap.results.series["ev_price_premium"],
                                  recomputed.series["ev_price_premium"])
    np.testing.assert_array_equal(snap.results.series["pack_cost"],
                                  doc.results.series["pack_cost"])
    assert "ev_price_premium" in snap.numbers
    assert list(snap.results.series) == list(recomputed.series)


def test_a_file_from_another_model_version_shows_the_recomputed_numbers():
    from pathlib import Path

    archive = Path(__file__).resolve().parent / "data" / "scenarios" / "v1-lfp-shock.evx"
    doc = open_scenario(archive, isolated=False)
    assert doc.model_version != MODEL_VERSION
    assert not from_document(doc, evaluate(doc.parameters)).stored


def test_a_file_without_results_shows_the_recomputed_numbers(tmp_path):
    results = evaluate({"mode_shift": 10})
    save_scenario(tmp_path / "bare.evx", results.parameters, None)
    doc = open_scenario(tmp_path / "bare.evx", isolated=False)
    assert not from_document(doc, evaluate(doc.parameters)).stored


# ---------------------------------------------------------------------------------------------
# the container


def test_snapshot_refuses_a_batch():
    batch = evaluate({"lithium_price": np.array([1e4, 2e4])})
    with pytest.raises(ValueError, match="batch of 2 samples"):
        Snapshot(results=batch)


def test_snapshot_refuses_a_reference_over_other_years():
    with pytest.raises(ValueError, match="same years"):
        Snapshot(results=evaluate(), reference=Reference("Short", evaluate({"end_year": 2040})))


def test_bands_are_checked_and_read_only():
    results = evaluate()
    band = np.stack([results.series["pack_cost"] * f for f in (0.9, 1.0, 1.1)])
    bands = Bands({"pack_cost": band}, n_samples=1000)
    assert bands.labels() == ("P10", "P50", "P90")
    assert not bands.series["pack_cost"].flags.writeable
    Snapshot(results=results, bands=bands)
    with pytest.raises(ValueError, match="3 rows"):
        Bands({"pack_cost": band[:2]})
    with pytest.raises(ValueError, match="ascending"):
        Bands({"pack_cost": band}, percentiles=(90, 50, 10))
    with pytest.raises(ValueError, match="pack_cots"):
        Snapshot(results=results, bands=Bands({"pack_cots": band}))
    with pytest.raises(ValueError, match="has 5 years"):
        Snapshot(results=results, bands=Bands({"pack_cost": band[:, :5]}))
    assert Bands({}, percentiles=(5, 50, 95)).labels() == ("P5", "P50", "P95")


def test_snapshot_is_frozen_and_copies_its_rows():
    rows = [{"id": "t1", "met": True}]
    snap = Snapshot(results=evaluate(), targets=rows)
    rows[0]["met"] = False
    assert snap.targets[0]["met"] is True
    with pytest.raises(AttributeError):
        snap.stored = True  # type: ignore[misc]


@pytest.mark.parametrize("info, levers, name", [
    (ScenarioInfo(title="  Lithium   squeeze "), {}, "Lithium squeeze"),
    (ScenarioInfo(file="/data/q3/lfp-world.evx"), {}, "lfp-world"),
    (ScenarioInfo(), {}, "Baseline"),
    (ScenarioInfo(), {"recycling_rate": 80}, "Scenario"),
])
def test_the_scenario_name_rule(info, levers, name):
    assert Snapshot(results=evaluate(levers), info=info).name == name


def test_changed_levers_compares_with_defaults_or_a_reference():
    values = evaluate({"lithium_price": 20_000, "chemistry_mix": "LFP"}).parameters
    assert changed_levers(values) == ["lithium_price", "chemistry_mix"]
    assert changed_levers(values, values) == []

"""What the window exports, without Qt: the snapshot of a session (numbers shown, file,
checksum, reference, bands, targets), bands converted from the analysis, targets checked."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from evexplorer import scenario
from evexplorer.analysis import compute_bands, default_spec
from evexplorer.analysis.targets import TargetError, builtin_targets
from evexplorer.app.on_screen import file_document, reference_title, snapshot_of
from evexplorer.export import Bands, build_report, target_rows
from evexplorer.model import SERIES, evaluate
from evexplorer.session import NamedScenario, Session

ROOT = Path(__file__).resolve().parents[1]
USER_TARGET = {"id": "pack_cost<=80@2030", "description": "Pack cost at most 80 USD/kWh",
               "source": "user", "output": "pack_cost", "year": 2030, "comparison": "<=",
               "required": 80.0}


def test_the_snapshot_module_pulls_in_no_qt():
    code = ("import sys\nfrom evexplorer.app.on_screen import snapshot_of\n"
            "from evexplorer.session import Session\nsnapshot_of(Session())\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'shiboken6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_an_untitled_scenario(tmp_path):
    session = Session()
    session.update({"lithium_price": 30_000.0, "title": "Squeeze"})
    snap = snapshot_of(session, file_document(session))
    assert snap.results is session.shown and not snap.stored
    assert snap.info.title == "Squeeze" and snap.info.file is None and not snap.info.unsaved
    assert snap.reference.title == "Baseline"
    np.testing.assert_array_equal(snap.reference.results.series["pack_cost"],
                                  evaluate().series["pack_cost"])
    assert build_report(snap).checksum == "not saved to a file"


def test_a_saved_unchanged_file_brings_versions_checksum_and_sha256(tmp_path):
    session = Session()
    session.update({"lithium_price": 30_000.0, "title": "Saved"})
    path = tmp_path / "saved.evx"
    session.save(path)
    document = file_document(session)
    assert document is not None
    snap = snapshot_of(session, document)
    assert snap.info.checksum_ok is True and snap.info.model_version == snap.model_version
    assert snap.info.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    report = build_report(snap)
    assert report.checksum == f"{document.checksum} (verified)"
    assert report.file_sha256 == snap.info.file_sha256
    # Unsaved changes: the file no longer describes the scenario.
    session.set("notes", "edited")
    assert file_document(session) is None
    snap = snapshot_of(session, file_document(session))
    assert snap.info.unsaved and snap.info.checksum_ok is None and snap.info.file == str(path)
    report = build_report(snap)
    assert report.checksum.startswith("not checked") and report.file_sha256 is None


def test_a_file_changed_on_disk_is_not_described_as_the_scenario(tmp_path):
    session = Session()
    path = tmp_path / "a.evx"
    session.save(path)
    other = evaluate({"lithium_price": 50_000.0})
    scenario.save_scenario(path, other.parameters, other)
    assert file_document(session) is None


def test_a_reference_is_named_by_its_title():
    session = Session()
    assert reference_title(session) == "Baseline"
    session.set_reference(NamedScenario.of("  LFP   everywhere ", {"lithium_price": 9_000.0}))
    snap = snapshot_of(session)
    assert snap.reference.title == "LFP everywhere"
    np.testing.assert_array_equal(snap.reference.results.series["pack_cost"],
                                  session.reference_results.series["pack_cost"])


def test_user_targets_are_checked_against_the_numbers_shown():
    session = Session()
    session.set("lithium_price", 40_000.0)
    session.set_targets([USER_TARGET])
    snap = snapshot_of(session)
    (row,) = [t for t in snap.targets if t["source"] == "user"]
    i = list(session.shown.years).index(2030)
    assert row["value"] == pytest.approx(session.shown.series["pack_cost"][i])
    assert row["met"] is (row["value"] <= 80.0) and row["unit"] == "USD/kWh"


def test_builtin_targets_only_when_they_can_be_evaluated():
    results = evaluate()
    rows = target_rows(results)
    evaluable = [t for t in builtin_targets() if t.output in SERIES
                 and results.years[0] <= t.year <= results.years[-1]]
    assert [r["id"] for r in rows] == [t.id for t in evaluable]
    assert all(r["met"] is not None for r in rows)
    short = evaluate({"end_year": 2030})  # the 2031 and 2036 rules fall outside
    assert all(r["year"] <= 2030 for r in target_rows(short))


def test_bad_target_records_are_refused():
    with pytest.raises(TargetError):
        target_rows(evaluate(), [{**USER_TARGET, "output": "pack_kost"}])
    session = Session()
    session.set_targets([{**USER_TARGET, "output": "pack_kost"}])
    assert snapshot_of(session).targets == target_rows(session.shown)  # left out, no crash


def test_bands_from_the_analysis_are_its_p10_p50_p90():
    values = {"lithium_price": 30_000.0}
    bands = compute_bands(values, default_spec(), 200, series=["pack_cost", "ev_price"],
                          percentiles=(5, 10, 50, 90, 95))
    converted = Bands.from_analysis(bands)
    assert converted.percentiles == (10.0, 50.0, 90.0) and converted.n_samples == 200
    np.testing.assert_array_equal(converted.series["pack_cost"],
                                  np.asarray(bands.series["pack_cost"])[[1, 2, 3]])
    assert set(converted.scalars) == set(bands.scalars)


def test_never_becomes_nan_and_other_percentiles_keep_low_middle_high():
    fake = SimpleNamespace(percentiles=(25.0, 50.0, 75.0), n_samples=10,
                           series={"pack_cost": np.array([[1.0, 2.0], [3.0, np.inf],
                                                          [5.0, 6.0]])},
                           scalars={"cost_parity_year": np.array([2030.0, 2032.0, np.inf])})
    converted = Bands.from_analysis(fake)
    assert converted.labels() == ("P25", "P50", "P75")
    assert np.isnan(converted.series["pack_cost"][1, 1])
    assert np.isnan(converted.scalars["cost_parity_year"][2])


def test_session_bands_are_exported_when_present_and_fitting():
    session = Session()
    bands = compute_bands(dict(session.values), default_spec(), 100, series=["pack_cost"])
    session.set_bands(bands)  # as the window's uncertainty view keeps them
    snap = snapshot_of(session)
    np.testing.assert_array_equal(snap.bands.series["pack_cost"], bands.series["pack_cost"])
    report = build_report(snap)
    assert report.band_text == "P10–P90 of 100 samples"
    # Bands of other years (a recomputation pending) are left out rather than misplaced.
    session.set("end_year", 2040)
    assert snapshot_of(session).bands is None


def test_headline_reference_text_is_formatted_as_the_figure():
    session = Session()
    session.set("lithium_price", 40_000.0)
    figures = {h.key: h for h in build_report(snapshot_of(session)).headlines}
    i = list(session.shown.years).index(2030)
    base = session.reference_results.series["pack_cost"][i]
    assert figures["pack_cost"].reference_text == f"{base:,.0f} USD/kWh"
    parity = session.reference_results.scalars["cost_parity_year"]
    assert figures["cost_parity_year"].reference_text == f"{parity}"

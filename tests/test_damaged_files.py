"""Damaged files without Qt: the session does not trust the stored numbers of a file whose
checksum fails; differences between stored and recomputed numbers are written readably."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_scenario_support import edited_copy, replace_dataset

from evexplorer import scenario
from evexplorer.model import evaluate
from evexplorer.scenario.document import WIDE_DIFFERENCE, _difference_text, _significant
from evexplorer.session import DAMAGED_NOTE, Session, merge_stored


@pytest.fixture
def damaged(tmp_path):
    results = evaluate({"recycling_rate": 60.0})
    source = tmp_path / "sound.evx"
    scenario.save_scenario(source, results.parameters, results, title="Sound")
    path = edited_copy(source, tmp_path / "damaged.evx", lambda f: replace_dataset(
        f, "results/ev_price", f["results/ev_price"][()] + 5_000.0))
    return path, results


def test_merge_stored_refuses_the_numbers_of_a_file_whose_checksum_fails(damaged):
    path, results = damaged
    doc = scenario.open_scenario(path, isolated=False)
    assert doc.checksum_status == "mismatch"
    assert merge_stored(doc, results) == (None, DAMAGED_NOTE)


def test_the_session_shows_this_versions_numbers_for_a_damaged_file(damaged, tmp_path):
    path, results = damaged
    session = Session()
    heard = []
    session.subscribe(lambda change: heard.append(change.names))
    session.open(path, isolated=False)
    assert session.stored is None and not session.showing_stored
    assert session.stored_note == DAMAGED_NOTE
    assert any("stored" in names for names in heard)
    np.testing.assert_array_equal(session.shown.series["ev_price"], results.series["ev_price"])
    session.save(tmp_path / "resaved.evx")
    assert session.stored_note is None
    session.open(path, isolated=False)
    session.new()
    assert session.stored_note is None


def test_a_sound_file_keeps_its_stored_numbers(tmp_path):
    results = evaluate()
    changed = dataclasses.replace(results, series=MappingProxyType(
        {**results.series, "pack_cost": results.series["pack_cost"] * 1.03}))
    path = tmp_path / "older.evx"
    scenario.save_scenario(path, results.parameters, changed)
    session = Session()
    session.open(path, isolated=False)
    assert session.showing_stored
    assert "by up to 2.9 %" in session.stored_note  # |recomputed - stored| / stored


@pytest.mark.parametrize(("factor", "text"), [
    (1.031, " by up to 3.1 %"),
    (1.5, " by up to 50 %"),
    (3.0, " by up to 200 %"),
    (10.0, " by up to 900 %"),
    (1.4e6, ": the stored numbers differ widely (by more than 1,000 %)"),
])
def test_differences_are_capped_to_something_readable(factor, text):
    old = np.array([100.0, 200.0])
    assert _difference_text(old, old * factor, "USD/kWh") == text


def test_a_difference_from_zero_is_given_in_the_unit():
    assert _difference_text(np.array([0.0, 1.0]), np.array([1234.5, 1.0]), "km") == \
        " by up to 1,230 km"


@given(st.floats(1e-300, 1e300))
def test_significant_figures_never_use_an_exponent(value):
    text = _significant(value)
    assert "e" not in text and "E" not in text
    assert float(text.replace(",", "")) == pytest.approx(value, rel=0.06)


@given(st.floats(1.000001, 1e12))
def test_every_difference_reads_without_an_exponent(factor):
    text = _difference_text(np.array([5.0]), np.array([5.0 * factor]), "USD")
    assert "e+" not in text and "e-" not in text
    assert ("differ widely" in text) == (factor - 1 > WIDE_DIFFERENCE)

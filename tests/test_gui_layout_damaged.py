"""Damaged files in the window: a file whose checksum fails shows freshly computed numbers
and says so in one sentence (once); stored numbers that differ wildly are described in
words, not as a percentage with an exponent."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import numpy as np
import pytest
from gui_helpers import curve_y, settle
from gui_layout_checks import problems
from test_scenario_support import edited_copy, replace_dataset

from evexplorer import scenario
from evexplorer.model import evaluate
from evexplorer.session import DAMAGED_NOTE

pytestmark = pytest.mark.gui


def damaged_file(tmp_path):
    """A saved scenario whose stored pack costs were multiplied by a million afterwards."""
    results = evaluate({"lithium_price": 25_000.0})
    source = tmp_path / "sound.evx"
    scenario.save_scenario(source, results.parameters, results, title="Damaged")
    path = edited_copy(source, tmp_path / "damaged.evx", lambda f: replace_dataset(
        f, "results/pack_cost", f["results/pack_cost"][()] * 1e6))
    return path, results


def test_a_damaged_file_shows_fresh_numbers_and_says_so_once(window, tmp_path):
    path, results = damaged_file(tmp_path)
    assert scenario.open_scenario(path).checksum_status == "mismatch"
    assert window.open_file(str(path), ask=False)
    settle()
    assert window.session.stored is None and not window.session.showing_stored
    np.testing.assert_allclose(curve_y(window.charts.pack.total), results.series["pack_cost"])
    card = window.headline.cards["pack_cost"]
    i = list(results.years).index(window.headline.year.value())
    assert card.accessibleName() == f"Pack cost: {results.series['pack_cost'][i]:,.0f} USD/kWh"
    assert window.banner.isVisibleTo(window)
    assert window.banner.text() == DAMAGED_NOTE
    assert DAMAGED_NOTE.count(". ") == 0 and DAMAGED_NOTE.endswith(".")  # one sentence
    assert "checksum" not in window.statusBar().currentMessage().lower()  # said once
    assert problems(window) == []
    window.session.set("mode_shift", 5.0)  # moving a lever keeps the note: the file is damaged
    settle()
    assert window.banner.isVisibleTo(window)
    window.session.save(str(tmp_path / "repaired.evx"))  # a new, sound file
    settle()
    assert not window.banner.isVisibleTo(window)


def test_the_note_about_a_damaged_file_can_be_dismissed(window, tmp_path, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QToolButton

    path, _ = damaged_file(tmp_path)
    assert window.open_file(str(path), ask=False)
    settle()
    dismiss = window.findChild(QToolButton, "banner_dismiss")
    qtbot.mouseClick(dismiss, Qt.MouseButton.LeftButton)
    assert not window.banner.isVisibleTo(window)
    window.new_scenario()
    assert not window.banner.isVisibleTo(window)


def test_stored_numbers_that_differ_wildly_are_described_in_words(window, tmp_path):
    results = evaluate()
    wild = dataclasses.replace(results, series=MappingProxyType(
        {**results.series, "pack_cost": results.series["pack_cost"] * 1e-6}))
    path = tmp_path / "wild.evx"
    scenario.save_scenario(path, results.parameters, wild, title="Wild")  # a sound checksum
    assert window.open_file(str(path), ask=False)
    settle()
    assert window.session.showing_stored
    text = window.banner.text()
    assert "differ widely" in text and "e+" not in text and "Move any lever" in text
    np.testing.assert_allclose(curve_y(window.charts.pack.total), wild.series["pack_cost"])

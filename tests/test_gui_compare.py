"""The compare view driven like a user: Analysis ▸ Compare Scenarios, the Add menu (presets, the
current scenario, a file), the table of headline figures against the first scenario, live
updates as a lever moves, the chosen year, Delete to remove one, a seventh refused (offscreen)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_helpers import choose_in_menu, settle, spin, trigger, type_value
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from evexplorer.analysis.compare import HEADLINES
from evexplorer.model import evaluate
from evexplorer.session import presets

pytestmark = pytest.mark.gui

PACK = 0  # row of the pack cost among the headline figures
assert HEADLINES[PACK].output == "pack_cost"


def preset(stem: str):
    return next(p for p in presets() if Path(p.path).stem == stem)


def add(window, qtbot, entry: str) -> None:
    """Add ▸ ``entry`` (an action name of the Add menu), chosen with the keyboard."""
    choose_in_menu(qtbot, window.compare_view.add_button, entry)


def pack_cost(parameters, year=2030) -> float:
    results = evaluate(parameters)
    return float(results.series["pack_cost"][list(results.years).index(year)])


def shown_value(view, headline: int, scenario: int) -> str:
    return view.table.value_item(headline, scenario).text().split("\n")[0]


@pytest.fixture
def view(window):
    trigger(window, "show_compare")
    assert window.analysis_tabs.currentWidget() is window.compare_view
    return window.compare_view


def test_the_compare_tab_starts_empty_and_says_what_to_do(window, view):
    assert view.objectName() == "compare_view"
    assert window.findChild(type(view), "compare_view") is view
    assert window.session.comparison == ()
    assert "Add two to six scenarios" in view.message.text()
    assert view.table.comparison is None
    assert not view.remove_button.isEnabled()


def test_two_presets_and_the_current_scenario_side_by_side(window, qtbot, view):
    squeeze, lfp = preset("lithium_squeeze"), preset("lfp_everywhere")
    add(window, qtbot, "compare_add_preset_lithium_squeeze")
    assert "one more scenario" in view.message.text()
    add(window, qtbot, "compare_add_preset_lfp_everywhere")
    add(window, qtbot, "compare_add_current")
    entries = window.session.comparison
    assert [e.scenario.title for e in entries] == [squeeze.title, lfp.title, "Current scenario"]
    # the overlays' data: each entry carries its own results
    np.testing.assert_allclose(entries[0].results.series["pack_cost"],
                               evaluate(squeeze.parameters).series["pack_cost"])
    np.testing.assert_allclose(entries[2].results.series["pack_cost"],
                               evaluate().series["pack_cost"])
    table = view.table
    assert table.comparison is not None and table.comparison.year == 2030
    for column, parameters in enumerate((squeeze.parameters, lfp.parameters, {})):
        assert shown_value(view, PACK, column) == f"{pack_cost(parameters):,.0f}"
    # the first scenario is the basis; the others carry a signed difference and a word
    assert table.cue_item(PACK, 0).text().endswith("basis")
    lfp_cue = table.cue_item(PACK, 1).text()
    cheaper = pack_cost(lfp.parameters) < pack_cost(squeeze.parameters)
    assert ("−" in lfp_cue and "better" in lfp_cue) if cheaper else (
        "+" in lfp_cue and "worse" in lfp_cue)
    assert table.cue_item(PACK, 1).background().color().name() != "#000000"
    assert "3 of 6" in view.message.text()
    if not table.side_by_side:  # the numbered scenarios come first, with whole titles
        assert table.item(2, 0).text() == "3 Current scenario (current, live)"
    # the Add menu no longer offers the current scenario twice
    view._fill_menu()
    current = next(a for a in view.add_menu.actions() if a.objectName() == "compare_add_current")
    assert not current.isEnabled()


def test_the_current_column_follows_a_lever_and_the_year_follows_the_cards(window, qtbot, view):
    add(window, qtbot, "compare_add_preset_lithium_squeeze")
    add(window, qtbot, "compare_add_current")
    before = shown_value(view, PACK, 1)
    type_value(qtbot, spin(window, "lithium_price"), "40000")
    qtbot.waitUntil(lambda: not view.pending)  # redrawn at most ten times a second
    after = shown_value(view, PACK, 1)
    assert after != before
    assert after == f"{pack_cost({'lithium_price': 40_000}):,.0f}"
    np.testing.assert_allclose(window.session.comparison[1].results.series["pack_cost"],
                               evaluate({"lithium_price": 40_000}).series["pack_cost"])
    type_value(qtbot, window.headline.year, "2035")
    assert view.table.comparison.year == 2035
    assert "2035" in view.year_label.text()
    assert shown_value(view, PACK, 1) == f"{pack_cost({'lithium_price': 40_000}, 2035):,.0f}"


def test_delete_removes_the_selected_scenario(window, qtbot, view):
    for name in ("compare_add_preset_lithium_squeeze", "compare_add_preset_lfp_everywhere",
                 "compare_add_baseline"):
        add(window, qtbot, name)
    table = view.table
    table.setFocus()
    table.select_key(window.session.comparison[1].key)
    assert view.remove_button.isEnabled()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    settle()
    assert [e.scenario.title for e in window.session.comparison] == ["Lithium squeeze",
                                                                      "Baseline"]
    assert table.comparison is not None and len(table.comparison.titles) == 2
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    settle()
    assert len(window.session.comparison) == 1 and table.comparison is None
    assert "one more scenario" in view.message.text()


def test_a_seventh_scenario_is_refused_with_the_sessions_sentence(window, qtbot, view):
    stems = [Path(p.path).stem for p in presets()]
    assert len(stems) >= 6
    for stem in stems[:6]:
        add(window, qtbot, f"compare_add_preset_{stem}")
    assert len(window.session.comparison) == 6
    add(window, qtbot, "compare_add_current")
    assert len(window.session.comparison) == 6
    assert view.message.text() == "At most 6 scenarios can be compared; remove one first."
    assert view.table.columnCount() in (3, 6)  # side by side, or figure by figure
    assert len(view.table.comparison.titles) == 6


def test_a_scenario_file_is_added_and_a_damaged_one_refused(window, qtbot, view, tmp_path,
                                                           monkeypatch):
    path = tmp_path / "plan.evx"
    window.session.set("lithium_price", 25_000)
    window.session.set("title", "Plan B")
    window.session.save(path)
    window.session.new()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    add(window, qtbot, "compare_add_file")
    assert [e.scenario.title for e in window.session.comparison] == ["Plan B"]
    assert window.session.comparison[0].scenario.parameters["lithium_price"] == 25_000
    bad = tmp_path / "bad.evx"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 200)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    add(window, qtbot, "compare_add_file")
    assert len(window.session.comparison) == 1
    text = view.message.text()
    assert "bad.evx" in text and text.count(".") >= 1 and "\n" not in text
    assert "Traceback" not in text


def test_the_larger_view_shows_the_scenarios_side_by_side(window, qtbot, view):
    add(window, qtbot, "compare_add_preset_lithium_squeeze")
    add(window, qtbot, "compare_add_baseline")
    qtbot.mouseClick(view.larger_button, Qt.MouseButton.LeftButton)
    settle()
    dialog = view.dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    table = dialog.table
    assert table.side_by_side and table.columnCount() == 2
    assert "USD/kWh" in table.verticalHeaderItem(PACK).text()
    assert table.item(PACK, 1).text().split("\n")[0] == f"{pack_cost({}):,.0f}"
    type_value(qtbot, window.headline.year, "2040")
    assert table.comparison.year == 2040
    dialog.close()
    QApplication.processEvents()


def test_the_narrow_table_becomes_side_by_side_when_widened(window, qtbot, view):
    add(window, qtbot, "compare_add_preset_lithium_squeeze")
    add(window, qtbot, "compare_add_current")
    table = view.table
    squeeze_cost = f"{pack_cost(preset('lithium_squeeze').parameters):,.0f}"
    side = [window.levers_dock, window.analysis_dock]
    window.resizeDocks(side, [330, 240], Qt.Orientation.Horizontal)  # the panel as it opens
    settle()
    assert not table.side_by_side
    assert table.value_item(PACK, 0).text() == squeeze_cost
    window.resizeDocks(side, [300, 600], Qt.Orientation.Horizontal)  # the user widens it
    settle()
    assert table.side_by_side
    assert table.value_item(PACK, 0).text().startswith(f"{squeeze_cost}\n")
    assert table.value_item(PACK, 1).text().startswith(f"{pack_cost({}):,.0f}\n")


def test_every_analysis_view_is_reached_by_keyboard(window, qtbot):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu

    menu = window.findChild(QMenu, "menu_analysis")
    names = [a.objectName() for a in menu.actions()]
    for name in ("show_compare", "show_attribution", "show_targets", "goal_seek"):
        assert name in names
        text = window.findChild(QAction, name).text()
        assert "&" in text, text  # a mnemonic in the menu
    letters = [a.text()[a.text().index("&") + 1].lower() for a in menu.actions() if "&" in a.text()]
    assert len(letters) == len(set(letters)), letters  # no two entries share a mnemonic
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    for key, view in ((Qt.Key.Key_C, window.compare_view), (Qt.Key.Key_B,
                                                            window.attribution_view),
                      (Qt.Key.Key_G, window.targets_view)):
        qtbot.keyClick(window, key, Qt.KeyboardModifier.AltModifier)
        settle()
        assert window.analysis_tabs.currentWidget() is view
    trigger(window, "show_compare")
    assert window.compare_view.isAncestorOf(QApplication.focusWidget())


def test_the_tabs_mnemonics_clash_with_no_other_in_the_window(window):
    from PySide6.QtWidgets import QAbstractButton, QLabel

    def letter(text: str) -> str | None:
        i = text.replace("&&", "").find("&")
        return text.replace("&&", "")[i + 1].lower() if i >= 0 else None

    tabs = window.analysis_tabs
    mine = {letter(tabs.tabText(tabs.indexOf(v))) for v in (window.compare_view,
                                                            window.attribution_view,
                                                            window.targets_view)}
    assert None not in mine and len(mine) == 3
    others = [letter(a.text()) for a in window.menuBar().actions()]
    others += [letter(tabs.tabText(i)) for i in range(tabs.count())
               if tabs.widget(i) not in (window.compare_view, window.attribution_view,
                                         window.targets_view)]
    # the banner that offers work back after a crash sits in the window too
    from evexplorer.app.recovery_banner import RecoveryBanner

    banner = RecoveryBanner([], lambda copies: None, lambda copies: None, window)
    others += [letter(w.text()) for w in window.findChildren(QAbstractButton)]
    others += [letter(w.text()) for w in window.findChildren(QLabel) if w.buddy() is not None]
    banner.deleteLater()
    assert not mine & set(others), mine & set(others)


def test_each_figure_reads_without_colour():
    from types import SimpleNamespace

    from evexplorer.analysis.compare import compare
    from evexplorer.app.compare_view import BETTER_TINT, WORSE_TINT, figure

    def results(pack, parity, avoided):
        return SimpleNamespace(years=np.array([2030]), series={
            "pack_cost": np.array([pack]), "breakeven_distance": np.array([20_000.0]),
            "fleet_emissions_avoided": np.array([avoided])},
            scalars={"cost_parity_year": parity, "lithium_shortfall_years": 0})

    result = compare([("A", results(80.0, 2030, 778.4)), ("B", results(90.0, None, 778.8)),
                      ("C", results(80.2, 2029, 1000.0))], 2030)
    rows = {h.output: i for i, h in enumerate(result.headlines)}
    assert figure(result, rows["pack_cost"], 0).cue == "basis"
    worse = figure(result, rows["pack_cost"], 1)
    assert (worse.value, worse.cue, worse.tint) == ("90", "+10 worse", WORSE_TINT)
    assert "80" in worse.tip and "worse" in worse.tip
    assert figure(result, rows["pack_cost"], 2).cue == "= same"  # 80 and 80.2 show alike
    never = figure(result, rows["cost_parity_year"], 1)
    assert (never.value, never.cue, never.tint) == ("never", "≠ differs", None)
    earlier = figure(result, rows["cost_parity_year"], 2)
    assert (earlier.cue, earlier.tint) == ("\u22121 better", BETTER_TINT)
    # within the tolerance but shown apart by rounding (778 and 779): "≈ same", not "="
    close = figure(result, rows["fleet_emissions_avoided"], 1)
    assert (close.value, close.cue, close.tint) == ("779", "≈ same", None)
    more = figure(result, rows["fleet_emissions_avoided"], 2)
    assert (more.cue, more.tint) == ("+222 better", BETTER_TINT)


def test_a_burst_of_lever_moves_is_one_redraw_and_adding_is_at_once(window, qtbot, view):
    from PySide6.QtWidgets import QSlider

    add(window, qtbot, "compare_add_preset_lithium_squeeze")
    add(window, qtbot, "compare_add_current")
    assert len(view.table.comparison.titles) == 2  # drawn at once, not throttled
    slider = window.findChild(QSlider, "battery_size__slider")
    draws = view.draw_count
    slider.setSliderDown(True)
    for position in range(slider.value(), slider.maximum(), slider.maximum() // 40):
        slider.setValue(position)
        window.recompute()  # each position's results, as the window's timer would run it
    assert view.pending and view.draw_count == draws
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: not view.pending)
    assert view.draw_count == draws + 1
    size = window.session.get("battery_size")
    assert shown_value(view, PACK, 1) == f"{pack_cost({'battery_size': size}):,.0f}"

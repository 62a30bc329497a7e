"""The window fits a laptop: minimum size, the common screen sizes and 150 % scaling, with no
text cut or lying over other text; side panels that close, float and come back; charts that
reflow from a grid to a picker; headline cards that wrap or shrink; a status bar whose parts
never overlap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import curve_y
from gui_layout_checks import problems, settle, window_at
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget, QTabWidget

from evexplorer.app import create_main_window
from evexplorer.app.charts import ChartPanel, PackCostChart

pytestmark = pytest.mark.gui

SIZES = [(1280, 720), (1366, 768), (1400, 900), (1920, 1080)]
HERE = Path(__file__).resolve().parent


@pytest.fixture
def sized(qtbot, monkeypatch):
    """Make windows of a given size; they are closed (without questions) afterwards."""
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    made = []

    def make(width, height, preset="lithium_squeeze"):
        window = window_at(width, height, preset)
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.session.new()


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def test_the_window_can_be_as_small_as_1024_by_640(sized):
    window = sized(1024, 640)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 640, hint
    assert (window.width(), window.height()) == (1024, 640)
    assert problems(window) == []
    assert window.levers_dock.isVisible() and window.analysis_dock.isVisible()


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_no_text_is_cut_or_overlapping_at_common_sizes(sized, width, height):
    window = sized(width, height)
    assert (window.width(), window.height()) == (width, height)
    assert problems(window) == []
    # Every chart is on screen, or in picker mode every chart can be chosen in each place.
    charts = window.charts
    if charts.arrangement.mode == "grid":
        assert charts.visible_charts() == charts.charts
    else:
        titles = {chart.title for chart in charts.charts}
        for slot in charts.slots[:charts.arrangement.slots]:
            assert {slot.picker.itemText(i) for i in range(slot.picker.count())} == titles


def test_a_laptop_screen_shows_every_chart_and_the_cards_in_one_row(sized):
    window = sized(1280, 720)
    arrangement = window.charts.arrangement
    assert arrangement.mode == "grid" and arrangement.slots == len(window.charts.charts) == 7
    assert arrangement.columns * arrangement.rows >= 7
    cards = list(window.headline.cards.values())
    assert len({card.y() for card in cards}) == 1  # one row
    assert all(card.compact for card in cards)  # with the smaller figure font
    wide = sized(1920, 1080)
    assert not any(card.compact for card in wide.headline.cards.values())


def test_cards_wrap_onto_rows_in_a_narrow_window(sized):
    window = sized(1024, 640)
    rows = {card.y() for card in window.headline.cards.values()}
    assert len(rows) == 2
    assert window.headline.height() >= 2 * min(c.height() for c in window.headline.cards.values())


SCALED = """
import json, sys
sys.path.insert(0, {tests!r})
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui_layout_checks import problems, window_at
window = window_at(1280, 720)
print(json.dumps({{"size": [window.width(), window.height()], "ratio": window.devicePixelRatio(),
                   "problems": problems(window), "mode": window.charts.arrangement.mode}}))
window.session.new()
"""


def test_150_percent_scaling_of_a_1080p_screen(tmp_path):
    """A 1920×1080 screen at 150 % gives the window 1280×720 logical pixels, fonts scaled."""
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps({"synchronousWindowSystemEvents": False,
                                  "windowFrameMargins": False,
                                  "screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1920,
                                               "height": 1080, "logicalDpi": 96,
                                               "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screen}",
           "QT_SCALE_FACTOR": "1.5"}
    out = subprocess.run([sys.executable, "-c", SCALED.format(tests=str(HERE))],
                         capture_output=True, text=True, timeout=180, env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ratio"] == 1.5
    assert result["size"] == [1280, 720]
    assert result["problems"] == []


# -- charts ------------------------------------------------------------------------------------

def test_charts_reflow_to_a_picker_and_back(sized, qtbot):
    window = sized(1920, 1080)
    charts = window.charts
    assert charts.arrangement.mode == "grid"
    window.resize(1024, 640)
    settle()
    assert charts.arrangement.mode == "picker"
    slots = charts.arrangement.slots
    assert 1 <= slots < len(charts.charts)
    shown = charts.visible_charts()
    assert [c.container.isVisibleTo(window) for c in charts.charts].count(True) == slots
    # Choose the life-cycle chart in the first place with the keyboard.
    picker = charts.slots[0].picker
    picker.setFocus()
    target = picker.findData("lifecycle_emissions")
    while picker.currentIndex() != target:
        qtbot.keyClick(picker, Qt.Key.Key_Down if picker.currentIndex() < target
                       else Qt.Key.Key_Up)
    settle()
    assert charts.visible_charts()[0] is charts.lifecycle
    assert charts.lifecycle.container.isVisibleTo(window)
    assert shown[0] not in charts.visible_charts() or slots > 1
    np.testing.assert_allclose(curve_y(charts.lifecycle.ev),
                               window.session.shown.series["ev_lifecycle_emissions"])
    assert problems(window) == []
    window.resize(1920, 1080)
    settle()
    assert charts.arrangement.mode == "grid"
    assert charts.visible_charts() == charts.charts


def test_choosing_a_chart_already_on_screen_swaps_the_two(sized):
    window = sized(1024, 640)
    charts = window.charts
    assert charts.arrangement.slots >= 2
    first, second = charts.visible_charts()[:2]
    charts.slots[0].picker.activated.emit(charts.slots[0].picker.findData(second.key))
    settle()
    assert charts.visible_charts()[:2] == [second, first]


def test_hiding_charts_from_the_view_menu_gives_the_others_room(sized):
    window = sized(1024, 640)
    assert window.charts.arrangement.mode == "picker"
    for key in ("production_emissions", "lifecycle_emissions", "emissions_avoided",
                "vehicle_price", "supply_concentration"):
        action(window, f"action_chart_{key}").trigger()
    settle()
    assert window.charts.arrangement.mode == "grid"
    assert [c.key for c in window.charts.visible_charts()] == ["pack_cost", "minerals"]
    assert problems(window) == []
    action(window, "action_chart_vehicle_price").trigger()
    settle()
    assert window.charts.price in window.charts.visible_charts()


class SeventhChart(PackCostChart):
    key = "seventh"
    title = "A seventh chart"


def test_the_grid_reflows_over_however_many_charts_there_are(qtbot, window):
    panel = ChartPanel(window.session, lambda: 2030)
    qtbot.addWidget(panel)
    panel.charts.append(SeventhChart())
    n = len(panel.charts)
    assert n == 8
    panel.resize(1300, 950)
    panel.show()
    settle()
    panel.redraw()
    arrangement = panel.arrangement
    assert arrangement.slots == n and arrangement.mode == "grid"
    assert arrangement.columns * arrangement.rows >= n
    assert panel.charts[-1] in panel.visible_charts()
    last = panel.slots[n - 1]
    _row, _column, _rows, span = panel._grid.getItemPosition(panel._grid.indexOf(last))
    assert span == (arrangement.columns if n % arrangement.columns == 1 else 1)
    assert last.width() >= panel.slots[0].width()
    panel.resize(560, 420)
    settle()
    assert panel.arrangement.mode == "picker"
    picker = panel.slots[0].picker
    assert picker.findData("seventh") >= 0
    picker.activated.emit(picker.findData("seventh"))
    settle()
    assert panel.visible_charts()[0].key == "seventh"


# -- side panels ---------------------------------------------------------------------------------

def test_side_panels_are_docks_that_close_and_come_back(sized, qtbot):
    window = sized(1280, 720)
    for name in ("levers_dock", "changes_dock", "analysis_dock"):
        dock = window.findChild(QDockWidget, name)
        assert dock is not None and dock.isVisible()
        assert dock.features() & QDockWidget.DockWidgetFeature.DockWidgetFloatable
    tabs = window.findChild(QTabWidget, "analysis_tabs")
    assert tabs is window.analysis_tabs and tabs.tabText(0) == "&Scenario"
    action(window, "action_show_analysis").trigger()
    assert not window.analysis_dock.isVisible()
    action(window, "action_show_analysis").trigger()
    assert window.analysis_dock.isVisible() and tabs.isVisibleTo(window)
    width = window.charts.width()
    action(window, "action_show_levers").trigger()
    settle()
    assert not window.levers_dock.isVisible()
    assert window.charts.width() > width  # the charts take the room
    qtbot.keySequence(window, "Ctrl+F")  # finding a lever brings the levers back
    settle()
    assert window.levers_dock.isVisible()
    assert QApplication.focusWidget() is window.levers.search


def test_a_floated_panel_stays_reachable_and_reset_puts_it_back(sized, qtbot):
    from PySide6.QtWidgets import QToolButton

    window = sized(1366, 768)
    qtbot.mouseClick(window.findChild(QToolButton, "analysis_dock_float"),
                     Qt.MouseButton.LeftButton)
    settle()
    assert window.analysis_dock.isFloating() and window.analysis_tabs.isVisible()
    action(window, "action_reset_layout").trigger()
    settle()
    assert not window.analysis_dock.isFloating()
    assert window.dockWidgetArea(window.analysis_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert problems(window) == []


def test_a_panel_title_wraps_instead_of_being_cut(sized, qtbot):
    from PySide6.QtWidgets import QLabel, QToolButton

    window = sized(1024, 640)
    title = window.findChild(QLabel, "changes_dock_title_label")
    assert title.text() == "What changed vs baseline"
    assert title.isVisible() and title.wordWrap()
    assert title.heightForWidth(title.width()) <= title.height()
    assert problems(window) == []
    window.session.set_reference(next(p for p in __import__("evexplorer.session").session
                                      .presets() if p.title == "LFP everywhere"))
    settle()
    assert title.text() == "What changed vs LFP everywhere"
    assert problems(window) == []
    qtbot.mouseClick(window.findChild(QToolButton, "changes_dock_close"),
                     Qt.MouseButton.LeftButton)
    assert not window.changes_dock.isVisible()
    assert not action(window, "action_show_changes").isChecked()


def test_the_panel_arrangement_survives_a_restart(qtbot, tmp_path):
    path = str(tmp_path / "settings.ini")
    first = create_main_window(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.resize(1366, 768)
    first.show()
    settle()
    first.changes_dock.close()
    first.resizeDocks([first.levers_dock], [380], Qt.Orientation.Horizontal)
    settle()
    width = first.levers_dock.width()
    assert first.close()
    second = create_main_window(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    second.show()
    settle()
    assert (second.width(), second.height()) == (1366, 768)
    assert not second.changes_dock.isVisible()
    assert not action(second, "action_show_changes").isChecked()
    assert abs(second.levers_dock.width() - width) <= 2
    second.session.new()


def test_a_new_window_sizes_its_panels_for_the_size_it_is_shown_at(qtbot, tmp_path,
                                                                   monkeypatch):
    from PySide6.QtCore import QSize

    from evexplorer.app import main_window

    monkeypatch.setattr(main_window, "DEFAULT_SIZE", QSize(800, 600))  # a small first size
    window = create_main_window(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.width() == 800
    window.resize(1400, 900)  # as --screenshot does, before the window is shown
    window.show()
    settle()
    assert window.levers_dock.width() == pytest.approx(main_window.LEVERS_SHARE * 1400, abs=8)
    assert window.changes_dock.width() == pytest.approx(main_window.RIGHT_SHARE * 1400, abs=8)
    assert QApplication.focusWidget() is window.levers.search
    window.session.new()


def test_side_panels_keep_their_share_until_the_user_sizes_them(sized, qtbot):
    from evexplorer.app import main_window

    window = sized(1400, 900)
    window.resize(1280, 720)  # a laptop user shrinks the window
    settle()
    assert window.levers_dock.width() == pytest.approx(main_window.LEVERS_SHARE * 1280, abs=8)
    assert window.headline.columns == len(window.headline.cards)  # the cards keep one row
    # The user drags the edge between the levers and the charts: the widths are theirs.
    edge = window.levers_dock.geometry().right() + 2
    point = window.levers_dock.geometry().center()
    point.setX(edge)
    assert window.childAt(point) is None
    qtbot.mousePress(window, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseRelease(window, Qt.MouseButton.LeftButton, pos=point)
    window.resizeDocks([window.levers_dock], [330], Qt.Orientation.Horizontal)
    settle()
    window.resize(1366, 768)
    settle()
    assert window.levers_dock.width() == pytest.approx(330, abs=2)


def test_every_y_axis_holds_its_unit_in_a_tight_grid(sized):
    window = sized(1280, 720)
    assert window.charts.arrangement.mode == "grid"
    for chart in window.charts.visible_charts():
        axis = chart.plot.getAxis("left")
        label = axis.label
        unit = label.boundingRect().width() - 2 * label.document().documentMargin()
        assert axis.boundingRect().height() >= unit, (chart.key, axis.labelText)


def test_f6_visits_every_panel(sized, qtbot):
    window = sized(1400, 900)
    window.levers.search.setFocus()
    seen = []
    for _ in range(5):
        action(window, "action_next_panel").trigger()
        seen.append(QApplication.focusWidget())
    assert window.headline.year in seen
    assert window.changes.list in seen
    assert window.analysis_tabs.tabBar() in seen
    assert window.levers.search in seen
    assert window.charts.focus_target() in seen
    action(window, "action_previous_panel").trigger()
    assert QApplication.focusWidget() is seen[-2]


# -- status bar ---------------------------------------------------------------------------------

def test_status_messages_never_cover_the_file_versions_or_timing(sized, tmp_path):
    window = sized(1280, 720)
    folder = tmp_path / ("a folder with a long name for the scenarios of the strategy team " * 2)
    folder.mkdir()
    path = folder / "lithium squeeze with recycling.evx"
    window.session.save(str(path))
    settle()
    bar = window.statusBar()
    before = bar.grab(window.status_version.geometry()).toImage()
    window.show_message("The file's checksum does not match its levers and results: it was "
                        "damaged or changed after it was saved, so check the numbers. " * 3)
    settle()
    parts = [bar.message, window.status_file, window.status_version, window.status_timing]
    assert all(part.isVisible() for part in parts)
    for i, a in enumerate(parts):
        for b in parts[i + 1:]:
            assert not a.geometry().intersects(b.geometry()), (a.objectName(), b.objectName())
    # The versions read exactly as before: nothing is painted over them.
    assert bar.grab(window.status_version.geometry()).toImage() == before
    assert bar.message.text().endswith("\u2026")  # shortened, the whole in its tooltip
    assert bar.message.toolTip() == bar.currentMessage()
    assert window.status_file.full_text() == str(path)
    assert window.status_file.toolTip() == str(path)
    assert problems(window) == []
    bar.clearMessage()
    settle()
    assert not bar.message.isVisible()

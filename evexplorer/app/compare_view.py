"""The compare view: the headline figures of 2 to 6 scenarios side by side, against the first.

The scenarios are the session's comparison set (:attr:`Session.comparison`):
the current scenario (whose column follows the levers), the baseline, a preset
or a scenario file (read in a child process, like every received file). The
figures are :func:`evexplorer.analysis.compare.compare`'s, the same as
``evexplorer compare`` prints, for the year of the headline cards. Each
figure's difference against the first scenario is written under it, signed,
with the word "better" or "worse" (so that it reads without colour), and
tinted green or orange.

While a slider moves, the table is redrawn at most ten times a second (the
current scenario's column follows); adding or removing a scenario redraws it
at once. The charts draw the same comparison set as overlays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..analysis.compare import MAX_SCENARIOS, MIN_SCENARIOS, Comparison, Headline, compare
from ..model import SERIES
from ..scenario import ScenarioFileError
from ..session import (
    BASELINE,
    Change,
    Compared,
    NamedScenario,
    Session,
    SessionError,
    read_scenario,
)
from . import theme
from .analysis_widgets import LazyView, WrappedLabel

#: Least time between two redraws while the levers move [ms]: ten a second.
THROTTLE_MS = 100
#: Longest scenario title in a column header before it is shortened [characters].
HEADER_TITLE_CHARS = 22
#: Cell tints of a difference for the better and for the worse.
BETTER_TINT = "#E2F2EB"
WORSE_TINT = "#FBE8DA"


def _elide(text: str, limit: int = HEADER_TITLE_CHARS) -> str:
    text = text.strip() or "Untitled"
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def row_title(headline: Headline, year: int) -> str:
    """A figure's row header: its title, the year for a series, and its unit on a second line."""
    title = f"{headline.title}, {year}" if headline.output in SERIES else headline.title
    unit = "" if headline.is_year else headline.unit
    return f"{title}\n({unit})" if unit else title


def difference_text(headline: Headline, difference: float, differs: bool,
                    improves: bool) -> tuple[str, str]:
    """The line under a figure and its judgement: ``("+22", "worse")``, ``("=", "same")``."""
    if not differs:
        return "=", "same"
    if not math.isfinite(difference):
        return "≠", "differs"
    return headline.format_difference(difference).replace("-", "\u2212"), (
        "better" if improves else "worse")


@dataclass(frozen=True)
class Figure:
    """One scenario's headline figure as the table shows it.

    Attributes
    ----------
    value : str
        The figure without its unit ("84", "2031", "never").
    cue : str
        Its difference against the first scenario with a word: "+22 worse",
        "= same", "≠ differs"; "basis" for the first scenario itself.
    tint : str or None
        Background of a difference for the better or the worse.
    tip : str
        The figure with its unit and the comparison in words.
    """

    value: str
    cue: str
    tint: str | None
    tip: str


def figure(result: Comparison, row: int, column: int) -> Figure:
    """How the table shows headline ``row`` of scenario ``column`` of ``result``."""
    headline = result.headlines[row]
    value = headline.format(result.values[row, column])
    unit = "" if headline.is_year or value in ("never", "–") else f" {headline.unit}"
    basis = result.titles[result.against]
    if column == result.against:
        return Figure(value, "basis", None, f"{value}{unit}: the figure the others are "
                      "compared with")
    differs = bool(result.differs[row, column])
    improves = bool(result.improves[row, column])
    cue, word = difference_text(headline, result.differences[row, column], differs, improves)
    basis_value = headline.format(result.values[row, result.against])
    if word == "same" and value != basis_value:  # within the tolerance, apart by rounding
        cue = "≈"
    tint = (None if not differs or word == "differs" else
            BETTER_TINT if improves else WORSE_TINT)
    tip = f"{value}{unit}; {basis}: {basis_value} — {word}"
    return Figure(value, f"{cue} {word}", tint, tip)


class CompareTable(QTableWidget):
    """The headline figures of the compared scenarios with their differences.

    Side by side (one column per scenario, one row per figure) when there is room
    for it; otherwise, in a narrow panel, the numbered scenarios first (a row
    each, their whole titles), then one block of rows per figure with a row per
    scenario.

    Parameters
    ----------
    session : Session
        Whose comparison set it shows.
    year : callable
        Returns the year of the figures read from series.
    object_name : str
        Qt object name.
    side_by_side : bool or None
        Force one arrangement; None chooses by the width.
    """

    #: Width that one scenario's column needs side by side [px].
    COLUMN_WIDTH = 96
    #: Width of the figures' names beside them [px].
    HEADER_WIDTH = 150

    def __init__(self, session: Session, year: Callable[[], int], object_name: str,
                 side_by_side: bool | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName("Headline figures of the compared scenarios")
        self._session = session
        self._year = year
        self._force = side_by_side
        #: The figures on screen, or None with fewer than two scenarios.
        self.comparison: Comparison | None = None
        self._shape: tuple[bool, int, int] | None = None
        self._sized: tuple[bool, int, int] | None = None
        self._changed = False
        self._names: list[str] = []
        self._keys: list[int] = []
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)

    def keys(self) -> list[int]:
        """Keys of the compared scenarios, in table order."""
        return list(self._keys)

    @property
    def side_by_side(self) -> bool:
        """True when scenarios are columns (else one block of rows per figure)."""
        return bool(self._shape and self._shape[0])

    def _wants_side_by_side(self, n: int) -> bool:
        if self._force is not None:
            return self._force
        return self.width() >= self.HEADER_WIDTH + n * self.COLUMN_WIDTH

    def selected_key(self) -> int | None:
        """Key of the scenario of the current cell, or None."""
        row, column = self.currentRow(), self.currentColumn()
        if self.comparison is None or row < 0 or column < 0:
            return None
        n = len(self._keys)
        if self.side_by_side:
            index = column
        elif row < n:  # the list of scenarios
            index = row
        else:
            index = (row - n) % (n + 1) - 1
        return self._keys[index] if 0 <= index < n else None

    def select_key(self, key: int) -> None:
        """Make the scenario with ``key`` the current one."""
        if key not in self._keys:
            return
        index = self._keys.index(key)
        if self.side_by_side:
            self.setCurrentCell(0, index)
        else:
            self.setCurrentCell(index, 0)

    def value_item(self, headline: int, scenario: int) -> QTableWidgetItem | None:
        """The cell showing figure ``headline`` of the ``scenario``-th compared scenario."""
        if self._shape is None:
            return None
        if self.side_by_side:
            return self.item(headline, scenario)
        return self.item(self._long_row(headline, scenario), 1)

    def cue_item(self, headline: int, scenario: int) -> QTableWidgetItem | None:
        """The cell with that figure's difference against the first scenario."""
        if self._shape is None or self.side_by_side:
            return self.value_item(headline, scenario)
        return self.item(self._long_row(headline, scenario), 2)

    def _long_row(self, headline: int, scenario: int = -1) -> int:
        """Row of a scenario's figure in the narrow arrangement (-1: the figure's heading)."""
        n = len(self._keys)
        return n + headline * (n + 1) + 1 + scenario

    def refresh(self) -> None:
        """Show the session's comparison set for the chosen year."""
        entries = self._session.comparison
        self._keys = [c.key for c in entries]
        if len(entries) < MIN_SCENARIOS:
            self.comparison = None
            self._shape = None
            self.clearSpans()
            self.setRowCount(0)
            self.setColumnCount(len(entries))
            for column, entry in enumerate(entries):
                self.setHorizontalHeaderItem(column, QTableWidgetItem(_title(entry)))
            return
        year = self._year()
        result = compare([(c.scenario.title, c.results) for c in entries], year)
        self.comparison = result
        wide = self._wants_side_by_side(len(entries))
        shape = (wide, len(entries), len(result.headlines))
        if shape != self._shape:
            self._reshape(shape)
        titles = [f"{i} {_title(c)}" for i, c in enumerate(entries, 1)]
        tips = [f"{c.scenario.title} — {_origin(c.scenario)}" for c in entries]
        self._names = [f"{i} {c.scenario.title}" + (" (current, live)" if c.follows_current
                                                    else "") for i, c in enumerate(entries, 1)]
        # Sections are sized once per refresh, and only when a text's length changed (a
        # resize to the contents measures every cell: a millisecond per cell during a drag).
        self._changed = False
        self._fill(result, year, wide, titles, tips)
        if self._changed:
            if wide:
                self.resizeColumnsToContents()
            else:
                self.resizeColumnToContents(1)
                self.resizeColumnToContents(2)
        if shape != self._sized:
            self._sized = shape
            self.resizeRowsToContents()

    def _fill(self, result: Comparison, year: int, wide: bool, titles: list[str],
              tips: list[str]) -> None:
        entries = range(len(titles))
        if wide:
            for column, (title, tip) in enumerate(zip(titles, tips, strict=True)):
                self._header(column, title, tip)
            for row, headline in enumerate(result.headlines):
                header = self.verticalHeaderItem(row)
                text = row_title(headline, year)
                if header is None or header.text() != text:
                    self.setVerticalHeaderItem(row, QTableWidgetItem(text))
                for column in range(len(entries)):
                    shown = figure(result, row, column)
                    self._set(row, column, f"{shown.value}\n{shown.cue}", shown.tip,
                              shown.tint)
            return
        for i, (name, tip) in enumerate(zip(self._names, tips, strict=True)):
            self._set(i, 0, name, tip, None)
        for h, headline in enumerate(result.headlines):
            self._set(self._long_row(h), 0, row_title(headline, year).replace("\n", " "),
                      headline.title, None, section=True)
            for i, (title, tip) in enumerate(zip(titles, tips, strict=True)):
                shown = figure(result, h, i)
                row = self._long_row(h, i)
                self._set(row, 0, title.split("\n")[0], tip, None)
                self._set(row, 1, shown.value, shown.tip, shown.tint)
                self._set(row, 2, shown.cue, shown.tip, shown.tint)

    def _reshape(self, shape: tuple[bool, int, int]) -> None:
        wide, n, figures = shape
        self._shape = shape
        self.clearSpans()
        self.clear()
        header = self.horizontalHeader()
        if wide:
            self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
            self.setRowCount(figures)
            self.setColumnCount(n)
            self.verticalHeader().show()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            return
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setRowCount(n + figures * (n + 1))
        self.setColumnCount(3)
        self.setHorizontalHeaderLabels(["", "Value", "vs 1"])  # the scenarios are listed above
        self.verticalHeader().hide()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        for i in range(n):  # the scenarios' whole titles
            self.setSpan(i, 0, 1, 3)
        for h in range(figures):
            self.setSpan(n + h * (n + 1), 0, 1, 3)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._shape is not None and self._wants_side_by_side(self._shape[1]) != \
                self._shape[0]:
            key = self.selected_key()
            self.refresh()
            if key is not None:
                self.select_key(key)

    def _header(self, column: int, text: str, tip: str) -> None:
        item = self.horizontalHeaderItem(column)
        if item is None:
            item = QTableWidgetItem()
            self.setHorizontalHeaderItem(column, item)
        if item.text() != text:
            item.setText(text)
            item.setToolTip(tip)

    def _set(self, row: int, column: int, text: str, tip: str, tint: str | None,
             section: bool = False) -> None:
        item = self.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            if column > 0 or self.side_by_side:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if section:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                item.setBackground(QBrush(QColor("#EDEDED")))
                font = QFont(self.font())
                font.setBold(True)
                item.setFont(font)
            self.setItem(row, column, item)
        if item.text() == text and item.toolTip() == tip:
            return
        if len(item.text()) != len(text):  # the section may need another width
            self._changed = True
        item.setText(text)
        item.setToolTip(tip)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{text.replace(chr(10), ' ')}: {tip}")
        if section:
            return
        font = QFont(self.font())
        font.setBold(tint is not None and column > 0)
        item.setFont(font)
        item.setBackground(QBrush(QColor(tint)) if tint else QBrush())
        item.setForeground(QBrush(QColor(theme.BETTER if tint == BETTER_TINT else
                                         theme.WORSE if tint == WORSE_TINT else "#202020")))


def _title(entry: Compared) -> str:
    live = "\n(current, live)" if entry.follows_current else ""
    return f"{_elide(entry.scenario.title)}{live}"


class CompareDialog(QDialog):
    """The compare table in a window of its own, for six scenarios or a presentation."""

    def __init__(self, session: Session, year: Callable[[], int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compare_dialog")
        self.setWindowTitle("Compare scenarios")
        self.table = CompareTable(session, year, "compare_table_large", True, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(900, 380)


def _origin(named: NamedScenario) -> str:
    return {"current": "the current scenario, following its levers",
            "baseline": "every lever at its default", "preset": "a preset"}.get(
        named.origin, f"from {named.path}" if named.path else "a scenario")


class CompareView(LazyView):
    """Choose the compared scenarios and see their headline figures side by side.

    Parameters
    ----------
    session : Session
        Holds the comparison set.
    year : callable
        Returns the year of the headline cards ("Figures for").
    presets : callable
        Returns the shipped presets.
    choose_file : callable
        Asks for a scenario file; returns its path or None.
    """

    def __init__(self, session: Session, year: Callable[[], int],
                 presets: Callable[[], Sequence[NamedScenario]],
                 choose_file: Callable[[], str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent, throttle_ms=THROTTLE_MS)
        self.setObjectName("compare_view")
        self._session = session
        self._year = year
        self._presets = presets
        self._choose_file = choose_file
        self._error = ""
        self.dialog: CompareDialog | None = None
        self.add_button = QToolButton()
        self.add_button.setObjectName("compare_add")
        self.add_button.setText("Add…")
        self.add_button.setAccessibleName("Add a scenario to the comparison")
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        self.add_menu.setObjectName("compare_add_menu")
        self.add_menu.aboutToShow.connect(self._fill_menu)
        self.add_button.setMenu(self.add_menu)
        # Tool buttons, as "Add…": the three side by side fit the narrow analysis panel.
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.setObjectName("compare_remove")
        self.remove_button.setToolTip("Remove the selected scenario from the comparison (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.larger_button = QToolButton()
        self.larger_button.setText("Larger…")
        self.larger_button.setObjectName("compare_larger")
        self.larger_button.setToolTip("The same table in a window of its own")
        self.larger_button.clicked.connect(self.open_larger)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.larger_button)
        self.year_label = WrappedLabel(object_name="compare_year")
        self.message = WrappedLabel(object_name="compare_message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = CompareTable(session, year, "compare_table")
        self.table.currentCellChanged.connect(lambda *args: self._update_buttons())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 4, 2, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.year_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.setTabOrder(self.add_button, self.remove_button)
        self.setTabOrder(self.remove_button, self.larger_button)
        self.setTabOrder(self.larger_button, self.table)
        session.subscribe(self._on_session, names=("comparison",))
        self.refresh()

    # -- adding and removing --------------------------------------------------------------------
    def _fill_menu(self) -> None:
        menu = self.add_menu
        menu.clear()
        current = QAction("The current scenario (follows the levers)", menu)
        current.setObjectName("compare_add_current")
        current.triggered.connect(lambda: self.add(None))
        current.setEnabled(not any(c.follows_current for c in self._session.comparison))
        menu.addAction(current)
        baseline = QAction("Baseline: every lever at its default", menu)
        baseline.setObjectName("compare_add_baseline")
        baseline.triggered.connect(lambda: self.add(BASELINE))
        menu.addAction(baseline)
        menu.addSeparator()
        for preset in self._presets():
            action = QAction(f"Preset: {preset.title}", menu)
            action.setObjectName(f"compare_add_preset_{Path(preset.path or '').stem}")
            action.triggered.connect(lambda checked=False, p=preset: self.add(p))
            menu.addAction(action)
        menu.addSeparator()
        file_action = QAction("A scenario file…", menu)
        file_action.setObjectName("compare_add_file")
        file_action.triggered.connect(self.add_file)
        menu.addAction(file_action)

    def add(self, named: NamedScenario | None) -> bool:
        """Add a scenario (None: the current one, live); a refusal is shown in one sentence."""
        try:
            self._session.add_comparison(named)
        except SessionError as exc:
            self._say(str(exc))
            return False
        self._say("")
        return True

    def add_file(self) -> bool:
        """Ask for a scenario file and add it (read in a child process)."""
        if len(self._session.comparison) >= MAX_SCENARIOS:
            self._say(f"At most {MAX_SCENARIOS} scenarios can be compared; remove one first.")
            return False
        path = self._choose_file()
        if not path:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            named = read_scenario(path, isolated=True)
        except ScenarioFileError as exc:
            self._say(f"{Path(path).name} cannot be compared: {exc}")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        return self.add(named)

    def remove_selected(self) -> bool:
        """Remove the scenario of the selected cell (its column, or its row in a narrow panel)."""
        key = self.table.selected_key()
        if key is None:
            self._say("Select a scenario in the table to remove it.")
            return False
        keys = self.table.keys()
        following = keys[min(keys.index(key) + 1, len(keys) - 1)]
        self._session.remove_comparison(key)
        self._say("")
        if following != key:  # the selection moves on to the next scenario
            self.table.select_key(following)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.table and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)):
            self.remove_selected()
            return True
        return super().eventFilter(watched, event)

    def open_larger(self) -> CompareDialog:
        """Show the table in a window of its own (not modal), bound to the same session."""
        if self.dialog is None:
            self.dialog = CompareDialog(self._session, self._year, self.window())
        self.dialog.table.refresh()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    # -- drawing --------------------------------------------------------------------------------
    def _on_session(self, change: Change) -> None:
        if [c.key for c in self._session.comparison] != self.table.keys():
            self.refresh()  # a scenario added or removed: at once
        else:  # the current scenario's column follows the levers: throttled during a drag
            super()._on_session(change)

    def _say(self, text: str) -> None:
        """Show a sentence about the last request ("" when it succeeded: the hint returns)."""
        self._error = text
        self.message.setText(text or self._hint())

    def _hint(self) -> str:
        entries = self._session.comparison
        if not entries:
            return ("Add two to six scenarios to compare their headline figures: the current "
                    "one, the baseline, a preset or a file.")
        if len(entries) == 1:
            return f"Add one more scenario to compare with “{entries[0].scenario.title}”."
        return (f"{len(entries)} of {MAX_SCENARIOS} scenarios; differences against 1, "
                "better or worse.")

    def refresh(self) -> None:
        """Redraw from the session for the headline cards' year (later, if hidden)."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.table.refresh()
        super().refresh()

    def draw(self) -> None:
        """Draw the table and the sentence under it."""
        self.year_label.setText(f"Figures for {self._year()}, as on the cards")
        self.table.refresh()
        self.message.setText(self._error or self._hint())
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.table.selected_key() is not None)

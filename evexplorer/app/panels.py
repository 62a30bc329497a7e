"""Headline figures, the "what changed" list and the scenario's description."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..model import PARAMETERS, Parameter, Results
from . import theme
from .state import Change, ScenarioState


@dataclass(frozen=True)
class Headline:
    """One headline figure.

    ``value`` reads it from results for the chosen year; ``lower_is_better``
    colours the change against the baseline.
    """

    key: str
    title: str
    unit: str
    value: Callable[[Results, int], float | None]
    decimals: int = 0
    lower_is_better: bool = True
    is_year: bool = False


def _series_at(name: str) -> Callable[[Results, int], float | None]:
    def read(results: Results, year: int) -> float | None:
        i = int(np.searchsorted(results.years, year))
        return float(results.series[name][i])
    return read


def _scalar(name: str) -> Callable[[Results, int], float | None]:
    def read(results: Results, year: int) -> float | None:
        value = results.scalars[name]
        return None if value is None else float(value)
    return read


HEADLINES = (
    Headline("pack_cost", "Pack cost", "USD/kWh", _series_at("pack_cost")),
    Headline("cost_parity_year", "Price parity with gasoline", "", _scalar("cost_parity_year"),
             is_year=True),
    Headline("breakeven_distance", "Emissions break-even", "km",
             _series_at("breakeven_distance")),
    Headline("lithium_shortfall_years", "Lithium shortfall", "years",
             _scalar("lithium_shortfall_years")),
    Headline("fleet_emissions_avoided", "Avoided by that year's EVs", "Mt CO2e",
             _series_at("fleet_emissions_avoided"), lower_is_better=False),
)


class HeadlineCard(QFrame):
    """A big number with its unit and its change against the baseline."""

    def __init__(self, headline: Headline, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = headline
        self.setObjectName(f"headline_{headline.key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("HeadlineCard { background: #FAFAFA; border: 1px solid #DDD; "
                           "border-radius: 4px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(0)
        self.title = QLabel(headline.title)
        self.title.setStyleSheet("color: #505050;")
        self.title.setWordWrap(True)
        self.value = QLabel("–")
        self.value.setObjectName(f"headline_{headline.key}_value")
        big = self.value.font()
        big.setPointSizeF(14)
        big.setBold(True)
        self.value.setFont(big)
        self.value.setTextFormat(Qt.TextFormat.RichText)
        self.delta = QLabel("")
        self.delta.setObjectName(f"headline_{headline.key}_delta")
        self.delta.setWordWrap(True)
        # Fixed line counts and widths that ignore the text: a new number must never
        # change the layout (that would resize and repaint every chart mid-drag).
        for label, lines in ((self.title, 2), (self.value, 1), (self.delta, 2)):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            label.setFixedHeight(lines * label.fontMetrics().lineSpacing() + 2)
            layout.addWidget(label)
        self.setMinimumWidth(120)

    def show_values(self, results: Results, baseline: Results, year: int) -> None:
        """Show the figure for ``year`` and its change against the baseline."""
        h = self.headline
        value = h.value(results, year)
        base = h.value(baseline, year)
        unit = (f"<span style='font-size:9pt; font-weight:normal'> {h.unit}</span>"
                if h.unit else "")
        if value is None or not math.isfinite(value):
            text = "never" if h.is_year or h.key == "breakeven_distance" else "–"
            self.value.setText(text)
        else:
            text = f"{value:.0f}" if h.is_year else f"{theme.number(value, h.decimals)} {h.unit}"
            self.value.setText(f"{value:.0f}" if h.is_year else
                               f"{theme.number(value, h.decimals)}{unit}")
        self.setAccessibleName(f"{h.title}: {text.strip()}")
        self.delta.setText(self._delta_text(value, base))

    def _delta_text(self, value: float | None, base: float | None) -> str:
        h = self.headline
        finite = [v is not None and math.isfinite(v) for v in (value, base)]
        if not any(finite):
            return "<span style='color:#707070'>baseline: never</span>"
        if not all(finite):
            shown = "never" if not finite[1] else (
                f"{base:.0f}" if h.is_year else theme.number(base, h.decimals))
            return f"<span style='color:#707070'>baseline: {shown}</span>"
        diff = value - base
        if abs(diff) < 0.5 * 10 ** -h.decimals:
            return "<span style='color:#707070'>= baseline</span>"
        better = (diff < 0) == h.lower_is_better
        color = theme.BETTER if better else theme.WORSE
        unit = " years" if h.is_year else (f" {h.unit}" if h.unit else "")
        return (f"<span style='color:{color}'>{theme.signed(diff, h.decimals)}{unit} "
                f"vs baseline</span>")


class HeadlinePanel(QWidget):
    """The chosen year and the headline cards."""

    def __init__(self, on_year: Callable[[int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("headline_panel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        year_box = QVBoxLayout()
        year_label = QLabel("Figures for")
        self.year = QSpinBox()
        self.year.setObjectName("headline_year")
        self.year.setAccessibleName("Year of the headline figures")
        self.year.setRange(2025, 2050)
        self.year.setValue(2030)
        self.year.setToolTip("Year of the headline figures (also marked on the charts)")
        year_label.setBuddy(self.year)
        year_box.addWidget(year_label)
        year_box.addWidget(self.year)
        year_box.addStretch(1)
        layout.addLayout(year_box)
        self.cards = {h.key: HeadlineCard(h) for h in HEADLINES}
        for card in self.cards.values():
            layout.addWidget(card, 1)
        self.year.valueChanged.connect(on_year)

    def set_years(self, first: int, last: int) -> None:
        """Limit the year choice to the years shown."""
        if (self.year.minimum(), self.year.maximum()) != (first, last):
            with QSignalBlocker(self.year):
                self.year.setRange(first, last)

    def show_values(self, results: Results, baseline: Results) -> None:
        """Refresh every card for the chosen year."""
        for card in self.cards.values():
            card.show_values(results, baseline, self.year.value())


def display_value(param: Parameter, value: object) -> str:
    """A lever value with its unit, for people ("30,000 USD/t LCE", "LFP 70 %, NMC811 30 %")."""
    if param.kind == "mix":
        shares = sorted(((c, s) for c, s in value.items() if s > 0), key=lambda cs: -cs[1])
        return ", ".join(f"{c.replace('_', '-')} {100 * s:.0f} %" for c, s in shares)
    return param.format_with_unit(value)


class ChangesPanel(QWidget):
    """Every lever that differs from the baseline, with both values; click to jump to it."""

    def __init__(self, state: ScenarioState, on_jump: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>What changed vs baseline</b>")
        self.list = QListWidget()
        self.list.setObjectName("changes_list")
        self.list.setAccessibleName("Levers that differ from the baseline")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setAlternatingRowColors(True)
        title.setBuddy(self.list)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        self.list.itemActivated.connect(lambda item: self._jump(item, on_jump))
        self.list.itemClicked.connect(lambda item: self._jump(item, on_jump))
        state.subscribe(self._on_state)
        self.refresh()

    @staticmethod
    def _jump(item: QListWidgetItem, on_jump: Callable[[str], None]) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if name:
            on_jump(name)

    def _on_state(self, change: Change) -> None:
        if change.levers:
            self.refresh()

    def refresh(self) -> None:
        """Rebuild the list from the state (in place when the same levers differ)."""
        changed = self._state.changed_levers()
        shown = [self.list.item(i).data(Qt.ItemDataRole.UserRole)
                 for i in range(self.list.count())]
        if changed and shown == changed:
            for i, name in enumerate(changed):
                text = self._text(name)
                if self.list.item(i).text() != text:
                    self.list.item(i).setText(text)
            return
        self.list.clear()
        if not changed:
            item = QListWidgetItem("No lever differs from the baseline.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)
            return
        for name in changed:
            item = QListWidgetItem(self._text(name))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(f"Go to {PARAMETERS[name].label}")
            self.list.addItem(item)

    def _text(self, name: str) -> str:
        p = PARAMETERS[name]
        return (f"{p.label}: {display_value(p, self._state.get(name))}\n"
                f"    baseline {display_value(p, p.default)}")


class MetaPanel(QWidget):
    """Title, author and notes of the scenario (saved in the file)."""

    def __init__(self, state: ScenarioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.title = QLineEdit()
        self.title.setObjectName("scenario_title")
        self.title.setAccessibleName("Scenario title")
        self.title.setPlaceholderText("Untitled scenario")
        self.author = QLineEdit()
        self.author.setObjectName("scenario_author")
        self.author.setAccessibleName("Author")
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("scenario_notes")
        self.notes.setAccessibleName("Notes")
        self.notes.setPlaceholderText("What this scenario explores, sources, caveats…")
        self.notes.setTabChangesFocus(True)
        form.addRow("&Title", self.title)
        form.addRow("&Author", self.author)
        form.addRow("&Notes", self.notes)
        self.title.textEdited.connect(lambda text: state.set("title", text))
        self.author.textEdited.connect(lambda text: state.set("author", text))
        self.notes.textChanged.connect(self._on_notes)
        state.subscribe(self._on_state, names=("title", "author", "notes"))
        self._on_state(Change(frozenset()))

    def _on_notes(self) -> None:
        self._state.set("notes", self.notes.toPlainText())

    def _on_state(self, change: Change) -> None:
        for field, widget in (("title", self.title), ("author", self.author)):
            if widget.text() != self._state.get(field):
                with QSignalBlocker(widget):
                    widget.setText(self._state.get(field))
        if self.notes.toPlainText() != self._state.get("notes"):
            with QSignalBlocker(self.notes):
                self.notes.setPlainText(self._state.get("notes"))

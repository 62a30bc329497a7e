"""Headline figures, the "what changed" list and the scenario's description."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QResizeEvent
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
from ..session import Change, Session
from . import theme
from .headline_ranges import range_text
from .theme import reference_name


@dataclass(frozen=True)
class Headline:
    """One headline figure.

    ``value`` reads it from results for the chosen year; ``lower_is_better``
    colours the change against the reference.
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
    """A big number with its unit and its change against the reference."""

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
        # The figure's P10–P90 range under uncertainty (hidden while bands are off).
        self.range = QLabel("")
        self.range.setObjectName(f"headline_{headline.key}_range")
        self.range.setStyleSheet("color: #505050; font-size: 8.5pt;")
        # Fixed line counts and widths that ignore the text: a new number must never
        # change the layout (that would resize and repaint every chart mid-drag).
        for label, lines in ((self.title, 2), (self.value, 1), (self.range, 1), (self.delta, 2)):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            label.setFixedHeight(lines * label.fontMetrics().lineSpacing() + 2)
            layout.addWidget(label)
        self.setMinimumWidth(120)
        self._delta_of: tuple[float | None, float | None, str] | None = None
        self._range_of: tuple[Any, int] | None = None
        self._fitted: dict[tuple[str, str, str, int], str] = {}

    def show_values(self, results: Results, reference: Results, year: int,
                    reference_label: str = "baseline") -> None:
        """Show the figure for ``year`` and its change against the reference.

        ``reference_label`` names the reference in the delta ("vs baseline").
        """
        h = self.headline
        value = h.value(results, year)
        base = h.value(reference, year)
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
        if self._delta_of is None or self._delta_of[2] != reference_label:
            self.delta.setToolTip(f"Change against {reference_label}")
        self._delta_of = (value, base, reference_label)
        self.delta.setText(self._delta_text(value, base, reference_label))

    def show_range(self, bands: Any, year: int) -> None:
        """Show the figure's P10–P90 range from ``bands`` (None: no range).

        A narrow card leaves out the unit (the figure above has it), then the names of
        the percentiles (the tooltip has them).
        """
        self._range_of = (bands, year)
        room = self.range.width() - 4
        for short in (0, 1, 2):
            text = range_text(self.headline, bands, year, short)
            if self.range.fontMetrics().horizontalAdvance(text) <= room:
                break
        if text != self.range.text():
            self.range.setText(text)
            self.range.setToolTip(
                f"10th to 90th percentile over {bands.n_samples:,} samples of the uncertain "
                "levers (View ▸ Show Uncertainty)" if text else "")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._delta_of is not None:  # the reference's name is fitted to the width
            self.delta.setText(self._delta_text(*self._delta_of))
        if self._range_of is not None:  # and so is the range's unit
            self.show_range(*self._range_of)

    def _fit(self, label: str, before: str = "", after: str = "") -> str:
        """``label`` shortened with "…" so that ``before + label + after`` fits one line."""
        key = (label, before, after, self.delta.width())
        fitted = self._fitted.get(key)
        if fitted is None:
            metrics = self.delta.fontMetrics()
            room = key[3] - metrics.horizontalAdvance(before + after) - 4
            elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, max(room, 0))
            if len(self._fitted) > 64:
                self._fitted.clear()
            fitted = self._fitted[key] = html.escape(elided, quote=False)
        return fitted

    def _delta_text(self, value: float | None, base: float | None, label: str) -> str:
        h = self.headline
        finite = [v is not None and math.isfinite(v) for v in (value, base)]
        if not any(finite):
            return f"<span style='color:#707070'>{self._fit(label, '', ': never')}: never</span>"
        if not all(finite):
            shown = "never" if not finite[1] else (
                f"{base:.0f}" if h.is_year else theme.number(base, h.decimals))
            return (f"<span style='color:#707070'>{self._fit(label, '', f': {shown}')}: "
                    f"{shown}</span>")
        diff = value - base
        if abs(diff) < 0.5 * 10 ** -h.decimals:
            return f"<span style='color:#707070'>= {self._fit(label, '= ')}</span>"
        better = (diff < 0) == h.lower_is_better
        color = theme.BETTER if better else theme.WORSE
        unit = " years" if h.is_year else (f" {h.unit}" if h.unit else "")
        return (f"<span style='color:{color}'>{theme.signed(diff, h.decimals)}{unit}<br>"
                f"vs {self._fit(label, 'vs ')}</span>")


class HeadlinePanel(QWidget):
    """The chosen year and the headline cards: the shown results against the reference."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
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
        self.year.valueChanged.connect(self._on_year)
        session.subscribe(self._on_session, names=("shown", "reference_results", "reference"))
        self._bands_visible = True
        session.subscribe(lambda change: self.show_ranges(), names=("bands",))
        if session.up_to_date:  # else it draws when the pending results arrive
            self.refresh()

    def _on_session(self, change: Change) -> None:
        if self._session.up_to_date:  # else it draws when the pending results arrive
            self.refresh()

    def _on_year(self, year: int) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Show the session's figures for the chosen year (limited to the years shown)."""
        shown = self._session.shown
        first, last = int(shown.years[0]), int(shown.years[-1])
        if (self.year.minimum(), self.year.maximum()) != (first, last):
            with QSignalBlocker(self.year):
                self.year.setRange(first, last)
        reference = self._session.reference_results
        label = reference_name(self._session.reference)
        for card in self.cards.values():
            card.show_values(shown, reference, self.year.value(), label)
        self.show_ranges()

    def set_bands_visible(self, visible: bool) -> None:
        """Show (True) or hide the cards' P10–P90 lines."""
        self._bands_visible = bool(visible)
        for card in self.cards.values():
            card.range.setVisible(self._bands_visible)
        self.show_ranges()

    def show_ranges(self) -> None:
        """Show the session's bands on the cards, if they belong to the years shown."""
        if not self._session.up_to_date:
            return  # the pending results come with a notification of their own
        bands = self._session.bands if self._bands_visible else None
        if bands is not None and not np.array_equal(bands.years, self._session.shown.years):
            bands = None
        for card in self.cards.values():
            card.show_range(bands, self.year.value())


def display_value(param: Parameter, value: object) -> str:
    """A lever value with its unit, for people ("30,000 USD/t LCE", "LFP 70 %, NMC811 30 %")."""
    if param.kind == "mix":
        shares = sorted(((c, s) for c, s in value.items() if s > 0), key=lambda cs: -cs[1])
        return ", ".join(f"{c.replace('_', '-')} {100 * s:.0f} %" for c, s in shares)
    return param.format_with_unit(value)


class ChangesPanel(QWidget):
    """Every lever that differs from the reference, with both values; click to jump to it."""

    def __init__(self, session: Session, on_jump: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = self.title = QLabel()
        title.setObjectName("changes_title")
        title.setWordWrap(True)
        title.setTextFormat(Qt.TextFormat.RichText)
        self.list = QListWidget()
        self.list.setObjectName("changes_list")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setAlternatingRowColors(True)
        title.setBuddy(self.list)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        self.list.itemActivated.connect(lambda item: self._jump(item, on_jump))
        self.list.itemClicked.connect(lambda item: self._jump(item, on_jump))
        session.subscribe(self._on_session, names={*PARAMETERS, "reference"})
        self._on_session(Change(frozenset({"reference"})))

    @staticmethod
    def _jump(item: QListWidgetItem, on_jump: Callable[[str], None]) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if name:
            on_jump(name)

    def _on_session(self, change: Change) -> None:
        if "reference" in change:
            name = reference_name(self._session.reference)
            self.title.setText(f"<b>What changed vs {html.escape(name, quote=False)}</b>")
            self.list.setAccessibleName(f"Levers that differ from the {name}"
                                        if name == "baseline" else
                                        f"Levers that differ from {name}")
            self.list.clear()  # every line names the reference: rebuild them all
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the list from the session (in place when the same levers differ)."""
        changed = self._session.changed_levers()
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
            name = reference_name(self._session.reference)
            item = QListWidgetItem(f"No lever differs from the {name}." if name == "baseline"
                                   else f"No lever differs from {name}.")
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
        reference = self._session.reference
        label = "baseline" if reference.is_baseline else "reference"
        return (f"{p.label}: {display_value(p, self._session.get(name))}\n"
                f"    {label} {display_value(p, reference.parameters[name])}")


class MetaPanel(QWidget):
    """Title, author and notes of the scenario (saved in the file)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
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
        self.title.textEdited.connect(lambda text: session.set("title", text))
        self.author.textEdited.connect(lambda text: session.set("author", text))
        self.notes.textChanged.connect(self._on_notes)
        session.subscribe(self._on_session, names=("title", "author", "notes"))
        self._on_session(Change(frozenset()))

    def _on_notes(self) -> None:
        self._session.set("notes", self.notes.toPlainText())

    def _on_session(self, change: Change) -> None:
        for field, widget in (("title", self.title), ("author", self.author)):
            if widget.text() != self._session.get(field):
                with QSignalBlocker(widget):
                    widget.setText(self._session.get(field))
        if self.notes.toPlainText() != self._session.get("notes"):
            with QSignalBlocker(self.notes):
                self.notes.setPlainText(self._session.get("notes"))

"""Headline figures, the "what changed" list and the scenario's description."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
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

from ..model import PARAMETERS, Parameter, Results, labels
from ..session import Change, Session
from . import theme
from .headline_ranges import range_text
from .theme import reference_name


@dataclass(frozen=True)
class Headline:
    """One headline figure.

    ``value`` reads it from results for the chosen year (the change against the
    reference is of this number); ``lower_is_better`` colours that change.
    ``output`` names the series or scalar it reads. ``state``, if given, says
    what the card's big line shows for the chosen year instead of the value
    with its unit: ``(text, smaller text after it)``; ``note`` gives a sentence
    for the card's tooltip.
    """

    key: str
    title: str
    unit: str
    value: Callable[[Results, int], float | None]
    decimals: int = 0
    lower_is_better: bool = True
    is_year: bool = False
    output: str = ""
    state: Callable[[Results, int], tuple[str, str]] | None = None
    note: Callable[[Results, int], str] | None = None


def _index(results: Results, year: int) -> int:
    return int(np.clip(np.searchsorted(results.years, year), 0, len(results.years) - 1))


def _series_at(name: str) -> Callable[[Results, int], float | None]:
    def read(results: Results, year: int) -> float | None:
        return float(results.series[name][_index(results, year)])
    return read


def _scalar(name: str) -> Callable[[Results, int], float | None]:
    def read(results: Results, year: int) -> float | None:
        value = results.scalars[name]
        return None if value is None else float(value)
    return read


def ev_premium(results: Results, year: int) -> float:
    """How much more the EV costs than the gasoline car in ``year`` [USD]; ≤ 0 at parity."""
    i = _index(results, year)
    premium = results.series.get("ev_price_premium")
    if premium is not None:
        return float(premium[i])
    return float(results.series["ev_price"][i] - results.series["ice_price"][i])


def _parity_state(results: Results, year: int) -> tuple[str, str]:
    # The card follows the chosen year: parity reached by then (and since when), or how
    # much dearer the EV still is that year. The change against the reference stays the
    # shift of the parity year, the figure a strategist plans around.
    premium = ev_premium(results, year)
    if not math.isfinite(premium):
        return "\u2013", ""
    first = results.scalars.get("cost_parity_year")
    if premium <= 0:
        return "reached", "" if first is None else f" in {int(first)}"
    return labels.number(premium), " USD dearer"


def _parity_note(results: Results, year: int) -> str:
    premium = ev_premium(results, year)
    first = results.scalars.get("cost_parity_year")
    when = "is never reached in the years shown" if first is None else \
        f"is first reached in {int(first)}"
    if not math.isfinite(premium):
        return f"Price parity {when}."
    if premium <= 0:
        return (f"In {year} the EV costs {labels.quantity(-premium, 'USD')} less than the "
                f"gasoline car; price parity {when}.")
    return (f"In {year} the EV still costs {labels.quantity(premium, 'USD')} more than the "
            f"gasoline car; price parity {when}.")


def _shortfall_state(results: Results, year: int) -> tuple[str, str]:
    value = float(results.series["lithium_shortfall"][_index(results, year)])
    if not math.isfinite(value):
        return "\u2013", ""
    return ("none", "") if value <= 0 else (labels.number(value), " kt LCE")


def _shortfall_note(results: Results, year: int) -> str:
    # The card follows the chosen year like the others: how much lithium demand goes
    # unmet that year. The count of short years over the whole horizon is in this note.
    years = results.scalars.get("lithium_shortfall_years")
    span = f"{int(results.years[0])}\u2013{int(results.years[-1])}"
    value = float(results.series["lithium_shortfall"][_index(results, year)])
    that_year = ("no lithium demand goes unmet" if value <= 0 else
                 f"{labels.quantity(value, 'kt LCE')} of lithium demand goes unmet")
    count = "" if years is None else \
        f"; lithium is short in {labels.plural(int(years), 'year')} of {span}"
    return f"In {year} {that_year}{count}."


HEADLINES = (
    Headline("pack_cost", "Pack cost", "USD/kWh", _series_at("pack_cost"), output="pack_cost"),
    Headline("cost_parity_year", "Price parity with gasoline", "year",
             _scalar("cost_parity_year"), is_year=True, output="cost_parity_year",
             state=_parity_state, note=_parity_note),
    Headline("breakeven_distance", "Emissions break-even", "km",
             _series_at("breakeven_distance"), output="breakeven_distance"),
    Headline("lithium_shortfall_years", "Lithium shortfall", "kt LCE",
             _series_at("lithium_shortfall"), output="lithium_shortfall",
             state=_shortfall_state, note=_shortfall_note),
    Headline("fleet_emissions_avoided", "Avoided by that year's EVs", "Mt CO2e",
             _series_at("fleet_emissions_avoided"), lower_is_better=False,
             output="fleet_emissions_avoided"),
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
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(0)
        self.title = QLabel(headline.title)
        self.title.setStyleSheet("color: #505050;")
        self.title.setWordWrap(True)
        self.value = QLabel("–")
        self.value.setObjectName(f"headline_{headline.key}_value")
        self._font_metrics: dict[float | None, QFontMetrics] = {}
        self._minimum_widths: dict[bool, int] = {}
        self.compact = False
        self.value.setFont(self.value_font(False))
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
        self.setMinimumWidth(self.minimum_width(False))
        self._delta_of: tuple[float | None, float | None, str] | None = None
        self._value_parts: tuple[str, str] | None = None
        self._range_of: tuple[Any, int] | None = None
        self._fitted: dict[tuple[str, str, str, int], str] = {}

    #: The widest figures a card shows: a number in the big font, then a unit in the small.
    WIDEST = (("000,000", " km"), ("0,000", " USD dearer"), ("000", " USD/kWh"),
              ("0,000", " Mt CO2e"), ("reached", " in 2030"), ("00,000", " kt LCE"))

    def value_font(self, compact: bool) -> QFont:
        """The font of the big figure: 14 pt, or 11 pt in a compact card."""
        font = QFont(self.title.font())
        font.setPointSizeF(11 if compact else 14)
        font.setBold(True)
        return font

    def minimum_width(self, compact: bool | None = None) -> int:
        """Narrowest width that shows the widest figure (:attr:`WIDEST`) on one line [px]."""
        compact = self.compact if compact is None else compact
        width = self._minimum_widths.get(compact)
        if width is None:
            big = self._metrics(self.value_font(compact).pointSizeF())
            wide = max(big.horizontalAdvance(number) + self._metrics(None).horizontalAdvance(unit)
                       for number, unit in self.WIDEST)
            margins = self.layout().contentsMargins()
            width = self._minimum_widths[compact] = wide + margins.left() + margins.right() + 4
        return width

    def _metrics(self, size: float | None) -> QFontMetrics:
        """Metrics of the big figure's font at ``size`` [pt], or of the small unit font (None)."""
        metrics = self._font_metrics.get(size)
        if metrics is None:
            if size is None:
                font = QFont(self.title.font())
                font.setPointSizeF(9)
            else:
                font = self.value_font(False)
                font.setPointSizeF(size)
            metrics = self._font_metrics[size] = QFontMetrics(font)
        return metrics

    def set_compact(self, compact: bool) -> None:
        """Use the smaller figure font (when the cards would otherwise wrap onto two rows)."""
        if compact == self.compact:
            return
        self.compact = compact
        self.value.setFont(self.value_font(compact))
        self.value.setFixedHeight(self.value.fontMetrics().lineSpacing() + 2)
        self.setMinimumWidth(self.minimum_width(compact))
        if self._value_parts is not None:
            self._show_value(*self._value_parts)

    def show_values(self, results: Results, reference: Results, year: int,
                    reference_label: str = "baseline") -> None:
        """Show the figure for ``year`` and its change against the reference.

        ``reference_label`` names the reference in the delta ("vs baseline").
        """
        h = self.headline
        value = h.value(results, year)
        base = h.value(reference, year)
        if h.state is not None:
            big, after = h.state(results, year)
        elif value is None or not math.isfinite(value):
            big = "never" if h.is_year or h.key == "breakeven_distance" else "\u2013"
            after = ""
        else:
            big = labels.number(value, h.decimals)
            after = f" {h.unit}" if h.unit and not h.is_year else ""
        text = f"{big}{after}"
        self._show_value(big, after)
        note = h.note(results, year) if h.note is not None else ""
        self.setAccessibleName(f"{h.title}: {text.strip()}")
        if note != self.toolTip():
            self.setToolTip(note)
            self.setAccessibleDescription(note)
        if self._delta_of is None or self._delta_of[2] != reference_label:
            self.delta.setToolTip(f"Change against {reference_label}")
        self._delta_of = (value, base, reference_label)
        self.delta.setText(self._delta_text(value, base, reference_label))

    def _show_value(self, big: str, after: str) -> None:
        """Show the figure (big) and its unit (small); a figure too wide for the card is set in
        a smaller font, so that nothing is cut and the card keeps its size."""
        self._value_parts = (big, after)
        room = self.value.contentsRect().width() - 2
        size = self.value.font().pointSizeF()
        unit = self._metrics(None).horizontalAdvance(after)
        while size > 7:
            if self._metrics(size).horizontalAdvance(big) + unit <= room or room <= 0:
                break
            size -= 1
        text = html.escape(big, quote=False)
        if size < self.value.font().pointSizeF():
            text = f"<span style='font-size:{size:g}pt'>{text}</span>"
        if after:
            text += ("<span style='font-size:9pt; font-weight:normal'>"
                     f"{html.escape(after, quote=False)}</span>")
        if text != self.value.text():
            self.value.setText(text)
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
        if self._value_parts is not None:  # refit the figure to the width
            self._show_value(*self._value_parts)
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
                f"{base:.0f}" if h.is_year else labels.quantity(base, h.unit, h.decimals))
            return (f"<span style='color:#707070'>{self._fit(label, '', f': {shown}')}: "
                    f"{html.escape(shown, quote=False)}</span>")
        diff = value - base
        if abs(diff) < 0.5 * 10 ** -h.decimals:
            return f"<span style='color:#707070'>= {self._fit(label, '= ')}</span>"
        better = (diff < 0) == h.lower_is_better
        color = theme.BETTER if better else theme.WORSE
        change = labels.year_shift(diff) if h.is_year else \
            labels.difference(diff, h.unit, h.decimals)
        return (f"<span style='color:{color}'>{html.escape(change, quote=False)}<br>"
                f"vs {self._fit(label, 'vs ')}</span>")


class HeadlinePanel(QWidget):
    """The chosen year and the headline cards: the shown results against the reference.

    The cards share the width in one row while each has room for its figures
    (:meth:`HeadlineCard.minimum_width`); in a narrower window they wrap onto
    more rows of equal cards (the panel then asks for more height).
    """

    #: Space between the cards [px].
    SPACING = 4

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.setObjectName("headline_panel")
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.year_box = QWidget(self)
        year_box = QVBoxLayout(self.year_box)
        year_box.setContentsMargins(0, 0, 0, 0)
        year_label = QLabel("Figures f&or")
        year_label.setObjectName("headline_year_label")
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
        self.cards = {h.key: HeadlineCard(h, self) for h in HEADLINES}
        self.columns = len(self.cards)
        self._card_sizes: tuple[int, int, int] | None = None
        self.year.valueChanged.connect(self._on_year)
        session.subscribe(self._on_session, names=("shown", "reference_results", "reference"))
        self._bands_visible = True
        session.subscribe(lambda change: self.show_ranges(), names=("bands",))
        if session.up_to_date:  # else it draws when the pending results arrive
            self.refresh()

    # -- arrangement ---------------------------------------------------------------------------
    def _card_height(self) -> int:
        return max(card.sizeHint().height() for card in self.cards.values())

    def _card_width(self, compact: bool = False) -> int:
        return max(card.minimum_width(compact) for card in self.cards.values())

    def layout_for(self, width: int) -> tuple[bool, int]:
        """Compact figures? and how many cards a row holds at ``width`` [px].

        All cards in one row if they fit, with the smaller figure font if need be;
        else as many as fit with the normal font, the rows balanced.
        """
        room = width - self.year_box.sizeHint().width()
        n = len(self.cards)
        for compact in (False, True):
            if n * (self._card_width(compact) + self.SPACING) <= room:
                return compact, n
        fit = max(1, min(n, room // (self._card_width(False) + self.SPACING)))
        rows = math.ceil(n / fit)
        return False, math.ceil(n / rows)

    def columns_for(self, width: int) -> int:
        """How many cards a row holds at ``width`` [px]."""
        return self.layout_for(width)[1]

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = math.ceil(len(self.cards) / self.columns_for(width))
        return rows * self._card_height() + (rows - 1) * self.SPACING

    def sizeHint(self) -> QSize:
        year = self.year_box.sizeHint().width()
        width = year + len(self.cards) * (self._card_width() + 40)
        return QSize(width, self.heightForWidth(self.width() if self.width() > 1 else width))

    def minimumSizeHint(self) -> QSize:
        year = self.year_box.sizeHint().width()
        return QSize(year + self.SPACING + self._card_width(False), self._card_height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            # Only a card that needs another size moves the panel: a new number does not (it
            # would re-lay and repaint every chart mid-drag).
            sizes = (self._card_height(), self._card_width(False), self._card_width(True))
            if sizes != self._card_sizes:
                self._card_sizes = sizes
                self.updateGeometry()
                self._place()
        return super().event(event)

    def _place(self) -> None:
        width = self.width()
        compact, columns = self.layout_for(width)
        for card in self.cards.values():
            card.set_compact(compact)
        if columns != self.columns:
            self.columns = columns
            self.updateGeometry()  # the number of rows, and so the height, changed
        year_width = self.year_box.sizeHint().width()
        height = self._card_height()
        self.year_box.setGeometry(0, 0, year_width, height)
        left = year_width + self.SPACING
        card_width = (width - left - (columns - 1) * self.SPACING) / columns
        for i, card in enumerate(self.cards.values()):
            row, column = divmod(i, columns)
            x = round(left + column * (card_width + self.SPACING))
            x_end = round(left + (column + 1) * card_width + column * self.SPACING)
            card.setGeometry(x, row * (height + self.SPACING), x_end - x, height)

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
    """A lever value with its unit, for people ("30,000 USD/t LCE", "European Union",
    "LFP 70 %, Sodium-ion 30 %"): :func:`evexplorer.model.labels.lever_value`."""
    return labels.lever_value(param.name, value)


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

    def heading(self) -> str:
        """The panel's heading as plain text: "What changed vs baseline"."""
        return f"What changed vs {reference_name(self._session.reference)}"

    def _on_session(self, change: Change) -> None:
        if "reference" in change:
            name = reference_name(self._session.reference)
            self.title.setText(f"<b>{html.escape(self.heading(), quote=False)}</b>")
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

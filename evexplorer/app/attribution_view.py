"""Attribution: a waterfall from the reference's value of an output to the scenario's.

For a chosen output and year, the change from the reference to the current
scenario is split among the levers that differ by their Shapley values
(:func:`evexplorer.analysis.attribution.attribute`: exact for up to 12 changed
levers, a sampled estimate with standard errors beyond). The waterfall starts
at the reference's value, steps through one bar per lever (largest effect
first, each labelled with the lever's label and its values from → to) and
ends at the scenario's value: the bars add up exactly to the change.

An attribution runs 2^k model runs (30-40 ms of processor time for 10
levers), too slow to repeat on every step of a slider drag. The view therefore
waits until the levers have been still for :data:`SETTLE_MS` (a restarted
single-shot timer: "after the hand pauses"), and meanwhile draws the previous
bars faded. It computes nothing while it is hidden.

Clicking a bar (or choosing it with the arrow keys and pressing Enter) takes
the focus to its lever.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ..analysis.attribution import EXACT_LIMIT, Attribution, attribute
from ..analysis.readout import AnalysisError, number, quantity
from ..model import PARAMETERS
from ..model.registry import ParameterError
from ..session import Change, Session
from . import theme
from .analysis_widgets import (
    LazyView,
    OutputCombo,
    WrappedLabel,
    YearSpin,
    lever_value,
    output_label,
)

#: Quiet time after the last lever move before the waterfall is recomputed [ms].
SETTLE_MS = 250
#: Colours of bars that raise and lower the output (the sign is also written and drawn).
RAISE = theme.VERMILLION
LOWER = theme.BLUE
TOTAL = "#404040"

BarKind = Literal["reference", "lever", "scenario"]


@dataclass(frozen=True)
class Bar:
    """One row of the waterfall.

    Attributes
    ----------
    kind : {"reference", "lever", "scenario"}
    name : str
        The lever's name ("" for the reference and scenario rows).
    label : str
        First line: the lever's label, or "Reference: …" / "Scenario: …".
    detail : str
        Second line: the lever's values from → to with units, or the total change.
    start, end : float
        Where the bar starts and ends on the output's scale [unit of the output];
        equal for the reference and scenario rows (a marker at the value).
    error : float
        Standard error of a sampled effect [unit of the output]; 0 when exact.
    value_text : str
        The effect (or the value) with its unit, in the column right of the bars.
    """

    kind: BarKind
    name: str
    label: str
    detail: str
    start: float
    end: float
    error: float
    value_text: str

    @property
    def effect(self) -> float:
        """``end - start`` [unit of the output]."""
        return self.end - self.start


def change_unit(unit: str) -> str:
    """Unit of a change of an output: a change of a calendar year is a number of years."""
    return "years" if unit == "year" else unit


def signed_quantity(value: float, unit: str, error: float = 0.0) -> str:
    """A change with its sign and unit, e.g. ``+12.3 USD/kWh`` or ``−0.8 ± 0.1 years``."""
    sign = "+" if value >= 0 else "\u2212"
    spread = f" ± {number(error)}" if error > 0 else ""
    unit = change_unit(unit)
    return f"{sign}{number(abs(value))}{spread}" + (f" {unit}" if unit else "")


def waterfall_bars(split: Attribution, reference_title: str) -> list[Bar]:
    """The rows of a waterfall: the reference, one per changed lever, then the scenario.

    Parameters
    ----------
    split : Attribution
        The change and its contributions (largest first).
    reference_title : str
        How the first row names the reference.

    Returns
    -------
    list of Bar
        Lever bars start where the previous one ended; the last lever bar ends at
        the scenario's value up to rounding (the effects sum to the change).
    """
    unit = split.unit
    bars = [Bar("reference", "", f"Reference: {reference_title}", "", split.reference,
                split.reference, 0.0, quantity(split.reference, unit))]
    level = split.reference
    for c in split.contributions:
        param = PARAMETERS[c.name]
        detail = f"{lever_value(param, c.before)} → {lever_value(param, c.after)}"
        bars.append(Bar("lever", c.name, param.label, detail, level, level + c.effect,
                        c.standard_error, signed_quantity(c.effect, unit, c.standard_error)))
        level += c.effect
    bars.append(Bar("scenario", "", "Scenario", f"total change "
                    f"{signed_quantity(split.change, unit)}",
                    split.scenario, split.scenario, 0.0, quantity(split.scenario, unit)))
    return bars


def nice_ticks(low: float, high: float, count: int = 4) -> np.ndarray:
    """About ``count`` round tick values within [low, high] (steps of 1, 2 or 5 × 10^n).

    The step nearest ``(high - low) / count`` on a log scale, made smaller if
    fewer than two ticks would fall within the range.
    """
    span = high - low
    if not span > 0:
        return np.array([low])
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    steps = sorted((m * p for m in (1, 2, 5) for p in (power / 10, power, power * 10)),
                   reverse=True)
    best = min(steps, key=lambda step: abs(math.log(step / raw)))
    for step in steps[steps.index(best):]:
        ticks = np.arange(math.ceil(low / step) * step, high + step * 1e-9, step)
        if ticks.size >= 2:
            return ticks
    return np.array([low, high])


class Waterfall(QWidget):
    """The waterfall, painted: per row a label, the values from → to (or the total change)
    and the bar with its value in a column at the right; the output's scale below.

    Signals
    -------
    activated(str)
        A lever's bar was clicked or chosen with Enter: its name.
    """

    activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attribution_waterfall")
        self.setAccessibleName("Waterfall of the change from the reference to the scenario")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.bars: list[Bar] = []
        self.unit = ""
        self.stale = False
        self.current = -1
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.88))
        self._widest = 0.0  # the widest value text [px], measured when the bars change
        self._tops: list[int] = [0]

    # -- geometry ---------------------------------------------------------------------------
    def _line(self) -> int:
        return self.fontMetrics().lineSpacing()

    def _row_heights(self) -> list[int]:
        """Rows: the label, the detail (levers only), and the bar strip with its value."""
        line = self._line()
        return [(3 if bar.detail else 2) * line + 8 for bar in self.bars]

    def _row_tops(self) -> list[int]:
        return self._tops

    def _measure(self) -> None:
        """Measure the rows and the column of values once per set of bars."""
        tops, top = [], 0
        for height in self._row_heights():
            tops.append(top)
            top += height
        self._tops = [*tops, top]
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        self._widest = float(max((metrics.horizontalAdvance(b.value_text) for b in self.bars),
                                 default=0))

    def _axis_height(self) -> int:
        return self._line() + 12

    def sizeHint(self) -> QSize:
        return QSize(240, self._row_tops()[-1] + self._axis_height() + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.sizeHint().height())

    def scale(self) -> tuple[float, float]:
        """The output range the width shows [unit of the output]."""
        points = [v for b in self.bars for v in (b.start - b.error, b.end + b.error,
                                                 b.start, b.end) if math.isfinite(v)]
        if not points:
            return 0.0, 1.0
        low, high = min(points), max(points)
        pad = 0.06 * (high - low) if high > low else max(abs(high) * 0.05, 1.0)
        return low - pad, high + pad

    def _value_width(self) -> float:
        """Width of the column of values at the right of the bars [px]."""
        return min(self._widest + 4, self.width() * 0.5)

    def _x(self, value: float, low: float, high: float) -> float:
        left, right = 8.0, self.width() - 16.0 - self._value_width()
        return left + (value - low) / (high - low) * (right - left)

    def row_rect(self, index: int) -> QRect:
        """The rectangle of row ``index`` in widget coordinates."""
        tops = self._row_tops()
        return QRect(0, tops[index], self.width(), tops[index + 1] - tops[index])

    def bar_rect(self, index: int, scale: tuple[float, float] | None = None) -> QRectF:
        """The rectangle of row ``index``'s bar (a thin marker for the totals) [px]."""
        low, high = scale or self.scale()
        bar = self.bars[index]
        line = self._line()
        row = self.row_rect(index)
        top = row.bottom() - line - 2
        a, b = sorted((self._x(bar.start, low, high), self._x(bar.end, low, high)))
        if bar.kind != "lever":
            a, b = a - 1.5, a + 1.5
        return QRectF(a, top + 1, max(b - a, 1.0), line - 2.0)

    # -- data -------------------------------------------------------------------------------
    def set_bars(self, bars: Sequence[Bar], unit: str) -> None:
        """Draw ``bars`` on the scale of an output in ``unit``."""
        self.bars = list(bars)
        self.unit = unit
        self.stale = False
        self._measure()
        if self.current >= len(self.bars):
            self.current = -1
        self.updateGeometry()
        self.setMinimumHeight(self.sizeHint().height())
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._small = QFont(self.font())
            self._small.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.88))
            self._measure()
            self.setMinimumHeight(self.sizeHint().height())

    def set_stale(self, stale: bool) -> None:
        """Fade the bars while a newer result is on its way."""
        if stale != self.stale:
            self.stale = stale
            self.update()

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.stale:
            painter.setOpacity(0.45)
        low, high = self.scale()
        line = self._line()
        width = self.width()
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setPen(QPen(QColor("#C4C4C4"), 1, Qt.PenStyle.DotLine))
        for i, bar in enumerate(self.bars[:-1]):  # connectors, under the text
            x = self._x(bar.end, low, high)
            painter.drawLine(QPointF(x, self.bar_rect(i, (low, high)).bottom() + 1),
                             QPointF(x, self.bar_rect(i + 1, (low, high)).top() - 1))
        for i, bar in enumerate(self.bars):
            row = self.row_rect(i)
            if i == self.current and self.hasFocus():
                painter.fillRect(row, QColor("#E8EEF7"))
            painter.setPen(QColor("#202020"))
            painter.setFont(self.font() if bar.kind == "lever" else bold)
            label = painter.fontMetrics().elidedText(bar.label, Qt.TextElideMode.ElideRight,
                                                     width - 16)
            painter.drawText(QRect(8, row.top() + 2, width - 16, line),
                             Qt.AlignmentFlag.AlignLeft, label)
            text_top = row.top() + 2 + line
            if bar.detail:
                painter.setFont(self._small)
                painter.setPen(QColor("#555555"))
                detail = painter.fontMetrics().elidedText(
                    bar.detail, Qt.TextElideMode.ElideRight, width - 16)
                painter.drawText(QRect(8, text_top, width - 16, line),
                                 Qt.AlignmentFlag.AlignLeft, detail)
            painter.setFont(self.font())
            self._paint_bar(painter, i, bar, low, high)
        self._paint_axis(painter, low, high)
        painter.end()

    def _paint_bar(self, painter: QPainter, i: int, bar: Bar, low: float, high: float) -> None:
        rect = self.bar_rect(i, (low, high))
        if bar.kind != "lever":
            painter.fillRect(rect.adjusted(-1, -2, 1, 2), QColor(TOTAL))
        else:
            up = bar.effect >= 0
            color = QColor(RAISE if up else LOWER)
            painter.fillRect(rect, color)
            # an arrowhead shows the direction without colour
            tip = rect.right() + 3 if up else rect.left() - 3
            back = tip - 7 if up else tip + 7
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawPolygon(QPolygonF([QPointF(tip, rect.center().y()),
                                           QPointF(back, rect.top() - 2),
                                           QPointF(back, rect.bottom() + 2)]))
            if bar.error > 0:
                painter.setPen(QPen(QColor("#202020"), 1))
                a = self._x(bar.end - bar.error, low, high)
                b = self._x(bar.end + bar.error, low, high)
                y = rect.center().y()
                painter.drawLine(QPointF(a, y), QPointF(b, y))
                painter.drawLine(QPointF(a, y - 4), QPointF(a, y + 4))
                painter.drawLine(QPointF(b, y - 4), QPointF(b, y + 4))
        # the value (or the total change) right-aligned in a column of its own
        painter.setPen(QColor("#202020"))
        font = QFont(self.font())
        font.setBold(bar.kind != "lever")
        painter.setFont(font)
        metrics = painter.fontMetrics()
        right = self.width() - 8.0
        painter.drawText(QRectF(right - self._value_width(), rect.center().y() -
                                metrics.height() / 2, self._value_width(), metrics.height()),
                         Qt.AlignmentFlag.AlignRight, bar.value_text)
        painter.setFont(self.font())

    def _paint_axis(self, painter: QPainter, low: float, high: float) -> None:
        if not self.bars:
            return
        top = self._row_tops()[-1] + 2
        end = self._x(high, low, high)
        painter.setPen(QPen(QColor("#606060"), 1))
        painter.drawLine(QPointF(8, top), QPointF(end, top))
        painter.setFont(self._small)
        metrics = painter.fontMetrics()
        unit = self.unit if self.unit != "year" else ""
        previous_right = -1e9
        for tick in nice_ticks(low, high):
            x = self._x(float(tick), low, high)
            painter.drawLine(QPointF(x, top), QPointF(x, top + 4))
            text = number(float(tick), self.unit)
            w = metrics.horizontalAdvance(text)
            left = min(max(x - w / 2, 8), end - w)
            if left > previous_right + 6:
                painter.drawText(QRectF(left, top + 5, w, metrics.lineSpacing()), text)
                previous_right = left + w
        if unit:  # the unit under the column of values
            painter.drawText(QRectF(end + 8, top + 5, self.width() - end - 16,
                                    metrics.lineSpacing()), Qt.AlignmentFlag.AlignRight, unit)
        painter.setFont(self.font())

    # -- interaction ------------------------------------------------------------------------
    def row_at(self, y: float) -> int:
        """Index of the row under ``y`` [px], or -1."""
        tops = self._row_tops()
        for index in range(len(self.bars)):
            if tops[index] <= y < tops[index + 1]:
                return index
        return -1

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.row_at(event.position().y())
        if index >= 0:
            self.current = index
            self.update()
            if self.bars[index].kind == "lever":
                self.activated.emit(self.bars[index].name)
                return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.bars:
            step = 1 if key == Qt.Key.Key_Down else -1
            self.current = min(max(self.current + step, 0), len(self.bars) - 1)
            self.update()
            self._announce()
            scroll = self.parentWidget().parentWidget() if self.parentWidget() else None
            if isinstance(scroll, QScrollArea):  # keep the chosen row in view
                row = self.row_rect(self.current)
                scroll.ensureVisible(row.center().x(), row.center().y(), 0, row.height())
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and \
                0 <= self.current < len(self.bars) and self.bars[self.current].kind == "lever":
            self.activated.emit(self.bars[self.current].name)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        if self.current < 0 and self.bars:
            self.current = 0
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)

    def _announce(self) -> None:
        if 0 <= self.current < len(self.bars):
            bar = self.bars[self.current]
            self.setAccessibleDescription(f"{bar.label}: {bar.value_text}. {bar.detail}")

    def event(self, event: object) -> bool:
        if isinstance(event, QHelpEvent):
            index = self.row_at(event.pos().y())
            if index >= 0:
                bar = self.bars[index]
                hint = " Click to go to the lever." if bar.kind == "lever" else ""
                QToolTip.showText(event.globalPos(),
                                  f"{bar.label}: {bar.value_text}\n{bar.detail}{hint}", self)
                return True
        return super().event(event)


class AttributionView(LazyView):
    """Which levers moved an output from the reference to the scenario, and by how much.

    Parameters
    ----------
    session : Session
        The current scenario and its reference.
    on_jump : callable
        Called with a lever's name when its bar is clicked.
    """

    def __init__(self, session: Session, on_jump: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attribution")
        self._session = session
        #: The attribution on screen (None when there is none).
        self.result: Attribution | None = None
        #: Number of attributions computed (each is 2^k model runs).
        self.compute_count = 0
        self.output = OutputCombo("attribution_output")
        self.output.set_output("pack_cost")
        self.year = YearSpin("attribution_year")
        self.year.setAccessibleName("Year of the attribution")
        self.summary = WrappedLabel(object_name="attribution_summary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.waterfall = Waterfall()
        self.waterfall.activated.connect(on_jump)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setWidget(self.waterfall)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.note = WrappedLabel(object_name="attribution_note")
        self.note.setStyleSheet("color: #505050;")
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        # In a narrow panel a field goes under its label rather than widening the panel.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        output_label_ = QLabel("Output")
        output_label_.setBuddy(self.output)
        year_label = QLabel("Year")
        year_label.setBuddy(self.year)
        form.addRow(output_label_, self.output)
        form.addRow(year_label, self.year)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 4, 2, 2)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.note)
        self.setTabOrder(self.output, self.year)
        self.setTabOrder(self.year, self.waterfall)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.refresh)
        self.output.currentIndexChanged.connect(self._on_choice)
        self.year.valueChanged.connect(self._on_choice)
        session.subscribe(self._on_session, names=(*PARAMETERS, "reference", "showing_stored"))

    def _on_choice(self, *args: object) -> None:
        self.year.setEnabled(not self.output.is_scalar())
        self.refresh()

    def _on_session(self, change: Change) -> None:
        self._stale = True
        self.waterfall.set_stale(bool(self.waterfall.bars))
        self._timer.start()  # restarted by every move: computed once the levers are still

    def refresh(self) -> None:
        """Compute and draw the attribution now (if the view is shown; else when it is)."""
        self._timer.stop()
        super().refresh()

    def draw(self) -> None:
        """Compute the attribution for the chosen output and year, and draw it."""
        session = self._session
        self.year.follow(session.results)
        output = self.output.output()
        year = None if self.output.is_scalar() else self.year.value()
        reference = session.reference
        ref_title = "baseline" if reference.is_baseline else reference.title
        try:
            split = attribute(reference.parameters, session.values, output, year)
        except (AnalysisError, ParameterError) as exc:
            self.result = None
            self.waterfall.set_bars([], "")
            self.summary.setText(str(exc))
            self.note.setText("")
            return
        self.compute_count += 1
        self.result = split
        what = output_label(output) + (f" in {year}" if year is not None else "")
        if not split.contributions:
            self.waterfall.set_bars([], split.unit)
            self.summary.setText(f"No lever differs from the {ref_title}: {what} is "
                                 f"{quantity(split.scenario, split.unit)} in both.")
        else:
            self.waterfall.set_bars(waterfall_bars(split, ref_title), split.unit)
            k = len(split.contributions)
            how = (f"{what}: an exact Shapley split among {k} lever{'s' if k > 1 else ''} "
                   f"({split.runs:,} model runs); the bars add up to the change." if
                   split.method == "exact" else
                   f"{what}: a sampled estimate ± standard error; {k} levers differ, more "
                   f"than {EXACT_LIMIT} for an exact split ({split.permutations} orders "
                   "sampled).")
            self.summary.setText(how)
        notes = []
        if split.held:
            labels = " and ".join(PARAMETERS[n].label for n in split.held)
            notes.append(f"{labels} held at the scenario's values (they set the years shown).")
        if session.showing_stored:
            notes.append("Computed with this version's model; the charts show the file's "
                         "stored numbers.")
        self.note.setText(" ".join(notes))

"""The Drivers tab: which uncertain levers move a chosen output most.

- A **tornado** (:func:`evexplorer.analysis.sensitivity.tornado`): each uncertain
  lever alone at its P10 and its P90, every other lever at the scenario's
  value, for the output and year chosen above it. One batch of 2K + 1 model
  runs in the background (beside the bands), repeated at most every :data:`THROTTLE_MS`
  while levers move. Its first ten bars also go to the session
  (``session.drivers``) for reports. Each bar names the lever and its
  two values with units, and shows the output at both ends; clicking a bar (or
  pressing Enter on it) jumps to the lever.
- **Sobol indices** on demand (:func:`evexplorer.analysis.sensitivity.sobol`):
  first- and total-order indices with 95 % bootstrap intervals, computed in a
  background thread with a progress bar and Cancel. Sobol indices assume
  independent levers, so the uncertainty's correlations are left out (the tab
  says which). Each lever is a row: its total-order index as a pale bar, its
  first-order index as a strong bar inside it, each with its interval as a
  whisker, and both numbers. When the levers, the uncertainty, the output or
  the year change after a run, the indices stay, greyed, under a line saying
  that they are stale; a new run replaces them (the old ones stay greyed until
  then).

Object names: the tab ``drivers``, ``drivers_output``, ``drivers_year``,
``drivers_tornado``, ``drivers_run_sobol``, ``drivers_sobol_samples``,
``drivers_cancel_sobol``, ``drivers_sobol_progress``, ``drivers_sobol_status``,
``drivers_sobol_indices``.
"""

from __future__ import annotations

import html
import math
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QRect, QSignalBlocker, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ..model import PARAMETERS, SCALARS, SERIES
from ..model.registry import ParameterError
from ..session import Change, Session
from . import theme
from .background import BackgroundTask, Done, LatestJobs
from .compute_process import ComputeProcess, plain_values, shared

#: Shortest interval between two tornados while levers move [ms].
THROTTLE_MS = 100
#: Kind of the tornado jobs in the background queue (after the bands).
JOB_KIND = "tornado"
#: Base samples a Sobol analysis may use (powers of 2), and the default.
SOBOL_SAMPLES: tuple[int, ...] = (1024, 4096, 16384)
DEFAULT_SOBOL = 4096
#: Colours of a bar's two ends: the lever at its P10 and at its P90.
LOW_COLOUR = theme.SKY
HIGH_COLOUR = theme.ORANGE
#: Colours of the Sobol bars: first order (the lever alone) and total order.
FIRST_COLOUR = theme.BLUE
TOTAL_COLOUR = "#A6CEE3"
#: Item data role holding a bar's drawing data.
BAR_ROLE = Qt.ItemDataRole.UserRole + 1


def output_label(name: str) -> str:
    """An output for people with its unit, e.g. "Pack cost (USD/kWh)"."""
    out = SERIES.get(name) or SCALARS[name]
    return f"{out.label} ({out.unit})" if out.unit else out.label


def format_output(value: float, unit: str) -> str:
    """An output value with about three significant figures; "never" for NaN or infinity."""
    if not math.isfinite(value):
        return "never"
    if unit in ("year", "years"):
        return f"{value:.0f}" if unit == "year" else f"{value:,.1f}".rstrip("0").rstrip(".")
    size = abs(value)
    decimals = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.1 else 3
    return f"{value:,.{decimals}f}"


def _unit_suffix(unit: str) -> str:
    return "" if unit in ("", "year") else f" {unit}"


def driver_records(result: Any, limit: int = 10) -> list[dict[str, str]]:
    """The first bars of a tornado as rows for reports, every value with its unit.

    Parameters
    ----------
    result : Tornado
        From :func:`evexplorer.analysis.sensitivity.tornado`.
    limit : int
        Most rows.

    Returns
    -------
    list of dict
        ``{"output", "lever", "lever at P10", "lever at P90", "output at P10",
        "output at P90"}`` per bar, largest swing first.
    """
    unit = result.unit
    what = output_label(result.output).rsplit(" (", 1)[0] + (
        "" if result.year is None else f" in {result.year}")
    rows = []
    for bar in result.bars[:limit]:
        param = PARAMETERS[bar.name]
        rows.append({"output": what, "lever": param.label,
                     "lever at P10": param.format_with_unit(bar.low_value),
                     "lever at P90": param.format_with_unit(bar.high_value),
                     "output at P10": format_output(bar.low, unit) + _unit_suffix(unit),
                     "output at P90": format_output(bar.high, unit) + _unit_suffix(unit)})
    return rows


class _RowDelegate(QStyledItemDelegate):
    """A list row painted from the drawing data in :data:`BAR_ROLE`: text lines, then a bar
    line. Subclasses say how many text lines (:attr:`lines`) and paint the bar line."""

    lines = 1

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(200, (self.lines + 1) * option.fontMetrics.lineSpacing() + 8)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        data = index.data(BAR_ROLE)
        if not data:
            return super().paint(painter, option, index)
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter,
                                option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled) and not data.get("stale")
        text_colour = option.palette.color(
            QPalette.ColorGroup.Normal if enabled else QPalette.ColorGroup.Disabled,
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        metrics = option.fontMetrics
        line = metrics.lineSpacing()
        rect = option.rect.adjusted(4, 3, -4, -3)
        painter.setPen(text_colour)
        for row, text in enumerate(data["lines"]):
            painter.drawText(QRect(rect.left(), rect.top() + row * line, rect.width(), line),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width()))
        bar_line = QRect(rect.left(), rect.top() + self.lines * line + 1, rect.width(), line)
        self.paint_bar(painter, data, bar_line, metrics, text_colour, enabled and not selected)
        painter.restore()

    def paint_bar(self, painter: QPainter, data: dict, line: QRect, metrics: Any,
                  text_colour: QColor, plain: bool) -> None:
        """Paint the bar line ``line``; ``plain`` is False when selected or greyed."""
        raise NotImplementedError


class TornadoDelegate(_RowDelegate):
    """A tornado row: the lever, its two values, then the bar with the output at both ends."""

    lines = 2

    def paint_bar(self, painter: QPainter, bar: dict, line: QRect, metrics: Any,
                  text_colour: QColor, plain: bool) -> None:
        low_text, high_text = bar["low_text"], bar["high_text"]
        side = max(metrics.horizontalAdvance(low_text), metrics.horizontalAdvance(high_text),
                   metrics.horizontalAdvance("8,888")) + 6
        area = QRect(line.left() + side, line.top(), max(line.width() - 2 * side, 10),
                     line.height() - 2)
        lo, hi = bar["scale"]

        def x_of(value: float) -> int:
            if not math.isfinite(value):  # never reached: to the far edge of its side
                return area.right()
            frac = 0.5 if hi <= lo else (value - lo) / (hi - lo)
            return area.left() + round(min(max(frac, 0.0), 1.0) * area.width())

        centre = x_of(bar["value"]) if math.isfinite(bar["value"]) else area.center().x()
        for end, colour in ((bar["low"], LOW_COLOUR), (bar["high"], HIGH_COLOUR)):
            x = x_of(end)
            painter.fillRect(QRect(min(x, centre), area.top(), max(abs(x - centre), 1),
                                   area.height()), QColor(colour))
        painter.setPen(QColor(theme.BLACK) if plain else text_colour)
        painter.drawLine(centre, area.top() - 1, centre, area.bottom() + 1)
        painter.setPen(text_colour)
        # Each number sits beside the end of the bar it belongs to.
        left_text, right_text = ((low_text, high_text) if x_of(bar["low"]) <= x_of(bar["high"])
                                 else (high_text, low_text))
        painter.drawText(QRect(line.left(), line.top(), side - 4, line.height()),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, left_text)
        painter.drawText(QRect(area.right() + 4, line.top(), side - 4, line.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, right_text)


class SobolDelegate(_RowDelegate):
    """A row of Sobol indices: the lever, then its total- and first-order bars on a 0-1 scale
    with their intervals as whiskers, and both numbers."""

    def paint_bar(self, painter: QPainter, row: dict, line: QRect, metrics: Any,
                  text_colour: QColor, plain: bool) -> None:
        side = metrics.horizontalAdvance("0.00 · 0.00") + 6
        area = QRect(line.left(), line.top(), max(line.width() - side, 10), line.height() - 2)

        def x_of(value: float) -> int:
            return area.left() + round(min(max(value, 0.0), 1.0) * area.width())

        for (value, low, high), colour, height in (
                (row["total"], TOTAL_COLOUR, area.height()),
                (row["first"], FIRST_COLOUR, area.height() // 2)):
            middle = area.top() + (area.height() - height) // 2
            shade = QColor(colour)
            if row["stale"]:
                shade.setAlpha(90)
            painter.fillRect(QRect(area.left(), middle, max(x_of(value) - area.left(), 1),
                                   height), shade)
            painter.setPen(QColor(theme.BLACK) if plain else text_colour)
            y = middle + height // 2
            painter.drawLine(x_of(low), y, x_of(high), y)
            painter.drawLine(x_of(low), y - 2, x_of(low), y + 2)
            painter.drawLine(x_of(high), y - 2, x_of(high), y + 2)
        painter.setPen(text_colour)
        painter.drawText(QRect(area.right() + 6, line.top(), side - 6, line.height()),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         row["numbers"])


class DriversPanel(QWidget):
    """The Drivers tab (see the module's description).

    Parameters
    ----------
    session : Session
        Whose levers are analysed.
    jobs : LatestJobs
        The background queue that asks for the tornado.
    spec : callable
        Returns the scenario's :class:`~evexplorer.analysis.uncertainty.UncertaintySpec`
        (raising :class:`~evexplorer.model.registry.ParameterError` if it cannot be used).
    on_jump : callable
        Called with a lever name when a bar is clicked.
    year : int
        The year chosen at first [year].
    compute : ComputeProcess, optional
        Where the tornado is computed (default: the application's child process).
    """

    def __init__(self, session: Session, jobs: LatestJobs, spec: Callable[[], Any],
                 on_jump: Callable[[str], None], year: int = 2030,
                 compute: ComputeProcess | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drivers")
        self._session = session
        self._jobs = jobs
        self._compute = compute if compute is not None else shared()
        self._spec = spec
        self._on_jump = on_jump
        self._request = 0
        self.tornado_result: Any = None
        self.sobol_result: Any = None
        self._sobol_for: tuple[Any, ...] | None = None
        self.sobol_stale = False
        self._version = 0  # +1 whenever the levers, uncertainty, output or year change

        self.output = QComboBox()
        self.output.setObjectName("drivers_output")
        self.output.setAccessibleName("Output whose drivers are shown")
        for name in (*SERIES, *SCALARS):
            self.output.addItem(output_label(name), name)
        self.output.setCurrentIndex(self.output.findData("pack_cost"))
        self.output.setMinimumContentsLength(12)
        self.output.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.year = QSpinBox()
        self.year.setObjectName("drivers_year")
        self.year.setAccessibleName("Year of the output")
        self.year.setRange(2025, 2050)
        self.year.setValue(year)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("&Output", self.output)
        form.addRow("&Year", self.year)

        self.summary = QLabel()
        self.summary.setObjectName("drivers_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.tornado = QListWidget()
        self.tornado.setObjectName("drivers_tornado")
        self.tornado.setAccessibleName("Levers that move the output most; Enter goes to one")
        self.tornado.setItemDelegate(TornadoDelegate(self.tornado))
        self.tornado.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tornado.setUniformItemSizes(True)
        self.tornado.setMouseTracking(True)
        self.tornado.itemClicked.connect(self._jump)
        self.tornado.itemActivated.connect(self._jump)

        self.run_sobol = QPushButton("Run &Sobol")
        self.run_sobol.setObjectName("drivers_run_sobol")
        self.run_sobol.setToolTip("First- and total-order Sobol indices of the output, with "
                                  "95 % intervals, computed in the background")
        self.samples = QComboBox()
        self.samples.setObjectName("drivers_sobol_samples")
        self.samples.setAccessibleName("Base samples of the Sobol analysis")
        self.samples.setToolTip("Base samples N: the model runs N × (levers + 2) times")
        for n in SOBOL_SAMPLES:
            self.samples.addItem(f"{n:,}", n)
        self.samples.setCurrentIndex(SOBOL_SAMPLES.index(DEFAULT_SOBOL))
        # Alt+P: Alt+C belongs to the Compare tab beside this one.
        self.cancel = QPushButton("Sto&p")
        self.cancel.setObjectName("drivers_cancel_sobol")
        self.cancel.setToolTip("Stop the Sobol analysis")
        self.cancel.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("drivers_sobol_progress")
        self.progress.setAccessibleName("Progress of the Sobol analysis")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        self.status = QLabel("Sobol indices: each lever's share of the output's variance.")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setObjectName("drivers_sobol_status")
        self.status.setWordWrap(True)
        self.indices = QListWidget()
        self.indices.setObjectName("drivers_sobol_indices")
        self.indices.setAccessibleName("Sobol indices with 95 % intervals; Enter goes to a "
                                       "lever")
        self.indices.setItemDelegate(SobolDelegate(self.indices))
        self.indices.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.indices.setUniformItemSizes(True)
        self.indices.itemClicked.connect(self._jump)
        self.indices.itemActivated.connect(self._jump)
        self.indices.hide()

        row = QHBoxLayout()
        row.addWidget(self.run_sobol)
        row.addWidget(self.samples, 1)
        # Cancel goes beside the progress it stops, so that the row fits a narrow panel.
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 4, 2, 2)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.tornado, 3)
        layout.addLayout(row)
        layout.addLayout(running)
        layout.addWidget(self.status)
        layout.addWidget(self.indices, 2)  # hidden until the first results: the tornado grows

        self.task = BackgroundTask("evexplorer-sobol")
        self.task.progress.connect(self._on_progress)
        self.task.finished.connect(self._on_sobol_done)
        self.run_sobol.clicked.connect(self.start_sobol)
        self.cancel.clicked.connect(self.cancel_sobol)
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self._submit)
        self.output.currentIndexChanged.connect(self._on_choice)
        self.year.valueChanged.connect(self._on_choice)
        jobs.finished.connect(self._on_done)
        session.subscribe(self._on_session, names=(*PARAMETERS, "uncertainty", "shown"))
        self._on_output()

    # -- choices ---------------------------------------------------------------------------------
    @property
    def output_name(self) -> str:
        """The chosen output."""
        return self.output.currentData()

    @property
    def output_year(self) -> int | None:
        """The chosen year, or None for a scalar output (it covers the whole run)."""
        return None if self.output_name in SCALARS else self.year.value()

    def _on_output(self) -> None:
        scalar = self.output_name in SCALARS
        self.year.setEnabled(not scalar)
        self.year.setToolTip("A scalar covers the whole run: no year" if scalar else
                             "Year the output is read at")

    def _on_choice(self) -> None:
        self._on_output()
        self._mark_sobol_stale()
        self.refresh(now=True)

    # -- the tornado -----------------------------------------------------------------------------
    def _on_session(self, change: Change) -> None:
        if "shown" in change.names:
            years = self._session.shown.years
            if (self.year.minimum(), self.year.maximum()) != (int(years[0]), int(years[-1])):
                with QSignalBlocker(self.year):
                    self.year.setRange(int(years[0]), int(years[-1]))
        if change.levers or "uncertainty" in change.names:
            self._mark_sobol_stale()
            self.refresh()

    def refresh(self, now: bool = False) -> None:
        """Compute the tornado again, soon or ``now`` (visible or not: reports show it too).

        Until it arrives, the session holds no driver rows, so that an export never shows
        the drivers of other levers.
        """
        self._session.set_drivers(())
        if now:
            self._throttle.stop()
            self._submit()
        elif not self._throttle.isActive():
            self._throttle.start()

    def _submit(self) -> None:
        try:
            spec = self._spec()
        except ParameterError as exc:
            self._show_message(f"No drivers: {exc}")
            return
        if not spec.levers:
            self._show_message("No lever is uncertain: make one uncertain in its "
                               "<b>i</b> panel to see what drives the output.")
            return
        arguments = {"values": plain_values(self._session.values), "record": spec.to_record(),
                     "output": self.output_name, "year": self.output_year}
        self._request += 1
        self._jobs.submit(JOB_KIND, (self._request, self.output_name, self.output_year),
                          lambda: self._compute.call("tornado", **arguments), priority=1)

    def _on_done(self, done: Done) -> None:
        if done.kind != JOB_KIND:
            return
        _, output, year = done.token
        if (output, year) != (self.output_name, self.output_year):
            return  # another output was chosen meanwhile
        if done.error is not None:
            self._show_message(f"No drivers: {done.error}")
            return
        self.show_tornado(done.result)

    def _show_message(self, text: str) -> None:
        self.tornado_result = None
        self._session.set_drivers(())
        self.summary.setText(text)
        self.tornado.clear()

    def show_tornado(self, result: Any) -> None:
        """Draw a :class:`~evexplorer.analysis.sensitivity.Tornado`."""
        self.tornado_result = result
        self._session.set_drivers(driver_records(result))
        unit = result.unit
        what = html.escape(output_label(result.output).rsplit(" (", 1)[0])
        when = "" if result.year is None else f" in {result.year}"
        self.summary.setText(
            f"<b>{what}{when}: {format_output(result.value, unit)}{_unit_suffix(unit)}</b>. "
            f"Each uncertain lever alone at its "
            f"<span style='color:{LOW_COLOUR}'>■</span>&nbsp;P10 and "
            f"<span style='color:{HIGH_COLOUR}'>■</span>&nbsp;P90:")
        ends = [v for bar in result.bars for v in (bar.low, bar.high) if math.isfinite(v)]
        if math.isfinite(result.value):
            ends.append(result.value)
        scale = (min(ends), max(ends)) if ends else (0.0, 1.0)
        current = self.tornado.currentRow()
        with QSignalBlocker(self.tornado):
            while self.tornado.count() > len(result.bars):
                self.tornado.takeItem(self.tornado.count() - 1)
            for row, bar in enumerate(result.bars):
                item = self.tornado.item(row)
                if item is None:
                    item = QListWidgetItem()
                    self.tornado.addItem(item)
                param = PARAMETERS[bar.name]
                low_text, high_text = format_output(bar.low, unit), format_output(bar.high, unit)
                values = (f"{param.format(bar.low_value)} → "
                          f"{param.format_with_unit(bar.high_value)}")
                text = (f"{param.label} from {param.format_with_unit(bar.low_value)} (P10) to "
                        f"{param.format_with_unit(bar.high_value)} (P90): {what}{when} "
                        f"{low_text} to {high_text}{_unit_suffix(unit)}")
                item.setText(text)
                item.setToolTip(f"{text}. Click to go to the lever.")
                item.setData(Qt.ItemDataRole.UserRole, bar.name)
                item.setData(BAR_ROLE, {"lines": (param.label, values),
                                        "low": bar.low, "high": bar.high,
                                        "value": result.value, "scale": scale,
                                        "low_text": low_text, "high_text": high_text})
            if 0 <= current < self.tornado.count():
                self.tornado.setCurrentRow(current)

    def _jump(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if name:
            self._on_jump(name)

    # -- Sobol -----------------------------------------------------------------------------------
    def start_sobol(self) -> None:
        """Compute Sobol indices of the chosen output in the background (cancels a run)."""
        from ..analysis.sensitivity import sobol

        try:
            spec = self._spec()
        except ParameterError as exc:
            self.status.setText(html.escape(f"Cannot run Sobol: {exc}"))
            return
        values = dict(self._session.values)
        output, year, n = self.output_name, self.output_year, int(self.samples.currentData())
        self._sobol_for = (output, year, n, self._version)
        if self.sobol_result is not None:
            self.sobol_stale = True
            self._set_indices_stale(True)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel.setEnabled(True)
        what = output_label(output).rsplit(" (", 1)[0] + ("" if year is None else f" in {year}")
        runs = n * (len(spec.levers) + 2)
        self.status.setText(f"Computing Sobol indices of {html.escape(what)}: {runs:,} model "
                            "runs and "
                            "999 bootstrap resamples…"
                            + (" The indices below are from the previous run."
                               if self.sobol_result is not None else ""))

        def task(progress: Callable[[float], None], cancel: threading.Event) -> Any:
            return sobol(values, spec, output, year, n=n, progress=progress, cancel=cancel)

        self.task.start(task, token=self._sobol_for)

    def cancel_sobol(self) -> None:
        """Stop the Sobol analysis in progress."""
        self.task.cancel()
        self.cancel.setEnabled(False)

    def _on_progress(self, number: int, fraction: float) -> None:
        if number == self.task.run_number:
            self.progress.setValue(round(1000 * fraction))

    def _on_sobol_done(self, done: Done) -> None:
        from ..analysis.sensitivity import Cancelled

        number, _ = done.token
        if number != self.task.run_number:
            return  # a newer run replaced this one
        self.progress.hide()
        self.cancel.setEnabled(False)
        if isinstance(done.error, Cancelled):
            self.status.setText("Sobol analysis cancelled." + (
                " The indices below are from an earlier run." if self.sobol_result is not None
                else ""))
            return
        if done.error is not None:
            self.status.setText(html.escape(f"Sobol analysis failed: {done.error}"))
            return
        self.show_sobol(done.result, seconds=done.wall_ms / 1e3)
        if done.token[1][3] != self._version:  # something changed while it ran
            self._mark_sobol_stale()

    def show_sobol(self, result: Any, seconds: float | None = None) -> None:
        """Show a :class:`~evexplorer.analysis.sensitivity.SobolAnalysis`, largest total first."""
        self.sobol_result = result
        self.sobol_stale = False
        ix = result.indices
        order = sorted(range(len(ix.names)), key=lambda i: -ix.total[i])
        what = output_label(result.output).rsplit(" (", 1)[0] + (
            "" if result.year is None else f" in {result.year}")
        self.indices.clear()
        for i in order:
            param = PARAMETERS[ix.names[i]]
            first = (float(ix.first[i]), *map(float, ix.first_conf[i]))
            total = (float(ix.total[i]), *map(float, ix.total_conf[i]))
            text = (f"{param.label}: first order {first[0]:.2f} ({first[1]:.2f} to "
                    f"{first[2]:.2f}), total order {total[0]:.2f} ({total[1]:.2f} to "
                    f"{total[2]:.2f})")
            item = QListWidgetItem(text)
            item.setToolTip(f"{text}. Click to go to the lever.")
            item.setData(Qt.ItemDataRole.UserRole, ix.names[i])
            item.setData(BAR_ROLE, {"lines": (param.label,), "first": first, "total": total,
                                    "numbers": f"{first[0]:.2f} · {total[0]:.2f}",
                                    "stale": False})
            self.indices.addItem(item)
        self.indices.show()
        notes = [f"{html.escape(what)}: <span style='color:{FIRST_COLOUR}'>■</span>&nbsp;"
                 f"first order (alone), <span style='color:{TOTAL_COLOUR}'>■</span>&nbsp;total "
                 f"(with interactions), 95 % intervals; {ix.n_base:,} base samples"
                 + (f", {seconds:.1f} s" if seconds is not None else "") + "."]
        if result.ignored_correlations:
            pairs = ", ".join(f"{html.escape(PARAMETERS[c.a].label)} ~ "
                              f"{html.escape(PARAMETERS[c.b].label)} ({c.rho:g})"
                              for c in result.ignored_correlations)
            notes.append(f"Correlations left out (Sobol indices assume independent levers): "
                         f"{pairs}.")
        if result.never_as is not None:
            notes.append(f"Runs that never reach it count as {result.never_as:.0f}.")
        self.status.setText(" ".join(notes))

    def _mark_sobol_stale(self) -> None:
        self._version += 1
        if self.sobol_result is None or self.sobol_stale:
            return
        self.sobol_stale = True
        self._set_indices_stale(True)
        if not self.task.running:
            self.status.setText("Stale: the levers, the uncertainty or the output changed since "
                                "these indices were computed. Run Sobol again to update them.")

    def _set_indices_stale(self, stale: bool) -> None:
        for row in range(self.indices.count()):
            item = self.indices.item(row)
            data = dict(item.data(BAR_ROLE))
            data["stale"] = stale
            item.setData(BAR_ROLE, data)
        self.indices.setToolTip("Stale: computed before the last change" if stale else "")

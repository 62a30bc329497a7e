"""The linked charts, each drawing the shown results against the reference.

Plot items are created once; every recompute only calls ``setData`` (the
pyqtgraph habit that keeps a drag at screen rate). Every chart shows the
reference (the baseline unless the user chose another scenario) as a thin
grey dashed ghost, named in its legend and hover read-out, carries its unit on the axis (no SI
prefixes: USD/kWh is not an SI unit), marks the chosen year, and shows the
year and values under the mouse.

Charts never mislead by their axes: every value axis starts at zero (so heights
read as ratios) and shows its zero tick; where a chart scales to one quantity
and another runs off the top (mineral supply far above demand), arrows and a
label with the value say so. Around the scenario's main curve each chart draws
the P10-P90 band of ``session.bands`` in a pale tint of the curve's colour, and
every compared scenario of ``session.comparison`` as a thin line in its own
colour-blind-safe colour (:data:`evexplorer.app.theme.COMPARED`). Legends are
flows of whole entries (:mod:`evexplorer.app.legend`).
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QSignalBlocker, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QGraphicsPathItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ..model import Results
from ..model.data import MINERALS
from ..model.outputs import MINERAL_LABELS, MINERAL_UNITS
from ..session import Change, Compared, Session
from . import theme
from .legend import Entry, FlowRow, Legend
from .theme import reference_name

if TYPE_CHECKING:
    from ..analysis.bands import Bands

pg.setConfigOptions(antialias=True, background="w", foreground="#202020")


#: How far a tick label may reach below the foot of a value axis [px]: half a line.
TICK_TEXT_OVERHANG = 9


class UnitAxis(pg.AxisItem):
    """An axis whose tick labels have thousands separators and no SI prefix.

    The label at its foot is drawn even when it reaches half a line below, so
    the zero of a zero-based axis is always labelled.
    """

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        # Replaying an axis's text from its QPicture costs ~2 ms; a cached pixmap is a blit.
        self.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> pg.QtCore.QRectF:
        """Room for half a line of text below the foot: pyqtgraph drops a tick label that
        does not fit inside, such as the 0 at the foot of a zero-based axis."""
        rect = super().boundingRect()
        if self.orientation in ("left", "right"):
            return rect.adjusted(0, 0, 0, TICK_TEXT_OVERHANG)
        return rect

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        if spacing >= 1:
            return [f"{v:,.0f}" for v in values]
        decimals = max(0, int(np.ceil(-np.log10(spacing))))
        return [f"{v:,.{decimals}f}" for v in values]


class YearAxis(pg.AxisItem):
    """A calendar-year axis: whole years, no separators, no SI prefix."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [f"{v:.0f}" for v in values]


def _pen(color: str, width: float = 2.0,
         style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> pg.QtGui.QPen:
    pen = pg.mkPen(color=color, width=width, style=style)
    pen.setCosmetic(True)
    return pen


def _brush(color: str, alpha: int = 110) -> pg.QtGui.QBrush:
    c = QColor(color)
    c.setAlpha(alpha)
    return pg.mkBrush(c)


GHOST_PEN = _pen(theme.GHOST, 1.5, Qt.PenStyle.DashLine)
#: The reference's supply on the mineral chart: dotted, to tell it from its dashed demand.
GHOST_SUPPLY_PEN = _pen(theme.GHOST, 1.5, Qt.PenStyle.DotLine)
#: Margins around a chart's legend: left, top, right, bottom [px].
LEGEND_MARGINS = (6, 0, 4, 0)
#: Width of a compared scenario's line [px].
COMPARED_WIDTH = 1.8
#: Dash patterns of the compared scenarios' lines, by slot [pen widths]. Dashed lines drawn
#: over the scenario's let one that coincides with them show in the gaps; a pattern of its
#: own tells each apart where colours do not (in grey, to a colour-blind reader).
COMPARED_DASHES: tuple[tuple[float, ...], ...] = (
    (5.0, 2.5),
    (8.0, 2.5, 2.0, 2.5),
    (3.0, 2.0),
    (12.0, 3.0),
    (5.0, 2.5, 1.5, 2.5, 1.5, 2.5),
    (2.0, 2.0),
)


def _compared_pen(color: str, slot: int) -> pg.QtGui.QPen:
    pen = _pen(color, COMPARED_WIDTH)
    pen.setDashPattern(list(COMPARED_DASHES[slot % len(COMPARED_DASHES)]))
    return pen

#: What every chart's "What's This?" text says about the marks all charts share.
COMMON_HELP = (
    "<p>The <b>grey dashed line</b> is the reference: the baseline (every lever at its "
    "default) unless another scenario was chosen with Analysis ▸ Set Reference. The "
    "distance between it and the coloured line is what the levers changed.</p>"
    "<p>The <b>pale band</b> around the main line is the P10–P90 range: the uncertain "
    "levers are drawn many times around the scenario's settings, and in each year 8 runs "
    "in 10 fall inside the band. View ▸ Show Uncertainty (Ctrl+U) hides it.</p>"
    "<p><b>Thin dashed coloured lines</b> are the scenarios added to the comparison, each "
    "named in the legend. The dotted vertical line marks the year of the headline figures; "
    "hover over the chart for the year's exact values. The vertical axis starts at "
    "zero, so heights compare as ratios.</p>")


def split_at_crossings(x: np.ndarray, a: np.ndarray, b: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Insert the points where two polylines cross, so that a fill can change colour there.

    Parameters
    ----------
    x : numpy.ndarray
        Common abscissae, increasing [any unit].
    a, b : numpy.ndarray
        The two polylines' ordinates at ``x`` [any unit, the same for both].

    Returns
    -------
    x, a, b : numpy.ndarray
        The same polylines with a vertex added wherever ``a - b`` changes sign
        strictly between two abscissae; there ``a`` equals ``b``.

    Examples
    --------
    >>> xs, ys_a, ys_b = split_at_crossings(np.array([0.0, 1.0]), np.array([0.0, 2.0]),
    ...                                     np.array([1.0, 1.0]))
    >>> xs.tolist(), ys_a.tolist(), ys_b.tolist()
    ([0.0, 0.5, 1.0], [0.0, 1.0, 2.0], [1.0, 1.0, 1.0])
    """
    x, a, b = (np.asarray(v, float) for v in (x, a, b))
    d = a - b
    i = np.flatnonzero(d[:-1] * d[1:] < 0)
    if i.size == 0:
        return x, a, b
    t = d[i] / (d[i] - d[i + 1])
    xc = x[i] + t * (x[i + 1] - x[i])
    yc = a[i] + t * (a[i + 1] - a[i])
    return np.insert(x, i + 1, xc), np.insert(a, i + 1, yc), np.insert(b, i + 1, yc)


_NO_CACHE = QGraphicsItem.CacheMode.NoCache
_CACHE = QGraphicsItem.CacheMode.DeviceCoordinateCache


def set_curve(item: pg.PlotCurveItem, x: np.ndarray, y: np.ndarray) -> None:
    """``item.setData(x, y)`` unless it already draws these values.

    An unchanged curve (a ghost during a drag, a compared scenario, a price the
    lever does not move) costs no new path, and is kept as a pixmap: when the
    plot repaints around it, it is copied instead of stroked again. A curve
    that changes is drawn directly (a pixmap redrawn at every step would cost
    more).
    """
    old_x, old_y = item.xData, item.yData
    if old_y is not None and old_y.shape == np.shape(y) and np.array_equal(old_y, y) \
            and np.array_equal(old_x, x):
        if item.cacheMode() != _CACHE:
            item.setCacheMode(_CACHE)
        return
    if item.cacheMode() != _NO_CACHE:
        item.setCacheMode(_NO_CACHE)
    item.setData(x, y)


def set_points(item: pg.ScatterPlotItem, x: np.ndarray, y: np.ndarray) -> None:
    """``item.setData(x, y)`` unless it already shows these points (a costly call)."""
    data = item.data
    if len(data) == len(x) and np.array_equal(data["x"], x) and np.array_equal(data["y"], y):
        return
    item.setData(x, y)


class AreaItem(QGraphicsPathItem):
    """A filled area between two polylines on the same abscissae, drawn as one path.

    One :meth:`set_area` call builds one closed path, where pyqtgraph's
    FillBetweenItem rebuilds its path once for each of its two curves' updates.
    The fill is painted without antialiasing: its edges lie under the lines
    drawn along them, and an aliased fill paints several times faster.
    """

    def __init__(self, brush: pg.QtGui.QBrush) -> None:
        super().__init__()
        self.setBrush(brush)
        self.setPen(pg.mkPen(None))
        self._drawn: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def set_area(self, x: np.ndarray, lower: np.ndarray | float, upper: np.ndarray) -> None:
        """Fill between ``lower`` and ``upper`` at ``x``; points where either is not
        finite are left out [plot units]."""
        x = np.asarray(x, float)
        lower = np.broadcast_to(np.asarray(lower, float), x.shape)
        upper = np.asarray(upper, float)
        last = self._drawn
        if last is not None and all(a.shape == b.shape and np.array_equal(a, b)
                                    for a, b in zip(last, (x, lower, upper), strict=True)):
            if self.cacheMode() != _CACHE:  # unchanged: kept as a pixmap (see set_curve)
                self.setCacheMode(_CACHE)
            return
        if self.cacheMode() != _NO_CACHE:
            self.setCacheMode(_NO_CACHE)
        self._drawn = (x.copy(), lower.copy(), upper.copy())
        keep = np.isfinite(lower) & np.isfinite(upper)
        if not keep.all():
            x, lower, upper = x[keep], lower[keep], upper[keep]
        path = pg.arrayToQPath(np.concatenate([x, x[::-1]]),
                               np.concatenate([upper, lower[::-1]]), connect="all")
        path.closeSubpath()
        self.setPath(path)

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        super().paint(painter, option, widget)


def _finite(values: np.ndarray) -> np.ndarray:
    """``values`` as floats with ``inf`` ("never") turned into gaps (NaN)."""
    values = np.asarray(values, float)
    return np.where(np.isfinite(values), values, np.nan)


class Chart:
    """One plot: title, unit, reference ghost, chosen-year marker and hover read-out.

    Around the curve of :attr:`band_name` it draws the P10-P90 band of the
    bands given to :meth:`set_bands` (when their years match the results'), and
    the series :attr:`compare_name` of every scenario given to
    :meth:`set_compared`. Legend and hover labels may contain ``{ref}``,
    replaced by :attr:`reference_label`.
    """

    key = ""
    title = ""
    unit = ""
    #: How legends and hover read-outs name the reference.
    reference_label = "Baseline"
    #: The series whose P10-P90 band is drawn (None: no band).
    band_name: str | None = None
    #: Colour of the curve the band surrounds; the band is a pale tint of it.
    band_color = theme.BLUE
    #: The series drawn for each compared scenario (None: none).
    compare_name: str | None = None
    #: "What's This?" text: what the chart shows (the common marks are added).
    help_text = ""
    #: Label of the year axis: what the year of a point is.
    year_label = "year"

    def __init__(self) -> None:
        self.widget = pg.PlotWidget(axisItems={"left": UnitAxis("left"),
                                               "bottom": YearAxis("bottom")})
        self.widget.setObjectName(f"chart_{self.key}")
        self.widget.setAccessibleName(self.title)
        self.widget.setMinimumSize(240, 130)
        # Title and legend are Qt widgets above the plot: they wrap between whole
        # entries and never hide data.
        self.title_label = QLabel()
        self.title_label.setObjectName(f"chart_{self.key}_title")
        self.title_label.setStyleSheet("font-weight: bold; font-size: 10.5pt;")
        self.legend_label = Legend(f"chart_{self.key}_legend")
        header_box = FlowRow(f"chart_{self.key}_header", spacing=(16, 2))
        self.header = header_box.flow
        self.header.setContentsMargins(6, 2, 4, 0)
        self.header.addWidget(self.title_label)
        self.container = QWidget()
        self.container.setObjectName(f"chart_{self.key}_box")
        box = QVBoxLayout(self.container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(header_box)
        legend_row = QHBoxLayout()
        legend_row.setContentsMargins(*LEGEND_MARGINS)
        legend_row.addWidget(self.legend_label)
        box.addLayout(legend_row)
        box.addWidget(self.widget, 1)
        help_text = f"<p><b>{self.title}</b></p><p>{self.help_text}</p>{COMMON_HELP}"
        for widget in (self.widget, self.container):
            widget.setWhatsThis(help_text)
        plot = self.plot = self.widget.getPlotItem()
        self._static_legend: list[tuple[str, str, str, Any]] = []
        #: The legend now: (name with ``{ref}``, colour, symbol) per entry.
        self._legend: list[Entry] = []
        self.header_box = header_box
        plot.setLabel("left", self.unit)
        plot.setLabel("bottom", self.year_label)
        self.set_title(self.title)
        plot.showGrid(x=False, y=True, alpha=0.15)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.disableAutoRange()
        self._y_range: tuple[float, float] | None = None
        self._fit_arrays: tuple[np.ndarray, ...] = ()
        self.year_line = pg.InfiniteLine(angle=90, movable=False,
                                         pen=_pen("#B0B0B0", 1, Qt.PenStyle.DotLine))
        plot.addItem(self.year_line, ignoreBounds=True)
        self.hover_line = pg.InfiniteLine(angle=90, movable=False, pen=_pen("#606060", 1))
        self.hover_text = pg.TextItem(color="#202020", fill=pg.mkBrush(255, 255, 255, 225),
                                      border=pg.mkPen("#A0A0A0"), anchor=(0, 0))
        self.hover_text.setZValue(100)
        for item in (self.hover_line, self.hover_text):
            item.hide()
            plot.addItem(item, ignoreBounds=True)
        self._years = np.zeros(0)
        self._results: Results | None = None
        self._hover_rows: list[tuple[str, Callable[[int], float], str]] = []
        # Bands: the items are made once, hidden while there is no band to draw.
        self._bands: Bands | None = None
        self._bands_visible = True
        self._band: tuple[np.ndarray, np.ndarray] | None = None
        self._band_label = "P10–P90"
        self._band_in_legend = False
        self._band_drawn: tuple[Any, ...] = ()
        self._make_band()
        # Compared scenarios: one line per slot, made when first needed, then reused.
        self._compared: list[tuple[Compared, str]] = []
        self._compared_items: list[pg.PlotCurveItem] = []
        self._compared_drawn: list[tuple[Any, ...]] = []
        #: Text items drawn inside the plot: wrapped to the plot's width when longer.
        self._in_plot_texts: list[pg.TextItem] = []
        plot.getViewBox().sigTransformChanged.connect(self.fit_in_plot_texts)
        self._proxy = pg.SignalProxy(self.widget.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse)
        self.widget.leaveEvent = lambda event: self._hide_hover()  # type: ignore[method-assign]

    # -- items and legend ----------------------------------------------------------------------
    def curve(self, name: str | None, pen: pg.QtGui.QPen, **kwargs) -> pg.PlotCurveItem:
        """A line created once; ``name`` puts it in the legend (while it is visible).

        A bare PlotCurveItem: its ``setData`` costs a fraction of PlotDataItem's.
        """
        item = pg.PlotCurveItem(pen=pen, **kwargs)
        self.plot.addItem(item)
        if name:
            symbol = {Qt.PenStyle.DashLine: "╌╌", Qt.PenStyle.DotLine: "┈┈"}.get(
                pen.style(), "━━")
            self._add_legend(name, pen.color().name(), symbol, item)
        return item

    def fill(self, color: str, name: str | None = None, alpha: int = 110) -> AreaItem:
        """A filled area, created once (``set_area`` draws it), in the legend as ``name``."""
        item = AreaItem(_brush(color, alpha))
        item.setZValue(-10)
        self.plot.addItem(item)
        if name:
            self._add_legend(name, theme.with_alpha(color, alpha), "■", item)
        return item

    def _add_legend(self, name: str, color: str, symbol: str, item: Any = None) -> None:
        """Add a legend entry, shown while ``item`` (if given) is visible."""
        self._static_legend.append((name, color, symbol, item))
        self._refresh_legend()

    def _refresh_legend(self) -> None:
        """Rebuild the legend: the fixed entries whose items show, the band, the compared."""
        rows: list[Entry] = [(n, c, s) for n, c, s, item in self._static_legend
                             if item is None or item.isVisible()]
        if self._band_in_legend:
            rows.append((self._band_label, self._band_legend_color(), self._band_symbol))
        for (entry, color), item in zip(self._compared, self._compared_items, strict=False):
            if item.isVisible():
                rows.append((self._compared_title(entry), color, "╌╌"))
        self._legend = rows
        self.legend_label.set_entries(
            [(n.replace("{ref}", self.reference_label), c, s) for n, c, s in rows])

    def set_title(self, title: str) -> None:
        """Set the title shown above the legend."""
        self.title_label.setText(title)

    def set_reference_label(self, label: str) -> None:
        """Name the reference in the legend and the hover read-out."""
        if label != self.reference_label:
            self.reference_label = label
            self._refresh_legend()

    def _label(self, text: str) -> str:
        return text.replace("{ref}", html.escape(self.reference_label, quote=False))

    def minimum_height(self, width: int) -> int:
        """Least height of the chart's box at ``width`` [px]: its header and legend wrapped
        into the rows they take at that width, and the plot's minimum height. (The box
        asks for this height itself once it has that width; a layout can ask beforehand.)"""
        left, _, right, _ = LEGEND_MARGINS
        header = self.header_box.flow.heightForWidth(width)
        legend = self.legend_label.flow.heightForWidth(width - left - right)
        return header + legend + self.widget.minimumHeight()

    def legend_entries(self) -> list[tuple[str, str, str]]:
        """The legend as plain text: (label, colour, symbol) rows, the reference named.

        The symbol is ``"━━"`` for a line, ``"╌╌"`` for a dashed line, ``"┈┈"`` for a
        dotted line, ``"■"`` for a fill, ``"┃"`` for a range bar (whiskers).
        """
        return [(name.replace("{ref}", self.reference_label), color, symbol)
                for name, color, symbol in self._legend]

    # -- drawing -------------------------------------------------------------------------------
    def update(self, results: Results, reference: Results, year: int) -> None:
        """Redraw with new results; ``year`` is the chosen year."""
        years = np.asarray(results.years, float)
        if len(years) != len(self._years) or years[0] != self._years[0]:
            self.plot.setXRange(years[0] - 0.5, years[-1] + 0.5, padding=0)
        self._years = years
        self._results = results
        self.year_line.setValue(year)
        self._draw_compared()
        self._draw_band()
        self._draw(results, reference)
        self._refresh_legend()

    def _draw(self, results: Results, reference: Results) -> None:
        raise NotImplementedError

    def in_plot_text(self, item: pg.TextItem) -> pg.TextItem:
        """Add ``item`` (anchored at its left) to the plot; it wraps between words where
        its text would run past the plot's right edge."""
        self.plot.addItem(item, ignoreBounds=True)
        self._in_plot_texts.append(item)
        return item

    def fit_in_plot_texts(self, *_: Any) -> None:
        """Wrap each in-plot text that is wider than the room right of where it starts."""
        view = self.plot.getViewBox()
        right = view.sceneBoundingRect().right()
        for item in self._in_plot_texts:
            text = item.textItem
            text.setTextWidth(-1)
            room = right - view.mapViewToScene(QPointF(item.pos().x(), 0)).x() - 4
            if text.boundingRect().width() > room > 40:
                text.setTextWidth(room)
                item.updateTextPos()

    def fit_y(self, *arrays: np.ndarray, headroom: float = 0.2) -> None:
        """Keep the y range steady and from zero: widen it (with headroom) at once when data
        leave it, narrow it only when data use less than 40 % of it. Axes then stay still
        during most of a drag: steadier to read, and the axis labels need no repaint.

        The band and the compared scenarios' lines count as data, so that a band
        arriving or leaving during a drag does not make the axis jump.
        """
        self._fit_arrays = arrays
        extra = [*self._compared_in_range()]
        if self._band is not None:
            extra += list(self._band)
        values = np.concatenate([np.ravel(a) for a in (*arrays, *extra)])
        values = values[np.isfinite(values)]
        if values.size:
            self._fit_values(float(values.min()), float(values.max()), headroom)
        self._on_y_range()

    def _fit_values(self, lo: float, hi: float, headroom: float) -> None:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        span = max(hi - lo, abs(hi) * 1e-3, 1e-9)
        current = self._y_range
        if current is not None:
            inside = current[0] <= lo and hi <= current[1]
            if inside and (hi - lo) >= 0.4 * (current[1] - current[0]):
                return
        new = (lo if lo >= 0 else lo - headroom * span, hi + headroom * span)
        self._y_range = new
        self.plot.setYRange(*new, padding=0)

    def _on_y_range(self) -> None:
        """Called after every fit: marks that depend on the y range update here."""

    # -- bands ---------------------------------------------------------------------------------
    _band_symbol = "■"

    def _band_legend_color(self) -> str:
        """The band's colour in the legend: its tint (``#AARRGGBB``)."""
        return theme.with_alpha(self.band_color, theme.BAND_ALPHA)

    def _make_band(self) -> None:
        """The band's item: a pale fill, without outline (which would close it with
        vertical strokes at the first and last year)."""
        self.band_fill = AreaItem(_brush(self.band_color, theme.BAND_ALPHA))
        self.band_fill.setZValue(-5)  # over the stacked areas (z -10), under every line (z 0)
        self.band_fill.hide()
        self.plot.addItem(self.band_fill)

    def _show_band(self, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        self.band_fill.set_area(x, lo, hi)
        self.band_fill.show()

    def _hide_band(self) -> None:
        self.band_fill.hide()

    def set_bands(self, bands: Bands | None) -> None:
        """The bands to draw from at the next update (None: none)."""
        self._bands = bands

    def set_bands_visible(self, visible: bool) -> None:
        """Show or hide the band (redrawn at the next update)."""
        self._bands_visible = bool(visible)

    def _band_rows(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The band's lowest and highest percentile rows, if one is to be drawn now."""
        bands, name = self._bands, self.band_name
        if not self._bands_visible or bands is None or name is None \
                or name not in bands.series:
            return None
        if not np.array_equal(np.asarray(bands.years, float), self._years):
            return None  # bands of other years (the time axis just changed): never misplaced
        rows = bands.series[name]
        lo, hi = _finite(rows[0]), _finite(rows[-1])
        width = np.nanmax(np.abs(hi - lo), initial=0.0)
        scale = np.nanmax(np.abs(hi), initial=0.0)
        if not width > 1e-9 * max(scale, 1.0):
            return None  # the uncertain levers do not move this series: nothing to draw
        first, last = bands.percentiles[0], bands.percentiles[-1]
        self._band_label = f"P{first:g}–P{last:g}"
        return lo, hi

    def _draw_band(self) -> None:
        # The same bands object on the same years is drawn already (``is``: Bands hold arrays).
        key = (self.band_name, self._bands_visible, len(self._years),
               self._years[0] if self._years.size else None)
        if self._band_drawn and self._band_drawn[0] is self._bands \
                and self._band_drawn[1] == key:
            return
        self._band_drawn = (self._bands, key)
        self._band = self._band_rows()
        if self._band is None:
            self._hide_band()
        else:
            self._show_band(self._years, *self._band)
        # The legend keeps its band entry while bands are on and new ones are on their way
        # (none yet, or still those of other years): an entry coming and going at every
        # step of a drag would make the legend, and the plot under it, jump.
        bands = self._bands
        pending = bands is None or not np.array_equal(np.asarray(bands.years, float),
                                                      self._years)
        if self._band is not None or not self._bands_visible or not pending:
            self._band_in_legend = self._band is not None

    def update_bands(self) -> None:
        """Redraw the band alone (new bands for the same results), refitting the y range."""
        if self._results is None:
            return
        self._draw_band()
        self.fit_y(*self._fit_arrays)
        self._refresh_legend()

    # -- compared scenarios ----------------------------------------------------------------------
    def set_compared(self, compared: Sequence[tuple[Compared, str]]) -> None:
        """The compared scenarios and their colours (``#RRGGBB``), drawn at the next update."""
        self._compared = list(compared)

    @staticmethod
    def _compared_title(entry: Compared) -> str:
        title = entry.scenario.title.strip() or "Untitled scenario"
        return theme.elide(title, theme.LEGEND_TITLE_CHARS)

    def _compared_item(self, i: int) -> pg.PlotCurveItem:
        while len(self._compared_items) <= i:
            item = pg.PlotCurveItem(pen=_compared_pen(theme.COMPARED[0], len(self._compared_items)))
            # Over the scenario's lines: dashed, a compared scenario that coincides with
            # the scenario shows in stripes on its line instead of vanishing under it.
            item.setZValue(1)
            self.plot.addItem(item)
            self._compared_items.append(item)
            self._compared_drawn.append(())
        return self._compared_items[i]

    def _draw_compared(self) -> None:
        name = self.compare_name
        for i, (entry, color) in enumerate(self._compared):
            item = self._compared_item(i)
            results = entry.results
            if name is None or name not in results.series:
                item.hide()
                continue
            drawn = self._compared_drawn[i]
            if not drawn or drawn[2] != color:
                item.setPen(_compared_pen(color, i))
            if not drawn or drawn[0] is not results or drawn[1] != name:
                set_curve(item, np.asarray(results.years, float), results.series[name])
            elif item.cacheMode() != _CACHE:  # unchanged since the last draw
                item.setCacheMode(_CACHE)
            self._compared_drawn[i] = (results, name, color)
            item.show()
        for item in self._compared_items[len(self._compared):]:
            item.hide()

    def _compared_in_range(self) -> list[np.ndarray]:
        """The compared lines' values within the shown years (for the y range)."""
        if not self._years.size or self.compare_name is None:
            return []
        out = []
        for entry, _ in self._compared:
            series = entry.results.series.get(self.compare_name)
            if series is not None:
                years = np.asarray(entry.results.years, float)
                inside = (years >= self._years[0]) & (years <= self._years[-1])
                out.append(np.asarray(series, float)[inside])
        return out

    # -- hover ---------------------------------------------------------------------------------
    def hover_rows(self, rows: list[tuple[str, Callable[[int], float], str]]) -> None:
        """Rows of the hover read-out: label, value at year index, format.

        The first row is the band's series: the band's range follows it.
        """
        self._hover_rows = rows

    def _on_mouse(self, event: tuple[QPointF]) -> None:
        pos = event[0]
        vb = self.plot.getViewBox()
        if not self._years.size or not vb.sceneBoundingRect().contains(pos):
            self._hide_hover()
            return
        x = vb.mapSceneToView(pos).x()
        i = int(np.clip(np.round(x - self._years[0]), 0, self._years.size - 1))
        year = self._years[i]
        self.hover_text.setHtml(self.hover_html(i))
        (x0, x1), (_, y1) = vb.viewRange()
        self.hover_line.setValue(year)
        left_side = year > (x0 + x1) / 2
        self.hover_text.setAnchor((1, 0) if left_side else (0, 0))
        self.hover_text.setPos(year, y1)
        self.hover_line.show()
        self.hover_text.show()

    def hover_html(self, i: int) -> str:
        """The hover read-out for year index ``i``: values, band range, compared, unit."""
        lines = [f"<b>{int(self._years[i])}</b>"]
        for k, (label, value_at, fmt) in enumerate(self._hover_rows):
            lines.append(f"{self._label(label)}: {_formatted(value_at(i), fmt)}")
            if k == 0 and self._band is not None:
                lo, hi = self._band
                lines.append(f"&nbsp;&nbsp;{self._band_label}: {_formatted(lo[i], fmt)} – "
                             f"{_formatted(hi[i], fmt)}")
        fmt = self._hover_rows[0][2] if self._hover_rows else ",.0f"
        year = self._years[i]
        for (entry, color), item in zip(self._compared, self._compared_items, strict=False):
            if not item.isVisible():
                continue
            years = np.asarray(entry.results.years, float)
            j = int(np.searchsorted(years, year))
            value = (float(entry.results.series[self.compare_name][j])
                     if j < years.size and years[j] == year else np.nan)
            title = html.escape(self._compared_title(entry), quote=False)
            lines.append(f"<span style='color:{color}'>━</span> {title}: "
                         f"{_formatted(value, fmt)}")
        return "<br>".join(lines) + f"<br><i>{self.unit}</i>"

    def _hide_hover(self) -> None:
        self.hover_line.hide()
        self.hover_text.hide()


def _formatted(value: float, fmt: str) -> str:
    return "–" if not np.isfinite(value) else format(value, fmt)


def _at(values: np.ndarray) -> Callable[[int], float]:
    return lambda i: float(values[i])


class PackCostChart(Chart):
    key = "pack_cost"
    title = "Battery pack cost"
    unit = "USD/kWh"
    band_name = compare_name = "pack_cost"
    help_text = ("Cost of a battery pack per kWh in each year (blue line). The orange area is "
                 "its mineral materials (price × content of lithium, nickel, cobalt, manganese "
                 "and graphite); the light-blue area is the rest of the pack, which gets "
                 "cheaper as cumulative production grows (learning).")

    def __init__(self) -> None:
        super().__init__()
        self.material = self.curve(None, _pen(theme.ORANGE, 1))
        self.total = self.curve("Pack cost", _pen(theme.BLUE, 2.5))
        self.material_area = self.fill(theme.ORANGE, "Mineral materials")
        self.rest_area = self.fill(theme.SKY, "Rest of pack (learning)")
        self.ghost = self.curve("{ref}", GHOST_PEN)

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        set_curve(self.material, y, s["pack_material_cost"])
        set_curve(self.total, y, s["pack_cost"])
        self.material_area.set_area(y, 0.0, s["pack_material_cost"])
        self.rest_area.set_area(y, s["pack_material_cost"], s["pack_cost"])
        set_curve(self.ghost, y, b["pack_cost"])
        self.fit_y(s["pack_cost"], b["pack_cost"])
        self.hover_rows([("Pack", _at(s["pack_cost"]), ",.1f"),
                         ("Minerals", _at(s["pack_material_cost"]), ",.1f"),
                         ("{ref}", _at(b["pack_cost"]), ",.1f")])


class PriceChart(Chart):
    """EV and gasoline car prices on an axis from zero, the gap between them shaded.

    A price axis cut at 27,500 USD makes a 10 % change look like a collapse; from
    zero, heights compare as ratios. The premium stays legible on that axis as
    the shaded area between the two lines (the ``ev_price_premium`` series:
    vermillion while the EV costs more, green once it costs less), which ends
    where the parity marker stands. A separate premium panel on its own scale
    would draw the same numbers a second time at a magnification the reader
    has to work out; the hover read-out gives the premium exactly.
    """

    key = "vehicle_price"
    title = "EV vs gasoline car price"
    unit = "USD"
    band_name = compare_name = "ev_price"
    help_text = ("Price of an electric car and of a comparable gasoline car in each year, on "
                 "an axis from zero. The shaded area between them is the EV's price premium: "
                 "vermillion while the EV costs more, green once it costs less. The green "
                 "vertical line marks the first year of price parity; the grey dashed one, "
                 "the reference's.")

    def __init__(self) -> None:
        super().__init__()
        self.ev = self.curve("EV", _pen(theme.BLUE, 2.5))
        self.ice = self.curve("Gasoline car", _pen(theme.VERMILLION, 2))
        self.ghost = self.curve("{ref} EV", GHOST_PEN)
        # The gap, split where the lines cross so that each side takes its colour.
        self.premium_fill = self.fill(theme.VERMILLION, "EV premium", alpha=70)
        self.saving_fill = self.fill(theme.GREEN, "EV saving", alpha=70)
        self.parity = pg.InfiniteLine(angle=90, movable=False, pen=_pen(theme.GREEN, 2),
                                      label="parity {value:.0f}",
                                      labelOpts={"position": 0.92, "color": theme.GREEN,
                                                 "fill": (255, 255, 255, 200)})
        self.ghost_parity = pg.InfiniteLine(angle=90, movable=False,
                                            pen=_pen(theme.GHOST, 1, Qt.PenStyle.DashLine))
        for line in (self.parity, self.ghost_parity):
            self.plot.addItem(line, ignoreBounds=True)

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        set_curve(self.ev, y, s["ev_price"])
        set_curve(self.ice, y, s["ice_price"])
        set_curve(self.ghost, y, b["ev_price"])
        premium = s["ev_price_premium"]
        x, ev, ice = split_at_crossings(y, s["ice_price"] + premium, s["ice_price"])
        self.premium_fill.set_area(x, ice, np.maximum(ev, ice))
        self.saving_fill.set_area(x, np.minimum(ev, ice), ice)
        self.premium_fill.setVisible(bool(np.any(premium > 0)))
        self.saving_fill.setVisible(bool(np.any(premium < 0)))
        self.fit_y(s["ev_price"], s["ice_price"], b["ev_price"])
        for line, year in ((self.parity, results.scalars["cost_parity_year"]),
                           (self.ghost_parity, reference.scalars["cost_parity_year"])):
            line.setVisible(year is not None)
            if year is not None:
                line.setValue(year)
        self.hover_rows([("EV", _at(s["ev_price"]), ",.0f"),
                         ("Gasoline", _at(s["ice_price"]), ",.0f"),
                         ("EV premium", lambda i: float(premium[i]), "+,.0f"),
                         ("{ref} EV", _at(b["ev_price"]), ",.0f")])


class MineralChart(Chart):
    """Demand for one mineral against the supply left for EVs and recycling.

    The axis is scaled to demand (the question is whether supply meets it), so
    supply far above demand would run off the top: arrows mark the years where
    it does and a label gives its largest value, for the scenario and the
    reference, whose supply is drawn as a dotted ghost.
    """

    key = "minerals"
    title = "Mineral demand vs supply"
    band_color = theme.BLACK
    help_text = ("Demand for the chosen mineral by that year's new EVs (black line) against "
                 "the primary supply left for EVs (green area) and recycled material (pink "
                 "area) stacked on it. The axis is scaled to demand: where supply runs above "
                 "the top of the chart, arrows (▲) mark those years and the label gives its "
                 "largest value. The grey dotted line is the reference's supply, primary plus "
                 "recycled; the grey dashed line, the reference's demand.")

    def __init__(self) -> None:
        self.mineral = "lithium"
        self.unit = MINERAL_UNITS["lithium"][0]
        super().__init__()
        self.supply = self.curve(None, _pen(theme.GREEN, 1))
        self.available = self.curve(None, _pen(theme.PURPLE, 1))
        self.supply_area = self.fill(theme.GREEN, "Primary supply for EVs")
        self.recycled_area = self.fill(theme.PURPLE, "Recycled")
        self.demand = self.curve("Demand", _pen(theme.BLACK, 2.5))
        self.ghost = self.curve("{ref} demand", GHOST_PEN)
        self.ghost_supply = self.curve("{ref} supply", GHOST_SUPPLY_PEN)
        # Supply above the top of the axis: arrows in the clipped years and one label.
        # Drawn as shapes, not cached bitmaps (useCache=False): exported charts stay vectors.
        self.clip_arrows = pg.ScatterPlotItem(symbol="t1", size=8, pen=pg.mkPen(None),
                                              brush=pg.mkBrush(theme.GREEN), useCache=False)
        self.ghost_clip_arrows = pg.ScatterPlotItem(symbol="t1", size=6, pen=pg.mkPen(None),
                                                    brush=pg.mkBrush(theme.GHOST),
                                                    useCache=False)
        self.clip_text = pg.TextItem(fill=pg.mkBrush(255, 255, 255, 215), anchor=(0, 0))
        for item in (self.clip_arrows, self.ghost_clip_arrows, self.clip_text):
            item.setZValue(50)
            item.hide()
            if item is self.clip_text:
                self.in_plot_text(item)
            else:
                self.plot.addItem(item, ignoreBounds=True)
        self._clip_html = ""
        self._total = self._ghost_total = np.zeros(0)
        self.set_mineral(self.mineral)

    @property
    def band_name(self) -> str:  # type: ignore[override]
        return f"{self.mineral}_demand"

    @property
    def compare_name(self) -> str:  # type: ignore[override]
        return f"{self.mineral}_demand"

    def set_mineral(self, mineral: str) -> None:
        """Choose the mineral shown (its unit goes on the axis)."""
        self.mineral = mineral
        self.unit = MINERAL_UNITS[mineral][0]
        self._y_range = None
        self.plot.setLabel("left", self.unit)
        self.set_title(f"{MINERAL_LABELS[mineral]} demand vs supply")

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        m = self.mineral
        s, b = results.series, reference.series
        self._total = s[f"{m}_supply"] + s[f"{m}_recycled"]
        self._ghost_total = b[f"{m}_supply"] + b[f"{m}_recycled"]
        set_curve(self.supply, y, s[f"{m}_supply"])
        set_curve(self.available, y, self._total)
        self.supply_area.set_area(y, 0.0, s[f"{m}_supply"])
        self.recycled_area.set_area(y, s[f"{m}_supply"], self._total)
        set_curve(self.demand, y, s[f"{m}_demand"])
        set_curve(self.ghost, y, b[f"{m}_demand"])
        set_curve(self.ghost_supply, y, self._ghost_total)
        # The question is whether supply meets demand: scale to demand, not to a glut.
        self.fit_y(s[f"{m}_demand"], b[f"{m}_demand"], headroom=0.6)
        self.hover_rows([("Demand", _at(s[f"{m}_demand"]), ",.0f"),
                         ("Primary supply", _at(s[f"{m}_supply"]), ",.0f"),
                         ("Recycled", _at(s[f"{m}_recycled"]), ",.0f"),
                         ("Shortfall", _at(s[f"{m}_shortfall"]), ",.0f"),
                         ("{ref} demand", _at(b[f"{m}_demand"]), ",.0f"),
                         ("{ref} supply", _at(self._ghost_total), ",.0f")])

    def clipped(self) -> tuple[np.ndarray, np.ndarray]:
        """Years where the scenario's and the reference's supply run above the axis [year]."""
        if self._y_range is None or self._total.size != self._years.size:
            return np.zeros(0), np.zeros(0)
        top = self._y_range[1]
        return self._years[self._total > top], self._years[self._ghost_total > top]

    def _on_y_range(self) -> None:
        years, ghost_years = self.clipped()
        top = self._y_range[1] if self._y_range is not None else 0.0
        lines = []
        for arrows, clipped, total, color, who in (
                (self.clip_arrows, years, self._total, theme.GREEN, "supply"),
                (self.ghost_clip_arrows, ghost_years, self._ghost_total, "#606060",
                 self._label("{ref}"))):
            arrows.setVisible(clipped.size > 0)
            if clipped.size:
                set_points(arrows, clipped, np.full(clipped.size, top * 0.97))
                # The unit once, on the first line: the second says whose supply it is.
                unit = "" if lines else f" {html.escape(self.unit)}"
                lines.append(f"<span style='color:{color}'>{who} up to "
                             f"{np.nanmax(total):,.0f}{unit} ↑</span>")
        text = "<br>".join(lines)
        if text != self._clip_html:
            self._clip_html = text
            self.clip_text.setHtml(text)
        self.clip_text.setVisible(bool(text))
        if text and self._years.size:
            self.clip_text.setPos(self._years[0] - 0.3, top * 0.93)
            self.fit_in_plot_texts()


class ProductionChart(Chart):
    key = "production_emissions"
    title = "Production emissions per car"
    unit = "t CO2e per car"
    band_name = compare_name = "ev_production_emissions"
    help_text = ("Emissions of making one car in each year: the EV's battery (orange area) and "
                 "the rest of the EV (light blue) up to the EV's total (blue line), against a "
                 "gasoline car (vermillion).")

    def __init__(self) -> None:
        super().__init__()
        self.battery = self.curve(None, _pen(theme.ORANGE, 1))
        self.ev = self.curve("EV", _pen(theme.BLUE, 2.5))
        self.battery_area = self.fill(theme.ORANGE, "EV battery")
        self.rest_area = self.fill(theme.SKY, "EV without battery")
        self.ice = self.curve("Gasoline car", _pen(theme.VERMILLION, 2))
        self.ghost = self.curve("{ref} EV", GHOST_PEN)

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        size = float(results.parameters["battery_size"])
        battery = s["battery_emissions"] * size / 1000.0
        set_curve(self.battery, y, battery)
        set_curve(self.ev, y, s["ev_production_emissions"])
        self.battery_area.set_area(y, 0.0, battery)
        self.rest_area.set_area(y, battery, s["ev_production_emissions"])
        set_curve(self.ice, y, s["ice_production_emissions"])
        set_curve(self.ghost, y, b["ev_production_emissions"])
        self.fit_y(s["ev_production_emissions"], s["ice_production_emissions"],
                   b["ev_production_emissions"])
        self.hover_rows([("EV", _at(s["ev_production_emissions"]), ",.2f"),
                         ("EV battery", _at(battery), ",.2f"),
                         ("Battery per kWh (kg CO2e/kWh)", _at(s["battery_emissions"]), ",.1f"),
                         ("Gasoline car", _at(s["ice_production_emissions"]), ",.2f"),
                         ("{ref} EV", _at(b["ev_production_emissions"]), ",.2f")])


class LifecycleChart(Chart):
    key = "lifecycle_emissions"
    title = "Life-cycle emissions"
    unit = "g CO2e/km"
    year_label = "year built"
    band_name = compare_name = "ev_lifecycle_emissions"
    help_text = ("Emissions of making and driving a car built in each year, over its whole "
                 "life, per km: the EV (blue) against the gasoline car (vermillion). The note "
                 "gives the distance after which an EV built in the chosen year has emitted "
                 "less in total than the gasoline car.")

    def __init__(self) -> None:
        super().__init__()
        self.ev = self.curve("EV", _pen(theme.BLUE, 2.5))
        self.ice = self.curve("Gasoline car", _pen(theme.VERMILLION, 2))
        self.ghost = self.curve("{ref} EV", GHOST_PEN)
        self.note = self.in_plot_text(pg.TextItem(color="#202020", anchor=(0, 1)))

    def update(self, results: Results, reference: Results, year: int) -> None:
        super().update(results, reference, year)
        i = int(np.searchsorted(results.years, year))
        km = float(results.series["breakeven_distance"][i])
        text = "never breaks even" if not np.isfinite(km) else f"breaks even after {km:,.0f} km"
        self.note.setText(f"{year} EV {text}")
        self.note.setPos(self._years[0], 0)
        self.fit_in_plot_texts()

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        set_curve(self.ev, y, s["ev_lifecycle_emissions"])
        set_curve(self.ice, y, s["ice_lifecycle_emissions"])
        set_curve(self.ghost, y, b["ev_lifecycle_emissions"])
        self.fit_y(s["ev_lifecycle_emissions"], s["ice_lifecycle_emissions"],
                   b["ev_lifecycle_emissions"])
        self.hover_rows([("EV", _at(s["ev_lifecycle_emissions"]), ",.0f"),
                         ("Gasoline car", _at(s["ice_lifecycle_emissions"]), ",.0f"),
                         ("{ref} EV", _at(b["ev_lifecycle_emissions"]), ",.0f"),
                         ("Break-even (km)", _at(s["breakeven_distance"]), ",.0f")])


def bar_outline(x: np.ndarray, height: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Outline of bars as one polyline along y = 0: filled down to 0 it draws the bars.

    Examples
    --------
    >>> xs, ys = bar_outline(np.array([1.0]), np.array([5.0]), 0.5)
    >>> xs.tolist(), ys.tolist()
    ([0.75, 0.75, 1.25, 1.25], [0.0, 5.0, 5.0, 0.0])
    """
    half = width / 2
    xs = np.repeat(np.asarray(x, float), 4) + np.tile([-half, -half, half, half], len(x))
    heights = np.asarray(height, float)
    ys = np.zeros(4 * len(heights))
    ys[1::4] = heights
    ys[2::4] = heights
    return xs, ys


class WhiskerItem(pg.ErrorBarItem):
    """Error bars painted without antialiasing: upright and level strokes need none."""

    def paint(self, painter: QPainter, *args: Any) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        super().paint(painter, *args)


class AvoidedChart(Chart):
    """Bars of the emissions avoided; the band is drawn as a P10-P90 whisker on each bar."""

    key = "emissions_avoided"
    title = "Emissions avoided"
    unit = "Mt CO2e"
    year_label = "year sold"
    band_name = compare_name = "fleet_emissions_avoided"
    band_color = "#00523C"  # Okabe-Ito green, darkened: whiskers must show over the bars
    help_text = ("Life-cycle emissions avoided by the EVs sold in each year, over those cars' "
                 "whole lives, each EV replacing a gasoline car (green bars). The P10–P90 range "
                 "is drawn as a whisker on each bar.")
    _band_symbol = "┃"

    def __init__(self) -> None:
        super().__init__()
        # Bars drawn as one filled outline: a single path, far cheaper to repaint than
        # a BarGraphItem's rectangles. Their edges are upright: antialiasing would only
        # blur them, and costs three quarters of the chart's painting.
        self.bars = pg.PlotCurveItem(pen=pg.mkPen(None), fillLevel=0.0,
                                     brush=_brush(theme.GREEN, 170), antialias=False)
        self.plot.addItem(self.bars)
        self._add_legend("Scenario", theme.GREEN, "■")
        self.ghost = self.curve("{ref}", GHOST_PEN)

    def _make_band(self) -> None:
        self.band_bars = WhiskerItem(x=np.zeros(0), y=np.zeros(0), beam=0.35,
                                     pen=_pen(self.band_color, 1.3))
        self.band_bars.setZValue(5)
        self.band_bars.hide()
        self.plot.addItem(self.band_bars)

    def _show_band(self, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        middle = (lo + hi) / 2
        half = (hi - lo) / 2
        self.band_bars.setData(x=x, y=middle, top=half, bottom=half)
        self.band_bars.show()

    def _hide_band(self) -> None:
        self.band_bars.hide()

    def _band_legend_color(self) -> str:
        return self.band_color  # the whiskers are drawn in full colour, not a tint

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        set_curve(self.bars, *bar_outline(y, s["fleet_emissions_avoided"], 0.7))
        set_curve(self.ghost, y, b["fleet_emissions_avoided"])
        self.fit_y(s["fleet_emissions_avoided"], b["fleet_emissions_avoided"])
        self.hover_rows([("Scenario", _at(s["fleet_emissions_avoided"]), ",.0f"),
                         ("{ref}", _at(b["fleet_emissions_avoided"]), ",.0f")])


#: Above this Herfindahl-Hirschman index a market is "highly concentrated" [HHI].
HIGHLY_CONCENTRATED_HHI = 2_500
#: The index of a market held by one supplier [HHI].
MAX_HHI = 10_000


class ConcentrationChart(Chart):
    """Refining concentration of each mineral and its spending-weighted average.

    The axis always spans the whole index, 0 to 10,000, so a line's height reads
    directly as how close refining is to a single country.

    References
    ----------
    U.S. Department of Justice and Federal Trade Commission (2010). Horizontal
    Merger Guidelines, section 5.3 (markets above an HHI of 2,500 are highly
    concentrated). https://www.justice.gov/atr/horizontal-merger-guidelines-08192010
    """

    key = "supply_concentration"
    title = "Supply concentration"
    unit = "HHI"
    band_name = compare_name = "supply_concentration"
    band_color = theme.BLACK
    help_text = ("How concentrated the refining of each mineral is among countries, as a "
                 "Herfindahl–Hirschman index (HHI: the sum of the squared market shares in "
                 "percent, from near 0 for many small refiners to 10,000 for one country). "
                 "The black line averages the minerals weighted by that year's spending on "
                 "each. Above the dashed 2,500 line a market is highly concentrated (U.S. "
                 "Department of Justice and Federal Trade Commission, Horizontal Merger "
                 "Guidelines, 2010; their 2023 Merger Guidelines draw the line at 1,800).")

    def __init__(self) -> None:
        super().__init__()
        self.widget.setObjectName("supply_concentration_chart")
        self.weighted = self.curve("Spending-weighted", _pen(theme.BLACK, 2.5))
        self.ghost = self.curve("{ref}", GHOST_PEN)
        self.minerals = {m: self.curve(MINERAL_LABELS[m], _pen(theme.MINERAL_COLORS[m], 1.5))
                         for m in MINERALS}
        self.threshold = pg.InfiniteLine(pos=HIGHLY_CONCENTRATED_HHI, angle=0, movable=False,
                                         pen=_pen(theme.VERMILLION, 1.2, Qt.PenStyle.DashLine))
        self.threshold_label = pg.TextItem(f"{HIGHLY_CONCENTRATED_HHI:,} HHI: highly "
                                           "concentrated", color=theme.VERMILLION,
                                           anchor=(0, 1))
        self.threshold.setZValue(-2)
        self.plot.addItem(self.threshold, ignoreBounds=True)
        self.threshold_label.setZValue(-2)
        self.in_plot_text(self.threshold_label)
        # Headroom above 10,000 for its tick label, even on a short plot.
        self._y_range = (0.0, MAX_HHI * 1.1)
        self.plot.setYRange(*self._y_range, padding=0)

    def hhi_names(self, results: Results) -> list[str]:
        """The minerals whose refining HHI the results carry (model 2.0 and later)."""
        return [m for m in MINERALS if f"{m}_refining_hhi" in results.series]

    def _fit_values(self, lo: float, hi: float, headroom: float) -> None:
        """The whole index always shows (0 to 10,000); only a negative value could widen it."""
        if lo < self._y_range[0] or hi > self._y_range[1]:
            super()._fit_values(lo, hi, headroom)

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        set_curve(self.weighted, y, s["supply_concentration"])
        set_curve(self.ghost, y, b["supply_concentration"])
        present = self.hhi_names(results)
        for m, item in self.minerals.items():
            item.setVisible(m in present)
            if m in present:
                set_curve(item, y, s[f"{m}_refining_hhi"])
        self.threshold_label.setPos(y[0] - 0.3, HIGHLY_CONCENTRATED_HHI)
        self.fit_in_plot_texts()
        self.fit_y(s["supply_concentration"], b["supply_concentration"],
                   *(s[f"{m}_refining_hhi"] for m in present))
        self.hover_rows([("Spending-weighted", _at(s["supply_concentration"]), ",.0f"),
                         *((MINERAL_LABELS[m], _at(s[f"{m}_refining_hhi"]), ",.0f")
                           for m in present),
                         ("{ref}", _at(b["supply_concentration"]), ",.0f")])


@dataclass(frozen=True)
class Arrangement:
    """How the chart panel lays out its charts.

    Attributes
    ----------
    mode : {"grid", "picker"}
        Every shown chart in a grid, or as many slots as there is room for, each
        with a picker of the chart it shows.
    columns, rows : int
        Size of the grid of charts or slots [1].
    slots : int
        Charts on screen at once [1].
    """

    mode: str
    columns: int
    rows: int
    slots: int


class ChartSlot(QWidget):
    """A place in the chart grid: one chart, and in picker mode a choice of which."""

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"chart_slot_{index}")
        self.chart: Chart | None = None
        self.picker = QComboBox()
        self.picker.setObjectName(f"chart_picker_{index}")
        self.picker.setAccessibleName(f"Chart shown in place {index + 1}")
        self.picker.setToolTip("Choose the chart shown here (the window is too small to "
                               "show every chart at once)")
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        font = self.picker.font()
        font.setBold(True)
        self.picker.setFont(font)
        picker_row = QHBoxLayout()
        picker_row.setContentsMargins(4, 0, 4, 0)
        picker_row.addWidget(self.picker)
        picker_row.addStretch(1)
        self.picker_row = QWidget()
        self.picker_row.setLayout(picker_row)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(0)
        self.box.addWidget(self.picker_row)

    def set_chart(self, chart: Chart) -> None:
        """Hold ``chart`` (the slot must be empty: see :meth:`release`)."""
        self.chart = chart
        self.box.addWidget(chart.container, 1)
        chart.container.show()

    def release(self) -> None:
        """Hand the chart back to the panel (the slot is no longer used)."""
        if self.chart is not None:
            self.box.removeWidget(self.chart.container)
            self.chart.container.setParent(self.parentWidget())
            self.chart.container.hide()
            self.chart = None


class ChartPanel(QWidget):
    """The charts, with the mineral picker above the mineral chart, laid out to fit.

    Every shown chart goes in a grid whose number of columns gives the cells
    the best shape (1 to 4 columns, cells about 1.6 times as wide as high);
    a row of the grid needs the height of its tallest chart. When no grid leaves
    each chart its minimum size (:attr:`PLOT_MIN` of plot below its title and
    legend), the panel shows as many charts as fit, each
    under a picker of the chart it shows. The arrangement follows the panel's
    size as the window is resized, over however many charts :attr:`charts` holds.

    Every chart draws the session's shown results against its reference, the
    P10-P90 band of ``session.bands`` (while :meth:`set_bands_visible` allows)
    and every scenario of ``session.comparison`` in the colour
    :meth:`compared_color` gives it.

    Parameters
    ----------
    session : Session
        Whose shown results, reference results, bands and comparison set the
        charts draw.
    year : callable
        Returns the chosen year, marked on every chart.
    """

    #: Smallest plot area of a chart, below its title and legend [px] (taller where the
    #: unit along the y axis needs it: :meth:`plot_min_height`).
    PLOT_MIN = QSize(200, 120)
    #: Space between the charts [px].
    SPACING = 6
    #: Shape of a chart's cell that reads best: width / height [1].
    ASPECT = 1.6
    #: Most columns of charts [1].
    MAX_COLUMNS = 4

    def __init__(self, session: Session, year: Callable[[], int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chart_panel")
        self._session = session
        self._year = year
        self.pack = PackCostChart()
        self.price = PriceChart()
        self.mineral = MineralChart()
        self.production = ProductionChart()
        self.lifecycle = LifecycleChart()
        self.avoided = AvoidedChart()
        self.charts = [self.pack, self.price, self.mineral, self.production, self.lifecycle,
                       self.avoided]
        self.concentration = ConcentrationChart()
        self.charts.append(self.concentration)
        self._bands_visible = True
        #: Colour of each compared scenario, by its key: kept while it stays compared.
        self._compared_colors: dict[int, str] = {}
        # A hidden chart (View menu, or no room for it) is not drawn; it catches up when shown.
        self._stale: set[Chart] = set()
        for chart in self.charts:
            chart.container.installEventFilter(self)
        self.mineral_choice = QComboBox()
        self.mineral_choice.setObjectName("mineral_choice")
        self.mineral_choice.setAccessibleName("Mineral shown in the demand chart")
        for m in MINERALS:
            self.mineral_choice.addItem(MINERAL_LABELS[m], m)
        self.mineral_choice.currentIndexChanged.connect(self._on_mineral)
        label = QLabel("&Mineral:")
        label.setBuddy(self.mineral_choice)
        # Label and picker stay together; the chart's header moves them below a title
        # that would otherwise run into them.
        picker = QWidget()
        picker.setObjectName("mineral_picker")
        picker_row = QHBoxLayout(picker)
        picker_row.setContentsMargins(0, 0, 0, 0)
        picker_row.addWidget(label)
        picker_row.addWidget(self.mineral_choice)
        self.mineral.header.addWidget(picker)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(self.SPACING)
        self._shown: dict[str, bool] = {}
        self._picks: list[str] = []
        self.slots: list[ChartSlot] = []
        self.arrangement = Arrangement("grid", 0, 0, 0)
        self._adopted: set[int] = set()
        self.reflow()
        session.subscribe(self._on_session, names=("shown", "reference_results", "reference",
                                                   "bands", "comparison"))
        self._on_session(Change(frozenset({"reference", "comparison"})))

    # -- which charts ---------------------------------------------------------------------------
    def _chart(self, key: str) -> Chart:
        for chart in self.charts:
            if chart.key == key:
                return chart
        raise KeyError(f"no chart {key!r}; the charts are "
                       f"{', '.join(c.key for c in self.charts)}")

    def shown_charts(self) -> list[Chart]:
        """The charts the user has not hidden (View menu), in order."""
        return [c for c in self.charts if self._shown.get(c.key, True)]

    def visible_charts(self) -> list[Chart]:
        """The charts on screen now, slot by slot."""
        return [slot.chart for slot in self.slots[:self.arrangement.slots]
                if slot.chart is not None]

    def set_chart_shown(self, key: str, shown: bool) -> None:
        """Show or hide a chart (View menu); the others reflow. A chart shown again comes on
        screen (in picker mode it takes the first place)."""
        self._chart(key)
        if self._shown.get(key, True) != shown:
            self._shown[key] = shown
            if shown:
                self._picks = [key, *(k for k in self._picks if k != key)]
            self.reflow(force=True)

    def show_chart(self, key: str) -> None:
        """Put a chart on screen: in picker mode it takes the first slot."""
        chart = self._chart(key)
        if not self._shown.get(key, True):
            self._shown[key] = True
        if chart not in self.visible_charts():
            self._picks = [key, *(k for k in self._picks if k != key)]
        self.reflow(force=True)

    def pick(self, slot: int, key: str) -> None:
        """Show chart ``key`` in ``slot`` (picker mode); a chart already on screen swaps places."""
        keys = [c.key for c in self.visible_charts()]
        if slot >= len(keys) or keys[slot] == key:
            return
        if key in keys:
            other = keys.index(key)
            keys[other] = keys[slot]
        keys[slot] = key
        self._picks = keys + [k for k in self._picks if k not in keys]
        self.reflow(force=True)

    def focus_target(self) -> QWidget:
        """What the keyboard focus goes to in this panel (the first picker, or the first
        chart's control)."""
        if self.arrangement.mode == "picker" and self.slots:
            return self.slots[0].picker
        if self.mineral in self.visible_charts():
            return self.mineral_choice
        visible = self.visible_charts()
        return visible[0].widget if visible else self

    # -- arrangement ----------------------------------------------------------------------------
    def _cell_min_width(self, charts: Sequence[Chart]) -> int:
        return max(max(c.container.minimumSizeHint().width(), self.PLOT_MIN.width())
                   for c in charts)

    def _cell_min_height(self, charts: Sequence[Chart], width: float) -> int:
        """Tallest minimum of the charts' boxes at ``width``: title, legend (wrapped to that
        width) and :attr:`PLOT_MIN` of plot [px]."""
        return max(chart.minimum_height(int(width)) for chart in charts)

    def _grid_min_height(self, charts: Sequence[Chart], columns: int, width: int) -> int:
        """Least height of a grid of ``charts`` in ``columns`` over ``width`` [px]: each row
        as tall as its tallest chart needs at the row's cell width (a last chart alone in its
        row spans the whole width), with the spacing between rows."""
        gap = self.SPACING
        cell_w = (width - (columns - 1) * gap) / columns
        rows = [charts[i:i + columns] for i in range(0, len(charts), columns)]
        heights = [self._cell_min_height(row, width if len(row) == 1 and columns > 1
                                         else cell_w) for row in rows]
        return sum(heights) + (len(rows) - 1) * gap

    def arrange(self, width: int, height: int) -> Arrangement:
        """The arrangement of the shown charts in a panel of ``width`` × ``height`` [px]."""
        shown = self.shown_charts()
        n = len(shown)
        if n == 0:
            return Arrangement("grid", 1, 1, 0)
        gap = self.SPACING
        min_width = self._cell_min_width(shown)
        best: tuple[float, int, int] | None = None
        for columns in range(1, min(n, self.MAX_COLUMNS) + 1):
            rows = math.ceil(n / columns)
            cell_w = (width - (columns - 1) * gap) / columns
            cell_h = (height - (rows - 1) * gap) / rows
            if cell_w < min_width or height < self._grid_min_height(shown, columns, width):
                continue
            score = abs(math.log(cell_w / cell_h / self.ASPECT))
            if best is None or score < best[0]:
                best = (score, columns, rows)
        if best is not None:
            return Arrangement("grid", best[1], best[2], n)
        # Not every chart fits: the most charts at once, under pickers. Fewer, wider
        # columns may hold more, as legends then wrap into fewer rows.
        picker = self._picker_height()
        most = max(1, min(n, self.MAX_COLUMNS, (width + gap) // (min_width + gap)))
        choice: tuple[int, int, int] | None = None
        for columns in range(1, most + 1):
            cell_w = (width - (columns - 1) * gap) / columns
            need = self._cell_min_height(shown, cell_w) + picker + gap
            rows = max(1, (height + gap) // need)
            slots = max(1, min(n - 1, columns * rows))
            if choice is None or slots > choice[0]:
                choice = (slots, min(columns, slots), rows)
        slots, columns, _ = choice
        return Arrangement("picker", columns, math.ceil(slots / columns), slots)

    def _picker_height(self) -> int:
        if not self.slots:
            self.slots.append(ChartSlot(0, self))
            self.slots[0].hide()
        return self.slots[0].picker_row.sizeHint().height()

    def minimumSizeHint(self) -> QSize:
        shown = self.shown_charts() or self.charts
        width = self._cell_min_width(shown)
        return QSize(width, self._cell_min_height(shown, width) + self._picker_height())

    def sizeHint(self) -> QSize:
        return QSize(830, 760)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.reflow()

    def reflow(self, force: bool = False) -> None:
        """Lay the charts out for the panel's current size (only if the arrangement changed,
        unless ``force``)."""
        force = self._adopt() or force
        for chart in self.charts:  # the year axes take their height once first drawn
            self._fit_plot_minimum(chart)
        arrangement = self.arrange(self.width(), self.height())
        if arrangement == self.arrangement and not force:
            return
        self.arrangement = arrangement
        shown = [c.key for c in self.shown_charts()]
        if arrangement.mode == "grid":
            keys = shown
        else:
            keys = [k for k in self._picks if k in shown]
            keys += [k for k in shown if k not in keys]
            keys = keys[:arrangement.slots]
        self._picks = keys + [k for k in self._picks if k not in keys]
        while len(self.slots) < len(keys):
            self.slots.append(ChartSlot(len(self.slots), self))
        for slot in self.slots:
            self._grid.removeWidget(slot)
            slot.release()
        for slot in self.slots[len(keys):]:
            slot.hide()
        titles = [(self._chart(k).title, k) for k in shown]
        for i, key in enumerate(keys):
            slot = self.slots[i]
            slot.set_chart(self._chart(key))
            slot.picker_row.setVisible(arrangement.mode == "picker")
            slot.chart.title_label.setVisible(arrangement.mode == "grid")
            self._fill_picker(slot, titles, key)
            row, column = divmod(i, max(arrangement.columns, 1))
            alone = i == len(keys) - 1 and column == 0  # a last row of one chart: full width
            self._grid.addWidget(slot, row, column, 1, arrangement.columns if alone else 1)
            slot.show()
        for chart in self.charts:
            if chart.key not in keys:
                chart.container.hide()
        for i in range(max(self._grid.columnCount(), self.MAX_COLUMNS)):
            self._grid.setColumnStretch(i, 1 if i < arrangement.columns else 0)
        for i in range(max(self._grid.rowCount(), len(self.charts))):
            self._grid.setRowStretch(i, 1 if i < arrangement.rows else 0)

    def _adopt(self) -> bool:
        """Take charts added to :attr:`charts` into the panel; True if there were any."""
        new = [c for c in self.charts if id(c) not in self._adopted]
        for chart in new:
            self._fit_plot_minimum(chart)
            chart.container.setParent(self)
            chart.container.hide()
            self._adopted.add(id(chart))
        return bool(new)

    @classmethod
    def plot_min_height(cls, chart: Chart) -> int:
        """Least height of ``chart``'s plot [px]: :attr:`PLOT_MIN`, or more where the unit
        written along the y axis is longer than that leaves the axis (the axis runs the
        plot's height less the year axis below it)."""
        label = chart.plot.getAxis("left").label
        unit = label.boundingRect().width() - 2 * label.document().documentMargin()
        below = chart.plot.getAxis("bottom").height()
        return max(cls.PLOT_MIN.height(), math.ceil(unit + below))

    def _fit_plot_minimum(self, chart: Chart) -> None:
        chart.widget.setMinimumSize(self.PLOT_MIN.width(), self.plot_min_height(chart))

    def _fill_picker(self, slot: ChartSlot, titles: list[tuple[str, str]], key: str) -> None:
        picker = slot.picker
        with QSignalBlocker(picker):
            if [(picker.itemText(i), picker.itemData(i)) for i in range(picker.count())] != \
                    titles:
                picker.clear()
                for title, k in titles:
                    picker.addItem(title, k)
            picker.setCurrentIndex(picker.findData(key))
        if not picker.property("connected"):
            index = self.slots.index(slot)
            picker.activated.connect(
                lambda i, p=picker, n=index: self.pick(n, p.itemData(i)))
            picker.setProperty("connected", True)

    # -- drawing --------------------------------------------------------------------------------
    def _on_session(self, change: Change) -> None:
        if "reference" in change:
            reference = self._session.reference
            label = ("Baseline" if reference.is_baseline else
                     reference_name(reference, theme.LEGEND_TITLE_CHARS))
            for chart in self.charts:
                chart.set_reference_label(label)
        if not self._session.up_to_date:  # it draws when the pending results arrive
            return
        if change.names <= {"bands"}:  # new bands for the results on screen
            bands = self._session.bands
            for chart in self.charts:
                chart.set_bands(bands)
                if chart not in self._stale:
                    chart.update_bands()
            return
        self.redraw()

    def redraw(self) -> None:
        """Draw the session's shown results against its reference for the chosen year,
        with the bands and the compared scenarios."""
        shown, reference, year = (self._session.shown, self._session.reference_results,
                                  self._year())
        bands = self._session.bands
        compared = [(entry, self.compared_color(entry.key))
                    for entry in self._session.comparison]
        for chart in self.charts:
            chart.set_bands(bands)
            chart.set_compared(compared)
            if chart.container.isHidden():
                self._stale.add(chart)
            else:
                self._stale.discard(chart)
                chart.update(shown, reference, year)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            chart = next((c for c in self._stale if c.container is watched), None)
            if chart is not None:
                self._stale.discard(chart)
                chart.update(self._session.shown, self._session.reference_results, self._year())
        return False

    def compared_color(self, key: int) -> str:
        """The colour of the compared scenario ``key`` (``#RRGGBB``), the same on every chart.

        A scenario keeps its colour while it stays in the comparison set; a new
        one takes the first colour of :data:`evexplorer.app.theme.COMPARED` that
        no compared scenario uses.
        """
        keys = {entry.key for entry in self._session.comparison}
        for gone in set(self._compared_colors) - keys:
            del self._compared_colors[gone]
        if key not in self._compared_colors:
            used = set(self._compared_colors.values())
            free = [c for c in theme.COMPARED if c not in used]
            self._compared_colors[key] = free[0] if free else \
                theme.COMPARED[len(self._compared_colors) % len(theme.COMPARED)]
        return self._compared_colors[key]

    def set_bands_visible(self, visible: bool) -> None:
        """Show or hide the P10-P90 bands on every chart (View ▸ Show Uncertainty)."""
        self._bands_visible = bool(visible)
        for chart in self.charts:
            chart.set_bands_visible(visible)
            if chart not in self._stale:
                chart.update_bands()

    def bands_visible(self) -> bool:
        """Whether the charts show the P10-P90 bands."""
        return self._bands_visible

    def band_series(self) -> tuple[str, ...]:
        """Every series the charts may draw a band for, in chart order: the series to
        compute bands of (``compute_bands(..., series=...)``); the mineral chart's for
        every mineral, as the picker may switch to any of them."""
        names = [chart.band_name for chart in self.charts if chart.band_name]
        names += [f"{m}_demand" for m in MINERALS]
        return tuple(dict.fromkeys(names))

    def _on_mineral(self, index: int) -> None:
        self.mineral.set_mineral(self.mineral_choice.itemData(index))
        self._fit_plot_minimum(self.mineral)  # another unit along the axis
        self.mineral.update(self._session.shown, self._session.reference_results, self._year())

"""The six linked charts, each drawing the shown results against the reference.

Plot items are created once; every recompute only calls ``setData`` (the
pyqtgraph habit that keeps a drag at screen rate). Every chart shows the
reference (the baseline unless the user chose another scenario) as a thin
grey dashed ghost, named in its legend and hover read-out, carries its unit on the axis (no SI
prefixes: USD/kWh is not an SI unit), marks the chosen year, and shows the
year and values under the mouse.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Sequence

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ..model import Results
from ..model.data import MINERALS
from ..model.outputs import MINERAL_LABELS, MINERAL_UNITS
from ..session import Change, Session
from . import theme
from .theme import reference_name

pg.setConfigOptions(antialias=True, background="w", foreground="#202020")



class UnitAxis(pg.AxisItem):
    """An axis whose tick labels have thousands separators and no SI prefix."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        # Replaying an axis's text from its QPicture costs ~2 ms; a cached pixmap is a blit.
        self.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

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


class Chart:
    """One plot: title, unit, reference ghost, chosen-year marker and hover read-out.

    Legend and hover labels may contain ``{ref}``, replaced by :attr:`reference_label`.
    """

    key = ""
    title = ""
    unit = ""
    #: How legends and hover read-outs name the reference.
    reference_label = "Baseline"

    def __init__(self) -> None:
        self.widget = pg.PlotWidget(axisItems={"left": UnitAxis("left"),
                                               "bottom": YearAxis("bottom")})
        self.widget.setObjectName(f"chart_{self.key}")
        self.widget.setAccessibleName(self.title)
        self.widget.setMinimumSize(240, 170)
        # Title and legend are Qt labels above the plot: they wrap and never hide data.
        self.title_label = QLabel()
        self.title_label.setObjectName(f"chart_{self.key}_title")
        self.title_label.setStyleSheet("font-weight: bold; font-size: 10.5pt;")
        self.legend_label = QLabel()
        self.legend_label.setObjectName(f"chart_{self.key}_legend")
        self.legend_label.setWordWrap(True)
        self.legend_label.setStyleSheet("font-size: 8.5pt;")
        self.header = QHBoxLayout()
        self.header.setContentsMargins(6, 2, 4, 0)
        self.header.addWidget(self.title_label)
        self.header.addStretch(1)
        self.container = QWidget()
        self.container.setObjectName(f"chart_{self.key}_box")
        box = QVBoxLayout(self.container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(self.header)
        legend_row = QHBoxLayout()
        legend_row.setContentsMargins(6, 0, 4, 0)
        legend_row.addWidget(self.legend_label)
        box.addLayout(legend_row)
        box.addWidget(self.widget, 1)
        plot = self.plot = self.widget.getPlotItem()
        self._legend: list[tuple[str, str, str]] = []
        plot.setLabel("left", self.unit)
        plot.setLabel("bottom", "year")
        self.set_title(self.title)
        plot.showGrid(x=False, y=True, alpha=0.15)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.disableAutoRange()
        self._y_range: tuple[float, float] | None = None
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
        self._hover_rows: list[tuple[str, Callable[[int], float], str]] = []
        self._proxy = pg.SignalProxy(self.widget.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse)
        self.widget.leaveEvent = lambda event: self._hide_hover()  # type: ignore[method-assign]

    def curve(self, name: str | None, pen: pg.QtGui.QPen, **kwargs) -> pg.PlotCurveItem:
        """A line created once; ``name`` puts it in the legend.

        A bare PlotCurveItem: its ``setData`` costs a fraction of PlotDataItem's.
        """
        item = pg.PlotCurveItem(pen=pen, **kwargs)
        self.plot.addItem(item)
        if name:
            style = pen.style()
            symbol = "╌╌" if style == Qt.PenStyle.DashLine else "━━"
            self._add_legend(name, pen.color().name(), symbol)
        return item

    def fill(self, lower: pg.PlotCurveItem, upper: pg.PlotCurveItem, color: str,
             name: str | None = None) -> pg.FillBetweenItem:
        """A filled band between two curves, in the legend as ``name``."""
        item = pg.FillBetweenItem(lower, upper, brush=_brush(color))
        item.setZValue(-10)
        self.plot.addItem(item)
        if name:
            self._add_legend(name, color, "■")
        return item

    def _add_legend(self, name: str, color: str, symbol: str) -> None:
        self._legend.append((name, color, symbol))
        self.set_title(self.title)

    def set_title(self, title: str) -> None:
        """Set the title; the legend line below it lists every series."""
        self.title_label.setText(title)
        self.legend_label.setText("&nbsp;&nbsp; ".join(
            f"<span style='color:{c}'>{sym}</span>&nbsp;{self._label(n)}"
            for n, c, sym in self._legend))

    def set_reference_label(self, label: str) -> None:
        """Name the reference in the legend and the hover read-out."""
        if label != self.reference_label:
            self.reference_label = label
            self.set_title(self.title_label.text())

    def _label(self, text: str) -> str:
        return text.replace("{ref}", html.escape(self.reference_label, quote=False))

    def legend_entries(self) -> list[tuple[str, str, str]]:
        """The legend as plain text: (label, colour, symbol) rows, the reference named.

        The symbol is ``"━━"`` for a line, ``"╌╌"`` for a dashed line, ``"■"`` for a fill.
        """
        return [(name.replace("{ref}", self.reference_label), color, symbol)
                for name, color, symbol in self._legend]

    def update(self, results: Results, reference: Results, year: int) -> None:
        """Redraw with new results; ``year`` is the chosen year."""
        years = np.asarray(results.years, float)
        if len(years) != len(self._years) or years[0] != self._years[0]:
            self.plot.setXRange(years[0] - 0.5, years[-1] + 0.5, padding=0)
        self._years = years
        self.year_line.setValue(year)
        self._draw(results, reference)

    def _draw(self, results: Results, reference: Results) -> None:
        raise NotImplementedError

    def set_zero(self, years: np.ndarray) -> None:
        """Lay the y = 0 base line of the filled bands (only when the years change)."""
        x, _ = self.zero.getData()
        if x is None or len(x) != len(years) or x[0] != years[0]:
            self.zero.setData(years, np.zeros_like(years))

    def fit_y(self, *arrays: np.ndarray, include_zero: bool = True,
              headroom: float = 0.2) -> None:
        """Keep the y range steady: widen it (with headroom) at once when data leave it,
        narrow it only when data use less than 40 % of it. Axes then stay still during
        most of a drag: steadier to read, and the axis labels need no repaint."""
        values = np.concatenate([np.ravel(a) for a in arrays])
        values = values[np.isfinite(values)]
        if values.size == 0:
            return
        lo, hi = float(values.min()), float(values.max())
        if include_zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        span = max(hi - lo, abs(hi) * 1e-3, 1e-9)
        current = self._y_range
        if current is not None:
            inside = current[0] <= lo and hi <= current[1]
            if inside and (hi - lo) >= 0.4 * (current[1] - current[0]):
                return
        new = (lo if include_zero and lo >= 0 else lo - headroom * span, hi + headroom * span)
        self._y_range = new
        self.plot.setYRange(*new, padding=0)

    # -- hover ---------------------------------------------------------------------------------
    def hover_rows(self, rows: list[tuple[str, Callable[[int], float], str]]) -> None:
        """Rows of the hover read-out: label, value at year index, format."""
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
        lines = [f"<b>{int(year)}</b>"]
        for label, value_at, fmt in self._hover_rows:
            value = value_at(i)
            text = "–" if not np.isfinite(value) else format(value, fmt)
            lines.append(f"{self._label(label)}: {text}")
        self.hover_text.setHtml("<br>".join(lines) + f"<br><i>{self.unit}</i>")
        (x0, x1), (_, y1) = vb.viewRange()
        self.hover_line.setValue(year)
        left_side = year > (x0 + x1) / 2
        self.hover_text.setAnchor((1, 0) if left_side else (0, 0))
        self.hover_text.setPos(year, y1)
        self.hover_line.show()
        self.hover_text.show()

    def _hide_hover(self) -> None:
        self.hover_line.hide()
        self.hover_text.hide()


def _at(values: np.ndarray) -> Callable[[int], float]:
    return lambda i: float(values[i])


class PackCostChart(Chart):
    key = "pack_cost"
    title = "Battery pack cost"
    unit = "USD/kWh"

    def __init__(self) -> None:
        super().__init__()
        self.zero = self.curve(None, pg.mkPen(None))
        self.material = self.curve(None, _pen(theme.ORANGE, 1))
        self.total = self.curve("Pack cost", _pen(theme.BLUE, 2.5))
        self.fill(self.zero, self.material, theme.ORANGE, "Mineral materials")
        self.fill(self.material, self.total, theme.SKY, "Rest of pack (learning)")
        self.ghost = self.curve("{ref}", GHOST_PEN)

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        self.set_zero(y)
        self.material.setData(y, s["pack_material_cost"])
        self.total.setData(y, s["pack_cost"])
        self.ghost.setData(y, b["pack_cost"])
        self.fit_y(s["pack_cost"], b["pack_cost"])
        self.hover_rows([("Pack", _at(s["pack_cost"]), ",.1f"),
                         ("Minerals", _at(s["pack_material_cost"]), ",.1f"),
                         ("{ref}", _at(b["pack_cost"]), ",.1f")])


class PriceChart(Chart):
    key = "vehicle_price"
    title = "EV vs gasoline car price"
    unit = "USD"

    def __init__(self) -> None:
        super().__init__()
        self.ev = self.curve("EV", _pen(theme.BLUE, 2.5))
        self.ice = self.curve("Gasoline car", _pen(theme.VERMILLION, 2))
        self.ghost = self.curve("{ref} EV", GHOST_PEN)
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
        self.ev.setData(y, s["ev_price"])
        self.ice.setData(y, s["ice_price"])
        self.ghost.setData(y, b["ev_price"])
        self.fit_y(s["ev_price"], s["ice_price"], b["ev_price"], include_zero=False)
        for line, year in ((self.parity, results.scalars["cost_parity_year"]),
                           (self.ghost_parity, reference.scalars["cost_parity_year"])):
            line.setVisible(year is not None)
            if year is not None:
                line.setValue(year)
        self.hover_rows([("EV", _at(s["ev_price"]), ",.0f"),
                         ("Gasoline", _at(s["ice_price"]), ",.0f"),
                         ("{ref} EV", _at(b["ev_price"]), ",.0f")])


class MineralChart(Chart):
    key = "minerals"
    title = "Mineral demand vs supply"

    def __init__(self) -> None:
        self.mineral = "lithium"
        self.unit = MINERAL_UNITS["lithium"][0]
        super().__init__()
        self.zero = self.curve(None, pg.mkPen(None))
        self.supply = self.curve(None, _pen(theme.GREEN, 1))
        self.available = self.curve(None, _pen(theme.PURPLE, 1))
        self.fill(self.zero, self.supply, theme.GREEN, "Primary supply for EVs")
        self.fill(self.supply, self.available, theme.PURPLE, "Recycled")
        self.demand = self.curve("Demand", _pen(theme.BLACK, 2.5))
        self.ghost = self.curve("{ref} demand", GHOST_PEN)

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
        self.set_zero(y)
        self.supply.setData(y, s[f"{m}_supply"])
        self.available.setData(y, s[f"{m}_supply"] + s[f"{m}_recycled"])
        self.demand.setData(y, s[f"{m}_demand"])
        self.ghost.setData(y, b[f"{m}_demand"])
        # The question is whether supply meets demand: scale to demand, not to a glut.
        self.fit_y(s[f"{m}_demand"], b[f"{m}_demand"], headroom=0.6)
        self.hover_rows([("Demand", _at(s[f"{m}_demand"]), ",.0f"),
                         ("Primary supply", _at(s[f"{m}_supply"]), ",.0f"),
                         ("Recycled", _at(s[f"{m}_recycled"]), ",.0f"),
                         ("Shortfall", _at(s[f"{m}_shortfall"]), ",.0f"),
                         ("{ref} demand", _at(b[f"{m}_demand"]), ",.0f")])


class ProductionChart(Chart):
    key = "production_emissions"
    title = "Production emissions per car"
    unit = "t CO2e per car"

    def __init__(self) -> None:
        super().__init__()
        self.zero = self.curve(None, pg.mkPen(None))
        self.battery = self.curve(None, _pen(theme.ORANGE, 1))
        self.ev = self.curve("EV", _pen(theme.BLUE, 2.5))
        self.fill(self.zero, self.battery, theme.ORANGE, "EV battery")
        self.fill(self.battery, self.ev, theme.SKY, "EV without battery")
        self.ice = self.curve("Gasoline car", _pen(theme.VERMILLION, 2))
        self.ghost = self.curve("{ref} EV", GHOST_PEN)

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        size = float(results.parameters["battery_size"])
        battery = s["battery_emissions"] * size / 1000.0
        self.set_zero(y)
        self.battery.setData(y, battery)
        self.ev.setData(y, s["ev_production_emissions"])
        self.ice.setData(y, s["ice_production_emissions"])
        self.ghost.setData(y, b["ev_production_emissions"])
        self.fit_y(s["ev_production_emissions"], s["ice_production_emissions"],
                   b["ev_production_emissions"])
        self.hover_rows([("EV", _at(s["ev_production_emissions"]), ",.2f"),
                         ("EV battery", _at(battery), ",.2f"),
                         ("Battery per kWh (kg CO2e/kWh)", _at(s["battery_emissions"]), ",.1f"),
                         ("Gasoline car", _at(s["ice_production_emissions"]), ",.2f"),
                         ("{ref} EV", _at(b["ev_production_emissions"]), ",.2f")])


class LifecycleChart(Chart):
    key = "lifecycle_emissions"
    title = "Life-cycle emissions of a car built that year"
    unit = "g CO2e/km"

    def __init__(self) -> None:
        super().__init__()
        self.ev = self.curve("EV", _pen(theme.BLUE, 2.5))
        self.ice = self.curve("Gasoline car", _pen(theme.VERMILLION, 2))
        self.ghost = self.curve("{ref} EV", GHOST_PEN)
        self.note = pg.TextItem(color="#202020", anchor=(0, 1))
        self.plot.addItem(self.note, ignoreBounds=True)

    def update(self, results: Results, reference: Results, year: int) -> None:
        super().update(results, reference, year)
        i = int(np.searchsorted(results.years, year))
        km = float(results.series["breakeven_distance"][i])
        text = "never breaks even" if not np.isfinite(km) else f"breaks even after {km:,.0f} km"
        self.note.setText(f"{year} EV {text}")
        self.note.setPos(self._years[0], 0)

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        self.ev.setData(y, s["ev_lifecycle_emissions"])
        self.ice.setData(y, s["ice_lifecycle_emissions"])
        self.ghost.setData(y, b["ev_lifecycle_emissions"])
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


class AvoidedChart(Chart):
    key = "emissions_avoided"
    title = "Emissions avoided by each year's EV sales"
    unit = "Mt CO2e over their lives"

    def __init__(self) -> None:
        super().__init__()
        # Bars drawn as one filled outline: a single path, far cheaper to repaint than
        # a BarGraphItem's rectangles.
        self.bars = pg.PlotCurveItem(pen=pg.mkPen(None), fillLevel=0.0,
                                     brush=_brush(theme.GREEN, 170))
        self.plot.addItem(self.bars)
        self._add_legend("Scenario", theme.GREEN, "■")
        self.ghost = self.curve("{ref}", GHOST_PEN)

    def _draw(self, results: Results, reference: Results) -> None:
        y = self._years
        s, b = results.series, reference.series
        self.bars.setData(*bar_outline(y, s["fleet_emissions_avoided"], 0.7))
        self.ghost.setData(y, b["fleet_emissions_avoided"])
        self.fit_y(s["fleet_emissions_avoided"], b["fleet_emissions_avoided"])
        self.hover_rows([("Scenario", _at(s["fleet_emissions_avoided"]), ",.0f"),
                         ("{ref}", _at(b["fleet_emissions_avoided"]), ",.0f")])


class ChartPanel(QWidget):
    """The grid of charts, with the mineral picker above the mineral chart.

    Parameters
    ----------
    session : Session
        Whose shown results and reference results the charts draw.
    year : callable
        Returns the chosen year, marked on every chart.
    """

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
        self.mineral_choice = QComboBox()
        self.mineral_choice.setObjectName("mineral_choice")
        self.mineral_choice.setAccessibleName("Mineral shown in the demand chart")
        for m in MINERALS:
            self.mineral_choice.addItem(MINERAL_LABELS[m], m)
        self.mineral_choice.currentIndexChanged.connect(self._on_mineral)
        label = QLabel("&Mineral:")
        label.setBuddy(self.mineral_choice)
        self.mineral.header.addWidget(label)
        self.mineral.header.addWidget(self.mineral_choice)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for i, chart in enumerate(self.charts):
            grid.addWidget(chart.container, i // 2, i % 2)
        session.subscribe(self._on_session, names=("shown", "reference_results", "reference"))
        self._on_session(Change(frozenset({"reference"})))

    def _on_session(self, change: Change) -> None:
        if "reference" in change:
            reference = self._session.reference
            label = ("Baseline" if reference.is_baseline else
                     reference_name(reference, theme.LEGEND_TITLE_CHARS))
            for chart in self.charts:
                chart.set_reference_label(label)
        if self._session.up_to_date:  # else it draws when the pending results arrive
            self.redraw()

    def redraw(self) -> None:
        """Draw the session's shown results against its reference for the chosen year."""
        shown, reference, year = (self._session.shown, self._session.reference_results,
                                  self._year())
        for chart in self.charts:
            chart.update(shown, reference, year)

    def _on_mineral(self, index: int) -> None:
        self.mineral.set_mineral(self.mineral_choice.itemData(index))
        self.mineral.update(self._session.shown, self._session.reference_results, self._year())

"""Charts as files and on the clipboard: SVG, PNG at print resolution, PDF.

A chart is drawn as it is on screen — the same plot items, pens, ranges,
reference ghost, compared scenarios and bands — on a canvas of its own size
(:data:`CANVAS`, 720 × 450 px, laid out the way the window lays it out), with
its title and a legend of every series above the plot. The canvas is then
painted onto the target device:

- **SVG**: vector, 160 × 100 mm (:data:`FILE_SIZE_MM`), written by
  :class:`PySide6.QtSvg.QSvgGenerator` (pyqtgraph's own SVG exporter fails
  with this version of Qt). Qt draws plot lines in data coordinates with
  ``vector-effect="non-scaling-stroke"``, which LibreOffice and librsvg
  ignore (their lines come out scaled by the data transform); the file is
  therefore rewritten with every stroked shape in canvas coordinates
  (:func:`evexplorer.app.svg.flatten_svg_strokes`), which every SVG reader
  draws alike;
- **PNG**: 1890 × 1181 px, the same 160 × 100 mm at 300 dpi (:data:`PNG_DPI`),
  with the resolution stored in the file;
- **PDF**: vector, one 160 × 100 mm page (:class:`PySide6.QtGui.QPdfWriter`).

Screen pens are *cosmetic* (a width in device pixels), which would draw
hairlines at print resolution; while a chart is drawn for a file every
cosmetic pen is widened by the device's pixels per canvas pixel, and item
caches (bitmaps) are turned off so that axes stay text and lines. Vector
devices get the resolution pyqtgraph's axes are recorded at (:func:`picture_dpi`),
or Qt would scale them. The chart on screen is restored afterwards, untouched.

``grey_safe=True`` (the PDF report) also makes series distinguishable without
colour: each named line after the first gets its own dash pattern and each
filled area after the first a hatching, in the plot and in the legend.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QLineF,
    QMarginsF,
    QMimeData,
    QPointF,
    QRectF,
    QSize,
    QSizeF,
    QStringListModel,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QPicture,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QAbstractGraphicsShapeItem, QComboBox, QGraphicsItem

from .. import _atomic
from .._version import __version__
from .svg import flatten_svg_strokes

#: Size a chart is laid out at for a file, in screen pixels [px].
CANVAS: tuple[int, int] = (720, 450)
#: Physical size of a chart file: 16:10, half a slide or a report's text width [mm].
FILE_SIZE_MM: tuple[float, float] = (160.0, 100.0)
#: Resolution of PNG files [dots per inch].
PNG_DPI = 300
#: Resolution of images put on the clipboard, as a multiple of the screen's canvas [1].
CLIPBOARD_SCALE = 2.0
MM_PER_INCH = 25.4

#: Dash patterns given to named lines after the first in grey-safe drawings, in pen widths
#: (dash, gap, ...). The reference ghost keeps Qt's plain dash (4, 2).
GREY_DASHES: tuple[tuple[float, ...], ...] = (
    (6.0, 2.0, 1.0, 2.0),        # dash-dot
    (1.0, 1.6),                  # dots
    (9.0, 2.5),                  # long dash
    (6.0, 2.0, 1.0, 2.0, 1.0, 2.0),  # dash-dot-dot
)
#: Angles of the hatching given to filled areas after the first in grey-safe drawings [degrees].
HATCH_ANGLES: tuple[float, ...] = (45.0, -45.0, 0.0, 90.0)
#: Distance between hatch lines and their width, in canvas pixels [px].
HATCH_PITCH = 5.0
HATCH_WIDTH = 0.9


@dataclass(frozen=True)
class ChartFormat:
    """A file format for charts.

    Attributes
    ----------
    key : str
        Its name: ``--format`` of ``evexplorer export --charts``.
    suffix : str
        File name suffix.
    description : str
        What the file is, for people, after the format's name ("SVG vector image, ...").
    mime : str
        Its media type.
    """

    key: str
    suffix: str
    description: str
    mime: str


#: Chart file formats by key, the default (vector, for slides) first.
FORMATS: dict[str, ChartFormat] = {f.key: f for f in (
    ChartFormat("svg", ".svg", "vector image, 160 × 100 mm", "image/svg+xml"),
    ChartFormat("png", ".png", f"image, 160 × 100 mm at {PNG_DPI} dpi "
                f"({round(FILE_SIZE_MM[0] / MM_PER_INCH * PNG_DPI)} × "
                f"{round(FILE_SIZE_MM[1] / MM_PER_INCH * PNG_DPI)} px)", "image/png"),
    ChartFormat("pdf", ".pdf", "vector page, 160 × 100 mm", "application/pdf"),
)}


def chart_title(chart: Any) -> str:
    """The chart's title as on screen, with the choice of any picker in its header.

    The mineral chart says which mineral it shows: "Mineral demand vs supply —
    Lithium" (a choice the title already names is not repeated).
    """
    title = chart.title_label.text() or chart.title
    header = getattr(chart, "header", None)
    choices = []
    for i in range(header.count() if header is not None else 0):
        widget = header.itemAt(i).widget()
        if isinstance(widget, QComboBox) and widget.currentText() \
                and widget.currentText().lower() not in title.lower():
            choices.append(widget.currentText())
    return f"{title} — {', '.join(choices)}" if choices else title


def chart_file_name(chart: Any, fmt: str) -> str:
    """The file name of a chart: its key and the format's suffix, e.g. ``pack_cost.svg``."""
    return f"{chart.key}{FORMATS[fmt].suffix}"


# -- the legend, matched to the plot items that draw it --------------------------------------------

@dataclass
class LegendEntry:
    """One row of a chart's legend and the plot item that draws it.

    Attributes
    ----------
    label : str
        Its text.
    color : str
        Its colour, ``#rrggbb``.
    kind : {"line", "fill"}
        A line (solid or dashed) or a filled area.
    item : QGraphicsItem or None
        The plot item drawing it; None if none could be found.
    pen : QPen or None
        The line's pen as drawn (lines).
    brush : QBrush or None
        The area's brush (fills).
    hatch : float or None
        Angle of the area's hatching [degrees], when it has one.
    """

    label: str
    color: str
    kind: str
    item: Any = None
    pen: QPen | None = None
    brush: QBrush | None = None
    hatch: float | None = None

    @property
    def visible(self) -> bool:
        """False when the item drawing it is hidden (a series not shown now)."""
        return self.item is None or self.item.isVisible()


def _pen_of(item: Any) -> QPen | None:
    opts = getattr(item, "opts", None)
    if isinstance(opts, dict) and "pen" in opts:
        pen = opts["pen"]
        return QPen(pen) if isinstance(pen, QPen) else None
    if isinstance(item, QAbstractGraphicsShapeItem):
        return QPen(item.pen())
    return None


def _brush_of(item: Any) -> QBrush | None:
    if isinstance(item, QAbstractGraphicsShapeItem):
        return QBrush(item.brush())
    opts = getattr(item, "opts", None)
    if isinstance(opts, dict) and opts.get("brush") is not None \
            and opts.get("fillLevel") is not None:
        return QBrush(pg.mkBrush(opts["brush"]))
    return None


def _is_line(pen: QPen | None) -> bool:
    return pen is not None and pen.style() != Qt.PenStyle.NoPen


def legend_entries(chart: Any) -> list[LegendEntry]:
    """The chart's legend, each row matched to the plot item that draws it.

    A line row is matched to the widest unmatched curve of its colour and dash
    (solid or dashed), a fill row to the unmatched area of its colour.

    Parameters
    ----------
    chart : evexplorer.app.charts.Chart
    """
    # A PlotDataItem draws its line with a PlotCurveItem child: match (and restyle) that.
    items = [item.curve if isinstance(item, pg.PlotDataItem) else item
             for item in chart.plot.items]
    used: set[int] = set()
    entries = []
    for label, color, symbol in chart.legend_entries():
        name = QColor(color).name()
        kind = "fill" if symbol.strip() == "■" else "line"
        entry = LegendEntry(label=label, color=name, kind=kind)
        if kind == "line":
            dashed = "╌" in symbol
            candidates = [
                (pen.widthF(), i) for i, item in enumerate(items)
                if i not in used and _is_line(pen := _pen_of(item))
                and not isinstance(item, QAbstractGraphicsShapeItem)
                and pen.color().name() == name
                and (pen.style() != Qt.PenStyle.SolidLine) == dashed]
            if candidates:
                i = max(candidates)[1]
                used.add(i)
                entry.item, entry.pen = items[i], _pen_of(items[i])
        else:
            for i, item in enumerate(items):
                brush = _brush_of(item)
                if i not in used and brush is not None \
                        and brush.style() != Qt.BrushStyle.NoBrush \
                        and brush.color().name() == name:
                    used.add(i)
                    entry.item, entry.brush = item, brush
                    break
        if entry.brush is None and kind == "fill":
            entry.brush = QBrush(QColor(name))
        if entry.pen is None and kind == "line":
            entry.pen = pg.mkPen(name, width=2, style=Qt.PenStyle.DashLine if "╌" in symbol
                                 else Qt.PenStyle.SolidLine)
        entries.append(entry)
    return entries


# -- drawing state: print pens, no caches, no hover, optional grey-safe styles ---------------------

class _Hatch(QGraphicsItem):
    """Parallel lines over a filled area, for telling areas apart without colour."""

    def __init__(self, target: QAbstractGraphicsShapeItem, angle: float, color: QColor,
                 scale: float) -> None:
        super().__init__(target.parentItem())
        self.setTransform(target.transform())
        self.setPos(target.pos())
        self.setZValue(target.zValue() + 0.5)
        self._target = target
        self._angle = angle
        self._color = color
        self._scale = scale

    def boundingRect(self) -> QRectF:
        return self._target.boundingRect()

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        area = painter.worldTransform().map(self._target.path())
        painter.save()
        painter.resetTransform()
        hatch(painter, area, self._angle, self._color, self._scale)
        painter.restore()


def hatch(painter: QPainter, area: QPainterPath, angle: float, color: QColor,
          scale: float) -> None:
    """Hatch ``area`` with lines at ``angle``, in the painter's current coordinates.

    Parameters
    ----------
    painter : QPainter
    area : QPainterPath
        The area, in the painter's coordinates.
    angle : float
        Direction of the lines [degrees], counter-clockwise from horizontal.
    color : QColor
        Colour of the lines.
    scale : float
        Painter units per canvas pixel [1]: lines are :data:`HATCH_WIDTH` wide and
        :data:`HATCH_PITCH` apart in canvas pixels.
    """
    box = area.boundingRect()
    if box.isEmpty():
        return
    painter.save()
    painter.setClipPath(area, Qt.ClipOperation.IntersectClip)
    pen = QPen(color, HATCH_WIDTH * scale)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    center = box.center()
    radius = math.hypot(box.width(), box.height()) / 2 + 1
    a = math.radians(angle)
    along = QPointF(math.cos(a), -math.sin(a))
    across = QPointF(-along.y(), along.x())
    pitch = HATCH_PITCH * scale
    n = int(radius / pitch) + 1
    painter.drawLines([QLineF(center + across * (k * pitch) - along * radius,
                              center + across * (k * pitch) + along * radius)
                       for k in range(-n, n + 1)])
    painter.restore()


def _hatch_color(color: str) -> QColor:
    c = QColor(color).darker(170)
    c.setAlpha(230)
    return c


@dataclass
class _Saved:
    restore: list[Callable[[], None]] = field(default_factory=list)

    def add(self, undo: Callable[[], None]) -> None:
        self.restore.append(undo)

    def undo(self) -> None:
        while self.restore:
            self.restore.pop()()


def _pen_slots(item: Any) -> list[tuple[Callable[[], QPen | None], Callable[[QPen], None]]]:
    """Getters and setters of the pens an item draws with."""
    if isinstance(item, pg.PlotCurveItem):
        return [(lambda: item.opts.get("pen"), item.setPen)]
    if isinstance(item, pg.InfiniteLine):
        return [(lambda: item.pen, item.setPen)]
    if isinstance(item, pg.AxisItem):
        return [(item.pen, item.setPen), (item.tickPen, item.setTickPen)]
    if isinstance(item, QAbstractGraphicsShapeItem):
        return [(item.pen, item.setPen)]
    return []


def _print_pen(pen: QPen, scale: float) -> QPen:
    """``pen`` widened for a device with ``scale`` device pixels per canvas pixel, if cosmetic."""
    out = QPen(pen)
    if pen.isCosmetic() and pen.style() != Qt.PenStyle.NoPen:
        out.setWidthF(max(pen.widthF(), 1.0) * scale)
    return out


@contextlib.contextmanager
def drawing_state(chart: Any, scale: float, grey_safe: bool = False
                  ) -> Iterator[list[LegendEntry]]:
    """Prepare a chart on screen to be drawn on a device, and put it back afterwards.

    Parameters
    ----------
    chart : evexplorer.app.charts.Chart
    scale : float
        Device pixels per canvas pixel [1].
    grey_safe : bool
        Give named lines after the first their own dash patterns and filled
        areas after the first a hatching.

    Yields
    ------
    list of LegendEntry
        The legend with the pens and hatchings as drawn.
    """
    saved = _Saved()
    scene = chart.widget.scene()
    entries = legend_entries(chart)
    try:
        for name in ("hover_line", "hover_text"):
            item = getattr(chart, name, None)
            if item is not None and item.isVisible():
                item.hide()
                saved.add(item.show)
        for item in scene.items():
            mode = item.cacheMode()
            if mode != QGraphicsItem.CacheMode.NoCache:
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
                saved.add(lambda item=item, mode=mode: item.setCacheMode(mode))
        styles: dict[int, QPen] = {}
        if grey_safe:
            styles = _grey_styles(entries, saved, scale)
        for item in scene.items():
            # Read every pen of an item before setting any: an axis's tick pen follows its
            # main pen until it is set.
            pens = [(get(), put) for get, put in _pen_slots(item)]
            for pen, put in pens:
                if not isinstance(pen, QPen):
                    continue
                put(_print_pen(styles.get(id(item), pen), scale))
                saved.add(functools.partial(put, QPen(pen)))
        for entry in entries:
            if entry.item is not None and entry.kind == "line":
                pen = _pen_of(entry.item)
                entry.pen = pen if pen is not None else entry.pen
            elif entry.kind == "line" and entry.pen is not None:
                entry.pen = _print_pen(entry.pen, scale)
        yield entries
    finally:
        saved.undo()


def _grey_styles(entries: Sequence[LegendEntry], saved: _Saved,
                 scale: float) -> dict[int, QPen]:
    """Dash patterns for named solid lines after the first; hatching for fills after the first."""
    styles: dict[int, QPen] = {}
    solid = [e for e in entries if e.kind == "line" and e.visible and e.pen is not None
             and e.pen.style() == Qt.PenStyle.SolidLine]
    for k, entry in enumerate(solid[1:]):
        pen = QPen(entry.pen)
        pen.setDashPattern(list(GREY_DASHES[k % len(GREY_DASHES)]))
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        entry.pen = pen
        if entry.item is not None:
            styles[id(entry.item)] = pen
    fills = [e for e in entries if e.kind == "fill" and e.visible]
    for k, entry in enumerate(fills[1:]):
        entry.hatch = HATCH_ANGLES[k % len(HATCH_ANGLES)]
        if isinstance(entry.item, QAbstractGraphicsShapeItem) and entry.item.scene() is not None:
            overlay = _Hatch(entry.item, entry.hatch, _hatch_color(entry.color), scale)

            def remove(overlay: _Hatch = overlay) -> None:
                scene = overlay.scene()
                if scene is not None:
                    scene.removeItem(overlay)
            saved.add(remove)
    return styles


@contextlib.contextmanager
def _laid_out(chart: Any, size: QSizeF) -> Iterator[QRectF]:
    """Lay the chart's plot out at ``size`` (canvas pixels) for the time of a drawing."""
    plot = chart.plot
    old = plot.geometry()
    rect = QRectF(QPointF(0.0, 0.0), size)
    _set_geometry(plot, rect)
    try:
        yield rect
    finally:
        _set_geometry(plot, old)


def _set_geometry(plot: Any, rect: QRectF) -> None:
    """Give the plot item a geometry and lay its axes and view out at once (not on the
    next turn of the event loop, as Qt would)."""
    plot.setGeometry(rect)
    layout = plot.layout
    if layout is not None:
        layout.invalidate()
        layout.activate()


# -- painting --------------------------------------------------------------------------------------

#: Type sizes of the header drawn above the plot, in canvas pixels [px].
TITLE_PX = 17
LEGEND_PX = 12.5
MARGIN_PX = 10.0


def searchable(font: QFont) -> QFont:
    """``font`` without ligatures, so that text copied or searched in a PDF reads "fi", not
    the ligature "ﬁ"."""
    for tag in ("liga", "clig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


def _font(pixels: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(1, round(pixels)))
    font.setBold(bold)
    return searchable(font)


def _sample(painter: QPainter, entry: LegendEntry, box: QRectF, scale: float) -> None:
    """The legend's picture of a series: a stretch of its line or a swatch of its area."""
    painter.save()
    if entry.kind == "line":
        pen = QPen(entry.pen) if entry.pen is not None else QPen(QColor(entry.color))
        painter.setPen(pen)
        y = box.center().y()
        painter.drawLine(QPointF(box.left(), y), QPointF(box.right(), y))
    else:
        swatch = QRectF(box.left() + 4, box.top() + 1, box.width() - 8, box.height() - 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(entry.brush or QBrush(QColor(entry.color)))
        painter.drawRect(swatch)
        if entry.hatch is not None:
            path = QPainterPath()
            path.addRect(swatch)
            hatch(painter, path, entry.hatch, _hatch_color(entry.color), 1.0)
    painter.restore()


def _paint_header(painter: QPainter, title: str, entries: Iterable[LegendEntry], width: float,
                  scale: float, draw: bool = True) -> float:
    """Draw the title and the legend rows on white; return the height they take [canvas px].

    With ``draw=False`` only measure. The header is drawn over the plot's top, so that
    nothing of an area that rises above the plot shows in it (SVG has no clipping).
    """
    title_font = _font(TITLE_PX, bold=True)
    title_metrics = QFontMetricsF(title_font)
    legend_font = _font(LEGEND_PX)
    metrics = QFontMetricsF(legend_font)
    text_width = width - 2 * MARGIN_PX
    row_height = metrics.height() + 3
    sample_width = 26.0
    y = 6.0 + title_metrics.height() + 2
    x = MARGIN_PX
    rows: list[tuple[LegendEntry, str, QRectF]] = []
    for entry in entries:
        if not entry.visible:
            continue
        label = metrics.elidedText(entry.label, Qt.TextElideMode.ElideRight,
                                   text_width - sample_width - 6)
        needed = sample_width + 6 + metrics.horizontalAdvance(label)
        if x > MARGIN_PX and x + needed > width - MARGIN_PX:
            x = MARGIN_PX
            y += row_height
        rows.append((entry, label, QRectF(x, y, needed, row_height)))
        x += needed + 16
    height = y + row_height + 2
    if not draw:
        return height
    painter.save()
    painter.fillRect(QRectF(0.0, 0.0, width, height), QColor("white"))
    painter.setPen(QColor("#202020"))
    painter.setFont(title_font)
    painter.drawText(QRectF(MARGIN_PX, 6.0, text_width, title_metrics.height()),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                     title_metrics.elidedText(title, Qt.TextElideMode.ElideRight, text_width))
    painter.setFont(legend_font)
    for entry, label, box in rows:
        _sample(painter, entry, QRectF(box.left(), box.top() + 2, sample_width,
                                       row_height - 5), scale)
        painter.setPen(QColor("#202020"))
        painter.drawText(QRectF(box.left() + sample_width + 6, box.top(),
                                box.width() - sample_width - 6, box.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
    painter.restore()
    return height


def paint_chart(painter: QPainter, chart: Any, target: QRectF, scale: float, *,
                grey_safe: bool = False) -> None:
    """Draw a chart (title, legend, plot) into ``target``.

    Parameters
    ----------
    painter : QPainter
        An active painter on any device.
    chart : evexplorer.app.charts.Chart
        A chart of the window (or of :func:`offscreen_charts`); it is drawn with
        its current data and left as it was.
    target : QRectF
        Where to draw, in the painter's coordinates.
    scale : float
        Painter units per canvas pixel [1]: the chart is laid out on a canvas of
        ``target.size() / scale`` pixels, as the window would lay it out.
    grey_safe : bool
        Tell series apart by dash patterns and hatching too (see
        :func:`drawing_state`).
    """
    width, height = target.width() / scale, target.height() / scale
    painter.save()
    painter.translate(target.topLeft())
    painter.scale(scale, scale)
    painter.setClipRect(QRectF(0.0, 0.0, width, height))
    painter.fillRect(QRectF(0.0, 0.0, width, height), QColor("white"))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    title = chart_title(chart)
    with drawing_state(chart, scale, grey_safe) as entries:
        top = _paint_header(painter, title, entries, width, scale, draw=False)
        size = QSizeF(width - MARGIN_PX, max(height - top, 40.0))
        with _laid_out(chart, size) as source:
            chart.widget.scene().render(painter, QRectF(0.0, top, source.width(),
                                                        source.height()), source)
        _paint_header(painter, title, entries, width, scale)
    painter.restore()


# -- files -----------------------------------------------------------------------------------------

def _canvas_scale(device_width: float) -> float:
    return device_width / CANVAS[0]


def picture_dpi() -> int:
    """The resolution pyqtgraph's axes are recorded at (Qt's default for a QPicture) [dpi].

    A QPicture played on a device of another resolution is scaled by the ratio:
    vector devices (SVG, PDF) are therefore given this resolution.
    """
    return QPicture().logicalDpiX()


def png_bytes(chart: Any, *, dpi: float = PNG_DPI, size_mm: tuple[float, float] = FILE_SIZE_MM,
              grey_safe: bool = False) -> bytes:
    """The chart as a PNG image of ``size_mm`` at ``dpi``, the resolution stored in the file.

    Parameters
    ----------
    chart : evexplorer.app.charts.Chart
    dpi : float
        Resolution [dots per inch].
    size_mm : (float, float)
        Width and height [mm].
    grey_safe : bool
        See :func:`paint_chart`.
    """
    image = chart_image(chart, round(size_mm[0] / MM_PER_INCH * dpi),
                        round(size_mm[1] / MM_PER_INCH * dpi), grey_safe=grey_safe)
    dots_per_meter = round(dpi / MM_PER_INCH * 1000)
    image.setDotsPerMeterX(dots_per_meter)
    image.setDotsPerMeterY(dots_per_meter)
    image.setText("Title", chart_title(chart))
    image.setText("Software", f"EV Explorer {__version__}")
    return _encoded(image, "PNG")


def chart_image(chart: Any, width: int, height: int, *, grey_safe: bool = False) -> QImage:
    """The chart drawn on an image of ``width`` × ``height`` px, laid out at :data:`CANVAS` width.

    Parameters
    ----------
    chart : evexplorer.app.charts.Chart
    width, height : int
        Size of the image [px].
    grey_safe : bool
        See :func:`paint_chart`.
    """
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        paint_chart(painter, chart, QRectF(0, 0, width, height), _canvas_scale(width),
                    grey_safe=grey_safe)
    finally:
        painter.end()
    return image


def _encoded(image: QImage, fmt: str) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt):
        raise RuntimeError(f"Qt could not encode the chart as {fmt}")
    buffer.close()
    return bytes(data.data())


def svg_bytes(chart: Any, *, grey_safe: bool = False) -> bytes:
    """The chart as an SVG document of :data:`FILE_SIZE_MM`, strokes in canvas coordinates.

    Parameters
    ----------
    chart : evexplorer.app.charts.Chart
    grey_safe : bool
        See :func:`paint_chart` (the hatching needs clipping, which SVG readers
        may not all honour; files use plain colours).
    """
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setResolution(picture_dpi())
    generator.setSize(QSize(*CANVAS))
    generator.setViewBox(QRectF(0, 0, *CANVAS))
    title = chart_title(chart)
    generator.setTitle(title)
    generator.setDescription(f"{title}: chart exported by EV Explorer {__version__}")
    painter = QPainter(generator)
    try:
        paint_chart(painter, chart, QRectF(0, 0, *CANVAS), 1.0, grey_safe=grey_safe)
    finally:
        painter.end()
    buffer.close()
    text = bytes(data.data()).decode("utf-8")
    return flatten_svg_strokes(text, size_mm=FILE_SIZE_MM).encode("utf-8")


def pdf_bytes(chart: Any, *, size_mm: tuple[float, float] = FILE_SIZE_MM,
              grey_safe: bool = False) -> bytes:
    """The chart as a one-page vector PDF of ``size_mm``.

    Parameters
    ----------
    chart : evexplorer.app.charts.Chart
    size_mm : (float, float)
        Page width and height [mm].
    grey_safe : bool
        See :func:`paint_chart`.
    """
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(picture_dpi())
    writer.setPageLayout(QPageLayout(
        QPageSize(QSizeF(*size_mm), QPageSize.Unit.Millimeter, "chart",
                  QPageSize.SizeMatchPolicy.ExactMatch),
        QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    writer.setTitle(chart_title(chart))
    writer.setCreator(f"EV Explorer {__version__}")
    painter = QPainter(writer)
    try:
        width, height = writer.width(), writer.height()
        paint_chart(painter, chart, QRectF(0, 0, width, height), _canvas_scale(width),
                    grey_safe=grey_safe)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


#: Bytes of a chart file, by format key.
RENDERERS: dict[str, Callable[..., bytes]] = {"svg": svg_bytes, "png": png_bytes,
                                               "pdf": pdf_bytes}


def chart_bytes(chart: Any, fmt: str) -> bytes:
    """The chart as a file in format ``fmt`` (a key of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}; the formats are "
                         f"{', '.join(FORMATS)}")
    return RENDERERS[fmt](chart)


def write_chart(chart: Any, path: str | Path, fmt: str) -> None:
    """Write one chart to ``path``, all or nothing.

    Raises
    ------
    evexplorer._atomic.WriteError
        With one sentence, if the file cannot be written.
    """
    _atomic.write_atomically(path, chart_bytes(chart, fmt), verb="export")


def write_charts(charts: Sequence[Any], folder: str | Path, fmt: str, *,
                 progress: Callable[[int, int], bool] | None = None) -> list[Path]:
    """Write one file per chart into ``folder``, named from the chart keys.

    Every chart is drawn before anything is written, so that a failure while
    drawing writes nothing; each file is then written all or nothing.

    Parameters
    ----------
    charts : sequence of Chart
    folder : str or Path
        An existing folder.
    fmt : str
        A key of :data:`FORMATS`.
    progress : callable, optional
        ``progress(done, total)`` after each chart drawn and each file written
        (``total`` is twice the number of charts); returning False cancels
        before anything is written.

    Returns
    -------
    list of Path
        The files written, in chart order; empty if cancelled.

    Raises
    ------
    evexplorer._atomic.WriteError
        With one sentence naming the file that could not be written and the
        files already written before it.
    """
    folder = Path(folder)
    total = 2 * len(charts)
    files = []
    for i, chart in enumerate(charts):
        files.append((folder / chart_file_name(chart, fmt), chart_bytes(chart, fmt)))
        if progress is not None and progress(i + 1, total) is False:
            return []
    written: list[Path] = []
    for path, data in files:
        try:
            _atomic.write_atomically(path, data, verb="export")
        except _atomic.WriteError as exc:
            if written:
                names = ", ".join(p.name for p in written)
                raise _atomic.WriteError(f"{exc} ({len(written)} of {len(files)} charts "
                                         f"were written before it: {names}.)",
                                         exc.code) from None
            raise
        written.append(path)
        if progress is not None:
            progress(len(charts) + len(written), total)
    return written


def qt_made_mime_data() -> QMimeData:
    """An empty :class:`QMimeData` created by Qt itself, to hand to the clipboard.

    Qt deletes the clipboard's data when the process exits, after Python has shut
    down. A QMimeData created from Python is PySide's subclass, whose destructor
    calls back into Python and then crashes the exit (PySide6 6.11); one created
    by Qt (here by a list model, as for a drag) is a plain QMimeData.
    """
    model = QStringListModel([""])
    data = model.mimeData([model.index(0, 0)])
    for name in data.formats():
        data.removeFormat(name)
    return data


def chart_mime_data(chart: Any) -> QMimeData:
    """The chart for the clipboard: an image at twice the canvas, and its SVG."""
    data = qt_made_mime_data()
    image = chart_image(chart, round(CANVAS[0] * CLIPBOARD_SCALE),
                        round(CANVAS[1] * CLIPBOARD_SCALE))
    data.setImageData(image)
    data.setData("image/svg+xml", QByteArray(svg_bytes(chart)))
    return data


# -- charts without a window (the command line) ----------------------------------------------------

def ensure_application() -> Any:
    """The application's QApplication, created if there is none (drawing needs one)."""
    from . import _application

    return _application()


def offscreen_charts(snapshot: Any, year: int) -> Any:
    """The window's charts, built without a window and drawing a snapshot.

    Parameters
    ----------
    snapshot : evexplorer.export.Snapshot
        Its results are drawn against its reference (itself when it has none).
    year : int
        The year marked on the charts [year].

    Returns
    -------
    evexplorer.app.charts.ChartPanel
        Its ``charts`` list holds every chart; keep the panel alive while they are drawn.
    """
    from ..session import Session
    from . import theme
    from .charts import ChartPanel

    panel = ChartPanel(Session(), lambda: int(year))
    reference = snapshot.reference
    label = "Baseline"
    if reference is not None and reference.title != "Baseline":
        title = reference.title.strip() or "Reference"
        limit = theme.LEGEND_TITLE_CHARS
        label = title if len(title) <= limit else title[:limit - 1].rstrip() + "…"
    base = reference.results if reference is not None else snapshot.results
    for chart in panel.charts:
        chart.set_reference_label(label)
        chart.update(snapshot.results, base, int(year))
    return panel

"""The scenario report as a PDF: :class:`evexplorer.export.report.Report` laid out on pages.

The content comes from :func:`evexplorer.export.build_report` (Qt-free); this
module only lays it out with :class:`~PySide6.QtGui.QPdfWriter` and
:class:`~PySide6.QtGui.QPainter`, on A4 or US Letter as the report says:

1. title, author, date and notes; the headline figures for the chosen year
   against the reference, with their units and, where there are bands, the
   P10–P90 range; the levers that differ from the reference, with the source
   and vintage of each default;
2. every chart, two to a page, drawn as vectors and legible in grey (series
   told apart by dash patterns and hatching as well as colour);
3. targets and drivers, when there are any;
4. where the numbers come from: versions, file, checksum.

Pages are laid out first (text is measured, tables are split between rows
and repeat their header on the next page), then painted, so that every page
carries "page N of M". Better and worse changes are said in words, not by
colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextLayout,
    QTextOption,
)

from .. import _atomic
from .._version import __version__
from ..export.report import Report
from . import render

#: Page margins: left and right, top, bottom (the footer sits in the bottom one) [mm].
MARGIN_SIDE_MM = 18.0
MARGIN_TOP_MM = 16.0
MARGIN_BOTTOM_MM = 18.0
#: Charts drawn on each page [1].
CHARTS_PER_PAGE = 2
#: Longest text of one table cell [characters]; longer text is cut with an ellipsis.
MAX_CELL_CHARS = 1200
#: Type sizes [pt].
BODY_PT = 9.5
SMALL_PT = 8.0
HEADING_PT = 13.0
TITLE_PT = 22.0
INK = QColor("#1A1A1A")
MUTED = QColor("#555555")
RULE = QColor("#BBBBBB")
HEADER_FILL = QColor("#ECECEC")

_PAGE_SIZES = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}

#: A drawing step of a page, given the painter.
Op = Callable[[QPainter], None]


class ReportCancelled(Exception):
    """The report was cancelled before it was complete; nothing was written."""


def _font(points: float, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    font.setItalic(italic)
    return render.searchable(font)


@dataclass
class _Text:
    """A paragraph laid out in lines of a given width on the PDF device."""

    layout: QTextLayout
    color: QColor

    @classmethod
    def of(cls, text: str, font: QFont, width: float, device: Any,
           color: QColor = INK, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> _Text:
        layout = QTextLayout(text, font, device)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        option.setAlignment(align)
        layout.setTextOption(option)
        layout.beginLayout()
        y = 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(max(width, 1.0))
            line.setPosition(QPointF(0.0, y))
            y += line.height()
        layout.endLayout()
        return cls(layout, color)

    @property
    def height(self) -> float:
        return sum(self.layout.lineAt(i).height() for i in range(self.layout.lineCount()))

    def draw_lines(self, painter: QPainter, first: int, last: int, x: float, y: float) -> None:
        """Draw lines ``first`` to ``last - 1`` with the first one's top at ``y``."""
        painter.setPen(self.color)
        top = self.layout.lineAt(first).y()
        for i in range(first, last):
            line = self.layout.lineAt(i)
            line.draw(painter, QPointF(x, y - top))

    def draw(self, painter: QPainter, x: float, y: float) -> None:
        self.draw_lines(painter, 0, self.layout.lineCount(), x, y)


@dataclass(frozen=True)
class Column:
    """A table column: its header, its share of the width and its alignment."""

    header: str
    share: float
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft


class _Flow:
    """Lays blocks out down the pages' text frame, recording how to paint each page."""

    def __init__(self, writer: QPdfWriter) -> None:
        self.device = writer
        self.dpmm = writer.resolution() / 25.4
        layout = writer.pageLayout()
        page = layout.fullRectPoints()
        width = page.width() / 72.0 * writer.resolution()
        height = page.height() / 72.0 * writer.resolution()
        self.frame = QRectF(MARGIN_SIDE_MM * self.dpmm, MARGIN_TOP_MM * self.dpmm,
                            width - 2 * MARGIN_SIDE_MM * self.dpmm,
                            height - (MARGIN_TOP_MM + MARGIN_BOTTOM_MM) * self.dpmm)
        self.page_height = height
        self.pages: list[list[Op]] = [[]]
        self.y = self.frame.top()

    def mm(self, value: float) -> float:
        return value * self.dpmm

    @property
    def width(self) -> float:
        return self.frame.width()

    @property
    def room(self) -> float:
        return self.frame.bottom() - self.y

    def new_page(self) -> None:
        """Start a page, unless the current one is still empty."""
        if self.pages[-1] or not self.at_top():
            self.pages.append([])
        self.y = self.frame.top()

    def at_top(self) -> bool:
        return self.y <= self.frame.top() + 1e-6

    def ensure(self, height: float) -> None:
        if height > self.room and not self.at_top():
            self.new_page()

    def space(self, mm: float) -> None:
        if not self.at_top():
            self.y = min(self.y + self.mm(mm), self.frame.bottom())

    def add(self, op: Op) -> None:
        self.pages[-1].append(op)

    def text(self, text: str, font: QFont, *, color: QColor = INK, after_mm: float = 1.5,
             keep_lines: int = 2) -> None:
        """Paragraphs (one per line of ``text``), split between pages at line breaks."""
        for paragraph in text.split("\n"):
            if not paragraph.strip():
                self.space(2.0)
                continue
            laid = _Text.of(paragraph, font, self.width, self.device, color)
            count = laid.layout.lineCount()
            first = 0
            while first < count:
                heights = [laid.layout.lineAt(i).height() for i in range(first, count)]
                fit, total = 0, 0.0
                for h in heights:
                    if total + h > self.room:
                        break
                    fit, total = fit + 1, total + h
                if fit < min(keep_lines, count - first) and not self.at_top():
                    self.new_page()
                    continue
                fit = max(fit, 1)
                x, y, last = self.frame.left(), self.y, first + fit
                self.add(lambda p, t=laid, a=first, b=last, x=x, y=y: t.draw_lines(p, a, b, x, y))
                self.y += sum(heights[:fit])
                first = last
                if first < count:
                    self.new_page()
            self.y += self.mm(after_mm)

    def heading(self, text: str, *, size: float = HEADING_PT, before_mm: float = 5.0) -> None:
        """A heading kept on the page of what follows it."""
        laid = _Text.of(text, _font(size, bold=True), self.width, self.device)
        self.space(before_mm)
        self.ensure(laid.height + self.mm(22))
        x, y = self.frame.left(), self.y
        self.add(lambda p: laid.draw(p, x, y))
        self.y += laid.height + self.mm(2.0)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], *,
              header: bool = True, bold_first: bool = False) -> None:
        """A ruled table; rows go whole to the next page, which repeats the header."""
        pad = self.mm(1.2)
        widths = [self.width * c.share / sum(c.share for c in columns) for c in columns]
        body, bold = _font(BODY_PT), _font(BODY_PT, bold=True)

        def laid_row(cells: Sequence[str], fonts: Sequence[QFont]) -> tuple[list[_Text], float]:
            texts = [_Text.of(_cell(text), font, w - 2 * pad, self.device, align=c.align)
                     for text, font, w, c in zip(cells, fonts, widths, columns, strict=True)]
            return texts, max(t.height for t in texts) + 2 * pad

        head = laid_row([c.header for c in columns], [bold] * len(columns)) if header else None

        def draw_row(texts: list[_Text], y: float, height: float, shaded: bool) -> Op:
            def op(p: QPainter) -> None:
                x = self.frame.left()
                if shaded:
                    p.fillRect(QRectF(x, y, self.width, height), HEADER_FILL)
                for text, w in zip(texts, widths, strict=True):
                    text.draw(p, x + pad, y + pad)
                    x += w
                p.setPen(QPen(RULE, self.mm(0.2)))
                p.drawLine(QPointF(self.frame.left(), y + height),
                           QPointF(self.frame.right(), y + height))
            return op

        def put_header() -> None:
            if head is not None:
                self.add(draw_row(head[0], self.y, head[1], True))
                self.y += head[1]

        first = True
        for cells in rows:
            fonts = [bold if bold_first and i == 0 else body for i in range(len(columns))]
            texts, height = laid_row(cells, fonts)
            needed = height + (head[1] if head is not None and first else 0.0)
            if needed > self.room and not self.at_top():
                self.new_page()
                first = True
            if first:
                put_header()
                first = False
            self.add(draw_row(texts, self.y, height, False))
            self.y += height
        if first:  # no rows: the header alone
            put_header()
        self.y += self.mm(2.0)

    def block(self, height: float, paint: Callable[[QPainter, QRectF], None]) -> None:
        """A fixed-height block (a chart) across the frame's width."""
        self.ensure(height)
        rect = QRectF(self.frame.left(), self.y, self.width, height)
        self.add(lambda p: paint(p, rect))
        self.y += height


def _cell(text: Any) -> str:
    """A cell's text: line breaks kept (as Unicode line separators), cut at the limit."""
    text = "" if text is None else str(text)
    text = text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS - 1] + "…"
    return text.replace("\n", "\u2028")


#: Month names of dates ("9 March 2026"): the report is in English whatever the locale,
#: which Qt makes the C library's (strftime's "%B" would follow it).
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def _long_date(report: Report) -> str:
    date = report.date
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def _change_text(figure: Any, reference: str | None) -> str:
    """The change against the reference for a table under "Change": the reference is named
    in the header, good and bad news in words."""
    text = figure.delta_text
    if reference:
        if text == f"= {reference}":
            return "no change"
        text = text.removesuffix(f" vs {reference}")
    if figure.better is None:
        return text
    return f"{text} ({'better' if figure.better else 'worse'})"


def _figure_title(figure: Any) -> str:
    return f"{figure.title} ({figure.year})" if figure.year is not None else figure.title


def _value_text(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        text = f"{value:,.4g}" if abs(value) < 1e15 else f"{value:.4g}"
        if "e" not in text and abs(value) >= 1000:
            text = f"{value:,.0f}"
        return f"{text} {unit}".rstrip()
    return f"{value} {unit}".rstrip() if unit else str(value)


def _target_rows(targets: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    rows = []
    for t in targets:
        unit = str(t.get("unit") or "")
        symbol = {"<=": "≤", ">=": "≥"}.get(str(t.get("comparison")), str(t.get("comparison")))
        met = t.get("met")
        status = ("met" if met else "NOT MET") if met is not None else \
            f"not evaluated: {t.get('reason') or 'no value'}"
        source = str(t.get("source") or "")
        description = str(t.get("description") or t.get("id") or "")
        if source and source != "user":
            description += f" ({source})"
        rows.append([description, str(t.get("year", "")),
                     f"{symbol} {_value_text(t.get('required'), unit)}",
                     _value_text(t.get("value"), unit), status])
    return rows


def _record_table(records: Sequence[Mapping[str, Any]]) -> tuple[list[Column], list[list[str]]]:
    keys: list[str] = []
    for record in records:
        keys += [k for k in record if k not in keys]
    columns = [Column(k.replace("_", " "), 1.0) for k in keys]
    rows = [[_value_text(r.get(k)) for k in keys] for r in records]
    return columns, rows


def lay_out(flow: _Flow, report: Report, charts: Mapping[str, Any],
            on_chart: Callable[[], None] | None = None) -> None:
    """Lay every part of the report out on ``flow``'s pages."""
    reference = report.reference_title or "the reference"
    flow.text("EV EXPLORER · SCENARIO REPORT", _font(SMALL_PT, bold=True), color=MUTED,
              after_mm=1.0)
    flow.text(report.title, _font(TITLE_PT, bold=True), after_mm=1.5)
    byline = " · ".join(part for part in (report.author.strip(), _long_date(report)) if part)
    flow.text(byline, _font(BODY_PT + 1), color=MUTED, after_mm=4.0)
    if report.notes.strip():
        flow.text(report.notes.strip(), _font(BODY_PT + 0.5), after_mm=2.0)

    flow.heading(f"Headline figures in {report.year}")
    flow.text(f"This scenario against {reference}; the numbers are {report.numbers}.",
              _font(SMALL_PT), color=MUTED, after_mm=1.5)
    with_bands = bool(report.band_text)
    columns = [Column("Figure", 2.0), Column("This scenario", 1.1 if with_bands else 1.2),
               Column(report.reference_title or "Reference", 1.1 if with_bands else 1.2),
               Column("Change", 1.5)]
    if with_bands:
        columns.append(Column(report.band_text.split(" of ")[0] + " range", 1.5))
    rows = []
    for figure in report.headlines:
        row = [_figure_title(figure), figure.text, figure.reference_text or "–",
               _change_text(figure, report.reference_title) or "–"]
        if with_bands:
            row.append(figure.range_text.split(": ", 1)[-1] if figure.range_text else "–")
        rows.append(row)
    flow.table(columns, rows, bold_first=True)
    if with_bands:
        flow.text(f"Ranges: {report.band_text} of the uncertain levers.", _font(SMALL_PT),
                  color=MUTED)

    flow.heading(f"Levers that differ from {reference}")
    if report.levers:
        flow.table([Column("Lever", 1.7), Column("This scenario", 1.1),
                    Column(report.reference_title or "Reference", 1.1),
                    Column("Source of the default value", 2.6)],
                   [[f"{c.label}\n{c.name}", c.value_text, c.reference_text,
                     f"{c.source} (data of {c.vintage})"] for c in report.levers],
                   bold_first=True)
    else:
        flow.text(f"Every lever is as in {reference}.", _font(BODY_PT))

    drawn = [charts[key] for key in report.charts if key in charts]
    if drawn:
        flow.new_page()
        flow.heading("Charts", before_mm=0.0)
        flow.text(f"Each chart shows this scenario against {reference} (grey, dashed); the "
                  f"dotted line marks {report.year}.", _font(SMALL_PT), color=MUTED)
        gap = flow.mm(4.0)
        ratio = render.CANVAS[1] / render.CANVAS[0]
        height = min(flow.width * ratio, (flow.frame.height() - flow.mm(16)) / CHARTS_PER_PAGE
                     - gap)
        scale = flow.width / render.CANVAS[0]
        for chart in drawn:
            def paint(p: QPainter, rect: QRectF, chart: Any = chart) -> None:
                render.paint_chart(p, chart, rect, scale, grey_safe=True)
                if on_chart is not None:
                    on_chart()
            flow.block(height, paint)
            flow.y += gap

    if report.targets:
        flow.heading("Targets")
        flow.table([Column("Target", 2.8), Column("Year", 0.6),
                    Column("Required", 1.3), Column("Value", 1.4), Column("Status", 1.3)],
                   _target_rows(report.targets))
    if report.drivers:
        flow.heading("Drivers")
        columns, rows = _record_table(report.drivers)
        flow.table(columns, rows)

    flow.heading("About these numbers")
    about = [["Numbers", report.numbers], ["Compared with", reference],
             ["Scenario file", report.file or "not saved to a file"],
             ["Checksum", report.checksum]]
    if report.file_sha256:
        about.append(["File SHA-256", report.file_sha256])
    about += [[label, value] for label, value in report.versions]
    about += [["Report", f"{_long_date(report)}, EV Explorer {__version__}, {report.paper}"]]
    flow.table([Column("", 1.3), Column("", 3.2)], about, header=False, bold_first=True)


def _footer(painter: QPainter, flow: _Flow, report: Report, number: int, total: int) -> None:
    font = _font(SMALL_PT)
    metrics = QFontMetricsF(font, flow.device)
    y = flow.frame.bottom() + flow.mm(7)
    painter.setPen(QPen(RULE, flow.mm(0.2)))
    painter.drawLine(QPointF(flow.frame.left(), y - flow.mm(1.5)),
                     QPointF(flow.frame.right(), y - flow.mm(1.5)))
    painter.setFont(font)
    painter.setPen(MUTED)
    page = f"Page {number} of {total}"
    left = metrics.elidedText(f"{report.title} — EV Explorer scenario report",
                              Qt.TextElideMode.ElideRight,
                              flow.width - metrics.horizontalAdvance(page) - flow.mm(8))
    box = QRectF(flow.frame.left(), y, flow.width, metrics.height())
    painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, left)
    painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, page)


def report_pdf_bytes(report: Report, charts: Sequence[Any], *,
                     progress: Callable[[int, int], bool] | None = None) -> bytes:
    """The report as a PDF document.

    Parameters
    ----------
    report : evexplorer.export.report.Report
        The content (:func:`evexplorer.export.build_report`); ``report.paper``
        chooses A4 or US Letter, ``report.charts`` which charts, in order.
    charts : sequence of Chart
        The charts to draw from (the window's, or :func:`render.offscreen_charts`'s),
        matched to ``report.charts`` by key.
    progress : callable, optional
        ``progress(done, total)`` after each chart is drawn; returning False
        cancels.

    Raises
    ------
    ReportCancelled
        If ``progress`` returned False.
    """
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(render.picture_dpi())
    writer.setPageLayout(QPageLayout(QPageSize(_PAGE_SIZES.get(report.paper,
                                                               QPageSize.PageSizeId.A4)),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    writer.setTitle(report.title)
    writer.setCreator(f"EV Explorer {__version__}")
    by_key = {chart.key: chart for chart in charts}
    total = sum(1 for key in report.charts if key in by_key)
    done = [0]

    def on_chart() -> None:
        done[0] += 1
        if progress is not None and progress(done[0], total) is False:
            raise ReportCancelled("the report was cancelled")

    flow = _Flow(writer)
    lay_out(flow, report, by_key, on_chart)
    if not flow.pages[-1]:
        flow.pages.pop()
    painter = QPainter(writer)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for number, ops in enumerate(flow.pages, 1):
            if number > 1:
                writer.newPage()
            for op in ops:
                op(painter)
            _footer(painter, flow, report, number, len(flow.pages))
    finally:
        painter.end()
        buffer.close()
    return bytes(data.data())


def write_report_pdf(report: Report, charts: Sequence[Any], path: str | Path, *,
                     progress: Callable[[int, int], bool] | None = None) -> None:
    """Write the report to ``path`` as PDF, all or nothing (see :func:`report_pdf_bytes`).

    Raises
    ------
    ReportCancelled
        If cancelled; nothing is written.
    evexplorer._atomic.WriteError
        With one sentence, if the file cannot be written.
    """
    data = report_pdf_bytes(report, charts, progress=progress)
    _atomic.write_atomically(path, data, verb="export")

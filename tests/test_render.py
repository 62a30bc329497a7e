"""Charts as files: SVG read back with an XML parser, PNG size and resolution, PDF pages and
text; the plotted line against the model's numbers; grey-safe drawing; the chart on screen
left as it was (offscreen)."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGraphicsItem
from test_render_svg import svg_matrix

from evexplorer._atomic import WriteError
from evexplorer.app import render
from evexplorer.app.charts import Chart
from evexplorer.export import Reference, Snapshot
from evexplorer.model import evaluate

pytestmark = pytest.mark.gui

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[1]
LEVERS = {"lithium_price": 40_000.0, "chemistry_mix": "LFP:0.5,NMC811:0.5"}


@pytest.fixture(scope="module")
def results():
    return evaluate(LEVERS)


@pytest.fixture(scope="module")
def panel(qapp, results):
    """The window's charts without a window, drawing a scenario against the baseline."""
    snapshot = Snapshot(results=results, reference=Reference("Baseline", evaluate()))
    return render.offscreen_charts(snapshot, 2030)


@pytest.fixture(scope="module")
def charts(panel):
    return {chart.key: chart for chart in panel.charts}


def svg_root(chart) -> ET.Element:
    return ET.fromstring(render.svg_bytes(chart))


def svg_texts(root: ET.Element) -> list[str]:
    return [" ".join("".join(e.itertext()).split()) for e in root.iter(f"{SVG}text")]


# -- SVG -------------------------------------------------------------------------------------------

def test_every_chart_is_an_svg_with_its_title_units_legend_and_ticks(charts):
    assert len(charts) >= 6
    for chart in charts.values():
        root = svg_root(chart)
        assert root.get("width") == "160mm" and root.get("height") == "100mm"
        assert root.get("viewBox") == f"0 0 {render.CANVAS[0]} {render.CANVAS[1]}"
        texts = svg_texts(root)
        title = render.chart_title(chart)
        assert root.find(f"{SVG}title").text == title
        assert title in texts, texts
        assert chart.unit in texts          # the y axis label
        assert chart.year_label in texts and "2030" in texts and "2040" in texts
        for label, _, _ in chart.legend_entries():
            assert label in texts, (chart.key, label)
        assert not list(root.iter(f"{SVG}image")), "axes must stay text and lines, not bitmaps"


def test_the_mineral_chart_says_which_mineral(charts):
    assert "Lithium" in render.chart_title(charts["minerals"])


def _stroked_shapes(root):
    """(element, total transform) of every shape drawn with a stroke."""
    found = []

    def walk(element, transform, stroke):
        transform = transform @ svg_matrix(element.get("transform"))
        stroke = element.get("stroke", stroke)
        if element.tag in {f"{SVG}{t}" for t in ("path", "polyline", "polygon", "line", "rect")} \
                and stroke not in (None, "none"):
            found.append((element, transform))
        for child in element:
            walk(child, transform, stroke)
    walk(root, np.eye(3), None)
    return found


def test_no_stroke_is_scaled_by_a_data_transform(charts):
    # Readers that ignore vector-effect (LibreOffice, librsvg) draw what is written: every
    # stroked shape must therefore be in canvas coordinates (a translation at most).
    for chart in charts.values():
        root = svg_root(chart)
        assert "non-scaling-stroke" not in ET.tostring(root, encoding="unicode")
        shapes = _stroked_shapes(root)
        assert len(shapes) > 10
        for element, transform in shapes:
            np.testing.assert_allclose(transform[:2, :2], np.eye(2), atol=1e-6,
                                       err_msg=f"{chart.key}: {element.tag}")


def _path_points(element):
    numbers = [float(v) for v in re.findall(r"[-+]?[\d.]+(?:e[-+]?\d+)?", element.get("d"))]
    return np.array(numbers).reshape(-1, 2)


def test_the_plotted_pack_cost_is_the_computed_series(charts, results):
    # The scenario's line is the only stroke of its colour and width; canvas y is an affine
    # function of the value, so its shape must be the computed series' shape.
    root = svg_root(charts["pack_cost"])
    lines = []
    for group in root.iter(f"{SVG}g"):
        if group.get("stroke") == "#0072b2" and group.get("stroke-width") == "2.5":
            lines += [e for e in group if e.tag == f"{SVG}path"]
    assert len(lines) == 1
    points = _path_points(lines[0])
    values = np.asarray(results.series["pack_cost"])
    assert len(points) == len(values)
    assert np.all(np.diff(points[:, 0]) > 0) and np.ptp(np.diff(points[:, 0])) < 0.01
    shape = (points[:, 1] - points[0, 1]) / (points[-1, 1] - points[0, 1])
    expected = (values - values[0]) / (values[-1] - values[0])
    np.testing.assert_allclose(shape, expected, atol=2e-3)  # coordinates carry 3 decimals
    assert points[0, 1] < points[-1, 1]  # costs fall: the line goes down the canvas (y grows)


# -- PNG -------------------------------------------------------------------------------------------

def png_chunks(data: bytes) -> dict[bytes, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, i = {}, 8
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        body = data[i + 8:i + 8 + length]
        assert struct.unpack(">I", data[i + 8 + length:i + 12 + length])[0] == \
            zlib.crc32(kind + body)
        chunks.setdefault(kind, body)
        i += 12 + length
    return chunks


def test_png_is_160_by_100_mm_at_300_dpi(charts):
    data = render.png_bytes(charts["vehicle_price"])
    chunks = png_chunks(data)
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert (width, height) == (1890, 1181)  # 160 × 100 mm at 300 dpi
    x, y, unit = struct.unpack(">IIB", chunks[b"pHYs"])
    assert unit == 1 and x == y == 11811  # dots per metre: 300 / 0.0254
    image = QImage.fromData(data, "PNG")
    assert image.width() == 1890 and image.text("Title") == "EV vs gasoline car price"


def _column(image: QImage, x: int) -> np.ndarray:
    return np.array([image.pixelColor(x, y).getRgb()[:3] for y in range(image.height())])


def test_png_lines_have_print_weight(charts):
    # The scenario line (2.5 screen px) is drawn 2.5 × 2.625 ≈ 6.6 px thick at 300 dpi, not
    # as a 2.5 px hairline: count the pixels of its colour down one column.
    image = QImage.fromData(render.png_bytes(charts["vehicle_price"]), "PNG")
    column = _column(image, image.width() // 2)
    blue = np.array([0x00, 0x72, 0xB2])
    near = np.abs(column - blue).sum(axis=1) < 60
    assert 4 <= near.sum() <= 10, near.sum()


# -- PDF -------------------------------------------------------------------------------------------

def test_pdf_is_one_vector_page_with_the_title_and_unit(charts):
    reader = PdfReader(io.BytesIO(render.pdf_bytes(charts["pack_cost"])))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    height_mm = float(page.mediabox.height) / 72 * 25.4
    assert abs(width_mm - 160) < 0.5 and abs(height_mm - 100) < 0.5
    text = " ".join(page.extract_text().split())
    assert "Battery pack cost" in text and "USD/kWh" in text and "Baseline" in text
    assert not page.images  # lines and text, no bitmaps
    assert reader.metadata.title == "Battery pack cost"


# -- grey ------------------------------------------------------------------------------------------

def test_grey_safe_lines_differ_in_dashes_and_fills_in_hatching(charts):
    for chart in charts.values():
        with render.drawing_state(chart, 1.0, grey_safe=True) as entries:
            lines = [e for e in entries if e.kind == "line" and e.visible]
            styles = [(e.pen.style(), tuple(e.pen.dashPattern())
                       if e.pen.style() != Qt.PenStyle.SolidLine else ()) for e in lines]
            solid = [e for e in lines if e.pen.style() == Qt.PenStyle.SolidLine]
            assert len(solid) <= 1, (chart.key, [e.label for e in solid])
            custom = [s for s in styles if s[0] == Qt.PenStyle.CustomDashLine]
            assert len(set(custom)) == len(custom), chart.key
            fills = [e for e in entries if e.kind == "fill" and e.visible]
            assert [e.hatch is not None for e in fills] == [i > 0 for i in range(len(fills))]
            for entry in lines:  # the plot draws what the legend shows
                if entry.item is not None:
                    assert entry.item.opts["pen"].style() == entry.pen.style()


def grey(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    buffer = np.frombuffer(image.constBits(), np.uint8)
    return buffer.reshape(image.height(), image.bytesPerLine())[:, :image.width()].astype(float)


def test_stacked_areas_are_told_apart_in_grey(charts, results):
    # Mineral materials (orange) and the rest of the pack (sky blue) are nearly the same grey;
    # in the grey-safe drawing the upper one is hatched: its pixels vary, the lower's do not.
    chart = charts["pack_cost"]
    plain = grey(render.chart_image(chart, 1440, 900))
    safe = grey(render.chart_image(chart, 1440, 900, grey_safe=True))
    x = int(0.85 * 1440)
    column_plain, column_safe = plain[:, x], safe[:, x]
    # Rows inside each area: from the colours of the plain drawing's column.
    image = render.chart_image(chart, 1440, 900)
    rgb = _column(image, x)
    orange = np.abs(rgb - [0xF2, 0xD3, 0x8A]).sum(axis=1) < 40
    sky = np.abs(rgb - [0xB6, 0xDE, 0xF5]).sum(axis=1) < 40
    assert orange.sum() > 40 and sky.sum() > 40
    assert abs(column_plain[orange].mean() - column_plain[sky].mean()) < 15  # alike in grey
    assert column_safe[orange].std() < 3
    assert column_safe[sky].std() > 20  # hatching: light and dark lines alternate


# -- the chart on screen -------------------------------------------------------------------------

def _screen_state(chart):
    scene = chart.widget.scene()
    state = []
    for item in scene.items():
        pens = [(get().widthF(), get().style()) for get, _ in render._pen_slots(item)
                if get() is not None]
        state.append((type(item).__name__, item.cacheMode(), item.isVisible(), pens))
    return state, chart.plot.geometry(), len(scene.items())


def test_drawing_leaves_the_chart_as_it_was(charts):
    for chart in charts.values():
        chart.hover_line.show()  # as when the mouse is over it
        chart.hover_text.show()
        before = _screen_state(chart)
        assert any(mode != QGraphicsItem.CacheMode.NoCache for _, mode, _, _ in before[0])
        for fmt in render.FORMATS:
            render.chart_bytes(chart, fmt)
        render.chart_image(chart, 720, 450, grey_safe=True)
        assert _screen_state(chart) == before
        chart.hover_line.hide()
        chart.hover_text.hide()


def test_hover_read_out_is_not_drawn(charts):
    chart = charts["pack_cost"]
    chart.hover_text.setHtml("<b>HOVERED 1999</b>")
    chart.hover_text.show()
    try:
        assert "HOVERED" not in " ".join(svg_texts(svg_root(chart)))
    finally:
        chart.hover_text.hide()


# -- several charts ------------------------------------------------------------------------------

class ExtraChart(Chart):
    """A chart added to the panel after the six: exports must not be limited to six."""

    key = "extra"
    title = "An extra chart"
    unit = "million cars"

    def __init__(self):
        super().__init__()
        self.line = self.curve("EV sales", pg.mkPen("#CC79A7", width=2))
        # A line drawn the other pyqtgraph way: a PlotDataItem, named in the legend by hand.
        self.other = self.plot.plot(pen=pg.mkPen("#009E73", width=2))
        self._add_legend("Car sales", "#009E73", "━━")

    def _draw(self, results, reference):
        self.line.setData(self._years, results.series["ev_sales"])
        self.other.setData(self._years, results.series["car_sales"])
        self.fit_y(results.series["ev_sales"], results.series["car_sales"])


def test_lines_of_plot_data_items_are_matched_and_styled(results):
    extra = ExtraChart()
    extra.update(results, results, 2030)
    with render.drawing_state(extra, 2.0, grey_safe=True) as entries:
        by_label = {e.label: e for e in entries}
        assert by_label["EV sales"].item is extra.line
        assert by_label["Car sales"].item is extra.other.curve
        pen = extra.other.curve.opts["pen"]
        assert pen.style() == Qt.PenStyle.CustomDashLine and pen.widthF() == 4.0
    assert extra.other.curve.opts["pen"].style() == Qt.PenStyle.SolidLine


@pytest.mark.parametrize("fmt", list(render.FORMATS))
def test_write_charts_writes_one_file_per_chart_named_by_key(panel, results, tmp_path, fmt):
    extra = ExtraChart()
    extra.update(results, results, 2030)
    charts = [*panel.charts, extra]
    steps = []
    written = render.write_charts(charts, tmp_path, fmt,
                                  progress=lambda done, total: steps.append((done, total)))
    assert [p.name for p in written] == [f"{c.key}{render.FORMATS[fmt].suffix}" for c in charts]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    assert steps[-1] == (2 * len(charts), 2 * len(charts))
    data = (tmp_path / f"extra{render.FORMATS[fmt].suffix}").read_bytes()
    assert data.startswith({"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}[fmt])


def test_cancelled_chart_export_writes_nothing(panel, tmp_path):
    assert render.write_charts(panel.charts, tmp_path, "svg",
                               progress=lambda done, total: done < 2) == []
    assert not any(tmp_path.iterdir())


def test_unwritable_folder_is_one_sentence(panel, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(WriteError) as caught:
        render.write_charts(panel.charts, blocker, "png")
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")
    assert blocker.read_text() == "not a folder"


def test_unknown_format_names_the_formats(panel):
    with pytest.raises(ValueError, match="svg, png, pdf"):
        render.chart_bytes(panel.charts[0], "jpg")


def test_clipboard_data_holds_an_image_and_its_svg(charts):
    data = render.chart_mime_data(charts["pack_cost"])
    assert data.hasImage()
    image = data.imageData()
    assert (image.width(), image.height()) == (1440, 900)
    svg = bytes(data.data("image/svg+xml").data())
    assert "Battery pack cost" in svg_texts(ET.fromstring(svg))


def test_a_chart_on_the_clipboard_lets_the_process_exit_cleanly(tmp_path):
    # Qt deletes the clipboard's data after Python has shut down: with data made from
    # Python, PySide 6.11 crashed there (exit status -11).
    code = ("import os\nos.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
            "from PySide6.QtWidgets import QApplication\n"
            "from evexplorer.app import render\n"
            "from evexplorer.export import Reference, Snapshot\n"
            "from evexplorer.model import evaluate\n"
            "render.ensure_application()\n"
            "snap = Snapshot(results=evaluate(), reference=Reference('Baseline', evaluate()))\n"
            "panel = render.offscreen_charts(snap, 2030)\n"
            "QApplication.clipboard().setMimeData(render.chart_mime_data(panel.charts[0]))\n"
            "assert QApplication.clipboard().mimeData().hasImage()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, (out.returncode, out.stderr[-500:])

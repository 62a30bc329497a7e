"""Chart text that fits: at 1280×720, 1400×900 and 1920×1080, with P10-P90 bands and three
compared scenarios on screen (the longest legends), no chart title, legend entry, axis label
or tick label is elided, clipped or overlapping another (offscreen)."""

from __future__ import annotations

import itertools

import pytest
from gui_helpers import axis_texts, settle
from PySide6.QtCore import QPoint, QRect, QRectF
from PySide6.QtWidgets import QLabel, QWidget

from evexplorer.analysis.bands import compute_bands
from evexplorer.analysis.uncertainty import default_spec
from evexplorer.session import presets

pytestmark = pytest.mark.gui

SIZES = [(1280, 720), (1400, 900), (1920, 1080)]
COMPARED = ("Slow demand with mode shift", "Sodium-ion breakthrough", "Green gigafactories")


@pytest.fixture(params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def busy_window(request, window):
    """The window at a size, with bands and three compared scenarios drawn."""
    width, height = request.param
    for title in COMPARED:
        window.session.add_comparison(next(p for p in presets() if p.title == title))
    window.session.set_bands(compute_bands(window.session.values, default_spec(), 1000))
    window.resize(width, height)
    settle()
    settle()
    return window


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    """``widget``'s rectangle in ``ancestor``'s coordinates."""
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def visible_charts(window):
    charts = [c for c in window.charts.charts if c.container.isVisible()]
    assert charts == window.charts.visible_charts()
    return charts


def title_widget(window, chart) -> QWidget:
    """What names a chart on screen: its title in a grid, the picker of its slot when the
    window shows a picker above each chart."""
    if window.charts.arrangement.mode == "grid":
        return chart.title_label
    slot = next(s for s in window.charts.slots if s.chart is chart)
    assert slot.picker.currentText() == chart.title
    return slot.picker


def assert_whole_text(label: QLabel) -> None:
    """A one-line label shows all of its text."""
    hint = label.sizeHint()
    assert label.width() >= hint.width(), (label.objectName(), label.width(), hint.width())
    assert label.height() >= hint.height(), (label.objectName(), label.height(), hint.height())


def text_rect(item) -> QRectF:
    """Scene rectangle of a QGraphicsTextItem's text, without its document's empty margin."""
    margin = item.document().documentMargin()
    return item.mapRectToScene(item.boundingRect().adjusted(margin, margin, -margin, -margin))


def text_rects(chart) -> list[QRectF]:
    """Scene rectangles of every text drawn in and around a chart's plot: the axis titles,
    the tick labels, and the labels inside the plot."""
    rects = []
    for side in ("left", "bottom"):
        axis = chart.plot.getAxis(side)
        if axis.label.isVisible():
            rects.append(text_rect(axis.label))
        rects += [axis.mapRectToScene(rect) for rect, _ in axis_texts(axis)]
    return rects


def in_plot_labels(chart) -> list:
    """Text items drawn inside the plot area that are showing."""
    names = ("clip_text", "threshold_label", "note")
    items = [getattr(chart, n) for n in names if hasattr(chart, n)]
    items += [line.label for line in (getattr(chart, "parity", None),) if line is not None]
    return [i for i in items if i.isVisible() and i.boundingRect().width() > 0]


def test_titles_are_whole_and_clear_of_the_mineral_picker(busy_window):
    picker = busy_window.findChild(QWidget, "mineral_picker")
    for chart in visible_charts(busy_window):
        title = title_widget(busy_window, chart)
        assert title.isVisible()
        if title is chart.title_label:
            assert title.text()
            assert_whole_text(title)
        else:
            assert title.width() >= title.minimumSizeHint().width(), chart.key
        box = chart.container.rect()
        # a picker sits in its own row above the chart's box; a title inside the box
        title_rect = rect_in(title, chart.container) if title is chart.title_label else QRect()
        assert title_rect.isNull() or box.contains(title_rect), chart.key
        if chart is busy_window.charts.mineral:
            picker_rect = rect_in(picker, chart.container)
            assert box.contains(picker_rect)
            assert not title_rect.intersects(picker_rect)
            for child in picker.findChildren(QWidget):
                assert child.width() >= child.minimumSizeHint().width(), child.objectName()


def test_legend_entries_are_whole_and_apart(busy_window):
    for chart in visible_charts(busy_window):
        labels = chart.legend_label.labels()
        assert len(labels) >= 3 + 1 + 1  # compared, band and at least the scenario
        rects = []
        for label in labels:
            assert label.isVisible(), (chart.key, label.text())
            assert_whole_text(label)
            rect = rect_in(label, chart.container)
            assert chart.container.rect().contains(rect), (chart.key, label.text())
            rects.append(rect)
        header = rect_in(chart.header_box, chart.container)
        plot = rect_in(chart.widget, chart.container)
        for rect in rects:
            assert not rect.intersects(header) and not rect.intersects(plot), chart.key
        for a, b in itertools.combinations(rects, 2):
            assert not a.intersects(b), chart.key


def test_axis_and_plot_labels_stay_inside_their_plot(busy_window):
    for chart in visible_charts(busy_window):
        view = chart.widget
        viewport = QRectF(view.viewport().rect())
        rects = text_rects(chart)
        assert rects, chart.key
        left = chart.plot.getAxis("left")
        assert left.label.isVisible() and left.labelText == chart.unit
        axis_rect = left.mapRectToScene(left.boundingRect())
        unit_rect = text_rect(left.label)
        # the unit, written along the axis, is no longer than the axis
        assert axis_rect.top() <= unit_rect.top() and unit_rect.bottom() <= axis_rect.bottom(), \
            chart.key
        for rect in rects:
            shown = view.mapFromScene(rect).boundingRect()
            assert viewport.contains(QRectF(shown)), (chart.key, shown, viewport)
        plot_area = chart.plot.getViewBox().sceneBoundingRect()
        for item in in_plot_labels(chart):
            rect = text_rect(item.textItem)
            assert plot_area.contains(rect), (chart.key, item.textItem.toPlainText())


def test_charts_do_not_overlap_each_other(busy_window):
    panel = busy_window.charts
    rects = [rect_in(c.container, panel) for c in visible_charts(busy_window)]
    # every chart in a grid, or at least four under pickers when not all fit
    assert len(rects) == panel.arrangement.slots >= min(4, len(panel.charts))
    for a, b in itertools.combinations(rects, 2):
        assert not a.intersects(b)


def test_each_plot_gets_its_room_under_its_legend(busy_window):
    for chart in visible_charts(busy_window):
        plot = rect_in(chart.widget, chart.container)
        # a legend that wraps into more rows than planned must not push the plot out
        assert chart.container.rect().contains(plot), chart.key
        assert plot.height() >= chart.widget.minimumHeight(), chart.key
        legend = rect_in(chart.legend_label, chart.container)
        assert legend.bottom() < plot.top(), chart.key


def test_a_chart_says_how_tall_it_must_be_at_a_width(busy_window):
    for chart in visible_charts(busy_window):
        width = chart.container.width()
        assert chart.minimum_height(width) == chart.container.minimumSizeHint().height(), \
            chart.key
        assert chart.container.height() >= chart.minimum_height(width)
        # narrower, the legend wraps into more rows: never less room asked
        narrower = chart.minimum_height(chart.container.minimumSizeHint().width())
        assert narrower >= chart.minimum_height(width)
    mineral = busy_window.charts.mineral
    header = mineral.header_box.flow
    one_row = header.heightForWidth(10_000)
    assert header.heightForWidth(mineral.container.minimumSizeHint().width()) >= one_row

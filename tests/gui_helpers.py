"""Helpers shared by the GUI tests."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPicture
from PySide6.QtWidgets import QAbstractSpinBox, QApplication


def curve_y(item) -> np.ndarray:
    """The y data a pyqtgraph curve currently draws."""
    return np.asarray(item.getData()[1], float).copy()


def settle(app: QApplication | None = None) -> None:
    """Let queued events (the coalesced recompute) run."""
    app = app or QApplication.instance()
    for _ in range(3):
        app.processEvents()


def spin(win, name: str) -> QAbstractSpinBox:
    """The spin box of a lever (or of a chemistry share, ``chemistry_mix.LFP``)."""
    widget = win.findChild(QAbstractSpinBox, name)
    assert widget is not None, name
    return widget


def type_value(qtbot, widget: QAbstractSpinBox, text: str) -> None:
    """Type a value into a spin box and press Enter, as a user would."""
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    settle()


def axis_texts(axis) -> list[tuple[QRectF, str]]:
    """The tick labels a pyqtgraph axis draws now: rectangle (axis coordinates) and text."""
    picture = QPicture()
    painter = QPainter(picture)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in specs[2]] if specs else []

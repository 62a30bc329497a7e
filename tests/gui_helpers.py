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
def trigger(win, name: str):
    """Trigger the window's action ``name`` as its menu entry or shortcut would."""
    from PySide6.QtGui import QAction

    action = win.findChild(QAction, name)
    assert action is not None, name
    assert action.isEnabled(), name
    action.trigger()
    settle()
    return action


def choose_in_combo(qtbot, combo, data) -> None:
    """Choose the entry holding ``data`` with the keyboard: Home, then Down until it is current."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == data:
            break
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == data, data
    settle()


def choose_in_menu(qtbot, button, action_name: str) -> None:
    """Click ``button``, whose menu pops up, and choose its entry ``action_name`` by keyboard."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QAction
    from PySide6.QtTest import QTest

    chosen = []

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(10, pick)
            return
        action = menu.findChild(QAction, action_name)
        if action is None:
            menu.close()
            return
        menu.setActiveAction(action)
        QTest.keyClick(menu, Qt.Key.Key_Return)
        chosen.append(action)

    QTimer.singleShot(0, pick)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None)
    settle()
    assert chosen, f"no menu entry {action_name}"

"""Geometry checks of a window: text that is cut, squeezed or lies over other text.

Used by tests/test_gui_layout*.py in the test process and in subprocesses (another screen
scale). Every check reads widget geometry only: a label must be as wide as its text (or,
word-wrapped, as tall as its lines), lie inside its window and its parents, and no two pieces
of visible text may overlap.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QTabBar,
    QWidget,
)

#: Pixels of slack in every comparison (rounding of fractional font metrics).
SLACK = 1


@dataclass(frozen=True)
class Text:
    """A visible piece of text: the widget, its name for messages and its rect in the window."""

    widget: QWidget
    name: str
    rect: QRect


def describe(widget: QWidget) -> str:
    name = widget.objectName() or type(widget).__name__
    text = ""
    if isinstance(widget, (QLabel, QAbstractButton)):
        text = widget.text()
    elif isinstance(widget, QComboBox):
        text = widget.currentText()
    return f"{name} {text[:50]!r}"


def in_scroll_area(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def visible_rect(widget: QWidget, window: QWidget) -> QRect:
    """The part of ``widget`` its parents let show, in ``window``'s coordinates."""
    region = widget.visibleRegion().boundingRect()
    if region.isEmpty():
        return QRect()
    return QRect(widget.mapTo(window, region.topLeft()), region.size())


def texts(window: QWidget) -> list[Text]:
    """Every visible label, button, combo box and tab bar with text, where it shows."""
    found = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.window() is not window:
            continue
        if isinstance(widget, QLabel) and not (widget.text() or widget.pixmap()):
            continue
        if isinstance(widget, QAbstractButton) and not widget.text():
            continue
        if not isinstance(widget, (QLabel, QAbstractButton, QComboBox, QTabBar)):
            continue
        rect = visible_rect(widget, window)
        if rect.isEmpty():
            continue
        found.append(Text(widget, describe(widget), rect))
    return found


def cut_text(window: QWidget, elided_ok: tuple[type, ...] = ()) -> list[str]:
    """Labels, buttons, combo boxes and tabs whose text does not fit where they show."""
    problems = []
    for text in texts(window):
        w = text.widget
        scrolled = in_scroll_area(w, window)
        full = QRect(w.mapTo(window, w.rect().topLeft()), w.size())
        if not scrolled and text.rect != full:
            problems.append(f"{text.name} is cut by its parent: shows {text.rect}, is {full}")
        elif scrolled and text.rect.width() < full.width():
            problems.append(f"{text.name} is cut sideways in its scroll area")
        if isinstance(w, QLabel):
            if isinstance(w, elided_ok):
                metrics = w.fontMetrics()
                if metrics.horizontalAdvance(w.text()) > w.contentsRect().width() + SLACK:
                    problems.append(f"{text.name} runs past its width")
                continue
            if w.wordWrap():
                need = w.heightForWidth(w.width())
                if need > w.height() + SLACK:
                    problems.append(f"{text.name} needs {need} px of height, has {w.height()}")
            elif w.sizeHint().width() > w.width() + SLACK:
                problems.append(f"{text.name} needs {w.sizeHint().width()} px, "
                                f"has {w.width()}")
            if "\u2026" in w.text():
                problems.append(f"{text.name} is shortened with an ellipsis")
        elif isinstance(w, QAbstractButton):
            if w.sizeHint().width() > w.width() + SLACK:
                problems.append(f"{text.name} needs {w.sizeHint().width()} px, has {w.width()}")
        elif isinstance(w, QComboBox):
            need = w.fontMetrics().horizontalAdvance(w.currentText())
            if need > w.width() - 20:  # the arrow and the frame take about 20 px
                problems.append(f"{text.name} shows a cut choice ({need} px in {w.width()})")
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.tabRect(i).width() + SLACK < w.tabSizeHint(i).width():
                    problems.append(f"tab {w.tabText(i)!r} of {text.name} is squeezed")
    return problems


def overlapping_text(window: QWidget) -> list[str]:
    """Pairs of visible texts that lie over each other (neither inside the other)."""
    found = texts(window)
    problems = []
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            if a.widget.isAncestorOf(b.widget) or b.widget.isAncestorOf(a.widget):
                continue
            both = a.rect.intersected(b.rect)
            if both.width() > SLACK and both.height() > SLACK:
                problems.append(f"{a.name} at {a.rect} overlaps {b.name} at {b.rect}")
    return problems


def outside(window: QWidget) -> list[str]:
    """Texts that reach beyond the window."""
    inside = window.rect()
    return [f"{t.name} at {t.rect} leaves the window" for t in texts(window)
            if not inside.contains(t.rect)]


def problems(window: QWidget) -> list[str]:
    """Everything wrong with the text of ``window`` as laid out now."""
    from evexplorer.app.status import ElidedLabel

    return cut_text(window, (ElidedLabel,)) + overlapping_text(window) + outside(window)


def settle(rounds: int = 6) -> None:
    app = QApplication.instance()
    for _ in range(rounds):
        app.processEvents()


def window_at(width: int, height: int, preset: str | None = "lithium_squeeze"):
    """A new main window of ``width`` × ``height`` with its panels as a new user gets them,
    showing a preset (so that the changes list and the deltas hold text)."""
    from PySide6.QtCore import QSettings

    from evexplorer._resources import resource_path
    from evexplorer.app import create_main_window

    folder = tempfile.mkdtemp(prefix="evexplorer-layout-")
    settings = QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("geometry", None)
    window = create_main_window(settings)
    if preset:
        window.open_preset(resource_path("presets") / f"{preset}.evx")
    window.resize(width, height)
    window.show()
    settle()
    window.default_layout()
    settle()
    return window

"""Chart headers and legends that wrap between entries, never inside one.

A :class:`FlowLayout` places its widgets left to right and starts a new row
when the next one does not fit (the flow layout of Qt's examples). A
:class:`Legend` is a flow of one label per entry: each entry's symbol and
words stay on one line, so a legend never breaks "Gasoline car" across two
rows, and a narrow chart gets more rows instead of clipped text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QWidget

from .theme import on_white

#: A legend entry: its text, its colour (``#RRGGBB``, or ``#AARRGGBB`` for a pale
#: tint), and its symbol: ``"━━"`` a line, ``"╌╌"`` a dashed line, ``"┈┈"`` a
#: dotted line, ``"■"`` a filled area, ``"┃"`` a range bar.
Entry = tuple[str, str, str]


class FlowLayout(QLayout):
    """Widgets in rows, left to right, wrapping to a new row when the width runs out.

    Parameters
    ----------
    parent : QWidget, optional
        The widget it lays out.
    spacing : tuple of int
        Horizontal and vertical gaps between items [px].
    """

    def __init__(self, parent: QWidget | None = None, spacing: tuple[int, int] = (10, 0)) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gaps = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        # The height is carried as the owner's minimum height (FlowRow): grid layouts that
        # see height-for-width items can hand out less than the items' minimum heights.
        return False

    def heightForWidth(self, width: int) -> int:
        """Height the rows take at ``width`` [px]."""
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """One row holding every item."""
        width = sum(i.sizeHint().width() for i in self._visible())
        width += self._gaps[0] * max(0, len(self._visible()) - 1)
        height = max((i.sizeHint().height() for i in self._visible()), default=0)
        return QSize(width, height).grownBy(self.contentsMargins())

    def minimumSize(self) -> QSize:
        """As wide as the widest item: every item keeps its full width."""
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        return size.grownBy(self.contentsMargins())

    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Place (or only measure) the items in ``rect``; return the height used [px]."""
        area = rect.marginsRemoved(self.contentsMargins())
        x, y, row_height = area.x(), area.y(), 0
        gap_x, gap_y = self._gaps
        for item in self._visible():
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y = area.x(), y + row_height + gap_y
                row_height = 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + gap_x
            row_height = max(row_height, hint.height())
        margins: QMargins = self.contentsMargins()
        return y + row_height - rect.y() + margins.bottom()


def entry_html(name: str, color: str, symbol: str) -> str:
    """Rich text of one legend entry: coloured symbol and name, bound by non-breaking spaces.

    ``name`` is plain text; ``color`` may carry an alpha (``#AARRGGBB``), shown as
    the tint it makes on white.

    Examples
    --------
    >>> entry_html("Gasoline car", "#D55E00", "━━")
    "<span style='color:#d55e00'>━━</span>&nbsp;Gasoline&nbsp;car"
    """
    words = "&nbsp;".join(html.escape(word, quote=False) for word in name.split())
    return f"<span style='color:{on_white(color)}'>{symbol}</span>&nbsp;{words}"


class FlowRow(QWidget):
    """A widget whose children flow in rows (:class:`FlowLayout`) and which asks for the
    height its rows take at its width.

    Qt's layouts do not carry a child's height-for-width into the minimum sizes
    of the widgets around it, so a flow that wraps into more rows than the
    space it was given would run over what lies below it. Whenever its width or
    content changes, a FlowRow sets its minimum height to what its rows need:
    the layouts around it then make room (or the window grows).

    Parameters
    ----------
    name : str
        Object name.
    spacing : tuple of int
        Horizontal and vertical gaps between the children [px].
    """

    def __init__(self, name: str, spacing: tuple[int, int] = (10, 0),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.flow = FlowLayout(self, spacing=spacing)

    def fit_height(self) -> None:
        """Ask for the height the rows take at the present width."""
        if self.width() <= 0:
            return
        height = self.flow.heightForWidth(self.width())
        if height != self.minimumHeight():
            self.setMinimumHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_height()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # a child's size changed (font, text)
            self.fit_height()
        return handled


class Legend(FlowRow):
    """A chart's legend: one label per entry, wrapping only between entries.

    Parameters
    ----------
    name : str
        Object name; entry ``i`` is named ``{name}_{i}``.
    """

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, spacing=(12, 0), parent=parent)
        self._entries: list[Entry] = []
        self._labels: list[QLabel] = []

    def set_entries(self, entries: Sequence[Entry]) -> None:
        """Show these entries (labels are reused; nothing happens if they are unchanged)."""
        entries = list(entries)
        if entries == self._entries:
            return
        self._entries = entries
        while len(self._labels) < len(entries):
            label = QLabel(self)
            label.setObjectName(f"{self.objectName()}_{len(self._labels)}")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setStyleSheet("font-size: 8.5pt;")
            self.flow.addWidget(label)
            self._labels.append(label)
        for i, label in enumerate(self._labels):
            if i < len(entries):
                label.setText(entry_html(*entries[i]))
                label.setAccessibleName(entries[i][0])
                label.show()
            else:
                label.hide()
        self.flow.invalidate()
        self.fit_height()

    def entries(self) -> list[Entry]:
        """The entries shown, in order."""
        return list(self._entries)

    def labels(self) -> list[QLabel]:
        """The label of every entry shown, in order."""
        return self._labels[:len(self._entries)]

    def text(self) -> str:
        """Every entry's name, in order, separated by three spaces."""
        return "   ".join(name for name, _, _ in self._entries)

"""Side panels as docks whose title wraps instead of being cut.

Qt draws a dock's title on one line and shortens it with "…" when the dock is
narrow ("What changed vs Lithium squeeze" in a 170 px panel). :class:`DockTitleBar`
is the title bar of every side panel: the title wraps onto a second line, and
the float and close buttons sit beside it. Dragging the title moves the dock
and a double click floats it, as with Qt's own title bar (the label leaves
mouse events to the dock).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QToolButton,
    QWidget,
)


class DockTitleBar(QWidget):
    """The title bar of a side panel: a wrapping title, float and close buttons."""

    def __init__(self, dock: QDockWidget) -> None:
        super().__init__(dock)
        self.setObjectName(f"{dock.objectName()}_title")
        self._dock = dock
        self.label = QLabel(dock.windowTitle())
        self.label.setObjectName(f"{dock.objectName()}_title_label")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        style = self.style()
        self.float_button = self._button(style.standardIcon(
            QStyle.StandardPixmap.SP_TitleBarNormalButton), "float",
            f"Float or dock the {dock.windowTitle()} panel")
        self.float_button.clicked.connect(lambda: dock.setFloating(not dock.isFloating()))
        self.close_button = self._button(style.standardIcon(
            QStyle.StandardPixmap.SP_TitleBarCloseButton), "close",
            f"Close the {dock.windowTitle()} panel (the View menu brings it back)")
        self.close_button.clicked.connect(dock.close)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.float_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        dock.windowTitleChanged.connect(self._on_title)

    def _button(self, icon, name: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(f"{self._dock.objectName()}_{name}")
        button.setIcon(icon)
        button.setIconSize(QSize(12, 12))
        button.setAutoRaise(True)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the View menu does it by keyboard
        return button

    def _on_title(self, title: str) -> None:
        self.label.setText(title)
        self.updateGeometry()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        margins = self.layout().contentsMargins()
        buttons = self.float_button.sizeHint().width() + self.close_button.sizeHint().width()
        room = max(width - buttons - margins.left() - margins.right() - 4, 20)
        text = self.label.heightForWidth(room)
        return max(text, self.close_button.sizeHint().height()) + margins.top() + margins.bottom()

    def sizeHint(self) -> QSize:
        width = max(self.width(), 120)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(80, self.heightForWidth(max(self.width(), 80)))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.height() != self.heightForWidth(self.width()):
            self.updateGeometry()  # the title now takes another number of lines


def dock(name: str, title: str, widget: QWidget, parent: QWidget) -> QDockWidget:
    """A side panel holding ``widget``: closable, movable, floatable, with a wrapping title."""
    panel = QDockWidget(title, parent)
    panel.setObjectName(name)
    panel.setWidget(widget)
    panel.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                      | QDockWidget.DockWidgetFeature.DockWidgetMovable
                      | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
    panel.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea
                          | Qt.DockWidgetArea.RightDockWidgetArea)
    panel.setTitleBarWidget(DockTitleBar(panel))
    return panel

"""The status bar: messages, the file, versions and timing side by side, never on top of
each other.

Qt's status bar paints a temporary message over the area of its normal
widgets and does not shorten them, so a long message or a long path ran into
the permanent widgets. Here every part is a laid-out label that shortens its
own text with "…" (the whole text in its tooltip): the message on the left,
then the file, the versions and the recompute time. ``showMessage``,
``clearMessage`` and ``currentMessage`` work as in any status bar; the bar
only draws the message in its own label.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QSizePolicy,
    QStatusBar,
    QStyle,
    QStyleOption,
    QStylePainter,
    QWidget,
)

#: Narrowest an elided label becomes [px]; "…" and a few characters still show.
ELIDED_MIN_WIDTH = 60


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" to its width; the tooltip has it all.

    Parameters
    ----------
    mode : Qt.TextElideMode
        Where the text is shortened (the middle suits paths).
    """

    def __init__(self, text: str = "", mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(ELIDED_MIN_WIDTH)
        self.set_full_text(text)

    def full_text(self) -> str:
        """The whole text, before shortening."""
        return self._full

    def set_full_text(self, text: str) -> None:
        """Show ``text``, shortened to the label's width if it does not fit."""
        self._full = text
        self.setToolTip(text if text else "")
        self.setAccessibleName(text)
        self._elide()
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 8, hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(ELIDED_MIN_WIDTH, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = max(0, self.contentsRect().width())
        shown = self.fontMetrics().elidedText(self._full, self._mode, room)
        if shown != self.text():
            super().setText(shown)


class StatusBar(QStatusBar):
    """A status bar whose message, file name, versions and timing never overlap.

    Attributes
    ----------
    message : ElidedLabel
        The temporary message (``showMessage``), hidden when there is none.
    file : ElidedLabel
        The scenario's file (shortened in the middle).
    version, timing : QLabel
        Versions of the format, model and application; the last recompute time.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_bar")
        self.message = ElidedLabel()
        self.message.setObjectName("status_message")
        self.message.hide()
        self.file = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.file.setObjectName("status_file")
        self.version = QLabel()
        self.version.setObjectName("status_version")
        self.timing = QLabel()
        self.timing.setObjectName("status_timing")
        self.timing.setMinimumWidth(self.timing.fontMetrics().horizontalAdvance(
            "recomputed in 000.0 ms") + 8)
        # All parts are permanent widgets: Qt hides normal ones under a message and paints
        # the message over what remains; here the layout gives each part its own room.
        self.addPermanentWidget(self.message, 3)
        self.addPermanentWidget(self.file, 2)
        self.addPermanentWidget(self.version)
        self.addPermanentWidget(self.timing)
        self.messageChanged.connect(self._on_message)

    def _on_message(self, text: str) -> None:
        self.message.set_full_text(text)
        self.message.setVisible(bool(text))

    def paintEvent(self, event: QPaintEvent) -> None:
        # As QStatusBar draws its items' frames, but never the message text: that text is
        # in its own label, and QStatusBar would draw it again under the other labels.
        painter = QStylePainter(self)
        option = QStyleOption()
        option.initFrom(self)
        for part in (self.message, self.file, self.version, self.timing):
            if part.isVisible():
                option.rect = part.geometry().adjusted(-1, -1, 1, 1)
                painter.drawPrimitive(QStyle.PrimitiveElement.PE_FrameStatusBarItem, option)

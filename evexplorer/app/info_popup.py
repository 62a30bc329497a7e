"""The information popup of a lever: description, range, default and source, with a link.

A tooltip cannot be clicked, so the **i** button opens this small popup
instead: its source citation is a link to the publisher's page where the
reference data gives one (``url`` in the sources table), opened in the
system's browser. The keyboard reaches the link (Tab) and opens it (Enter);
Escape closes the popup.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

#: Width of the popup's text [px].
TEXT_WIDTH = 360


def open_link(url: str) -> bool:
    """Open a web address in the system's browser; True if it was handed over."""
    return QDesktopServices.openUrl(QUrl(url))


class InfoPopup(QFrame):
    """A popup that shows rich text with clickable links next to a widget.

    Other sections (say, a lever's uncertainty) can be added to :attr:`body`
    below the text.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("lever_info_popup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#lever_info_popup { background: palette(tooltip-base); "
                           "border: 1px solid #A0A0A0; }")
        self.text = QLabel()
        self.text.setObjectName("lever_info_text")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setFixedWidth(TEXT_WIDTH)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.setOpenExternalLinks(False)  # links go through open_link
        self.text.linkActivated.connect(lambda url: open_link(url))
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(8, 6, 8, 6)
        self.body.addWidget(self.text)

    def show_text(self, html: str, anchor: QWidget) -> None:
        """Show ``html`` below ``anchor`` (above it if the screen has no room below)."""
        self.text.setText(html)
        self.text.setAccessibleName(self.text.text())
        self.adjustSize()
        below = anchor.mapToGlobal(QPoint(0, anchor.height()))
        screen = anchor.screen().availableGeometry()
        x = min(max(below.x() - self.width() + anchor.width(), screen.left()),
                screen.right() - self.width())
        y = below.y() if below.y() + self.height() <= screen.bottom() else \
            anchor.mapToGlobal(QPoint(0, 0)).y() - self.height()
        self.move(x, max(y, screen.top()))
        self.show()
        self.text.setFocus(Qt.FocusReason.PopupFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

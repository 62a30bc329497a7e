"""The information panel of a lever (its **i** button): what it is, where its number comes
from, and, for numbers, its uncertainty, editable.

A small popup next to the button: the lever's description, range, default and
source (:func:`evexplorer.app.levers.info_html`, links open in the browser) and
the :class:`~evexplorer.app.uncertainty_editor.LeverUncertaintyEditor` with
why the default uncertainty is what it is. Escape or a click elsewhere closes
it; every edit in it is one step of Edit ▸ Undo (Ctrl+Z works inside it too).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from ..model import Parameter
from ..session import Session
from . import info_popup
from .uncertainty_editor import LeverUncertaintyEditor

#: Width of the panel [px].
WIDTH = 380


def default_note(name: str) -> str:
    """Why the lever's default uncertainty is what it is, with its source (rich text)."""
    from ..analysis.uncertainty import load_defaults

    defaults = load_defaults()
    note = html.escape(defaults.notes.get(name, ""))
    source = defaults.sources.get(name)
    if source is not None:
        note += f"<br><i>Source:</i> {html.escape(source.describe())}"
    return f"<b>Default uncertainty:</b> {note}" if note else ""


class LeverInfoPopup(QFrame):
    """The information panel of one lever (see the module's description).

    Parameters
    ----------
    param : Parameter
        The lever.
    session : Session
        Whose uncertainty the panel edits.
    info : str
        The lever's description, range, default and source (rich text).
    """

    def __init__(self, param: Parameter, session: Session, info: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName(f"{param.name}__info_panel")
        self.setAccessibleName(f"About {param.label}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFixedWidth(WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.info = QLabel(info)
        self.info.setObjectName(f"{param.name}__info_text")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        # The source is a link to the publisher's page; it opens in the system's browser.
        self.info.setOpenExternalLinks(False)
        self.info.linkActivated.connect(lambda url: info_popup.open_link(url))
        self.info.setAccessibleName(self.info.text())
        #: The description's label (the same as :attr:`info`).
        self.text = self.info
        layout.addWidget(self.info)
        self.editor: LeverUncertaintyEditor | None = None
        from ..analysis.uncertainty import TIME_AXIS

        if param.numeric and param.name not in TIME_AXIS:
            self.editor = LeverUncertaintyEditor(param.name, session, self)
            self.editor.changed.connect(self.fit)
            layout.addWidget(self.editor)
            note = QLabel(default_note(param.name))
            note.setObjectName(f"{param.name}__uncertainty_default")
            note.setWordWrap(True)
            note.setTextFormat(Qt.TextFormat.RichText)
            note.setStyleSheet("color: #505050;")
            layout.addWidget(note)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        # The panel holds the keyboard while open: Edit ▸ Undo and Redo work from it too.
        QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self, session.undo)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Redo), self, session.redo)

    def fit(self) -> None:
        """Take the height the wrapped texts need at the panel's width."""
        layout = self.layout()
        layout.activate()
        height = layout.totalHeightForWidth(WIDTH) if layout.hasHeightForWidth() else -1
        self.resize(WIDTH, max(height, layout.totalMinimumSize().height()))

    def show_at(self, anchor: QWidget) -> None:
        """Show the panel below ``anchor``, kept on its screen, and focus its first field."""
        self.fit()
        point = anchor.mapToGlobal(QPoint(0, anchor.height()))
        screen = anchor.screen().availableGeometry()
        x = min(max(point.x(), screen.left()), screen.right() - self.width())
        y = point.y() if point.y() + self.height() <= screen.bottom() else \
            max(screen.top(), point.y() - anchor.height() - self.height())
        self.move(x, y)
        self.show()
        if self.editor is not None:
            self.editor.uncertain.setFocus(Qt.FocusReason.PopupFocusReason)

"""The user guide inside the application (Help ▸ User Guide, F1), read offline.

The guide is the Markdown file ``docs/user-guide.md``. The installed
application carries it among its resources (``resources/user-guide.md``);
a source checkout reads it from ``docs/``. It is shown in a window beside the
explorer, with its sections listed for quick jumps; links to web pages open in
the system's browser.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .._resources import resources_dir
from .info_popup import open_link

GUIDE_NAME = "user-guide.md"
#: Size of the guide's window, shrunk to the screen if it is smaller [px].
GUIDE_SIZE = QSize(900, 700)


def user_guide_path() -> Path:
    """The user guide's file: among the installed resources, else in the checkout's ``docs/``.

    Raises
    ------
    FileNotFoundError
        With one sentence naming where it was looked for.
    """
    candidates = [resources_dir() / GUIDE_NAME, resources_dir().parent / "docs" / GUIDE_NAME]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("The user guide is missing from this installation (looked for "
                            f"{' and '.join(str(c) for c in candidates)}).")


class UserGuide(QDialog):
    """The user guide: its sections on the left, the text on the right.

    Raises
    ------
    OSError
        If the guide's file cannot be found or read (one sentence).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("user_guide_window")
        self.setWindowTitle("EV Explorer — User Guide")
        self.setModal(False)
        text = user_guide_path().read_text(encoding="utf-8")
        self.browser = QTextBrowser()
        self.browser.setObjectName("user_guide")
        self.browser.setAccessibleName("User guide")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._on_link)
        self.browser.setMarkdown(text)
        self.sections = QListWidget()
        self.sections.setObjectName("user_guide_sections")
        self.sections.setAccessibleName("Sections of the user guide")
        for title, position in self.headings():
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, position)
            self.sections.addItem(item)
        self.sections.itemActivated.connect(self._go_to)
        self.sections.itemClicked.connect(self._go_to)
        self.sections.setMaximumWidth(260)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.sections)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(GUIDE_SIZE.boundedTo(screen.size() * 0.9))

    def headings(self) -> list[tuple[str, int]]:
        """The guide's section headings (level 1 and 2) with their positions in the text."""
        found = []
        block = self.browser.document().begin()
        while block.isValid():
            level = block.blockFormat().headingLevel()
            if level in (1, 2) and block.text().strip():
                indent = "" if level == 1 else "    "
                found.append((indent + block.text().strip(), block.position()))
            block = block.next()
        return found

    def go_to(self, title: str) -> None:
        """Scroll the text to the section called ``title``."""
        for i in range(self.sections.count()):
            item = self.sections.item(i)
            if item.text().strip() == title:
                self.sections.setCurrentItem(item)
                self._go_to(item)
                return
        raise KeyError(f"no section {title!r} in the user guide")

    def _go_to(self, item: QListWidgetItem) -> None:
        cursor = QTextCursor(self.browser.document())
        cursor.setPosition(int(item.data(Qt.ItemDataRole.UserRole)))
        self.browser.setTextCursor(cursor)
        # Put the heading at the top: scroll to the end first, then back to it.
        self.browser.verticalScrollBar().setValue(self.browser.verticalScrollBar().maximum())
        self.browser.ensureCursorVisible()

    def _on_link(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            open_link(url.toString())

"""The offer to restore unsaved work that an earlier run left behind: a banner, never modal.

The banner spans the top of a window, names each piece of work (title, file,
when it was kept) and offers Restore, Discard… (asks first) and Later (the
copies stay and are offered at the next start).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from ..recovery import RecoveryCopy

#: Most pieces of work named in the banner's text; the rest are counted (the tooltip names all).
_NAMED = 2
#: Longest title shown in the banner's text [characters]; longer ones end in "…".
_TITLE_CHARS = 40


def local_time(saved_at: str, now: datetime | None = None) -> str:
    """When a copy was kept, in local time: ``14:32`` today, else ``2025-11-23 14:32``."""
    try:
        stamp = datetime.strptime(saved_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return saved_at
    local = stamp.astimezone()
    today = (now or datetime.now().astimezone()).date()
    return local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")


def describe(copy: RecoveryCopy) -> str:
    """One piece of work for people: ``“Lithium squeeze” (squeeze.evx, 14:32)``."""
    text = copy.title if len(copy.title) <= _TITLE_CHARS else \
        copy.title[:_TITLE_CHARS - 1].rstrip() + "…"
    title = f"“{text}”" if text else "an untitled scenario"
    where = Path(copy.original).name if copy.original else "never saved"
    return f"{title} ({where}, {local_time(copy.saved_at)})"


def offer_text(copies: Sequence[RecoveryCopy]) -> str:
    """The banner's sentence."""
    named = ", ".join(describe(c) for c in copies[:_NAMED])
    more = len(copies) - _NAMED
    if more > 0:
        named += f" and {more} more"
    if len(copies) == 1:
        return f"EV Explorer closed before this work was saved: {named}. Restore it?"
    return (f"EV Explorer closed before {len(copies)} pieces of work were saved: {named}. "
            "Restore them?")


class RecoveryBanner(QFrame):
    """Offers to restore recovery copies left by an earlier run.

    Parameters
    ----------
    copies : sequence of RecoveryCopy
        The copies offered, newest first.
    restore : callable
        Called with the copies when the user chooses Restore.
    discard : callable
        Called with the copies when the user confirms Discard.
    parent : QWidget, optional
    """

    def __init__(self, copies: Sequence[RecoveryCopy],
                 restore: Callable[[list[RecoveryCopy]], None],
                 discard: Callable[[list[RecoveryCopy]], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recovery_banner")
        self.copies = list(copies)
        self._restore, self._discard = restore, discard
        self.setStyleSheet("QFrame#recovery_banner { background: #E8F1FB; "
                           "border: 1px solid #7FA7D9; }")
        self.text = QLabel(offer_text(self.copies))
        self.text.setObjectName("recovery_text")
        self.text.setWordWrap(True)
        self.text.setToolTip("\n".join(
            f"{describe(c)}: kept in {c.path}" for c in self.copies))
        self.restore_button = QPushButton("&Restore")
        self.restore_button.setObjectName("recovery_restore")
        self.restore_button.setToolTip("Open the work as unsaved changes, each in its own "
                                       "window; Save writes it to its original file")
        self.discard_button = QPushButton("&Discard…")
        self.discard_button.setObjectName("recovery_discard")
        self.discard_button.setToolTip("Delete the recovery copies (asks first)")
        self.later_button = QPushButton("&Later")
        self.later_button.setObjectName("recovery_later")
        self.later_button.setToolTip("Hide this; the work is offered again at the next start "
                                     "('evexplorer recover --list' lists it)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.text, 1)
        for button in (self.restore_button, self.discard_button, self.later_button):
            layout.addWidget(button)
        self.restore_button.clicked.connect(self._on_restore)
        self.discard_button.clicked.connect(self._on_discard)
        self.later_button.clicked.connect(self._close)

    def _on_restore(self) -> None:
        self._close()
        self._restore(self.copies)

    def _on_discard(self) -> None:
        count = len(self.copies)
        answer = QMessageBox.question(
            self, "Discard unsaved work",
            f"Delete the recovery {'copy' if count == 1 else f'copies of {count} scenarios'}? "
            "This work cannot be brought back.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Discard:
            self._close()
            self._discard(self.copies)

    def _close(self) -> None:
        self.hide()
        self.deleteLater()

"""Links in the lever information: opened in the system's browser.

A tooltip cannot be clicked, so the **i** button of a lever opens a small
popup instead (:class:`evexplorer.app.lever_info.LeverInfoPopup`): its source
citation is a link to the publisher's page where the reference data gives one
(``url`` in the sources table). The keyboard reaches the link (Tab) and opens
it (Enter); Escape closes the popup.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices


def open_link(url: str) -> bool:
    """Open a web address in the system's browser; True if it was handed over."""
    return QDesktopServices.openUrl(QUrl(url))

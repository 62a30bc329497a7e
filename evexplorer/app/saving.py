"""What the window asks and says when a save cannot simply go ahead."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

#: The answers of :func:`ask_changed_on_disk`.
OVERWRITE, SAVE_AS, CANCEL = "overwrite", "save-as", "cancel"


def ask_changed_on_disk(parent: QWidget | None, text: str) -> str:
    """Ask what to do about a file that changed on disk since it was opened.

    Parameters
    ----------
    parent : QWidget
        The window.
    text : str
        The sentence that says what happened to the file.

    Returns
    -------
    str
        :data:`OVERWRITE` (replace the file with this scenario), :data:`SAVE_AS`
        (keep it and choose another name) or :data:`CANCEL` (the default for
        Escape; nothing is saved).
    """
    box = QMessageBox(QMessageBox.Icon.Warning, "File changed on disk", text,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("changed_on_disk")
    box.setInformativeText("Overwrite it with this scenario (the other version is lost), save "
                           "this scenario under another name, or cancel?")
    overwrite = box.addButton("&Overwrite", QMessageBox.ButtonRole.DestructiveRole)
    overwrite.setObjectName("changed_on_disk_overwrite")
    save_as = box.addButton("Save &As…", QMessageBox.ButtonRole.AcceptRole)
    save_as.setObjectName("changed_on_disk_save_as")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setObjectName("changed_on_disk_cancel")
    box.setDefaultButton(save_as)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is overwrite:
        return OVERWRITE
    if clicked is save_as:
        return SAVE_AS
    return CANCEL


def unexpected_failure_text(path: str, exc: BaseException) -> str:
    """One sentence for a save that failed in an unforeseen way: the work is still there."""
    detail = " ".join(str(exc).split())[:200]
    return (f"Could not save '{Path(path).name}' because of an unexpected error in EV Explorer "
            f"({type(exc).__name__}{': ' + detail if detail else ''}); nothing was saved and "
            "your changes are still here.")

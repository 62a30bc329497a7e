"""The dialog that picks the reference: the current scenario, the baseline, a preset or a file."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..session import BASELINE, NamedScenario, Session

#: What a choice in the list stands for (its item data).
CURRENT, BASELINE_CHOICE, FILE = "current", "baseline", "file"


class ReferenceDialog(QDialog):
    """A list of the scenarios that can become the reference.

    The window reads :meth:`choice` once the dialog is accepted: a scenario,
    or ``None`` when the user chose to pick a file.

    Parameters
    ----------
    session : Session
        Its current scenario and reference are offered and named.
    presets : sequence of NamedScenario
        The shipped presets.
    """

    def __init__(self, session: Session, presets: Sequence[NamedScenario],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reference_dialog")
        self.setWindowTitle("Set reference")
        self._session = session
        self._presets = {f"preset:{i}": p for i, p in enumerate(presets)}
        reference = session.reference
        now = "the baseline" if reference.is_baseline else f"“{reference.title}”"
        intro = QLabel(f"Measure the scenario against (now {now}):")
        intro.setWordWrap(True)
        self.choices = QListWidget()
        self.choices.setObjectName("reference_choices")
        self.choices.setAccessibleName("Scenario to use as the reference")
        self.choices.setWordWrap(True)
        self.choices.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        intro.setBuddy(self.choices)
        current = session.current_scenario()
        self._add(f"The current scenario as it is now: “{current.title}”", CURRENT,
                  "Copies today's lever values; later changes are measured against them")
        self._add("Baseline: every lever at its default", BASELINE_CHOICE, "")
        for key, preset in self._presets.items():
            self._add(f"Preset: {preset.title}", key, preset.path or "")
        self._add("A scenario file…", FILE, "Choose an .evx file")
        self.choices.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("reference_buttons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.choices.itemActivated.connect(lambda item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.choices, 1)
        layout.addWidget(buttons)
        self.resize(460, 340)

    def _add(self, text: str, key: str, tip: str) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, key)
        if tip:
            item.setToolTip(tip)
        self.choices.addItem(item)

    def choice(self) -> NamedScenario | None:
        """The chosen scenario; None for "a scenario file…" (the window then asks which)."""
        item = self.choices.currentItem()
        key = item.data(Qt.ItemDataRole.UserRole) if item is not None else CURRENT
        if key == CURRENT:
            return self._session.current_scenario()
        if key == BASELINE_CHOICE:
            return BASELINE
        if key == FILE:
            return None
        return self._presets[key]

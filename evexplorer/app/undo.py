"""Undo commands: every change of levers goes through one of these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtGui import QUndoCommand

from .state import ScenarioState


class SetValuesCommand(QUndoCommand):
    """Set levers (or title/author/notes) from old to new values.

    Parameters
    ----------
    state : ScenarioState
        The scenario.
    old, new : Mapping[str, object]
        Values before and after, for the same names.
    text : str
        What the Edit menu shows ("Undo Change lithium price").
    applied : bool
        True if ``new`` is already in the state (a slider drag applies its
        values live); the first redo then does nothing.
    """

    def __init__(self, state: ScenarioState, old: Mapping[str, Any], new: Mapping[str, Any],
                 text: str, applied: bool = False) -> None:
        super().__init__(text)
        self._state = state
        self._old = dict(old)
        self._new = dict(new)
        self._skip_redo = applied

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._state.update(self._new)

    def undo(self) -> None:
        self._state.update(self._old)

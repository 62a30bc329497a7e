"""The one exception of the scenario-file layer."""

from __future__ import annotations


class ScenarioFileError(Exception):
    """A scenario file that cannot be opened or saved.

    ``str(exc)`` is one sentence meant for the user (no traceback, no HDF5
    jargon); :attr:`code` is a short stable identifier of the reason, for
    programs and tests, e.g. ``"external-link"`` or ``"newer-version"``.

    Parameters
    ----------
    message : str
        The sentence shown to the user.
    code : str
        Machine-readable reason.
    """

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(message)
        self.code = code

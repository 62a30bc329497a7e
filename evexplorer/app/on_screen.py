"""What the window shows, as an export :class:`~evexplorer.export.Snapshot`.

Every export of the window (workbook, IAMC, JSON, chart files, the PDF report)
writes one snapshot of the session, so that each says the same thing:

- the **results shown** (``session.shown``): the numbers stored in the opened
  file while the window shows them, else this version's computation; with
  stored numbers, the series the file lacks are named as computed;
- the scenario's texts and file; when the scenario is saved and unchanged, its
  file is read again (in the isolated reader) for the versions that wrote it,
  whether its checksum matches and the SHA-256 of its bytes; a scenario with
  unsaved changes says so instead;
- the **reference** and its results, as the ghost curves show them;
- **bands**, **targets** and **drivers** when the session has them: bands from
  ``session.bands`` (an :class:`evexplorer.analysis.bands.Bands` or an
  :class:`evexplorer.export.Bands`), the user's targets (``session.targets``)
  checked against the results shown with the built-in ones that can be
  evaluated (the built-in ones alone if a user record is invalid), and
  drivers from ``session.drivers`` (plain records).

No Qt here: tested with a plain session.
"""

from __future__ import annotations

from typing import Any

from .. import scenario
from ..analysis.targets import TargetError
from ..export.report import target_rows
from ..export.snapshot import Bands, Reference, ScenarioInfo, Snapshot
from ..session import Session, canonical_levers, same_levers


def file_document(session: Session) -> scenario.ScenarioDocument | None:
    """The session's file as it is on disk, when it holds the levers on screen.

    It is read (in the isolated reader) when the scenario is saved and
    unchanged, or while the window shows the file's stored numbers. Returns
    None for an untitled scenario, changed levers, a file that cannot be read
    any more or one whose levers differ from the session's (changed on disk).
    """
    if session.path is None or (session.modified and not session.showing_stored):
        return None
    try:
        document = scenario.open_scenario(session.path, isolated=True)
    except scenario.ScenarioFileError:
        return None
    if not same_levers(canonical_levers(document.parameters), session.values):
        return None
    return document


def _bands(session: Session, snapshot_years: Any) -> Bands | None:
    bands = getattr(session, "bands", None)
    if bands is None:
        return None
    if not isinstance(bands, Bands):
        bands = Bands.from_analysis(bands)
    n_years = len(snapshot_years)
    if any(band.shape[1] != n_years for band in bands.series.values()):
        return None  # bands of other years (being recomputed): not shown with these numbers
    return bands


def reference_title(session: Session) -> str:
    """How exports name the session's reference: ``"Baseline"`` or its title."""
    reference = session.reference
    if reference.is_baseline:
        return "Baseline"
    return " ".join(reference.title.split()) or "Reference"


def snapshot_of(session: Session, document: scenario.ScenarioDocument | None = None
                ) -> Snapshot:
    """The snapshot of what the window shows.

    Parameters
    ----------
    session : Session
        The window's session.
    document : ScenarioDocument, optional
        The session's file as on disk (:func:`file_document`): its versions,
        checksum and SHA-256 describe the scenario if it has no unsaved changes;
        without it the snapshot names the file only.

    Returns
    -------
    Snapshot
    """
    shown = session.shown
    info = ScenarioInfo(file=session.path, title=session.get("title"),
                        author=session.get("author"), notes=session.get("notes"),
                        created=session.created, unsaved=session.path is not None
                        and session.modified)
    computed: tuple[str, ...] = ()
    if document is not None and not session.modified:
        info = ScenarioInfo.from_document(document)
    if document is not None:
        stored = document.results
        if session.showing_stored and stored is not None:
            computed = tuple(n for n in (*shown.series, *shown.scalars)
                             if n not in stored.series and n not in stored.scalars)
    valid = {*shown.series}
    bands = _bands(session, shown.years)
    if bands is not None and not set(bands.series) <= valid:
        bands = None
    try:
        targets = target_rows(shown, session.targets)
    except TargetError:  # a record the targets view would not have let through
        targets = target_rows(shown)
    return Snapshot(
        results=shown, info=info, stored=session.showing_stored, computed=computed,
        reference=Reference(reference_title(session), session.reference_results),
        bands=bands,
        targets=targets,
        drivers=tuple(getattr(session, "drivers", None) or ()),
    )

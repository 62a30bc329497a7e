"""What an opened scenario file holds, and how to describe it to people."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np

from ..model import registry
from ._files import FileFingerprint

#: Relative and absolute tolerance of :func:`compare_with_model`.
RTOL = 1e-9
ATOL = 1e-12


@dataclass(frozen=True, eq=False)
class StoredResults:
    """The results saved in a file: the sender's numbers, whatever the model says now.

    Attributes
    ----------
    years : numpy.ndarray
        Calendar years, shape (n_years,) [year].
    series : Mapping[str, numpy.ndarray]
        Every series the file holds, shape (n_years,), read-only. A file from an
        older version may lack series that this version computes.
    units : Mapping[str, str]
        Unit of every series and scalar, as stored in the file.
    scalars : Mapping[str, object]
        Single-number outputs; year counts and years are ``int`` (``None`` for
        "never"), the others ``float``.
    """

    years: np.ndarray
    series: Mapping[str, np.ndarray]
    units: Mapping[str, str]
    scalars: Mapping[str, object]


@dataclass(frozen=True, eq=False)
class ScenarioDocument:
    """An opened scenario file.

    Attributes
    ----------
    parameters : Mapping[str, object]
        Every lever by registry name, validated, in its own unit; levers the
        file does not set hold their defaults (and :attr:`warnings` says so).
        ``chemistry_mix`` is a read-only mapping of every chemistry to its share.
    title, author, notes : str
        Free text ("" when absent).
    created, modified : str or None
        ISO 8601 times in UTC, e.g. ``2025-11-23T13:06:00Z``.
    app_version, model_version : str or None
        Versions of EV Explorer and of its model that wrote the file.
    format_version : int
        Format version of the file.
    results : StoredResults or None
        The stored results, or None if the file holds none.
    warnings : tuple of str
        Sentences for the user: unknown levers ignored, missing levers
        defaulted, units assumed, a checksum that does not match or is missing.
    checksum_ok : bool
        True if the file's checksums match its levers, results and optional groups.
    path : str or None
        Absolute path of the file it was read from.
    reference : dict or None
        The scenario the user compares against, ``{"title": str, "parameters":
        {lever: value}}`` (every lever, canonical form), or None if the file
        holds none (see :func:`.extras.canonical_reference`).
    uncertainty : dict or None
        ``{"seed", "levers", "correlations"}`` (see
        :func:`.extras.canonical_uncertainty`), or None if the file holds none.
    targets : list of dict or None
        User targets (see :func:`.extras.canonical_targets`), or None if the
        file holds none.
    fingerprint : FileFingerprint or None
        Size, modification time and SHA-256 of the bytes that were read: pass
        it to ``save_scenario(..., expected=...)`` to refuse overwriting a file
        that changed on disk since.
    checksum : str or None
        The checksum text stored in the file (``sha256:…``), None if it has none.
    checksum_status : {"ok", "mismatch", "missing"}
        Whether the checksums match, do not match, or are missing (a file
        written by a script, say), in which case damage cannot be detected.

    The records are new plain objects, owned by the document's holder.
    """

    parameters: Mapping[str, object]
    title: str
    author: str
    notes: str
    created: str | None
    modified: str | None
    app_version: str | None
    model_version: str | None
    format_version: int
    results: StoredResults | None
    warnings: tuple[str, ...]
    checksum_ok: bool
    path: str | None
    reference: dict[str, Any] | None = None
    uncertainty: dict[str, Any] | None = None
    targets: list[dict[str, Any]] | None = None
    fingerprint: FileFingerprint | None = None
    checksum_status: Literal["ok", "mismatch", "missing"] | None = None
    checksum: str | None = None

    def __post_init__(self) -> None:
        if self.checksum_status is None:
            object.__setattr__(self, "checksum_status",
                               "ok" if self.checksum_ok else "mismatch")


def canonical_lever(name: str, value: Any) -> Any:
    """A lever's value in canonical form (see :func:`evexplorer.model.registry.canonical`)."""
    return registry.canonical(name, value)


def iso_utc(text: str) -> str:
    """Normalise an ISO 8601 time to UTC, e.g. ``2025-11-23T13:06:00Z``.

    A time without a zone is taken as UTC. Raises :class:`ValueError` for
    anything else than an ISO 8601 time.
    """
    if not isinstance(text, str):
        raise ValueError(f"not a time: {text!r}")
    stamp = datetime.fromisoformat(text)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def value_text(name: str, value: Any) -> str:
    """A lever's value for people, with its unit, e.g. ``13,000 USD/t LCE``."""
    return registry.PARAMETERS[name].format_with_unit(value)


def same_value(name: str, a: Any, b: Any) -> bool:
    """True if two values of lever ``name`` are equal (see :func:`.registry.same_value`)."""
    return registry.same_value(name, a, b)


def changed_levers(parameters: Mapping[str, Any]) -> list[str]:
    """Names of the levers whose value differs from the default, in registry order."""
    return [name for name, param in registry.PARAMETERS.items()
            if not same_value(name, parameters[name], param.default)]


def describe(doc: ScenarioDocument, recomputed: Any = None) -> str:
    """Describe a scenario file for people: the text of ``evexplorer info``.

    Parameters
    ----------
    doc : ScenarioDocument
    recomputed : evexplorer.model.Results, optional
        This version's results for ``doc.parameters``; if given, a line says
        whether the stored results agree with them.

    Returns
    -------
    str
        Several lines, without a final newline.
    """
    lines = []
    if doc.path:
        lines.append(f"File:           {doc.path}")
    lines += [
        f"Title:          {doc.title or '(none)'}",
        f"Author:         {doc.author or '(none)'}",
    ]
    if doc.notes:
        notes = doc.notes.splitlines() or [""]
        lines.append(f"Notes:          {notes[0]}")
        lines += [f"                {line}" for line in notes[1:]]
    else:
        lines.append("Notes:          (none)")
    lines += [
        f"Created:        {_time_text(doc.created)}",
        f"Modified:       {_time_text(doc.modified)}",
        f"Written by:     EV Explorer {doc.app_version or '(unknown)'}, model "
        f"{doc.model_version or '(unknown)'}, file format {doc.format_version}",
        "Checksum:       " + CHECKSUM_TEXT[doc.checksum_status],
    ]
    if doc.results is None:
        lines.append("Results:        none stored")
    else:
        years = doc.results.years
        span = f"{int(years[0])}-{int(years[-1])}" if len(years) else "no years"
        lines.append(f"Results:        {len(doc.results.series)} series, {span}")
        if recomputed is not None:
            difference = compare_with_model(doc, recomputed)
            lines.append("                " + (difference or
                                             "They match this version's model."))
            added = _new_series(doc.results, recomputed)
            if added and difference is None:
                lines.append(f"                This version's model also computes "
                             f"{_series_list(added)}, which the file does not hold.")
    changed = changed_levers(doc.parameters)
    if changed:
        lines.append(f"Levers changed from the default ({len(changed)}):")
        width = max(len(n) for n in changed)
        for name in changed:
            default = registry.PARAMETERS[name].default
            lines.append(f"  {name:<{width}}  {value_text(name, doc.parameters[name])}"
                         f"   (default {value_text(name, default)})")
    else:
        lines.append("Levers:         every lever is at its default")
    if doc.warnings:
        lines.append("Warnings:")
        lines += [f"  - {w}" for w in doc.warnings]
    return "\n".join(lines)


#: The checksum line of :func:`describe`, by :attr:`ScenarioDocument.checksum_status`.
CHECKSUM_TEXT: Mapping[str, str] = {
    "ok": "OK",
    "mismatch": "DOES NOT MATCH (damaged or changed after saving)",
    "missing": "none (the file has no checksum, so damage to it cannot be detected)",
}


def _time_text(stamp: str | None) -> str:
    if not stamp:
        return "(unknown)"
    return stamp.replace("T", " ").replace("Z", " UTC")


def compare_with_model(doc: ScenarioDocument, results: Any) -> str | None:
    """Say whether the stored results differ from this version's model.

    Parameters
    ----------
    doc : ScenarioDocument
        An opened file.
    results : evexplorer.model.Results
        ``evaluate(doc.parameters)`` by this version.

    Returns
    -------
    str or None
        None if the file stores no results, or if every stored series equals
        the recomputed one within a relative tolerance of 1e-9 (NaN equals
        NaN); otherwise one sentence naming how many series differ and the
        largest difference, and the series this version adds, if any.

    Notes
    -----
    Only the series that both the file and this version have are compared. A
    file written by an earlier model lacks the series added since: they are
    named as new, not counted as different.
    """
    stored = doc.results
    if stored is None:
        return None
    new_years = np.asarray(results.years)
    if stored.years.shape != new_years.shape or np.any(stored.years != new_years):
        return (f"The stored results cover {_span(stored.years)} but this version's model gives "
                f"{_span(new_years)}; the stored numbers are shown.")
    differing = []
    for name, old in stored.series.items():
        if name not in results.series:
            continue
        new = np.asarray(results.series[name], dtype=float)
        if not np.allclose(new, old, rtol=RTOL, atol=ATOL, equal_nan=True):
            differing.append((_difference_rank(old, new), name, old, new))
    if not differing:
        return None
    _rank, name, old, new = max(differing, key=lambda d: d[0])
    added = _new_series(stored, results)
    added_text = f"; this version also computes {_series_list(added)}" if added else ""
    return (f"The stored results differ from this version's model in {len(differing)} series "
            f"({name}{_difference_text(old, new, stored.units.get(name, ''))}){added_text}; "
            "the stored numbers are shown.")


def _new_series(stored: StoredResults, results: Any) -> list[str]:
    """Series this version computes that the stored results lack, in the model's order."""
    return [name for name in results.series if name not in stored.series]


def _series_list(names: list[str], shown: int = 3) -> str:
    """``"2 new series (a, b)"`` or ``"16 new series (a, b, c, ...)"``."""
    more = ", ..." if len(names) > shown else ""
    return f"{len(names)} new series ({', '.join(names[:shown])}{more})"


def _span(years: np.ndarray) -> str:
    return f"{int(years[0])}-{int(years[-1])}" if len(years) else "no years"


def _difference_rank(old: np.ndarray, new: np.ndarray) -> float:
    """Largest relative difference [fraction]; inf where one side is NaN or the stored is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(new - old) / np.abs(old)
    rel = np.where(np.isnan(old) & np.isnan(new), 0.0, rel)
    rel = np.where(np.isnan(rel), np.inf, rel)
    return float(np.max(rel)) if rel.size else 0.0


def _difference_text(old: np.ndarray, new: np.ndarray, unit: str) -> str:
    """How far apart two versions of a series are, e.g. `` by up to 3.1 %``."""
    if np.any(np.isnan(old) != np.isnan(new)):
        return ", undefined in some years in only one of the two"
    relative = (old != 0) & (new != old)
    if np.any(relative):
        rel = float(np.max(np.abs(new[relative] - old[relative]) / np.abs(old[relative])))
        return f" by up to {100 * rel:.2g} %"
    unit_text = f" {unit}" if unit else ""
    return f" by up to {float(np.max(np.abs(new - old))):.3g}{unit_text}"

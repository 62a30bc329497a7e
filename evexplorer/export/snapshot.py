"""What an export holds: the numbers a user sees and what describes them.

A :class:`Snapshot` is built by the window from its session and by the command
line from a file and ``--set`` values; every writer of this package (CSV, XLSX,
IAMC, JSON, the report's content) takes one, so that a file exported from
either front end says the same thing. It is a frozen value: building it copies
nothing large, and arrays it holds are read-only.

The window builds one in a few lines::

    snapshot = Snapshot(
        results=session.shown,                       # what is on screen
        info=ScenarioInfo(file=session.path, title=session.title,
                          author=session.author, notes=session.notes),
        stored=session.showing_stored,
        reference=Reference(session.reference_title, session.reference_results),
    )
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from .._version import MODEL_VERSION, __version__
from ..model import Results, registry

#: Percentiles of a band when none are given [%].
DEFAULT_PERCENTILES: tuple[float, float, float] = (10.0, 50.0, 90.0)


@dataclass(frozen=True)
class ScenarioInfo:
    """Who made a scenario, when, with which versions, and whether its file is intact.

    Attributes
    ----------
    file : str or None
        Path of the scenario file, None for a scenario never saved.
    title, author, notes : str
        Free text ("" when absent).
    created, modified : str or None
        ISO 8601 times in UTC, as stored in the file.
    checksum : str or None
        The file's checksum (``sha256:`` and 64 hexadecimal digits), when known.
    checksum_ok : bool or None
        Whether the file's checksum matched its content; None without a file.
    app_version, model_version : str or None
        Versions of EV Explorer and of its model that wrote the file.
    format_version : int or None
        Format version of the file.
    file_sha256 : str or None
        SHA-256 of the file's bytes as they were read (lowercase hexadecimal).
    unsaved : bool
        True when the scenario shown has changes that are not saved to
        :attr:`file`: the file's checksum and versions then do not describe it
        (leave them None).
    """

    file: str | None = None
    title: str = ""
    author: str = ""
    notes: str = ""
    created: str | None = None
    modified: str | None = None
    checksum: str | None = None
    checksum_ok: bool | None = None
    app_version: str | None = None
    model_version: str | None = None
    format_version: int | None = None
    file_sha256: str | None = None
    unsaved: bool = False

    @classmethod
    def from_document(cls, document: Any) -> ScenarioInfo:
        """Describe an opened scenario file (an :class:`evexplorer.scenario.ScenarioDocument`)."""
        return cls(
            file=document.path,
            title=document.title,
            author=document.author,
            notes=document.notes,
            created=document.created,
            modified=document.modified,
            checksum=document.checksum,
            checksum_ok=document.checksum_ok,
            app_version=document.app_version,
            model_version=document.model_version,
            format_version=document.format_version,
            file_sha256=getattr(getattr(document, "fingerprint", None), "sha256", None),
        )


@dataclass(frozen=True)
class Reference:
    """The scenario the numbers are compared with (the baseline unless the user chose another).

    Attributes
    ----------
    title : str
        Its name for people, e.g. ``"Baseline"``.
    results : evexplorer.model.Results
        Its single-scenario results, over the same years as the scenario's.
    """

    title: str
    results: Results


@dataclass(frozen=True)
class Bands:
    """Percentile bands of uncertain results.

    Attributes
    ----------
    series : Mapping[str, numpy.ndarray]
        Per series, the percentiles by year, shape (3, n_years), in the series' unit;
        row 0 is the low percentile, row 1 the middle, row 2 the high one.
    percentiles : tuple of three floats
        The percentiles of the three rows, ascending [%], by default 10, 50 and 90.
    scalars : Mapping[str, numpy.ndarray]
        Optionally, the same three percentiles of scalar outputs, shape (3,); NaN
        where the percentile is "never" (e.g. a parity year not reached).
    n_samples : int or None
        Number of samples the bands were computed from, when known.
    """

    series: Mapping[str, np.ndarray]
    percentiles: tuple[float, float, float] = DEFAULT_PERCENTILES
    scalars: Mapping[str, np.ndarray] = field(default_factory=dict)
    n_samples: int | None = None

    def __post_init__(self) -> None:
        p = tuple(float(x) for x in self.percentiles)
        if len(p) != 3 or not all(0.0 < x < 100.0 for x in p) or not p[0] < p[1] < p[2]:
            raise ValueError(f"a band needs three ascending percentiles between 0 and 100, "
                             f"not {self.percentiles!r}")
        object.__setattr__(self, "percentiles", p)
        object.__setattr__(self, "series", _read_only(self.series, 2))
        object.__setattr__(self, "scalars", _read_only(self.scalars, 1))

    @classmethod
    def from_analysis(cls, bands: Any) -> Bands:
        """The P10/P50/P90 of :func:`evexplorer.analysis.compute_bands`'s result.

        Its 10th, 50th and 90th percentiles when it has them, otherwise its
        lowest, middle and highest; "never" (``inf`` there) becomes NaN.

        Parameters
        ----------
        bands : evexplorer.analysis.bands.Bands
            Percentiles of every output over the samples.
        """
        percentiles = [float(p) for p in bands.percentiles]
        if all(p in percentiles for p in DEFAULT_PERCENTILES):
            rows = [percentiles.index(p) for p in DEFAULT_PERCENTILES]
        else:
            rows = [0, len(percentiles) // 2, len(percentiles) - 1]

        def pick(values: Any) -> np.ndarray:
            array = np.asarray(values, dtype=float)[rows]
            return np.where(np.isfinite(array), array, np.nan)

        return cls(series={name: pick(v) for name, v in bands.series.items()},
                   percentiles=tuple(percentiles[r] for r in rows),  # type: ignore[arg-type]
                   scalars={name: pick(v) for name, v in bands.scalars.items()},
                   n_samples=getattr(bands, "n_samples", None))

    def labels(self) -> tuple[str, str, str]:
        """Names of the three rows, e.g. ``("P10", "P50", "P90")``."""
        return tuple(f"P{_percent_text(p)}" for p in self.percentiles)  # type: ignore[return-value]


def _percent_text(p: float) -> str:
    return f"{p:g}"


def _read_only(arrays: Mapping[str, Any], ndim: int) -> Mapping[str, np.ndarray]:
    out = {}
    for name, values in arrays.items():
        array = np.array(values, dtype=float)
        if array.ndim != ndim or array.shape[0] != 3:
            raise ValueError(f"the band of {name} must have 3 rows (low, middle, high); "
                             f"its shape is {array.shape}")
        array.flags.writeable = False
        out[name] = array
    return MappingProxyType(out)


@dataclass(frozen=True)
class Snapshot:
    """Everything an export says about one scenario.

    Attributes
    ----------
    results : evexplorer.model.Results
        The single-scenario results shown: freshly computed, or the file's stored
        numbers (see :attr:`stored`).
    info : ScenarioInfo
        Title, author, notes, file, times, versions and checksum.
    stored : bool
        True if :attr:`results` are the numbers stored in the file rather than
        this version's computation.
    computed : tuple of str
        With stored numbers, the outputs computed by this version because the
        file lacks them (it predates them); empty otherwise.
    reference : Reference or None
        The scenario the results are compared with.
    bands : Bands or None
        Percentile bands of the results, when the scenario is uncertain.
    targets : tuple of Mapping
        Rows describing targets and whether they are met (plain records, e.g.
        ``{"id", "description", "output", "year", "comparison", "required",
        "value", "met"}``), shown as given.
    drivers : tuple of Mapping
        Rows describing the levers that drive an output most (plain records),
        shown as given.
    """

    results: Results
    info: ScenarioInfo = field(default_factory=ScenarioInfo)
    stored: bool = False
    computed: tuple[str, ...] = ()
    reference: Reference | None = None
    bands: Bands | None = None
    targets: tuple[Mapping[str, Any], ...] = ()
    drivers: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if getattr(self.results, "n_samples", None) is not None:
            raise ValueError("an export shows one scenario; these results are a batch of "
                             f"{self.results.n_samples} samples")
        years = np.asarray(self.results.years)
        if self.reference is not None and not np.array_equal(
                np.asarray(self.reference.results.years), years):
            raise ValueError("the reference's results must cover the same years as the "
                             "scenario's")
        if self.bands is not None:
            for name, band in self.bands.series.items():
                if name not in self.results.series:
                    raise ValueError(registry.unknown_name_message(name, self.results.series,
                                                                   "series"))
                if band.shape[1] != years.size:
                    raise ValueError(f"the band of {name} has {band.shape[1]} years, the "
                                     f"results {years.size}")
        object.__setattr__(self, "targets", tuple(MappingProxyType(dict(r))
                                                  for r in self.targets))
        object.__setattr__(self, "drivers", tuple(MappingProxyType(dict(r))
                                                  for r in self.drivers))

    @property
    def name(self) -> str:
        """The scenario's name for people and for the IAMC ``Scenario`` column.

        Its title; else its file name without the folder and suffix; else
        ``"Baseline"`` when every lever is at its default, ``"Scenario"`` otherwise.
        """
        if self.info.title.strip():
            return " ".join(self.info.title.split())
        if self.info.file:
            stem = os.path.splitext(os.path.basename(self.info.file))[0]
            if stem:
                return stem
        return "Baseline" if not changed_levers(self.results.parameters) else "Scenario"

    @property
    def model_version(self) -> str:
        """Version of the model whose numbers are shown."""
        return str(getattr(self.results, "model_version", None) or MODEL_VERSION)

    @property
    def numbers(self) -> str:
        """Where the numbers come from, for people.

        E.g. ``"stored in the file"`` or ``"computed by EV Explorer 0.1.0, model 1.0"``.
        """
        computed = f"EV Explorer {__version__}, model {MODEL_VERSION}"
        if not self.stored:
            return f"computed by {computed}"
        if not self.computed:
            return "stored in the file"
        return (f"stored in the file, except {', '.join(self.computed)}, computed by {computed} "
                "(the file predates them)")


def changed_levers(parameters: Mapping[str, Any],
                   against: Mapping[str, Any] | None = None) -> list[str]:
    """Names of the levers whose value differs, in registry order.

    Parameters
    ----------
    parameters : Mapping[str, object]
        Lever values, each in its own unit.
    against : Mapping[str, object], optional
        The values to compare with; default every lever's default.
    """
    base = against if against is not None else registry.defaults()
    return [name for name in registry.PARAMETERS
            if name in parameters and name in base
            and not registry.same_value(name, parameters[name], base[name])]


def stored_results(document: Any, recomputed: Results) -> tuple[Results | None, tuple[str, ...]]:
    """The results stored in a scenario file, if they can be trusted as they are.

    They are trusted when the file's checksum matches its content, the file
    was written by this version of the model and its years are those of
    ``recomputed``. Series and scalars that the file lacks (it may predate
    them) are then taken from ``recomputed``, as the window shows them.

    Parameters
    ----------
    document : evexplorer.scenario.ScenarioDocument
        An opened file.
    recomputed : evexplorer.model.Results
        This version's results for the file's levers.

    Returns
    -------
    results : evexplorer.model.Results or None
        The stored numbers with the file's lever values, or None if they are not
        trusted (show ``recomputed`` instead).
    filled : tuple of str
        Names of the outputs taken from ``recomputed`` because the file lacks them.
    """
    stored = document.results
    if (stored is None or not document.checksum_ok or document.model_version != MODEL_VERSION
            or not np.array_equal(np.asarray(stored.years), np.asarray(recomputed.years))):
        return None, ()
    series = {name: stored.series.get(name, values) for name, values in recomputed.series.items()}
    scalars = {name: stored.scalars[name] if name in stored.scalars else value
               for name, value in recomputed.scalars.items()}
    units = {**recomputed.units, **stored.units}
    filled = tuple(n for n in (*recomputed.series, *recomputed.scalars)
                   if n not in stored.series and n not in stored.scalars)
    results = Results(years=stored.years, series=MappingProxyType(series),
                      units=MappingProxyType(units), scalars=MappingProxyType(scalars),
                      parameters=MappingProxyType(dict(document.parameters)),
                      model_version=document.model_version)
    return results, filled


def from_document(document: Any, recomputed: Results, *, reference: Reference | None = None,
                  bands: Bands | None = None, targets: Sequence[Mapping[str, Any]] = (),
                  drivers: Sequence[Mapping[str, Any]] = ()) -> Snapshot:
    """What a scenario file shows: its stored numbers when trusted, else ``recomputed``.

    Parameters
    ----------
    document : evexplorer.scenario.ScenarioDocument
        An opened file.
    recomputed : evexplorer.model.Results
        This version's results for the file's levers with any changes the user
        made; when those differ from the file's levers, they are what is shown.
    reference, bands, targets, drivers
        As for :class:`Snapshot`.
    """
    trusted, filled = None, ()
    if not changed_levers(recomputed.parameters, document.parameters):
        trusted, filled = stored_results(document, recomputed)
    return Snapshot(results=trusted if trusted is not None else recomputed,
                    info=ScenarioInfo.from_document(document), stored=trusted is not None,
                    computed=filled, reference=reference, bands=bands, targets=tuple(targets),
                    drivers=tuple(drivers))


def finite_or_none(value: Any) -> float | None:
    """A number as ``float``, or None for None, NaN and infinities."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None

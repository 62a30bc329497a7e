"""What a scenario report says, as data: the Qt renderer lays it out on pages.

:func:`build_report` turns a :class:`~.snapshot.Snapshot` into a
:class:`Report`: title, author, date and notes; the headline figures against
the reference (with the P10–P90 range where there are bands), formatted as the
window's headline cards format them; the charts to draw (by key); the levers
that differ from the reference with both values and the source of each; targets
and drivers; versions and checksum; and the paper size for the user's locale.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._version import __version__
from ..model import PARAMETERS, registry
from ..model.data import load
from ._format import number, signed, value_text
from .snapshot import Snapshot, changed_levers, finite_or_none

#: Territories (ISO 3166 codes) whose usual paper is US Letter; everywhere else uses A4.
#: From the Unicode CLDR supplemental data, ``measurementData/paperSize``.
LETTER_TERRITORIES: frozenset[str] = frozenset(
    "BZ CA CL CO CR GT MX NI PA PH PR SV US VE".split())

#: Charts of the report, by the window's chart key, in reading order.
CHARTS: tuple[str, ...] = ("pack_cost", "vehicle_price", "minerals", "production_emissions",
                           "lifecycle_emissions", "emissions_avoided")


@dataclass(frozen=True)
class Headline:
    """A headline figure, as the window's headline cards show it.

    Attributes
    ----------
    key : str
        The output: a series (read at the chosen year) or a scalar.
    title : str
        Its title on the card.
    unit : str
        Unit shown after the number ("" for a year).
    decimals : int
        Decimals shown.
    lower_is_better : bool
        Whether a fall against the reference is good news.
    is_year : bool
        True for a calendar year (changes are in years).
    series : bool
        True for a series read at the chosen year, False for a scalar.
    """

    key: str
    title: str
    unit: str
    decimals: int = 0
    lower_is_better: bool = True
    is_year: bool = False
    series: bool = True


#: The headline figures, in the order of the window's cards.
HEADLINES: tuple[Headline, ...] = (
    Headline("pack_cost", "Pack cost", "USD/kWh"),
    Headline("cost_parity_year", "Price parity with gasoline", "", is_year=True, series=False),
    Headline("breakeven_distance", "Emissions break-even", "km"),
    Headline("lithium_shortfall", "Lithium shortfall", "kt LCE"),
    Headline("fleet_emissions_avoided", "Avoided by that year's EVs", "Mt CO2e",
             lower_is_better=False),
)


@dataclass(frozen=True)
class HeadlineFigure:
    """One headline figure of a report.

    Attributes
    ----------
    key, title, unit : str
        As in :class:`Headline`.
    year : int or None
        The year a series is read at; None for a scalar.
    value, reference : float or None
        The scenario's and the reference's figure; None for "never" or undefined.
    low, high : float or None
        The band's low and high percentiles, when there are bands.
    text : str
        The figure for people, e.g. ``"108 USD/kWh"``, ``"2031"``, ``"never"``.
    delta_text : str
        Its change against the reference, e.g. ``"−12 USD/kWh vs Baseline"``;
        "" without a reference.
    range_text : str
        E.g. ``"P10–P90: 95–120 USD/kWh"``; "" without bands.
    better : bool or None
        True if the change is good news, False if bad, None if there is none.
    reference_text : str
        The reference's figure for people, as ``text``; "" without a reference.
    """

    key: str
    title: str
    unit: str
    year: int | None
    value: float | None
    reference: float | None
    low: float | None
    high: float | None
    text: str
    delta_text: str
    range_text: str
    better: bool | None
    reference_text: str = ""


@dataclass(frozen=True)
class LeverChange:
    """A lever whose value differs from the reference's.

    Attributes
    ----------
    name, label, unit : str
        From the parameter registry.
    value, reference : object
        Both values, each in the lever's unit.
    value_text, reference_text : str
        Both values for people, with the unit.
    source : str
        Citation of the reference data's value (the default).
    vintage : int
        Year of that source [year].
    """

    name: str
    label: str
    unit: str
    value: Any
    reference: Any
    value_text: str
    reference_text: str
    source: str
    vintage: int


@dataclass(frozen=True)
class Report:
    """Everything a report says, in reading order.

    Attributes
    ----------
    title, author, notes : str
        The scenario's.
    date : datetime.date
        Date of the report.
    paper : {"A4", "Letter"}
        Paper size for the reader's locale.
    year : int
        Year of the headline figures.
    reference_title : str or None
        What the figures are compared with.
    headlines : tuple of HeadlineFigure
    band_text : str
        What the ranges are, e.g. ``"P10–P90 of 1,000 samples"``; "" without bands.
    charts : tuple of str
        Keys of the charts to draw, in order.
    levers : tuple of LeverChange
        The levers that differ from the reference.
    targets, drivers : tuple of Mapping
        Rows as given with the snapshot.
    numbers : str
        Where the numbers come from (the file, or this version's model), as
        :attr:`.Snapshot.numbers` says it.
    versions : tuple of (str, str)
        Labelled versions: this application and model, the file's writer and format.
    file : str or None
        The scenario file.
    checksum : str
        The file's checksum and whether it matched, for people.
    file_sha256 : str or None
        SHA-256 of the file's bytes as they were read, which anyone can check
        with a standard tool (``sha256sum``, ``certutil -hashfile F SHA256``).
    """

    title: str
    author: str
    date: _dt.date
    notes: str
    paper: str
    year: int
    reference_title: str | None
    headlines: tuple[HeadlineFigure, ...]
    band_text: str
    charts: tuple[str, ...]
    levers: tuple[LeverChange, ...]
    targets: tuple[Mapping[str, Any], ...]
    drivers: tuple[Mapping[str, Any], ...]
    numbers: str
    versions: tuple[tuple[str, str], ...]
    file: str | None
    checksum: str
    file_sha256: str | None = None


def paper_size(territory: str | None) -> str:
    """The usual paper size of a territory: ``"Letter"`` or ``"A4"``.

    Parameters
    ----------
    territory : str or None
        An ISO 3166 territory code in capitals (``"US"``, as Qt's
        ``QLocale.territoryToCode`` gives it) or a locale name with one
        (``"en_US"``, ``"es-MX"``, ``"en_CA.UTF-8"``); None, a language alone
        (``"ca"``) or anything unrecognised gives A4.

    >>> paper_size("en_US"), paper_size("fr-CA"), paper_size("de_DE.UTF-8"), paper_size(None)
    ('Letter', 'Letter', 'A4', 'A4')

    References
    ----------
    .. [1] Unicode CLDR, supplemental data, ``measurementData``: ``paperSize``
       (US-Letter territories BZ CA CL CO CR GT MX NI PA PH PR SV US VE; A4 elsewhere).
    """
    if not territory:
        return "A4"
    parts = [p for p in re.split(r"[-_]", territory.split(".")[0].split("@")[0].strip()) if p]
    if len(parts) == 1:
        # A lone code is a territory in capitals ("US"); in lower case it is a language ("ca").
        code = parts[0] if parts[0].isupper() else ""
    else:
        code = next((p.upper() for p in reversed(parts[1:]) if len(p) == 2 and p.isalpha()), "")
    return "Letter" if code in LETTER_TERRITORIES else "A4"


def headline_value(results: Any, headline: Headline, year: int) -> float | None:
    """A headline figure from results: a series at ``year`` or a scalar.

    Parameters
    ----------
    results : evexplorer.model.Results
        Single-scenario results.
    headline : Headline
        Which figure.
    year : int
        Year a series is read at [year]; ignored for a scalar.

    Returns
    -------
    float or None
        The figure in the headline's unit; None when undefined ("never").

    Raises
    ------
    ValueError
        If ``year`` is not among the years of ``results``.
    """
    if headline.series:
        years = np.asarray(results.years)
        i = int(np.searchsorted(years, year))
        if i >= years.size or years[i] != year:
            raise ValueError(f"{year} is not among the years shown "
                             f"({int(years[0])}-{int(years[-1])})")
        return finite_or_none(results.series[headline.key][i])
    return finite_or_none(results.scalars.get(headline.key))


def _figure_text(h: Headline, value: float | None) -> str:
    if value is None:
        return "never" if h.is_year or h.key == "breakeven_distance" else "–"
    if h.is_year:
        return f"{value:.0f}"
    return f"{number(value, h.decimals)} {h.unit}".rstrip()


def _bound_text(h: Headline, value: float | None) -> str:
    if value is None:
        return "never"
    return f"{value:.0f}" if h.is_year else number(value, h.decimals)


def _delta(h: Headline, value: float | None, base: float | None,
           title: str) -> tuple[str, bool | None]:
    if value is None and base is None:
        return f"{title}: never", None
    if value is None or base is None:
        shown = "never" if base is None else (f"{base:.0f}" if h.is_year
                                              else number(base, h.decimals))
        return f"{title}: {shown}", None
    diff = value - base
    if abs(diff) < 0.5 * 10 ** -h.decimals:
        return f"= {title}", None
    unit = " years" if h.is_year else (f" {h.unit}" if h.unit else "")
    return f"{signed(diff, h.decimals)}{unit} vs {title}", (diff < 0) == h.lower_is_better


def _range(h: Headline, snapshot: Snapshot, year: int) -> tuple[float | None, float | None]:
    bands = snapshot.bands
    if bands is None:
        return None, None
    if h.series:
        band = bands.series.get(h.key)
        if band is None:
            return None, None
        i = int(np.searchsorted(np.asarray(snapshot.results.years), year))
        return finite_or_none(band[0, i]), finite_or_none(band[2, i])
    band = bands.scalars.get(h.key)
    if band is None:
        return None, None
    return finite_or_none(band[0]), finite_or_none(band[2])


def headline_figures(snapshot: Snapshot, year: int) -> tuple[HeadlineFigure, ...]:
    """The headline figures of a snapshot, against its reference.

    Parameters
    ----------
    snapshot : Snapshot
    year : int
        Year of the series figures [year].

    Returns
    -------
    tuple of HeadlineFigure
        In the order of :data:`HEADLINES`.
    """
    figures = []
    ref = snapshot.reference
    labels = snapshot.bands.labels() if snapshot.bands is not None else ("", "", "")
    for h in HEADLINES:
        value = headline_value(snapshot.results, h, year)
        base = headline_value(ref.results, h, year) if ref is not None else None
        delta_text, better = _delta(h, value, base, ref.title) if ref is not None else ("", None)
        low, high = _range(h, snapshot, year)
        range_text = ""
        if low is not None or high is not None:
            unit = "" if h.is_year else f" {h.unit}".rstrip()
            range_text = (f"{labels[0]}–{labels[2]}: {_bound_text(h, low)}–"
                          f"{_bound_text(h, high)}{unit}")
        figures.append(HeadlineFigure(
            key=h.key, title=h.title, unit=h.unit, year=year if h.series else None,
            value=value, reference=base, low=low, high=high, text=_figure_text(h, value),
            delta_text=delta_text, range_text=range_text, better=better,
            reference_text=_figure_text(h, base) if ref is not None else ""))
    return tuple(figures)


def lever_changes(snapshot: Snapshot) -> tuple[LeverChange, ...]:
    """The levers that differ from the reference (else from the defaults), with sources.

    Parameters
    ----------
    snapshot : Snapshot

    Returns
    -------
    tuple of LeverChange
        In registry order.
    """
    params = snapshot.results.parameters
    against = (dict(snapshot.reference.results.parameters) if snapshot.reference is not None
               else registry.defaults())
    data = load()
    rows = []
    for name in changed_levers(params, against):
        p = PARAMETERS[name]
        source = data.source(p.source)
        rows.append(LeverChange(
            name=name, label=p.label, unit=p.unit, value=params[name], reference=against[name],
            value_text=value_text(p, params[name]), reference_text=value_text(p, against[name]),
            source=source.citation, vintage=source.vintage))
    return tuple(rows)


def target_rows(results: Any, records: Sequence[Mapping[str, Any]] = ()
                ) -> tuple[dict[str, Any], ...]:
    """The targets a report shows, checked against ``results``.

    The user's targets (``records``) always; the built-in policy targets when
    they can be evaluated (the model computes their series in their year), so
    that a report does not list rules it cannot judge.

    Parameters
    ----------
    results : evexplorer.model.Results
        The numbers shown.
    records : sequence of Mapping
        The user's targets as stored in a scenario file (see
        :meth:`evexplorer.analysis.targets.Target.to_record`).

    Returns
    -------
    tuple of dict
        One checked record per target (:meth:`~evexplorer.analysis.targets.TargetCheck.to_record`:
        the target's keys with ``unit``, ``value``, ``met`` and ``reason``),
        built-in targets first.
    """
    from ..analysis.targets import Target, builtin_targets, check_targets

    builtin = builtin_targets()
    user = [Target.from_record(record) for record in records]
    checks = check_targets(results, [*builtin, *user])
    return tuple(check.to_record() for i, check in enumerate(checks)
                 if i >= len(builtin) or check.met is not None)


def _versions(snapshot: Snapshot) -> tuple[tuple[str, str], ...]:
    info = snapshot.info
    rows = [("EV Explorer", __version__), ("Model of the numbers", snapshot.model_version)]
    if info.file is not None:
        rows.append(("File written by", f"EV Explorer {info.app_version or '(unknown)'}, model "
                                        f"{info.model_version or '(unknown)'}"))
        rows.append(("File format", str(info.format_version or "(unknown)")))
    return tuple(rows)


def _checksum_text(snapshot: Snapshot) -> str:
    info = snapshot.info
    if info.unsaved:
        return "not checked: the scenario has changes that are not saved to its file"
    if info.checksum_ok is None:
        return "not saved to a file"
    status = "verified" if info.checksum_ok else \
        "DOES NOT MATCH: the file was damaged or changed after saving"
    return f"{info.checksum} ({status})" if info.checksum else status


def build_report(snapshot: Snapshot, *, year: int = 2030, territory: str | None = None,
                 date: _dt.date | None = None,
                 charts: Sequence[str] = CHARTS) -> Report:
    """The content of a scenario report.

    Parameters
    ----------
    snapshot : Snapshot
        What the report is about.
    year : int
        Year of the headline figures [year]; it must be one of the years shown.
    territory : str, optional
        The reader's territory or locale name (e.g. ``"en_US"``), for the paper size.
    date : datetime.date, optional
        Date printed on the report; default today.
    charts : sequence of str
        Keys of the charts to include, in order; default :data:`CHARTS`.

    Raises
    ------
    ValueError
        If ``year`` is not among the years shown.
    """
    bands = snapshot.bands
    band_text = ""
    if bands is not None:
        labels = bands.labels()
        band_text = f"{labels[0]}–{labels[2]}" + (f" of {bands.n_samples:,} samples"
                                                  if bands.n_samples else "")
    info = snapshot.info
    return Report(
        title=snapshot.name,
        author=info.author,
        date=date or _dt.date.today(),
        notes=info.notes,
        paper=paper_size(territory),
        year=int(year),
        reference_title=snapshot.reference.title if snapshot.reference is not None else None,
        headlines=headline_figures(snapshot, int(year)),
        band_text=band_text,
        charts=tuple(charts),
        levers=lever_changes(snapshot),
        targets=snapshot.targets,
        drivers=snapshot.drivers,
        numbers=snapshot.numbers,
        versions=_versions(snapshot),
        file=info.file,
        checksum=_checksum_text(snapshot),
        file_sha256=None if info.unsaved else info.file_sha256,
    )

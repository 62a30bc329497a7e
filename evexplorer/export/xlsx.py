"""A scenario as an Excel workbook (openpyxl): results, levers with their sources, bands, About.

Sheets, in order (see ``docs/exports.md``):

``Results``
    One row per series: name, unit, then one column per year.
``Scalars``
    One row per single-number output: name, unit, value (and the reference's
    value, and the band's percentiles, when there are any).
``Parameters``
    One row per lever: name, label, value, unit, default, range, source,
    vintage (and the reference's value).
``Uncertainty``
    Only with bands: one row per series and percentile: name, unit,
    percentile, then one column per year.
``Reference``
    Only with a reference: its series, laid out as ``Results``.
``Targets``, ``Drivers``
    Only when given: their rows as given.
``About``
    File, title, author, notes, versions, times, checksum, and where the numbers
    come from.

Cells hold numbers as numbers at full precision (a display format only rounds
what is shown); undefined values are empty cells. Each sheet's header row (and
its name and unit columns) stays in view while scrolling.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .._version import __version__
from ..model import PARAMETERS, SCALARS
from ..model.data import load
from ._format import value_text
from .snapshot import Snapshot, finite_or_none

#: Widest column, in characters; longer text wraps.
MAX_WIDTH = 60
#: Sheet names, in the order they appear (the optional ones only when they have content).
SHEETS = ("Results", "Scalars", "Parameters", "Uncertainty", "Reference", "Targets", "Drivers",
          "About")


def _cell(value: Any) -> Any:
    """A value as openpyxl stores it: numbers as numbers, NaN and None as an empty cell."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return finite_or_none(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def number_format(values: Iterable[Any]) -> str:
    """A display format that shows about four significant digits of the largest value.

    Parameters
    ----------
    values : iterable of float or None
        A row's numbers; None and NaN are ignored.

    Returns
    -------
    str
        An Excel number format; it changes what is shown, never what is stored.

    >>> number_format([108.2, 95.1]), number_format([0.0123]), number_format([2.5e6])
    ('#,##0.0', '0.0000', '#,##0')
    """
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    if largest >= 1000:
        return "#,##0"
    if largest >= 100 or largest == 0:
        return "#,##0.0"
    if largest >= 1:
        return "0.00"
    return "0.0000"


class _Sheet:
    """Rows appended to one worksheet, with a bold header and widths fitted to the content."""

    def __init__(self, book: Any, title: str, header: Sequence[str], freeze: str = "A2") -> None:
        from openpyxl.styles import Font

        self.ws = book.create_sheet(title)
        self.ws.append(list(header))
        for cell in self.ws[1]:
            cell.font = Font(bold=True)
        self.ws.freeze_panes = freeze
        self.widths = [len(str(h)) for h in header]

    def row(self, values: Sequence[Any], numbers_from: int | None = None) -> None:
        """Append a row; cells from column ``numbers_from`` (0-based) get one display format."""
        cells = [_cell(v) for v in values]
        self.ws.append(cells)
        if numbers_from is not None:
            fmt = number_format(v for v in cells[numbers_from:] if isinstance(v, (int, float)))
            for cell in self.ws[self.ws.max_row][numbers_from:]:
                cell.number_format = fmt
        for i, value in enumerate(cells):
            if value is None:
                continue
            shown = len(f"{value:,.4g}") if isinstance(value, float) else len(str(value))
            if i >= len(self.widths):
                self.widths.append(shown)
            else:
                self.widths[i] = max(self.widths[i], shown)

    def finish(self, wrap: Sequence[int] = ()) -> None:
        """Set the column widths (at most :data:`MAX_WIDTH`), wrapping long text in ``wrap``."""
        from openpyxl.styles import Alignment
        from openpyxl.utils import get_column_letter

        for i, width in enumerate(self.widths):
            self.ws.column_dimensions[get_column_letter(i + 1)].width = min(width + 2, MAX_WIDTH)
        for i in wrap:
            for (cell,) in self.ws.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _series_sheet(book: Any, title: str, results: Any) -> None:
    years = [int(y) for y in results.years]
    sheet = _Sheet(book, title, ["name", "unit", *years], freeze="C2")
    for name, values in results.series.items():
        sheet.row([name, results.units.get(name, ""), *np.asarray(values, float).tolist()],
                  numbers_from=2)
    sheet.finish()


def _scalars_sheet(book: Any, snapshot: Snapshot) -> None:
    results = snapshot.results
    header = ["name", "unit", "value"]
    if snapshot.reference is not None:
        header.append(f"reference: {snapshot.reference.title}")
    bands = snapshot.bands.scalars if snapshot.bands is not None else {}
    if bands:
        header += list(snapshot.bands.labels())
    header.append("meaning")
    sheet = _Sheet(book, "Scalars", header, freeze="C2")
    for name, value in results.scalars.items():
        row = [name, results.units.get(name, ""), value]
        if snapshot.reference is not None:
            row.append(snapshot.reference.results.scalars.get(name))
        if bands:
            band = bands.get(name)
            row += [None] * 3 if band is None else band.tolist()
        out = SCALARS.get(name)
        row.append(f"{out.label}. {out.description}" if out is not None else "")
        sheet.row(row)
    sheet.finish()


def _parameters_sheet(book: Any, snapshot: Snapshot) -> None:
    ref = load()
    header = ["name", "label", "value", "unit", "default", "range", "source", "vintage"]
    reference = snapshot.reference.results.parameters if snapshot.reference else None
    if reference is not None:
        header.append(f"reference: {snapshot.reference.title}")
    sheet = _Sheet(book, "Parameters", header, freeze="B2")
    params = snapshot.results.parameters
    for name, p in PARAMETERS.items():
        source = ref.source(p.source)
        row = [name, p.label, _lever_cell(p, params.get(name)), p.unit, _lever_cell(p, p.default),
               p.range_text(), source.citation, source.vintage]
        if reference is not None:
            row.append(_lever_cell(p, reference.get(name)))
        sheet.row(row)
    sheet.widths[6] = MAX_WIDTH
    sheet.finish(wrap=(6,))


def _lever_cell(param: Any, value: Any) -> Any:
    """A lever's value for a cell: a number for numeric levers, readable text otherwise."""
    if value is None:
        return None
    if param.kind == "mix":
        return value_text(param, value)
    return value


def _bands_sheet(book: Any, snapshot: Snapshot) -> None:
    bands = snapshot.bands
    results = snapshot.results
    years = [int(y) for y in results.years]
    sheet = _Sheet(book, "Uncertainty", ["name", "unit", "percentile", *years], freeze="D2")
    for name, band in bands.series.items():
        for label, values in zip(bands.labels(), band, strict=True):
            sheet.row([name, results.units.get(name, ""), label, *values.tolist()],
                      numbers_from=3)
    sheet.finish()


def _records_sheet(book: Any, title: str, rows: Sequence[Mapping[str, Any]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    sheet = _Sheet(book, title, columns)
    for row in rows:
        sheet.row([row.get(c) for c in columns])
    sheet.finish()


def about_rows(snapshot: Snapshot, exported: datetime | None = None) -> list[tuple[str, Any]]:
    """The ``About`` sheet's rows: what a reader needs to trust and trace the numbers.

    Parameters
    ----------
    snapshot : Snapshot
    exported : datetime, optional
        Time of the export; default now (UTC).
    """
    info = snapshot.info
    exported = exported or datetime.now(UTC)
    if info.unsaved:
        check = "not checked: the scenario has changes that are not saved to its file"
    elif info.checksum_ok is None:
        check = "no file"
    elif info.checksum_ok:
        check = "matches the file's content"
    else:
        check = "does not match: the file was damaged or changed after saving"
    rows: list[tuple[str, Any]] = [
        ("scenario", snapshot.name),
        ("file", info.file or "(not saved)"),
        ("title", info.title),
        ("author", info.author),
        ("notes", info.notes),
        ("created", info.created),
        ("modified", info.modified),
        ("file written by", _written_by(info)),
        ("checksum", info.checksum or ""),
        ("checksum check", check),
        *([("file SHA-256", info.file_sha256)] if info.file_sha256 and not info.unsaved
          else []),
        ("numbers", snapshot.numbers),
        ("reference", snapshot.reference.title if snapshot.reference else "(none)"),
    ]
    if snapshot.bands is not None:
        n = snapshot.bands.n_samples
        rows.append(("bands", ", ".join(snapshot.bands.labels())
                     + (f" of {n:,} samples" if n else "")))
    rows += [
        ("exported by", f"EV Explorer {__version__}"),
        ("exported", exported.strftime("%Y-%m-%dT%H:%M:%SZ")),
    ]
    return rows


def _written_by(info: Any) -> str:
    if info.file is None:
        return ""
    return (f"EV Explorer {info.app_version or '(unknown)'}, model "
            f"{info.model_version or '(unknown)'}, file format {info.format_version or '?'}")


def xlsx_bytes(snapshot: Snapshot, exported: datetime | None = None) -> bytes:
    """The workbook of a scenario, as the bytes of an ``.xlsx`` file.

    Parameters
    ----------
    snapshot : Snapshot
        What to write.
    exported : datetime, optional
        Time of the export written in ``About``; default now.

    Returns
    -------
    bytes
        The whole ``.xlsx`` file.
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    book.properties.creator = f"EV Explorer {__version__}"
    book.properties.title = snapshot.name
    _series_sheet(book, "Results", snapshot.results)
    _scalars_sheet(book, snapshot)
    _parameters_sheet(book, snapshot)
    if snapshot.bands is not None and snapshot.bands.series:
        _bands_sheet(book, snapshot)
    if snapshot.reference is not None:
        _series_sheet(book, "Reference", snapshot.reference.results)
    if snapshot.targets:
        _records_sheet(book, "Targets", snapshot.targets)
    if snapshot.drivers:
        _records_sheet(book, "Drivers", snapshot.drivers)
    about = _Sheet(book, "About", ["item", "value"])
    for key, value in about_rows(snapshot, exported):
        about.row([key, value])
    about.widths[1] = MAX_WIDTH
    about.finish(wrap=(1,))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


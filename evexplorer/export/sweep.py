"""Sweeps: the same question over a full factorial grid of lever values, streamed.

A :class:`Sweep` varies numeric levers over ``numpy.linspace(start, stop, n)``
each, every combination once, and reads chosen outputs (a series at a year, or
a scalar) for every grid point. Points are computed as batches of
:data:`CHUNK_ROWS` rows through :func:`evexplorer.model.evaluate` and written as
they come, so that memory stays bounded whatever the number of points (up to
:data:`MAX_POINTS`).

Rows are in the order of nested loops over the axes as given: the first axis
varies slowest, the last fastest. Columns are the swept levers under their own
names, then the outputs named ``series@year`` (e.g. ``pack_cost@2030``) or by
the scalar's name.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import IO, Any, TextIO

import numpy as np

from .._version import MODEL_VERSION
from ..model import PARAMETERS, SCALARS, SERIES, evaluate, registry
from .tabular import CSV_DIGITS, lever_value_json

#: Most grid points of one sweep.
MAX_POINTS = 10_000_000
#: Grid points evaluated per batch. Measured on the project's machine
#: (``benchmarks/bench_export.py``): larger batches are no faster per point, and the
#: peak memory grows with the batch (about 100 MiB at 2,000 rows, 164 at 5,000, 455 at 20,000).
CHUNK_ROWS = 2_000
#: Most data rows of an Excel worksheet (1,048,576 rows less the header).
XLSX_MAX_ROWS = 1_048_575
#: Levers that set the years of the results: they cannot vary within one batch.
TIME_AXIS_LEVERS = ("start_year", "end_year")

#: ``progress(done, total)``: points written so far and in all.
Progress = Callable[[int, int], None]


class SweepError(ValueError):
    """A sweep that cannot be run as asked; ``str(exc)`` is one sentence for the user."""


@dataclass(frozen=True)
class Axis:
    """One swept lever: ``n`` values evenly spaced from ``start`` to ``stop``, both included.

    Attributes
    ----------
    name : str
        A numeric lever of the registry.
    start, stop : float
        First and last value, in the lever's unit.
    n : int
        Number of values.
    """

    name: str
    start: float
    stop: float
    n: int

    @property
    def values(self) -> np.ndarray:
        """The lever's values, in its unit (integers for whole-number levers)."""
        values = np.linspace(self.start, self.stop, self.n)
        if PARAMETERS[self.name].kind == "int":
            return np.round(values).astype(np.int64)
        return values

    @property
    def unit(self) -> str:
        """The lever's unit."""
        return PARAMETERS[self.name].unit


@dataclass(frozen=True)
class Output:
    """One output column: a series at a year, or a scalar.

    Attributes
    ----------
    name : str
        An output series or scalar.
    year : int or None
        The year a series is read at; None for a scalar.
    """

    name: str
    year: int | None = None

    @property
    def column(self) -> str:
        """The column's name: ``pack_cost@2030`` or the scalar's name."""
        return self.name if self.year is None else f"{self.name}@{self.year}"

    @property
    def unit(self) -> str:
        """The output's unit."""
        return (SERIES.get(self.name) or SCALARS[self.name]).unit


def _number(text: str, what: str) -> float:
    try:
        value = float(text.strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise SweepError(f"{what} must be a number, not {text.strip()!r}.") from None
    if not math.isfinite(value):
        raise SweepError(f"{what} must be a finite number, not {text.strip()!r}.")
    return value


def parse_axis(text: str) -> Axis:
    """Parse ``NAME=START:STOP:N`` and check it against the lever registry.

    Parameters
    ----------
    text : str
        E.g. ``lithium_price=8000:40000:5``: START and STOP in the lever's unit.

    Returns
    -------
    Axis

    Raises
    ------
    SweepError
        For bad syntax, a lever that cannot be swept, or values a whole-number
        lever cannot take.
    evexplorer.model.registry.ParameterError
        For an unknown lever (naming the closest ones) or values outside its range.
    """
    name, sep, spec = text.partition("=")
    name = name.strip()
    parts = spec.split(":")
    if not sep or not name or len(parts) != 3:
        raise SweepError(f"--grid needs NAME=START:STOP:N, e.g. --grid "
                         f"lithium_price=8000:40000:5; got {text!r}.")
    param = registry.get(name)
    if not param.numeric:
        kind = "a chemistry mix" if param.kind == "mix" else f"a choice ({param.range_text()})"
        raise SweepError(f"Only numeric levers can be swept; {name} is {kind}: give it with "
                         "--set, and run one sweep per value.")
    if name in TIME_AXIS_LEVERS:
        raise SweepError(f"{name} sets the years of the results and cannot be swept; give it "
                         "with --set.")
    start = _number(parts[0], f"--grid {name}: START")
    stop = _number(parts[1], f"--grid {name}: STOP")
    count = parts[2].strip()
    if not count.isdigit() or int(count) < 1:
        raise SweepError(f"--grid {name}: N must be a whole number of at least 1, not "
                         f"{count!r}.")
    axis = Axis(name, start, stop, int(count))
    values = np.linspace(start, stop, axis.n)
    if param.kind == "int":
        _check_whole(axis, values)
    param.validate(values)  # range: one sentence naming the lever and its range
    return axis


def _check_whole(axis: Axis, values: np.ndarray) -> None:
    """Refuse grid points of a whole-number lever that are not whole (never round them)."""
    bad = np.abs(values - np.round(values)) > 1e-9 * np.maximum(1.0, np.abs(values))
    if not np.any(bad):
        return
    first = float(values[np.argmax(bad)])
    hint = ""
    span = axis.stop - axis.start
    if span == round(span) and axis.start == round(axis.start) and span != 0:
        span = abs(round(span))
        counts = [d + 1 for d in range(1, span + 1) if span % d == 0]
        near = [c for c in (max((c for c in counts if c < axis.n), default=None),
                            min((c for c in counts if c > axis.n), default=None)) if c]
        hint = " (N = " + " or ".join(str(c) for c in near) + " gives whole steps)"
    raise SweepError(f"{axis.name} takes whole numbers, but {axis.start:g}:{axis.stop:g}:"
                     f"{axis.n} has the point {first:.4g}; choose N so that the step is "
                     f"whole{hint}.")


def parse_output(text: str, years: Sequence[int]) -> Output:
    """Parse ``SERIES@YEAR`` or ``SCALAR`` against the output registry and the years shown.

    Parameters
    ----------
    text : str
        E.g. ``pack_cost@2030`` or ``cost_parity_year``.
    years : sequence of int
        The years of the results [year].

    Returns
    -------
    Output

    Raises
    ------
    SweepError
        For an unknown output (naming the closest ones), a series without a
        year, a scalar with one, or a year outside ``years``.
    """
    name, sep, year_text = text.strip().partition("@")
    name = name.strip()
    if name not in SERIES and name not in SCALARS:
        close = difflib.get_close_matches(name, [*SERIES, *SCALARS], n=3, cutoff=0.5)
        hint = (f"did you mean {', '.join(close)}?" if close else
                "outputs are the series and scalars of 'evexplorer compute --json'.")
        raise SweepError(f"Unknown output {name!r}; {hint}")
    if name in SCALARS:
        if sep:
            raise SweepError(f"{name} is one number for the whole run; write --output {name} "
                             "without a year.")
        return Output(name)
    if not sep:
        raise SweepError(f"{name} is a series: give a year, e.g. --output "
                         f"{name}@{_example_year(years)}.")
    if not year_text.strip().isdigit():
        raise SweepError(f"--output {text.strip()}: the year must be a whole number, not "
                         f"{year_text.strip()!r}.")
    year = int(year_text)
    if year not in years:
        raise SweepError(f"--output {text.strip()}: the results cover {years[0]}-{years[-1]}.")
    return Output(name, year)


def _example_year(years: Sequence[int]) -> int:
    return 2030 if 2030 in years else years[-1]


@dataclass(frozen=True)
class Sweep:
    """A full factorial grid over levers and the outputs read at every point.

    Attributes
    ----------
    base : Mapping[str, object]
        Every lever's value (a scenario's levers with any changes; defaults filled
        in and validated); the swept levers' values here are ignored.
    axes : tuple of Axis
        The swept levers, slowest-varying first.
    outputs : tuple of Output
        The outputs read at every point.
    """

    base: Mapping[str, Any]
    axes: tuple[Axis, ...]
    outputs: tuple[Output, ...]

    def __post_init__(self) -> None:
        if not self.axes:
            raise SweepError("A sweep needs at least one --grid.")
        if not self.outputs:
            raise SweepError("A sweep needs at least one --output.")
        for kind, names in (("lever", [a.name for a in self.axes]),
                            ("output", [o.column for o in self.outputs])):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise SweepError(f"The {kind} {twice[0]} is given twice.")
        if self.size > MAX_POINTS:
            shape = " × ".join(f"{a.n:,}" for a in self.axes)
            raise SweepError(f"The grid has {self.size:,} points ({shape}); at most "
                             f"{MAX_POINTS:,} can be swept at once.")
        values = registry.resolve(self.base)
        object.__setattr__(self, "base", MappingProxyType(values))
        first, last = int(values["start_year"]), int(values["end_year"])
        for out in self.outputs:
            if out.year is not None and not first <= out.year <= last:
                raise SweepError(f"--output {out.column}: the results cover {first}-{last}.")

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of values of each axis."""
        return tuple(a.n for a in self.axes)

    @property
    def size(self) -> int:
        """Number of grid points (rows)."""
        return math.prod(self.shape)

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names: the swept levers, then the outputs."""
        return (*(a.name for a in self.axes), *(o.column for o in self.outputs))

    @property
    def units(self) -> tuple[str, ...]:
        """The unit of every column."""
        return (*(a.unit for a in self.axes), *(o.unit for o in self.outputs))

    @property
    def whole(self) -> tuple[bool, ...]:
        """Whether each column holds whole numbers: whole-number levers, years and year counts.

        Output columns may still hold NaN (e.g. a parity year never reached).
        """
        return (*(PARAMETERS[a.name].kind == "int" for a in self.axes),
                *(o.unit in ("year", "years") for o in self.outputs))

    def points(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """The swept levers' values at some rows.

        Parameters
        ----------
        start, stop : int
            First row and the row after the last.

        Returns
        -------
        dict of str to numpy.ndarray
            Each swept lever's values, in its unit, one per row.
        """
        index = np.unravel_index(np.arange(start, stop), self.shape)
        return {a.name: a.values[i] for a, i in zip(self.axes, index, strict=True)}

    def chunks(self, rows: int = CHUNK_ROWS,
               progress: Progress | None = None) -> Iterator[np.ndarray]:
        """Compute the sweep in batches.

        Parameters
        ----------
        rows : int
            Grid points per batch.
        progress : callable, optional
            Called as ``progress(done, total)`` after each batch.

        Yields
        ------
        numpy.ndarray
            Shape (rows in the batch, columns), float: each row is one grid point,
            its lever values then its outputs; NaN where an output is undefined
            (e.g. a parity year never reached).
        """
        total = self.size
        for start in range(0, total, rows):
            stop = min(start + rows, total)
            points = self.points(start, stop)
            results = evaluate({**self.base, **points})
            block = np.empty((stop - start, len(self.columns)))
            for j, axis in enumerate(self.axes):
                block[:, j] = points[axis.name]
            years = results.years
            for j, out in enumerate(self.outputs, start=len(self.axes)):
                if out.year is None:
                    block[:, j] = results.scalars[out.name]
                else:
                    block[:, j] = results.series[out.name][:, int(np.searchsorted(years,
                                                                                    out.year))]
            block[~np.isfinite(block)] = np.nan
            yield block
            if progress is not None:
                progress(stop, total)


def make_sweep(base: Mapping[str, Any], grid: Sequence[str], outputs: Sequence[str], *,
               fixed: Collection[str] = ()) -> Sweep:
    """Build a sweep from command-line text.

    Parameters
    ----------
    base : Mapping[str, object]
        Lever values to start from (a file's levers, ``--set`` values); levers not
        given take their defaults.
    grid : sequence of str
        ``NAME=START:STOP:N`` items.
    outputs : sequence of str
        ``SERIES@YEAR`` or ``SCALAR`` items.
    fixed : collection of str
        Levers the user set explicitly (``--set``): sweeping one of them too is refused.

    Raises
    ------
    SweepError, evexplorer.model.registry.ParameterError
        With one sentence, for anything that cannot be swept.
    """
    values = registry.resolve(base)
    axes = tuple(parse_axis(item) for item in grid)
    both = [a.name for a in axes if a.name in fixed]
    if both:
        raise SweepError(f"{both[0]} is both set with --set and swept with --grid; give it "
                         "once.")
    years = list(range(int(values["start_year"]), int(values["end_year"]) + 1))
    columns = tuple(parse_output(item, years) for item in outputs)
    return Sweep(values, axes, columns)


# ---------------------------------------------------------------------------------------------
# writers


def _row_template(sweep: Sweep, number: str, end: str = "\n", start: str = "") -> str:
    """A %-format for one row: whole-number columns without decimals, others as ``number``."""
    codes = ["%.0f" if whole else number for whole in sweep.whole]
    return start + ",".join(codes) + end


def write_sweep_csv(sweep: Sweep, stream: TextIO, *, rows: int = CHUNK_ROWS,
                    progress: Progress | None = None) -> None:
    """Stream a sweep as CSV: a header of column names, one row per grid point.

    Numbers have at most 12 significant digits; undefined outputs are empty cells.

    Parameters
    ----------
    sweep : Sweep
    stream : text stream
        Opened with ``newline=""``.
    rows : int
        Grid points per batch.
    progress : callable, optional
        ``progress(done, total)`` after each batch.
    """
    stream.write(",".join(sweep.columns) + "\n")
    template = _row_template(sweep, f"%.{CSV_DIGITS}g")
    for block in sweep.chunks(rows, progress):
        text = "".join(template % tuple(row) for row in block.tolist())
        stream.write(text.replace("nan", ""))


def write_sweep_json(sweep: Sweep, stream: TextIO, *, rows: int = CHUNK_ROWS,
                     progress: Progress | None = None) -> None:
    """Stream a sweep as one JSON document (see ``docs/exports.md``), one grid point per line.

    Numbers keep full precision; undefined outputs are null. Parameters as for
    :func:`write_sweep_csv`.
    """
    import json

    head = {
        "model_version": MODEL_VERSION,
        "grid": [{"name": a.name, "unit": a.unit, "start": a.start, "stop": a.stop, "n": a.n}
                 for a in sweep.axes],
        "outputs": [{"column": o.column, "name": o.name, "year": o.year, "unit": o.unit}
                    for o in sweep.outputs],
        "parameters": {name: {"value": lever_value_json(value), "unit": PARAMETERS[name].unit}
                       for name, value in sweep.base.items()
                       if name not in {a.name for a in sweep.axes}},
        "columns": list(sweep.columns),
    }
    text = json.dumps(head, indent=1, allow_nan=False)
    stream.write(text[:-2] + ',\n "rows": [')
    template = _row_template(sweep, "%r", end="]", start="\n  [")
    first = True
    for block in sweep.chunks(rows, progress):
        text = ",".join(template % tuple(row) for row in block.tolist()).replace("nan", "null")
        stream.write(text if first else "," + text)
        first = False
    stream.write("\n ]\n}\n")


def write_sweep_xlsx(sweep: Sweep, stream: IO[bytes], *, rows: int = CHUNK_ROWS,
                     progress: Progress | None = None) -> None:
    """Stream a sweep as an Excel workbook: sheets ``Sweep`` (the rows) and ``Columns``.

    Rows go through openpyxl's write-only mode, which keeps them in a temporary
    file, not in memory. Parameters as for :func:`write_sweep_csv`, with a
    binary ``stream``.

    Raises
    ------
    SweepError
        If the sweep has more rows than a worksheet holds (1,048,575).
    """
    check_points(sweep, "xlsx")
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from .._version import __version__

    book = Workbook(write_only=True)
    book.properties.creator = f"EV Explorer {__version__}"
    sheet = book.create_sheet("Sweep")
    sheet.freeze_panes = "A2"
    for j, column in enumerate(sweep.columns):
        sheet.column_dimensions[get_column_letter(j + 1)].width = max(12, len(column) + 2)
    sheet.append(list(sweep.columns))
    whole = sweep.whole
    for block in sweep.chunks(rows, progress):
        for row in block.tolist():
            sheet.append([None if not math.isfinite(v) else int(v) if w else v
                          for v, w in zip(row, whole, strict=True)])
    columns = book.create_sheet("Columns")
    columns.append(["column", "kind", "unit", "label", "values"])
    for a in sweep.axes:
        columns.append([a.name, "lever", a.unit, PARAMETERS[a.name].label,
                        f"{a.n} values from {a.start:g} to {a.stop:g}"])
    for o in sweep.outputs:
        out = SERIES.get(o.name) or SCALARS[o.name]
        columns.append([o.column, "output", o.unit, out.label,
                        f"in {o.year}" if o.year is not None else "whole run"])
    columns.append([])
    columns.append(["model version", MODEL_VERSION])
    book.save(stream)


#: Sweep writers by output option; the XLSX one writes bytes, the others text.
WRITERS: Mapping[str, Callable[..., None]] = {
    "csv": write_sweep_csv,
    "json": write_sweep_json,
    "xlsx": write_sweep_xlsx,
}


def check_points(sweep: Sweep, fmt: str) -> None:
    """Refuse, before anything is computed, a sweep that a format cannot hold.

    Parameters
    ----------
    sweep : Sweep
    fmt : {"csv", "json", "xlsx"}

    Raises
    ------
    SweepError
        For an XLSX sweep of more rows than a worksheet holds.
    """
    if fmt == "xlsx" and sweep.size > XLSX_MAX_ROWS:
        raise SweepError(f"The grid has {sweep.size:,} points, more than an Excel sheet holds "
                         f"({XLSX_MAX_ROWS:,} rows); write it with --csv or --json.")


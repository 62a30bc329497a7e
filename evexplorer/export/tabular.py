"""Tabular writers: the series of a scenario as CSV or as the JSON document of ``compute --json``.

Both take a :class:`~.snapshot.Snapshot` or plain :class:`~evexplorer.model.Results`.
CSV numbers carry at most :data:`CSV_DIGITS` significant digits, so that a
value computed as ``38.33193112000001`` is written ``38.33193112``; JSON keeps
every digit (a float's shortest round-trip form).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from typing import Any, TextIO

#: Significant digits of numbers written to CSV files.
CSV_DIGITS = 12


def csv_number(value: Any) -> str:
    """A number as CSV text: at most 12 significant digits, "" for NaN, infinities and None.

    Parameters
    ----------
    value : float, int or None
        The number, in whatever unit its column states.

    Returns
    -------
    str
        ``%.12g`` of the number: within 5e-12 relative of it.

    >>> csv_number(38.33193112000001), csv_number(2030.0), csv_number(float("nan"))
    ('38.33193112', '2030', '')
    """
    if value is None:
        return ""
    value = float(value)
    if not math.isfinite(value):
        return ""
    return f"{value:.{CSV_DIGITS}g}"


def results_of(source: Any) -> Any:
    """The results of a snapshot, or ``source`` itself if it is results already.

    Parameters
    ----------
    source : Snapshot or evexplorer.model.Results

    Returns
    -------
    evexplorer.model.Results
    """
    return getattr(source, "results", source)


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def lever_value_json(value: Any) -> Any:
    """A lever value as plain JSON data: a mix as an object of its non-zero shares."""
    if isinstance(value, Mapping):
        return {k: float(v) for k, v in value.items() if v > 0}
    return value


def results_to_json(source: Any) -> dict[str, Any]:
    """The JSON document of ``evexplorer compute --json``.

    Parameters
    ----------
    source : Snapshot or evexplorer.model.Results
        A snapshot (its results are written) or single-scenario results.

    Returns
    -------
    dict
        ``model_version``, ``parameters`` (value and unit of every lever),
        ``years``, ``series`` (unit and values) and ``scalars`` (unit and value);
        NaN becomes null.
    """
    from ..model import PARAMETERS

    results = results_of(source)
    return {
        "model_version": results.model_version,
        "parameters": {
            name: {"value": lever_value_json(value), "unit": PARAMETERS[name].unit}
            for name, value in results.parameters.items()
        },
        "years": [int(y) for y in results.years],
        "series": {
            name: {"unit": results.units[name],
                   "values": [_json_number(float(v)) for v in values]}
            for name, values in results.series.items()
        },
        "scalars": {
            name: {"unit": results.units[name], "value": _json_number(value)}
            for name, value in results.scalars.items()
        },
    }


def write_csv(source: Any, stream: TextIO) -> None:
    """Write the series as CSV: a ``year`` column, then ``name [unit]`` per series.

    Parameters
    ----------
    source : Snapshot or evexplorer.model.Results
        What to write (a snapshot's results).
    stream : text stream
        Opened with ``newline=""``; one row per year is written, numbers with at
        most 12 significant digits, empty cells for undefined values.
    """
    results = results_of(source)
    writer = csv.writer(stream, lineterminator="\n")
    names = list(results.series)
    writer.writerow(["year", *(f"{n} [{results.units[n]}]" for n in names)])
    for i, year in enumerate(results.years):
        writer.writerow([int(year), *(csv_number(results.series[n][i]) for n in names)])

"""Tabular writers: the series of a :class:`~evexplorer.model.Results` as CSV or JSON."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from typing import Any, TextIO


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def lever_value_json(value: Any) -> Any:
    """A lever value as plain JSON data: a mix as an object of its non-zero shares."""
    if isinstance(value, Mapping):
        return {k: float(v) for k, v in value.items() if v > 0}
    return value


def results_to_json(results: Any) -> dict[str, Any]:
    """The JSON document of ``evexplorer compute --json``.

    Parameters
    ----------
    results : evexplorer.model.Results
        Single-scenario results.

    Returns
    -------
    dict
        ``model_version``, ``parameters`` (value and unit of every lever),
        ``years``, ``series`` (unit and values) and ``scalars`` (unit and value);
        NaN becomes null.
    """
    from ..model import PARAMETERS

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


def write_csv(results: Any, stream: TextIO) -> None:
    """Write the series as CSV: a ``year`` column, then ``name [unit]`` per series."""
    writer = csv.writer(stream, lineterminator="\n")
    names = list(results.series)
    writer.writerow(["year", *(f"{n} [{results.units[n]}]" for n in names)])
    for i, year in enumerate(results.years):
        row = [int(year)]
        for n in names:
            v = float(results.series[n][i])
            row.append("" if not math.isfinite(v) else repr(v))
        writer.writerow(row)

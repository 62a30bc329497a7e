"""Exports of what a user sees: CSV, XLSX, IAMC and JSON files, report content, sweeps.

Qt-free and h5py-free (see the layer rules in ``docs/``): the window and the
command line both build a :class:`Snapshot` of the scenario shown and write it
through this package, so that what a user exports from either is the same
file.

    >>> from evexplorer.export import Snapshot, export_file    # doctest: +SKIP
    >>> export_file(Snapshot(results=evaluate()), "baseline.xlsx", "xlsx")  # doctest: +SKIP

Modules load on first use: ``import evexplorer.export`` stays cheap, and
openpyxl is imported only when a workbook is written.
"""

from __future__ import annotations

import importlib
from typing import Any

from .tabular import results_to_json, write_csv

_LAZY = {
    "Snapshot": "snapshot",
    "ScenarioInfo": "snapshot",
    "Reference": "snapshot",
    "Bands": "snapshot",
    "from_document": "snapshot",
    "stored_results": "snapshot",
    "FORMATS": "files",
    "export_file": "files",
    "write_iamc": "iamc",
    "xlsx_bytes": "xlsx",
    "Report": "report",
    "build_report": "report",
    "paper_size": "report",
    "target_rows": "report",
    "Sweep": "sweep",
    "SweepError": "sweep",
    "make_sweep": "sweep",
}

__all__ = ["results_to_json", "write_csv", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

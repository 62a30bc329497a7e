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

from .._lazy import lazy_attributes
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


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)

"""Export files: each format's content as bytes, written all or nothing.

:data:`FORMATS` is the one table of export formats: the window's File ▸ Export
actions and the ``evexplorer export`` options are built from it.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .. import _atomic
from .iamc import write_iamc
from .snapshot import Snapshot
from .tabular import results_to_json, write_csv


@dataclass(frozen=True)
class Format:
    """One export format.

    Attributes
    ----------
    key : str
        Its name: the ``evexplorer export`` option without ``--``.
    suffix : str
        The usual file name suffix.
    description : str
        What the file holds, for menus and help.
    render : callable
        ``render(snapshot) -> bytes``: the whole file.
    """

    key: str
    suffix: str
    description: str
    render: Callable[[Snapshot], bytes]


def _text(write: Callable[[Snapshot, io.StringIO], None]) -> Callable[[Snapshot], bytes]:
    def render(snapshot: Snapshot) -> bytes:
        buffer = io.StringIO(newline="")
        write(snapshot, buffer)
        return buffer.getvalue().encode("utf-8")
    return render


def json_text(snapshot: Snapshot) -> str:
    """The JSON document of ``evexplorer compute --json``, as the command prints it."""
    return json.dumps(results_to_json(snapshot), indent=1, allow_nan=False) + "\n"


def _xlsx(snapshot: Snapshot) -> bytes:
    from .xlsx import xlsx_bytes

    return xlsx_bytes(snapshot)


#: Every export format by key, in menu order.
FORMATS: Mapping[str, Format] = MappingProxyType({f.key: f for f in (
    Format("xlsx", ".xlsx", "Excel workbook: results, levers with sources, bands, About", _xlsx),
    Format("csv", ".csv", "CSV, one row per year and one column per series", _text(write_csv)),
    Format("iamc", ".csv", "IAMC time series (pyam), one row per variable",
           _text(write_iamc)),
    Format("json", ".json", "JSON document of 'evexplorer compute --json'",
           lambda s: json_text(s).encode("utf-8")),
)})


def export_file(snapshot: Snapshot, path: str | os.PathLike[str], fmt: str) -> None:
    """Write ``snapshot`` to ``path`` in format ``fmt``, all or nothing.

    Parameters
    ----------
    snapshot : Snapshot
        What to export.
    path : str or path-like
        The target file; an existing file is replaced only once the new one is
        completely written.
    fmt : str
        A key of :data:`FORMATS`.

    Raises
    ------
    evexplorer._atomic.WriteError
        With one sentence, if the file cannot be written; nothing is then
        half-written and a previous file is unchanged.
    KeyError
        For an unknown format.
    """
    data = FORMATS[fmt].render(snapshot)
    _atomic.write_atomically(path, data, verb="export")

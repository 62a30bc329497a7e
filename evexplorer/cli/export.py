"""Export commands: ``export`` (what a scenario shows, as a file) and ``sweep`` (a grid of runs)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from ._base import EXIT_FILE_ERROR, CommandError, add_set_option, parse_overrides

COMMANDS = ("export", "sweep", "report")

#: ``evexplorer export`` options: format key, help. The keys are those of
#: :data:`evexplorer.export.files.FORMATS` (not imported here: building the parser stays cheap).
_EXPORT_OPTIONS = (
    ("xlsx", "Excel workbook: results, scalars, levers with their sources, About"),
    ("csv", "CSV of every series, one row per year ('-' for stdout)"),
    ("iamc", "IAMC time series for pyam, one row per variable ('-' for stdout)"),
    ("json", "the JSON document of 'compute --json' ('-' for stdout)"),
)
#: ``--format`` of ``export --charts``: the keys of :data:`evexplorer.app.render.FORMATS`
#: (not imported here: building the parser never loads Qt). The first is the default.
CHART_FORMATS = ("svg", "png", "pdf")
#: Year marked on charts and of a report's headline figures, unless ``--year`` says otherwise.
DEFAULT_YEAR = 2030
#: Paper sizes of ``report --paper``; without it, the locale's (A4, or US Letter where used).
PAPERS = ("A4", "Letter")
#: Exit status of a sweep interrupted with Ctrl+C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130
#: Seconds between progress lines when stderr is not a terminal; none before the first.
PLAIN_PROGRESS_EVERY = 5.0
#: Seconds between redraws of the progress bar on a terminal.
BAR_REDRAW_EVERY = 0.1


def register(sub: Any) -> None:
    """Add this module's commands to the subparsers ``sub``."""
    export = sub.add_parser(
        "export", help="write what a scenario shows as XLSX, CSV, IAMC or JSON",
        description="Write what a scenario shows: with FILE, its stored results when they are "
        "trustworthy (checksum OK, same model version, no --set), otherwise this version's "
        "computation.")
    export.add_argument("file", nargs="?", type=Path,
                        help="scenario file (.evx); without it, the baseline with any --set")
    add_set_option(export)
    out = export.add_mutually_exclusive_group(required=True)
    for key, text in _EXPORT_OPTIONS:
        out.add_argument(f"--{key}", type=Path, metavar="OUT", help=text)
    out.add_argument("--charts", type=Path, metavar="DIR",
                     help="one file per chart, named by chart (pack_cost.svg, ...), into DIR "
                     "(created if missing)")
    export.add_argument("--format", choices=CHART_FORMATS, default=None,
                        help="with --charts: svg (vector, the default), png (300 dpi) or pdf")
    export.add_argument("--year", type=int, default=None, metavar="Y",
                        help=f"with --charts: the year marked on the charts (default "
                        f"{DEFAULT_YEAR})")
    export.set_defaults(handler=_export)

    report = sub.add_parser(
        "report", help="write a PDF report: figures, changed levers with sources, charts",
        description="Write what a scenario shows as a PDF report: title, author, date and "
        "notes; the headline figures of a year against the reference; the levers that "
        "differ with their sources; every chart; targets; versions and checksum. Numbers "
        "as for 'export': a file's stored results when trustworthy, else this version's "
        "computation.")
    report.add_argument("file", nargs="?", type=Path,
                        help="scenario file (.evx); without it, the baseline with any --set")
    add_set_option(report)
    report.add_argument("--pdf", type=Path, metavar="OUT", required=True,
                        help="the PDF file to write")
    report.add_argument("--year", type=int, default=DEFAULT_YEAR, metavar="Y",
                        help=f"year of the headline figures, marked on the charts (default "
                        f"{DEFAULT_YEAR})")
    report.add_argument("--paper", choices=PAPERS, default=None,
                        help="paper size (default: the locale's, US Letter where it is "
                        "used, else A4)")
    report.set_defaults(handler=_report)

    sweep = sub.add_parser(
        "sweep", help="run a full factorial grid of lever values and tabulate chosen outputs",
        description="Run every combination of the --grid values (each NAME=START:STOP:N is "
        "numpy.linspace(START, STOP, N)) and write one row per grid point: the swept levers, "
        "then the outputs. Rows run as nested loops, the first --grid slowest.")
    sweep.add_argument("file", nargs="?", type=Path,
                       help="scenario file whose levers are the starting point")
    add_set_option(sweep)
    sweep.add_argument("--grid", action="append", required=True, metavar="NAME=START:STOP:N",
                       help="a numeric lever and its values, in its own unit; repeatable")
    sweep.add_argument("--output", action="append", required=True, metavar="NAME@YEAR|SCALAR",
                       help="a series at a year (pack_cost@2030) or a scalar "
                       "(cost_parity_year); repeatable")
    target = sweep.add_mutually_exclusive_group(required=True)
    target.add_argument("--csv", type=Path, metavar="OUT", help="write CSV ('-' for stdout)")
    target.add_argument("--xlsx", type=Path, metavar="OUT", help="write an Excel workbook")
    target.add_argument("--json", action="store_true", help="print JSON on stdout")
    sweep.set_defaults(handler=_sweep)


def _scenario(path: Path | None, overrides: list[str]) -> tuple[Any, dict[str, Any], dict]:
    """The opened file (or None), its levers with the ``--set`` values, and those values."""
    params: dict[str, Any] = {}
    document = None
    if path is not None:
        from .. import scenario

        document = scenario.open_scenario(path)
        for warning in document.warnings:
            print(f"evexplorer: note: {warning}", file=sys.stderr)
        params.update(document.parameters)
    changes = parse_overrides(overrides)
    params.update(changes)
    return document, params, changes


def _reference(document: Any, results: Any) -> Any:
    """The file's reference scenario if it stores one, else the baseline; over the same years."""
    from ..export.snapshot import Reference
    from ..model import evaluate

    record = None if document is None else document.reference
    title, params = "Baseline", {}
    if record:
        title, params = record.get("title") or "Reference", dict(record.get("parameters", {}))
    for name in ("start_year", "end_year"):
        params[name] = results.parameters[name]
    return Reference(title, evaluate(params))


def _snapshot(path: Path | None, overrides: list[str]) -> Any:
    """What a scenario shows (see docs/exports.md), with its reference and targets."""
    from ..analysis.targets import TargetError
    from ..export.report import target_rows
    from ..export.snapshot import Snapshot, from_document
    from ..model import evaluate

    document, params, _changes = _scenario(path, overrides)
    results = evaluate(params)
    reference = _reference(document, results)
    if document is None:
        return Snapshot(results=results, reference=reference,
                        targets=target_rows(results))
    shown = from_document(document, results, reference=reference)
    try:
        targets = target_rows(shown.results, getattr(document, "targets", None) or ())
    except TargetError as exc:
        print(f"evexplorer: note: the file's targets are left out: {exc}", file=sys.stderr)
        targets = target_rows(shown.results)
    return dataclasses.replace(shown, targets=targets)


def _export(args: argparse.Namespace) -> None:
    from .. import _atomic
    from ..export import files

    if args.charts is None and (args.format is not None or args.year is not None):
        raise CommandError("--format and --year go with --charts DIR.")
    if args.charts is not None:
        _export_charts(args)
        return
    fmt, target = next((key, getattr(args, key)) for key, _ in _EXPORT_OPTIONS
                       if getattr(args, key) is not None)
    snapshot = _snapshot(args.file, args.overrides)
    if str(target) == "-":
        if fmt == "xlsx":
            raise CommandError("--xlsx writes a binary workbook; give a file name, not '-'.")
        sys.stdout.write(files.FORMATS[fmt].render(snapshot).decode("utf-8"))
        return
    try:
        files.export_file(snapshot, target, fmt)
    except _atomic.WriteError as exc:
        raise CommandError(str(exc), EXIT_FILE_ERROR) from None
    print(f"evexplorer: exported {target}; its numbers are {snapshot.numbers}.",
          file=sys.stderr)


def _qt_for_rendering() -> Any:
    """The Qt application that draws charts: offscreen unless ``QT_QPA_PLATFORM`` says
    otherwise. Drawing files needs no display, and a display that cannot be reached (a
    stale ``DISPLAY`` over ssh) would make Qt abort."""
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from ..app import render

    return render.ensure_application()


def _checked_year(snapshot: Any, year: int) -> int:
    years = [int(y) for y in snapshot.results.years]
    if year not in years:
        raise CommandError(f"--year {year} is not among the years shown "
                           f"({years[0]}-{years[-1]}).")
    return year


def _export_charts(args: argparse.Namespace) -> None:
    from .. import _atomic

    fmt = args.format or CHART_FORMATS[0]
    snapshot = _snapshot(args.file, args.overrides)
    year = _checked_year(snapshot, DEFAULT_YEAR if args.year is None else args.year)
    folder = args.charts
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CommandError(f"Cannot export into the folder {folder}: {reason}.",
                           EXIT_FILE_ERROR) from None
    _qt_for_rendering()
    from ..app import render

    panel = render.offscreen_charts(snapshot, year)
    try:
        written = render.write_charts(panel.charts, folder, fmt)
    except _atomic.WriteError as exc:
        raise CommandError(str(exc), EXIT_FILE_ERROR) from None
    print(f"evexplorer: exported {len(written)} charts ({fmt.upper()}) to {folder}: "
          f"{', '.join(p.name for p in written)}; their numbers are {snapshot.numbers}.",
          file=sys.stderr)


def _report(args: argparse.Namespace) -> None:
    from .. import _atomic
    from ..export.report import build_report

    snapshot = _snapshot(args.file, args.overrides)
    year = _checked_year(snapshot, args.year)
    _qt_for_rendering()
    from PySide6.QtCore import QLocale

    from ..app import render
    from ..app.report_pdf import write_report_pdf

    panel = render.offscreen_charts(snapshot, year)
    report = build_report(snapshot, year=year,
                          territory=QLocale.territoryToCode(QLocale().territory()),
                          charts=[chart.key for chart in panel.charts])
    if args.paper is not None:
        report = dataclasses.replace(report, paper=args.paper)
    try:
        write_report_pdf(report, panel.charts, args.pdf)
    except _atomic.WriteError as exc:
        raise CommandError(str(exc), EXIT_FILE_ERROR) from None
    print(f"evexplorer: wrote the report {args.pdf} ({report.paper}); its numbers are "
          f"{snapshot.numbers}.", file=sys.stderr)


class ProgressReport:
    """Progress of a long computation on stderr, without ever touching stdout.

    On a terminal: one line redrawn in place, ``sweep: [#####     ] 50 % (500,000 of
    1,000,000 points)``, at most every :data:`BAR_REDRAW_EVERY` seconds. Otherwise
    (a log file, a pipe): a plain line every :data:`PLAIN_PROGRESS_EVERY` seconds,
    so that short runs print nothing.

    Parameters
    ----------
    stream : text stream
        Where to write (stderr).
    clock : callable
        Monotonic time in seconds (tests pass a fake one).
    """

    width = 30

    def __init__(self, stream: TextIO | None = None, clock: Any = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = clock()
        self.last = self.start
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` points are written."""
        now = self.clock()
        share = done / total if total else 1.0
        if self.tty:
            if now - self.last < BAR_REDRAW_EVERY and done < total:
                return
            filled = round(self.width * share)
            self.stream.write(f"\rsweep: [{'#' * filled}{' ' * (self.width - filled)}] "
                              f"{100 * share:3.0f} % ({done:,} of {total:,} points)")
        else:
            if now - self.last < PLAIN_PROGRESS_EVERY:
                return
            self.stream.write(f"evexplorer: sweep: {done:,} of {total:,} points "
                              f"({100 * share:.0f} %)\n")
        self.stream.flush()
        self.last = now
        self.drawn = True

    def finish(self) -> None:
        """End the progress bar's line, if one was drawn."""
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _sweep(args: argparse.Namespace) -> None:
    from .. import _atomic
    from ..export import sweep as sweeps

    _document, params, changes = _scenario(args.file, args.overrides)
    fmt = "json" if args.json else ("csv" if args.csv is not None else "xlsx")
    target = args.csv if fmt == "csv" else args.xlsx
    try:
        sweep = sweeps.make_sweep(params, args.grid, args.output, fixed=changes)
        sweeps.check_points(sweep, fmt)
    except sweeps.SweepError as exc:
        raise CommandError(str(exc)) from None
    if fmt == "xlsx" and str(target) == "-":
        raise CommandError("--xlsx writes a binary workbook; give a file name, not '-'.")
    write = sweeps.WRITERS[fmt]
    progress = ProgressReport()
    try:
        if target is None or str(target) == "-":
            write(sweep, sys.stdout, progress=progress)
        else:
            with _atomic.atomic_stream(target, verb="export", text=fmt != "xlsx",
                                       newline="") as stream:
                write(sweep, stream, progress=progress)
    except _atomic.WriteError as exc:
        progress.finish()
        raise CommandError(str(exc), EXIT_FILE_ERROR) from None
    except KeyboardInterrupt:
        progress.finish()
        kept = "" if target is None or str(target) == "-" else f"; {target} was not written"
        raise CommandError(f"The sweep was interrupted{kept}.", EXIT_INTERRUPTED) from None
    progress.finish()
    if target is not None and str(target) != "-":
        print(f"evexplorer: wrote {sweep.size:,} points to {target}", file=sys.stderr)

"""The ``evexplorer`` command: the desktop application and the headless commands.

    evexplorer [FILE]                      open the explorer (on FILE, or the baseline)
    evexplorer --screenshot PNG [FILE]     render the main window to a PNG and exit
    evexplorer --self-test                 check that this installation works, offscreen
    evexplorer params [--json]             list every lever
    evexplorer compute [FILE] [--set NAME=VALUE ...] [--save FILE] [--json | --csv FILE]
    evexplorer info FILE                   describe a scenario file

Headless commands never import Qt. Errors are one line on stderr and exit
status 2 (bad input) or 1 (a file that cannot be read or written).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._version import MODEL_VERSION, __version__

HEADLESS_COMMANDS = ("params", "compute", "info")
EXIT_BAD_INPUT = 2
EXIT_FILE_ERROR = 1


class CommandError(Exception):
    """A one-line message for the user and an exit status."""

    def __init__(self, message: str, status: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors in one line, like the rest of the command."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message} (see '{self.prog} --help')")


def _headless_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evexplorer", description="EV Explorer headless commands.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    params = sub.add_parser("params", help="list every lever with unit, default, range, source")
    params.add_argument("--json", action="store_true", help="print JSON instead of a table")
    compute = sub.add_parser("compute", help="run the model and print or save the results")
    compute.add_argument("file", nargs="?", type=Path,
                         help="scenario file whose levers are the starting point")
    compute.add_argument("--set", dest="overrides", action="append", default=[],
                         metavar="NAME=VALUE",
                         help="set a lever, in its own unit (percentages as 0-100); repeatable")
    compute.add_argument("--save", type=Path, metavar="FILE",
                         help="save the scenario and its results to FILE (.evx)")
    out = compute.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the results as JSON")
    out.add_argument("--csv", type=Path, metavar="FILE",
                     help="write the series as CSV, one row per year ('-' for stdout)")
    info = sub.add_parser("info", help="describe a scenario file")
    info.add_argument("file", type=Path)
    return parser


def _gui_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="evexplorer",
        description="EV Explorer: what-if explorer for the mass production of electric "
        "vehicles. Headless commands: " + ", ".join(HEADLESS_COMMANDS)
        + " (see 'evexplorer COMMAND --help').",
    )
    parser.add_argument("file", nargs="?", type=Path, help="scenario file to open (.evx)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG",
                        help="render the main window (1400×900) to PNG and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="compute, save, reopen, render offscreen; exit 0 if all worked")
    parser.add_argument("--version", action="version",
                        version=f"EV Explorer {__version__} (model {MODEL_VERSION})")
    return parser


# ---------------------------------------------------------------------------------------------
# params


def _parameter_records() -> list[dict[str, Any]]:
    from .model import GROUPS, PARAMETERS
    from .model.data import load

    ref = load()
    records = []
    for p in PARAMETERS.values():
        source = ref.source(p.source)
        records.append({
            "name": p.name,
            "label": p.label,
            "unit": p.unit,
            "kind": p.kind,
            "default": p.default,
            "minimum": p.minimum,
            "maximum": p.maximum,
            "choices": list(p.choices) or None,
            "group": GROUPS[p.group],
            "description": p.description,
            "source": source.citation,
            "source_vintage": source.vintage,
        })
    return records


def _print_params(as_json: bool) -> None:
    records = _parameter_records()
    if as_json:
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return
    from .model import PARAMETERS

    group = None
    for rec in records:
        if rec["group"] != group:
            group = rec["group"]
            print(f"\n{group}")
        p = PARAMETERS[rec["name"]]
        print(f"  {p.name:<24} {p.format_with_unit(p.default)}   [{p.range_text()}]")
        print(f"  {'':<24} {p.description}")
        print(f"  {'':<24} Source: {rec['source']} ({rec['source_vintage']})")


# ---------------------------------------------------------------------------------------------
# compute


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """Turn ``NAME=VALUE`` strings into validated lever values."""
    from .model import registry

    values: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CommandError(f"--set needs NAME=VALUE, e.g. --set lithium_price=30000; "
                               f"got {item!r}")
        values[name] = registry.get(name).parse(text)
    return values


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _plain(value: Any) -> Any:
    """A lever value as plain JSON data."""
    if isinstance(value, Mapping):
        return {k: float(v) for k, v in value.items() if v > 0}
    return value


def results_to_json(results: Any) -> dict[str, Any]:
    """The JSON document of ``evexplorer compute --json``."""
    from .model import PARAMETERS

    return {
        "model_version": results.model_version,
        "parameters": {
            name: {"value": _plain(value), "unit": PARAMETERS[name].unit}
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


def write_csv(results: Any, stream: Any) -> None:
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


def _print_summary(results: Any) -> None:
    """A short human summary for ``compute`` without --json or --csv."""
    years = results.years
    picks = [i for i, y in enumerate(years) if y in (years[0], 2030, 2040, years[-1])]
    shown = ["pack_cost", "ev_price", "ice_price", "ev_sales", "battery_demand",
             "lithium_demand", "lithium_supply", "battery_emissions", "ev_lifecycle_emissions",
             "ice_lifecycle_emissions", "breakeven_distance", "fleet_emissions_avoided"]
    print(f"{'':<26}{'unit':<16}" + "".join(f"{int(years[i]):>12}" for i in picks))
    for name in shown:
        row = "".join(f"{float(results.series[name][i]):>12,.1f}" for i in picks)
        print(f"{name:<26}{results.units[name]:<16}{row}")
    for name, value in results.scalars.items():
        text = "never" if value is None else (f"{value:,.0f}" if isinstance(value, float)
                                              else str(value))
        print(f"{name}: {text} {results.units[name] if value is not None else ''}".rstrip())


def _compute(args: argparse.Namespace) -> None:
    from .model import evaluate

    params: dict[str, Any] = {}
    document = None
    if args.file is not None:
        from . import scenario

        document = scenario.open_scenario(args.file)
        for warning in document.warnings:
            print(f"evexplorer: note: {warning}", file=sys.stderr)
        params.update(document.parameters)
    params.update(parse_overrides(args.overrides))
    results = evaluate(params)
    if args.save is not None:
        from . import scenario

        meta = {} if document is None else {
            "title": document.title, "author": document.author, "notes": document.notes,
            "created": document.created}
        scenario.save_scenario(args.save, results.parameters, results, **meta)
    if args.json:
        json.dump(results_to_json(results), sys.stdout, indent=1, allow_nan=False)
        sys.stdout.write("\n")
    elif args.csv is not None:
        if str(args.csv) == "-":
            write_csv(results, sys.stdout)
        else:
            try:
                with open(args.csv, "w", newline="", encoding="utf-8") as fh:
                    write_csv(results, fh)
            except OSError as exc:
                raise CommandError(f"cannot write {args.csv}: {exc.strerror}",
                                   EXIT_FILE_ERROR) from None
    elif args.save is None:
        _print_summary(results)


def _info(args: argparse.Namespace) -> None:
    from . import scenario
    from .model import evaluate

    document = scenario.open_scenario(args.file)
    print(scenario.describe(document, recomputed=evaluate(document.parameters)))


# ---------------------------------------------------------------------------------------------
# entry points


def run_headless(argv: Sequence[str]) -> int:
    """Run a headless command; return the exit status."""
    from .model import ParameterError
    from .scenario import ScenarioFileError

    try:
        args = _headless_parser().parse_args(argv)
        if args.command == "params":
            _print_params(args.json)
        elif args.command == "compute":
            _compute(args)
        else:
            _info(args)
    except CommandError as exc:
        return _fail(str(exc), exc.status)
    except ParameterError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except BrokenPipeError:
        # The reader of stdout went away (e.g. '| head'): not an error of ours.
        sys.stderr.close()
        return 0
    except ScenarioFileError as exc:
        return _fail(str(exc), EXIT_FILE_ERROR)
    return 0


def _fail(message: str, status: int) -> int:
    print(f"evexplorer: error: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``evexplorer`` command."""
    from ._platform import tune_allocator

    tune_allocator()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in HEADLESS_COMMANDS:
        return run_headless(argv)
    try:
        args = _gui_parser().parse_args(argv)
    except CommandError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    from .app import run

    return run(file=args.file, screenshot=args.screenshot, self_test=args.self_test)


def gui_main() -> int:
    """Entry point of the windowed launcher (no console on Windows)."""
    return main()

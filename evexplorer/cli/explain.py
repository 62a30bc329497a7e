"""Commands that answer a board's questions: ``compare``, ``explain``, ``seek`` and ``targets``.

    evexplorer compare FILE FILE [FILE ...] [--year Y] [--json]
    evexplorer explain FILE [--against FILE] --output NAME --year Y [--json]
    evexplorer seek [FILE] [--set NAME=VALUE ...] --lever NAME --output NAME --year Y
                    --target VALUE [--json]
    evexplorer targets [FILE] [--set ...] [--target "OUTPUT<=VALUE@YEAR" ...] [--json]

Thin wrappers over :mod:`evexplorer.analysis`. A question the analysis cannot
answer (an unknown output, a year outside the years shown, bad target syntax)
exits with status 2; a target that no value of the lever reaches exits with
status 1 and names the range that is reachable.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._base import CommandError, add_set_option, open_document, scenario_parameters

COMMANDS = ("compare", "explain", "seek", "targets")
#: Exit status of ``seek`` when no value of the lever reaches the target.
EXIT_UNREACHABLE = 1
#: Year of the headline figures of the ``compare`` table when none is given.
DEFAULT_YEAR = 2030


def register(sub: Any) -> None:
    """Add this module's commands to the subparsers ``sub``."""
    compare = sub.add_parser("compare", help="headline figures and series of 2-6 scenario "
                             "files side by side")
    compare.add_argument("files", nargs="+", type=Path, metavar="FILE")
    compare.add_argument("--year", type=_whole, default=None, metavar="Y",
                         help=f"year of the headline figures of the table (default "
                         f"{DEFAULT_YEAR})")
    compare.add_argument("--json", action="store_true",
                         help="print every scenario's series and scalars as JSON")
    compare.set_defaults(handler=_compare)

    explain = sub.add_parser("explain", help="split the change of an output from the "
                             "reference among the levers that differ (Shapley values)")
    explain.add_argument("file", type=Path, help="scenario file")
    explain.add_argument("--against", type=Path, metavar="FILE",
                         help="reference scenario file (default: the file's stored reference, "
                         "else the baseline)")
    _add_output_options(explain)
    explain.add_argument("--json", action="store_true", help="print JSON instead of a table")
    explain.set_defaults(handler=_explain)

    seek = sub.add_parser("seek", help="the value of a lever at which an output reaches a "
                          "target in a year")
    seek.add_argument("file", nargs="?", type=Path,
                      help="scenario file whose levers are the starting point")
    add_set_option(seek)
    seek.add_argument("--lever", required=True, metavar="NAME", help="numeric lever to move")
    _add_output_options(seek)
    seek.add_argument("--target", required=True, type=_number, metavar="VALUE",
                      help="value sought, in the output's unit (price parity: --output "
                      "ev_price_premium --target 0)")
    seek.add_argument("--json", action="store_true", help="print JSON instead of a sentence")
    seek.set_defaults(handler=_seek)

    targets = sub.add_parser("targets", help="check the built-in policy targets and your own")
    targets.add_argument("file", nargs="?", type=Path,
                         help="scenario file (its stored targets are checked too)")
    add_set_option(targets)
    targets.add_argument("--target", dest="targets", action="append", default=[],
                         metavar="OUTPUT<=VALUE@YEAR",
                         help="a target of your own, OUTPUT<=VALUE@YEAR or OUTPUT>=VALUE@YEAR; "
                         "repeatable")
    targets.add_argument("--json", action="store_true", help="print JSON instead of a table")
    targets.set_defaults(handler=_targets)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", required=True, metavar="NAME",
                        help="output series (or scalar) name, e.g. pack_cost")
    parser.add_argument("--year", type=_whole, default=None, metavar="Y",
                        help="year at which the series is read (not used for a scalar)")


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the year must be a whole number, not {text!r}") from None


def _number(text: str) -> float:
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"the target must be a number, not {text!r}")
    return value


@contextmanager
def _answers() -> Iterator[None]:
    """Turn a question the analysis cannot answer into a one-line command error."""
    from ..analysis.goal_seek import UnreachableTarget
    from ..analysis.readout import AnalysisError

    try:
        yield
    except UnreachableTarget as exc:
        raise CommandError(str(exc), EXIT_UNREACHABLE) from None
    except AnalysisError as exc:
        raise CommandError(str(exc)) from None


def _year_for(output: str, year: int | None) -> int | None:
    """The year to read ``output`` at; a note on stderr if one is given for a scalar."""
    from ..model import SCALARS

    if output in SCALARS and year is not None:
        print(f"evexplorer: note: {output} covers every year shown; --year is not used",
              file=sys.stderr)
        return None
    return year


def _print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=1, allow_nan=False, ensure_ascii=False)
    sys.stdout.write("\n")


def _title(document: Any, path: Path) -> str:
    return document.title or path.stem


# ---------------------------------------------------------------------------------------------
# compare


def _compare(args: argparse.Namespace) -> None:
    from ..analysis.compare import check_count, compare
    from ..analysis.readout import check_year
    from ..export.tabular import results_to_json
    from ..model import evaluate

    with _answers():
        check_count(len(args.files))
    scenarios = []
    for path in args.files:
        document = open_document(path)
        scenarios.append((path, _title(document, path), evaluate(document.parameters)))
    if args.json:
        entries = []
        for path, title, results in scenarios:
            numbers = results_to_json(results)
            entries.append({"file": str(path), "title": title, "years": numbers["years"],
                            "series": numbers["series"], "scalars": numbers["scalars"]})
        years = sorted({y for entry in entries for y in entry["years"]})
        _print_json({"years": years, "scenarios": entries})
        return
    year = DEFAULT_YEAR if args.year is None else args.year
    with _answers():
        check_year(year, sorted({int(y) for _, _, results in scenarios for y in results.years}))
        table = compare([(title, results) for _, title, results in scenarios], year)
    _print_comparison(table)


def _print_comparison(table: Any) -> None:
    width = 24
    names = [_fit(t, width) for t in table.titles]
    print(f"{'Headline figures in ' + str(table.year):<40}" + "".join(f"{n:>{width}}"
                                                                      for n in names))
    for h, values, differences, differs in zip(table.headlines, table.values,
                                               table.differences, table.differs, strict=True):
        unit = "" if h.is_year else f" [{h.unit}]"
        cells = []
        for s, value in enumerate(values):
            text = h.format(value)
            if s != table.against and differs[s]:
                text += f" ({h.format_difference(differences[s])})*"
            cells.append(f"{text:>{width}}")
        print(f"{_fit(h.title + unit, 40):<40}" + "".join(cells))
    print(f"\n(difference) against {table.titles[table.against]}; * differs")


def _fit(text: str, width: int) -> str:
    return text if len(text) < width else text[:width - 2] + "…"


# ---------------------------------------------------------------------------------------------
# explain


def _reference(args: argparse.Namespace, document: Any) -> tuple[str, dict[str, Any]]:
    """Title and levers of the reference: --against, else the stored reference, else baseline."""
    if args.against is not None:
        against = open_document(args.against)
        return _title(against, args.against), dict(against.parameters)
    stored = document.reference
    if stored:
        return str(stored.get("title") or "stored reference"), dict(stored["parameters"])
    return "baseline", {}


def _explain(args: argparse.Namespace) -> None:
    from ..analysis.attribution import attribute
    from ..export.tabular import lever_value_json

    document = open_document(args.file)
    reference_title, reference = _reference(args, document)
    with _answers():
        split = attribute(reference, document.parameters, args.output,
                          _year_for(args.output, args.year))
    if args.json:
        _print_json({
            "output": split.output, "year": split.year, "unit": split.unit,
            "reference": split.reference, "scenario": split.scenario, "method": split.method,
            "contributions": [
                {"name": c.name, "from": lever_value_json(c.before),
                 "to": lever_value_json(c.after), "effect": c.effect,
                 "standard_error": c.standard_error}
                for c in split.contributions],
            "reference_title": reference_title, "scenario_title": _title(document, args.file),
            "held": list(split.held), "runs": split.runs, "permutations": split.permutations,
        })
        return
    _print_attribution(split, reference_title, _title(document, args.file))


def _print_attribution(split: Any, reference_title: str, scenario_title: str) -> None:
    from ..analysis.readout import number
    from ..model import PARAMETERS

    what = split.output if split.year is None else f"{split.output} in {split.year}"
    print(f"{what} [{split.unit}]: {number(split.reference, split.unit)} ({reference_title}) "
          f"→ {number(split.scenario, split.unit)} ({scenario_title}), "
          f"change {split.change:+,.4g}")
    count = len(split.contributions)
    if split.method == "exact":
        print(f"Exact Shapley split among {count} changed levers ({split.runs:,} model runs).")
    else:
        print(f"Sampled estimate of the Shapley split among {count} changed levers "
              f"({split.permutations} orders, {split.runs:,} model runs; ± one standard "
              "error).")
    if split.held:
        print(f"Held at the scenario's values (they set the years shown): "
              f"{', '.join(split.held)}.")
    if not count:
        print("No lever differs.")
        return
    rows = [(c.name, PARAMETERS[c.name].format_with_unit(c.before),
             PARAMETERS[c.name].format_with_unit(c.after),
             f"{c.effect:+,.4g}" + (f" ± {c.standard_error:.2g}" if split.method == "sampled"
                                    else "")) for c in split.contributions]
    widths = [max(len(r[i]) for r in [("lever", "from", "to", "effect"), *rows])
              for i in range(4)]
    for row in [("lever", "from", "to", "effect"), *rows]:
        print("  " + "  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True))
              .rstrip())
    print(f"  {'total':<{sum(widths[:3]) + 4}}  {split.change:+,.4g}")


# ---------------------------------------------------------------------------------------------
# seek


def _seek(args: argparse.Namespace) -> None:
    from ..analysis.goal_seek import goal_seek
    from ..model import registry

    _, params = scenario_parameters(args.file, args.overrides)
    registry.get(args.lever)  # an unknown lever is named before any output
    with _answers():
        found = goal_seek(params, args.lever, args.output, _year_for(args.output, args.year),
                          args.target)
    if args.json:
        _print_json({"lever": found.lever, "value": found.value, "unit": found.unit,
                     "output": found.output, "year": found.year, "target": found.target,
                     "achieved": found.achieved, "output_unit": found.output_unit,
                     "whole_number": found.whole_number})
        return
    from ..analysis.readout import quantity

    lever = registry.get(found.lever)
    what = found.output if found.year is None else f"{found.output} in {found.year}"
    whole = " (the nearest whole value that meets the target)" if found.whole_number else ""
    print(f"{found.lever} = {lever.format_with_unit(found.value)}{whole}: {what} is "
          f"{quantity(found.achieved, found.output_unit)} (target "
          f"{quantity(found.target, found.output_unit)}).")


# ---------------------------------------------------------------------------------------------
# targets


def _stored_targets(document: Any) -> list[Any]:
    """The user targets stored in the file; a record that cannot be read is a note."""
    from ..analysis.targets import Target, TargetError

    found = []
    for item in (None if document is None else document.targets) or ():
        if isinstance(item, Target):
            found.append(item)
            continue
        try:
            found.append(Target.from_record(item))
        except TargetError as exc:
            print(f"evexplorer: note: a stored target was skipped: {exc}", file=sys.stderr)
    return found


def _targets(args: argparse.Namespace) -> None:
    from ..analysis.targets import builtin_targets, check_targets, parse_target
    from ..model import evaluate

    document, params = scenario_parameters(args.file, args.overrides)
    with _answers():
        given = [parse_target(text) for text in args.targets]
    targets, seen = [], set()
    for target in [*builtin_targets(), *_stored_targets(document), *given]:
        if target.id not in seen:
            seen.add(target.id)
            targets.append(target)
    checks = check_targets(evaluate(params), targets)
    if args.json:
        _print_json({"targets": [check.to_record() for check in checks]})
        return
    from ..analysis.readout import quantity

    for check in checks:
        t = check.target
        status = {True: "met", False: "NOT MET", None: "not evaluated"}[check.met]
        print(f"[{status}] {t.description}")
        value = (f"not evaluated: {check.reason}" if check.value is None
                 else quantity(check.value, t.unit))
        print(f"    {t.output} {t.comparison} {quantity(t.required, t.unit)} in {t.year}: "
              f"{value}")
        print(f"    source: {t.source if len(t.source) <= 100 else t.source[:97] + '...'}")

"""Model commands: ``params``, ``compute`` and ``info``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .._atomic import atomic_stream
from ._base import (
    EXIT_FILE_ERROR,
    CommandError,
    add_set_option,
    scenario_parameters,
)

COMMANDS = ("params", "compute", "info")


def register(sub: Any) -> None:
    """Add this module's commands to the subparsers ``sub``."""
    params = sub.add_parser("params", help="list every lever with unit, default, range, source")
    params.add_argument("--json", action="store_true", help="print JSON instead of a table")
    params.set_defaults(handler=_params)
    compute = sub.add_parser("compute", help="run the model and print or save the results")
    compute.add_argument("file", nargs="?", type=Path,
                         help="scenario file whose levers are the starting point")
    add_set_option(compute)
    compute.add_argument("--save", type=Path, metavar="FILE",
                         help="save the scenario and its results to FILE (.evx is added to a "
                              "name without one)")
    compute.add_argument("--force", action="store_true",
                         help="with --save: replace FILE even if it is not an EV Explorer "
                              "scenario")
    out = compute.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the results as JSON")
    out.add_argument("--csv", type=Path, metavar="FILE",
                     help="write the series as CSV, one row per year ('-' for stdout)")
    compute.set_defaults(handler=_compute)
    info = sub.add_parser("info", help="describe a scenario file")
    info.add_argument("file", type=Path)
    info.set_defaults(handler=_info)


def _parameter_records() -> list[dict[str, Any]]:
    from ..model import GROUPS, PARAMETERS
    from ..model.data import load

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


def _params(args: argparse.Namespace) -> None:
    records = _parameter_records()
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return
    from ..model import PARAMETERS

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
    from ..export import tabular
    from ..model import evaluate

    document, params = scenario_parameters(args.file, args.overrides)
    results = evaluate(params)
    if args.save is not None:
        from .. import scenario

        target = _save_target(args.save, force=args.force)
        meta = {} if document is None else {
            "title": document.title, "author": document.author, "notes": document.notes,
            "created": document.created}
        scenario.save_scenario(target, results.parameters, results, **meta)
        print(f"Saved {target}", file=sys.stderr)
    if args.json:
        json.dump(tabular.results_to_json(results), sys.stdout, indent=1, allow_nan=False)
        sys.stdout.write("\n")
    elif args.csv is not None:
        if str(args.csv) == "-":
            tabular.write_csv(results, sys.stdout)
        else:
            with atomic_stream(args.csv, verb="write", text=True, newline="") as fh:
                tabular.write_csv(results, fh)
    elif args.save is None:
        _print_summary(results)


def _save_target(path: Path, *, force: bool) -> Path:
    """Where ``--save`` writes: ``.evx`` added to a name without a suffix; an existing file
    that is not a scenario is kept unless ``force``."""
    from ..scenario.reader import is_scenario_file

    if not path.suffix and path.name:
        path = path.with_name(path.name + ".evx")
    if (not force and os.path.lexists(path) and not os.path.isdir(path)
            and not is_scenario_file(path)):
        raise CommandError(f"'{path}' exists and is not an EV Explorer scenario, so it was not "
                           "replaced; use --force to replace it.", EXIT_FILE_ERROR)
    return path


def _info(args: argparse.Namespace) -> None:
    from .. import scenario
    from ..model import evaluate

    document = scenario.open_scenario(args.file)
    print(scenario.describe(document, recomputed=evaluate(document.parameters)))

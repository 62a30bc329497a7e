"""Uncertainty commands: ``uncertainty`` (P10/P50/P90 bands) and ``sensitivity`` (drivers).

    evexplorer uncertainty [FILE] [--set NAME=VALUE ...] [--vary NAME=LOW:HIGH[:DIST] ...]
               [--correlate A,B=RHO ...] [--samples N] [--seed S] [--json | --csv FILE]
    evexplorer sensitivity [FILE] [--set ...] [--vary ...] [--correlate ...] --output NAME
               [--year Y] [--method tornado|sobol] [--samples N] [--seed S] [--json]

The uncertain levers are, in order of precedence: exactly those given with
``--vary`` (replacing the defaults and the file's settings); else the file's
stored uncertainty; else the defaults. :func:`add_uncertainty_options` and
:func:`uncertainty_spec` are what another command needs to accept ``--vary`` and
``--correlate`` too.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._base import EXIT_FILE_ERROR, CommandError, add_set_option, scenario_parameters

if TYPE_CHECKING:
    from ..analysis.bands import Bands
    from ..analysis.sensitivity import SobolAnalysis, Tornado
    from ..analysis.uncertainty import UncertaintySpec

COMMANDS = ("uncertainty", "sensitivity")

#: Most samples of a band, and most base samples of a Sobol analysis.
MAX_SAMPLES = 100_000
MAX_SOBOL_SAMPLES = 65_536
#: Distributions ``--vary`` accepts.
VARY_DISTRIBUTIONS = ("uniform", "triangular", "loguniform", "lognormal")
#: Series in the readable table of ``uncertainty`` (every series is in --json and --csv).
TABLE_SERIES = ("pack_cost", "ev_price", "ice_price", "ev_sales", "battery_demand",
                "lithium_demand", "lithium_supply", "battery_emissions", "ev_lifecycle_emissions",
                "ice_lifecycle_emissions", "breakeven_distance", "fleet_emissions_avoided")


def add_uncertainty_options(parser: argparse.ArgumentParser) -> None:
    """The repeatable ``--vary`` and ``--correlate`` options (``args.vary``, ``args.correlate``)."""
    parser.add_argument("--vary", action="append", default=[], metavar="NAME=LOW:HIGH[:DIST]",
                        help="make the lever uncertain between LOW and HIGH, in its own unit; "
                        "DIST uniform (default), triangular (mode at the scenario's value), "
                        "loguniform or lognormal (LOW and HIGH its 5th and 95th percentiles); "
                        "repeatable; the levers given are exactly the uncertain ones")
    parser.add_argument("--correlate", action="append", default=[], metavar="A,B=RHO",
                        help="rank (Spearman) correlation between two uncertain levers, "
                        "-1 to 1; repeatable")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path,
                        help="scenario file whose levers (and stored uncertainty) are used")
    add_set_option(parser)
    add_uncertainty_options(parser)
    parser.add_argument("--seed", type=_seed, metavar="S",
                        help="seed of the sampling design (default: the file's, or 2025)")


def register(sub: Any) -> None:
    """Add this module's commands to the subparsers ``sub``."""
    bands = sub.add_parser("uncertainty", help="P10/P50/P90 of every series under uncertainty")
    _add_common(bands)
    bands.add_argument("--samples", type=_count(2, MAX_SAMPLES), default=None, metavar="N",
                       help="number of samples (default 1000)")
    out = bands.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the bands as JSON")
    out.add_argument("--csv", type=Path, metavar="FILE",
                     help="write the bands as CSV, one row per series and percentile "
                     "('-' for stdout)")
    bands.set_defaults(handler=_uncertainty)
    drivers = sub.add_parser("sensitivity",
                             help="the levers that move an output most (tornado or Sobol)")
    _add_common(drivers)
    drivers.add_argument("--output", required=True, metavar="NAME",
                         help="a series (with --year) or a scalar such as cost_parity_year")
    drivers.add_argument("--year", type=int, metavar="Y",
                         help="year of a series output (a scalar covers the whole run)")
    drivers.add_argument("--method", choices=("tornado", "sobol"), default="tornado",
                         help="tornado: each lever alone at its P10 and P90 (default); "
                         "sobol: first- and total-order indices")
    drivers.add_argument("--samples", type=_count(2, MAX_SOBOL_SAMPLES), default=None,
                         metavar="N", help="Sobol base samples, a power of 2 (default 4096); "
                         "not used by the tornado")
    drivers.add_argument("--json", action="store_true", help="print the result as JSON")
    drivers.set_defaults(handler=_sensitivity)


def _count(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text.replace(",", "").replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low:,} to {high:,}, not {value:,}")
        return value

    return parse


def _seed(text: str) -> int:
    from ..analysis.uncertainty import MAX_SEED

    return _count(0, MAX_SEED)(text)


# ---------------------------------------------------------------------------------------------
# --vary and --correlate


def parse_vary(items: Sequence[str], values: Mapping[str, Any]
               ) -> dict[str, tuple[float, float, str]]:
    """Turn ``NAME=LOW:HIGH[:DIST]`` items into ``{name: (low, high, distribution)}``.

    LOW and HIGH are parsed and range-checked in the lever's own unit.
    """
    from ..analysis.uncertainty import uncertain_lever

    ranges: dict[str, tuple[float, float, str]] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        parts = text.split(":")
        if not sep or not name or len(parts) not in (2, 3):
            raise CommandError(f"--vary needs NAME=LOW:HIGH[:DIST], e.g. --vary "
                               f"lithium_price=8000:40000:loguniform; got {item!r}")
        param = uncertain_lever(name)
        if name in ranges:
            raise CommandError(f"--vary {name} is given twice")
        distribution = parts[2].strip() if len(parts) == 3 else "uniform"
        if distribution not in VARY_DISTRIBUTIONS:
            raise CommandError(f"--vary {name}: the distribution must be one of "
                               f"{', '.join(VARY_DISTRIBUTIONS)}, not {distribution!r}")
        low, high = (param.parse(part) for part in parts[:2])
        ranges[name] = (float(low), float(high), distribution)
    return ranges


def parse_correlate(items: Sequence[str]) -> list[tuple[str, str, float]]:
    """Turn ``A,B=RHO`` items into ``(a, b, rho)`` triples (levers checked later)."""
    pairs = []
    for item in items:
        names, sep, text = item.partition("=")
        a, comma, b = names.partition(",")
        a, b = a.strip(), b.strip()
        if not sep or not comma or not a or not b:
            raise CommandError(f"--correlate needs A,B=RHO, e.g. --correlate "
                               f"nickel_price,cobalt_price=0.5; got {item!r}")
        try:
            rho = float(text)
        except ValueError:
            raise CommandError(f"--correlate {a},{b}: the correlation must be a number from -1 "
                               f"to 1, not {text.strip()!r}") from None
        if not -1 <= rho <= 1:
            raise CommandError(f"--correlate {a},{b}: the correlation must be from -1 to 1, "
                               f"not {rho:g}")
        pairs.append((a, b, rho))
    return pairs


def uncertainty_spec(values: Mapping[str, Any], vary: Sequence[str] = (),
                     correlate: Sequence[str] = (), seed: int | None = None,
                     stored: Mapping[str, Any] | None = None) -> UncertaintySpec:
    """The uncertainty a command works with.

    Parameters
    ----------
    values : Mapping[str, object]
        The scenario's lever values (file and ``--set``) [lever units].
    vary, correlate : sequence of str
        The ``--vary`` and ``--correlate`` items.
    seed : int, optional
        ``--seed``.
    stored : Mapping, optional
        The file's stored uncertainty record, if any.

    Returns
    -------
    UncertaintySpec
        With ``--vary``: exactly those levers, with only the ``--correlate``
        correlations; else the file's record or the defaults, with ``--correlate``
        setting (or, at 0, removing) correlations among their uncertain levers.
    """
    from ..analysis.uncertainty import (
        Correlation,
        UncertaintySpec,
        spec_or_default,
        uncertain_lever,
    )

    if vary:
        spec = UncertaintySpec.from_ranges(values, parse_vary(vary, values))
    else:
        spec = spec_or_default(stored)
    pairs = parse_correlate(correlate)
    for a, b, _ in pairs:
        for name in (a, b):
            uncertain_lever(name)
            if name not in spec.levers:
                raise CommandError(f"--correlate {a},{b}: {name} is not uncertain; add --vary "
                                   f"{name}=LOW:HIGH")
    given = {frozenset((a, b)) for a, b, _ in pairs}
    kept = [c for c in spec.correlations if frozenset((c.a, c.b)) not in given]
    added = [Correlation(a, b, rho) for a, b, rho in pairs if rho != 0]
    return UncertaintySpec(spec.seed if seed is None else seed, spec.levers,
                           (*kept, *added))


def command_spec(args: argparse.Namespace, document: Any,
                 values: Mapping[str, Any]) -> UncertaintySpec:
    """The uncertainty of a command: ``--vary``/``--correlate`` (and ``--seed``) over the file's.

    Parameters
    ----------
    args : argparse.Namespace
        With ``file``, ``vary``, ``correlate`` and optionally ``seed``.
    document : ScenarioDocument or None
        The opened file.
    values : Mapping[str, object]
        The scenario's lever values (file and ``--set``) [lever units].

    Raises
    ------
    CommandError
        Exit status 1 if the file's stored uncertainty is needed and cannot be used.
    """
    from ..model.registry import ParameterError

    stored = None if document is None else document.uncertainty
    if stored is not None and not args.vary:
        from ..analysis.uncertainty import UncertaintySpec

        try:
            UncertaintySpec.from_record(stored)
        except ParameterError as exc:
            raise CommandError(f"{args.file}: its stored uncertainty cannot be used: {exc}",
                               EXIT_FILE_ERROR) from None
    return uncertainty_spec(values, args.vary, args.correlate, getattr(args, "seed", None),
                            stored)


def _scenario(args: argparse.Namespace) -> tuple[dict[str, Any], UncertaintySpec]:
    """The lever values (file, then --set) and the uncertainty of a command."""
    document, params = scenario_parameters(args.file, args.overrides)
    return params, command_spec(args, document, params)


# ---------------------------------------------------------------------------------------------
# Formatting


def _number(value: float) -> float | None:
    """A JSON number: NaN and infinity ("never") become null."""
    value = float(value)
    return value if math.isfinite(value) else None


def _csv_number(value: float) -> str:
    """At most 12 significant digits; empty for "never"."""
    value = float(value)
    return format(value, ".12g") if math.isfinite(value) else ""


def _varied(values: Mapping[str, Any], spec: UncertaintySpec) -> dict[str, dict[str, Any]]:
    """Each uncertain lever's distribution and bounds at the scenario's value, in its unit."""
    from ..analysis.sampling import current_value
    from ..model import PARAMETERS

    varied = {}
    for name, uncertainty in spec.levers.items():
        param = PARAMETERS[name]
        low, high = uncertainty.bounds(current_value(values, name))
        varied[name] = {"distribution": uncertainty.distribution,
                        "low": min(max(low, param.minimum), param.maximum),
                        "high": min(max(high, param.minimum), param.maximum),
                        "unit": param.unit}
    return varied


def bands_to_json(bands: Bands, values: Mapping[str, Any], spec: UncertaintySpec
                  ) -> dict[str, Any]:
    """The JSON document of ``evexplorer uncertainty --json``."""
    labels = [f"p{p:g}" for p in bands.percentiles]
    return {
        "model_version": bands.model_version,
        "samples": bands.n_samples,
        "seed": bands.seed,
        "years": [int(y) for y in bands.years],
        "percentiles": [int(p) if float(p).is_integer() else p for p in bands.percentiles],
        "varied": _varied(values, spec),
        "series": {
            name: {"unit": bands.units[name],
                   **{label: [_number(v) for v in row]
                      for label, row in zip(labels, levels, strict=True)}}
            for name, levels in bands.series.items()
        },
    }


def write_bands_csv(bands: Bands, stream: TextIO) -> None:
    """Write the bands as CSV: ``series, unit, percentile``, then one column per year."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["series", "unit", "percentile", *(int(y) for y in bands.years)])
    for name, levels in bands.series.items():
        for p, row in zip(bands.percentiles, levels, strict=True):
            writer.writerow([name, bands.units[name], f"{p:g}",
                             *(_csv_number(v) for v in row)])


def _format(value: float, unit: str, decimals: int = 1) -> str:
    if math.isnan(value) or math.isinf(value):
        return "never"
    if unit in ("year", "years"):  # a percentile may fall between two whole years
        return f"{value:.0f}" if value == round(value) else f"{value:.1f}"
    return f"{value:,.{decimals}f}"


def _print_bands(bands: Bands, values: Mapping[str, Any], spec: UncertaintySpec) -> None:
    from ..analysis.sampling import DEFAULT_METHOD
    from ..model import PARAMETERS

    years = bands.years
    picks = [i for i, y in enumerate(years) if y in (years[0], 2030, 2040, years[-1])]
    design = "scrambled Sobol'" if DEFAULT_METHOD == "sobol" else DEFAULT_METHOD
    print(f"{len(spec.levers)} uncertain levers, {bands.n_samples:,} samples ({design}, seed "
          f"{bands.seed}); P10 / P50 / P90 of each series")
    print(f"{'':<26}{'unit':<14}{'':<5}" + "".join(f"{int(years[i]):>12}" for i in picks))
    for name in TABLE_SERIES:
        for row, (p, levels) in enumerate(zip(bands.percentiles, bands.series[name],
                                              strict=True)):
            head = f"{name:<26}{bands.units[name]:<14}" if row == 0 else " " * 40
            cells = "".join(f"{_format(levels[i], bands.units[name]):>12}" for i in picks)
            print(f"{head}P{p:<4g}{cells}")
    for name, levels in bands.scalars.items():
        unit = bands.units[name]
        text = ", ".join(f"P{p:g} {_format(v, unit, 0)}" for p, v in zip(bands.percentiles,
                                                                           levels, strict=True))
        never = float(bands.never[name])
        extra = f" (never reached in {never:.1%} of samples)" if never else ""
        print(f"{name}: {text} [{unit}]{extra}")
    print("uncertain levers:")
    for name, entry in _varied(values, spec).items():
        param = PARAMETERS[name]
        print(f"  {name:<24} {entry['distribution']:<11} {param.format(entry['low'])} to "
              f"{param.format_with_unit(entry['high'])}")
    for c in spec.correlations:
        print(f"  rank correlation {c.a} ~ {c.b}: {c.rho:g}")


def tornado_to_json(result: Tornado) -> dict[str, Any]:
    """The JSON document of ``evexplorer sensitivity --method tornado --json``."""
    return {
        "output": result.output, "year": result.year, "unit": result.unit,
        "value": _number(result.value), "method": "tornado",
        "levers": [{"name": bar.name, "low_value": bar.low_value, "high_value": bar.high_value,
                    "low": _number(bar.low), "high": _number(bar.high)}
                   for bar in result.bars],
    }


def sobol_to_json(result: SobolAnalysis) -> dict[str, Any]:
    """The JSON document of ``evexplorer sensitivity --method sobol --json``."""
    ix = result.indices
    order = sorted(range(len(ix.names)), key=lambda i: -ix.total[i])
    return {
        "output": result.output, "year": result.year, "unit": result.unit, "method": "sobol",
        "samples": ix.n_base,
        "levers": [{"name": ix.names[i], "first": float(ix.first[i]),
                    "total": float(ix.total[i]),
                    "first_conf": [float(v) for v in ix.first_conf[i]],
                    "total_conf": [float(v) for v in ix.total_conf[i]]} for i in order],
    }


def _what(output: str, year: int | None, unit: str) -> str:
    return f"{output}{'' if year is None else f' in {year}'} [{unit}]"


def _print_tornado(result: Tornado) -> None:
    from ..model import PARAMETERS

    print(f"{_what(result.output, result.year, result.unit)}: "
          f"{_format(result.value, result.unit, 2)} at the scenario's values; each uncertain "
          "lever alone at its P10 and P90:")
    print(f"  {'lever':<24}{'low value':>24}{'high value':>24}{'at low':>14}{'at high':>14}")
    for bar in result.bars:
        param = PARAMETERS[bar.name]
        print(f"  {bar.name:<24}{param.format_with_unit(bar.low_value):>24}"
              f"{param.format_with_unit(bar.high_value):>24}"
              f"{_format(bar.low, result.unit, 2):>14}{_format(bar.high, result.unit, 2):>14}")


def _print_sobol(result: SobolAnalysis) -> None:
    doc = sobol_to_json(result)
    ix = result.indices
    print(f"Sobol indices of {_what(result.output, result.year, result.unit)}: "
          f"{ix.n_base:,} base samples ({ix.n_runs:,} runs), "
          f"{ix.confidence_level:.0%} bootstrap intervals")
    print(f"  {'lever':<24}{'first order':>26}{'total order':>26}")
    for lever in doc["levers"]:
        cells = "".join(f"{lever[k]:>8.3f} ({lever[k + '_conf'][0]:.3f} to "
                        f"{lever[k + '_conf'][1]:.3f})" for k in ("first", "total"))
        print(f"  {lever['name']:<24}{cells}")


def _sobol_notes(result: SobolAnalysis) -> None:
    if result.ignored_correlations:
        pairs = ", ".join(f"{c.a} ~ {c.b} ({c.rho:g})" for c in result.ignored_correlations)
        print(f"evexplorer: note: Sobol indices assume independent levers; the correlations "
              f"{pairs} were ignored.", file=sys.stderr)
    if result.never_as is not None:
        print(f"evexplorer: note: {result.output} is never reached in some runs; those count "
              f"as {result.never_as:.0f}, the year after the run.", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Handlers


def _dump_json(document: Mapping[str, Any]) -> None:
    json.dump(document, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


def _uncertainty(args: argparse.Namespace) -> None:
    from ..analysis.bands import compute_bands
    from ..analysis.sampling import DEFAULT_SAMPLES

    values, spec = _scenario(args)
    bands = compute_bands(values, spec, args.samples or DEFAULT_SAMPLES)
    if args.json:
        _dump_json(bands_to_json(bands, values, spec))
    elif args.csv is not None:
        if str(args.csv) == "-":
            write_bands_csv(bands, sys.stdout)
            return
        from .._atomic import WriteError, atomic_stream

        try:
            with atomic_stream(args.csv, verb="write", text=True, newline="") as fh:
                write_bands_csv(bands, fh)
        except WriteError as exc:
            raise CommandError(str(exc), EXIT_FILE_ERROR) from None
    else:
        _print_bands(bands, values, spec)


def _sensitivity(args: argparse.Namespace) -> None:
    from ..analysis import sensitivity

    values, spec = _scenario(args)
    if args.method == "tornado":
        result = sensitivity.tornado(values, spec, args.output, args.year)
        if args.json:
            _dump_json(tornado_to_json(result))
        else:
            _print_tornado(result)
        return
    result = sensitivity.sobol(values, spec, args.output, args.year,
                               n=args.samples or sensitivity.DEFAULT_SOBOL_SAMPLES)
    _sobol_notes(result)
    if args.json:
        _dump_json(sobol_to_json(result))
    else:
        _print_sobol(result)

"""Benchmark of attribution (Shapley) and goal-seek.

Run it as a script (``python benchmarks/bench_explain.py [--json]``) or call
:func:`main`, which returns the figures as a dict. Goals on the project's
2-core machine: an exact attribution with 10 changed levers (1,024 model runs)
< 50 ms; a goal-seek < 100 ms.

Like the application, the benchmark first calls
:func:`evexplorer._platform.tune_allocator`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _common

_common.use_checkout()  # the script runs from a source checkout without installation

from evexplorer.analysis.attribution import TIME_AXIS, attribute  # noqa: E402
from evexplorer.analysis.goal_seek import UnreachableTarget, goal_seek, seek_parity  # noqa: E402
from evexplorer.model import PARAMETERS  # noqa: E402

RUNS = 15
WARMUP = 3
GOAL_ATTRIBUTION_MS = 50.0
GOAL_SEEK_MS = 100.0

#: Ten numeric levers changed at once: every subset is one row of a single batch.
TEN_NUMERIC = {"lithium_price": 40_000, "nickel_price": 25_000, "cobalt_price": 50_000,
               "supply_growth": 5.0, "demand_growth": 35.0, "recycling_rate": 70.0,
               "learning_rate": 14.0, "battery_size": 70.0, "renewable_share": 60.0,
               "grid_decarbonization": 4.0}
#: Ten levers of which two cannot vary inside a batch: four batches of 256 runs.
TEN_MIXED = {**{k: v for k, v in list(TEN_NUMERIC.items())[:8]},
             "chemistry_mix": {"LFP": 0.8, "NA_ION": 0.2}, "manufacturing_region": "eu"}


def every_lever_changed() -> dict[str, Any]:
    """Every lever but the time axis moved to the other end of its range (or another choice)."""
    changed: dict[str, Any] = {}
    for name, p in PARAMETERS.items():
        if name in TIME_AXIS:
            continue
        if p.numeric:
            changed[name] = p.maximum if p.default != p.maximum else p.minimum
        elif p.kind == "choice":
            changed[name] = next(c for c in p.choices if c != p.default)
        else:
            changed[name] = {"LFP": 0.7, "NA_ION": 0.3}
    return changed


def _unreachable() -> None:
    # Pack cost in 2035 turns inside battery_size's range: the search of its minimum runs.
    try:
        goal_seek(None, "battery_size", "pack_cost", 2035, 50.0)
    except UnreachableTarget:
        return
    raise AssertionError("the target should be unreachable")


def main() -> dict[str, Any]:
    """Run the benchmark; return its figures (times in ms)."""
    environment = _common.environment()
    every = every_lever_changed()
    cases: dict[str, tuple[str, Callable[[], Any], float | None]] = {
        "attribution_10_numeric": (
            "attribution, 10 numeric levers (1,024 runs, one batch)",
            lambda: attribute(None, TEN_NUMERIC, "pack_cost", 2030), GOAL_ATTRIBUTION_MS),
        "attribution_10_mixed": (
            "attribution, 8 numeric + mix + region (1,024 runs, 4 batches)",
            lambda: attribute(None, TEN_MIXED, "ev_lifecycle_emissions", 2030),
            GOAL_ATTRIBUTION_MS),
        "attribution_12": (
            "attribution, 12 numeric levers (4,096 runs)",
            lambda: attribute(None, {**TEN_NUMERIC, "cell_energy": 20.0,
                                     "ev_share_ceiling": 70.0}, "pack_cost", 2030), None),
        "attribution_sampled": (
            f"attribution, all {len(every)} levers, sampled (128 orders)",
            lambda: attribute(None, every, "pack_cost", 2040), None),
        "seek_pack_cost": (
            "goal-seek, lithium_price for pack_cost 2030 = 90 USD/kWh",
            lambda: goal_seek(None, "lithium_price", "pack_cost", 2030, 90.0), GOAL_SEEK_MS),
        "seek_parity": (
            "goal-seek, ice_vehicle_price for parity in 2026",
            lambda: seek_parity(None, "ice_vehicle_price", 2026), GOAL_SEEK_MS),
        "seek_whole_number": (
            "goal-seek, chemistry_target_year (whole number) for pack_cost 2030 = 65 USD/kWh",
            lambda: goal_seek({"chemistry_mix": "LFP"}, "chemistry_target_year", "pack_cost",
                              2030, 65.0), GOAL_SEEK_MS),
        "seek_two_solutions": (
            "goal-seek, battery_size for pack_cost 2035 = 75 USD/kWh (two solutions)",
            lambda: goal_seek(None, "battery_size", "pack_cost", 2035, 75.0), GOAL_SEEK_MS),
        "seek_unreachable": (
            "goal-seek, unreachable target (scan, then a search of the turning point)",
            _unreachable, GOAL_SEEK_MS),
    }
    figures = {key: {"label": label, "goal_ms": goal,
                     **_common.ms_figures(_common.time_calls(action, RUNS, WARMUP))}
               for key, (label, action, goal) in cases.items()}
    sampled = attribute(None, every, "pack_cost", 2040)
    figures["attribution_sampled"]["model_runs"] = sampled.runs
    return {**environment, "cases": figures}


def table(result: dict[str, Any]) -> str:
    """The figures as a markdown table."""
    rows = ["| case | median [ms] | min [ms] | goal [ms] | goal |",
            "| --- | ---: | ---: | ---: | --- |"]
    for figures in result["cases"].values():
        goal = figures["goal_ms"]
        status = "" if goal is None else ("met" if figures["median_ms"] < goal
                                          else "**missed**")
        rows.append(f"| {figures['label']} ({figures['runs']} calls) "
                    f"| {figures['median_ms']:.1f} | {figures['min_ms']:.1f} "
                    f"| {'' if goal is None else f'< {goal:g}'} | {status} |")
    return _common.environment_line(result) + "\n\n" + "\n".join(rows)


if __name__ == "__main__":
    args = _common.arguments(__doc__).parse_args()
    _common.print_figures(main(), table, args.json)

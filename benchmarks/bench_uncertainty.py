"""Benchmark of live uncertainty: bands, tornado, Sobol indices, and the steadiness of designs.

Run it as a script (``python benchmarks/bench_uncertainty.py``) or call :func:`main`,
which returns the figures as a dict. Goals on the project's 2-core machine:

- a 1,000-sample band of every output (model + percentiles) ≤ 8 ms;
- a tornado over every uncertain lever ≤ 30 ms;
- Sobol indices with confidence intervals, 3 levers at 2^14 base samples < 2 s,
  every uncertain lever at 2^12 < 15 s.

It also measures which sampling design gives the steadiest P10/P50/P90 at 1,000
samples: the spread of the percentiles between seeds, relative to their mean.
Like the application, it first calls :func:`evexplorer._platform.tune_allocator`.
"""

from __future__ import annotations

import time
from typing import Any

import _common
import numpy as np

_common.use_checkout()  # the script runs from a source checkout without installation

from evexplorer.analysis import bands, sampling, sensitivity  # noqa: E402
from evexplorer.analysis.uncertainty import (  # noqa: E402
    TIME_AXIS,
    LeverUncertainty,
    UncertaintySpec,
    default_spec,
)
from evexplorer.model import PARAMETERS, evaluate, registry  # noqa: E402

N_SAMPLES = 1000
BAND_RUNS = 60
TORNADO_RUNS = 40
GOAL_BAND_MS = 8.0
GOAL_TORNADO_MS = 30.0
GOAL_SOBOL_3_S = 2.0
GOAL_SOBOL_ALL_S = 15.0
#: The series a window's six charts draw bands for.
CHART_SERIES = ("pack_cost", "pack_material_cost", "ev_price", "ice_price", "lithium_demand",
                "lithium_supply", "lithium_recycled", "battery_emissions",
                "ev_production_emissions", "ev_lifecycle_emissions", "ice_lifecycle_emissions",
                "fleet_emissions_avoided")
#: The three levers of the small Sobol case.
THREE = ("lithium_price", "demand_growth", "learning_rate")
#: Outputs whose percentiles are compared between designs: (series, year index).
STEADINESS_OUTPUTS = (("pack_cost", 5), ("ev_price", 10), ("battery_emissions", 5),
                      ("fleet_emissions_avoided", 15), ("lithium_demand", 15),
                      ("ev_lifecycle_emissions", 10))
STEADINESS_SEEDS = 40


def _times(call, runs: int, warmup: int = 3) -> dict[str, float]:
    """Wall-clock and CPU times of ``call`` [ms].

    On a machine shared with other work, the process's CPU time is the better estimate of
    the wall time on a quiet machine: the code is single-threaded.
    """
    return _common.ms_figures(_common.time_calls(call, runs, warmup))


def time_bands() -> dict[str, Any]:
    """A 1,000-sample band, as a drag computes it: a new lever value on every call."""
    spec = default_spec()
    values = registry.defaults()
    prices = np.geomspace(8_000, 40_000, 64)
    step = iter(range(10**9))

    def moved() -> dict[str, Any]:
        return {**values, "lithium_price": float(prices[next(step) % prices.size])}

    sampling.warm_up(spec, N_SAMPLES)
    params = sampling.sampled_parameters(values, spec, N_SAMPLES)
    results = evaluate(params)
    outputs = [results.series[name] for name in results.series]
    return {
        "uncertain_levers": len(spec.levers),
        "all_series": _times(lambda: bands.compute_bands(moved(), spec, N_SAMPLES), BAND_RUNS),
        "chart_series": _times(lambda: bands.compute_bands(moved(), spec, N_SAMPLES,
                                                           series=CHART_SERIES), BAND_RUNS),
        "parts": {
            "sampling": _times(lambda: sampling.sample(moved(), spec, N_SAMPLES), BAND_RUNS),
            "model": _times(lambda: evaluate(params), BAND_RUNS),
            "percentiles_all": _times(lambda: bands.stacked_percentiles(
                outputs, bands.DEFAULT_PERCENTILES), BAND_RUNS),
            "percentiles_numpy": _times(lambda: [np.percentile(a, [10, 50, 90], axis=0)
                                                 for a in outputs], 10),
        },
    }


def time_tornado() -> dict[str, Any]:
    """A tornado of pack_cost in 2030 over every uncertain lever (2K + 1 runs)."""
    spec = default_spec()
    figures = _times(lambda: sensitivity.tornado({}, spec, "pack_cost", 2030), TORNADO_RUNS)
    figures["levers"] = len(spec.levers)
    return figures


def _every_lever_spec() -> UncertaintySpec:
    """Every lever that can be sampled uncertain: the defaults, plus ±10 % of the range."""
    spec = default_spec()
    levers = dict(spec.levers)
    for name, p in PARAMETERS.items():
        if p.numeric and name not in TIME_AXIS and name not in levers:
            half = max(round(0.1 * (p.maximum - p.minimum)), 1) if p.kind == "int" \
                else 0.1 * (p.maximum - p.minimum)
            levers[name] = LeverUncertainty("uniform", "absolute", -half, half)
    return UncertaintySpec(spec.seed, levers, spec.correlations)


def time_sobol() -> dict[str, Any]:
    """Sobol indices with 95 % bootstrap intervals, progress reported, as the window asks."""
    out = {}
    base = default_spec()
    cases = {
        "three_levers_2^14": (UncertaintySpec(base.seed, {n: base.levers[n] for n in THREE}),
                              2**14),
        "default_levers_2^12": (base, 2**12),
        "every_lever_2^12": (_every_lever_spec(), 2**12),
    }
    for key, (spec, n) in cases.items():
        marks: list[tuple[float, float, float]] = []
        start, start_cpu = time.perf_counter(), time.process_time()
        result = sensitivity.sobol(
            {}, spec, "pack_cost", 2030, n=n,
            progress=lambda f, m=marks: m.append((f, time.perf_counter(), time.process_time())))
        total, total_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        # The last model chunk reports this fraction; the bootstrap's steps come after it.
        model_share = 1 / (1 + sensitivity._BOOTSTRAP_COST * result.indices.n_resamples)
        model_cpu = max(c for f, _, c in marks if f <= model_share + 1e-12) - start_cpu
        out[key] = {"seconds": total, "cpu_seconds": total_cpu, "levers": len(spec.levers),
                    "base_samples": n, "runs": result.indices.n_runs,
                    "model_cpu_seconds": model_cpu,
                    "bootstrap_cpu_seconds": total_cpu - model_cpu}
    return out


def steadiness() -> dict[str, Any]:
    """Spread of P10/P50/P90 between seeds, relative to their mean [%], per design."""
    spec = default_spec()
    values = registry.defaults()
    names = [name for name, _ in STEADINESS_OUTPUTS]
    out = {}
    for method in sampling.METHODS:
        levels = []
        for seed in range(STEADINESS_SEEDS):
            b = bands.compute_bands(values, spec.with_seed(seed), N_SAMPLES, series=names,
                                    method=method)
            levels.append([b.series[name][:, i] for name, i in STEADINESS_OUTPUTS])
        levels = np.array(levels)  # (seeds, outputs, percentiles)
        relative = 100 * levels.std(axis=0) / np.abs(levels.mean(axis=0))
        out[method] = {f"p{p:g}": float(relative[:, k].mean())
                       for k, p in enumerate(bands.DEFAULT_PERCENTILES)}
    return out


def main(with_steadiness: bool = True) -> dict[str, Any]:
    """Run the benchmark; return its figures (times in ms or s)."""
    result: dict[str, Any] = {
        **_common.environment(), "n_samples": N_SAMPLES,
        "bands": time_bands(), "tornado": time_tornado(), "sobol": time_sobol(),
    }
    if with_steadiness:
        result["steadiness"] = steadiness()
    return result


def table(result: dict[str, Any]) -> str:
    """The figures as markdown tables; goals are judged on CPU time (see :func:`_times`)."""
    def status(value: float, goal: float) -> str:
        return "met" if value <= goal else "**missed**"

    def ms(figures: dict[str, float]) -> str:
        return " | ".join(_common.ms(figures[key]) for key in
                          ("cpu_median_ms", "cpu_p95_ms", "median_ms"))

    b = result["bands"]
    parts = b["parts"]
    tornado = result["tornado"]
    rows = [
        "| case | CPU median | CPU p95 | wall median | goal | |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        f"| 1,000-sample band, every series ({b['uncertain_levers']} uncertain levers) "
        f"| {ms(b['all_series'])} | ≤ {GOAL_BAND_MS:g} ms "
        f"| {status(b['all_series']['cpu_median_ms'], GOAL_BAND_MS)} |",
        f"| the same, the {len(CHART_SERIES)} charted series | {ms(b['chart_series'])} "
        f"| ≤ {GOAL_BAND_MS:g} ms | {status(b['chart_series']['cpu_median_ms'], GOAL_BAND_MS)} |",
        f"| of which: sampling | {ms(parts['sampling'])} | | |",
        f"| of which: model, 1,000 samples | {ms(parts['model'])} | | |",
        f"| of which: percentiles of every series | {ms(parts['percentiles_all'])} | | |",
        f"| (one np.percentile call per series instead) | {ms(parts['percentiles_numpy'])} "
        "| | |",
        f"| tornado over {tornado['levers']} levers ({2 * tornado['levers'] + 1} runs) "
        f"| {ms(tornado)} | ≤ {GOAL_TORNADO_MS:g} ms "
        f"| {status(tornado['cpu_median_ms'], GOAL_TORNADO_MS)} |",
    ]
    goals = {"three_levers_2^14": GOAL_SOBOL_3_S, "default_levers_2^12": GOAL_SOBOL_ALL_S,
             "every_lever_2^12": GOAL_SOBOL_ALL_S}
    for key, figures in result["sobol"].items():
        rows.append(f"| Sobol with 95 % intervals, {figures['levers']} levers, "
                    f"{figures['base_samples']:,} base samples ({figures['runs']:,} runs; "
                    f"model {figures['model_cpu_seconds']:.2f} s, bootstrap "
                    f"{figures['bootstrap_cpu_seconds']:.2f} s) | {figures['cpu_seconds']:.2f} s "
                    f"| | {figures['seconds']:.2f} s | < {goals[key]:g} s "
                    f"| {status(figures['cpu_seconds'], goals[key])} |")
    text = _common.environment_line(result) + "\n\n" + "\n".join(rows)
    if "steadiness" in result:
        lines = ["", "", f"Spread of the percentiles between {STEADINESS_SEEDS} seeds at "
                 f"{N_SAMPLES:,} samples (std / mean, %, averaged over "
                 f"{len(STEADINESS_OUTPUTS)} outputs):", "",
                 "| design | P10 | P50 | P90 |", "| --- | ---: | ---: | ---: |"]
        for method, figures in result["steadiness"].items():
            lines.append(f"| {method} | {figures['p10']:.3f} | {figures['p50']:.3f} "
                         f"| {figures['p90']:.3f} |")
        text += "\n".join(lines)
    return text


if __name__ == "__main__":
    parser = _common.arguments(__doc__)
    parser.add_argument("--no-steadiness", action="store_true",
                        help="skip the comparison of sampling designs")
    args = parser.parse_args()
    _common.print_figures(main(with_steadiness=not args.no_steadiness), table, args.json)

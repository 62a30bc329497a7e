"""Benchmark of the model: one scenario, and batches of samples.

Run it as a script (``python benchmarks/bench_model.py``) or call :func:`main`,
which returns the figures as a dict. Goals on the project's 2-core machine:
one scenario < 1 ms; 10,000 samples of every numeric lever < 50 ms in the
application process (allocator tuned) and < 100 ms in a plain Python process.
The 1,000-sample batch is what a live uncertainty band runs on every lever move.

Like the application, the benchmark first calls
:func:`evexplorer._platform.tune_allocator`, which keeps glibc from unmapping
large NumPy buffers after each run. The batch figures are also measured
without it, in a fresh subprocess (``--untuned``), so both are visible.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import _common
import numpy as np

_common.use_checkout()  # the script runs from a source checkout without installation

from evexplorer.model import PARAMETERS, evaluate  # noqa: E402

N_SAMPLES = 10_000
SINGLE_CALLS = 2_000
SINGLE_WARMUP = 200
BATCH_RUNS = 9
BATCH_WARMUP = 2
GOAL_SINGLE_MS = 1.0
#: Goals for 10,000 samples of every numeric lever: tuned allocator, plain process.
GOAL_BATCH_TUNED_MS = 50.0
GOAL_BATCH_UNTUNED_MS = 100.0
#: Samples of the live uncertainty band.
BAND_SAMPLES = 1_000

#: The five uncertain levers of a typical Monte Carlo study.
FIVE_LEVERS = ("lithium_price", "demand_growth", "recycling_rate", "learning_rate",
               "grid_decarbonization")
#: Levers that set the time axis and cannot be sampled.
NOT_SAMPLED = ("start_year", "end_year")


def sample_levers(names: tuple[str, ...] | list[str], n: int, seed: int = 0
                  ) -> dict[str, np.ndarray]:
    """Draw ``n`` values of each lever uniformly in its range (log-uniform for prices)."""
    rng = np.random.default_rng(seed)
    values: dict[str, np.ndarray] = {}
    for name in names:
        p = PARAMETERS[name]
        lo, hi = float(p.minimum), float(p.maximum)
        if p.scale == "log":
            draw = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
        else:
            draw = rng.uniform(lo, hi, n)
        if p.kind == "int":
            draw = np.round(draw)
        values[name] = np.clip(draw, lo, hi)
    return values


def every_numeric_lever() -> list[str]:
    """Every lever that may be sampled: the numeric ones except the time axis."""
    return [n for n, p in PARAMETERS.items() if p.numeric and n not in NOT_SAMPLED]


def time_single() -> dict[str, float]:
    """Median, 95th percentile and minimum of one default-scenario evaluation [ms]."""
    figures = _common.ms_figures(_common.time_calls(evaluate, SINGLE_CALLS, SINGLE_WARMUP))
    return {**figures, "calls": SINGLE_CALLS}


def time_batch(params: dict[str, Any]) -> dict[str, float]:
    """Median, 95th percentile and minimum over :data:`BATCH_RUNS` evaluations of a batch [ms]."""
    return _common.ms_figures(_common.time_calls(lambda: evaluate(params), BATCH_RUNS,
                                                 BATCH_WARMUP))


def time_batches() -> dict[str, dict[str, float]]:
    """The 10,000-sample batches and the 1,000-sample band batch."""
    five = sample_levers(FIVE_LEVERS, N_SAMPLES, seed=1)
    every = sample_levers(every_numeric_lever(), N_SAMPLES, seed=2)
    band = sample_levers(every_numeric_lever(), BAND_SAMPLES, seed=3)
    return {"batch_5_levers": time_batch(five), "batch_all_levers": time_batch(every),
            "band_all_levers": time_batch(band)}


def _untuned_batches() -> dict[str, dict[str, float]]:
    """The batch figures measured in a fresh process that never tunes the allocator."""
    env = dict(os.environ)
    out = subprocess.run([sys.executable, __file__, "--untuned"], capture_output=True,
                         text=True, check=True, env=env)
    return json.loads(out.stdout)


def main() -> dict[str, Any]:
    """Run the benchmark; return its figures (times in ms)."""
    result: dict[str, Any] = {
        **_common.environment(),
        "n_samples": N_SAMPLES,
        "n_levers_all": len(every_numeric_lever()),
        "single": time_single(),
    }
    result.update(time_batches())
    result["untuned"] = _untuned_batches()
    return result


def table(result: dict[str, Any]) -> str:
    """The figures as a markdown table."""
    single = result["single"]
    untuned = result["untuned"]

    def status(value: float, goal: float | None) -> str:
        if goal is None:
            return ""
        return "met" if value < goal else "**missed**"

    rows = [
        "| case | median [ms] | p95 / min [ms] | goal [ms] | goal |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| one scenario, defaults ({single['calls']} calls) | {single['median_ms']:.3f} "
        f"| p95 {single['p95_ms']:.3f} | < {GOAL_SINGLE_MS:g} "
        f"| {status(single['median_ms'], GOAL_SINGLE_MS)} |",
    ]
    n_all = result["n_levers_all"]
    cases = {
        "batch_5_levers": (f"{N_SAMPLES:,} samples × 5 levers", None, None),
        "batch_all_levers": (f"{N_SAMPLES:,} samples × all {n_all} numeric levers",
                             GOAL_BATCH_TUNED_MS, GOAL_BATCH_UNTUNED_MS),
        "band_all_levers": (f"{BAND_SAMPLES:,} samples × all {n_all} numeric levers", None,
                            None),
    }
    for key, (label, tuned_goal, untuned_goal) in cases.items():
        for tag, figures, goal in (("tuned allocator", result[key], tuned_goal),
                                   ("untuned", untuned[key], untuned_goal)):
            goal_text = f"< {goal:g}" if goal else ""
            rows.append(f"| {label}, {tag} ({figures['runs']} runs) "
                        f"| {figures['median_ms']:.1f} | min {figures['min_ms']:.1f} "
                        f"| {goal_text} | {status(figures['median_ms'], goal)} |")
    return _common.environment_line(result) + "\n\n" + "\n".join(rows)


if __name__ == "__main__":
    parser = _common.arguments(__doc__)
    parser.add_argument("--untuned", action="store_true",
                        help="time the batches only, without tuning the allocator; print JSON")
    args = parser.parse_args()
    if args.untuned:
        print(json.dumps(time_batches()))
    else:
        _common.print_figures(main(), table, args.json)

"""Benchmark of exports and sweeps: one scenario in each format, sweeps and their memory.

Run it as a script (``python benchmarks/bench_export.py [--json] [--quick]``) or call
:func:`main`, which returns the figures as a dict. Goals (issue "Share the answer"): the
XLSX of one scenario < 0.5 s; a 100,000-point sweep < 3 s. A sweep of a million points is
streamed in batches; its peak memory (resident set of the ``evexplorer sweep`` process)
is measured beside a 100,000-point one to show that it does not grow with the number of
points, and the batch size is chosen from the scan of batch sizes below.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common

_ROOT = _common.use_checkout()  # the script runs from a source checkout without installation

GOAL_XLSX_S = 0.5
GOAL_SWEEP_100K_S = 3.0
FORMAT_RUNS = 21
#: Runs of each command; the best is reported (a shared machine only slows it).
COMMAND_RUNS = 3
#: Two levers: 100 lithium prices × 1,000 demand growths.
SWEEP_100K = ["--grid", "lithium_price=8000:40000:100", "--grid", "demand_growth=10:35:1000"]
SWEEP_1M = ["--grid", "lithium_price=8000:40000:1000", "--grid", "demand_growth=10:35:1000"]
SWEEP_OUTPUTS = ["--output", "pack_cost@2030", "--output", "lithium_shortfall@2035",
                 "--output", "cost_parity_year"]
CHUNK_SIZES = (1_000, 2_000, 5_000, 10_000, 20_000)

_CHUNK_PROBE = """
import sys, time
import evexplorer
evexplorer.tune_allocator()
from evexplorer.export.sweep import make_sweep
rows = int(sys.argv[1])
sweep = make_sweep({}, ["lithium_price=8000:40000:50", "demand_growth=10:35:1000"],
                   ["pack_cost@2030", "lithium_shortfall@2035", "cost_parity_year"])
start = time.process_time()
for block in sweep.chunks(rows):
    pass
elapsed = time.process_time() - start
with open("/proc/self/status") as f:
    peak = next(line.split()[1] for line in f if line.startswith("VmHWM"))
print(elapsed, peak)
"""


def _median_s(action, runs: int, warmup: int = 2) -> float:
    """Median wall-clock time of ``runs`` calls of ``action`` after ``warmup`` calls [s]."""
    return statistics.median(_common.time_calls(action, runs, warmup).wall)


def _formats(folder: Path) -> dict[str, float]:
    import evexplorer
    from evexplorer.export import Reference, ScenarioInfo, Snapshot, export_file
    from evexplorer.model import evaluate

    evexplorer.tune_allocator()
    results = evaluate({"lithium_price": 30_000, "chemistry_mix": "LFP:0.6,NMC811:0.4"})
    snapshot = Snapshot(results=results, info=ScenarioInfo(title="Benchmark"),
                        reference=Reference("Baseline", evaluate()))
    start = time.perf_counter()
    export_file(snapshot, folder / "first.xlsx", "xlsx")  # includes importing openpyxl
    figures = {"xlsx_first_s": time.perf_counter() - start}
    for fmt in ("xlsx", "csv", "iamc", "json"):
        target = folder / f"scenario.{fmt}"
        figures[f"{fmt}_s"] = _median_s(lambda t=target, f=fmt: export_file(snapshot, t, f),
                                        FORMAT_RUNS)
    return figures


def _sweep_in_process(folder: Path) -> float:
    """A 100,000-point sweep to a CSV file, in this process [s] (median of 3)."""
    from evexplorer import _atomic
    from evexplorer.export.sweep import make_sweep, write_sweep_csv

    grid = [SWEEP_100K[1], SWEEP_100K[3]]
    outputs = SWEEP_OUTPUTS[1::2]

    def run() -> None:
        sweep = make_sweep({}, grid, outputs)
        with _atomic.atomic_stream(folder / "sweep.csv", verb="export", text=True,
                                   newline="") as stream:
            write_sweep_csv(sweep, stream)

    return _median_s(run, 3, warmup=1)


def _chunk_scan() -> dict[int, tuple[float, int]]:
    """Per batch size: processor time per point [µs] (best of 2), peak memory [KiB]."""
    scan = {}
    for rows in CHUNK_SIZES:
        best, peak = math.inf, 0
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", _CHUNK_PROBE, str(rows)], check=True,
                                 capture_output=True, text=True, cwd=_ROOT)
            elapsed, kib = out.stdout.split()
            best, peak = min(best, float(elapsed)), max(peak, int(kib))
        scan[rows] = (best / 50_000 * 1e6, peak)
    return scan


def main(quick: bool = False) -> dict[str, Any]:
    """Measure and return the figures (times [s], memory [MiB])."""
    from evexplorer.export.sweep import CHUNK_ROWS

    run = _common.run_command
    sweep_100k = ["sweep", *SWEEP_100K, *SWEEP_OUTPUTS]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        figures: dict[str, Any] = _formats(folder)
        figures.update(run(["export", "--xlsx", str(folder / "command.xlsx")],
                           COMMAND_RUNS).figures("xlsx_command"))
        figures["sweep_100k_in_process_s"] = _sweep_in_process(folder)
        csv_100k = run([*sweep_100k, "--csv", str(folder / "100k.csv")], COMMAND_RUNS)
        figures.update(csv_100k.figures("sweep_100k_command"))
        figures["sweep_100k_peak_mib"] = csv_100k.peak_kib / 1024
        figures.update(run([*sweep_100k, "--json"]).figures("sweep_100k_json_command"))
        figures.update(run([*sweep_100k, "--xlsx", str(folder / "100k.xlsx")]).figures(
            "sweep_100k_xlsx_command"))
        if not quick:
            csv_1m = run(["sweep", *SWEEP_1M, *SWEEP_OUTPUTS, "--csv", str(folder / "1m.csv")])
            figures.update(csv_1m.figures("sweep_1m_command"))
            figures["sweep_1m_peak_mib"] = csv_1m.peak_kib / 1024
            figures["sweep_1m_csv_bytes"] = (folder / "1m.csv").stat().st_size
            figures["idle_command_peak_mib"] = run(["params", "--json"]).peak_kib / 1024
            figures["chunk_scan"] = {rows: {"us_per_point": round(us, 2),
                                            "peak_mib": round(peak / 1024, 1)}
                                     for rows, (us, peak) in _chunk_scan().items()}
    figures["chunk_rows"] = CHUNK_ROWS
    figures["cpus"] = os.cpu_count()
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in figures.items()}


def _report(f: dict[str, Any]) -> str:
    def mark(ok: bool) -> str:
        return "ok" if ok else "OVER GOAL"

    def command(key: str) -> str:
        return f"{f[key]:.2f} s (processor {f[key.replace('_s', '_cpu_s')]:.2f} s)"

    lines = [
        f"XLSX of one scenario        {1e3 * f['xlsx_s']:8.1f} ms  (median of {FORMAT_RUNS}; "
        f"goal < {1e3 * GOAL_XLSX_S:.0f} ms: {mark(f['xlsx_s'] < GOAL_XLSX_S)})",
        f"  the first one, importing openpyxl: {1e3 * f['xlsx_first_s']:.0f} ms",
        f"  'evexplorer export --xlsx', start to exit: {command('xlsx_command_s')}",
        f"CSV / IAMC / JSON           {1e3 * f['csv_s']:.1f} / {1e3 * f['iamc_s']:.1f} / "
        f"{1e3 * f['json_s']:.1f} ms (written and fsynced)",
        f"sweep, 100,000 points to CSV: {command('sweep_100k_command_s')} as a command "
        f"(goal < {GOAL_SWEEP_100K_S:.0f} s: {mark(f['sweep_100k_command_s'] < GOAL_SWEEP_100K_S)}"
        f"), {f['sweep_100k_in_process_s']:.2f} s in-process; peak {f['sweep_100k_peak_mib']:.0f} "
        "MiB",
        f"  the same to JSON on stdout: {command('sweep_100k_json_command_s')}",
        f"  the same to XLSX:           {command('sweep_100k_xlsx_command_s')}",
    ]
    if "sweep_1m_command_s" in f:
        lines += [
            f"sweep, 1,000,000 points to CSV: {command('sweep_1m_command_s')}, peak "
            f"{f['sweep_1m_peak_mib']:.0f} MiB ({f['sweep_1m_csv_bytes'] / 1e6:.0f} MB written; "
            f"'evexplorer params --json' peaks at {f['idle_command_peak_mib']:.0f} MiB)",
            f"batch size (50,000 points, processor time; chosen {f['chunk_rows']:,}):",
        ]
        for rows, s in f["chunk_scan"].items():
            lines.append(f"  {int(rows):>7,} rows   {s['us_per_point']:6.2f} µs/point   "
                         f"peak {s['peak_mib']:6.1f} MiB")
    return "\n".join(lines)


if __name__ == "__main__":
    args = _common.arguments(
        __doc__, quick="skip the million-point sweep and the batch-size scan").parse_args()
    _common.print_figures(main(quick=args.quick), _report, args.json)

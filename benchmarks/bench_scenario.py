"""Benchmark of scenario files: save, open (in-process and isolated), and file size.

Run it as a script (``python benchmarks/bench_scenario.py [--json]``) or call
:func:`main`, which returns the figures as a dict. Goals (issue "Scenario
files"): opening a good file in the isolated child < 500 ms; a default
scenario file <= 64 KiB.

The isolated open starts a fresh child process with multiprocessing's "spawn"
method, which re-imports this script's top level in the child; so, like the
application's entry point, this script imports nothing heavy at module level.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Let the script run from a source checkout without installation.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

SAVE_RUNS = 31
OPEN_RUNS = 31
ISOLATED_RUNS = 15
GOAL_ISOLATED_MS = 500.0
GOAL_SIZE_BYTES = 64 * 1024


def _median_ms(action, runs: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def main() -> dict[str, Any]:
    """Measure and return the figures (times are medians [ms], the size [bytes])."""
    from evexplorer.model import evaluate
    from evexplorer.scenario import open_scenario, save_scenario

    results = evaluate()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "default.evx"

        def save() -> None:
            save_scenario(path, results.parameters, results, title="Baseline")

        save_ms = _median_ms(save, SAVE_RUNS)
        size = path.stat().st_size
        open_ms = _median_ms(lambda: open_scenario(path, isolated=False), OPEN_RUNS)
        isolated_ms = _median_ms(lambda: open_scenario(path), ISOLATED_RUNS, warmup=1)
    return {
        "save_ms": round(save_ms, 2),
        "open_in_process_ms": round(open_ms, 2),
        "open_isolated_ms": round(isolated_ms, 1),
        "file_size_bytes": size,
        "goal_open_isolated_ms": GOAL_ISOLATED_MS,
        "goal_file_size_bytes": GOAL_SIZE_BYTES,
        "cpus": os.cpu_count(),
    }


def _report(figures: dict[str, Any]) -> str:
    ok_open = figures["open_isolated_ms"] < GOAL_ISOLATED_MS
    ok_size = figures["file_size_bytes"] <= GOAL_SIZE_BYTES
    return "\n".join([
        f"save a default scenario          {figures['save_ms']:8.2f} ms  (median of {SAVE_RUNS})",
        f"open it in-process               {figures['open_in_process_ms']:8.2f} ms  "
        f"(median of {OPEN_RUNS})",
        f"open it isolated (child process) {figures['open_isolated_ms']:8.1f} ms  "
        f"(median of {ISOLATED_RUNS}; goal < {GOAL_ISOLATED_MS:.0f} ms: "
        f"{'met' if ok_open else 'MISSED'})",
        f"file size                        {figures['file_size_bytes']:8,d} bytes "
        f"(goal <= {GOAL_SIZE_BYTES:,}: {'met' if ok_size else 'MISSED'})",
    ])


if __name__ == "__main__":
    figures = main()
    print(json.dumps(figures, indent=1) if "--json" in sys.argv[1:] else _report(figures))

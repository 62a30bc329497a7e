"""Benchmark of scenario files: save, open (in-process and isolated), and file size.

Run it as a script (``python benchmarks/bench_scenario.py [--json]``) or call
:func:`main`, which returns the figures as a dict. Goals: opening a good file
in the isolated child < 500 ms; a default scenario file <= 64 KiB. Also
measured: what checking that the file did not change on disk adds to a save,
saving with the optional groups and with texts at their 65,535-byte limit, and
saving into a crowded folder (each save scans it for leftovers of killed saves).

The isolated open starts a fresh child process with multiprocessing's "spawn"
method, which re-imports this script's top level in the child; so, like the
application's entry point, this script imports nothing heavy at module level.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

import _common

_common.use_checkout()  # the script runs from a source checkout without installation

SAVE_RUNS = 31
OPEN_RUNS = 31
ISOLATED_RUNS = 15
GOAL_ISOLATED_MS = 500.0
GOAL_SIZE_BYTES = 64 * 1024
#: Files in the folder of the "crowded" save.
CROWD = 5000
#: What other parts keep with a scenario: a typical reference, uncertainty and targets.
EXTRAS = {
    "reference": {"title": "Baseline", "parameters": {}},
    "uncertainty": {
        "seed": 1,
        "levers": {name: {"distribution": "uniform", "spread": "relative", "low": 0.8,
                          "high": 1.25}
                   for name in ("lithium_price", "nickel_price", "cobalt_price", "graphite_price",
                                "demand_growth", "learning_rate", "cell_energy")},
        "correlations": [{"a": "nickel_price", "b": "cobalt_price", "rho": 0.6}],
    },
    "targets": [{"id": f"t{i}", "description": "Pack cost at most 80 USD/kWh", "source": "user",
                 "output": "pack_cost", "year": 2030 + i, "comparison": "<=", "required": 80.0}
                for i in range(5)],
}


def _median_ms(action, runs: int, warmup: int = 2) -> float:
    """Median wall-clock time of ``runs`` calls of ``action`` after ``warmup`` calls [ms]."""
    return 1e3 * statistics.median(_common.time_calls(action, runs, warmup).wall)


def main() -> dict[str, Any]:
    """Measure and return the figures (times are medians [ms], sizes [bytes])."""
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
        fingerprint = [open_scenario(path, isolated=False).fingerprint]

        def save_checked() -> None:
            fingerprint[0] = save_scenario(path, results.parameters, results, title="Baseline",
                                           expected=fingerprint[0])

        checked_ms = _median_ms(save_checked, SAVE_RUNS)
        extras = Path(folder) / "extras.evx"
        extras_ms = _median_ms(lambda: save_scenario(
            extras, results.parameters, results, title="Baseline", **EXTRAS), SAVE_RUNS)
        extras_size = extras.stat().st_size
        long_texts = Path(folder) / "long.evx"
        texts = {"title": "€" * 21_845, "author": "é" * 32_767 + "a", "notes": "n" * 65_535}
        long_ms = _median_ms(lambda: save_scenario(long_texts, results.parameters, results,
                                                   **texts), SAVE_RUNS)
        long_size = long_texts.stat().st_size
        crowded = Path(folder) / "crowded"
        crowded.mkdir()
        for i in range(CROWD):
            (crowded / f"file{i:05d}.txt").touch()
        crowded_ms = _median_ms(lambda: save_scenario(crowded / "s.evx", results.parameters,
                                                      results), SAVE_RUNS)
    return {
        "save_ms": round(save_ms, 2),
        "save_checked_ms": round(checked_ms, 2),
        "save_extras_ms": round(extras_ms, 2),
        "save_long_texts_ms": round(long_ms, 2),
        "save_in_crowded_folder_ms": round(crowded_ms, 2),
        "open_in_process_ms": round(open_ms, 2),
        "open_isolated_ms": round(isolated_ms, 1),
        "file_size_bytes": size,
        "extras_file_size_bytes": extras_size,
        "long_texts_file_size_bytes": long_size,
        "goal_open_isolated_ms": GOAL_ISOLATED_MS,
        "goal_file_size_bytes": GOAL_SIZE_BYTES,
        "cpus": os.cpu_count(),
    }


def _report(figures: dict[str, Any]) -> str:
    ok_open = figures["open_isolated_ms"] < GOAL_ISOLATED_MS
    ok_size = figures["file_size_bytes"] <= GOAL_SIZE_BYTES
    return "\n".join([
        f"save a default scenario          {figures['save_ms']:8.2f} ms  (median of {SAVE_RUNS})",
        f"  the same, checked unchanged    {figures['save_checked_ms']:8.2f} ms  (expected=, "
        "the file hashed before the rename)",
        f"  with reference, uncertainty, targets {figures['save_extras_ms']:8.2f} ms  "
        f"({figures['extras_file_size_bytes']:,} bytes)",
        f"  with 3 texts of 65,535 bytes   {figures['save_long_texts_ms']:8.2f} ms  "
        f"({figures['long_texts_file_size_bytes']:,} bytes)",
        f"  into a folder of {CROWD:,} files  {figures['save_in_crowded_folder_ms']:8.2f} ms  "
        "(scanned for leftovers of killed saves)",
        f"open it in-process               {figures['open_in_process_ms']:8.2f} ms  "
        f"(median of {OPEN_RUNS})",
        f"open it isolated (child process) {figures['open_isolated_ms']:8.1f} ms  "
        f"(median of {ISOLATED_RUNS}; goal < {GOAL_ISOLATED_MS:.0f} ms: "
        f"{'met' if ok_open else 'MISSED'})",
        f"file size                        {figures['file_size_bytes']:8,d} bytes "
        f"(goal <= {GOAL_SIZE_BYTES:,}: {'met' if ok_size else 'MISSED'})",
    ])


if __name__ == "__main__":
    args = _common.arguments(__doc__).parse_args()
    _common.print_figures(main(), _report, args.json)

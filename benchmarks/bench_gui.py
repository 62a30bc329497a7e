"""Benchmark the explorer window: lever change to repainted curves, and cold start.

    python benchmarks/bench_gui.py [--quick]

1. A scripted drag of the EV-sales-growth slider (it moves every chart)
   through 200 positions, offscreen, window 1400×900. For each position the
   time from ``slider.setValue`` until the model has rerun, every curve has
   its new data and the posted paint requests have been processed (offscreen,
   Qt paints the dirty regions into the window's backing store). Goal: p95 <
   16 ms (one 60 Hz frame). Measured three ways:

   a. the window as it opens: the live bands on (computed in the window's
      band process as the lever moves), nothing compared;
   b. the same with the bands off (View ▸ Show Uncertainty unchecked);
   c. with P10-P90 bands drawn but not computed by the window: before the
      drag, the 1,000-sample bands of every drag position are computed
      (``compute_bands`` with the default uncertainty); at each position the
      bands of that position are handed to the session with the lever move,
      so that the charts draw the right band and only the drawing is timed;
   d. with 6 compared scenarios on screen (live bands on): five presets and
      the current scenario, which follows the lever (its line moves with
      every step).

   Each is reported as wall-clock median and p95, and as the median of the
   process's CPU time over the same steps (``time.process_time``), which other
   programs on a shared machine disturb much less than wall-clock time.
   The drags are repeated (``REPEATS``) and the median of each figure over the
   repeats is reported, with the spread between repeats.
2. Cold start: wall-clock time from launching ``python -m evexplorer`` until
   the window has been shown and painted (``EVEXPLORER_STARTUP_PROBE=1`` makes
   the app quit right then), median of 5 launches. Goal < 1.5 s. The disk
   cache is warm after the first launch, as on a machine in daily use.

``--quick`` runs one repeat of each drag and skips the cold start.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import _common

_common.use_checkout()  # the script runs from a source checkout without installation

DRAG_POSITIONS = 200
STARTS = 5
REPEATS = 3
#: Samples of the bands drawn in drag (b).
BAND_SAMPLES = 1000
#: The drags measured: name → what is on screen.
MODES = ("plain", "off", "bands", "compared")


def drag(mode: str = "plain") -> dict[str, float]:
    """Time lever change → repainted charts over a scripted drag [ms].

    Parameters
    ----------
    mode : {"plain", "off", "bands", "compared"}
        What the charts draw besides the scenario and its reference.
    """
    from evexplorer.session import presets

    with _common.offscreen_window() as (window, app):
        session = window.session
        slider = _common.drag_slider(window)
        positions = _common.drag_positions(slider.maximum(), DRAG_POSITIONS)
        bands_at: dict[int, object] = {}
        if mode == "off":
            window.show_uncertainty_action.setChecked(False)
        if mode == "bands":
            window.uncertainty.set_enabled(False)  # only the bands handed in are drawn
            from evexplorer.analysis.bands import compute_bands
            from evexplorer.analysis.uncertainty import default_spec

            spec = default_spec()
            for position in sorted(set(positions)):
                slider.setValue(position)
                app.processEvents()
                bands_at[position] = compute_bands(session.values, spec, BAND_SAMPLES)
            session.set_bands(bands_at[positions[0]])
        elif mode == "compared":
            for preset in presets()[:5]:
                session.add_comparison(preset)
            session.add_comparison()  # the current scenario, following the lever
        slider.setValue(positions[0])
        for _ in range(3):
            app.processEvents()
        # the bands of each position are handed to the session with the lever move
        on_move = (lambda position: session.set_bands(bands_at[position])) if bands_at else None
        timings, model = _common.timed_drag(window, app, positions, on_move)
    return {**_common.ms_figures(timings),
            "recompute_and_setdata_median_ms": statistics.median(model)}


def drags(repeats: int = REPEATS) -> dict[str, dict[str, float]]:
    """Every drag mode, ``repeats`` times each (interleaved); medians and spreads [ms]."""
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for _ in range(repeats):
        for mode in MODES:
            runs[mode].append(drag(mode))
    out = {}
    for mode, figures in runs.items():
        summary = {key: statistics.median(f[key] for f in figures) for key in figures[0]}
        summary["p95_spread_ms"] = (max(f["p95_ms"] for f in figures)
                                    - min(f["p95_ms"] for f in figures))
        out[mode] = summary
    return out


def cold_start() -> dict[str, float]:
    """Wall-clock time from launch to a painted window [s]."""
    env = dict(os.environ, EVEXPLORER_STARTUP_PROBE="1", QT_QPA_PLATFORM="offscreen")
    times = []
    for _ in range(STARTS):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "evexplorer"], env=env, capture_output=True,
                             text=True, timeout=60)
        elapsed = time.perf_counter() - start
        if "window shown" not in out.stdout:
            raise RuntimeError(f"the app did not start: {out.stderr.strip()[-300:]}")
        times.append(elapsed)
    return {"cold_start_median_s": statistics.median(times), "cold_start_max_s": max(times)}


LABELS = {
    "plain": "lever change → repainted charts (live bands on, as the window opens)",
    "off": "the same with the bands off (View ▸ Show Uncertainty)",
    "bands": "the same with 1,000-sample P10–P90 bands handed in at each step",
    "compared": "the same with 6 compared scenarios (5 presets + the current one)",
}


def main(argv: list[str] | None = None) -> dict[str, object]:
    quick = _common.arguments(__doc__, as_json=False,
                              quick="one repeat of each drag; no cold start").parse_args(argv).quick
    load = _common.load_average()
    figures: dict[str, object] = {"drags": drags(1 if quick else REPEATS),
                                  "load_average_before": load}
    print(f"load average before: {load:.2f}")
    print("| measure | median | p95 | CPU median | CPU p95 | goal |")
    print("| --- | --- | --- | --- | --- | --- |")
    for mode, f in figures["drags"].items():  # type: ignore[union-attr]
        print(f"| {LABELS[mode]} | {_common.ms(f['median_ms'])} | {_common.ms(f['p95_ms'])} "
              f"(spread {f['p95_spread_ms']:.1f}) | {_common.ms(f['cpu_median_ms'])} | "
              f"{_common.ms(f['cpu_p95_ms'])} | p95 ≤ 16 ms |")
    plain = figures["drags"]["plain"]  # type: ignore[index]
    print(f"| of which model + setData (plain), median | "
          f"{_common.ms(plain['recompute_and_setdata_median_ms'])} | | | | |")
    if not quick:
        figures.update(cold_start())
        print(f"| cold start to painted window, median of {STARTS} | "
              f"{figures['cold_start_median_s']:.2f} s | | | | < 1.5 s |")
    return figures


if __name__ == "__main__":
    main()

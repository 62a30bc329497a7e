"""Benchmark live uncertainty bands in the window: lever change → charts repainted with bands.

    python benchmarks/bench_gui_bands.py [--quick]

Offscreen, window 1400×900, the EV-sales-growth slider (it moves every chart).
Four ways of computing the P10–P90 bands of the series the window draws are
compared; each draws the same bands on the charts:

- ``process-256/1000`` (what the window does, :mod:`evexplorer.app.uncertainty_controller`):
  a background thread asks a child process for the band, 256 samples while the
  hand moves, 1,000 once it rests; latest wins;
- ``process-1000``: the same with 1,000 samples throughout;
- ``thread-256/1000``: as the window, but computed in the background thread
  itself (no child process), which shares the interpreter lock with the GUI
  thread;
- ``gui-1000``: 1,000 samples computed on the GUI thread before the charts
  repaint (the band always matches the curve; the drag slows down).

Two measurements per way:

1. **Paced drag**: the slider moves one position every 16.7 ms (a 60 Hz
   hand) through ``DRAG`` positions while the event loop runs. For each
   position: the time until the charts have repainted with its curve, and the
   time until they have repainted with a band of that position (or a newer
   one). At every repaint: how many lever positions the band on screen is
   behind the curve (0 matches; the window hides a band 2 or more behind).
2. **Single changes** (a typed value, a click on the track): one lever change
   after a pause, ``SINGLE`` times: the time until the charts have repainted
   with the matching 1,000-sample band.

"Repainted" means the window's update request has been processed (offscreen,
Qt paints the dirty regions into the backing store). Until the charts draw
bands themselves (``ChartPanel.set_bands_visible``), this script adds a filled
P10–P90 band under the main curve of each chart, created once and updated with
``setData`` as the charts will, so that painting the bands is timed too.
The load average before and after the run is printed: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FRAME_S = 1 / 60
DRAG = 300
SINGLE = 30

#: The main curve of each chart, whose band the shim draws.
_CHART_SERIES = {"pack_cost": "pack_cost", "vehicle_price": "ev_price",
                 "minerals": "lithium_demand",
                 "production_emissions": "ev_production_emissions",
                 "lifecycle_emissions": "ev_lifecycle_emissions",
                 "emissions_avoided": "fleet_emissions_avoided"}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class PaintCounter:
    """Counts the window's processed update requests (each one a repaint)."""

    def __init__(self, window) -> None:
        from PySide6.QtCore import QEvent, QObject

        counter = self

        class Filter(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.UpdateRequest:
                    counter.count += 1
                return False

        self.count = 0
        self._filter = Filter()
        window.installEventFilter(self._filter)


def add_band_shim(window) -> None:
    """Filled P10–P90 bands under each chart's main curve, fed from ``session.bands``."""
    import numpy as np
    import pyqtgraph as pg

    charts = window.charts
    if hasattr(charts, "set_bands_visible"):
        return  # the charts draw bands themselves
    items = []
    for chart in charts.charts:
        name = _CHART_SERIES.get(chart.key)
        if name is None:
            continue
        low = pg.PlotCurveItem(pen=pg.mkPen(None))
        high = pg.PlotCurveItem(pen=pg.mkPen(None))
        fill = pg.FillBetweenItem(low, high, brush=pg.mkBrush(0, 114, 178, 50))
        for item in (low, high, fill):
            chart.plot.addItem(item)
        items.append((name, low, high, fill))

    def draw(change) -> None:
        bands = window.session.bands
        for name, low, high, fill in items:
            fill.setVisible(bands is not None)
            if bands is not None and name in bands.series:
                years = np.asarray(bands.years, float)
                low.setData(years, bands.series[name][0])
                high.setData(years, bands.series[name][-1])

    window.session.subscribe(draw, names=("bands",))


def make_window(way: str):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from evexplorer.app import create_main_window

    folder = tempfile.mkdtemp()
    settings = QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat)
    window = create_main_window(settings)
    window.resize(1400, 900)
    window.show()
    app = QApplication.instance()
    add_band_shim(window)
    controller = window.uncertainty
    if way == "process-1000":
        controller.drag_samples = controller.n_samples
    if way == "thread-256/1000":
        from evexplorer.app.compute_process import ComputeProcess

        controller.compute = ComputeProcess()
        controller.compute.in_process = True  # compute in the calling (background) thread
    if way == "gui-1000":
        from evexplorer.analysis.bands import compute_bands

        controller.set_enabled(False)
        window.headline.set_bands_visible(True)
        session = window.session

        def compute(change) -> None:
            if session.up_to_date:
                session.set_bands(compute_bands(session.values, controller.spec(),
                                                controller.n_samples,
                                                series=controller.series))
                controller.generation += 1
                controller.on_screen = (controller.generation, controller.n_samples)

        session.subscribe(compute, names=("shown",))
        compute(None)
    else:
        controller.wait_until_settled(30_000)
    for _ in range(5):
        app.processEvents()
    return window, app


def paced_drag(way: str, positions: int) -> dict[str, float]:
    """Lever moves every 16.7 ms: curve and band latencies, band lag at each repaint."""
    from PySide6.QtWidgets import QSlider

    window, app = make_window(way)
    controller = window.uncertainty
    paints = PaintCounter(window)
    slider = window.findChild(QSlider, "demand_growth__slider")
    path = [int(slider.maximum() * (0.2 + 0.6 * abs(((i / 60) % 2) - 1)))
            for i in range(positions)]
    path = [p if p != path[i - 1] else p + 1 for i, p in enumerate(path)] if path else path
    slider.setSliderDown(True)
    starts: list[float] = []        # time of each lever move
    generations: list[int] = []     # the generation each move is drawn in (the next model run)
    runs: list[int] = []            # the window's model runs before each move
    curve_at: dict[int, float] = {}  # step -> time its curve was first painted
    band_at: dict[int, float] = {}   # step -> time a band at least this new was first painted
    lags: list[int] = []             # at every repaint, positions the band is behind (-1 hidden)
    samples: list[int] = []          # at every repaint with a band, its number of samples
    cpu0 = time.process_time()
    begin = time.perf_counter()
    step = 0
    next_move = begin
    while step < len(path) or len(band_at) < len(path):
        now = time.perf_counter()
        if step < len(path) and now >= next_move:
            runs.append(window.recompute_count)
            slider.setValue(path[step])
            starts.append(time.perf_counter())
            generations.append(controller.generation + 1)
            step += 1
            next_move += FRAME_S
        before = paints.count
        app.processEvents()
        if paints.count == before:
            if step >= len(path) and now - starts[-1] > 2.0:
                break  # the last positions' bands were superseded and never shown
            time.sleep(0.0005)
            continue
        painted = time.perf_counter()
        for k, count in enumerate(runs):  # the curve of move k is drawn once the model reran
            if window.recompute_count > count:
                curve_at.setdefault(k, painted)
        if controller.on_screen is None:
            lags.append(-1)
            continue
        band_generation, n = controller.on_screen
        samples.append(n)
        lags.append(controller.generation - band_generation)
        for k, g in enumerate(generations):
            if g <= band_generation:
                band_at.setdefault(k, painted)
    cpu = time.process_time() - cpu0
    slider.setSliderDown(False)
    window.session.new()
    window.close()
    curve = [1e3 * (curve_at[k] - starts[k]) for k in curve_at]
    band = [1e3 * (band_at[k] - starts[k]) for k in band_at]
    shown = [lag for lag in lags if lag >= 0]
    return {
        "curve_p50": statistics.median(curve), "curve_p95": _percentile(curve, 95),
        "band_p50": statistics.median(band), "band_p95": _percentile(band, 95),
        "band_positions": len(band), "positions": len(path),
        "repaints": len(lags),
        "lag0": sum(1 for lag in lags if lag == 0) / len(lags),
        "lag1": sum(1 for lag in lags if lag == 1) / len(lags),
        "hidden": sum(1 for lag in lags if lag < 0 or lag > 1) / len(lags),
        "lag_max": max(shown) if shown else -1,
        "fine_share": sum(1 for n in samples if n >= 1000) / max(1, len(samples)),
        "cpu_per_position_ms": 1e3 * cpu / len(path),  # this process; not the child's
    }


def single_changes(way: str, count: int) -> dict[str, float]:
    """One lever change after a pause: time until the matching 1,000-sample band is painted."""
    from PySide6.QtWidgets import QSlider

    window, app = make_window(way)
    controller = window.uncertainty
    paints = PaintCounter(window)
    slider = window.findChild(QSlider, "demand_growth__slider")
    first, full = [], []
    for i in range(count):
        time.sleep(0.25)  # a pause: the hand is still
        app.processEvents()
        start = time.perf_counter()
        slider.setValue(slider.maximum() // 4 + 7 * i)
        target = controller.generation + 1  # drawn by the next model run
        seen = None
        while True:
            before = paints.count
            app.processEvents()
            if paints.count != before and controller.on_screen is not None \
                    and controller.on_screen[0] >= target:
                seen = seen or time.perf_counter()
                if controller.on_screen[1] >= 1000:
                    break
            if time.perf_counter() - start > 5:
                raise RuntimeError("no band within 5 s")
            time.sleep(0.0002)
        first.append(1e3 * (seen - start))
        full.append(1e3 * (time.perf_counter() - start))
    window.session.new()
    window.close()
    return {"first_p50": statistics.median(first), "first_p95": _percentile(first, 95),
            "full_p50": statistics.median(full), "full_p95": _percentile(full, 95)}


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer positions and changes")
    parser.add_argument("--way", action="append", help="only these ways (repeatable)")
    parser.add_argument("--switch-interval", type=float, metavar="S",
                        help="the interpreter's thread switch interval instead of the app's [s]")
    args = parser.parse_args(argv)
    drag, single = (100, 10) if args.quick else (DRAG, SINGLE)
    from evexplorer._platform import tune_allocator
    from evexplorer.app import _application

    tune_allocator()
    _application()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    print(f"thread switch interval {1e3 * sys.getswitchinterval():g} ms")
    load_before = os.getloadavg()
    ways = args.way or ["process-256/1000", "process-1000", "thread-256/1000", "gui-1000"]
    figures = {}
    for way in ways:
        figures[way] = {**paced_drag(way, drag), **single_changes(way, single)}
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"({os.cpu_count()} processors)")
    print("| way | drag: curve p50/p95 | drag: band of that position p50/p95 | repaints with "
          "the band 0 / 1 behind / hidden | 1,000-sample at repaints | window process CPU per "
          "position | "
          "single change → 1,000-sample band p50/p95 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for way, f in figures.items():
        print(f"| {way} | {f['curve_p50']:.1f} / {f['curve_p95']:.1f} ms | "
              f"{f['band_p50']:.1f} / {f['band_p95']:.1f} ms "
              f"({f['band_positions']} of {f['positions']} positions) | "
              f"{100 * f['lag0']:.0f} / {100 * f['lag1']:.0f} / {100 * f['hidden']:.0f} % of "
              f"{f['repaints']} | {100 * f['fine_share']:.0f} % | "
              f"{f['cpu_per_position_ms']:.1f} ms | "
              f"{f['full_p50']:.1f} / {f['full_p95']:.1f} ms |")
    sys.stdout.flush()
    return figures


if __name__ == "__main__":
    main()

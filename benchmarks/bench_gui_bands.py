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
Qt paints the dirty regions into the backing store). The bands painted are the
window's own: each chart draws the P10–P90 band of ``session.bands`` around its
main curve (``Chart.set_bands`` and ``Chart.update_bands``), and the band
controller puts them on the session, so painting the bands is timed too. After
every single change the script counts the charts on screen that draw a band
(it stops if none does) and prints the smallest count.
The load average before and after the run is printed: the machine is shared.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import _common

_common.use_checkout()  # the script runs from a source checkout without installation
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FRAME_S = 1 / 60
DRAG = 300
SINGLE = 30
WAYS = ("process-256/1000", "process-1000", "thread-256/1000", "gui-1000")


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


@contextmanager
def window_computing(way: str) -> Iterator[tuple[Any, Any]]:
    """The window, its bands computed the given way (one of :data:`WAYS`) and settled."""
    with _common.offscreen_window(settle_events=0) as (window, app):
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
        yield window, app


def charts_drawing_band(window) -> int:
    """How many of the charts on screen draw a P10–P90 band now [1].

    A chart draws its band as a filled area (``band_fill``), or, the bar chart of emissions
    avoided, as whiskers on the bars (``band_bars``).
    """
    items = (getattr(chart, "band_bars", None) or chart.band_fill
             for chart in window.charts.visible_charts())
    return sum(1 for item in items if item.isVisible())


def measured(way: str, measure: Callable[[Any, Any, int], dict[str, float]],
             count: int) -> dict[str, float]:
    """``measure(window, app, count)`` in a fresh window whose bands are computed ``way``."""
    with window_computing(way) as (window, app):
        return measure(window, app, count)


def paced_drag(window, app, positions: int) -> dict[str, float]:
    """Lever moves every 16.7 ms: curve and band latencies, band lag at each repaint."""
    controller = window.uncertainty
    paints = PaintCounter(window)
    slider = _common.drag_slider(window)
    path = _common.drag_positions(slider.maximum(), positions, half_period=60)
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
    curve = _common.summary([1e3 * (curve_at[k] - starts[k]) for k in curve_at])
    band = _common.summary([1e3 * (band_at[k] - starts[k]) for k in band_at])
    shown = [lag for lag in lags if lag >= 0]
    return {
        "curve_p50": curve["median"], "curve_p95": curve["p95"],
        "band_p50": band["median"], "band_p95": band["p95"],
        "band_positions": len(band_at), "positions": len(path),
        "repaints": len(lags),
        "lag0": sum(1 for lag in lags if lag == 0) / len(lags),
        "lag1": sum(1 for lag in lags if lag == 1) / len(lags),
        "hidden": sum(1 for lag in lags if lag < 0 or lag > 1) / len(lags),
        "lag_max": max(shown) if shown else -1,
        "fine_share": sum(1 for n in samples if n >= 1000) / max(1, len(samples)),
        "cpu_per_position_ms": 1e3 * cpu / len(path),  # this process; not the child's
    }


def single_changes(window, app, count: int) -> dict[str, float]:
    """One lever change after a pause: time until the matching 1,000-sample band is painted."""
    controller = window.uncertainty
    paints = PaintCounter(window)
    slider = _common.drag_slider(window)
    first, full, drawing = [], [], []
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
        drawing.append(charts_drawing_band(window))
        if not drawing[-1]:
            raise RuntimeError("the band is on the session but no chart draws it")
    first_figures, full_figures = _common.summary(first), _common.summary(full)
    return {"first_p50": first_figures["median"], "first_p95": first_figures["p95"],
            "full_p50": full_figures["median"], "full_p95": full_figures["p95"],
            "charts_with_band": min(drawing),
            "charts_on_screen": len(window.charts.visible_charts())}



def table(figures: dict[str, dict[str, float]]) -> str:
    """The figures of each way as a markdown table."""
    ms = _common.ms
    lines = [
        "| way | drag: curve p50/p95 | drag: band of that position p50/p95 | repaints with "
        "the band 0 / 1 behind / hidden | 1,000-sample at repaints | window process CPU per "
        "position | single change → 1,000-sample band p50/p95 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for way, f in figures.items():
        lines.append(
            f"| {way} | {ms(f['curve_p50'], f['curve_p95'])} | "
            f"{ms(f['band_p50'], f['band_p95'])} "
            f"({f['band_positions']} of {f['positions']} positions) | "
            f"{100 * f['lag0']:.0f} / {100 * f['lag1']:.0f} / {100 * f['hidden']:.0f} % of "
            f"{f['repaints']} | {100 * f['fine_share']:.0f} % | "
            f"{ms(f['cpu_per_position_ms'])} | {ms(f['full_p50'], f['full_p95'])} |")
    drawn = {f"{f['charts_with_band']} of {f['charts_on_screen']}" for f in figures.values()}
    lines.append(f"\ncharts on screen drawing the band after every single change: "
                 f"{', '.join(sorted(drawn))}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = _common.arguments(__doc__, as_json=False, quick="fewer positions and changes")
    parser.add_argument("--way", action="append", choices=WAYS,
                        help="only these ways (repeatable)")
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
    load_before = _common.load_average()
    figures = {}
    for way in args.way or WAYS:
        figures[way] = {**measured(way, paced_drag, drag),
                        **measured(way, single_changes, single)}
    load_after = _common.load_average()
    print(f"load average before {load_before:.2f}, after {load_after:.2f} "
          f"({os.cpu_count()} processors)")
    print(table(figures))
    sys.stdout.flush()
    return figures


if __name__ == "__main__":
    main()

"""Benchmark the analysis views of the window: what they cost during a drag and on demand.

    python benchmarks/bench_gui_analysis.py [--json]

Offscreen, window 1400×900, the allocator tuned as in the application.

1. A scripted drag of the EV-sales-growth slider through 200 positions, as in
   ``bench_gui.py`` (lever change → model rerun → every view updated → paint
   requests processed), once with each analysis tab in front: the scenario's
   description (the views behind it idle), Compare with six scenarios (five
   presets and the current one, whose column follows the drag), Targets with
   three targets of one's own beside the six built-in ones, and Attribution
   (which waits for the hand to pause, so the drag pays only for fading the
   bars). Wall-clock p50 and p95 per position [ms] and the process CPU time
   per position (the machine is shared; CPU time is steadier).
2. The compare table's own update for one lever change with six scenarios
   (the figures, the cells whose text changed, the sections' widths) [ms],
   median of 200 changes of the EV-sales growth.
3. The attribution drawn once the levers are still, with 10 levers changed
   (1,024 model runs), wall-clock and CPU time [ms], medians of 15.
4. Goal-seek from the dialog (lithium price for a pack cost of 80 USD/kWh in
   2030: the scan, Brent's method and the answer's text), wall-clock and CPU
   time [ms], medians of 15.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

DRAG_POSITIONS = 200
RUNS = 15
#: Ten levers changed from the baseline, for the attribution [lever units].
TEN_LEVERS = {"lithium_price": 30_000, "nickel_price": 22_000, "cobalt_price": 45_000,
              "graphite_price": 14_000, "supply_growth": 6, "recycling_rate": 60,
              "battery_size": 70, "renewable_share": 50, "cell_energy": 40,
              "demand_growth": 20}


def _window():
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from evexplorer._platform import tune_allocator
    from evexplorer.app import create_main_window

    tune_allocator()
    folder = tempfile.mkdtemp()
    settings = QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat)
    window = create_main_window(settings)
    window.resize(1400, 900)
    window.show()
    app = QApplication.instance()
    for _ in range(5):
        app.processEvents()
    return window, app


def _drag(window, app) -> dict[str, float]:
    from PySide6.QtWidgets import QSlider

    slider = window.findChild(QSlider, "demand_growth__slider")
    positions = [int(slider.maximum() * (0.2 + 0.6 * abs(((i / 50) % 2) - 1)))
                 for i in range(DRAG_POSITIONS)]
    slider.setSliderDown(True)
    wall, cpu = [], []
    for position in positions:
        start, start_cpu = time.perf_counter(), time.process_time()
        slider.setValue(position)
        app.processEvents()  # the coalesced recompute runs here ...
        app.processEvents()  # ... and the update requests it posted are painted
        wall.append(1e3 * (time.perf_counter() - start))
        cpu.append(1e3 * (time.process_time() - start_cpu))
    slider.setSliderDown(False)
    app.processEvents()
    window.session.undo()
    for _ in range(3):
        app.processEvents()
    wall.sort()
    return {"p50_ms": statistics.median(wall), "p95_ms": wall[int(0.95 * len(wall)) - 1],
            "cpu_ms": statistics.mean(cpu)}


def drags() -> dict[str, dict[str, float]]:
    """The drag with each analysis tab in front."""
    from evexplorer.analysis.targets import parse_target
    from evexplorer.session import presets

    window, app = _window()
    session = window.session
    for preset in presets()[:5]:
        session.add_comparison(preset)
    session.add_comparison(None)
    with session.change("Add targets"):
        session.set_targets([parse_target(t).to_record() for t in
                             ("pack_cost<=80@2030", "ev_share>=50@2035",
                              "lithium_shortfall<=0@2030")])
    figures = {}
    for name, view in (("scenario tab", window.meta), ("compare, 6 scenarios",
                                                       window.compare_view),
                       ("targets, 6 built-in + 3 own", window.targets_view),
                       ("attribution (waits for a pause)", window.attribution_view)):
        window.analysis_tabs.setCurrentWidget(view)
        for _ in range(5):
            app.processEvents()
        figures[name] = _drag(window, app)
    window.session.new()
    window.close()
    return figures


def compare_refresh_ms() -> float:
    """The compare table's update after one lever change, six scenarios [ms]."""
    from evexplorer.session import presets

    window, app = _window()
    session = window.session
    for preset in presets()[:5]:
        session.add_comparison(preset)
    session.add_comparison(None)
    view = window.compare_view
    window.analysis_tabs.setCurrentWidget(view)
    for _ in range(5):
        app.processEvents()
    times = []
    for i in range(DRAG_POSITIONS):
        session.update({"demand_growth": 10.0 + (i % 20)})
        session.recompute()
        start = time.perf_counter()
        view.refresh()
        times.append(1e3 * (time.perf_counter() - start))
        app.processEvents()
    window.session.new()
    window.close()
    return statistics.median(times)


def attribution_ms() -> tuple[float, float]:
    """Attribution with 10 changed levers, computed and drawn: wall and CPU time [ms]."""
    window, app = _window()
    window.session.update(TEN_LEVERS)
    view = window.attribution_view
    window.analysis_tabs.setCurrentWidget(view)
    for _ in range(3):
        app.processEvents()
    assert view.result is not None and len(view.result.contributions) == 10
    times, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        view.refresh()
        view.waterfall.repaint()
        times.append(1e3 * (time.perf_counter() - start))
        cpu.append(1e3 * (time.process_time() - start_cpu))
    window.session.new()
    window.close()
    return statistics.median(times), statistics.median(cpu)


def goal_seek_ms() -> tuple[float, float]:
    """Goal-seek from the dialog, lithium price for 80 USD/kWh in 2030: wall and CPU [ms]."""
    window, app = _window()
    dialog = window.goal_seek()
    dialog.target.setValue(80.0)
    times, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        found = dialog.seek()
        app.processEvents()
        times.append(1e3 * (time.perf_counter() - start))
        cpu.append(1e3 * (time.process_time() - start_cpu))
        assert found is not None
    dialog.close()
    window.close()
    return statistics.median(times), statistics.median(cpu)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures: dict[str, object] = {"drag": drags(), "compare_refresh_ms": compare_refresh_ms(),
                                  "attribution_10_levers_ms": attribution_ms(),
                                  "goal_seek_dialog_ms": goal_seek_ms()}
    if args.json:
        print(json.dumps(figures, indent=1))
        return figures
    print("| drag, tab in front | p50 | p95 | CPU per position |")
    print("| --- | --- | --- | --- |")
    for name, f in figures["drag"].items():
        print(f"| {name} | {f['p50_ms']:.1f} ms | {f['p95_ms']:.1f} ms | {f['cpu_ms']:.1f} ms |")
    print()
    print(f"compare table update, 6 scenarios: {figures['compare_refresh_ms']:.2f} ms "
          f"(median of {DRAG_POSITIONS})")
    wall, cpu = figures["attribution_10_levers_ms"]
    print(f"attribution, 10 levers changed, drawn: {wall:.1f} ms wall, {cpu:.1f} ms CPU "
          f"(medians of {RUNS}; goal < 50 ms)")
    wall, cpu = figures["goal_seek_dialog_ms"]
    print(f"goal-seek from the dialog: {wall:.1f} ms wall, {cpu:.1f} ms CPU "
          f"(medians of {RUNS}; goal < 100 ms)")
    return figures


if __name__ == "__main__":
    main()

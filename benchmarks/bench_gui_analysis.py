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

import statistics

import _common

_common.use_checkout()  # the script runs from a source checkout without installation

DRAG_POSITIONS = 200
RUNS = 15
#: Ten levers changed from the baseline, for the attribution [lever units].
TEN_LEVERS = {"lithium_price": 30_000, "nickel_price": 22_000, "cobalt_price": 45_000,
              "graphite_price": 14_000, "supply_growth": 6, "recycling_rate": 60,
              "battery_size": 70, "renewable_share": 50, "cell_energy": 40,
              "demand_growth": 20}


def _drag(window, app) -> dict[str, float]:
    slider = _common.drag_slider(window)
    timings, _ = _common.timed_drag(window, app,
                                    _common.drag_positions(slider.maximum(), DRAG_POSITIONS))
    window.session.undo()
    for _ in range(3):
        app.processEvents()
    wall = _common.summary(timings.wall)
    return {"p50_ms": 1e3 * wall["median"], "p95_ms": 1e3 * wall["p95"],
            "cpu_ms": 1e3 * statistics.mean(timings.cpu)}


def _compare_six(session) -> None:
    """Five presets and the current scenario in the comparison."""
    from evexplorer.session import presets

    for preset in presets()[:5]:
        session.add_comparison(preset)
    session.add_comparison(None)


def drags() -> dict[str, dict[str, float]]:
    """The drag with each analysis tab in front."""
    from evexplorer.analysis.targets import parse_target

    with _common.offscreen_window() as (window, app):
        session = window.session
        _compare_six(session)
        with session.change("Add targets"):
            session.set_targets([parse_target(t).to_record() for t in
                                 ("pack_cost<=80@2030", "ev_share>=50@2035",
                                  "lithium_shortfall<=0@2030")])
        figures = {}
        for name, view in (("scenario tab", window.meta),
                           ("compare, 6 scenarios", window.compare_view),
                           ("targets, 6 built-in + 3 own", window.targets_view),
                           ("attribution (waits for a pause)", window.attribution_view)):
            window.analysis_tabs.setCurrentWidget(view)
            for _ in range(5):
                app.processEvents()
            figures[name] = _drag(window, app)
    return figures


def compare_refresh_ms() -> float:
    """The compare table's update after one lever change, six scenarios [ms]."""
    with _common.offscreen_window() as (window, app):
        session = window.session
        _compare_six(session)
        view = window.compare_view
        window.analysis_tabs.setCurrentWidget(view)
        for _ in range(5):
            app.processEvents()
        growth = iter(10.0 + (i % 20) for i in range(DRAG_POSITIONS))

        def change() -> None:  # untimed: the lever change and the model run
            app.processEvents()
            session.update({"demand_growth": next(growth)})
            session.recompute()

        timings = _common.time_calls(view.refresh, DRAG_POSITIONS, setup=change)
    return 1e3 * statistics.median(timings.wall)


def attribution_ms() -> tuple[float, float]:
    """Attribution with 10 changed levers, computed and drawn: wall and CPU time [ms]."""
    with _common.offscreen_window() as (window, app):
        window.session.update(TEN_LEVERS)
        view = window.attribution_view
        window.analysis_tabs.setCurrentWidget(view)
        for _ in range(3):
            app.processEvents()
        assert view.result is not None and len(view.result.contributions) == 10

        def draw() -> None:
            view.refresh()
            view.waterfall.repaint()

        timings = _common.time_calls(draw, RUNS)
    return 1e3 * statistics.median(timings.wall), 1e3 * statistics.median(timings.cpu)


def goal_seek_ms() -> tuple[float, float]:
    """Goal-seek from the dialog, lithium price for 80 USD/kWh in 2030: wall and CPU [ms]."""
    with _common.offscreen_window() as (window, app):
        dialog = window.goal_seek()
        dialog.target.setValue(80.0)

        def seek() -> None:
            found = dialog.seek()
            app.processEvents()
            if found is None:
                raise RuntimeError("goal-seek from the dialog found no lithium price")

        timings = _common.time_calls(seek, RUNS)
        dialog.close()
    return 1e3 * statistics.median(timings.wall), 1e3 * statistics.median(timings.cpu)


def table(figures: dict[str, object]) -> str:
    """The figures as text: a markdown table of the drags, then one line per measure."""
    ms = _common.ms
    lines = ["| drag, tab in front | p50 | p95 | CPU per position |", "| --- | --- | --- | --- |"]
    for name, f in figures["drag"].items():  # type: ignore[union-attr]
        lines.append(f"| {name} | {ms(f['p50_ms'])} | {ms(f['p95_ms'])} | {ms(f['cpu_ms'])} |")
    attribution_wall, attribution_cpu = figures["attribution_10_levers_ms"]  # type: ignore[misc]
    seek_wall, seek_cpu = figures["goal_seek_dialog_ms"]  # type: ignore[misc]
    lines += [
        "",
        f"compare table update, 6 scenarios: {ms(figures['compare_refresh_ms'], digits=2)} "
        f"(median of {DRAG_POSITIONS})",
        f"attribution, 10 levers changed, drawn: {ms(attribution_wall)} wall, "
        f"{ms(attribution_cpu)} CPU (medians of {RUNS}; goal < 50 ms)",
        f"goal-seek from the dialog: {ms(seek_wall)} wall, {ms(seek_cpu)} CPU "
        f"(medians of {RUNS}; goal < 100 ms)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, object]:
    args = _common.arguments(__doc__).parse_args(argv)
    figures: dict[str, object] = {"drag": drags(), "compare_refresh_ms": compare_refresh_ms(),
                                  "attribution_10_levers_ms": attribution_ms(),
                                  "goal_seek_dialog_ms": goal_seek_ms()}
    _common.print_figures(figures, table, args.json)
    return figures


if __name__ == "__main__":
    main()

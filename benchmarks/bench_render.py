"""Benchmark of chart files and the PDF report, in the process and through the command line.

Run it as a script (``python benchmarks/bench_render.py [--json] [--quick]``) or call
:func:`main`, which returns the figures as a dict. Goal (issue "Share the answer"): the PDF
report < 3 s. Measured offscreen: the charts are the window's own chart classes, built
without a window (as ``evexplorer report`` builds them) and drawing a changed scenario
against the baseline.

In the process, each figure is the median of several runs after a warm-up: the PDF report
(content and layout, six charts drawn as vectors), one chart in each format, and all charts
into a folder in each format (drawn, then written and fsynced). Through the command line,
``evexplorer report --pdf`` and ``evexplorer export --charts`` start to exit (importing Qt
and creating the application included), the best of three runs, each with its processor
time, which a busy shared machine inflates far less than the wall time.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

import _common

_common.use_checkout()  # the script runs from a source checkout without installation

GOAL_REPORT_S = 3.0
#: Runs of each in-process measure (the median is reported) and of each command (the best).
RUNS = 7
COMMAND_RUNS = 3
LEVERS = {"lithium_price": 40_000, "recycling_rate": 60, "chemistry_mix": "LFP:0.6,NMC811:0.4"}
_SCENARIO_ARGS = ["--set", "lithium_price=40000", "--set", "recycling_rate=60",
                  "--set", "chemistry_mix=LFP:60,NMC811:40"]

def _median_s(action, runs: int = RUNS, warmup: int = 1) -> tuple[float, float]:
    """Median wall and processor time of ``action`` [s]."""
    timings = _common.time_calls(action, runs, warmup)
    return statistics.median(timings.wall), statistics.median(timings.cpu)


def _command(args: list[str], key: str) -> dict[str, float]:
    """Wall and processor time of the fastest of :data:`COMMAND_RUNS` runs of ``evexplorer
    ARGS``, as ``{"KEY_s", "KEY_cpu_s"}`` [s]; each run starts without a display, as from a
    terminal."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return _common.run_command(args, COMMAND_RUNS, env).figures(key)


def _in_process(folder: Path) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import evexplorer
    from evexplorer.app import render
    from evexplorer.app.report_pdf import report_pdf_bytes
    from evexplorer.export import Reference, ScenarioInfo, Snapshot, build_report
    from evexplorer.model import evaluate

    evexplorer.tune_allocator()
    render.ensure_application()
    results = evaluate(LEVERS)
    snapshot = Snapshot(results=results, info=ScenarioInfo(title="Benchmark", author="Bench",
                                                           notes="A changed scenario."),
                        reference=Reference("Baseline", evaluate()))
    panel = render.offscreen_charts(snapshot, 2030)
    charts = panel.charts
    keys = [chart.key for chart in charts]
    figures: dict[str, Any] = {"charts": len(charts)}

    def report() -> None:
        content = build_report(snapshot, year=2030, territory="de_DE", charts=keys)
        figures["report_bytes"] = len(report_pdf_bytes(content, charts))

    figures["report_s"], figures["report_cpu_s"] = _median_s(report)
    for fmt in render.FORMATS:
        figures[f"chart_{fmt}_s"], _ = _median_s(
            lambda f=fmt: render.chart_bytes(charts[0], f))
        figures[f"charts_{fmt}_s"], figures[f"charts_{fmt}_cpu_s"] = _median_s(
            lambda f=fmt: render.write_charts(charts, folder / f, f), runs=5)
        figures[f"charts_{fmt}_bytes"] = sum(p.stat().st_size for p in (folder / fmt).iterdir())
    return figures


def main(quick: bool = False) -> dict[str, Any]:
    """Measure and return the figures (times [s], sizes [bytes])."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for fmt in ("svg", "png", "pdf"):
            (folder / fmt).mkdir()
        figures = _in_process(folder)
        figures.update(_command(["report", *_SCENARIO_ARGS, "--pdf",
                                 str(folder / "report.pdf")], "report_command"))
        if not quick:
            for fmt in ("svg", "png", "pdf"):
                figures.update(_command(["export", *_SCENARIO_ARGS, "--charts",
                                         str(folder / f"cli-{fmt}"), "--format", fmt],
                                        f"charts_{fmt}_command"))
    figures["cpus"] = os.cpu_count()
    figures["load_average"] = _common.load_average()
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in figures.items()}


def _report(f: dict[str, Any]) -> str:
    def ms(key: str) -> str:
        return f"{1e3 * f[key]:.0f} ms"

    def command(key: str) -> str:
        return f"{f[key]:.2f} s (processor {f[key.removesuffix('_s') + '_cpu_s']:.2f} s)"

    ok = "ok" if f["report_command_s"] < GOAL_REPORT_S else "OVER GOAL"
    lines = [
        f"PDF report, {f['charts']} charts, in the process: {ms('report_s')} "
        f"(processor {ms('report_cpu_s')}; median of {RUNS}; {f['report_bytes']:,} bytes)",
        f"  'evexplorer report --pdf', start to exit: {command('report_command_s')} "
        f"(goal < {GOAL_REPORT_S:.0f} s: {ok})",
        f"one chart as SVG / PNG (300 dpi) / PDF: {ms('chart_svg_s')} / {ms('chart_png_s')} / "
        f"{ms('chart_pdf_s')}",
    ]
    for fmt in ("svg", "png", "pdf"):
        line = (f"all {f['charts']} charts as {fmt.upper()} into a folder: "
                f"{ms(f'charts_{fmt}_s')} ({f[f'charts_{fmt}_bytes']:,} bytes)")
        if f"charts_{fmt}_command_s" in f:
            line += f"; 'export --charts': {command(f'charts_{fmt}_command_s')}"
        lines.append(line)
    lines.append(f"({f['cpus']} CPUs, load average {f['load_average']})")
    return "\n".join(lines)


if __name__ == "__main__":
    options = _common.arguments(__doc__, quick="skip the 'export --charts' commands").parse_args()
    _common.print_figures(main(quick=options.quick), _report, options.json)

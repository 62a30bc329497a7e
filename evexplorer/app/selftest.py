"""``evexplorer --self-test``: prove that this installation (source or frozen) works.

Offscreen, it computes the baseline, saves a scenario in a temporary folder,
reopens it through the isolated child-process reader, builds the main window
on it and renders the window to an image. It prints one line per step and
exits 0 only if every step worked.
"""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _step(name: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    print(f"ok   {name} ({1e3 * (time.perf_counter() - start):.0f} ms)", flush=True)
    return result


def run_self_test() -> int:
    """Run every step; return 0 if all worked, 1 otherwise."""
    try:
        _run()
    except Exception as exc:  # report any failure as one line and a non-zero status
        print(f"FAIL {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        traceback.print_exc(limit=4)
        return 1
    print("self-test passed", flush=True)
    return 0


def _use_lazy_libraries() -> None:
    """Use once each library that the analysis and export layers import only when needed.

    A frozen bundle that lacks one of them (or a data file it reads, such as SciPy's Sobol
    direction numbers) fails here instead of in a user's first uncertainty run or export.
    """
    import io

    import numpy as np
    import openpyxl
    from scipy.optimize import brentq
    from scipy.stats import qmc, sobol_indices, uniform

    if abs(brentq(lambda x: x * x - 2.0, 0.0, 2.0) - 2.0 ** 0.5) > 1e-9:
        raise RuntimeError("scipy.optimize.brentq missed the root of x² - 2")
    first = qmc.Sobol(2, scramble=False).random(4)  # reads SciPy's direction-number file
    if not np.array_equal(first, [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75]]):
        raise RuntimeError(f"qmc.Sobol drew {first.tolist()}, not the first Sobol points")
    strata = np.sort(np.floor(qmc.LatinHypercube(2, seed=1).random(64) * 64), axis=0)
    if not (strata == np.arange(64)[:, None]).all():  # one point in each 1/64 of each axis
        raise RuntimeError("qmc.LatinHypercube left a stratum empty")
    # x0 + 2 x1 on uniform inputs: first-order indices 1/5 and 4/5
    indices = sobol_indices(func=lambda x: x[0] + 2.0 * x[1], n=64,
                            dists=[uniform(), uniform()], rng=np.random.default_rng(1))
    if not np.allclose(indices.first_order, [0.2, 0.8], atol=0.1):
        raise RuntimeError(f"Sobol indices {indices.first_order} differ from [0.2, 0.8]")
    book = openpyxl.Workbook()
    book.active.append(["pack_cost", 101.5])
    stream = io.BytesIO()
    book.save(stream)
    row = next(openpyxl.load_workbook(stream).active.iter_rows(values_only=True))
    if row != ("pack_cost", 101.5):
        raise RuntimeError(f"an XLSX workbook read back as {row}")


def _draw_files(window: Any) -> None:
    """Draw a chart file and the PDF report: Qt's SVG and PDF writers are in the bundle."""
    from ..export.report import build_report
    from . import render
    from .on_screen import snapshot_of
    from .report_pdf import report_pdf_bytes

    charts = window.charts.charts
    svg = render.chart_bytes(charts[0], "svg")
    if b"<svg" not in svg or render.chart_title(charts[0]).encode() not in svg:
        raise RuntimeError("the chart's SVG lacks its title")
    report = build_report(snapshot_of(window.session), charts=[c.key for c in charts])
    if not report_pdf_bytes(report, charts).startswith(b"%PDF-"):
        raise RuntimeError("the report is not a PDF")


def _run() -> None:
    from PySide6.QtCore import QSettings

    from .. import scenario
    from ..model import evaluate
    from . import SCREENSHOT_SIZE, _application, create_main_window

    _step("use SciPy's sampling, Sobol indices and root finding, and openpyxl",
          _use_lazy_libraries)
    baseline = _step("compute the baseline", evaluate)
    if baseline.series["pack_cost"].shape != baseline.years.shape:
        raise RuntimeError("the baseline has the wrong shape")
    lever = {"lithium_price": 30_000.0, "chemistry_mix": {"LFP": 0.6, "NMC811": 0.4}}
    changed = evaluate(lever)
    with tempfile.TemporaryDirectory(prefix="evexplorer-self-test-") as folder:
        path = Path(folder) / "self-test.evx"
        _step("save a scenario", lambda: scenario.save_scenario(
            path, changed.parameters, changed, title="Self-test", author="EV Explorer"))
        doc = _step("reopen it in the isolated reader",
                    lambda: scenario.open_scenario(path, isolated=True))
        if doc.parameters["lithium_price"] != 30_000.0 or doc.title != "Self-test":
            raise RuntimeError("the reopened scenario differs from the saved one")
        if not doc.checksum_ok:
            raise RuntimeError("the reopened scenario fails its checksum")
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = _step("build the main window", lambda: create_main_window(settings))
        window.error_sink = lambda title, text: (_ for _ in ()).throw(RuntimeError(text))
        _step("open the scenario in the window", lambda: window.open_file(str(path), ask=False))
        if window.session.values["lithium_price"] != 30_000.0:
            raise RuntimeError("the window did not take the scenario's levers")
        window.resize(*SCREENSHOT_SIZE)
        window.show()
        app = _application()
        app.processEvents()
        image = _step("render the window", lambda: window.grab().toImage())
        if image.isNull() or (image.width(), image.height()) != SCREENSHOT_SIZE:
            raise RuntimeError(f"the rendered image is {image.width()}×{image.height()}")
        if len({image.pixel(x, y) for x in range(0, image.width(), 97)
                for y in range(0, image.height(), 89)}) < 8:
            raise RuntimeError("the rendered window is blank")
        _step("draw a chart as SVG and the report as PDF", lambda: _draw_files(window))
        window.session.new()  # nothing unsaved: close quietly
        window.close()

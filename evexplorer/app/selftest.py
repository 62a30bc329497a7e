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


def _run() -> None:
    from PySide6.QtCore import QSettings

    from .. import scenario
    from ..model import evaluate
    from . import SCREENSHOT_SIZE, _application, create_main_window

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
        window.session.new()  # nothing unsaved: close quietly
        window.close()

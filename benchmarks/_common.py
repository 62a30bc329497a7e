"""What the benchmarks share: the checkout on ``sys.path``, timing, commands, an offscreen window.

The ``bench_*.py`` scripts import this module as ``_common`` (a script's own folder is first
on ``sys.path``); ``run.py`` runs only ``bench_*.py``, so this file is never run as a
benchmark. Nothing heavy is imported at module level (Qt, NumPy and evexplorer are imported
inside the functions that need them), so a script started again by multiprocessing's
"spawn" method stays light.

Timing. :func:`time_calls` times a callable a number of times after warm-up calls and
returns the wall-clock time (``time.perf_counter``) and the process's CPU time
(``time.process_time``) of each call. On a machine shared with other work, CPU time is the
steadier estimate of what a quiet machine would take: the code timed here runs on one thread.
:func:`summary` and :func:`ms_figures` reduce the samples to median, 95th percentile and
minimum; :func:`ms` writes figures in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

#: The repository root: the folder above ``benchmarks/``.
ROOT = Path(__file__).resolve().parent.parent
#: Size of the benchmarked window [px]: width, height.
WINDOW_SIZE = (1400, 900)
#: The lever whose slider the drags move: EV-sales growth moves every chart.
DRAG_LEVER = "demand_growth"


def use_checkout() -> Path:
    """Put the repository root first on ``sys.path``, so that ``evexplorer`` is this checkout's.

    Returns
    -------
    pathlib.Path
        The repository root.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return ROOT


def environment() -> dict[str, Any]:
    """Tune the allocator as the application does at start; describe where the figures come from.

    Returns
    -------
    dict
        ``python`` and ``numpy``, their versions; ``cpus``, the processors [1];
        ``allocator_tuned``, what :func:`evexplorer._platform.tune_allocator` returned.
    """
    import platform

    import numpy as np

    from evexplorer._platform import tune_allocator

    return {"python": platform.python_version(), "numpy": np.__version__,
            "cpus": os.cpu_count(), "allocator_tuned": tune_allocator()}


def environment_line(figures: Mapping[str, Any]) -> str:
    """The line that heads a table: the keys of :func:`environment` in ``figures``, as text."""
    return (f"Python {figures['python']}, NumPy {figures['numpy']}, {figures['cpus']} CPUs; "
            f"allocator tuned: {figures['allocator_tuned']}")


# -- timing ------------------------------------------------------------------------------------
class Timings(NamedTuple):
    """Times of the calls of one measure, in call order."""

    #: Wall-clock time of each call [s].
    wall: list[float]
    #: CPU time of this process during each call [s].
    cpu: list[float]


def time_calls(call: Callable[[], Any], runs: int, warmup: int = 0,
               setup: Callable[[], Any] | None = None) -> Timings:
    """Time ``runs`` calls of ``call`` after ``warmup`` untimed ones.

    Parameters
    ----------
    call : callable
        What is timed; called without arguments (a closure over an iterator gives each call
        its own input).
    runs : int
        Timed calls [1].
    warmup : int
        Untimed calls before them [1].
    setup : callable, optional
        Called, untimed, before every call (warm-up calls included).

    Returns
    -------
    Timings
        Wall-clock and CPU time of each timed call [s]. The wall clock is read inside the CPU
        clock, so that the wall time holds no reading of the slower CPU clock.
    """
    for _ in range(warmup):
        if setup is not None:
            setup()
        call()
    wall, cpu = [], []
    for _ in range(runs):
        if setup is not None:
            setup()
        start_cpu = time.process_time()
        start = time.perf_counter()
        call()
        end = time.perf_counter()
        cpu.append(time.process_time() - start_cpu)
        wall.append(end - start)
    return Timings(wall, cpu)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of ``values``, interpolated linearly between order statistics.

    The same definition as ``numpy.percentile``'s default (``method="linear"``).

    Parameters
    ----------
    values : sequence of float
        The samples, in any order and unit (at least one).
    q : float
        The percentile [%], 0 to 100.

    Returns
    -------
    float
        The percentile, in the unit of ``values``.
    """
    if not values:
        raise ValueError("no values to take a percentile of")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, 95th percentile and minimum of ``values``.

    Parameters
    ----------
    values : sequence of float
        The samples (at least one), in any unit.

    Returns
    -------
    dict
        ``{"median", "p95", "min"}``, in the unit of ``values``.
    """
    return {"median": statistics.median(values), "p95": percentile(values, 95),
            "min": min(values)}


def ms_figures(timings: Timings) -> dict[str, float]:
    """The usual figures of a measure, in milliseconds.

    Parameters
    ----------
    timings : Timings
        As :func:`time_calls` returns them [s].

    Returns
    -------
    dict
        ``median_ms``, ``p95_ms``, ``min_ms`` of the wall-clock times and ``cpu_median_ms``,
        ``cpu_p95_ms``, ``cpu_min_ms`` of the CPU times [ms]; ``runs``, the calls timed [1].
    """
    wall, cpu = summary(timings.wall), summary(timings.cpu)
    return {**{f"{key}_ms": 1e3 * value for key, value in wall.items()},
            **{f"cpu_{key}_ms": 1e3 * value for key, value in cpu.items()},
            "runs": len(timings.wall)}


def ms(*values: float, digits: int = 1) -> str:
    """Figures in milliseconds as text: ``ms(31.3, 51.34)`` is ``"31.3 / 51.3 ms"``.

    Parameters
    ----------
    *values : float
        The figures [ms], joined by " / ".
    digits : int
        Digits after the decimal point [1].

    Returns
    -------
    str
        The figures and their unit.
    """
    return " / ".join(f"{value:.{digits}f}" for value in values) + " ms"


# -- commands ----------------------------------------------------------------------------------
class CommandRun(NamedTuple):
    """One run of an ``evexplorer`` command in its own process."""

    #: From start to exit, as this process saw it [s].
    wall: float
    #: CPU time the command's process used, user and system [s].
    cpu: float
    #: Peak resident memory of that process (VmHWM; 0 where /proc is missing) [KiB].
    peak_kib: int

    def figures(self, key: str) -> dict[str, float]:
        """``{"KEY_s": wall, "KEY_cpu_s": cpu}``, the times under a benchmark's key [s]."""
        return {f"{key}_s": self.wall, f"{key}_cpu_s": self.cpu}


#: Runs ``evexplorer ARGS`` and reports on stderr the peak resident memory of that process
#: (VmHWM, not ru_maxrss: Linux counts the parent's memory at fork time in the latter) and
#: the CPU time it used, which a busy shared machine inflates far less than wall time.
_COMMAND = """
import os, sys
from evexplorer.cli import main
status = main(sys.argv[1:])
try:
    with open("/proc/self/status") as f:
        peak = next(line.split()[1] for line in f if line.startswith("VmHWM"))
except OSError:
    peak = 0
cpu = os.times()
sys.stderr.write(f"\\nmeasured {peak} {cpu.user + cpu.system}\\n")
sys.exit(status)
"""


def run_command(args: Sequence[str], runs: int = 1,
                env: Mapping[str, str] | None = None) -> CommandRun:
    """Run ``evexplorer ARGS`` ``runs`` times, each in a fresh process; return the fastest.

    A shared machine only ever slows a run down, so the fastest is the best estimate.

    Parameters
    ----------
    args : sequence of str
        The command line after ``evexplorer``.
    runs : int
        Runs [1].
    env : mapping, optional
        The environment of the command (default: this process's).

    Returns
    -------
    CommandRun
        The run with the shortest wall-clock time.

    Raises
    ------
    RuntimeError
        If the command exits with a non-zero status.
    """
    done = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _COMMAND, *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             env=None if env is None else dict(env))
        elapsed = time.perf_counter() - start
        if out.returncode != 0:
            raise RuntimeError(f"evexplorer {' '.join(args)} failed: {out.stderr}")
        peak, cpu = out.stderr.rsplit("measured ", 1)[1].split()
        done.append(CommandRun(elapsed, float(cpu), int(peak)))
    return min(done, key=lambda run: run.wall)


# -- the window --------------------------------------------------------------------------------
@contextmanager
def offscreen_window(folder: str | Path | None = None, settle_events: int = 5
                     ) -> Iterator[tuple[Any, Any]]:
    """The main window as the application builds it, shown at :data:`WINDOW_SIZE`.

    Qt draws offscreen unless ``QT_QPA_PLATFORM`` names another platform.

    The allocator is tuned as the application does at start
    (:func:`evexplorer._platform.tune_allocator`); the window's settings live in a file of
    their own, so the user's are neither read nor written. On leaving the block the
    scenario is discarded (nothing unsaved: closing asks nothing), the window is closed and
    deleted.

    Parameters
    ----------
    folder : str or path-like, optional
        Where the settings file goes (default: a temporary folder, removed afterwards).
    settle_events : int
        Rounds of event processing after showing the window [1] (0: none, for a caller that
        changes the window before its first paint).

    Yields
    ------
    tuple
        The window and the application.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from evexplorer._platform import tune_allocator
    from evexplorer.app import create_main_window

    tune_allocator()
    with tempfile.TemporaryDirectory(prefix="evexplorer-bench-",
                                     ignore_cleanup_errors=True) as temporary:
        settings = QSettings(str(Path(folder or temporary) / "settings.ini"),
                             QSettings.Format.IniFormat)
        window = create_main_window(settings)
        window.resize(*WINDOW_SIZE)
        window.show()
        app = QApplication.instance()
        for _ in range(settle_events):
            app.processEvents()
        try:
            yield window, app
        finally:
            window.session.new()
            window.close()
            window.deleteLater()
            app.processEvents()


def drag_slider(window: Any) -> Any:
    """The slider of :data:`DRAG_LEVER` in ``window``."""
    from PySide6.QtWidgets import QSlider

    return window.findChild(QSlider, f"{DRAG_LEVER}__slider")


def drag_positions(maximum: int, count: int, half_period: int = 50) -> list[int]:
    """Slider positions of a scripted drag: a triangle wave between 20 % and 80 % of the range.

    Parameters
    ----------
    maximum : int
        The slider's maximum [1] (its minimum is 0).
    count : int
        Positions [1].
    half_period : int
        Positions from one end of the wave to the other [1].

    Returns
    -------
    list of int
        The positions, in drag order.
    """
    return [int(maximum * (0.2 + 0.6 * abs(((i / half_period) % 2) - 1))) for i in range(count)]


def timed_drag(window: Any, app: Any, positions: Sequence[int],
               on_move: Callable[[int], Any] | None = None) -> tuple[Timings, list[float]]:
    """Time lever change → repainted window at each position of a drag of the slider.

    The slider is held down (as a hand drags it) and set to each position in turn; each
    step is timed from ``setValue`` until the coalesced model run has updated every view
    and the update requests it posted have been processed (offscreen, Qt paints the dirty
    regions into the window's backing store).

    Parameters
    ----------
    window, app
        As :func:`offscreen_window` yields them.
    positions : sequence of int
        The slider positions [1], as :func:`drag_positions` makes them.
    on_move : callable, optional
        Called with each position right after the slider moved, inside the timed step.

    Returns
    -------
    Timings
        Wall-clock and CPU time of each step [s].
    list of float
        The window's own time of the model run (and the curves' new data) at each step [ms].
    """
    slider = drag_slider(window)
    steps = iter(positions)
    model: list[float] = []

    def step() -> None:
        position = next(steps)
        slider.setValue(position)
        if on_move is not None:
            on_move(position)
        app.processEvents()  # the coalesced recompute runs here ...
        app.processEvents()  # ... and the update requests it posted are painted
        model.append(window.last_recompute_ms)

    slider.setSliderDown(True)
    timings = time_calls(step, len(positions))
    slider.setSliderDown(False)
    app.processEvents()
    return timings, model


def load_average() -> float:
    """The system's load average over the last minute [1] (NaN where unknown)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


# -- the command line --------------------------------------------------------------------------
def arguments(doc: str, *, as_json: bool = True, quick: str | None = None
              ) -> argparse.ArgumentParser:
    """A script's parser, described by the first line of its docstring.

    Parameters
    ----------
    doc : str
        The script's docstring.
    as_json : bool
        Offer ``--json`` (print the figures as JSON).
    quick : str, optional
        The help of ``--quick`` (default: no such option).

    Returns
    -------
    argparse.ArgumentParser
        To which the script may add options of its own.
    """
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    if as_json:
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    if quick is not None:
        parser.add_argument("--quick", action="store_true", help=quick)
    return parser


def print_figures(figures: Any, table: Callable[[Any], str], as_json: bool) -> None:
    """Print ``figures`` as JSON (indented) or as the text ``table`` makes of them."""
    print(json.dumps(figures, indent=1) if as_json else table(figures))

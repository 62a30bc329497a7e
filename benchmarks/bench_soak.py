"""Soak the window: memory, open files and child processes over many lever changes and opens.

    python benchmarks/bench_soak.py            # 10,000 lever changes, then 500 isolated opens
    python benchmarks/bench_soak.py --quick    # 1,000 and 50

A real main window (offscreen, 1400×900, as the application builds it, with its
recovery copies written every 0.5 s into a temporary data folder):

1. 10,000 lever changes, each through the session as a slider or a typed value
   makes it (one undo step, one model run, every chart's curves updated and
   the window repainted), cycling through four levers with values that differ
   every time;
2. 500 opens of scenario files through File ▸ Open's path, each parsed in a
   fresh isolated child process, alternating between two files.

Every 1,000 changes and every 50 opens it prints the resident memory [MiB],
the open file descriptors, the child processes alive and the recovery copies
written. The goal is flat lines after the warm-up (the first 1,000 changes,
the first 50 opens): growth in memory bounded by the undo history's cap, no
descriptor or child process left behind.

Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import _common
from bench_session import _rss_mb
from bench_session import changes as lever_changes

_common.use_checkout()  # the script runs from a source checkout without installation


def open_descriptors() -> int:
    """File descriptors this process holds open [1]."""
    return len(os.listdir("/proc/self/fd"))


def children() -> list[str]:
    """Command lines of the processes whose parent is this one, alive or not yet reaped."""
    me = str(os.getpid())
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if fields[1] != me:
                continue
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                found.append(fh.read().replace(b"\0", b" ").decode(errors="replace").strip())
        except (OSError, IndexError):
            continue
    return found


def child_processes() -> int:
    """Processes whose parent is this one, alive or not yet reaped [1]."""
    return len(children())


class Probe:
    """Prints one table row per sample and keeps them."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []
        print("| phase | done | resident memory [MiB] | open descriptors | child processes "
              "| recovery copies written | seconds |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        self._start = time.perf_counter()

    def sample(self, phase: str, done: int, copies: int) -> dict[str, float]:
        row = {"phase": phase, "done": done, "rss": _rss_mb(), "fds": open_descriptors(),
               "children": child_processes(), "copies": copies,
               "seconds": time.perf_counter() - self._start}
        self.rows.append(row)
        print(f"| {phase} | {done:,} | {row['rss']:.1f} | {row['fds']} | {row['children']} | "
              f"{copies} | {row['seconds']:.0f} |", flush=True)
        return row


def soak(changes: int, opens: int) -> list[dict[str, float]]:
    """Run both phases; return the samples."""
    folder = tempfile.mkdtemp(prefix="evexplorer-soak-")
    os.environ["EVEXPLORER_DATA_DIR"] = str(Path(folder) / "data")
    os.environ["EVEXPLORER_AUTOSAVE_SECONDS"] = "0.5"
    with _common.offscreen_window(folder, settle_events=0) as (window, app):
        window.error_sink = lambda title, text: (_ for _ in ()).throw(RuntimeError(text))
        for _ in range(5):
            app.processEvents()
        rows = _soak_window(window, app, folder, changes, opens)
    for command in children():  # what stays: multiprocessing's resource tracker, once started
        print(f"child process left running: {command[:120]}")
    return rows


def _soak_window(window, app, folder: str, changes: int, opens: int) -> list[dict[str, float]]:
    from evexplorer import scenario
    from evexplorer.model import evaluate

    written = [0]
    window.autosave.written.connect(lambda copy: written.__setitem__(0, written[0] + 1))
    probe = Probe()
    probe.sample("start", 0, 0)
    step = max(1, changes // 10)
    for i, (name, value) in enumerate(lever_changes(changes)):
        window.session.set(name, value)
        app.processEvents()  # the model run and the chart updates ...
        app.processEvents()  # ... and the repaint they posted (and a due recovery copy)
        if (i + 1) % step == 0:
            probe.sample("lever changes", i + 1, written[0])
    files = []
    for k, levers in enumerate(({"lithium_price": 30_000.0}, {"nickel_price": 25_000.0})):
        results = evaluate(levers)
        path = Path(folder) / f"scenario-{k}.evx"
        scenario.save_scenario(path, results.parameters, results, title=f"Soak {k}")
        files.append(str(path))
    window.session.new()  # nothing unsaved: opening asks nothing
    step = max(1, opens // 10)
    for i in range(opens):
        if not window.open_file(files[i % 2], ask=False):
            raise RuntimeError(f"could not open {files[i % 2]}")
        app.processEvents()
        app.processEvents()
        if (i + 1) % step == 0:
            probe.sample("isolated opens", i + 1, written[0])
    return probe.rows


def summary(rows: list[dict[str, float]], changes: int, opens: int) -> None:
    def growth(phase: str, warm_done: int) -> str:
        phase_rows = [r for r in rows if r["phase"] == phase]
        warm = next(r for r in phase_rows if r["done"] >= warm_done)
        end = phase_rows[-1]
        return (f"resident memory {warm['rss']:.1f} → {end['rss']:.1f} MiB "
                f"({end['rss'] - warm['rss']:+.1f} MiB), descriptors {warm['fds']} → "
                f"{end['fds']}, child processes {warm['children']} → {end['children']}")

    print()
    print(f"after warm-up, {changes:,} lever changes: "
          f"{growth('lever changes', max(1, changes // 10))}")
    print(f"after warm-up, {opens:,} isolated opens: "
          f"{growth('isolated opens', max(1, opens // 10))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 changes and 50 opens")
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--opens", type=int, default=500)
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        print("bench_soak reads /proc: Linux only", file=sys.stderr)
        return 0
    changes, opens = (1_000, 50) if args.quick else (args.changes, args.opens)
    rows = soak(changes, opens)
    summary(rows, changes, opens)
    return 0


if __name__ == "__main__":
    sys.exit(main())

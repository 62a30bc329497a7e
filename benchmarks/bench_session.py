"""Benchmark the working set: cost of a lever change, memory of the undo history.

    python benchmarks/bench_session.py

1. One lever change through :meth:`Session.set` (validation, one undo step,
   one notification), without the model run, median of 5,000 [µs].
2. Memory one undo step holds (``tracemalloc``, history without a cap, 10,000
   lever changes) [bytes].
3. A soak of 10,000 lever changes, each followed by the model run, in a fresh
   process per undo cap: the resident memory grows by [MB] from after the
   first 1,000 changes (warm-up) to the end, and the steps kept. With the
   default cap of 1,000 steps the history stops growing at 1,000 steps; without
   a cap it keeps every step.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator

import _common

_common.use_checkout()  # the script runs from a source checkout without installation

CHANGES = 10_000
WARM_UP = 1_000
#: Levers cycled through by the soak, each with values that differ at every change.
LEVERS = ("lithium_price", "nickel_price", "recycling_rate", "demand_growth")


def _value(name: str, i: int) -> float:
    from evexplorer.model import PARAMETERS

    p = PARAMETERS[name]
    lo, hi = float(p.minimum), float(p.maximum)
    return round(lo + (hi - lo) * ((i * 0.618034) % 1.0), 3)


def changes(count: int) -> Iterator[tuple[str, float]]:
    """``count`` successive lever changes, (name, value), cycling through :data:`LEVERS`."""
    for i in range(count):
        name = LEVERS[i % len(LEVERS)]
        yield name, _value(name, i)


def change_cost() -> float:
    """Median time of one lever change without the model run [µs]."""
    from evexplorer.session import Session

    session = Session(schedule=lambda: None)
    session.subscribe(lambda change: None)
    pending = iter(list(changes(5_000)))  # values drawn before the clock runs
    timings = _common.time_calls(lambda: session.set(*next(pending)), 5_000)
    return 1e6 * statistics.median(timings.wall)


def bytes_per_step() -> float:
    """Memory held by one undo step, from a history without a cap [bytes]."""
    from evexplorer.session import Session

    session = Session(undo_limit=None, schedule=lambda: None)
    values = list(changes(CHANGES))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for name, value in values:
        session.set(name, value)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(session.history) == CHANGES
    return (after - before) / CHANGES


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def soak(limit: int | None) -> dict[str, float]:
    """10,000 lever changes with model runs; resident memory after warm-up and at the end."""
    from evexplorer._platform import tune_allocator
    from evexplorer.session import Session

    tune_allocator()  # as the application does at start
    session = Session(undo_limit=limit)
    warm = 0.0
    start = time.perf_counter()
    for i, (name, value) in enumerate(changes(CHANGES)):
        session.set(name, value)
        if i + 1 == WARM_UP:
            warm = _rss_mb()
    elapsed = time.perf_counter() - start
    return {"rss_after_warm_up_mb": warm, "rss_end_mb": _rss_mb(),
            "steps_kept": len(session.history), "seconds": elapsed}


def _soak_in_child(limit: int | None) -> dict[str, float]:
    code = (f"import json, sys; sys.path.insert(0, {str(__file__.rsplit('/', 1)[0])!r}); "
            f"import bench_session; print(json.dumps(bench_session.soak({limit!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> dict[str, float]:
    figures = {"change_us": change_cost(), "bytes_per_step": bytes_per_step()}
    capped, uncapped = _soak_in_child(1000), _soak_in_child(None)
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| one lever change (validate, undo step, notify; no model run), median | "
          f"{figures['change_us']:.0f} µs |")
    print(f"| memory held by one undo step | {figures['bytes_per_step']:.0f} bytes |")
    for label, soaked in (("undo cap 1,000 (default)", capped), ("no undo cap", uncapped)):
        growth = soaked["rss_end_mb"] - soaked["rss_after_warm_up_mb"]
        print(f"| {CHANGES:,} lever changes with model runs, {label}: resident memory "
              f"after {WARM_UP:,} → after {CHANGES:,} | {soaked['rss_after_warm_up_mb']:.1f} → "
              f"{soaked['rss_end_mb']:.1f} MB ({growth:+.1f} MB), "
              f"{int(soaked['steps_kept']):,} steps kept |")
        figures[f"rss_growth_mb_{'capped' if soaked is capped else 'uncapped'}"] = growth
    return figures


if __name__ == "__main__":
    main()

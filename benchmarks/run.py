"""Run every ``benchmarks/bench_*.py`` in order, each in its own process.

    python benchmarks/run.py

Prints each benchmark's output under its name; exits non-zero if one fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run the benchmarks; return 0 if all succeeded, else 1."""
    failed = []
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print(f"no bench_*.py in {HERE}", file=sys.stderr)
        return 1
    for script in scripts:
        print(f"## {script.stem}\n", flush=True)
        status = subprocess.run([sys.executable, str(script)], check=False).returncode
        if status != 0:
            failed.append(script.name)
            print(f"\n{script.name} failed with exit status {status}", file=sys.stderr)
        print(flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

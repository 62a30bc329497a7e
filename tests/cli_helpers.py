"""Helpers shared by the command-line tests: ``python -m evexplorer ...`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m evexplorer ARGS`` from the repository root (any virtual environment)."""
    return subprocess.run([sys.executable, "-m", "evexplorer", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def ok(*args: str) -> subprocess.CompletedProcess:
    """Run a command that must succeed without a traceback."""
    out = run(*args)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out

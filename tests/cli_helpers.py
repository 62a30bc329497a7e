"""Helpers shared by the command-line tests: ``python -m evexplorer ...`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: object) -> subprocess.CompletedProcess:
    """Run ``python -m evexplorer ARGS`` from the repository root (any virtual environment)."""
    return subprocess.run([sys.executable, "-m", "evexplorer", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def ok(*args: object) -> subprocess.CompletedProcess:
    """Run a command that must succeed without a traceback."""
    out = run(*args)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out


def one_line_error(out: subprocess.CompletedProcess, status: int = 2) -> str:
    """The one line a refused command printed: exit ``status``, no traceback, nothing on
    standard output, one ``evexplorer: error: ...`` line on standard error."""
    assert out.returncode == status, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("evexplorer: error: ")
    assert out.stdout == ""
    return lines[0]

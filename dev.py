#!/usr/bin/env python3
"""Set up EV Explorer in a local virtual environment and run it, its tests or benchmarks.

    python3 dev.py app [FILE | --screenshot PNG ...]   launch the application
    python3 dev.py test [pytest arguments]              run the whole test suite (offscreen)
    python3 dev.py bench                                run the benchmarks

Only a Python 3.11+ interpreter is needed: the first run creates ``.venv`` beside
this file and installs the pinned versions from ``requirements/lock.txt``;
later runs reuse it unless the lock file or ``pyproject.toml`` changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "lock.txt"
STAMP = VENV / ".evexplorer-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_environment() -> None:
    """Create .venv and install the pinned dependencies and EV Explorer, if needed."""
    if sys.version_info < (3, 11):
        sys.exit(f"EV Explorer needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if STAMP.exists() and STAMP.read_text() == _fingerprint() and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(f"Could not create .venv ({exc}); on Debian/Ubuntu install python3-venv.")
    print("Installing the pinned dependencies (first run only) ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("app", [])
    if command not in ("app", "test", "bench"):
        print(__doc__)
        return 2
    ensure_environment()
    env = dict(os.environ)
    if command == "app":
        return subprocess.call([str(BIN / "evexplorer"), *args], env=env)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if command == "test":
        return subprocess.call([str(PYTHON), "-m", "pytest", *args], cwd=ROOT, env=env)
    return subprocess.call([str(PYTHON), str(ROOT / "benchmarks" / "run.py"), *args], cwd=ROOT,
                           env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

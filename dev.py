#!/usr/bin/env python3
"""Set up EV Explorer in a local virtual environment and run it, its tests or benchmarks.

    python3 dev.py app [FILE | --screenshot PNG ...]   launch the application
    python3 dev.py test [pytest arguments]              run the whole test suite (offscreen)
                                                        and, without arguments, ruff
    python3 dev.py bench                                run the benchmarks

Only a Python 3.11+ interpreter is needed: the first run creates ``.venv`` beside
this file and installs the pinned versions from ``requirements/lock.txt``;
later runs reuse it unless the lock file or ``pyproject.toml`` changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
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
    if sys.version_info < (3, 11):  # noqa: UP036 (this script runs before any check)
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


#: Libraries Qt's X11 platform plugin needs that a minimal Debian/Ubuntu lacks.
XCB_PACKAGES = {"libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-keysyms.so.1": "libxcb-keysyms1",
                "libxcb-cursor.so.0": "libxcb-cursor0"}


def _missing_x11_packages() -> list[str]:
    try:
        listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [pkg for lib, pkg in XCB_PACKAGES.items() if lib not in listing]


def _has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM"))


def launch(args: list[str], env: dict[str, str]) -> int:
    """Open the application, or explain what is missing and show the baseline without it."""
    evexplorer = str(BIN / "evexplorer")
    if not _has_display() and not any(a.startswith("--") for a in args):
        shot = ROOT / "evexplorer-window.png"
        print("No display here (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot "
              "open.\nThe baseline results follow, and the window is rendered to "
              f"{shot.name}.\n", flush=True)
        status = subprocess.call([evexplorer, "compute", *[a for a in args[:1]]], env=env)
        env = dict(env, QT_QPA_PLATFORM="offscreen")
        return status or subprocess.call([evexplorer, "--screenshot", str(shot), *args], env=env)
    if sys.platform.startswith("linux") and "QT_QPA_PLATFORM" not in env:
        missing = _missing_x11_packages()
        if missing and os.geteuid() == 0 and shutil.which("apt-get"):
            print(f"Installing {', '.join(missing)} for Qt's X11 support ...", flush=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False)
            missing = _missing_x11_packages()
        if missing:
            print(f"Qt needs {' '.join(missing)} to open a window; install them with:\n"
                  f"    sudo apt-get install {' '.join(missing)}", file=sys.stderr)
            return 1
    return subprocess.call([evexplorer, *args], env=env)


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("app", [])
    if command not in ("app", "test", "bench"):
        print(__doc__)
        return 2
    ensure_environment()
    env = dict(os.environ)
    if command == "app":
        return launch(args, env)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if command == "test":
        status = subprocess.call([str(PYTHON), "-m", "pytest", *args], cwd=ROOT, env=env)
        if status == 0 and not args:
            print("ruff check:", flush=True)
            status = subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT)
        return status
    return subprocess.call([str(PYTHON), str(ROOT / "benchmarks" / "run.py"), *args], cwd=ROOT,
                           env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

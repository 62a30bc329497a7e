#!/usr/bin/env python3
"""Build the frozen EV Explorer and its installer for the system it runs on.

    python3 packaging/build.py                 bundle, checks, self-test, installer
    python3 packaging/build.py --no-installer  bundle, checks and self-test only
                                               (--no-deb is the same)
    python3 packaging/build.py --no-apt        never call apt-get; report what is missing
    python3 packaging/build.py --checksum      write the installer's SHA-256 beside it

| system  | bundle                     | installer                                      |
| ------- | -------------------------- | ---------------------------------------------- |
| Linux   | dist/EVExplorer/           | dist/evexplorer_<version>_amd64.deb (dpkg-deb) |
| Windows | dist/EVExplorer/           | dist/EVExplorer-<version>-setup.exe (iscc)     |
| macOS   | dist/EV Explorer.app       | dist/EVExplorer-<version>-macos-<arch>.dmg     |

Needs only a Python 3.11+ interpreter, plus: on Debian/Ubuntu, root (or the packages it
names installed beforehand); on Windows, Inno Setup 6 for the installer; on macOS, the
command line tools (hdiutil, ditto and codesign come with the system). Steps:

1. Debian/Ubuntu: installs with apt-get, when missing, what the build needs (binutils,
   desktop-file-utils, shared-mime-info, python3-venv and libpython3.X for a system
   Python) and the run-time libraries the .deb declares (the self-test runs the bundle).
2. Creates build/venv with the pinned build tools (packaging/requirements-build.txt) and
   the runtime dependencies of pyproject.toml at the versions of requirements/lock.txt.
   The venv is reused while those three files are unchanged.
3. Runs PyInstaller on packaging/evexplorer.spec (log: build/pyinstaller.log).
4. Fails on real missing-module warnings (the rule is in ``real_warnings`` below and in
   docs/packaging.md), and if any module of the application is not in the bundle.
5. Linux: strips debugging information from the bundled Python library, if it has any,
   trims ICU's data and links duplicate libraries.
6. Runs the frozen ``--self-test`` offscreen.
7. The installer. Linux: checks that every system library the bundle links against
   belongs to a package the .deb declares, then builds the .deb with dpkg-deb. Windows:
   signs the two programs when ``EVX_SIGNTOOL`` is set, then runs Inno Setup's ``iscc``
   (which signs the setup and its uninstaller with the same command). macOS: a disk
   image holding ``EV Explorer.app`` and a link to /Applications (``hdiutil``), signed
   when ``EVX_CODESIGN_IDENTITY`` is set (PyInstaller has signed the .app with it).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
BUILD = ROOT / "build"
DIST = ROOT / "dist"
VENV = BUILD / "venv"
WORK = BUILD / "pyinstaller"
LOG = BUILD / "pyinstaller.log"
SPEC = PACKAGING / "evexplorer.spec"
BUILD_REQUIREMENTS = PACKAGING / "requirements-build.txt"
LOCK = ROOT / "requirements" / "lock.txt"
PYPROJECT = ROOT / "pyproject.toml"
CONTROL = PACKAGING / "linux" / "control.in"
ISS = PACKAGING / "windows" / "evexplorer.iss"
APP_NAME = "EVExplorer"
APP_PACKAGE = "evexplorer"
#: The one-folder bundle PyInstaller's COLLECT writes on every system (on macOS the .app
#: is made from it); the build's checks read it.
BUNDLE = DIST / APP_NAME
#: Debian packages the build itself uses (objdump, strip; the two validators).
BUILD_TOOLS = ("binutils", "desktop-file-utils", "shared-mime-info")
#: Environment variables that turn on signing (see docs/packaging.md). Windows: a signing
#: command line to which the file name is appended, such as
#: ``"C:\...\signtool.exe" sign /sha1 <thumbprint> /fd sha256 /tr <url> /td sha256``.
#: macOS: a codesign identity, "Developer ID Application: <name> (<team>)".
SIGNTOOL_VARIABLE = "EVX_SIGNTOOL"
IDENTITY_VARIABLE = "EVX_CODESIGN_IDENTITY"


def _system() -> str:
    if sys.platform == "win32":
        return "windows"
    return "macos" if sys.platform == "darwin" else "linux"


#: The system the build runs on and builds for: "linux", "windows" or "macos".
SYSTEM = _system()


@dataclass(frozen=True)
class Target:
    """What the build makes and runs on one system (paths relative to dist/ or the venv)."""

    venv_python: str  # the build venv's interpreter
    shipped: str  # what the installer carries
    program: str  # the application's executable
    self_test_program: str  # the executable that runs --self-test with its output visible
    installer: str  # file name of the installer; {version} and {arch} are filled in
    installer_tool: str  # the program that makes the installer


TARGETS = {
    "linux": Target("bin/python", "EVExplorer", "EVExplorer/EVExplorer", "EVExplorer/EVExplorer",
                    "evexplorer_{version}_amd64.deb", "dpkg-deb"),
    # EVExplorer.exe is windowed (no console, so no output); evexplorer-cli.exe is its
    # console twin, made by the .spec on Windows only.
    "windows": Target("Scripts/python.exe", "EVExplorer", "EVExplorer/EVExplorer.exe",
                      "EVExplorer/evexplorer-cli.exe", "EVExplorer-{version}-setup.exe", "iscc"),
    "macos": Target("bin/python", "EV Explorer.app", "EV Explorer.app/Contents/MacOS/EVExplorer",
                    "EV Explorer.app/Contents/MacOS/EVExplorer",
                    "EVExplorer-{version}-macos-{arch}.dmg", "hdiutil"),
}


def target() -> Target:
    """The ``Target`` of ``SYSTEM``."""
    return TARGETS[SYSTEM]


def venv_python() -> Path:
    return VENV / target().venv_python


def executable() -> Path:
    """The frozen application's program."""
    return DIST / target().program


def shipped() -> Path:
    """What the installer carries: the bundle folder, or the .app on macOS."""
    return DIST / target().shipped


def installer_path(version: str, arch: str | None = None) -> Path:
    """The installer this system's build writes, e.g. dist/EVExplorer-0.1.0-setup.exe."""
    arch = arch or platform.machine().lower()
    return DIST / target().installer.format(version=version, arch=arch)


class BuildError(Exception):
    """A failed step, with a message for the person running the build."""


def log(message: str) -> None:
    print(f"build: {message}", flush=True)


def run(cmd: list[str | os.PathLike] | str, **kwargs) -> subprocess.CompletedProcess:
    """Run a command (a list, or a Windows command line); raise BuildError if it fails."""
    args = cmd if isinstance(cmd, str) else [str(c) for c in cmd]
    result = subprocess.run(args, **kwargs)
    if result.returncode != 0:
        shown = args if isinstance(args, str) else " ".join(args)
        raise BuildError(f"{shown} exited with {result.returncode}")
    return result


def retry(action: Callable[[], object], attempts: int, pause: float) -> object:
    """Run ``action`` until it does not raise BuildError, at most ``attempts`` times, waiting
    ``pause`` seconds between tries."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts):
        try:
            return action()
        except BuildError as exc:
            log(f"{exc}; trying again ({attempt + 1} of {attempts})")
            time.sleep(pause)
    return action()


def app_version() -> str:
    text = (ROOT / APP_PACKAGE / "_version.py").read_text(encoding="utf-8")
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


# ---------------------------------------------------------------------------------------------
# 1. system packages (Debian/Ubuntu)


def control_depends(text: str) -> list[str]:
    """Package names in the Depends field of a Debian control text (versions dropped)."""
    fields: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and current:
            fields[current] += " " + line.strip()
        elif ":" in line:
            current, _, value = line.partition(":")
            fields[current] = value.strip()
    names = []
    for item in fields.get("Depends", "").split(","):
        for alternative in item.split("|"):
            name = re.sub(r"\(.*?\)", "", alternative).strip()
            if name:
                names.append(name)
    return names


def _dpkg_installed(package: str) -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", package],
                            capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "installed"


def _python_needs() -> list[str]:
    """Debian packages the running Python lacks for a venv and for PyInstaller."""
    import sysconfig

    needs = []
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        needs.append(f"python3.{sys.version_info.minor}-venv")
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        name = f"libpython3.{sys.version_info.minor}.so.1.0"
        dirs = [sysconfig.get_config_var("LIBDIR") or "", "/usr/lib/x86_64-linux-gnu",
                "/usr/lib"]
        if not any(Path(d, name).exists() for d in dirs if d):
            needs.append(f"libpython3.{sys.version_info.minor}")
    return needs


def missing_system_packages() -> list[str]:
    """Debian packages the build and the self-test need that are not installed (Debian and
    Ubuntu only; elsewhere none)."""
    if SYSTEM != "linux" or shutil.which("dpkg-query") is None:
        return []
    wanted = [*BUILD_TOOLS, *_python_needs(), *control_depends(CONTROL.read_text())]
    return [p for p in dict.fromkeys(wanted) if not _dpkg_installed(p)]


def ensure_system_packages(allow_apt: bool) -> None:
    """Install (as root) the Debian packages that the build and the self-test need."""
    missing = missing_system_packages()
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if not allow_apt or os.geteuid() != 0:
        raise BuildError(
            "these Debian packages are missing: " + " ".join(missing) + "\n"
            "  install them as root, then build again:\n"
            f"  apt-get update && {' '.join(command)}\n"
            "  (run as root, build.py does this itself)")
    log("installing Debian packages: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], env=env)
    run([*command, "-qq"], env=env)


# ---------------------------------------------------------------------------------------------
# 2. build venv


def runtime_requirements() -> list[str]:
    import tomllib

    with PYPROJECT.open("rb") as fh:
        return list(tomllib.load(fh)["project"]["dependencies"])


def _fingerprint() -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in (BUILD_REQUIREMENTS, LOCK, PYPROJECT):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    stamp = VENV / ".evexplorer-build"
    if stamp.exists() and stamp.read_text() == _fingerprint() and venv_python().exists():
        log(f"reusing {VENV.relative_to(ROOT)}")
        return
    log(f"creating {VENV.relative_to(ROOT)}")
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    pip = [venv_python(), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    run([*pip, "-r", BUILD_REQUIREMENTS, "-c", LOCK, *runtime_requirements()])
    stamp.write_text(_fingerprint())


# ---------------------------------------------------------------------------------------------
# 3. PyInstaller


def run_pyinstaller() -> None:
    shutil.rmtree(BUNDLE, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
    cmd = [venv_python(), "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", DIST, "--workpath", WORK, SPEC]
    with LOG.open("w", encoding="utf-8") as out:
        result = subprocess.run([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT,
                                env=env, cwd=ROOT)
    if result.returncode != 0:
        sys.stdout.write(LOG.read_text(encoding="utf-8")[-6000:])
        raise BuildError(f"PyInstaller failed (full log: {LOG})")


# ---------------------------------------------------------------------------------------------
# 4. warnings: which missing modules are real


@dataclass
class WarnEntry:
    """One line of PyInstaller's warn-*.txt."""

    kind: str  # "missing" or "excluded"
    name: str
    importers: dict[str, set[str]] = field(default_factory=dict)  # module -> import types


WARN_LINE = re.compile(r"^(missing|excluded) module named (\S+) - imported by (.*)$")
IMPORTER = re.compile(r"([^\s,()]+) \(([^)]*)\)")
HIDDEN_NOT_FOUND = re.compile(r'Hidden import "([^"]+)" not found')
FAILED_COLLECT = re.compile(r"Failed to collect submodules for '([^']+)'")


def parse_warn_file(text: str) -> list[WarnEntry]:
    entries = []
    for line in text.splitlines():
        m = WARN_LINE.match(line.strip())
        if not m:
            continue
        entry = WarnEntry(m.group(1), m.group(2).strip("'\""))
        for importer, kinds in IMPORTER.findall(m.group(3)):
            entry.importers[importer] = {k.strip() for k in kinds.split(",")}
        entries.append(entry)
    return entries


def _ours(module: str) -> bool:
    return module == APP_PACKAGE or module.startswith(APP_PACKAGE + ".")


def _under(module: str, packages: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def real_warnings(warn_text: str, log_text: str, findable: Callable[[str], bool],
                  is_attribute: Callable[[str], bool],
                  excludes: Iterable[str] = ()) -> list[str]:
    """Return the build warnings that mean the frozen application lacks something.

    A missing module is real when

    1. it is part of the application (``evexplorer.*``);
    2. it can be imported from a file in the build environment (``findable``), so the
       source installation has it and the frozen one would not, and it is not inside a
       package the .spec excludes on purpose (``excludes``);
    3. the application imports it (anywhere: its imports are often inside functions)
       and it is not a name defined in an importable module (``is_attribute``).

    An excluded module (excluded by the .spec, by a hook, or inside an excluded package)
    is real when the application imports it. A hidden import that PyInstaller could not
    find is real under rules 1 and 2, and so is a failure to list the application's
    submodules.

    Everything else is benign by construction: modules of other operating systems,
    optional dependencies that are not installed where the tests run either (so the
    tested source installation lacks them too), and names that PyInstaller's module
    graph takes for submodules (``numpy._core.zeros``). Whether a dependency reaches a
    module the .spec excludes is decided at run time, not from this file: see
    ``check_runtime_modules`` and the self-test.
    """
    excludes = tuple(excludes)
    problems = []
    for entry in parse_warn_file(warn_text):
        ours = sorted(i for i in entry.importers if _ours(i))
        by = f" (imported by {', '.join(ours or sorted(entry.importers)[:3])})"
        if entry.kind == "excluded" or _under(entry.name, excludes):
            if ours:
                problems.append(f"excluded module {entry.name} is used by the application{by}")
            continue
        if _ours(entry.name):
            problems.append(f"missing application module {entry.name}{by}")
        elif findable(entry.name):
            problems.append(f"missing module {entry.name}, which the build environment has{by}")
        elif ours and not is_attribute(entry.name):
            problems.append(f"missing module {entry.name}{by}")
    for line in log_text.splitlines():
        m = HIDDEN_NOT_FOUND.search(line)
        if m and (_ours(m.group(1)) or findable(m.group(1))):
            problems.append(f"hidden import {m.group(1)} not found")
        m = FAILED_COLLECT.search(line)
        if m and _ours(m.group(1)):
            problems.append(f"could not list the submodules of {m.group(1)}: {line.strip()}")
    return problems


def findable(name: str) -> bool:
    """True if ``name`` is a module that is loaded from a file (not built in) here."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError, SystemExit):
        return False
    except Exception:  # a parent package that fails to import: the module is not usable
        return False
    return spec is not None and spec.origin not in ("built-in", "frozen")


def is_attribute(name: str) -> bool:
    """True if ``name`` is ``package.attribute`` for an importable package."""
    import importlib

    parent, _, attr = name.rpartition(".")
    if not parent:
        return False
    try:
        return hasattr(importlib.import_module(parent), attr)
    except Exception:
        return False


def _warn_file() -> Path:
    files = sorted(WORK.glob("*/warn-*.txt"))
    if not files:
        raise BuildError(f"PyInstaller wrote no warn-*.txt under {WORK}")
    return files[0]


def check_warnings() -> None:
    """Apply ``real_warnings`` inside the build venv (where the dependencies live)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([str(venv_python()), str(Path(__file__).resolve()),
                             "--check-warnings", str(_warn_file()), str(LOG)],
                            env=env, cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        raise BuildError("real missing-module warnings (see above; rule in docs/packaging.md)"
                         + (f"\n{result.stderr[-2000:]}" if result.stderr.strip() else ""))


def spec_excludes(spec_text: str) -> list[str]:
    """The ``EXCLUDES`` list of the .spec, read without running it."""
    for node in ast.parse(spec_text).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "EXCLUDES"):
            return list(ast.literal_eval(node.value))
    raise BuildError(f"no EXCLUDES list in {SPEC}")


def _check_warnings_main(warn_file: Path, log_file: Path) -> int:
    problems = real_warnings(warn_file.read_text(encoding="utf-8"),
                             log_file.read_text(encoding="utf-8") if log_file.exists() else "",
                             findable, is_attribute, spec_excludes(SPEC.read_text()))
    for problem in problems:
        print(f"build: REAL WARNING: {problem}")
    if not problems:
        print(f"build: {warn_file.name}: no real missing-module warnings")
    return 1 if problems else 0


def application_modules() -> list[str]:
    names = []
    for path in sorted((ROOT / APP_PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def check_application_modules() -> None:
    """Every module of the application must be in the bundle's archive."""
    tocs = sorted(WORK.glob("*/PYZ-00.toc"))
    if not tocs:
        raise BuildError(f"no PYZ-00.toc under {WORK}")
    bundled = {entry[0] for entry in ast.literal_eval(tocs[0].read_text(encoding="utf-8"))[1]}
    missing = [m for m in application_modules() if m not in bundled]
    if missing:
        raise BuildError("application modules missing from the bundle: " + ", ".join(missing))
    log(f"all {len(application_modules())} application modules are in the bundle")


EXTENSION_SUFFIX = re.compile(r"(\.cpython-[^.]*|\.abi3|\.cp\d+-win[^.]*)?\.(so|pyd)$")


def _toc_modules(node: object) -> Iterable[str]:
    """Module names in a PyInstaller .toc structure (nested tuples and lists)."""
    if isinstance(node, tuple) and len(node) == 3 and node[2] in ("PYMODULE", "PYSOURCE"):
        yield node[0]
    elif isinstance(node, (tuple, list)):
        for item in node:
            yield from _toc_modules(item)


def bundle_modules(bundle: Path, pyz_toc: Path) -> set[str]:
    """Names of the Python modules a one-folder bundle holds."""
    import zipfile

    names = set()
    for toc in (pyz_toc, pyz_toc.with_name("PKG-00.toc")):  # PKG: modules of the bootloader
        if toc.exists():
            names.update(_toc_modules(ast.literal_eval(toc.read_text(encoding="utf-8"))))
    internal = bundle / "_internal"
    base = internal / "base_library.zip"
    if base.exists():
        with zipfile.ZipFile(base) as zf:
            for member in zf.namelist():
                if member.endswith(".pyc"):
                    parts = member[:-4].split("/")
                    names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    for path in internal.rglob("*"):
        m = EXTENSION_SUFFIX.search(path.name)
        if not m or not path.is_file():
            continue
        rel = path.relative_to(internal)
        parts = [*rel.parts[:-1], path.name[:m.start()]]
        if parts[0].startswith("python3") and len(parts) > 2 and parts[1] == "lib-dynload":
            parts = parts[2:]  # stdlib extension modules: top-level names
        names.add(".".join(parts))
    return names


#: Data files that evexplorer.spec puts elsewhere in the bundle than they are in the checkout
#: (checkout path → bundle path, "/"-separated): the user guide is kept in docs/ but
#: installed among the resources, where Help ▸ User Guide looks first.
BUNDLED_AS = {"docs/user-guide.md": "resources/user-guide.md"}


def missing_data_files(bundle: Path, files: Iterable[str]) -> list[str]:
    """The data files (paths relative to site-packages or the checkout, "/"-separated)
    that are not at their place (the same, or the one :data:`BUNDLED_AS` gives) under the
    bundle's ``_internal`` folder."""
    internal = bundle / "_internal"
    return [f for f in files
            if not internal.joinpath(*BUNDLED_AS.get(f, f).split("/")).is_file()]


def check_runtime_modules() -> None:
    """Modules the self-test imports from source, and the data files it reads there, must
    all be in the bundle.

    This catches what a static warning cannot: an import the application reaches at run
    time that the .spec excluded or PyInstaller missed, including ones a dependency makes
    inside try/except (which the frozen application would survive with less function), and
    a data file no hook collects (SciPy's Sobol sampler draws wrong points without its
    direction numbers, and only prints "Exception ignored").
    """
    trace, files = BUILD / "runtime-modules.txt", BUILD / "runtime-files.txt"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([str(venv_python()), str(PACKAGING / "trace_modules.py"), str(trace),
                             str(files)], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError("the self-test failed from source in build/venv:\n"
                         + result.stdout[-2000:] + result.stderr[-2000:])
    used = [n for n in trace.read_text(encoding="utf-8").split() if n]
    bundled = bundle_modules(BUNDLE, sorted(WORK.glob("*/PYZ-00.toc"))[0])
    missing = [n for n in used if n not in bundled]
    if missing:
        raise BuildError("modules the application imports at run time are not in the "
                         "bundle: " + ", ".join(missing))
    read = files.read_text(encoding="utf-8").split("\n")
    absent = missing_data_files(BUNDLE, [f for f in read if f])
    if absent:
        raise BuildError("data files the application reads at run time are not in the "
                         "bundle: " + ", ".join(absent))
    log(f"all {len(used)} modules the self-test imports from source, and the "
        f"{len([f for f in read if f])} data files it reads, are in the bundle")


# ---------------------------------------------------------------------------------------------
# 5. strip the bundled Python


def strip_python() -> None:
    """Strip libpython and the stdlib extensions of symbols nothing links against.

    A Python built from source (pyenv) carries ~18 MB of debugging data there; Debian's
    is already stripped, and stripping it again changes nothing. The wheels' libraries
    are left alone: they are stripped, and some were rewritten by auditwheel/patchelf,
    which strip can corrupt.
    """
    if SYSTEM != "linux" or shutil.which("strip") is None:
        return
    internal = BUNDLE / "_internal"
    targets = [p for p in internal.glob("libpython3*.so*") if not p.is_symlink()]
    targets += sorted(internal.glob("python3*/lib-dynload/*.so"))
    if targets:
        run(["strip", "--strip-unneeded", *targets])


# ---------------------------------------------------------------------------------------------
# 5b. trims after PyInstaller: ICU data, duplicate libraries

#: Trees of ICU's data that Qt never reads. QtCore calls ICU for collation (ucol_*), text
#: codecs (ucnv_*), case mapping (u_strTo*) and time zones (ucal_*, including localized
#: zone names from the zone/ tree) and for nothing else: not for break iteration
#: (brkitr/), transliteration, spelled-out numbers (rbnf/), or the translated names of
#: languages, regions, currencies and units, which QLocale takes from its own CLDR
#: tables. icu_probe.py checks that everything Qt does with ICU gives identical results.
ICU_DROP = ("brkitr/*", "translit/*", "rbnf/*", "lang/*", "region/*", "curr/*", "unit/*")
ICU_PAD = b"\xaa"  # the filler ICU's own packaging tools use


def icu_repack(blob: bytes, drop: Iterable[str]) -> bytes:
    """An ICU common-data package ("CmnD") without the items matching ``drop``.

    Layout: a data header, then a table of contents (item count, then name and data
    offsets relative to the table), the item names, and the items, 16-byte aligned.
    With nothing dropped the result is the input, byte for byte.
    """
    import fnmatch
    import struct

    header_size = struct.unpack_from("<H", blob, 0)[0]
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD":
        raise BuildError("not an ICU common data package")
    toc = header_size
    count = struct.unpack_from("<I", blob, toc)[0]
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
    ends = [data for _name, data in entries[1:]] + [len(blob) - toc]
    drop = tuple(drop)
    items = []
    for (name_off, data_off), end in zip(entries, ends, strict=True):
        name = blob[toc + name_off:blob.index(b"\0", toc + name_off)]
        item = name.decode("ascii").partition("/")[2]
        if not any(fnmatch.fnmatchcase(item, pattern) for pattern in drop):
            items.append((name, blob[toc + data_off:toc + end]))
    names = b"".join(name + b"\0" for name, _data in items)
    first = 4 + 8 * len(items) + len(names)
    gap = (-(header_size + first)) % 16
    table, data, name_pos, data_pos = [], [], 4 + 8 * len(items), first + gap
    for name, item in items:
        item += ICU_PAD * ((-len(item)) % 16)
        table.append(struct.pack("<II", name_pos, data_pos))
        data.append(item)
        name_pos += len(name) + 1
        data_pos += len(item)
    return (blob[:header_size] + struct.pack("<I", len(items)) + b"".join(table) + names
            + ICU_PAD * gap + b"".join(data))


def _icu_blob(lib: Path) -> tuple[str, bytes]:
    """(symbol name, data) of the one data symbol in ICU's libicudata."""
    symbols = run(["objdump", "-T", lib], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+)\s.*\s([0-9a-f]+)\s+(icudt\d+_dat)\s*$", symbols, flags=re.M)
    if not m:
        raise BuildError(f"no icudt*_dat symbol in {lib}")
    address, size, symbol = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
    sections = run(["objdump", "-h", lib], capture_output=True, text=True).stdout
    for sm in re.finditer(r"^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+"
                          r"([0-9a-f]+)", sections, flags=re.M):
        sec_size, vma, offset = (int(sm.group(i), 16) for i in (2, 3, 4))
        if vma <= address < vma + sec_size:
            with lib.open("rb") as fh:
                fh.seek(offset + address - vma)
                return symbol, fh.read(size)
    raise BuildError(f"{symbol} is in no section of {lib}")


def trim_icu_data() -> None:
    """Rebuild the bundle's libicudata without ICU_DROP (assembled with binutils)."""
    libs = sorted((BUNDLE / "_internal").rglob("libicudata.so.*"))
    libs = [p for p in libs if not p.is_symlink()]
    if SYSTEM != "linux" or not libs:
        return
    lib = libs[0]
    symbol, blob = _icu_blob(lib)
    if icu_repack(blob, ()) != blob:
        raise BuildError(f"{lib.name}: unexpected ICU data layout; not trimming it")
    work = BUILD / "icu"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "data.dat").write_bytes(icu_repack(blob, ICU_DROP))
    (work / "data.s").write_text(
        f"\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
        f"{symbol}:\n\t.incbin \"data.dat\"\n\t.size {symbol}, .-{symbol}\n"
        f"\t.section .note.GNU-stack,\"\",@progbits\n")
    run(["as", "--64", "-o", "data.o", "data.s"], cwd=work)
    trimmed = work / lib.name
    run(["ld", "-shared", "-soname", lib.name, "-o", trimmed, "data.o"], cwd=work)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    probe = [str(venv_python()), str(PACKAGING / "icu_probe.py")]
    full = run(probe, env=env, capture_output=True, text=True).stdout
    cut = run(probe, env=dict(env, LD_PRELOAD=str(trimmed)), capture_output=True,
              text=True).stdout
    if full != cut or not full.strip():
        raise BuildError("Qt behaves differently with the trimmed ICU data; see "
                         "packaging/icu_probe.py")
    before = lib.stat().st_size
    shutil.copyfile(trimmed, lib)
    log(f"{lib.name}: {before / 1e6:.1f} MB -> {lib.stat().st_size / 1e6:.1f} MB; "
        "Qt's collation, codecs and case mapping unchanged")


def link_duplicates() -> None:
    """Replace identical copies of a library (NumPy's and SciPy's libgfortran, for one)
    by relative symbolic links to the first copy.

    Linux only: Windows has no such links in an installer, and on macOS the .app, made
    (and signed) by PyInstaller from the bundle, would not see the change.
    """
    if SYSTEM != "linux":
        return
    seen: dict[tuple[str, str], Path] = {}
    saved = 0
    for path in sorted((BUNDLE / "_internal").rglob("*.so*")):
        if path.is_symlink() or not path.is_file():
            continue
        key = (path.name, hashlib.sha256(path.read_bytes()).hexdigest())
        if key in seen:
            saved += path.stat().st_size
            path.unlink()
            path.symlink_to(os.path.relpath(seen[key], path.parent))
        else:
            seen[key] = path
    if saved:
        log(f"linked duplicate libraries: {saved / 1e6:.1f} MB saved")


# ---------------------------------------------------------------------------------------------
# 6. self-test


def self_test() -> None:
    """Run the shipped program's ``--self-test`` offscreen (on Windows its console twin,
    so that the output shows; on macOS the program inside the .app)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([str(DIST / target().self_test_program), "--self-test"], env=env)
    if result.returncode != 0:
        raise BuildError(f"the frozen self-test failed (exit status {result.returncode})")


# ---------------------------------------------------------------------------------------------
# 7. Debian package


def elf_files(folder: Path) -> Iterable[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    yield path


GLIBC_VERSION = re.compile(r"\bGLIBC_(\d+(?:\.\d+)+)\b")


def elf_needs(path: Path) -> tuple[list[str], list[str]]:
    """(NEEDED sonames, GLIBC_x.y versions referenced) of one ELF file, from objdump."""
    out = run(["objdump", "-p", path], capture_output=True, text=True).stdout
    needed = re.findall(r"^\s+NEEDED\s+(\S+)", out, flags=re.M)
    return needed, GLIBC_VERSION.findall(out)


def _ldconfig_paths() -> dict[str, str]:
    out = run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    paths: dict[str, str] = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if m and "x86-64" in m.group(2):
            paths.setdefault(m.group(1), m.group(3))
    return paths


def _owner(path: str) -> str | None:
    real = os.path.realpath(path)
    candidates = []
    for p in (path, real):
        candidates.append(p)
        if p.startswith("/usr/"):
            candidates.append(p[4:])
        else:
            candidates.append("/usr" + p)
    for candidate in dict.fromkeys(candidates):
        result = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    return None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def system_dependencies(bundle: Path) -> tuple[dict[str, set[str]], list[str], str]:
    """Debian packages the bundle links against (package -> sonames), unresolved
    sonames, and the highest glibc symbol version it needs."""
    bundled = {p.name for p in bundle.rglob("*")}
    sonames: set[str] = set()
    glibc = "2.17"
    for path in elf_files(bundle):
        needed, versions = elf_needs(path)
        sonames.update(n for n in needed if n not in bundled)
        for v in versions:
            if _version_key(v) > _version_key(glibc):
                glibc = v
    where = _ldconfig_paths()
    packages: dict[str, set[str]] = {}
    unresolved = []
    for soname in sorted(sonames):
        owner = _owner(where[soname]) if soname in where else None
        if owner is None:
            unresolved.append(soname)
        else:
            packages.setdefault(owner.split(":")[0], set()).add(soname)
    return packages, unresolved, glibc


def check_system_dependencies(bundle: Path) -> str:
    """Fail unless every system library of the bundle comes from a declared package.

    Returns the minimum glibc version for the control file.
    """
    packages, unresolved, glibc = system_dependencies(bundle)
    declared = set(control_depends(CONTROL.read_text()))
    problems = []
    if unresolved:
        problems.append("not installed here, so not checked: " + ", ".join(unresolved))
    undeclared = {p: s for p, s in packages.items() if p not in declared}
    for package, names in sorted(undeclared.items()):
        problems.append(f"{package} (for {', '.join(sorted(names))}) is not in Depends")
    if problems:
        raise BuildError("system libraries of the bundle vs packaging/linux/control.in:\n  "
                         + "\n  ".join(problems))
    unused = sorted(declared - set(packages))
    log(f"system libraries: {sum(len(s) for s in packages.values())} sonames from "
        f"{len(packages)} declared packages; glibc >= {glibc}"
        + (f"; declared but not linked: {', '.join(unused)}" if unused else ""))
    return glibc


def _du_kib(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*")) // 1024 + 1


#: dpkg-deb compression: "xz" is the smallest and installs everywhere (about 2 minutes
#: here); "zstd" takes seconds and needs dpkg 1.21.18+ (Debian 12, Ubuntu 18.04+).
DEB_COMPRESSION = {"xz": ["-Zxz", "-z6"], "zstd": ["-Zzstd", "-z9"]}


def build_deb(version: str, glibc: str, compression: str = "xz") -> Path:
    """Lay out the package tree under build/deb and build dist/evexplorer_<v>_amd64.deb."""
    tree = BUILD / "deb" / f"evexplorer_{version}_amd64"
    shutil.rmtree(tree, ignore_errors=True)
    opt = tree / "opt" / "evexplorer"
    shutil.copytree(BUNDLE, opt, symlinks=True)
    (tree / "usr" / "bin").mkdir(parents=True)
    (tree / "usr" / "bin" / "evexplorer").symlink_to("/opt/evexplorer/EVExplorer")
    linux = PACKAGING / "linux"
    share = tree / "usr" / "share"
    installs = (
        (linux / "evexplorer.desktop", share / "applications" / "evexplorer.desktop"),
        (linux / "evexplorer-mime.xml", share / "mime" / "packages" / "evexplorer.xml"),
        (linux / "copyright", share / "doc" / "evexplorer" / "copyright"),
    )
    for src, dest in installs:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run([venv_python(), PACKAGING / "make_icon.py", "--no-resources",
         "--hicolor", share / "icons" / "hicolor"], env=env, capture_output=True)
    for path in tree.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)
    debian = tree / "DEBIAN"
    debian.mkdir()
    control = (CONTROL.read_text().replace("@VERSION@", version)
               .replace("@GLIBC@", glibc).replace("@INSTALLED_SIZE@", str(_du_kib(tree))))
    (debian / "control").write_text(control)
    deb = installer_path(version)
    deb.unlink(missing_ok=True)
    run(["dpkg-deb", "--root-owner-group", *DEB_COMPRESSION[compression], "--build", tree, deb],
        stdout=subprocess.DEVNULL)
    return deb


def validate_linux_files() -> None:
    """desktop-file-validate and update-mime-database on the shipped files."""
    linux = PACKAGING / "linux"
    if shutil.which("desktop-file-validate"):
        out = run(["desktop-file-validate", linux / "evexplorer.desktop"],
                  capture_output=True, text=True)
        if out.stdout.strip():
            raise BuildError(f"desktop-file-validate: {out.stdout.strip()}")
    if shutil.which("update-mime-database"):
        data = BUILD / "mime-check"
        scratch = data / "mime"
        shutil.rmtree(data, ignore_errors=True)
        (scratch / "packages").mkdir(parents=True)
        shutil.copyfile(linux / "evexplorer-mime.xml", scratch / "packages" / "evexplorer.xml")
        env = dict(os.environ, XDG_DATA_DIRS=str(data), XDG_DATA_HOME=str(data))
        out = run(["update-mime-database", "-V", scratch], capture_output=True, text=True,
                  env=env)
        compiled = scratch / "application" / "x-evexplorer-scenario.xml"
        if "Error" in out.stderr or "Warning" in out.stderr or not compiled.exists():
            raise BuildError(f"update-mime-database: {out.stderr.strip()}")


# ---------------------------------------------------------------------------------------------
# 8. Windows: Inno Setup installer

#: Where Inno Setup 6 puts ISCC.exe when it is not on PATH: an all-users install (the
#: installer's default, and Chocolatey's) and a per-user one (winget --scope user).
ISCC_FOLDERS = (("ProgramFiles(x86)", "Inno Setup 6"), ("ProgramFiles", "Inno Setup 6"),
                ("LOCALAPPDATA", "Programs/Inno Setup 6"))
#: The name under which the signing command is handed to iscc (the .iss's SignTool).
ISCC_SIGN_TOOL = "evxsign"


def find_iscc(environ: dict[str, str] | None = None,
              which: Callable[[str], str | None] = shutil.which) -> Path:
    """Inno Setup's command-line compiler: on PATH, or where Inno Setup 6 installs it."""
    environ = os.environ if environ is None else environ
    found = which("iscc")
    if found:
        return Path(found)
    for variable, folder in ISCC_FOLDERS:
        if environ.get(variable):
            candidate = Path(environ[variable], *folder.split("/"), "ISCC.exe")
            if candidate.is_file():
                return candidate
    raise BuildError("Inno Setup 6 is needed for the installer and ISCC.exe was not found: "
                     "install it (winget install JRSoftware.InnoSetup, or choco install "
                     "innosetup), or build the bundle alone with --no-installer")


def sign_command(signtool: str, file: Path) -> str:
    """The Windows command line that signs ``file``: the signing command, then the file."""
    return f'{signtool} "{file}"'


def iscc_command(iscc: Path, version: str, signtool: str | None) -> list[str]:
    """The Inno Setup compiler's command line for packaging/windows/evexplorer.iss.

    With a signing command, iscc receives it as the sign tool ``evxsign`` and the script's
    ``SignTool`` directive is turned on, so that iscc signs the setup and the uninstaller
    inside it. In a sign tool, ``$f`` stands for the quoted file name and ``$q`` for a
    double quote (a quote cannot pass through iscc's own command line).
    """
    cmd = [str(iscc), "/Q", f"/DAppVersion={version}"]
    if signtool:
        quoted = signtool.replace('"', "$q")
        cmd += [f"/S{ISCC_SIGN_TOOL}={quoted} $f", f"/DSignTool={ISCC_SIGN_TOOL}"]
    return [*cmd, str(ISS)]


def sign_programs(signtool: str) -> None:
    """Sign the two programs of the Windows bundle (before Inno Setup packs them)."""
    for program in dict.fromkeys((executable(), DIST / target().self_test_program)):
        run(sign_command(signtool, program))


def build_setup(version: str, signtool: str | None) -> Path:
    """dist/EVExplorer-<version>-setup.exe from the bundle, with Inno Setup."""
    setup = installer_path(version)
    setup.unlink(missing_ok=True)
    run(iscc_command(find_iscc(), version, signtool))
    if not setup.is_file():
        raise BuildError(f"Inno Setup wrote no {setup.relative_to(ROOT)}")
    return setup


# ---------------------------------------------------------------------------------------------
# 9. macOS: disk image

DMG_STAGING = BUILD / "dmg"
#: hdiutil fails now and then with "Resource busy" on hosted macOS runners, and passes
#: when run again.
HDIUTIL_ATTEMPTS, HDIUTIL_PAUSE = 5, 10.0


def dmg_commands(version: str, identity: str | None) -> list[list[str]]:
    """The commands that make the disk image from the .app (its folder, DMG_STAGING, also
    holds a link to /Applications, so that the user drags the app onto it)."""
    app, dmg = shipped(), installer_path(version)
    cmds = [["ditto", str(app), str(DMG_STAGING / app.name)],
            ["hdiutil", "create", "-volname", f"EV Explorer {version}", "-srcfolder",
             str(DMG_STAGING), "-fs", "HFS+", "-format", "UDZO", "-ov", str(dmg)]]
    if identity:
        cmds.append(["codesign", "--sign", identity, "--timestamp", str(dmg)])
    return cmds


def build_dmg(version: str, identity: str | None) -> Path:
    """dist/EVExplorer-<version>-macos-<arch>.dmg holding EV Explorer.app."""
    shutil.rmtree(DMG_STAGING, ignore_errors=True)
    DMG_STAGING.mkdir(parents=True)
    (DMG_STAGING / "Applications").symlink_to("/Applications")
    copy, create, *sign = dmg_commands(version, identity)
    run(copy)
    retry(lambda: run(create), HDIUTIL_ATTEMPTS, HDIUTIL_PAUSE)
    for cmd in sign:
        run(cmd)
    return installer_path(version)


# ---------------------------------------------------------------------------------------------
# the installer of each system, and its checksum


def _linux_installer(step: Callable, version: str, args: argparse.Namespace) -> Path:
    glibc = step("system libraries", lambda: check_system_dependencies(BUNDLE))
    step("desktop and MIME files", validate_linux_files)
    return step(".deb", lambda: build_deb(version, glibc, args.deb_compression))


def _windows_installer(step: Callable, version: str, args: argparse.Namespace) -> Path:
    signtool = os.environ.get(SIGNTOOL_VARIABLE) or None
    if signtool:
        step("sign the programs", lambda: sign_programs(signtool))
    return step("Inno Setup installer", lambda: build_setup(version, signtool))


def _macos_installer(step: Callable, version: str, args: argparse.Namespace) -> Path:
    identity = os.environ.get(IDENTITY_VARIABLE) or None
    return step("disk image", lambda: build_dmg(version, identity))


INSTALLERS = {"linux": _linux_installer, "windows": _windows_installer,
              "macos": _macos_installer}


def sha256_line(path: Path) -> str:
    """``<hex digest>  <file name>``, the line that ``sha256sum -c`` and
    ``shasum -a 256 -c`` check."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"{digest.hexdigest()}  {path.name}\n"


def write_checksum(path: Path) -> Path:
    """Write ``<path>.sha256`` (one ``sha256_line``) beside ``path``; return its path."""
    out = path.with_name(path.name + ".sha256")
    with out.open("w", encoding="ascii", newline="\n") as fh:
        fh.write(sha256_line(path))
    return out


# ---------------------------------------------------------------------------------------------


def du(path: Path) -> str:
    size = sum(p.lstat().st_size for p in path.rglob("*")) if path.is_dir() else path.stat().st_size
    return f"{size / 1e6:.0f} MB"


def _queries(args: argparse.Namespace) -> int | None:
    """Answer --app-version, --system-packages and --checksum (any python3 will do)."""
    if args.app_version:
        print(app_version())
    elif args.system_packages:
        print(" ".join(missing_system_packages()))
    elif args.checksum:
        path = installer_path(app_version())
        if not path.is_file():
            print(f"build: there is no {path.relative_to(ROOT)} to checksum; build it first",
                  file=sys.stderr)
            return 1
        out = write_checksum(path)
        sys.stdout.write(out.read_text(encoding="ascii"))
    else:
        return None
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build the frozen EV Explorer and its installer for this system.")
    parser.add_argument("--no-installer", action="store_true",
                        help="build and test the bundle only")
    parser.add_argument("--no-deb", action="store_true", help="the same as --no-installer")
    parser.add_argument("--no-apt", action="store_true",
                        help="never run apt-get; stop and say what is missing")
    parser.add_argument("--deb-compression", choices=sorted(DEB_COMPRESSION), default="xz",
                        help="xz: smallest .deb (default); zstd: much faster to build")
    parser.add_argument("--checksum", action="store_true",
                        help="write the installer's SHA-256 to <installer>.sha256, and stop")
    parser.add_argument("--system-packages", action="store_true",
                        help="print the Debian packages the build needs that are missing, "
                             "and stop")
    parser.add_argument("--app-version", action="store_true",
                        help="print the version of the application, and stop")
    parser.add_argument("--skip-self-test", action="store_true", help=argparse.SUPPRESS)
    # internal: runs inside build/venv, where the dependencies are
    parser.add_argument("--check-warnings", nargs=2, type=Path, metavar=("WARN", "LOG"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.check_warnings:
        return _check_warnings_main(*args.check_warnings)
    answered = _queries(args)
    if answered is not None:
        return answered
    if sys.version_info < (3, 11):  # noqa: UP036 (this script may meet an older python3)
        print(f"build: Python 3.11+ is needed; this is {sys.version.split()[0]}", file=sys.stderr)
        return 2
    want_installer = not (args.no_installer or args.no_deb)
    version = app_version()
    installer = None
    started = time.perf_counter()
    steps: list[tuple[str, float]] = []

    def step(name: str, action: Callable[[], object]) -> object:
        t0 = time.perf_counter()
        log(f"{name} ...")
        result = action()
        steps.append((name, time.perf_counter() - t0))
        return result

    try:
        step("system packages", lambda: ensure_system_packages(not args.no_apt))
        step("build venv", ensure_venv)
        step("PyInstaller", run_pyinstaller)
        step("warnings", check_warnings)
        step("application modules", check_application_modules)
        step("run-time modules", check_runtime_modules)
        step("strip Python", strip_python)
        step("trim ICU data", trim_icu_data)
        step("link duplicates", link_duplicates)
        if not args.skip_self_test:
            step("self-test", self_test)
        if want_installer:
            installer = INSTALLERS[SYSTEM](step, version, args)
    except BuildError as exc:
        print(f"build: FAILED: {exc}", file=sys.stderr)
        return 1
    for name, seconds in steps:
        log(f"  {name:<24} {seconds:6.1f} s")
    log(f"done in {time.perf_counter() - started:.0f} s: {executable().relative_to(ROOT)} "
        f"({shipped().name} {du(shipped())})"
        + (f", {installer.relative_to(ROOT)} ({du(installer)})" if installer else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

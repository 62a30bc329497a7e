"""The installers' declarations and the build script's checks, without building anything.

The frozen application itself is built and self-tested by ``packaging/build.py`` (CI);
these tests cover the files that make a double-clicked .evx open in EV Explorer on each
system, the rules the build applies to PyInstaller's warnings and to ICU's data, what the
.spec leaves out, and what the build would ask each system to do (the platform constant
is patched, so the Windows and macOS branches run here too).
"""

from __future__ import annotations

import ast
import configparser
import hashlib
import importlib.util
import json
import os
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
LINUX = PACKAGING / "linux"
MIME_TYPE = "application/x-evexplorer-scenario"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _load(name: str, path: Path):
    """Import a packaging script by path (the folder name 'packaging' is a PyPI package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build():
    return _load("evx_packaging_build", PACKAGING / "build.py")


@pytest.fixture(scope="module")
def make_icon():
    return _load("evx_packaging_make_icon", PACKAGING / "make_icon.py")


# ---------------------------------------------------------------------------------------------
# Linux: desktop entry and shared-mime-info


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(LINUX / "evexplorer.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_opens_scenarios_with_the_installed_command():
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "EV Explorer"
    assert entry["Exec"].split() == ["evexplorer", "%f"]
    assert entry["TryExec"] == "evexplorer"
    assert entry["Icon"] == "evexplorer"
    assert entry["Terminal"] == "false"
    assert MIME_TYPE in entry["MimeType"].rstrip(";").split(";")


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate is not installed (Debian: desktop-file-utils)")
def test_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(LINUX / "evexplorer.desktop")],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "", result.stdout


def _mime_type() -> ET.Element:
    root = ET.parse(LINUX / "evexplorer-mime.xml").getroot()
    assert root.tag == f"{MIME_NS}mime-info"
    (mime,) = root.findall(f"{MIME_NS}mime-type")
    return mime


def _unescape(value: str) -> bytes:
    """shared-mime-info string values: C escapes (octal, \\r, \\n, \\t, \\\\)."""
    return value.encode("latin-1").decode("unicode_escape").encode("latin-1")


def test_mime_type_declares_the_evx_glob_and_no_hdf5_glob():
    mime = _mime_type()
    assert mime.get("type") == MIME_TYPE
    globs = [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")]
    assert globs == ["*.evx"]
    parents = {p.get("type") for p in mime.findall(f"{MIME_NS}sub-class-of")}
    assert "application/x-hdf" in parents or "application/x-hdf5" in parents
    assert mime.find(f"{MIME_NS}comment").text == "EV Explorer scenario"


def _magic_matches(match: ET.Element, data: bytes) -> bool:
    """Evaluate one <match type="string"> rule and its nested rules on ``data``."""
    assert match.get("type") == "string"
    value = _unescape(match.get("value"))
    first, _, last = match.get("offset").partition(":")
    start, stop = int(first), int(last or first)
    found = any(data[i:i + len(value)] == value for i in range(start, stop + 1))
    children = match.findall(f"{MIME_NS}match")
    return found and (not children or any(_magic_matches(c, data) for c in children))


def _sniff(data: bytes) -> bool:
    magic = _mime_type().find(f"{MIME_NS}magic")
    return any(_magic_matches(m, data) for m in magic.findall(f"{MIME_NS}match"))


def test_mime_magic_recognises_a_scenario_file_but_not_plain_hdf5(tmp_path):
    h5py = pytest.importorskip("h5py")
    from evexplorer import scenario
    from evexplorer.model import evaluate

    results = evaluate()
    evx = tmp_path / "received.evx"
    scenario.save_scenario(evx, results.parameters, results, title="t", author="a",
                           notes="n" * 5000)
    plain = tmp_path / "measurements.h5"
    with h5py.File(plain, "w") as fh:
        fh.attrs["format"] = "something-else"
        fh["x"] = [1.0, 2.0]
    magic = _mime_type().find(f"{MIME_NS}magic")
    assert _unescape(magic.find(f"{MIME_NS}match").get("value")) == HDF5_SIGNATURE
    assert _sniff(evx.read_bytes()[:4096])  # GIO sniffs at most 4 KiB
    assert not _sniff(plain.read_bytes()[:4096])


@pytest.mark.skipif(shutil.which("update-mime-database") is None,
                    reason="update-mime-database is not installed (Debian: shared-mime-info)")
def test_mime_xml_compiles_with_update_mime_database(tmp_path):
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copyfile(LINUX / "evexplorer-mime.xml", packages / "evexplorer.xml")
    env = {"XDG_DATA_DIRS": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(["update-mime-database", str(tmp_path / "mime")], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "mime" / "application" / "x-evexplorer-scenario.xml").is_file()
    assert "*.evx" in (tmp_path / "mime" / "globs2").read_text()


def test_deb_control_declares_the_libraries_qt_needs(build):
    depends = build.control_depends((LINUX / "control.in").read_text())
    for package in ("libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libegl1", "libgl1",
                    "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1", "libdbus-1-3",
                    "libc6",
                    # QtNetwork (the single-instance socket) links Kerberos and Brotli
                    "libgssapi-krb5-2", "libbrotli1"):
        assert package in depends
    assert build.control_depends("Package: x\nDepends: a (>= 1), b | c,\n d\n") == [
        "a", "b", "c", "d"]


# ---------------------------------------------------------------------------------------------
# Windows and macOS


def test_inno_setup_script_registers_evx_with_an_open_command():
    text = (PACKAGING / "windows" / "evexplorer.iss").read_text(encoding="utf-8")
    registry = [line for line in text.splitlines() if line.startswith("Root: HKA;")]
    progid = re.search(r'#define ProgId "([^"]+)"', text).group(1)

    def value(subkey: str, name: str = "") -> str:
        for line in registry:
            if (f'Subkey: "Software\\Classes\\{subkey}";' in line
                    and f'ValueName: "{name}";' in line):
                return re.search(r'ValueData: "((?:[^"]|"")*)"', line).group(1)
        raise AssertionError(f"no registry value {subkey}\\{name}")

    assert value(".evx") == "{#ProgId}" and progid == "EVExplorer.Scenario"
    command = value("{#ProgId}\\shell\\open\\command")
    assert command == '""{app}\\{#AppExe}"" ""%1""'  # "C:\...\EVExplorer.exe" "%1"
    assert value("{#ProgId}\\DefaultIcon").startswith('""{app}\\{#AppExe}""')
    assert re.search(r"^ChangesAssociations=yes$", text, flags=re.M)
    assert '#define AppExe "EVExplorer.exe"' in text
    assert 'Source: "{#Bundle}\\*"' in text and '"..\\..\\dist\\EVExplorer"' in text


def test_macos_plist_declares_the_document_type_and_its_uti():
    with open(PACKAGING / "macos" / "Info.plist", "rb") as fh:
        info = plistlib.load(fh)
    (declaration,) = info["UTExportedTypeDeclarations"]
    uti = declaration["UTTypeIdentifier"]
    assert declaration["UTTypeTagSpecification"]["public.filename-extension"] == ["evx"]
    assert declaration["UTTypeTagSpecification"]["public.mime-type"] == [MIME_TYPE]
    assert "public.data" in declaration["UTTypeConformsTo"]
    (document,) = info["CFBundleDocumentTypes"]
    assert document["LSItemContentTypes"] == [uti]
    assert document["CFBundleTypeRole"] == "Editor"
    assert document["LSHandlerRank"] == "Owner"
    assert (ROOT / "resources" / document["CFBundleTypeIconFile"]).is_file()


# ---------------------------------------------------------------------------------------------
# the frozen entry point and the .spec


def test_launcher_calls_freeze_support_before_importing_the_application():
    tree = ast.parse((PACKAGING / "launcher.py").read_text())
    (guard,) = [n for n in tree.body if isinstance(n, ast.If)]
    first, second = guard.body[0], guard.body[1]
    assert ast.unparse(first) == "multiprocessing.freeze_support()"
    assert ast.unparse(second) == "from evexplorer.cli import main"
    top_level_imports = {ast.unparse(n) for n in tree.body
                         if isinstance(n, ast.Import | ast.ImportFrom)}
    assert top_level_imports == {"import multiprocessing", "import sys"}


def _spec_assignment(name: str):
    tree = ast.parse((PACKAGING / "evexplorer.spec").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} in the .spec")


def _application_imports() -> set[str]:
    names = set()
    for path in (ROOT / "evexplorer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_spec_excludes_nothing_the_application_imports(build):
    excludes = build.spec_excludes((PACKAGING / "evexplorer.spec").read_text())
    assert excludes == _spec_assignment("EXCLUDES")
    used = _application_imports()
    assert "scipy.linalg" in used or "scipy" in used  # the scan sees the model's imports
    clashes = sorted(u for u in used if build._under(u, excludes))
    assert clashes == []
    for kept in ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSvg"):
        assert not build._under(kept, excludes)


def test_spec_keeps_the_platform_plugins_the_application_needs():
    keep = _spec_assignment("KEEP_PLUGINS")
    assert {"qoffscreen", "qxcb", "qwayland", "qwindows", "qcocoa"} <= keep["platforms"]
    assert keep["xcbglintegrations"]  # QOpenGLWidget under X11


#: What the analysis and export layers import only when needed (the frozen self-test uses
#: each once).
LAZY_IMPORTS = ("scipy.stats", "scipy.stats.qmc", "scipy.optimize", "openpyxl")


def test_spec_excludes_nothing_scipy_stats_optimize_or_openpyxl_load(build):
    """Importing them in a fresh interpreter loads no module the .spec excludes, and the
    SciPy subpackages still excluded are really left alone."""
    code = ("import json, sys\n"
            f"for name in {LAZY_IMPORTS!r}: __import__(name)\n"
            "print(json.dumps(sorted(sys.modules)))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                       text=True, check=True).stdout)
    excludes = build.spec_excludes((PACKAGING / "evexplorer.spec").read_text())
    assert [m for m in loaded if build._under(m, excludes)] == []
    assert {"scipy.linalg", "scipy.sparse", "scipy.spatial", "scipy.stats.qmc"} <= set(loaded)
    assert any(e.startswith("scipy.") for e in excludes)


def _spec_calls(name: str) -> list[ast.Call]:
    tree = ast.parse((PACKAGING / "evexplorer.spec").read_text())
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and getattr(n.func, "id", None) == name]


def test_spec_bundles_openpyxl_and_the_sobol_direction_numbers():
    tree = ast.parse((PACKAGING / "evexplorer.spec").read_text())
    (hidden,) = [n.value for n in tree.body if isinstance(n, ast.Assign)
                 and getattr(n.targets[0], "id", None) == "HIDDEN_IMPORTS"]
    names = {e.value for e in hidden.elts if isinstance(e, ast.Constant)}
    assert "openpyxl" in names
    (collect,) = _spec_calls("collect_data_files")
    package = ast.literal_eval(collect.args[0])
    (includes,) = [ast.literal_eval(k.value) for k in collect.keywords if k.arg == "includes"]
    assert (package, includes) == ("scipy.stats", ["_sobol_direction_numbers.npz"])
    stats = Path(importlib.util.find_spec("scipy.stats").origin).parent
    assert (stats / includes[0]).is_file()  # the pattern names a file that exists
    (analysis,) = _spec_calls("Analysis")
    (datas,) = [k.value for k in analysis.keywords if k.arg == "datas"]
    assert ast.unparse(datas) == "DATAS"


# ---------------------------------------------------------------------------------------------
# build.py: which PyInstaller warnings are real


BENIGN_WARN_FILE = """
This file lists modules PyInstaller was not able to find. ...

missing module named _winapi - imported by encodings (delayed, conditional, optional), subprocess (conditional), multiprocessing.popen_spawn_win32 (top-level)
missing module named numpy._core.zeros - imported by numpy._core (top-level), numpy.linalg._linalg (top-level), numpy (conditional)
missing module named 'dask.array' - imported by scipy._lib.array_api_compat.dask.array._aliases (top-level)
missing module named 'numpy.linalg.linalg' - imported by scipy._lib.array_api_compat.numpy.linalg (delayed, optional)
missing module named 'matplotlib.figure' - imported by pyqtgraph.widgets.MatplotlibWidget (top-level)
excluded module named readline - imported by cmd (delayed, conditional, optional), pdb (delayed, optional)
excluded module named scipy.signal - imported by pyqtgraph.flowchart.library.functions (delayed, optional), pyqtgraph.flowchart.library.Filters (delayed, optional)
"""  # noqa: E501 (lines as PyInstaller writes them)
BENIGN_LOG = """\
409 WARNING: Failed to collect submodules for 'pyqtgraph.opengl' because importing 'pyqtgraph.opengl' raised: ModuleNotFoundError: No module named 'OpenGL'
15751 WARNING: Hidden import "scipy.special._cdflib" not found!
"""  # noqa: E501
EXCLUDES = ["readline", "scipy.signal"]


#: Installed in the test environment by test-only tools (pyam brings matplotlib and pandas) but
#: not in the build environment, which holds the runtime dependencies only.
TEST_ONLY = ("matplotlib", "pandas")


def _findable_in_build(build):
    return lambda name: name.split(".")[0] not in TEST_ONLY and build.findable(name)


def _real(build, warn: str, log: str = "") -> list[str]:
    return build.real_warnings(warn, log, _findable_in_build(build), build.is_attribute,
                               EXCLUDES)


def test_benign_warnings_pass(build):
    assert _real(build, BENIGN_WARN_FILE, BENIGN_LOG) == []


@pytest.mark.parametrize(("line", "reason"), [
    ("missing module named evexplorer.scenario.gone - imported by evexplorer.scenario"
     " (delayed)", "missing application module"),
    ("missing module named json.decoder - imported by pyqtgraph.configfile (top-level)",
     "which the build environment has"),
    ("missing module named totally_absent_module - imported by evexplorer.cli (delayed)",
     "missing module totally_absent_module"),
    ("excluded module named scipy.signal - imported by evexplorer.model.cost (delayed)",
     "used by the application"),
    ("missing module named scipy.signal.windows - imported by evexplorer.model.core"
     " (top-level)", "used by the application"),
])
def test_a_real_missing_import_fails(build, line, reason):
    problems = _real(build, BENIGN_WARN_FILE + line + "\n", BENIGN_LOG)
    assert len(problems) == 1 and reason in problems[0], problems


@pytest.mark.parametrize("log", [
    'WARNING: Hidden import "evexplorer.scenario.gone" not found!',
    'WARNING: Hidden import "json.decoder" not found!',
    "WARNING: Failed to collect submodules for 'evexplorer.app' because importing ...",
])
def test_a_real_hidden_import_failure_fails(build, log):
    assert len(_real(build, BENIGN_WARN_FILE, BENIGN_LOG + log + "\n")) == 1


def test_names_imported_from_the_application_are_not_mistaken_for_modules(build):
    warn = ("missing module named evexplorer.model.registry.PARAMETERS"
            " - imported by evexplorer.model (top-level)\n")
    # A module of the application (rule 1) would fail, even when it is really a name:
    assert _real(build, warn) != []
    warn = "missing module named os.path.join - imported by evexplorer.cli (delayed)\n"
    assert _real(build, warn) == []  # a name defined in an importable module


# ---------------------------------------------------------------------------------------------
# build.py: ICU data trimming and module lists


def _icu_package(items: dict[str, bytes]) -> bytes:
    """A small ICU common-data package laid out like the real one."""
    header = struct.pack("<HBB", 32, 0xDA, 0x27) + b"\0" * 8 + b"CmnD" + b"\0" * 16
    names = b"".join(f"icudt73l/{n}".encode() + b"\0" for n in items)
    first = 4 + 8 * len(items) + len(names)
    gap = (-(len(header) + first)) % 16
    table, data, name_pos, data_pos = b"", b"", 4 + 8 * len(items), first + gap
    for name, item in items.items():
        item += b"\xaa" * ((-len(item)) % 16)
        table += struct.pack("<II", name_pos, data_pos)
        name_pos += len(f"icudt73l/{name}") + 1
        data_pos += len(item)
        data += item
    return header + struct.pack("<I", len(items)) + table + names + b"\xaa" * gap + data


def test_icu_repack_keeps_the_package_intact_and_drops_whole_trees(build):
    items = {"coll/root.res": b"C" * 40, "curr/de.res": b"$" * 20, "root.res": b"R" * 16,
             "zone/de.res": b"Z" * 8}
    blob = _icu_package(items)
    assert build.icu_repack(blob, ()) == blob
    trimmed = build.icu_repack(blob, ["curr/*"])
    assert trimmed == _icu_package({k: v for k, v in items.items() if not k.startswith("curr/")})
    with pytest.raises(build.BuildError):
        build.icu_repack(b"\0" * 64, ())


def test_bundle_module_list_reads_tocs_and_extension_files(build, tmp_path):
    internal = tmp_path / "EVExplorer" / "_internal"
    (internal / "numpy" / "_core").mkdir(parents=True)
    (internal / "numpy" / "_core" / "_multiarray_umath.cpython-311-x86_64-linux-gnu.so").touch()
    (internal / "python3.11" / "lib-dynload").mkdir(parents=True)
    (internal / "python3.11" / "lib-dynload" / "_ssl.cpython-311-x86_64-linux-gnu.so").touch()
    (internal / "PySide6").mkdir()
    (internal / "PySide6" / "QtCore.abi3.so").touch()
    toc = tmp_path / "PYZ-00.toc"
    toc.write_text(repr(("PYZ-00.pyz", [("evexplorer.cli", "/x/cli.py", "PYMODULE")])))
    (tmp_path / "PKG-00.toc").write_text(repr(("PKG", [("struct", "/x/struct.py", "PYMODULE")])))
    assert build.bundle_modules(tmp_path / "EVExplorer", toc) == {
        "evexplorer.cli", "struct", "numpy._core._multiarray_umath", "_ssl", "PySide6.QtCore"}


def test_application_modules_cover_every_source_file(build):
    modules = build.application_modules()
    assert "evexplorer" in modules and "evexplorer.cli" in modules
    assert len(modules) == len(list((ROOT / "evexplorer").rglob("*.py")))


# ---------------------------------------------------------------------------------------------
# icons


def test_icon_containers_hold_png_images(make_icon):
    pngs = {16: b"\x89PNG-16", 256: b"\x89PNG-256"}
    ico = make_icon.ico_bytes(pngs)
    assert struct.unpack_from("<HHH", ico, 0) == (0, 1, 2)
    width, height = struct.unpack_from("<BB", ico, 6 + 16)
    assert (width, height) == (0, 0)  # 256 px is written as 0
    icns = make_icon.icns_bytes({s: f"png{s}".encode() for _, s in make_icon.ICNS_TYPES})
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)


def test_committed_icons_are_the_expected_formats():
    png = (ROOT / "resources" / "evexplorer.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (256, 256)
    ico = (ROOT / "resources" / "evexplorer.ico").read_bytes()
    assert struct.unpack_from("<HH", ico, 0) == (0, 1)
    icns = (ROOT / "resources" / "evexplorer.icns").read_bytes()
    assert icns[:4] == b"icns" and b"ic10" in icns
    svg = ET.parse(ROOT / "resources" / "evexplorer.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"


# ---------------------------------------------------------------------------------------------
# build.py on each system: what it would be asked to do


@pytest.fixture
def on(build, monkeypatch):
    """Switch build.py to another system: ``on("windows")``."""
    def switch(system: str):
        assert system in build.TARGETS
        monkeypatch.setattr(build, "SYSTEM", system)
        return build
    return switch


@pytest.mark.parametrize(("system", "python", "program", "self_test", "shipped"), [
    ("linux", "build/venv/bin/python", "dist/EVExplorer/EVExplorer",
     "dist/EVExplorer/EVExplorer", "dist/EVExplorer"),
    ("windows", "build/venv/Scripts/python.exe", "dist/EVExplorer/EVExplorer.exe",
     "dist/EVExplorer/evexplorer-cli.exe", "dist/EVExplorer"),
    ("macos", "build/venv/bin/python", "dist/EV Explorer.app/Contents/MacOS/EVExplorer",
     "dist/EV Explorer.app/Contents/MacOS/EVExplorer", "dist/EV Explorer.app"),
])
def test_paths_and_suffixes_of_each_system(on, system, python, program, self_test, shipped):
    build = on(system)

    def rel(path: Path) -> str:
        return path.relative_to(ROOT).as_posix()

    assert rel(build.venv_python()) == python
    assert rel(build.executable()) == program
    assert rel(build.DIST / build.target().self_test_program) == self_test
    assert rel(build.shipped()) == shipped


def test_installer_names_match_the_files_each_tool_writes(on):
    build = on("linux")
    assert build.installer_path("1.2.3").name == "evexplorer_1.2.3_amd64.deb"
    control = (LINUX / "control.in").read_text()
    assert "Architecture: amd64" in control and "Package: evexplorer" in control
    build = on("windows")
    iss = (PACKAGING / "windows" / "evexplorer.iss").read_text(encoding="utf-8")
    base = re.search(r"^OutputBaseFilename=(.+)$", iss, flags=re.M).group(1)
    assert build.installer_path("1.2.3").name == base.replace("{#AppVersion}", "1.2.3") + ".exe"
    assert r"OutputDir=..\..\dist" in iss.splitlines()  # dist/ of the checkout
    build = on("macos")
    assert build.installer_path("1.2.3", arch="arm64").name == "EVExplorer-1.2.3-macos-arm64.dmg"


def test_the_programs_are_the_executables_the_spec_makes(on):
    """EXE names in the .spec (with .exe on Windows) and the .app name of BUNDLE."""
    exes = {ast.literal_eval(k.value) for c in _spec_calls("EXE") for k in c.keywords
            if k.arg == "name"}
    (app,) = [ast.literal_eval(k.value) for c in _spec_calls("BUNDLE") for k in c.keywords
              if k.arg == "name"]
    assert exes == {"EVExplorer", "evexplorer-cli"}
    for system in ("linux", "windows", "macos"):
        build = on(system)
        suffix = ".exe" if system == "windows" else ""
        for path in (build.executable(), build.DIST / build.target().self_test_program):
            assert path.suffix == suffix and path.stem in exes
    assert on("macos").target().shipped == app


def _recorder(build, monkeypatch, fail=lambda cmd: False):
    """Replace build.run by a recorder; ``fail(cmd)`` makes a call fail like a real one."""
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd if isinstance(cmd, str) else [str(c) for c in cmd])
        if fail(cmd):
            raise build.BuildError(f"{cmd} exited with 1")
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(build, "run", fake_run)
    return calls


SIGNTOOL = ('"C:\\Program Files (x86)\\Windows Kits\\10\\bin\\10.0.22621.0\\x64\\signtool.exe"'
            " sign /sha1 0123ABCD /fd sha256 /tr http://timestamp.example /td sha256")


def test_windows_runs_iscc_on_the_script_with_the_version(on):
    build = on("windows")
    iscc = Path("C:/Program Files (x86)/Inno Setup 6/ISCC.exe")
    assert build.iscc_command(iscc, "1.2.3", None) == [
        str(iscc), "/Q", "/DAppVersion=1.2.3", str(PACKAGING / "windows" / "evexplorer.iss")]


def test_windows_signing_goes_to_iscc_as_a_sign_tool_without_quotes(on):
    build = on("windows")
    cmd = build.iscc_command(Path("ISCC.exe"), "1.2.3", SIGNTOOL)
    (tool,) = [a for a in cmd if a.startswith("/S")]
    assert tool.startswith("/Sevxsign=$qC:\\Program Files (x86)\\")
    assert tool.endswith("signtool.exe$q sign /sha1 0123ABCD /fd sha256 "
                         "/tr http://timestamp.example /td sha256 $f")
    assert '"' not in tool
    assert "/DSignTool=evxsign" in cmd and cmd[-1].endswith("evexplorer.iss")
    iss = (PACKAGING / "windows" / "evexplorer.iss").read_text(encoding="utf-8")
    block = iss[iss.index("#ifdef SignTool"):]
    assert block.splitlines()[1:4] == ["SignTool={#SignTool}", "SignedUninstaller=yes", "#endif"]


def test_windows_signs_both_programs_before_the_setup(on, monkeypatch, tmp_path):
    build = on("windows")
    monkeypatch.setattr(build, "DIST", tmp_path)
    monkeypatch.setenv("EVX_SIGNTOOL", SIGNTOOL)
    calls = _recorder(build, monkeypatch)
    monkeypatch.setattr(build, "find_iscc", lambda: Path("ISCC.exe"))
    iscc_calls = []

    def fake_setup(version, signtool):
        iscc_calls.append((version, signtool))
        return tmp_path / f"EVExplorer-{version}-setup.exe"

    monkeypatch.setattr(build, "build_setup", fake_setup)
    steps = []
    setup = build.INSTALLERS["windows"](lambda name, action: (steps.append(name), action())[1],
                                        "1.2.3", None)
    assert steps == ["sign the programs", "Inno Setup installer"]
    assert calls == [f'{SIGNTOOL} "{tmp_path / "EVExplorer" / "EVExplorer.exe"}"',
                     f'{SIGNTOOL} "{tmp_path / "EVExplorer" / "evexplorer-cli.exe"}"']
    assert iscc_calls == [("1.2.3", SIGNTOOL)] and setup.name == "EVExplorer-1.2.3-setup.exe"


def test_windows_without_a_signing_command_signs_nothing(on, monkeypatch):
    build = on("windows")
    monkeypatch.delenv("EVX_SIGNTOOL", raising=False)
    monkeypatch.setattr(build, "build_setup", lambda version, signtool: signtool)
    steps = []
    result = build.INSTALLERS["windows"](lambda name, action: (steps.append(name), action())[1],
                                         "1.2.3", None)
    assert steps == ["Inno Setup installer"] and result is None


def test_windows_build_setup_runs_iscc_and_finds_its_output(on, monkeypatch, tmp_path):
    build = on("windows")
    monkeypatch.setattr(build, "DIST", tmp_path)
    monkeypatch.setattr(build, "ROOT", tmp_path.parent)
    monkeypatch.setattr(build, "find_iscc", lambda: Path("ISCC.exe"))
    calls = _recorder(build, monkeypatch)
    with pytest.raises(build.BuildError, match="Inno Setup wrote no"):
        build.build_setup("1.2.3", None)
    assert calls[0][:3] == ["ISCC.exe", "/Q", "/DAppVersion=1.2.3"]
    monkeypatch.setattr(build, "run", lambda cmd: (tmp_path / "EVExplorer-1.2.3-setup.exe")
                        .write_bytes(b"MZ"))
    assert build.build_setup("1.2.3", None) == tmp_path / "EVExplorer-1.2.3-setup.exe"


def test_find_iscc_looks_on_path_then_where_inno_setup_installs(build, tmp_path):
    assert build.find_iscc({}, which=lambda name: "/opt/iscc") == Path("/opt/iscc")
    user = tmp_path / "user"
    iscc = user / "Programs" / "Inno Setup 6" / "ISCC.exe"
    iscc.parent.mkdir(parents=True)
    iscc.write_bytes(b"MZ")
    env = {"ProgramFiles(x86)": str(tmp_path / "none"), "LOCALAPPDATA": str(user)}
    assert build.find_iscc(env, which=lambda name: None) == iscc
    machine = tmp_path / "x86" / "Inno Setup 6" / "ISCC.exe"
    machine.parent.mkdir(parents=True)
    machine.write_bytes(b"MZ")
    env["ProgramFiles(x86)"] = str(tmp_path / "x86")
    assert build.find_iscc(env, which=lambda name: None) == machine
    with pytest.raises(build.BuildError, match=r"winget install JRSoftware\.InnoSetup"):
        build.find_iscc({}, which=lambda name: None)


def test_macos_disk_image_commands(on, monkeypatch):
    build = on("macos")
    monkeypatch.setattr(build.platform, "machine", lambda: "arm64")
    app = str(build.DIST / "EV Explorer.app")
    dmg = str(build.DIST / "EVExplorer-1.2.3-macos-arm64.dmg")
    staging = build.DMG_STAGING
    copy, create = build.dmg_commands("1.2.3", None)
    assert copy == ["ditto", app, str(staging / "EV Explorer.app")]
    assert create == ["hdiutil", "create", "-volname", "EV Explorer 1.2.3", "-srcfolder",
                      str(staging), "-fs", "HFS+", "-format", "UDZO", "-ov", dmg]
    *_, sign = build.dmg_commands("1.2.3", "Developer ID Application: EVX (TEAM123456)")
    assert sign == ["codesign", "--sign", "Developer ID Application: EVX (TEAM123456)",
                    "--timestamp", dmg]


def test_macos_disk_image_links_applications_and_retries_a_busy_hdiutil(on, monkeypatch,
                                                                        tmp_path):
    build = on("macos")
    monkeypatch.setattr(build, "DMG_STAGING", tmp_path / "dmg")
    monkeypatch.setattr(build, "HDIUTIL_PAUSE", 0.0)
    attempts = []

    def busy_twice(cmd):
        if cmd[0] == "hdiutil":
            attempts.append(cmd)
            return len(attempts) <= 2
        return False

    calls = _recorder(build, monkeypatch, fail=busy_twice)
    dmg = build.build_dmg("1.2.3", "Developer ID Application: EVX (TEAM123456)")
    assert [c[0] for c in calls] == ["ditto", "hdiutil", "hdiutil", "hdiutil", "codesign"]
    assert dmg == build.installer_path("1.2.3")
    link = tmp_path / "dmg" / "Applications"
    assert link.is_symlink() and Path(os.readlink(link)) == Path("/Applications")
    calls = _recorder(build, monkeypatch, fail=lambda cmd: cmd[0] == "hdiutil")
    with pytest.raises(build.BuildError, match="hdiutil"):
        build.build_dmg("1.2.3", None)
    assert [c[0] for c in calls] == ["ditto", *["hdiutil"] * build.HDIUTIL_ATTEMPTS]


def test_retry_returns_the_first_success_and_gives_up_after_the_last_attempt(build):
    outcomes = iter([build.BuildError("busy"), build.BuildError("busy"), "made"])

    def action():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert build.retry(action, attempts=3, pause=0.0) == "made"
    with pytest.raises(build.BuildError, match="busy"):
        build.retry(lambda: (_ for _ in ()).throw(build.BuildError("busy")), 2, 0.0)
    with pytest.raises(ValueError):
        build.retry(lambda: None, 0, 0.0)


@pytest.mark.parametrize(("system", "program"), [
    ("linux", "EVExplorer/EVExplorer"),
    ("windows", "EVExplorer/evexplorer-cli.exe"),
    ("macos", "EV Explorer.app/Contents/MacOS/EVExplorer"),
])
def test_self_test_runs_the_shipped_program_offscreen(on, monkeypatch, system, program):
    build = on(system)
    seen = []
    monkeypatch.setattr(build.subprocess, "run", lambda cmd, env: (
        seen.append((cmd, env["QT_QPA_PLATFORM"])), subprocess.CompletedProcess(cmd, 0))[1])
    build.self_test()
    assert seen == [([str(build.DIST / program), "--self-test"], "offscreen")]
    monkeypatch.setattr(build.subprocess, "run",
                        lambda cmd, env: subprocess.CompletedProcess(cmd, 3))
    with pytest.raises(build.BuildError, match="exit status 3"):
        build.self_test()


def test_linux_only_steps_leave_other_systems_alone(on, monkeypatch, tmp_path):
    bundle = tmp_path / "EVExplorer"
    (bundle / "_internal" / "a").mkdir(parents=True)
    (bundle / "_internal" / "b").mkdir()
    for folder in ("a", "b"):
        (bundle / "_internal" / folder / "libgfortran.so.5").write_bytes(b"same bytes")
    for system in ("windows", "macos"):
        build = on(system)
        monkeypatch.setattr(build, "BUNDLE", bundle)
        calls = _recorder(build, monkeypatch)
        build.link_duplicates()
        build.strip_python()
        build.trim_icu_data()
        assert calls == [] and build.missing_system_packages() == []
        assert not (bundle / "_internal" / "b" / "libgfortran.so.5").is_symlink()
    if os.name == "posix":  # the Linux branch itself makes symbolic links
        build = on("linux")
        build.link_duplicates()
        assert (bundle / "_internal" / "b" / "libgfortran.so.5").is_symlink()


def test_each_system_has_an_installer_step(build):
    assert set(build.INSTALLERS) == set(build.TARGETS) == {"linux", "windows", "macos"}
    tools = {system: t.installer_tool for system, t in build.TARGETS.items()}
    assert tools == {"linux": "dpkg-deb", "windows": "iscc", "macos": "hdiutil"}


# ---------------------------------------------------------------------------------------------
# checksums and the small commands the workflows call


def test_sha256_line_known_value(build, tmp_path):
    # FIPS 180-2, appendix B.1: SHA-256("abc")
    path = tmp_path / "abc.bin"
    path.write_bytes(b"abc")
    assert build.sha256_line(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  abc.bin\n")
    big = tmp_path / "big.bin"  # more than one read block
    big.write_bytes(bytes(range(256)) * 9000)
    assert build.sha256_line(big).split()[0] == hashlib.sha256(big.read_bytes()).hexdigest()


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils' sha256sum missing")
def test_checksum_file_is_checked_by_sha256sum(build, tmp_path):
    setup = tmp_path / "EVExplorer-1.2.3-setup.exe"
    setup.write_bytes(b"MZ" + bytes(5000))
    out = build.write_checksum(setup)
    assert out.name == "EVExplorer-1.2.3-setup.exe.sha256"
    assert b"\r" not in out.read_bytes()
    ok = subprocess.run(["sha256sum", "--check", "--strict", out.name], cwd=tmp_path,
                        capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.strip() == f"{setup.name}: OK"
    setup.write_bytes(b"MZ" + bytes(5001))  # a changed installer fails the check
    bad = subprocess.run(["sha256sum", "--check", out.name], cwd=tmp_path, capture_output=True)
    assert bad.returncode == 1


def test_checksum_option_writes_the_installer_sum(build, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(build, "DIST", tmp_path / "dist")
    monkeypatch.setattr(build, "ROOT", tmp_path)
    monkeypatch.setattr(build, "app_version", lambda: "1.2.3")
    deb = build.installer_path("1.2.3")
    assert build.main(["--checksum"]) == 1
    assert f"there is no {Path('dist', deb.name)} to checksum" in capsys.readouterr().err
    deb.parent.mkdir()
    deb.write_bytes(b"!<arch>\n")
    assert build.main(["--checksum"]) == 0
    line = build.sha256_line(deb)
    assert capsys.readouterr().out == line
    assert deb.with_name(deb.name + ".sha256").read_text() == line


def test_app_version_and_system_packages_options(build, monkeypatch, capsys):
    assert build.main(["--app-version"]) == 0
    version = capsys.readouterr().out.strip()
    assert version == build.app_version()
    assert f'__version__ = "{version}"' in (ROOT / "evexplorer" / "_version.py").read_text()
    monkeypatch.setattr(build, "missing_system_packages", lambda: ["libxcb-cursor0", "binutils"])
    assert build.main(["--system-packages"]) == 0
    assert capsys.readouterr().out == "libxcb-cursor0 binutils\n"


# ---------------------------------------------------------------------------------------------
# data files the application reads at run time


@pytest.fixture(scope="module")
def trace():
    return _load("evx_packaging_trace", PACKAGING / "trace_modules.py")


def test_data_files_read_are_named_relative_to_their_root(trace, tmp_path):
    site = tmp_path / "venv" / "site-packages"
    checkout = tmp_path
    (site / "scipy" / "stats" / "__pycache__").mkdir(parents=True)
    npz = site / "scipy" / "stats" / "_sobol_direction_numbers.npz"
    npz.write_bytes(b"PK")
    module = site / "scipy" / "stats" / "_qmc.py"
    module.write_text("")
    cached = site / "scipy" / "stats" / "__pycache__" / "x.cpython-311.opt.json"
    cached.write_text("{}")
    (checkout / "resources").mkdir()
    data = checkout / "resources" / "reference_data.json"
    data.write_text("{}")
    (checkout / "build").mkdir()
    scratch = checkout / "build" / "runtime-modules.txt"
    scratch.write_text("")
    elsewhere = tmp_path.parent / "fonts.conf"
    opened = {str(npz), str(module), str(cached), str(data), str(scratch), str(site),
              str(elsewhere), str(site / "gone.dat")}
    roots = [os.path.realpath(site), os.path.realpath(checkout)]
    assert trace._data_files(opened, roots) == [
        "resources/reference_data.json", "scipy/stats/_sobol_direction_numbers.npz"]


def test_missing_data_files_are_reported(build, tmp_path):
    internal = tmp_path / "EVExplorer" / "_internal"
    (internal / "scipy" / "stats").mkdir(parents=True)
    (internal / "scipy" / "stats" / "_sobol_direction_numbers.npz").write_bytes(b"PK")
    files = ["scipy/stats/_sobol_direction_numbers.npz", "resources/reference_data.json"]
    assert build.missing_data_files(tmp_path / "EVExplorer", files) == [
        "resources/reference_data.json"]


def test_the_user_guide_is_looked_for_where_the_spec_installs_it(build, tmp_path):
    internal = tmp_path / "EVExplorer" / "_internal"
    files = ["docs/user-guide.md"]
    assert build.missing_data_files(tmp_path / "EVExplorer", files) == files
    (internal / "resources").mkdir(parents=True)
    (internal / "resources" / "user-guide.md").write_text("# Guide\n", encoding="utf-8")
    assert build.missing_data_files(tmp_path / "EVExplorer", files) == []
    spec = (build.PACKAGING / "evexplorer.spec").read_text(encoding="utf-8")
    assert '(str(ROOT / "docs" / "user-guide.md"), "resources")' in spec

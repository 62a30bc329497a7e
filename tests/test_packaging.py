"""The installers' declarations and the build script's checks, without building anything.

The frozen application itself is built and self-tested by ``packaging/build.py`` (CI);
these tests cover the files that make a double-clicked .evx open in EV Explorer on each
system, and the rules the build applies to PyInstaller's warnings and to ICU's data.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
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
                    "libc6"):
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


# ---------------------------------------------------------------------------------------------
# build.py: which PyInstaller warnings are real


BENIGN_WARN_FILE = """
This file lists modules PyInstaller was not able to find. ...

missing module named _winapi - imported by encodings (delayed, conditional, optional), subprocess (conditional), multiprocessing.popen_spawn_win32 (top-level)
missing module named numpy._core.zeros - imported by numpy._core (top-level), numpy.linalg._linalg (top-level), numpy (conditional)
missing module named 'dask.array' - imported by scipy._lib.array_api_compat.dask.array._aliases (top-level)
missing module named scipy.optimize.elementwise - imported by scipy.special._support_alternative_backends (delayed)
missing module named 'matplotlib.figure' - imported by pyqtgraph.widgets.MatplotlibWidget (top-level)
excluded module named readline - imported by cmd (delayed, conditional, optional), pdb (delayed, optional)
excluded module named scipy.integrate - imported by scipy.special._ellip_harm_2 (top-level)
"""  # noqa: E501 (lines as PyInstaller writes them)
BENIGN_LOG = """\
409 WARNING: Failed to collect submodules for 'pyqtgraph.opengl' because importing 'pyqtgraph.opengl' raised: ModuleNotFoundError: No module named 'OpenGL'
15751 WARNING: Hidden import "scipy.special._cdflib" not found!
"""  # noqa: E501
EXCLUDES = ["readline", "scipy.integrate", "scipy.optimize"]


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
    ("excluded module named scipy.optimize - imported by evexplorer.model.cost (delayed)",
     "used by the application"),
    ("missing module named scipy.optimize.minimize - imported by evexplorer.model.core"
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

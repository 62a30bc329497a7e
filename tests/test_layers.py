"""Layer rules (DESIGN.md): the model never imports Qt or h5py; headless commands never
import Qt. Checked in fresh subprocesses (sys.modules after the work is done), through the
real ``python -m evexplorer`` entry point (``-X importtime`` lists every import), and by
scanning the model's source imports.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "evexplorer" / "model"
QT = ("PySide6", "pyqtgraph", "shiboken6")
FILE_FORMAT = ("h5py",)

_REPORT = """
import json, sys
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def _modules_after(code: str) -> set[str]:
    """Top-level packages imported by a fresh interpreter after running ``code``."""
    out = subprocess.run([sys.executable, "-c", code + _REPORT], capture_output=True,
                         text=True, cwd=ROOT, timeout=120, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_report_sees_imports():
    # The check itself works: importing numpy shows up.
    assert "numpy" in _modules_after("import numpy")


def test_model_import_and_evaluate_pull_in_no_qt_and_no_h5py():
    modules = _modules_after(
        "import evexplorer.model as m; r = m.evaluate({'lithium_price': 30000}); "
        "import numpy as np; m.evaluate({'lithium_price': np.array([1e4, 2e4])})")
    assert not modules & set(QT + FILE_FORMAT), modules & set(QT + FILE_FORMAT)


def test_package_import_and_lazy_evaluate_pull_in_no_qt():
    modules = _modules_after(
        "import evexplorer; evexplorer.evaluate(); evexplorer.PARAMETERS['lithium_price']")
    assert not modules & set(QT + FILE_FORMAT)
    assert "evexplorer" in modules


SQUEEZE = "resources/presets/lithium_squeeze.evx"
LFP = "resources/presets/lfp_everywhere.evx"
ANALYSIS_COMMANDS = [
    ["compare", SQUEEZE, LFP], ["compare", SQUEEZE, LFP, "--json"],
    ["explain", SQUEEZE, "--output", "pack_cost", "--year", "2030"],
    ["explain", SQUEEZE, "--against", LFP, "--output", "pack_cost", "--year", "2030", "--json"],
    ["seek", "--lever", "lithium_price", "--output", "pack_cost", "--year", "2030", "--target",
     "90"],
    ["seek", "--lever", "lithium_price", "--output", "pack_cost", "--year", "2030", "--target",
     "90", "--json"],
    ["targets", "--target", "pack_cost<=80@2030"], ["targets", SQUEEZE, "--json"],
]


SWEEP_ARGV = ["sweep", "--grid", "lithium_price=8000:9000:2", "--output", "pack_cost@2030",
              "--json"]
UNCERTAINTY_COMMANDS = [["uncertainty", "--samples", "50", "--json"],
                        ["sensitivity", "--output", "pack_cost", "--year", "2030"]]
EXPORT_COMMANDS = [["export", "--iamc", "-"], ["export", "--json", "-"], ["export", "--csv", "-"],
                   SWEEP_ARGV]
RECOVER_COMMANDS = [["recover", "--list", "--json"], ["recover", "--list"]]


@pytest.mark.parametrize("argv", [["params", "--json"], ["params"], ["compute", "--json"],
                                  ["compute"], ["compute", "--csv", "-"], *ANALYSIS_COMMANDS,
                                  *EXPORT_COMMANDS, *UNCERTAINTY_COMMANDS,
                                  *RECOVER_COMMANDS])
def test_headless_commands_pull_in_no_qt(argv):
    code = (
        "import contextlib, io\n"
        "from evexplorer.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    status = main({argv!r})\n"
        "assert status == 0, status\n"
        "assert out.getvalue()\n"
    )
    modules = _modules_after(code)
    assert not modules & set(QT), modules & set(QT)
    assert "evexplorer" in modules


@pytest.mark.parametrize("argv", [["params", "--json"], ["compute", "--json"],
                                  *ANALYSIS_COMMANDS[1::2], ["export", "--iamc", "-"],
                                  SWEEP_ARGV, UNCERTAINTY_COMMANDS[0], RECOVER_COMMANDS[0]])
def test_entry_point_imports_no_qt(argv):
    # -X importtime writes one stderr line per imported module: the real '-m' path.
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "evexplorer", *argv],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()
                if line.startswith("import time:")}
    assert "evexplorer.cli" in imported and "numpy" in imported
    assert not {m for m in imported if m.split(".")[0] in QT}


@pytest.mark.parametrize("argv", [["export", "--xlsx"], [*SWEEP_ARGV[:-1], "--xlsx"]])
def test_workbook_exports_pull_in_no_qt(argv, tmp_path):
    # Writing a workbook loads openpyxl, and nothing of Qt.
    target = tmp_path / "out.xlsx"
    code = (
        "from evexplorer.cli import main\n"
        f"assert main({[*argv, str(target)]!r}) == 0\n"
    )
    modules = _modules_after(code)
    assert "openpyxl" in modules and target.exists()
    assert not modules & set(QT), modules & set(QT)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import in a source file; level > 0 for relative imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


MODEL_FILES = sorted(MODEL_DIR.glob("*.py"))


def test_model_sources_are_found():
    assert {p.name for p in MODEL_FILES} >= {"core.py", "registry.py", "minerals.py"}


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: p.name)
def test_model_sources_import_only_numpy_scipy_stdlib_and_siblings(path):
    allowed_third_party = {"numpy", "scipy"}
    for level, module in _imports(path):
        top = module.split(".")[0]
        if level == 0:
            assert top in allowed_third_party or top in sys.stdlib_module_names, \
                f"{path.name} imports {module}"
        elif level == 1:
            pass  # a sibling model module
        else:
            # from .. import: only the package's Qt-free helpers
            assert level == 2 and top in ("_resources", "_version"), \
                f"{path.name} imports {'.' * level}{module}"


# ---------------------------------------------------------------------------------------------
# The Qt-free layers above the model (DESIGN.md): analysis/, export/ and session.py never import
# Qt or h5py; only scenario/ imports h5py; the window never imports the command line.

PACKAGE = ROOT / "evexplorer"
QT_FREE_LAYERS = ("model", "analysis", "export", "session.py", "recovery.py", "scenario")
H5PY_FREE_LAYERS = ("model", "analysis", "export", "session.py", "recovery.py")


def _layer_files(layer: str) -> list[Path]:
    path = PACKAGE / layer
    return [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))


def _absolute_imports(path: Path) -> set[str]:
    """Top-level names of the absolute imports of a source file."""
    return {module.split(".")[0] for level, module in _imports(path) if level == 0}


@pytest.mark.parametrize("layer", QT_FREE_LAYERS)
def test_qt_free_layers_import_no_qt(layer):
    files = _layer_files(layer)
    assert files, f"no sources found for {layer}"
    for path in files:
        found = _absolute_imports(path) & set(QT)
        assert not found, f"{path.relative_to(ROOT)} imports {found}"


@pytest.mark.parametrize("layer", H5PY_FREE_LAYERS)
def test_only_the_scenario_layer_imports_h5py(layer):
    for path in _layer_files(layer):
        found = _absolute_imports(path) & set(FILE_FORMAT)
        assert not found, f"{path.relative_to(ROOT)} imports {found}"


def test_app_and_other_layers_never_import_the_command_line():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.is_relative_to(PACKAGE / "cli"):
            continue
        for level, module in _imports(path):
            if "cli" in module.split(".") and (level > 0 or module.startswith("evexplorer")):
                offenders.append(str(path.relative_to(ROOT)))
    offenders = [o for o in offenders if not o.endswith("__main__.py")]
    assert not offenders, offenders


@pytest.mark.parametrize("module", ["evexplorer.analysis", "evexplorer.export",
                                    "evexplorer.session", "evexplorer.recovery",
                                    "evexplorer.analysis.attribution",
                                    "evexplorer.analysis.goal_seek",
                                    "evexplorer.analysis.targets",
                                    "evexplorer.analysis.compare"])
def test_qt_free_layers_pull_in_no_qt_when_imported(module):
    modules = _modules_after(f"import {module}")
    assert not modules & set(QT + FILE_FORMAT), modules & set(QT + FILE_FORMAT)

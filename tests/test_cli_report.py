"""``evexplorer report --pdf`` and ``evexplorer export --charts``, run as the user runs them:
``python -m evexplorer ...`` in a subprocess without a display; every file read back and
compared with what the scenario computes or stores."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_helpers import one_line_error
from pypdf import PdfReader

from evexplorer import scenario
from evexplorer.cli.export import CHART_FORMATS
from evexplorer.model import evaluate

ROOT = Path(__file__).resolve().parents[1]
SQUEEZE = ROOT / "resources" / "presets" / "lithium_squeeze.evx"
SVG = "{http://www.w3.org/2000/svg}"
CHART_KEYS = ("pack_cost", "vehicle_price", "minerals", "production_emissions",
              "lifecycle_emissions", "emissions_avoided", "supply_concentration")


def run(*args: object, locale: str = "C.UTF-8") -> subprocess.CompletedProcess:
    """The command with no display at all (no DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
           and not k.startswith("LC_")}
    env.update(LANG=locale, LC_ALL=locale)
    return subprocess.run([sys.executable, "-m", "evexplorer", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)


def ok(*args: object, **kwargs) -> subprocess.CompletedProcess:
    out = run(*args, **kwargs)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out


def pdf_pages(path: Path) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(path)
    return reader, [" ".join((p.extract_text() or "").split()) for p in reader.pages]


def test_chart_formats_are_the_renderers():
    pytest.importorskip("PySide6")
    from evexplorer.app import render

    assert CHART_FORMATS == tuple(render.FORMATS)


def test_report_of_a_file_shows_its_stored_numbers(tmp_path):
    target = tmp_path / "squeeze.pdf"
    out = ok("report", SQUEEZE, "--pdf", target)
    assert out.stdout == ""
    assert f"wrote the report {target} (A4)" in out.stderr
    assert "its numbers are stored in the file" in out.stderr
    document = scenario.open_scenario(SQUEEZE)
    reader, pages = pdf_pages(target)
    assert len(pages) >= 4
    text = " ".join(pages)
    assert document.title in pages[0]
    i = list(document.results.years).index(2030)
    pack = document.results.series["pack_cost"][i]
    assert f"Pack cost (2030) {pack:,.0f} USD/kWh" in pages[0]
    assert "Price shock: factor price_shock_factor 4.00 × 3.00 ×" in text
    assert "stored in the file" in text and "verified" in text
    for unit in ("USD/kWh", "g CO2e/km", "t CO2e per car"):
        assert unit in text
    assert abs(float(reader.pages[0].mediabox.width) - 595.3) < 1  # A4 [pt]


def test_report_paper_follows_the_locale_or_the_option(tmp_path):
    letter = tmp_path / "letter.pdf"
    assert "(Letter)" in ok("report", "--pdf", letter, locale="en_US.UTF-8").stderr
    assert abs(float(PdfReader(letter).pages[0].mediabox.height) - 792) < 1
    a4 = tmp_path / "a4.pdf"
    assert "(A4)" in ok("report", "--pdf", a4, "--paper", "A4", locale="en_US.UTF-8").stderr
    assert abs(float(PdfReader(a4).pages[0].mediabox.height) - 841.9) < 1


def test_report_with_set_and_year_is_this_versions_computation(tmp_path):
    target = tmp_path / "r.pdf"
    out = ok("report", SQUEEZE, "--set", "recycling_rate=70", "--year", "2040", "--pdf", target)
    assert "computed by EV Explorer" in out.stderr
    params = dict(scenario.open_scenario(SQUEEZE).parameters, recycling_rate=70.0)
    results = evaluate(params)
    _, pages = pdf_pages(target)
    i = list(results.years).index(2040)
    assert "Headline figures in 2040" in pages[0]
    assert f"Pack cost (2040) {results.series['pack_cost'][i]:,.0f} USD/kWh" in pages[0]
    assert "Batteries recycled recycling_rate 70 %" in " ".join(pages)


@pytest.mark.parametrize("args, expected", [
    (["--year", "2070", "--pdf", "r.pdf"], "--year 2070 is not among the years shown"),
    (["--set", "lithium_prise=3e4", "--pdf", "r.pdf"], "did you mean lithium_price"),
    ([], "the following arguments are required: --pdf"),
    (["--pdf", "r.pdf", "--paper", "A3"], "invalid choice: 'A3'"),
])
def test_report_bad_input(args, expected, tmp_path):
    out = run("report", *args)
    assert expected in one_line_error(out, 2)
    assert not (ROOT / "r.pdf").exists()


def test_report_to_an_unwritable_target_is_a_file_error(tmp_path):
    line = one_line_error(run("report", "--pdf", tmp_path / "missing" / "r.pdf"), 1)
    assert "does not exist" in line
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", CHART_FORMATS)
def test_export_charts_writes_every_chart(tmp_path, fmt):
    folder = tmp_path / "charts" / fmt  # created when missing
    out = ok("export", SQUEEZE, "--charts", folder, "--format", fmt)
    assert f"exported {len(CHART_KEYS)} charts ({fmt.upper()})" in out.stderr
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(f"{key}.{fmt}" for key in CHART_KEYS)
    pack = (folder / f"pack_cost.{fmt}").read_bytes()
    if fmt == "svg":
        root = ET.fromstring(pack)
        texts = {" ".join("".join(e.itertext()).split()) for e in root.iter(f"{SVG}text")}
        assert {"Battery pack cost", "USD/kWh", "year", "Baseline"} <= texts
    elif fmt == "png":
        assert pack[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", pack[16:24]) == (1890, 1181)
    else:
        reader = PdfReader(folder / "pack_cost.pdf")
        assert len(reader.pages) == 1
        assert "Battery pack cost" in " ".join(reader.pages[0].extract_text().split())


def test_export_charts_defaults_to_svg(tmp_path):
    ok("export", "--charts", tmp_path)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".svg"] * len(CHART_KEYS)


def test_export_charts_into_a_file_is_a_file_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    line = one_line_error(run("export", "--charts", blocker), 1)
    assert str(blocker) in line
    assert blocker.read_text() == "keep me"


def test_export_charts_year_outside_the_run_is_bad_input(tmp_path):
    line = one_line_error(run("export", "--charts", tmp_path, "--year", "2000"), 2)
    assert "--year 2000 is not among the years shown" in line
    assert not any(tmp_path.iterdir())


def test_rendering_commands_import_qt_only_for_drawing(tmp_path):
    # The same entry point, a headless export: no Qt; a chart export: Qt, offscreen.
    code = ("import sys\nfrom evexplorer.cli import main\n"
            "assert main(sys.argv[1:]) == 0\n"
            "print('PySide6' in sys.modules, __import__('os').environ.get('QT_QPA_PLATFORM'))")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}

    def modules(*args):
        out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                             text=True, cwd=ROOT, timeout=300, env=env)
        assert out.returncode == 0, out.stderr
        return out.stdout.split()

    assert modules("export", "--json", tmp_path / "r.json") == ["False", "None"]
    assert modules("export", "--charts", tmp_path / "c") == ["True", "offscreen"]
    # Even with a display that cannot be reached: drawing files never needs one.
    env.update(DISPLAY=":97", QT_QPA_PLATFORM="")
    assert modules("report", "--pdf", tmp_path / "r.pdf") == ["True", "offscreen"]

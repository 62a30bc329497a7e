"""``evexplorer export`` and ``evexplorer sweep``, run as the user runs them.

Each call is ``python -m evexplorer ...`` in a subprocess; every file is read back and compared
with ``evexplorer compute``'s numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import h5py
import numpy as np
import pytest
from cli_helpers import ok, one_line_error, run
from openpyxl import load_workbook

from evexplorer._version import MODEL_VERSION, __version__
from evexplorer.cli.export import ProgressReport
from evexplorer.export.iamc import variables
from evexplorer.model import evaluate
from evexplorer.scenario import save_scenario

ROOT = Path(__file__).resolve().parents[1]


LEVERS = ("--set", "lithium_price=31234.5", "--set", "chemistry_mix=LFP:60,NMC811:40",
          "--set", "end_year=2045")


@pytest.fixture(scope="module")
def computed() -> dict:
    """``compute --json`` of the scenario every export test writes."""
    return json.loads(ok("compute", "--json", *LEVERS).stdout)


@pytest.fixture(scope="module")
def sent(tmp_path_factory) -> Path:
    """A file whose stored pack cost differs from what this model computes (checksum valid)."""
    results = evaluate({"lithium_price": 25_000, "end_year": 2040})
    series = dict(results.series)
    series["pack_cost"] = np.asarray(series["pack_cost"]) + 1.0
    path = tmp_path_factory.mktemp("sent") / "sent.evx"
    save_scenario(path, results.parameters,
                  replace(results, series=MappingProxyType(series)), title="Sent")
    return path


# ---------------------------------------------------------------------------------------------
# export: every format read back and compared with compute


def test_export_json_is_the_compute_document(tmp_path):
    target = tmp_path / "r.json"
    out = ok("export", *LEVERS, "--json", target)
    assert target.read_text(encoding="utf-8") == ok("compute", "--json", *LEVERS).stdout
    assert out.stdout == ""
    assert out.stderr.strip() == (f"evexplorer: exported {target}; its numbers are computed by "
                                  f"EV Explorer {__version__}, model {MODEL_VERSION}.")


def test_export_csv_is_the_compute_csv(tmp_path):
    target = tmp_path / "r.csv"
    ok("export", *LEVERS, "--csv", target)
    assert target.read_text(encoding="utf-8") == ok("compute", *LEVERS, "--csv", "-").stdout


def test_export_xlsx_reads_back_as_compute(tmp_path, computed):
    target = tmp_path / "r.xlsx"
    ok("export", *LEVERS, "--xlsx", target)
    book = load_workbook(target)
    # The EU recycled-content rules are evaluable on any run to 2036: a Targets sheet.
    assert book.sheetnames == ["Results", "Scalars", "Parameters", "Reference", "Targets",
                               "About"]
    rows = list(book["Results"].iter_rows(values_only=True))
    assert rows[0] == ("name", "unit", *computed["years"])
    assert [r[0] for r in rows[1:]] == list(computed["series"])
    for row in rows[1:]:
        entry = computed["series"][row[0]]
        assert row[1] == entry["unit"]
        np.testing.assert_allclose(np.array(row[2:], dtype=float),
                                   np.array(entry["values"], dtype=float), rtol=1e-15, atol=0)
    scalars = {r[0]: r[2] for r in book["Scalars"].iter_rows(min_row=2, values_only=True)}
    want = {n: e["value"] for n, e in computed["scalars"].items()}
    assert scalars.keys() == want.keys()
    for name, value in want.items():  # cells hold 16 significant digits
        assert scalars[name] == (value if value is None else pytest.approx(value, rel=1e-15))
    levers = {r[0]: r[2] for r in book["Parameters"].iter_rows(min_row=2, values_only=True)}
    assert levers["lithium_price"] == 31234.5 and levers["chemistry_mix"] == "LFP 60 %, NMC811 40 %"
    reference = list(book["Reference"].iter_rows(values_only=True))
    baseline = evaluate({"end_year": 2045})
    np.testing.assert_allclose(reference[1][2:], baseline.series["pack_cost"], rtol=1e-15)
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["scenario"] == "Scenario" and about["file"] == "(not saved)"


def test_export_iamc_reads_back_as_compute(tmp_path, computed):
    target = tmp_path / "r.csv"
    ok("export", *LEVERS, "--iamc", target)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0] == ["Model", "Scenario", "Region", "Variable", "Unit",
                       *map(str, computed["years"])]
    table = variables()
    assert [r[3] for r in rows[1:]] == [table[n].variable for n in computed["series"]]
    for row, (name, entry) in zip(rows[1:], computed["series"].items(), strict=True):
        assert row[:3] == [f"EV Explorer {MODEL_VERSION}", "Scenario", "World"]
        assert row[4] == table[name].unit
        values = [float(v) if v else math.nan for v in row[5:]]
        want = [math.nan if v is None else v for v in entry["values"]]
        np.testing.assert_allclose(values, want, rtol=5e-12, atol=0, equal_nan=True)


def test_compute_csv_carries_no_float_noise():
    # 12 significant digits at most, in every cell of compute --csv (and so of export --csv).
    rows = list(csv.reader(io.StringIO(ok("compute", *LEVERS, "--csv", "-").stdout)))
    digits = [len(cell.lstrip("-").split("e")[0].replace(".", "").lstrip("0"))
              for row in rows[1:] for cell in row[1:] if cell]
    assert max(digits) == 12  # most values need all twelve


def test_export_text_formats_to_stdout():
    out = ok("export", "--iamc", "-")
    assert out.stdout.startswith("Model,Scenario,Region,Variable,Unit,2025,")
    first = float(evaluate().series["pack_cost"][0])
    assert (f"EV Explorer {MODEL_VERSION},Baseline,World,Price|Battery Pack,USD/kWh,"
            f"{first:.12g},") in out.stdout
    assert json.loads(ok("export", "--json", "-").stdout)["years"][0] == 2025


# ---------------------------------------------------------------------------------------------
# export FILE: stored numbers when trustworthy, recomputed otherwise


def test_export_of_a_trusted_file_writes_its_stored_numbers(sent, tmp_path):
    target = tmp_path / "s.json"
    out = ok("export", sent, "--json", target)
    doc = json.loads(target.read_text())
    recomputed = evaluate({"lithium_price": 25_000, "end_year": 2040})
    np.testing.assert_array_equal(doc["series"]["pack_cost"]["values"],
                                  recomputed.series["pack_cost"] + 1.0)
    assert "its numbers are stored in the file." in out.stderr
    iamc = list(csv.reader(io.StringIO(ok("export", sent, "--iamc", "-").stdout)))
    assert iamc[1][:5] == [f"EV Explorer {MODEL_VERSION}", "Sent", "World", "Price|Battery Pack",
                           "USD/kWh"]
    np.testing.assert_allclose(np.array(iamc[1][5:], dtype=float),
                               recomputed.series["pack_cost"] + 1.0, rtol=5e-12)


def test_export_of_a_file_with_changes_writes_recomputed_numbers(sent, tmp_path):
    target = tmp_path / "s.json"
    out = ok("export", sent, "--set", "recycling_rate=80", "--json", target)
    doc = json.loads(target.read_text())
    expected = evaluate({"lithium_price": 25_000, "end_year": 2040, "recycling_rate": 80})
    np.testing.assert_array_equal(doc["series"]["pack_cost"]["values"],
                                  expected.series["pack_cost"])
    assert "computed by EV Explorer" in out.stderr


def test_export_of_a_damaged_file_writes_recomputed_numbers(sent, tmp_path):
    damaged = tmp_path / "damaged.evx"
    damaged.write_bytes(sent.read_bytes())
    with h5py.File(damaged, "r+") as f:
        f["results/ev_sales"][0] = 123.0  # after saving: the checksum no longer matches
    out = ok("export", damaged, "--json", "-")
    doc = json.loads(out.stdout)
    recomputed = evaluate({"lithium_price": 25_000, "end_year": 2040})
    np.testing.assert_array_equal(doc["series"]["pack_cost"]["values"],
                                  recomputed.series["pack_cost"])
    assert "checksum does not match" in out.stderr  # the reader's note, passed on


def test_export_xlsx_of_a_file_says_where_its_numbers_come_from(sent, tmp_path):
    target = tmp_path / "s.xlsx"
    ok("export", sent, "--xlsx", target)
    about = dict(load_workbook(target)["About"].iter_rows(min_row=2, values_only=True))
    assert about["numbers"] == "stored in the file"
    assert about["title"] == "Sent" and about["file"] == str(sent)
    assert about["checksum check"] == "matches the file's content"
    assert about["file written by"] == (f"EV Explorer {__version__}, model {MODEL_VERSION}, "
                                        "file format 1")


# ---------------------------------------------------------------------------------------------
# export: bad input (exit 2) and files that cannot be written (exit 1), one line each


@pytest.mark.parametrize("args, expected", [
    ([], "one of the arguments --xlsx --csv --iamc --json --charts is required"),
    (["--csv", "a.csv", "--json", "b.json"], "not allowed with argument"),
    (["--set", "lithium_prise=3e4", "--csv", "a.csv"], "did you mean lithium_price"),
    (["--xlsx", "-"], "--xlsx writes a binary workbook; give a file name"),
    (["--csv", "a.csv", "--charts", "out"], "not allowed with argument"),
    (["--csv", "a.csv", "--format", "png"], "--format and --year go with --charts DIR"),
])
def test_export_bad_input(args, expected, tmp_path):
    line = one_line_error(run("export", *args))
    assert expected in line
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "iamc", "json"])
def test_export_into_a_missing_folder_is_a_file_error(fmt, tmp_path):
    line = one_line_error(run("export", f"--{fmt}", tmp_path / "missing" / "x"), status=1)
    assert "does not exist" in line
    assert list(tmp_path.iterdir()) == []


def test_export_onto_a_folder_is_a_file_error(tmp_path):
    line = one_line_error(run("export", "--xlsx", tmp_path), status=1)
    assert "it is a folder" in line


def test_export_of_an_unreadable_scenario_is_a_file_error(tmp_path):
    bad = tmp_path / "bad.evx"
    bad.write_bytes(b"not a scenario at all")
    one_line_error(run("export", bad, "--csv", tmp_path / "x.csv"), status=1)
    assert not (tmp_path / "x.csv").exists()


# ---------------------------------------------------------------------------------------------
# sweep


SWEEP = ("--set", "demand_growth=30", "--grid", "lithium_price=8000:40000:3",
         "--grid", "chemistry_target_year=2030:2040:3", "--output", "pack_cost@2030",
         "--output", "cost_parity_year", "--output", "breakeven_distance@2040")


def _single(lithium: float, year: int, base: dict | None = None) -> list:
    r = evaluate({**(base or {"demand_growth": 30}), "lithium_price": lithium,
                  "chemistry_target_year": year})
    distance = float(r.series["breakeven_distance"][list(r.years).index(2040)])
    return [float(r.series["pack_cost"][list(r.years).index(2030)]),
            r.scalars["cost_parity_year"], None if math.isnan(distance) else distance]


def test_sweep_json_on_stdout_equals_single_runs():
    out = ok("sweep", *SWEEP, "--json")
    assert out.stderr == ""  # no progress lines for a short sweep, nothing else on stderr
    doc = json.loads(out.stdout)
    assert doc["columns"] == ["lithium_price", "chemistry_target_year", "pack_cost@2030",
                              "cost_parity_year", "breakeven_distance@2040"]
    assert len(doc["rows"]) == 9
    expected = [[p, y, *_single(p, y)] for p in (8000.0, 24000.0, 40000.0)
                for y in (2030, 2035, 2040)]
    for got, want in zip(doc["rows"], expected, strict=True):
        assert got[:2] == want[:2]
        assert got[2:] == pytest.approx(want[2:], rel=1e-12)


def test_sweep_csv_and_xlsx_files(tmp_path):
    table = tmp_path / "s.csv"
    out = ok("sweep", *SWEEP, "--csv", table)
    assert out.stderr.strip() == f"evexplorer: wrote 9 points to {table}"
    rows = list(csv.reader(io.StringIO(table.read_text())))
    assert rows[0] == ["lithium_price", "chemistry_target_year", "pack_cost@2030",
                       "cost_parity_year", "breakeven_distance@2040"]
    assert rows[4][:2] == ["24000", "2030"]
    want = _single(24000.0, 2030)
    assert float(rows[4][2]) == pytest.approx(want[0], rel=5e-12) and int(rows[4][3]) == want[1]
    book = tmp_path / "s.xlsx"
    ok("sweep", *SWEEP, "--xlsx", book)
    sheet = list(load_workbook(book)["Sweep"].iter_rows(values_only=True))
    assert sheet[0] == tuple(rows[0]) and len(sheet) == 10
    assert sheet[4][2] == pytest.approx(want[0], rel=1e-15)


def test_sweep_starts_from_a_file(sent):
    out = ok("sweep", sent, "--grid", "recycling_rate=0:100:2", "--output", "pack_cost@2030",
             "--json")
    rows = json.loads(out.stdout)["rows"]
    for rate, row in zip((0.0, 100.0), rows, strict=True):
        r = evaluate({"lithium_price": 25_000, "end_year": 2040, "recycling_rate": rate})
        assert row == [rate, pytest.approx(float(r.series["pack_cost"][5]), rel=1e-12)]


@pytest.mark.parametrize("args, expected", [
    (["--grid", "lithium_prise=1e4:2e4:2", "--output", "pack_cost@2030", "--json"],
     "Unknown lever 'lithium_prise'; did you mean lithium_price"),
    (["--grid", "lithium_price=1e4:2e4:2", "--output", "pack_cots@2030", "--json"],
     "Unknown output 'pack_cots'; did you mean pack_cost"),
    (["--grid", "manufacturing_region=0:1:2", "--output", "pack_cost@2030", "--json"],
     "manufacturing_region is a choice"),
    (["--grid", "lithium_price=8000:9000:4000", "--grid", "demand_growth=0:50:4000",
      "--output", "pack_cost@2030", "--json"], "16,000,000 points"),
    (["--grid", "lithium_price=8000:9000:2", "--output", "pack_cost@2030"],
     "one of the arguments --csv --xlsx --json is required"),
    (["--grid", "lithium_price=8000:9000:2", "--json"], "the following arguments are required: "
                                                         "--output"),
    (["--set", "lithium_price=9000", "--grid", "lithium_price=8000:9000:2", "--output",
      "pack_cost@2030", "--json"], "both set with --set and swept with --grid"),
    (["--grid", "price_shock_years=1:10:4", "--output", "pack_cost@2030", "--json"], None),
    (["--grid", "price_shock_years=1:10:3", "--output", "pack_cost@2030", "--json"],
     "price_shock_years takes whole numbers"),
    (["--grid", "lithium_price=8000:9000:1100", "--grid", "demand_growth=0:50:1000",
      "--output", "pack_cost@2030", "--xlsx", "x.xlsx"], "more than an Excel sheet holds"),
])
def test_sweep_bad_input(args, expected):
    out = run("sweep", *args)
    if expected is None:  # 1, 4, 7, 10: whole steps are fine
        assert out.returncode == 0, out.stderr
        return
    assert expected in one_line_error(out)


def test_sweep_into_a_missing_folder_is_a_file_error(tmp_path):
    line = one_line_error(run("sweep", *SWEEP, "--csv", tmp_path / "no" / "s.csv"), status=1)
    assert "does not exist" in line
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# progress on stderr


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_progress_bar_on_a_terminal():
    clock, stream = FakeClock(), Stream(tty=True)
    progress = ProgressReport(stream, clock)
    clock.now += 0.5
    progress(250_000, 1_000_000)
    clock.now += 0.01
    progress(255_000, 1_000_000)  # too soon to redraw
    clock.now += 0.5
    progress(1_000_000, 1_000_000)
    progress.finish()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "\rsweep: [########                      ]  25 % (250,000 of 1,000,000 points)" in text
    assert "[##############################] 100 % (1,000,000 of 1,000,000 points)" in text


def test_plain_progress_lines_when_not_a_terminal():
    clock, stream = FakeClock(), Stream(tty=False)
    progress = ProgressReport(stream, clock)
    clock.now += 1.0
    progress(100_000, 1_000_000)  # quick: nothing
    assert stream.getvalue() == ""
    clock.now += 5.0
    progress(600_000, 1_000_000)
    clock.now += 1.0
    progress(1_000_000, 1_000_000)
    progress.finish()
    assert stream.getvalue() == "evexplorer: sweep: 600,000 of 1,000,000 points (60 %)\n"


def test_an_interrupted_sweep_writes_nothing(tmp_path):
    # Ctrl+C half-way: one line, status 130, and no file (nor temporary file) left behind.
    target = tmp_path / "s.csv"
    code = (
        "import evexplorer.export.sweep as s\n"
        "from evexplorer.cli import main\n"
        "real = s.evaluate\n"
        "calls = []\n"
        "def interrupted(params):\n"
        "    calls.append(1)\n"
        "    if len(calls) == 2:\n"
        "        raise KeyboardInterrupt\n"
        "    return real(params)\n"
        "s.evaluate = interrupted\n"
        f"raise SystemExit(main(['sweep', '--grid', 'lithium_price=8000:9000:20000', '--output', "
        f"'pack_cost@2030', '--csv', {str(target)!r}]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 130, out.stderr
    assert out.stderr.strip() == (f"evexplorer: error: The sweep was interrupted; {target} was "
                                  "not written.")
    assert list(tmp_path.iterdir()) == []

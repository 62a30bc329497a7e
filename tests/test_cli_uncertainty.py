"""``evexplorer uncertainty`` and ``evexplorer sensitivity``, run as the user runs them.

Each contract call is ``python -m evexplorer ...`` in a subprocess; the file's stored
uncertainty (which scenario files will carry) is checked in-process with a stand-in document.
"""

from __future__ import annotations

import csv
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest
from cli_helpers import ok, run

from evexplorer._version import MODEL_VERSION
from evexplorer.analysis import uncertainty as U
from evexplorer.analysis.bands import compute_bands
from evexplorer.analysis.uncertainty import LeverUncertainty, UncertaintySpec
from evexplorer.model import PARAMETERS, SERIES, evaluate, registry


def bad(status: int, *args: str) -> str:
    """Run a command that must fail; return its one-line message."""
    out = run(*args)
    assert out.returncode == status, (out.returncode, out.stdout[-500:], out.stderr)
    assert "Traceback" not in out.stderr and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("evexplorer: error: "), out.stderr
    return lines[0]


def headless(capsys, *args: str) -> tuple[int, str, str]:
    """Run a command in this process (the entry point's handler); return status and output."""
    from evexplorer.cli import run_headless

    status = run_headless(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


VARIED = ("uncertainty", "--set", "lithium_price=20000",
          "--vary", "lithium_price=8,000:40,000:loguniform", "--vary", "demand_growth=15:35",
          "--vary", "learning_rate=14:24:triangular",
          "--correlate", "lithium_price,demand_growth=0.4", "--samples", "500", "--seed", "7",
          "--json")


@pytest.fixture(scope="module")
def varied_stdout():
    return ok(*VARIED).stdout


@pytest.fixture(scope="module")
def default_json():
    return json.loads(ok("uncertainty", "--json").stdout)


@pytest.fixture(scope="module")
def varied_json(varied_stdout):
    return json.loads(varied_stdout)


# ---------------------------------------------------------------------------------------------
# uncertainty --json


def test_uncertainty_json_has_exactly_the_documented_structure(default_json):
    doc = default_json
    assert list(doc) == ["model_version", "samples", "seed", "years", "percentiles", "varied",
                         "series"]
    assert doc["model_version"] == MODEL_VERSION
    assert doc["samples"] == 1000 and doc["seed"] == U.default_spec().seed
    assert doc["years"] == list(range(2025, 2051))
    assert doc["percentiles"] == [10, 50, 90]
    assert list(doc["varied"]) == list(U.default_spec().uncertain)
    for name, entry in doc["varied"].items():
        assert list(entry) == ["distribution", "low", "high", "unit"]
        assert entry["unit"] == PARAMETERS[name].unit
        assert entry["distribution"] == U.default_spec().levers[name].distribution
        assert PARAMETERS[name].minimum <= entry["low"] < entry["high"] <= \
            PARAMETERS[name].maximum
    assert list(doc["series"]) == list(SERIES)
    for name, entry in doc["series"].items():
        assert list(entry) == ["unit", "p10", "p50", "p90"]
        assert entry["unit"] == SERIES[name].unit
        for key in ("p10", "p50", "p90"):
            assert len(entry[key]) == len(doc["years"])


def test_uncertainty_json_equals_the_python_api(default_json):
    bands = compute_bands(registry.defaults(), U.default_spec())
    for name, entry in default_json["series"].items():
        for row, key in enumerate(("p10", "p50", "p90")):
            expected = [None if not np.isfinite(v) else float(v)
                        for v in bands.series[name][row]]
            assert entry[key] == expected, name
    assert default_json["varied"]["lithium_price"] == {
        "distribution": "lognormal", "low": 6000.0, "high": 40000.0, "unit": "USD/t LCE"}


def test_vary_makes_exactly_the_given_levers_uncertain(varied_json):
    doc = varied_json
    assert doc["samples"] == 500 and doc["seed"] == 7
    assert doc["varied"] == {
        "lithium_price": {"distribution": "loguniform", "low": 8000.0, "high": 40000.0,
                          "unit": "USD/t LCE"},
        "demand_growth": {"distribution": "uniform", "low": 15.0, "high": 35.0,
                          "unit": "%/yr"},
        "learning_rate": {"distribution": "triangular", "low": 14.0, "high": 24.0,
                          "unit": "% per doubling"},
    }
    # Only these three move: the gasoline car's price (ice_vehicle_price) is certain now.
    ice = doc["series"]["ice_price"]
    assert ice["p10"] == ice["p90"] == [30000.0] * 26
    spec = UncertaintySpec(7, {
        "lithium_price": LeverUncertainty("loguniform", "relative", 0.4, 2.0),
        "demand_growth": LeverUncertainty("uniform", "absolute", -10.0, 10.0),
        "learning_rate": LeverUncertainty("triangular", "absolute", -4.0, 6.0)},
        (U.Correlation("lithium_price", "demand_growth", 0.4),))
    bands = compute_bands({"lithium_price": 20_000}, spec, 500, series=["pack_cost"])
    np.testing.assert_allclose(doc["series"]["pack_cost"]["p90"], bands.series["pack_cost"][2],
                               rtol=1e-12)


def test_same_command_same_numbers_in_another_process(varied_stdout):
    assert ok(*VARIED).stdout == varied_stdout


def test_uncertainty_csv_one_row_per_series_and_percentile(tmp_path):
    path = tmp_path / "bands.csv"
    ok("uncertainty", "--samples", "300", "--csv", str(path))
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["series", "unit", "percentile", *map(str, range(2025, 2051))]
    assert [(r[0], r[2]) for r in rows[1:]] == [(name, p) for name in SERIES
                                                for p in ("10", "50", "90")]
    for row in rows[1:]:
        assert row[1] == SERIES[row[0]].unit
        for cell in row[3:]:
            if cell:
                digits = re.sub(r"e[-+]\d+$", "", cell).replace("-", "").replace(".", "")
                assert len(digits.lstrip("0")) <= 12, cell
                float(cell)


def test_uncertainty_csv_to_stdout(tmp_path, capsys):
    path = tmp_path / "bands.csv"
    assert headless(capsys, "uncertainty", "--samples", "300", "--csv", str(path))[0] == 0
    status, stdout, _ = headless(capsys, "uncertainty", "--samples", "300", "--csv", "-")
    assert status == 0 and stdout == path.read_text(encoding="utf-8")


def test_uncertainty_table_shows_units_percentiles_and_never(capsys):
    status, text, _ = headless(capsys, "uncertainty", "--samples", "400")
    assert status == 0
    assert "pack_cost" in text and "USD/kWh" in text and "P90" in text
    assert re.search(r"cost_parity_year: P10 \d{4}(\.\d)?, P50 .*\[year\]", text)
    assert "lithium_price" in text and "USD/t LCE" in text
    assert "rank correlation nickel_price ~ cobalt_price: 0.5" in text


# ---------------------------------------------------------------------------------------------
# sensitivity


def test_tornado_json_contract_and_sorting():
    doc = json.loads(ok("sensitivity", "--output", "pack_cost", "--year", "2030",
                        "--json").stdout)
    assert list(doc) == ["output", "year", "unit", "value", "method", "levers"]
    assert (doc["output"], doc["year"], doc["unit"], doc["method"]) == (
        "pack_cost", 2030, "USD/kWh", "tornado")
    assert doc["value"] == evaluate().series["pack_cost"][5]
    assert {lever["name"] for lever in doc["levers"]} == set(U.default_spec().uncertain)
    swings = []
    for lever in doc["levers"]:
        assert list(lever) == ["name", "low_value", "high_value", "low", "high"]
        assert lever["low_value"] < lever["high_value"]
        swings.append(abs(lever["high"] - lever["low"]))
    assert swings == sorted(swings, reverse=True) and swings[0] > 0


def test_tornado_of_a_scalar_has_no_year():
    doc = json.loads(ok("sensitivity", "--output", "cost_parity_year", "--vary",
                        "ice_vehicle_price=15000:45000", "--json").stdout)
    assert doc["year"] is None and doc["unit"] == "year"
    bar = doc["levers"][0]
    assert bar["name"] == "ice_vehicle_price" and bar["low"] is None and bar["high"] == 2025


def test_sobol_json_contract_sorting_and_the_note_on_correlations():
    out = ok("sensitivity", "--output", "pack_cost", "--year", "2030", "--method", "sobol",
             "--samples", "256", "--json")
    doc = json.loads(out.stdout)
    assert list(doc) == ["output", "year", "unit", "method", "samples", "levers"]
    assert (doc["output"], doc["year"], doc["unit"], doc["method"], doc["samples"]) == (
        "pack_cost", 2030, "USD/kWh", "sobol", 256)
    totals = [lever["total"] for lever in doc["levers"]]
    assert totals == sorted(totals, reverse=True)
    assert doc["levers"][0]["name"] == "lithium_price"
    for lever in doc["levers"]:
        assert list(lever) == ["name", "first", "total", "first_conf", "total_conf"]
        for key in ("first_conf", "total_conf"):
            low, high = lever[key]
            assert low <= lever[key.split("_")[0]] <= high
    assert "Sobol indices assume independent levers" in out.stderr
    assert "nickel_price ~ cobalt_price (0.5) were ignored" in out.stderr


def test_sobol_table_is_readable(capsys):
    status, text, _ = headless(capsys, "sensitivity", "--output", "ev_price_premium", "--year",
                               "2030", "--method", "sobol", "--samples", "128", "--vary",
                               "ice_vehicle_price=27000:33000", "--vary",
                               "ev_nonbattery_price=22050:26950")
    assert status == 0
    assert "Sobol indices of ev_price_premium in 2030 [USD]" in text
    assert re.search(r"ice_vehicle_price\s+0\.\d{3} \(", text)


# ---------------------------------------------------------------------------------------------
# Bad input: exit 2 (1 for files), one line naming it


@pytest.mark.parametrize("args, message", [
    (("uncertainty", "--vary", "lithium_prise=8000:40000"),
     "Unknown lever 'lithium_prise'; did you mean lithium_price"),
    (("uncertainty", "--vary", "lithium_price=40000:8000"),
     "low value of lithium_price (40,000 USD/t LCE) must be below its high value"),
    (("uncertainty", "--vary", "lithium_price=1000:8000"),
     "lithium_price must be within 3,000 to 150,000 USD/t LCE; got 1000"),
    (("uncertainty", "--vary", "nickel_price=9000:20000", "--vary", "cobalt_price=20000:80000",
      "--correlate", "nickel_price,cobalt_price=1.5"), "must be from -1 to 1, not 1.5"),
    (("uncertainty", "--vary", "nickel_price=9000:20000", "--vary", "cobalt_price=20000:80000",
      "--vary", "lithium_price=8000:40000", "--correlate", "nickel_price,cobalt_price=0.9",
      "--correlate", "cobalt_price,lithium_price=0.9", "--correlate",
      "nickel_price,lithium_price=-0.9"),
     "correlations between lithium_price, nickel_price, cobalt_price do not form a valid "
     "correlation matrix"),
    (("sensitivity", "--output", "pack_cost", "--year", "2070"),
     "The year 2070 is outside the run (2025-2050)"),
])
def test_bad_input_exits_2_with_one_line(args, message):
    assert message in bad(2, *args)


@pytest.mark.parametrize("args, message", [
    (("uncertainty", "--vary", "lithium_price=8000:8000"), "must be below its high value"),
    (("uncertainty", "--vary", "lithium_price=8000:40000:gaussian"),
     "the distribution must be one of uniform, triangular, loguniform, lognormal"),
    (("uncertainty", "--vary", "lithium_price=8000"), "--vary needs NAME=LOW:HIGH[:DIST]"),
    (("uncertainty", "--vary", "lithium_price=8000:x"), "lithium_price must be a number"),
    (("uncertainty", "--vary", "lithium_price=8000:9000", "--vary", "lithium_price=1:2"),
     "--vary lithium_price is given twice"),
    (("uncertainty", "--vary", "start_year=2025:2030"), "start_year sets the time axis"),
    (("uncertainty", "--vary", "use_region=1:2"), "use_region is not a number"),
    (("uncertainty", "--vary", "nickel_price=9000:20000", "--correlate",
      "nickel_price,cobalt_price=0.5"), "cobalt_price is not uncertain; add --vary"),
    (("uncertainty", "--correlate", "nickel_price=0.5"), "--correlate needs A,B=RHO"),
    (("uncertainty", "--correlate", "nickel_price,cobalt_price=high"),
     "the correlation must be a number from -1 to 1, not 'high'"),
    (("uncertainty", "--samples", "1"), "--samples: must be 2 to 100,000"),
    (("uncertainty", "--seed", "-4"), "--seed: must be 0 to"),
    (("uncertainty", "--json", "--csv", "-"), "not allowed with argument"),
    (("sensitivity", "--output", "pack_cots", "--year", "2030"),
     "Unknown output 'pack_cots'; did you mean pack_cost"),
    (("sensitivity", "--output", "pack_cost"), "pack_cost is a series: give the year"),
    (("sensitivity", "--output", "pack_cost", "--year", "2030", "--method", "sobol",
      "--samples", "1000"), "must be a power of 2"),
    (("sensitivity", "--year", "2030"), "the following arguments are required: --output"),
])
def test_more_bad_input_exits_2_with_one_line(args, message, capsys):
    # The same handler as the entry point, in this process (each case ~0.4 s less).
    status, out, err = headless(capsys, *args)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("evexplorer: error: ")
    assert message in lines[0]


def test_unreadable_file_exits_1(tmp_path):
    junk = tmp_path / "junk.evx"
    junk.write_bytes(b"not an HDF5 file")
    assert "not an HDF5 file" in bad(1, "uncertainty", str(junk))


def test_unwritable_csv_exits_1(tmp_path, capsys):
    target = tmp_path / "missing-folder" / "bands.csv"
    status, out, err = headless(capsys, "uncertainty", "--samples", "10", "--csv", str(target))
    assert status == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("evexplorer: error: ") and "bands.csv" in err


# ---------------------------------------------------------------------------------------------
# A scenario file: its levers, and its stored uncertainty when it has one


def test_a_file_gives_its_levers(tmp_path):
    from evexplorer import scenario

    path = tmp_path / "dear-lithium.evx"
    params = {"lithium_price": 40_000}
    scenario.save_scenario(path, params, evaluate(params))
    doc = json.loads(ok("uncertainty", str(path), "--samples", "100", "--json").stdout)
    assert doc["varied"]["lithium_price"]["low"] == pytest.approx(24_000)


def _headless(monkeypatch, capsys, record, *args):
    from evexplorer import scenario

    document = SimpleNamespace(parameters={"lithium_price": 20_000}, warnings=(),
                               uncertainty=record)
    monkeypatch.setattr(scenario, "open_scenario", lambda path: document)
    return headless(capsys, "uncertainty", "stored.evx", *args)


def test_the_files_stored_uncertainty_is_used_unless_vary_replaces_it(monkeypatch, capsys):
    record = {"seed": 11, "levers": {"lithium_price": {
        "distribution": "uniform", "spread": "relative", "low": 0.5, "high": 2.0}},
        "correlations": []}
    status, out, _ = _headless(monkeypatch, capsys, record, "--samples", "50", "--json")
    doc = json.loads(out)
    assert status == 0 and doc["seed"] == 11
    assert doc["varied"] == {"lithium_price": {"distribution": "uniform", "low": 10_000.0,
                                               "high": 40_000.0, "unit": "USD/t LCE"}}
    status, out, _ = _headless(monkeypatch, capsys, record, "--samples", "50", "--json",
                               "--vary", "demand_growth=20:30", "--seed", "3")
    doc = json.loads(out)
    assert list(doc["varied"]) == ["demand_growth"] and doc["seed"] == 3


def test_a_file_with_unusable_stored_uncertainty_exits_1(monkeypatch, capsys):
    record = {"seed": 1, "levers": {"lithium_prise": {}}, "correlations": []}
    status, out, err = _headless(monkeypatch, capsys, record, "--json")
    assert status == 1 and out == ""
    assert err.strip().startswith(
        "evexplorer: error: stored.evx: its stored uncertainty cannot be used: Unknown lever "
        "'lithium_prise'; did you mean lithium_price")
    assert len(err.strip().splitlines()) == 1


def test_the_spec_function_other_commands_use():
    from evexplorer.cli.uncertainty import uncertainty_spec

    assert uncertainty_spec({}) == U.default_spec()
    spec = uncertainty_spec({}, correlate=["nickel_price,cobalt_price=0"], seed=5)
    assert spec.correlations == () and spec.seed == 5
    spec = uncertainty_spec({"lithium_price": 20_000}, ["lithium_price=10000:40000"])
    assert spec.to_record()["levers"] == {"lithium_price": {
        "distribution": "uniform", "spread": "relative", "low": 0.5, "high": 2.0}}


def test_a_real_files_stored_uncertainty_is_used(tmp_path):
    from evexplorer import scenario

    record = {"seed": 11, "levers": {"lithium_price": {
        "distribution": "uniform", "spread": "relative", "low": 0.5, "high": 2.0}},
        "correlations": []}
    path = tmp_path / "stored.evx"
    params = {"lithium_price": 20_000}
    scenario.save_scenario(path, params, evaluate(params), uncertainty=record)
    doc = json.loads(ok("uncertainty", str(path), "--samples", "50", "--json").stdout)
    assert doc["seed"] == 11
    assert doc["varied"] == {"lithium_price": {"distribution": "uniform", "low": 10_000.0,
                                               "high": 40_000.0, "unit": "USD/t LCE"}}

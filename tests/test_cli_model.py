"""``evexplorer params`` and ``evexplorer compute``, run as the user runs them.

Each call is ``python -m evexplorer ...`` in a subprocess (works in any virtual environment).
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from cli_helpers import ok, one_line_error, run

from evexplorer._version import MODEL_VERSION
from evexplorer.model import GROUPS, PARAMETERS, SCALARS, SERIES, evaluate


@pytest.fixture(scope="module")
def params_json():
    return json.loads(ok("params", "--json").stdout)


@pytest.fixture(scope="module")
def compute_json():
    return json.loads(ok("compute", "--json").stdout)


# ---------------------------------------------------------------------------------------------
# params


def test_params_lists_every_lever_in_registry_order(params_json):
    assert [rec["name"] for rec in params_json] == list(PARAMETERS)


def test_params_records_are_complete(params_json):
    for rec in params_json:
        p = PARAMETERS[rec["name"]]
        assert rec["unit"] == p.unit
        assert rec["kind"] == p.kind
        assert rec["group"] in GROUPS.values() and rec["group"] == GROUPS[p.group]
        assert rec["description"] == p.description
        assert rec["source"].strip() and isinstance(rec["source_vintage"], int)
        assert rec["label"] == p.label
        if p.numeric:
            assert p.unit
            assert rec["minimum"] == p.minimum and rec["maximum"] == p.maximum
            assert rec["minimum"] <= rec["default"] <= rec["maximum"]
            assert rec["default"] == p.default
        elif p.kind == "choice":
            assert rec["choices"] == list(p.choices) and rec["default"] in rec["choices"]
        else:
            assert math.fsum(rec["default"].values()) == pytest.approx(1.0)


def test_params_table_names_every_lever_with_its_range():
    text = ok("params").stdout
    for name, p in PARAMETERS.items():
        assert name in text
        assert p.range_text() in text
    for label in GROUPS.values():
        assert label in text


# ---------------------------------------------------------------------------------------------
# compute --json


def test_compute_json_has_exactly_the_documented_structure(compute_json):
    assert set(compute_json) == {"model_version", "parameters", "years", "series", "scalars"}
    assert compute_json["model_version"] == MODEL_VERSION
    assert set(compute_json["parameters"]) == set(PARAMETERS)
    for name, entry in compute_json["parameters"].items():
        assert set(entry) == {"value", "unit"}
        assert entry["unit"] == PARAMETERS[name].unit
    years = compute_json["years"]
    assert years == list(range(2025, 2051))
    assert list(compute_json["series"]) == list(SERIES)
    for name, entry in compute_json["series"].items():
        assert set(entry) == {"unit", "values"}
        assert entry["unit"] == SERIES[name].unit
        assert len(entry["values"]) == len(years)
    assert set(compute_json["scalars"]) == set(SCALARS)
    for name, entry in compute_json["scalars"].items():
        assert set(entry) == {"unit", "value"}
        assert entry["unit"] == SCALARS[name].unit


def test_compute_json_values_equal_the_python_api(compute_json):
    result = evaluate()
    for name, entry in compute_json["series"].items():
        np.testing.assert_array_equal(np.array(entry["values"], dtype=float),
                                      result.series[name], err_msg=name)
    for name, entry in compute_json["scalars"].items():
        assert entry["value"] == result.scalars[name]
    assert compute_json["parameters"]["lithium_price"]["value"] == 10_000
    mix = compute_json["parameters"]["chemistry_mix"]["value"]
    assert mix == pytest.approx({c: s for c, s in result.parameters["chemistry_mix"].items()
                                 if s > 0})


def test_compute_set_overrides_levers():
    doc = json.loads(ok("compute", "--json", "--set", "lithium_price=30,000",
                        "--set", "chemistry_mix=LFP:60,NMC811:40",
                        "--set", "end_year=2035").stdout)
    assert doc["parameters"]["lithium_price"]["value"] == 30_000
    assert doc["parameters"]["chemistry_mix"]["value"] == pytest.approx({"LFP": 0.6,
                                                                         "NMC811": 0.4})
    assert doc["years"][-1] == 2035
    expected = evaluate({"lithium_price": 30_000, "chemistry_mix": "LFP:0.6,NMC811:0.4",
                         "end_year": 2035})
    np.testing.assert_array_equal(doc["series"]["pack_cost"]["values"],
                                  expected.series["pack_cost"])


def test_compute_json_writes_never_as_null():
    # A coal-heavy grid that never decarbonises, a very frugal gasoline car and a dear EV:
    # the EV never breaks even (0.40 kWh/km x 713 g/kWh = 285 g/km > 83 g/km) and never
    # reaches price parity.
    doc = json.loads(ok("compute", "--json", "--set", "use_region=india",
                        "--set", "grid_decarbonization=0", "--set", "ice_fuel_use=3",
                        "--set", "ev_efficiency=40", "--set", "ev_nonbattery_price=80000").stdout)
    assert all(v is None for v in doc["series"]["breakeven_distance"]["values"])
    assert doc["scalars"]["cost_parity_year"]["value"] is None


# ---------------------------------------------------------------------------------------------
# compute --csv


def _check_csv(text: str) -> None:
    result = evaluate()
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header == ["year", *(f"{n} [{o.unit}]" for n, o in SERIES.items())]
    assert [int(r[0]) for r in rows[1:]] == list(result.years)
    for j, name in enumerate(SERIES, start=1):
        column = [float(r[j]) if r[j] else math.nan for r in rows[1:]]
        # CSV numbers carry 12 significant digits: equal to 5e-12 relative.
        np.testing.assert_allclose(column, result.series[name], rtol=5e-12, atol=0,
                                   err_msg=name)


def test_compute_csv_file(tmp_path):
    target = tmp_path / "results.csv"
    out = ok("compute", "--csv", str(target))
    assert out.stdout == ""
    _check_csv(target.read_text(encoding="utf-8"))


def test_compute_csv_stdout():
    _check_csv(ok("compute", "--csv", "-").stdout)


def test_compute_summary_without_format():
    text = ok("compute").stdout
    assert "pack_cost" in text and "USD/kWh" in text and "cost_parity_year" in text


# ---------------------------------------------------------------------------------------------
# bad input: exit 2 (1 for files), one line on stderr, no traceback


@pytest.mark.parametrize("args, expected", [
    (["--set", "lithium_prise=30000"], ["Unknown lever 'lithium_prise'", "lithium_price"]),
    (["--set", "recyclingrate=50"], ["Unknown lever", "recycling_rate"]),
    (["--set", "lithium_price=1"], ["lithium_price", "3,000 to 150,000 USD/t LCE", "got 1"]),
    (["--set", "lithium_price=abc"], ["lithium_price must be a number",
                                       "3,000 to 150,000 USD/t LCE", "'abc'"]),
    (["--set", "lithium_price=nan"], ["lithium_price", "3,000 to 150,000 USD/t LCE"]),
    (["--set", "start_year=2030.5"], ["start_year must be a whole number", "2025 to 2045"]),
    (["--set", "recycling_rate=120"], ["recycling_rate", "0 to 100 %"]),
    (["--set", "manufacturing_region=chnia"], ["manufacturing_region", "one of china",
                                                "did you mean china"]),
    (["--set", "chemistry_mix=LFP:0.5"], ["chemistry_mix", "sum to 0.5"]),
    (["--set", "chemistry_mix=LFX"], ["chemistry_mix", "unknown chemistry 'LFX'", "LFP"]),
    (["--set", "lithium_price"], ["--set needs NAME=VALUE"]),
    (["--set", "=5"], ["--set needs NAME=VALUE"]),
    (["--set", "start_year=2035", "--set", "end_year=2030"], ["end_year (2030) must come after"]),
    (["--bogus"], ["unrecognized arguments: --bogus"]),
    (["--json", "--csv", "x.csv"], ["not allowed with argument"]),
])
def test_compute_bad_input(args, expected):
    line = one_line_error(run("compute", *args))
    for part in expected:
        assert part in line, (part, line)


def test_params_bad_option():
    one_line_error(run("params", "--yaml"))


def test_compute_csv_unwritable_is_a_file_error(tmp_path):
    line = one_line_error(run("compute", "--csv", str(tmp_path / "missing" / "x.csv")),
                           status=1)
    assert "Cannot write 'x.csv': the folder" in line and line.endswith("does not exist.")

"""CSV and JSON of one scenario: 12 significant digits in CSV, full precision in JSON."""

from __future__ import annotations

import csv
import doctest
import importlib
import io
import json
import math
import pkgutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evexplorer.export
from evexplorer.export import Snapshot, results_to_json, write_csv
from evexplorer.export.tabular import CSV_DIGITS, csv_number
from evexplorer.model import SERIES, evaluate

EXPORT_MODULES = ["evexplorer.export", *(f"evexplorer.export.{m.name}" for m in
                                         pkgutil.iter_modules(evexplorer.export.__path__))]


@pytest.mark.parametrize("name", EXPORT_MODULES)
def test_doctests_of_the_export_package_pass(name):
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_doctests_exist_in_the_export_package():
    attempted = sum(doctest.testmod(importlib.import_module(n), verbose=False).attempted
                    for n in EXPORT_MODULES)
    assert attempted >= 5


# ---------------------------------------------------------------------------------------------
# numbers


@pytest.mark.parametrize("value, text", [
    (38.33193112000001, "38.33193112"),      # the float noise the CSV used to carry
    (0.1 + 0.2, "0.3"),
    (2030.0, "2030"),
    (108, "108"),
    (-1.5, "-1.5"),
    (123456789012345.0, "1.23456789012e+14"),
    (1 / 3, "0.333333333333"),
    (float("nan"), ""),
    (float("inf"), ""),
    (None, ""),
    (np.float64(82.16086026308413), "82.1608602631"),
])
def test_csv_number_known_values(value, text):
    assert csv_number(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_csv_number_is_within_half_an_ulp_of_12_digits(value):
    text = csv_number(value)
    back = float(text)
    assert math.isclose(back, value, rel_tol=0.5 * 10.0 ** (1 - CSV_DIGITS), abs_tol=0.0) \
        or value == back
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    assert len(mantissa) <= CSV_DIGITS


# ---------------------------------------------------------------------------------------------
# CSV


def _rows(source) -> list[list[str]]:
    buffer = io.StringIO(newline="")
    write_csv(source, buffer)
    return list(csv.reader(io.StringIO(buffer.getvalue())))


def test_csv_reads_back_as_the_computed_series():
    results = evaluate({"lithium_price": 31_234.567, "end_year": 2040})
    rows = _rows(results)
    assert rows[0] == ["year", *(f"{n} [{o.unit}]" for n, o in SERIES.items())]
    assert [int(r[0]) for r in rows[1:]] == list(range(2025, 2041))
    for j, name in enumerate(SERIES, start=1):
        column = np.array([float(r[j]) if r[j] else np.nan for r in rows[1:]])
        np.testing.assert_allclose(column, results.series[name], rtol=5e-12, atol=0,
                                   err_msg=name)
    assert all(len(cell.replace("-", "").replace(".", "").split("e")[0].lstrip("0")) <= 12
               for row in rows[1:] for cell in row if cell)


def test_csv_of_a_snapshot_equals_the_csv_of_its_results():
    results = evaluate({"recycling_rate": 70})
    assert _rows(Snapshot(results=results)) == _rows(results)


def test_csv_writes_undefined_values_as_empty_cells():
    # A coal grid that never decarbonises and a frugal gasoline car: no break-even at all.
    results = evaluate({"use_region": "india", "grid_decarbonization": 0, "ice_fuel_use": 3,
                        "ev_efficiency": 40})
    assert np.all(np.isnan(results.series["breakeven_distance"]))
    rows = _rows(results)
    j = rows[0].index("breakeven_distance [km]")
    assert {r[j] for r in rows[1:]} == {""}


# ---------------------------------------------------------------------------------------------
# JSON


def test_json_keeps_full_precision_and_equals_for_a_snapshot():
    results = evaluate({"lithium_price": 31_234.567})
    doc = results_to_json(Snapshot(results=results))
    assert doc == results_to_json(results)
    text = json.dumps(doc, allow_nan=False)
    back = json.loads(text)
    np.testing.assert_array_equal(back["series"]["pack_cost"]["values"],
                                  results.series["pack_cost"])

"""Sweeps: grid parsing, row order, rows equal to single runs, streamed writers read back."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from evexplorer import _atomic
from evexplorer.export import sweep as sweeps
from evexplorer.export.sweep import (
    MAX_POINTS,
    Axis,
    Output,
    Sweep,
    SweepError,
    make_sweep,
    parse_axis,
    parse_output,
    write_sweep_csv,
    write_sweep_json,
    write_sweep_xlsx,
)
from evexplorer.model import ParameterError, evaluate

YEARS = list(range(2025, 2051))
#: A scenario in which every swept lever moves some output: a new mix, fast growth.
BASE = {"demand_growth": 30, "chemistry_mix": "LFP:0.8,NMC811:0.2", "supply_growth": 2}
GRID = ["lithium_price=8000:40000:4", "chemistry_target_year=2030:2036:3",
        "recycling_rate=0:90:5"]
OUTPUTS = ["pack_cost@2030", "lithium_shortfall@2040", "cost_parity_year",
           "breakeven_distance@2035"]


@pytest.fixture(scope="module")
def sweep() -> Sweep:
    return make_sweep(BASE, GRID, OUTPUTS)


def single(sweep: Sweep, row: int):
    """The single run of one grid point, computed on its own."""
    index = np.unravel_index(row, sweep.shape)
    levers = {a.name: a.values[i].item() for a, i in zip(sweep.axes, index, strict=True)}
    return levers, evaluate({**sweep.base, **levers})


def expected_row(sweep: Sweep, row: int) -> list[float]:
    levers, r = single(sweep, row)
    out = [float(levers[a.name]) for a in sweep.axes]
    for o in sweep.outputs:
        value = (r.scalars[o.name] if o.year is None
                 else r.series[o.name][list(r.years).index(o.year)])
        out.append(math.nan if value is None else float(value))
    return out


# ---------------------------------------------------------------------------------------------
# the grid


def test_axis_values_are_linspace():
    axis = parse_axis("lithium_price=8,000:40000:5")
    assert axis == Axis("lithium_price", 8000.0, 40000.0, 5)
    np.testing.assert_array_equal(axis.values, np.linspace(8000, 40000, 5))
    years = parse_axis("chemistry_target_year=2030:2040:6").values
    assert years.dtype.kind == "i" and list(years) == [2030, 2032, 2034, 2036, 2038, 2040]
    assert list(parse_axis("recycling_rate=50:50:1").values) == [50.0]


def test_columns_units_and_order(sweep):
    assert sweep.columns == ("lithium_price", "chemistry_target_year", "recycling_rate",
                             "pack_cost@2030", "lithium_shortfall@2040", "cost_parity_year",
                             "breakeven_distance@2035")
    assert sweep.units == ("USD/t LCE", "year", "%", "USD/kWh", "kt LCE", "year", "km")
    assert sweep.shape == (4, 3, 5) and sweep.size == 60
    points = sweep.points(0, 7)
    # Nested loops: the first axis varies slowest, the last fastest.
    assert list(points["recycling_rate"]) == [0, 22.5, 45, 67.5, 90, 0, 22.5]
    assert list(points["chemistry_target_year"]) == [2030] * 5 + [2033] * 2
    assert set(points["lithium_price"]) == {8000.0}


@settings(max_examples=12)
@given(st.integers(0, 59))
def test_a_row_equals_the_single_run_of_its_grid_point(row):
    sweep = make_sweep(BASE, GRID, OUTPUTS)
    block = np.concatenate(list(sweep.chunks(rows=16)))
    np.testing.assert_allclose(block[row], expected_row(sweep, row), rtol=1e-9, atol=1e-9,
                               equal_nan=True)


def test_every_row_equals_its_single_run(sweep):
    block = np.concatenate(list(sweep.chunks()))
    assert block.shape == (60, 7)
    for row in range(sweep.size):
        np.testing.assert_allclose(block[row], expected_row(sweep, row), rtol=1e-9, atol=1e-9,
                                   equal_nan=True)
    # Every lever moves some output: the rows are not all the same.
    assert np.unique(block[:, 3]).size == sweep.size   # pack cost: scarcity makes all differ
    assert np.unique(block[:, 4]).size > 12


def test_a_scenario_with_a_shock_and_a_mix_is_the_base_of_every_row():
    base = {"price_shock_mineral": "lithium", "chemistry_mix": "LFP:0.7,NA_ION:0.3",
            "end_year": 2040}
    sweep = make_sweep(base, ["price_shock_factor=1:2:3"], ["pack_cost@2029"])
    rows = np.concatenate(list(sweep.chunks()))
    for row in range(3):
        np.testing.assert_allclose(rows[row], expected_row(sweep, row), rtol=1e-12)
    assert rows[0, 1] < rows[1, 1] < rows[2, 1]


def test_chunks_report_progress_and_do_not_change_the_numbers(sweep):
    seen = []
    small = np.concatenate(list(sweep.chunks(rows=7, progress=lambda d, t: seen.append((d, t)))))
    assert seen == [(d, 60) for d in (7, 14, 21, 28, 35, 42, 49, 56, 60)]
    np.testing.assert_array_equal(small, np.concatenate(list(sweep.chunks(rows=1000))))


# ---------------------------------------------------------------------------------------------
# refusals, each one sentence


@pytest.mark.parametrize("text, message", [
    ("lithium_price", "--grid needs NAME=START:STOP:N"),
    ("lithium_price=1:2", "--grid needs NAME=START:STOP:N"),
    ("lithium_price=8000:9000:0", "N must be a whole number of at least 1"),
    ("lithium_price=8000:9000:2.5", "N must be a whole number of at least 1"),
    ("lithium_price=a:9000:2", "START must be a number"),
    ("lithium_price=8000:nan:2", "STOP must be a finite number"),
    ("chemistry_mix=0:1:2", "chemistry_mix is a chemistry mix"),
    ("manufacturing_region=0:1:2", "manufacturing_region is a choice (one of china"),
    ("end_year=2040:2050:3", "end_year sets the years of the results and cannot be swept"),
    ("chemistry_target_year=2026:2040:4",
     "chemistry_target_year takes whole numbers, but 2026:2040:4 has the point 2031; choose N "
     "so that the step is whole (N = 3 or 8 gives whole steps)"),
])
def test_bad_axes_are_refused(text, message):
    with pytest.raises(SweepError) as info:
        parse_axis(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_lever_errors_name_the_closest_lever_and_the_range():
    with pytest.raises(ParameterError, match="did you mean lithium_price"):
        parse_axis("lithium_prise=8000:9000:2")
    with pytest.raises(ParameterError, match="3,000 to 150,000 USD/t LCE; got 200000"):
        parse_axis("lithium_price=8000:200000:2")


@pytest.mark.parametrize("text, message", [
    ("pack_cots@2030", "Unknown output 'pack_cots'; did you mean pack_cost"),
    ("zzzz", "outputs are the series and scalars of 'evexplorer compute --json'"),
    ("pack_cost", "pack_cost is a series: give a year, e.g. --output pack_cost@2030"),
    ("cost_parity_year@2030", "cost_parity_year is one number for the whole run"),
    ("pack_cost@20x0", "the year must be a whole number"),
    ("pack_cost@2070", "the results cover 2025-2050"),
])
def test_bad_outputs_are_refused(text, message):
    with pytest.raises(SweepError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_output(text, YEARS)


def test_outputs_parse():
    assert parse_output(" pack_cost@2030 ", YEARS) == Output("pack_cost", 2030)
    assert parse_output("cost_parity_year", YEARS).column == "cost_parity_year"


def test_sweep_level_refusals():
    with pytest.raises(SweepError, match="The lever lithium_price is given twice"):
        make_sweep({}, ["lithium_price=8000:9000:2", "lithium_price=1e4:2e4:2"],
                   ["pack_cost@2030"])
    with pytest.raises(SweepError, match="The output pack_cost@2030 is given twice"):
        make_sweep({}, ["lithium_price=8000:9000:2"], ["pack_cost@2030", "pack_cost@2030"])
    with pytest.raises(SweepError, match="both set with --set and swept with --grid"):
        make_sweep({"lithium_price": 9000}, ["lithium_price=8000:9000:2"], ["pack_cost@2030"],
                   fixed={"lithium_price": 9000})
    with pytest.raises(SweepError, match=r"11,000,000 points \(1,000 × 11,000\); at most "
                                         r"10,000,000"):
        make_sweep({}, ["lithium_price=8000:9000:1000", "demand_growth=10:20:11000"],
                   ["pack_cost@2030"])
    with pytest.raises(SweepError, match="the results cover 2025-2040"):
        make_sweep({"end_year": 2040}, ["lithium_price=8000:9000:2"], ["pack_cost@2045"])
    assert MAX_POINTS == 10_000_000


# ---------------------------------------------------------------------------------------------
# writers, read back


def test_csv_reads_back_as_the_rows(sweep):
    buffer = io.StringIO(newline="")
    write_sweep_csv(sweep, buffer, rows=13)
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert tuple(rows[0]) == sweep.columns
    assert len(rows) == 1 + sweep.size
    for i, row in enumerate(rows[1:]):
        values = [float(v) if v else math.nan for v in row]
        np.testing.assert_allclose(values, expected_row(sweep, i), rtol=5e-12, atol=0,
                                   equal_nan=True)
        assert row[1] in ("2030", "2033", "2036") and "." not in row[5]  # whole numbers


def test_json_is_one_valid_document_with_full_precision(sweep):
    buffer = io.StringIO()
    write_sweep_json(sweep, buffer, rows=13)
    doc = json.loads(buffer.getvalue())
    assert doc["model_version"] and doc["columns"] == list(sweep.columns)
    assert doc["grid"][0] == {"name": "lithium_price", "unit": "USD/t LCE", "start": 8000.0,
                              "stop": 40000.0, "n": 4}
    assert doc["outputs"][0] == {"column": "pack_cost@2030", "name": "pack_cost",
                                 "year": 2030, "unit": "USD/kWh"}
    assert doc["outputs"][2]["year"] is None
    assert "lithium_price" not in doc["parameters"]
    assert doc["parameters"]["demand_growth"] == {"value": 30.0, "unit": "%/yr"}
    assert len(doc["rows"]) == sweep.size
    block = np.concatenate(list(sweep.chunks()))
    for got, want in zip(doc["rows"], block.tolist(), strict=True):
        assert [None if isinstance(w, float) and math.isnan(w) else w for w in want] == got


def test_json_of_a_never_reached_output_is_null():
    never = {"use_region": "india", "grid_decarbonization": 0, "ice_fuel_use": 3,
             "ev_efficiency": 40, "ev_nonbattery_price": 80_000}
    sweep = make_sweep(never, ["battery_size=40:60:2"], ["cost_parity_year",
                                                        "breakeven_distance@2030"])
    buffer = io.StringIO()
    write_sweep_json(sweep, buffer)
    assert json.loads(buffer.getvalue())["rows"] == [[40.0, None, None], [60.0, None, None]]
    buffer = io.StringIO(newline="")
    write_sweep_csv(sweep, buffer)
    assert buffer.getvalue().splitlines()[1:] == ["40,,", "60,,"]


def test_xlsx_reads_back_as_the_rows(sweep):
    buffer = io.BytesIO()
    write_sweep_xlsx(sweep, buffer, rows=13)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["Sweep", "Columns"]
    rows = list(book["Sweep"].iter_rows(values_only=True))
    assert rows[0] == sweep.columns and book["Sweep"].freeze_panes == "A2"
    for i, row in enumerate(rows[1:]):
        values = [math.nan if v is None else v for v in row]
        np.testing.assert_allclose(values, expected_row(sweep, i), rtol=1e-15, atol=0,
                                   equal_nan=True)
    columns = list(book["Columns"].iter_rows(values_only=True))
    assert columns[1] == ("lithium_price", "lever", "USD/t LCE", "Lithium carbonate price",
                          "4 values from 8000 to 40000")
    assert columns[4] == ("pack_cost@2030", "output", "USD/kWh", "Pack cost", "in 2030")


def test_xlsx_refuses_more_rows_than_a_sheet_holds():
    big = make_sweep({}, ["lithium_price=8000:9000:1100", "demand_growth=10:20:1000"],
                     ["pack_cost@2030"])
    with pytest.raises(SweepError, match="more than an Excel sheet holds"):
        sweeps.check_points(big, "xlsx")
    sweeps.check_points(big, "csv")


def test_a_failure_half_way_leaves_the_previous_file(sweep, tmp_path, monkeypatch):
    target = tmp_path / "sweep.csv"
    target.write_text("previous\n")
    calls = []

    def failing(params):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("injected")
        return evaluate(params)

    monkeypatch.setattr(sweeps, "evaluate", failing)
    with pytest.raises(MemoryError), _atomic.atomic_stream(target, verb="export", text=True,
                                                           newline="") as stream:
        write_sweep_csv(sweep, stream, rows=10)
    assert len(calls) == 3
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.csv"]


def test_a_sweep_built_directly_is_checked_too():
    with pytest.raises(SweepError, match="the results cover 2025-2040"):
        Sweep({"end_year": 2040}, (Axis("lithium_price", 8000, 9000, 2),),
              (Output("pack_cost", 2045),))
    with pytest.raises(SweepError, match="at least one --output"):
        Sweep({}, (Axis("lithium_price", 8000, 9000, 2),), ())
    sweep = Sweep({"recycling_rate": 50}, (Axis("lithium_price", 8000, 9000, 2),),
                  (Output("pack_cost", 2030),))
    assert sweep.base["recycling_rate"] == 50 and sweep.base["lithium_recovery"] is not None

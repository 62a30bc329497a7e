"""The Excel workbook, read back with openpyxl and compared with the computed numbers."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
import pytest
from openpyxl import load_workbook

from evexplorer._version import __version__
from evexplorer.export import Bands, Reference, ScenarioInfo, Snapshot
from evexplorer.export.xlsx import MAX_WIDTH, xlsx_bytes
from evexplorer.model import PARAMETERS, SCALARS, SERIES, evaluate
from evexplorer.model.data import load

#: Relative precision of a number cell: 16 significant digits.
XLSX_RTOL = 1e-15
LEVERS = {"lithium_price": 31_234.567, "chemistry_mix": "LFP:0.6,NMC811:0.4",
          "recycling_rate": 65, "manufacturing_region": "eu", "end_year": 2045}


@pytest.fixture(scope="module")
def scenario():
    return evaluate(LEVERS)


@pytest.fixture(scope="module")
def baseline():
    return evaluate({"end_year": 2045})


@pytest.fixture(scope="module")
def bands(scenario):
    return Bands({name: np.stack([scenario.series[name] * f for f in (0.8, 1.0, 1.25)])
                  for name in ("pack_cost", "lithium_demand")},
                 scalars={"cost_parity_year": np.array([2027.0, 2029.0, np.nan])},
                 n_samples=1000)


@pytest.fixture(scope="module")
def book(scenario, baseline, bands):
    snap = Snapshot(
        results=scenario,
        info=ScenarioInfo(file="/work/q3/lfp.evx", title="LFP world", author="Zoë",
                          notes="First line\nsecond line", created="2025-11-23T12:30:00Z",
                          modified="2025-11-24T08:00:00Z", checksum="sha256:" + "ab" * 32,
                          checksum_ok=True, app_version="0.1.0", model_version="1.0",
                          format_version=1),
        reference=Reference("Baseline", baseline),
        bands=bands,
        targets=[{"id": "pack-2030", "output": "pack_cost", "year": 2030, "comparison": "<=",
                  "required": 80.0, "value": 84.2, "met": False}],
        drivers=[{"name": "lithium_price", "low": 80.1, "high": 99.5}],
    )
    data = xlsx_bytes(snap, exported=datetime(2025, 12, 1, 9, 30, tzinfo=UTC))
    assert data[:2] == b"PK"  # a zip container, as every .xlsx
    return load_workbook(io.BytesIO(data))


def _table(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_sheets_in_order(book):
    assert book.sheetnames == ["Results", "Scalars", "Parameters", "Uncertainty", "Reference",
                               "Targets", "Drivers", "About"]


def test_optional_sheets_only_with_content(scenario):
    plain = load_workbook(io.BytesIO(xlsx_bytes(Snapshot(results=scenario))))
    assert plain.sheetnames == ["Results", "Scalars", "Parameters", "About"]


def _check_series_sheet(sheet, results):
    rows = _table(sheet)
    assert rows[0] == ("name", "unit", *range(2025, 2046))
    assert [r[0] for r in rows[1:]] == list(SERIES)
    for row in rows[1:]:
        name = row[0]
        assert row[1] == SERIES[name].unit
        values = np.array([np.nan if v is None else v for v in row[2:]], dtype=float)
        # Full precision: openpyxl writes 16 significant digits (more than Excel's 15), so a
        # cell is the computed double to within 1e-15 relative, whatever its display format.
        np.testing.assert_allclose(values, results.series[name], rtol=XLSX_RTOL, atol=0,
                                   err_msg=name)
        assert all(isinstance(v, (int, float)) or v is None for v in row[2:])


def test_results_sheet_holds_every_series_at_full_precision(book, scenario):
    _check_series_sheet(book["Results"], scenario)
    assert book["Results"].freeze_panes == "C2"


def test_reference_sheet_holds_the_reference(book, baseline):
    _check_series_sheet(book["Reference"], baseline)


def test_widths_are_readable(book):
    sheet = book["Results"]
    assert sheet.column_dimensions["A"].width >= len("fleet_emissions_avoided")
    assert sheet.column_dimensions["B"].width >= len("kg CO2e/kWh")
    for name in book.sheetnames:
        for dim in book[name].column_dimensions.values():
            assert dim.width is None or dim.width <= MAX_WIDTH


def test_display_formats_round_only_what_is_shown(book):
    row = next(r for r in book["Results"].iter_rows(min_row=2) if r[0].value == "ev_price")
    assert row[2].number_format == "#,##0" and isinstance(row[2].value, float)


def test_scalars_sheet(book, scenario, baseline, bands):
    rows = _table(book["Scalars"])
    assert rows[0] == ("name", "unit", "value", "reference: Baseline", "P10", "P50", "P90",
                       "meaning")
    by_name = {r[0]: r for r in rows[1:]}
    assert list(by_name) == list(SCALARS)
    for name, row in by_name.items():
        assert row[1] == SCALARS[name].unit
        for cell, want in ((row[2], scenario.scalars[name]), (row[3], baseline.scalars[name])):
            assert cell == want if want is None else cell == pytest.approx(want, rel=XLSX_RTOL)
        assert row[7].startswith(SCALARS[name].label)
    assert by_name["cost_parity_year"][4:7] == (2027, 2029, None)


def test_parameters_sheet_gives_values_defaults_ranges_and_sources(book, scenario, baseline):
    rows = _table(book["Parameters"])
    assert rows[0] == ("name", "label", "value", "unit", "default", "range", "source", "vintage",
                       "reference: Baseline")
    by_name = {r[0]: r for r in rows[1:]}
    assert list(by_name) == list(PARAMETERS)
    data = load()
    for name, p in PARAMETERS.items():
        row = by_name[name]
        source = data.source(p.source)
        assert row[1] == p.label and (row[3] or "") == p.unit and row[5] == p.range_text()
        assert row[6] == source.citation and row[7] == source.vintage
        if p.numeric:
            assert row[2] == scenario.parameters[name] and row[4] == p.default
            assert row[8] == baseline.parameters[name]
    assert by_name["lithium_price"][2] == 31_234.567
    assert by_name["manufacturing_region"][2] == "eu"
    assert by_name["chemistry_mix"][2] == "LFP 60 %, NMC811 40 %"  # a mix, written readably
    assert book["Parameters"]["G2"].alignment.wrap_text


def test_uncertainty_sheet_lists_each_percentile(book, bands):
    rows = _table(book["Uncertainty"])
    assert rows[0] == ("name", "unit", "percentile", *range(2025, 2046))
    assert [(r[0], r[2]) for r in rows[1:]] == [
        (n, p) for n in ("pack_cost", "lithium_demand") for p in ("P10", "P50", "P90")]
    for row in rows[1:]:
        k = ("P10", "P50", "P90").index(row[2])
        np.testing.assert_allclose(row[3:], bands.series[row[0]][k], rtol=XLSX_RTOL, atol=0)
        assert row[1] == SERIES[row[0]].unit


def test_targets_and_drivers_rows(book):
    assert _table(book["Targets"]) == [
        ("id", "output", "year", "comparison", "required", "value", "met"),
        ("pack-2030", "pack_cost", 2030, "<=", 80, 84.2, False)]
    assert _table(book["Drivers"])[1] == ("lithium_price", 80.1, 99.5)


def test_about_sheet(book):
    about = dict(_table(book["About"])[1:])
    assert about["scenario"] == "LFP world" and about["title"] == "LFP world"
    assert about["file"] == "/work/q3/lfp.evx" and about["author"] == "Zoë"
    assert about["notes"] == "First line\nsecond line"
    assert about["created"] == "2025-11-23T12:30:00Z"
    assert about["file written by"] == "EV Explorer 0.1.0, model 1.0, file format 1"
    assert about["checksum"] == "sha256:" + "ab" * 32
    assert about["checksum check"] == "matches the file's content"
    assert about["numbers"].startswith(f"computed by EV Explorer {__version__}")
    assert about["reference"] == "Baseline"
    assert about["bands"] == "P10, P50, P90 of 1,000 samples"
    assert about["exported"] == "2025-12-01T09:30:00Z"
    assert about["exported by"] == f"EV Explorer {__version__}"


def test_undefined_values_are_empty_cells():
    results = evaluate({"use_region": "india", "grid_decarbonization": 0, "ice_fuel_use": 3,
                        "ev_efficiency": 40, "ev_nonbattery_price": 80_000})
    book = load_workbook(io.BytesIO(xlsx_bytes(Snapshot(results=results))))
    row = next(r for r in _table(book["Results"]) if r[0] == "breakeven_distance")
    assert set(row[2:]) == {None}
    scalars = {r[0]: r[2] for r in _table(book["Scalars"])[1:]}
    assert scalars["cost_parity_year"] is None

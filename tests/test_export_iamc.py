"""The IAMC format: a variable for every series, read back with csv and with pyam itself."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evexplorer._version import MODEL_VERSION
from evexplorer.export import ScenarioInfo, Snapshot, write_iamc
from evexplorer.export.iamc import COLUMNS, REGION, iamc_unit, variable, variables
from evexplorer.model import SERIES, evaluate


def _iamc_text(snapshot: Snapshot) -> str:
    buffer = io.StringIO(newline="")
    write_iamc(snapshot, buffer)
    return buffer.getvalue()


def test_every_series_has_a_distinct_hierarchical_variable():
    table = variables()
    assert list(table) == list(SERIES)
    names = [v.variable for v in table.values()]
    assert len(set(names)) == len(names), "two series share an IAMC variable"
    for var in table.values():
        parts = var.variable.split("|")
        assert len(parts) >= 2 and all(p and p == p.strip() for p in parts), var
        assert all(p[0].isupper() for p in parts), var  # IAMC capitalises each level


def test_iamc_units_describe_the_same_numbers_as_the_model_units():
    # Only the notation changes (CO2e is written CO2-equiv; per year and per vehicle made
    # explicit): the numbers are never converted.
    for name, var in variables().items():
        base = re.sub(r"/(yr|vehicle)$", "", var.unit).replace("CO2-equiv", "CO2e")
        assert base == SERIES[name].unit, name


@pytest.mark.parametrize("name, expected", [
    ("pack_cost", ("Price|Battery Pack", "USD/kWh")),
    ("lithium_demand", ("Demand|Lithium|EV Batteries", "kt LCE/yr")),
    ("ndpr_demand", ("Demand|NdPr Oxide|EV Motor Magnets", "kt/yr")),
    ("cobalt_price", ("Price|Cobalt", "USD/t")),
    ("ev_lifecycle_emissions", ("Emission Intensity|CO2e|Car Life Cycle|Electric",
                                "g CO2-equiv/km")),
    ("ev_production_emissions", ("Emission Intensity|CO2e|Car Production|Electric",
                                 "t CO2-equiv/vehicle")),
    ("ev_sales", ("Sales|Transportation|Light-Duty Vehicles|Electric", "million")),
    ("fleet_emissions_avoided", ("Emissions Avoided|CO2e|Life Cycle|EV Sales",
                                 "Mt CO2-equiv")),
])
def test_known_variables(name, expected):
    var = variable(name)
    assert (var.variable, var.unit) == expected


def test_the_mineral_rules_cover_series_of_later_models():
    # Per-mineral series follow one rule, so new ones get names without a table edit.
    assert variable("nickel_recycled_content", "%").variable == \
        "Recycled Content|Nickel|EV Batteries"
    assert variable("graphite_refining_hhi", "HHI").variable == \
        "Supply Concentration|Refining|Graphite"
    with pytest.raises(KeyError, match="no IAMC variable"):
        variable("lithium_mystery", "kt")
    assert iamc_unit("kt LCE", "flow") == "kt LCE/yr"


def test_iamc_file_reads_back_with_csv_and_equals_compute():
    results = evaluate({"lithium_price": 31_234.5, "end_year": 2045})
    snap = Snapshot(results=results, info=ScenarioInfo(title="Lithium, dear"))
    rows = list(csv.reader(io.StringIO(_iamc_text(snap))))
    assert rows[0] == [*COLUMNS, *(str(y) for y in range(2025, 2046))]
    assert len(rows) == 1 + len(SERIES)
    table = variables()
    for row, (name, var) in zip(rows[1:], table.items(), strict=True):
        assert row[:5] == [f"EV Explorer {MODEL_VERSION}", "Lithium, dear", REGION, var.variable,
                           var.unit]
        values = np.array([float(v) if v else np.nan for v in row[5:]])
        np.testing.assert_allclose(values, results.series[name], rtol=5e-12, atol=0,
                                   err_msg=name)


def test_the_scenario_column_follows_the_name_rule():
    rows = list(csv.reader(io.StringIO(_iamc_text(Snapshot(results=evaluate())))))
    assert {r[1] for r in rows[1:]} == {"Baseline"}


PYAM_READER = textwrap.dedent("""
    import json, sys, warnings
    warnings.simplefilter("ignore")  # pyam's own dependencies warn on import
    import pyam
    df = pyam.IamDataFrame(sys.argv[1])
    data = df.data
    print(json.dumps({
        "model": sorted(df.model), "scenario": sorted(df.scenario), "region": sorted(df.region),
        "rows": [[r.variable, r.unit, int(r.year), float(r.value)]
                 for r in data.itertuples()],
    }))
""")


def test_pyam_loads_the_file_and_its_values_round_trip(tmp_path):
    # No break-even in any year (coal grid, frugal gasoline car): empty cells must load too.
    results = evaluate({"use_region": "india", "grid_decarbonization": 0, "ice_fuel_use": 3,
                        "ev_efficiency": 40, "end_year": 2040})
    snap = Snapshot(results=results, info=ScenarioInfo(title="Coal grid"))
    path = tmp_path / "scenario.csv"
    path.write_text(_iamc_text(snap), encoding="utf-8", newline="")
    out = subprocess.run([sys.executable, "-c", PYAM_READER, str(path)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["model"] == [f"EV Explorer {MODEL_VERSION}"]
    assert loaded["scenario"] == ["Coal grid"] and loaded["region"] == ["World"]
    by_key = {(v, y): (u, x) for v, u, y, x in loaded["rows"]}
    expected = 0
    for name, var in variables().items():
        for year, value in zip(results.years, results.series[name], strict=True):
            if np.isnan(value):
                assert (var.variable, int(year)) not in by_key
                continue
            expected += 1
            unit, back = by_key[(var.variable, int(year))]
            assert unit == var.unit
            assert back == pytest.approx(float(value), rel=5e-12, abs=0), (name, year)
    assert len(loaded["rows"]) == expected


@settings(max_examples=15)
@given(lithium=st.floats(3_000, 150_000), growth=st.floats(0, 60), grid=st.floats(0, 15),
       region=st.sampled_from(["china", "india", "norway"]))
def test_any_scenario_round_trips_through_the_iamc_file(lithium, growth, grid, region):
    results = evaluate({"lithium_price": lithium, "demand_growth": growth,
                        "grid_decarbonization": grid, "use_region": region})
    rows = list(csv.reader(io.StringIO(_iamc_text(Snapshot(results=results)))))
    for row, name in zip(rows[1:], SERIES, strict=True):
        values = np.array([float(v) if v else np.nan for v in row[5:]])
        np.testing.assert_allclose(values, results.series[name], rtol=5e-12, atol=0,
                                   equal_nan=True, err_msg=name)

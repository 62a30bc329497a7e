"""The content of a report: headline figures as the cards show them, levers with sources, paper."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from evexplorer._version import MODEL_VERSION, __version__
from evexplorer.export import Bands, Reference, ScenarioInfo, Snapshot, build_report, paper_size
from evexplorer.export.report import CHARTS, HEADLINES, LETTER_TERRITORIES
from evexplorer.model import PARAMETERS, evaluate
from evexplorer.model.data import load

LEVERS = {"lithium_price": 30_000, "chemistry_mix": "LFP:0.6,NMC811:0.4", "renewable_share": 80}


@pytest.fixture(scope="module")
def scenario():
    return evaluate(LEVERS)


@pytest.fixture(scope="module")
def baseline():
    return evaluate()


def at(results, name, year):
    return float(results.series[name][list(results.years).index(year)])


def test_headlines_match_the_window_cards(scenario, baseline):
    snap = Snapshot(results=scenario, info=ScenarioInfo(title="Lithium squeeze"),
                    reference=Reference("Baseline", baseline))
    report = build_report(snap, year=2035)
    assert [h.key for h in report.headlines] == [
        "pack_cost", "cost_parity_year", "breakeven_distance", "lithium_shortfall",
        "fleet_emissions_avoided"]
    figures = {h.key: h for h in report.headlines}

    pack, pack0 = at(scenario, "pack_cost", 2035), at(baseline, "pack_cost", 2035)
    assert figures["pack_cost"].value == pack and figures["pack_cost"].reference == pack0
    assert figures["pack_cost"].year == 2035
    assert figures["pack_cost"].text == f"{pack:,.0f} USD/kWh"
    diff = pack - pack0
    assert diff > 0.5  # dearer lithium: a rise, which is bad news for a cost
    assert figures["pack_cost"].delta_text == f"+{diff:,.0f} USD/kWh vs Baseline"
    assert figures["pack_cost"].better is False

    parity, parity0 = scenario.scalars["cost_parity_year"], baseline.scalars["cost_parity_year"]
    assert figures["cost_parity_year"].text == str(parity)
    assert figures["cost_parity_year"].year is None
    assert figures["cost_parity_year"].delta_text == f"+{parity - parity0} years vs Baseline"

    avoided = figures["fleet_emissions_avoided"]
    assert avoided.unit == "Mt CO2e" and avoided.value == at(scenario, "fleet_emissions_avoided",
                                                             2035)
    change = avoided.value - avoided.reference
    if abs(change) >= 0.5:  # more avoided is good news
        assert avoided.better is (change > 0)
    assert all(h.range_text == "" for h in report.headlines)


def test_equal_figures_say_so_and_a_negative_change_uses_a_minus_sign(baseline):
    cheap = evaluate({"lithium_price": 5_000})
    report = build_report(Snapshot(results=cheap, reference=Reference("Today", baseline)))
    figures = {h.key: h for h in report.headlines}
    assert figures["lithium_shortfall"].delta_text == "= Today"
    diff = at(cheap, "pack_cost", 2030) - at(baseline, "pack_cost", 2030)
    assert figures["pack_cost"].delta_text == f"\u2212{abs(diff):,.0f} USD/kWh vs Today"
    assert figures["pack_cost"].better is True


def test_never_is_written_as_never():
    # The EV never breaks even nor reaches price parity: dear EV, coal grid, frugal car.
    never = evaluate({"use_region": "india", "grid_decarbonization": 0, "ice_fuel_use": 3,
                      "ev_efficiency": 40, "ev_nonbattery_price": 80_000})
    report = build_report(Snapshot(results=never, reference=Reference("Baseline", evaluate())))
    figures = {h.key: h for h in report.headlines}
    assert figures["cost_parity_year"].value is None
    assert figures["cost_parity_year"].text == "never"
    assert figures["breakeven_distance"].text == "never"
    assert figures["cost_parity_year"].delta_text.startswith("Baseline: 20")
    assert figures["cost_parity_year"].better is None


def test_bands_give_the_p10_p90_range(scenario):
    pack = scenario.series["pack_cost"]
    bands = Bands({"pack_cost": np.stack([pack - 10, pack, pack + 15])},
                  scalars={"cost_parity_year": np.array([2027.0, 2029.0, np.nan])},
                  n_samples=1000)
    report = build_report(Snapshot(results=scenario, bands=bands), year=2030)
    figures = {h.key: h for h in report.headlines}
    value = at(scenario, "pack_cost", 2030)
    assert figures["pack_cost"].low == pytest.approx(value - 10)
    assert figures["pack_cost"].range_text == \
        f"P10–P90: {value - 10:,.0f}–{value + 15:,.0f} USD/kWh"
    assert figures["cost_parity_year"].range_text == "P10–P90: 2027–never"
    assert figures["breakeven_distance"].range_text == ""
    assert report.band_text == "P10–P90 of 1,000 samples"
    assert figures["pack_cost"].delta_text == ""  # no reference, no change


def test_levers_that_differ_carry_both_values_and_their_sources(scenario, baseline):
    report = build_report(Snapshot(results=scenario, reference=Reference("Baseline", baseline)))
    assert [lever.name for lever in report.levers] == ["lithium_price", "chemistry_mix",
                                                       "renewable_share"]
    data = load()
    by_name = {lever.name: lever for lever in report.levers}
    lithium = by_name["lithium_price"]
    assert (lithium.value, lithium.reference) == (30_000, PARAMETERS["lithium_price"].default)
    assert lithium.value_text == "30,000 USD/t LCE"
    assert lithium.reference_text == "10,000 USD/t LCE"
    assert lithium.unit == "USD/t LCE" and lithium.label == "Lithium carbonate price"
    source = data.source(PARAMETERS["lithium_price"].source)
    assert (lithium.source, lithium.vintage) == (source.citation, source.vintage)
    assert by_name["chemistry_mix"].value_text == "LFP 60 %, NMC811 40 %"
    assert by_name["renewable_share"].value_text == "80 %"


def test_levers_are_compared_with_the_chosen_reference(scenario):
    own = Reference("Last quarter", evaluate({"lithium_price": 30_000}))
    report = build_report(Snapshot(results=scenario, reference=own))
    assert [lever.name for lever in report.levers] == ["chemistry_mix", "renewable_share"]
    assert report.reference_title == "Last quarter"


def test_versions_checksum_and_metadata(scenario):
    info = ScenarioInfo(file="/q3/lfp.evx", title="LFP world", author="Zoë", notes="Note",
                        checksum="sha256:" + "0f" * 32, checksum_ok=True, app_version="0.1.0",
                        model_version="1.0", format_version=1)
    snap = Snapshot(results=scenario, info=info, targets=[{"id": "t", "met": True}],
                    drivers=[{"name": "lithium_price"}])
    report = build_report(snap, date=dt.date(2025, 12, 1), territory="en_US")
    assert (report.title, report.author, report.notes) == ("LFP world", "Zoë", "Note")
    assert report.date == dt.date(2025, 12, 1) and report.paper == "Letter"
    assert report.versions == (("EV Explorer", __version__), ("Model of the numbers",
                                                              MODEL_VERSION),
                               ("File written by", "EV Explorer 0.1.0, model 1.0"),
                               ("File format", "1"))
    assert report.checksum == "sha256:" + "0f" * 32 + " (verified)"
    assert report.targets[0]["id"] == "t" and report.drivers[0]["name"] == "lithium_price"
    assert report.charts == CHARTS and report.file == "/q3/lfp.evx"
    assert report.numbers.startswith("computed by EV Explorer")
    damaged = build_report(Snapshot(results=scenario, info=ScenarioInfo(file="x.evx",
                                                                        checksum_ok=False)))
    assert damaged.checksum.startswith("DOES NOT MATCH")
    assert build_report(Snapshot(results=scenario)).checksum == "not saved to a file"


def test_a_year_outside_the_results_is_refused(scenario):
    with pytest.raises(ValueError, match="2055 is not among the years shown"):
        build_report(Snapshot(results=scenario), year=2055)


def test_charts_can_be_chosen(scenario):
    report = build_report(Snapshot(results=scenario), charts=["pack_cost", "minerals"])
    assert report.charts == ("pack_cost", "minerals")


def test_headline_titles_are_those_of_the_cards():
    # The same titles and units as the window's headline cards (evexplorer/app/panels.py).
    assert [(h.title, h.unit) for h in HEADLINES] == [
        ("Pack cost", "USD/kWh"), ("Price parity with gasoline", ""),
        ("Emissions break-even", "km"), ("Lithium shortfall", "kt LCE"),
        ("Avoided by that year's EVs", "Mt CO2e")]


@pytest.mark.parametrize("territory, paper", [
    ("US", "Letter"), ("en_US", "Letter"), ("en_US.UTF-8", "Letter"), ("es-MX", "Letter"),
    ("fr_CA", "Letter"), ("en_PH", "Letter"), ("es_CL", "Letter"), ("PR", "Letter"),
    ("de_DE", "A4"), ("en_GB", "A4"), ("pt_BR", "A4"), ("ja_JP", "A4"), ("zh_Hant_TW", "A4"),
    ("ca", "A4"),      # Catalan, a language: not Canada
    ("CA", "Letter"),  # Canada, a territory code as Qt gives it
    ("", "A4"), (None, "A4"), ("C", "A4"), ("POSIX", "A4"),
])
def test_paper_size_by_territory(territory, paper):
    assert paper_size(territory) == paper


def test_letter_territories_are_cldrs():
    # Unicode CLDR supplemental data, measurementData: paperSize US-Letter.
    assert LETTER_TERRITORIES == {"BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH",
                                  "PR", "SV", "US", "VE"}

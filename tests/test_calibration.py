"""Calibration of the model against published figures.

Each test names its source and tolerance in its name and docstring, and states the scenario.
The model's values at the time of writing are given in the docstrings (docs/model.md has the
same table); a failure here means the model moved away from the literature, not that the
tolerance should be widened.
"""

import math

import numpy as np
import pytest

from evexplorer.model import cost, data, evaluate
from evexplorer.model.data import MINERALS


@pytest.fixture(scope="module")
def baseline():
    return evaluate()


def _year(result, year):
    return list(result.years).index(year)


def _pure(chemistry, **levers):
    """A pure chemistry from the first model year (the target year may equal it)."""
    return evaluate({"chemistry_mix": chemistry, "chemistry_target_year": 2025, **levers})


# ---------------------------------------------------------------------------------------------
# Demand: IEA Global EV Outlook 2025; IEA Batteries and Secure Energy Transitions 2024


def test_iea_gevo_2025_sales_2025_above_2024_17m_exact_bound(baseline):
    """IEA: > 17 M electric cars sold in 2024. Model 2025 (first model year): 20.6 M.

    Tolerance: none (a bound). The model must continue from 2024, so 2025 sales lie above
    the 2024 figure, and the implied 2024->2025 growth (19 %) stays below the 25 %/yr lever.
    """
    sales_2025 = baseline.series["ev_sales"][0]
    assert baseline.years[0] == 2025
    assert sales_2025 > 17.0
    assert 1.0 < sales_2025 / 17.3 < 1.25


def test_iea_gevo_2025_battery_demand_2025_above_2024_950gwh_exact_bound(baseline):
    """IEA: EV battery demand > 950 GWh in 2024. Model 2025: 1,135 GWh. Tolerance: a bound."""
    assert baseline.series["battery_demand"][0] > 950.0


def test_iea_gevo_2025_share_above_20pct_and_market_75_to_90m_exact_bounds(baseline):
    """IEA: > 20 % of car sales in 2024; global car sales 75-90 M/yr (REFERENCE_DATA §6).

    Model 2025: 24.8 % of 83.2 M cars.
    """
    assert baseline.series["ev_share"][0] > 20.0
    assert 75.0 <= baseline.series["car_sales"][0] <= 90.0


def test_iea_2024_storage_400gwh_in_2030_tol_10pct(baseline):
    """IEA Batteries and Secure Energy Transitions (2024): stationary storage about 400 GWh of
    battery demand in 2030 (STEPS; 500 in the APS), about 12 % of EV battery demand.

    Model, defaults: 400.6 GWh in 2030 (the default growth is derived from this figure), 17 %
    of the model's EV battery demand (2,326 GWh, below the IEA's > 3 TWh, which counts trucks,
    buses and two-wheelers). Tolerance 10 % on the GWh; the share within 10-20 %.
    """
    i = _year(baseline, 2030)
    storage = baseline.series["storage_demand"][i]
    assert storage == pytest.approx(400.0, rel=0.10)
    assert 0.10 <= storage / baseline.series["battery_demand"][i] <= 0.20


# ---------------------------------------------------------------------------------------------
# Cost: BNEF Lithium-Ion Battery Price Survey, December 2025 (REFERENCE_DATA §3, §9)


def test_bnef_2025_bev_pack_99_and_cells_rel_1e9(baseline):
    """BNEF 2025: battery-EV packs 99 USD/kWh; cells are 74/108 of the all-segment pack, so
    67.83 USD/kWh of a BEV pack. Tolerance 1e-9 (the calibration point, world production mix)."""
    assert baseline.series["pack_cost"][0] == pytest.approx(99.0, rel=1e-9)
    assert baseline.series["cell_cost"][0] == pytest.approx(99.0 * 74 / 108, rel=1e-9)


def test_bnef_2025_lfp_81_and_nmc_128_tol_10pct():
    """BNEF 2025: LFP packs 81 USD/kWh, NMC packs 128 (all uses, storage included).

    Scenario: pure LFP, pure NMC811 from 2025, defaults otherwise. Model: 76.05 and 120.18 USD/kWh
    (the published pair scaled so that the 2024 BEV mix averages 99). Tolerance 10 % on each;
    their ratio is BNEF's, 81/128, to 1e-9.
    """
    lfp = _pure("LFP").series["pack_cost"][0]
    nmc = _pure("NMC811").series["pack_cost"][0]
    assert lfp == pytest.approx(81.0, rel=0.10)
    assert nmc == pytest.approx(128.0, rel=0.10)
    assert lfp / nmc == pytest.approx(81 / 128, rel=1e-9)


@pytest.mark.parametrize("region, ratio", [("china", 84 / 108), ("usa", 84 * 1.44 / 108),
                                           ("eu", 84 * 1.56 / 108)])
def test_bnef_2025_regional_spread_china_84_na_plus44_eu_plus56_tol_0_1pct(region, ratio):
    """BNEF 2025: packs cost 84 USD/kWh in China, 44 % more in North America and 56 % more in
    Europe; the world average is 108 (all segments). manufacturing_region moves the 2025 BEV
    pack by that spread. Model: China 77.0, United States 110.9, EU 120.1 USD/kWh.
    Tolerance 0.1 % (the ratios are stored to three decimals)."""
    pack = evaluate({"manufacturing_region": region}).series["pack_cost"][0]
    assert pack / 99.0 == pytest.approx(ratio, rel=1e-3)


def test_sodium_ion_not_cheaper_than_lfp_today_but_cheaper_with_its_own_volume():
    """Sodium-ion is made at small scale today: its 2025 pack costs more than LFP's (model:
    98.1 vs 76.1 USD/kWh; announced sodium-ion cell prices sit above LFP's). A chemistry gets
    cheaper with its own volume: made for the whole market, its small-scale premium is worked
    off within a few years, faster than LFP's cost falls on the shared experience curve
    (model: sodium-ion/LFP 1.29 in 2025, 0.98 in 2030). Tolerance: the orderings."""
    na, lfp = _pure("NA_ION"), _pure("LFP")
    i = _year(na, 2030)
    ratio = na.series["pack_cost"] / lfp.series["pack_cost"]
    assert ratio[0] > 1.2
    assert ratio[i] < 1.05
    assert na.series["pack_other_cost"][i] / na.series["pack_other_cost"][0] < \
        lfp.series["pack_other_cost"][i] / lfp.series["pack_other_cost"][0]


def test_bnef_learning_rate_18pct_per_doubling_on_the_non_mineral_part_rel_1e9(baseline):
    """BNEF: 18 % per doubling of cumulative volume, on the non-mineral part only.

    Scenario: defaults (target mix = today's mix, no sodium-ion or solid-state, so the
    non-mineral cost follows the one experience curve). Year t's cost uses the cumulative EV
    and storage production to the end of year t-1 (3,527 GWh at the end of 2024).
    Independently: b = -log2(0.82), rest(t) = rest(2025) x (Q(t-1)/3527)^-b. Tolerance 1e-9.
    """
    q_prev = np.concatenate([[3527.0], baseline.series["cumulative_production"][:-1]])
    b = -math.log2(1 - 0.18)
    rest = baseline.series["pack_other_cost"]
    np.testing.assert_allclose(rest, rest[0] * (q_prev / 3527.0) ** -b, rtol=1e-9)
    slope = np.log(rest[1:] / rest[0]) / np.log2(q_prev[1:] / 3527.0)
    np.testing.assert_allclose(slope, math.log(0.82), rtol=1e-9)


def test_bnef_mineral_price_spike_passes_straight_through_rel_1e9():
    """REFERENCE_DATA §1.3: mineral prices form a floor; a spike passes straight through.

    Tripling lithium (10,000 -> 30,000 USD/t LCE) adds 20 USD/t x 0.5286 kg LCE/kWh of the
    2024 mix = 10.57 USD/kWh to the 2025 pack, and nothing to the non-mineral part.
    Lithium content: (0.305x0.110 + 0.132x0.100 + 0.083x0.107 + 0.48x0.091) x 5.323
    = 0.099311 x 5.323 = 0.528632 kg LCE/kWh. Tolerance 1e-6 (the content's digits).
    """
    base = evaluate()
    spiked = evaluate({"lithium_price": 30_000})
    delta = spiked.series["pack_cost"][0] - base.series["pack_cost"][0]
    assert delta == pytest.approx(20.0 * 0.528632, rel=1e-6)
    np.testing.assert_allclose(spiked.series["pack_other_cost"], base.series["pack_other_cost"],
                               rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Minerals: IEA Global Critical Minerals Outlook 2025 (REFERENCE_DATA §4, §9)


def _lithium_market_2035(result):
    ref = data.load()
    i = _year(result, 2035)
    storage = result.series["storage_demand"][i] * (ref.storage_mix @ ref.intensity)[0]
    other = ref.other_uses_2024[0] * (1 + ref.other_uses_growth[0]) ** (2035 - 2024)
    return result.series["lithium_demand"][i] + storage + other


def test_iea_cmo_2025_lithium_short_in_2035_about_40pct_tol_15_points(baseline):
    """IEA CMO 2025 (STEPS): mined supply from announced projects falls about 40 % short of
    lithium demand (3.7 Mt LCE) in 2035.

    Model, defaults: primary supply in 2035 is the announced pipeline (2,220 kt LCE, 60 % of
    the IEA's 3,700); the model's demand is 3,020 kt LCE (EV 1,876, storage 382, other uses
    762), so announced projects fall 26.5 % short. The model's demand is 18 % below the IEA's
    (its EVs are cars only). Tolerance: 15 percentage points on the gap; 25 % on the demand.
    """
    total = _lithium_market_2035(baseline)
    gap = 1 - 2220.0 / total
    assert gap == pytest.approx(0.40, abs=0.15)
    assert total == pytest.approx(3700.0, rel=0.25)


def test_iea_cmo_2025_lithium_tightens_in_the_2030s_with_its_price_rising(baseline):
    """At defaults the baseline shows lithium tightening in the 2030s with its price rising
    (IEA CMO 2025: lithium the exception among battery minerals).

    Model: shortfall in every year 2031-2040, none before 2031 or after 2040; the price peaks
    at 17,750 USD/t LCE in 2035 (1.77 x the lever) and is back at the lever by 2041.
    Tolerance: the shortfall years lie within the 2030s +- 1 year; the peak is at least 1.3 x.
    """
    years = baseline.years
    short = baseline.series["lithium_shortfall"] > 1e-9
    assert short.any() and years[short].min() >= 2029 and years[short].max() <= 2041
    assert baseline.scalars["lithium_shortfall_years"] >= 5
    price = baseline.series["lithium_price"]
    peak = int(years[np.argmax(price)])
    assert 2030 <= peak <= 2040
    assert price.max() >= 1.3 * 10_000
    assert price[0] == 10_000  # slack in 2025: the lever is the 2025 price


@pytest.mark.parametrize("mineral", ["nickel", "cobalt"])
def test_iea_cmo_2025_nickel_and_cobalt_covered_in_2035_exact_bound(baseline, mineral):
    """IEA CMO 2025: expected nickel and cobalt supply covers STEPS demand in 2035.

    Model, defaults: no shortfall and prices at their levers in every year (2035 tightness:
    nickel 0.82, cobalt 0.93). Tolerance: none (a bound)."""
    assert np.all(baseline.series[f"{mineral}_shortfall"] == 0.0)
    np.testing.assert_array_equal(baseline.series[f"{mineral}_price"],
                                  baseline.parameters[f"{mineral}_price"])


def test_iea_recycling_a_decade_before_it_cuts_primary_demand_below_10pct():
    """IEA (REFERENCE_DATA §7): about a decade before recycling meaningfully cuts primary
    demand, because feedstock is limited. Read as: recycled lithium stays below 10 % of
    demand through 2034 at the default 30 % recycling rate (model: 2.1 % in 2034), and even
    with every retiring battery recycled it stays below 10 % until 2031 (model: 3.8 %)."""
    for rate, last_year in ((30, 2034), (100, 2031)):
        result = evaluate({"recycling_rate": rate})
        i = _year(result, last_year)
        recycled = result.series["lithium_recycled"][: i + 1]
        share = recycled / result.series["lithium_demand"][: i + 1]
        assert np.all(share < 0.10), rate


def test_eu_battery_regulation_targets_stated_as_recycled_content(baseline):
    """EU Battery Regulation 2023/1542: recycled content of new EV batteries, 2031: Co 16 %,
    Li 6 %, Ni 6 %. The model reports the same quantity. At the default 30 % recycling rate and
    batteries that last the car (16.7 years) the world average stays far below (model 2031:
    Li 0.97 %, Ni 1.3 %, Co 1.2 %): retiring feedstock, not the rate, limits it. Checked: the
    series is the recycled share of the year's new-battery content, and it rises over time."""
    i = _year(baseline, 2031)
    for mineral, target in (("lithium", 6.0), ("nickel", 6.0), ("cobalt", 16.0)):
        content = baseline.series[f"{mineral}_recycled_content"]
        assert 0 < content[i] < target
        assert np.all(np.diff(content) > 0)


@pytest.mark.parametrize("mineral", ["graphite", "ndpr"])
def test_iea_refining_hhi_graphite_and_rare_earths_at_least_8100_exact_bound(baseline,
                                                                              mineral):
    """IEA Global Critical Minerals Outlook: China refines > 90 % of battery graphite and
    about 90 % of magnet rare earths, so HHI >= 0.9^2 x 10,000 = 8,100 (REFERENCE_DATA §4).
    Model data and series: graphite 8,649 (93 %), NdPr 8,100. Tolerance: a bound."""
    assert np.all(baseline.series[f"{mineral}_refining_hhi"] >= 8100.0 - 1e-9)


def test_us_doj_every_battery_mineral_but_nickel_highly_concentrated_above_2500(baseline):
    """US DOJ: HHI above 2,500 is highly concentrated. REFERENCE_DATA §4 shares make every
    mineral but nickel (Indonesia 44 %, China 22 %: 2,445) highly concentrated, and the
    spending-weighted model output lies between the lowest and highest mineral HHI."""
    ref = data.load()
    hhi = dict(zip(MINERALS, ref.refining_hhi, strict=True))
    assert hhi.pop("nickel") == pytest.approx(0.44**2 * 1e4 + 0.22**2 * 1e4 + 0.05**2 * 1e4)
    assert all(v > 2500 for v in hhi.values())
    weighted = baseline.series["supply_concentration"]
    assert np.all((weighted >= ref.refining_hhi.min()) & (weighted <= ref.refining_hhi.max()))


def test_lithium_lce_conversion_5_323_rel_1e9(baseline):
    """1 kg Li = 5.323 kg lithium carbonate (REFERENCE_DATA §8). Lithium demand is in kt LCE:
    2025 demand = 1,135.06 GWh x 0.099311 kg Li/kWh (2024 mix) x 5.323 = 600.03 kt LCE.
    Tolerance 1e-9 against the same product computed from the model's battery demand."""
    li_element = 0.305 * 0.110 + 0.132 * 0.100 + 0.083 * 0.107 + 0.48 * 0.091
    expected = baseline.series["battery_demand"][0] * li_element * 5.323
    assert baseline.series["lithium_demand"][0] == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(600.03, abs=0.01)


# ---------------------------------------------------------------------------------------------
# Emissions (REFERENCE_DATA §5, §9)


def _materials_only(chemistry):
    """Materials-only emissions of a pure chemistry, nothing recycled, in 2025, from the model.

    battery_emissions is linear in cell_energy (plant energy), so extrapolating two runs
    (10 and 20 kWh/kWh) to zero plant energy leaves the materials part: M = 2 E(10) - E(20).
    """
    runs = [_pure(chemistry, recycling_rate=0, cell_energy=e).series["battery_emissions"][0]
            for e in (10.0, 20.0)]
    return 2 * runs[0] - runs[1]


@pytest.mark.parametrize("chemistry, greet", [("LFP", 41.8), ("NMC811", 50.0),
                                              ("NMC622", 50.5), ("NCA", 54.2)])
def test_greet_materials_only_emissions_2025_rel_1e9(chemistry, greet):
    """GREET via Busch: materials only, kg CO2e/kWh (LFP 41.8, NMC811 50.0, NMC622 50.5,
    NCA 54.2), with nothing recycled, in 2025 (before any decarbonisation). Tolerance 1e-9
    (the model's data point)."""
    assert _materials_only(chemistry) == pytest.approx(greet, rel=1e-9)


def test_xu_2022_41_to_89_and_ivl_2019_61_to_106_nmc811_china_exact_ranges():
    """NMC811 made in China: Xu et al. 2022, 41-89 kg CO2e/kWh (2020 cells, CN/US/EU);
    IVL (Emilsson & Dahllof 2019), 61-106 kg CO2e/kWh for NMC.

    Scenario: pure NMC811 from 2025, made in China, defaults otherwise. Model 2025: 61.5 kg
    CO2e/kWh (50.0 materials, less a small recycling credit, + 11.6 plant). Tolerance: the
    published ranges.
    """
    value = _pure("NMC811", manufacturing_region="china").series["battery_emissions"][0]
    assert 41.0 <= value <= 89.0
    assert 61.0 <= value <= 106.0


def test_ankathi_2024_sodium_ion_40_to_70_china_exact_range():
    """Sodium-ion, 40-70 kg CO2e/kWh (Ankathi et al. 2024 review). Scenario: pure sodium-ion
    from 2025, made in China, defaults otherwise. Model 2025: 41.5. Tolerance: the range."""
    value = _pure("NA_ION", manufacturing_region="china").series["battery_emissions"][0]
    assert 40.0 <= value <= 70.0


def test_xu_2022_2050_footprint_10_to_45_with_favourable_levers_exact_range():
    """Xu et al. 2022: battery footprints fall from 41-89 (2020) to 10-45 kg CO2e/kWh by 2050 as
    supply chains and grids decarbonise.

    Scenario, favourable: cell plants in the EU on 100 % renewable electricity, supply chains
    decarbonising 3 %/yr, 90 % of batteries recycled, defaults otherwise (grids 2 %/yr at the
    world average). Model 2050: 21.1 (2025: 50.5); at defaults 29.8; with every lever of this
    footprint frozen (no decarbonisation, no plant improvement, nothing recycled) 57.9 in
    every year. Tolerance: Xu's 2050 range for the favourable case; the frozen case must stay
    above it (material footprints do change over time only through the levers).
    """
    favourable = evaluate({"renewable_share": 100, "supply_chain_decarbonization": 3,
                           "recycling_rate": 90, "manufacturing_region": "eu"})
    assert 10.0 <= favourable.series["battery_emissions"][-1] <= 45.0
    assert favourable.years[-1] == 2050
    frozen = evaluate({"grid_decarbonization": 0, "supply_chain_decarbonization": 0,
                       "cell_energy_decline": 0, "recycling_rate": 0})
    np.testing.assert_allclose(frozen.series["battery_emissions"],
                               frozen.series["battery_emissions"][0], rtol=1e-12)
    assert frozen.series["battery_emissions"][-1] > 45.0


def test_aichberger_jungmeier_2020_recycling_credit_5_to_29_in_the_model():
    """Aichberger & Jungmeier 2020 (review): recycling credit median about 20 (5-29) kg
    CO2e/kWh. The credit per kWh of recycled content is tested on the data in
    test_model_emissions (19.2 for a fully recycled 2024-mix pack); here the model run.

    Scenario: 2050, everything recycled (recycling 100 %, lithium recovery 95 %) against
    nothing recycled, defaults otherwise. The saving per kWh of recycled content, i.e. the
    difference divided by the mean recycled content of lithium, nickel and cobalt, lies in the
    published range. Model: 4.3 kg CO2e/kWh saved at 39-48 % recycled content, 9.8 per
    fully recycled kWh (2050 factors are lower than 2025's).
    """
    none = evaluate({"recycling_rate": 0})
    full = evaluate({"recycling_rate": 100, "lithium_recovery": 95})
    saved = none.series["battery_emissions"][-1] - full.series["battery_emissions"][-1]
    content = np.mean([full.series[f"{m}_recycled_content"][-1] / 100
                       for m in ("lithium", "nickel", "cobalt")])
    assert saved > 0
    # Scaled to a fully recycled pack, in 2025 terms (the 2050 paths have decarbonised both
    # the primary and the recycled material): within the review's range.
    assert 5.0 <= saved / content <= 29.0


def _plant_only(**levers):
    """Plant (cell and pack assembly) emissions in 2025, from two runs (see _materials_only)."""
    e = levers.pop("cell_energy")
    runs = [evaluate({**levers, "cell_energy": x, "recycling_rate": 0})
            .series["battery_emissions"][0] for x in (e / 2, e)]
    return 2 * (runs[1] - runs[0])


def test_greet_assembly_12_9_at_us_grid_with_dai_2019_energy_tol_10pct():
    """GREET: cell and pack assembly add 12.9 kg CO2e/kWh at the US grid.

    GREET's assembly energy comes from Dai et al. 2019 (Argonne), about 47 kWh/kWh.
    Scenario: US plants, US grid at its 2023 level (no decarbonisation, no decline of plant
    energy), 47 kWh/kWh. By hand, with gas heat at its life-cycle factor 0.232:
    47 x (0.48 x 0.370 + 0.52 x 0.232) = 47 x 0.29824 = 14.02. Tolerance 10 % (model 8.7 %
    above). At the default 30 kWh/kWh (Degen et al. 2023, newer plants) the model gives 8.9.
    """
    value = _plant_only(manufacturing_region="usa", grid_decarbonization=0,
                        cell_energy_decline=0, cell_energy=47.0)
    assert value == pytest.approx(47 * (0.48 * 0.370 + 0.52 * 0.232), rel=1e-9)
    assert value == pytest.approx(12.9, rel=0.10)


def test_icct_2025_eu_medium_car_63_vs_gasoline_235_g_per_km_tol_15pct():
    """ICCT 2025 (Negri & Bieker): a medium BEV sold in the EU in 2025 emits about 63 g
    CO2e/km over its life on the EU's projected grid, a gasoline car 235 (73 % less).

    Scenario: defaults, cars driven in the EU (whose grid falls 8 %/yr by default: the EU's
    fossil share from 29 % in 2024 to about 5 % by 2045). Model 2025: BEV 68.1 g/km, gasoline
    225.0 g/km (-69.7 %). Tolerance 15 % on the BEV, 10 % on the gasoline car, 5 points on
    the reduction.
    """
    result = evaluate({"use_region": "eu"})
    ev = result.series["ev_lifecycle_emissions"][0]
    ice = result.series["ice_lifecycle_emissions"][0]
    assert ev == pytest.approx(63.0, rel=0.15)
    assert ice == pytest.approx(235.0, rel=0.10)
    assert 100 * (1 - ev / ice) == pytest.approx(73.0, abs=5.0)


def test_icct_2025_breakeven_17000km_eu_tol_25pct():
    """ICCT 2025: a BEV sold in the EU in 2025 offsets its extra production emissions after
    about 17,000 km. Scenario: EU grid, defaults otherwise. Model 2025: 14,600 km.
    Tolerance 25 %."""
    result = evaluate({"use_region": "eu"})
    assert result.series["breakeven_distance"][0] == pytest.approx(17_000, rel=0.25)


def test_argonne_greet_reuters_2021_breakeven_21725km_usa_tol_25pct():
    """Argonne GREET via Reuters (2021): a Tesla Model 3 (54 kWh NCA) driven in the US breaks
    even with a 33 mpg Toyota Corolla after 13,500 miles = 21,725 km. (Published figure, not in
    REFERENCE_DATA; reported by Reuters, 29 June 2021.)

    Scenario: US grid, 54 kWh NCA battery from 2025 (made where the world makes them), gasoline
    car at 33 mpg = 235.2/33 = 7.13 L/100 km, defaults otherwise (the model's mid-size EV uses
    23.5 kWh/100 km, more than a Model 3). Model 2025: 21,300 km. Tolerance 25 %.
    """
    result = _pure("NCA", use_region="usa", battery_size=54, ice_fuel_use=7.13)
    assert result.series["breakeven_distance"][0] == pytest.approx(21_725, rel=0.25)


def test_breakeven_plausible_10000_to_60000km_every_region_in_2025():
    """Break-even distances in the literature run from about 10,000 km (clean grids) to
    tens of thousands of km (coal-heavy grids): e.g. 21,725 km (Argonne, US), 17,000 km
    (ICCT, EU). Model 2025, defaults: Norway 11,500 km, EU 14,600, world 24,600, India 57,900.
    Tolerance: the 10,000-60,000 km band."""
    for region in data.REGIONS:
        result = evaluate({"use_region": region})
        value = result.series["breakeven_distance"][0]
        assert 10_000 <= value <= 60_000, (region, value)


def test_experience_exponent_matches_reference_data_0_286():
    """REFERENCE_DATA §1 and §8: LR 18 % => b = 0.286 (three decimals)."""
    assert round(float(cost.experience_exponent(0.18)), 3) == 0.286

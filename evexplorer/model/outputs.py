"""Names, units and meanings of everything the model returns.

Like the levers, output names are a public contract: they are the dataset
names of the scenario file, the keys of ``evexplorer compute --json`` and of
:attr:`Results.series`. The per-mineral series are generated from the one
mineral table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .mineral_table import MINERAL_LABELS, MINERAL_UNITS, TABLE

__all__ = ["MINERAL_LABELS", "MINERAL_UNITS", "SCALARS", "SERIES", "Output"]


@dataclass(frozen=True)
class Output:
    """One output of the model.

    Attributes
    ----------
    name : str
        Output name.
    unit : str
        Unit of its values.
    label : str
        Short human label.
    description : str
        What it is, for the glossary and tooltips.
    """

    name: str
    unit: str
    label: str
    description: str


def _mineral_outputs() -> list[Output]:
    outputs = []
    for m in TABLE:
        qty, price = m.quantity_unit, m.price_unit
        label, lower = m.label, m.label.lower() if m.name != "ndpr" else m.label
        if m.in_battery:
            where = "that year's new EV batteries"
            recycled = f"{label} recovered from EV batteries retiring that year."
        else:
            where = "the motor magnets of that year's new EVs"
            recycled = f"{label} recovered from retiring EVs: 0, magnets are not recycled today."
        outputs += [
            Output(f"{m.name}_demand", qty, f"{label} demand",
                   f"{label} in {where} (recycled part included). Stationary storage and other "
                   f"uses are not included: they compete for the same supply (see "
                   f"{m.name}_supply)."),
            Output(f"{m.name}_recycled", qty, f"{label} recycled", recycled),
        ]
        if m.recycled_content_target:
            outputs.append(Output(
                f"{m.name}_recycled_content", "%", f"{label} recycled content",
                f"Recycled share of the {lower} in that year's new EV and storage batteries, as "
                "the EU Battery Regulation states its recycled-content targets."))
        outputs += [
            Output(f"{m.name}_supply", qty, f"{label} primary supply for EVs",
                   f"Primary {lower} supply left for EVs: mined and refined supply (announced "
                   "projects to 2035, then growth beyond them) less the demand of other uses "
                   "and of stationary storage batteries; 0 when they take it all. Judged on "
                   f"{m.market}."),
            Output(f"{m.name}_shortfall", qty, f"{label} shortfall",
                   f"{label} demand of EVs not met by the supply left for EVs and recycling "
                   "(0 when met): in those years the whole market is short at the prices shown."),
            Output(f"{m.name}_price", price, f"{label} price",
                   f"{label} price: the lever times the scarcity multiplier of its market and any "
                   "shock, at most 10 times the lever."),
            Output(f"{m.name}_refining_hhi", "HHI", f"{label} refining concentration",
                   f"Herfindahl-Hirschman index of {lower} refining by country (0-10,000; 2024 "
                   "shares of the top countries, so a lower bound); above 2,500 is highly "
                   "concentrated."),
        ]
    return outputs


_SERIES: tuple[Output, ...] = (
    Output("pack_cost", "USD/kWh", "Pack cost", "Battery pack cost: cell cost plus pack "
           "integration."),
    Output("cell_cost", "USD/kWh", "Cell cost", "Battery cell cost: mineral materials plus the "
           "rest of the cell on experience curves."),
    Output("pack_material_cost", "USD/kWh", "Mineral materials",
           "Mineral part of the pack cost: price × content of lithium, nickel, cobalt, manganese "
           "and graphite."),
    Output("pack_other_cost", "USD/kWh", "Rest of pack",
           "Pack cost less its mineral materials: processing, other materials, labour, capital, "
           "integration; falls with the cumulative production of EV and storage batteries, and "
           "for a chemistry made at small scale also with its own production."),
    Output("pack_specific_energy", "Wh/kg", "Pack specific energy",
           "Energy stored per kg of pack for that year's chemistry mix."),
    Output("ev_price", "USD", "EV price", "Price of the electric car: without battery, plus "
           "battery, plus motor magnets."),
    Output("ice_price", "USD", "Gasoline car price", "Price of the comparable gasoline car."),
    Output("ev_price_premium", "USD", "EV price premium",
           "EV price less the gasoline car's price; zero or below from the year of price "
           "parity."),
    Output("car_sales", "million", "Car sales", "Global car sales after mode shift."),
    Output("ev_sales", "million", "EV sales", "Electric cars sold that year."),
    Output("ev_share", "%", "EV share", "EV share of car sales; never above its ceiling."),
    Output("battery_demand", "GWh", "Battery demand", "EV battery capacity made that year."),
    Output("storage_demand", "GWh", "Storage battery demand",
           "Stationary storage battery capacity made that year (mostly LFP). It competes for "
           "the same minerals and adds to the production that drives learning."),
    Output("cumulative_production", "GWh", "Cumulative production",
           "EV and stationary storage battery capacity made to the end of that year, history "
           "included: the volume on the experience curve."),
    *_mineral_outputs(),
    Output("battery_emissions", "kg CO2e/kWh", "Battery production emissions",
           "Cradle-to-gate emissions of making one kWh of battery: materials (falling as grids "
           "and supply chains decarbonise, less for recycled content) plus cell-plant energy."),
    Output("ev_production_emissions", "t CO2e", "EV production emissions",
           "Emissions of making one EV, battery included."),
    Output("ice_production_emissions", "t CO2e", "Gasoline car production emissions",
           "Emissions of making one gasoline car."),
    Output("ev_lifecycle_emissions", "g CO2e/km", "EV life-cycle emissions",
           "Production plus use over its life, per km, for an EV built that year (a replacement "
           "battery counted when the battery does not last the car)."),
    Output("ice_lifecycle_emissions", "g CO2e/km", "Gasoline car life-cycle emissions",
           "Production plus fuel over its life, per km, for a gasoline car built that year "
           "(new cars use less fuel every year)."),
    Output("breakeven_distance", "km", "Break-even distance",
           "Distance after which an EV built that year has emitted less in total than the "
           "gasoline car; NaN if it never does."),
    Output("fleet_emissions_avoided", "Mt CO2e", "Emissions avoided",
           "Life-cycle emissions avoided by that year's EV sales, each replacing a gasoline "
           "car."),
    Output("factory_electricity", "TWh", "Cell-plant electricity",
           "Electricity used by cell plants to make that year's EV batteries."),
    Output("supply_concentration", "HHI", "Supply concentration",
           "Refining-share Herfindahl-Hirschman index (0-10,000) averaged over minerals weighted "
           "by that year's spending on each for EVs; above 2,500 is highly concentrated."),
)

_SCALARS: tuple[Output, ...] = (
    Output("cost_parity_year", "year", "Price parity year",
           "First year shown in which the EV costs no more than the gasoline car (null if "
           "never)."),
    Output("lithium_shortfall_years", "years", "Lithium shortfall years",
           "Number of years shown in which lithium demand for EVs exceeds the supply left for "
           "EVs plus recycling."),
    Output("fleet_emissions_avoided_total", "Mt CO2e", "Emissions avoided, all years",
           "Sum of the emissions avoided by the EVs sold in the years shown."),
)

#: Every output series, in display order.
SERIES: Mapping[str, Output] = MappingProxyType({o.name: o for o in _SERIES})
#: Every scalar output.
SCALARS: Mapping[str, Output] = MappingProxyType({o.name: o for o in _SCALARS})

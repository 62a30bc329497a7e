"""Names, units and meanings of everything the model returns.

Like the levers, output names are a public contract: they are the dataset
names of the scenario file, the keys of ``evexplorer compute --json`` and of
:attr:`Results.series`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .data import MINERALS


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


#: Human name of each mineral.
MINERAL_LABELS: Mapping[str, str] = MappingProxyType({
    "lithium": "Lithium",
    "nickel": "Nickel",
    "cobalt": "Cobalt",
    "manganese": "Manganese",
    "graphite": "Graphite",
    "ndpr": "NdPr oxide",
})

#: Unit of a mineral quantity and of its price.
MINERAL_UNITS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "lithium": ("kt LCE", "USD/t LCE"),
        "nickel": ("kt", "USD/t"),
        "cobalt": ("kt", "USD/t"),
        "manganese": ("kt", "USD/t"),
        "graphite": ("kt", "USD/t"),
        "ndpr": ("kt", "USD/kg"),
    }
)


def _mineral_outputs() -> list[Output]:
    outputs = []
    for m in MINERALS:
        qty, price = MINERAL_UNITS[m]
        label = MINERAL_LABELS[m]
        where = "EV motor magnets" if m == "ndpr" else "that year's new EV batteries"
        outputs += [
            Output(f"{m}_demand", qty, f"{label} demand",
                   f"{label} needed for {where} (total, recycled part included)."),
            Output(f"{m}_recycled", qty, f"{label} recycled",
                   f"{label} recovered from EV batteries retiring that year."),
            Output(f"{m}_supply", qty, f"{label} primary supply for EVs",
                   f"Primary {label.lower()} supply left for EVs after other uses."),
            Output(f"{m}_shortfall", qty, f"{label} shortfall",
                   f"{label} demand not met by primary supply and recycling (0 when met)."),
            Output(f"{m}_price", price, f"{label} price",
                   f"{label} price after any shock and the scarcity rule."),
        ]
    return outputs


_SERIES: tuple[Output, ...] = (
    Output("pack_cost", "USD/kWh", "Pack cost", "Battery pack cost: cell cost plus pack "
           "integration."),
    Output("cell_cost", "USD/kWh", "Cell cost", "Battery cell cost: mineral materials plus the "
           "rest of the cell on a learning curve."),
    Output("pack_material_cost", "USD/kWh", "Mineral materials",
           "Mineral part of the pack cost: price × content of lithium, nickel, cobalt, manganese "
           "and graphite."),
    Output("pack_other_cost", "USD/kWh", "Rest of pack",
           "Pack cost less its mineral materials: processing, other materials, labour, capital, "
           "integration; falls with cumulative production."),
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
    Output("ev_share", "%", "EV share", "EV share of car sales."),
    Output("battery_demand", "GWh", "Battery demand", "EV battery capacity made that year."),
    Output("cumulative_production", "GWh", "Cumulative production",
           "EV battery capacity made to the end of that year, history included."),
    *_mineral_outputs(),
    Output("battery_emissions", "kg CO2e/kWh", "Battery production emissions",
           "Cradle-to-gate emissions of making one kWh of battery: materials plus cell-plant "
           "energy."),
    Output("ev_production_emissions", "t CO2e", "EV production emissions",
           "Emissions of making one EV, battery included."),
    Output("ice_production_emissions", "t CO2e", "Gasoline car production emissions",
           "Emissions of making one gasoline car."),
    Output("ev_lifecycle_emissions", "g CO2e/km", "EV life-cycle emissions",
           "Production plus use over its life, per km, for an EV built that year."),
    Output("ice_lifecycle_emissions", "g CO2e/km", "Gasoline car life-cycle emissions",
           "Production plus fuel over its life, per km, for a gasoline car built that year."),
    Output("breakeven_distance", "km", "Break-even distance",
           "Distance after which an EV built that year has emitted less in total than the "
           "gasoline car; NaN if it never does."),
    Output("fleet_emissions_avoided", "Mt CO2e", "Emissions avoided",
           "Life-cycle emissions avoided by that year's EV sales, each replacing a gasoline "
           "car."),
    Output("factory_electricity", "TWh", "Cell-plant electricity",
           "Electricity used by cell plants to make that year's batteries."),
    Output("supply_concentration", "HHI", "Supply concentration",
           "Refining-share Herfindahl-Hirschman index (0-10,000) averaged over minerals weighted "
           "by that year's spending on each; above 2,500 is highly concentrated."),
)

_SCALARS: tuple[Output, ...] = (
    Output("cost_parity_year", "year", "Price parity year",
           "First year shown in which the EV costs no more than the gasoline car (null if "
           "never)."),
    Output("lithium_shortfall_years", "years", "Lithium shortfall years",
           "Number of years shown in which lithium demand exceeds supply plus recycling."),
    Output("fleet_emissions_avoided_total", "Mt CO2e", "Emissions avoided, all years",
           "Sum of the emissions avoided by the EVs sold in the years shown."),
)

#: Every output series, in display order.
SERIES: Mapping[str, Output] = MappingProxyType({o.name: o for o in _SERIES})
#: Every scalar output.
SCALARS: Mapping[str, Output] = MappingProxyType({o.name: o for o in _SCALARS})

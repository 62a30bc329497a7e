"""The IAMC time-series format: the scenario community's exchange format (pyam, the IPCC database).

One row per variable: ``Model, Scenario, Region, Variable, Unit``, then one
column per year. Variables are hierarchical names joined by ``|``, following
the conventions of the IAMC common definitions (e.g. ``Sales|Transportation|
Light-Duty Vehicles``, ``Emission Intensity|...``, ``Price|...``); every
output series of the model has one, listed in :data:`VARIABLES` and in the
glossary. Units follow pyam's style (``/yr`` on yearly flows, ``CO2-equiv``
for CO2 equivalents); the numbers are the model's own, never converted.

References
----------
.. [1] Huppmann, D. et al. (2021). pyam: Analysis and visualisation of
   integrated assessment and macro-energy scenarios. Open Research Europe 1:74.
.. [2] IAMC common definitions, https://github.com/IAMconsortium/common-definitions
   (variable templates for transport stocks and sales, prices, emission intensity).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TextIO

from ..model import SERIES
from ..model.data import MINERALS
from ..model.outputs import MINERAL_LABELS
from .tabular import csv_number

#: Leading columns of an IAMC file, in order.
COLUMNS: tuple[str, ...] = ("Model", "Scenario", "Region", "Variable", "Unit")
#: Region of every row: the model's markets, supplies and fleet are global.
REGION = "World"


@dataclass(frozen=True)
class Variable:
    """The IAMC name of one output series.

    Attributes
    ----------
    series : str
        The output series' name, e.g. ``pack_cost``.
    variable : str
        Its IAMC variable, e.g. ``Price|Battery Pack``.
    unit : str
        Its unit in pyam's style, e.g. ``kt LCE/yr`` for the model's ``kt LCE`` per year.
    """

    series: str
    variable: str
    unit: str


#: Suffix of the IAMC unit by how a series is counted: per year, per vehicle, or as it is.
_PER = {"flow": "/yr", "vehicle": "/vehicle", "level": ""}

#: Series named one by one: IAMC variable and how the series is counted.
_NAMED: Mapping[str, tuple[str, str]] = MappingProxyType({
    "pack_cost": ("Price|Battery Pack", "level"),
    "cell_cost": ("Price|Battery Cell", "level"),
    "pack_material_cost": ("Price|Battery Pack|Mineral Materials", "level"),
    "pack_other_cost": ("Price|Battery Pack|Other", "level"),
    "pack_specific_energy": ("Specific Energy|Battery Pack", "level"),
    "ev_price": ("Price|Car|Electric", "level"),
    "ice_price": ("Price|Car|Gasoline", "level"),
    "ev_price_premium": ("Price Premium|Car|Electric", "level"),
    "car_sales": ("Sales|Transportation|Light-Duty Vehicles", "level"),
    "ev_sales": ("Sales|Transportation|Light-Duty Vehicles|Electric", "level"),
    "ev_share": ("Sales Share|Transportation|Light-Duty Vehicles|Electric", "level"),
    "battery_demand": ("Demand|Battery Capacity|EV Batteries", "flow"),
    "storage_demand": ("Demand|Battery Capacity|Stationary Storage", "flow"),
    "cumulative_production": ("Cumulative Production|Battery Capacity|EV Batteries", "level"),
    "battery_emissions": ("Emission Intensity|CO2e|Battery Production", "level"),
    "ev_production_emissions": ("Emission Intensity|CO2e|Car Production|Electric", "vehicle"),
    "ice_production_emissions": ("Emission Intensity|CO2e|Car Production|Gasoline", "vehicle"),
    "ev_lifecycle_emissions": ("Emission Intensity|CO2e|Car Life Cycle|Electric", "level"),
    "ice_lifecycle_emissions": ("Emission Intensity|CO2e|Car Life Cycle|Gasoline", "level"),
    "breakeven_distance": ("Break-Even Distance|Car|Electric vs Gasoline", "level"),
    "fleet_emissions_avoided": ("Emissions Avoided|CO2e|Life Cycle|EV Sales", "level"),
    "factory_electricity": ("Final Energy|Battery Cell Plants|Electricity", "flow"),
    "supply_concentration": ("Supply Concentration|Refining|Battery Minerals", "level"),
})

#: Per-mineral series: name suffix -> (IAMC variable template, how it is counted).
#: ``{mineral}`` is the mineral's label, ``{use}`` what EVs use it in.
_PER_MINERAL: Mapping[str, tuple[str, str]] = MappingProxyType({
    "_demand": ("Demand|{mineral}|{use}", "flow"),
    "_recycled": ("Supply|{mineral}|Recycled from Retired EVs", "flow"),
    "_supply": ("Supply|{mineral}|Primary for EVs", "flow"),
    "_shortfall": ("Shortfall|{mineral}|{use}", "flow"),
    "_price": ("Price|{mineral}", "level"),
    "_recycled_content": ("Recycled Content|{mineral}|EV Batteries", "level"),
    "_refining_hhi": ("Supply Concentration|Refining|{mineral}", "level"),
})


def _mineral_label(mineral: str) -> str:
    """``NdPr oxide`` → ``NdPr Oxide``: each word capitalised, the rest kept."""
    return " ".join(w[:1].upper() + w[1:] for w in MINERAL_LABELS[mineral].split())


def _use(mineral: str) -> str:
    return "EV Motor Magnets" if mineral == "ndpr" else "EV Batteries"


def iamc_unit(unit: str, counted: str = "level") -> str:
    """A model unit in pyam's style.

    Parameters
    ----------
    unit : str
        The model's unit, e.g. ``Mt CO2e`` or ``kt LCE``.
    counted : {"level", "flow", "vehicle"}
        ``flow`` for quantities per year (``/yr`` is added), ``vehicle`` for
        quantities per car (``/vehicle``), ``level`` otherwise.

    >>> iamc_unit("kt LCE", "flow"), iamc_unit("g CO2e/km")
    ('kt LCE/yr', 'g CO2-equiv/km')
    """
    return unit.replace("CO2e", "CO2-equiv") + _PER[counted]


def _rule(name: str) -> tuple[str, str]:
    if name in _NAMED:
        return _NAMED[name]
    for mineral in MINERALS:
        suffix = name[len(mineral):]
        if name.startswith(mineral) and suffix in _PER_MINERAL:
            template, counted = _PER_MINERAL[suffix]
            return template.format(mineral=_mineral_label(mineral), use=_use(mineral)), counted
    raise KeyError(f"no IAMC variable for the series {name!r}")


def variable(name: str, unit: str | None = None) -> Variable:
    """The IAMC variable of the output series ``name``.

    Parameters
    ----------
    name : str
        An output series, e.g. ``lithium_demand``.
    unit : str, optional
        Its unit as given with the numbers (e.g. stored in a file); default the
        output registry's.

    Raises
    ------
    KeyError
        For a series without an IAMC variable.
    """
    iamc, counted = _rule(name)
    return Variable(name, iamc, iamc_unit(unit if unit is not None else SERIES[name].unit,
                                          counted))


def variables() -> Mapping[str, Variable]:
    """The IAMC variable of every output series of this model, in the registry's order."""
    return MappingProxyType({name: variable(name) for name in SERIES})


def write_iamc(source: Any, stream: TextIO) -> None:
    """Write a scenario's series in the IAMC format (wide, one column per year).

    Parameters
    ----------
    source : Snapshot
        The scenario; its :attr:`~.snapshot.Snapshot.name` is the ``Scenario``,
        ``EV Explorer <model version>`` the ``Model``, :data:`REGION` the ``Region``.
    stream : text stream
        Opened with ``newline=""``. Numbers have at most 12 significant digits;
        undefined values (e.g. a break-even never reached) are empty cells.
    """
    results = source.results
    model = f"EV Explorer {source.model_version}"
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([*COLUMNS, *(str(int(y)) for y in results.years)])
    for name, values in results.series.items():
        var = variable(name, results.units.get(name))
        writer.writerow([model, source.name, REGION, var.variable, var.unit,
                         *(csv_number(v) for v in values)])

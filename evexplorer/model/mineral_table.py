"""The one table of minerals: every per-mineral name, label, unit and conversion.

The price levers (``{mineral}_price``), the mineral output series
(``{mineral}_demand``, ``_recycled``, ``_supply``, ``_shortfall``, ``_price``,
``_refining_hhi``), the order of the mineral axis of the model's arrays and
the conversion of spending to USD are all generated from :data:`TABLE`.
Sourced numbers (supply, demand outside batteries, emission factors...) live
in the reference data, keyed by the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np


@dataclass(frozen=True)
class Mineral:
    """One mineral the model tracks.

    Attributes
    ----------
    name : str
        Name used in lever and series names, e.g. ``lithium``.
    label : str
        Human name, e.g. ``Lithium``.
    quantity_unit : str
        Unit of quantities of it, e.g. ``kt LCE``.
    price_unit : str
        Unit of its price lever and price series, e.g. ``USD/t LCE``.
    usd_per_price_kt : float
        USD per (kt × price unit): 1,000 for prices per tonne, 1,000,000 per kg [USD].
    price_label : str
        Label of the price lever.
    price_range : tuple of float
        Allowed range of the price lever [price unit].
    price_description : str
        What the price lever is.
    in_battery : bool
        True for minerals of the battery cell (all but the motor-magnet NdPr).
    market : str
        The market its scarcity is judged on.
    substitute : str or None
        Chemistry that sustained high prices of it shift the mix toward (the
        price response), or None.
    recycled_content_target : bool
        True if the EU Battery Regulation sets a recycled-content target for it;
        the model then reports its recycled content.
    """

    name: str
    label: str
    quantity_unit: str
    price_unit: str
    usd_per_price_kt: float
    price_label: str
    price_range: tuple[float, float]
    price_description: str
    in_battery: bool
    market: str
    substitute: str | None = None
    recycled_content_target: bool = False


#: Every mineral, in the order of the mineral axis of the model's arrays.
TABLE: tuple[Mineral, ...] = (
    Mineral("lithium", "Lithium", "kt LCE", "USD/t LCE", 1e3, "Lithium carbonate price",
            (3_000, 150_000),
            "Price of battery-grade lithium carbonate, per tonne of lithium carbonate equivalent "
            "(LCE). Multiplied by each chemistry's lithium content, it passes straight into the "
            "pack's material cost.",
            True, "the whole lithium market (lithium chemicals)", "NA_ION", True),
    Mineral("nickel", "Nickel", "kt", "USD/t", 1e3, "Nickel price", (5_000, 120_000),
            "Price of class-1 nickel per tonne of metal.",
            True, "the whole nickel market (stainless steel included)", "LFP", True),
    Mineral("cobalt", "Cobalt", "kt", "USD/t", 1e3, "Cobalt price", (10_000, 150_000),
            "Price of cobalt per tonne of metal.",
            True, "the whole cobalt market", "LFP", True),
    Mineral("manganese", "Manganese", "kt", "USD/t", 1e3, "Manganese price", (500, 20_000),
            "Price of battery-grade manganese per tonne of contained metal.",
            True, "battery-grade high-purity manganese sulphate (not the steel market)"),
    Mineral("graphite", "Graphite", "kt", "USD/t", 1e3, "Graphite anode price",
            (2_000, 40_000),
            "Price of battery anode graphite (natural spherical or synthetic) per tonne.",
            True, "anode-grade graphite"),
    Mineral("ndpr", "NdPr oxide", "kt", "USD/kg", 1e6, "NdPr oxide price", (20, 500),
            "Price of neodymium-praseodymium oxide for permanent-magnet motors; it enters the "
            "EV price through the magnets.",
            False, "NdPr oxide (magnets for wind turbines, industry and EVs)"),
)

#: Mineral names in array order.
MINERALS: tuple[str, ...] = tuple(m.name for m in TABLE)
#: Minerals of the battery cell, in array order (they come first).
BATTERY_MINERALS: tuple[str, ...] = tuple(m.name for m in TABLE if m.in_battery)
#: Every mineral by name.
BY_NAME: Mapping[str, Mineral] = MappingProxyType({m.name: m for m in TABLE})
#: Human name of each mineral.
MINERAL_LABELS: Mapping[str, str] = MappingProxyType({m.name: m.label for m in TABLE})
#: Unit of a quantity of each mineral and of its price.
MINERAL_UNITS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {m.name: (m.quantity_unit, m.price_unit) for m in TABLE})
#: The price lever of each mineral, in array order.
PRICE_LEVERS: tuple[str, ...] = tuple(f"{m.name}_price" for m in TABLE)
#: USD per (kt × price unit) of each mineral, in array order [USD].
SPENDING_PER_KT: np.ndarray = np.array([m.usd_per_price_kt for m in TABLE])
SPENDING_PER_KT.flags.writeable = False

if BATTERY_MINERALS != MINERALS[:len(BATTERY_MINERALS)]:  # the arrays slice on this
    raise RuntimeError("battery minerals must come first in the mineral table")

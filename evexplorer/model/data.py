"""Reference data: the sourced numbers behind the model's defaults.

The data live in ``resources/reference_data.json``. Every number there is an
object ``{"value": ..., "source": key}`` and every ``key`` names an entry of
the file's ``sources`` table with a citation, a vintage and a tag (V read in
the source, D derived, U unconfirmed, A assumption). :func:`load` checks this
rule before any number is used, so a number without a source cannot ship.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np

from .._resources import resource_path
from .mineral_table import BATTERY_MINERALS, MINERALS

__all__ = [
    "BATTERY_MINERALS", "CHEMISTRIES", "MATERIALS", "MINERALS", "REGIONS", "SOURCE_TAGS",
    "DataError", "ReferenceData", "Source", "build", "check_sources", "iter_numbers", "load",
]

#: Battery chemistries, in the order of the chemistry axis.
CHEMISTRIES: tuple[str, ...] = ("NMC622", "NMC811", "NCA", "LFP", "LMFP", "NA_ION", "SOLID_STATE")
#: Materials, in the order of the material axis of the model's arrays: every mineral
#: (lithium as LCE; NdPr, which is not in the battery, has zero content per kWh), then
#: copper and aluminium, which count in the battery's footprint but have no market here.
MATERIALS: tuple[str, ...] = (*MINERALS, "copper", "aluminium")
#: Electricity-grid regions for manufacturing and use.
REGIONS: tuple[str, ...] = ("china", "usa", "eu", "korea", "japan", "india", "norway", "world")

SOURCE_TAGS = {
    "V": "read in the source",
    "D": "derived",
    "U": "widely quoted, unconfirmed",
    "A": "EV Explorer assumption",
}


class DataError(ValueError):
    """The reference data file breaks its own rules (a number without a source...)."""


@dataclass(frozen=True)
class Source:
    """A citation for numbers of the reference data.

    Attributes
    ----------
    key : str
        Name of the source in the ``sources`` table.
    citation : str
        Who published what, or the arithmetic of a derived number.
    vintage : int
        Year the figure describes or was published [year].
    tag : str
        ``V`` read in the source, ``D`` derived, ``U`` unconfirmed, ``A`` assumption.
    """

    key: str
    citation: str
    vintage: int
    tag: str

    def describe(self) -> str:
        """Return one line: citation, vintage and what the tag means."""
        return f"{self.citation} ({self.vintage}; {SOURCE_TAGS[self.tag]})"


def iter_numbers(node: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Yield ``(path, value, source)`` for every number in the data tree.

    A number outside a ``{"value", "source"}`` object is yielded with source
    ``None`` so that the caller can refuse it.
    """
    if isinstance(node, Mapping):
        if "value" in node:
            yield path, node["value"], node.get("source")
            return
        for key, child in node.items():
            if key in ("sources",):
                continue
            yield from iter_numbers(child, f"{path}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from iter_numbers(child, f"{path}/{i}")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, node, None


def check_sources(raw: Mapping[str, Any]) -> dict[str, Source]:
    """Check that every number of ``raw`` carries a known source; return the sources.

    Raises
    ------
    DataError
        Naming the first number without a source, or the unknown source key.
    """
    sources: dict[str, Source] = {}
    for key, entry in raw.get("sources", {}).items():
        try:
            source = Source(key, str(entry["citation"]), int(entry["vintage"]), str(entry["tag"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"source {key!r} needs a citation, a vintage and a tag") from exc
        if source.tag not in SOURCE_TAGS:
            raise DataError(f"source {key!r} has tag {source.tag!r}; use one of V, D, U, A")
        sources[key] = source
    for path, value, source in iter_numbers(raw):
        if source is None:
            raise DataError(f"the number {value!r} at {path} has no source")
        if source not in sources:
            raise DataError(f"{path} cites the unknown source {source!r}")
    return sources


def _v(node: Mapping[str, Any]) -> Any:
    return node["value"]


def _frozen(array: Any) -> np.ndarray:
    array = np.array(array, float)
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class ReferenceData:
    """The default data as read-only arrays, in the axis orders of :data:`MINERALS`,
    :data:`MATERIALS`, :data:`CHEMISTRIES` and :data:`REGIONS`.

    Lithium quantities are in lithium carbonate equivalent (LCE) throughout.
    Units are given per attribute.
    """

    raw: Mapping[str, Any]
    sources: Mapping[str, Source]
    base_year: int
    #: kg of material per kWh of pack, shape (chemistry, material) [kg/kWh] (NdPr: 0).
    intensity: np.ndarray
    #: market share of each chemistry in 2024, sums to 1 [1].
    mix_2024: np.ndarray
    #: shares of the chemistries in stationary storage batteries, sum to 1 [1].
    storage_mix: np.ndarray
    #: years of the cell specific energy table [year].
    specific_energy_years: np.ndarray
    #: cell specific energy, shape (chemistry, year) [kWh/kg].
    cell_specific_energy: np.ndarray
    #: years of the cell mass share table [year].
    mass_share_years: np.ndarray
    #: cell mass as a share of pack mass, shape (chemistry, year) [1].
    cell_mass_share: np.ndarray
    #: material emissions by chemistry in 2025, cradle to gate, all primary [kg CO2e/kWh].
    materials_emissions: np.ndarray
    #: pack price by chemistry in 2025 as published (all uses), before the BEV scaling [USD/kWh].
    chemistry_pack_cost: np.ndarray
    #: small-scale premium on a chemistry's non-mineral cell cost in 2025 [1].
    scale_premium: np.ndarray
    #: cumulative production of each chemistry to the end of 2024 (NaN if unused) [GWh].
    chemistry_volume: np.ndarray
    #: years of the primary supply paths (announced projects) [year].
    supply_years: np.ndarray
    #: primary supply per mineral and supply year, shape (mineral, year) [kt].
    supply: np.ndarray
    #: demand outside EV and storage batteries in 2024 per mineral [kt].
    other_uses_2024: np.ndarray
    #: yearly growth of that demand per mineral [1/yr].
    other_uses_growth: np.ndarray
    #: share of a material recovered from a recycled battery, per material (NaN where a
    #: lever sets it) [1].
    recovery: np.ndarray
    #: primary emission factor per material in 2025 (NdPr: 0, not in the battery)
    #: [kg CO2e/kg].
    emission_factor: np.ndarray
    #: share of the primary factor that is grid electricity, per material [1].
    electricity_share: np.ndarray
    #: recycling-process emissions per kg recovered, per material (NaN: not recovered)
    #: [kg CO2e/kg].
    recycled_factor: np.ndarray
    #: grid electricity share of the recycling process [1].
    recycling_electricity_share: float
    #: grid electricity share of the other cell materials' emissions [1].
    other_electricity_share: float
    #: refining-share Herfindahl-Hirschman index per mineral [HHI, 0-10,000].
    refining_hhi: np.ndarray
    #: scarcity rule: highest price multiple, width of the smooth onset [1].
    scarcity_cap: float
    scarcity_width: float
    #: price response: years averaged, largest share moved per channel [year], [1].
    response_years: int
    response_cap: float
    #: lifecycle grid intensity per region in ``grid_year`` [g CO2e/kWh].
    grid: Mapping[str, float]
    grid_year: int
    #: default yearly fall of each region's grid at the default world rate [1/yr].
    grid_rate: Mapping[str, float]
    #: 2025 pack price of each manufacturing region relative to the world average [1].
    region_cost_ratio: Mapping[str, float]
    #: share of the world's cell production per region (the "world" manufacturing mix) [1].
    cell_production_share: Mapping[str, float]
    #: pack and cell price in 2025, all segments; BEV pack price [USD/kWh].
    pack_cost_2025: float
    cell_cost_2025: float
    bev_pack_cost_2025: float
    #: EV battery demand by year before the model starts [GWh].
    history_years: np.ndarray
    history_demand: np.ndarray
    #: stationary storage battery demand by year before the model starts [GWh].
    storage_history: np.ndarray
    #: long-run ceiling of stationary storage battery demand [GWh/yr].
    storage_ceiling: float
    #: cumulative EV and storage battery production to the end of the base year [GWh].
    cumulative_base: float
    ev_sales_base: float
    ev_share_base: float
    weibull_shape: float
    #: electricity's share of cell-plant energy [1].
    plant_electricity_share: float
    #: life-cycle emissions of natural gas heat [kg CO2e/kWh].
    gas_lifecycle_factor: float
    #: lifecycle intensity of dedicated renewable electricity [g CO2e/kWh].
    renewable_intensity: float
    #: EV production without battery; gasoline car production [t CO2e].
    ev_body_emissions: float
    ice_production_emissions: float
    #: gasoline combustion factor [kg CO2/L] and upstream share [1].
    gasoline_combustion: float
    gasoline_upstream: float
    #: default value and source key of every lever.
    lever_defaults: Mapping[str, Any]
    lever_sources: Mapping[str, str]

    def source(self, key: str) -> Source:
        """Return the source named ``key``, or fail with the closest valid keys."""
        try:
            return self.sources[key]
        except KeyError:
            close = difflib.get_close_matches(key, self.sources, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"unknown source {key!r}{hint}") from None


def _by_year(table: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    years = sorted(table, key=int)
    return np.array([int(y) for y in years], float), np.array([_v(table[y]) for y in years], float)


def _optional(node: Any) -> float:
    return math.nan if node is None else float(_v(node))


def _shares(table: Mapping[str, Any], what: str) -> np.ndarray:
    unknown = set(table) - set(CHEMISTRIES)
    if unknown:
        raise DataError(f"{what} names unknown chemistries {sorted(unknown)}")
    shares = np.array([_v(table[c]) if c in table else 0.0 for c in CHEMISTRIES], float)
    if not math.isclose(shares.sum(), 1.0, abs_tol=1e-9) or np.any(shares < 0):
        raise DataError(f"the {what} sum to {shares.sum()}, not 1")
    return shares


def build(raw: Mapping[str, Any]) -> ReferenceData:
    """Check ``raw`` (the parsed JSON) and turn it into :class:`ReferenceData`."""
    sources = check_sources(raw)
    chem = raw["chemistries"]
    missing = [c for c in CHEMISTRIES if c not in chem]
    if missing:
        raise DataError(f"the data lack chemistries {missing}")
    minerals = raw["minerals"]
    materials = raw["materials"]
    lce = _v(minerals["lithium"]["lce_per_kg_element"])
    intensity = np.array(
        [[_v(chem[c]["intensity"][m]) if m in BATTERY_MINERALS or m not in MINERALS else 0.0
          for m in MATERIALS] for c in CHEMISTRIES], float)
    intensity[:, 0] *= lce  # lithium as LCE
    mix = np.array([_v(chem[c]["market_share_2024"]) for c in CHEMISTRIES], float)
    if not math.isclose(mix.sum(), 1.0, abs_tol=1e-9):
        raise DataError(f"the 2024 chemistry shares sum to {mix.sum()}, not 1")
    se_years, _ = _by_year(chem[CHEMISTRIES[0]]["cell_specific_energy"])
    se = np.array([_by_year(chem[c]["cell_specific_energy"])[1] for c in CHEMISTRIES])
    ms_years, _ = _by_year(chem[CHEMISTRIES[0]]["cell_mass_share"])
    ms = np.array([_by_year(chem[c]["cell_mass_share"])[1] for c in CHEMISTRIES])

    supply_years, _ = _by_year(minerals[MINERALS[0]]["supply"])
    supply = []
    for m in MINERALS:
        years, values = _by_year(minerals[m]["supply"])
        if not np.array_equal(years, supply_years):
            raise DataError(f"the supply path of {m} must give the years {supply_years}")
        supply.append(values)
    material_nodes = {**{m: minerals[m] for m in MINERALS}, **materials}
    for m in MINERALS:
        if m not in BATTERY_MINERALS and (material_nodes[m]["emissions"] is not None or _v(
                material_nodes[m]["recovery"]) != 0):
            raise DataError(f"{m} is not in the battery: it has no battery emissions and is "
                            "not recovered from batteries")
    no_emissions = {"primary": None, "electricity_share": None, "recycled": None}
    emission = {m: material_nodes[m]["emissions"] or no_emissions for m in MATERIALS}
    primary = np.nan_to_num([_optional(emission[m]["primary"]) for m in MATERIALS])
    el_share = np.nan_to_num([_optional(emission[m]["electricity_share"]) for m in MATERIALS])
    recycled = np.array([_optional(emission[m]["recycled"]) for m in MATERIALS])
    recycling_el = float(_v(raw["recycling"]["process_electricity_share"]))
    # Recycled material must be no dirtier than primary in each part, or more recycling
    # could raise a footprint on some grid path.
    rec = np.nan_to_num(recycled)
    if np.any(rec * recycling_el > primary * el_share) or np.any(
            rec * (1 - recycling_el) > primary * (1 - el_share)):
        raise DataError("a recycled material's electricity or process emissions exceed the "
                        "primary material's")
    # 10,000 x the sum of squared shares, rounded off the last bits of the float sum
    hhi = np.array([round(1e4 * sum(_v(s) ** 2 for s in minerals[m]["refining_shares"].values()),
                          6) for m in MINERALS])
    history = {k: _v(v) for k, v in raw["battery_demand_history"].items()}
    before = history.pop("before_2015")
    hist_years = np.array(sorted(int(y) for y in history), float)
    hist_demand = np.array([history[str(int(y))] for y in hist_years], float)
    storage = raw["storage"]
    st_years, st_history = _by_year(storage["history"])
    if not np.array_equal(st_years, hist_years):
        raise DataError("the storage history must cover the years of the EV battery history")
    defaults = {k: _v(v) for k, v in raw["lever_defaults"].items()}
    defaults.update({k: _v(v) for k, v in raw["choice_defaults"].items()})
    defaults["chemistry_mix"] = {c: float(s) for c, s in zip(CHEMISTRIES, mix, strict=True)}
    lever_sources = {k: v["source"] for k, v in raw["lever_defaults"].items()}
    lever_sources.update({k: v["source"] for k, v in raw["choice_defaults"].items()})
    lever_sources["chemistry_mix"] = chem["LFP"]["market_share_2024"]["source"]
    regions = raw["regions"]
    production = {r: _v(regions[r]["cell_production_share"]) for r in REGIONS
                  if regions[r]["cell_production_share"] is not None}
    if not math.isclose(sum(production.values()), 1.0, abs_tol=1e-9):
        raise DataError("the regions' shares of cell production do not sum to 1")
    factory = raw["factory"]
    vehicles = raw["vehicles"]
    scarcity = raw["scarcity"]
    return ReferenceData(
        raw=MappingProxyType(dict(raw)),
        sources=MappingProxyType(sources),
        base_year=int(_v(raw["base_year"])),
        intensity=_frozen(intensity),
        mix_2024=_frozen(mix),
        storage_mix=_frozen(_shares(storage["chemistry_shares"], "storage chemistry shares")),
        specific_energy_years=_frozen(se_years),
        cell_specific_energy=_frozen(se),
        mass_share_years=_frozen(ms_years),
        cell_mass_share=_frozen(ms),
        materials_emissions=_frozen([_v(chem[c]["materials_emissions"]) for c in CHEMISTRIES]),
        chemistry_pack_cost=_frozen([_v(chem[c]["pack_cost_2025"]) for c in CHEMISTRIES]),
        scale_premium=_frozen([_v(chem[c]["scale_premium_2025"]) if "scale_premium_2025"
                               in chem[c] else 0.0 for c in CHEMISTRIES]),
        chemistry_volume=_frozen([_v(chem[c]["volume_2024"]) if "volume_2024" in chem[c]
                                  else math.nan for c in CHEMISTRIES]),
        supply_years=_frozen(supply_years),
        supply=_frozen(supply),
        other_uses_2024=_frozen([_v(minerals[m]["other_uses_2024"]) for m in MINERALS]),
        other_uses_growth=_frozen([_v(minerals[m]["other_uses_growth"]) for m in MINERALS]),
        recovery=_frozen([_optional(material_nodes[m]["recovery"]) for m in MATERIALS]),
        emission_factor=_frozen(primary),
        electricity_share=_frozen(el_share),
        recycled_factor=_frozen(recycled),
        recycling_electricity_share=recycling_el,
        other_electricity_share=float(_v(materials["other"]["emissions"]["electricity_share"])),
        refining_hhi=_frozen(hhi),
        scarcity_cap=float(_v(scarcity["cap"])),
        scarcity_width=float(_v(scarcity["onset_width"])),
        response_years=int(_v(scarcity["response_years"])),
        response_cap=float(_v(scarcity["response_cap"])),
        grid=MappingProxyType({r: float(_v(regions[r]["grid_2023"])) for r in REGIONS}),
        grid_year=int(_v(raw["grid_year"])),
        grid_rate=MappingProxyType(
            {r: float(_v(regions[r]["decarbonization_rate"])) / 100.0 for r in REGIONS}),
        region_cost_ratio=MappingProxyType(
            {r: float(_v(regions[r]["pack_cost_ratio"])) for r in REGIONS}),
        cell_production_share=MappingProxyType(production),
        pack_cost_2025=float(_v(raw["cost_2025"]["pack"])),
        cell_cost_2025=float(_v(raw["cost_2025"]["cell"])),
        bev_pack_cost_2025=float(_v(raw["cost_2025"]["pack_bev"])),
        history_years=_frozen(hist_years),
        history_demand=_frozen(hist_demand),
        storage_history=_frozen(st_history),
        storage_ceiling=float(_v(storage["ceiling"])),
        cumulative_base=float(before + hist_demand.sum() + st_history.sum()),
        ev_sales_base=float(_v(raw["ev_sales_2024"])),
        ev_share_base=float(_v(raw["ev_share_2024"])),
        weibull_shape=float(_v(raw["recycling"]["lifetime_weibull_shape"])),
        plant_electricity_share=float(_v(factory["electricity_share"])),
        gas_lifecycle_factor=float(_v(factory["gas_lifecycle_factor"])),
        renewable_intensity=float(_v(factory["renewable_intensity"])),
        ev_body_emissions=float(_v(vehicles["ev_body_emissions"])),
        ice_production_emissions=float(_v(vehicles["ice_production_emissions"])),
        gasoline_combustion=float(_v(vehicles["gasoline_combustion"])),
        gasoline_upstream=float(_v(vehicles["gasoline_upstream"])),
        lever_defaults=MappingProxyType(defaults),
        lever_sources=MappingProxyType(lever_sources),
    )


@cache
def load() -> ReferenceData:
    """Load and check the shipped reference data (once per process)."""
    with open(resource_path("reference_data.json"), encoding="utf-8") as fh:
        return build(json.load(fh))

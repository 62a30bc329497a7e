"""Reference data: the sourced numbers behind the model's defaults.

The data live in ``resources/reference_data.json``. Every number there is an
object ``{"value": ..., "source": key}`` and every ``key`` names an entry of
the file's ``sources`` table with a citation, a vintage and a tag (V read in
the source, D derived, U unconfirmed, A assumption), and, where the source
has a public page, its ``url``. :func:`load` checks this
rule before any number is used, so a number without a source cannot ship.
"""

from __future__ import annotations

import dataclasses
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

#: Minerals the model tracks, in the order of the mineral axis of its arrays.
MINERALS: tuple[str, ...] = ("lithium", "nickel", "cobalt", "manganese", "graphite", "ndpr")
#: Minerals in the battery cell (all but the motor-magnet NdPr).
BATTERY_MINERALS: tuple[str, ...] = MINERALS[:5]
#: Battery chemistries, in the order of the chemistry axis.
CHEMISTRIES: tuple[str, ...] = ("NMC622", "NMC811", "NCA", "LFP", "LMFP", "NA_ION", "SOLID_STATE")
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
    url : str or None
        The publisher's public page of the source (``https://…``), where one exists.
    """

    key: str
    citation: str
    vintage: int
    tag: str
    url: str | None = None

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
        url = entry.get("url")
        if url is not None:
            if not (isinstance(url, str) and url.startswith("https://") and " " not in url):
                raise DataError(f"source {key!r} has the url {url!r}; give an https:// address")
            source = dataclasses.replace(source, url=url)
        sources[key] = source
    for path, value, source in iter_numbers(raw):
        if source is None:
            raise DataError(f"the number {value!r} at {path} has no source")
        if source not in sources:
            raise DataError(f"{path} cites the unknown source {source!r}")
    return sources


def _v(node: Mapping[str, Any]) -> Any:
    return node["value"]


@dataclass(frozen=True)
class ReferenceData:
    """The default data as arrays, in the axis orders of :data:`MINERALS` and :data:`CHEMISTRIES`.

    Units are given per attribute; lithium quantities are in lithium carbonate
    equivalent (LCE) throughout.
    """

    raw: Mapping[str, Any]
    sources: Mapping[str, Source]
    base_year: int
    #: kg of mineral per kWh of pack, shape (chemistry, battery mineral) [kg/kWh].
    intensity: np.ndarray
    #: market share of each chemistry in 2024, sums to 1 [1].
    mix_2024: np.ndarray
    #: years of the cell specific energy table [year].
    specific_energy_years: np.ndarray
    #: cell specific energy, shape (chemistry, year) [kWh/kg].
    cell_specific_energy: np.ndarray
    #: years of the cell mass share table [year].
    mass_share_years: np.ndarray
    #: cell mass as a share of pack mass, shape (chemistry, year) [1].
    cell_mass_share: np.ndarray
    #: material emissions by chemistry, cradle to gate [kg CO2e/kWh].
    materials_emissions: np.ndarray
    #: non-mineral cell cost relative to NMC [1].
    rest_cost_factor: np.ndarray
    #: world primary production in 2024 per mineral [kt, lithium kt LCE].
    supply_2024: np.ndarray
    #: demand outside EV batteries in 2024 per mineral [kt, lithium kt LCE].
    non_ev_demand_2024: np.ndarray
    #: growth of demand outside EV batteries [1/yr].
    non_ev_demand_growth: float
    #: share of a mineral recovered from a recycled battery, NaN where a lever sets it [1].
    recovery: np.ndarray
    #: primary material emission factor per battery mineral [kg CO2e/kg].
    emission_factor: np.ndarray
    #: refining-share Herfindahl-Hirschman index per mineral [HHI, 0-10,000].
    refining_hhi: np.ndarray
    #: highest multiple of its price that scarcity can push a mineral to [1].
    scarcity_cap: float
    #: lifecycle grid intensity per region in ``grid_year`` [g CO2e/kWh].
    grid: Mapping[str, float]
    grid_year: int
    #: pack and cell cost in 2025 [USD/kWh].
    pack_cost_2025: float
    cell_cost_2025: float
    #: EV battery demand by year before the model starts [GWh].
    history_years: np.ndarray
    history_demand: np.ndarray
    #: cumulative EV battery production to the end of the base year [GWh].
    cumulative_base: float
    ev_sales_base: float
    ev_share_base: float
    weibull_shape: float
    recycled_emission_ratio: float
    electricity_share: float
    #: natural gas combustion factor [kg CO2/kWh].
    gas_emission_factor: float
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


def build(raw: Mapping[str, Any]) -> ReferenceData:
    """Check ``raw`` (the parsed JSON) and turn it into :class:`ReferenceData`."""
    sources = check_sources(raw)
    chem = raw["chemistries"]
    missing = [c for c in CHEMISTRIES if c not in chem]
    if missing:
        raise DataError(f"the data lack chemistries {missing}")
    lce = _v(raw["minerals"]["lithium"]["lce_per_kg_element"])
    intensity = np.array(
        [[_v(chem[c]["intensity"][m]) for m in BATTERY_MINERALS] for c in CHEMISTRIES], float
    )
    intensity[:, 0] *= lce  # lithium as LCE
    mix = np.array([_v(chem[c]["market_share_2024"]) for c in CHEMISTRIES], float)
    if not math.isclose(mix.sum(), 1.0, abs_tol=1e-9):
        raise DataError(f"the 2024 chemistry shares sum to {mix.sum()}, not 1")
    se_years, _ = _by_year(chem[CHEMISTRIES[0]]["cell_specific_energy"])
    se = np.array([_by_year(chem[c]["cell_specific_energy"])[1] for c in CHEMISTRIES])
    ms_years, _ = _by_year(chem[CHEMISTRIES[0]]["cell_mass_share"])
    ms = np.array([_by_year(chem[c]["cell_mass_share"])[1] for c in CHEMISTRIES])
    minerals = raw["minerals"]

    def per_mineral(field: str, names: tuple[str, ...] = MINERALS) -> np.ndarray:
        return np.array(
            [np.nan if minerals[m][field] is None else _v(minerals[m][field]) for m in names], float
        )

    hhi = np.array(
        [
            1e4 * sum(_v(s) ** 2 for s in minerals[m]["refining_shares"].values())
            for m in MINERALS
        ]
    )
    history = {k: _v(v) for k, v in raw["battery_demand_history"].items()}
    before = history.pop("before_2015")
    hist_years = np.array(sorted(int(y) for y in history), float)
    hist_demand = np.array([history[str(int(y))] for y in hist_years], float)
    defaults = {k: _v(v) for k, v in raw["lever_defaults"].items()}
    defaults.update({k: _v(v) for k, v in raw["choice_defaults"].items()})
    defaults["chemistry_mix"] = {c: float(s) for c, s in zip(CHEMISTRIES, mix, strict=True)}
    lever_sources = {k: v["source"] for k, v in raw["lever_defaults"].items()}
    lever_sources.update({k: v["source"] for k, v in raw["choice_defaults"].items()})
    lever_sources["chemistry_mix"] = chem["LFP"]["market_share_2024"]["source"]
    factory = raw["factory"]
    vehicles = raw["vehicles"]
    return ReferenceData(
        raw=MappingProxyType(dict(raw)),
        sources=MappingProxyType(sources),
        base_year=int(_v(raw["base_year"])),
        intensity=intensity,
        mix_2024=mix,
        specific_energy_years=se_years,
        cell_specific_energy=se,
        mass_share_years=ms_years,
        cell_mass_share=ms,
        materials_emissions=np.array([_v(chem[c]["materials_emissions"]) for c in CHEMISTRIES]),
        rest_cost_factor=np.array([_v(chem[c]["rest_cost_factor"]) for c in CHEMISTRIES]),
        supply_2024=per_mineral("supply_2024"),
        non_ev_demand_2024=per_mineral("non_ev_demand_2024"),
        non_ev_demand_growth=float(_v(raw["non_ev_demand_growth"])),
        recovery=per_mineral("recovery"),
        emission_factor=per_mineral("emission_factor", BATTERY_MINERALS),
        refining_hhi=hhi,
        scarcity_cap=float(_v(raw["scarcity_cap"])),
        grid=MappingProxyType({r: float(_v(raw["regions"][r]["grid_2023"])) for r in REGIONS}),
        grid_year=int(_v(raw["grid_year"])),
        pack_cost_2025=float(_v(raw["cost_2025"]["pack"])),
        cell_cost_2025=float(_v(raw["cost_2025"]["cell"])),
        history_years=hist_years,
        history_demand=hist_demand,
        cumulative_base=float(before + hist_demand.sum()),
        ev_sales_base=float(_v(raw["ev_sales_2024"])),
        ev_share_base=float(_v(raw["ev_share_2024"])),
        weibull_shape=float(_v(raw["recycling"]["lifetime_weibull_shape"])),
        recycled_emission_ratio=float(_v(raw["recycling"]["recycled_emission_ratio"])),
        electricity_share=float(_v(factory["electricity_share"])),
        gas_emission_factor=float(_v(factory["gas_emission_factor"])),
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

"""The orchestrator: one pass of the linked model for one scenario or N samples.

:func:`evaluate` is the only place that knows the order of the model's steps
(demand → chemistry → minerals → prices → cost → vehicle price → emissions →
concentration). Every step is a pure function of arrays from the sibling
modules. Levers enter as columns of shape (S, 1), S being 1 or the number of
samples, so that a lever held at one value costs nothing per sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np

from .._version import MODEL_VERSION
from . import chemistry, cost, data, demand, emissions, minerals, registry, vehicle
from .data import BATTERY_MINERALS, CHEMISTRIES, MINERALS
from .outputs import SCALARS, SERIES

#: Lever holding each mineral's base price, in the order of :data:`MINERALS`.
PRICE_LEVERS: tuple[str, ...] = tuple(f"{m}_price" for m in MINERALS)
#: USD per (kt × price unit): prices per tonne give ×1,000, NdPr per kg ×1,000,000.
_SPENDING_PER_KT = np.array([1e3, 1e3, 1e3, 1e3, 1e3, 1e6])
#: Shortfalls below this [kt] are round-off, not a shortage.
_SHORTFALL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Results:
    """What :func:`evaluate` returns; all arrays are read-only.

    Attributes
    ----------
    years : numpy.ndarray
        Calendar years of the results, shape (n_years,) [year].
    series : Mapping[str, numpy.ndarray]
        Every output series by name; shape (n_years,) for one scenario, (N, n_years)
        for N samples. Units in :attr:`units`.
    units : Mapping[str, str]
        Unit of every series and scalar.
    scalars : Mapping[str, object]
        Single-number outputs. For one scenario: ``cost_parity_year`` is an int or
        None; for N samples each is an array of shape (N,) with NaN for "never".
    parameters : Mapping[str, object]
        Every lever's value as used (defaults filled in, in its own unit).
    n_samples : int or None
        N for a batch, None for a single scenario.
    model_version : str
        Version of the model equations and data.
    """

    years: np.ndarray
    series: Mapping[str, np.ndarray]
    units: Mapping[str, str]
    scalars: Mapping[str, Any]
    parameters: Mapping[str, Any]
    n_samples: int | None = None
    model_version: str = field(default=MODEL_VERSION)

    def row(self, k: int) -> Results:
        """Return sample ``k`` of a batch as a single-scenario result."""
        if self.n_samples is None:
            raise ValueError("row() needs a batch result")
        params = {n: (v[k].item() if np.ndim(v) == 1 else v) for n, v in self.parameters.items()}
        scalars = {n: _scalar_value(n, v[k]) for n, v in self.scalars.items()}
        return Results(self.years, _frozen({n: a[k] for n, a in self.series.items()}),
                       self.units, MappingProxyType(scalars), MappingProxyType(params))


def _concat_last(*arrays: np.ndarray) -> np.ndarray:
    """Concatenate along the last axis, broadcasting the other axes."""
    shape = np.broadcast_shapes(*(a.shape[:-1] for a in arrays))
    return np.concatenate([np.broadcast_to(a, (*shape, a.shape[-1])) for a in arrays], axis=-1)


def _frozen(arrays: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    out = {}
    for name, array in arrays.items():
        array = np.asarray(array)
        if array.flags.writeable:
            array.flags.writeable = False
        out[name] = array
    return MappingProxyType(out)


def _scalar_value(name: str, value: Any) -> Any:
    value = float(value)
    if SCALARS[name].unit in ("year", "years"):
        return None if np.isnan(value) else int(value)
    return value


@cache
def _calibration() -> tuple[float, float]:
    """Non-mineral cell and pack-integration cost in 2025 [USD/kWh].

    BNEF's 2025 cell and pack prices less the mineral cost of 2024's chemistry
    mix at the default prices. It depends on data only, never on levers, so a
    price lever moves the pack cost one-for-one through the mineral content.
    """
    ref = data.load()
    prices = np.array([ref.lever_defaults[f"{m}_price"] for m in BATTERY_MINERALS])
    materials = float(cost.material_cost(ref.mix_2024 @ ref.intensity, prices))
    cell_rest = ref.cell_cost_2025 - materials
    if cell_rest <= 0:
        raise data.DataError("2025 mineral cost exceeds the 2025 cell price")
    return cell_rest, ref.pack_cost_2025 - ref.cell_cost_2025


def _columns(values: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], int | None]:
    """Numeric levers as float columns (S, 1); S is 1 or the number of samples."""
    columns: dict[str, np.ndarray] = {}
    n_samples = None
    for name, param in registry.PARAMETERS.items():
        if not param.numeric:
            continue
        value = np.asarray(values[name], dtype=float)
        if value.ndim == 1:
            n_samples = value.size
        columns[name] = value.reshape(-1, 1)
    return columns, n_samples


def evaluate(params: Mapping[str, Any] | None = None) -> Results:
    """Run the model for one scenario, or for N samples at once.

    Parameters
    ----------
    params : Mapping[str, object], optional
        Lever values by registry name, each in its own unit (percentages as
        0-100). Levers not given take their defaults. Any numeric lever except
        ``start_year`` and ``end_year`` may be a 1-D array of N samples; every
        series then has shape (N, n_years) and row k equals the single run with
        the k-th values.

    Returns
    -------
    Results

    Raises
    ------
    evexplorer.model.registry.ParameterError
        For unknown names and out-of-range or mistyped values.
    """
    values = registry.resolve(params)
    p, n_samples = _columns(values)
    ref = data.load()

    def pct(name: str) -> np.ndarray:
        return p[name] / 100.0

    base = ref.base_year
    first = base + 1
    end = int(values["end_year"])
    years = np.arange(first, end + 1, dtype=float)
    elapsed = years - base

    # Demand
    share = demand.ev_share(years, ref.ev_share_base, pct("demand_growth"),
                            pct("ev_share_ceiling"), base)
    cars = demand.car_market(years, ref.ev_sales_base / ref.ev_share_base,
                             pct("car_market_growth"), pct("mode_shift"), p["mode_shift_year"],
                             base)
    ev_sales = share * cars
    battery_demand = ev_sales * p["battery_size"]
    cumulative = demand.cumulative_production(battery_demand, ref.cumulative_base)

    # Chemistry: mix-weighted quantities are linear in the progress toward the target
    n_battery = len(BATTERY_MINERALS)
    target = np.array([values["chemistry_mix"][c] for c in CHEMISTRIES])
    ends = np.stack([ref.mix_2024, target])  # today's mix, target mix
    progress = chemistry.mix_progress(years, p["chemistry_target_year"], first)

    intensity = chemistry.mix_weighted(progress[..., None], *(ends @ ref.intensity))
    # (S, T, battery minerals) [kg/kWh]

    # Minerals: demand, recycling of retiring batteries, supply
    mineral_demand = _concat_last(battery_demand[..., None] * intensity,
                                  (ev_sales * p["ndpr_per_vehicle"])[..., None])
    recycled = _recycled(mineral_demand, p, ref)
    supply = minerals.primary_supply_for_evs(elapsed[:, None], ref.supply_2024,
                                             pct("supply_growth")[..., None],
                                             ref.non_ev_demand_2024, ref.non_ev_demand_growth)
    available = supply + recycled
    shortfall = np.maximum(mineral_demand - available, 0.0)

    # Prices: base × shock × scarcity
    price = _concat_last(*(p[name] for name in PRICE_LEVERS))[:, None, :] \
        * minerals.scarcity_multiplier(mineral_demand, available,
                                       p["scarcity_exponent"][..., None], ref.scarcity_cap)
    shocked = values["price_shock_mineral"]
    if shocked != "none":
        i = MINERALS.index(shocked)
        shock = minerals.shock_multiplier(years, p["price_shock_year"], p["price_shock_years"],
                                          p["price_shock_factor"])
        if shock.shape[0] > price.shape[0]:  # only the shock levers are sampled
            price = np.repeat(price, shock.shape[0], axis=0)
        price[..., i] *= shock

    # Cost
    cell_rest0, pack_rest0 = _calibration()
    material = cost.material_cost(intensity, price[..., :n_battery])
    previous = np.concatenate(
        [np.full_like(cumulative[:, :1], ref.cumulative_base), cumulative[:, :-1]], axis=1)
    learning = cost.learning_factor(previous, ref.cumulative_base, pct("learning_rate"))
    rest_today, rest_target = ends @ ref.rest_cost_factor
    rest_factor = chemistry.mix_weighted(progress, 1.0, rest_target / rest_today)
    cell_cost = material + cell_rest0 * rest_factor * learning
    pack_cost = cell_cost + pack_rest0 * learning
    pack_mass = chemistry.pack_mass_per_kwh(
        chemistry.interpolate_by_year(years, ref.specific_energy_years, ref.cell_specific_energy),
        chemistry.interpolate_by_year(years, ref.mass_share_years, ref.cell_mass_share))
    specific_energy = 1000.0 / chemistry.mix_weighted(progress, *(ends @ pack_mass.T))

    # Vehicle price
    ev_price = vehicle.ev_price(p["ev_nonbattery_price"], pack_cost, p["battery_size"],
                                p["ndpr_per_vehicle"], price[..., MINERALS.index("ndpr")])
    ice_price = p["ice_vehicle_price"] * np.ones_like(years)

    # Emissions
    decarb = pct("grid_decarbonization")
    grid_make = emissions.grid_intensity(ref.grid[values["manufacturing_region"]], years,
                                         ref.grid_year, decarb)
    plant_energy = p["cell_energy"] * (1.0 - pct("cell_energy_decline")) ** (years - first)
    battery_emissions = emissions.materials_emissions(
        chemistry.mix_weighted(progress, *(ends @ ref.materials_emissions)),
        np.minimum(recycled[..., :n_battery], mineral_demand[..., :n_battery]),
        battery_demand, ref.emission_factor, ref.recycled_emission_ratio,
    ) + emissions.plant_emissions(plant_energy, ref.electricity_share, grid_make,
                                  pct("renewable_share"), ref.renewable_intensity,
                                  ref.gas_emission_factor)
    ev_production = ref.ev_body_emissions + battery_emissions * p["battery_size"] / 1000.0
    ice_production = ref.ice_production_emissions * np.ones_like(years)
    lifetime_km = p["vehicle_lifetime_km"]
    grid_use = emissions.grid_intensity(ref.grid[values["use_region"]], years, ref.grid_year,
                                        decarb)
    ev_kwh_per_km = p["ev_efficiency"] / 100.0
    ev_use = ev_kwh_per_km * emissions.mean_over_life(grid_use, decarb,
                                                      lifetime_km / p["annual_km"])
    ice_use = p["ice_fuel_use"] / 100.0 * ref.gasoline_combustion * 1000.0 \
        * (1.0 + ref.gasoline_upstream)
    ev_lifecycle = ev_production * 1e6 / lifetime_km + ev_use
    ice_lifecycle = ice_production * 1e6 / lifetime_km + ice_use
    breakeven = emissions.breakeven_distance((ev_production - ice_production) * 1e6,
                                             ev_kwh_per_km * grid_use, ice_use, decarb,
                                             p["annual_km"])
    avoided = emissions.emissions_avoided(ev_sales, ice_lifecycle, ev_lifecycle, lifetime_km)
    factory_electricity = battery_demand * plant_energy * ref.electricity_share / 1000.0

    concentration = minerals.weighted_concentration(mineral_demand * price, _SPENDING_PER_KT,
                                                    ref.refining_hhi)

    raw: dict[str, np.ndarray] = {
        "pack_cost": pack_cost,
        "cell_cost": cell_cost,
        "pack_material_cost": material,
        "pack_other_cost": pack_cost - material,
        "pack_specific_energy": specific_energy,
        "ev_price": ev_price,
        "ice_price": ice_price,
        "ev_price_premium": ev_price - ice_price,
        "car_sales": cars,
        "ev_sales": ev_sales,
        "ev_share": share * 100.0,
        "battery_demand": battery_demand,
        "cumulative_production": cumulative,
        "battery_emissions": battery_emissions,
        "ev_production_emissions": ev_production,
        "ice_production_emissions": ice_production,
        "ev_lifecycle_emissions": ev_lifecycle,
        "ice_lifecycle_emissions": ice_lifecycle,
        "breakeven_distance": breakeven,
        "fleet_emissions_avoided": avoided,
        "factory_electricity": factory_electricity,
        "supply_concentration": concentration,
    }
    for i, m in enumerate(MINERALS):
        raw[f"{m}_demand"] = mineral_demand[..., i]
        raw[f"{m}_recycled"] = recycled[..., i]
        raw[f"{m}_supply"] = supply[..., i]
        raw[f"{m}_shortfall"] = shortfall[..., i]
        raw[f"{m}_price"] = price[..., i]
    return _package(values, years, raw, int(values["start_year"]) - first, n_samples)


def _recycled(mineral_demand: np.ndarray, p: Mapping[str, np.ndarray],
              ref: data.ReferenceData) -> np.ndarray:
    """Minerals recovered from retiring batteries and magnets [kt], shape (S, T, M).

    Only minerals that can be recovered (a recovery lever or a non-zero
    recovery in the data) go through the retirement convolution.
    """
    recovery = np.broadcast_to(np.nan_to_num(ref.recovery), (p["lithium_recovery"].shape[0],
                                                             len(MINERALS))).copy()
    recovery[:, 0] = p["lithium_recovery"][:, 0] / 100.0  # the one recovery that is a lever
    index = [i for i, m in enumerate(MINERALS) if m == "lithium" or ref.recovery[i] > 0]
    history = _history_content()[:, index].T  # (R, H)
    placed = np.concatenate(
        [np.broadcast_to(history, (mineral_demand.shape[0], *history.shape)),
         mineral_demand[..., index].transpose(0, 2, 1)], axis=-1)
    retirement = minerals.retirement_distribution(np.arange(placed.shape[-1]),
                                                  p["battery_lifetime"], ref.weibull_shape)
    retired = minerals.retired_content(placed, retirement)[..., history.shape[1]:]
    rate = p["recycling_rate"][..., None] / 100.0
    part = rate * recovery[:, None, index] * retired.transpose(0, 2, 1)
    recycled = np.zeros((max(part.shape[0], mineral_demand.shape[0]), *mineral_demand.shape[1:]))
    recycled[..., index] = part
    return recycled


@cache
def _history_content() -> np.ndarray:
    """Mineral content of the batteries and magnets sold before 2025 [kt], shape (H, M).

    Past batteries are taken at 2024's chemistry mix; past EV sales at 2024's
    battery size and NdPr content.
    """
    ref = data.load()
    battery = ref.history_demand[:, None] * (ref.mix_2024 @ ref.intensity)
    cars = ref.history_demand / ref.lever_defaults["battery_size"]
    magnets = (cars * ref.lever_defaults["ndpr_per_vehicle"])[:, None]
    history = np.concatenate([battery, magnets], axis=1)
    history.flags.writeable = False
    return history


def _package(values: Mapping[str, Any], years: np.ndarray, raw: Mapping[str, np.ndarray],
             offset: int, n_samples: int | None) -> Results:
    shape = (len(years) - offset,) if n_samples is None else (n_samples, len(years) - offset)
    series = {}
    for name in SERIES:
        window = np.asarray(raw[name])[..., offset:]
        if n_samples is None:
            series[name] = window.reshape(shape)
        else:
            series[name] = np.broadcast_to(window, shape)
    years_out = years[offset:].astype(int)
    parity = vehicle.parity_year(years_out, series["ev_price"], series["ice_price"])
    shortfall_years = np.sum(series["lithium_shortfall"] > _SHORTFALL_TOLERANCE, axis=-1)
    avoided_total = np.sum(series["fleet_emissions_avoided"], axis=-1)
    scalars: dict[str, Any] = {
        "cost_parity_year": parity,
        "lithium_shortfall_years": shortfall_years.astype(float),
        "fleet_emissions_avoided_total": avoided_total,
    }
    if n_samples is None:
        scalars = {n: _scalar_value(n, v) for n, v in scalars.items()}
    else:
        scalars = {n: np.broadcast_to(np.asarray(v, float), (n_samples,)) for n, v in
                   scalars.items()}
    units = {name: out.unit for name, out in SERIES.items()}
    units.update({name: out.unit for name, out in SCALARS.items()})
    years_out.flags.writeable = False
    return Results(
        years=years_out,
        series=_frozen(series),
        units=MappingProxyType(units),
        scalars=MappingProxyType(scalars if n_samples is None else dict(_frozen(scalars))),
        parameters=MappingProxyType(dict(values)),
        n_samples=n_samples,
    )

"""The orchestrator: one pass of the linked model for one scenario or N samples.

:func:`evaluate` is the only place that knows the order of the model's steps:

1. demand (EV sales, EV and storage batteries, learning volume),
2. minerals (the chemistry mix, every mineral market, prices, recycling, the
   price response),
3. cost (pack and cell cost),
4. emissions (battery footprint, vehicle life cycle, break-even, fleet),
5. vehicle (EV and gasoline car prices).

Each step is a function ``step(...)`` of its module that takes the frozen
:class:`Inputs` and the frozen outputs of earlier steps and returns a frozen
dataclass of arrays. Levers enter as columns of shape (S, 1), S being 1 or the
number of samples, so that a lever held at one value costs nothing per sample.
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
from .data import CHEMISTRIES
from .mineral_table import SPENDING_PER_KT, TABLE
from .outputs import SCALARS, SERIES

#: Shortfalls below this [kt] are round-off, not a shortage.
_SHORTFALL_TOLERANCE = 1e-9
#: Unit of every series and scalar.
_UNITS = MappingProxyType({name: out.unit for name, out in (*SERIES.items(), *SCALARS.items())})


@dataclass(frozen=True)
class Inputs:
    """Everything a model step may read: the levers, the years and the reference data.

    Attributes
    ----------
    values : Mapping[str, object]
        Every lever as resolved by the registry (choices and the mix included).
    levers : Mapping[str, numpy.ndarray]
        Every numeric lever as a float column of shape (S, 1), in its own unit.
    n_samples : int or None
        N for a batch, None for a single scenario.
    years : numpy.ndarray
        Model years, from the first model year to ``end_year``, shape (T,) [year].
    ref : evexplorer.model.data.ReferenceData
        The reference data.
    """

    values: Mapping[str, Any]
    levers: Mapping[str, np.ndarray]
    n_samples: int | None
    years: np.ndarray
    ref: data.ReferenceData


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


def _inputs(values: Mapping[str, Any]) -> Inputs:
    """Numeric levers as float columns (S, 1); the model's years."""
    levers: dict[str, np.ndarray] = {}
    n_samples = None
    for name, param in registry.PARAMETERS.items():
        if not param.numeric:
            continue
        value = np.asarray(values[name], dtype=float)
        if value.ndim == 1:
            n_samples = value.size
        levers[name] = value.reshape(-1, 1)
    ref = data.load()
    return Inputs(values=values, levers=MappingProxyType(levers), n_samples=n_samples,
                  years=_years(ref.base_year + 1, int(values["end_year"])), ref=ref)


@cache
def _years(first: int, last: int) -> np.ndarray:
    years = np.arange(first, last + 1, dtype=float)
    years.flags.writeable = False
    return years


def mix_path(inputs: Inputs) -> chemistry.MixPath:
    """The EV battery chemistry mix: from the 2024 mix to the target mix."""
    target = np.array([inputs.values["chemistry_mix"][c] for c in CHEMISTRIES])
    progress = chemistry.mix_progress(inputs.years, inputs.levers["chemistry_target_year"],
                                      inputs.ref.base_year)
    return chemistry.MixPath(progress=progress, today=inputs.ref.mix_2024, target=target)


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
    inputs = _inputs(values)
    d = demand.step(inputs)
    m = minerals.step(inputs, d, mix_path(inputs))
    c = cost.step(inputs, d, m)
    e = emissions.step(inputs, d, m)
    v = vehicle.step(inputs, c, m)
    raw = _series(inputs, d, m, c, e, v)
    return _package(values, inputs.years, raw, int(values["start_year"]) - int(inputs.years[0]),
                    inputs.n_samples)


def _series(inputs: Inputs, d: demand.Demand, m: minerals.Minerals, c: cost.Cost,
            e: emissions.Emissions, v: vehicle.Vehicle) -> dict[str, np.ndarray]:
    """Every output series by name, from the steps' outputs."""
    raw: dict[str, np.ndarray] = {
        "pack_cost": c.pack,
        "cell_cost": c.cell,
        "pack_material_cost": c.material,
        "pack_other_cost": c.pack - c.material,
        "pack_specific_energy": c.specific_energy,
        "ev_price": v.ev_price,
        "ice_price": v.ice_price,
        "ev_price_premium": v.ev_price - v.ice_price,
        "car_sales": d.car_sales,
        "ev_sales": d.ev_sales,
        "ev_share": d.ev_share * 100.0,
        "battery_demand": d.battery,
        "storage_demand": d.storage,
        "cumulative_production": d.cumulative,
        "battery_emissions": e.battery,
        "ev_production_emissions": e.ev_production,
        "ice_production_emissions": e.ice_production,
        "ev_lifecycle_emissions": e.ev_lifecycle,
        "ice_lifecycle_emissions": e.ice_lifecycle,
        "breakeven_distance": e.breakeven,
        "fleet_emissions_avoided": e.avoided,
        "factory_electricity": e.factory_electricity,
        "supply_concentration": minerals.weighted_concentration(
            [m.ev_content[i] * m.price[i] for i in range(len(TABLE))], SPENDING_PER_KT,
            inputs.ref.refining_hhi),
    }
    n_years = len(inputs.years)
    for i, mineral in enumerate(TABLE):
        name = mineral.name
        raw[f"{name}_demand"] = m.ev_content[i]
        raw[f"{name}_recycled"] = m.recycled[i]
        if mineral.recycled_content_target:
            raw[f"{name}_recycled_content"] = m.recycled_content[i] * 100.0
        raw[f"{name}_supply"] = m.supply_for_evs[i]
        raw[f"{name}_shortfall"] = m.shortfall[i]
        raw[f"{name}_price"] = m.price[i]
        raw[f"{name}_refining_hhi"] = np.full(n_years, inputs.ref.refining_hhi[i])
    return raw


def _package(values: Mapping[str, Any], years: np.ndarray, raw: Mapping[str, np.ndarray],
             offset: int, n_samples: int | None) -> Results:
    n_years = len(years) - offset
    shape = (n_years,) if n_samples is None else (n_samples, n_years)
    series = {}
    n_model = len(years)
    for name in SERIES:
        array = np.asarray(raw[name])
        if array.shape[-1] != n_model:  # the same in every year
            array = np.broadcast_to(array, np.broadcast_shapes(array.shape, (n_model,)))
        window = array[..., offset:]
        series[name] = window.reshape(shape) if n_samples is None \
            else np.broadcast_to(window, shape)
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
    years_out.flags.writeable = False
    return Results(
        years=years_out,
        series=_frozen(series),
        units=_UNITS,
        scalars=MappingProxyType(scalars if n_samples is None else dict(_frozen(scalars))),
        parameters=MappingProxyType(dict(values)),
        n_samples=n_samples,
    )

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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
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


#: Samples evaluated together in a large batch. Blocks of this size keep each step's
#: (samples × years) arrays small enough to stay in the processor's cache and below the
#: size at which glibc's allocator maps fresh pages for every array; measured on the
#: project's two-core machine, a 10,000-sample batch ran about a fifth faster in blocks
#: of 1,000 with the allocator tuned and a third faster without (see benchmarks/).
BLOCK_SAMPLES = 1024
#: Series the scalars are computed from: computed whatever series are asked for.
_FOR_SCALARS = frozenset({"ev_price", "ice_price", "lithium_shortfall",
                          "fleet_emissions_avoided"})


def evaluate(params: Mapping[str, Any] | None = None, *,
             series: Iterable[str] | None = None) -> Results:
    """Run the model for one scenario, or for N samples at once.

    Parameters
    ----------
    params : Mapping[str, object], optional
        Lever values by registry name, each in its own unit (percentages as
        0-100). Levers not given take their defaults. Any numeric lever except
        ``start_year`` and ``end_year`` may be a 1-D array of N samples; every
        series then has shape (N, n_years) and row k equals the single run with
        the k-th values.
    series : iterable of str, optional
        The series wanted (every series when None). Only these are returned, and the
        parts of the model that none of them needs are skipped (for example the
        break-even distance); their numbers are those of a full run. The scalars are
        always computed.

    Returns
    -------
    Results

    Raises
    ------
    evexplorer.model.registry.ParameterError
        For unknown names and out-of-range or mistyped values.
    """
    values = registry.resolve(params)
    names = _series_names(series)
    wanted = frozenset(names) | _FOR_SCALARS
    inputs = _inputs(values)
    if inputs.n_samples is None or inputs.n_samples <= BLOCK_SAMPLES:
        raw = _run(inputs, wanted)
    else:
        raw = _run_in_blocks(inputs, wanted)
    return _package(values, inputs.years, raw, int(values["start_year"]) - int(inputs.years[0]),
                    inputs.n_samples, names)


def _series_names(series: Iterable[str] | None) -> tuple[str, ...]:
    """The series asked for, in the registry's order; unknown names refused."""
    if series is None:
        return tuple(SERIES)
    asked = set()
    for name in series:
        if name not in SERIES:
            raise registry.ParameterError(
                registry.unknown_name_message(name, SERIES, "series"), name)
        asked.add(name)
    return tuple(name for name in SERIES if name in asked)


def _run(inputs: Inputs, wanted: frozenset[str]) -> dict[str, np.ndarray]:
    """The model's steps in order; the series ``wanted`` by name."""
    d = demand.step(inputs)
    m = minerals.step(inputs, d, mix_path(inputs), wanted)
    c = cost.step(inputs, d, m, wanted)
    e = emissions.step(inputs, d, m, wanted)
    v = vehicle.step(inputs, c, m)
    return _series(inputs, d, m, c, e, v, wanted)


def _block(inputs: Inputs, start: int, stop: int) -> Inputs:
    """Samples ``start`` to ``stop`` of a batch."""
    def rows(value: Any) -> Any:
        return value[start:stop] if np.ndim(value) >= 1 and np.shape(value)[0] > 1 else value

    return Inputs(values=MappingProxyType({n: rows(v) if registry.PARAMETERS[n].numeric else v
                                           for n, v in inputs.values.items()}),
                  levers=MappingProxyType({n: rows(v) for n, v in inputs.levers.items()}),
                  n_samples=stop - start, years=inputs.years, ref=inputs.ref)


def _run_in_blocks(inputs: Inputs, wanted: frozenset[str]) -> dict[str, np.ndarray]:
    """:func:`_run` on blocks of samples, the series put together.

    A series that is the same for every sample of a block (it depends on no sampled
    lever) stays one row, as in a run of the whole batch; a series that varies in any
    block is written block by block into an (N, years) array.
    """
    n, n_years = inputs.n_samples, len(inputs.years)
    n_blocks = -(-n // BLOCK_SAMPLES)
    bounds = [round(k * n / n_blocks) for k in range(n_blocks + 1)]  # blocks of equal size
    shared: dict[str, np.ndarray] = {}
    varying: dict[str, np.ndarray] = {}
    for start, stop in pairwise(bounds):
        for name, array in _run(_block(inputs, start, stop), wanted).items():
            array = np.asarray(array)
            if name in varying:
                varying[name][start:stop] = array
            elif (array.ndim == 2 and array.shape[0] > 1) or (
                    name in shared and not np.array_equal(shared[name], array, equal_nan=True)):
                out = np.empty((n, n_years))
                if name in shared:  # the blocks before this one
                    out[:start] = shared.pop(name)
                out[start:stop] = array
                varying[name] = out
            else:
                shared.setdefault(name, array)
    return {**shared, **varying}


def _series(inputs: Inputs, d: demand.Demand, m: minerals.Minerals, c: cost.Cost,
            e: emissions.Emissions, v: vehicle.Vehicle, wanted: frozenset[str]
            ) -> dict[str, np.ndarray]:
    """The series ``wanted`` by name, from the steps' outputs."""
    make: dict[str, Callable[[], np.ndarray]] = {
        "pack_cost": lambda: c.pack,
        "cell_cost": lambda: c.cell,
        "pack_material_cost": lambda: c.material,
        "pack_other_cost": lambda: c.pack - c.material,
        "pack_specific_energy": lambda: c.specific_energy,
        "ev_price": lambda: v.ev_price,
        "ice_price": lambda: v.ice_price,
        "ev_price_premium": lambda: v.ev_price - v.ice_price,
        "car_sales": lambda: d.car_sales,
        "ev_sales": lambda: d.ev_sales,
        "ev_share": lambda: d.ev_share * 100.0,
        "battery_demand": lambda: d.battery,
        "storage_demand": lambda: d.storage,
        "cumulative_production": lambda: d.cumulative,
        "battery_emissions": lambda: e.battery,
        "ev_production_emissions": lambda: e.ev_production,
        "ice_production_emissions": lambda: e.ice_production,
        "ev_lifecycle_emissions": lambda: e.ev_lifecycle,
        "ice_lifecycle_emissions": lambda: e.ice_lifecycle,
        "breakeven_distance": lambda: e.breakeven,
        "fleet_emissions_avoided": lambda: e.avoided,
        "factory_electricity": lambda: e.factory_electricity,
        "supply_concentration": lambda: minerals.weighted_concentration(
            m.spending, SPENDING_PER_KT, inputs.ref.refining_hhi),
    }
    n_years = len(inputs.years)
    for i, mineral in enumerate(TABLE):
        name = mineral.name
        make[f"{name}_demand"] = lambda i=i: m.ev_content[i]
        make[f"{name}_recycled"] = lambda i=i: m.recycled[i]
        if mineral.recycled_content_target:
            make[f"{name}_recycled_content"] = lambda i=i: m.recycled_content[i] * 100.0
        make[f"{name}_supply"] = lambda i=i: m.supply_for_evs[i]
        make[f"{name}_shortfall"] = lambda i=i: m.shortfall[i]
        make[f"{name}_price"] = lambda i=i: m.price[i]
        make[f"{name}_refining_hhi"] = lambda i=i: np.full(n_years, inputs.ref.refining_hhi[i])
    return {name: make[name]() for name in wanted}


def _package(values: Mapping[str, Any], years: np.ndarray, raw: Mapping[str, np.ndarray],
             offset: int, n_samples: int | None, names: tuple[str, ...]) -> Results:
    n_years = len(years) - offset
    shape = (n_years,) if n_samples is None else (n_samples, n_years)
    n_model = len(years)
    windows = {}
    for name in {*names, *_FOR_SCALARS}:
        array = np.asarray(raw[name])
        if array.shape[-1] != n_model:  # the same in every year
            array = np.broadcast_to(array, np.broadcast_shapes(array.shape, (n_model,)))
        window = array[..., offset:]
        windows[name] = window.reshape(shape) if n_samples is None \
            else np.broadcast_to(window, shape)
    series = {name: windows[name] for name in names}
    years_out = years[offset:].astype(int)
    parity = vehicle.parity_year(years_out, windows["ev_price"], windows["ice_price"])
    shortfall_years = np.sum(windows["lithium_shortfall"] > _SHORTFALL_TOLERANCE, axis=-1)
    avoided_total = np.sum(windows["fleet_emissions_avoided"], axis=-1)
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

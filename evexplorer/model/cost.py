"""Battery cost: mineral materials plus experience curves for the rest.

The non-mineral cost of a cell follows one experience curve on the cumulative
production of EV and storage batteries; a chemistry still made at small scale
(sodium-ion, solid-state) also carries a premium that falls with its own
cumulative production. The manufacturing region scales the non-mineral part.
:func:`step` runs the functions below for the orchestrator.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from . import chemistry, data
from ._arrays import ALL, running_sum
from .data import REGIONS
from .mineral_table import BATTERY_MINERALS, PRICE_LEVERS

if TYPE_CHECKING:
    from .core import Inputs
    from .demand import Demand
    from .minerals import Minerals


def experience_exponent(learning_rate: ArrayLike) -> np.ndarray:
    """Exponent b of the experience curve for a learning rate.

    .. math:: b = -\\log_2(1 - LR)

    Parameters
    ----------
    learning_rate : array_like
        Fall in cost per doubling of cumulative production [1], in [0, 1).

    Returns
    -------
    numpy.ndarray
        Experience exponent b [1].

    Examples
    --------
    >>> round(float(experience_exponent(0.18)), 3)
    0.286

    References
    ----------
    .. [1] BloombergNEF battery price survey (learning rate about 18 %).
    """
    return -np.log2(1.0 - np.asarray(learning_rate, float))


def learning_factor(cumulative: ArrayLike, cumulative_ref: ArrayLike,
                    learning_rate: ArrayLike) -> np.ndarray:
    """Cost relative to the reference point on an experience curve.

    .. math:: P/P_0 = (Q/Q_0)^{-b}

    Parameters
    ----------
    cumulative : array_like
        Cumulative production [GWh].
    cumulative_ref : array_like
        Cumulative production at the reference cost [GWh].
    learning_rate : array_like
        Fall in cost per doubling [1].

    Returns
    -------
    numpy.ndarray
        Cost multiplier [1]; 1 - ``learning_rate`` at twice the reference volume.

    Examples
    --------
    >>> float(learning_factor(200.0, 100.0, 0.18))  # doctest: +ELLIPSIS
    0.82...
    """
    b = experience_exponent(learning_rate)
    return np.exp(np.log(np.asarray(cumulative, float) / cumulative_ref) * -b)


def material_cost(intensity: ArrayLike, price: ArrayLike) -> np.ndarray:
    """Mineral material cost per kWh: content times price, summed over minerals.

    A price spike passes straight through: the cost is linear in each price.

    Parameters
    ----------
    intensity : array_like
        Mineral content, minerals on the first axis [kg/kWh] (lithium in kg LCE/kWh).
    price : array_like
        Prices, minerals on the first axis, same length [USD/t] (lithium USD/t LCE).

    Returns
    -------
    numpy.ndarray
        Material cost [USD/kWh].

    Examples
    --------
    >>> float(material_cost([0.5, 2.0], [10_000.0, 1_000.0]))  # 5 + 2 USD/kWh
    7.0
    """
    intensity = np.asarray(intensity, float)
    price = np.asarray(price, float)
    total = intensity[0] * price[0]
    for m in range(1, len(intensity)):
        total = total + intensity[m] * price[m]
    return total / 1000.0


def own_volume_factor(production: ArrayLike, volume0: float, learning_rate: ArrayLike
                      ) -> np.ndarray:
    """A chemistry's experience factor on its own cumulative production.

    Year t uses the production to the end of year t - 1:

    .. math:: G(t) = \\Bigl(\\frac{V_0 + \\sum_{\\tau < t} B_c(\\tau)}{V_0}\\Bigr)^{-b}

    Parameters
    ----------
    production : array_like
        The chemistry's production each model year, years on the last axis [GWh].
    volume0 : array_like
        Its cumulative production before the first model year [GWh], > 0.
    learning_rate : array_like
        Fall in cost per doubling [1].

    Returns
    -------
    numpy.ndarray
        Factor [1], 1 in the first model year.

    Examples
    --------
    >>> own_volume_factor([10.0, 20.0, 40.0], 10.0, 0.2).round(6).tolist()
    [1.0, 0.8, 0.64]
    """
    before = running_sum(production, exclusive=True)
    return learning_factor(volume0 + before, volume0, learning_rate)


@dataclass(frozen=True)
class Calibration:
    """Cost data derived from the reference data alone, never from levers.

    Attributes
    ----------
    chemistry_pack : numpy.ndarray
        2025 BEV pack cost of each pure chemistry at the world average [USD/kWh].
    mineral_cost : numpy.ndarray
        Their mineral content at the default prices [USD/kWh].
    cell_rest_mature : numpy.ndarray
        Non-mineral cell cost without any small-scale premium [USD/kWh].
    premium : numpy.ndarray
        Small-scale premium in 2025 [1].
    volume : numpy.ndarray
        Cumulative production to the end of 2024 of chemistries with a premium [GWh].
    pack_integration : float
        Pack integration cost (modules, housing, management) in 2025 [USD/kWh].
    region_factor : Mapping[str, float]
        Multiplier on the non-mineral cost per manufacturing region [1].
    """

    chemistry_pack: np.ndarray
    mineral_cost: np.ndarray
    cell_rest_mature: np.ndarray
    premium: np.ndarray
    volume: np.ndarray
    pack_integration: float
    region_factor: Mapping[str, float]


@cache
def calibration() -> Calibration:
    """Calibrate the cost model to BloombergNEF's 2025 prices.

    - The published pack prices by chemistry are scaled so that the 2024 BEV
      mix averages the BEV pack price (99 USD/kWh).
    - Pack integration is the BEV pack price times the all-segment share of
      the pack outside the cells: 99 × (1 - 74/108).
    - A chemistry's non-mineral cell cost is its pack price less its minerals
      at the default prices and less pack integration; without its premium,
      what it would cost at scale.
    - A region's factor on the non-mineral cost makes the 2024-mix pack cost
      the region's published ratio to the world average.

    Raises
    ------
    evexplorer.model.data.DataError
        If a derived cost is not positive.
    """
    ref = data.load()
    prices = np.array([ref.lever_defaults[name] for name in PRICE_LEVERS[:len(BATTERY_MINERALS)]])
    bev = ref.bev_pack_cost_2025
    chemistry_pack = ref.chemistry_pack_cost * (bev / (ref.mix_2024 @ ref.chemistry_pack_cost))
    minerals = ref.intensity[:, :len(BATTERY_MINERALS)] @ prices / 1000.0
    integration = bev * (1.0 - ref.cell_cost_2025 / ref.pack_cost_2025)
    rest = chemistry_pack - minerals - integration
    if np.any(rest <= 0):
        raise data.DataError("a chemistry's 2025 minerals and pack integration exceed its pack "
                             "price")
    world_minerals = float(ref.mix_2024 @ minerals)
    factors = {r: (ref.region_cost_ratio[r] * bev - world_minerals) / (bev - world_minerals)
               for r in REGIONS}
    if min(factors.values()) <= 0:
        raise data.DataError("a region's pack price is below the cost of its minerals")
    frozen = []
    for array in (chemistry_pack, minerals, rest / (1.0 + ref.scale_premium), ref.scale_premium,
                  ref.chemistry_volume):
        array = np.array(array, float)
        array.flags.writeable = False
        frozen.append(array)
    return Calibration(*frozen, pack_integration=float(integration),
                       region_factor=MappingProxyType(factors))


@cache
def _pack_mass(years: tuple[float, ...]) -> np.ndarray:
    """Pack mass per kWh of each chemistry in each year, shape (T, C) [kg/kWh]."""
    ref = data.load()
    out = chemistry.pack_mass_per_kwh(
        chemistry.interpolate_by_year(years, ref.specific_energy_years, ref.cell_specific_energy),
        chemistry.interpolate_by_year(years, ref.mass_share_years, ref.cell_mass_share))
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class Cost:
    """Output of the cost step; arrays of shape (S, T) [USD/kWh].

    Attributes
    ----------
    pack, cell, material : numpy.ndarray
        Pack cost, cell cost and the mineral materials in them.
    specific_energy : numpy.ndarray or None
        Pack specific energy [Wh/kg]; None when not asked for.
    """

    pack: np.ndarray
    cell: np.ndarray
    material: np.ndarray
    specific_energy: np.ndarray | None


@cache
def _weighted_columns() -> tuple[np.ndarray, tuple[int, ...]]:
    """Per-chemistry quantities the cost step weights by the mix, as columns (C, 1 + P):
    the non-mineral cell cost at scale, then a unit column per chemistry with a premium."""
    cal = calibration()
    premium = tuple(int(c) for c in np.flatnonzero(cal.premium))
    columns = np.zeros((len(cal.premium), 1 + len(premium)))
    columns[:, 0] = cal.cell_rest_mature
    for j, c in enumerate(premium):
        columns[c, 1 + j] = 1.0
    columns.flags.writeable = False
    return columns, premium


def step(inputs: Inputs, demand: Demand, minerals: Minerals,
         wanted: Container[str] = ALL) -> Cost:
    """Run the cost step: minerals at their prices, the rest on experience curves.

    The pack specific energy is computed only if ``pack_specific_energy`` is among the
    series ``wanted``.
    """
    p, ref, years = inputs.levers, inputs.ref, inputs.years
    cal = calibration()
    mix: chemistry.MixPath = minerals.mix
    n_battery = len(BATTERY_MINERALS)
    rate = p["learning_rate"] / 100.0
    previous = np.concatenate(
        [np.full((demand.cumulative.shape[0], 1), ref.cumulative_base),
         demand.cumulative[:, :-1]], axis=1)
    learning = learning_factor(previous, ref.cumulative_base, rate)
    columns, premium = _weighted_columns()
    # A chemistry that no mix on the path ever holds has a share of exactly 0 and adds nothing.
    held = np.flatnonzero(np.any(mix.row_coefficients(columns[:, 1:]) != 0.0, axis=0))
    weighted = mix.weighted(columns[:, [0, *(1 + held)]])
    rest = weighted[0]
    for j, share in zip(held, weighted[1:], strict=True):
        c = premium[j]
        own = own_volume_factor(demand.battery * share, cal.volume[c], rate)
        rest = rest + (cal.cell_rest_mature[c] * cal.premium[c]) * own * share
    scale = cal.region_factor[inputs.values["manufacturing_region"]] * learning
    # = material_cost(content per kWh, prices)
    material = np.sum(minerals.spending[:n_battery], axis=0) / (1000.0 * demand.battery)
    cell = material + scale * rest
    pack = cell + scale * cal.pack_integration
    specific_energy = 1000.0 / mix.weighted_by_year(_pack_mass(tuple(years))) \
        if "pack_specific_energy" in wanted else None
    return Cost(pack=pack, cell=cell, material=material, specific_energy=specific_energy)

"""Emissions: battery footprints that change over time, vehicle life cycle, break-even.

Grids decarbonise at a speed of their own per region; the electricity part of
each material's footprint follows the grid where it is refined, the heat and
process parts fall with the supply chain's decarbonisation; recycled material
replaces primary material. :func:`step` runs the functions below for the
orchestrator.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from . import data
from ._arrays import ALL, combine, compound

if TYPE_CHECKING:
    from .core import Inputs
    from .demand import Demand
    from .minerals import Minerals

#: Below this decarbonisation rate [1/yr] the grid is treated as constant.
_FLAT_GRID = 1e-9
#: Region whose grid the materials' electricity follows: most refining is in China.
REFINING_REGION = "china"


def region_rate(world_rate: ArrayLike, region_default: float, world_default: float
                ) -> np.ndarray:
    """A region's yearly grid decarbonisation for a world-average rate.

    Each region keeps its default speed relative to the world:

    .. math:: d_r = 1 - (1 - d_w)^{k_r},\\quad
       k_r = \\frac{\\ln(1 - d_r^{0})}{\\ln(1 - d_w^{0})}

    so the world rate sets every region's rate, 0 stops every grid, and at
    the default world rate each region falls at its own default.

    Parameters
    ----------
    world_rate : array_like
        Yearly fall of the world-average grid [1/yr], in [0, 1).
    region_default : float
        The region's yearly fall at the default world rate [1/yr].
    world_default : float
        The default world rate [1/yr], > 0.

    Returns
    -------
    numpy.ndarray
        The region's yearly fall [1/yr].

    Examples
    --------
    >>> round(float(region_rate(0.02, 0.08, 0.02)), 12)
    0.08
    >>> float(region_rate(0.0, 0.08, 0.02))
    0.0
    """
    k = np.log1p(-region_default) / np.log1p(-world_default)
    return -np.expm1(k * np.log1p(-np.asarray(world_rate, float)))


def grid_intensity(grid0: ArrayLike, years: ArrayLike, grid_year: float,
                   decarbonization: ArrayLike) -> np.ndarray:
    """Grid carbon intensity falling by a fixed share each year.

    .. math:: g(t) = g_0 (1 - d)^{t - t_g}

    Parameters
    ----------
    grid0 : array_like
        Intensity in ``grid_year`` [g CO2e/kWh].
    years : array_like
        Calendar years [year].
    grid_year : float
        Year of ``grid0`` [year].
    decarbonization : array_like
        Yearly fall [1/yr], in [0, 1).

    Returns
    -------
    numpy.ndarray
        Intensity [g CO2e/kWh].

    References
    ----------
    .. [1] Ember, lifecycle grid intensity 2023.
    """
    return np.asarray(grid0) * compound(-np.asarray(decarbonization, float),
                                        np.asarray(years, float) - grid_year)


def mean_over_life(intensity_at_build: ArrayLike, decarbonization: ArrayLike,
                   life_years: ArrayLike) -> np.ndarray:
    """Average grid intensity over a car's life, the grid decarbonising continuously.

    .. math:: \\bar g = g_t \\frac{1 - e^{-kL}}{kL},\\quad k = -\\ln(1 - d)

    Parameters
    ----------
    intensity_at_build : array_like
        Grid intensity when the car is built [g CO2e/kWh].
    decarbonization : array_like
        Yearly fall [1/yr].
    life_years : array_like
        Years the car is driven [years].

    Returns
    -------
    numpy.ndarray
        Average intensity over the life [g CO2e/kWh].
    """
    k = -np.log1p(-np.asarray(decarbonization, float))
    kl = k * np.asarray(life_years, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(kl > _FLAT_GRID, -np.expm1(-kl) / np.where(kl > 0, kl, 1.0), 1.0)
    return np.asarray(intensity_at_build) * factor


def plant_emissions(cell_energy: ArrayLike, electricity_share: float, grid: ArrayLike,
                    renewable_share: ArrayLike, renewable_intensity: float,
                    heat_factor: float) -> np.ndarray:
    """Emissions of cell-plant energy per kWh of cells.

    Renewable electricity replaces grid electricity in the electricity part
    only; natural gas for drying and dry rooms is untouched and counted at its
    life-cycle factor (combustion and supply chain). Renewable electricity is
    counted at its lifecycle intensity, or at the grid's where the grid is
    cleaner.

    .. math:: E = e\\,[\\,s_{el}\\,((1-r)\\,g + r\\,\\min(g_r, g))
       + (1 - s_{el})\\,f_{heat}\\,] / 1000

    Parameters
    ----------
    cell_energy : array_like
        Plant energy per kWh of cells [kWh/kWh].
    electricity_share : float
        Electricity's share of plant energy [1].
    grid : array_like
        Grid intensity [g CO2e/kWh].
    renewable_share : array_like
        Share of electricity from dedicated renewables [1].
    renewable_intensity : float
        Lifecycle intensity of that renewable supply [g CO2e/kWh].
    heat_factor : float
        Life-cycle emissions of natural gas heat [kg CO2e/kWh].

    Returns
    -------
    numpy.ndarray
        Emissions [kg CO2e/kWh of cells].

    Examples
    --------
    >>> round(float(plant_emissions(30.0, 0.48, 582.0, 0.0, 30.0, 0.232)), 6)
    12.0

    References
    ----------
    .. [1] Degen et al. 2023, Nature Energy (20-38 kWh/kWh); Degen & Schuette
       2022 (52 % natural gas).
    """
    grid = np.asarray(grid, float)
    share = np.asarray(renewable_share, float)
    electricity = (1.0 - share) * grid + share * np.minimum(renewable_intensity, grid)
    per_kwh = electricity_share * electricity / 1000.0 + (1.0 - electricity_share) * heat_factor
    return np.asarray(cell_energy) * per_kwh


def materials_emissions(primary_electricity: ArrayLike, primary_other: ArrayLike,
                        grid_path: ArrayLike, supply_chain_path: ArrayLike,
                        recycled: Sequence[ArrayLike], battery: ArrayLike,
                        credit_electricity: ArrayLike, credit_other: ArrayLike) -> np.ndarray:
    """Material emissions per kWh of pack in a year, recycled material included.

    Every material's primary footprint is split into a grid-electricity part,
    which follows the refining grid (path g(t), 1 in 2025), and a heat and
    process part, which follows the supply chain's decarbonisation (h(t)).
    Recycled material replaces primary material: each kg of recycled content
    saves its primary footprint and is charged the recycling process's:

    .. math:: E(t) = g\\,\\Bigl(E_{el} - \\sum_k a_k \\frac{R_k}{B}\\Bigr)
       + h\\,\\Bigl(E_{other} - \\sum_k b_k \\frac{R_k}{B}\\Bigr)

    with a_k = f_k s_k - f^{rec}_k s^{rec} and b_k = f_k (1 - s_k) - f^{rec}_k (1 - s^{rec}),
    R_k the recycled material in the year's EV batteries and B their capacity.

    Parameters
    ----------
    primary_electricity, primary_other : array_like
        Mix-weighted 2025 footprint of all-primary materials, electricity part and
        heat-and-process part [kg CO2e/kWh].
    grid_path, supply_chain_path : array_like
        g(t) and h(t) [1].
    recycled : array_like or sequence of array_like
        Recycled material in that year's EV batteries, materials on the first axis (or one
        array per material; they broadcast) [kt].
    battery : array_like
        EV battery capacity made that year [GWh] (kt per GWh = kg per kWh).
    credit_electricity, credit_other : array_like
        a_k and b_k per material [kg CO2e/kg].

    Returns
    -------
    numpy.ndarray
        Material emissions [kg CO2e/kWh].

    Examples
    --------
    One kg of nickel per kWh, 20 kg CO2e/kg of which 40 % electricity, recycled
    at 4 kg CO2e/kg (half electricity), half of it recycled, in 2025 (g = h = 1):
    a = 8 - 2 = 6, b = 12 - 2 = 10, so 20 - 0.5 (6 + 10) = 12.

    >>> float(materials_emissions(8.0, 12.0, 1.0, 1.0, [0.5], 1.0, [6.0], [10.0]))
    12.0

    References
    ----------
    .. [1] Argonne GREET battery materials (LFP 41.8, NMC811 50.0 kg CO2e/kWh).
    .. [2] Xu et al. 2022 (battery footprints falling as supply chains and grids
       decarbonise).
    .. [3] Aichberger & Jungmeier 2020 (recycling credit, median 20 kg CO2e/kWh).
    """
    if not isinstance(recycled, np.ndarray):
        recycled = np.stack(np.broadcast_arrays(*(np.asarray(r, float) for r in recycled)))
    credits = np.stack([np.asarray(credit_electricity, float),
                        np.asarray(credit_other, float)], axis=1)
    saved_el, saved_other = combine(credits, recycled)
    battery = np.asarray(battery, float)
    return (np.asarray(grid_path, float) * (primary_electricity - saved_el / battery)
            + np.asarray(supply_chain_path, float) * (primary_other - saved_other / battery))


def ice_use(fuel_use: ArrayLike, years: ArrayLike, year0: float, efficiency_gain: ArrayLike,
            combustion: float, upstream: float) -> np.ndarray:
    """Use-phase emissions of a new gasoline car, which improves every year.

    .. math:: e_{ICE}(t) = \\phi\\,(1 - a)^{t - t_0}\\, f_c\\,(1 + u)

    Parameters
    ----------
    fuel_use : array_like
        Fuel use of a new car in ``year0`` [L/km].
    years : array_like
        Calendar years the car is built [year].
    year0 : float
        Year of ``fuel_use`` [year].
    efficiency_gain : array_like
        Yearly fall of a new car's fuel use [1/yr].
    combustion : float
        Combustion emissions [kg CO2/L].
    upstream : float
        Well-to-tank emissions as a share of combustion [1].

    Returns
    -------
    numpy.ndarray
        Emissions [g CO2e/km].

    Examples
    --------
    >>> round(float(ice_use(0.07, 2025, 2025, 0.01, 2.31, 0.2)), 6)
    194.04
    """
    elapsed = np.asarray(years, float) - year0
    return (np.asarray(fuel_use, float) * compound(-np.asarray(efficiency_gain, float), elapsed)
            * (combustion * 1000.0 * (1.0 + upstream)))


def _lambertw0(z: np.ndarray) -> np.ndarray:
    """Principal branch of the Lambert W function for real z in [-1/e, 0].

    Two Halley steps from a series start (about the branch point below
    z = -1/4, about 0 above); it matches :func:`scipy.special.lambertw` to
    1e-8 (tested), the conditioning limit at the branch point, at a fraction of
    the cost of its complex evaluation.
    """
    z = np.asarray(z, float)
    p = np.sqrt(np.maximum(2.0 * (np.e * z + 1.0), 0.0))
    w = np.where(z < -0.25, -1.0 + p * (1.0 + p * (-1.0 / 3.0 + 11.0 / 72.0 * p)),
                 z * (1.0 - z + 1.5 * z * z))
    for _ in range(2):
        ew = np.exp(w)
        f = w * ew - z
        wp1 = np.maximum(w + 1.0, 1e-300)
        w = w - f / (ew * wp1 - (w + 2.0) * f / (2.0 * wp1))
    return w


def breakeven_distance(extra_production: ArrayLike, ev_use0: ArrayLike, ice_use: ArrayLike,
                       decarbonization: ArrayLike, annual_km: ArrayLike) -> np.ndarray:
    """Distance at which an EV's cumulative emissions fall below the gasoline car's.

    The EV's use emissions per km fall as the grid decarbonises while it is
    driven, e(x) = e0 exp(-x/τ) with τ = annual_km / -ln(1 - d). Cumulative
    emissions meet where

    .. math:: c\\,x - e_0 \\tau (1 - e^{-x/\\tau}) = D

    solved in closed form with the Lambert W function (principal branch):

    .. math:: x = A + \\tau\\,W_0\\!\\left(-\\tfrac{e_0}{c} e^{-A/\\tau}\\right),
       \\quad A = \\frac{D + e_0\\tau}{c}

    Parameters
    ----------
    extra_production : array_like
        EV production emissions less the gasoline car's [g CO2e].
    ev_use0 : array_like
        EV use emissions per km when new [g CO2e/km].
    ice_use : array_like
        Gasoline car use emissions per km [g CO2e/km], > 0.
    decarbonization : array_like
        Yearly fall of grid intensity [1/yr].
    annual_km : array_like
        Distance per year [km/yr].

    Returns
    -------
    numpy.ndarray
        Break-even distance [km]; 0 if the EV is cleaner to make, NaN if it
        never catches up.
    """
    k = -np.log1p(-np.asarray(decarbonization, float)) / np.asarray(annual_km, float)
    d_prod, e0, c = (np.asarray(a, float) for a in (extra_production, ev_use0, ice_use))
    flat = k <= _FLAT_GRID / 1e4
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tau = 1.0 / np.where(flat, 1.0, k)
        a = (d_prod + e0 * tau) / c
        z = -(e0 / c) * np.exp(-a / tau)
        valid = z >= -np.exp(-1.0)
        result = np.array(a + tau * _lambertw0(np.where(valid, z, 0.0)))
        result[~valid] = np.nan
        if np.any(flat):
            linear = np.where(c > e0, d_prod / (c - e0), np.nan)
            result = np.array(np.where(flat, linear, result))
    result[np.broadcast_to(d_prod <= 0, result.shape)] = 0.0
    return result


def emissions_avoided(ev_sales: ArrayLike, ice_lifecycle: ArrayLike, ev_lifecycle: ArrayLike,
                      lifetime_km: ArrayLike) -> np.ndarray:
    """Life-cycle emissions avoided by a year's EV sales, each replacing a gasoline car.

    Parameters
    ----------
    ev_sales : array_like
        EVs sold [million].
    ice_lifecycle, ev_lifecycle : array_like
        Life-cycle emissions per km [g CO2e/km].
    lifetime_km : array_like
        Distance over a car's life [km].

    Returns
    -------
    numpy.ndarray
        Emissions avoided over those cars' lives [Mt CO2e].
    """
    # million cars × g/km × km = 1e6 g ... = 1e-6 Mt per unit
    return np.asarray(ev_sales) * (np.asarray(ice_lifecycle) - np.asarray(ev_lifecycle)) \
        * np.asarray(lifetime_km) * 1e-6


# ---------------------------------------------------------------------------------------------
# The step


@dataclass(frozen=True)
class Footprint:
    """The 2025 material footprint of each chemistry, split for its paths over time.

    Attributes
    ----------
    electricity, other : numpy.ndarray
        Grid-electricity part and heat-and-process part of each chemistry's
        all-primary material footprint, shape (C,) [kg CO2e/kWh]; they sum to the
        published materials figure.
    residual : numpy.ndarray
        The part of that figure not in the tracked materials (electrolyte,
        separator, cathode processing, casing...), shape (C,) [kg CO2e/kWh].
    credit_electricity, credit_other : numpy.ndarray
        Saving per kg of recycled content, electricity and other part, shape (K,)
        [kg CO2e/kg]; 0 for materials not recovered.
    """

    electricity: np.ndarray
    other: np.ndarray
    residual: np.ndarray
    credit_electricity: np.ndarray
    credit_other: np.ndarray


@cache
def footprint() -> Footprint:
    """Split the reference materials footprints (GREET and derived) by material and part.

    Raises
    ------
    evexplorer.model.data.DataError
        If the tracked materials alone exceed a chemistry's published footprint.
    """
    ref = data.load()
    factor, share = ref.emission_factor, ref.electricity_share
    residual = ref.materials_emissions - ref.intensity @ factor
    if np.any(residual < 0):
        raise data.DataError("the tracked materials exceed a chemistry's materials footprint")
    other_share = ref.other_electricity_share
    recoverable = np.isfinite(ref.recycled_factor)
    recycled = np.nan_to_num(ref.recycled_factor)
    process_share = ref.recycling_electricity_share
    arrays = (
        ref.intensity @ (factor * share) + residual * other_share,
        ref.intensity @ (factor * (1.0 - share)) + residual * (1.0 - other_share),
        residual,
        np.where(recoverable, factor * share - recycled * process_share, 0.0),
        np.where(recoverable, factor * (1.0 - share) - recycled * (1.0 - process_share), 0.0),
    )
    for array in arrays:
        array.flags.writeable = False
    return Footprint(*arrays)


@dataclass(frozen=True)
class Emissions:
    """Output of the emissions step; arrays of shape (S, T).

    Attributes
    ----------
    battery : numpy.ndarray
        Cradle-to-gate emissions per kWh of battery [kg CO2e/kWh].
    ev_production, ice_production : numpy.ndarray
        Making one EV (battery included) and one gasoline car [t CO2e].
    ev_lifecycle, ice_lifecycle : numpy.ndarray
        Production and use over the car's life, per km [g CO2e/km].
    breakeven : numpy.ndarray or None
        Break-even distance [km], NaN if never; None when not asked for.
    avoided : numpy.ndarray
        Emissions avoided by that year's EV sales [Mt CO2e].
    factory_electricity : numpy.ndarray or None
        Electricity of the cell plants [TWh]; None when not asked for.
    """

    battery: np.ndarray
    ev_production: np.ndarray
    ice_production: np.ndarray
    ev_lifecycle: np.ndarray
    ice_lifecycle: np.ndarray
    breakeven: np.ndarray | None
    avoided: np.ndarray
    factory_electricity: np.ndarray | None


def _grids(inputs: Inputs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Grids of manufacturing and use, the refining grid's path and the use grid's rate."""
    ref, years = inputs.ref, inputs.years
    world = inputs.levers["grid_decarbonization"] / 100.0
    default = ref.grid_rate["world"]

    def grid(region: str) -> tuple[np.ndarray, np.ndarray]:
        rate = region_rate(world, ref.grid_rate[region], default)
        return grid_intensity(ref.grid[region], years, ref.grid_year, rate), rate

    where = inputs.values["manufacturing_region"]
    if where == "world":  # where the world's cells are made (regions with a share)
        make = sum(share * grid(r)[0] for r, share in ref.cell_production_share.items()
                   if share)
    else:
        make = grid(where)[0]
    use, use_rate = grid(inputs.values["use_region"])
    refining = compound(-region_rate(world, ref.grid_rate[REFINING_REGION], default),
                        years - years[0])
    return make, use, use_rate, refining


def step(inputs: Inputs, demand: Demand, minerals: Minerals,
         wanted: Container[str] = ALL) -> Emissions:
    """Run the emissions step: battery footprint, production, use, break-even, fleet.

    The break-even distance and the cell plants' electricity are computed only if
    ``breakeven_distance`` and ``factory_electricity`` are among the series ``wanted``.
    """
    p, ref, years = inputs.levers, inputs.ref, inputs.years
    make, use, use_rate, refining = _grids(inputs)
    elapsed = years - years[0]
    supply_chain = compound(-p["supply_chain_decarbonization"] / 100.0, elapsed)
    fp = footprint()
    primary_electricity, primary_other = minerals.mix.weighted(
        np.stack([fp.electricity, fp.other], axis=1))
    materials = materials_emissions(primary_electricity, primary_other, refining, supply_chain,
                                    minerals.recycled_in_ev, minerals.battery,
                                    fp.credit_electricity, fp.credit_other)
    plant_energy = p["cell_energy"] * compound(-p["cell_energy_decline"] / 100.0, elapsed)
    battery = materials + plant_emissions(
        plant_energy, ref.plant_electricity_share, make, p["renewable_share"] / 100.0,
        ref.renewable_intensity, ref.gas_lifecycle_factor)
    pack = battery * p["battery_size"] / 1000.0  # t CO2e per pack
    ev_production = ref.ev_body_emissions * supply_chain + pack
    ice_production = np.broadcast_to(ref.ice_production_emissions * supply_chain,
                                      ev_production.shape)
    km, annual = p["vehicle_lifetime_km"], p["annual_km"]
    car_years = km / annual
    efficiency = p["ev_efficiency"] / 100.0
    ev_use = efficiency * mean_over_life(use, use_rate, car_years)
    ice = ice_use(p["ice_fuel_use"] / 100.0, years, years[0], p["ice_efficiency_gain"] / 100.0,
                  ref.gasoline_combustion, ref.gasoline_upstream)
    # A battery that does not last the car is replaced (counted over the life, not in making it).
    replacements = np.maximum(car_years / p["battery_lifetime"], 1.0) - 1.0
    ev_lifecycle = (ev_production + replacements * pack) * 1e6 / km + ev_use
    ice_lifecycle = ice_production * 1e6 / km + ice
    return Emissions(
        battery=battery, ev_production=ev_production, ice_production=ice_production,
        ev_lifecycle=ev_lifecycle, ice_lifecycle=ice_lifecycle,
        breakeven=breakeven_distance((ev_production - ice_production) * 1e6,
                                     efficiency * use, ice, use_rate, annual)
        if "breakeven_distance" in wanted else None,
        avoided=emissions_avoided(demand.ev_sales, ice_lifecycle, ev_lifecycle, km),
        factory_electricity=demand.battery * plant_energy * ref.plant_electricity_share / 1000.0
        if "factory_electricity" in wanted else None,
    )

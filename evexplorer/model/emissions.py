"""Emissions: battery production, vehicle life cycle, break-even and fleet savings."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: Below this decarbonisation rate [1/yr] the grid is treated as constant.
_FLAT_GRID = 1e-9


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
    return np.asarray(grid0) * (1.0 - np.asarray(decarbonization)) ** (
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
                    gas_emission_factor: float) -> np.ndarray:
    """Emissions of cell-plant energy per kWh of cells.

    Renewable electricity replaces grid electricity in the electricity part
    only; natural gas for drying and dry rooms is untouched. Renewable
    electricity is counted at its lifecycle intensity, or at the grid's where
    the grid is cleaner.

    .. math:: E = e\\,[\\,s_{el}\\,((1-r)\\,g + r\\,\\min(g_r, g))
       + (1 - s_{el})\\,f_{gas}\\,] / 1000

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
    gas_emission_factor : float
        Natural gas combustion [kg CO2/kWh].

    Returns
    -------
    numpy.ndarray
        Emissions [kg CO2e/kWh of cells].

    References
    ----------
    .. [1] Degen et al. 2023, Nature Energy (20-38 kWh/kWh); Degen & Schuette
       2022 (52 % natural gas).
    """
    grid = np.asarray(grid, float)
    share = np.asarray(renewable_share, float)
    electricity = (1.0 - share) * grid + share * np.minimum(renewable_intensity, grid)
    per_kwh = (electricity_share * electricity / 1000.0
               + (1.0 - electricity_share) * gas_emission_factor)
    return np.asarray(cell_energy) * per_kwh


def materials_emissions(mix_materials: ArrayLike, recycled: ArrayLike,
                        battery_demand: ArrayLike, emission_factor: ArrayLike,
                        recycled_ratio: float) -> np.ndarray:
    """Material emissions per kWh, with recycled minerals at a lower factor.

    The mix-weighted materials figure of each chemistry, less a credit for the
    recycled part of each battery mineral, counted at ``recycled_ratio`` times
    its primary factor:

    .. math:: E = \\sum_c x_c E_c - (1 - \\rho) \\sum_m f_m R_m / B

    Parameters
    ----------
    mix_materials : array_like
        Share-weighted materials emissions of the chemistry mix, Σ_c x_c E_c,
        all material primary [kg CO2e/kWh].
    recycled : array_like
        Recycled mineral used in that year's batteries, minerals on the last
        axis, at most the mineral's demand [kt].
    battery_demand : array_like
        Battery capacity made that year [GWh], > 0.
    emission_factor : array_like
        Primary emission factor per mineral, shape (M,) [kg CO2e/kg].
    recycled_ratio : float
        Recycled material's factor relative to primary [1].

    Returns
    -------
    numpy.ndarray
        Material emissions [kg CO2e/kWh].

    References
    ----------
    .. [1] Argonne GREET battery materials (LFP 41.8, NMC811 50.0 kg CO2e/kWh).
    .. [2] Ciez & Whitacre 2019, Nature Sustainability (recycling's modest savings).
    """
    # kt × kg CO2e/kg / GWh = 1e6 kg CO2e / 1e6 kWh
    credit = (1.0 - recycled_ratio) * (np.asarray(recycled, float)
                                       @ np.asarray(emission_factor, float))
    return np.asarray(mix_materials, float) - credit / np.asarray(battery_demand, float)


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
    k_year = -np.log1p(-np.asarray(decarbonization, float))
    d_prod, e0, c, k = np.broadcast_arrays(*(np.asarray(a, float) for a in
                                             (extra_production, ev_use0, ice_use)),
                                           k_year / np.asarray(annual_km, float))
    flat = k <= _FLAT_GRID / 1e4
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tau = np.where(flat, 1.0, 1.0 / np.where(flat, 1.0, k))
        a = (d_prod + e0 * tau) / c
        z = -(e0 / c) * np.exp(-a / tau)
        w = _lambertw0(np.where(z >= -np.exp(-1.0), z, 0.0))
        curved = np.where(z >= -np.exp(-1.0), a + tau * w, np.nan)
        linear = np.where(c > e0, d_prod / (c - e0), np.nan)
    result = np.where(flat, linear, curved)
    return np.where(d_prod <= 0, 0.0, result)


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

"""Demand: EV sales on an S-curve within a car market; EV and stationary batteries.

All functions are pure and broadcast: years along the last axis, samples
along the first. :func:`step` runs them for the orchestrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import compound

if TYPE_CHECKING:
    from .core import Inputs


def logistic(years: ArrayLike, start: ArrayLike, growth: ArrayLike, ceiling: ArrayLike,
             year0: float) -> np.ndarray:
    """A quantity on a logistic S-curve that never exceeds its ceiling.

    .. math:: y(t) = \\frac{c}{1 + (c/y_0' - 1)\\,e^{-\\rho (t - t_0)}},\\quad
       \\rho = \\ln(1 + g),\\quad y_0' = \\min(y_0, c)

    Far below the ceiling it grows by ``growth`` a year. A start above the
    ceiling is brought down to it, so the ceiling holds at any growth, zero
    included.

    Parameters
    ----------
    years : array_like
        Calendar years [year].
    start : array_like
        Value in ``year0`` [any unit], > 0.
    growth : array_like
        Growth rate far below the ceiling [1/yr], >= 0.
    ceiling : array_like
        Long-run value [same unit], > 0.
    year0 : float
        Year of ``start`` [year].

    Returns
    -------
    numpy.ndarray
        The quantity [same unit], in (0, ceiling].

    Examples
    --------
    >>> float(logistic(2025, 0.21, 0.25, 0.9, 2024))  # doctest: +ELLIPSIS
    0.248031496...
    >>> float(logistic(2030, 0.21, 0.0, 0.10, 2024))  # the ceiling holds with no growth
    0.1
    """
    start = np.minimum(start, ceiling)
    rho = np.log1p(growth)
    return ceiling / (1.0 + (ceiling / start - 1.0)
                      * np.exp(-rho * (np.asarray(years, float) - year0)))


def ev_share(years: ArrayLike, share0: ArrayLike, growth: ArrayLike, ceiling: ArrayLike,
             year0: float) -> np.ndarray:
    """EV share of car sales on a logistic S-curve (see :func:`logistic`).

    Parameters
    ----------
    years : array_like
        Calendar years [year].
    share0 : array_like
        Share in ``year0`` [1].
    growth : array_like
        Growth rate far below the ceiling [1/yr], >= 0.
    ceiling : array_like
        Long-run share [1], in (0, 1]; the share never exceeds it.
    year0 : float
        Year of ``share0`` [year].

    Returns
    -------
    numpy.ndarray
        EV share of sales [1].

    References
    ----------
    .. [1] IEA, Global EV Outlook 2025 (2024 share above 20 %).
    """
    return logistic(years, share0, growth, ceiling, year0)


def storage_demand(years: ArrayLike, demand0: float, growth: ArrayLike, ceiling: float,
                   year0: float) -> np.ndarray:
    """Stationary storage battery demand on a logistic S-curve (see :func:`logistic`).

    Parameters
    ----------
    years : array_like
        Calendar years [year].
    demand0 : float
        Storage batteries made in ``year0`` [GWh].
    growth : array_like
        Growth far below the ceiling [1/yr].
    ceiling : float
        Long-run demand [GWh/yr].
    year0 : float
        Year of ``demand0`` [year].

    Returns
    -------
    numpy.ndarray
        Storage battery demand [GWh].

    References
    ----------
    .. [1] IEA, Batteries and Secure Energy Transitions (2024): about 400 GWh in 2030
       (STEPS).
    """
    return logistic(years, demand0, growth, ceiling, year0)


def car_market(years: ArrayLike, market0: float, growth: ArrayLike, mode_shift: ArrayLike,
               mode_shift_year: ArrayLike, year0: float) -> np.ndarray:
    """Global car sales after a mode shift phased in linearly.

    .. math:: M(t) = M_0 (1 + g)^{t - t_0}
       \\,\\bigl(1 - m\\,\\min(1, \\tfrac{t - t_0}{T_m - t_0})\\bigr)

    Parameters
    ----------
    years : array_like
        Calendar years [year].
    market0 : float
        Car sales in ``year0`` [million].
    growth : array_like
        Yearly growth of the market before mode shift [1/yr].
    mode_shift : array_like
        Share of car sales avoided once the shift is complete [1].
    mode_shift_year : array_like
        Year the shift is complete [year], after ``year0``.
    year0 : float
        Base year [year].

    Returns
    -------
    numpy.ndarray
        Car sales [million].
    """
    elapsed = np.asarray(years, float) - year0
    ramp = np.clip(elapsed / (np.asarray(mode_shift_year, float) - year0), 0.0, 1.0)
    return market0 * compound(growth, elapsed) * (1.0 - mode_shift * ramp)


def cumulative_production(battery_demand: ArrayLike, cumulative0: float) -> np.ndarray:
    """Cumulative battery production at the end of each year.

    Parameters
    ----------
    battery_demand : array_like
        Production per year, years on the last axis [GWh].
    cumulative0 : float
        Production to the end of the year before the first [GWh].

    Returns
    -------
    numpy.ndarray
        Cumulative production [GWh].
    """
    return cumulative0 + np.cumsum(battery_demand, axis=-1)


@dataclass(frozen=True)
class Demand:
    """Output of the demand step; arrays of shape (S, T).

    Attributes
    ----------
    ev_share : numpy.ndarray
        EV share of car sales [1].
    car_sales, ev_sales : numpy.ndarray
        Cars and EVs sold [million].
    battery : numpy.ndarray
        EV battery capacity made [GWh].
    storage : numpy.ndarray
        Stationary storage battery capacity made [GWh].
    cumulative : numpy.ndarray
        EV and storage battery capacity made to the end of the year, history
        included: the volume on the experience curve [GWh].
    """

    ev_share: np.ndarray
    car_sales: np.ndarray
    ev_sales: np.ndarray
    battery: np.ndarray
    storage: np.ndarray
    cumulative: np.ndarray


def step(inputs: Inputs) -> Demand:
    """Run the demand step: EV sales, EV and storage batteries, learning volume."""
    p, ref, years = inputs.levers, inputs.ref, inputs.years
    base = ref.base_year
    share = ev_share(years, ref.ev_share_base, p["demand_growth"] / 100.0,
                     p["ev_share_ceiling"] / 100.0, base)
    cars = car_market(years, ref.ev_sales_base / ref.ev_share_base,
                      p["car_market_growth"] / 100.0, p["mode_shift"] / 100.0,
                      p["mode_shift_year"], base)
    ev_sales = share * cars
    battery = ev_sales * p["battery_size"]
    storage = storage_demand(years, float(ref.storage_history[-1]), p["storage_growth"] / 100.0,
                             ref.storage_ceiling, base)
    return Demand(ev_share=share, car_sales=cars, ev_sales=ev_sales, battery=battery,
                  storage=storage,
                  cumulative=cumulative_production(battery + storage, ref.cumulative_base))

"""Demand: EV sales on an S-curve within a car market, and battery demand.

All functions are pure and broadcast: years along the last axis, samples
along the first.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def ev_share(years: ArrayLike, share0: ArrayLike, growth: ArrayLike, ceiling: ArrayLike,
             year0: float) -> np.ndarray:
    """EV share of car sales on a logistic S-curve.

    .. math:: s(t) = \\frac{c}{1 + (c/s_0 - 1)\\,e^{-\\rho (t - t_0)}},\\quad \\rho = \\ln(1 + g)

    Far below the ceiling the share grows by ``growth`` a year; above the
    ceiling it falls toward it.

    Parameters
    ----------
    years : array_like
        Calendar years [year].
    share0 : array_like
        Share in ``year0`` [1].
    growth : array_like
        Growth rate far below the ceiling [1/yr], >= 0.
    ceiling : array_like
        Long-run share [1], in (0, 1].
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
    rho = np.log1p(growth)
    return ceiling / (1.0 + (ceiling / share0 - 1.0) * np.exp(-rho * (np.asarray(years) - year0)))


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
    return market0 * (1.0 + np.asarray(growth)) ** elapsed * (1.0 - mode_shift * ramp)


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

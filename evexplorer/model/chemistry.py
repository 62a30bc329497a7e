"""Chemistry mix over time and what it implies per kWh.

The mix moves linearly from today's shares to the target shares, so every
mix-weighted quantity (mineral content, cost factor, emissions, pack mass) is
itself linear in the progress toward the target: the model mixes the two end
points once and never builds the full (samples × years × chemistries) array.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def mix_progress(years: ArrayLike, target_year: ArrayLike, year0: float) -> np.ndarray:
    """Progress of the chemistry mix from today's shares to the target.

    .. math:: \\pi(t) = \\min\\bigl(1, \\max(0, \\tfrac{t - t_0}{T - t_0})\\bigr)

    Parameters
    ----------
    years : array_like
        Calendar years [year].
    target_year : array_like
        Year the target mix is reached [year], > ``year0``.
    year0 : float
        Year of today's mix [year].

    Returns
    -------
    numpy.ndarray
        Progress [1], 0 in ``year0`` and 1 from ``target_year`` on.
    """
    years = np.asarray(years, float)
    return np.clip((years - year0) / (np.asarray(target_year, float) - year0), 0.0, 1.0)


def mix_weighted(progress: ArrayLike, today: ArrayLike, target: ArrayLike) -> np.ndarray:
    """A share-weighted quantity along the mix path.

    With shares x(t) = x⁰ + π(t)(x¹ - x⁰), any quantity Σ_c x_c v_c equals
    v⁰ + π(t)(v¹ - v⁰), where v⁰ and v¹ are the quantity at today's and at the
    target mix. Arguments broadcast: give ``progress[..., None]`` for a vector
    of quantities.

    Parameters
    ----------
    progress : array_like
        Progress toward the target mix [1].
    today, target : array_like
        The quantity at today's and at the target mix [any unit].

    Returns
    -------
    numpy.ndarray
        The quantity along the path [same unit].

    Examples
    --------
    >>> float(mix_weighted(0.25, 10.0, 20.0))
    12.5
    """
    today = np.asarray(today, float)
    return today + np.asarray(progress, float) * (np.asarray(target, float) - today)


def interpolate_by_year(years: ArrayLike, table_years: ArrayLike, table: ArrayLike) -> np.ndarray:
    """Interpolate a per-chemistry table linearly in time, flat outside its years.

    Parameters
    ----------
    years : array_like
        Years wanted, shape (T,) [year].
    table_years : array_like
        Years of the table, shape (K,) [year], increasing.
    table : array_like
        Values, shape (C, K) [any unit].

    Returns
    -------
    numpy.ndarray
        Values, shape (T, C) [same unit].
    """
    years = np.asarray(years, float)
    table = np.asarray(table, float)
    return np.stack([np.interp(years, table_years, row) for row in table], axis=-1)


def pack_mass_per_kwh(cell_specific_energy: ArrayLike, cell_mass_share: ArrayLike) -> np.ndarray:
    """Pack mass per kWh stored: cell mass per kWh over the cells' share of pack mass.

    .. math:: m = \\frac{1}{e_{cell}\\, f_{cell}}

    Parameters
    ----------
    cell_specific_energy : array_like
        Cell specific energy [kWh/kg].
    cell_mass_share : array_like
        Cells' share of pack mass [1].

    Returns
    -------
    numpy.ndarray
        Pack mass [kg/kWh]; 1000 divided by it is the pack specific energy [Wh/kg].

    Examples
    --------
    >>> round(float(pack_mass_per_kwh(0.16, 0.8)), 4)
    7.8125

    References
    ----------
    .. [1] PSI carculator default parameters (cell specific energy, cell mass share).
    """
    return 1.0 / (np.asarray(cell_specific_energy, float) * np.asarray(cell_mass_share, float))

"""Chemistry mix over time and what it implies per kWh.

The mix moves linearly from the 2024 shares to the target shares, so every
mix-weighted quantity (mineral content, cost, emissions, pack mass) is itself
linear in the progress toward the target: the model mixes the two end points
once and never builds the full (samples × years × chemistries) array. The
price response moves shares from the chemistries that use a scarce mineral to
a substitute; that too is linear in the shares, so :class:`MixPath` keeps the
same shortcut with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import combine


def mix_progress(years: ArrayLike, target_year: ArrayLike, year0: float) -> np.ndarray:
    """Progress of the chemistry mix from the base-year shares to the target.

    .. math:: \\pi(t) = \\min\\bigl(1, \\max(0, \\tfrac{t - t_0}{T - t_0})\\bigr)

    Parameters
    ----------
    years : array_like
        Calendar years [year].
    target_year : array_like
        Year the target mix is reached [year], > ``year0``. The first model year
        is allowed: the target mix then applies from it.
    year0 : float
        Year of the base-year mix [year].

    Returns
    -------
    numpy.ndarray
        Progress [1], 0 in ``year0`` and 1 from ``target_year`` on.

    Examples
    --------
    >>> mix_progress([2025, 2026, 2030], 2025, 2024).tolist()
    [1.0, 1.0, 1.0]
    >>> mix_progress([2025, 2029], 2034, 2024).tolist()
    [0.1, 0.5]
    """
    years = np.asarray(years, float)
    return np.clip((years - year0) / (np.asarray(target_year, float) - year0), 0.0, 1.0)


def mix_weighted(progress: ArrayLike, today: ArrayLike, target: ArrayLike) -> np.ndarray:
    """A share-weighted quantity along the mix path.

    With shares x(t) = x⁰ + π(t)(x¹ - x⁰), any quantity Σ_c x_c v_c equals
    v⁰ + π(t)(v¹ - v⁰), where v⁰ and v¹ are the quantity at the base-year and
    at the target mix. Arguments broadcast.

    Parameters
    ----------
    progress : array_like
        Progress toward the target mix [1].
    today, target : array_like
        The quantity at the base-year and at the target mix [any unit].

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


@dataclass(frozen=True)
class Shift:
    """A move of market share toward a substitute chemistry (the price response).

    Each year a fraction ``phi`` of the share of every ``exposed`` chemistry
    moves to the ``substitute``:

    .. math:: x'_c = x_c (1 - \\varphi u_c) + \\varphi\\,(u \\cdot x)\\,[c = s]

    Attributes
    ----------
    phi : numpy.ndarray
        Fraction moved, shape (S, T) [1], in [0, 1].
    exposed : numpy.ndarray
        1 for the chemistries that give up share, else 0, shape (C,) [1].
    substitute : int
        Index of the chemistry that receives it.
    """

    phi: np.ndarray
    exposed: np.ndarray
    substitute: int


@dataclass(frozen=True)
class MixPath:
    """The market's chemistry mix in every year, kept as end points and shifts.

    Attributes
    ----------
    progress : numpy.ndarray
        Progress from ``today`` to ``target``, shape (S, T) [1].
    today, target : numpy.ndarray
        Base-year and target shares, shape (C,) [1].
    shifts : tuple of Shift
        Price-response moves on top of the path (simultaneous; the exposed sets
        may overlap as long as no chemistry gives up more than all its share).
    """

    progress: np.ndarray
    today: np.ndarray
    target: np.ndarray
    shifts: tuple[Shift, ...] = ()

    def with_shifts(self, shifts: tuple[Shift, ...]) -> MixPath:
        """The same path with price-response shifts."""
        return replace(self, shifts=shifts)

    @cached_property
    def factors(self) -> np.ndarray:
        """The weights of the mix's end points in every year, before and after each shift.

        Rows 1 - π, π, φ_k (1 - π), φ_k π: the shares are
        x(t) = Σ_r factors_r(t) y_r with y the base-year mix, the target mix and their
        moves by each shift (see :meth:`row_coefficients`). Shape (R, S, T), read-only [1].
        """
        before = 1.0 - self.progress
        rows = [before, self.progress]
        for shift in self.shifts:
            rows += [shift.phi * before, shift.phi * self.progress]
        n_samples = max(row.shape[0] for row in rows)
        out = np.empty((len(rows), n_samples, self.progress.shape[-1]))
        for r, row in enumerate(rows):
            out[r] = row
        out.flags.writeable = False
        return out

    def weighted(self, values: ArrayLike) -> np.ndarray:
        """The share-weighted value of a per-chemistry quantity in every year.

        Parameters
        ----------
        values : array_like
            Per chemistry, shape (C,) or (C, K) [any unit].

        Returns
        -------
        numpy.ndarray
            Shape (S, T) for (C,) values, (K, S, T) for (C, K) values [same unit].

        Notes
        -----
        With a shift, Σ_c x'_c v_c = Σ_c x_c v_c + φ Σ_c x_c u_c (v_s - v_c): one more
        linear quantity per shift. Several quantities given as columns are weighted in one
        pass over the factors (:func:`evexplorer.model._arrays.combine`).
        """
        values = np.asarray(values, float)
        out = combine(self.row_coefficients(values if values.ndim == 2 else values[:, None]),
                      self.factors)
        return out if values.ndim == 2 else out[0]

    def weighted_by_year(self, values: ArrayLike) -> np.ndarray:
        """The share-weighted value of a per-chemistry quantity that changes with time.

        Parameters
        ----------
        values : array_like
            Shape (T, C) [any unit].

        Returns
        -------
        numpy.ndarray
            Shape (S, T) [same unit].
        """
        coefficients = self.row_coefficients(np.asarray(values, float).T)  # (R, T)
        factors = self.factors
        out = factors[0] * coefficients[0]
        for r in range(1, len(factors)):
            out += factors[r] * coefficients[r]
        return out

    def share(self, chemistry: int) -> np.ndarray:
        """Market share of one chemistry in every year, shape (S, T) [1]."""
        unit = np.zeros(len(self.today))
        unit[chemistry] = 1.0
        return self.weighted(unit)

    def placed_rows(self, placed: np.ndarray, first: int = 0) -> np.ndarray:
        """Split what is placed each year into rows free of the mix, model years only.

        Parameters
        ----------
        placed : numpy.ndarray
            Capacity placed each model year, shape (S, T) [GWh].
        first : int, optional
            Index of the first row wanted (rows before it are left out).

        Returns
        -------
        numpy.ndarray
            Rows ``placed`` times 1 - π, π, φ_k (1 - π), φ_k π, shape (R - first, S, T),
            C-contiguous [GWh]: the content of a material is Σ_r rows_r × coefficient_r (see
            :meth:`row_coefficients`).
        """
        return np.multiply(self.factors[first:], placed)

    def content_rows(self, placed: np.ndarray, history: np.ndarray, length: int = 0,
                     first: int = 0) -> np.ndarray:
        """Split what is placed each year into rows free of the mix, history included.

        The content of any material placed in year t is ``placed(t)`` times the
        mix-weighted intensity: a sum over rows of row_r(t) × coefficient_r, each
        row being ``placed`` times 1 - π, π, φ_k (1 - π) or φ_k π (see
        :meth:`row_coefficients`): the weights of the base-year and target mixes, before and
        after each shift. All but the shifts' coefficients are contents, never negative, so
        a material that the target mix does not use comes out exactly 0 once the target is
        reached.
        An operation that is linear in time, such as the retirement convolution,
        can act on these few rows instead of on every material.

        Parameters
        ----------
        placed : numpy.ndarray
            Capacity placed each model year, shape (S, T) [GWh].
        history : numpy.ndarray
            Capacity placed in the years before, at the base-year mix, shape (H,) [GWh].
        length : int, optional
            Length of the rows' last axis, at least H + T; zeros after the model years.
        first : int, optional
            Index of the first row wanted (rows before it are left out).

        Returns
        -------
        numpy.ndarray
            Rows, shape (R - first, S, max(H + T, length)) [GWh]; the history is in
            row 0 only.
        """
        rows = self.placed_rows(placed, first)
        n_hist = history.shape[0]
        end = n_hist + placed.shape[-1]
        out = np.zeros((*rows.shape[:2], max(end, length)))
        if first == 0:
            out[0, :, :n_hist] = history
        out[:, :, n_hist:end] = rows
        return out

    def row_coefficients(self, values: np.ndarray) -> np.ndarray:
        """Coefficients of :meth:`content_rows` for a per-chemistry quantity.

        Parameters
        ----------
        values : numpy.ndarray
            Per chemistry, shape (C, K) [any unit].

        Returns
        -------
        numpy.ndarray
            Shape (R, K): the content of quantity k is Σ_r rows_r × coefficients[r, k].
        """
        coefficients = [self.today @ values, self.target @ values]
        for shift in self.shifts:
            gain = shift.exposed[:, None] * (values[shift.substitute] - values)
            coefficients += [self.today @ gain, self.target @ gain]
        return np.array(coefficients)

    @property
    def n_rows(self) -> int:
        """Number of rows of :meth:`content_rows`: 2, and 2 per shift."""
        return 2 + 2 * len(self.shifts)


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

"""Compare: the headline figures of 2 to 6 scenarios side by side, against one of them.

:func:`compare` reads the headline figures (those of the window's headline
cards) of each scenario for a chosen year, takes their differences against
the first scenario (or a chosen one) and marks those that differ beyond a
tolerance. The window's compare table and ``evexplorer compare`` both use it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import SCALARS, SERIES
from .readout import AnalysisError

#: Fewest and most scenarios compared at once.
MIN_SCENARIOS, MAX_SCENARIOS = 2, 6
#: Relative difference beyond which two figures differ [1] (see :func:`compare`).
RTOL = 1e-3


@dataclass(frozen=True)
class Headline:
    """A headline figure: a series at the chosen year, or a scalar.

    Attributes
    ----------
    output : str
        Series or scalar name.
    title : str
        Short title for people.
    decimals : int
        Decimals shown [1].
    lower_is_better : bool
        Whether a fall is an improvement.
    """

    output: str
    title: str
    decimals: int = 0
    lower_is_better: bool = True

    @property
    def unit(self) -> str:
        """Unit of the figure (``year`` for a calendar year)."""
        return (SERIES.get(self.output) or SCALARS[self.output]).unit

    @property
    def is_year(self) -> bool:
        """True for a calendar year (its difference is a number of years)."""
        return self.unit == "year"

    def value(self, results: Any, year: int) -> float:
        """The figure in ``results`` for ``year`` [year], in :attr:`unit`.

        NaN for "never" (no parity year, no break-even), for a year outside
        the years of ``results`` and for an output that ``results`` lack.
        """
        if self.output in SERIES:
            series = results.series.get(self.output)
            found = np.flatnonzero(np.asarray(results.years) == year)
            return float(series[found[0]]) if series is not None and found.size else math.nan
        value = results.scalars.get(self.output)
        return math.nan if value is None else float(value)

    def format(self, value: float) -> str:
        """The figure for people, without unit: ``never`` for a missing year or distance."""
        if not math.isfinite(value):
            return "never" if self.is_year or self.output == "breakeven_distance" else "–"
        return f"{value:.0f}" if self.is_year else f"{value:,.{self.decimals}f}"

    def format_difference(self, difference: float) -> str:
        """A signed difference for people, e.g. ``+3`` or ``-1,250``; ``–`` if undefined."""
        if not math.isfinite(difference):
            return "–"
        return f"{difference:+,.{self.decimals}f}"


#: The headline figures of the window's cards, in their order.
HEADLINES: tuple[Headline, ...] = (
    Headline("pack_cost", "Pack cost"),
    Headline("cost_parity_year", "Price parity with gasoline"),
    Headline("breakeven_distance", "Emissions break-even"),
    Headline("lithium_shortfall", "Lithium shortfall"),
    Headline("fleet_emissions_avoided", "Avoided by that year's EVs", lower_is_better=False),
)


@dataclass(frozen=True)
class Comparison:
    """Headline figures of several scenarios, against one of them.

    Attributes
    ----------
    year : int
        Year of the figures read from series [year].
    titles : tuple of str
        Scenario titles, in the order given.
    against : int
        Index of the scenario the others are compared with.
    headlines : tuple of Headline
    values : numpy.ndarray
        Shape (headlines, scenarios), each in its headline's unit; NaN for "never".
    differences : numpy.ndarray
        ``values - values[:, against]`` (NaN where either is NaN).
    differs : numpy.ndarray
        Boolean, shape (headlines, scenarios): the figure differs from the
        compared-with scenario's beyond the tolerance (or only one of them is NaN).
    improves : numpy.ndarray
        Boolean, shape (headlines, scenarios): it differs, and for the better.
    """

    year: int
    titles: tuple[str, ...]
    against: int
    headlines: tuple[Headline, ...]
    values: np.ndarray
    differences: np.ndarray
    differs: np.ndarray
    improves: np.ndarray


def check_count(n: int) -> None:
    """Raise :class:`AnalysisError` unless ``n`` [1] scenarios can be compared (2 to 6)."""
    if not MIN_SCENARIOS <= n <= MAX_SCENARIOS:
        raise AnalysisError(f"Compare takes {MIN_SCENARIOS} to {MAX_SCENARIOS} scenarios, "
                            f"not {n}.")


def compare(scenarios: Sequence[tuple[str, Any]], year: int, *, against: int = 0,
            rtol: float = RTOL, headlines: Sequence[Headline] = HEADLINES) -> Comparison:
    """The headline figures of 2 to 6 scenarios for ``year``, against one of them.

    Parameters
    ----------
    scenarios : sequence of (str, results)
        Title and results of each scenario: :class:`evexplorer.model.Results`
        or stored results (anything with ``years``, ``series`` and ``scalars``).
    year : int
        Year at which series are read [year].
    against : int
        Index of the scenario the others are compared with [1].
    rtol : float
        Relative tolerance [1]: two figures differ if their difference exceeds
        both ``rtol`` times the compared-with figure and half a unit of the
        figure's last decimal shown (so that figures shown alike never differ).
        A calendar year is a date, not an amount: two years differ when they
        are not the same year (no relative tolerance).
    headlines : sequence of Headline
        Figures to compare.

    Returns
    -------
    Comparison

    Raises
    ------
    AnalysisError
        For fewer than 2 or more than 6 scenarios, or ``against`` out of range.
    """
    n = len(scenarios)
    check_count(n)
    if not 0 <= against < n:
        raise AnalysisError(f"Scenario {against} is not among the {n} compared.")
    headlines = tuple(headlines)
    values = np.array([[h.value(results, year) for _, results in scenarios] for h in headlines],
                      dtype=float).reshape(len(headlines), n)
    base = values[:, [against]]
    differences = values - base
    atol = np.array([0.5 * 10.0 ** -h.decimals for h in headlines])[:, None]
    relative = np.array([0.0 if h.is_year else rtol for h in headlines])[:, None]
    tolerance = np.maximum(atol, relative * np.abs(np.nan_to_num(base)))
    missing = np.isnan(values)
    with np.errstate(invalid="ignore"):
        differs = np.where(missing | np.isnan(base), missing != np.isnan(base),
                           np.abs(differences) > tolerance)
    lower = np.array([h.lower_is_better for h in headlines])[:, None]
    improves = differs & np.isfinite(differences) & ((differences < 0) == lower)
    return Comparison(year=int(year), titles=tuple(str(t) for t, _ in scenarios),
                      against=against, headlines=headlines, values=values,
                      differences=differences, differs=differs, improves=improves)

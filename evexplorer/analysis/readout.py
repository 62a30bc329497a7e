"""One model output read at one year: what attribution, goal-seek and targets ask about.

An output is either a series (read at a year of the results) or a scalar
(one number over the years shown). :func:`readout` checks the name and the
year once and returns a :class:`Readout` that reads the value from a single
result or from every row of a batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import SCALARS, SERIES
from ..model.registry import unknown_name_message


class AnalysisError(ValueError):
    """A question the analysis cannot answer; the message is one sentence for the user."""


@dataclass(frozen=True)
class Readout:
    """An output of the model at a year (a series) or over the years shown (a scalar).

    Attributes
    ----------
    output : str
        Name of a series of :data:`evexplorer.model.SERIES` or a scalar of
        :data:`evexplorer.model.SCALARS`.
    year : int or None
        Calendar year of a series [year]; None for a scalar.
    unit : str
        Unit of the value.
    """

    output: str
    year: int | None
    unit: str

    @property
    def is_scalar(self) -> bool:
        """True for a scalar output, which has no year."""
        return self.year is None

    def read(self, results: Any) -> np.ndarray:
        """The value in every row of ``results``.

        Parameters
        ----------
        results : evexplorer.model.Results
            A single result or a batch, whose years contain :attr:`year`.

        Returns
        -------
        numpy.ndarray
            Shape (N,) for a batch of N rows, (1,) for a single result, in
            :attr:`unit`; NaN where the model has no value ("never").
        """
        if self.year is None:
            value = results.scalars[self.output]
            return np.atleast_1d(np.asarray(np.nan if value is None else value, dtype=float))
        index = check_year(self.year, results.years)
        return np.atleast_2d(np.asarray(results.series[self.output], dtype=float))[:, index]

    def describe(self) -> str:
        """The output and its year for people, e.g. ``pack_cost in 2030``."""
        return self.output if self.year is None else f"{self.output} in {self.year}"


def output_names() -> list[str]:
    """Every output name that a readout accepts: the series, then the scalars."""
    return [*SERIES, *SCALARS]


def readout(output: str, year: int | None, years: Iterable[int] | None = None,
            *, series_only: bool = False) -> Readout:
    """Check an output name and a year and return their :class:`Readout`.

    Parameters
    ----------
    output : str
        Series or scalar name.
    year : int or None
        Year of a series [year]. For a scalar it is not used (a scalar covers
        every year shown) and may be None.
    years : iterable of int, optional
        The years shown [year]; when given, the year of a series must be one of them.
    series_only : bool
        Refuse scalars.

    Returns
    -------
    Readout

    Raises
    ------
    AnalysisError
        For an unknown output (naming the closest valid names), a series
        without a year, or a year outside ``years``.
    """
    if output in SCALARS and not series_only:
        return Readout(output, None, SCALARS[output].unit)
    if output not in SERIES:
        valid = list(SERIES) if series_only else output_names()
        message = unknown_name_message(output, valid, what="output")
        if output in SCALARS:
            message = (f"{output} is a single number over the years shown, not a series; "
                       "choose a series, e.g. pack_cost.")
        raise AnalysisError(message)
    if year is None:
        raise AnalysisError(f"{output} is a series; give the year to read it at.")
    if isinstance(year, bool) or not float(year).is_integer():
        raise AnalysisError(f"The year must be a whole number, not {year!r}.")
    year = int(year)
    if years is not None:
        check_year(year, years)
    return Readout(output, year, SERIES[output].unit)


def check_year(year: int, years: Iterable[int]) -> int:
    """Position of ``year`` [year] among ``years`` [year].

    Raises
    ------
    AnalysisError
        If ``year`` is not one of ``years``, naming the years shown.
    """
    shown = [int(y) for y in years]
    try:
        return shown.index(year)
    except ValueError:
        raise AnalysisError(
            f"{year} is outside the years shown, {shown[0]}-{shown[-1]}.") from None


def number(value: float, unit: str = "") -> str:
    """A value for a sentence: thousands separated, about four significant digits.

    A calendar year (``unit`` ``"year"``) is written as such.

    >>> number(71.234), number(140.5), number(40021.2), number(0.01234), number(2030, "year")
    ('71.2', '140.5', '40,021', '0.0123', '2030')
    """
    if not np.isfinite(value):
        return "never" if np.isnan(value) else str(value)
    if unit == "year":
        return f"{value:.0f}"
    size = abs(value)
    if size >= 1000 or value == 0:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.1f}"
    return f"{value:.3g}"


def quantity(value: float, unit: str) -> str:
    """A value with its unit for a sentence, e.g. ``71.2 USD/kWh`` (a year without unit).

    >>> quantity(71.234, "USD/kWh"), quantity(2030, "year"), quantity(3, "")
    ('71.2 USD/kWh', '2030', '3.0')
    """
    text = number(value, unit)
    return f"{text} {unit}" if unit and unit != "year" and text != "never" else text

"""The P10–P90 line of the headline cards: a figure's range under uncertainty, for people.

No Qt here: :func:`range_text` reads a figure's percentiles from the session's
bands (:class:`evexplorer.analysis.bands.Bands`) and words them,
"P10–P90: 78–96 USD/kWh", "P10–P90: 2028–2033", or, when some samples never
reach the figure (price parity, the emissions break-even), the share that
never does: "P10 2028; 23 % never".
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .panels import Headline


def band_at(bands: Any, key: str, year: int) -> tuple[float, float, float] | None:
    """Lowest and highest percentile of an output (a series at ``year``), and its never-share.

    Parameters
    ----------
    bands : Bands
        The session's bands.
    key : str
        A series or scalar output.
    year : int
        Year of a series [year]; ignored for a scalar.

    Returns
    -------
    (low, high, never) or None
        The first and last percentile (``inf`` for "never") [output unit] and the
        share of samples that never reach the output [1]; None if the bands do
        not hold the output or the year.
    """
    if key in bands.series:
        years = np.asarray(bands.years)
        i = int(np.searchsorted(years, year))
        if i >= years.size or years[i] != year:
            return None
        levels = bands.series[key][:, i]
        never = float(bands.never[key][i])
    elif key in bands.scalars:
        levels = bands.scalars[key]
        never = float(bands.never[key])
    else:
        return None
    return float(levels[0]), float(levels[-1]), never


def range_text(headline: Headline, bands: Any, year: int, short: int = 0) -> str:
    """The P10–P90 line of a headline card; "" when the bands do not hold the figure.

    Parameters
    ----------
    headline : Headline
        The card's figure (the output it reads, its unit, decimals, and whether it
        is a year).
    bands : Bands or None
        The session's bands.
    year : int
        The chosen year [year].
    short : {0, 1, 2}
        How much to leave out for a narrow card: 0 nothing, 1 the unit (the figure
        above has it), 2 also the percentiles' names (the tooltip has them).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from evexplorer.app.panels import HEADLINES
    >>> bands = SimpleNamespace(years=np.array([2030]), percentiles=(10.0, 50.0, 90.0),
    ...     series={"pack_cost": np.array([[78.2], [85.0], [96.4]])}, scalars={},
    ...     never={"pack_cost": np.array([0.0])})
    >>> range_text(HEADLINES[0], bands, 2030)
    'P10–P90: 78–96 USD/kWh'
    >>> range_text(HEADLINES[0], bands, 2030, short=2)
    '78–96'
    """
    if bands is None:
        return ""
    found = band_at(bands, headline.output or headline.key, year)
    if found is None:
        return ""
    low, high, never = found
    first, last = (f"P{p:g}" for p in (bands.percentiles[0], bands.percentiles[-1]))
    unit = "" if headline.is_year or not headline.unit or short else f" {headline.unit}"

    def text(value: float) -> str:
        if headline.is_year:
            return f"{round(value):.0f}"
        return f"{value:,.{headline.decimals}f}"

    share = f"{100 * never:.0f} %"
    if math.isfinite(low) and math.isfinite(high):
        ends = f"{text(low)}–{text(high)}{unit}"
        return ends if short >= 2 else f"{first}–{last}: {ends}"
    if math.isfinite(low):
        return (f"{text(low)}–never ({share})" if short >= 2
                else f"{first} {text(low)}{unit}; {share} never")
    return f"never ({share})" if short >= 2 else f"Never in {share} of samples"

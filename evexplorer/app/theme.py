"""Colours and formatting shared by the window's views.

The palette is Okabe & Ito's (2008) colour-blind-safe set; the reference is a
thin grey dashed "ghost" line on every chart.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..session import NamedScenario

#: Okabe-Ito colours by role.
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GHOST = "#8C8C8C"
SHORTFALL = "#D55E00"

#: Δ colours: better (cheaper, cleaner) and worse.
BETTER = "#007A5E"
WORSE = "#B34700"


def number(value: float | None, decimals: int = 0) -> str:
    """Format a number with thousands separators, or an en dash when missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:,.{decimals}f}"


def signed(value: float, decimals: int = 0) -> str:
    """Format a difference with its sign (a true minus sign)."""
    text = f"{value:+,.{decimals}f}"
    return text.replace("-", "\u2212")


#: Longest reference title shown in a label before it is shortened [characters].
REFERENCE_TITLE_CHARS = 28
#: The same in chart legends, where space is shorter [characters].
LEGEND_TITLE_CHARS = 18


def reference_name(reference: NamedScenario, limit: int = REFERENCE_TITLE_CHARS) -> str:
    """How labels name the reference: "baseline", or its title (at most ``limit`` characters)."""
    if reference.is_baseline:
        return "baseline"
    title = reference.title.strip() or "reference"
    if len(title) > limit:
        title = title[:limit - 1].rstrip() + "…"
    return title

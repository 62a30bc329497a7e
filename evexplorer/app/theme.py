"""Colours and formatting shared by the window's views.

The palette is Okabe & Ito's (2008) colour-blind-safe set; the reference is a
thin grey dashed "ghost" line on every chart. Compared scenarios take Paul
Tol's colour-blind-safe "muted" scheme (Tol 2021), whose hues stay apart from
the Okabe-Ito colours that the scenario's own series use.

References
----------
Okabe, M. & Ito, K. (2008). Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
Tol, P. (2021). Colour schemes. SRON Technical Note SRON/EPS/TN/09-002, issue 3.2.
https://personal.sron.nl/~pault/data/colourschemes.pdf
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

#: Colours of compared scenarios, in the order they join the comparison set: six of
#: Tol's "muted" scheme (indigo, wine, olive, teal, rose, purple), distinct from the
#: Okabe-Ito roles above and from the grey ghost.
COMPARED = ("#332288", "#882255", "#999933", "#44AA99", "#CC6677", "#AA4499")

#: Colour of each mineral's line where several minerals share a chart (Okabe-Ito).
MINERAL_COLORS = {
    "lithium": ORANGE,
    "nickel": SKY,
    "cobalt": BLUE,
    "manganese": GREEN,
    "graphite": "#7F6A00",  # Okabe-Ito yellow darkened: the pure yellow vanishes on white
    "ndpr": PURPLE,
}

#: Opacity of a P10-P90 band drawn over a curve's colour [0-255].
BAND_ALPHA = 64

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
#: The same in chart legends [characters]: legends wrap between whole entries, so an
#: entry needs only to fit the narrowest chart (240 px holds 28 characters at 8.5 pt).
LEGEND_TITLE_CHARS = 28


def elide(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, cutting between words with "…".

    A single word longer than the limit is cut inside it.

    Examples
    --------
    >>> elide("Slow demand with mode shift", 18)
    'Slow demand with…'
    >>> elide("Lithium squeeze", 18)
    'Lithium squeeze'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    cut = head.rfind(" ")
    if cut >= limit // 2:  # a word boundary not too far back
        head = head[:cut]
    return head.rstrip(" ,;:–-") + "…"


def reference_name(reference: NamedScenario, limit: int = REFERENCE_TITLE_CHARS) -> str:
    """How labels name the reference: "baseline", or its title (at most ``limit`` characters)."""
    if reference.is_baseline:
        return "baseline"
    return elide(reference.title.strip() or "reference", limit)


def with_alpha(color: str, alpha: int) -> str:
    """``#AARRGGBB`` of ``color`` (``#RRGGBB``) at opacity ``alpha`` [0-255].

    Examples
    --------
    >>> with_alpha("#0072B2", 64)
    '#400072b2'
    """
    return f"#{alpha:02x}{color.lstrip('#')[-6:].lower()}"


def on_white(color: str) -> str:
    """The opaque ``#rrggbb`` that ``color`` (``#AARRGGBB`` or ``#RRGGBB``) shows on white.

    Examples
    --------
    >>> on_white("#400072b2")
    '#bfdcec'
    >>> on_white("#0072B2")
    '#0072b2'
    """
    digits = color.lstrip("#")
    alpha = int(digits[:2], 16) / 255 if len(digits) == 8 else 1.0
    rgb = [int(digits[-6:][i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(255 - alpha * (255 - c)):02x}" for c in rgb)

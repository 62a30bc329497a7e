"""Numbers and lever values as people read them, for spreadsheets and reports."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..model import Parameter


def number(value: float | None, decimals: int = 0) -> str:
    """A number with thousands separators, or an en dash when missing.

    >>> number(12345.678, 1), number(None)
    ('12,345.7', '–')
    """
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:,.{decimals}f}"


def signed(value: float, decimals: int = 0) -> str:
    """A difference with its sign, a true minus sign for negatives.

    >>> signed(-3.0), signed(2.5, 1)
    ('−3', '+2.5')
    """
    return f"{value:+,.{decimals}f}".replace("-", "\u2212")


def mix_text(mix: Mapping[str, float]) -> str:
    """A chemistry mix as shares in percent, largest first.

    >>> mix_text({"NMC811": 0.3, "LFP": 0.7, "NCA": 0.0})
    'LFP 70 %, NMC811 30 %'
    """
    shares = sorted(((c, s) for c, s in mix.items() if s > 0), key=lambda cs: -cs[1])
    return ", ".join(f"{c.replace('_', '-')} {100 * s:.3g} %" for c, s in shares)


def value_text(param: Parameter, value: Any) -> str:
    """A lever's value with its unit, e.g. ``30,000 USD/t LCE`` or ``LFP 60 %, NMC811 40 %``."""
    if param.kind == "mix":
        return mix_text(value)
    return param.format_with_unit(value)

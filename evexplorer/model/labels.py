"""Numbers, units and lever values written for people.

One module formats what the window and the command line show: a region is
"European Union", not ``eu``; a chemistry "Sodium-ion", not ``NA_ION``; a
calendar year "2030", not "2030 year"; a shift of a year "1 year earlier",
not "−1 years"; a difference "+3.2 USD/kWh". Labels come from the parameter
registry and the reference data, so they are written once.

Everything here is a pure function of its arguments (plus the shipped
reference data, read once).

Examples
--------
>>> lever_value("manufacturing_region", "eu")
'European Union'
>>> lever_value("price_shock_year", 2030)
'2030'
>>> lever_value("price_shock_years", 1)
'1 year'
>>> difference(3.21, "USD/kWh", 1)
'+3.2 USD/kWh'
>>> difference(-1, "year")
'1 year earlier'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from . import data, registry
from .outputs import MINERAL_LABELS

#: The minus sign used in every signed number (U+2212, not a hyphen).
MINUS = "\u2212"
#: Unit of calendar years (a lever such as ``price_shock_year``, the parity year).
CALENDAR_YEAR = "year"
#: Unit of durations in years (``price_shock_years``, ``battery_lifetime``).
DURATION_YEARS = "years"
#: Units written without a unit text after the number.
NO_UNIT = ("", "1")
#: Labels of choices that are neither a region, a mineral nor a chemistry, by lever.
_SPECIAL_CHOICES: Mapping[tuple[str, str], str] = {
    ("price_shock_mineral", "none"): "No shock",
}


def number(value: float, decimals: int = 0) -> str:
    """A number with thousands separators and a true minus sign.

    Parameters
    ----------
    value : float
        The number [any unit].
    decimals : int
        Decimals shown [1].

    Returns
    -------
    str
        E.g. ``"21,243"``, ``"−3.5"``; an en dash for a missing or non-finite
        value. A value that rounds to zero is written without a sign.

    Examples
    --------
    >>> number(21243.4), number(-3.46, 1), number(-0.004, 2), number(float("nan"))
    ('21,243', '−3.5', '0.00', '–')
    """
    if value is None or not math.isfinite(value):
        return "\u2013"
    text = f"{abs(value):,.{decimals}f}"
    if value < 0 and any(c not in "0.," for c in text):
        return MINUS + text
    return text


def plural(count: float, singular: str, plural_form: str | None = None,
           decimals: int = 0) -> str:
    """``count`` with its noun, singular only for exactly one: "1 year", "2 years", "1.5 years".

    Parameters
    ----------
    count : float
        How many [1].
    singular : str
        The noun for one.
    plural_form : str, optional
        The noun for other counts; ``singular + "s"`` if not given.
    decimals : int
        Decimals shown [1].
    """
    text = number(count, decimals)
    one = text.replace(",", "") == f"{1:.{decimals}f}"
    noun = singular if one else (plural_form or f"{singular}s")
    return f"{text} {noun}"


def quantity(value: float, unit: str, decimals: int = 0) -> str:
    """A value with its unit, for people.

    Parameters
    ----------
    value : float
        The value [unit].
    unit : str
        Its unit as the registries write it (``"USD/kWh"``, ``"year"`` for a
        calendar year, ``"years"`` for a duration, ``"%"``, ``"1"``...).
    decimals : int
        Decimals shown [1].

    Returns
    -------
    str
        ``"82 USD/kWh"``, ``"2030"`` (a calendar year carries no unit and no
        thousands separator), ``"2 years"`` / ``"1 year"``, ``"45 %"``,
        ``"0.30"`` (a pure number).

    Examples
    --------
    >>> quantity(82.4, "USD/kWh"), quantity(2030, "year"), quantity(1, "years")
    ('82 USD/kWh', '2030', '1 year')
    """
    if value is None or not math.isfinite(value):
        return "\u2013"
    if unit == CALENDAR_YEAR:
        return f"{round(value)}"
    if unit == DURATION_YEARS:
        return plural(value, "year", decimals=decimals)
    text = number(value, decimals)
    return text if unit in NO_UNIT else f"{text} {unit}"


def year_shift(years: float) -> str:
    """How much later or earlier a calendar year comes: "1 year earlier", "3 years later".

    Parameters
    ----------
    years : float
        Difference of two calendar years (later minus earlier is positive) [year].

    Examples
    --------
    >>> year_shift(-1), year_shift(3), year_shift(0)
    ('1 year earlier', '3 years later', 'same year')
    """
    whole = round(years)
    if whole == 0:
        return "same year"
    return f"{plural(abs(whole), 'year')} {'later' if whole > 0 else 'earlier'}"


def difference(diff: float, unit: str, decimals: int = 0) -> str:
    """A change written for people: "+3.2 USD/kWh", "1 year earlier", "+5 percentage points".

    Parameters
    ----------
    diff : float
        New value minus old value [unit].
    unit : str
        Unit of the values (as in :func:`quantity`). For a calendar year the
        change reads as a shift ("2 years later"); for a percentage it is in
        percentage points.
    decimals : int
        Decimals shown [1].

    Returns
    -------
    str
        The signed change with its unit; ``"no change"`` when it rounds to zero.

    Examples
    --------
    >>> difference(-1200, "USD"), difference(2, "years"), difference(10, "%")
    ('−1,200 USD', '+2 years', '+10 percentage points')
    """
    if diff is None or not math.isfinite(diff):
        return "\u2013"
    if unit == CALENDAR_YEAR:
        return year_shift(diff)
    if abs(diff) < 0.5 * 10.0 ** -decimals:
        return "no change"
    sign = "+" if diff > 0 else MINUS
    if unit == DURATION_YEARS:
        return sign + plural(abs(diff), "year", decimals=decimals)
    if unit == "%":
        return sign + plural(abs(diff), "percentage point", decimals=decimals)
    text = number(abs(diff), decimals)
    return sign + (text if unit in NO_UNIT else f"{text} {unit}")


# -- labels of ids --------------------------------------------------------------------------------

def region_label(region: str) -> str:
    """The name of a grid region: ``"eu"`` → ``"European Union"``."""
    return _region_labels().get(region, region)


def chemistry_label(chemistry: str, short: bool = True) -> str:
    """The name of a battery chemistry, from the reference data.

    Parameters
    ----------
    chemistry : str
        Its id, e.g. ``NA_ION``.
    short : bool
        The short form: the label up to its parenthesis or "with" clause
        ("Sodium-ion", "Solid-state NMC811"); else the whole label
        ("Sodium-ion (layered oxide, hard carbon)").

    Examples
    --------
    >>> chemistry_label("NA_ION"), chemistry_label("LFP", short=False)
    ('Sodium-ion', 'LFP (lithium iron phosphate)')
    """
    label = _chemistry_labels().get(chemistry)
    if label is None:
        return chemistry.replace("_", "-")
    return label.split(" (")[0].split(" with ")[0] if short else label


def choice_labels(name: str) -> dict[str, str]:
    """Every choice of a choice lever with its label, in the registry's order.

    Examples
    --------
    >>> choice_labels("price_shock_mineral")["none"]
    'No shock'
    """
    param = registry.get(name)
    return {choice: choice_label(name, choice) for choice in param.choices}


def choice_label(name: str, choice: str) -> str:
    """The label of one choice of a choice lever (a region, a mineral, "No shock"...)."""
    special = _SPECIAL_CHOICES.get((name, choice))
    if special is not None:
        return special
    if choice in _region_labels():
        return region_label(choice)
    if choice in MINERAL_LABELS:
        return MINERAL_LABELS[choice]
    if choice in _chemistry_labels():
        return chemistry_label(choice)
    return choice.replace("_", " ").capitalize()


def mix_text(mix: Mapping[str, float], short: bool = True) -> str:
    """A chemistry mix for people, largest share first: "LFP 60 %, Sodium-ion 40 %".

    Parameters
    ----------
    mix : Mapping[str, float]
        Share of each chemistry [1]; zero shares are left out.
    short : bool
        Short chemistry labels (see :func:`chemistry_label`).
    """
    shares = sorted(((c, float(s)) for c, s in mix.items() if float(s) > 0),
                    key=lambda cs: -cs[1])
    return ", ".join(f"{chemistry_label(c, short)} {_share(s)} %" for c, s in shares)


def _share(share: float) -> str:
    percent = 100.0 * share
    whole = round(percent)
    return f"{whole}" if abs(percent - whole) < 0.05 else f"{percent:.1f}"


def lever_value(name: str, value: Any) -> str:
    """A lever's value for people, with its unit: what the window and ``evexplorer info`` show.

    Parameters
    ----------
    name : str
        Registry name of the lever.
    value : object
        Its value in the lever's own unit (a number, a choice id or a mix).

    Examples
    --------
    >>> lever_value("lithium_price", 30000), lever_value("use_region", "usa")
    ('30,000 USD/t LCE', 'United States')
    >>> lever_value("chemistry_mix", {"LFP": 0.6, "NA_ION": 0.4})
    'LFP 60 %, Sodium-ion 40 %'
    """
    param = registry.get(name)
    if param.kind == "mix":
        return mix_text(value)
    if param.kind == "choice":
        return choice_label(name, str(value))
    return quantity(float(value), param.unit, param.decimals)


@cache
def _region_labels() -> dict[str, str]:
    regions = data.load().raw["regions"]
    return {r: str(regions[r]["label"]) for r in data.REGIONS}


@cache
def _chemistry_labels() -> dict[str, str]:
    chemistries = data.load().raw["chemistries"]
    return {c: str(chemistries[c]["label"]) for c in data.CHEMISTRIES}

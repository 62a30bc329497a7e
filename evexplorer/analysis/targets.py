"""Targets: a series must stay at or below (or reach at least) a value in a year.

Built-in policy targets come with their sources from
``resources/policy_targets.json`` (every number there is ``{"value",
"source"}``, checked like the reference data). A user's own targets are written
``OUTPUT<=VALUE@YEAR`` or ``OUTPUT>=VALUE@YEAR`` (:func:`parse_target`) and are
stored in a scenario file as plain records (:meth:`Target.to_record`,
:meth:`Target.from_record`); built-in targets are never stored.

Each target checked against results (:meth:`Target.check`) is met, not met, or
not evaluated, with the reason: a year outside the years shown, an output the
model does not compute, or no value in that year.

References
----------
.. [1] Regulation (EU) 2023/1542 of the European Parliament and of the Council
   of 12 July 2023 concerning batteries and waste batteries, Article 8
   (recycled content), Official Journal of the European Union L 191,
   28.7.2023, p. 1.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np

from .._resources import resource_path
from ..model import SCALARS, SERIES, registry
from ..model.data import DataError, check_sources
from .readout import AnalysisError, readout

Comparison = Literal["<=", ">="]
#: Keys of a target's record, as stored in a scenario file.
RECORD_KEYS: tuple[str, ...] = ("id", "description", "source", "output", "year",
                                "comparison", "required")
#: ``source`` of the targets a user writes.
USER_SOURCE = "user"
#: Longest text accepted in a record's id, description or source [characters].
MAX_TEXT = 2000
#: Years a target may name: those the model can show [year].
YEAR_RANGE: tuple[int, int] = (int(registry.PARAMETERS["start_year"].minimum),
                               int(registry.PARAMETERS["end_year"].maximum))
_SYMBOL = {"<=": "≤", ">=": "≥"}
_SYNTAX = re.compile(r"^\s*(?P<output>[^<>=≤≥@\s]+)\s*(?P<cmp><=|>=|≤|≥)\s*(?P<value>[^@]*?)"
                     r"\s*@\s*(?P<year>\S*)\s*$")


class TargetError(AnalysisError):
    """A target that cannot be read: bad syntax, an unknown output, a bad record."""


@dataclass(frozen=True)
class Target:
    """A value a series must stay at or below (``<=``) or reach (``>=``) in a year.

    Attributes
    ----------
    id : str
        Unique name: the source's id for a built-in target, the written form
        (``pack_cost<=80@2030``) for a user's.
    description : str
        What the target is, for people.
    source : str
        Where it comes from: a citation, or ``"user"``.
    output : str
        Series name.
    year : int
        Year in which it applies [year].
    comparison : {"<=", ">="}
        The series must be at most (``<=``) or at least (``>=``) :attr:`required`.
    required : float
        Required value, in the series' unit.
    """

    id: str
    description: str
    source: str
    output: str
    year: int
    comparison: Comparison
    required: float

    @property
    def unit(self) -> str:
        """Unit of the series ("" if the model does not compute it)."""
        series = SERIES.get(self.output)
        return series.unit if series is not None else ""

    @property
    def builtin(self) -> bool:
        """True for a built-in policy target (never stored in a file)."""
        return any(t.id == self.id for t in builtin_targets())

    def to_record(self) -> dict[str, Any]:
        """The plain record stored in a scenario file: the keys of :data:`RECORD_KEYS`."""
        return {"id": self.id, "description": self.description, "source": self.source,
                "output": self.output, "year": self.year, "comparison": self.comparison,
                "required": self.required}

    @classmethod
    def from_record(cls, record: Any) -> Target:
        """A target from its record, validated.

        Parameters
        ----------
        record : Mapping
            The keys of :data:`RECORD_KEYS` (others are ignored): text for
            ``id``, ``description`` and ``source``; a series name; a whole
            year within :data:`YEAR_RANGE`; ``"<="`` or ``">="``; a finite
            number in the series' unit.

        Raises
        ------
        TargetError
            Naming the first key that is missing or wrong.
        """
        return _from_record(record, known_output=True)

    def check(self, results: Any) -> TargetCheck:
        """Whether ``results`` meet this target.

        Parameters
        ----------
        results : evexplorer.model.Results
            Single-scenario results (or stored results with years and series).

        Returns
        -------
        TargetCheck
            Met or not with the series' value in :attr:`year`; or not evaluated
            (``met`` None) with the reason.
        """
        years = [int(y) for y in results.years]
        if self.output not in results.series:
            return TargetCheck(self, None, None, f"the model does not compute {self.output}")
        if self.year > years[-1]:
            return TargetCheck(self, None, None,
                               f"{self.year} is after the last year shown ({years[-1]})")
        if self.year < years[0]:
            return TargetCheck(self, None, None,
                               f"{self.year} is before the first year shown ({years[0]})")
        value = float(np.asarray(results.series[self.output])[years.index(self.year)])
        if not math.isfinite(value):
            return TargetCheck(self, None, None, f"{self.output} has no value in {self.year}")
        met = value <= self.required if self.comparison == "<=" else value >= self.required
        return TargetCheck(self, value, bool(met), None)


@dataclass(frozen=True)
class TargetCheck:
    """A target checked against results.

    Attributes
    ----------
    target : Target
    value : float or None
        The series in the target's year, in its unit; None when not evaluated.
    met : bool or None
        Whether the target is met; None when it could not be evaluated.
    reason : str or None
        Why it was not evaluated.
    """

    target: Target
    value: float | None
    met: bool | None
    reason: str | None

    @property
    def evaluated(self) -> bool:
        """False for a target that could not be evaluated (``met`` is None)."""
        return self.met is not None

    def status(self) -> str:
        """``met``, ``not met`` or ``not evaluated: <reason>``."""
        if self.met is None:
            return f"not evaluated: {self.reason}"
        return "met" if self.met else "not met"

    def to_record(self) -> dict[str, Any]:
        """The target's record with ``unit``, ``value``, ``met`` and ``reason``."""
        return {**self.target.to_record(), "unit": self.target.unit, "value": self.value,
                "met": self.met, "reason": self.reason}


def user_target(output: str, comparison: str, required: float, year: int) -> Target:
    """A user's target, validated; its id is its written form.

    Parameters
    ----------
    output : str
        Series name.
    comparison : {"<=", ">="}
    required : float
        Required value, in the series' unit.
    year : int
        Year in which it applies [year].

    Raises
    ------
    TargetError
        For an unknown output (naming the closest series), a scalar, a bad
        comparison, a value that is not finite or a year outside :data:`YEAR_RANGE`.
    """
    output = _output(output)
    comparison = _comparison(comparison)
    required = _required(required)
    year = _year(year)
    series = SERIES[output]
    unit = f" {series.unit}" if series.unit else ""
    description = f"{series.label} {_SYMBOL[comparison]} {required:,g}{unit} in {year}"
    return Target(f"{output}{comparison}{required:g}@{year}", description, USER_SOURCE, output,
                  year, comparison, required)


def parse_target(text: str) -> Target:
    """A user's target from its written form ``OUTPUT<=VALUE@YEAR`` or ``OUTPUT>=VALUE@YEAR``.

    Spaces are allowed around the parts, ``≤`` and ``≥`` may stand for
    ``<=`` and ``>=``, and the value may use ``,`` or ``_`` between thousands.

    >>> parse_target("pack_cost <= 80 @ 2030").id
    'pack_cost<=80@2030'

    Raises
    ------
    TargetError
        For text of another form, an unknown output, a value that is not a
        number or a year that is not a whole number the model can show.
    """
    match = _SYNTAX.match(text) if isinstance(text, str) else None
    if match is None:
        raise TargetError(f"A target is written OUTPUT<=VALUE@YEAR or OUTPUT>=VALUE@YEAR, "
                          f"e.g. pack_cost<=80@2030; got {text!r}.")
    comparison = {"≤": "<=", "≥": ">="}.get(match["cmp"], match["cmp"])
    value = match["value"].replace(",", "").replace("_", "")
    try:
        required = float(value)
    except ValueError:
        raise TargetError(f"The required value of the target {text.strip()!r} must be a "
                          f"number, not {match['value']!r}.") from None
    try:
        year = int(match["year"])
    except ValueError:
        raise TargetError(f"The year of the target {text.strip()!r} must be a whole number, "
                          f"not {match['year']!r}.") from None
    return user_target(match["output"], comparison, required, year)


def check_targets(results: Any, targets: Iterable[Target]) -> list[TargetCheck]:
    """Check every target against ``results``, in order (see :meth:`Target.check`)."""
    return [target.check(results) for target in targets]


@cache
def builtin_targets() -> tuple[Target, ...]:
    """The built-in policy targets, from ``resources/policy_targets.json``.

    Their outputs need not be series of this model: a target on a series the
    model does not compute is reported as not evaluated.

    Raises
    ------
    evexplorer.model.data.DataError
        If the file breaks its rules (a number without a known source, a bad target).
    """
    with open(resource_path("policy_targets.json"), encoding="utf-8") as fh:
        raw = json.load(fh)
    return load_builtin_targets(raw)


def load_builtin_targets(raw: Mapping[str, Any]) -> tuple[Target, ...]:
    """Check the parsed policy-targets file and return its targets.

    Every number must be ``{"value", "source"}`` with a source of the file's
    ``sources`` table (as in the reference data); a target's ``source`` is
    its source's citation.
    """
    if raw.get("format") != "evexplorer-policy-targets":
        raise DataError("the policy targets file lacks its format tag")
    sources = check_sources(raw)
    targets = []
    for i, entry in enumerate(raw.get("targets", [])):
        try:
            key = entry["required"]["source"]
            record = {**entry, "year": entry["year"]["value"],
                      "required": entry["required"]["value"],
                      "source": sources[key].citation}
            targets.append(_from_record(record, known_output=False))
        except (KeyError, TypeError, TargetError) as exc:
            raise DataError(f"policy target {i} is malformed: {exc}") from None
    if len({t.id for t in targets}) != len(targets):
        raise DataError("two policy targets share an id")
    return tuple(targets)


def _from_record(record: Any, known_output: bool) -> Target:
    if not isinstance(record, Mapping):
        raise TargetError("A target record must map its keys to values.")
    missing = [k for k in RECORD_KEYS if k not in record]
    if missing:
        raise TargetError(f"A target record lacks {', '.join(missing)}.")
    texts = {}
    for key in ("id", "description", "source", "output"):
        value = record[key]
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            raise TargetError(f"A target's {key} must be text of 1 to {MAX_TEXT:,} "
                              f"characters, not {_short(value)}.")
        texts[key] = value
    output = _output(texts["output"]) if known_output else texts["output"]
    return Target(texts["id"], texts["description"], texts["source"], output,
                  _year(record["year"]), _comparison(record["comparison"]),
                  _required(record["required"]))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _output(name: Any) -> str:
    if name in SCALARS:
        raise TargetError(f"{name} is a single number over the years shown; a target applies "
                          "to a series in a year (price parity by 2030 is "
                          "ev_price_premium<=0@2030).")
    try:
        return readout(name, YEAR_RANGE[0], series_only=True).output
    except AnalysisError as exc:
        raise TargetError(str(exc)) from None


def _comparison(value: Any) -> Comparison:
    if value not in ("<=", ">="):
        raise TargetError(f"A target's comparison must be '<=' or '>=', not {_short(value)}.")
    return value


def _required(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(
            float(value)):
        raise TargetError(f"A target's required value must be a finite number, not "
                          f"{_short(value)}.")
    return float(value)


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(
            value).is_integer():
        raise TargetError(f"A target's year must be a whole number, not {_short(value)}.")
    year = int(value)
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise TargetError(f"A target's year must be within {YEAR_RANGE[0]}-{YEAR_RANGE[1]}, "
                          f"not {year}.")
    return year


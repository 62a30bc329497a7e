"""Uncertainty of the levers: which are uncertain, how, and how they are correlated.

An :class:`UncertaintySpec` says, for a scenario, which numeric levers are
uncertain (each with a :class:`LeverUncertainty`), the rank correlations
between them and the seed of the sampling design. It is an immutable value;
:meth:`UncertaintySpec.to_record` and :meth:`UncertaintySpec.from_record`
turn it into and back from the plain record stored in scenario files::

    {"seed": int,
     "levers": {name: {"distribution": str, "spread": "relative" | "absolute",
                       "low": float, "high": float}},
     "correlations": [{"a": name, "b": name, "rho": float}]}

A lever's spread follows the lever when it is moved: ``relative`` bounds are
factors of the lever's current value, ``absolute`` bounds are offsets from it
in the lever's unit. For ``uniform``, ``triangular`` and ``loguniform``,
``low`` and ``high`` bound the distribution; for ``lognormal`` they are its 5th
and 95th percentiles. A triangular distribution has its mode at the lever's
value. Samples are always truncated to the lever's registry range (see
:mod:`evexplorer.analysis.sampling`).

The defaults, with a source or the tag "our assumption" per lever, live in
``resources/uncertainty.json`` and are read by :func:`load_defaults`.
"""

from __future__ import annotations

import difflib
import json
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np

from .._resources import resource_path
from ..model import registry
from ..model.data import DataError, Source, check_sources
from ..model.registry import ParameterError

#: Distributions a lever's uncertainty may have.
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "triangular", "lognormal", "loguniform")
#: Distributions defined on a logarithmic scale: their spread must be relative.
LOG_DISTRIBUTIONS: tuple[str, ...] = ("lognormal", "loguniform")
#: How a spread follows its lever: factors of the value, or offsets from it.
SPREADS: tuple[str, ...] = ("relative", "absolute")
#: Levers that set the time axis of a run: never uncertain.
TIME_AXIS: tuple[str, ...] = ("start_year", "end_year")
#: Percentile of the lognormal's ``low`` and ``high`` [%].
LOGNORMAL_BOUND_PERCENTILES: tuple[float, float] = (5.0, 95.0)
#: Largest seed accepted (seeds are stored as signed 64-bit integers).
MAX_SEED = 2**63 - 1

_RECORD_KEYS = ("seed", "levers", "correlations")
_LEVER_KEYS = ("distribution", "spread", "low", "high")
_CORRELATION_KEYS = ("a", "b", "rho")


class UncertaintyError(ParameterError):
    """An uncertainty setting that cannot be used; the message is one sentence for the user.

    A :class:`~evexplorer.model.registry.ParameterError`, so that every front end
    reports it as bad input.
    """


def _real(value: Any, what: str, name: str | None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UncertaintyError(f"{what} must be a number, not {value!r}.", name)
    value = float(value)
    if not math.isfinite(value):
        raise UncertaintyError(f"{what} must be a finite number, not {value!r}.", name)
    return value


def _choice(value: Any, valid: tuple[str, ...], what: str, name: str | None) -> str:
    if isinstance(value, str) and value in valid:
        return value
    close = difflib.get_close_matches(str(value), valid, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else "."
    raise UncertaintyError(f"{what} must be one of {', '.join(valid)}, not {value!r}{hint}",
                           name)


def uncertain_lever(name: str) -> registry.Parameter:
    """Return the lever ``name`` if it may be uncertain, else raise.

    Raises
    ------
    evexplorer.model.registry.ParameterError
        For an unknown name (naming the closest valid ones), a lever that is not
        a number, or a lever that sets the time axis.
    """
    param = registry.get(name)
    if not param.numeric:
        raise UncertaintyError(
            f"{name} is not a number ({param.range_text()}) and cannot be uncertain.", name)
    if name in TIME_AXIS:
        raise UncertaintyError(f"{name} sets the time axis of the results and cannot be "
                               "uncertain.", name)
    return param


def check_lever(name: str | None, distribution: Any, spread: Any, low: Any,
                high: Any) -> tuple[str, str, float, float]:
    """Check the settings of one lever's uncertainty; return them in canonical form.

    Parameters
    ----------
    name : str or None
        The lever, named in the error messages.
    distribution, spread : str
        See :class:`LeverUncertainty`.
    low, high : float
        Bounds of the spread [1 or the lever's unit].

    Raises
    ------
    UncertaintyError
        One sentence naming the lever and what is wrong.
    """
    who = name or "the lever"
    distribution = _choice(distribution, DISTRIBUTIONS, f"The distribution of {who}", name)
    spread = _choice(spread, SPREADS, f"The spread of {who}", name)
    low = _real(low, f"The low bound of {who}", name)
    high = _real(high, f"The high bound of {who}", name)
    if low >= high:
        raise UncertaintyError(f"The low bound of {who} ({low:g}) must be below its high "
                               f"bound ({high:g}).", name)
    relative = spread == "relative"
    if distribution in LOG_DISTRIBUTIONS:
        if not relative:
            raise UncertaintyError(f"A {distribution} spread of {who} must be relative "
                                   "(factors of the value), not absolute.", name)
        if low <= 0:
            raise UncertaintyError(f"A {distribution} spread of {who} needs factors above 0; "
                                   f"the low factor is {low:g}.", name)
    if relative and low < 0:
        raise UncertaintyError(f"The factors of {who} must be 0 or more; the low factor is "
                               f"{low:g}.", name)
    if distribution == "triangular":
        centre = 1.0 if relative else 0.0
        if not low <= centre <= high:
            what = "factors" if relative else "offsets"
            raise UncertaintyError(
                f"A triangular spread of {who} has its mode at the lever's value, so its "
                f"{what} must enclose {centre:g}; they are {low:g} to {high:g}.", name)
    return distribution, spread, low, high


@dataclass(frozen=True)
class LeverUncertainty:
    """The uncertainty of one lever, as a spread around its current value.

    Attributes
    ----------
    distribution : {"uniform", "triangular", "lognormal", "loguniform"}
        Shape of the distribution. Triangular has its mode at the lever's value;
        lognormal and loguniform need a relative spread.
    spread : {"relative", "absolute"}
        ``relative``: ``low`` and ``high`` are factors of the lever's value [1];
        ``absolute``: offsets from it, in the lever's unit.
    low, high : float
        Bounds of the spread (for lognormal its 5th and 95th percentiles),
        ``low < high`` [1 or the lever's unit].
    """

    distribution: str
    spread: str
    low: float
    high: float

    def __post_init__(self) -> None:
        checked = check_lever(None, self.distribution, self.spread, self.low, self.high)
        for key, value in zip(_LEVER_KEYS, checked, strict=True):
            object.__setattr__(self, key, value)

    def bounds(self, value: float) -> tuple[float, float]:
        """The spread's bounds at the lever's ``value``, in the lever's unit.

        Parameters
        ----------
        value : float
            The lever's current value [lever unit].

        Returns
        -------
        low, high : float
            ``value × low`` and ``value × high`` for a relative spread,
            ``value + low`` and ``value + high`` for an absolute one [lever unit]
            (for lognormal, its 5th and 95th percentiles before truncation).
        """
        if self.spread == "relative":
            ends = (value * self.low, value * self.high)
            return (min(ends), max(ends))
        return (value + self.low, value + self.high)

    def to_record(self) -> dict[str, Any]:
        """This lever's entry of the plain record."""
        return {"distribution": self.distribution, "spread": self.spread,
                "low": float(self.low), "high": float(self.high)}


@dataclass(frozen=True)
class Correlation:
    """A rank (Spearman) correlation between two uncertain levers.

    Attributes
    ----------
    a, b : str
        The two levers, in registry order.
    rho : float
        Spearman rank correlation, -1 to 1 [1].
    """

    a: str
    b: str
    rho: float

    def to_record(self) -> dict[str, Any]:
        """This correlation's entry of the plain record."""
        return {"a": self.a, "b": self.b, "rho": float(self.rho)}


def normal_copula_r(rho: np.ndarray | float) -> np.ndarray | float:
    """Pearson correlation of the Gaussian copula that gives Spearman correlation ``rho``.

    Parameters
    ----------
    rho : float or numpy.ndarray
        Spearman rank correlation(s) [1].

    Returns
    -------
    float or numpy.ndarray
        ``2 sin(π ρ / 6)`` [1].

    References
    ----------
    K. Pearson (1907), On further methods of determining correlation; for the
    Gaussian copula see e.g. S. Kotz & J. R. van Dorp (2004), Beyond Beta, and
    R. L. Iman & W. J. Conover (1982), Commun. Stat. B 11(3), 311-334.

    Examples
    --------
    >>> round(normal_copula_r(0.5), 4)
    0.5176
    >>> normal_copula_r(1.0)
    1.0
    """
    r = 2.0 * np.sin(np.pi * np.asarray(rho, dtype=float) / 6.0)
    return float(r) if np.ndim(r) == 0 else r


def _registry_order(names: Iterable[str]) -> list[str]:
    order = {n: i for i, n in enumerate(registry.PARAMETERS)}
    return sorted(names, key=order.__getitem__)


@dataclass(frozen=True, eq=False)
class UncertaintySpec:
    """Which levers of a scenario are uncertain, how, and how they are correlated.

    Immutable and hashable; construct it directly, from a plain record
    (:meth:`from_record`), from the defaults (:func:`default_spec`) or from value
    ranges (:meth:`from_ranges`). Every way checks the settings and refuses
    invalid ones with :class:`UncertaintyError`.

    Attributes
    ----------
    seed : int
        Seed of the sampling design: the same seed gives the same samples.
    levers : Mapping[str, LeverUncertainty]
        The uncertain levers in registry order; a lever not listed is certain.
    correlations : tuple of Correlation
        Rank correlations between uncertain levers, each pair once, in registry
        order.
    """

    seed: int
    levers: Mapping[str, LeverUncertainty] = field(default_factory=dict)
    correlations: tuple[Correlation, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral) \
                or not 0 <= int(self.seed) <= MAX_SEED:
            raise UncertaintyError(f"The seed must be a whole number from 0 to {MAX_SEED}, "
                                   f"not {self.seed!r}.")
        object.__setattr__(self, "seed", int(self.seed))
        if not isinstance(self.levers, Mapping):
            raise UncertaintyError("The uncertain levers must map lever names to their "
                                   "uncertainty.")
        levers: dict[str, LeverUncertainty] = {}
        for name in self.levers:
            uncertain_lever(str(name))
            entry = self.levers[name]
            if not isinstance(entry, LeverUncertainty):
                raise UncertaintyError(f"The uncertainty of {name} must be a "
                                       "LeverUncertainty.", str(name))
            if registry.get(name).kind == "int" and entry.spread != "absolute":
                raise UncertaintyError(
                    f"{name} is a whole number: its spread must be absolute (offsets), "
                    f"not {entry.spread}.", str(name))
            levers[str(name)] = entry
        levers = {n: levers[n] for n in _registry_order(levers)}
        object.__setattr__(self, "levers", MappingProxyType(levers))
        object.__setattr__(self, "correlations", self._checked_correlations())
        check_correlation_matrix(self.correlations)

    def _checked_correlations(self) -> tuple[Correlation, ...]:
        order = {n: i for i, n in enumerate(registry.PARAMETERS)}
        pairs: dict[tuple[str, str], Correlation] = {}
        for c in self.correlations:
            if not isinstance(c, Correlation):
                raise UncertaintyError("Correlations must be Correlation(a, b, rho) values.")
            for name in (c.a, c.b):
                uncertain_lever(name)
                if name not in self.levers:
                    raise UncertaintyError(
                        f"The correlation between {c.a} and {c.b} names {name}, which is not "
                        "uncertain; make it uncertain first.", name)
            if c.a == c.b:
                raise UncertaintyError(f"A lever cannot be correlated with itself ({c.a}).",
                                       c.a)
            rho = _real(c.rho, f"The correlation between {c.a} and {c.b}", c.a)
            if abs(rho) > 1:
                raise UncertaintyError(f"The correlation between {c.a} and {c.b} must be "
                                       f"between -1 and 1, not {rho:g}.", c.a)
            a, b = sorted((c.a, c.b), key=order.__getitem__)
            if (a, b) in pairs:
                raise UncertaintyError(f"The correlation between {a} and {b} is given twice.",
                                       a)
            pairs[(a, b)] = Correlation(a, b, rho)
        return tuple(pairs[k] for k in sorted(pairs, key=lambda ab: (order[ab[0]],
                                                                     order[ab[1]])))

    # -- identity ----------------------------------------------------------------------------

    def _key(self) -> tuple:
        return (self.seed, tuple(self.levers.items()), self.correlations)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UncertaintySpec):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    # -- views -------------------------------------------------------------------------------

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Names of the uncertain levers, in registry order."""
        return tuple(self.levers)

    def rho(self, a: str, b: str) -> float:
        """The rank correlation between levers ``a`` and ``b`` (0 when none is set) [1]."""
        for c in self.correlations:
            if {c.a, c.b} == {a, b}:
                return c.rho
        return 0.0

    # -- changes (each returns a new spec) ---------------------------------------------------

    def with_lever(self, name: str, uncertainty: LeverUncertainty | None) -> UncertaintySpec:
        """A copy with lever ``name`` uncertain as given, or certain when ``None``.

        Making a lever certain drops its correlations.
        """
        levers = dict(self.levers)
        if uncertainty is None:
            levers.pop(name, None)
            kept = tuple(c for c in self.correlations if name not in (c.a, c.b))
            return UncertaintySpec(self.seed, levers, kept)
        levers[name] = uncertainty
        return UncertaintySpec(self.seed, levers, self.correlations)

    def with_correlation(self, a: str, b: str, rho: float) -> UncertaintySpec:
        """A copy with the rank correlation of ``a`` and ``b`` set to ``rho`` (0 removes it)."""
        kept = [c for c in self.correlations if {c.a, c.b} != {a, b}]
        if rho != 0:
            kept.append(Correlation(a, b, rho))
        return UncertaintySpec(self.seed, self.levers, tuple(kept))

    def with_seed(self, seed: int) -> UncertaintySpec:
        """A copy with another seed."""
        return UncertaintySpec(seed, self.levers, self.correlations)

    # -- plain records -----------------------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        """The plain record stored in scenario files (JSON-compatible: str, int, float)."""
        return {
            "seed": self.seed,
            "levers": {name: u.to_record() for name, u in self.levers.items()},
            "correlations": [c.to_record() for c in self.correlations],
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> UncertaintySpec:
        """Check a plain record and build the spec it describes.

        Parameters
        ----------
        record : Mapping
            ``{"seed", "levers", "correlations"}`` as written by :meth:`to_record`.

        Raises
        ------
        UncertaintyError
            In one sentence: a missing or unknown key, an unknown lever (naming
            the closest valid names), a bad distribution or spread, ``low >=
            high``, a correlation outside -1..1 or between levers that are not
            uncertain, or correlations that do not form a valid correlation matrix.
        """
        _expect_keys(record, _RECORD_KEYS, "The uncertainty record")
        seed = record["seed"]
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise UncertaintyError(f"The seed must be a whole number, not {seed!r}.")
        levers_in = record["levers"]
        if not isinstance(levers_in, Mapping):
            raise UncertaintyError("The record's 'levers' must map lever names to "
                                   "{distribution, spread, low, high}.")
        levers = {}
        for name, entry in levers_in.items():
            name = str(name)
            uncertain_lever(name)
            _expect_keys(entry, _LEVER_KEYS, f"The uncertainty of {name}")
            levers[name] = LeverUncertainty(*check_lever(name, *(entry[k] for k in _LEVER_KEYS)))
        correlations_in = record["correlations"]
        if isinstance(correlations_in, (str, bytes, Mapping)) or not isinstance(
                correlations_in, Iterable):
            raise UncertaintyError("The record's 'correlations' must be a list of "
                                   "{a, b, rho}.")
        correlations = []
        for entry in correlations_in:
            _expect_keys(entry, _CORRELATION_KEYS, "A correlation")
            a, b = str(entry["a"]), str(entry["b"])
            correlations.append(Correlation(a, b, _real(entry["rho"],
                                                        f"The correlation between {a} and {b}",
                                                        a)))
        return cls(int(seed), levers, tuple(correlations))

    @classmethod
    def from_ranges(cls, values: Mapping[str, Any],
                    ranges: Mapping[str, tuple[float, float, str]],
                    correlations: Iterable[tuple[str, str, float]] = (),
                    seed: int | None = None) -> UncertaintySpec:
        """A spec that makes exactly the levers of ``ranges`` uncertain.

        Parameters
        ----------
        values : Mapping[str, object]
            The scenario's lever values [lever units]; levers not given take their
            defaults.
        ranges : Mapping[str, (float, float, str)]
            ``name -> (low, high, distribution)`` with ``low`` and ``high`` in the
            lever's own unit (absolute values; for lognormal, its 5th and 95th
            percentiles), inside the lever's range.
        correlations : iterable of (str, str, float)
            Rank correlations between levers of ``ranges``.
        seed : int, optional
            Seed of the design; the defaults' seed when not given.

        Returns
        -------
        UncertaintySpec
            Spreads expressed around the scenario's values: relative for log
            distributions and for levers whose default spread is relative,
            absolute otherwise (and always absolute around a value of 0).
        """
        levers = {}
        for name, (low, high, distribution) in ranges.items():
            levers[name] = lever_from_range(name, _value_of(values, name), low, high,
                                            distribution)
        pairs = tuple(Correlation(a, b, rho) for a, b, rho in correlations)
        return cls(default_spec().seed if seed is None else seed, levers, pairs)


def _value_of(values: Mapping[str, Any], name: str) -> float:
    param = registry.get(name)
    value = values.get(name, param.default)
    return float(param.validate(value))


def lever_from_range(name: str, value: float, low: float, high: float,
                     distribution: str = "uniform") -> LeverUncertainty:
    """The uncertainty of lever ``name`` between two values of it, as a spread around ``value``.

    Parameters
    ----------
    name : str
        A numeric lever that may be uncertain.
    value : float
        The lever's current value [lever unit].
    low, high : float
        Bounds in the lever's unit, inside its range (for lognormal, its 5th and
        95th percentiles) [lever unit].
    distribution : str
        One of :data:`DISTRIBUTIONS`.

    Raises
    ------
    UncertaintyError
        For ``low >= high``, a bound outside the lever's range, a triangular
        spread that does not enclose ``value``, or a log distribution around a
        value of 0 or with ``low <= 0``.
    """
    param = uncertain_lever(name)
    distribution = _choice(distribution, DISTRIBUTIONS, f"The distribution of {name}", name)
    low = float(param.validate(low))
    high = float(param.validate(high))
    if low >= high:
        raise UncertaintyError(f"The low value of {name} ({param.format_with_unit(low)}) must "
                               f"be below its high value ({param.format_with_unit(high)}).",
                               name)
    if distribution == "triangular" and not low <= value <= high:
        raise UncertaintyError(
            f"A triangular spread has its mode at the scenario's value, so {name} "
            f"({param.format_with_unit(value)}) must lie between "
            f"{param.format_with_unit(low)} and {param.format_with_unit(high)}.", name)
    log = distribution in LOG_DISTRIBUTIONS
    if log and (value <= 0 or low <= 0):
        raise UncertaintyError(
            f"A {distribution} spread is given as factors of the value, so {name} and its "
            f"low value must be above 0 (they are {param.format_with_unit(value)} and "
            f"{param.format_with_unit(low)}).", name)
    default = load_defaults().spec.levers.get(name)
    relative = log or (value != 0 and param.kind != "int" and (
        default.spread == "relative" if default is not None else param.scale == "log"))
    if relative:
        return LeverUncertainty(distribution, "relative", low / value, high / value)
    return LeverUncertainty(distribution, "absolute", low - value, high - value)


def _expect_keys(entry: Any, keys: tuple[str, ...], what: str) -> None:
    if not isinstance(entry, Mapping):
        raise UncertaintyError(f"{what} must be a mapping with keys {', '.join(keys)}.")
    missing = [k for k in keys if k not in entry]
    extra = sorted(str(k) for k in entry if k not in keys)
    if missing:
        raise UncertaintyError(f"{what} lacks {', '.join(missing)}.")
    if extra:
        raise UncertaintyError(f"{what} has unknown keys {', '.join(extra)} (expected "
                               f"{', '.join(keys)}).")


# ---------------------------------------------------------------------------------------------
# Correlation matrix


def correlation_blocks(correlations: Iterable[Correlation]) -> list[tuple[list[str],
                                                                          np.ndarray]]:
    """Group correlated levers into independent blocks with their copula matrices.

    Parameters
    ----------
    correlations : iterable of Correlation
        Rank correlations.

    Returns
    -------
    list of (names, matrix)
        For each connected group of correlated levers, its names (registry order)
        and the Pearson correlation matrix of the Gaussian copula,
        ``2 sin(π ρ / 6)`` off the diagonal and 1 on it [1].
    """
    correlations = list(correlations)
    group: dict[str, str] = {}

    def root(name: str) -> str:
        while group.setdefault(name, name) != name:
            name = group[name]
        return name

    for c in correlations:
        group[root(c.a)] = root(c.b)
    members: dict[str, list[str]] = {}
    for name in list(group):
        members.setdefault(root(name), []).append(name)
    blocks = []
    for names in members.values():
        names = _registry_order(names)
        index = {n: i for i, n in enumerate(names)}
        matrix = np.eye(len(names))
        for c in correlations:
            if c.a in index:
                i, j = index[c.a], index[c.b]
                matrix[i, j] = matrix[j, i] = normal_copula_r(c.rho)
        blocks.append((names, matrix))
    return blocks


def check_correlation_matrix(correlations: Iterable[Correlation]) -> None:
    """Refuse correlations that do not form a valid (positive semi-definite) matrix.

    Raises
    ------
    UncertaintyError
        Naming the levers of the offending group.
    """
    for names, matrix in correlation_blocks(correlations):
        if np.linalg.eigvalsh(matrix)[0] < -1e-10:
            raise UncertaintyError(
                f"The correlations between {', '.join(names)} do not form a valid correlation "
                "matrix (it is not positive semi-definite); weaken some of them.", names[0])


# ---------------------------------------------------------------------------------------------
# Defaults


@dataclass(frozen=True)
class DefaultUncertainty:
    """The shipped default uncertainty, with what each setting rests on.

    Attributes
    ----------
    spec : UncertaintySpec
        The default spec: every lever with a default distribution is uncertain.
    notes : Mapping[str, str]
        Why each numeric lever is uncertain as it is, or certain.
    sources : Mapping[str, Source]
        Source of each uncertain lever's bounds, by lever name.
    correlation_sources : Mapping[tuple[str, str], Source]
        Source of each default correlation, by its pair of levers.
    certain : tuple of str
        Levers listed as certain by default.
    """

    spec: UncertaintySpec
    notes: Mapping[str, str]
    sources: Mapping[str, Source]
    correlation_sources: Mapping[tuple[str, str], Source]
    certain: tuple[str, ...]


def build_defaults(raw: Mapping[str, Any]) -> DefaultUncertainty:
    """Check the parsed ``uncertainty.json`` and build the defaults it describes.

    Raises
    ------
    evexplorer.model.data.DataError
        For a number without a known source, a lever missing from the registry,
        an entry that is neither certain nor a valid uncertainty, or bounds whose
        two numbers cite different sources.
    """
    if raw.get("format") != "evexplorer-uncertainty":
        raise DataError("the uncertainty data lack format 'evexplorer-uncertainty'")
    sources = check_sources(raw)
    levers: dict[str, LeverUncertainty] = {}
    notes: dict[str, str] = {}
    lever_sources: dict[str, Source] = {}
    certain = []
    for name, entry in raw.get("levers", {}).items():
        if name not in registry.PARAMETERS:
            raise DataError(f"the uncertainty data name the unknown lever {name!r}")
        notes[name] = str(entry.get("note", "")).strip()
        if not notes[name]:
            raise DataError(f"the uncertainty of {name} has no note saying why")
        if entry.get("certain") is True:
            certain.append(name)
            continue
        try:
            low, high = entry["low"], entry["high"]
            if low["source"] != high["source"]:
                raise DataError(f"the bounds of {name} cite different sources")
            uncertain_lever(name)
            levers[name] = LeverUncertainty(*check_lever(name, entry["distribution"],
                                                         entry["spread"], low["value"],
                                                         high["value"]))
        except (KeyError, TypeError, UncertaintyError) as exc:
            raise DataError(f"the uncertainty of {name} is invalid: {exc}") from None
        lever_sources[name] = sources[low["source"]]
    correlations = []
    correlation_sources = {}
    for entry in raw.get("correlations", []):
        rho = entry["rho"]
        correlations.append(Correlation(entry["a"], entry["b"], rho["value"]))
        correlation_sources[(entry["a"], entry["b"])] = sources[rho["source"]]
    try:
        spec = UncertaintySpec(int(raw["seed"]["value"]), levers, tuple(correlations))
    except (KeyError, TypeError, ValueError, UncertaintyError) as exc:
        raise DataError(f"the default uncertainty is invalid: {exc}") from None
    correlation_sources = {(c.a, c.b): correlation_sources.get((c.a, c.b))
                           or correlation_sources[(c.b, c.a)] for c in spec.correlations}
    return DefaultUncertainty(spec, MappingProxyType(notes), MappingProxyType(lever_sources),
                              MappingProxyType(correlation_sources), tuple(certain))


@cache
def load_defaults() -> DefaultUncertainty:
    """Load and check the shipped default uncertainty (once per process)."""
    with open(resource_path("uncertainty.json"), encoding="utf-8") as fh:
        return build_defaults(json.load(fh))


def default_spec() -> UncertaintySpec:
    """The default uncertainty of a new scenario (see ``resources/uncertainty.json``)."""
    return load_defaults().spec


def spec_or_default(record: Mapping[str, Any] | None) -> UncertaintySpec:
    """The spec of a scenario's stored record, or the defaults when it has none."""
    return default_spec() if record is None else UncertaintySpec.from_record(record)

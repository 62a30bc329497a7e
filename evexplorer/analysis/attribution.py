"""Attribution: which lever moved an output from the reference to the scenario, and by how much.

The change of one output between a reference scenario and a scenario is split
among the levers that differ by their Shapley values: each lever's effect is
its marginal effect, switched from its reference value to its scenario value,
averaged over every order in which the levers could be switched. The effects
add up exactly to the change, interactions included, and a lever that does
nothing gets nothing.

Up to :data:`EXACT_LIMIT` changed levers every subset is evaluated (2^k model
runs as batches of :func:`evexplorer.model.evaluate`); beyond that a sampled
estimate over random orders (with their reverses) is given with its standard
error. The choice and mix levers cannot vary within one batch, so the runs are
grouped by their values, one batch per group; each counts as one lever.

References
----------
.. [1] L. S. Shapley, "A value for n-person games", in Contributions to the
   Theory of Games II, Annals of Mathematics Studies 28, pp. 307-317, 1953.
.. [2] A. F. Shorrocks, "Decomposition procedures for distributional analysis:
   a unified framework based on the Shapley value", Journal of Economic
   Inequality 11, pp. 99-126, 2013. :doi:`10.1007/s10888-011-9214-z`
.. [3] J. Castro, D. Gómez, J. Tejada, "Polynomial calculation of the Shapley
   value based on sampling", Computers & Operations Research 36(5),
   pp. 1726-1730, 2009. :doi:`10.1016/j.cor.2008.04.004`
.. [4] R. Mitchell, J. Cooper, E. Frank, G. Holmes, "Sampling permutations for
   Shapley value estimation", Journal of Machine Learning Research 23(43),
   pp. 1-46, 2022.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..model import PARAMETERS, evaluate, registry
from .readout import AnalysisError, Readout, readout

#: Levers that set the time axis: they cannot be attributed (they change the years), so
#: every run holds them at the scenario's values.
TIME_AXIS: tuple[str, ...] = ("start_year", "end_year")
#: Most changed levers for which every subset is evaluated (2^12 = 4,096 model runs).
EXACT_LIMIT = 12
#: Orders sampled beyond :data:`EXACT_LIMIT` (half of them the reverses of the others).
PERMUTATIONS = 128


@dataclass(frozen=True)
class Contribution:
    """One lever's share of the change.

    Attributes
    ----------
    name : str
        Lever name.
    before, after : object
        The lever's value in the reference and in the scenario, in its own unit.
    effect : float
        Its Shapley value, in the unit of the output.
    standard_error : float
        Standard error of a sampled estimate of ``effect``; 0 when exact.
    """

    name: str
    before: Any
    after: Any
    effect: float
    standard_error: float = 0.0


@dataclass(frozen=True)
class Attribution:
    """The change of one output from a reference to a scenario, split among levers.

    Attributes
    ----------
    output : str
        Output name.
    year : int or None
        Year of a series [year]; None for a scalar.
    unit : str
        Unit of the output and of every effect.
    reference, scenario : float
        The output for the reference's levers and for the scenario's levers,
        both over the scenario's years.
    method : {"exact", "sampled"}
        Every subset evaluated, or a sampled estimate over random orders.
    contributions : tuple of Contribution
        One per changed lever, largest absolute effect first; the effects sum
        to ``scenario - reference``.
    held : tuple of str
        Time-axis levers that differ but were held at the scenario's values.
    runs : int
        Model runs evaluated.
    permutations : int or None
        Orders sampled (for ``"sampled"``).
    """

    output: str
    year: int | None
    unit: str
    reference: float
    scenario: float
    method: Literal["exact", "sampled"]
    contributions: tuple[Contribution, ...]
    held: tuple[str, ...] = ()
    runs: int = 0
    permutations: int | None = None

    @property
    def change(self) -> float:
        """``scenario - reference``, in :attr:`unit`."""
        return self.scenario - self.reference


def subset_masks(k: int) -> np.ndarray:
    """Every subset of ``k`` levers as rows of a boolean matrix.

    Parameters
    ----------
    k : int
        Number of levers [1].

    Returns
    -------
    numpy.ndarray
        Shape (2^k, k) [1]; row s holds lever i (at its scenario value) if bit
        i of s is set, so row 0 is the reference and the last row the scenario.
    """
    return (np.arange(2 ** k)[:, None] >> np.arange(k)) & 1 == 1


def shapley_from_subsets(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values from the value of every subset.

    Parameters
    ----------
    values : numpy.ndarray
        Shape (2^k,): the output for each subset in the order of
        :func:`subset_masks` [unit of the output].

    Returns
    -------
    numpy.ndarray
        Shape (k,): lever i's effect
        ``sum over S without i of |S|! (k - |S| - 1)! / k! * (v(S + i) - v(S))``
        [unit of the output]. They sum to ``values[-1] - values[0]``.

    References
    ----------
    .. [1] L. S. Shapley, "A value for n-person games", 1953.
    """
    values = np.asarray(values, dtype=float)
    k = values.size.bit_length() - 1
    if values.size == 0 or values.size != 2 ** k:
        raise ValueError(f"need the values of 2^k subsets, got {values.size}")
    subsets = np.arange(values.size)
    size = subset_masks(k).sum(axis=1)
    # |S|! (k-|S|-1)! / k! = 1 / (k * C(k-1, |S|)) for the subsets S without lever i
    weight = np.array([1.0 / (k * math.comb(k - 1, s)) if s < k else 0.0
                       for s in range(k + 1)])[size]
    effects = np.empty(k)
    for i in range(k):
        without = subsets[(subsets >> i) & 1 == 0]
        effects[i] = weight[without] @ (values[without | (1 << i)] - values[without])
    return effects


def permutation_masks(orders: np.ndarray) -> np.ndarray:
    """The subsets met along each order in which levers are switched.

    Parameters
    ----------
    orders : numpy.ndarray
        Shape (P, k): each row a permutation of ``range(k)`` [1].

    Returns
    -------
    numpy.ndarray
        Shape (P, k + 1, k) boolean [1]: entry (p, j, i) is True if lever i is
        among the first j levers of order p.
    """
    rank = np.argsort(orders, axis=1)
    return rank[:, None, :] < np.arange(orders.shape[1] + 1)[None, :, None]


def shapley_from_permutations(orders: np.ndarray, values: np.ndarray
                              ) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values estimated from sampled orders, with their standard errors.

    Parameters
    ----------
    orders : numpy.ndarray
        Shape (P, k), P even: row p + P/2 is row p reversed (antithetic pairs) [1].
    values : numpy.ndarray
        Shape (P, k + 1): the output along each order, for the subsets of
        :func:`permutation_masks` [unit of the output].

    Returns
    -------
    effects : numpy.ndarray
        Shape (k,): mean marginal effect of each lever [unit of the output].
        Each order's marginal effects telescope to ``values[p, -1] - values[p, 0]``,
        so the effects sum to the change exactly, whatever P.
    standard_error : numpy.ndarray
        Shape (k,): standard error of each effect from the spread of the
        antithetic pair means [unit of the output].

    References
    ----------
    .. [1] J. Castro, D. Gómez, J. Tejada, "Polynomial calculation of the
       Shapley value based on sampling", 2009.
    .. [2] R. Mitchell et al., "Sampling permutations for Shapley value
       estimation", 2022.
    """
    n_orders = orders.shape[0]
    marginal = np.diff(np.asarray(values, dtype=float), axis=1)  # (P, k) by position
    by_lever = np.take_along_axis(marginal, np.argsort(orders, axis=1), axis=1)
    half = n_orders // 2
    pairs = 0.5 * (by_lever[:half] + by_lever[half:])
    error = pairs.std(axis=0, ddof=1) / math.sqrt(half) if half > 1 else np.full(
        orders.shape[1], np.nan)
    return by_lever.mean(axis=0), error


def antithetic_orders(k: int, permutations: int, seed: int = 0) -> np.ndarray:
    """Random orders of ``k`` levers followed by their reverses.

    Parameters
    ----------
    k : int
        Number of levers [1].
    permutations : int
        Number of orders, rounded up to an even number, at least 4 [1].
    seed : int
        Seed of the random generator, for repeatable estimates.

    Returns
    -------
    numpy.ndarray
        Shape (P, k) of integer permutations [1].
    """
    half = max(2, (permutations + 1) // 2)
    rng = np.random.default_rng(seed)
    first = rng.permuted(np.tile(np.arange(k), (half, 1)), axis=1)
    return np.concatenate([first, first[:, ::-1]])


def changed_levers(reference: Mapping[str, Any], scenario: Mapping[str, Any]) -> list[str]:
    """Levers whose values differ, in registry order, time axis excluded.

    ``reference`` and ``scenario`` hold every lever (see
    :func:`evexplorer.model.registry.resolve`).
    """
    return [name for name in PARAMETERS if name not in TIME_AXIS
            and not registry.same_value(name, reference[name], scenario[name])]


def attribute(reference: Mapping[str, Any] | None, scenario: Mapping[str, Any] | None,
              output: str, year: int | None = None, *, exact_limit: int = EXACT_LIMIT,
              permutations: int = PERMUTATIONS, seed: int = 0) -> Attribution:
    """Split the change of an output from ``reference`` to ``scenario`` among changed levers.

    Parameters
    ----------
    reference, scenario : Mapping[str, object] or None
        Lever values (levers not given take their defaults; None is the
        baseline), each in its own unit.
    output : str
        Series or scalar name (see :data:`evexplorer.model.SERIES` and
        :data:`evexplorer.model.SCALARS`).
    year : int, optional
        Year at which a series is read [year]; one of the scenario's years.
        Not used for a scalar.
    exact_limit : int
        Most changed levers for an exact split [1]; beyond, a sampled estimate.
    permutations : int
        Orders sampled for an estimate [1].
    seed : int
        Seed of the sampling, so that an estimate is repeatable.

    Returns
    -------
    Attribution
        Effects in the output's unit, summing to ``scenario - reference``.
        ``start_year`` and ``end_year`` are held at the scenario's values in
        every run (they change the years, not a value in a year) and listed
        in :attr:`Attribution.held` when they differ.

    Raises
    ------
    evexplorer.model.ParameterError
        For an unknown lever or a value out of range.
    AnalysisError
        For an unknown output, a year outside the scenario's years, or an
        output with no value ("never") for some combination of the levers.
    """
    ref = registry.resolve(reference)
    scen = registry.resolve(scenario)
    what = readout(output, year, range(scen["start_year"], scen["end_year"] + 1))
    held = tuple(n for n in TIME_AXIS if not registry.same_value(n, ref[n], scen[n]))
    ref.update({n: scen[n] for n in TIME_AXIS})
    names = changed_levers(ref, scen)
    k = len(names)
    permutation_count = None
    if k <= exact_limit:
        method = "exact"
        masks = subset_masks(k)
        values, runs = _run_subsets(ref, scen, names, masks, what)
        _check_finite(values, what)
        effects, errors = shapley_from_subsets(values), np.zeros(k)
        first, last = values[0], values[-1]
    else:
        method = "sampled"
        orders = antithetic_orders(k, permutations, seed)
        permutation_count = orders.shape[0]
        masks = permutation_masks(orders)
        values, runs = _run_subsets(ref, scen, names, masks.reshape(-1, k), what)
        values = values.reshape(orders.shape[0], k + 1)
        _check_finite(values, what)
        effects, errors = shapley_from_permutations(orders, values)
        first, last = values[0, 0], values[0, -1]
    contributions = [
        Contribution(name, registry.canonical(name, ref[name]),
                     registry.canonical(name, scen[name]), float(effects[i]), float(errors[i]))
        for i, name in enumerate(names)
    ]
    contributions.sort(key=lambda c: -abs(c.effect))
    return Attribution(output=what.output, year=what.year, unit=what.unit,
                       reference=float(first), scenario=float(last), method=method,
                       contributions=tuple(contributions), held=held, runs=runs,
                       permutations=permutation_count)


def _check_finite(values: np.ndarray, what: Readout) -> None:
    if np.all(np.isfinite(values)):
        return
    flat = values.reshape(-1) if values.ndim == 1 else values[0]
    where = ("in the reference" if not np.isfinite(flat[0]) else
             "in the scenario" if not np.isfinite(flat[-1]) else
             "for some mixes of the reference's and the scenario's levers")
    raise AnalysisError(f"{what.describe()} has no value (never) {where}, so its change "
                        "cannot be split among levers.")


def _run_subsets(reference: Mapping[str, Any], scenario: Mapping[str, Any], names: list[str],
                 masks: np.ndarray, what: Readout) -> tuple[np.ndarray, int]:
    """The output for each row of ``masks`` (True: the lever at its scenario value).

    Rows are evaluated once each, as one :func:`evaluate` batch per combination
    of the choice and mix levers. Returns the values and the number of runs.
    """
    # Each row as the integer whose bit j is lever j (fewer than 63 levers exist).
    bits = np.int64(1) << np.arange(len(names), dtype=np.int64)
    codes, inverse = np.unique(masks @ bits, return_inverse=True)
    unique = (codes[:, None] & bits) != 0
    numeric = [j for j, n in enumerate(names) if PARAMETERS[n].numeric]
    other = [j for j, n in enumerate(names) if not PARAMETERS[n].numeric]
    groups, group_of = np.unique(codes & bits[other].sum(), return_inverse=True)
    out = np.empty(len(unique))
    for g, key in enumerate(groups):
        rows = np.flatnonzero(group_of == g)
        params = dict(reference)
        for j in other:
            params[names[j]] = (scenario if key & bits[j] else reference)[names[j]]
        for j in numeric:
            n = names[j]
            params[n] = np.where(unique[rows, j], scenario[n], reference[n])
        out[rows] = what.read(evaluate(params))
    return out[inverse], len(unique)


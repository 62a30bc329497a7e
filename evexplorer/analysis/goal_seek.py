"""Goal-seek: the value of one lever at which an output reaches a target in a year.

The lever's whole range is scanned first in one batch of
:func:`evexplorer.model.evaluate` (log-spaced for levers on a logarithmic
scale), because scarcity pricing and the chemistry mix can make an output rise
and fall along a lever. Every interval of the scan over which the output
crosses the target brackets a solution; the one nearest the lever's current
value is solved with Brent's method (:func:`scipy.optimize.brentq`) and the
result is evaluated again to report what it achieves. A whole-number lever
gives the nearest whole value that meets the target. A target that no value
reaches raises :class:`UnreachableTarget`, whose sentence names the range the
output covers.

Price parity by a year is a ready-made goal: :func:`seek_parity` seeks the
series :data:`PARITY_OUTPUT` (the EV's price above the gasoline car's) = 0.

References
----------
.. [1] R. P. Brent, Algorithms for Minimization without Derivatives,
   Prentice-Hall, 1973, chapters 4 and 5.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import evaluate, registry
from .attribution import TIME_AXIS
from .readout import AnalysisError, Readout, number, quantity, readout

#: Points of the scan of a lever's range.
SCAN_POINTS = 64
#: Finer scans around a turning point that the first scan stepped over.
ZOOMS = 3
#: Series whose zero is price parity: the EV's price less the gasoline car's [USD].
PARITY_OUTPUT = "ev_price_premium"


class UnreachableTarget(AnalysisError):
    """No value of the lever reaches the target.

    Attributes
    ----------
    low, high : float
        Smallest and largest value the output takes over the lever's range,
        in the output's unit (NaN where it never has a value).
    """

    def __init__(self, message: str, low: float, high: float) -> None:
        super().__init__(message)
        self.low = low
        self.high = high


@dataclass(frozen=True)
class GoalSeekResult:
    """The lever value found by :func:`goal_seek`.

    Attributes
    ----------
    lever : str
        Lever name.
    value : float or int
        The lever's value that reaches the target, in :attr:`unit`; an int
        for a whole-number lever.
    unit : str
        The lever's unit.
    output : str
        Output name.
    year : int or None
        Year of a series [year]; None for a scalar.
    output_unit : str
        Unit of the output, the target and :attr:`achieved`.
    target : float
        Value sought.
    achieved : float
        The output with the lever at :attr:`value`, from a fresh evaluation.
    whole_number : bool
        True for a whole-number lever: :attr:`value` is the nearest whole
        value that meets the target, and :attr:`achieved` may differ from it.
    bracket : tuple of float
        The interval of the scan in which the value was found, in :attr:`unit`.
    runs : int
        Model runs used (the scan's batch counted once per row).
    """

    lever: str
    value: float | int
    unit: str
    output: str
    year: int | None
    output_unit: str
    target: float
    achieved: float
    whole_number: bool
    bracket: tuple[float, float]
    runs: int


def scan_grid(lever: str, points: int = SCAN_POINTS) -> np.ndarray:
    """Values at which a lever's range is scanned.

    Parameters
    ----------
    lever : str
        Name of a numeric lever.
    points : int
        Number of points [1].

    Returns
    -------
    numpy.ndarray
        Increasing values from the lever's minimum to its maximum, in its unit:
        geometrically spaced for a log-scale lever, evenly otherwise; for a
        whole-number lever the distinct whole values among them (every whole
        value when the range holds no more than ``points``).
    """
    param = registry.get(lever)
    lo, hi = float(param.minimum), float(param.maximum)
    if param.kind == "int" and hi - lo + 1 <= points:
        return np.arange(lo, hi + 1)
    if param.scale == "log" and lo > 0:
        grid = np.geomspace(lo, hi, points)
    else:
        grid = np.linspace(lo, hi, points)
    grid[0], grid[-1] = lo, hi
    return np.unique(np.round(grid)) if param.kind == "int" else grid


def goal_seek(parameters: Mapping[str, Any] | None, lever: str, output: str,
              year: int | None, target: float, *, points: int = SCAN_POINTS) -> GoalSeekResult:
    """Find the value of ``lever`` at which ``output`` reaches ``target``.

    Parameters
    ----------
    parameters : Mapping[str, object] or None
        The scenario's lever values (defaults for the rest); the lever's value
        here is its current value.
    lever : str
        Numeric lever to move (not ``start_year`` or ``end_year``).
    output : str
        Series or scalar name.
    year : int or None
        Year at which a series is read [year]; one of the scenario's years.
    target : float
        Value sought, in the output's unit.
    points : int
        Points of the scan of the lever's range [1].

    Returns
    -------
    GoalSeekResult

    Raises
    ------
    evexplorer.model.ParameterError
        For an unknown lever or a bad lever value in ``parameters``.
    UnreachableTarget
        If the output never reaches the target over the lever's range; the
        message names the range it covers.
    AnalysisError
        For a lever that is not numeric or sets the time axis, an unknown
        output, a year outside the years shown, or a target that is not finite.
    """
    params = registry.resolve(parameters)
    param = registry.get(lever)
    if not param.numeric:
        raise AnalysisError(f"Goal-seek moves a numeric lever; {lever} is a {param.kind} lever.")
    if lever in TIME_AXIS:
        raise AnalysisError(f"Goal-seek cannot move {lever}: it sets the years shown.")
    what = readout(output, year, range(params["start_year"], params["end_year"] + 1))
    target = float(target)
    if not np.isfinite(target):
        raise AnalysisError(f"The target must be a finite number, not {target!r}.")

    def output_at(value: float) -> float:
        return float(what.read(evaluate({**params, lever: value}))[0])

    def gap(value: float) -> float:
        return output_at(value) - target

    grid = scan_grid(lever, points)
    gaps = what.read(evaluate({**params, lever: grid})) - target
    runs = grid.size
    current = float(params[lever])
    brackets = _brackets(grid, gaps)
    if not brackets and param.kind != "int":
        extra, brackets, extremes = _refine_extremes(
            grid, gaps, lambda values: what.read(evaluate({**params, lever: values})) - target)
        runs += extra
        gaps = np.concatenate([gaps, extremes])
    if not brackets:
        raise _unreachable(what, param, gaps + target)
    a, b = min(brackets, key=lambda ab: _distance(current, ab, param.scale))
    if param.kind == "int":
        value, evaluations = _whole_root(gap, a, b, current)
    else:
        value, evaluations = _brent_root(gap, a, b)
    runs += evaluations
    achieved = output_at(value)
    runs += 1
    if not np.isfinite(achieved):
        raise AnalysisError(f"{what.describe()} has no value with {lever} at "
                            f"{param.format_with_unit(value)}.")
    return GoalSeekResult(lever=lever, value=int(value) if param.kind == "int" else float(value),
                          unit=param.unit, output=what.output, year=what.year,
                          output_unit=what.unit, target=target, achieved=float(achieved),
                          whole_number=param.kind == "int", bracket=(float(a), float(b)),
                          runs=runs)


def seek_parity(parameters: Mapping[str, Any] | None, lever: str, year: int,
                **kwargs: Any) -> GoalSeekResult:
    """The value of ``lever`` that brings the EV to price parity with the gasoline car in ``year``.

    The goal :func:`goal_seek` with ``ev_price_premium`` [USD] = 0 in ``year`` [year].
    """
    return goal_seek(parameters, lever, PARITY_OUTPUT, year, 0.0, **kwargs)


def _brackets(grid: np.ndarray, gaps: np.ndarray) -> list[tuple[float, float]]:
    """Intervals of the scan whose ends are on both sides of the target (or on it)."""
    finite = np.isfinite(gaps)
    found = [(float(x), float(x)) for x, g in zip(grid, gaps, strict=True) if g == 0]
    both = finite[:-1] & finite[1:]
    crossing = both & (np.sign(gaps[:-1]) * np.sign(gaps[1:]) < 0)
    found += [(float(grid[i]), float(grid[i + 1])) for i in np.flatnonzero(crossing)]
    return found


def _refine_extremes(grid: np.ndarray, gaps: np.ndarray,
                     gaps_at: Callable[[np.ndarray], np.ndarray]
                     ) -> tuple[int, list[tuple[float, float]], list[float]]:
    """Look between scan points for a minimum or maximum that crosses the target.

    The scan may step over the tip of a dip or a peak. Where the scan's lowest
    or highest point lies inside the range (the output turns there), the
    interval between its neighbours is scanned again, finer, in one batch, and
    again around the finer extreme (:data:`ZOOMS` times, each
    :data:`SCAN_POINTS` points). A crossing found on the way brackets a
    solution. An extreme at an end of the range is the output at the lever's
    limit. Returns the evaluations used, the brackets found and the gaps at the
    extremes.
    """
    finite = np.flatnonzero(np.isfinite(gaps))
    evaluations, extremes = 0, []
    for sign in (1.0, -1.0) if finite.size else ():  # the lowest, then the highest point
        i = finite[np.argmin(sign * gaps[finite])]
        if i in (0, grid.size - 1):
            continue
        lo, hi, extreme = grid[i - 1], grid[i + 1], float(gaps[i])
        for _ in range(ZOOMS):
            fine = np.linspace(lo, hi, SCAN_POINTS)
            values = gaps_at(fine)
            evaluations += fine.size
            found = _brackets(fine, values)
            if found:
                return evaluations, found, extremes
            ok = np.flatnonzero(np.isfinite(values))
            if ok.size == 0:
                break
            j = ok[np.argmin(sign * values[ok])]
            extreme = sign * min(sign * extreme, sign * float(values[j]))
            lo, hi = fine[max(j - 1, 0)], fine[min(j + 1, fine.size - 1)]
        extremes.append(extreme)
    return evaluations, [], extremes


def _distance(current: float, bracket: tuple[float, float], scale: str) -> float:
    """How far ``current`` lies from a bracket, on the lever's scale."""
    transform = np.log if scale == "log" else float
    x, a, b = (transform(v) for v in (current, *bracket))
    return 0.0 if a <= x <= b else min(abs(x - a), abs(x - b))


def _brent_root(gap: Callable[[float], float], a: float, b: float) -> tuple[float, int]:
    from scipy.optimize import brentq

    if a == b:
        return a, 0
    root, info = brentq(gap, a, b, xtol=1e-12 * max(abs(a), abs(b), 1.0), full_output=True,
                        disp=False)
    return float(root), int(info.function_calls)


def _whole_root(gap: Callable[[float], float], a: float, b: float, current: float
                ) -> tuple[int, int]:
    """The whole value in [a, b] nearest the crossing that meets the target.

    The target is met on the side of it away from where the lever's current
    value puts the output; a current value already on target is met by both.
    """
    if a == b:
        return int(a), 0
    ga, gb = gap(a), gap(b)
    evaluations = 2
    while b - a > 1:  # bisect over whole numbers
        mid = float(np.floor((a + b) / 2))
        gm = gap(mid)
        evaluations += 1
        if gm == 0:
            return int(mid), evaluations
        if np.sign(gm) == np.sign(ga):
            a, ga = mid, gm
        else:
            b, gb = mid, gm
    start = gap(current)
    evaluations += 1
    meets = [x for x, g in ((a, ga), (b, gb)) if g == 0 or np.sign(g) != np.sign(start)]
    if not meets or np.sign(start) == 0:
        meets = [a, b]
    return int(min(meets, key=lambda x: abs(x - current))), evaluations


def _unreachable(what: Readout, param: registry.Parameter, values: np.ndarray
                 ) -> UnreachableTarget:
    unit = f" {param.unit}" if param.unit and param.unit != "year" else ""
    lever_range = f"{param.format(param.minimum)}-{param.format(param.maximum)}{unit}"
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return UnreachableTarget(f"{what.describe()} has no value over {param.name}'s range "
                                 f"{lever_range}.", np.nan, np.nan)
    low, high = float(finite.min()), float(finite.max())
    span = (f"stays at {quantity(low, what.unit)}" if number(low) == number(high) else
            f"stays between {number(low, what.unit)} and {quantity(high, what.unit)}")
    return UnreachableTarget(f"{what.describe()} {span} over {param.name}'s range "
                             f"{lever_range}.", low, high)

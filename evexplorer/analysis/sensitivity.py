"""Which uncertain levers move an output most: a tornado (one at a time) and Sobol indices.

An *output* is a series at a year (``pack_cost`` in 2030) or a scalar
(``cost_parity_year``, which covers the whole run and has no year).

- :func:`tornado`: each uncertain lever alone at its low and its high value,
  every other lever at the scenario's value: one model batch of 2K + 1 runs for
  K uncertain levers. A lever's low and high values are the 10th and 90th
  percentiles of its distribution (truncated to its range), the same
  distribution the P10-P90 bands sample. Correlations play no part: each lever
  moves alone.
- :func:`sobol`: first- and total-order Sobol indices with bootstrap
  confidence intervals, through :func:`scipy.stats.sobol_indices` (the
  Saltelli 2010 estimator of the first order and Jansen's of the total order)
  on a scrambled Sobol' design of N base samples: N (K + 2) runs, evaluated in
  chunks with a progress callback and cancellation between chunks, so that a
  background worker can show progress and stop. Sobol indices assume
  independent inputs, so the spec's correlations are ignored (and named in the
  result). :func:`sobol_indices` is the same chunked estimator for any function.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import numpy as np

from ..model import SCALARS, SERIES, evaluate, registry
from .sampling import current_value, lever_values
from .uncertainty import Correlation, UncertaintyError, UncertaintySpec

#: Probabilities of a tornado bar's low and high lever values [1].
TORNADO_PROBABILITIES: tuple[float, float] = (0.10, 0.90)
#: Base samples of a Sobol analysis unless told otherwise (a power of 2).
DEFAULT_SOBOL_SAMPLES = 4096
#: Rows of one model batch of a Sobol analysis.
DEFAULT_CHUNK = 8192
#: Bootstrap resamples for the confidence intervals, and the interval's level.
DEFAULT_RESAMPLES = 999
DEFAULT_CONFIDENCE = 0.95
#: Bootstrap resamples drawn between two progress reports.
_RESAMPLES_PER_STEP = 111
#: Cost of resampling one output once, in model runs (for the progress fraction).
_BOOTSTRAP_COST = 7e-4


class Cancelled(Exception):
    """A Sobol analysis was cancelled between two chunks."""


class _Event(Protocol):
    def is_set(self) -> bool: ...


# ---------------------------------------------------------------------------------------------
# Outputs: a series at a year, or a scalar


def run_years(values: Mapping[str, Any]) -> np.ndarray:
    """The years of the run that ``values`` describe [year]."""
    resolved = registry.resolve({k: v for k, v in values.items()
                                 if k in ("start_year", "end_year")})
    return np.arange(int(resolved["start_year"]), int(resolved["end_year"]) + 1)


def check_output(name: str, year: int | None, years: np.ndarray) -> int | None:
    """Check an output and year; return the year's index in ``years`` (None for a scalar).

    Parameters
    ----------
    name : str
        A series or scalar output.
    year : int or None
        The year of a series [year]; ignored for a scalar, which covers the run.
    years : numpy.ndarray
        Years of the run [year].

    Raises
    ------
    UncertaintyError
        For an unknown output (naming the closest ones), a series without a year
        or a year outside the run.
    """
    if name in SCALARS:
        return None
    if name not in SERIES:
        raise UncertaintyError(registry.unknown_name_message(name, [*SERIES, *SCALARS],
                                                             "output"), name)
    if year is None:
        raise UncertaintyError(f"{name} is a series: give the year to analyse "
                               f"({years[0]}-{years[-1]}).", name)
    if not years[0] <= year <= years[-1]:
        raise UncertaintyError(f"The year {year} is outside the run ({years[0]}-{years[-1]}).",
                               name)
    return int(year - years[0])


def output_values(results: Any, name: str, index: int | None) -> np.ndarray:
    """The output ``name`` (at year index ``index``) of every run of a batch, NaN for never."""
    if index is None:
        return np.asarray(results.scalars[name], dtype=float).reshape(-1)
    return np.asarray(results.series[name], dtype=float).reshape(-1, results.years.size
                                                                  )[:, index]


def output_unit(name: str) -> str:
    """Unit of an output."""
    return (SERIES.get(name) or SCALARS[name]).unit


# ---------------------------------------------------------------------------------------------
# Tornado


@dataclass(frozen=True)
class TornadoBar:
    """One lever of a tornado.

    Attributes
    ----------
    name : str
        The lever.
    low_value, high_value : float
        The lever's 10th and 90th percentiles [lever unit].
    low, high : float
        The output with this lever alone at ``low_value`` / ``high_value``; NaN
        for never [output unit].
    """

    name: str
    low_value: float
    high_value: float
    low: float
    high: float

    @property
    def swing(self) -> float:
        """``|high − low|``; ``inf`` when only one end is never reached [output unit]."""
        ends = np.isnan([self.low, self.high])
        if ends.all():
            return 0.0
        if ends.any():
            return math.inf
        return abs(self.high - self.low)


@dataclass(frozen=True)
class OutputAnalysis:
    """What an analysis of one output is about.

    Attributes
    ----------
    output : str
        The output: a series or a scalar.
    year : int or None
        Its year; None for a scalar, which covers the whole run.
    unit : str
        Its unit.
    """

    output: str
    year: int | None
    unit: str


@dataclass(frozen=True)
class Tornado(OutputAnalysis):
    """The levers that move an output most, one at a time (and the fields of
    :class:`OutputAnalysis`).

    Attributes
    ----------
    value : float
        The output at the scenario's values; NaN for never [unit].
    bars : tuple of TornadoBar
        Every uncertain lever, largest swing first (ties in registry order).
    """

    value: float
    bars: tuple[TornadoBar, ...]


def tornado(values: Mapping[str, Any], spec: UncertaintySpec, output: str,
            year: int | None = None) -> Tornado:
    """Swing of an output as each uncertain lever alone goes from its P10 to its P90.

    Parameters
    ----------
    values : Mapping[str, object]
        The scenario's lever values [lever units]; others take their defaults.
    spec : UncertaintySpec
        The uncertain levers (its correlations play no part).
    output : str
        A series (with ``year``) or a scalar.
    year : int, optional
        Year of a series output [year]; ignored for a scalar.

    Returns
    -------
    Tornado
        From one model batch of 2K + 1 runs.
    """
    index = check_output(output, year, run_years(values))
    names = spec.uncertain
    k = len(names)
    params = dict(values)
    ends = {}
    for i, (name, uncertainty) in enumerate(spec.levers.items()):
        value = current_value(values, name)
        ends[name] = lever_values(name, uncertainty, value, np.array(TORNADO_PROBABILITIES))
        column = np.full(2 * k + 1, value)
        column[1 + 2 * i: 3 + 2 * i] = ends[name]
        params[name] = column
    results = output_values(evaluate(params), output, index)
    bars = [TornadoBar(name, float(ends[name][0]), float(ends[name][1]),
                       float(results[1 + 2 * i]), float(results[2 + 2 * i]))
            for i, name in enumerate(names)]
    bars.sort(key=lambda bar: -bar.swing)
    return Tornado(output, None if index is None else int(year), output_unit(output),
                   float(results[0]), tuple(bars))


# ---------------------------------------------------------------------------------------------
# Sobol indices


@dataclass(frozen=True)
class SobolIndices:
    """First- and total-order Sobol indices with bootstrap confidence intervals.

    Attributes
    ----------
    names : tuple of str
        The inputs.
    first, total : numpy.ndarray
        First- and total-order indices, shape (K,) [1].
    first_conf, total_conf : numpy.ndarray
        Percentile-bootstrap confidence intervals, shape (K, 2): low, high [1].
    n_base : int
        Base samples N (a power of 2).
    n_runs : int
        Function evaluations, N (K + 2).
    confidence_level : float
        Level of the intervals [1].
    n_resamples : int
        Bootstrap resamples.
    """

    names: tuple[str, ...]
    first: np.ndarray
    total: np.ndarray
    first_conf: np.ndarray
    total_conf: np.ndarray
    n_base: int
    n_runs: int
    confidence_level: float
    n_resamples: int


def _cancel_check(cancel: Callable[[], bool] | _Event | None) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "is_set"):
        return cancel.is_set
    return cancel


def sobol_indices(func: Callable[[np.ndarray], np.ndarray],
                  ppfs: Sequence[Callable[[np.ndarray], np.ndarray]], n: int, *,
                  names: Sequence[str] | None = None, seed: int = 0,
                  chunk_size: int = DEFAULT_CHUNK,
                  progress: Callable[[float], Any] | None = None,
                  cancel: Callable[[], bool] | _Event | None = None,
                  n_resamples: int = DEFAULT_RESAMPLES,
                  confidence_level: float = DEFAULT_CONFIDENCE) -> SobolIndices:
    """Sobol indices of ``func`` over independent inputs, evaluated in chunks.

    Parameters
    ----------
    func : callable
        Takes an array of shape (rows, K) of input values and returns the
        (rows,) outputs; each output must be finite.
    ppfs : sequence of callable
        Per input, its inverse distribution function (maps (0, 1) to values).
    n : int
        Base samples N, a power of 2 (the design is a scrambled Sobol' sequence
        of 2K dimensions split into the matrices A and B).
    names : sequence of str, optional
        Names of the inputs.
    seed : int
        Seed of the design and of the bootstrap.
    chunk_size : int
        Rows per call of ``func``.
    progress : callable, optional
        Called with the fraction done (0-1) after each chunk and bootstrap step.
    cancel : callable or threading.Event, optional
        Checked between chunks; when it returns True (or the event is set),
        :class:`Cancelled` is raised.
    n_resamples : int
        Bootstrap resamples of the confidence intervals.
    confidence_level : float
        Level of the intervals [1].

    Returns
    -------
    SobolIndices
        Indices from :func:`scipy.stats.sobol_indices` (Saltelli 2010 first order,
        Jansen total order); intervals from :func:`scipy.stats.bootstrap`'s
        percentile method, whose every resample is again estimated by
        :func:`scipy.stats.sobol_indices`. (The BCa intervals of
        ``SobolResult.bootstrap()`` need a jackknife over all N samples, whose
        cost grows as N²: about 90 s for three inputs at N = 2^14.)

    Raises
    ------
    ValueError
        For ``n`` not a power of 2, or a non-finite output.
    Cancelled
        When ``cancel`` asks for it.

    References
    ----------
    A. Saltelli et al. (2010), Variance based sensitivity analysis of model output.
    Design and estimator for the total sensitivity index, Comput. Phys. Commun.
    181, 259-270. I. M. Sobol' (2001), Global sensitivity indices for nonlinear
    mathematical models and their Monte Carlo estimates, Math. Comput. Simul. 55,
    271-280.
    """
    from scipy import stats
    from scipy.stats import qmc

    if n < 2 or n & (n - 1):
        raise ValueError(f"the number of base samples must be a power of 2, not {n}")
    k = len(ppfs)
    names = tuple(names) if names is not None else tuple(f"x{i + 1}" for i in range(k))
    cancelled = _cancel_check(cancel)
    report = progress or (lambda fraction: None)

    design = qmc.Sobol(d=2 * k, scramble=True, rng=np.random.default_rng(seed)).random_base2(
        int(math.log2(n)))
    a = np.column_stack([ppf(design[:, j]) for j, ppf in enumerate(ppfs)])
    b = np.column_stack([ppf(design[:, k + j]) for j, ppf in enumerate(ppfs)])
    rows = n * (k + 2)
    outputs = np.empty(rows)
    # Work units for the progress: one per model run; a bootstrap resample costs
    # _BOOTSTRAP_COST of a model run per output it resamples (0.5-0.8 thousandths measured).
    bootstrap_work = _BOOTSTRAP_COST * n_resamples * rows
    total_work = rows + bootstrap_work
    for start in range(0, rows, chunk_size):
        if cancelled():
            raise Cancelled("the Sobol analysis was cancelled")
        stop = min(start + chunk_size, rows)
        outputs[start:stop] = func(_design_rows(a, b, start, stop))
        report(stop / total_work)
    if not np.all(np.isfinite(outputs)):
        raise ValueError("the function returned values that are not finite numbers")
    f_a, f_b, f_ab = outputs[:n], outputs[n:2 * n], outputs[2 * n:].reshape(k, n)

    def estimate(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the runs ``index``, shape (n,) or a batch of resamples (B, n)."""
        index = np.atleast_2d(index)
        batch = index.shape[0]
        f_a_b, f_b_b, f_ab_b = f_a[index], f_b[index], f_ab[:, index]
        if batch == 1 and k == 1:
            # SciPy squeezes one input's single output to a scalar, then fails to assign
            # into it (scipy 1.17): give it the same output twice.
            f_a_b, f_b_b, f_ab_b = (np.concatenate([x, x], axis=-2)
                                    for x in (f_a_b, f_b_b, f_ab_b))
        res = stats.sobol_indices(func={"f_A": f_a_b, "f_B": f_b_b, "f_AB": f_ab_b}, n=n)
        shape = (-1, k)
        return (np.reshape(res.first_order, shape)[:batch],
                np.reshape(res.total_order, shape)[:batch])

    first, total = (x[0] for x in estimate(np.arange(n)))
    constant = np.var(np.concatenate([f_a, f_b])) == 0
    if constant or n_resamples == 0:
        first_conf = np.column_stack([first, first])
        total_conf = np.column_stack([total, total])
    else:
        def statistic(index: np.ndarray, axis: int = -1) -> np.ndarray:
            # A batch of resamples is given to scipy.stats.sobol_indices as that many
            # outputs: one call estimates them all (shape (2K, B)).
            return np.concatenate(estimate(index), axis=1).T

        # Resamples per batch: about 250,000 resampled outputs at a time, whose copies inside
        # the estimator stay in the processor's cache (measured twice as fast as 4 million).
        batch = max(1, min(_RESAMPLES_PER_STEP, 250_000 // (n * (k + 2))))
        rng = np.random.default_rng([seed, 1])
        result = None
        done = 0
        while done < n_resamples:
            if cancelled():
                raise Cancelled("the Sobol analysis was cancelled")
            step = min(_RESAMPLES_PER_STEP, n_resamples - done)
            result = stats.bootstrap((np.arange(n),), statistic, n_resamples=step,
                                     batch=batch, vectorized=True, method="percentile",
                                     rng=rng, confidence_level=confidence_level,
                                     bootstrap_result=result)
            done += step
            report((rows + bootstrap_work * done / n_resamples) / total_work)
        low, high = result.confidence_interval
        first_conf = np.column_stack([low[:k], high[:k]])
        total_conf = np.column_stack([low[k:], high[k:]])
    report(1.0)
    return SobolIndices(names, first, total, first_conf, total_conf, n, rows,
                        confidence_level, n_resamples)


def _design_rows(a: np.ndarray, b: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of the stacked design [A; B; A_B(1); ...; A_B(K)]."""
    n, k = a.shape
    index = np.arange(start, stop)
    block, row = np.divmod(index, n)
    out = a[row].copy()
    out[block == 1] = b[row[block == 1]]
    for i in range(k):
        mine = block == 2 + i
        out[mine, i] = b[row[mine], i]
    return out


@dataclass(frozen=True)
class SobolAnalysis(OutputAnalysis):
    """Sobol indices of one model output (and the fields of :class:`OutputAnalysis`).

    Attributes
    ----------
    indices : SobolIndices
        Indices of every uncertain lever (``indices.names``).
    ignored_correlations : tuple of Correlation
        The spec's correlations, which Sobol indices cannot take into account.
    never_as : float or None
        For a year output, the year that "never" was counted as (the year after
        the run) if any run never reached it; otherwise None.
    """

    indices: SobolIndices
    ignored_correlations: tuple[Correlation, ...]
    never_as: float | None


def sobol(values: Mapping[str, Any], spec: UncertaintySpec, output: str,
          year: int | None = None, *, n: int = DEFAULT_SOBOL_SAMPLES,
          chunk_size: int = DEFAULT_CHUNK, progress: Callable[[float], Any] | None = None,
          cancel: Callable[[], bool] | _Event | None = None,
          n_resamples: int = DEFAULT_RESAMPLES,
          confidence_level: float = DEFAULT_CONFIDENCE) -> SobolAnalysis:
    """Sobol indices of a model output over the uncertain levers of ``spec``.

    Parameters
    ----------
    values : Mapping[str, object]
        The scenario's lever values [lever units]; others take their defaults.
    spec : UncertaintySpec
        The uncertain levers; each is sampled independently from its spread
        around the scenario's value (correlations are ignored).
    output : str
        A series (with ``year``) or a scalar.
    year : int, optional
        Year of a series output [year].
    n : int
        Base samples, a power of 2: the model runs N (K + 2) times.
    chunk_size, progress, cancel, n_resamples, confidence_level
        See :func:`sobol_indices`.

    Returns
    -------
    SobolAnalysis

    Raises
    ------
    UncertaintyError
        For an unknown output, a year outside the run, no uncertain lever, a
        ``n`` that is not a power of 2, or an output that is never reached in
        some runs (other than a year, where "never" counts as the year after
        the run).
    Cancelled
        When ``cancel`` asks for it.
    """
    years = run_years(values)
    index = check_output(output, year, years)
    if not spec.levers:
        raise UncertaintyError("Sobol indices need at least one uncertain lever.")
    if n < 2 or n & (n - 1):
        raise UncertaintyError(f"The number of base samples must be a power of 2 (e.g. 4096), "
                               f"not {n}.")
    names = spec.uncertain
    never_as = float(years[-1] + 1) if output_unit(output) == "year" else None
    saw_never = []

    def run(rows: np.ndarray) -> np.ndarray:
        params = dict(values)
        params.update({name: rows[:, j] for j, name in enumerate(names)})
        out = output_values(evaluate(params), output, index)
        missing = np.isnan(out)
        if missing.any():
            if never_as is None:
                raise UncertaintyError(
                    f"{output} is never reached in {missing.mean():.0%} of the runs of a "
                    "chunk; Sobol indices need a number for every run.", output)
            saw_never.append(True)
            out = np.where(missing, never_as, out)
        return out

    ppfs = [partial(lever_values, name, uncertainty, current_value(values, name))
            for name, uncertainty in spec.levers.items()]
    indices = sobol_indices(run, ppfs, n, names=names, seed=spec.seed, chunk_size=chunk_size,
                            progress=progress, cancel=cancel, n_resamples=n_resamples,
                            confidence_level=confidence_level)
    return SobolAnalysis(output, None if index is None else int(year), output_unit(output),
                         indices, spec.correlations, never_as if saw_never else None)

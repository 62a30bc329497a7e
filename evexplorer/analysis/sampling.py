"""Samples of the uncertain levers: a fixed design in the unit hypercube, then a transform.

Sampling is split in two so that a band does not flicker while a lever moves
(common random numbers):

1. **The design** (:func:`unit_design`, :func:`correlated_design`): N points in
   the open unit hypercube, one column per uncertain lever, drawn with
   :mod:`scipy.stats.qmc` once per (seed, set of uncertain levers, N, method)
   and cached. The default is a scrambled Sobol' sequence, which gives the
   steadiest P10 and P90 at 1,000 samples of the designs measured (see
   ``benchmarks/bench_uncertainty.py``: their spread between seeds is about a
   fifth below Latin hypercube sampling and two fifths below plain Monte
   Carlo); N = 1,000 takes the first 1,000 points of 1,024. Latin hypercube
   sampling (``"lhs"``) draws each lever's column from its own stream, seeded by
   the seed and the lever's name, so that making another lever uncertain
   leaves the column unchanged. Rank correlations are then applied through a
   Gaussian copula: the columns of a correlated group become normal scores, are
   mixed by the Cholesky factor of the copula's correlation matrix
   (``2 sin(π ρ / 6)`` for a rank correlation ρ) and are mapped back to uniforms.
2. **The transform** (:func:`lever_values`): each column is mapped through the
   inverse distribution function of its lever's spread around the lever's
   *current* value, truncated to the lever's range. Moving a lever moves only
   its own samples, smoothly and without reshuffling them.

Truncation, not clipping: a spread that reaches past the lever's range keeps
its shape inside the range. With F the spread's distribution function, the
uniform u is mapped into [F(min), F(max)] before the inverse: x = F⁻¹(F(min) +
u (F(max) − F(min))). No sample piles up at a bound, and every sample is a
value that ``evaluate`` accepts. (Only a spread lying wholly outside the range,
which has no mass inside it, ends at the nearest bound.) Whole-number levers
are sampled on their spread widened by ½ on each side and rounded, so that each
whole value between the bounds is equally likely under a uniform spread.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from functools import lru_cache
from statistics import NormalDist
from typing import Any

import numpy as np

from ..model import registry
from .uncertainty import (
    LOGNORMAL_BOUND_PERCENTILES,
    LeverUncertainty,
    UncertaintySpec,
    correlation_blocks,
)

#: Sampling designs: Latin hypercube, scrambled Sobol' and plain Monte Carlo.
METHODS: tuple[str, ...] = ("lhs", "sobol", "random")
#: The design used unless another is asked for (the steadiest measured; see above).
DEFAULT_METHOD = "sobol"
#: Samples of a live band.
DEFAULT_SAMPLES = 1000
#: Design points are kept this far inside (0, 1), so that normal scores stay finite.
_EDGE = 2.0**-53
#: Standard normal quantile of a lognormal spread's ``high`` bound (its 95th percentile).
Z95 = NormalDist().inv_cdf(LOGNORMAL_BOUND_PERCENTILES[1] / 100.0)


def _stream(seed: int, name: str) -> np.random.Generator:
    """The random stream of one lever under one seed (stable across runs and platforms)."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))


def _lhs_column(seed: int, name: str, n: int) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=1, rng=_stream(seed, name)).random(n)[:, 0]


def _random_column(seed: int, name: str, n: int) -> np.ndarray:
    return _stream(seed, name).random(n)


def _sobol_design(seed: int, names: tuple[str, ...], n: int) -> np.ndarray:
    from scipy.stats import qmc

    tag = zlib.crc32(",".join(names).encode())
    engine = qmc.Sobol(d=len(names), scramble=True,
                       rng=np.random.default_rng(np.random.SeedSequence([seed, tag])))
    # Balance needs a power of 2; other N take the first N points of the next power.
    return engine.random_base2(max(0, math.ceil(math.log2(n))))[:n]


_COLUMNS: Mapping[str, Callable[[int, str, int], np.ndarray]] = {
    "lhs": _lhs_column, "random": _random_column}


@lru_cache(maxsize=32)
def unit_design(seed: int, names: tuple[str, ...], n: int, method: str = DEFAULT_METHOD
                ) -> np.ndarray:
    """N independent points in the open unit hypercube, one column per lever.

    Parameters
    ----------
    seed : int
        Seed of the design.
    names : tuple of str
        The uncertain levers, one column each.
    n : int
        Number of points.
    method : {"lhs", "sobol", "random"}
        Latin hypercube (each column from the lever's own stream), scrambled
        Sobol' (one joint sequence; balanced when ``n`` is a power of 2) or plain
        Monte Carlo.

    Returns
    -------
    numpy.ndarray
        Shape (n, len(names)), read-only, in (0, 1) [1]. The same arguments give
        the same numbers.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if n < 1:
        raise ValueError(f"the number of samples must be at least 1, not {n}")
    if method == "sobol":
        design = _sobol_design(seed, names, n) if names else np.empty((n, 0))
    else:
        column = _COLUMNS[method]
        design = np.empty((n, len(names)))
        for j, name in enumerate(names):
            design[:, j] = column(seed, name, n)
    design = np.clip(design, _EDGE, 1.0 - _EDGE)
    design.flags.writeable = False
    return design


def gaussian_copula(design: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Correlate independent uniform columns through a Gaussian copula.

    Parameters
    ----------
    design : numpy.ndarray
        Shape (n, k): independent uniforms in (0, 1) [1].
    matrix : numpy.ndarray
        Shape (k, k): Pearson correlation matrix of the normal scores,
        positive semi-definite [1].

    Returns
    -------
    numpy.ndarray
        Shape (n, k): uniforms whose normal scores have correlation ``matrix``;
        each column stays uniform [1]. The first column is returned unchanged
        when ``matrix`` is positive definite (Cholesky factor).

    References
    ----------
    R. L. Iman & W. J. Conover (1982), A distribution-free approach to inducing rank
    correlation among input variables, Commun. Stat. B 11(3), 311-334.
    """
    from scipy.special import ndtr, ndtri

    try:
        factor = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:  # semi-definite (e.g. rho = ±1): use the eigenvectors
        eigenvalues, vectors = np.linalg.eigh(matrix)
        factor = vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    mixed = ndtr(ndtri(design) @ factor.T)
    return np.clip(mixed, _EDGE, 1.0 - _EDGE)


@lru_cache(maxsize=32)
def correlated_design(spec: UncertaintySpec, n: int, method: str = DEFAULT_METHOD
                      ) -> np.ndarray:
    """The design of ``spec``: :func:`unit_design` with its correlations applied.

    Returns
    -------
    numpy.ndarray
        Shape (n, len(spec.uncertain)), columns in the order of
        ``spec.uncertain``, read-only [1].
    """
    names = spec.uncertain
    design = unit_design(spec.seed, names, n, method)
    if not spec.correlations:
        return design
    design = design.copy()
    index = {name: j for j, name in enumerate(names)}
    for block, matrix in correlation_blocks(spec.correlations):
        columns = [index[name] for name in block]
        design[:, columns] = gaussian_copula(design[:, columns], matrix)
    design.flags.writeable = False
    return design


# ---------------------------------------------------------------------------------------------
# Distributions of a spread, in spread space: factors (relative) or offsets (absolute).
# Each gives its distribution function for one number (the truncation limits) and its
# inverse for an array (the design's column).


def _uniform(lo: float, mode: float, hi: float):
    def cdf(t: float) -> float:
        return min(max((t - lo) / (hi - lo), 0.0), 1.0)

    def ppf(p):
        return lo + p * (hi - lo)

    return cdf, ppf


def _loguniform(lo: float, mode: float, hi: float):
    log_lo, width = math.log(lo), math.log(hi / lo)

    def cdf(t: float) -> float:
        if t <= 0:  # factors of 0 or below have probability 0
            return 0.0
        return min(max((math.log(t) - log_lo) / width, 0.0), 1.0)

    def ppf(p):
        return np.exp(log_lo + p * width)

    return cdf, ppf


def _triangular(lo: float, mode: float, hi: float):
    width = hi - lo
    at_mode = (mode - lo) / width

    def cdf(t: float) -> float:
        if t <= lo:
            return 0.0
        if t >= hi:
            return 1.0
        if t <= mode:
            return (t - lo) ** 2 / (width * (mode - lo))
        return 1.0 - (hi - t) ** 2 / (width * (hi - mode))

    def ppf(p):
        p = np.asarray(p, dtype=float)
        rising = lo + np.sqrt(p * width * (mode - lo))
        falling = hi - np.sqrt((1.0 - p) * width * (hi - mode))
        return np.where(p < at_mode, rising, falling)

    return cdf, ppf


def _lognormal(lo: float, mode: float, hi: float):
    from scipy.special import ndtri

    mu = 0.5 * (math.log(lo) + math.log(hi))
    sigma = (math.log(hi) - math.log(lo)) / (2.0 * Z95)

    def cdf(t: float) -> float:
        if t <= 0:  # factors of 0 or below have probability 0
            return 0.0
        return 0.5 * math.erfc(-(math.log(t) - mu) / (sigma * math.sqrt(2.0)))

    def ppf(p):
        return np.exp(mu + sigma * ndtri(p))

    return cdf, ppf


_SHAPES = {"uniform": _uniform, "loguniform": _loguniform, "triangular": _triangular,
           "lognormal": _lognormal}


@lru_cache(maxsize=512)
def _spread_distribution(uncertainty: LeverUncertainty, whole: bool):
    """(cdf, ppf) of a spread in spread space; whole-number levers widened by ½ each side."""
    mode = 1.0 if uncertainty.spread == "relative" else 0.0
    lo, hi = uncertainty.low, uncertainty.high
    if whole:
        lo, hi = lo - 0.5, hi + 0.5
    return _SHAPES[uncertainty.distribution](lo, mode, hi)


def lever_values(name: str, uncertainty: LeverUncertainty, value: float,
                 u: np.ndarray | float) -> np.ndarray:
    """Map design points to values of one lever: its spread around ``value``, truncated.

    Parameters
    ----------
    name : str
        The lever.
    uncertainty : LeverUncertainty
        Its spread.
    value : float
        Its current value [lever unit].
    u : numpy.ndarray or float
        Points in (0, 1) [1]; 0.1 gives the 10th percentile.

    Returns
    -------
    numpy.ndarray
        Values inside the lever's range, whole numbers for whole-number levers,
        increasing with ``u`` when ``value`` ≥ 0 [lever unit].
    """
    param = registry.get(name)
    whole = param.kind == "int"
    u = np.asarray(u, dtype=float)
    cdf, ppf = _spread_distribution(uncertainty, whole)
    lo, hi = float(param.minimum), float(param.maximum)
    if whole:
        lo, hi = lo - 0.5, hi + 0.5
    if uncertainty.spread == "relative":
        if value == 0:
            return np.zeros_like(u)
        limits = sorted((lo / value, hi / value))
    else:
        limits = [lo - value, hi - value]
    p_lo, p_hi = cdf(limits[0]), cdf(limits[1])
    spread = ppf(p_lo + u * (p_hi - p_lo))
    x = value * spread if uncertainty.spread == "relative" else value + spread
    if whole:
        x = np.floor(x + 0.5)
    return np.clip(x, param.minimum, param.maximum)


def current_value(values: Mapping[str, Any], name: str) -> float:
    param = registry.get(name)
    value = values.get(name, param.default)
    if np.ndim(value) != 0:
        raise registry.ParameterError(
            f"{name} must hold one value to be sampled around, not {np.size(value)} samples.",
            name)
    return float(value)


def sample(values: Mapping[str, Any], spec: UncertaintySpec, n: int = DEFAULT_SAMPLES,
           method: str = DEFAULT_METHOD) -> dict[str, np.ndarray]:
    """N samples of every uncertain lever around the scenario's values.

    Parameters
    ----------
    values : Mapping[str, object]
        The scenario's lever values [lever units]; levers not given take their
        defaults.
    spec : UncertaintySpec
        Which levers are uncertain, how, and their correlations.
    n : int
        Number of samples.
    method : {"lhs", "sobol", "random"}
        Sampling design (see :func:`unit_design`).

    Returns
    -------
    dict of str to numpy.ndarray
        Shape (n,) per uncertain lever [lever unit]; row k of every array is
        sample k. Certain levers are not included.
    """
    design = correlated_design(spec, n, method)
    return {name: lever_values(name, uncertainty, current_value(values, name), design[:, j])
            for j, (name, uncertainty) in enumerate(spec.levers.items())}


def sampled_parameters(values: Mapping[str, Any], spec: UncertaintySpec,
                       n: int = DEFAULT_SAMPLES, method: str = DEFAULT_METHOD
                       ) -> dict[str, Any]:
    """The scenario's values with every uncertain lever replaced by its N samples.

    Ready for :func:`evexplorer.model.evaluate`.
    """
    params = dict(values)
    params.update(sample(values, spec, n, method))
    return params


def warm_up(spec: UncertaintySpec | None = None, n: int = DEFAULT_SAMPLES,
            method: str = DEFAULT_METHOD) -> None:
    """Import SciPy's samplers and draw the design of ``spec`` (the defaults when None).

    Importing :mod:`scipy.stats` takes a few tenths of a second the first time;
    a window calls this from a background thread at start so that the first
    band is drawn at full speed.
    """
    from .uncertainty import default_spec

    correlated_design(default_spec() if spec is None else spec, n, method)

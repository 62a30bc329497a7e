"""Percentile bands of every output: N samples of the uncertain levers, one model batch.

:func:`compute_bands` samples the uncertain levers around the scenario's values
(:mod:`evexplorer.analysis.sampling`), runs the model once on the whole batch
and returns the P10, P50 and P90 of every series, year by year, and of every
scalar. The percentiles of all outputs are computed at once
(:func:`stacked_percentiles`): the varying outputs are copied into one
(outputs × years, N) array and sorted along its contiguous axis, which is several
times faster than one :func:`numpy.percentile` call per output. Outputs that do
not depend on any uncertain lever are not sorted at all.

"Never" (NaN: a parity year never reached, a break-even never met) is ordered
after every number, so a percentile that falls among such samples is
``inf``; :attr:`Bands.never` gives the share of samples that never reach it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from ..model import SCALARS, SERIES, evaluate, registry
from .sampling import DEFAULT_METHOD, DEFAULT_SAMPLES, sampled_parameters
from .uncertainty import UncertaintyError, UncertaintySpec

#: Percentiles of a band [%].
DEFAULT_PERCENTILES: tuple[float, ...] = (10.0, 50.0, 90.0)


def stacked_percentiles(samples: Sequence[np.ndarray], q: Sequence[float]
                        ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Percentiles over the first axis of many arrays at once, "never" (NaN) ordered last.

    Parameters
    ----------
    samples : sequence of numpy.ndarray
        Arrays of shape (N, ...) with the same N; NaN means "never" [any unit].
    q : sequence of float
        Percentiles, 0-100 [%].

    Returns
    -------
    percentiles : list of numpy.ndarray
        For each input, shape (len(q), ...): linear interpolation between order
        statistics at position ``q/100 × (N − 1)``, as :func:`numpy.percentile`'s
        default; ``inf`` where the position falls among the NaN samples [unit of
        the input].
    never : list of numpy.ndarray
        For each input, shape (...): the share of samples that are NaN [1].
    """
    n = samples[0].shape[0]
    q = np.asarray(q, dtype=float)
    if np.any((q < 0) | (q > 100)):
        raise ValueError(f"percentiles must be within 0-100, not {q.tolist()}")
    position = q / 100.0 * (n - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, n - 1)
    fraction = position - below
    varying = [i for i, a in enumerate(samples) if a.shape[0] > 1 and a.strides[0] != 0]
    widths = [samples[i][0].size for i in varying]
    stacked = np.empty((sum(widths), n))
    offset = 0
    for i, width in zip(varying, widths, strict=True):
        stacked[offset:offset + width] = samples[i].reshape(n, width).T
        offset += width
    stacked.sort(axis=1)  # NaN sorts last: "never" comes after every number
    lower, upper = stacked[:, below], stacked[:, above]
    nan_rows = np.flatnonzero(np.isnan(stacked[:, -1]))
    never_rows = np.zeros(len(stacked))
    never_rows[nan_rows] = np.isnan(stacked[nan_rows]).sum(axis=1) / n
    with np.errstate(invalid="ignore"):
        lower = np.where(np.isnan(lower), np.inf, lower)
        upper = np.where(np.isnan(upper), np.inf, upper)
        rows = np.where(fraction == 0, lower, lower + fraction * (upper - lower))
        rows = np.where(np.isinf(lower) | (np.isinf(upper) & (fraction > 0)), np.inf, rows)
    out: list[np.ndarray] = []
    never: list[np.ndarray] = []
    where = {i: k for k, i in enumerate(varying)}
    starts = np.cumsum([0, *widths])
    for i, array in enumerate(samples):
        shape = array.shape[1:]
        if i in where:
            k = where[i]
            block = rows[starts[k]:starts[k + 1]]
            out.append(block.T.reshape(len(q), *shape))
            never.append(never_rows[starts[k]:starts[k + 1]].reshape(shape))
        else:  # the same in every sample
            value = np.asarray(array[0], dtype=float)
            out.append(np.broadcast_to(np.where(np.isnan(value), np.inf, value),
                                       (len(q), *shape)).copy())
            never.append(np.asarray(np.isnan(value), dtype=float))
    return out, never


@dataclass(frozen=True)
class Bands:
    """Percentiles of every output over N samples of the uncertain levers.

    Attributes
    ----------
    years : numpy.ndarray
        Years of the series, shape (n_years,) [year].
    percentiles : tuple of float
        The percentiles, e.g. (10, 50, 90) [%].
    series : Mapping[str, numpy.ndarray]
        Per series, shape (len(percentiles), n_years): row k is percentile k
        [unit in :attr:`units`]; ``inf`` where it falls among "never" samples.
    scalars : Mapping[str, numpy.ndarray]
        Per scalar output, shape (len(percentiles),), interpolated like the
        series (a parity-year percentile may fall between two years); ``inf``
        means "never".
    never : Mapping[str, numpy.ndarray]
        Per series (shape (n_years,)) and scalar (shape ()), the share of samples
        in which it is never reached (NaN) [1].
    units : Mapping[str, str]
        Unit of every output.
    n_samples : int
        Number of samples.
    seed : int
        Seed of the sampling design.
    method : str
        Sampling design (see :data:`evexplorer.analysis.sampling.METHODS`).
    varied : tuple of str
        The uncertain levers.
    model_version : str
        Version of the model equations and data.
    """

    years: np.ndarray
    percentiles: tuple[float, ...]
    series: Mapping[str, np.ndarray]
    scalars: Mapping[str, np.ndarray]
    never: Mapping[str, np.ndarray]
    units: Mapping[str, str]
    n_samples: int
    seed: int
    method: str
    varied: tuple[str, ...]
    model_version: str

    def band(self, name: str, percentile: float) -> np.ndarray:
        """One percentile of one output, e.g. ``bands.band("pack_cost", 90)``."""
        row = self.percentiles.index(float(percentile))
        return (self.series[name] if name in self.series else self.scalars[name])[row]


def check_series(names: Iterable[str] | None) -> tuple[str, ...]:
    """The series named (all when ``None``), refusing unknown names with close ones."""
    if names is None:
        return tuple(SERIES)
    names = tuple(names)
    for name in names:
        if name not in SERIES:
            raise UncertaintyError(registry.unknown_name_message(name, SERIES, "series"),
                                   name)
    return names


def compute_bands(values: Mapping[str, Any], spec: UncertaintySpec,
                  n_samples: int = DEFAULT_SAMPLES, *, series: Iterable[str] | None = None,
                  percentiles: Sequence[float] = DEFAULT_PERCENTILES,
                  method: str = DEFAULT_METHOD) -> Bands:
    """Percentile bands of the outputs of a scenario under uncertainty.

    Parameters
    ----------
    values : Mapping[str, object]
        The scenario's lever values [lever units]; levers not given take their
        defaults.
    spec : UncertaintySpec
        Which levers are uncertain, how, and their correlations.
    n_samples : int
        Number of samples (one model batch of this size).
    series : iterable of str, optional
        The series to compute bands for (all when None); fewer is faster.
        Scalars are always included.
    percentiles : sequence of float
        Percentiles to return [%].
    method : {"lhs", "sobol", "random"}
        Sampling design.

    Returns
    -------
    Bands
        The same ``values`` and ``spec`` always give the same numbers; moving one
        lever moves its own samples only (common random numbers).

    Raises
    ------
    evexplorer.model.registry.ParameterError
        For invalid lever values or an unknown series name.
    """
    names = check_series(series)
    results = evaluate(sampled_parameters(values, spec, n_samples, method))
    series_samples = [results.series[name] for name in names]
    scalar_samples = [np.asarray(results.scalars[name], dtype=float) for name in SCALARS]
    if results.n_samples is None:  # nothing is uncertain: one sample, the scenario itself
        series_samples = [a[None] for a in series_samples]
        scalar_samples = [a.reshape(1) for a in scalar_samples]
    outputs = [*series_samples, *scalar_samples]
    levels, never = stacked_percentiles(outputs, percentiles)
    frozen = [_read_only(a) for a in levels]
    never = [_read_only(a) for a in never]
    k = len(names)
    return Bands(
        years=results.years,
        percentiles=tuple(float(p) for p in percentiles),
        series=MappingProxyType(dict(zip(names, frozen[:k], strict=True))),
        scalars=MappingProxyType(dict(zip(SCALARS, frozen[k:], strict=True))),
        never=MappingProxyType({**dict(zip(names, never[:k], strict=True)),
                                **dict(zip(SCALARS, never[k:], strict=True))}),
        units=results.units,
        n_samples=n_samples,
        seed=spec.seed,
        method=method,
        varied=spec.uncertain,
        model_version=results.model_version,
    )


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array

"""Minerals: supply paths, the whole-market balance, scarcity, the price response, recycling.

Arrays of several minerals or materials carry that axis first, (M, S, T), so
that each mineral's slice is a contiguous (samples × years) block.
:func:`step` runs the functions below for the orchestrator.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy import fft, special

from . import chemistry
from ._arrays import ALL, combine, compound, inplace, matmul
from .data import CHEMISTRIES, MATERIALS
from .mineral_table import BATTERY_MINERALS, MINERALS, PRICE_LEVERS, TABLE

if TYPE_CHECKING:
    from .core import Inputs
    from .demand import Demand

_N_BATTERY = len(BATTERY_MINERALS)


def retirement_distribution(ages: ArrayLike, mean_life: ArrayLike, shape: float) -> np.ndarray:
    """Probability that a battery retires at each whole age (Weibull lifetime).

    The age-a bin holds the probability of retiring between a - 1/2 and a + 1/2
    years, with the scale set so that the mean life is ``mean_life``:

    .. math:: \\lambda = \\mu / \\Gamma(1 + 1/k),\\quad F(x) = 1 - e^{-(x/\\lambda)^k},
       \\quad p_a = F(a + \\tfrac12) - F(a - \\tfrac12)

    Parameters
    ----------
    ages : array_like
        Whole ages, shape (A,) [years], starting at 0.
    mean_life : array_like
        Mean life, scalar or shape (N, 1) [years].
    shape : float
        Weibull shape k [1].

    Returns
    -------
    numpy.ndarray
        Probabilities, shape (..., A) [1]; they sum to at most 1.

    References
    ----------
    .. [1] Xu et al. 2020, Future material demand for automotive lithium-based
       batteries, Communications Materials 1, 99 (Weibull retirement).
    """
    scale = np.asarray(mean_life, float) / special.gamma(1.0 + 1.0 / shape)
    edges = np.clip(np.asarray(ages, float) + 0.5, 0.0, None)
    x = edges / scale
    # x ** 3.5 as x^3 sqrt(x) for the usual shape: the same number, without pow
    power = x * x * x * np.sqrt(x) if shape == 3.5 else x ** shape
    upper = -np.expm1(-power)
    lower = np.concatenate([np.zeros_like(upper[..., :1]), upper[..., :-1]], axis=-1)
    return upper - lower


def retired_content(content: ArrayLike, retirement: ArrayLike) -> np.ndarray:
    """Content of the batteries retiring each year.

    A discrete convolution of each year's content with the retirement
    distribution:

    .. math:: R(t) = \\sum_{a \\ge 0} C(t - a)\\, p_a

    With one distribution for all samples it is a product with a Toeplitz
    matrix; with one per sample it is done with real FFTs. Both give the same
    numbers to round-off.

    Parameters
    ----------
    content : array_like
        Content placed on the market per year, shape (M, N or 1, T) [kt].
    retirement : array_like
        Retirement probability by age, shape (N or 1, A) with A >= T [1].

    Returns
    -------
    numpy.ndarray
        Content retiring per year, shape (M, N, T) [kt], N the larger of the
        two sample sizes.

    Examples
    --------
    One unit placed in year 0 retires as the distribution itself:

    >>> retired_content([[[1.0, 0.0, 0.0]]], [[0.1, 0.5, 0.4]]).round(12).tolist()
    [[[0.1, 0.5, 0.4]]]
    """
    content = np.asarray(content, float)
    return Convolution(retirement, content.shape[-1])(content)


#: Samples per block of the FFT convolution: a block's rows and their spectra (about 1 MB for
#: four rows) stay in the processor's cache between the forward and inverse transforms.
_FFT_BLOCK = 512


class Convolution:
    """The retirement convolution of :func:`retired_content`, its kernel prepared once.

    Parameters
    ----------
    retirement : array_like
        Retirement probability by age, shape (N or 1, A) with A >= ``n_years`` [1].
    n_years : int
        Length of the content series it will be applied to [years].
    first : int, optional
        Index of the first year whose retired content is wanted; the FFT may then
        be shorter, as the wrap-around of a circular convolution only reaches
        earlier years.

    Attributes
    ----------
    length : int
        ``n_years`` for the Toeplitz product; for one distribution per sample, the
        length of the FFT.
    """

    def __init__(self, retirement: ArrayLike, n_years: int, first: int = 0) -> None:
        retirement = np.asarray(retirement, float)
        self.n_years = n_years
        self.first = first
        if retirement.shape[0] == 1:
            ages = np.r_[retirement[0, :n_years], 0.0]  # index -1 reads the trailing 0
            lag = np.arange(n_years)[None, :] - np.arange(n_years)[:, None]
            # kernel[s, t] = p[t - s] for t >= s, else 0
            self.kernel: np.ndarray | None = ages[np.where(lag >= 0, lag, -1)]
            self.length = n_years
        else:
            self.kernel = None
            # A circular convolution of length N wraps into outputs t <= 2 (n - 1) - N.
            self.length = fft.next_fast_len(2 * n_years - 1 - first, real=True)
            self.spectrum = fft.rfft(retirement[:, :n_years], n=self.length, axis=-1)

    def __call__(self, content: np.ndarray) -> np.ndarray:
        """Retired content (M, N, ``n_years``) of content (M, N or 1, T), T >= n_years (zeros
        after ``n_years``); NaN in the years before ``first``, which are not computed."""
        content = np.asarray(content, float)
        first = self.first
        after = self.after(content[..., :first], content[..., first:self.n_years])
        out = np.full((*after.shape[:-1], self.n_years), np.nan)
        out[..., first:] = after
        return out

    def after(self, head: np.ndarray, tail: np.ndarray) -> np.ndarray:
        """Retired content in the years from ``first`` on.

        Parameters
        ----------
        head : numpy.ndarray
            Content placed in the years before ``first``, shape (M, N or 1, first) [kt].
        tail : numpy.ndarray
            Content placed in the years from ``first`` on, shape (M, N or 1, n_years - first)
            [kt].

        Returns
        -------
        numpy.ndarray
            Content retiring in the years from ``first`` on, shape (M, N, n_years - first),
            C-contiguous [kt].
        """
        if self.kernel is not None:
            return self._toeplitz(head, tail)
        return self._fft(head, tail)

    def _toeplitz(self, head: np.ndarray, tail: np.ndarray) -> np.ndarray:
        first, kernel = self.first, self.kernel
        n_out = self.n_years - first
        out = matmul(np.ascontiguousarray(tail).reshape(-1, n_out), kernel[first:, first:])
        out = out.reshape(*tail.shape[:-1], n_out)
        if first:
            early = matmul(np.ascontiguousarray(head).reshape(-1, first), kernel[:first, first:])
            out = inplace(np.add, out, early.reshape(*head.shape[:-1], n_out))
        return out

    def _fft(self, head: np.ndarray, tail: np.ndarray) -> np.ndarray:
        # The transforms run on blocks of samples, each in a buffer that holds the head, the
        # tail and the zero padding: a block stays in cache from the forward transform to the
        # inverse one. Threads (scipy.fft's workers) are not used: on the two-core machines
        # measured they saved nothing and slowed the model down when other work shared the
        # cores.
        first, n, length = self.first, self.n_years, self.length
        n_rows = max(head.shape[0], tail.shape[0])
        n_samples = max(head.shape[1], tail.shape[1], self.spectrum.shape[0])
        shared = head.shape[1] == 1 and tail.shape[1] == 1
        block = min(_FFT_BLOCK, n_samples)
        buffer = np.zeros((n_rows, 1 if shared else block, length))
        buffer[..., :first] = head if head.shape[1] == 1 else 0.0
        buffer[..., first:n] = tail if tail.shape[1] == 1 else 0.0
        # Content shared by every sample (only the lifetime is sampled): transformed once.
        content = fft.rfft(buffer, axis=-1) if shared else None
        out = np.empty((n_rows, n_samples, n - first))
        for start in range(0, n_samples, block):
            stop = min(start + block, n_samples)
            if shared:
                spectrum = content * self.spectrum[start:stop]
            else:
                part = buffer[:, :stop - start]
                if head.shape[1] > 1:
                    part[..., :first] = head[:, start:stop]
                if tail.shape[1] > 1:
                    part[..., first:n] = tail[:, start:stop]
                spectrum = fft.rfft(part, axis=-1)
                spectrum *= self.spectrum[start:stop]
            out[:, start:stop] = fft.irfft(spectrum, n=length, axis=-1)[..., first:n]
        # The FFT leaves round-off of order 1e-16 of the largest value; content is never
        # negative.
        return np.maximum(out, 0.0, out=out)


def primary_supply(years: ArrayLike, supply_years: ArrayLike, supply: ArrayLike,
                   growth: ArrayLike) -> np.ndarray:
    """Primary supply: the announced pipeline, then expansion beyond it.

    Between the years of the pipeline table supply grows geometrically (it is
    interpolated linearly in its logarithm); after the last year it grows by
    ``growth`` a year:

    .. math:: S(t) = S(t_K)\\,(1 + g)^{t - t_K}\\quad (t > t_K)

    Before the first table year it stays at the first value.

    Parameters
    ----------
    years : array_like
        Calendar years, shape (T,) [year].
    supply_years : array_like
        Years of the pipeline table, shape (Y,) [year], increasing.
    supply : array_like
        Supply per mineral and table year, shape (M, Y) [kt].
    growth : array_like
        Growth beyond the pipeline [1/yr], scalar or shape (S, 1).

    Returns
    -------
    numpy.ndarray
        Primary supply, shape (M, S, T) [kt] (S = 1 for a scalar growth).

    Examples
    --------
    >>> primary_supply([2024, 2025, 2026, 2027], [2024, 2026], [[100.0, 121.0]],
    ...                0.5).round(6).tolist()
    [[[100.0, 110.0, 121.0, 181.5]]]
    """
    path, after = _pipeline(tuple(np.asarray(years, float)), tuple(np.asarray(supply_years,
                                                                              float)),
                            tuple(map(tuple, np.asarray(supply, float))))
    return path * np.atleast_2d(compound(growth, after))[None]


@cache
def _pipeline(years: tuple[float, ...], supply_years: tuple[float, ...],
              supply: tuple[tuple[float, ...], ...]) -> tuple[np.ndarray, np.ndarray]:
    """The pipeline part of :func:`primary_supply`, (M, 1, T), and the years after it."""
    log_supply = np.log(np.array(supply))
    path = np.exp(np.stack([np.interp(years, supply_years, row) for row in log_supply]))
    after = np.maximum(np.array(years) - supply_years[-1], 0.0)
    path = path[:, None, :]
    path.flags.writeable = after.flags.writeable = False
    return path, after


def other_uses(years: ArrayLike, year0: float, demand0: ArrayLike, growth: ArrayLike
               ) -> np.ndarray:
    """Demand outside EV and stationary batteries, growing at a fixed rate.

    .. math:: O(t) = O_0 (1 + g_O)^{t - t_0}

    Parameters
    ----------
    years : array_like
        Calendar years, shape (T,) [year].
    year0 : float
        Year of ``demand0`` [year].
    demand0 : array_like
        Demand in ``year0`` per mineral, shape (M,) [kt].
    growth : array_like
        Yearly growth per mineral, shape (M,) [1/yr].

    Returns
    -------
    numpy.ndarray
        Demand, shape (M, 1, T) [kt].
    """
    elapsed = np.asarray(years, float) - year0
    rate = np.asarray(growth, float)[:, None]
    return (np.asarray(demand0, float)[:, None] * (1.0 + rate) ** elapsed)[:, None, :]


def scarcity_ramp(excess: ArrayLike, width: float) -> np.ndarray:
    """A smooth ramp: 0 below 0, the excess itself from ``width`` on.

    .. math:: r(x) = \\begin{cases} 0 & x \\le 0 \\\\ x^2 (2w - x) / w^2 & 0 < x < w \\\\
       x & x \\ge w \\end{cases}

    It is continuous with a continuous slope (0 to 1), so a small change of
    supply or demand never makes the price jump, and it never exceeds the excess.

    Parameters
    ----------
    excess : array_like
        Tightness less one: demand / supply - 1 [1].
    width : float
        Width of the smooth onset above balance [1], > 0.

    Returns
    -------
    numpy.ndarray
        Ramp [1], >= 0.

    Examples
    --------
    >>> scarcity_ramp([-0.2, 0.0, 0.025, 0.05, 0.3], 0.05).round(6).tolist()
    [0.0, 0.0, 0.01875, 0.05, 0.3]
    """
    x = np.asarray(excess, float)
    inside = np.clip(x, 0.0, width)
    inside = inside * inside * (2.0 * width - inside) / (width * width)
    # Above the onset the clipped part is w, and the excess beyond it adds on.
    return inside + np.maximum(x - width, 0.0)


def scarcity_multiplier(tightness: ArrayLike, exponent: ArrayLike, width: float) -> np.ndarray:
    """Price multiplier from market-wide tightness (the scarcity rule).

    With tightness θ = total demand / (primary + recycled supply),

    .. math:: m = \\bigl(1 + r(\\theta - 1)\\bigr)^{e}

    where r is :func:`scarcity_ramp`: prices are untouched while supply covers
    demand, rise smoothly as demand passes it, and from 1 + w on m = θ^e. The
    cap is applied together with any shock (:func:`price_multiplier`).

    Parameters
    ----------
    tightness : array_like
        Total demand over supply [1].
    exponent : array_like
        Price response e [1], >= 0.
    width : float
        Width of the smooth onset above balance [1].

    Returns
    -------
    numpy.ndarray
        Multiplier [1], >= 1.

    Examples
    --------
    >>> scarcity_multiplier([0.8, 1.0, 1.025, 1.5], 2.0, 0.05).round(6).tolist()
    [1.0, 1.0, 1.037852, 2.25]
    """
    ramp = scarcity_ramp(np.asarray(tightness, float) - 1.0, width)
    exponent = np.asarray(exponent, float)
    shape = np.broadcast_shapes(ramp.shape, exponent.shape)
    out = np.ones(shape)
    # Only where the ramp is positive; elsewhere the multiplier is exactly 1.
    return np.power(1.0 + ramp, exponent, out=out, where=np.broadcast_to(ramp > 0, shape))


def shock_multiplier(years: ArrayLike, first_year: ArrayLike, n_years: ArrayLike,
                     factor: ArrayLike) -> np.ndarray:
    """Temporary price shock: ``factor`` during [first_year, first_year + n_years).

    Parameters
    ----------
    years : array_like
        Calendar years [year].
    first_year : array_like
        First year of the shock [year].
    n_years : array_like
        Duration [years].
    factor : array_like
        Multiple of the normal price during the shock [1].

    Returns
    -------
    numpy.ndarray
        Price multiplier [1].
    """
    years = np.asarray(years, float)
    active = (years >= first_year) & (years < np.asarray(first_year) + n_years)
    return np.where(active, factor, 1.0)


def price_multiplier(scarcity: ArrayLike, shock: ArrayLike, cap: float) -> np.ndarray:
    """Scarcity and shock together, capped.

    .. math:: m = \\min(\\text{cap},\\ m_{scarcity}\\, m_{shock})

    The cap is what the levers promise: a price never exceeds ``cap`` times its
    lever, however scarce and however shocked.

    Parameters
    ----------
    scarcity : array_like
        Scarcity multiplier [1].
    shock : array_like
        Shock multiplier [1].
    cap : float
        Largest multiple [1].

    Returns
    -------
    numpy.ndarray
        Multiplier [1], at most ``cap``.

    Examples
    --------
    >>> price_multiplier([1.0, 2.6, 2.6], [3.0, 1.0, 10.0], 10.0).tolist()
    [3.0, 2.6, 10.0]
    """
    return np.minimum(np.asarray(scarcity, float) * np.asarray(shock, float), cap)


def sustained_multiplier(multiplier: ArrayLike, n_years: int) -> np.ndarray:
    """Mean price multiplier over the ``n_years`` before each year (1 before the first).

    Parameters
    ----------
    multiplier : array_like
        Price multiplier, years on the last axis [1].
    n_years : int
        Years averaged [years], >= 1.

    Returns
    -------
    numpy.ndarray
        The lagged mean [1], same shape.

    Examples
    --------
    >>> sustained_multiplier([2.0, 4.0, 1.0, 1.0], 2).tolist()
    [1.0, 1.5, 3.0, 2.5]
    """
    m = np.asarray(multiplier, float)
    n_out = m.shape[-1]
    padded = np.concatenate([np.ones((*m.shape[:-1], n_years)), m], axis=-1)
    # m[t - lag] is padded[t + n - lag]: the sum of the n lagged series, each one slice
    total = padded[..., n_years - 1:n_years - 1 + n_out].copy()
    for lag in range(2, n_years + 1):
        total += padded[..., n_years - lag:n_years - lag + n_out]
    total /= n_years
    return total


def response_fraction(sustained: ArrayLike, rate: ArrayLike, cap: float) -> np.ndarray:
    """Share of the exposed chemistries moved to the substitute (the price response).

    .. math:: \\varphi = \\min\\bigl(\\varphi_{max},\\ r \\log_2 \\max(1, \\bar m)\\bigr)

    Parameters
    ----------
    sustained : array_like
        Sustained price multiplier of the scarce mineral [1].
    rate : array_like
        Share moved per doubling of the price [1 per doubling], >= 0.
    cap : float
        Largest share moved [1].

    Returns
    -------
    numpy.ndarray
        Share moved [1], in [0, cap].

    Examples
    --------
    >>> response_fraction([1.0, 2.0, 8.0], 0.2, 0.5).tolist()
    [0.0, 0.2, 0.5]
    """
    return np.minimum(np.asarray(rate, float) * np.log2(np.maximum(sustained, 1.0)), cap)


def recycled_content(recycled: ArrayLike, battery_demand: ArrayLike) -> np.ndarray:
    """Recycled share of a material in that year's new batteries.

    Battery-grade recycled material goes back into batteries first (closed
    loop); any surplus goes to other uses, so the share is at most 1:

    .. math:: \\rho = \\min(1, Y / D_{bat})

    Parameters
    ----------
    recycled : array_like
        Material recovered from retiring batteries [kt].
    battery_demand : array_like
        Material in that year's new EV and storage batteries [kt].

    Returns
    -------
    numpy.ndarray
        Recycled content [1]; 0 where no battery needs the material.

    References
    ----------
    .. [1] Regulation (EU) 2023/1542 (recycled-content targets are stated as this share).
    """
    recycled = np.asarray(recycled, float)
    demand = np.asarray(battery_demand, float)
    share = np.zeros(np.broadcast_shapes(recycled.shape, demand.shape))
    np.divide(recycled, demand, out=share, where=demand > 0)
    return np.minimum(share, 1.0, out=share)


def herfindahl(shares: ArrayLike) -> np.ndarray:
    """Herfindahl-Hirschman index of market shares.

    .. math:: HHI = 10\\,000 \\sum_i s_i^2

    Shares left out (the fragmented rest) add nothing, so the result is a
    lower bound when the shares listed sum to less than 1.

    Parameters
    ----------
    shares : array_like
        Shares of the listed countries, last axis [1].

    Returns
    -------
    numpy.ndarray
        HHI [0-10,000].

    Examples
    --------
    >>> round(float(herfindahl([0.9])), 6)
    8100.0

    References
    ----------
    .. [1] US Department of Justice, Horizontal Merger Guidelines (HHI above
       2,500: highly concentrated).
    """
    return 1e4 * np.sum(np.square(shares), axis=-1)


def weighted_concentration(spending: ArrayLike, usd_per_unit: ArrayLike,
                           hhi: ArrayLike) -> np.ndarray:
    """Average HHI over minerals weighted by spending on each.

    .. math:: \\overline{HHI} = \\frac{\\sum_m s_m u_m H_m}{\\sum_m s_m u_m}

    Parameters
    ----------
    spending : array_like or sequence of array_like
        Quantity × price of each mineral, minerals on the first axis (or one array per
        mineral; they broadcast) [kt × price unit].
    usd_per_unit : array_like
        USD per (kt × price unit) of each mineral, shape (M,) [USD].
    hhi : array_like
        HHI per mineral, shape (M,) [0-10,000].

    Returns
    -------
    numpy.ndarray
        Weighted HHI [0-10,000]; 0 where nothing is spent.
    """
    if not isinstance(spending, np.ndarray):
        spending = np.stack(np.broadcast_arrays(*(np.asarray(s, float) for s in spending)))
    usd = np.asarray(usd_per_unit, float)
    weights = np.stack([usd * np.asarray(hhi, float), usd], axis=1)  # (M, 2)
    weighted, total = combine(weights, spending)
    if np.all(total > 0):
        return weighted / total
    return weighted / np.where(total > 0, total, 1.0)


# ---------------------------------------------------------------------------------------------
# The step


@dataclass(frozen=True)
class Minerals:
    """Output of the minerals step: one array per mineral or material, (S, T) or broadcastable.

    Materials (K) are the minerals, then copper and aluminium (see
    :data:`evexplorer.model.data.MATERIALS`); minerals (M) are the first ones.

    Attributes
    ----------
    mix : chemistry.MixPath
        The chemistry mix of EV batteries, after any price response.
    battery : numpy.ndarray
        EV battery capacity made [GWh].
    ev_content : tuple of numpy.ndarray
        Per material, its content in that year's new EV batteries (NdPr: in the
        motor magnets) [kt]; divided by ``battery`` it is the content per kWh
        [kg/kWh].
    storage_content : tuple of numpy.ndarray
        Per mineral, its content in that year's stationary storage batteries [kt].
    other_uses : tuple of numpy.ndarray
        Per mineral, demand outside EV and storage batteries [kt].
    primary : tuple of numpy.ndarray
        Per mineral, primary (mined and refined) supply [kt].
    recycled : tuple of numpy.ndarray
        Per material, recovered from retiring EV batteries [kt] (0: not recovered).
    recycled_content : tuple of numpy.ndarray
        Per material, recycled share in that year's new batteries [1].
    recycled_in_ev : numpy.ndarray
        Per material, recycled material in that year's new EV batteries, shape (K, S, T)
        [kt].
    tightness : tuple of numpy.ndarray
        Per mineral, total demand over primary plus recycled supply [1].
    multiplier : tuple of numpy.ndarray
        Per mineral, price over the price lever (scarcity and shock, capped) [1].
    price : tuple of numpy.ndarray
        Per mineral, its price [price unit of the mineral].
    spending : numpy.ndarray
        Per mineral, its content in that year's new EVs times its price, shape (M, S, T)
        [kt × price unit of the mineral].
    supply_for_evs : tuple of numpy.ndarray or None
        Per mineral, primary supply left for EVs after other uses and storage [kt]; None
        when neither it nor the mineral's shortfall is asked for.
    shortfall : tuple of numpy.ndarray or None
        Per mineral, EV demand not met by that supply and recycling [kt]; None when not
        asked for.
    """

    mix: chemistry.MixPath
    battery: np.ndarray
    ev_content: tuple[np.ndarray, ...]
    storage_content: tuple[np.ndarray, ...]
    other_uses: tuple[np.ndarray, ...]
    primary: tuple[np.ndarray, ...]
    recycled: tuple[np.ndarray, ...]
    recycled_content: tuple[np.ndarray, ...]
    recycled_in_ev: np.ndarray
    tightness: tuple[np.ndarray, ...]
    multiplier: tuple[np.ndarray, ...]
    price: tuple[np.ndarray, ...]
    spending: np.ndarray
    supply_for_evs: tuple[np.ndarray | None, ...]
    shortfall: tuple[np.ndarray | None, ...]


@cache
def _channels() -> tuple[tuple[tuple[int, ...], np.ndarray, int], ...]:
    """Price-response channels: (minerals, exposed chemistries, substitute chemistry).

    Minerals with the same substitute share a channel; the exposed chemistries
    are those that contain any of them, the substitute excepted.
    """
    from .data import load

    intensity = load().intensity
    channels = []
    for substitute in dict.fromkeys(m.substitute for m in TABLE if m.substitute):
        minerals = tuple(i for i, m in enumerate(TABLE) if m.substitute == substitute)
        s = CHEMISTRIES.index(substitute)
        exposed = (intensity[:, list(minerals)] > 0).any(axis=1).astype(float)
        exposed[s] = 0.0
        exposed.flags.writeable = False
        channels.append((minerals, exposed, s))
    return tuple(channels)


@cache
def _recoverable() -> frozenset[int]:
    """Materials recovered from batteries: a recovery lever or a positive recovery."""
    from .data import load

    return frozenset(int(k) for k in np.flatnonzero(~(load().recovery == 0)))


class _Rows:
    """What EV batteries place each year and what retires, as rows free of the mix."""

    def __init__(self, inputs: Inputs, battery: np.ndarray) -> None:
        ref = inputs.ref
        self.history = ref.history_demand
        self.battery = battery
        n = len(self.history) + battery.shape[-1]
        self.convolution = Convolution(retirement_distribution(
            np.arange(n), inputs.levers["battery_lifetime"], ref.weibull_shape), n,
            first=len(self.history))

    def __call__(self, mix: chemistry.MixPath, first: int = 0
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Rows ``first``... placed and retiring in the model years, each (R, S, T) [GWh]."""
        placed = mix.placed_rows(self.battery, first)
        head = np.zeros((len(placed), 1, len(self.history)))
        if first == 0:  # the history, at the base-year mix, is in the first row only
            head[0, 0] = self.history
        return placed, self.convolution.after(head, placed)


@dataclass(frozen=True)
class _Market:
    """What the balance needs besides the EV batteries; computed once per run."""

    other: tuple[np.ndarray, ...]  # per mineral, (1, T) [kt]
    primary: tuple[np.ndarray, ...]  # per mineral, (S, T) [kt]
    storage: tuple[np.ndarray, ...]  # per material in storage batteries, (S, T) [kt]
    rest: tuple[np.ndarray, ...]  # per mineral, storage and other uses, (S, T) [kt]
    supply_for_evs: tuple[np.ndarray | None, ...]  # per mineral, (S, T) [kt]; None: not asked
    recovery: tuple[np.ndarray, ...]  # per material: recycling rate × recovery, (S, 1) [1]
    shocked: int | None
    shock: np.ndarray | None  # (S, T) [1]; None without a shock


@cache
def _other_uses(years: tuple[float, ...]) -> np.ndarray:
    from .data import load

    ref = load()
    out = other_uses(years, ref.base_year, ref.other_uses_2024, ref.other_uses_growth)
    out.flags.writeable = False
    return out


@cache
def _storage_intensity() -> np.ndarray:
    from .data import load

    ref = load()
    out = ref.storage_mix @ ref.intensity
    out.flags.writeable = False
    return out


def _market(inputs: Inputs, demand: Demand, wanted: Container[str]) -> _Market:
    p, ref, years = inputs.levers, inputs.ref, inputs.years
    rate = p["recycling_rate"] / 100.0
    recovery = [rate * r for r in np.nan_to_num(ref.recovery)]
    recovery[MATERIALS.index("lithium")] = rate * (p["lithium_recovery"] / 100.0)
    storage = [demand.storage * c for c in _storage_intensity()]
    other = _other_uses(tuple(years))
    rest = [storage[i] + other[i] for i in range(len(MINERALS))]
    primary = primary_supply(years, ref.supply_years, ref.supply, p["supply_growth"] / 100.0)
    supply_for_evs: list[np.ndarray | None] = []
    for i, name in enumerate(MINERALS):
        if f"{name}_supply" in wanted or f"{name}_shortfall" in wanted:
            left = primary[i] - rest[i]
            supply_for_evs.append(np.maximum(left, 0.0, out=left))
        else:
            supply_for_evs.append(None)
    shocked = inputs.values["price_shock_mineral"]
    return _Market(
        other=tuple(other), primary=tuple(primary), storage=tuple(storage), rest=tuple(rest),
        supply_for_evs=tuple(supply_for_evs), recovery=tuple(recovery),
        shocked=None if shocked == "none" else MINERALS.index(shocked),
        shock=None if shocked == "none" else shock_multiplier(
            years, p["price_shock_year"], p["price_shock_years"], p["price_shock_factor"]),
    )


def _market_price(i: int, tightness: np.ndarray, inputs: Inputs, market: _Market
                  ) -> np.ndarray | None:
    """Price multiplier of mineral i (scarcity and any shock, capped); None if it is 1."""
    ref = inputs.ref
    out = None
    exponent = inputs.levers["scarcity_exponent"]
    shape = np.broadcast_shapes(tightness.shape, exponent.shape)
    if tightness.shape != shape:
        tightness = np.ascontiguousarray(np.broadcast_to(tightness, shape))
    # The multiplier is 1 wherever supply covers demand: the rule is evaluated only at the
    # (sample, year) points where it does not, often a small part of a batch.
    short = np.flatnonzero(tightness > 1.0)
    if short.size:
        if exponent.shape[0] > 1:
            exponent = exponent[short // shape[1], 0]
        part = scarcity_multiplier(tightness.ravel()[short], exponent, ref.scarcity_width)
        out = np.ones(shape)
        out.ravel()[short] = np.minimum(part, ref.scarcity_cap, out=part)
    if i == market.shocked:
        out = price_multiplier(1.0 if out is None else out, market.shock, ref.scarcity_cap)
    return out


def _balance(i: int, ev: np.ndarray, recycled: np.ndarray | None, inputs: Inputs,
             market: _Market) -> tuple[np.ndarray, np.ndarray | None]:
    """Tightness of mineral i's market and its price multiplier (None: 1)."""
    total = ev + market.rest[i]
    supply = market.primary[i] if recycled is None else market.primary[i] + recycled
    total = inplace(np.divide, total, supply)
    return total, _market_price(i, total, inputs, market)


def _response(inputs: Inputs, multiplier: dict[int, np.ndarray]) -> tuple[chemistry.Shift, ...]:
    """Shifts of the mix driven by the sustained price multipliers of the stated mix."""
    rate = inputs.levers["price_response"] / 100.0
    ref = inputs.ref
    shifts = []
    for minerals, exposed, substitute in _channels():
        drivers = [multiplier[m] for m in minerals if multiplier[m] is not None]
        if not drivers:
            continue
        driver = drivers[0]
        for other in drivers[1:]:
            driver = np.maximum(driver, other)
        driver = np.broadcast_to(driver, (driver.shape[0], len(inputs.years)))
        phi = response_fraction(sustained_multiplier(driver, ref.response_years), rate,
                                ref.response_cap)
        if np.any(phi > 0):
            shifts.append(chemistry.Shift(phi=phi, exposed=exposed, substitute=substitute))
    return tuple(shifts)


def _content(recycled: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """:func:`recycled_content`, without its guard when every demand is positive."""
    if not demand.all():
        return recycled_content(recycled, demand)
    share = recycled / demand
    return np.minimum(share, 1.0, out=share)


@cache
def _carried() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Materials in the battery cells, and those recovered from them (material indices)."""
    ndpr = MATERIALS.index("ndpr")
    return (tuple(k for k in range(len(MATERIALS)) if k != ndpr), tuple(sorted(_recoverable())))


def _placed_and_retired(coefficients: np.ndarray, placed: np.ndarray, retiring: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Content of the materials of the cells placed, and of those recovered retiring, (K, S, T)
    [kt], from the rows and their coefficients (R, K)."""
    cells, recovered = _carried()
    return (combine(coefficients[:, list(cells)], placed),
            combine(coefficients[:, list(recovered)], retiring))


def step(inputs: Inputs, demand: Demand, mix: chemistry.MixPath,
         wanted: Container[str] = ALL) -> Minerals:
    """Run the minerals step: balance every market for the EV mix, after any price response.

    With a price response, the mix answers the sustained prices that the
    minerals it watches (lithium, nickel, cobalt) would have on the stated mix
    (one round of response), and every market is balanced on the shifted mix.
    A mineral's supply left for EVs and its shortfall are computed only if
    ``{mineral}_supply`` or ``{mineral}_shortfall`` are among the series ``wanted``.
    """
    p, ref = inputs.levers, inputs.ref
    market = _market(inputs, demand, wanted)
    rows = _Rows(inputs, demand.battery)
    placed, retiring = rows(mix)
    coefficients = mix.row_coefficients(ref.intensity)  # (2, K)
    cells, recovered = _carried()
    in_cells, retired = _placed_and_retired(coefficients, placed, retiring)

    magnets = demand.ev_sales * p["ndpr_per_vehicle"]
    respond = bool(np.any(p["price_response"] > 0))

    def split(in_cells: np.ndarray, retired: np.ndarray, final: bool
              ) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Per material: content placed in EVs, and recycled from retiring EVs (None: 0).
        ``retired`` is overwritten if ``final``."""
        ev = [magnets] * len(MATERIALS)  # NdPr is in the motor magnets
        recycled: list[np.ndarray | None] = [None] * len(MATERIALS)
        for j, k in enumerate(cells):
            ev[k] = in_cells[j]
        for j, k in enumerate(recovered):
            recycled[k] = inplace(np.multiply, retired[j], market.recovery[k]) if final \
                else retired[j] * market.recovery[k]
        return ev, recycled

    ev, recycled_k = split(in_cells, retired, final=not respond)
    balanced: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
    if respond:
        watched = sorted({m for minerals_, _, _ in _channels() for m in minerals_})
        balanced = {i: _balance(i, ev[i], recycled_k[i], inputs, market) for i in watched}
        shifts = _response(inputs, {i: balanced[i][1] for i in watched})
        if shifts:
            first = mix.n_rows
            mix = mix.with_shifts(shifts)
            coefficients = mix.row_coefficients(ref.intensity)[first:]
            more_cells, more_retired = _placed_and_retired(coefficients, *rows(mix, first))
            # The retired content before the recovery is applied: recovery is linear.
            ev, recycled_k = split(inplace(np.add, in_cells, more_cells),
                                   inplace(np.add, retired, more_retired), final=True)
            balanced = {}
    content = []
    for k in range(len(MATERIALS)):
        if recycled_k[k] is None:
            recycled_k[k] = np.zeros(1)
            content.append(np.zeros(1))
        else:
            content.append(_content(recycled_k[k], ev[k] + market.storage[k]))
    in_ev = np.zeros((len(MATERIALS), *np.broadcast_shapes(*(ev[k].shape for k in recovered),
                                                          *(content[k].shape for k in recovered))))
    for k in recovered:
        np.multiply(content[k], ev[k], out=in_ev[k])
    tightness, multiplier, price, shortfall = [], [], [], []
    for i, (mineral, lever) in enumerate(zip(MINERALS, PRICE_LEVERS, strict=True)):
        rec = recycled_k[i] if i in recovered else None
        t, m = balanced.get(i) or _balance(i, ev[i], rec, inputs, market)
        tightness.append(t)
        multiplier.append(np.ones(1) if m is None else m)
        price.append(np.broadcast_to(p[lever], np.broadcast_shapes(p[lever].shape, t.shape))
                     if m is None else p[lever] * m)
        if f"{mineral}_shortfall" in wanted:
            short = ev[i] - market.supply_for_evs[i]
            if rec is not None:
                short = inplace(np.subtract, short, rec)
            shortfall.append(np.maximum(short, 0.0, out=short))
        else:
            shortfall.append(None)
    spending = np.empty((len(MINERALS), *np.broadcast_shapes(*(a.shape for a in (*ev, *price)))))
    for i in range(len(MINERALS)):
        np.multiply(ev[i], price[i], out=spending[i])
    return Minerals(
        mix=mix, battery=demand.battery, ev_content=tuple(ev),
        storage_content=market.storage[:len(MINERALS)], other_uses=market.other,
        primary=market.primary, recycled=tuple(recycled_k), recycled_content=tuple(content),
        recycled_in_ev=in_ev, tightness=tuple(tightness), multiplier=tuple(multiplier),
        price=tuple(price), spending=spending, supply_for_evs=market.supply_for_evs,
        shortfall=tuple(shortfall))

"""Minerals: recycled supply, primary supply, shocks, scarcity and concentration."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import fft, special


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
    upper = -np.expm1(-((edges / scale) ** shape))
    lower = np.concatenate([np.zeros_like(upper[..., :1]), upper[..., :-1]], axis=-1)
    return upper - lower


def retired_content(content: ArrayLike, retirement: ArrayLike) -> np.ndarray:
    """Mineral content of the batteries retiring each year.

    A discrete convolution of each year's content with the retirement
    distribution:

    .. math:: R(t) = \\sum_{a \\ge 0} C(t - a)\\, p_a

    With one distribution for all samples it is a product with a Toeplitz
    matrix; with one per sample it is done with real FFTs. Both give the same
    numbers to round-off.

    Parameters
    ----------
    content : array_like
        Content placed on the market per year, shape (N or 1, M, T) [kt].
    retirement : array_like
        Retirement probability by age, shape (N or 1, A) with A >= T [1].

    Returns
    -------
    numpy.ndarray
        Content retiring per year, shape (N, M, T) [kt], N the larger of the
        two leading sizes.
    """
    content = np.asarray(content, float)
    retirement = np.asarray(retirement, float)
    n_years = content.shape[-1]
    if retirement.shape[0] == 1:
        ages = np.r_[retirement[0, :n_years], 0.0]  # index -1 reads the trailing 0
        lag = np.arange(n_years)[None, :] - np.arange(n_years)[:, None]
        kernel = ages[np.where(lag >= 0, lag, -1)]  # kernel[s, t] = p[t - s] for t >= s, else 0
        return content @ kernel
    size = fft.next_fast_len(2 * n_years - 1, real=True)
    spectrum = fft.rfft(content, n=size, axis=-1, workers=-1)
    kernel = fft.rfft(retirement[:, :n_years], n=size, axis=-1)[:, None, :]
    if kernel.shape[0] > spectrum.shape[0]:
        # One content row shared by N distributions (only the lifetime is sampled).
        spectrum = spectrum * kernel
    else:
        spectrum *= kernel
    retired = fft.irfft(spectrum, n=size, axis=-1, workers=-1)[..., :n_years]
    # The FFT leaves round-off of order 1e-16 of the largest value; content is never negative.
    return np.maximum(retired, 0.0, out=retired)


def primary_supply_for_evs(elapsed: ArrayLike, supply0: ArrayLike, supply_growth: ArrayLike,
                           other_demand0: ArrayLike, other_growth: float) -> np.ndarray:
    """Primary supply left for EV batteries after other uses.

    .. math:: S(t) = \\max\\bigl(0,\\; S_0 (1+g_s)^{t-t_0} - D^{other}_0 (1+g_o)^{t-t_0}\\bigr)

    Parameters
    ----------
    elapsed : array_like
        Years since the base year, shape (T, 1) [years].
    supply0 : array_like
        Primary production in the base year, shape (M,) [kt].
    supply_growth : array_like
        Growth of primary supply [1/yr], scalar or shape (N, 1, 1).
    other_demand0 : array_like
        Demand outside EVs in the base year, shape (M,) [kt].
    other_growth : float
        Growth of demand outside EVs [1/yr].

    Returns
    -------
    numpy.ndarray
        Supply available to EV batteries [kt], never negative.
    """
    elapsed = np.asarray(elapsed, float)
    total = np.asarray(supply0) * (1.0 + np.asarray(supply_growth)) ** elapsed
    return np.maximum(total - np.asarray(other_demand0) * (1.0 + other_growth) ** elapsed, 0.0)


def scarcity_multiplier(demand: ArrayLike, available: ArrayLike, exponent: ArrayLike,
                        cap: float) -> np.ndarray:
    """Price multiplier when demand exceeds the supply available.

    The scarcity rule: with tightness r = demand / available,

    .. math:: m = \\min\\bigl(\\text{cap},\\; \\max(1, r)^{e}\\bigr)

    so prices are untouched while supply suffices, rise with the square of a
    deficit by default, and never exceed ``cap`` times. Demand with no supply
    at all gives ``cap``.

    Parameters
    ----------
    demand : array_like
        Demand [kt].
    available : array_like
        Supply available: primary plus recycled [kt].
    exponent : array_like
        Price response e [1], >= 0.
    cap : float
        Largest multiplier [1], >= 1.

    Returns
    -------
    numpy.ndarray
        Price multiplier [1], in [1, cap].
    """
    # Demand with (almost) no supply gives an enormous ratio, so the cap.
    ratio = np.asarray(demand, float) / np.maximum(available, 1e-12)
    exponent = np.asarray(exponent, float)
    # The exponent may have more samples than the ratio: the output takes the broadcast shape.
    shape = np.broadcast_shapes(ratio.shape, exponent.shape)
    multiplier = np.power(ratio, exponent, out=np.ones(shape), where=ratio > 1.0)
    return np.minimum(multiplier, cap, out=multiplier)


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
    spending : array_like
        Quantity × price per mineral, minerals on the last axis [kt × price unit].
    usd_per_unit : array_like
        USD per (kt × price unit) of each mineral, shape (M,) [USD].
    hhi : array_like
        HHI per mineral, shape (M,) [0-10,000].

    Returns
    -------
    numpy.ndarray
        Weighted HHI [0-10,000]; 0 where nothing is spent.
    """
    spending = np.asarray(spending, float)
    usd = np.asarray(usd_per_unit, float)
    total = spending @ usd
    return (spending @ (usd * np.asarray(hhi, float))) / np.where(total > 0, total, 1.0)

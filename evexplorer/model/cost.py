"""Battery cost: mineral materials plus an experience curve for the rest."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def experience_exponent(learning_rate: ArrayLike) -> np.ndarray:
    """Exponent b of the experience curve for a learning rate.

    .. math:: b = -\\log_2(1 - LR)

    Parameters
    ----------
    learning_rate : array_like
        Fall in cost per doubling of cumulative production [1], in [0, 1).

    Returns
    -------
    numpy.ndarray
        Experience exponent b [1].

    Examples
    --------
    >>> round(float(experience_exponent(0.18)), 3)
    0.286

    References
    ----------
    .. [1] BloombergNEF battery price survey (learning rate about 18 %).
    """
    return -np.log2(1.0 - np.asarray(learning_rate, float))


def learning_factor(cumulative: ArrayLike, cumulative_ref: float,
                    learning_rate: ArrayLike) -> np.ndarray:
    """Cost relative to the reference point on an experience curve.

    .. math:: P/P_0 = (Q/Q_0)^{-b}

    Parameters
    ----------
    cumulative : array_like
        Cumulative production [GWh].
    cumulative_ref : float
        Cumulative production at the reference cost [GWh].
    learning_rate : array_like
        Fall in cost per doubling [1].

    Returns
    -------
    numpy.ndarray
        Cost multiplier [1]; 1 - ``learning_rate`` at twice the reference volume.
    """
    b = experience_exponent(learning_rate)
    return (np.asarray(cumulative, float) / cumulative_ref) ** (-b)


def material_cost(intensity: ArrayLike, price: ArrayLike) -> np.ndarray:
    """Mineral material cost per kWh: content times price, summed over minerals.

    A price spike passes straight through: the cost is linear in each price.

    Parameters
    ----------
    intensity : array_like
        Mineral content, minerals on the last axis [kg/kWh] (lithium in kg LCE/kWh).
    price : array_like
        Prices, minerals on the last axis [USD/t] (lithium USD/t LCE).

    Returns
    -------
    numpy.ndarray
        Material cost [USD/kWh].
    """
    return np.einsum("...m,...m->...", np.asarray(intensity, float), np.asarray(price, float)) \
        / 1000.0

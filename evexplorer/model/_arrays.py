"""Small array helpers shared by the model steps."""

from __future__ import annotations

from typing import Any

import numpy as np


def inplace(ufunc: np.ufunc, a: np.ndarray, b: Any) -> np.ndarray:
    """``ufunc(a, b)``, written into ``a`` when the result has ``a``'s shape.

    Parameters
    ----------
    ufunc : numpy.ufunc
        A binary ufunc, e.g. ``numpy.add``.
    a : numpy.ndarray
        First operand; a fresh array the caller owns (it may be overwritten).
    b : array_like
        Second operand; it may have more samples than ``a``, in which case a new
        array is returned.

    Returns
    -------
    numpy.ndarray
        The result [unit of the operation].

    Examples
    --------
    >>> a = np.ones((1, 3))
    >>> inplace(np.add, a, 1.0) is a
    True
    >>> inplace(np.add, a, np.ones((2, 3))).shape
    (2, 3)
    """
    shape = np.shape(b)
    if shape == a.shape or not shape:
        return ufunc(a, b, out=a)
    if len(shape) > a.ndim or any(n != 1 and n != m for n, m in zip(shape[::-1], a.shape[::-1],
                                                                   strict=False)):
        return ufunc(a, b)
    return ufunc(a, b, out=a)


def compound(rate: Any, periods: Any) -> np.ndarray:
    """``(1 + rate) ** periods`` as ``exp(log1p(rate) * periods)``.

    The same number to round-off, at a fraction of the cost of ``pow`` for the
    model's (samples × years) arrays: the logarithm is taken once per sample.

    Parameters
    ----------
    rate : array_like
        Growth per period [1/period], > -1; e.g. shape (S, 1).
    periods : array_like
        Number of periods, e.g. years shape (T,) [periods].

    Returns
    -------
    numpy.ndarray
        The growth factor [1], broadcast shape.

    Examples
    --------
    >>> compound(np.array([[0.1], [-0.5]]), np.array([0.0, 2.0])).round(12).tolist()
    [[1.0, 1.21], [1.0, 0.25]]
    """
    return np.exp(np.log1p(np.asarray(rate, float)) * np.asarray(periods, float))

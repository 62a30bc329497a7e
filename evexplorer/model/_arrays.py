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
    if np.shape(b) and np.broadcast_shapes(a.shape, np.shape(b)) != a.shape:
        return ufunc(a, b)
    return ufunc(a, b, out=a)

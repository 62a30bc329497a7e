"""Small array helpers shared by the model steps."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np


class _Everything:
    """A container that holds every name: the default "every output is wanted"."""

    def __contains__(self, name: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ALL"


#: Every output: what a step computes unless told which outputs are wanted.
ALL = _Everything()


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


#: Largest matrix product :func:`combine` hands to BLAS in one call [multiply-adds].
#: OpenBLAS, NumPy's BLAS on Linux and Windows, runs products up to 2^18 multiply-adds on the
#: calling thread and splits larger ones across threads. On the two-core machines measured the
#: threads saved nothing when the machine was idle, and when other work shared the cores a
#: threaded product took up to ten times as long as the same product in single-thread blocks.
BLAS_BLOCK = 2**18


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for 2-D arrays, in blocks of at most :data:`BLAS_BLOCK` multiply-adds.

    The blocks split the longer of ``a``'s rows and ``b``'s columns, so that each runs on the
    calling thread (see :data:`BLAS_BLOCK`).

    Parameters
    ----------
    a : numpy.ndarray
        Shape (X, J) [any unit].
    b : numpy.ndarray
        Shape (J, Y) [any unit].

    Returns
    -------
    numpy.ndarray
        Shape (X, Y), C-contiguous [product of the units].

    Examples
    --------
    >>> matmul(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]))
    array([[11.]])
    """
    (x, j), y = a.shape, b.shape[1]
    out = np.empty((x, y))
    if x >= y:
        step = max(1, BLAS_BLOCK // max(1, j * y))
        for start in range(0, x, step):
            np.matmul(a[start:start + step], b, out=out[start:start + step])
    else:
        step = max(1, BLAS_BLOCK // max(1, j * x))
        for start in range(0, y, step):
            np.matmul(a, b[:, start:start + step], out=out[:, start:start + step])
    return out


def combine(coefficients: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Linear combinations of rows: ``out[k] = Σ_r coefficients[r, k] rows[r]``.

    One matrix product (:func:`matmul`) instead of a multiplication and an addition per row
    and combination: for the model's two to six rows and seven materials over (samples ×
    years) arrays it reads the rows once instead of once per material.

    Parameters
    ----------
    coefficients : numpy.ndarray
        Shape (R, K) [unit of the combination per unit of the rows].
    rows : numpy.ndarray
        Shape (R, ...) [any unit].

    Returns
    -------
    numpy.ndarray
        Shape (K, ...), C-contiguous [unit of the combination]; the same numbers as the sums
        of products to round-off (the order of the additions may differ).

    Examples
    --------
    >>> combine(np.array([[1.0, 2.0], [10.0, 0.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[31., 42.],
           [ 2.,  4.]])
    """
    n_rows, n_out = coefficients.shape
    left = np.ascontiguousarray(np.transpose(coefficients), dtype=float)
    out = matmul(left, np.ascontiguousarray(rows).reshape(n_rows, -1))
    return out.reshape(n_out, *rows.shape[1:])


@cache
def _ones_above(n: int, strict: bool) -> np.ndarray:
    out = np.triu(np.ones((n, n)), k=1 if strict else 0)
    out.flags.writeable = False
    return out


def running_sum(values: Any, exclusive: bool = False) -> np.ndarray:
    """Running sum along the last axis: ``numpy.cumsum``, or the sum before each element.

    A product with a triangle of ones (:func:`matmul`): NumPy's ``cumsum`` walks a short
    last axis element by element, and takes about twice as long for the model's
    (samples × years) arrays.

    Parameters
    ----------
    values : array_like
        Values, summed along the last axis [any unit].
    exclusive : bool, optional
        Sum the elements before each one only (0 for the first).

    Returns
    -------
    numpy.ndarray
        Running sums, the shape of ``values`` [same unit]; the same numbers as
        ``numpy.cumsum`` to round-off.

    Examples
    --------
    >>> running_sum([1.0, 2.0, 3.0]).tolist(), running_sum([1.0, 2.0, 3.0], True).tolist()
    ([1.0, 3.0, 6.0], [0.0, 1.0, 3.0])
    """
    values = np.asarray(values, float)
    n = values.shape[-1]
    flat = np.ascontiguousarray(values).reshape(-1, n)
    return matmul(flat, _ones_above(n, exclusive)).reshape(values.shape)

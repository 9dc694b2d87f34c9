"""One pass over the rows: per-PSU and per-cell sufficient statistics.

Almost every estimator of govstats is a function of a few sums over rows taken
within first-stage PSUs (or within calibration cells): weighted totals
``sum_{i in p} w_i v_i`` and weighted cross-products ``sum_{i in p} w_i z_i z_i'``.
The functions here compute those sums in one pass over the rows; everything
after them (variances, every replicate, the equations of the chain, the cascade,
calibration residuals) costs PSUs x replicates x p^2 and is independent of n.

Contract, for every function of this module:

* **Pure.** Arrays in, arrays out. No pandas, no design object, no global state;
  the inputs are never modified.
* **Additive over row blocks.** Each output is a sum over rows of a per-row term
  placed in the row's group (PSU or cell), so for any split of the rows into
  blocks ``B_1 .. B_m`` that keep their group codes,
  ``f(all rows) == f(B_1) + ... + f(B_m)`` -- the same sums, only added in another
  order (equal to the last bits of floating-point rounding). A partitioned
  computation (the Dask path) maps these functions over the partitions with the
  *global* codes and ``n_groups`` and adds the results; no partition needs to see
  another's rows and no PSU needs to lie in one partition.
* **No n x B or n x p^2 temporaries.** Memory beyond the inputs is at most one
  column-major copy of the (n, q) matrix (only when rows are not already grouped)
  plus a block of ``ROW_BLOCK`` rows.

Rows need not be sorted by PSU. When they are (the usual layout of survey files),
the per-PSU cross-products are one small BLAS product per PSU on contiguous rows;
otherwise the rows are put in PSU order once, by a stable sort.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ROW_BLOCK",
    "cell_sums",
    "group_segments",
    "packed_index",
    "psu_crossproducts",
    "psu_sums",
    "unpack",
]

#: Rows handled at once where per-row temporaries are needed (bounded memory).
ROW_BLOCK = 16_384
#: Mean rows per group below which the per-group BLAS loop gives way to row blocks.
_MIN_ROWS_PER_GROUP = 48


def packed_index(q: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the packed upper triangle of a (q, q) matrix.

    Parameters
    ----------
    q : int
        Size of the square matrix.

    Returns
    -------
    tuple of ndarray
        ``np.triu_indices(q)``: the order of the ``q (q + 1) / 2`` packed entries.

    Examples
    --------
    >>> [a.tolist() for a in packed_index(2)]
    [[0, 0, 1], [0, 1, 1]]
    """
    return np.triu_indices(q)


def unpack(packed: np.ndarray, q: int) -> np.ndarray:
    """Packed upper triangles (..., q(q+1)/2) -> symmetric matrices (..., q, q).

    Examples
    --------
    >>> unpack(np.array([1.0, 2.0, 3.0]), 2).tolist()
    [[1.0, 2.0], [2.0, 3.0]]
    """
    rows, cols = packed_index(q)
    full = np.empty((*packed.shape[:-1], q, q))
    full[..., rows, cols] = packed
    full[..., cols, rows] = packed
    return full


def group_segments(codes: np.ndarray, n_groups: int) -> tuple[np.ndarray | None, np.ndarray]:
    """Row order that groups the rows, and the boundaries of every group.

    Parameters
    ----------
    codes : ndarray of int, shape (n,)
        Group (PSU or cell) of every row, ``0 .. n_groups - 1``.
    n_groups : int

    Returns
    -------
    order : ndarray of int64, shape (n,), or None
        ``None`` when the rows are already grouped in increasing code order (no copy
        needed); otherwise a stable permutation that groups them.
    bounds : ndarray of int64, shape (n_groups + 1,)
        Group ``g`` occupies positions ``bounds[g]:bounds[g + 1]`` of the ordered rows.

    Examples
    --------
    >>> order, bounds = group_segments(np.array([1, 0, 1]), 2)
    >>> order.tolist(), bounds.tolist()
    ([1, 0, 2], [0, 1, 3])
    """
    codes = np.asarray(codes)
    counts = np.bincount(codes, minlength=n_groups)
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    if codes.size < 2 or bool(np.all(codes[1:] >= codes[:-1])):
        return None, bounds
    # a stable sort of 16-bit keys is a radix sort: linear in n
    keys = codes.astype(np.uint16) if n_groups <= 1 << 16 else codes
    return np.argsort(keys, kind="stable"), bounds


def _column_major(matrix: np.ndarray, order: np.ndarray | None) -> np.ndarray:
    """(n, q) float64 in Fortran order, rows taken in ``order`` (a copy only when needed)."""
    if order is None:
        return np.asfortranarray(matrix, dtype=np.float64)
    out = np.empty(matrix.shape, dtype=np.float64, order="F")
    if matrix.flags.f_contiguous:
        for j in range(matrix.shape[1]):
            np.take(matrix[:, j], order, out=out[:, j])
    else:  # row-major input: gather whole rows a block at a time
        for lo in range(0, matrix.shape[0], ROW_BLOCK):
            out[lo : lo + ROW_BLOCK] = matrix[order[lo : lo + ROW_BLOCK]]
    return out


def psu_crossproducts(
    z: np.ndarray, weights: np.ndarray, psu_index: np.ndarray, n_psu: int
) -> np.ndarray:
    """Per-PSU weighted cross-products ``sum_{i in p} w_i z_i z_i'``, packed.

    Parameters
    ----------
    z : ndarray, shape (n, q)
        Data matrix; rows with zero weight may hold anything finite.
    weights : ndarray, shape (n,)
        Analysis weights (zero outside a domain).
    psu_index : ndarray of int, shape (n,)
        PSU (or any group) code of every row, ``0 .. n_psu - 1``.
    n_psu : int
        Number of groups.

    Returns
    -------
    ndarray, shape (n_psu, q (q + 1) / 2)
        Upper triangles in :func:`packed_index` order. Additive over row blocks.

    Notes
    -----
    Rows are taken in PSU order (no copy when the data are already grouped) from a
    column-major matrix; each PSU is one ``(Z_p * w_p)' Z_p`` BLAS product. When
    PSUs are tiny (single rows, as a DataFrame without clusters) the products are
    formed for blocks of ``ROW_BLOCK`` rows and summed per group with
    ``np.add.reduceat``.

    Examples
    --------
    >>> z = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 5.0]])
    >>> psu_crossproducts(z, np.ones(3), np.array([0, 0, 1]), 2).tolist()
    [[2.0, 5.0, 13.0], [1.0, 5.0, 25.0]]
    """
    z = np.asarray(z)
    if z.ndim == 1:
        z = z[:, None]
    w = np.asarray(weights, dtype=np.float64)
    codes = np.asarray(psu_index)
    q = z.shape[1]
    rows, cols = packed_index(q)
    order, bounds = group_segments(codes, n_psu)
    out = np.zeros((n_psu, rows.size))
    if z.shape[0] == 0:
        return out
    if z.shape[0] >= _MIN_ROWS_PER_GROUP * n_psu:
        from threadpoolctl import threadpool_limits

        zs = _column_major(z, order)
        ws = w if order is None else w[order]
        # products of (rows, q) blocks are too small to share between BLAS threads:
        # waking threads costs more than the product (10x on a busy machine)
        with threadpool_limits(1, user_api="blas"):
            for g in range(n_psu):
                lo, hi = bounds[g], bounds[g + 1]
                if hi > lo:
                    block = zs[lo:hi]
                    out[g] = ((block * ws[lo:hi, None]).T @ block)[rows, cols]
        return out
    # small groups: blocks of rows, per-row products summed within group runs
    for lo in range(0, z.shape[0], ROW_BLOCK):
        idx = slice(lo, lo + ROW_BLOCK) if order is None else order[lo : lo + ROW_BLOCK]
        block = np.asarray(z[idx], dtype=np.float64)
        products = block[:, rows] * (block[:, cols] * w[idx][:, None])
        _add_runs(out, codes[idx], products)
    return out


def _add_runs(out: np.ndarray, codes: np.ndarray, values: np.ndarray) -> None:
    """``out[codes[i]] += values[i]`` for grouped ``codes`` (runs of equal codes)."""
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    out[codes[starts]] += np.add.reduceat(values, starts, axis=0)


def psu_sums(
    values: np.ndarray, weights: np.ndarray | None, psu_index: np.ndarray, n_psu: int
) -> np.ndarray:
    """Per-PSU weighted totals ``sum_{i in p} w_i v_i`` -> (n_psu, p).

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, p)
    weights : ndarray, shape (n,), or None
        ``None`` sums the values themselves.
    psu_index : ndarray of int, shape (n,)
    n_psu : int

    Returns
    -------
    ndarray, shape (n_psu, p)
        Additive over row blocks.

    Examples
    --------
    >>> psu_sums(np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 2.0]),
    ...          np.array([0, 1, 1]), 2).tolist()
    [[1.0], [10.0]]
    """
    return cell_sums(values, psu_index, n_psu, weights)


def cell_sums(
    values: np.ndarray, codes: np.ndarray, n_cells: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Column sums of ``values`` (times ``weights``) within cells -> (n_cells, p).

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, p)
    codes : ndarray of int, shape (n,)
        Cell of every row, ``0 .. n_cells - 1``.
    n_cells : int
    weights : ndarray, shape (n,), optional

    Returns
    -------
    ndarray, shape (n_cells, p)
        One ``np.bincount`` pass per column. Additive over row blocks.

    Examples
    --------
    >>> cell_sums(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 1]), 2).tolist()
    [[0.0, 0.0], [4.0, 6.0]]
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    out = np.empty((n_cells, v.shape[1]))
    for j in range(v.shape[1]):
        column = v[:, j] if weights is None else v[:, j] * weights
        out[:, j] = np.bincount(codes, weights=column, minlength=n_cells)
    return out

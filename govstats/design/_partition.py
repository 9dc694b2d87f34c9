"""Array kernels for partitioned data: per-(PSU, cell, domain) sums that add over row blocks.

Every function here takes and returns numpy arrays and knows nothing of pandas or
dask. A data set split into row blocks (partitions) is summarised block by block;
the summaries are *additive*: the summary of the union of two blocks is the sum of
their summaries (:func:`merge`), whatever the order of the rows or how a PSU's rows
are split across blocks. Design-based estimators are smooth functions of these
sums, so estimates computed from partition summaries equal the in-memory ones up to
the order of floating-point additions.

A summary is held sparsely as a :class:`BinSums`: the integer key of every
non-empty bin (PSU code, calibration cell, domain code) and the column sums of the
row values in that bin. Domain codes are local to the block that made the summary
and are translated to global codes with the block's domain labels when summaries
are merged (so no pass is needed to discover the domains first).

Per-PSU weighted cross-products are :func:`govstats.design._kernel.psu_crossproducts`
(the in-memory kernel, additive over row blocks); this module adds only what the
kernel does not have: sparse bins of (PSU, cell, domain) whose domain labels are found
block by block.

Symbols: ``w`` analysis weights, ``v`` row values (an (n, m) matrix whose columns
the estimator chose: weights, weighted values, unweighted values, squares),
``p`` PSU, ``c`` calibration cell, ``d`` domain (``-1``: outside every domain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BinSums",
    "bin_sums",
    "dense",
    "merge",
]


@dataclass(frozen=True)
class BinSums:
    """Sparse sums of row values over (PSU, cell, domain) bins.

    Attributes
    ----------
    keys : ndarray of int64, shape (b, 3)
        ``(psu, cell, domain)`` of every non-empty bin; ``domain`` indexes
        :attr:`labels` (``-1``: rows outside every domain).
    sums : ndarray of float64, shape (b, m)
        Column sums of the row values in every bin.
    labels : tuple of tuple
        The ``by`` values of every domain code used in :attr:`keys`.
    """

    keys: np.ndarray
    sums: np.ndarray
    labels: tuple[tuple[object, ...], ...]


def bin_sums(
    psu: np.ndarray,
    cell: np.ndarray,
    domain: np.ndarray,
    labels: Sequence[tuple[object, ...]],
    values: np.ndarray | Sequence[np.ndarray],
) -> BinSums:
    """Sum the rows of ``values`` within (PSU, cell, domain) bins.

    Parameters
    ----------
    psu, cell, domain : ndarray of int64, shape (n,)
        Bin coordinates of every row (``domain`` may be -1).
    labels : sequence of tuple
        Domain labels of the codes ``0..len(labels)-1``.
    values : ndarray of float64, shape (n, m), or sequence of m arrays of shape (n,)
        Row values (no NaN: the caller zeroes or routes missing rows). A sequence of
        contiguous columns avoids copying them into one matrix.

    Returns
    -------
    BinSums
        Only the non-empty bins.
    """
    columns = (
        [values[:, j] for j in range(values.shape[1])]
        if isinstance(values, np.ndarray)
        else list(values)
    )
    n_cell = int(cell.max(initial=0)) + 1
    n_dom = len(labels) + 1
    key = (psu.astype(np.int64) * n_cell + cell) * n_dom + (domain + 1)
    n_keys = (int(psu.max(initial=0)) + 1) * n_cell * n_dom
    if n_keys <= 2 * key.size + 65536:
        # few bins for the rows: dense sums, then keep the non-empty bins
        occupied = np.bincount(key, minlength=n_keys)
        uniq = np.flatnonzero(occupied)
        out = np.empty((uniq.size, len(columns)))
        for j, column in enumerate(columns):
            out[:, j] = np.bincount(key, weights=column, minlength=n_keys)[uniq]
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
        out = np.empty((uniq.size, len(columns)))
        for j, column in enumerate(columns):
            out[:, j] = np.bincount(inverse, weights=column, minlength=uniq.size)
    keys = np.column_stack([uniq // (n_cell * n_dom), (uniq // n_dom) % n_cell, uniq % n_dom - 1])
    return BinSums(keys.astype(np.int64), out, tuple(labels))


def merge(parts: Sequence[BinSums]) -> BinSums:
    """Add summaries of disjoint row blocks (associative and commutative up to rounding)."""
    labels: dict[tuple[object, ...], int] = {}
    keys, sums = [], []
    for part in parts:
        if part.sums.shape[0] == 0:
            continue
        remap = np.array([labels.setdefault(lab, len(labels)) for lab in part.labels] + [-1])
        k = part.keys.copy()
        k[:, 2] = remap[k[:, 2]]  # -1 indexes the appended -1
        keys.append(k)
        sums.append(part.sums)
    width = next((s.shape[1] for s in sums), parts[0].sums.shape[1] if parts else 0)
    if not keys:
        return BinSums(np.zeros((0, 3), dtype=np.int64), np.zeros((0, width)), ())
    all_keys = np.vstack(keys)
    all_sums = np.vstack(sums)
    uniq, inverse = np.unique(all_keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    out = np.empty((uniq.shape[0], width))
    for j in range(width):
        out[:, j] = np.bincount(inverse, weights=all_sums[:, j], minlength=uniq.shape[0])
    return BinSums(uniq.astype(np.int64), out, tuple(labels))


def dense(
    part: BinSums, n_psu: int, n_cell: int, domain_order: Sequence[tuple[object, ...]]
) -> np.ndarray:
    """Lay merged sums out as an (n_psu, n_cell, n_domains + 1, m) array.

    Domain ``d`` of the output is ``domain_order[d]``; the last slot holds the rows
    outside every domain.
    """
    index = {lab: i for i, lab in enumerate(domain_order)}
    n_dom = len(domain_order)
    remap = np.array([index[lab] for lab in part.labels] + [n_dom], dtype=np.int64)
    out = np.zeros((n_psu, n_cell, n_dom + 1, part.sums.shape[1]))
    k = part.keys
    np.add.at(out, (k[:, 0], k[:, 1], remap[k[:, 2]]), part.sums)
    return out

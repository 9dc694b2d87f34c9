"""Scale scores and Cronbach's alpha on item matrices (NaN = missing)."""

from __future__ import annotations

import numpy as np


def scale_mean(items: np.ndarray, min_valid: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the valid items of each row, NaN where fewer than ``min_valid`` are valid.

    Parameters
    ----------
    items : ndarray, shape (n, k)
        Item values, NaN where missing.
    min_valid : int
        Minimum number of valid items for a score.

    Returns
    -------
    score : ndarray, shape (n,)
    n_valid : ndarray of int, shape (n,)
    """
    valid = ~np.isnan(items)
    n_valid = valid.sum(axis=1)
    total = np.where(valid, items, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = total / n_valid
    return np.where(n_valid >= min_valid, score, np.nan), n_valid


def cronbach_alpha(items: np.ndarray) -> tuple[float, int]:
    """Cronbach's alpha on the rows with every item valid (listwise).

    ``alpha = k / (k - 1) * (1 - sum(var_j) / var(sum_j))`` with sample variances
    (ddof = 1), as R ``psych::alpha`` (raw alpha) and Stata ``alpha``.

    Returns
    -------
    alpha : float
        NaN when fewer than two items or two complete rows.
    n_complete : int
    """
    complete = items[~np.isnan(items).any(axis=1)]
    n, k = complete.shape
    if k < 2 or n < 2:
        return float("nan"), int(n)
    item_var = complete.var(axis=0, ddof=1).sum()
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan"), int(n)
    return float(k / (k - 1) * (1.0 - item_var / total_var)), int(n)

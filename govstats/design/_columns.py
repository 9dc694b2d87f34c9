"""Turn analysis columns of a DataFrame into float matrices, factor indicators and domain codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govstats.design._structure import as_list, check_columns
from govstats.errors import DataError, DesignError


@dataclass(frozen=True)
class Columns:
    """Analysis columns as a float matrix.

    Attributes
    ----------
    matrix : ndarray, shape (n, m)
        One column per numeric variable and per level of a factor; NaN where missing.
    variable : tuple of str, length m
        Source column of every matrix column.
    level : tuple of (str or None), length m
        Factor level of every matrix column (``None`` for numeric variables).
    """

    matrix: np.ndarray
    variable: tuple[str, ...]
    level: tuple[str | None, ...]


def is_factor(series: pd.Series) -> bool:
    """Whether a column is categorical (pandas Categorical, text or object)."""
    return isinstance(series.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
    )


def factor_levels(series: pd.Series) -> list[object]:
    """Levels of a factor column in R order: categories as declared, else sorted values."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(series.cat.categories)
    return sorted(pd.unique(series.dropna()).tolist(), key=str)


def expand(
    data: pd.DataFrame,
    variables: str | Sequence[str],
    *,
    text_as_factor: bool,
    role: str = "analysis",
) -> Columns:
    """Analysis matrix of ``variables``: numeric columns as they are, factors as indicators.

    ``text_as_factor=False`` rejects text columns (only pandas Categoricals become
    indicators), so that ``mean`` of a free-text column is an error, not a surprise.
    """
    names = as_list(variables)
    if not names:
        raise DataError(f"no {role} variable given; name at least one column.")
    check_columns(data, names, role)
    blocks: list[np.ndarray] = []
    var: list[str] = []
    lev: list[str | None] = []
    for name in names:
        series = data[name]
        if pd.api.types.is_bool_dtype(series) or (
            pd.api.types.is_numeric_dtype(series)
            and not isinstance(series.dtype, pd.CategoricalDtype)
        ):
            blocks.append(series.to_numpy(dtype=np.float64, na_value=np.nan)[:, None])
            var.append(name)
            lev.append(None)
            continue
        if not (isinstance(series.dtype, pd.CategoricalDtype) or text_as_factor):
            raise DataError(
                f"column {name!r} is not numeric (dtype {series.dtype}); a mean or total needs "
                f"numbers. Use proportion({name!r}) for the share of each of its values, or "
                f"convert it with data[{name!r}].astype('category') to treat it as a factor."
            )
        levels = factor_levels(series)
        values = series.to_numpy(dtype=object)
        missing = pd.isna(series).to_numpy()
        block = np.empty((len(series), len(levels)))
        for j, value in enumerate(levels):
            block[:, j] = values == value
        block[missing] = np.nan
        blocks.append(block)
        var.extend([name] * len(levels))
        lev.extend(str(v) for v in levels)
    return Columns(np.hstack(blocks), tuple(var), tuple(lev))


def check_missing(
    columns: Columns, active: np.ndarray, na_rm: bool, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """Rows used and the matrix with missing values zeroed.

    Without ``na_rm`` a missing value in an active row raises :class:`DataError`
    naming the column and the count; with it those rows leave the domain (R
    ``na.rm=TRUE``: the design is kept, the rows get zero weight).
    """
    nan = np.isnan(columns.matrix)
    if not nan.any():  # the common case: no copy of the matrix, no second pass
        if not active.any():
            raise DesignError(
                f"no rows left to estimate from {where} after removing missing values in "
                f"{sorted(set(columns.variable))}."
            )
        return active, columns.matrix
    missing = nan & active[:, None]
    if missing.any():
        if not na_rm:
            counts: dict[str, int] = {}
            for j, name in enumerate(columns.variable):
                counts[name] = max(counts.get(name, 0), int(missing[:, j].sum()))
            shown = ", ".join(f"{k!r} ({v} missing)" for k, v in counts.items() if v)
            raise DataError(
                f"missing values in {shown} among the {int(active.sum())} rows {where}; pass "
                "na_rm=True to leave those rows out of the estimate (the design is kept, as R's "
                "na.rm=TRUE), or impute them first."
            )
        active = active & ~missing.any(axis=1)
    matrix = np.where(nan, 0.0, columns.matrix)
    if not active.any():
        raise DesignError(
            f"no rows left to estimate from {where} after removing missing values in "
            f"{sorted(set(columns.variable))}."
        )
    return active, matrix


def domain_codes(
    data: pd.DataFrame, by: str | Sequence[str] | None, active: np.ndarray
) -> tuple[np.ndarray, list[tuple[object, ...]], list[str]]:
    """Domain code of every row (-1 outside all domains), the domain labels and by names.

    Domains are the observed combinations of the ``by`` columns among active rows,
    sorted as R ``svyby`` does; rows with a missing ``by`` value are in no domain.
    """
    names = as_list(by)
    n = len(data)
    if not names:
        return np.where(active, 0, -1).astype(np.int64), [()], []
    check_columns(data, names, "by")
    combined = np.zeros(n, dtype=np.int64)
    valid = active.copy()
    uniques_all = []
    for name in names:
        codes, uniques = factorize_sorted(data[name])
        valid &= codes >= 0
        combined = codes if len(names) == 1 else combined * (len(uniques) + 1) + codes
        uniques_all.append(uniques)
    if not valid.any():
        raise DesignError(f"no rows with non-missing {names} in the design's domain.")
    if len(names) == 1 and valid.all():
        # one column seen in every row: its sorted codes are the domains
        return combined, [(_plain(v),) for v in uniques_all[0]], names
    out = np.full(n, -1, dtype=np.int64)
    size = int(combined.max()) + 1
    if size <= 4 * n + 1024:
        # a dense table of the combinations; rows outside the domain go to a last slot
        # (no boolean indexing of the rows)
        slot = np.where(valid, combined, size)
        observed = np.bincount(slot, minlength=size + 1)[:size]
        keys = np.flatnonzero(observed)
        lookup = np.full(size + 1, -1, dtype=np.int64)
        lookup[keys] = np.arange(keys.size)
        out = lookup[slot]
    else:  # many sparse combinations: hash instead of a dense table
        codes, keys = pd.factorize(combined[valid], sort=True)
        out[valid] = codes
    labels: list[tuple[object, ...]] = []
    for key in keys:
        parts = []
        for uniques in reversed(uniques_all):
            parts.append(uniques[int(key % (len(uniques) + 1))])
            key //= len(uniques) + 1
        labels.append(tuple(_plain(v) for v in reversed(parts)))
    return out, labels, names


def factorize_sorted(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(series, sort=True)``; integer columns by a counting pass, not a hash.

    Returns
    -------
    codes : ndarray of int64, shape (n,)
        Code of every row's value in ``uniques`` (-1 for a missing value).
    uniques : ndarray
        The distinct values, sorted.

    Examples
    --------
    >>> codes, uniques = factorize_sorted(pd.Series([30, 10, 30]))
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, 1], [10, 30])
    """
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu" and len(series):
        values = series.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * values.shape[0] + 1024:
            shifted = (
                values.astype(np.int64, copy=False)
                if low == 0
                else (values - low).astype(np.int64, copy=False)
            )
            present = np.bincount(shifted) > 0
            uniques = (np.flatnonzero(present) + low).astype(dtype)
            if present.all():  # every value in the range occurs: the codes are the offsets
                codes = shifted.view()  # may share the column's memory: never written to
                codes.flags.writeable = False
                return codes, uniques
            lookup = np.cumsum(present) - 1
            return lookup[shifted], uniques
    hashed, distinct = pd.factorize(series, sort=True)
    return np.asarray(hashed, dtype=np.int64), np.asarray(distinct)


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value

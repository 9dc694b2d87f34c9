"""Turn analysis columns of a DataFrame into float matrices and factor indicators.

Which columns are factors, and in what level order, is :mod:`govstats.design.categorical`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govstats.design._guards import check_distinct_labels, check_value_scale
from govstats.design._structure import as_list, check_columns
from govstats.design.categorical import factor_levels, group_codes, is_categorical
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
        if not is_categorical(series):
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
        check_distinct_labels(name, levels)
        values = series.to_numpy(dtype=object)
        missing = pd.isna(series).to_numpy()
        block = np.empty((len(series), len(levels)))
        for j, value in enumerate(levels):
            block[:, j] = values == value
        block[missing] = np.nan
        blocks.append(block)
        var.extend([name] * len(levels))
        lev.extend(str(v) for v in levels)
    matrix = np.hstack(blocks)
    check_value_scale(matrix, var)
    return Columns(matrix, tuple(var), tuple(lev))


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


#: Domain codes of ``by`` columns (see :func:`govstats.design.categorical.group_codes`).
domain_codes = group_codes

"""The one rule for categorical variables, shared by design, calibration, chain and gaps.

- A ``bool`` column is numeric (0/1; its mean is the share of ``True``).
- A pandas ``Categorical`` is a factor whose levels keep their declared order.
- A text or object column is a factor with its levels sorted: numerically when
  every value is a number (``[2, 10, 9]`` gives ``2, 9, 10``, as R's ``factor()``),
  otherwise as text. A column that mixes numbers with text (``1`` and ``"1"``)
  is an error naming the column: the two would otherwise be two levels that
  print the same.
- Any other numeric column is numeric.

Examples
--------
>>> import pandas as pd
>>> factor_levels(pd.Series([2, 10, 9], dtype=object))
[2, 9, 10]
>>> is_categorical(pd.Series([True, False]))
False
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from govstats.errors import DataError, DesignError

__all__ = [
    "as_numeric_frame",
    "factor_levels",
    "factorize_sorted",
    "group_codes",
    "is_categorical",
]


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool | np.bool_)


def _all_bool(values: Sequence[object]) -> bool:
    return len(values) > 0 and all(isinstance(v, bool | np.bool_) for v in values)


def is_categorical(series: pd.Series) -> bool:
    """Whether a column is a factor under the one rule (Categorical, text or object).

    Examples
    --------
    >>> import pandas as pd
    >>> is_categorical(pd.Series(["a", "b"])), is_categorical(pd.Series([1.0, 2.0]))
    (True, False)
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return False
    # an object column of Python bools (with missing values) is still a bool column
    return not _all_bool(pd.unique(series.dropna()).tolist())


def factor_levels(series: pd.Series, *, observed: bool = False) -> list[object]:
    """Levels of a factor column under the one rule, in R's order.

    Parameters
    ----------
    series : pandas.Series
        A categorical, text or object column.
    observed : bool, default False
        Keep only levels that occur (a Categorical may declare unused ones).

    Returns
    -------
    list
        Declared categories of a Categorical; otherwise the distinct values,
        sorted numerically when all are numbers, else as text.

    Raises
    ------
    DataError
        The column mixes numbers and text.

    Examples
    --------
    >>> import pandas as pd
    >>> factor_levels(pd.Series(["b", "a", "b"]))
    ['a', 'b']
    >>> factor_levels(pd.Categorical(["lo", "hi"], categories=["lo", "mid", "hi"]))
    ['lo', 'mid', 'hi']
    """
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = [_plain(c) for c in series.cat.categories]
        if observed:
            present = set(series.dropna().unique().tolist())
            return [c for c in categories if c in present]
        return categories
    values = [_plain(v) for v in pd.unique(series.dropna())]
    numeric = [_is_number(v) for v in values]
    if all(numeric):
        return sorted(values)  # type: ignore[type-var]
    if any(numeric):
        number = next(v for v, n in zip(values, numeric, strict=True) if n)
        text = next(v for v, n in zip(values, numeric, strict=True) if not n)
        raise DataError(
            f"column {series.name!r} mixes numbers and text (for example {number!r} and "
            f"{text!r}), so equal-looking values would be different levels; convert it to one "
            f"type first, e.g. data[{series.name!r}].astype(str) or pd.to_numeric(...)."
        )
    return sorted(values, key=str)


def as_numeric_frame(data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Apply the rule before a formula is parsed: bools to 0/1, factors to ordered Categoricals.

    Formula engines (formulaic) would otherwise treat a bool column as a factor and
    sort object levels as text; after this every family sees the same columns.
    Returns a new frame holding only ``columns``; the input is not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> out = as_numeric_frame(pd.DataFrame({"b": [True, False], "g": [10, 9]}, dtype=object),
    ...                        ["b", "g"])
    >>> out["b"].tolist(), list(out["g"].cat.categories)
    ([1.0, 0.0], [9, 10])
    """
    out: dict[str, pd.Series] = {}
    for name in dict.fromkeys(columns):
        series = data[name]
        if is_categorical(series):
            levels = factor_levels(series)
            if isinstance(series.dtype, pd.CategoricalDtype):
                out[name] = series
            else:
                out[name] = pd.Series(
                    pd.Categorical(series.map(_plain), categories=levels), index=series.index
                )
        elif pd.api.types.is_bool_dtype(series.dtype) or series.dtype == object:
            out[name] = series.astype("float64")
        else:
            out[name] = series
    return pd.DataFrame(out, index=data.index)


def group_codes(
    data: pd.DataFrame, by: str | Sequence[str] | None, active: np.ndarray
) -> tuple[np.ndarray, list[tuple[object, ...]], list[str]]:
    """Group code of every row (-1 outside all groups), the group labels and the ``by`` names.

    Groups are the observed combinations of the ``by`` columns among ``active``
    rows, each column ordered by :func:`factor_levels` (numeric columns
    numerically), combinations sorted as R ``svyby``; rows with a missing ``by``
    value are in no group.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"g": ["b", "a", "b"], "h": [1, 1, 2]})
    >>> codes, labels, names = group_codes(df, ["g", "h"], np.ones(3, dtype=bool))
    >>> codes.tolist(), labels
    ([1, 0, 2], [('a', 1), ('b', 1), ('b', 2)])
    """
    names = [by] if isinstance(by, str) else list(by or ())
    n = len(data)
    if not names:
        return np.where(active, 0, -1).astype(np.int64), [()], []
    absent = [c for c in names if c not in data.columns]
    if absent:
        raise DataError(
            f"by column(s) {absent} are not in the data; available columns include "
            f"{list(data.columns)[:12]}."
        )
    combined = np.zeros(n, dtype=np.int64)
    valid = np.asarray(active, dtype=bool).copy()
    uniques_all: list[list[object]] = []
    for name in names:
        codes, uniques = _codes(data[name])
        valid &= codes >= 0
        combined = codes if len(names) == 1 else combined * (len(uniques) + 1) + codes
        uniques_all.append(uniques)
    if not valid.any():
        raise DesignError(f"no rows with non-missing {names} in the design's domain.")
    if (
        len(names) == 1
        and valid.all()
        and all(np.bincount(combined, minlength=len(uniques_all[0])) > 0)
    ):
        # one column seen in every row and every level observed: its codes are the groups
        return combined, [(v,) for v in uniques_all[0]], names
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
        found, keys = pd.factorize(combined[valid], sort=True)
        out[valid] = found
    labels: list[tuple[object, ...]] = []
    for key in keys:
        parts = []
        rest = int(key)
        for uniques in reversed(uniques_all):
            parts.append(uniques[rest % (len(uniques) + 1)])
            rest //= len(uniques) + 1
        labels.append(tuple(reversed(parts)))
    return out, labels, names


def _codes(series: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Codes in level order (-1 for missing) and the levels of one grouping column."""
    if is_categorical(series):
        levels = factor_levels(series)
        if isinstance(series.dtype, pd.CategoricalDtype):
            position = {level: i for i, level in enumerate(levels)}
            remap = np.array([position[_plain(c)] for c in series.cat.categories], dtype=np.int64)
            raw = series.cat.codes.to_numpy(dtype=np.int64)
            return np.where(raw >= 0, remap[np.maximum(raw, 0)], -1), levels
        # hash once, then put the distinct values in level order
        raw, distinct = pd.factorize(series)
        position = {level: i for i, level in enumerate(levels)}
        remap = np.array([position[_plain(v)] for v in distinct], dtype=np.int64)
        raw = np.asarray(raw, dtype=np.int64)
        return np.where(raw >= 0, remap[np.maximum(raw, 0)] if remap.size else raw, -1), levels
    codes, uniques = factorize_sorted(series)
    return codes, [_plain(v) for v in uniques]


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

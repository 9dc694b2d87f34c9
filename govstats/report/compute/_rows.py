"""Row queries of the report that run the same on a pandas frame and on a dask one.

A partitioned survey (a parquet folder read with dask) is never collected: each query
is one pass of partition sums whose small result is computed; on a pandas frame the
same expressions run in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from govstats.design import is_dask_frame

__all__ = ["computed", "distinct", "valid_counts", "weight_column"]


def computed(*values: Any) -> tuple[Any, ...]:
    """Return the values, every dask collection among them computed in one pass."""
    if not any(is_dask_frame(v) or hasattr(v, "dask") for v in values):
        return values
    import importlib

    dask: Any = importlib.import_module("dask")  # the optional extra, typed loosely
    return tuple(dask.compute(*values))


def weight_column(design: Any, data: Any) -> Any:
    """Return the design's weights as a column aligned with ``data`` (pandas or dask)."""
    if is_dask_frame(data):
        return data[design.weights]
    return pd.Series(design.weights_array, index=data.index)


def valid_counts(
    data: Any, weights: Any, variables: Sequence[str], by: str
) -> tuple[pd.DataFrame, pd.Series]:
    """Unweighted respondents with a value and a positive weight, by ``by`` and overall.

    Returns
    -------
    by_group : pandas.DataFrame
        Index the levels of ``by``, one column per variable.
    overall : pandas.Series
        One entry per variable.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [1.0, None, 3.0], "g": [0, 0, 1]})
    >>> groups, overall = valid_counts(df, pd.Series([1.0, 1.0, 0.0]), ["y"], "g")
    >>> groups["y"].tolist(), int(overall["y"])
    ([1, 0], 1)
    """
    columns = list(variables)
    present = ~data[columns].isna()  # dask frames have isna, not notna
    valid = present.astype("int64").mul((weights > 0).astype("int64"), axis=0)
    valid[by] = data[by]
    by_group, overall = computed(valid.groupby(by).sum(), valid[columns].sum())
    return by_group, overall


def distinct(series: Any) -> list[Any]:
    """Return the distinct non-missing values of a column (pandas or dask), unordered."""
    (values,) = computed(series.dropna().unique())
    return list(values)

"""National urbanization and income series (long format)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from govstats.datasets._tables import table_path
from govstats.datasets._validate import ColumnSpec, check_unique, fail, read_checked_csv

__all__ = ["load_national_series"]

FILENAME = "national_series.csv"

_COLUMNS = (
    ColumnSpec("year", "int", minimum=1949, maximum=2100),
    ColumnSpec("indicator", "str", pattern=r"[a-z][a-z0-9_]*"),
    ColumnSpec("value", "float", positive=True),
    ColumnSpec("unit", "str"),
    ColumnSpec("source_url", "str", pattern=r"https?://\S+( ; https?://\S+)*"),
    ColumnSpec("source_note", "str", required=False),
)


def load_national_series(path: str | Path | None = None) -> pd.DataFrame:
    """Load the sparse national series (urbanization rates, disposable income).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A copy of ``national_series.csv`` to read instead of the shipped table.

    Returns
    -------
    pandas.DataFrame
        Long form: ``year``, ``indicator``, ``value``, ``unit``, ``source_url``,
        ``source_note``, sorted by indicator and year. Only values actually read
        are present.

    Raises
    ------
    DataError
        If the table is damaged: a bad number, a percentage outside 0-100, or a
        repeated (year, indicator).

    Notes
    -----
    ``urbanization_rate`` (year-end, as first published, before the post-2020
    revision) and ``urbanization_rate_census`` (census day) are different series;
    pre-2013 incomes are not comparable and not included.

    Examples
    --------
    >>> from govstats.datasets import load_national_series
    >>> series = load_national_series()
    >>> row = series[(series["year"] == 2020) & (series["indicator"] == "urbanization_rate_census")]
    >>> float(row["value"].iloc[0])
    63.89
    """
    file = table_path(FILENAME, path)
    frame = read_checked_csv(file, _COLUMNS)
    check_unique(frame, ["year", "indicator"], file)
    percent = frame["unit"] == "percent"
    over = percent & (frame["value"] > 100)
    if bool(over.any()):
        row = frame[over].iloc[0]
        raise fail(file, f"indicator {row['indicator']!r} ({row['year']}) exceeds 100 percent")
    out = frame.sort_values(["indicator", "year"], kind="stable").reset_index(drop=True)
    out.attrs = {
        "source": "NBS communiqués and household-survey releases; per-row sources in source_url",
        "file": file.name,
    }
    return out

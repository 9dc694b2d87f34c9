"""Numbers of section 02: provincial census indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstats.errors import ReportError

__all__ = ["compute_census"]


def compute_census(census: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per province: population, share of the 31, urban share, 60+ and 65+ shares.

    Parameters
    ----------
    census : pandas.DataFrame, optional
        ``load_census("province")`` output (default: the embedded 2020 table).

    Returns
    -------
    pandas.DataFrame
        ``province_code, province_zh, province_en, population_total, population_10k, pop_share_pct,
        urban_share_pct, age_60plus_pct, age_65plus_pct`` (NaN where unpublished).

    Examples
    --------
    >>> round(float(compute_census()["pop_share_pct"].sum()), 6)
    100.0
    """
    if census is None:
        from govstats.datasets import load_census

        census = load_census(geography="province", year=2020)
    needed = ["province_code", "province_zh", "province_en", "population_total", "urban_share_pct"]
    missing = [c for c in needed if c not in census.columns]
    if missing:
        raise ReportError(f"census table lacks columns {missing}; pass load_census()'s output")
    rows = census[census["province_code"].astype(str) != "00"].sort_values("province_code")
    if rows.empty:
        raise ReportError("census table has no provincial rows")
    population = rows["population_total"].astype(float).to_numpy()
    data = pd.DataFrame(
        {
            "province_code": rows["province_code"].astype(str).to_numpy(),
            "province_zh": rows["province_zh"].astype(str).to_numpy(),
            "province_en": rows["province_en"].astype(str).to_numpy(),
            "population_total": population,
            "population_10k": np.round(population / 1e4, 4),
            "pop_share_pct": np.round(100.0 * population / population.sum(), 10),
            "urban_share_pct": rows["urban_share_pct"].astype(float).to_numpy(),
        }
    )
    for column in ("age_60plus_pct", "age_65plus_pct"):
        values = rows[column] if column in rows else pd.Series(np.nan, index=rows.index)
        data[column] = values.astype(float).to_numpy()
    return data

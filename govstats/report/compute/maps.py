"""Numbers of the maps section: provincial indicators and survey estimates by province."""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstats.report.inputs import SurveyInput

__all__ = ["compute_province_maps"]


def compute_province_maps(
    survey: SurveyInput | None, *, variable: str = "internet", min_cell: int = 10
) -> pd.DataFrame:
    """Tidy frame of what the provincial maps show: census urban share and survey estimates.

    Parameters
    ----------
    survey : SurveyInput or None
        With a ``province_code`` column and ``variable``: its design-weighted mean by
        province (percent) and SE; provinces with fewer than ``min_cell`` respondents
        are suppressed (NaN).
    variable : str
        0/1 survey variable to map (percent).
    min_cell : int
        Disclosure threshold.

    Returns
    -------
    pandas.DataFrame
        ``province_code, indicator, value, n`` with indicators ``urban_share_pct``
        (census, published provinces only) and, with a survey, ``survey_pct`` and
        ``survey_se_pct``.

    Examples
    --------
    >>> frame = compute_province_maps(None)
    >>> sorted(frame["indicator"].unique()), len(frame)
    (['urban_share_pct'], 31)
    """
    from govstats.datasets import load_census

    census = load_census()
    rows = [
        pd.DataFrame(
            {
                "province_code": census["province_code"].astype(str).to_numpy(),
                "indicator": "urban_share_pct",
                "value": census["urban_share_pct"].astype(float).to_numpy(),
                "n": np.nan,
            }
        )
    ]
    data = None if survey is None else survey.data
    if data is not None and "province_code" in data and variable in data:
        design = survey.design() if survey is not None else None
        assert design is not None
        frame = design.mean(variable, by="province_code", na_rm=True).to_frame()
        codes = frame["province_code"].astype(str).to_numpy()
        valid = data[variable].notna() & (np.asarray(design.weights_array) > 0)
        counts = data.loc[valid, "province_code"].astype(str).value_counts()
        n = counts.reindex(codes).fillna(0).to_numpy()
        hidden = n < min_cell
        for indicator, column in (("survey_pct", "estimate"), ("survey_se_pct", "se")):
            values = 100.0 * frame[column].to_numpy(dtype=float)
            rows.append(
                pd.DataFrame(
                    {
                        "province_code": codes,
                        "indicator": indicator,
                        "value": np.where(hidden, np.nan, values),
                        "n": n,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)

"""Provincial and national context for respondents: census indicators and CNNIC rates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd

from govstats.datasets.census import load_census
from govstats.datasets.cnnic import load_cnnic
from govstats.datasets.provinces import province_code
from govstats.errors import DataError, GovstatsError

__all__ = ["CENSUS_INDICATORS", "CNNIC_INDICATORS", "merge_context", "nearest_cnnic_report"]

CENSUS_INDICATORS = (
    "population_total",
    "urban_population",
    "urban_share_pct",
    "age_60plus_pct",
    "age_65plus_pct",
    "household_separated_pop",
    "floating_pop",
)
CNNIC_INDICATORS = (
    "penetration_total_pct",
    "penetration_urban_pct",
    "penetration_rural_pct",
    "netizens_total_10k",
    "netizens_rural_10k",
    "mobile_netizens_10k",
    "penetration_pct",
)
CENSUS_DAY = {2020: "2020-11-01", 2010: "2010-11-01"}
_RATES = ("penetration_total_pct", "penetration_urban_pct", "penetration_rural_pct")


def _month(when: object) -> tuple[pd.Period, bool]:
    """Return the month a wave or period points at, and whether only a year was given."""
    text = str(when).strip()
    if text.isdigit() and len(text) == 4:
        return pd.Period(f"{text}-12", freq="M"), True
    try:
        return pd.Period(text, freq="M"), False
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"survey period {when!r} is neither a year ('2017') nor a month ('2017-12')"
        ) from exc


def nearest_cnnic_report(when: str | int, *, cnnic: pd.DataFrame | None = None) -> pd.Series:
    """Return the CNNIC report nearest a survey's fieldwork, as a row of :func:`load_cnnic`.

    Parameters
    ----------
    when : str or int
        The survey's wave or period: a year (``"2017"``, as codebooks declare waves) or
        a month (``"2017-12"``). A year stands for fieldwork during that year, which
        CNNIC's year-end report (``"YYYY-12"``) describes.
    cnnic : pandas.DataFrame, optional
        ``load_cnnic()`` output (default: the embedded table).

    Returns
    -------
    pandas.Series
        The report's row (``report_no``, ``period``, the rates, ...); its ``attrs`` hold
        ``requested`` (what was asked) and ``months_away`` (0 for an exact match).
        Reports publishing no penetration rate are skipped; ties go to the later report.

    Examples
    --------
    >>> row = nearest_cnnic_report("2017")
    >>> row["period"], int(row["report_no"]), row.attrs["months_away"]
    ('2017-12', 41, 0)
    >>> nearest_cnnic_report("2019-09")["period"]
    '2019-06'
    """
    table = load_cnnic() if cnnic is None else cnnic
    month, _ = _month(when)
    usable = table[table[list(_RATES)].notna().any(axis=1)]
    if usable.empty:
        raise DataError("the CNNIC table has no report with a penetration rate")
    periods = pd.PeriodIndex(usable["period"].astype(str), freq="M")
    distance = np.abs(np.asarray((periods.year - month.year) * 12 + periods.month - month.month))
    best = np.flatnonzero(distance == distance.min())[-1]
    row = usable.iloc[best].copy()
    row["period"] = str(row["period"])
    row.attrs = {"requested": str(when), "months_away": int(distance[best])}
    return cast("pd.Series", row)


def merge_context(
    data: pd.DataFrame,
    indicators: Sequence[str] | None = None,
    on: str = "province",
    *,
    year: int = 2020,
    period: str | int | None = None,
    urban: str | None = None,
) -> pd.DataFrame:
    """Attach provincial census indicators and CNNIC rates (with their period) to respondents.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, never modified.
    indicators : sequence of str, optional
        Census indicators (:data:`CENSUS_INDICATORS`, joined by province) and CNNIC
        indicators (:data:`CNNIC_INDICATORS`, national, from the report nearest
        ``period``). ``"penetration_pct"`` is the urban or the rural rate according to
        each respondent's ``urban`` column. Default: population, urban share and the
        60+/65+ shares.
    on : str
        Column of ``data`` holding the province as any form :func:`province_code`
        reads (11, 11.0, "110000", "北京市", "Beijing").
    year : {2020, 2010}
        Census year.
    period : str or int, optional
        The survey's wave or period (required for CNNIC indicators); see
        :func:`nearest_cnnic_report`.
    urban : str, optional
        Column of 0/1 urban residence (required for ``"penetration_pct"``).

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` with one column per indicator, plus ``census_period`` (census
        day) and/or ``cnnic_period`` (the report used). A census figure that no source
        gives stays NaN.

    Raises
    ------
    DataError
        Naming the column or indicator: unknown indicator, a column that already
        exists, a province value that is not a province, no ``period`` for CNNIC.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"province": [11.0, "广东省"], "urban": [1, 0]})
    >>> out = merge_context(people, ["population_total", "penetration_pct"],
    ...                     period="2020", urban="urban")
    >>> out[["population_total", "penetration_pct", "cnnic_period"]].values.tolist()
    [[21893095, 79.8, '2020-12'], [126012510, 55.9, '2020-12']]
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    wanted = list(
        indicators or ("population_total", "urban_share_pct", "age_60plus_pct", "age_65plus_pct")
    )
    unknown = [i for i in wanted if i not in CENSUS_INDICATORS + CNNIC_INDICATORS]
    if unknown:
        raise DataError(
            f"indicators {unknown} are unknown; census: {list(CENSUS_INDICATORS)}; "
            f"CNNIC: {list(CNNIC_INDICATORS)}"
        )
    census_wanted = [i for i in wanted if i in CENSUS_INDICATORS]
    cnnic_wanted = [i for i in wanted if i in CNNIC_INDICATORS]
    added = [
        *wanted,
        *(["census_period"] if census_wanted else []),
        *(["cnnic_period"] if cnnic_wanted else []),
    ]
    clash = [c for c in added if c in data.columns]
    if clash:
        raise DataError(f"data already has columns {clash}; rename them before merge_context")
    out = data.copy()
    if census_wanted:
        if on not in data.columns:
            raise DataError(f"on={on!r} is not a column of data; name the province column")
        try:
            codes = province_code(data[on])
        except GovstatsError as exc:
            raise DataError(f"column {on!r}: {exc}") from exc
        census = load_census("province", year).set_index("province_code")
        for name in census_wanted:
            out[name] = codes.map(census[name]).to_numpy()
        out["census_period"] = CENSUS_DAY.get(year, str(year))
    if cnnic_wanted:
        if period is None:
            raise DataError("CNNIC indicators need period= (the survey's wave, e.g. '2017')")
        row = nearest_cnnic_report(period)
        for name in cnnic_wanted:
            if name == "penetration_pct":
                if urban is None or urban not in data.columns:
                    raise DataError("'penetration_pct' needs urban= naming a 0/1 column of data")
                flag = data[urban]
                if not flag.dropna().isin([0, 1]).all():
                    raise DataError(f"column {urban!r} must hold 0/1 (1 = urban)")
                out[name] = np.where(
                    flag == 1, row["penetration_urban_pct"], row["penetration_rural_pct"]
                )
                out.loc[flag.isna().to_numpy(), name] = np.nan
            else:
                out[name] = row[name]
        out["cnnic_period"] = str(row["period"])
    out.attrs = {
        **data.attrs,
        "context": {
            "census": f"{year} census (load_census)" if census_wanted else None,
            "cnnic": f"CNNIC report {int(row['report_no'])} ({row['period']})"
            if cnnic_wanted
            else None,
        },
    }
    return out

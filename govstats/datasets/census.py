"""Population census tables (2020 7th census; 2010 6th census)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from govstats.datasets._tables import table_path
from govstats.datasets._validate import (
    NATIONAL_CODE,
    PROVINCE_CODES,
    ColumnSpec,
    check_unique,
    fail,
    read_checked_csv,
)
from govstats.errors import DataError

__all__ = ["ACTIVE_MILITARY_2020", "census_margins", "load_census"]

FILES = {2020: "census2020_province.csv", 2010: "census2010_province.csv"}

#: Active military personnel counted in the 2020 national total but not allocated
#: to any province (NBS communiqué No.3).
ACTIVE_MILITARY_2020 = 2_000_000

#: People in the 2010 national total allocated to no province: 2,300,000 active military
#: and 4,649,985 whose residence could not be determined (NBS 2010 communiqué No.2).
NOT_ALLOCATED = {2020: ACTIVE_MILITARY_2020, 2010: 2_300_000 + 4_649_985}

#: Largest allowed gap (percentage points) between a published urban share and
#: urban_population / population_total; SOURCES.md found every filled pair within 0.005.
URBAN_SHARE_TOLERANCE_PCT = 0.01

_COLUMNS = (
    ColumnSpec("province_code", "str", pattern=r"\d{2}"),
    ColumnSpec("province_zh", "str"),
    ColumnSpec("province_en", "str"),
    ColumnSpec("population_total", "int", positive=True),
    ColumnSpec("urban_population", "float", required=False, positive=True),
    ColumnSpec("urban_share_pct", "float", required=False, minimum=0.0, maximum=100.0),
    ColumnSpec("age_60plus_pct", "float", required=False, minimum=0.0, maximum=100.0),
    ColumnSpec("age_65plus_pct", "float", required=False, minimum=0.0, maximum=100.0),
    ColumnSpec("household_separated_pop", "float", required=False, positive=True),
    ColumnSpec("floating_pop", "float", required=False, positive=True),
    ColumnSpec("source_url", "str", pattern=r"https?://\S+( ; https?://\S+)*"),
    ColumnSpec("source_note", "str", required=False),
)

_CAVEATS = (
    "De-facto residents (常住人口) on census day (2020-11-01 / 2010-11-01); preliminary figures.",
    "The national row (code 00) includes 2,000,000 active military not allocated to provinces.",
    "Urban/rural follows NBS's statistical division of residence areas, not hukou.",
    "NBS publishes no provincial urban table: provincial urban shares are missing for many "
    "provinces (15 of 31 in 2020) and are never imputed here.",
    "Empty cells are figures not found in any source read: NaN, never zero, never interpolated.",
)


def _check_census(frame: pd.DataFrame, year: int, path: Path) -> None:
    check_unique(frame, ["province_code"], path)
    codes = frame["province_code"].astype(str)
    unknown = ~codes.isin([NATIONAL_CODE, *PROVINCE_CODES])
    if bool(unknown.any()):
        raise fail(path, f"province_code {codes[unknown].tolist()} are not GB/T 2260 codes")
    if NATIONAL_CODE not in set(codes):
        raise fail(path, "the national row (province_code 00) is missing")
    total = frame["population_total"].to_numpy(dtype=float)
    urban = frame["urban_population"].to_numpy(dtype=float)
    over = urban > total
    if over.any():
        raise fail(path, f"urban_population exceeds population_total for {codes[over].tolist()}")
    share = frame["urban_share_pct"].to_numpy(dtype=float)
    gap = np.abs(100.0 * urban / total - share)
    bad = np.isfinite(gap) & (gap > URBAN_SHARE_TOLERANCE_PCT)
    if bad.any():
        raise fail(
            path,
            f"urban_share_pct disagrees with urban_population / population_total for "
            f"province_code {codes[bad].tolist()}",
        )
    older = frame["age_65plus_pct"] > frame["age_60plus_pct"]
    if bool(older.any()):
        raise fail(path, f"age_65plus_pct exceeds age_60plus_pct for {codes[older].tolist()}")
    provinces = codes != NATIONAL_CODE
    if year in NOT_ALLOCATED and int(provinces.sum()) == len(PROVINCE_CODES):
        national = int(frame.loc[~provinces, "population_total"].iloc[0])
        outside = NOT_ALLOCATED[year]
        summed = int(frame.loc[provinces, "population_total"].sum()) + outside
        if summed != national:
            raise fail(
                path,
                f"the 31 provincial population_total values plus {outside:,} "
                f"allocated to no province sum to {summed:,}, not the national {national:,}",
            )


def load_census(
    geography: Literal["province", "national", "all"] = "province",
    year: int = 2020,
    *,
    path: str | Path | None = None,
) -> pd.DataFrame:
    """Load a population census table.

    Parameters
    ----------
    geography : {"province", "national", "all"}, default "province"
        The 31 provincial rows, the national row only, or both (national first).
    year : {2020, 2010}, default 2020
        Census year. The 2010 table has every provincial total (NBS communiqué No.2)
        but few other provincial figures.
    path : str or pathlib.Path, optional
        A copy of the table to read instead of the shipped one.

    Returns
    -------
    pandas.DataFrame
        ``province_code`` (GB/T 2260 two-digit text; "00" national),
        ``province_zh``, ``province_en``, ``population_total`` (persons, int64),
        ``urban_population`` (persons), ``urban_share_pct``, ``age_60plus_pct``,
        ``age_65plus_pct``, ``household_separated_pop``, ``floating_pop``,
        ``source_url``, ``source_note`` and ``is_national``. Missing figures are
        NaN. ``attrs`` holds ``source``, ``caveats``, ``year`` and ``file``.

    Raises
    ------
    DataError
        For an unknown ``geography``/``year`` or a damaged table (bad code, bad number,
        share outside 0-100, urban count above the total, a share that disagrees
        with its counts, or provinces that no longer add up to the national total
        minus the people allocated to no province).

    Notes
    -----
    Provincial urban shares are missing for many provinces: NBS communiqué No.7
    has no provincial table and only the provinces' own communiqués that were
    found are included. Use :func:`census_margins` for calibration totals.

    References
    ----------
    NBS, 第七次全国人口普查公报 No.3, No.5, No.7 (2021-05-11) and provincial
    communiqués; per-row sources in ``source_url``.

    Examples
    --------
    >>> from govstats.datasets import load_census
    >>> census = load_census(geography="all")
    >>> int(census.loc[census["is_national"], "population_total"].iloc[0])
    1411778724
    >>> int(load_census()["population_total"].sum())
    1409778724
    """
    if year not in FILES:
        raise DataError(f"census year {year!r} is not embedded; choose one of {sorted(FILES)}")
    if geography not in ("province", "national", "all"):
        raise DataError(f"geography={geography!r} is unknown; use 'province', 'national' or 'all'")
    file = table_path(FILES[year], path)
    frame = read_checked_csv(file, _COLUMNS)
    _check_census(frame, year, file)
    frame["is_national"] = frame["province_code"] == NATIONAL_CODE
    frame = frame.sort_values(["is_national", "province_code"], ascending=[False, True])
    if geography == "province":
        frame = frame[~frame["is_national"]]
    elif geography == "national":
        frame = frame[frame["is_national"]]
    out = frame.reset_index(drop=True)
    out.attrs = {
        "source": f"{year} population census (NBS communiqués and provincial communiqués); "
        "per-row sources in source_url/source_note",
        "caveats": list(_CAVEATS),
        "year": year,
        "file": file.name,
    }
    return out


def census_margins(
    by: str | Sequence[str] = "province",
    year: int = 2020,
    *,
    path: str | Path | None = None,
) -> pd.Series | dict[str, pd.Series]:
    """Return population totals usable as calibration (raking, post-stratification) margins.

    Parameters
    ----------
    by : {"province", "urban"} or a sequence of them, default "province"
        ``"province"``: resident population of each provincial unit, indexed by the
        GB two-digit ``province_code`` (the 2,000,000 unallocated military are not
        in any province). ``"urban"``: national urban and rural resident totals,
        indexed ``"urban"``, ``"rural"`` (from the national row, which includes the
        military). A sequence returns a dict of Series keyed by variable.
    year : {2020, 2010}, default 2020
    path : str or pathlib.Path, optional
        A copy of the census table to read instead of the shipped one.

    Returns
    -------
    pandas.Series or dict of str to pandas.Series
        Totals in persons (float64), named ``population_total``; ``attrs`` records
        the source and what the totals cover.

    Raises
    ------
    DataError
        For an unknown ``by``, or when the table lacks the figures.

    Notes
    -----
    Margins are whole-population counts. Scale them to the target population of
    the survey (e.g. adults) before calibrating, and do not use provincial urban
    shares as margins: they are published for only some provinces.

    Examples
    --------
    >>> from govstats.datasets import census_margins
    >>> urban = census_margins("urban")
    >>> int(urban["urban"]), int(urban["rural"])
    (901991162, 509787562)
    >>> int(census_margins("province").sum())
    1409778724
    """
    if not isinstance(by, str):
        return {name: _margin(name, year, path) for name in by}
    return _margin(by, year, path)


def _margin(by: str, year: int, path: str | Path | None) -> pd.Series:
    table = load_census("all", year, path=path)
    national = table[table["is_national"]].iloc[0]
    if by == "province":
        provinces = table[~table["is_national"]]
        if len(provinces) != len(PROVINCE_CODES):
            raise DataError(
                f"census {year} has provincial totals for {len(provinces)} of 31 provinces; "
                "province margins need all 31 (use year=2020)"
            )
        margin = pd.Series(
            provinces["population_total"].to_numpy(dtype=float),
            index=pd.Index(provinces["province_code"].astype(str), name="province_code"),
            name="population_total",
        )
        covers = "resident population of the 31 provinces (excludes 2,000,000 active military)"
    elif by == "urban":
        urban = float(national["urban_population"])
        if not np.isfinite(urban):
            raise DataError(f"census {year} national row has no urban_population")
        total = float(national["population_total"])
        margin = pd.Series(
            [urban, total - urban],
            index=pd.Index(["urban", "rural"], name="urban"),
            name="population_total",
        )
        covers = "national urban/rural residents (NBS division of residence areas)"
    else:
        raise DataError(f"census_margins(by={by!r}) is unknown; use 'province' or 'urban'")
    margin.attrs = {"year": year, "covers": covers, "source": table.attrs["source"]}
    return margin

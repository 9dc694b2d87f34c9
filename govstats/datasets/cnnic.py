"""The CNNIC statistical-report series: netizens and internet penetration."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from govstats.datasets._tables import table_path
from govstats.datasets._validate import ColumnSpec, check_unique, fail, read_checked_csv

__all__ = ["load_cnnic"]

FILENAME = "cnnic_penetration.csv"

_COLUMNS = (
    ColumnSpec("report_no", "int", minimum=1, maximum=200),
    ColumnSpec("period_end", "str", pattern=r"\d{4}-(0[1-9]|1[0-2])"),
    ColumnSpec("netizens_total_10k", "float", positive=True),
    ColumnSpec("penetration_total_pct", "float", required=False, minimum=0, maximum=100),
    ColumnSpec("netizens_rural_10k", "float", required=False, positive=True),
    ColumnSpec("penetration_rural_pct", "float", required=False, minimum=0, maximum=100),
    ColumnSpec("penetration_urban_pct", "float", required=False, minimum=0, maximum=100),
    ColumnSpec("mobile_netizens_10k", "float", required=False, positive=True),
    ColumnSpec("source_url", "str", pattern=r"https?://\S+( ; https?://\S+)*"),
    ColumnSpec("source_note", "str", required=False),
)

#: First report of each new segment of the rural series (see SOURCES.md, "Break
#: between reports"): the 49th report's rural figures do not continue the 48th's,
#: and a similar jump shows after the 53rd (2023-12).
RURAL_SERIES_BREAKS: dict[int, str] = {
    49: "48th -> 49th report: rural rate 59.2% (2021-06) then 57.6% (2021-12), rural netizens "
    "fall from 3.09亿 to 2.84亿; CNNIC's explanation not found (re-weighting to the 2020 census "
    "urban share is likely but unverified)",
    54: "53rd (2023-12, rural 66.5%) -> later reports: a similar jump in the rural series",
}

#: Rows whose urban/rural figures come from CNNIC's separate rural-internet
#: survey reports (2007 and 2009), not from the half-yearly report itself.
FROM_RURAL_REPORT: frozenset[int] = frozenset({20, 21, 25})

_CAVEATS = (
    "Netizens are residents aged 6+ who used the internet in the past six months.",
    "Penetration is netizens / whole population (not the 6+ population).",
    "Rural means place of residence (not hukou); rural rates use the rural resident population.",
    "The rural series breaks between the 48th and 49th reports and again after the 53rd "
    "(flag series_break, segment rural_series_segment); do not difference rural rates across "
    "a break.",
    "Empty cells are figures not found in any source read: NaN, never zero, never interpolated.",
    "Published figures are rounded (e.g. 10.32亿 -> 103200 万).",
)

_TIDY_MAP = {
    "netizens_total_10k": ("total", "netizens_10k"),
    "penetration_total_pct": ("total", "penetration_pct"),
    "netizens_rural_10k": ("rural", "netizens_10k"),
    "penetration_rural_pct": ("rural", "penetration_pct"),
    "penetration_urban_pct": ("urban", "penetration_pct"),
    "mobile_netizens_10k": ("total", "mobile_netizens_10k"),
}


def _check_order(frame: pd.DataFrame, path: Path) -> None:
    check_unique(frame, ["report_no"], path)
    check_unique(frame, ["period_end"], path)
    reports = frame["report_no"].to_numpy(dtype=np.int64)
    periods = frame["period"].to_numpy()
    if not (np.all(np.diff(reports) > 0) and all(a < b for a, b in pairwise(periods))):
        raise fail(path, "rows must run in increasing report_no and period_end order")
    both = frame["penetration_rural_pct"].notna() & frame["penetration_urban_pct"].notna()
    inverted = both & (frame["penetration_rural_pct"] > frame["penetration_urban_pct"])
    if bool(inverted.any()):
        report = int(frame.loc[inverted, "report_no"].iloc[0])
        raise fail(path, f"report {report}: rural penetration exceeds urban penetration")


def load_cnnic(path: str | Path | None = None, *, tidy: bool = False) -> pd.DataFrame:
    """Load the CNNIC half-yearly report series (20th report, 2007-06, onwards).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A copy of ``cnnic_penetration.csv`` to read instead of the shipped table.
    tidy : bool, default False
        Return the long form (``report_no``, ``period``, ``area``, ``indicator``,
        ``value``, flags) with one row per published figure; figures not found are
        left out rather than filled.

    Returns
    -------
    pandas.DataFrame
        Wide form: one row per report with ``report_no``, ``period`` (monthly
        ``pandas.Period``), ``netizens_total_10k``, ``penetration_total_pct``,
        ``netizens_rural_10k``, ``penetration_rural_pct``, ``penetration_urban_pct``,
        ``mobile_netizens_10k`` (万人 = 10,000 persons; %), ``source_url``,
        ``source_note`` and the flags ``series_break`` (first report after a known
        break in the rural series), ``rural_series_segment`` (0, 1, 2: compare
        rural rates only within a segment) and ``from_rural_report`` (urban/rural
        figures from CNNIC's 2007/2009 rural-internet reports). ``attrs`` holds
        ``source``, ``caveats``, ``breaks`` and ``file``.

    Raises
    ------
    DataError
        If the table is damaged (missing column, bad number, percentage outside
        0-100, non-positive count, repeated or unordered report); the message names
        the file, column and line.

    Notes
    -----
    Missing cells stay missing: the series is never interpolated and figures that
    can only be derived from "up X points" statements are not in the table (see
    ``UNVERIFIED.md`` beside it).

    References
    ----------
    China Internet Network Information Center (CNNIC), 《中国互联网络发展状况统计报告》,
    reports 20-56; row-level sources in ``source_url``.

    Examples
    --------
    >>> from govstats.datasets import load_cnnic
    >>> cnnic = load_cnnic()
    >>> float(cnnic.loc[cnnic["report_no"] == 49, "penetration_rural_pct"].iloc[0])
    57.6
    >>> cnnic.loc[cnnic["series_break"], "report_no"].tolist()
    [49, 54]
    """
    file = table_path(FILENAME, path)
    frame = read_checked_csv(file, _COLUMNS)
    frame["period"] = pd.PeriodIndex(frame["period_end"].astype(str), freq="M")
    _check_order(frame, file)
    reports = frame["report_no"].to_numpy(dtype=np.int64)
    frame["series_break"] = np.isin(reports, list(RURAL_SERIES_BREAKS))
    frame["rural_series_segment"] = np.searchsorted(
        np.array(sorted(RURAL_SERIES_BREAKS)), reports, side="right"
    ).astype(np.int64)
    frame["from_rural_report"] = np.isin(reports, list(FROM_RURAL_REPORT))
    order = ["report_no", "period", *[c.name for c in _COLUMNS[2:]]]
    flags = ["series_break", "rural_series_segment", "from_rural_report"]
    wide = frame[order + flags].reset_index(drop=True)
    wide.attrs = {
        "source": "CNNIC, 中国互联网络发展状况统计报告 (reports 20-56); per-row sources in "
        "source_url/source_note",
        "caveats": list(_CAVEATS),
        "breaks": {int(k): v for k, v in RURAL_SERIES_BREAKS.items()},
        "file": file.name,
    }
    if not tidy:
        return wide
    long = wide.melt(
        id_vars=["report_no", "period", *flags],
        value_vars=list(_TIDY_MAP),
        var_name="column",
        value_name="value",
    )
    long = long[long["value"].notna()].copy()
    long["area"] = long["column"].map(lambda c: _TIDY_MAP[c][0])
    long["indicator"] = long["column"].map(lambda c: _TIDY_MAP[c][1])
    long = long.sort_values(["report_no", "indicator", "area"], kind="stable")
    tidy_frame = long[["report_no", "period", "area", "indicator", "value", *flags]].reset_index(
        drop=True
    )
    tidy_frame.attrs = dict(wide.attrs)
    return tidy_frame

"""Numbers of section 01: the CNNIC urban-rural penetration gap and the diffusion lag."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from govstats.errors import ConvergenceError, DataError, ReportError

__all__ = ["DIFFUSION_REPLICATES", "AccessGapFrames", "compute_access_gap", "decimal_year"]

#: Parametric bootstrap draws of the diffusion-lag intervals.
DIFFUSION_REPLICATES = 499


@dataclass(frozen=True)
class AccessGapFrames:
    """Tidy results of section 01.

    Parameters
    ----------
    gap : pandas.DataFrame
        One row per report with both rates: ``report_no, period, year, urban_pct,
        rural_pct, gap_points, ratio, series_break``.
    series : pandas.DataFrame
        Every published point for the figure: ``year, urban_pct, rural_pct,
        gap_points, series_break, segment``.
    breaks : list of float
        Decimal years of the series breaks.
    lag : pandas.DataFrame or None
        The diffusion-lag parameters (``to_frame()`` of the fit), None if it failed.
    curves : pandas.DataFrame or None
        Fitted curves (``t, series, fitted``).
    lag_periods : int
        Periods the lag was fitted on.
    lag_error : str
        Why the lag could not be estimated ("" when it was).
    seed : int
        Seed of the bootstrap of the lag.
    """

    gap: pd.DataFrame
    series: pd.DataFrame
    breaks: list[float]
    lag: pd.DataFrame | None
    curves: pd.DataFrame | None
    lag_periods: int
    lag_error: str
    seed: int


def decimal_year(periods: pd.Series) -> np.ndarray:
    """Mid-month of a monthly period as a decimal year (2021-12 -> 2021.958).

    Examples
    --------
    >>> import pandas as pd
    >>> [round(float(v), 3) for v in decimal_year(pd.Series(["2021-12"]))]
    [2021.958]
    """
    index = pd.PeriodIndex(periods, freq="M")
    return np.asarray(index.year + (index.month - 0.5) / 12.0, dtype=float)


def compute_access_gap(cnnic: pd.DataFrame | None = None, *, seed: int = 2024) -> AccessGapFrames:
    """Compute the gap table, the plotted series and the diffusion lag from CNNIC rates.

    Parameters
    ----------
    cnnic : pandas.DataFrame, optional
        The wide table of :func:`govstats.datasets.load_cnnic` (default: embedded).
    seed : int
        Seed of the lag's parametric bootstrap.

    Returns
    -------
    AccessGapFrames

    Examples
    --------
    >>> frames = compute_access_gap()
    >>> frames.gap.columns.tolist()[:4]
    ['report_no', 'period', 'year', 'urban_pct']
    """
    if cnnic is None:
        from govstats.datasets import load_cnnic

        cnnic = load_cnnic()
    needed = ["report_no", "period", "penetration_urban_pct", "penetration_rural_pct"]
    missing = [c for c in needed if c not in cnnic.columns]
    if missing:
        raise ReportError(f"CNNIC table lacks columns {missing}; pass load_cnnic()'s output")
    both = cnnic.dropna(subset=["penetration_urban_pct", "penetration_rural_pct"])
    if len(both) < 2:
        raise ReportError("CNNIC table has fewer than two reports with both urban and rural rates")
    breaks = both["series_break"] if "series_break" in both else pd.Series(False, both.index)
    gap = pd.DataFrame(
        {
            "report_no": both["report_no"].astype(int).to_numpy(),
            "period": both["period"].astype(str).to_numpy(),
            "year": np.round(decimal_year(both["period"].astype(str)), 4),
            "urban_pct": both["penetration_urban_pct"].astype(float).to_numpy(),
            "rural_pct": both["penetration_rural_pct"].astype(float).to_numpy(),
        }
    )
    gap["gap_points"] = np.round(gap["urban_pct"] - gap["rural_pct"], 10)
    gap["ratio"] = np.round(gap["urban_pct"] / gap["rural_pct"], 10)
    gap["series_break"] = breaks.astype(bool).to_numpy()

    lag, curves, periods, error = _diffusion_lag(cnnic, seed)
    flags = (
        cnnic["series_break"].astype(bool)
        if "series_break" in cnnic
        else pd.Series(False, index=cnnic.index)
    )
    segments = np.cumsum(flags.to_numpy())  # a break row opens a new segment of the series
    break_years = [float(y) for y in decimal_year(cnnic.loc[flags, "period"].astype(str))]
    keep = cnnic[["penetration_urban_pct", "penetration_rural_pct"]].notna().any(axis=1)
    published = cnnic[keep]
    series = pd.DataFrame(
        {
            "year": np.round(decimal_year(published["period"].astype(str)), 4),
            "urban_pct": published["penetration_urban_pct"].astype(float).to_numpy(),
            "rural_pct": published["penetration_rural_pct"].astype(float).to_numpy(),
            "segment": segments[keep.to_numpy()],
        }
    )
    series["series_break"] = np.r_[False, np.diff(series["segment"]) != 0]
    series["gap_points"] = series["urban_pct"] - series["rural_pct"]
    series = series[["year", "urban_pct", "rural_pct", "gap_points", "series_break", "segment"]]
    return AccessGapFrames(gap, series, break_years, lag, curves, periods, error, seed)


def _diffusion_lag(
    cnnic: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, int, str]:
    """Lag of rural behind urban penetration (shared logistic curve, shifted in time)."""
    from govstats.gaps import cnnic_diffusion_lag

    try:
        res = cnnic_diffusion_lag(cnnic, replicates=DIFFUSION_REPLICATES, seed=seed)
    except (DataError, ConvergenceError) as exc:
        return None, None, 0, str(exc)
    return res.to_frame(), res.curves(), len(res.data), ""

"""Intervals for a proportion on R's scales, shared by svyciprop and Woodruff quantile limits."""

from __future__ import annotations

import numpy as np
from scipy import special, stats


def proportion_limits(
    m: float, se: float, crit: float, interval_type: str, alpha: float, n_rows: int, df: int
) -> tuple[float, float]:
    """Interval for a proportion ``m`` with standard error ``se`` on R's scales.

    ``"mean"`` (``m -/+ crit se``), ``"xlogit"``, ``"asin"`` or ``"beta"`` (Korn and
    Graubard, with the effective sample size on ``n_rows - 1`` and ``df`` degrees of
    freedom): R's ``svyciprop`` methods and ``woodruffCI(method=)`` for the CDF at a
    quantile, which share them.
    """
    if interval_type == "mean":
        return m - crit * se, m + crit * se
    if interval_type == "xlogit":
        centre, half = np.log(m / (1 - m)), crit * se / (m * (1 - m))
        return float(special.expit(centre - half)), float(special.expit(centre + half))
    if interval_type == "asin":
        centre, half = np.arcsin(np.sqrt(m)), crit * se / (2 * np.sqrt(m * (1 - m)))
        return float(np.sin(centre - half) ** 2), float(np.sin(centre + half) ** 2)
    # beta: Korn-Graubard with the effective sample size
    ratio = stats.t.ppf(alpha / 2, n_rows - 1) / stats.t.ppf(alpha / 2, df)
    n_eff = m * (1 - m) / se**2 * ratio**2
    low = stats.beta.ppf(alpha / 2, n_eff * m, n_eff * (1 - m) + 1)
    high = stats.beta.ppf(1 - alpha / 2, n_eff * m + 1, n_eff * (1 - m))
    return float(low), float(high)

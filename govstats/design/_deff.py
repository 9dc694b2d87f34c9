"""Design effects as R's ``deff=TRUE`` for means, totals and ratios."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from govstats.design._domains import Domains, psu_domain_totals, replicate_totals
from govstats.errors import GovstatsWarning

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign


def deff(
    design_var: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    domains: Domains,
    means: np.ndarray,
    totals_of_weights: np.ndarray,
    statistic: str,
    replace: bool = False,
) -> np.ndarray:
    """Design effects as R ``deff=TRUE``: design variance over the SRS-without-replacement one.

    ``vsrs = s^2 (N - n) / (N n)`` for a mean (``replace=True``, R
    ``deff="replace"``: ``s^2 / n``), times ``N^2`` for a total, with
    ``s^2`` the weighted variance with Kish's ``n / (n - 1)`` (R ``svyvar``),
    ``n`` the rows and ``N`` the sum of weights in the domain. NaN when the
    weights sum to less than the rows (weights not scaled to the population), as R.
    """
    p = values.shape[1]
    key = (
        domains.codes
        if domains.everything
        else np.where(domains.codes >= 0, domains.codes, domains.n)
    )
    means = means.reshape(domains.n, p)
    big_n = totals_of_weights.reshape(domains.n, 1)
    shift = (means * big_n).sum(axis=0) / big_n.sum()  # keeps the sums of squares well scaled
    ss = np.empty((domains.n, p))
    single = domains.n == 1 and domains.everything
    for j in range(p):
        centred = values[:, j] - shift[j]
        if single:
            ss[0, j] = np.dot(weights * centred, centred)
        else:
            squares = weights * centred**2
            ss[:, j] = np.bincount(key, weights=squares, minlength=domains.n + 1)[: domains.n]
    ss = ss - big_n * (means - shift) ** 2
    if single:
        nobs = np.array([[float(len(key))]])
    else:
        nobs = np.bincount(key, minlength=domains.n + 1)[: domains.n].astype(np.float64)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = ss / big_n * nobs / (nobs - 1)
        if replace:
            vsrs = s2 / nobs
        else:
            vsrs = s2 * (big_n - nobs) / (big_n * nobs)
            vsrs = np.where(big_n < nobs, np.nan, vsrs)
        if statistic == "total":
            vsrs = vsrs * big_n**2
        out = np.diag(design_var).reshape(domains.n, p) / vsrs
    return np.asarray(out.reshape(-1))


def ratio_deff(
    design: SurveyDesign,
    domains: Domains,
    weights: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    ratio: np.ndarray,
    x_total: np.ndarray,
    vcov: np.ndarray,
) -> np.ndarray:
    """Design effects of ratios as R ``svyratio(deff=TRUE)``.

    Those of the total of ``r = (y - R x) / X`` (``deff(svytotal(r, design))``).
    For linearization designs the design variance of that total is the ratio's
    variance; replicate designs recompute the total of ``r`` (fixed ``R``) under
    every replicate (R 4.1-1 itself fails there).
    """
    k = y.shape[1]
    inside = domains.codes >= 0
    own = np.where(inside, domains.codes, 0)
    r_rows = ratio.reshape(domains.n, k)[own]
    totals = x_total.reshape(domains.n, k)[own]
    r = np.where(inside[:, None], (y - r_rows * x) / totals, 0.0)
    if design.replicates is not None:
        under_replicates = replicate_totals(design, r, domains, weights)
        full = psu_domain_totals(design, r, domains, weights).sum(axis=0)
        design_var = design.replicates.vcov(under_replicates, full)
    else:
        design_var = vcov
    psu_r = psu_domain_totals(design, r, domains, weights).sum(axis=0).reshape(domains.n, k)
    big_n = psu_domain_totals(design, None, domains, weights).sum(axis=0)
    return deff(design_var, r, weights, domains, psu_r / big_n[:, None], big_n, "total")


def warn_normalised_weights(weights: np.ndarray) -> None:
    """Warn when weights sum to about the row count: N = n makes deff=True meaningless."""
    n, big_n = len(weights), float(np.sum(weights))
    if n > 1 and abs(big_n / n - 1.0) < 0.05:
        warnings.warn(
            f"weights sum to about the number of rows ({big_n:.6g} vs {n}); design effects "
            "against sampling without replacement from a population of that size are NaN or "
            "meaningless. Use deff='replace', or weights scaled to the population.",
            GovstatsWarning,
            stacklevel=4,
        )

"""Chi-square tests and fit indices as lavaan ``fitMeasures`` (array kernels).

Formulas follow lavaan 0.6 (``lav_fit_cfi``, ``lav_fit_tli``, ``lav_fit_rmsea``,
``lav_fit_rmsea_ci``, ``lav_test_yuan_bentler_mplus_trace``): ``N`` is the total
sample size (sum of the normalised weights), ``G`` the number of groups.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

__all__ = [
    "cfi",
    "h1_trace",
    "moment_scores",
    "rmsea",
    "rmsea_interval",
    "srmr",
    "tli",
    "vech_pairs",
]


def vech_pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Return row and column of every vech element (column-major lower triangle, as lavaan)."""
    cols, rows = [], []
    for c in range(p):
        for r in range(c, p):
            rows.append(r)
            cols.append(c)
    return np.asarray(rows), np.asarray(cols)


def moment_scores(
    x: np.ndarray, mean: np.ndarray, inv: np.ndarray, meanstructure: bool
) -> np.ndarray:
    """Return casewise scores of the saturated model for (mean, vech Sigma), (n, [p +] p*).

    ``[Sigma^{-1} e ; vech(Sigma^{-1} e e^T Sigma^{-1} - Sigma^{-1})]`` with the
    diagonal halved (lavaan ``lav_mvnorm_scores_mu_vech_sigma``).
    """
    p = x.shape[1]
    z = (x - mean) @ inv
    r, c = vech_pairs(p)
    sc = z[:, r] * z[:, c] - inv[r, c][None, :]
    sc[:, r == c] /= 2
    return np.hstack([z, sc]) if meanstructure else sc


def _h1_information(inv: np.ndarray, meanstructure: bool) -> np.ndarray:
    p = inv.shape[0]
    r, c = vech_pairs(p)
    # 1/2 tr(P E_ab P E_cd) = s_ab s_cd (P_ac P_bd + P_ad P_bc), s = 1/2 on the diagonal
    scale = np.where(r == c, 0.5, 1.0)
    info = (inv[r][:, r] * inv[c][:, c] + inv[r][:, c] * inv[c][:, r]) * np.outer(scale, scale)
    if meanstructure:
        return np.block([[inv, np.zeros((p, len(r)))], [np.zeros((len(r), p)), info]])
    return np.asarray(info)


def h1_trace(b1: np.ndarray, cov: np.ndarray, x_idx: np.ndarray, meanstructure: bool) -> float:
    """Return ``tr(A1^{-1} B1)`` of one group (saturated model at the sample moments).

    ``b1`` is the first-order information of the saturated scores (see
    :func:`moment_scores`); ``A1`` the expected information at the sample
    covariance ``cov``. Entries of the exogenous covariates are left out (lavaan
    zeroes and drops them).
    """
    inv = np.linalg.inv(cov)
    p = cov.shape[0]
    a1 = _h1_information(inv, meanstructure)
    r, c = vech_pairs(p)
    is_x = np.isin(np.arange(p), x_idx)
    keep = ~(is_x[r] & is_x[c])
    if meanstructure:
        keep = np.concatenate([~is_x, keep])
    a1 = a1[np.ix_(keep, keep)]
    b1 = b1[np.ix_(keep, keep)]
    return float(np.trace(np.linalg.solve(a1, b1)))


def cfi(x2: float, df: float, x2_null: float, df_null: float,
        c_hat: float = 1.0, c_hat_null: float = 1.0) -> float:  # fmt: skip
    """Return the comparative fit index (lavaan ``lav_fit_cfi``; robust with ``c_hat``)."""
    if df > 0 and c_hat != 1.0 and c_hat_null != 1.0:
        t1 = max(x2 - c_hat * df, 0.0)
        t2 = max(x2 - c_hat * df, x2_null - c_hat_null * df_null, 0.0)
    else:
        t1 = max(x2 - df, 0.0)
        t2 = max(x2 - df, x2_null - df_null, 0.0)
    if np.isclose(t1, 0.0, atol=1.5e-8) and np.isclose(t2, 0.0, atol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def tli(x2: float, df: float, x2_null: float, df_null: float,
        c_hat: float = 1.0, c_hat_null: float = 1.0) -> float:  # fmt: skip
    """Return the Tucker-Lewis index (lavaan ``lav_fit_tli``)."""
    if df > 0 and c_hat != 1.0 and c_hat_null != 1.0:
        t1 = (x2 - c_hat * df) * df_null
        t2 = (x2_null - c_hat_null * df_null) * df
    else:
        t1 = (x2 - df) * df_null
        t2 = (x2_null - df_null) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def rmsea(x2: float, df: float, n: float, groups: int = 1, c_hat: float = 1.0) -> float:
    """Return the root mean square error of approximation (lavaan ``lav_fit_rmsea``)."""
    if not df > 0:
        return 0.0
    return float(np.sqrt(max(x2 / n / df - c_hat / n, 0.0)) * np.sqrt(groups))


def rmsea_interval(x2: float, df: float, n: float, groups: int = 1, c_hat: float = 1.0,
                   level: float = 0.90) -> tuple[float, float]:  # fmt: skip
    """Return RMSEA confidence limits from the noncentral chi-square (``lav_fit_rmsea_ci``)."""
    upper_p = 1 - (1 - level) / 2
    lower_p = (1 - level) / 2

    def cdf(lam: float) -> float:
        if lam <= 0:
            return float(stats.chi2.cdf(x2, df))
        return float(stats.ncx2.cdf(x2, df, lam))

    if df < 1 or cdf(0.0) - upper_p < 0:
        low = 0.0
    else:
        lam = optimize.brentq(lambda v: cdf(v) - upper_p, 0.0, x2, xtol=1e-12)
        low = np.sqrt(c_hat * lam / (n * df)) * np.sqrt(groups)
    n_max = max(n, 4 * x2)
    if df < 1 or cdf(n_max) - lower_p > 0 or cdf(0.0) - lower_p < 0:
        high = 0.0
    else:
        lam = optimize.brentq(lambda v: cdf(v) - lower_p, 0.0, n_max, xtol=1e-12)
        high = np.sqrt(c_hat * lam / (n * df)) * np.sqrt(groups)
    return float(low), float(high)


def srmr(cov: np.ndarray, sigma: np.ndarray, mean: np.ndarray, mu: np.ndarray,
         meanstructure: bool) -> float:  # fmt: skip
    """Return the standardized root mean square residual of one group (lavaan ``srmr_bentler``)."""
    sd = np.sqrt(np.diag(cov))
    resid = (cov - sigma) / np.outer(sd, sd)
    r, c = vech_pairs(cov.shape[0])
    values = resid[r, c]
    if meanstructure:
        values = np.concatenate([values, (mean - mu) / sd])
    return float(np.sqrt(np.mean(values**2)))


def incremental(x2: float, df: float, x2_null: float, df_null: float) -> dict[str, float]:
    """Return NFI, RFI, IFI, RNI and PNFI (lavaan ``lav_fit_nfi`` ... ``lav_fit_pnfi``)."""
    out: dict[str, float] = {}
    if df > df_null or x2_null == 0:
        out["nfi"] = np.nan
    else:
        out["nfi"] = (x2_null - x2) / x2_null if df > 0 else 1.0
    if df > df_null:
        out["rfi"] = np.nan
    elif df > 0 and df_null > 0:
        t1, t2 = x2_null / df_null - x2 / df, x2_null / df_null
        out["rfi"] = 1.0 if (t1 < 0 or t2 < 0) else t1 / t2
    else:
        out["rfi"] = 1.0
    t1, t2 = x2_null - x2, x2_null - df
    out["ifi"] = 1.0 if t2 < 0 else (np.nan if t2 == 0 else t1 / t2)
    t2 = x2_null - df_null
    out["rni"] = np.nan if t2 == 0 else 1.0 - (x2 - df) / t2
    out["pnfi"] = (
        (df / df_null) * (x2_null - x2) / x2_null if df_null > 0 and x2_null > 0 else np.nan
    )
    return out


def rmsea_pvalue(x2: float, df: float, n: float, groups: int, h0: float, close: bool) -> float:
    """Return lavaan's test of close (RMSEA <= h0) or not-close fit."""
    if not df > 0:
        return np.nan
    ncp = n * df * h0**2 / groups
    cdf = float(stats.ncx2.cdf(x2, df, ncp))
    return 1.0 - cdf if close else cdf

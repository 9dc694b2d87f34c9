"""The coefficient table and accessors every model result shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from govstats.design.inference import t_interval
from govstats.design.model_matrix import rename

__all__ = ["CoefficientAccessors", "coefficient_frame"]


class CoefficientAccessors:
    """``estimate``, ``vcov`` and ``se`` of a result holding ``params`` and ``cov``."""

    params: pd.Series
    cov: pd.DataFrame

    @property
    def estimate(self) -> np.ndarray:
        """Coefficients as an array (same order as ``params``)."""
        return self.params.to_numpy()

    @property
    def vcov(self) -> np.ndarray:
        """Covariance of :attr:`estimate`."""
        return self.cov.to_numpy()

    @property
    def se(self) -> pd.Series:
        """Standard errors by term."""
        return pd.Series(np.sqrt(np.clip(np.diag(self.vcov), 0, None)), index=self.params.index)


def coefficient_frame(
    params: pd.Series,
    se: np.ndarray,
    df: float,
    level: float,
    *,
    exponentiate: np.ndarray | None = None,
    names: str = "formulaic",
) -> pd.DataFrame:
    """Return the tidy coefficient table every model result shares (t tests on ``df``).

    Columns ``term, estimate, se, ci_low, ci_high, df, t, p_value``; ``names="r"``
    spells terms as R does (``stypeH``, ``(Intercept)``); ``exponentiate`` marks the
    rows shown as ``exp`` with transformed limits and delta-method standard errors.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> coefficient_frame(pd.Series([1.0], index=["x"]), np.array([0.5]), 10, 0.95)["t"].tolist()
    [2.0]
    """
    terms = rename([str(k) for k in params.index], names)
    estimate = params.to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = estimate / se
    p = 2 * stats.t.sf(np.abs(t), df) if np.isfinite(df) else 2 * stats.norm.sf(np.abs(t))
    low, high = t_interval(estimate, se, df, level)
    se_out = np.asarray(se, dtype=np.float64).copy()
    if exponentiate is not None:
        rows = np.asarray(exponentiate, dtype=bool)
        estimate = np.where(rows, np.exp(estimate), estimate)
        se_out = np.where(rows, estimate * se_out, se_out)
        low = np.where(rows, np.exp(low), low)
        high = np.where(rows, np.exp(high), high)
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": estimate,
            "se": se_out,
            "ci_low": low,
            "ci_high": high,
            "df": float(df),
            "t": t,
            "p_value": p,
        }
    )

"""The result of a CFA/SEM fit: parameter table in lavaan's layout, fit measures."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["SEMResult"]

_COLUMNS = ["lhs", "op", "rhs", "label", "estimate", "se", "z", "p_value", "ci_low",
            "ci_high", "std_lv", "std_all", "term", "df"]  # fmt: skip


@dataclass(frozen=True, eq=False)
class SEMResult:
    """A fitted structural equation model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per parameter (lavaan ``parameterEstimates`` order), defined
        parameters last; see :meth:`to_frame`.
    estimate, se : ndarray, shape (k,)
        Estimates and standard errors of every row of ``table`` (``se`` is 0 for
        fixed parameters, as lavaan).
    vcov : ndarray, shape (q, q)
        Covariance of the free parameters.
    df : float
        Degrees of freedom of the intervals: ``inf`` (normal, as lavaan) for
        ``se="standard"``/``"robust"``, the design df for ``"design"``/``"replicate"``.
    conf_level : float
    method : str
        ``"standard"``, ``"robust"``, ``"robust.cluster"``, ``"design"`` (linearization)
        or the replicate method.
    fit : dict
        Fit measures with lavaan's names (see :meth:`fit_measures`).
    n_obs : float
        Total sample size ``N`` (sum of normalised weights).
    groups : tuple of str
        Group labels (one empty label without groups).
    replicate_estimates : ndarray or None, shape (R, k)
        Replicate values of every row of ``table`` (fixed rows repeat their value).
    seed : int or None
    iterations : int
        Fisher-scoring iterations of the full-sample fit.
    """

    table: pd.DataFrame = field(repr=False)
    estimate: np.ndarray = field(repr=False)
    se: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    df: float
    conf_level: float
    method: str
    fit: dict[str, float] = field(repr=False)
    n_obs: float
    groups: tuple[str, ...]
    replicate_estimates: np.ndarray | None = field(default=None, repr=False)
    seed: int | None = None
    iterations: int = 0

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Parameter estimates in lavaan's ``parameterEstimates(standardized=TRUE)`` layout.

        Columns: ``lhs, op, rhs, label`` (with several groups then ``group``, the
        1-based group number as lavaan, 0 for defined parameters, and ``group_label``),
        ``estimate, se, z, p_value, ci_low, ci_high, std_lv, std_all``, then
        ``term`` (``lhs op rhs``, the govstats id) and ``df``. ``names`` is accepted as
        by every model table (the terms are lavaan syntax either way).
        """
        columns = list(_COLUMNS)
        if len(self.groups) > 1:
            columns[4:4] = ["group", "group_label"]
        return self.table[columns].copy()

    def fit_measures(self) -> pd.Series:
        """Fit measures under lavaan ``fitMeasures`` names (chisq, cfi, tli, rmsea, srmr, ...)."""
        return pd.Series(self.fit, dtype=float)

    def summary(self) -> str:
        """Text summary: the fit line and the parameter table."""
        fm = self.fit
        lines = [
            f"SEM fit by ML, N = {self.n_obs:g}, standard errors: {self.method}",
            f"chisq = {fm['chisq']:.3f}, df = {fm['df']:g}, p = {fm['pvalue']:.4f}; "
            f"CFI = {fm['cfi']:.3f}, TLI = {fm['tli']:.3f}, RMSEA = {fm['rmsea']:.3f}, "
            f"SRMR = {fm['srmr']:.3f}",
        ]
        if self.seed is not None:
            lines.append(f"seed = {self.seed}")
        frame = self.to_frame().drop(columns=["term", "df"])
        lines.append(frame.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False, float_format=lambda v: f"{v:.4f}"))

    def __repr__(self) -> str:
        return (
            f"SEMResult(parameters={len(self.table)}, N={self.n_obs:g}, method={self.method!r}, "
            f"chisq={self.fit.get('chisq', np.nan):.3f}, df={self.fit.get('df', np.nan):g})"
        )

"""Augmented inverse-probability weighting (doubly robust) effects with design SEs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstats.causal import _kernels as _k
from govstats.causal._prepare import check_estimand, columns
from govstats.causal.propensity import check_trim, propensity_scores, scores_or_refuse
from govstats.design._coefficients import coefficient_frame
from govstats.design.inference import DEFAULT_LEVEL, check_level
from govstats.design.survey_design import SurveyDesign

__all__ = ["AIPWResult", "aipw"]


@dataclass(frozen=True, eq=False)
class AIPWResult:
    """A doubly robust effect with its potential-outcome means.

    Attributes
    ----------
    terms : tuple of str
        ``(estimand, "Y(1)", "Y(0)")``.
    estimate : ndarray, shape (3,)
    vcov : ndarray, shape (3, 3)
    df : int
        Design degrees of freedom.
    estimand : str
    method : str
        ``"linearization"`` or the replicate method.
    replicate_estimates : ndarray or None, shape (R, 3)
    conf_level : float
    seed : int or None
    n_obs : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"x": np.linspace(-1, 1, 40), "t": [0, 1] * 20})
    >>> df["y"] = df["x"] + 2 * df["t"]
    >>> aipw(SurveyDesign(df), "t", "y", ["x"]).to_frame()["term"].tolist()
    ['ATE', 'Y(1)', 'Y(0)']
    """

    terms: tuple[str, ...]
    estimate: np.ndarray
    vcov: np.ndarray
    df: int
    estimand: str
    method: str
    n_obs: int
    replicate_estimates: np.ndarray | None = field(default=None, repr=False)
    conf_level: float = DEFAULT_LEVEL
    seed: int | None = None

    @property
    def se(self) -> np.ndarray:
        """Design standard errors."""
        return np.asarray(np.sqrt(np.clip(np.diag(self.vcov), 0, None)))

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """``term``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``, ``t``, ``p_value``.

        ``names`` is accepted as by every model table (the estimands are spelled alike in R).
        """
        params = pd.Series(self.estimate, index=list(self.terms))
        return coefficient_frame(params, self.se, self.df, self.conf_level)

    def summary(self) -> str:
        """Text table of the effect and the potential-outcome means."""
        head = f"Doubly robust (AIPW) {self.estimand} ({self.method}), n = {self.n_obs}"
        return head + "\n" + self.to_frame().to_string(index=False, float_format="{:.6g}".format)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        return (
            f"AIPWResult({self.estimand}={self.estimate[0]:.4g} (se {self.se[0]:.3g}); "
            f"df={self.df}, {self.method})"
        )


def aipw(
    design: SurveyDesign,
    treatment: str,
    outcome: str,
    covariates: Sequence[str],
    estimand: str = "ATE",
    *,
    trim: float | None = None,
    level: float = DEFAULT_LEVEL,
) -> AIPWResult:
    """Doubly robust (augmented IPW) average effect with design-based standard errors.

    Parameters
    ----------
    design : SurveyDesign
        Linearization or replicate design.
    treatment : str
        0/1 treatment column.
    outcome : str
        Numeric outcome column.
    covariates : sequence of str
        Columns of both the propensity model (design-weighted logit) and the outcome
        models (design-weighted linear regressions within each arm).
    estimand : {"ATE", "ATT"}
    trim : float, optional
        Clip propensity scores into ``[trim, 1 - trim]``; without it 0 or 1 is refused.
    level : float, default 0.95

    Returns
    -------
    AIPWResult

    Notes
    -----
    See :func:`govstats.causal._kernels.aipw_scores` for the estimating equations.
    The estimate is consistent when either the propensity or the outcome model is
    right. Linearization: the influence of row ``i`` is
    ``(psi_i - theta d_i) / sum_j w_j d_j`` (``d = 1`` for ATE, ``t`` for ATT),
    whose weighted total's design covariance (strata, PSUs, fpc) is the variance;
    the nuisance models enter only at second order (Neyman orthogonality).
    Replicate designs re-estimate the propensity and outcome models in every
    replicate.

    References
    ----------
    Robins, J. M., Rotnitzky, A. and Zhao, L. P. (1994). Estimation of regression
    coefficients when some regressors are not always observed. *JASA* 89, 846-866.
    Chernozhukov, V. et al. (2018). Double/debiased machine learning. *Econometrics
    Journal* 21, C1-C68. Stata: ``teffects aipw (y x) (t x) [pw=w]``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> rng = np.random.default_rng(2)
    >>> x = rng.normal(size=1000)
    >>> t = (rng.random(1000) < 1 / (1 + np.exp(-x))).astype(int)
    >>> df = pd.DataFrame({"x": x, "t": t, "y": 2 * x + t + rng.normal(size=1000)})
    >>> fit = aipw(SurveyDesign(df), "t", "y", ["x"])
    >>> bool(abs(fit.estimate[0] - 1) < 3 * fit.se[0])
    True
    """
    estimand = check_estimand(estimand)
    level = check_level(level)
    trim = check_trim(trim)
    cols = columns(design, treatment, covariates, outcome)
    x, t, w, y = cols.x, cols.t, cols.w, cols.y
    assert y is not None
    beta, e = propensity_scores(x, t, w)
    e = scores_or_refuse(e, w, trim, treatment)
    estimate, score, denom = _k.aipw_scores(x, t, y, w, e, estimand)
    replicate_estimates = None
    reps = design.replicates
    if reps is None:
        infl = (score - denom[:, None] * estimate) / float(w @ denom)
        vcov = design.vcov_totals(infl * w[:, None])
    else:
        out = []
        for _, block in reps.weight_chunks(w):
            for r in range(block.shape[1]):
                wr = block[:, r]
                _, er = propensity_scores(x, t, wr, start=beta)
                er = scores_or_refuse(er, wr, trim, treatment)
                out.append(_k.aipw_scores(x, t, y, wr, er, estimand)[0])
        replicate_estimates = np.asarray(out)
        vcov = reps.vcov(replicate_estimates, estimate)
    return AIPWResult(
        terms=(estimand, "Y(1)", "Y(0)"),
        estimate=estimate,
        vcov=vcov,
        df=int(design.df),
        estimand=estimand,
        method=design.method,
        n_obs=int(np.count_nonzero(w)),
        replicate_estimates=replicate_estimates,
        conf_level=level,
        seed=None if reps is None else reps.seed,
    )

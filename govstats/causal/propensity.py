"""Propensity-score weights on a survey design (survey weight x inverse-probability weight)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from govstats.causal import _kernels as _k
from govstats.causal._prepare import check_estimand, columns
from govstats.design.survey_design import SurveyDesign
from govstats.errors import DataError, ModelError

__all__ = ["propensity_scores", "propensity_weights"]

#: Column the weighted design carries with the full-sample propensity score.
PROPENSITY_COLUMN = "_propensity"


def check_trim(trim: float | None) -> float | None:
    """Validate a trimming bound in (0, 0.5)."""
    if trim is None:
        return None
    value = float(trim)
    if not 0.0 < value < 0.5:
        raise ModelError(f"trim={trim!r} must lie in (0, 0.5), e.g. 0.01 (scores in [0.01, 0.99]).")
    return value


def scores_or_refuse(
    e: np.ndarray, w: np.ndarray, trim: float | None, treatment: str
) -> np.ndarray:
    """Clip scores into ``[trim, 1 - trim]``, or refuse scores of 0 or 1 when no trim is given."""
    if trim is not None:
        return np.asarray(np.clip(e, trim, 1 - trim))
    active = w > 0
    extreme = active & ((e < _k.EXTREME) | (e > 1 - _k.EXTREME))
    if extreme.any():
        rows = np.flatnonzero(extreme)
        raise DataError(
            f"{rows.size} rows have a propensity of {treatment!r} of 0 or 1 (first rows "
            f"{rows[:5].tolist()}): treated and untreated do not overlap there, so their "
            "inverse-probability weights are infinite. Pass trim=0.01 (or another bound) to "
            "clip the scores, or drop the covariate that separates the groups."
        )
    return e


def propensity_scores(
    x: np.ndarray, t: np.ndarray, w: np.ndarray, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Design-weighted logit fit: coefficients (p,) and scores (n,)."""
    beta = _k.logit(x, t, w, start=start)
    return beta, _k.predict(x, beta)


def propensity_weights(
    design: SurveyDesign,
    treatment: str,
    covariates: Sequence[str],
    estimand: str = "ATE",
    method: str = "logit",
    *,
    trim: float | None = None,
    stabilize: bool = False,
) -> SurveyDesign:
    """Weight a design by survey weight x inverse-probability weight (DuGoff et al. 2014).

    Parameters
    ----------
    design : SurveyDesign
        Linearization or replicate design.
    treatment : str
        0/1 (or bool) treatment column.
    covariates : sequence of str
        Columns of the propensity model (text and Categorical columns enter as dummies).
    estimand : {"ATE", "ATT"}
        Average effect in the population, or among the treated.
    method : {"logit"}
        The propensity model: a logistic regression weighted by the survey weights.
    trim : float, optional
        Clip the propensity scores into ``[trim, 1 - trim]``. Without it, scores of
        0 or 1 (no overlap) are refused.
    stabilize : bool, default False
        Stabilised weights (ATE: times the weighted share of the row's group; ATT:
        controls rescaled to the treated total).

    Returns
    -------
    SurveyDesign
        Same rows, strata and PSUs; analysis weights ``w_i * ipw_i``; the data carry the
        propensity score in column ``"_propensity"`` and ``data.attrs["treatment"]``.
        For a replicate design the propensity model is re-estimated under every
        replicate weight and the replicate weights become ``w_ir * ipw_ir``, so the
        replicate SEs include the propensity model's uncertainty. A linearization
        design treats the weights as fixed (as DuGoff et al.).

    Notes
    -----
    ``e_i = P(T = 1 | x_i)`` from ``sum_i w_i x_i (t_i - e_i) = 0``. ATE weights
    ``t/e + (1 - t)/(1 - e)``; ATT weights ``t + (1 - t) e/(1 - e)``. An effect is
    then any estimator on the new design, e.g. ``glm("y ~ treat")`` or the difference
    of domain means.

    References
    ----------
    DuGoff, E. H., Schuler, M. and Stuart, E. A. (2014). Generalizing observational
    study results: applying propensity score methods to complex surveys. *Health
    Services Research* 49, 284-303. Ridgeway, G. et al. (2015). Propensity score
    analysis with survey weighted data. *Journal of Causal Inference* 3, 237-249.
    R: ``svydesign(..., weights = ~ I(w * ipw))``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500)
    >>> t = (rng.random(500) < 1 / (1 + np.exp(-x))).astype(int)
    >>> df = pd.DataFrame({"x": x, "t": t, "y": x + t + rng.normal(size=500)})
    >>> weighted = propensity_weights(SurveyDesign(df), "t", ["x"])
    >>> fit = weighted.glm("y ~ t")
    >>> bool(abs(fit.params["t"] - 1) < 0.3)
    True
    """
    estimand = check_estimand(estimand)
    if method != "logit":
        raise ModelError(f"method={method!r}: only 'logit' propensity models are available.")
    trim = check_trim(trim)
    cols = columns(design, treatment, covariates)
    x, t, w = cols.x, cols.t, cols.w
    beta, e = propensity_scores(x, t, w)
    e = scores_or_refuse(e, w, trim, treatment)
    new_weights = w * _k.ipw(t, e, w, estimand, stabilize)
    replicates = design.replicates
    if replicates is not None:

        def adjust(block: np.ndarray) -> np.ndarray:
            out = np.empty_like(block)
            for r in range(block.shape[1]):
                wr = block[:, r]
                _, er = propensity_scores(x, t, wr, start=beta)
                er = scores_or_refuse(er, wr, trim, treatment)
                out[:, r] = wr * _k.ipw(t, er, wr, estimand, stabilize)
            return out

        replicates = replicates.reweighted(w, adjust)
    data = design.data.assign(**{PROPENSITY_COLUMN: np.where(w > 0, e, np.nan)})
    data.attrs = {**design.data.attrs, "treatment": treatment, "estimand": estimand}
    return SurveyDesign(
        data,
        design.weights,
        design.strata,
        design.psu,
        design.fpc,
        design.nest,
        design.lonely_psu,
        adjust_domain_lonely=design.adjust_domain_lonely,
        analysis_weights=new_weights,
        replicates=replicates,
        calibration=design.calibration,
        structure=design.structure,
    )

"""Covariate balance of treated and untreated groups before and after weighting."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from govstats.causal._prepare import columns
from govstats.design.survey_design import SurveyDesign
from govstats.errors import DataError

__all__ = ["balance"]


def _moments(x: np.ndarray, t: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    out = []
    for arm in (1, 0):
        wa = w * (t == arm)
        mean = (wa @ x) / wa.sum()
        var = (wa @ (x - mean) ** 2) / wa.sum()
        out.extend([mean, var])
    return tuple(out)


def balance(
    design_before: SurveyDesign,
    design_after: SurveyDesign,
    covariates: Sequence[str],
    *,
    treatment: str | None = None,
) -> pd.DataFrame:
    """Design-weighted standardized mean differences and variance ratios, before and after.

    Parameters
    ----------
    design_before : SurveyDesign
        The survey design (survey weights only).
    design_after : SurveyDesign
        The weighted design, usually from :func:`propensity_weights`, on the same rows.
    covariates : sequence of str
        Columns to compare (text and Categorical columns: one row per dummy).
    treatment : str, optional
        0/1 treatment column; default the one :func:`propensity_weights` recorded.

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per covariate term and ``stage`` (``"before"``, ``"after"``) with
        ``variable``, ``stage``, ``mean_treated``, ``mean_control``, ``smd`` and
        ``variance_ratio``.

    Notes
    -----
    ``smd = (m_1 - m_0) / sqrt((s_1^2 + s_0^2) / 2)`` with design-weighted means in
    each stage and the standard deviations of the *before* stage in both, so that the
    change shows the movement of the means alone (Austin and Stuart 2015).
    ``variance_ratio = s_1^2 / s_0^2`` with each stage's weights. Balance is commonly
    judged by ``|smd| < 0.1`` and variance ratios within 0.5 to 2.

    References
    ----------
    Austin, P. C. and Stuart, E. A. (2015). Moving towards best practice when using
    inverse probability of treatment weighting. *Statistics in Medicine* 34,
    3661-3679. R: ``cobalt::bal.tab(..., s.weights = w)``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> from govstats.causal import propensity_weights
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=800)
    >>> df = pd.DataFrame({"x": x, "t": (rng.random(800) < 1 / (1 + np.exp(-x))).astype(int)})
    >>> d = SurveyDesign(df)
    >>> table = balance(d, propensity_weights(d, "t", ["x"]), ["x"])
    >>> table[["variable", "stage"]].values.tolist()
    [['x', 'before'], ['x', 'after']]
    >>> bool(abs(table["smd"].iloc[1]) < abs(table["smd"].iloc[0]))
    True
    """
    if treatment is None:
        treatment = design_after.data.attrs.get("treatment")
        if treatment is None:
            raise DataError(
                "balance needs treatment=: design_after was not made by propensity_weights."
            )
    if len(design_before.data) != len(design_after.data):
        raise DataError(
            f"design_before has {len(design_before.data)} rows and design_after "
            f"{len(design_after.data)}: compare two weightings of the same sample."
        )
    before = columns(design_before, treatment, covariates)
    after = columns(design_after, treatment, covariates)
    keep = [j for j, term in enumerate(before.terms) if term != "Intercept"]
    terms = [before.terms[j] for j in keep]
    m1b, v1b, m0b, v0b = _moments(before.x[:, keep], before.t, before.w)
    m1a, v1a, m0a, v0a = _moments(after.x[:, keep], after.t, after.w)
    pooled = np.sqrt((v1b + v0b) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = {
            "variable": terms * 2,
            "stage": ["before"] * len(terms) + ["after"] * len(terms),
            "mean_treated": np.concatenate([m1b, m1a]),
            "mean_control": np.concatenate([m0b, m0a]),
            "smd": np.concatenate([(m1b - m0b) / pooled, (m1a - m0a) / pooled]),
            "variance_ratio": np.concatenate([v1b / v0b, v1a / v0a]),
        }
    frame = pd.DataFrame(rows)
    order = np.argsort(np.tile(np.arange(len(terms)), 2), kind="stable")
    return frame.iloc[order].reset_index(drop=True)

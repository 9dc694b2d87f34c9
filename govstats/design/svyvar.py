"""Population variances and covariances of survey variables (R ``svyvar``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import scipy.linalg

from govstats.design._columns import check_missing, domain_codes, expand
from govstats.design.inference import DEFAULT_LEVEL, check_level
from govstats.design.results import SurveyEstimate, make_estimate
from govstats.errors import DataError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign

__all__ = ["svyvar"]


def _pair_names(names: Sequence[str]) -> list[str]:
    # column-major order of the p x p matrix, as R's as.vector(coef(svyvar(...)))
    if len(names) == 1:
        return [str(names[0])]
    return [f"{row}:{col}" for col in names for row in names]


def svyvar(
    design: SurveyDesign,
    variables: str | Sequence[str],
    *,
    by: str | Sequence[str] | None = None,
    na_rm: bool = False,
    level: float = DEFAULT_LEVEL,
) -> SurveyEstimate:
    """Estimate the population variance (covariance matrix) of numeric columns (R ``svyvar``).

    Parameters
    ----------
    design : SurveyDesign
        Linearization or replicate design (a subset design gives domain variances).
    variables : str or sequence of str
        Numeric columns.
    by : str or sequence of str, optional
        Domain columns: the variance within every observed combination, each
        estimated on ``design.subset(domain)`` (R ``svyby(..., svyvar)``;
        covariances between domains are not estimated and left at zero).
    na_rm : bool, default False
        Leave rows with a missing value out (as a domain).
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    SurveyEstimate
        ``statistic="variance"``; one row per entry of the ``p x p`` matrix in
        column-major order (named ``"a:b"``; one variable: its name).

    Notes
    -----
    ``S = n/(n-1) * sum_i w_i (x_i - xbar)(x_i - xbar)^T / sum_i w_i``.
    Linearization (R ``svyvar.survey.design``): ``xbar`` is the design mean,
    held fixed, and ``S`` with its variance is the design mean of the products
    ``(x_i - xbar)(x_i - xbar)^T n/(n-1)``; ``n`` counts the rows with non-zero
    weight. Replicate designs (R ``svyvar.svyrep.design``): ``S`` is recomputed,
    ``xbar`` included, under every replicate weight; ``n`` counts the rows used.

    References
    ----------
    R: ``svyvar(~x, design, na.rm=FALSE)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0]})
    >>> round(float(SurveyDesign(df).var("y").estimate[0]), 6)
    1.666667
    """
    check_level(level)
    if by is not None:
        return _by_domain(design, variables, by, na_rm, level)
    columns = expand(design.data, variables, text_as_factor=False)
    if columns.level is not None and any(v is not None for v in columns.level):
        raise DataError(
            f"svyvar needs numeric columns; {list(columns.variable)} include a categorical one. "
            "Use proportion() for categorical variables."
        )
    names = list(columns.variable)
    p = len(names)
    active = design.weights_array != 0
    used, matrix = check_missing(
        columns, active, na_rm, "in the design" if design.is_full else "in the domain"
    )
    w = np.where(used, design.weights_array, 0.0)
    centre = (w @ matrix) / w.sum()
    dev = np.where(used[:, None], matrix - centre, 0.0)
    # entry (i, j) at position i + j p (column-major; the matrix is symmetric)
    products = (dev[:, :, None] * dev[:, None, :]).reshape(len(w), p * p)
    if design.replicates is None:
        n = float(np.count_nonzero(active))
        # incomplete rows (na_rm) stay missing, so they leave as a domain with the design df
        scaled = np.where(used[:, None], products * n / (n - 1), np.nan)
        temp = [f"__svyvar_{k}" for k in range(p * p)]
        data = design.data.assign(**{t: scaled[:, k] for k, t in enumerate(temp)})
        mean = replace(design, data=data).mean(temp, na_rm=na_rm)
        return make_estimate(
            "variance", _pair_names(names), mean.estimate, mean.vcov, mean.df,
            method=design.method, conf_level=level,
        )  # fmt: skip
    n = float(np.count_nonzero(used))
    reps = design.replicates
    # totals of w, w x and w x x^T under every replicate (deviations from the full-sample
    # mean: no cancellation of large squares)
    stacked = np.hstack([np.ones((len(w), 1)), dev, products]) * used[:, None]
    totals = reps.weighted_totals(w, stacked)
    full = w @ stacked

    def s_matrix(t: np.ndarray) -> np.ndarray:
        t = np.atleast_2d(t)
        sw, sx, sxx = t[:, :1], t[:, 1 : 1 + p], t[:, 1 + p :]
        mean = sx / sw
        outer = (mean[:, :, None] * mean[:, None, :]).reshape(-1, p * p)
        return np.asarray(n / (n - 1) * (sxx / sw - outer))

    estimate = s_matrix(full)[0]
    replicate_estimates = s_matrix(totals)
    vcov = reps.vcov(replicate_estimates, estimate)
    df = design.df
    return make_estimate(
        "variance", _pair_names(names), estimate, vcov, df,
        method=design.method, replicate_estimates=replicate_estimates,
        seed=reps.seed, conf_level=level,
    )  # fmt: skip


def _by_domain(
    design: SurveyDesign,
    variables: str | Sequence[str],
    by: str | Sequence[str],
    na_rm: bool,
    level: float,
) -> SurveyEstimate:
    codes, labels, names = domain_codes(design.data, by, design.weights_array != 0)
    parts = [
        svyvar(design.with_weights(np.where(codes == d, design.weights_array, 0.0)), variables,
               na_rm=na_rm, level=level)
        for d in range(len(labels))
    ]  # fmt: skip
    k = len(parts[0].variable)
    return make_estimate(
        "variance",
        [v for part in parts for v in part.variable],
        np.concatenate([part.estimate for part in parts]),
        scipy.linalg.block_diag(*[part.vcov for part in parts]),
        design.df,
        by=names,
        domain=[label for label in labels for _ in range(k)],
        method=design.method,
        seed=None if design.replicates is None else design.replicates.seed,
        conf_level=level,
    )

"""Confidence intervals for a proportion near 0 or 1 (R ``svyciprop``)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special

from govstats.design._proportion import proportion_limits
from govstats.design.inference import DEFAULT_LEVEL, check_level, critical_value
from govstats.design.results import SurveyEstimate
from govstats.errors import DataError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign

__all__ = ["ciprop"]

METHODS = ("logit", "mean", "asin", "xlogit", "beta")


def ciprop(
    design: SurveyDesign,
    variable: str,
    *,
    method: str = "logit",
    level: float = DEFAULT_LEVEL,
    na_rm: bool = False,
) -> SurveyEstimate:
    """Estimate a proportion with an interval that stays inside [0, 1] (R ``svyciprop``).

    Parameters
    ----------
    design : SurveyDesign
        Linearization or replicate design.
    variable : str
        A 0/1 (or boolean) column.
    method : {"logit", "mean", "asin", "xlogit", "beta"}
        ``"logit"`` (R default): Wald interval of the intercept of a design-based
        quasi-binomial GLM, back-transformed; ``"mean"``: the symmetric interval
        of the mean; ``"asin"`` / ``"xlogit"``: symmetric on the arcsine-square-root
        or logit scale (delta method); ``"beta"``: Korn and Graubard's beta
        interval with the effective sample size.
    level : float
        Confidence level.
    na_rm : bool
        Leave rows with a missing value out (as a domain).

    Returns
    -------
    SurveyEstimate
        ``statistic="proportion"``: the weighted mean, the standard error of the
        mean (as R reports), degrees of freedom ``design.df`` and the interval
        of ``method``.

    References
    ----------
    Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions
    with small expected number of positive counts estimated from survey data.
    *Survey Methodology* 24, 193-201. R: ``svyciprop(~y, design, method="logit")``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]})
    >>> r = SurveyDesign(df).ciprop("y", method="mean")
    >>> float(r.estimate[0])
    0.75
    """
    if method not in METHODS:
        raise DataError(f"method={method!r} is not supported; use one of {', '.join(METHODS)}.")
    series = design.data[variable] if variable in design.data.columns else None
    if series is None:
        raise DataError(f"column {variable!r} is not in the data; give a 0/1 column.")
    values = pd.to_numeric(series.astype("float64"), errors="coerce")
    bad = values.notna() & ~values.isin([0.0, 1.0])
    if bad.any():
        found = sorted(values[bad].unique())[:5]
        raise DataError(f"column {variable!r} must be 0/1 (or boolean); found {found}.")
    data = design.data.assign(**{variable: values})
    own = replace(design, data=data)
    mean = own.mean(variable, na_rm=na_rm, deff=False)
    p, var = float(mean.estimate[0]), float(mean.vcov[0, 0])
    se = np.sqrt(var)
    df = design.df
    alpha = 1 - check_level(level)
    crit = critical_value(df, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("mean", "asin", "xlogit", "beta"):
            n_rows = int(np.count_nonzero(own.weights_array))
            low, high = proportion_limits(p, se, crit, method, alpha, n_rows, df)
        else:
            fit = own.glm(f"`{variable}` ~ 1", family="quasibinomial", na_rm=na_rm)
            b, b_se = float(fit.params.iloc[0]), float(fit.se.iloc[0])
            low, high = special.expit(b - crit * b_se), special.expit(b + crit * b_se)
    return SurveyEstimate(
        statistic="proportion",
        variable=(variable,),
        estimate=np.array([p]),
        vcov=np.array([[var]]),
        df=int(df),
        ci_low=np.array([float(low)]),
        ci_high=np.array([float(high)]),
        method=design.method,
        conf_level=level,
        seed=None if design.replicates is None else design.replicates.seed,
    )

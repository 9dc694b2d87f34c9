"""Linear and nonlinear contrasts of estimates with delta-method SEs (R ``svycontrast``).

A contrast is a dict of weights by estimate name (``{"api00": 1, "api99": -1}``), a
sequence of weights in the order of the estimates, or an expression string in the
names (``"api00 / api99"``, ``"exp(`stype[T.H]`)"``). Several contrasts are a list of
them or a dict of named ones. Expressions are parsed into a small, safe arithmetic
tree (numbers, names, ``+ - * / **``, and ``exp``, ``log``, ``sqrt``, ``log1p``,
``expm1``, ``sin``, ``cos``, ``tan``, ``plogis``), never evaluated as Python, and
differentiated exactly by complex-step differentiation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govstats.design._contrast import ContrastSpec, evaluate_expression
from govstats.design.inference import DEFAULT_LEVEL

if TYPE_CHECKING:
    from govstats.design.glm import GLMResult
    from govstats.design.mlogit import MLogitResult
    from govstats.design.olr import OLRResult
    from govstats.design.results import SurveyEstimate

__all__ = ["ContrastSpec", "contrast", "evaluate_expression"]


def contrast(
    result: SurveyEstimate | GLMResult | OLRResult | MLogitResult,
    spec: ContrastSpec,
    *,
    level: float = DEFAULT_LEVEL,
) -> SurveyEstimate:
    """Linear or nonlinear contrasts of estimates with delta-method SEs (R ``svycontrast``).

    Parameters
    ----------
    result : SurveyEstimate, GLMResult, OLRResult or MLogitResult
        Estimates with a covariance matrix; names are those of ``result.names`` or
        ``result.params``.
    spec : dict, sequence, str, or a list / dict of them
        ``{"name": weight, ...}`` (names left out weigh 0), weights in estimate
        order, or an expression string. A list gives several contrasts; a dict
        whose values are contrasts gives named ones. R's spellings work too
        (``stypeH``, ``(Intercept)`` in backquotes; ``E`` for the domain ``E`` of a
        one-variable ``by`` result).
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    SurveyEstimate
        ``statistic="contrast"``, one row per contrast, t intervals on the
        result's df.

    Notes
    -----
    Linear: ``L theta`` with covariance ``L V L'``. Nonlinear: ``g(theta)`` with
    covariance ``G V G'``, ``G`` the exact gradient of ``g`` (R differentiates
    symbolically with ``deriv``; complex-step differentiation gives the same
    derivative to rounding).

    References
    ----------
    R: ``svycontrast(svymean(~api00 + api99, d), quote(api00 / api99))``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 2.0, 4.0, 4.0]})
    >>> m = SurveyDesign(df).mean(["a", "b"])
    >>> m.contrast({"a": 1, "b": -1}).estimate.tolist()
    [-0.5]
    >>> round(float(m.contrast("a / b").estimate[0]), 4)
    0.8333
    """
    return result.contrast(spec, level=level)

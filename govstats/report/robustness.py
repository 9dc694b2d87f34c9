"""The robustness section: IV, propensity weighting with its balance, chain sensitivity.

IV beside least squares with the first-stage F, the propensity-weighted and doubly
robust effects beside least squares with a love plot, and the chain's sensitivity
to correlated errors as a curve.

Computation (:func:`robustness_numbers`) is apart from drawing (:func:`love_plot`,
:func:`sensitivity_curve`); the figures are ``matplotlib.figure.Figure`` objects
drawn without pyplot's global state.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govstats.causal import aipw, balance, propensity_weights
from govstats.chain.sensitivity import SensitivityResult
from govstats.design.survey_design import SurveyDesign
from govstats.errors import GovstatsWarning, ReportError
from govstats.report._fonts import figure_font_family

__all__ = [
    "RobustnessNumbers",
    "draw_love_plot",
    "draw_sensitivity",
    "love_plot",
    "moving_terms",
    "robustness_numbers",
    "sensitivity_curve",
]

_TEXT = {
    "en": {
        "smd": "Standardized mean difference",
        "before": "survey weights",
        "after": "survey x propensity weights",
        "rho": "Correlation of the equation errors (rho)",
        "effect": "Effect",
    },
    "zh": {
        "smd": "标准化均值差",
        "before": "抽样权数",
        "after": "抽样权数×倾向得分权数",
        "rho": "方程误差的相关系数 (rho)",
        "effect": "效应",
    },
}


@dataclass(frozen=True)
class RobustnessNumbers:
    """What the robustness section reports.

    Attributes
    ----------
    iv : pandas.DataFrame
        ``method`` (``"least squares"``, ``"IV-2SLS"``), ``estimate``, ``se``,
        ``ci_low``, ``ci_high`` of the endogenous regressor, and ``first_stage_f``.
    weighting : pandas.DataFrame
        ``method`` (``"least squares"``, ``"IPW"``, ``"AIPW"``) with the treatment effect.
    balance : pandas.DataFrame
        From :func:`govstats.causal.balance`.
    """

    iv: pd.DataFrame
    weighting: pd.DataFrame
    balance: pd.DataFrame


def _row(method: str, frame: pd.DataFrame, key: str, term: str) -> dict[str, Any]:
    columns = ["estimate", "se", "ci_low", "ci_high"]
    values = np.asarray(frame.set_index(key).loc[term, columns], dtype=np.float64)
    return {"method": method, **{c: float(v) for c, v in zip(columns, values, strict=True)}}


def robustness_numbers(
    design: SurveyDesign,
    *,
    outcome: str = "egov_use",
    endogenous: str = "internet_hours",
    instrument: str = "z_broadband",
    exogenous: Sequence[str] = ("rural", "edu_years"),
    treatment: str = "broadband_home",
    covariates: Sequence[str] = ("digital_skill", "rural", "edu_years"),
) -> RobustnessNumbers:
    """Compute the IV, propensity-weighting and balance numbers of the section.

    The defaults are the causal columns of :func:`govstats.datasets.simulate_survey`,
    whose truths are in ``causal_truth`` (one more weekly hour: 0.08; home broadband,
    ATE: 0.6).

    Examples
    --------
    >>> import govstats as gs
    >>> sim = gs.datasets.simulate_survey(seed=3, n_persons=3000)
    >>> d = gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")
    >>> out = robustness_numbers(d)
    >>> out.iv["method"].tolist()
    ['least squares', 'IV-2SLS']
    """
    missing = [c for c in (outcome, endogenous, instrument, treatment, *exogenous, *covariates)
               if c not in design.data.columns]  # fmt: skip
    if missing:
        raise ReportError(f"the robustness section needs the columns {missing}.")
    exog = " + ".join(exogenous)
    ols = design.glm(f"{outcome} ~ {exog} + {endogenous}").to_frame()
    with warnings.catch_warnings():
        # a weak first stage is reported in the table (first_stage_f), not raised
        warnings.simplefilter("ignore", GovstatsWarning)
        iv = design.ivreg(f"{outcome} ~ 1 + {exog} + [{endogenous} ~ {instrument}]")
    f = float(iv.first_stage.partial_f[0])
    iv_table = pd.DataFrame(
        [
            {**_row("least squares", ols, "term", endogenous), "first_stage_f": np.nan},
            {**_row("IV-2SLS", iv.to_frame(), "term", endogenous), "first_stage_f": f},
        ]
    )
    weighted = propensity_weights(design, treatment, list(covariates))
    naive = design.glm(f"{outcome} ~ {treatment} + " + " + ".join(covariates)).to_frame()
    ipw = weighted.glm(f"{outcome} ~ {treatment}").to_frame()
    dr = aipw(design, treatment, outcome, list(covariates)).to_frame()
    weighting = pd.DataFrame(
        [
            _row("least squares", naive, "term", treatment),
            _row("IPW", ipw, "term", treatment),
            _row("AIPW", dr, "term", "ATE"),
        ]
    )
    return RobustnessNumbers(
        iv=iv_table, weighting=weighting, balance=balance(design, weighted, list(covariates))
    )


def _figure(size: tuple[float, float]) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def draw_love_plot(ax: Any, table: pd.DataFrame, lang: str = "en") -> None:
    """Draw |SMD| of every covariate before and after weighting into ``ax``."""
    text = _TEXT[lang]
    variables = list(dict.fromkeys(table["variable"]))
    y = np.arange(len(variables))[::-1]
    for stage, marker, color in (("before", "o", "#c0504d"), ("after", "s", "#1f5a96")):
        part = table[table["stage"] == stage].set_index("variable").reindex(variables)
        ax.scatter(part["smd"].abs(), y, marker=marker, color=color, label=text[stage])
    ax.axvline(0.1, color="#7f7f7f", lw=0.7, ls="--")
    ax.set_yticks(y, variables)
    ax.set_xlabel("|" + text["smd"] + "|")
    ax.legend(frameon=False, fontsize=7.5)


def love_plot(table: pd.DataFrame, *, lang: str = "en") -> Any:
    """Draw a love plot: |SMD| of every covariate before and after weighting.

    Parameters
    ----------
    table : pandas.DataFrame
        The tidy frame of :func:`govstats.causal.balance`.
    lang : {"en", "zh"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"variable": ["a", "a"], "stage": ["before", "after"],
    ...                   "smd": [0.4, 0.02]})
    >>> [float(v) for v in love_plot(t).get_size_inches()]
    [6.0, 1.85]
    """
    import matplotlib

    variables = list(dict.fromkeys(table["variable"]))
    with matplotlib.rc_context({"font.family": figure_font_family(), "font.size": 8.5}):
        fig = _figure((6.0, 1.6 + 0.25 * len(variables)))
        draw_love_plot(fig.subplots(), table, lang)
    return fig


def moving_terms(curves: pd.DataFrame) -> list[str]:
    """Return the effects of a sensitivity curve that move with rho (not the direct one).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"term": ["a", "a", "direct", "direct", "b", "b"],
    ...                   "estimate": [0.1, 0.2, 0.1, 0.3, 0.5, 0.5]})
    >>> moving_terms(c)
    ['a']
    """
    grouped = curves.groupby("term", sort=False)["estimate"]
    moved = grouped.agg(lambda s: s.max() - s.min())
    scale = grouped.agg(lambda s: s.abs().max())
    # an effect that is invariant in exact arithmetic still moves by rounding
    tol = 1e-9 * (1.0 + scale)
    return [str(t) for t in dict.fromkeys(curves["term"]) if moved[t] > tol[t] and t != "direct"]


def draw_sensitivity(
    ax: Any,
    curves: pd.DataFrame,
    link: Sequence[str],
    terms: Sequence[str] | None = None,
    lang: str = "en",
) -> None:
    """Draw the effects (with their intervals) against rho into ``ax``."""
    text = _TEXT[lang]
    terms = moving_terms(curves) if terms is None else terms
    colors = ["#1f5a96", "#c0504d", "#4d8f4d", "#8064a2", "#f79646", "#4bacc6"]
    for k, term in enumerate(terms):
        part = curves[curves["term"] == term]
        color = colors[k % len(colors)]
        ax.plot(part["rho"], part["estimate"], color=color, lw=1.2, label=term)
        ax.fill_between(part["rho"], part["ci_low"], part["ci_high"], color=color,
                        alpha=0.15, lw=0)  # fmt: skip
    ax.axhline(0.0, color="#7f7f7f", lw=0.7, ls="--")
    ax.axvline(0.0, color="#7f7f7f", lw=0.5, ls=":")
    ax.set_xlabel(text["rho"] + f": {link[0]} / {link[1]}")
    ax.set_ylabel(text["effect"])
    ax.legend(frameon=False, fontsize=7)


def sensitivity_curve(
    result: SensitivityResult, *, terms: Sequence[str] | None = None, lang: str = "en"
) -> Any:
    """Draw the effects (with their intervals) against the error correlation rho.

    Parameters
    ----------
    result : SensitivityResult
        From ``ChainResult.sensitivity``.
    terms : sequence of str, optional
        Effects to draw; default the specific indirect effects through the link and
        ``indirect_total``.
    lang : {"en", "zh"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    with matplotlib.rc_context({"font.family": figure_font_family(), "font.size": 8.5}):
        fig = _figure((6.0, 3.2))
        draw_sensitivity(fig.subplots(), result.curves, result.link, terms, lang)
    return fig

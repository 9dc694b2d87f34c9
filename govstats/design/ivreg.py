"""Design-based instrumental-variable regression (R ``survey::svyivreg``).

The point estimate is linearmodels' weighted two-stage least squares
(:class:`linearmodels.iv.IV2SLS` with the analysis weights); the variance is the
design's: the linearization of the 2SLS estimating equations through
:meth:`SurveyDesign.vcov_totals` (strata, multistage clusters, fpc, calibration),
or the replicate variance of the estimates refitted under every replicate weight.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS
from linearmodels.iv._utility import IVFormulaParser
from scipy import stats

from govstats.design import _iv
from govstats.design.inference import DEFAULT_LEVEL, check_level
from govstats.design.iv_results import EndogeneityTest, FirstStage, IVResult
from govstats.errors import DataError, DesignError, GovstatsWarning, ModelError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign

__all__ = ["EndogeneityTest", "FirstStage", "IVResult", "ivreg"]

#: First-stage F below which instruments are called weak (Staiger and Stock 1997).
WEAK_F = 10.0
#: Residual design df (design df + 1 - first-stage coefficients) below which an instrument
#: that varies only between PSUs is refused: its first-stage F would rest on a handful of
#: PSU totals, whose covariance has too few df to be estimated.
MIN_PSU_LEVEL_DF = 10
_QUOTED = re.compile(r"""Q\(\s*(['"])(.*?)\1\s*\)""")


# --------------------------------------------------------------------------- parsing
def _parse(design: SurveyDesign, formula: str) -> tuple[pd.DataFrame, ...]:
    if "~" not in formula or "[" not in formula:
        raise ModelError(
            f"formula {formula!r} has no endogenous block; write linearmodels' syntax "
            "'y ~ 1 + exog + [endog ~ instruments]'."
        )
    text = _QUOTED.sub(lambda m: f"`{m.group(2)}`", formula)
    try:
        parser = IVFormulaParser(text, design.data, context={"np": np})
        parts = (parser.dependent, parser.exog, parser.endog, parser.instruments)
    except Exception as error:
        names = re.findall(r"`([^`]+)`|([A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff.]*)", text)
        absent = [a or b for a, b in names if (a or b) not in design.data.columns]
        absent = [v for v in absent if v not in ("C", "Q", "np", "I")]
        hint = f" Columns not in the data: {absent}." if absent else ""
        raise ModelError(f"cannot build the IV model {formula!r}: {error}.{hint}") from error
    dep, exog, endog, instr = parts
    if endog is None or endog.shape[1] == 0 or instr is None or instr.shape[1] == 0:
        raise ModelError(
            f"formula {formula!r} needs endogenous regressors and instruments inside "
            "[endog ~ instruments]."
        )
    if instr.shape[1] < endog.shape[1]:
        raise ModelError(
            f"{endog.shape[1]} endogenous regressors {list(endog.columns)} but only "
            f"{instr.shape[1]} instruments {list(instr.columns)}: the model is not identified; "
            "add instruments."
        )
    if exog is None:
        exog = pd.DataFrame(index=dep.index)
    return dep, exog, endog, instr


def _names(frame: pd.DataFrame) -> list[str]:
    return [str(c).replace("`", "") for c in frame.columns]


# --------------------------------------------------------------------------- checks
def _check_psu_level_instruments(
    design: SurveyDesign, instr: np.ndarray, names: list[str], active: np.ndarray, k_z: int
) -> None:
    """Refuse instruments that only vary between PSUs when the PSUs cannot carry them."""
    psu = design.psu_index[active]
    n_psu = int(np.unique(psu).shape[0])
    within = []
    for j in range(instr.shape[1]):
        values = instr[active, j]
        low = np.full(design.n_psu, np.inf)
        high = np.full(design.n_psu, -np.inf)
        np.minimum.at(low, psu, values)
        np.maximum.at(high, psu, values)
        seen = np.isfinite(low)
        within.append(bool(np.all(high[seen] - low[seen] <= 1e-12 * (1 + np.abs(high[seen])))))
    if not all(within) or n_psu == int(active.sum()):
        return
    resid_df = design.df + 1 - k_z
    if resid_df < MIN_PSU_LEVEL_DF:
        raise DesignError(
            f"instrument(s) {names} are constant within every PSU, so the first stage rests on "
            f"the {n_psu} PSUs alone; with design df {design.df} and {k_z} first-stage "
            f"coefficients only {resid_df} residual df remain (at least {MIN_PSU_LEVEL_DF} are "
            "needed for a design-based first-stage F). Use a design with more PSUs, fewer "
            "exogenous regressors, or an instrument that varies within PSUs."
        )


def _columns(
    design: SurveyDesign, formula: str, na_rm: bool
) -> tuple[np.ndarray, np.ndarray, _iv.Layout, dict[str, list[str]]]:
    dep, exog, endog, instr = _parse(design, formula)
    names = {
        "y": _names(dep),
        "exog": _names(exog),
        "endog": _names(endog),
        "instr": _names(instr),
    }
    u = np.column_stack(
        [
            exog.to_numpy(dtype=np.float64, na_value=np.nan).reshape(len(dep), -1),
            endog.to_numpy(dtype=np.float64, na_value=np.nan),
            instr.to_numpy(dtype=np.float64, na_value=np.nan),
            dep.to_numpy(dtype=np.float64, na_value=np.nan)[:, :1],
        ]
    )
    layout = _iv.Layout(exog.shape[1], endog.shape[1], instr.shape[1])
    w = design.weights_array
    active = w != 0
    missing = ~np.isfinite(u).all(axis=1) & active
    if missing.any():
        if not na_rm:
            counts = pd.Series(
                (~np.isfinite(u[active])).sum(axis=0),
                index=names["exog"] + names["endog"] + names["instr"] + names["y"],
            )
            shown = ", ".join(f"{k!r} ({v} missing)" for k, v in counts.items() if v)
            raise DataError(
                f"missing values in the IV model variables {shown} in {int(missing.sum())} rows; "
                "pass na_rm=True to fit on the complete rows (as a domain), or impute them first."
            )
        active = active & ~missing
    if (w[active] < 0).any():
        raise DesignError(
            "IV regression needs non-negative analysis weights; calibrate with bounds."
        )
    u = np.where(active[:, None], u, 0.0)
    w = np.where(active, w, 0.0)
    return u, w, layout, names


def _linearmodels_beta(u: np.ndarray, w: np.ndarray, layout: _iv.Layout) -> np.ndarray:
    """Weighted 2SLS by linearmodels on the rows with weight."""
    rows = w > 0
    exog = u[rows][:, layout.exog] if layout.n_exog else None
    model = IV2SLS(
        u[rows, layout.y],
        exog,
        u[rows][:, layout.endog],
        u[rows][:, layout.z[layout.n_exog :]],
        weights=w[rows],
    )
    res = model.fit(cov_type="unadjusted")
    params = np.asarray(res.params, dtype=np.float64)
    # linearmodels orders exog then endog, as the layout does
    return params


# --------------------------------------------------------------------------- the fit
def ivreg(
    design: SurveyDesign, formula: str, *, level: float = DEFAULT_LEVEL, na_rm: bool = False
) -> IVResult:
    """Weighted two-stage least squares with design-based standard errors.

    Parameters
    ----------
    design : SurveyDesign
        Linearization (stratified, multistage, fpc, calibrated) or replicate design.
    formula : str
        linearmodels' syntax ``"y ~ 1 + exog1 + exog2 + [endog ~ instr1 + instr2]"``
        (``1 +`` for an intercept, as linearmodels). Quote names with dots as
        ```avg.ed``` or ``Q('avg.ed')``.
    level : float, default 0.95
        Confidence level of ``to_frame()`` intervals.
    na_rm : bool, default False
        Fit on complete rows (the others leave as a domain); otherwise missing values
        raise :class:`~govstats.errors.DataError`.

    Returns
    -------
    IVResult

    Raises
    ------
    ModelError
        No endogenous block, fewer instruments than endogenous regressors.
    DesignError
        Instruments constant within every PSU while the design has too few PSUs
        for their first stage.

    Warns
    -----
    GovstatsWarning
        A first-stage partial F below 10 (weak instruments).

    Notes
    -----
    ``beta = (Xhat'WX)^{-1} Xhat'Wy`` with ``Xhat = Z (Z'WZ)^{-1} Z'WX`` (computed by
    :class:`linearmodels.iv.IV2SLS` with the analysis weights). Linearization: the
    influence of row ``i`` is ``e_i Xhat_i (Xhat'WXhat)^{-1}`` with the structural
    residual ``e = y - X beta``, and the covariance is the design covariance of its
    weighted total (R ``svyivreg.survey.design``). Replicate designs refit under
    every replicate weight (from per-replicate moment matrices) and use R's
    ``svrVar``. The residual df is ``design df + 1 - p``.

    First stage: each endogenous regressor on ``Z``; the partial F is the design
    Wald statistic of the excluded instruments divided by their number, referred to
    F(q, design df + 1 - k_z); partial R^2 compares weighted residual sums of
    squares with and without the instruments. Durbin-Wu-Hausman: the design Wald F
    of the first-stage residuals added to the structural equation (control
    function); under exogeneity their coefficients are zero, where the plain
    sandwich is valid; replicate designs refit both stages in every replicate.

    R's ``summary(svyivreg(...))`` in survey 4.1-1 prints the design covariance
    multiplied by ``sigma^2`` (its ``vcov.svyivreg`` is not registered, so AER's
    ``vcov.ivreg`` is used); ``se * sigma`` reproduces those printed numbers.

    Unstratified with-replacement cluster designs: the covariance equals
    linearmodels' ``IV2SLS(..., weights=w).fit(cov_type="clustered",
    clusters=psu, debiased=False)`` times ``G / (G - 1)`` (G clusters); with
    ``debiased=True`` linearmodels multiplies by ``G/(G-1) (n-1)/(n-p)`` instead.

    References
    ----------
    Wooldridge, J. M. (2010). *Econometric Analysis of Cross Section and Panel
    Data*, 2nd ed., ch. 5. Lumley, T. R ``survey::svyivreg``:
    ``svyivreg(y ~ exog + endog | exog + instr, design)``. Staiger, D. and Stock,
    J. H. (1997). Instrumental variables regression with weak instruments.
    *Econometrica* 65, 557-586.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> rng = np.random.default_rng(3)
    >>> n = 600
    >>> z = rng.normal(size=n); u = rng.normal(size=n); c = rng.normal(size=n)
    >>> x = 0.8 * z + u + rng.normal(size=n)
    >>> df = pd.DataFrame({"y": 1 + 0.5 * x + c + u + rng.normal(size=n), "x": x, "z": z,
    ...                    "c": c, "h": np.arange(n) % 3, "psu": np.arange(n) // 5})
    >>> d = SurveyDesign(df, strata="h", psu="psu", nest=True)
    >>> fit = ivreg(d, "y ~ 1 + c + [x ~ z]")
    >>> fit.to_frame()["term"].tolist()
    ['Intercept', 'c', 'x']
    >>> bool(fit.first_stage.partial_f[0] > 10)
    True
    """
    level = check_level(level)
    u, w, layout, names = _columns(design, formula, na_rm)
    active = w > 0
    k_z = layout.n_exog + layout.n_instr
    _check_psu_level_instruments(
        design, u[:, layout.z[layout.n_exog :]], names["instr"], active, k_z
    )
    beta_lm = _linearmodels_beta(u, w, layout)
    m = _iv.moments(u, w)
    try:
        fit = _iv.fit_moments(m, layout)
    except np.linalg.LinAlgError as error:
        raise ModelError(
            f"the IV model {formula!r} is singular (collinear regressors or instruments): {error}"
        ) from error
    fit = _iv.MomentFit(beta=beta_lm, first_stage=fit.first_stage, control=fit.control)
    p = layout.n_exog + layout.n_endog
    n_first = k_z * layout.n_endog
    replicate_estimates = None
    if design.replicates is None:
        infl = _iv.influence(u, w, layout, fit)
        vcov_all = design.vcov_totals(infl * w[:, None])
        dfull = design.df
    else:
        reps = design.replicates
        totals = reps.weighted_totals(w, _iv.outer_rows(u))
        m_r = totals.reshape(-1, layout.k, layout.k)
        rfit = _iv.fit_moments(m_r, layout)
        stacked = np.hstack([rfit.beta, rfit.first_stage.transpose(0, 2, 1).reshape(len(m_r), -1)])
        full = np.concatenate([fit.beta, fit.first_stage.T.reshape(-1)])
        # the control function is undefined where the instruments reproduce an endogenous
        # regressor exactly: its block is left missing, the others are unaffected
        n_control = fit.control.size
        vcov_all = np.full((p + n_first + n_control,) * 2, np.nan)
        vcov_all[: p + n_first, : p + n_first] = reps.vcov(stacked, full)
        if np.isfinite(fit.control).all() and np.isfinite(rfit.control).all():
            vcov_all[p + n_first :, p + n_first :] = reps.vcov(rfit.control, fit.control)
        replicate_estimates = rfit.beta
        dfull = design.df
    df = int(dfull + 1 - p)
    cov = vcov_all[:p, :p]
    first = _first_stage(fit, vcov_all[p : p + n_first, p : p + n_first], m, layout, names,
                         dfull)  # fmt: skip
    endog_test = _endogeneity(fit, vcov_all[p + n_first :, p + n_first :], layout, dfull)
    if np.any(first.partial_f < WEAK_F):
        weak = [f"{n!r} (F = {f:.3g})" for n, f in zip(first.endogenous, first.partial_f,
                                                         strict=True) if f < WEAK_F]  # fmt: skip
        warnings.warn(
            f"weak instruments: first-stage partial F below {WEAK_F:g} for {', '.join(weak)}; "
            "2SLS is biased towards OLS and its intervals are unreliable. Use stronger "
            "instruments or a weak-instrument-robust test.",
            GovstatsWarning,
            stacklevel=3,
        )
    terms = names["exog"] + names["endog"]
    e = u[:, layout.y] - u[:, layout.x] @ fit.beta
    sigma = float(np.sqrt(np.sum(w * e**2) / (active.sum() - p)) / np.sqrt(w[active].mean()))
    return IVResult(
        params=pd.Series(fit.beta, index=terms),
        cov=pd.DataFrame(cov, index=terms, columns=terms),
        df=df,
        method=design.method,
        first_stage=first,
        endogeneity=endog_test,
        sigma=sigma,
        n_obs=int(active.sum()),
        formula=formula,
        replicate_estimates=replicate_estimates,
        conf_level=level,
        seed=None if design.replicates is None else design.replicates.seed,
    )


def _first_stage(
    fit: _iv.MomentFit,
    vcov: np.ndarray,
    m: np.ndarray,
    layout: _iv.Layout,
    names: dict[str, list[str]],
    design_df: int,
) -> FirstStage:
    k_z = layout.n_exog + layout.n_instr
    q = layout.n_instr
    df_den = float(design_df + 1 - k_z)
    f_values, p_values = [], []
    exact = _iv.residual_share(m, layout) <= _iv.EXACT
    for j in range(layout.n_endog):
        block = slice(j * k_z, (j + 1) * k_z)
        coef = fit.first_stage[:, j][layout.n_exog :]
        v = vcov[block, block][layout.n_exog :, layout.n_exog :]
        f = float("inf") if exact[j] else _iv.wald(coef, v) / q
        f_values.append(f)
        p_values.append(float(stats.f.sf(f, q, df_den)) if df_den > 0 else np.nan)
    rows = names["exog"] + names["instr"]
    return FirstStage(
        endogenous=tuple(names["endog"]),
        instruments=tuple(names["instr"]),
        coef=pd.DataFrame(fit.first_stage, index=rows, columns=names["endog"]),
        partial_f=np.asarray(f_values),
        df_num=float(q),
        df_den=df_den,
        p_value=np.asarray(p_values),
        partial_r2=_iv.partial_r2(m, layout),
    )


def _endogeneity(
    fit: _iv.MomentFit, vcov: np.ndarray, layout: _iv.Layout, design_df: int
) -> EndogeneityTest:
    p = layout.n_exog + layout.n_endog
    k = layout.n_endog
    coef = fit.control[p:]
    v = vcov[p:, p:]
    stat = _iv.wald(coef, v) / k if np.isfinite(v).all() and np.isfinite(coef).all() else np.nan
    df_den = float(design_df + 1 - p - k)
    return EndogeneityTest(
        coef=coef,
        se=np.sqrt(np.clip(np.diag(v), 0, None)),
        statistic=stat,
        df_num=float(k),
        df_den=df_den,
        p_value=float(stats.f.sf(stat, k, df_den)) if df_den > 0 else float("nan"),
    )

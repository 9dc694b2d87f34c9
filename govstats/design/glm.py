"""Design-based generalized linear models (R ``svyglm``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import formulaic
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from govstats.design import _kernel
from govstats.design._columns import factor_levels, is_factor
from govstats.design._irls import IRLSFit, family_kind, irls
from govstats.design._structure import check_columns
from govstats.design.results import t_interval
from govstats.errors import DataError, DesignError, ModelError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign

__all__ = ["GLMResult", "svyglm"]

_FAMILIES = {
    "gaussian": sm.families.Gaussian,
    "binomial": sm.families.Binomial,
    "quasibinomial": sm.families.Binomial,
    "poisson": sm.families.Poisson,
    "quasipoisson": sm.families.Poisson,
}
_QUOTED = re.compile(r"""Q\(\s*(['"])(.*?)\1\s*\)""")


@dataclass(frozen=True, eq=False)
class GLMResult:
    """A design-based GLM fit.

    Coefficient names follow R: the intercept is ``"(Intercept)"``, numeric
    terms keep their column name, factor terms use formulaic's
    ``"name[T.level]"``.

    Attributes
    ----------
    params : pandas.Series
        Coefficients by term.
    cov : pandas.DataFrame
        Design-based (sandwich) covariance of the coefficients.
    df : int
        Residual degrees of freedom as R ``svyglm``: design df + 1 - number of
        coefficients; t tests and intervals use it.
    family : str
        ``"gaussian"``, ``"binomial"`` (quasi-binomial, as R) or ``"poisson"``.
    dispersion : float
        As R's ``summary`` reports it; not used for the standard errors.
        Linearization designs: design-weighted variance (R ``svyvar``, with
        ``n/(n-1)``) of the Pearson residuals ``(y - mu) / sqrt(V(mu))``
        (``summary.svyglm``). Replicate designs: ``sum_i g_i r_i^2`` with
        ``g_i = w_i / mean(w)`` the rescaled weights and ``r_i`` the Pearson
        residuals (``summary.svrepglm``).
    n_obs : int
        Rows used in the fit.
    method : str
        ``"linearization"`` or the replicate method.
    replicate_estimates : ndarray or None, shape (R, p)
        Coefficients refitted under every replicate weight.
    seed : int or None
        Seed of the replicate weights (bootstrap designs).

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0], "x": [0.0, 1.0, 2.0, 3.0]})
    >>> fit = SurveyDesign(df).glm("y ~ x")
    >>> list(fit.params.index), fit.df
    (['(Intercept)', 'x'], 2)
    """

    params: pd.Series
    cov: pd.DataFrame
    df: int
    family: str
    link: str
    dispersion: float
    n_obs: int
    formula: str
    method: str = "linearization"
    iterations: int = 0
    replicate_estimates: np.ndarray | None = field(default=None, repr=False)
    conf_level: float = 0.95
    seed: int | None = None

    @property
    def se(self) -> pd.Series:
        """Standard errors by term."""
        return pd.Series(
            np.sqrt(np.clip(np.diag(self.cov.to_numpy()), 0, None)), index=self.params.index
        )

    @property
    def estimate(self) -> np.ndarray:
        """Coefficients as an array (same order as :attr:`params`)."""
        return self.params.to_numpy()

    @property
    def vcov(self) -> np.ndarray:
        """Covariance of the coefficients as an array."""
        return self.cov.to_numpy()

    @property
    def tvalues(self) -> pd.Series:
        """T statistics ``params / se``."""
        return self.params / self.se

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p values on t with :attr:`df` degrees of freedom."""
        return pd.Series(
            2 * stats.t.sf(np.abs(self.tvalues.to_numpy()), self.df), index=self.params.index
        )

    def to_frame(self) -> pd.DataFrame:
        """Return one row per term.

        Columns: ``variable``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``,
        ``t``, ``p_value``.
        """
        se = self.se.to_numpy()
        low, high = t_interval(self.estimate, se, self.df, self.conf_level)
        return pd.DataFrame(
            {
                "variable": list(self.params.index),
                "estimate": self.estimate,
                "se": se,
                "ci_low": low,
                "ci_high": high,
                "df": self.df,
                "t": self.tvalues.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
            }
        )

    def summary(self) -> str:
        """Coefficient table with design-based standard errors."""
        head = (
            f"Design-based GLM ({self.family}, {self.link} link; {self.method}): {self.formula}\n"
            f"n = {self.n_obs}, residual df = {self.df}, dispersion = {self.dispersion:.6g}"
        )
        return (
            head + "\n" + self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.6g}")
        )

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        terms = ", ".join(f"{k}={v:.4g}" for k, v in list(self.params.items())[:4])
        more = ", ..." if len(self.params) > 4 else ""
        return f"GLMResult({self.family}: {terms}{more}; n={self.n_obs}, df={self.df})"


def _family(family: Any) -> tuple[Any, str]:
    if isinstance(family, str):
        key = family.lower()
        if key not in _FAMILIES:
            raise ModelError(f"family {family!r} is not supported; use one of {sorted(_FAMILIES)}.")
        return _FAMILIES[key](), family_kind(_FAMILIES[key]())
    return family, family_kind(family)


def _unquote(text: str) -> str:
    return _QUOTED.sub(lambda m: f"`{m.group(2)}`", text).strip()


def _response(data: pd.DataFrame, lhs: str, kind: str) -> np.ndarray:
    name = lhs.strip().strip("`")
    check_columns(data, [name], "response")
    series = data[name]
    if is_factor(series) or pd.api.types.is_bool_dtype(series):
        levels = factor_levels(series) if is_factor(series) else [False, True]
        if len(levels) != 2 or kind != "binomial":
            raise ModelError(
                f"response {name!r} is categorical with {len(levels)} levels; a binomial model "
                "needs exactly two (the first level is coded 0), other families need numbers."
            )
        y = (series.to_numpy(dtype=object) == levels[1]).astype(np.float64)
        y[pd.isna(series).to_numpy()] = np.nan
        return y
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _plain_columns(data: pd.DataFrame, rhs: str) -> list[str] | None:
    """Column names when ``rhs`` is only ``a + b + ...`` of numeric columns (no formula work)."""
    terms = [t.strip() for t in rhs.split("+")]
    names = [t[1:-1] if len(t) > 1 and t[0] == t[-1] == "`" else t for t in terms]
    if not names or any("`" in n or n not in data.columns for n in names):
        return None
    if len(set(names)) != len(names):
        return None
    for name in names:
        series = data[name]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            return None
    return names


def _design_matrix(
    design: SurveyDesign, formula: str, kind: str
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    if "~" not in formula:
        raise ModelError(f"formula {formula!r} has no '~'; write 'response ~ predictors'.")
    lhs, rhs = _unquote(formula).split("~", 1)
    y = _response(design.data, lhs, kind)
    simple = _plain_columns(design.data, rhs)
    if simple is not None:
        columns = [design.data[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in simple]
        x = np.column_stack([np.ones(len(design.data)), *columns])
        bad = np.isnan(y) | np.isnan(x).any(axis=1)
        return x, np.where(bad, np.nan, y), ["(Intercept)", *simple], [lhs.strip("` "), *simple]
    try:
        matrix = formulaic.model_matrix(rhs, design.data, na_action="ignore")
    except Exception as error:
        try:
            wanted = [str(v) for v in formulaic.Formula(rhs).required_variables]
        except Exception:
            wanted = []
        absent = [v for v in wanted if v not in design.data.columns]
        if absent:
            check_columns(design.data, absent, "predictor")
        raise ModelError(
            f"cannot build the model matrix for {rhs.strip()!r}: {error}. Quote names with dots, "
            'spaces or other symbols as `name` or Q("name").'
        ) from error
    used = sorted(str(v) for v in matrix.model_spec.variables_by_source.get("data", set()))
    names = ["(Intercept)" if c == "Intercept" else str(c) for c in matrix.columns]
    x = np.asarray(matrix, dtype=np.float64)
    predictors = [str(v) for v in used if str(v) in design.data.columns]
    raw_missing = design.data[predictors].isna().any(axis=1).to_numpy() if predictors else False
    bad = np.isnan(y) | np.isnan(x).any(axis=1) | raw_missing
    return x, np.where(bad, np.nan, y), names, [lhs.strip().strip("`"), *predictors]


def svyglm(
    design: SurveyDesign,
    formula: str,
    family: Any = "gaussian",
    *,
    na_rm: bool = False,
    maxiter: int = 25,
    tol: float = 1e-8,
) -> GLMResult:
    """Fit a GLM by weighted estimating equations with a design-based sandwich variance.

    Parameters
    ----------
    design : SurveyDesign
        Linearization or replicate design (a subset design fits the domain).
    formula : str
        ``"y ~ x1 + x2"`` (formulaic syntax). Quote names with dots or other
        symbols as ```api.stu``` or ``Q("api.stu")``; Chinese names work unquoted.
    family : str or statsmodels family
        ``"gaussian"``, ``"binomial"``/``"quasibinomial"``, ``"poisson"``/``"quasipoisson"``.
        Binomial fits are quasi-binomial as in R ``svyglm`` (non-integer weights);
        a two-level categorical response codes its first level 0.
    na_rm : bool
        Leave rows with a missing response or predictor out of the fit (as a domain);
        without it missing values raise :class:`~govstats.errors.DataError`.
    maxiter, tol : int, float
        IRLS control as R ``glm.control``.

    Returns
    -------
    GLMResult

    Notes
    -----
    Coefficients solve ``sum_i w_i x_i (y_i - mu_i) mu'_i / V(mu_i) = 0`` by R's
    ``glm.fit`` iterations (weights scaled to mean 1, as ``svyglm(rescale=TRUE)``).
    The covariance is ``A^{-1} B A^{-1}``: ``A = X'WX`` from the last working
    weights and ``B`` the design covariance (``vcov_totals``) of the score
    contributions, R ``svy.varcoef``. Replicate designs refit every replicate
    from the full-sample coefficients (linear models: one matrix product over
    PSUs) and use the replicate variance.

    References
    ----------
    Binder, D. A. (1983). On the variances of asymptotically normal estimators
    from complex surveys. *International Statistical Review* 51, 279-292.
    R: ``svyglm(y ~ x, design, family=quasibinomial())``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 3.0, 5.0, 7.0, 9.5], "x": [0.0, 1.0, 2.0, 3.0, 4.0]})
    >>> fit = SurveyDesign(df).glm("y ~ x")
    >>> round(float(fit.params["x"]), 3)
    2.1
    """
    fam, kind = _family(family)
    x, y, names, used = _design_matrix(design, formula, kind)
    active = design.weights_array != 0
    # R svyglm.svyrep.design takes degf() before dropping incomplete rows (the
    # linearization method after): the replicate df ignores missing values
    full_df = design.df
    # R svyglm(rescale=TRUE) scales the weights by their mean over the design's rows
    # before glm() drops incomplete ones; the scale only moves binomial starting values.
    weight_scale = float(design.weights_array[active].mean())
    missing = np.isnan(y) & active
    if missing.any():
        if not na_rm:
            counts = {c: int(design.data[c].isna().to_numpy()[active].sum()) for c in used}
            shown = ", ".join(f"{k!r} ({v} missing)" for k, v in counts.items() if v)
            raise DataError(
                f"missing values in the model variables {shown or used} "
                f"in {int(missing.sum())} rows; "
                "pass na_rm=True to fit on the complete rows (as a domain), or impute them first."
            )
        active = active & ~missing
        design = design.with_weights(np.where(active, design.weights_array, 0.0))
    if kind == "binomial" and ((y[active] < 0) | (y[active] > 1)).any():
        raise ModelError("a binomial response must lie in [0, 1] (or be a two-level factor).")
    if kind == "poisson" and (y[active] < 0).any():
        raise ModelError("a poisson response must be >= 0.")
    w = design.weights_array
    if (w[active] < 0).any():
        raise DesignError("a GLM needs non-negative analysis weights; calibrate with bounds.")
    y0 = np.where(active, y, 0.0)
    x = np.where(active[:, None], x, 0.0)
    prior = w / weight_scale
    fit = irls(x, y0, prior, fam, names, maxiter=maxiter, tol=tol)
    p = len(names)
    replicate_estimates = None
    if design.replicates is not None:
        replicate_estimates = _replicate_coefs(
            design, x, y0, fam, kind, names, fit, active, maxiter, tol
        )
        cov = design.replicates.vcov(replicate_estimates, fit.coef)
    else:
        influence = (x * (fit.working_residuals * fit.working_weights)[:, None]) @ fit.bread
        cov = design.vcov_totals(influence)
    variance = fam.variance(np.where(active, fit.mu, 0.5))
    pearson = np.where(active, (y0 - fit.mu) / np.sqrt(variance), 0.0)
    if design.replicates is None:
        # residuals.svyglm rescales by the mean weight of the rows kept (R drops incomplete
        # rows from the design) against the glm prior weights' mean over all design rows
        dispersion = _svyvar(pearson, w, active) * float(w[active].mean()) / weight_scale
    else:
        # R summary.svrepglm: sum(pweights * r^2) / sum(pweights) with residuals.svrepglm's
        # r = (y - mu) sqrt(prior) / sqrt(V(mu) pweights / sum(pweights)); that is the
        # prior-weighted sum of squared Pearson residuals (not divided by n)
        dispersion = float(np.sum(prior * pearson**2))
    return GLMResult(
        params=pd.Series(fit.coef, index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        df=int((design.df if design.replicates is None else full_df) + 1 - p),
        family=kind,
        link=type(fam.link).__name__.lower(),
        dispersion=dispersion,
        n_obs=int(active.sum()),
        formula=formula,
        method=design.method,
        iterations=fit.iterations,
        replicate_estimates=replicate_estimates,
        seed=None if design.replicates is None else design.replicates.seed,
    )


def _svyvar(values: np.ndarray, weights: np.ndarray, active: np.ndarray) -> float:
    """Weighted variance with Kish's n/(n-1), as R ``svyvar``."""
    n = int(active.sum())
    total = float(np.sum(weights[active]))
    centre = float(np.sum(weights * values) / total)
    ss = float(np.sum(np.where(active, weights * (values - centre) ** 2, 0.0)))
    return ss / total * n / max(n - 1, 1)


def _replicate_coefs(
    design: SurveyDesign,
    x: np.ndarray,
    y: np.ndarray,
    fam: Any,
    kind: str,
    names: list[str],
    fit: IRLSFit,
    active: np.ndarray,
    maxiter: int,
    tol: float,
) -> np.ndarray:
    replicates = design.replicates
    assert replicates is not None
    w = np.where(active, design.weights_array, 0.0)
    p = x.shape[1]
    if (
        kind == "gaussian"
        and type(fam.link).__name__ == "Identity"
        and replicates.factors is not None
    ):
        # Normal equations of every replicate from per-unit cross-products of [X, y]
        # (one small product per PSU, no n x p^2 array), then one product over units.
        xy = np.empty((x.shape[0], p + 1), order="F")
        xy[:, :p] = x
        xy[:, p] = y
        packed = _kernel.psu_crossproducts(xy, w, replicates.unit_index, replicates.n_units)
        full = _kernel.unpack(replicates.replicate_totals(packed), p + 1)
        return np.linalg.solve(full[:, :p, :p], full[:, :p, p:])[:, :, 0]
    out = []
    for _, chunk in replicates.weight_chunks(design.weights_array):
        for r in range(chunk.shape[1]):
            wr = np.where(active, chunk[:, r], 0.0)
            prior = wr / wr[wr > 0].mean()
            out.append(irls(x, y, prior, fam, names, start=fit.coef, maxiter=maxiter, tol=tol).coef)
    return np.asarray(out)

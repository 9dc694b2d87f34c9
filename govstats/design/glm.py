"""Design-based generalized linear models (R ``svyglm``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.genmod.families import Family

from govstats.design import _guards, _kernel
from govstats.design._coefficients import CoefficientAccessors
from govstats.design._glm_checks import check_fit, check_response
from govstats.design._glm_frame import design_matrix as _design_matrix
from govstats.design._glm_frame import resolve_family as _family
from govstats.design._irls import IRLSFit, irls
from govstats.design.inference import DEFAULT_LEVEL, check_level, domain_interval
from govstats.design.model_matrix import rename
from govstats.design.results import coefficient_contrast
from govstats.errors import DataError, DesignError, ModelError

if TYPE_CHECKING:
    from govstats.design._contrast import ContrastSpec
    from govstats.design.margins import Prediction
    from govstats.design.results import SurveyEstimate
    from govstats.design.survey_design import SurveyDesign
    from govstats.design.tests import NullValues, WaldTest

__all__ = ["GLMResult", "svyglm"]


@dataclass(frozen=True, eq=False)
class GLMResult(CoefficientAccessors):
    """A design-based GLM fit.

    Coefficients are named as formulaic names model-matrix columns
    (``"Intercept"``, ``"x"``, ``"stype[T.H]"``, ``"x:z"``);
    ``to_frame(names="r")`` spells them as R does (``"(Intercept)"``, ``"stypeH"``).

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
    (['Intercept', 'x'], 2)
    >>> fit.to_frame(names="r")["term"].tolist()
    ['(Intercept)', 'x']
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
    conf_level: float = DEFAULT_LEVEL
    seed: int | None = None
    design: SurveyDesign | None = field(default=None, repr=False)

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

    def to_frame(self, *, names: str = "formulaic", exponentiate: bool = False) -> pd.DataFrame:
        """Return one row per term.

        Parameters
        ----------
        names : {"formulaic", "r"}
            Spelling of the terms: formulaic's (``stype[T.H]``) or R's (``stypeH``).
        exponentiate : bool, default False
            Odds or rate ratios ``exp(b)`` with limits ``exp(ci)`` and delta-method
            standard errors ``exp(b) se`` (logit and log links).

        Returns
        -------
        pandas.DataFrame
            Columns ``term``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``
            (float), ``t``, ``p_value``.
        """
        se = self.se.to_numpy()
        low, high = domain_interval(self.estimate, se, self.df, self.conf_level)
        if exponentiate:
            from govstats.design.margins import exponentiated

            return exponentiated(self, low, high, names=names)
        return pd.DataFrame(
            {
                "term": rename(list(self.params.index), names),
                "estimate": self.estimate,
                "se": se,
                "ci_low": low,
                "ci_high": high,
                "df": float(self.df),
                "t": self.tvalues.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
            }
        )

    def summary(self) -> str:
        """Coefficient table with design-based standard errors."""
        head = (
            f"Design-based GLM ({self.family}, {self.link} link; {self.method}): {self.formula}\n"
            f"n = {self.n_obs}, residual df = {self.df}, dispersion = {self.dispersion:.6g}"
            + (f", replicate seed {self.seed}" if self.seed is not None else "")
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

    # ---------------------------------------------------------------- tests, contrasts, margins
    def wald_test(
        self, terms: str | list[str], *, null: NullValues = None, method: str = "Wald"
    ) -> WaldTest:
        """Wald test of model terms (R ``regTermTest``); see ``design.tests.wald_test``.

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 2, 2.5, 4, 3, 5.5], "x": [0.0, 1, 2, 3, 4, 5]})
        >>> round(SurveyDesign(df).glm("y ~ x").wald_test("x").p_value, 4)
        0.0058
        """
        from govstats.design import tests as _tests

        return _tests.term_wald_test(self, terms, null=null, method=method)

    def contrast(self, spec: ContrastSpec, *, level: float = DEFAULT_LEVEL) -> SurveyEstimate:
        """Linear or nonlinear combination of coefficients (R ``svycontrast``).

        See :func:`govstats.design.contrast.contrast`.

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [0.0, 0, 1, 0, 1, 1, 1, 0], "x": [1.0, 2, 3, 4, 5, 6, 7, 3]})
        >>> fit = SurveyDesign(df).glm("y ~ x", "binomial")
        >>> bool(fit.contrast("exp(x)").estimate[0] > 1)
        True
        """
        return coefficient_contrast(
            spec, self.params, self.cov, self.df, method=self.method, level=level, seed=self.seed
        )

    def pseudo_r2(self, method: str = "Cox-Snell") -> float:
        """Pseudo-R² (R ``psrsq``); R² for gaussian models.

        See :func:`govstats.design.margins.pseudo_r2`.

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [0.0, 0, 1, 0, 1, 1, 1, 0], "x": [1.0, 2, 3, 4, 5, 6, 7, 3]})
        >>> fit = SurveyDesign(df).glm("y ~ x", "binomial")
        >>> 0 < fit.pseudo_r2("Nagelkerke") < 1
        True
        """
        from govstats.design import margins as _margins

        return _margins.pseudo_r2(self, method)

    def predict(self, data: pd.DataFrame | None = None, type: str = "response") -> Prediction:
        """Predictions with design-based standard errors (R ``predict.svyglm``).

        See :func:`govstats.design.margins.predict`.

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [0.0, 0, 1, 0, 1, 1, 1, 0], "x": [1.0, 2, 3, 4, 5, 6, 7, 3]})
        >>> fit = SurveyDesign(df).glm("y ~ x", "binomial")
        >>> len(fit.predict().estimate)
        8
        """
        from govstats.design import margins as _margins

        return _margins.predict(self, data, type=type)

    def margins(
        self,
        variables: str | Sequence[str] | None = None,
        *,
        kind: str = "ame",
        at: Mapping[str, object] | None = None,
    ) -> SurveyEstimate:
        """Average or at-means marginal effects with unconditional design SEs.

        See :func:`govstats.design.margins.margins`.

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [0.0, 0, 1, 0, 1, 1, 1, 0], "x": [1.0, 2, 3, 4, 5, 6, 7, 3]})
        >>> fit = SurveyDesign(df).glm("y ~ x", "binomial")
        >>> fit.margins("x").to_frame()["variable"].tolist()
        ['x']
        """
        from govstats.design import margins as _margins

        return _margins.glm_effects(self, variables, kind=kind, at=at)


def svyglm(
    design: SurveyDesign,
    formula: str,
    family: str | Family = "gaussian",
    *,
    na_rm: bool = False,
    max_iter: int = 25,
    tol: float = 1e-8,
    level: float = DEFAULT_LEVEL,
) -> GLMResult:
    """Fit a GLM by weighted estimating equations with a design-based sandwich variance.

    Parameters
    ----------
    design : SurveyDesign
        Linearization or replicate design (a subset design fits the domain).
    formula : str
        ``"y ~ x1 + x2"`` (formulaic syntax). Quote names with dots or other
        symbols as ```api.stu``` or ``Q("api.stu")``; Chinese names work unquoted.
    family : str or statsmodels.genmod.families.Family
        ``"gaussian"``, ``"binomial"``/``"quasibinomial"``, ``"poisson"``/``"quasipoisson"``.
        Binomial fits are quasi-binomial as in R ``svyglm`` (non-integer weights);
        a two-level categorical response codes its first level 0.
    na_rm : bool
        Leave rows with a missing response or predictor out of the fit (as a domain);
        without it missing values raise :class:`~govstats.errors.DataError`.
    max_iter : int, default 25
        IRLS iterations (R ``glm.control(maxit=25)``).
    tol : float, default 1e-8
        Convergence criterion, R's ``glm.control(epsilon=1e-8)``: stop when the
        relative change of the deviance, ``|dev - dev_old| / (|dev| + 0.1)``, is
        below ``tol``.
    level : float, default 0.95
        Confidence level of the intervals in :meth:`GLMResult.to_frame`.

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
    check_level(level)
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
    check_response(y[active], used[0])
    w = design.weights_array
    if (w[active] < 0).any():
        raise DesignError("a GLM needs non-negative analysis weights; calibrate with bounds.")
    y0 = np.where(active, y, 0.0)
    # an infinite response, or one whose square overflows: an error, never NaN results
    _guards.check_value_scale(y0, [used[0]])
    if not active.all():  # rows outside the estimation rows carry zeros (and zero weight)
        x = np.where(active[:, None], x, 0.0)
    prior = w / weight_scale
    fit = irls(x, y0, prior, fam, names, max_iter=max_iter, tol=tol)
    rows = active & (prior > 0)
    every = bool(rows.all())
    check_fit(
        x if every else x[rows],
        y0 if every else y0[rows],
        fit.mu if every else fit.mu[rows],
        fit.working_weights if every else fit.working_weights[rows],
        names,
        kind,
        fit.relative,
    )
    p = len(names)
    replicate_estimates = None
    if design.replicates is not None:
        replicate_estimates = _replicate_coefs(
            design, x, y0, fam, kind, names, fit, active, max_iter, tol
        )
        cov = design.replicates.vcov(replicate_estimates, fit.coef)
    else:
        cov = _sandwich(design, x, fit)
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
        conf_level=float(level),
        seed=None if design.replicates is None else design.replicates.seed,
        design=design,
    )


def _sandwich(design: SurveyDesign, x: np.ndarray, fit: IRLSFit) -> np.ndarray:
    """``A^{-1} B A^{-1}``: ``B`` the design covariance of the score totals (R ``svy.varcoef``).

    A one-stage uncalibrated design needs only the PSU totals of the scores, summed
    column by column (no (n, p) influence matrix); otherwise the per-row influence
    values go through the calibration residuals and every stage.
    """
    rw = fit.working_residuals * fit.working_weights
    if design.can_aggregate:
        totals = np.empty((design.n_psu, x.shape[1]))
        for j in range(x.shape[1]):
            totals[:, j] = np.bincount(
                design.psu_index, weights=x[:, j] * rw, minlength=design.n_psu
            )
        middle = design.vcov_psu_totals(totals, present=design.weights_array != 0)
        return np.asarray(fit.bread @ middle @ fit.bread)
    return np.asarray(design.vcov_totals((x * rw[:, None]) @ fit.bread))


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
    max_iter: int,
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
            out.append(
                irls(x, y, prior, fam, names, start=fit.coef, max_iter=max_iter, tol=tol).coef
            )
    return np.asarray(out)

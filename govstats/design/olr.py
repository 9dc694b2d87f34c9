"""Design-based proportional-odds (ordinal) models (R ``svyolr``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special
from statsmodels.genmod import families

from govstats.design._coefficients import CoefficientAccessors, coefficient_frame
from govstats.design._formula import RHS, model_rhs, split_formula
from govstats.design._irls import irls
from govstats.design._links import cdf, pdf
from govstats.design._optim import RELTOL, optimhess, vmmin
from govstats.design._structure import check_columns
from govstats.design.inference import DEFAULT_LEVEL, check_level
from govstats.design.results import coefficient_contrast
from govstats.errors import ConvergenceError, DataError, DesignError, ModelError

if TYPE_CHECKING:
    from govstats.design._contrast import ContrastSpec
    from govstats.design.results import SurveyEstimate
    from govstats.design.survey_design import SurveyDesign
    from govstats.design.tests import NullValues, WaldTest

__all__ = ["OLRResult", "svyolr"]

LINKS = ("logit", "probit", "cloglog")


@dataclass(frozen=True, eq=False)
class OLRResult(CoefficientAccessors):
    """A design-based proportional-odds model ``P(Y <= j) = F(zeta_j - x'beta)``.

    Attributes
    ----------
    params : pandas.Series
        Slopes ``beta`` (no intercept), then the thresholds ``zeta`` named ``"a|b"`` as R.
    cov : pandas.DataFrame
        Design-based covariance of ``params``.
    df : int
        Degrees of freedom as R: design df minus the number of slopes.
    link : str
        ``"logit"``, ``"probit"`` or ``"cloglog"``.
    levels : tuple
        Response levels in order.
    n_coef : int
        Number of slopes (the first ``n_coef`` entries of ``params``).
    n_obs : int
        Rows used in the fit.
    formula, method : str
        The model formula; ``"linearization"`` or the replicate method.
    replicate_estimates : ndarray or None, shape (R, p)
        Parameters refitted under every replicate weight.
    conf_level : float
    seed : int or None
    design : SurveyDesign or None
        The design of the fit (rows outside it with zero weight); used by ``margins``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10)})
    >>> fit = SurveyDesign(df).olr("y ~ x")
    >>> list(fit.params.index)
    ['x', '1|2', '2|3']
    """

    params: pd.Series
    cov: pd.DataFrame
    df: int
    link: str
    levels: tuple[object, ...]
    n_coef: int
    n_obs: int
    formula: str
    method: str = "linearization"
    replicate_estimates: np.ndarray | None = field(default=None, repr=False)
    conf_level: float = 0.95
    seed: int | None = None
    design: SurveyDesign | None = field(default=None, repr=False)
    rhs: RHS | None = field(default=None, repr=False)
    influence: np.ndarray | None = field(default=None, repr=False)

    @property
    def coef(self) -> pd.Series:
        """The slopes ``beta`` only."""
        return self.params.iloc[: self.n_coef]

    @property
    def zeta(self) -> pd.Series:
        """The thresholds only."""
        return self.params.iloc[self.n_coef :]

    def to_frame(self, *, exponentiate: bool = False, names: str = "formulaic") -> pd.DataFrame:
        """One row per slope, then per threshold.

        Columns ``term, estimate, se, ci_low, ci_high, df, t, p_value``.
        ``exponentiate=True`` turns the slopes (not the thresholds) into odds ratios
        (logit link) with transformed limits and delta-method standard errors;
        ``names="r"`` spells the terms as R (``stypeH``).

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10)})
        >>> list(SurveyDesign(df).olr("y ~ x").to_frame().columns)
        ['term', 'estimate', 'se', 'ci_low', 'ci_high', 'df', 't', 'p_value']
        """
        return coefficient_frame(
            self.params,
            self.se.to_numpy(),
            self.df,
            self.conf_level,
            exponentiate=np.arange(len(self.params)) < self.n_coef if exponentiate else None,
            names=names,
        )

    def summary(self) -> str:
        """Coefficient table with design-based standard errors."""
        head = (
            f"Design-based proportional-odds model ({self.link} link; {self.method}): "
            f"{self.formula}\nn = {self.n_obs}, df = {self.df}"
        )
        return (
            head + "\n" + self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.6g}")
        )

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        terms = ", ".join(f"{k}={v:.4g}" for k, v in list(self.params.items())[:4])
        return f"OLRResult({self.link}: {terms}; n={self.n_obs}, df={self.df})"

    def contrast(self, spec: ContrastSpec, *, level: float = DEFAULT_LEVEL) -> SurveyEstimate:
        """Linear or nonlinear combination of the parameters (see ``design.contrast``).

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10)})
        >>> SurveyDesign(df).olr("y ~ x").contrast("exp(x)").to_frame()["variable"].tolist()
        ['contrast']
        """
        return coefficient_contrast(
            spec, self.params, self.cov, self.df, method=self.method, level=level, seed=self.seed
        )

    def wald_test(
        self, terms: str | list[str], *, null: NullValues = None, method: str = "Wald"
    ) -> WaldTest:
        """Wald test of model terms (R ``regTermTest`` on ``svyolr``), df = :attr:`df`.

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10)})
        >>> SurveyDesign(df).olr("y ~ x").wald_test("x").df
        1.0
        """
        from govstats.design import tests as _tests

        return _tests.term_wald_test(self, terms, null=null, method=method, ordinal=True)

    def margins(
        self,
        variables: str | Sequence[str] | None = None,
        *,
        kind: str = "ame",
        at: Mapping[str, object] | None = None,
    ) -> SurveyEstimate:
        """Marginal effects on every category's probability (see ``design.margins``).

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10)})
        >>> len(SurveyDesign(df).olr("y ~ x").margins("x").estimate)
        3
        """
        from govstats.design import margins as _margins

        return _margins.olr_effects(self, variables, kind=kind, at=at)


# ---------------------------------------------------------------- likelihood
@dataclass(frozen=True)
class _Problem:
    x: np.ndarray  # (n, pc) slopes' columns
    y: np.ndarray  # (n,) category 0..q
    w: np.ndarray  # (n,) weights
    q: int
    kind: str
    bounded: bool  # MASS::polr: infinite ends, arguments clamped to +-100
    # BFGS asks for the gradient where it has just evaluated the likelihood: keep the
    # last point's bounds and probabilities
    _last: dict[str, object] = field(default_factory=dict, repr=False)

    def _probabilities(
        self, par: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        key = par.tobytes()
        if self._last.get("key") != key:
            upper, lower, theta = self._parts(par)
            pr = cdf(self.kind, upper) - cdf(self.kind, lower)
            self._last.update(key=key, value=(upper, lower, theta, pr))
        return self._last["value"]  # type: ignore[return-value]

    def _parts(self, par: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pc = self.x.shape[1]
        theta = par[pc:]
        zeta = np.cumsum(np.concatenate([theta[:1], np.exp(theta[1:])]))
        end = np.inf if self.bounded else 100.0
        gamm = np.concatenate([[-end], zeta, [end]])
        eta = self.x @ par[:pc] if pc else np.zeros(self.y.shape[0])
        upper = gamm[self.y + 1] - eta
        lower = gamm[self.y] - eta
        if self.bounded:
            upper = np.minimum(100.0, upper)
            lower = np.maximum(-100.0, lower)
        return upper, lower, theta

    def fn(self, par: np.ndarray) -> float:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _, _, _, pr = self._probabilities(par)
            if not (pr > 0).all():
                return float("inf")
            return float(-np.sum(self.w * np.log(pr)))

    def scores(self, par: np.ndarray, logdiff: bool) -> np.ndarray:
        """Per-row gradient of ``-w log pr`` (R ``gmini``), shape (n, pc + q)."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._scores(par, logdiff)

    def _scores(self, par: np.ndarray, logdiff: bool) -> np.ndarray:
        upper, lower, theta = self._parts(par)
        pr = cdf(self.kind, upper) - cdf(self.kind, lower)
        p1 = pdf(self.kind, upper)
        p2 = pdf(self.kind, lower)
        g1 = self.x * (self.w * (p1 - p2) / pr)[:, None]
        n = self.y.shape[0]
        # (n, q + 2) with p1 at column y + 1 and -p2 at column y, then the q inner columns
        xx = np.zeros((n, self.q + 2))
        rows = np.arange(n)
        xx[rows, self.y + 1] = p1
        xx[rows, self.y] -= p2
        g2 = -xx[:, 1:-1] * (self.w / pr)[:, None]
        if logdiff:
            g2 = g2 @ jacobian(theta)
        out = np.hstack([g1, g2])
        if not (pr > 0).all():
            out[:] = np.nan
        return out

    def gr(self, par: np.ndarray) -> np.ndarray:
        """Column sums of the per-row scores (R ``gmin``) without forming them."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            upper, lower, theta, pr = self._probabilities(par)
            if not (pr > 0).all():
                return np.full(par.shape, np.nan)
            r = self.w / pr
            a = r * pdf(self.kind, upper)
            b = r * pdf(self.kind, lower)
            g1 = self.x.T @ (a - b)
            # category k's threshold: + a from rows at level k, - b from rows at level k + 1
            g2 = (
                np.bincount(self.y, weights=b, minlength=self.q + 1)[1:]
                - np.bincount(self.y, weights=a, minlength=self.q + 1)[: self.q]
            )
            return np.concatenate([g1, g2 @ jacobian(theta)])


def jacobian(theta: np.ndarray) -> np.ndarray:
    """Return d zeta / d theta, ``zeta = cumsum(theta_1, exp(theta_2), ...)`` (R ``jacobian``)."""
    k = theta.size
    mat = np.zeros((k, k))
    mat[:, 0] = 1.0
    for i in range(1, k):
        mat[i:, i] = np.exp(theta[i])
    return mat


def _start(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, q: int, link: str, *, polr: bool, names: list[str]
) -> np.ndarray:
    """Return starting values as R: a binary GLM of ``y > q1`` and logistic-spaced thresholds."""
    q1 = (q + 1) // 2
    y1 = (y + 1 > q1).astype(np.float64)
    design = np.column_stack([np.ones(y.shape[0]), x])
    glm_link = families.links.Logit() if link == "logit" else families.links.Probit()
    family = families.Binomial(link=glm_link)
    try:
        fit = irls(design, y1, w, family, ["(Intercept)", *names])
    except ConvergenceError as error:
        raise ConvergenceError("attempt to find suitable starting values failed.") from error
    coefs = fit.coef
    spacing = special.logit(np.arange(1, q + 1) / (q + 1))
    if not polr or link != "logit":
        # R svyolr compares the method with "logit", never its name ("logistic"): it
        # always shrinks the spacing; MASS::polr does so for non-logistic links only
        spacing = spacing / 1.7
    gammas = -coefs[0] + spacing - spacing[q1 - 1]
    return np.concatenate([coefs[1:], gammas[:1], np.log(np.diff(gammas))])


def _fit(problem: _Problem, start: np.ndarray, max_iter: int, tol: float) -> np.ndarray:
    result = vmmin(problem.fn, problem.gr, start, max_iter=max_iter, tol=tol)
    if not result.converged:
        raise ConvergenceError(
            f"the ordinal model did not converge in max_iter={max_iter} BFGS iterations; "
            "raise max_iter or check for empty or perfectly predicted categories."
        )
    return result.par


def _natural(par: np.ndarray, pc: int) -> np.ndarray:
    theta = par[pc:]
    zeta = np.cumsum(np.concatenate([theta[:1], np.exp(theta[1:])]))
    return np.concatenate([par[:pc], zeta])


def _response(data: pd.DataFrame, name: str) -> tuple[np.ndarray, list[object]]:
    check_columns(data, [name], "response")
    series = data[name]
    if isinstance(series.dtype, pd.CategoricalDtype):
        levels = list(series.cat.categories)
        codes = series.cat.codes.to_numpy().astype(np.float64)
        codes[codes < 0] = np.nan
        return codes, levels
    if pd.api.types.is_bool_dtype(series):
        raise ModelError(f"response {name!r} is boolean; an ordinal model needs 3 or more levels.")
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        present = values[~np.isnan(values)]
        if present.size and not np.all(present == np.round(present)):
            raise ModelError(
                f"response {name!r} has non-integer values; pass an ordered Categorical or "
                "integer codes ordered by value."
            )
        levels_f = np.unique(present)
        codes = np.full(values.shape, np.nan)
        ok = ~np.isnan(values)
        codes[ok] = np.searchsorted(levels_f, values[ok])
        return codes, [int(v) for v in levels_f]
    raise ModelError(
        f"response {name!r} is text; convert it to an ordered pandas Categorical "
        "(pd.Categorical(values, categories=[...], ordered=True)) so the order is explicit."
    )


def svyolr(
    design: SurveyDesign,
    formula: str,
    link: str = "logit",
    *,
    na_rm: bool = False,
    max_iter: int = 100,
    tol: float = RELTOL,
    level: float = 0.95,
) -> OLRResult:
    """Fit a proportional-odds model with design-based standard errors (R ``svyolr``).

    Parameters
    ----------
    design : SurveyDesign
        Linearization or replicate design (a subset design fits the domain).
    formula : str
        ``"y ~ x1 + C(g)"``. The response is a pandas Categorical (its category
        order; ordered or not) or integer codes ordered by value, with 3 or more levels.
    link : {"logit", "probit", "cloglog"}
        Distribution ``F`` of the latent error.
    na_rm : bool, default False
        Leave rows with a missing response or predictor out (as a domain).
    max_iter, tol : int, float
        R ``optim`` BFGS controls (``maxit`` 100, ``reltol`` ``sqrt(eps)``).
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    OLRResult

    Notes
    -----
    ``P(Y <= j | x) = F(zeta_j - x'beta)``. The weighted log-likelihood is maximised
    over ``(beta, theta)`` with ``zeta = cumsum(theta_1, exp(theta_2), ...)`` by R's
    BFGS from R's starting values, so estimates agree with R at R's own stopping
    rule. Linearization designs (R ``svyolr.survey.design2``): the influence
    functions are the per-row scores times the inverse of the (finite-difference,
    as R) Hessian, and their design covariance is R ``svyrecvar`` (strata, PSUs,
    fpc, calibration). Replicate designs (R ``svyolr.svyrep.design``, which fits
    ``MASS::polr``): every replicate is refitted from the full-sample estimates and
    the covariance is R ``svrVar``.

    R's two methods differ for ``cloglog``: ``svyolr`` on a linearization design
    uses ``F(z) = exp(-exp(-z))`` (R survey's ``pgumbel``), ``MASS::polr`` on
    replicate designs ``F(z) = 1 - exp(-exp(z))``; govstats follows R in each.
    On replicate designs survey 4.1-1 refits the replicates with the logistic link
    whatever ``method=`` says; govstats refits them with the requested link, so
    probit and cloglog standard errors on replicate designs differ from R's.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys*, ch. 6. R: ``svyolr(y ~ x, design)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10)})
    >>> fit = SurveyDesign(df).olr("y ~ x")
    >>> round(float(fit.params["x"]), 4) > 0
    True
    """
    level = check_level(level)
    if link not in LINKS:
        raise ModelError(f"link={link!r} is not one of {', '.join(LINKS)}.")
    lhs, rhs_text = split_formula(formula)
    y, levels = _response(design.data, lhs)
    rhs = model_rhs(design.data, rhs_text)
    if "(Intercept)" not in rhs.names:
        raise ModelError(
            "an ordinal model needs the intercept (its thresholds replace it); "
            "remove '0 +' or '- 1' from the formula."
        )
    keep = [j for j, name in enumerate(rhs.names) if name != "(Intercept)"]
    names = [rhs.names[j] for j in keep]
    x_all = rhs.matrix[:, keep]
    active = design.weights_array != 0
    full_df = design.df
    missing = active & (np.isnan(y) | ~rhs.complete)
    if missing.any():
        if not na_rm:
            used = [lhs, *rhs.variables]
            counts = {c: int(design.data[c].isna().to_numpy()[active].sum()) for c in used}
            shown = ", ".join(f"{k!r} ({v} missing)" for k, v in counts.items() if v)
            raise DataError(
                f"missing values in the model variables {shown or used} in "
                f"{int(missing.sum())} rows; pass na_rm=True to fit on the complete rows "
                "(as a domain), or impute them first."
            )
        active = active & ~missing
        design = design.with_weights(np.where(active, design.weights_array, 0.0))
    w = design.weights_array
    if (w[active] < 0).any():
        raise DesignError("an ordinal model needs non-negative weights; calibrate with bounds.")
    q = len(levels) - 1
    if q < 2:
        raise ModelError(
            f"response {lhs!r} has {len(levels)} levels; an ordinal model needs 3 or more "
            "(use glm(family='binomial') for two)."
        )
    yc = np.where(active, y, 0).astype(np.int64)
    per_level = np.bincount(yc[active], minlength=q + 1)
    if (per_level == 0).any():
        empty = [str(levels[j]) for j in np.flatnonzero(per_level == 0)]
        raise ModelError(
            f"response {lhs!r} has no rows at level(s) {empty}; drop unused categories "
            "(series.cat.remove_unused_categories()) or merge them."
        )
    x = np.where(active[:, None], x_all, 0.0)
    pc = x.shape[1]
    threshold_names = [f"{_label(levels[j])}|{_label(levels[j + 1])}" for j in range(q)]
    all_names = [*names, *threshold_names]
    replicates = design.replicates
    if replicates is None:
        kind = "gumbel" if link == "cloglog" else link
        rows = active
        problem = _Problem(x[rows], yc[rows], w[rows], q, kind, bounded=False)
        start = _start(
            x[rows], yc[rows], w[rows] / w[rows].mean(), q, link, polr=False, names=names
        )
        par = _fit(problem, start, max_iter, tol)
        estimate = _natural(par, pc)
        hessian = optimhess(problem.gr, par)
        vc = np.linalg.pinv(hessian, rcond=float(np.sqrt(np.finfo(float).eps)))
        theta = np.concatenate([estimate[pc : pc + 1], np.log(np.diff(estimate[pc:]))])
        a = np.eye(pc + q)
        a[pc:, pc:] = jacobian(theta)
        vm = a @ vc @ a.T
        influence = np.zeros((w.shape[0], pc + q))
        influence[rows] = problem.scores(par, logdiff=False) @ np.linalg.inv(np.linalg.inv(vm))
        cov = design.vcov_totals(influence)
        replicate_estimates = None
        df = design.df - pc
        kept_influence: np.ndarray | None = influence
    else:
        rows = active
        problem = _Problem(x[rows], yc[rows], w[rows], q, link, bounded=True)
        start = _start(x[rows], yc[rows], w[rows], q, link, polr=True, names=names)
        par = _fit(problem, start, max_iter, tol)
        estimate = _natural(par, pc)
        # R passes the estimates as start= and polr.fit takes log differences again
        restart = np.concatenate([estimate[: pc + 1], np.log(np.diff(estimate[pc:]))])
        out = []
        for _, chunk in replicates.weight_chunks(np.where(active, w, 0.0)):
            for r in range(chunk.shape[1]):
                rep = _Problem(x[rows], yc[rows], chunk[rows, r], q, link, bounded=True)
                out.append(_natural(_fit(rep, restart, max_iter, tol), pc))
        replicate_estimates = np.asarray(out)
        cov = replicates.vcov(replicate_estimates, estimate)
        df = full_df - pc
        kept_influence = None
    return OLRResult(
        params=pd.Series(estimate, index=all_names),
        cov=pd.DataFrame(cov, index=all_names, columns=all_names),
        df=int(df),
        link=link,
        levels=tuple(levels),
        n_coef=pc,
        n_obs=int(active.sum()),
        formula=formula,
        method=design.method,
        replicate_estimates=replicate_estimates,
        conf_level=level,
        seed=None if replicates is None else replicates.seed,
        design=design,
        rhs=rhs,
        influence=kept_influence,
    )


def _label(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

"""Design-based multinomial logit models (Stata ``svy: mlogit``)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from govstats.design._coefficients import CoefficientAccessors, coefficient_frame
from govstats.design._formula import RHS, model_rhs, split_formula
from govstats.design._structure import check_columns
from govstats.design.categorical import factor_levels, is_categorical
from govstats.design.inference import DEFAULT_LEVEL, check_level
from govstats.design.results import coefficient_contrast
from govstats.errors import ConvergenceError, DataError, DesignError, ModelError

if TYPE_CHECKING:
    from govstats.design._contrast import ContrastSpec
    from govstats.design.results import SurveyEstimate
    from govstats.design.survey_design import SurveyDesign

__all__ = ["MLogitResult", "svymlogit"]


@dataclass(frozen=True, eq=False)
class MLogitResult(CoefficientAccessors):
    """A design-based multinomial logit model.

    ``log P(Y = k | x) / P(Y = base | x) = x' beta_k`` for every outcome ``k`` but the base.

    Attributes
    ----------
    params : pandas.Series
        Coefficients named ``"outcome:term"``, outcome by outcome (levels order,
        base left out), terms in model-matrix order.
    cov : pandas.DataFrame
        Design-based covariance.
    df : int
        Design degrees of freedom (Stata ``svy``: PSUs minus strata).
    levels : tuple
        Outcome levels in order; ``base`` is the reference outcome.
    base, base_index : object, int
    n_obs : int
    formula, method : str
    replicate_estimates : ndarray or None, shape (R, p)
    conf_level : float
    seed : int or None
    design, rhs, influence : kept for ``margins`` (not part of the printed result).

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": list("abcabcacbbca"), "x": [float(i % 5) for i in range(12)]})
    >>> list(SurveyDesign(df).mlogit("y ~ x").params.index)
    ['b:(Intercept)', 'b:x', 'c:(Intercept)', 'c:x']
    """

    params: pd.Series
    cov: pd.DataFrame
    df: int
    levels: tuple[object, ...]
    base: object
    base_index: int
    n_obs: int
    formula: str
    method: str = "linearization"
    replicate_estimates: np.ndarray | None = field(default=None, repr=False)
    conf_level: float = 0.95
    seed: int | None = None
    design: SurveyDesign | None = field(default=None, repr=False)
    rhs: RHS | None = field(default=None, repr=False)
    influence: np.ndarray | None = field(default=None, repr=False)

    def to_frame(self, *, exponentiate: bool = False, names: str = "formulaic") -> pd.DataFrame:
        """One row per coefficient; ``exponentiate=True`` gives relative-risk ratios.

        ``names="r"`` spells the terms as R (``H:stypeH``).

        Columns ``term, estimate, se, ci_low, ci_high, df, t, p_value``.
        """
        rows = np.ones(len(self.params), dtype=bool) if exponentiate else None
        return coefficient_frame(
            self.params,
            self.se.to_numpy(),
            self.df,
            self.conf_level,
            exponentiate=rows,
            names=names,
        )

    def summary(self) -> str:
        """Coefficient table with design-based standard errors."""
        head = (
            f"Design-based multinomial logit ({self.method}; base outcome {self.base!r}): "
            f"{self.formula}\nn = {self.n_obs}, df = {self.df}"
        )
        return (
            head + "\n" + self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.6g}")
        )

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        return (
            f"MLogitResult({len(self.levels)} outcomes, base {self.base!r}, "
            f"{len(self.params)} coefficients; n={self.n_obs}, df={self.df})"
        )

    def contrast(self, spec: ContrastSpec, *, level: float = DEFAULT_LEVEL) -> SurveyEstimate:
        """Linear or nonlinear combination of coefficients (see ``design.contrast``)."""
        return coefficient_contrast(
            spec, self.params, self.cov, self.df, method=self.method, level=level, seed=self.seed
        )

    def margins(
        self,
        variables: str | Sequence[str] | None = None,
        *,
        kind: str = "ame",
        at: Mapping[str, object] | None = None,
    ) -> SurveyEstimate:
        """Marginal effects on every outcome's probability (see ``design.margins``)."""
        from govstats.design import margins as _margins

        return _margins.mlogit_effects(self, variables, kind=kind, at=at)


def _probabilities(x: np.ndarray, beta: np.ndarray, base: int) -> np.ndarray:
    eta = np.insert(x @ beta.T, base, 0.0, axis=1)
    eta -= eta.max(axis=1, keepdims=True)
    e = np.exp(eta)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _others(k: int, base: int) -> np.ndarray:
    return np.array([j for j in range(k) if j != base])


def _scores(x: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray, base: int) -> np.ndarray:
    """Per-row weighted scores, shape (n, (K-1) p), outcome-major."""
    k = beta.shape[0] + 1
    prob = _probabilities(x, beta, base)
    others = _others(k, base)
    resid = (y[:, None] == others[None, :]).astype(float) - prob[:, others]
    return np.asarray(
        (resid[:, :, None] * x[:, None, :] * w[:, None, None]).reshape(x.shape[0], -1)
    )


def _information(x: np.ndarray, w: np.ndarray, beta: np.ndarray, base: int) -> np.ndarray:
    k = beta.shape[0] + 1
    p = x.shape[1]
    prob = _probabilities(x, beta, base)[:, _others(k, base)]
    info = np.zeros(((k - 1) * p, (k - 1) * p))
    for a in range(k - 1):
        for b in range(a, k - 1):
            c = prob[:, a] * ((a == b) - prob[:, b])
            block = (x * (w * c)[:, None]).T @ x
            info[a * p : (a + 1) * p, b * p : (b + 1) * p] = block
            info[b * p : (b + 1) * p, a * p : (a + 1) * p] = block.T
    return info


def _newton(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, k: int, base: int, start: np.ndarray,
    max_iter: int, tol: float,
) -> np.ndarray:  # fmt: skip
    scale = w[w > 0].mean()
    w = w / scale
    beta = start.copy()
    p = x.shape[1]

    def loglik(b: np.ndarray) -> float:
        prob = _probabilities(x, b, base)
        return float(w @ np.log(np.clip(prob[np.arange(y.size), y], 1e-300, None)))

    current = loglik(beta)
    for _ in range(max_iter):
        grad = _scores(x, y, w, beta, base).sum(axis=0)
        step = np.linalg.solve(_information(x, w, beta, base), grad).reshape(k - 1, p)
        t = 1.0
        while True:
            trial = beta + t * step
            value = loglik(trial)
            if value >= current - 1e-12 * abs(current) or t < 1e-8:
                break
            t /= 2
        change = abs(value - current) / (abs(value) + 0.1)
        beta, current = trial, value
        if change < tol and np.max(np.abs(t * step)) < 1e-8 * (1 + np.max(np.abs(beta))):
            return beta
    raise ConvergenceError(
        f"the multinomial logit did not converge in max_iter={max_iter} Newton steps; check "
        "for outcomes perfectly predicted by a predictor (separation) or raise max_iter."
    )


def svymlogit(
    design: SurveyDesign,
    formula: str,
    base: Hashable | None = None,
    *,
    na_rm: bool = False,
    max_iter: int = 25,
    tol: float = 1e-10,
    level: float = 0.95,
) -> MLogitResult:
    """Fit a multinomial logit model with design-based standard errors (Stata ``svy: mlogit``).

    Parameters
    ----------
    design : SurveyDesign
        Linearization or replicate design (a subset design fits the domain).
    formula : str
        ``"y ~ x1 + C(g)"``; the response is categorical (any number of levels >= 2).
    base : level, optional
        Reference outcome; default the first level (R ``nnet::multinom``; Stata's
        default is the most frequent outcome: pass it as ``base`` to match).
    na_rm : bool, default False
        Leave rows with a missing value out (as a domain).
    max_iter, tol : int, float
        Newton iterations and the relative change of the log-likelihood at which they stop.
    level : float, default 0.95

    Returns
    -------
    MLogitResult

    Notes
    -----
    The coefficients maximise the weighted log-likelihood
    ``sum_i w_i log P(y_i | x_i)`` (pseudo-maximum likelihood). Linearization
    designs: the influence of row ``i`` is ``I^{-1} s_i`` with ``s_i`` its weighted
    score and ``I`` the weighted information, and the covariance is its design
    covariance (R ``svyrecvar``; Stata's ``svy`` linearized VCE). Replicate designs
    refit every replicate from the full-sample estimates (R ``svrVar``).

    References
    ----------
    Stata: ``svy: mlogit y x, baseoutcome(1)``. R: a replicate loop over
    ``nnet::multinom(y ~ x, weights=w)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": list("abcabcacbbca"), "x": [float(i % 5) for i in range(12)]})
    >>> fit = SurveyDesign(df).mlogit("y ~ x")
    >>> fit.to_frame()["term"].tolist()
    ['b:(Intercept)', 'b:x', 'c:(Intercept)', 'c:x']
    """
    level = check_level(level)
    lhs, rhs_text = split_formula(formula)
    check_columns(design.data, [lhs], "response")
    series = design.data[lhs]
    if is_categorical(series) or pd.api.types.is_bool_dtype(series):
        levels = factor_levels(series) if is_categorical(series) else [False, True]
    else:
        levels = sorted(pd.unique(series.dropna()).tolist())
    values = series.to_numpy(dtype=object)
    y = np.full(len(series), -1, dtype=np.int64)
    for j, value in enumerate(levels):
        y[values == value] = j
    y[series.isna().to_numpy()] = -1
    if base is None:
        base_index = 0
    else:
        matches = [j for j, v in enumerate(levels) if v == base or str(v) == str(base)]
        if not matches:
            raise DataError(f"base={base!r} is not a level of {lhs!r}; levels: {levels}.")
        base_index = matches[0]
    rhs = model_rhs(design.data, rhs_text)
    active = design.weights_array != 0
    missing = active & ((y < 0) | ~rhs.complete)
    if missing.any():
        if not na_rm:
            raise DataError(
                f"missing values in {[lhs, *rhs.variables]} in {int(missing.sum())} rows; pass "
                "na_rm=True to fit on the complete rows (as a domain), or impute them first."
            )
        active = active & ~missing
        design = design.with_weights(np.where(active, design.weights_array, 0.0))
    w = design.weights_array
    if (w[active] < 0).any():
        raise DesignError("a multinomial model needs non-negative weights; calibrate with bounds.")
    k = len(levels)
    counts = np.bincount(y[active], minlength=k)
    if k < 2 or (counts == 0).any():
        raise ModelError(
            f"response {lhs!r} needs at least two outcomes, each observed; counts by level: "
            f"{dict(zip(map(str, levels), counts.tolist(), strict=True))}."
        )
    x = np.where(active[:, None], rhs.matrix, 0.0)
    yc = np.where(active, y, 0)
    p = x.shape[1]
    rows = active
    beta = _newton(x[rows], yc[rows], w[rows], k, base_index, np.zeros((k - 1, p)), max_iter, tol)
    estimate = beta.ravel()
    others = _others(k, base_index)
    names = [f"{levels[j]}:{term}" for j in others for term in rhs.names]
    replicate_estimates = None
    influence = None
    if design.replicates is None:
        info = _information(x[rows], w[rows], beta, base_index)
        influence = np.zeros((len(w), estimate.size))
        influence[rows] = _scores(x[rows], yc[rows], w[rows], beta, base_index) @ np.linalg.inv(
            info
        )
        cov = design.vcov_totals(influence)
    else:
        out = []
        for _, chunk in design.replicates.weight_chunks(np.where(active, w, 0.0)):
            for r in range(chunk.shape[1]):
                fit = _newton(x[rows], yc[rows], chunk[rows, r], k, base_index, beta, max_iter, tol)
                out.append(fit.ravel())
        replicate_estimates = np.asarray(out)
        cov = design.replicates.vcov(replicate_estimates, estimate)
    return MLogitResult(
        params=pd.Series(estimate, index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        df=int(design.df),
        levels=tuple(levels),
        base=levels[base_index],
        base_index=base_index,
        n_obs=int(active.sum()),
        formula=formula,
        method=design.method,
        replicate_estimates=replicate_estimates,
        conf_level=level,
        seed=None if design.replicates is None else design.replicates.seed,
        design=design,
        rhs=rhs,
        influence=influence,
    )

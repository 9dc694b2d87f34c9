"""Predictions, marginal effects, pseudo-R² and ratio tables of design-based models.

``predict`` is R ``predict.svyglm``; ``margins`` is Stata ``margins, dydx()
vce(unconditional)`` after ``svy:`` models (average marginal effects, or effects at
the means), for GLMs, ordinal and multinomial models; ``pseudo_r2`` is R ``psrsq``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from statsmodels.genmod import families

from govstats.design._formula import RHS, model_rhs, new_matrix, split_formula
from govstats.design._glm_frame import design_matrix as _design_matrix
from govstats.design._irls import deviance
from govstats.design._links import cdf, pdf
from govstats.design.categorical import factor_levels, is_categorical
from govstats.design.inference import t_interval
from govstats.design.model_matrix import rename
from govstats.design.results import SurveyEstimate, make_estimate
from govstats.errors import DataError, GovstatsWarning, ModelError

if TYPE_CHECKING:
    from govstats.design.glm import GLMResult
    from govstats.design.mlogit import MLogitResult
    from govstats.design.olr import OLRResult
    from govstats.design.survey_design import SurveyDesign

__all__ = ["Prediction", "exponentiated", "margins", "predict", "pseudo_r2"]

_LINKS = {
    name.lower(): getattr(families.links, name)
    for name in dir(families.links)
    if name[:1].isupper()
}
_VARIANCE = {
    "gaussian": lambda mu: np.ones_like(mu),
    "binomial": lambda mu: mu * (1 - mu),
    "poisson": lambda mu: mu,
}


@dataclass(frozen=True)
class Prediction:
    """Predictions of a model with design-based standard errors.

    Attributes
    ----------
    estimate, se, ci_low, ci_high : ndarray, shape (k,)
    df : int
        Degrees of freedom of the intervals (the model's).
    type : str
        ``"response"`` or ``"link"``.
    index : pandas.Index
        Row labels of the predicted rows.
    conf_level : float

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2, 2.5, 4, 3, 5.5], "x": [0.0, 1, 2, 3, 4, 5]})
    >>> pred = SurveyDesign(df).glm("y ~ x").predict(pd.DataFrame({"x": [1.0, 2.0]}))
    >>> pred.to_frame()["term"].tolist()
    [0, 1]
    """

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: int
    type: str
    index: pd.Index
    conf_level: float = 0.95

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Return one row per prediction: ``term, estimate, se, ci_low, ci_high, df``.

        ``term`` is the label of the predicted row; ``names`` is accepted as by every
        model table (row labels are not spelled differently in R).
        """
        return pd.DataFrame(
            {
                "term": self.index,
                "estimate": self.estimate,
                "se": self.se,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "df": float(self.df),
            }
        )

    def summary(self) -> str:
        """Predictions as text."""
        head = f"Predictions ({self.type} scale), {self.conf_level:.0%} intervals on {self.df} df"
        return head + "\n" + self.to_frame().to_string(index=False)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        return f"Prediction({self.type}: {len(self.estimate)} rows, df={self.df})"


def _rhs_of(model: OLRResult | MLogitResult) -> RHS:
    if model.rhs is None:
        raise ModelError("this model result does not keep its formula terms; refit it.")
    return model.rhs


# ---------------------------------------------------------------- GLM pieces
def _link(model: GLMResult) -> Any:
    if model.link not in _LINKS:
        raise ModelError(f"link {model.link!r} of the model is not known.")
    return _LINKS[model.link]()


def _design_of(model: Any) -> SurveyDesign:
    design = getattr(model, "design", None)
    if design is None:
        raise ModelError("this model result does not keep its design; refit it from the design.")
    return design  # type: ignore[no-any-return]


def _glm_rhs(model: GLMResult) -> RHS:
    design = _design_of(model)
    _, rhs_text = split_formula(model.formula)
    rhs = model_rhs(design.data, rhs_text)
    if rhs.names != rename([str(n) for n in model.params.index], "r"):
        raise ModelError("the model's coefficients do not match its formula on the design data.")
    return rhs


def _glm_response(model: GLMResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Response, model matrix and rows of the fit (weights non-zero)."""
    design = _design_of(model)
    x, y, _, _ = _design_matrix(design, model.formula, model.family)
    active = (design.weights_array != 0) & ~np.isnan(y)
    return np.where(active, y, 0.0), np.where(active[:, None], x, 0.0), active


def glm_influence(model: GLMResult) -> np.ndarray:
    """Per-row influence of the coefficients (their design covariance is ``model.cov``)."""
    design = _design_of(model)
    y, x, active = _glm_response(model)
    link = _link(model)
    eta = x @ model.params.to_numpy()
    mu = link.inverse(eta)
    dmu = link.inverse_deriv(eta)
    var = _VARIANCE[model.family](np.where(active, mu, 0.5))
    w = np.where(active, design.weights_array, 0.0)
    bread = np.linalg.inv((x * (w * dmu**2 / var)[:, None]).T @ x)
    return np.asarray((x * (w * (y - mu) * dmu / var)[:, None]) @ bread)


def predict(
    model: GLMResult, data: pd.DataFrame | None = None, *, type: str = "response"
) -> Prediction:
    """Predict from a design-based GLM with design-based standard errors (R ``predict.svyglm``).

    Parameters
    ----------
    model : GLMResult
    data : pandas.DataFrame, optional
        New rows; default the rows of the fit.
    type : {"response", "link"}
        Mean scale or linear predictor.

    Returns
    -------
    Prediction

    Notes
    -----
    ``se(eta) = sqrt(x' V x)`` with ``V`` the design covariance of the
    coefficients; on the response scale ``se(mu) = |dmu/deta| se(eta)``.

    References
    ----------
    R: ``predict(svyglm(y ~ x, design), newdata, type="response")``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0], "x": [0.0, 1.0, 2.0, 3.0]})
    >>> fit = SurveyDesign(df).glm("y ~ x")
    >>> fit.predict(pd.DataFrame({"x": [4.0]})).estimate.round(3).tolist()
    [4.75]
    """
    if type not in ("response", "link"):
        raise DataError(f"type={type!r} is not 'response' or 'link'.")
    rhs = _glm_rhs(model)
    if data is None:
        design = _design_of(model)
        rows = (design.weights_array != 0) & rhs.complete
        x = rhs.matrix[rows]
        index = design.data.index[rows]
    else:
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"data must be a pandas DataFrame, not {data.__class__.__name__}.")
        x = new_matrix(rhs, data)
        index = data.index
    eta = x @ model.params.to_numpy()
    var = np.einsum("ij,jk,ik->i", x, model.cov.to_numpy(), x)
    se = np.sqrt(np.clip(var, 0, None))
    if type == "response":
        link = _link(model)
        se = np.abs(link.inverse_deriv(eta)) * se
        eta = link.inverse(eta)
    low, high = t_interval(eta, se, model.df, model.conf_level)
    return Prediction(np.asarray(eta), se, low, high, int(model.df), type, index, model.conf_level)


def pseudo_r2(model: GLMResult, method: str = "Cox-Snell") -> float:
    """Pseudo-R² of a design-based GLM (R ``psrsq``); R² of a gaussian model.

    Parameters
    ----------
    model : GLMResult
    method : {"Cox-Snell", "Nagelkerke"}

    Returns
    -------
    float

    Notes
    -----
    With ``D = sum_i w_i d_i`` the weighted deviances of the model and of the
    intercept-only model and ``N = sum_i w_i``: Cox–Snell ``1 - exp((D1 - D0)/N)``;
    Nagelkerke divides it by ``1 - exp(-D0/N)`` (R warns when weights below 1
    suggest scaled weights, as here). Gaussian models: ``1 - D1/D0``.

    References
    ----------
    Lumley, T. (2017). Pseudo-R2 statistics under complex sampling. *Australian &
    New Zealand Journal of Statistics* 59, 187-194. R: ``psrsq(model, method)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [0.0, 0, 1, 0, 1, 1, 1, 0], "x": [1.0, 2, 3, 4, 5, 6, 7, 3]})
    >>> round(SurveyDesign(df).glm("y ~ x", "binomial").pseudo_r2(), 4)
    0.4902
    """
    if method not in ("Cox-Snell", "Nagelkerke"):
        raise DataError(f"method={method!r} is not 'Cox-Snell' or 'Nagelkerke'.")
    design = _design_of(model)
    y, x, active = _glm_response(model)
    link = _link(model)
    w = np.where(active, design.weights_array, 0.0)
    mu = np.where(active, link.inverse(x @ model.params.to_numpy()), 0.5)
    if "(Intercept)" in rename([str(n) for n in model.params.index], "r"):
        mu0 = np.full_like(mu, float(w @ y / w.sum()))
    else:
        mu0 = np.full_like(mu, float(link.inverse(np.zeros(1))[0]))
    d1 = deviance(model.family, y[active], mu[active], w[active])
    d0 = deviance(model.family, y[active], mu0[active], w[active])
    if model.family == "gaussian":
        return float(1 - d1 / d0)
    total = float(w.sum())
    r2cs = float(1 - np.exp((d1 - d0) / total))
    if method == "Cox-Snell":
        return r2cs
    if (w[active] < 1).any():
        warnings.warn(
            "weights below 1 suggest scaled weights; the Nagelkerke R² may be wrong.",
            GovstatsWarning,
            stacklevel=3,
        )
    return r2cs / float(1 - np.exp(-d0 / total))


def exponentiated(
    model: GLMResult, low: np.ndarray, high: np.ndarray, *, names: str = "formulaic"
) -> pd.DataFrame:
    """Return the coefficient table as ratios: ``exp(b)``, ``exp(limits)``, SE ``exp(b) se``."""
    frame = model.to_frame(names=names)
    ratio = np.exp(model.estimate)
    frame["estimate"] = ratio
    frame["se"] = ratio * model.se.to_numpy()
    frame["ci_low"] = np.exp(low)
    frame["ci_high"] = np.exp(high)
    return frame


# ---------------------------------------------------------------- margins
@dataclass(frozen=True)
class _Model:
    """What marginal effects need of a fitted model."""

    design: SurveyDesign
    rhs: RHS
    keep: list[int]  # model-matrix columns the linear predictor uses
    params: np.ndarray
    replicate_params: np.ndarray | None
    influence: np.ndarray | None  # (n, k) linearization influence of the params
    outputs: list[object] | None  # category labels (None: one output)
    # (params, X (r, p), dX or None) -> (r, outputs) response / derivative along dX
    response: Callable[[np.ndarray, np.ndarray], np.ndarray]
    slope: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    df: int
    conf_level: float


def _glm_model(model: GLMResult) -> _Model:
    link = _link(model)

    def response(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.asarray(link.inverse(x @ theta))[:, None]

    def slope(theta: np.ndarray, x: np.ndarray, dx: np.ndarray) -> np.ndarray:
        return np.asarray(link.inverse_deriv(x @ theta) * (dx @ theta))[:, None]

    design = _design_of(model)
    rhs = _glm_rhs(model)
    return _Model(
        design,
        rhs,
        list(range(len(rhs.names))),
        model.params.to_numpy(),
        model.replicate_estimates,
        glm_influence(model) if design.replicates is None else None,
        None,
        response,
        slope,
        int(design.df),
        model.conf_level,
    )


def _olr_model(model: OLRResult) -> _Model:
    design, rhs = _design_of(model), _rhs_of(model)
    kind = "gumbel" if model.link == "cloglog" and model.method == "linearization" else model.link
    pc = model.n_coef

    def bounds(theta: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        eta = x @ theta[:pc]
        zeta = np.concatenate([[-np.inf], theta[pc:], [np.inf]])
        return zeta[None, 1:] - eta[:, None], zeta[None, :-1] - eta[:, None]

    def response(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        upper, lower = bounds(theta, x)
        return np.asarray(cdf(kind, upper) - cdf(kind, lower))

    def slope(theta: np.ndarray, x: np.ndarray, dx: np.ndarray) -> np.ndarray:
        upper, lower = bounds(theta, x)
        density = np.where(np.isfinite(upper), pdf(kind, np.where(np.isfinite(upper), upper, 0)), 0)
        density_low = np.where(
            np.isfinite(lower), pdf(kind, np.where(np.isfinite(lower), lower, 0)), 0
        )
        return np.asarray(-(density - density_low) * (dx @ theta[:pc])[:, None])

    keep = [j for j, n in enumerate(rhs.names) if n != "(Intercept)"]
    return _Model(
        design,
        rhs,
        keep,
        model.params.to_numpy(),
        model.replicate_estimates,
        model.influence,
        list(model.levels),
        response,
        slope,
        int(design.df),
        model.conf_level,
    )


def _mlogit_model(model: MLogitResult) -> _Model:
    design, rhs = _design_of(model), _rhs_of(model)
    p = len(rhs.names)
    n_out = len(model.levels)
    base = model.base_index

    def etas(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        b = theta.reshape(n_out - 1, p)
        linear = x @ b.T
        return np.insert(linear, base, 0.0, axis=1)

    def response(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        e = etas(theta, x)
        e = np.exp(e - e.max(axis=1, keepdims=True))
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def slope(theta: np.ndarray, x: np.ndarray, dx: np.ndarray) -> np.ndarray:
        prob = response(theta, x)
        deta = etas(theta, dx)
        return np.asarray(prob * (deta - (prob * deta).sum(axis=1, keepdims=True)))

    return _Model(
        design,
        rhs,
        list(range(p)),
        model.params.to_numpy(),
        model.replicate_estimates,
        model.influence,
        list(model.levels),
        response,
        slope,
        int(design.df),
        model.conf_level,
    )


def _jacobian(func: Callable[[np.ndarray], np.ndarray], at: np.ndarray) -> np.ndarray:
    """Central-difference Jacobian (m, k) of a vector function of k arguments."""
    at = np.asarray(at, dtype=np.float64)
    columns = []
    for j in range(at.size):
        h = 1e-6 * max(abs(at[j]), 1e-2)
        up, down = at.copy(), at.copy()
        up[j] += h
        down[j] -= h
        columns.append((func(up) - func(down)) / (2 * h))
    return np.column_stack(columns)


def margins(
    model: GLMResult | OLRResult | MLogitResult,
    variables: str | Sequence[str] | None = None,
    *,
    kind: str = "ame",
    at: Mapping[str, object] | None = None,
) -> SurveyEstimate:
    """Marginal effects with unconditional design-based SEs (Stata ``margins, dydx()``).

    Parameters
    ----------
    model : GLMResult, OLRResult or MLogitResult
    variables : str or sequence of str, optional
        Predictors whose effects are wanted (default: every predictor). A numeric
        predictor gives the derivative of the response (probability) with respect
        to it; a categorical one the discrete change from its first level to each
        other level.
    kind : {"ame", "mem"}
        Average of the per-row effects over the design (``"ame"``), or the effect at
        the design means of the model-matrix columns (``"mem"``, Stata ``atmeans``).
    at : dict, optional
        Predictors held at given values for every row (Stata ``at()``).

    Returns
    -------
    SurveyEstimate
        ``statistic="margins"``; ordinal and multinomial models give one row per
        variable and response category (``level``).

    Notes
    -----
    The effect is a function of the coefficients and of design means, both
    estimated; its linearization is the effect's own weighted deviation plus the
    coefficients' influence times the effect's gradient, and its design variance is
    R ``svyrecvar`` of the sum (Stata ``vce(unconditional)``). Replicate designs
    recompute it under every replicate weight with the replicate coefficients.
    Intervals use the design df.

    References
    ----------
    Stata: ``svy: logit y x; margins, dydx(x) vce(unconditional)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [0.0, 0, 1, 0, 1, 1, 1, 0], "x": [1.0, 2, 3, 4, 5, 6, 7, 3]})
    >>> ame = SurveyDesign(df).glm("y ~ x", "binomial").margins("x")
    >>> round(float(ame.estimate[0]), 4)
    0.1567
    """
    if not callable(getattr(model, "margins", None)):
        raise ModelError(
            f"margins needs a GLM, ordinal or multinomial result, not {type(model).__name__}."
        )
    return model.margins(variables, kind=kind, at=at)


def glm_effects(
    model: GLMResult,
    variables: str | Sequence[str] | None = None,
    *,
    kind: str = "ame",
    at: Mapping[str, object] | None = None,
) -> SurveyEstimate:
    """Marginal effects of a design GLM (see :func:`margins`)."""
    return _effects(_glm_model(model), variables, kind=kind, at=at)


def olr_effects(
    model: OLRResult,
    variables: str | Sequence[str] | None = None,
    *,
    kind: str = "ame",
    at: Mapping[str, object] | None = None,
) -> SurveyEstimate:
    """Marginal effects on every category's probability of an ordinal model."""
    return _effects(_olr_model(model), variables, kind=kind, at=at)


def mlogit_effects(
    model: MLogitResult,
    variables: str | Sequence[str] | None = None,
    *,
    kind: str = "ame",
    at: Mapping[str, object] | None = None,
) -> SurveyEstimate:
    """Marginal effects on every outcome's probability of a multinomial model."""
    return _effects(_mlogit_model(model), variables, kind=kind, at=at)


def _effects(
    m: _Model,
    variables: str | Sequence[str] | None,
    *,
    kind: str,
    at: Mapping[str, object] | None,
) -> SurveyEstimate:
    if kind not in ("ame", "mem"):
        raise DataError(f"kind={kind!r} is not 'ame' or 'mem'.")
    design = m.design
    data = design.data
    if at:
        unknown = [k for k in at if k not in m.rhs.variables]
        if unknown:
            raise DataError(f"at= names {unknown}, which are not predictors of the model.")
        data = data.assign(**dict(at))  # type: ignore[arg-type]
    wanted = (
        list(m.rhs.variables)
        if variables is None
        else ([variables] if isinstance(variables, str) else list(variables))
    )
    for v in wanted:
        if v not in m.rhs.variables:
            raise DataError(
                f"{v!r} is not a predictor of the model; predictors: {m.rhs.variables}."
            )
    active = (design.weights_array != 0) & m.rhs.complete
    w = np.where(active, design.weights_array, 0.0)

    def matrix(frame: pd.DataFrame) -> np.ndarray:
        x = new_matrix(m.rhs, frame)[:, m.keep]
        return np.where(active[:, None], np.nan_to_num(x), 0.0)

    # every effect is (kind, matrices): "slope" uses (X, dX); "change" uses (X_level, X_base)
    specs: list[tuple[str, str, object, list[np.ndarray]]] = []
    for v in wanted:
        series = data[v]
        if is_categorical(series) or pd.api.types.is_bool_dtype(series):
            levels: list[object] = (
                factor_levels(series) if is_categorical(series) else [False, True]
            )
            base_x = matrix(data.assign(**{v: _same_dtype(series, levels[0])}))  # type: ignore[arg-type]
            for level in levels[1:]:
                level_x = matrix(data.assign(**{v: _same_dtype(series, level)}))  # type: ignore[arg-type]
                specs.append((f"{v}[T.{level}]", "change", level, [level_x, base_x]))
        else:
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            spread = float(np.nanstd(values[active])) or 1.0
            h = 1e-4 * spread
            up = matrix(data.assign(**{v: values + h}))
            down = matrix(data.assign(**{v: values - h}))
            specs.append((v, "slope", None, [matrix(data), (up - down) / (2 * h)]))

    def rows(theta: np.ndarray, mats: list[np.ndarray], how: str) -> np.ndarray:
        if how == "slope":
            return m.slope(theta, mats[0], mats[1])
        return np.asarray(m.response(theta, mats[0]) - m.response(theta, mats[1]))

    def point(theta: np.ndarray, weights: np.ndarray) -> np.ndarray:
        out = []
        total = weights.sum()
        for _, how, _, mats in specs:
            if kind == "ame":
                out.append(weights @ rows(theta, mats, how) / total)
            else:
                means = [(weights @ x / total)[None, :] for x in mats]
                out.append(rows(theta, means, how)[0])
        return np.concatenate(out)

    estimate = point(m.params, w)
    if design.replicates is not None:
        if m.replicate_params is None:
            raise ModelError("the replicate fit kept no replicate estimates.")
        reps = []
        for sl, chunk in design.replicates.weight_chunks(w):
            for r in range(chunk.shape[1]):
                reps.append(
                    point(m.replicate_params[sl.start + r], np.where(active, chunk[:, r], 0.0))
                )
        replicate_estimates = np.asarray(reps)
        vcov = design.replicates.vcov(replicate_estimates, estimate)
    else:
        assert m.influence is not None
        total = w.sum()
        influence = m.influence @ _jacobian(lambda t: point(t, w), m.params).T
        blocks = []
        for _, how, _, mats in specs:
            if kind == "ame":
                values = rows(m.params, mats, how)
                blocks.append(w[:, None] * (values - w @ values / total) / total)
            else:
                sizes = [x.shape[1] for x in mats]
                means = np.concatenate([w @ x / total for x in mats])

                def at_means(
                    flat: np.ndarray, how: str = how, sizes: list[int] = sizes
                ) -> np.ndarray:
                    parts = np.split(flat, np.cumsum(sizes)[:-1])
                    return np.asarray(rows(m.params, [p[None, :] for p in parts], how)[0])

                grad = _jacobian(at_means, means)
                centred = np.hstack([x - w @ x / total for x in mats]) * (w / total)[:, None]
                blocks.append(centred @ grad.T)
        influence = influence + np.hstack(blocks)
        vcov = design.vcov_totals(influence)
        replicate_estimates = None
    outputs: list[object] = m.outputs or [None]
    names = [name for name, _, _, _ in specs for _ in outputs]
    out_levels = [o for _ in specs for o in outputs] if m.outputs else None
    return make_estimate(
        "margins",
        names,
        estimate,
        vcov,
        m.df,
        level=[str(v) for v in out_levels] if out_levels else None,
        method=design.method,
        replicate_estimates=replicate_estimates,
        conf_level=m.conf_level,
        seed=None if design.replicates is None else design.replicates.seed,
    )


def _same_dtype(series: pd.Series, value: object) -> object:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return pd.Categorical([value] * len(series), categories=series.cat.categories)
    return value

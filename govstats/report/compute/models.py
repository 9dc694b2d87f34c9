"""Numbers of a models section: design-based GLMs with their fit statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govstats.design import SurveyDesign
from govstats.errors import ReportError

__all__ = ["FittedModel", "ModelSpec", "fit_models", "fit_statistics"]


@dataclass(frozen=True)
class ModelSpec:
    """One model of a study: a formula, its family and the column title.

    Examples
    --------
    >>> ModelSpec("service ~ rural", "gaussian").label
    ''
    """

    formula: str
    family: str = "gaussian"
    label: str = ""


@dataclass(frozen=True)
class FittedModel:
    """A fitted model with what a regression table prints beside its coefficients.

    Parameters
    ----------
    spec : ModelSpec
    result : GLMResult
        The design-based fit.
    r2, pseudo_r2 : float
        Design-weighted R² (gaussian) or McFadden pseudo-R² (binomial, poisson:
        ``1 - deviance / null deviance``); NaN where it does not apply.
    """

    spec: ModelSpec
    result: Any
    r2: float
    pseudo_r2: float

    @property
    def params(self) -> pd.Series:
        """Coefficients by term."""
        return pd.Series(self.result.params)

    @property
    def se(self) -> pd.Series:
        """Standard errors by term."""
        return pd.Series(self.result.se)

    @property
    def df(self) -> float:
        """Residual degrees of freedom of the t tests."""
        return float(self.result.df)

    @property
    def n_obs(self) -> int:
        """Rows used in the fit."""
        return int(self.result.n_obs)

    @property
    def method(self) -> str:
        """Variance method of the design."""
        return str(self.result.method)


def _inverse_link(family: str, eta: np.ndarray) -> np.ndarray:
    if family == "binomial":
        return np.asarray(1.0 / (1.0 + np.exp(-eta)))
    if family == "poisson":
        return np.asarray(np.exp(eta))
    return eta


def _deviance(family: str, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    if family == "binomial":
        mu = np.clip(mu, 1e-12, 1 - 1e-12)
        return float(-2 * np.sum(w * (y * np.log(mu) + (1 - y) * np.log(1 - mu))))
    if family == "poisson":
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(y > 0, y * np.log(y / mu), 0.0)
        return float(2 * np.sum(w * (term - (y - mu))))
    return float(np.sum(w * (y - mu) ** 2))


def fit_statistics(design: SurveyDesign, result: Any, family: str) -> tuple[float, float]:
    """Design-weighted R² (gaussian) or pseudo-R² (other families) of a fitted GLM.

    Both compare the model's weighted deviance with that of the intercept-only model:
    ``1 - D / D0`` (for gaussian the residual over the total sum of squares).

    Returns
    -------
    (r2, pseudo_r2) : tuple of float
        One of them NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0], "x": [0.0, 1.0, 2.0, 3.0]})
    >>> d = SurveyDesign(df)
    >>> r2, _ = fit_statistics(d, d.glm("y ~ x"), "gaussian")
    >>> round(r2, 4)
    0.9627
    """
    import formulaic

    frame = design.data.assign(_w=design.weights_array)
    matrices = formulaic.model_matrix(result.formula, frame, na_action="drop")
    y = np.asarray(matrices.lhs, dtype=float)[:, 0]
    x = matrices.rhs
    names = [str(c) for c in x.columns]
    params = pd.Series(result.params).reindex(names)
    if params.isna().any():
        return float("nan"), float("nan")
    w = frame.loc[x.index, "_w"].to_numpy(dtype=float)
    mu = _inverse_link(family, np.asarray(x, dtype=float) @ params.to_numpy())
    null = np.full_like(y, np.sum(w * y) / np.sum(w))
    ratio = 1.0 - _deviance(family, y, mu, w) / _deviance(family, y, null, w)
    return (ratio, float("nan")) if family == "gaussian" else (float("nan"), ratio)


def fit_models(design: SurveyDesign, specs: Sequence[ModelSpec]) -> list[FittedModel]:
    """Fit every model of ``specs`` on ``design`` (incomplete rows left out as a domain).

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0], "x": [0.0, 1.0, 2.0, 3.0]})
    >>> [m.n_obs for m in fit_models(SurveyDesign(df), [ModelSpec("y ~ x")])]
    [4]
    """
    out = []
    for spec in specs:
        if spec.family not in ("gaussian", "binomial", "poisson"):
            raise ReportError(
                f"model {spec.formula!r}: family {spec.family!r} is not one of gaussian, "
                "binomial, poisson"
            )
        result = design.glm(spec.formula, spec.family, na_rm=True)
        r2, pseudo = fit_statistics(design, result, spec.family)
        out.append(FittedModel(spec, result, r2, pseudo))
    return out

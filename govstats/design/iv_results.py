"""Result objects of the design-based IV regression (:func:`govstats.design.ivreg.ivreg`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstats.design._coefficients import CoefficientAccessors, coefficient_frame
from govstats.design.inference import DEFAULT_LEVEL
from govstats.design.model_matrix import rename

__all__ = ["EndogeneityTest", "FirstStage", "IVResult"]


@dataclass(frozen=True)
class FirstStage:
    """First-stage diagnostics of every endogenous regressor, with design-based tests.

    Attributes
    ----------
    endogenous : tuple of str
        The endogenous regressors.
    instruments : tuple of str
        The excluded instruments.
    coef : pandas.DataFrame
        First-stage coefficients (rows: instruments incl. exogenous regressors;
        columns: endogenous regressors).
    partial_f : ndarray, shape (n_endog,)
        Design Wald F of the excluded instruments, ``W / q`` (R ``regTermTest``).
    df_num, df_den : float
        Numerator (number of excluded instruments) and denominator (design df +
        1 - first-stage coefficients) degrees of freedom.
    p_value : ndarray, shape (n_endog,)
    partial_r2 : ndarray, shape (n_endog,)
        Weighted partial R^2 of the excluded instruments.
    estimate : ndarray
        The partial F (as in :meth:`to_frame`); ``df`` is ``df_den``; ``se`` and
        ``conf_level`` are NaN (tests have no interval).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> rng = np.random.default_rng(3)
    >>> z = rng.normal(size=300); u = rng.normal(size=300)
    >>> x = 0.8 * z + u + rng.normal(size=300)
    >>> df = pd.DataFrame({"y": 1 + 0.5 * x + u + rng.normal(size=300), "x": x, "z": z})
    >>> first = SurveyDesign(df).ivreg("y ~ 1 + [x ~ z]").first_stage
    >>> first.to_frame()["term"].tolist(), bool(first.estimate[0] > 10)
    (['x'], True)
    """

    endogenous: tuple[str, ...]
    instruments: tuple[str, ...]
    coef: pd.DataFrame
    partial_f: np.ndarray
    df_num: float
    df_den: float
    p_value: np.ndarray
    partial_r2: np.ndarray

    @property
    def estimate(self) -> np.ndarray:
        """The partial F of every endogenous regressor."""
        return np.asarray(self.partial_f, dtype=np.float64)

    @property
    def se(self) -> np.ndarray:
        """NaN: a test statistic has no standard error."""
        return np.full(len(self.endogenous), np.nan)

    @property
    def df(self) -> float:
        """Denominator (design) degrees of freedom of the F tests."""
        return float(self.df_den)

    @property
    def conf_level(self) -> float:
        """NaN: a test has no interval."""
        return float("nan")

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """One row per endogenous regressor, with the partial F as ``estimate``.

        Columns ``term``, ``estimate``, NaN ``se`` and limits, ``df`` (``df_den``), then
        ``partial_f``, dfs, p value, partial R^2.
        """
        nan = np.full(len(self.endogenous), np.nan)
        return pd.DataFrame(
            {
                "term": rename(list(self.endogenous), names),
                "estimate": self.estimate,
                "se": nan,
                "ci_low": nan,
                "ci_high": nan,
                "df": self.df,
                "partial_f": self.partial_f,
                "df_num": self.df_num,
                "df_den": self.df_den,
                "p_value": self.p_value,
                "partial_r2": self.partial_r2,
            }
        )

    def summary(self) -> str:
        """First-stage diagnostics as text."""
        return "First stage (design-based partial F of the excluded instruments)\n" + (
            self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.6g}")
        )

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


@dataclass(frozen=True)
class EndogeneityTest:
    """Design-based Durbin-Wu-Hausman test (control function).

    ``y ~ X + Vhat`` with ``Vhat`` the first-stage residuals; the design Wald F of
    the ``Vhat`` coefficients tests that the endogenous regressors are exogenous.

    Attributes
    ----------
    coef, se : ndarray, shape (n_endog,)
        Coefficients of the first-stage residuals and their design SEs. All
        missing when the instruments reproduce an endogenous regressor exactly
        (zero first-stage residuals: the test is undefined, the F infinite).
    statistic : float
        Wald F ``W / n_endog``.
    df_num, df_den : float
    p_value : float
    """

    coef: np.ndarray
    se: np.ndarray
    statistic: float
    df_num: float
    df_den: float
    p_value: float


@dataclass(frozen=True, eq=False)
class IVResult(CoefficientAccessors):
    """A design-based 2SLS fit.

    Attributes
    ----------
    params : pandas.Series
        Coefficients, named as the formula gives them (``Intercept``, ``ell``,
        ``stype[T.H]``); ``to_frame(names="r")`` gives R's names.
    cov : pandas.DataFrame
        Design-based covariance of the coefficients.
    df : int
        Residual df ``design df + 1 - p`` (R ``svyivreg``); t tests and intervals use it.
    method : str
        ``"linearization"`` or the replicate method.
    first_stage : FirstStage
    endogeneity : EndogeneityTest
    sigma : float
        R's ``svyivreg`` ``sigma``: ``sqrt(sum w e^2 / (n - p)) / sqrt(mean w)``.
    n_obs : int
    formula : str
    replicate_estimates : ndarray or None, shape (R, p)
    conf_level : float
    seed : int or None

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> rng = np.random.default_rng(1)
    >>> z = rng.normal(size=400); u = rng.normal(size=400)
    >>> x = z + u + rng.normal(size=400); y = 1 + 2 * x + u + rng.normal(size=400)
    >>> df = pd.DataFrame({"y": y, "x": x, "z": z, "psu": np.arange(400) // 4})
    >>> fit = SurveyDesign(df, psu="psu").ivreg("y ~ 1 + [x ~ z]")
    >>> list(fit.params.index)
    ['Intercept', 'x']
    >>> bool(abs(fit.params["x"] - 2) < 0.2)
    True
    """

    params: pd.Series
    cov: pd.DataFrame
    df: int
    method: str
    first_stage: FirstStage
    endogeneity: EndogeneityTest
    sigma: float
    n_obs: int
    formula: str
    replicate_estimates: np.ndarray | None = field(default=None, repr=False)
    conf_level: float = DEFAULT_LEVEL
    seed: int | None = None

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Return one row per coefficient.

        Parameters
        ----------
        names : {"formulaic", "r"}
            Term names as the formula gives them, or R's (``(Intercept)``, ``stypeH``).

        Returns
        -------
        pandas.DataFrame
            ``term``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``, ``t``, ``p_value``.
        """
        return coefficient_frame(
            self.params, self.se.to_numpy(), self.df, self.conf_level, names=names
        )

    def summary(self) -> str:
        """Coefficient table, first-stage F and the endogeneity test."""
        fs = self.first_stage
        lines = [
            f"Design-based IV-2SLS ({self.method}): {self.formula}",
            f"n = {self.n_obs}, residual df = {self.df}",
            self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.6g}"),
            "First stage (design Wald F of the excluded instruments):",
            fs.to_frame().to_string(index=False, float_format=lambda v: f"{v:.6g}"),
            f"Durbin-Wu-Hausman (control function): F = {self.endogeneity.statistic:.4g} on "
            f"{self.endogeneity.df_num:g} and {self.endogeneity.df_den:g} df, "
            f"p = {self.endogeneity.p_value:.4g}",
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        terms = ", ".join(f"{k}={v:.4g}" for k, v in list(self.params.items())[:4])
        return f"IVResult({terms}; n={self.n_obs}, df={self.df}, {self.method})"

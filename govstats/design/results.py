"""Result objects of the design-based estimators.

Every result is a frozen dataclass with the point estimates, their covariance,
the design degrees of freedom, ``to_frame()`` (one tidy row per estimate),
``summary()`` and a one-line ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstats.design._contrast import ContrastSpec, contrast_rows, r_aliases
from govstats.design.inference import DEFAULT_LEVEL, check_level, domain_interval

__all__ = ["SurveyEstimate"]


@dataclass(frozen=True, eq=False)
class SurveyEstimate:
    """Design-based estimates (means, totals, ratios, proportions, quantiles).

    One result holds any number of estimates: one per variable, factor level and
    domain. Rows are described by ``variable``, ``level`` (factor levels; ``None``
    for numeric variables) and ``domain`` (one tuple of ``by`` values per row).

    Attributes
    ----------
    statistic : str
        ``"mean"``, ``"total"``, ``"ratio"`` or ``"quantile"``.
    variable : tuple of str
        Variable of every estimate (for ratios ``"numerator/denominator"``).
    estimate : ndarray, shape (k,)
        Point estimates.
    vcov : ndarray, shape (k, k)
        Design-based covariance of the estimates (diagonal only for quantiles).
    df : int
        Degrees of freedom of the t intervals (design df, R ``degf``).
    ci_low, ci_high : ndarray, shape (k,)
        Confidence limits.
    level : tuple or None
        Factor level of every estimate, or ``None`` when there are none.
    by : tuple of str
        Names of the domain columns (empty without ``by``).
    domain : tuple of tuple
        The ``by`` values of every estimate.
    deff : ndarray or None
        Design effects (R ``deff=TRUE``), where defined.
    method : str
        ``"linearization"`` or the replicate method.
    replicate_estimates : ndarray or None, shape (R, k)
        Estimates under every replicate weight (replicate designs only).
    conf_level : float
        Confidence level of the intervals.
    quantile : tuple of float or None
        Probability of every estimate (quantiles only).
    seed : int or None
        Seed of the replicate weights (bootstrap designs), for reproducibility.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 6.0], "g": ["a", "a", "b", "b"]})
    >>> result = SurveyDesign(df).mean("y", by="g")
    >>> result.to_frame()[["g", "variable", "estimate"]]
       g variable  estimate
    0  a        y       1.5
    1  b        y       4.5
    """

    statistic: str
    variable: tuple[str, ...]
    estimate: np.ndarray
    vcov: np.ndarray
    df: int
    ci_low: np.ndarray
    ci_high: np.ndarray
    level: tuple[str | None, ...] | None = None
    by: tuple[str, ...] = ()
    domain: tuple[tuple[object, ...], ...] = ()
    deff: np.ndarray | None = None
    method: str = "linearization"
    replicate_estimates: np.ndarray | None = field(default=None, repr=False)
    conf_level: float = 0.95
    quantile: tuple[float, ...] | None = None
    seed: int | None = None

    @property
    def se(self) -> np.ndarray:
        """Standard errors, ``sqrt(diag(vcov))``."""
        return np.asarray(np.sqrt(np.clip(np.diag(self.vcov), 0.0, None)))

    @property
    def names(self) -> list[str]:
        """A label for every estimate (variable, level, quantile and domain joined)."""
        out = []
        for i, variable in enumerate(self.variable):
            name = variable
            if self.level is not None and self.level[i] is not None:
                name += str(self.level[i])
            if self.quantile is not None:
                name += f"[q={self.quantile[i]:g}]"
            if self.by:
                name = ":".join(str(v) for v in self.domain[i]) + ":" + name
            out.append(name)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One tidy row per estimate.

        Columns: the ``by`` columns (if any), ``variable``, ``level`` (factor
        proportions/totals), ``quantile`` (quantiles), ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``df`` and ``deff`` (when computed).
        """
        frame: dict[str, object] = {}
        for j, name in enumerate(self.by):
            frame[name] = [d[j] for d in self.domain]
        frame["variable"] = list(self.variable)
        if self.level is not None:
            frame["level"] = list(self.level)
        if self.quantile is not None:
            frame["quantile"] = list(self.quantile)
        frame["estimate"] = self.estimate
        frame["se"] = self.se
        frame["ci_low"] = self.ci_low
        frame["ci_high"] = self.ci_high
        frame["df"] = float(self.df)
        if self.deff is not None:
            frame["deff"] = self.deff
        return pd.DataFrame(frame)

    def summary(self) -> str:
        """Return a text table of the estimates with their standard errors and intervals."""
        head = (
            f"Design-based {self.statistic} ({self.method}), df = {self.df}, "
            f"{self.conf_level:.0%} t intervals"
            + (f", replicate seed {self.seed}" if self.seed is not None else "")
        )
        table = self.to_frame().to_string(index=False, float_format=lambda x: f"{x:.6g}")
        return head + "\n" + table

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{n}={e:.6g} (se {s:.4g})"
            for n, e, s in zip(self.names[:3], self.estimate[:3], self.se[:3], strict=False)
        )
        more = f", ... ({len(self.estimate)} estimates)" if len(self.estimate) > 3 else ""
        return f"SurveyEstimate({self.statistic}: {shown}{more}; df={self.df})"

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def contrast(self, spec: ContrastSpec, *, level: float = DEFAULT_LEVEL) -> SurveyEstimate:
        """Linear or nonlinear contrast of the estimates (R ``svycontrast``).

        See :func:`govstats.design.contrast.contrast`. R's spellings work too: ``E``
        for the domain ``E`` of a one-variable ``by`` result.

        Examples
        --------
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 2.0, 4.0, 4.0]})
        >>> SurveyDesign(df).mean(["a", "b"]).contrast({"a": 1, "b": -1}).estimate.tolist()
        [-0.5]
        """
        names = self.names
        if self.by and len(set(self.variable)) == 1 and self.level is None:
            candidates = [".".join(str(v) for v in d) for d in self.domain]
        else:
            candidates = list(names)
        return _contrast_of(
            spec,
            names,
            self.estimate,
            self.vcov,
            float(self.df),
            r_aliases(names, candidates),
            method=self.method,
            level=level,
            seed=self.seed,
        )


def _contrast_of(
    spec: ContrastSpec,
    names: Sequence[str],
    estimate: np.ndarray,
    vcov: np.ndarray,
    df: float,
    aliases: Mapping[str, int],
    *,
    method: str,
    level: float,
    seed: int | None,
) -> SurveyEstimate:
    labels, values, jacobian = contrast_rows(spec, names, estimate, aliases)
    return make_estimate(
        "contrast",
        labels,
        values,
        jacobian @ vcov @ jacobian.T,
        int(df),
        method=method,
        conf_level=check_level(level),
        seed=seed,
    )


def coefficient_contrast(
    spec: ContrastSpec,
    params: pd.Series,
    cov: pd.DataFrame,
    df: float,
    *,
    method: str,
    level: float = DEFAULT_LEVEL,
    seed: int | None = None,
) -> SurveyEstimate:
    """Contrast of a model's coefficients (names as formulaic or as R spells them).

    Examples
    --------
    >>> import pandas as pd
    >>> params = pd.Series([1.0, 2.0], index=["Intercept", "x"])
    >>> cov = pd.DataFrame([[1.0, 0.0], [0.0, 1.0]], index=params.index, columns=params.index)
    >>> coefficient_contrast({"x": 1}, params, cov, 10, method="linearization").estimate.tolist()
    [2.0]
    """
    names = [str(n) for n in params.index]
    return _contrast_of(
        spec,
        names,
        params.to_numpy(dtype=np.float64),
        cov.to_numpy(dtype=np.float64),
        float(df),
        r_aliases(names),
        method=str(method),
        level=level,
        seed=seed,
    )


def make_estimate(
    statistic: str,
    variable: Sequence[str],
    estimate: np.ndarray,
    vcov: np.ndarray,
    df: int,
    *,
    level: Sequence[str | None] | None = None,
    by: Sequence[str] = (),
    domain: Sequence[tuple[object, ...]] = (),
    deff: np.ndarray | None = None,
    method: str = "linearization",
    replicate_estimates: np.ndarray | None = None,
    conf_level: float = DEFAULT_LEVEL,
    seed: int | None = None,
) -> SurveyEstimate:
    """Build a :class:`SurveyEstimate` with t intervals on ``df`` degrees of freedom."""
    estimate = np.asarray(estimate, dtype=np.float64)
    vcov = np.asarray(vcov, dtype=np.float64)
    se = np.sqrt(np.clip(np.diag(vcov), 0.0, None))
    low, high = domain_interval(estimate, se, df, conf_level)
    return SurveyEstimate(
        statistic=statistic,
        variable=tuple(variable),
        estimate=estimate,
        vcov=vcov,
        df=int(df),
        ci_low=low,
        ci_high=high,
        level=tuple(level) if level is not None and any(v is not None for v in level) else None,
        by=tuple(by),
        domain=tuple(domain),
        deff=deff,
        method=method,
        replicate_estimates=replicate_estimates,
        conf_level=conf_level,
        seed=seed,
    )

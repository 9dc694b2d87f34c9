"""Panel fixed effects with clustered standard errors (linearmodels ``PanelOLS``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from linearmodels.panel import PanelOLS

from govstats.design._coefficients import CoefficientAccessors, coefficient_frame
from govstats.design.inference import DEFAULT_LEVEL, check_level
from govstats.errors import DataError, ModelError

__all__ = ["PanelResult", "fe"]


@dataclass(frozen=True, eq=False)
class PanelResult(CoefficientAccessors):
    """A fixed-effects panel fit.

    Attributes
    ----------
    params : pandas.Series
    cov : pandas.DataFrame
        Clustered covariance (linearmodels ``group_debias=True``: ``G/(G-1)`` times the
        sandwich, the with-replacement PSU variance of R ``survey`` for one stage).
    df : int
        Clusters minus one: the df of the t intervals.
    n_obs, n_entities, n_clusters : int
    formula : str
    method : str
        ``"clustered"``.
    fit : object
        The linearmodels ``PanelEffectsResults`` (for its own summaries and tests).
    conf_level : float

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"i": np.repeat(np.arange(50), 4), "t": np.tile(np.arange(4), 50)})
    >>> df["x"] = rng.normal(size=200)
    >>> df["y"] = 0.5 * df["x"] + np.repeat(rng.normal(size=50), 4) + rng.normal(size=200)
    >>> res = fe(df, "y ~ x", "i", "t")
    >>> res.to_frame()["term"].tolist()
    ['x']
    """

    params: pd.Series
    cov: pd.DataFrame
    df: int
    n_obs: int
    n_entities: int
    n_clusters: int
    formula: str
    method: str
    fit: Any
    conf_level: float = DEFAULT_LEVEL

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """``term``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``, ``t``, ``p_value``.

        ``names="r"`` spells the terms as R (``stypeH`` for ``stype[T.H]``).
        """
        return coefficient_frame(
            self.params, self.se.to_numpy(), self.df, self.conf_level, names=names
        )

    def summary(self) -> str:
        """Coefficient table with clustered SEs."""
        head = (
            f"Panel fixed effects: {self.formula}\nn = {self.n_obs}, entities = "
            f"{self.n_entities}, clusters = {self.n_clusters}, df = {self.df}"
        )
        return head + "\n" + self.to_frame().to_string(index=False, float_format="{:.6g}".format)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        terms = ", ".join(f"{k}={v:.4g}" for k, v in list(self.params.items())[:4])
        return f"PanelResult({terms}; n={self.n_obs}, clusters={self.n_clusters})"


def check_columns(data: pd.DataFrame, names: list[str | None]) -> None:
    """Raise a DataError naming the columns not in ``data``."""
    absent = [n for n in names if n is not None and n not in data.columns]
    if absent:
        raise DataError(f"columns {absent} are not in the panel data; check the names.")


def check_within_variation(
    data: pd.DataFrame, variables: list[str], entity: str, time: str, time_effects: bool
) -> None:
    """Name any regressor that never changes within an entity (absorbed by entity effects)."""
    for name in variables:
        if name not in data.columns:
            continue
        values = pd.to_numeric(data[name], errors="coerce")
        spread = values.groupby(data[entity]).agg(lambda s: s.max() - s.min())
        if bool((spread.fillna(0) == 0).all()):
            raise DataError(
                f"{name!r} has no within-entity variation (it is constant for every {entity!r}); "
                "entity fixed effects absorb it, so its coefficient is not identified. Drop it "
                "or set entity_effects=False."
            )
        if time_effects:
            by_time = values.groupby(data[time]).agg(lambda s: s.max() - s.min())
            if bool((by_time.fillna(0) == 0).all()):
                raise DataError(
                    f"{name!r} varies only over {time!r} (the same for every entity in a period); "
                    "time effects absorb it. Drop it or set time_effects=False."
                )


def regressors(formula: str) -> list[str]:
    """Plain column names on the right of a ``y ~ a + b`` formula (for the checks)."""
    if "~" not in formula:
        raise ModelError(f"formula {formula!r} has no '~'; write 'y ~ x1 + x2'.")
    rhs = formula.split("~", 1)[1]
    return [t.strip().strip("`") for t in re.split(r"\+", rhs) if t.strip() not in ("", "1", "0")]


def fe(
    data: pd.DataFrame,
    formula: str,
    entity: str,
    time: str,
    weights: str | None = None,
    cluster: str | None = None,
    entity_effects: bool = True,
    time_effects: bool = True,
    *,
    level: float = DEFAULT_LEVEL,
) -> PanelResult:
    """Two-way (or one-way) fixed-effects regression with clustered standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel: one row per entity and period (unbalanced allowed).
    formula : str
        ``"y ~ x1 + x2"``; the effects are added from ``entity_effects`` / ``time_effects``.
    entity, time : str
        Entity (person) and period columns.
    weights : str, optional
        Longitudinal weights (e.g. the panel weight of the last wave).
    cluster : str, optional
        Cluster column (the design's PSU, e.g. county); default the entity.
    entity_effects, time_effects : bool, default True
    level : float, default 0.95

    Returns
    -------
    PanelResult

    Notes
    -----
    Within estimator of :class:`linearmodels.panel.PanelOLS` with weights; the
    covariance is linearmodels' one-way clustered sandwich with the factor
    ``G/(G-1)`` (``group_debias=True``), the variance R ``survey`` gives a
    with-replacement sample of G PSUs; intervals use t on ``G - 1`` df. Clustering by
    the first-stage PSU makes the SE design-based for a with-replacement PSU sample
    (strata are not used: conservative).

    References
    ----------
    Wooldridge (2010), ch. 10. linearmodels ``PanelOLS``; Stata ``xtreg y x [pw=w],
    fe vce(cluster psu)`` with ``i.year``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"i": np.repeat(np.arange(80), 3), "t": np.tile([1, 2, 3], 80)})
    >>> df["x"] = rng.normal(size=240)
    >>> df["y"] = 2 * df["x"] + np.repeat(rng.normal(size=80), 3) + rng.normal(size=240)
    >>> round(float(fe(df, "y ~ x", "i", "t").params["x"]), 1)
    2.0
    """
    level = check_level(level)
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    check_columns(data, [entity, time, weights, cluster])
    names = regressors(formula)
    check_columns(data, [formula.split("~", 1)[0].strip().strip("`")])
    if entity_effects:
        check_within_variation(data, names, entity, time, time_effects)
    frame = data.copy()
    if frame.duplicated([entity, time]).any():
        raise DataError(
            f"rows repeat an ({entity!r}, {time!r}) pair; one row per entity and period."
        )
    effects = ("EntityEffects" if entity_effects else "") + (
        " + TimeEffects" if time_effects else ""
    )
    spec = formula + (" + " + effects.strip(" +") if effects else "")
    frame = frame.set_index([entity, time])
    w = frame[weights] if weights is not None else None
    model = PanelOLS.from_formula(spec, frame, weights=w, drop_absorbed=False, check_rank=True)
    if cluster is None:
        result = model.fit(cov_type="clustered", cluster_entity=True, group_debias=True)
        n_clusters = int(frame.index.get_level_values(0).nunique())
    else:
        codes = pd.factorize(frame[cluster])[0]
        clusters = pd.DataFrame({"cluster": codes}, index=frame.index)
        result = model.fit(cov_type="clustered", clusters=clusters, group_debias=True)
        n_clusters = int(np.unique(codes).shape[0])
    params = pd.Series(np.asarray(result.params), index=list(result.params.index))
    cov = pd.DataFrame(np.asarray(result.cov), index=params.index, columns=params.index)
    return PanelResult(
        params=params,
        cov=cov,
        df=n_clusters - 1,
        n_obs=int(result.nobs),
        n_entities=int(frame.index.get_level_values(0).nunique()),
        n_clusters=n_clusters,
        formula=formula,
        method="clustered",
        fit=result,
        conf_level=level,
    )

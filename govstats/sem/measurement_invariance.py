"""Measurement invariance across groups: nested multi-group CFAs and their comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from govstats.design.survey_design import SurveyDesign
from govstats.errors import ModelError
from govstats.sem._baseline import same_data
from govstats.sem.results import SEMResult
from govstats.sem.sem_fit import fit

__all__ = ["LEVELS", "InvarianceResult", "invariance"]

#: lavaan ``group.equal`` of every level of invariance.
LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
#: Chen (2007): a loss of CFI of more than 0.010 together with ...
DELTA_CFI = -0.010
#: ... a rise of RMSEA of more than 0.015 marks non-invariance.
DELTA_RMSEA = 0.015


@dataclass(frozen=True, eq=False)
class InvarianceResult:
    """Nested multi-group fits and their comparisons.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per level (index ``level``): ``npar, chisq, df, chisq_scaled,
        scaling_factor, cfi, rmsea, srmr``, and against the previous level
        ``chisq_diff, df_diff, p_value`` (Satorra-Bentler 2001 scaled difference
        when the fits are robust), ``delta_cfi, delta_rmsea`` and ``holds``.
    fits : dict of str to SEMResult
    comparable_means : bool
        Scalar invariance holds (and metric): latent means may be compared.
    verdict : str
    group : str

    Examples
    --------
    >>> import govstats as gs
    >>> sim = gs.datasets.simulate_survey(seed=1, n_persons=1500)
    >>> items = gs.datasets.simulate_items(sim.data, constructs=["info_access"], seed=2)
    >>> res = gs.sem.invariance("f =~ info_access_i1 + info_access_i2 + info_access_i3",
    ...                         items.data, group="rural")
    >>> res.to_frame()["term"].tolist()
    ['configural', 'metric', 'scalar']
    """

    table: pd.DataFrame
    fits: dict[str, SEMResult] = field(repr=False)
    comparable_means: bool
    verdict: str
    group: str

    @property
    def estimate(self) -> np.ndarray:
        """The chi-square of every level's fit (the rows of :meth:`to_frame`)."""
        return self.table["chisq"].to_numpy(dtype=np.float64)

    @property
    def se(self) -> np.ndarray:
        """NaN: a fit statistic has no standard error."""
        return np.full(len(self.table), np.nan)

    @property
    def df(self) -> np.ndarray:
        """Degrees of freedom of every level's chi-square."""
        return self.table["df"].to_numpy(dtype=np.float64)

    @property
    def conf_level(self) -> float:
        """NaN: the comparisons are tests, without intervals."""
        return float("nan")

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Return one row per level, with its chi-square as ``estimate``.

        Columns ``term`` (the level), ``estimate``, NaN ``se`` and limits, ``df``
        (float), then the rest of :attr:`table`. ``names`` is accepted as by every
        model table (the levels are lavaan's words).
        """
        table = self.table
        nan = np.full(len(table), np.nan)
        head = pd.DataFrame(
            {
                "term": [str(v) for v in table.index],
                "estimate": self.estimate,
                "se": nan,
                "ci_low": nan,
                "ci_high": nan,
                "df": self.df,
            }
        )
        rest = table.drop(columns=["df"]).reset_index(drop=True)
        return pd.concat([head, rest], axis=1)

    def summary(self) -> str:
        """Return the text table and the verdict."""
        return self.table.to_string(float_format=lambda v: f"{v:.4f}") + "\n" + self.verdict

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))

    def __repr__(self) -> str:
        levels = list(self.table.index)
        return f"InvarianceResult(levels={levels}, comparable_means={self.comparable_means})"


def _difference(restricted: SEMResult, free: SEMResult) -> tuple[float, float, float]:
    t0, t1 = restricted.fit["chisq"], free.fit["chisq"]
    d0, d1 = restricted.fit["df"], free.fit["df"]
    df_diff = d0 - d1
    if df_diff <= 0:
        raise ModelError("the levels are not nested: the more restricted fit has no more df.")
    if "chisq.scaling.factor" in restricted.fit:
        c0 = restricted.fit["chisq.scaling.factor"]
        c1 = free.fit["chisq.scaling.factor"] if d1 > 0 else 0.0
        cd = (d0 * c0 - d1 * c1) / df_diff
        stat = (t0 - t1) / cd
    else:
        stat = t0 - t1
    return float(stat), float(df_diff), float(stats.chi2.sf(stat, df_diff))


def invariance(
    model: str,
    data: pd.DataFrame | SurveyDesign,
    group: str = "rural",
    levels: Sequence[str] = ("configural", "metric", "scalar"),
    *,
    weights: str | None = None,
    cluster: str | None = None,
    se: str | None = None,
    estimator: str = "ML",
    na_rm: bool = False,
) -> InvarianceResult:
    """Test measurement invariance of a CFA across the groups of ``group``.

    Fits the model at every level (configural: same structure; metric: equal
    loadings; scalar: equal loadings and intercepts, latent means free after the
    first group; strict: also equal residual variances) and compares each with the
    previous one.

    Parameters
    ----------
    model : str
        lavaan measurement model.
    data : DataFrame or SurveyDesign
    group : str, default "rural"
    levels : sequence of str
        In increasing order of restriction, from :data:`LEVELS`.
    weights, cluster, se, estimator, na_rm
        As :func:`govstats.sem.fit`. Robust fits (weights, clusters, a design or
        ``estimator="MLR"``) give scaled difference tests.

    Returns
    -------
    InvarianceResult

    Notes
    -----
    Scaled difference (Satorra & Bentler 2001, lavaan ``lavTestLRT``):
    ``cd = (d0 c0 - d1 c1) / (d0 - d1)``, ``T = (T0 - T1) / cd``. A step holds when
    ``delta CFI >= -0.010`` and ``delta RMSEA <= 0.015`` (Chen 2007; the robust
    CFI/RMSEA for robust fits). Latent means of the groups may be compared when
    the scalar step holds.

    References
    ----------
    Chen (2007); Satorra & Bentler (2001). R: ``cfa(..., group = "rural",
    group.equal = c("loadings", "intercepts"))`` and ``lavTestLRT``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(4)
    >>> f = rng.normal(size=800)
    >>> df = pd.DataFrame({f"x{j}": f + rng.normal(0, 0.7, 800) for j in range(4)})
    >>> df["rural"] = rng.integers(0, 2, 800)
    >>> res = invariance("f =~ x0 + x1 + x2 + x3", df)
    >>> list(res.table.index)
    ['configural', 'metric', 'scalar']
    """
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown or not levels:
        raise ModelError(f"levels {unknown or list(levels)} not known: use {list(LEVELS)}.")
    order = list(LEVELS)
    if [order.index(lv) for lv in levels] != sorted(order.index(lv) for lv in levels):
        raise ModelError(f"levels must go from less to more restricted: {order}.")
    with same_data():  # one data set: the baseline model is fitted once
        fits = {
            lv: fit(model, data, weights=weights, cluster=cluster, se=se, estimator=estimator,
                    group=group, group_equal=LEVELS[lv], na_rm=na_rm)
            for lv in levels
        }  # fmt: skip
    first = fits[levels[0]]
    if len(first.groups) < 2:
        raise ModelError(f"group={group!r} has a single value: nothing to compare.")
    robust = "chisq.scaling.factor" in first.fit
    cfi_name, rmsea_name = ("cfi.robust", "rmsea.robust") if robust else ("cfi", "rmsea")
    rows = []
    previous: SEMResult | None = None
    for lv in levels:
        res = fits[lv]
        row = {
            "npar": res.fit["npar"], "chisq": res.fit["chisq"], "df": res.fit["df"],
            "chisq_scaled": res.fit.get("chisq.scaled", np.nan),
            "scaling_factor": res.fit.get("chisq.scaling.factor", np.nan),
            "cfi": res.fit.get(cfi_name, np.nan), "rmsea": res.fit.get(rmsea_name, np.nan),
            "srmr": res.fit["srmr"],
            "chisq_diff": np.nan, "df_diff": np.nan, "p_value": np.nan,
            "delta_cfi": np.nan, "delta_rmsea": np.nan, "holds": True,
        }  # fmt: skip
        if previous is not None:
            stat, ddf, p = _difference(res, previous)
            row.update(chisq_diff=stat, df_diff=ddf, p_value=p)
            row["delta_cfi"] = row["cfi"] - previous.fit.get(cfi_name, np.nan)
            row["delta_rmsea"] = row["rmsea"] - previous.fit.get(rmsea_name, np.nan)
            row["holds"] = bool(row["delta_cfi"] >= DELTA_CFI and row["delta_rmsea"] <= DELTA_RMSEA)
        rows.append(row)
        previous = res
    table = pd.DataFrame(rows, index=pd.Index(list(levels), name="level"))
    holds = dict(zip(levels, table["holds"], strict=True))
    comparable = "scalar" in holds and all(holds[lv] for lv in levels[: levels.index("scalar") + 1])
    failed = [lv for lv in levels if not holds[lv]]
    if comparable:
        verdict = (f"scalar invariance holds across {group!r}: latent means may be compared "
                   f"(Chen 2007 criteria on {cfi_name}/{rmsea_name}).")  # fmt: skip
    elif failed:
        d_cfi = float(table["delta_cfi"].to_numpy()[levels.index(failed[0])])
        d_rmsea = float(table["delta_rmsea"].to_numpy()[levels.index(failed[0])])
        verdict = (f"{failed[0]} invariance fails across {group!r} (delta CFI "
                   f"{d_cfi:.4f}, delta RMSEA {d_rmsea:.4f}): latent means are not "
                   f"comparable; free the non-invariant items (partial invariance).")  # fmt: skip
    else:
        verdict = f"the levels tested hold across {group!r}; scalar invariance was not tested."
    return InvarianceResult(table, fits, comparable, verdict, group)

"""Staggered difference-in-differences: TWFE event study and Callaway–Sant'Anna ATT(g, t)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from govstats.design.inference import DEFAULT_LEVEL, check_level, t_interval
from govstats.errors import DataError, ModelError
from govstats.panel.fe import PanelResult, check_columns, fe

__all__ = ["DIDResult", "did"]

_CONTROLS = ("never", "notyet")


@dataclass(frozen=True, eq=False)
class DIDResult:
    """Staggered-adoption DID estimates.

    Attributes
    ----------
    att : float
        Callaway–Sant'Anna overall ATT ("simple" aggregation: post-treatment
        ATT(g, t) averaged with weights proportional to the weighted size of cohort g).
    att_se : float
    dynamic : pandas.DataFrame
        CS event-time aggregation: ``term`` (``event[e]``, e = t - g in time units),
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``.
    group_time : pandas.DataFrame
        Every ATT(g, t): ``cohort``, ``time``, ``estimate``, ``se``, ``n_treated``, ``n_control``.
    event_study : pandas.DataFrame
        Two-way FE event study (linearmodels PanelOLS, clustered SEs), reference
        period the one before adoption.
    twfe : PanelResult
        Static two-way FE coefficient of the treatment indicator (biased under
        heterogeneous, dynamic effects; shown for comparison).
    control : str
        ``"never"`` or ``"notyet"``.
    df : int
        Clusters minus one.
    conf_level : float

    Examples
    --------
    >>> from govstats.datasets import simulate_panel
    >>> sim = simulate_panel(n_counties=40, persons_per_county=10, seed=1)
    >>> res = did(sim.data, "info_access", "person", "year", "first_treated",
    ...           weights="weight", cluster="county")
    >>> res.to_frame()["term"].iloc[0]
    'ATT'
    """

    att: float
    att_se: float
    dynamic: pd.DataFrame
    group_time: pd.DataFrame
    event_study: pd.DataFrame
    twfe: PanelResult
    control: str
    df: int
    conf_level: float = DEFAULT_LEVEL
    method: str = "callaway-santanna"

    @property
    def estimate(self) -> np.ndarray:
        """The overall ATT then the event-time ATTs, as in :meth:`to_frame`."""
        return np.concatenate([[self.att], self.dynamic["estimate"].to_numpy()])

    @property
    def se(self) -> np.ndarray:
        """Standard errors matching :attr:`estimate`."""
        return np.concatenate([[self.att_se], self.dynamic["se"].to_numpy()])

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Return the overall ATT then the event-time ATTs (Callaway–Sant'Anna), tidy.

        ``names`` is accepted as by every model table (the rows are spelled alike in R).
        """
        low, high = t_interval(np.array([self.att]), np.array([self.att_se]), self.df,
                               self.conf_level)  # fmt: skip
        head = pd.DataFrame(
            {"term": ["ATT"], "estimate": [self.att], "se": [self.att_se], "ci_low": low,
             "ci_high": high, "df": [float(self.df)]}
        )  # fmt: skip
        frame = pd.concat([head, self.dynamic], ignore_index=True)
        frame["t"] = frame["estimate"] / frame["se"]
        frame["p_value"] = 2 * stats.t.sf(np.abs(frame["t"]), self.df)
        return frame

    def summary(self) -> str:
        """Overall and event-time ATTs, with the TWFE comparison."""
        return (
            f"Staggered DID (Callaway-Sant'Anna, {self.control} controls), df = {self.df}\n"
            + self.to_frame().to_string(index=False, float_format="{:.6g}".format)
            + f"\nStatic TWFE: {self.twfe.params.iloc[0]:.6g} (se {self.twfe.se.iloc[0]:.4g})"
        )

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        return f"DIDResult(ATT={self.att:.4g} (se {self.att_se:.3g}); {self.control} controls)"


def _cohorts(data: pd.DataFrame, cohort: str, entity: str, time: str) -> pd.Series:
    values = pd.to_numeric(data[cohort], errors="coerce")
    observed = values.dropna()
    if observed.isin([0, 1]).all() and (values.groupby(data[entity]).nunique() > 1).any():
        return _first_treated(data, values, cohort, entity, time)
    values = values.where(np.isfinite(values) & (values > 0), np.inf)
    per_entity = values.groupby(data[entity]).agg(["min", "max"])
    varying = per_entity.index[per_entity["min"] != per_entity["max"]]
    if len(varying):
        raise DataError(
            f"cohort column {cohort!r} changes within entity {varying[0]!r}; it must hold the "
            "period of first treatment (constant per entity; missing, 0 or inf for never)."
        )
    return per_entity["min"]


def _first_treated(
    data: pd.DataFrame, treated: pd.Series, name: str, entity: str, time: str
) -> pd.Series:
    """First period of an absorbing 0/1 treatment indicator, per entity (inf: never)."""
    frame = pd.DataFrame({"e": data[entity], "t": pd.to_numeric(data[time]), "d": treated})
    frame = frame.sort_values(["e", "t"])
    switched_off = frame.groupby("e")["d"].diff() < 0
    if switched_off.any():
        who = frame.loc[switched_off, "e"].iloc[0]
        raise DataError(
            f"treatment column {name!r} goes from 1 back to 0 for entity {who!r}; staggered "
            "adoption needs an absorbing treatment (or pass the period of first treatment)."
        )
    first = frame[frame["d"] == 1].groupby("e")["t"].min()
    return first.reindex(pd.unique(frame["e"])).fillna(np.inf).astype(float)


def _cluster_vcov(influence: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    codes, _ = pd.factorize(clusters)
    g = int(codes.max()) + 1
    totals = np.zeros((g, influence.shape[1]))
    np.add.at(totals, codes, influence)
    centred = totals - totals.mean(axis=0)
    return np.asarray(g / (g - 1) * centred.T @ centred)


def _group_time(
    wide: pd.DataFrame,
    weight: pd.DataFrame,
    first: pd.Series,
    periods: list[float],
    control: str,
) -> tuple[list[tuple[float, float, float, int, int]], np.ndarray]:
    cells, columns = [], []
    cohorts = sorted(c for c in first.unique() if np.isfinite(c))
    for g in cohorts:
        if g not in periods or periods.index(g) == 0:
            continue
        base = periods[periods.index(g) - 1]
        for t in periods:
            if t == base:
                continue
            dy = wide[t] - wide[base]
            v = weight[t]
            ok = dy.notna() & v.notna()
            treated = ok & (first == g)
            if control == "never":
                ctrl = ok & np.isinf(first)
            else:
                ctrl = ok & (first > max(t, base)) & (first != g)
            if treated.sum() == 0 or ctrl.sum() == 0:
                continue
            vt, vc = v.where(treated, 0.0), v.where(ctrl, 0.0)
            mt = float((vt * dy.fillna(0)).sum() / vt.sum())
            mc = float((vc * dy.fillna(0)).sum() / vc.sum())
            phi = vt * (dy.fillna(0) - mt) / vt.sum() - vc * (dy.fillna(0) - mc) / vc.sum()
            cells.append((g, t, mt - mc, int(treated.sum()), int(ctrl.sum())))
            columns.append(phi.to_numpy())
    if not cells:
        raise ModelError(
            "no cohort has a comparison group: every entity is treated at the same period or "
            "there are no never-/not-yet-treated entities. Check the cohort column."
        )
    return cells, np.column_stack(columns)


def did(
    data: pd.DataFrame,
    outcome: str,
    entity: str,
    time: str,
    cohort: str,
    *,
    weights: str | None = None,
    cluster: str | None = None,
    control: str = "never",
    level: float = DEFAULT_LEVEL,
) -> DIDResult:
    """Staggered-adoption difference-in-differences (Callaway–Sant'Anna and a TWFE event study).

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per entity and period (attrition allowed).
    outcome, entity, time : str
        Outcome, entity id and period columns (periods numeric, e.g. survey years).
    cohort : str
        Period of first treatment of the entity (missing, 0 or inf: never treated), or
        an absorbing 0/1 treatment indicator per period (the first period with 1 is
        taken as the entity's cohort; an entity that leaves the panel before it is
        treated then counts as never treated, so pass the period when it is known).
    weights : str, optional
        Longitudinal weights; the weight of the later period of every comparison is used.
    cluster : str, optional
        Cluster column (the PSU, e.g. county; treatment assigned by county); default entity.
    control : {"never", "notyet"}
        Comparison group: never-treated entities, or those not yet treated by the later
        of the two periods compared.
    level : float, default 0.95

    Returns
    -------
    DIDResult

    Notes
    -----
    ATT(g, t) = weighted mean of ``Y_t - Y_{g-1}`` in cohort g minus the same among
    the controls (Callaway and Sant'Anna 2021, unconditional parallel trends, the
    period before adoption as the base for every t). Its influence function per
    entity is summed within clusters; the covariance of all ATT(g, t) is
    ``G/(G-1) sum_c (z_c - zbar)(z_c - zbar)^T``. The overall ATT averages the
    post-treatment cells (t >= g) with weights proportional to the weighted cohort
    sizes, the event-time ATT(e) the cells with t - g = e; these aggregation weights
    are held fixed in the variance (their estimation error is not added). The TWFE
    event study regresses the outcome on relative-period dummies (reference: the
    period before adoption) with entity and period effects (linearmodels PanelOLS).

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with
    multiple time periods. *Journal of Econometrics* 225, 200-230. R: ``did::att_gt(
    yname, tname, idname, gname, weightsname, clustervars, control_group=
    "nevertreated", base_period="universal")`` then ``aggte(type="simple")``.

    Examples
    --------
    >>> from govstats.datasets import simulate_panel
    >>> sim = simulate_panel(n_counties=40, persons_per_county=10, seed=2)
    >>> res = did(sim.data, "info_access", "person", "year", "first_treated",
    ...           weights="weight", cluster="county")
    >>> bool(abs(res.att - sim.truth["att_simple"]) < 4 * res.att_se)
    True
    """
    level = check_level(level)
    if control not in _CONTROLS:
        raise ModelError(f"control={control!r} is not one of {_CONTROLS}.")
    check_columns(data, [outcome, entity, time, cohort, weights, cluster])
    if data.duplicated([entity, time]).any():
        raise DataError(
            f"rows repeat an ({entity!r}, {time!r}) pair; one row per entity and period."
        )
    first = _cohorts(data, cohort, entity, time)
    frame = data.assign(_w=1.0 if weights is None else data[weights])
    wide = frame.pivot(index=entity, columns=time, values=outcome)
    weight = frame.pivot(index=entity, columns=time, values="_w")
    first = first.reindex(wide.index)
    periods = sorted(float(p) for p in wide.columns)
    wide.columns = weight.columns = periods
    if cluster is None:
        clusters = wide.index.to_numpy()
    else:
        clusters = frame.groupby(entity)[cluster].first().reindex(wide.index).to_numpy()
    cells, influence = _group_time(wide, weight, first, periods, control)
    vcov = _cluster_vcov(influence, clusters)
    df = int(pd.unique(clusters).shape[0]) - 1
    att_gt = np.array([c[2] for c in cells])
    # cohort sizes from every entity's weight in its first observed period
    entry = weight.bfill(axis=1).iloc[:, 0]
    size = {g: float(entry[first == g].sum()) for g in {c[0] for c in cells}}
    post = np.array([c[1] >= c[0] for c in cells])
    pi = np.array([size[c[0]] for c in cells])
    simple = np.where(post, pi, 0.0) / np.sum(pi[post])
    events = sorted({c[1] - c[0] for c in cells})
    rows = []
    for e in events:
        a = np.array([pi_k if c[1] - c[0] == e else 0.0 for c, pi_k in zip(cells, pi, strict=True)])
        a = a / a.sum()
        rows.append((f"event[{e:g}]", float(a @ att_gt), float(np.sqrt(a @ vcov @ a))))
    est = np.array([r[1] for r in rows])
    se = np.array([r[2] for r in rows])
    low, high = t_interval(est, se, df, level)
    dynamic = pd.DataFrame(
        {"term": [r[0] for r in rows], "estimate": est, "se": se, "ci_low": low,
         "ci_high": high, "df": float(df)}
    )  # fmt: skip
    group_time = pd.DataFrame(
        {"cohort": [c[0] for c in cells], "time": [c[1] for c in cells], "estimate": att_gt,
         "se": np.sqrt(np.diag(vcov)), "n_treated": [c[3] for c in cells],
         "n_control": [c[4] for c in cells]}
    )  # fmt: skip
    event_study, twfe = _twfe(frame, outcome, entity, time, first, periods, weights, cluster,
                              level)  # fmt: skip
    return DIDResult(
        att=float(simple @ att_gt),
        att_se=float(np.sqrt(simple @ vcov @ simple)),
        dynamic=dynamic,
        group_time=group_time,
        event_study=event_study,
        twfe=twfe,
        control=control,
        df=df,
        conf_level=level,
    )


def _twfe(
    frame: pd.DataFrame,
    outcome: str,
    entity: str,
    time: str,
    first: pd.Series,
    periods: list[float],
    weights: str | None,
    cluster: str | None,
    level: float,
) -> tuple[pd.DataFrame, PanelResult]:
    g = frame[entity].map(first).to_numpy(dtype=float)
    t = frame[time].to_numpy(dtype=float)
    treated = np.isfinite(g)
    rel = np.where(treated, t - g, np.nan)
    index = {p: k for k, p in enumerate(periods)}
    # reference: the period before adoption, in time units
    base = np.array([periods[index[x] - 1] - x if x in index and index[x] > 0 else np.nan
                     for x in g])  # fmt: skip
    values = sorted({float(r) for r, b in zip(rel, base, strict=True)
                     if np.isfinite(r) and r != b})  # fmt: skip
    names = {r: f"ev_{'m' if r < 0 else ''}{abs(r):g}".replace(".", "_") for r in values}
    dummies = {names[r]: ((rel == r) & (rel != base)).astype(float) for r in values}
    work = frame.assign(**dummies, _d=(treated & (t >= g)).astype(float))
    keep = [n for n in dummies if work[n].sum() > 0]
    study = fe(work, f"{outcome} ~ " + " + ".join(keep), entity, time, weights, cluster,
               level=level)  # fmt: skip
    out = study.to_frame()
    back = {v: f"event[{r:g}]" for r, v in names.items()}
    out["term"] = out["term"].map(back)
    static = fe(work, f"{outcome} ~ _d", entity, time, weights, cluster, level=level)
    static = PanelResult(
        params=static.params.rename({"_d": "treated"}),
        cov=static.cov.rename(index={"_d": "treated"}, columns={"_d": "treated"}),
        df=static.df, n_obs=static.n_obs, n_entities=static.n_entities,
        n_clusters=static.n_clusters, formula=f"{outcome} ~ treated", method=static.method,
        fit=static.fit, conf_level=level,
    )  # fmt: skip
    return out, static

"""Fit a CFA/SEM written in lavaan syntax by (pseudo-)ML on (design-)weighted moments."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from govstats.design.inference import check_level, t_interval
from govstats.design.survey_design import SurveyDesign
from govstats.errors import DataError, DesignError, GovstatsWarning, ModelError
from govstats.sem import _fitmeasures as fm
from govstats.sem._baseline import MeatFunction, baseline_fit, scaling_factor
from govstats.sem._model import (
    casewise_scores,
    observed_information,
    ram_from_partable,
    sample_moments,
    score_meat,
    start_values,
)
from govstats.sem._partable import ParTable, build, roles
from govstats.sem._ram import Moments, RamModel, fisher_scoring, refit_near
from govstats.sem._standardize import check_defined, evaluate_defined, standardize
from govstats.sem._syntax import parse
from govstats.sem.results import SEMResult

__all__ = ["fit"]

_SE = ("standard", "robust", "design", "replicate")


@dataclass(frozen=True)
class _Data:
    """Model variables of the rows in use, their weights, groups and clusters."""

    x: np.ndarray  # (n, p) rows with positive weight
    w: np.ndarray  # (n,) weights normalised to sum to n (lavaan "total")
    raw_w: np.ndarray  # (n,) weights as given
    groups: np.ndarray  # (n,) group code
    labels: tuple[str, ...]
    cluster: np.ndarray | None
    rows: np.ndarray  # positions of the rows used in the original data
    n_rows: int


def _prepare(
    data: pd.DataFrame | SurveyDesign,
    variables: Sequence[str],
    weights: str | None,
    cluster: str | None,
    group: str | None,
    na_rm: bool,
) -> _Data:
    design = data if isinstance(data, SurveyDesign) else None
    frame = design.data if design is not None else data
    if not isinstance(frame, pd.DataFrame):
        raise DataError("data must be a pandas DataFrame or a SurveyDesign.")
    needed = list(variables) + [c for c in (weights, cluster, group) if c is not None]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            f"the model uses column(s) {missing} that are not in the data; check the item "
            f"names in the model syntax (available: {list(frame.columns)[:20]})."
        )
    if design is not None:
        if weights is not None or cluster is not None:
            raise DesignError(
                "weights= and cluster= are for a plain DataFrame; a SurveyDesign carries its "
                "own weights and PSUs."
            )
        raw = np.asarray(design.weights_array, dtype=np.float64)
    elif weights is not None:
        raw = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=np.float64)
        if not np.isfinite(raw).all() or (raw < 0).any():
            raise DataError(f"weights column {weights!r} has missing or negative values.")
    else:
        raw = np.ones(len(frame))
    try:
        x_all = frame[list(variables)].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        bad = [v for v in variables if not pd.api.types.is_numeric_dtype(frame[v])]
        raise DataError(f"model variables {bad} are not numeric.") from None
    complete = np.isfinite(x_all).all(axis=1)
    if group is not None:
        complete &= frame[group].notna().to_numpy()
    if not complete[raw > 0].all():
        bad = [v for v in variables if frame[v].isna().to_numpy()[raw > 0].any()]
        if not na_rm:
            raise DataError(
                f"columns {bad or [group]} have missing values; pass na_rm=True to fit on the "
                f"complete rows (lavaan's listwise deletion)."
            )
    rows = np.flatnonzero(complete & (raw > 0))
    if rows.size == 0:
        raise DataError("no row has complete model variables and a positive weight.")
    if group is not None:
        values = frame[group].to_numpy()[rows]
        labels = tuple(str(v) for v in pd.unique(values))
        codes = pd.Index(pd.unique(values)).get_indexer(values)
    else:
        labels, codes = ("",), np.zeros(rows.size, dtype=np.int64)
    clus = None
    if cluster is not None:
        clus = pd.factorize(frame[cluster].to_numpy()[rows])[0]
    raw_w = raw[rows]
    w = raw_w * rows.size / raw_w.sum()
    return _Data(x_all[rows], w, raw_w, np.asarray(codes), labels, clus, rows, len(frame))


def _check_items(data: _Data, names: Sequence[str]) -> None:
    for g in range(len(data.labels)):
        xg = data.x[data.groups == g]
        spread = xg.max(axis=0) - xg.min(axis=0)
        if (spread == 0).any():
            bad = [names[int(j)] for j in np.flatnonzero(spread == 0)]
            where = f" in group {data.labels[g]!r}" if len(data.labels) > 1 else ""
            raise ModelError(
                f"item(s) {bad} are constant{where}; a constant item carries no information "
                f"about a latent variable: drop it from the model."
            )


def _identification(pt: ParTable, model: RamModel, theta: np.ndarray, moments: Moments,
                    n_moments: int) -> None:  # fmt: skip
    if pt.n_free > n_moments:
        raise ModelError(
            f"the model is not identified: {pt.n_free} free parameters but only {n_moments} "
            f"sample moments; fix more parameters or add items."
        )
    _, _, info = model.derivatives(theta, moments)
    assert info is not None
    values, vectors = np.linalg.eigh(info[0])
    if values[0] <= 1e-9 * max(values[-1], 1e-300):
        names = _free_names(pt)
        worst = [int(k) for k in np.argsort(-np.abs(vectors[:, 0]))[:3]]
        raise ModelError(
            "the model is not identified: the information matrix is singular; the parameters "
            f"involved include {[names[k] for k in worst]}. Fix a loading or a variance per "
            "factor, or add constraints."
        )


def _free_names(pt: ParTable) -> list[str]:
    out = [""] * pt.n_free
    for i in range(len(pt)):
        k = pt.free[i]
        if k >= 0 and not out[k]:
            suffix = f" (group {pt.group[i] + 1})" if pt.n_groups > 1 else ""
            out[int(k)] = f"{pt.lhs[i]} {pt.op[i]} {pt.rhs[i]}".strip() + suffix
    return out


def _row_values(pt: ParTable, model: RamModel, theta: np.ndarray, moments: Moments) -> np.ndarray:
    """Value of every parameter-table row (free from theta, exogenous from the moments)."""
    ov = {v: i for i, v in enumerate(pt.roles.ov)}
    out = np.where(pt.free >= 0, theta[np.maximum(pt.free, 0)], pt.value)
    for i in np.flatnonzero(pt.exo):
        g = pt.group[i]
        if pt.op[i] == "~~":
            out[i] = moments.cov[0, g, ov[pt.lhs[i]], ov[pt.rhs[i]]]
        else:
            out[i] = moments.mean[0, g, ov[pt.lhs[i]]]
    out = np.where(np.isnan(out), 0.0, out)
    return out


def _defined_function(pt: ParTable, base: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    labelled = [i for i in range(len(pt)) if pt.label[i]]

    def func(theta: np.ndarray) -> np.ndarray:
        values = {}
        for i in labelled:
            k = pt.free[i]
            values[pt.label[i]] = float(theta[k]) if k >= 0 else float(base[i])
        return evaluate_defined(pt.defined, values)

    return func


def _jacobian(func: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    f0 = func(theta)
    out = np.zeros((f0.size, theta.size))
    for k in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[k]))
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        out[:, k] = (func(up) - func(down)) / (2 * h)
    return out


def fit(
    model: str,
    data: pd.DataFrame | SurveyDesign,
    *,
    weights: str | None = None,
    cluster: str | None = None,
    se: str | None = None,
    estimator: str = "ML",
    group: str | None = None,
    group_equal: Sequence[str] = (),
    meanstructure: bool | None = None,
    level: float = 0.95,
    na_rm: bool = False,
    max_iter: int = 500,
    tol: float = 1e-10,
) -> SEMResult:
    """Fit a CFA or SEM written in lavaan syntax by ML on (design-)weighted moments.

    Parameters
    ----------
    model : str
        lavaan model syntax: ``=~``, ``~``, ``~~``, ``~ 1``, labels (``a*x``), fixed
        values (``1*x``), ``NA*x``, per-group modifiers ``c(a, b)*x``, ``:=``.
        Defaults as lavaan ``sem()``/``cfa()``: first loading fixed to 1, residual
        variances free, exogenous latent covariances free, observed exogenous
        covariates fixed at their sample moments (``fixed.x``).
    data : DataFrame or SurveyDesign
        Rows with the model's variables. A design supplies the weights, strata,
        PSUs and fpc (and replicate weights).
    weights : str, optional
        Weight column of a DataFrame (lavaan ``sampling.weights``; normalised to sum to n).
    cluster : str, optional
        Cluster column of a DataFrame (lavaan ``cluster=``: cluster-robust SEs).
    se : {"standard", "robust", "design", "replicate"}, optional
        ``"standard"``: expected information (lavaan ML). ``"robust"``: sandwich with
        the observed information and, with ``cluster``, cluster sums (lavaan MLR,
        ``robust.huber.white`` / ``robust.cluster``). ``"design"``: the same
        sandwich with the meat from the design's linearization variance of the
        score totals (strata, PSUs, fpc). ``"replicate"``: refit under every
        replicate weight from per-PSU moment sums. Default as lavaan: ``"robust"``
        with weights, clusters or ``estimator="MLR"``; ``"standard"`` otherwise;
        ``"replicate"``/``"design"`` for a replicate/linearization design.
    estimator : {"ML", "MLR"}
        ``"MLR"`` is ML with ``se="robust"`` and the Yuan-Bentler scaled test.
    group : str, optional
        Column defining groups (multi-group model; groups in order of appearance).
    group_equal : sequence of str
        lavaan ``group.equal``: ``"loadings"``, ``"intercepts"``, ``"means"``,
        ``"residuals"``, ``"residual.covariances"``, ``"lv.variances"``,
        ``"lv.covariances"``, ``"regressions"``.
    meanstructure : bool, optional
        Model the means (default as lavaan: with groups, clusters or ``~ 1`` rows).
    level : float, default 0.95
    na_rm : bool, default False
        Fit on the complete rows (lavaan listwise deletion) instead of failing.
    max_iter : int, default 500
        Fisher-scoring iterations.
    tol : float, default 1e-10
        Converged when every Fisher step is below ``tol * (1 + |theta|)``.

    Returns
    -------
    SEMResult

    Raises
    ------
    ModelError
        Not identified, constant items, unknown syntax.
    ConvergenceError
        The fit did not converge.

    Notes
    -----
    ``F = sum_g N_g/N * 1/2 [log|Sigma| + tr(S Sigma^{-1}) - log|S| - p + (m - mu)^T
    Sigma^{-1} (m - mu)]`` is minimised by Fisher scoring; ``chisq = 2 N F``.
    The robust covariance is ``A^{-1} B A^{-1} / N`` with ``A`` the observed
    information and ``B`` the mean outer product of weighted casewise scores;
    with a design, ``B`` is replaced by ``V_design(sum_i w_i u_i)`` (R ``svyrecvar``)
    and ``A`` by ``sum(w) A``. A Heywood case (negative variance) gives a
    :class:`~govstats.errors.GovstatsWarning` naming the parameter.

    References
    ----------
    Rosseel (2012), lavaan. R: ``sem(model, data, sampling.weights = "w", cluster = "c")``.
    Muthen & Satorra (1995); Oberski (2014) lavaan.survey.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=500)
    >>> df = pd.DataFrame({f"x{j}": f * (0.5 + j / 4) + rng.normal(size=500) for j in range(3)})
    >>> res = fit("f =~ x0 + x1 + x2", df)
    >>> res.to_frame().loc[1, ["lhs", "op", "rhs"]].tolist()
    ['f', '=~', 'x1']
    >>> round(float(res.fit_measures()["df"]), 1)
    0.0
    """
    level = check_level(level)
    if estimator not in ("ML", "MLR"):
        raise ModelError(f"estimator={estimator!r} is not available: use 'ML' or 'MLR'.")
    design = data if isinstance(data, SurveyDesign) else None
    if se is None:
        if design is not None:
            se = "replicate" if design.replicates is not None else "design"
        elif weights is not None or cluster is not None or estimator == "MLR":
            se = "robust"
        else:
            se = "standard"
    if se not in _SE:
        raise ModelError(f"se={se!r} is not known: use one of {', '.join(_SE)}.")
    if se in ("design", "replicate") and design is None:
        raise DesignError(f"se={se!r} needs a SurveyDesign as data (with strata, PSUs, weights).")
    if se == "replicate" and (design is None or design.replicates is None):
        raise DesignError(
            "se='replicate' needs a replicate design: use design.to_replicates(...) first."
        )
    rows, defined = parse(model)
    d = _prepare(data, roles(rows).ov, weights, cluster, group, na_rm)
    n_groups = len(d.labels)
    if meanstructure is None:
        meanstructure = n_groups > 1 or cluster is not None
    pt = build(rows, defined, n_groups=n_groups, meanstructure=meanstructure,
               group_equal=group_equal)  # fmt: skip
    check_defined(pt.defined, {lab for lab in pt.label if lab})
    ram, names = ram_from_partable(pt)
    _check_items(d, pt.roles.ov)
    moments = sample_moments(d.x, d.w, d.groups, n_groups)
    p = len(pt.roles.ov)
    nx = len(pt.roles.ov_x)
    per_group = p * (p + 1) // 2 - nx * (nx + 1) // 2
    if pt.meanstructure:
        per_group += p - nx
    n_moments = per_group * n_groups
    theta0 = start_values(pt, moments)
    # a model whose information is singular at generic starting values is not identified
    _identification(pt, ram, theta0, moments, n_moments)
    theta, f_min, iters = fisher_scoring(ram, theta0, moments, max_iter=max_iter, tol=tol)
    _identification(pt, ram, theta, moments, n_moments)
    theta1 = theta[0]
    n_total = float(moments.n.sum())
    _, _, info = ram.derivatives(theta, moments)
    assert info is not None
    expected = info[0]
    cluster_codes = d.cluster
    method = se
    observed = None
    meat = None
    meat_of = None
    replicate_estimates = None
    seed = None
    df = float("inf")
    scores = casewise_scores(ram, theta1, moments, d.x, d.groups)
    # lavaan reports the scaled (Yuan-Bentler) test for weights, clusters and MLR even
    # when the standard errors are asked to be "standard"
    scaled_test = se != "standard" or weights is not None or cluster is not None
    scaled_test = scaled_test or estimator == "MLR"
    if scaled_test:
        observed = observed_information(ram, theta1, moments)
        meat_of = _meat_function(d, design if se == "design" else None)
        meat = meat_of(scores, np.ones(len(d.rows), dtype=bool))
    if se == "standard":
        vcov = np.linalg.inv(expected) / n_total
    else:
        assert observed is not None and meat is not None
        a_inv = np.linalg.inv(observed)
        if cluster_codes is not None:
            method = "robust.cluster"
        vcov = a_inv @ meat @ a_inv / n_total
        if se == "design":
            assert design is not None
            method = "linearization"
            df = float(design.df)
        elif se == "replicate":
            assert design is not None and design.replicates is not None
            reps = design.replicates
            rep_moments = _replicate_moments(design, d, n_groups, moments)
            start = np.repeat(theta, reps.n_replicates, axis=0)
            rep_theta = refit_near(ram, start, rep_moments, observed, max_iter=max_iter, tol=1e-9)
            method = reps.method
            seed = reps.seed
            df = float(design.df)
            replicate_estimates = rep_theta
    base = _row_values(pt, ram, theta1, moments)
    func = _defined_function(pt, base)
    def_values = func(theta1) if pt.defined else np.zeros(0)
    if replicate_estimates is not None:
        assert design is not None and design.replicates is not None
        rep_def = (np.array([func(t) for t in replicate_estimates]) if pt.defined
                   else np.zeros((replicate_estimates.shape[0], 0)))  # fmt: skip
        combined = np.hstack([replicate_estimates, rep_def])
        v_all = design.replicates.vcov(combined, np.concatenate([theta1, def_values]))
        q = pt.n_free
        vcov = v_all[:q, :q]
        v_def = v_all[q:, q:]
        replicate_estimates = combined
    elif pt.defined:
        jac = _jacobian(func, theta1)
        v_def = jac @ vcov @ jac.T
    else:
        v_def = np.zeros((0, 0))
    se_rows = np.where(
        pt.free >= 0, np.sqrt(np.maximum(np.diag(vcov), 0))[np.maximum(pt.free, 0)], 0.0
    )
    _warn_heywood(pt, base)
    table = _table(pt, ram, names, theta, moments, base, se_rows, def_values,
                   np.sqrt(np.maximum(np.diag(v_def), 0)), df, level, d.labels)  # fmt: skip
    # the scaled test's bread is the information the SEs use (lavaan's E.inv)
    bread = expected if se == "standard" else observed
    fit_values = _fit_measures(pt, ram, theta, moments, f_min[0], n_total, n_moments, d,
                               bread, meat, meat_of, se == "standard")  # fmt: skip
    return SEMResult(
        table=table,
        estimate=table["estimate"].to_numpy(),
        se=table["se"].to_numpy(),
        vcov=vcov,
        df=df,
        conf_level=level,
        method=method,
        fit=fit_values,
        n_obs=n_total,
        groups=d.labels,
        replicate_estimates=replicate_estimates,
        seed=seed,
        iterations=int(iters[0]),
    )


def _meat_function(d: _Data, design: SurveyDesign | None) -> MeatFunction:
    """First-order information of scores per unit of normalised weight (see MeatFunction).

    Without a design: lavaan's ``sum (w u)(w u)^T / N`` (cluster sums times
    ``nC/(nC-1)`` with clusters). With a design: ``N / W^2 V_design(sum w u)`` (``W`` the
    sum of the design weights), so that ``A^{-1} B A^{-1} / N`` is the design sandwich.
    """

    def meat_of(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
        n_sub = float(d.w[rows].sum())
        if design is None:
            cluster = None if d.cluster is None else d.cluster[rows]
            return score_meat(scores[rows], d.w[rows], d.groups[rows], cluster) / n_sub
        full = np.zeros((d.n_rows, scores.shape[1]))
        full[d.rows[rows]] = scores[rows] * d.raw_w[rows, None]
        w_sub = float(d.raw_w[rows].sum())
        return np.asarray(n_sub * design.vcov_totals(full) / w_sub**2)

    return meat_of


def _replicate_moments(design: SurveyDesign, d: _Data, n_groups: int, full: Moments) -> Moments:
    """Means and covariances under every replicate weight from one pass of PSU sums."""
    assert design.replicates is not None
    p = d.x.shape[1]
    iu = np.triu_indices(p)
    blocks = []
    for g in range(n_groups):
        in_g = (d.groups == g).astype(np.float64)
        dev = d.x - full.mean[0, g]
        products = (dev[:, :, None] * dev[:, None, :])[:, iu[0], iu[1]]
        blocks.append(np.hstack([in_g[:, None], dev * in_g[:, None], products * in_g[:, None]]))
    values = np.zeros((d.n_rows, n_groups * (1 + p + len(iu[0]))))
    values[d.rows] = np.hstack(blocks)
    base = np.zeros(d.n_rows)
    base[d.rows] = d.raw_w
    totals = design.replicates.weighted_totals(base, values)
    r = totals.shape[0]
    mean = np.zeros((r, n_groups, p))
    cov = np.zeros((r, n_groups, p, p))
    n = np.zeros((r, n_groups))
    width = 1 + p + len(iu[0])
    for g in range(n_groups):
        block = totals[:, g * width : (g + 1) * width]
        sw = block[:, 0]
        shift = block[:, 1 : 1 + p] / sw[:, None]
        second = np.zeros((r, p, p))
        second[:, iu[0], iu[1]] = block[:, 1 + p :] / sw[:, None]
        second[:, iu[1], iu[0]] = second[:, iu[0], iu[1]]
        mean[:, g] = full.mean[0, g] + shift
        cov[:, g] = second - shift[:, :, None] * shift[:, None, :]
        n[:, g] = sw
    return Moments(mean, cov, n)


def _warn_heywood(pt: ParTable, values: np.ndarray) -> None:
    for i in range(len(pt)):
        if pt.op[i] == "~~" and pt.lhs[i] == pt.rhs[i] and pt.free[i] >= 0 and values[i] < 0:
            where = f" in group {pt.group[i] + 1}" if pt.n_groups > 1 else ""
            warnings.warn(
                f"the variance {pt.lhs[i]} ~~ {pt.rhs[i]}{where} is estimated negative "
                f"({values[i]:.4g}), a Heywood case: the model may be misspecified or an item "
                f"nearly redundant.",
                GovstatsWarning,
                stacklevel=3,
            )


def _table(pt: ParTable, ram: RamModel, names: Sequence[str], theta: np.ndarray,
           moments: Moments, base: np.ndarray, se_rows: np.ndarray, def_values: np.ndarray,
           def_se: np.ndarray, df: float, level: float,
           labels: Sequence[str]) -> pd.DataFrame:  # fmt: skip
    full_cov = [ram.implied(g, theta, moments)[3][0] for g in range(pt.n_groups)]
    std_lv, std_all = standardize(pt.lhs, pt.op, pt.rhs, pt.group, base, full_cov, names,
                                  set(pt.roles.lv))  # fmt: skip
    label = list(pt.label)
    lhs, op, rhs = list(pt.lhs), list(pt.op), list(pt.rhs)
    group = [int(g) + 1 for g in pt.group]
    est = list(base)
    se = list(se_rows)
    if pt.defined:
        lab_rows = {pt.label[i]: i for i in range(len(pt)) if pt.label[i]}
        std_def = []
        for source in (std_lv, std_all):
            vals = {lab: float(source[i]) for lab, i in lab_rows.items()}
            std_def.append(evaluate_defined(pt.defined, vals))
        for j, dfn in enumerate(pt.defined):
            lhs.append(dfn.name)
            op.append(":=")
            rhs.append(dfn.expression.replace("**", "^").replace(" ", ""))
            label.append(dfn.name)
            group.append(1 if len(labels) == 1 else 0)
            est.append(float(def_values[j]))
            se.append(float(def_se[j]))
        std_lv = np.concatenate([std_lv, std_def[0]])
        std_all = np.concatenate([std_all, std_def[1]])
    est_a = np.asarray(est)
    se_a = np.asarray(se)
    free_rows = np.concatenate([pt.free >= 0, np.ones(len(pt.defined), dtype=bool)])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free_rows & (se_a > 0), est_a / se_a, np.nan)
    if np.isfinite(df):
        p_value = 2 * stats.t.sf(np.abs(z), df)
    else:
        p_value = 2 * stats.norm.sf(np.abs(z))
    low, high = t_interval(est_a, se_a, df, level)
    term = [f"{a}{o}{b}" if o != "~1" else f"{a}~1" for a, o, b in zip(lhs, op, rhs, strict=True)]
    return pd.DataFrame({
        "lhs": lhs, "op": op, "rhs": rhs, "label": label, "group": group,
        "group_label": [labels[g - 1] if g > 0 else "" for g in group],
        "estimate": est_a, "se": se_a, "z": z, "p_value": p_value,
        "ci_low": low, "ci_high": high, "std_lv": std_lv, "std_all": std_all,
        "term": term, "df": np.full(len(lhs), df, dtype=np.float64),
    })  # fmt: skip


def _fit_measures(pt: ParTable, ram: RamModel, theta: np.ndarray, moments: Moments,
                  f_min: float, n_total: float, n_moments: int, d: _Data,
                  observed: np.ndarray | None, meat: np.ndarray | None,
                  meat_of: MeatFunction | None,
                  expected_bread: bool) -> dict[str, float]:  # fmt: skip

    chisq = 2 * n_total * f_min
    dof = float(n_moments - pt.n_free)
    g_count = pt.n_groups
    pvalue = float(stats.chi2.sf(chisq, dof)) if dof > 0 else np.nan
    out: dict[str, float] = {"npar": float(pt.n_free), "fmin": f_min, "chisq": chisq,
                             "df": dof, "pvalue": pvalue}  # fmt: skip
    base = baseline_fit(pt, moments, d, meat_of, expected=expected_bread)
    out["baseline.chisq"], out["baseline.df"] = base["chisq"], base["df"]
    out["baseline.pvalue"] = float(stats.chi2.sf(base["chisq"], base["df"]))
    out["cfi"] = fm.cfi(chisq, dof, base["chisq"], base["df"])
    out["tli"] = fm.tli(chisq, dof, base["chisq"], base["df"])
    out["nnfi"] = out["tli"]
    out.update(fm.incremental(chisq, dof, base["chisq"], base["df"]))
    out["ntotal"] = n_total
    logl, logl_h1 = _loglik(pt, ram, theta, moments)
    out["logl"], out["unrestricted.logl"] = logl, logl_h1
    out["aic"] = -2 * logl + 2 * pt.n_free
    out["bic"] = -2 * logl + pt.n_free * np.log(n_total)
    out["bic2"] = -2 * logl + pt.n_free * np.log((n_total + 2) / 24)
    out["rmsea"] = fm.rmsea(chisq, dof, n_total, g_count)
    low, high = fm.rmsea_interval(chisq, dof, n_total, g_count)
    out["rmsea.ci.lower"], out["rmsea.ci.upper"] = low, high
    out["rmsea.ci.level"] = 0.90
    out["rmsea.pvalue"] = fm.rmsea_pvalue(chisq, dof, n_total, g_count, 0.05, close=True)
    out["rmsea.close.h0"] = 0.05
    out["rmsea.notclose.pvalue"] = fm.rmsea_pvalue(chisq, dof, n_total, g_count, 0.08, close=False)
    out["rmsea.notclose.h0"] = 0.08
    if meat_of is not None and observed is not None and meat is not None:
        # a saturated model (df = 0) has no scaling factor; lavaan keeps the unscaled chisq
        c = (scaling_factor(pt, ram, theta, moments, d, observed, meat, dof, meat_of)
             if dof > 0 else np.nan)  # fmt: skip
        scaled = chisq / c if dof > 0 else chisq
        out["chisq.scaled"], out["df.scaled"] = scaled, dof
        out["pvalue.scaled"] = float(stats.chi2.sf(scaled, dof)) if dof > 0 else np.nan
        out["chisq.scaling.factor"] = c
        out["baseline.chisq.scaled"] = base["chisq"] / base["scaling"]
        out["baseline.chisq.scaling.factor"] = base["scaling"]
        out["baseline.df.scaled"] = base["df"]
        out["baseline.pvalue.scaled"] = float(
            stats.chi2.sf(out["baseline.chisq.scaled"], base["df"])
        )
        out["cfi.scaled"] = fm.cfi(scaled, dof, out["baseline.chisq.scaled"], base["df"])
        out["tli.scaled"] = fm.tli(scaled, dof, out["baseline.chisq.scaled"], base["df"])
        out["nnfi.scaled"] = out["tli.scaled"]
        for key, value in fm.incremental(scaled, dof, out["baseline.chisq.scaled"],
                                         base["df"]).items():  # fmt: skip
            out[f"{key}.scaled"] = value
        if dof > 0:
            out["cfi.robust"] = fm.cfi(chisq, dof, base["chisq"], base["df"], c, base["scaling"])
            out["tli.robust"] = fm.tli(chisq, dof, base["chisq"], base["df"], c, base["scaling"])
            out["rmsea.scaled"] = fm.rmsea(chisq, c * dof, n_total, g_count)
            low, high = fm.rmsea_interval(chisq, c * dof, n_total, g_count)
            out["rmsea.ci.lower.scaled"], out["rmsea.ci.upper.scaled"] = low, high
            out["rmsea.pvalue.scaled"] = fm.rmsea_pvalue(chisq, c * dof, n_total, g_count,
                                                         0.05, close=True)  # fmt: skip
        else:
            out["cfi.robust"] = out["tli.robust"] = out["rmsea.scaled"] = np.nan
        out["rmsea.robust"] = fm.rmsea(chisq, dof, n_total, g_count, c_hat=c)
    srmr = 0.0
    for g in range(g_count):
        sigma, mu, *_ = ram.implied(g, theta, moments)
        share = moments.n[0, g] / n_total
        srmr += share * fm.srmr(moments.cov[0, g], sigma[0], moments.mean[0, g], mu[0],
                                pt.meanstructure)  # fmt: skip
    out["srmr"] = srmr
    return out


def _loglik(
    pt: ParTable, ram: RamModel, theta: np.ndarray, moments: Moments
) -> tuple[float, float]:
    logl = logl_h1 = 0.0
    ov = list(pt.roles.ov)
    x_idx = [ov.index(v) for v in pt.roles.ov_x]
    for g in range(pt.n_groups):
        sigma, mu, *_ = ram.implied(g, theta, moments)
        cov = moments.cov[0, g]
        n = moments.n[0, g]
        p = cov.shape[0]
        inv = np.linalg.inv(sigma[0])
        dev = moments.mean[0, g] - (mu[0] if pt.meanstructure else moments.mean[0, g])
        logl += -n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(sigma[0])[1]
                          + np.trace(cov @ inv) + dev @ inv @ dev)  # fmt: skip
        logl_h1 += -n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + p)
        if len(x_idx):
            # fixed.x: the likelihood is conditional on the covariates (lavaan subtracts
            # their saturated marginal log-likelihood)
            cxx = cov[np.ix_(x_idx, x_idx)]
            logl_x = -n / 2 * (len(x_idx) * (np.log(2 * np.pi) + 1) + np.linalg.slogdet(cxx)[1])
            logl -= logl_x
            logl_h1 -= logl_x
    return float(logl), float(logl_h1)

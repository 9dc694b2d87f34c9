"""Fit a CFA/SEM written in lavaan syntax by (pseudo-)ML on (design-)weighted moments."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import optimize

from govstats.design.inference import check_level
from govstats.design.survey_design import SurveyDesign
from govstats.errors import ConvergenceError, DesignError, GovstatsWarning, ModelError
from govstats.sem._data import check_items, meat_function, prepare, replicate_moments
from govstats.sem._model import (
    casewise_scores,
    observed_information,
    ram_from_partable,
    sample_moments,
    start_values,
)
from govstats.sem._partable import ParTable, build, roles
from govstats.sem._ram import Moments, RamModel, fisher_scoring, refit_near
from govstats.sem._standardize import check_defined, evaluate_defined
from govstats.sem._summaries import fit_measures, parameter_table
from govstats.sem._syntax import parse
from govstats.sem.results import SEMResult

__all__ = ["fit"]

_SE = ("standard", "robust", "design", "replicate")


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
    d = prepare(data, roles(rows).ov, weights, cluster, group, na_rm)
    n_groups = len(d.labels)
    if meanstructure is None:
        meanstructure = n_groups > 1 or cluster is not None
    pt = build(rows, defined, n_groups=n_groups, meanstructure=meanstructure,
               group_equal=group_equal)  # fmt: skip
    check_defined(pt.defined, {lab for lab in pt.label if lab})
    ram, names = ram_from_partable(pt)
    check_items(d, pt.roles.ov)
    moments = sample_moments(d.x, d.w, d.groups, n_groups)
    p = len(pt.roles.ov)
    nx = len(pt.roles.ov_x)
    per_group = p * (p + 1) // 2 - nx * (nx + 1) // 2
    if pt.meanstructure:
        per_group += p - nx
    n_moments = per_group * n_groups
    theta0 = start_values(pt, moments)
    # a model whose information is singular at a generic point is not identified (the
    # starting values themselves are not generic: covariances start at zero)
    k = np.arange(pt.n_free)
    generic = theta0 + 0.05 * (1 + np.abs(theta0)) * np.sin(1.7 * k + 0.3)
    if np.isfinite(ram.objective(generic, moments)).all():
        _identification(pt, ram, generic, moments, n_moments)
    theta, f_min, iters = _minimise(ram, theta0, moments, max_iter, tol)
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
        meat_of = meat_function(d, design if se == "design" else None)
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
            rep_moments = replicate_moments(design, d, n_groups, moments)
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
        # one column per row of the table, as ``estimate`` (fixed rows repeat their value)
        by_row = np.where(pt.free[None, :] >= 0, combined[:, np.maximum(pt.free, 0)], base[None, :])
        replicate_estimates = np.hstack([by_row, rep_def])
    elif pt.defined:
        jac = _jacobian(func, theta1)
        v_def = jac @ vcov @ jac.T
    else:
        v_def = np.zeros((0, 0))
    se_rows = np.where(
        pt.free >= 0, np.sqrt(np.maximum(np.diag(vcov), 0))[np.maximum(pt.free, 0)], 0.0
    )
    _warn_heywood(pt, base)
    table = parameter_table(pt, ram, names, theta, moments, base, se_rows, def_values,
                   np.sqrt(np.maximum(np.diag(v_def), 0)), df, level, d.labels)  # fmt: skip
    # the scaled test's bread is the information the SEs use (lavaan's E.inv)
    bread = expected if se == "standard" else observed
    fit_values = fit_measures(pt, ram, theta, moments, f_min[0], n_total, n_moments, d,
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


def _minimise(
    ram: RamModel, theta0: np.ndarray, moments: Moments, max_iter: int, tol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fisher scoring; when it stalls, quasi-Newton (BFGS) then Fisher scoring to polish."""
    try:
        return fisher_scoring(ram, theta0, moments, max_iter=max_iter, tol=tol)
    except ConvergenceError as first:

        def objective(th: np.ndarray) -> tuple[float, np.ndarray]:
            f, grad = ram.gradient(th[None, :], moments)
            return float(f[0]), grad[0]

        found = optimize.minimize(
            objective, theta0[0], jac=True, method="BFGS",
            options={"maxiter": max_iter, "gtol": 1e-9},
        )  # fmt: skip
        if not np.isfinite(found.fun):
            raise first from None
        try:
            return fisher_scoring(ram, found.x[None, :], moments, max_iter=max_iter, tol=tol)
        except ConvergenceError:
            raise first from None


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

"""Design-based reliability of a scale: alpha, omega, item-rest correlations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from govstats.design.results import SurveyEstimate, make_estimate
from govstats.design.survey_design import SurveyDesign
from govstats.errors import DataError, ModelError
from govstats.sem._data import prepare, replicate_moments
from govstats.sem._model import ram_from_partable, sample_moments, start_values
from govstats.sem._partable import build
from govstats.sem._ram import Moments, fisher_scoring
from govstats.sem._syntax import parse

__all__ = ["reliability"]


def _alpha(cov: np.ndarray) -> np.ndarray:
    k = cov.shape[-1]
    total = cov.sum(axis=(-1, -2))
    return np.asarray(k / (k - 1) * (1 - np.trace(cov, axis1=-2, axis2=-1) / total))


def _item_stats(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Item-rest correlations and alpha-if-deleted, (R, k) each, from (R, k, k) covariances."""
    k = cov.shape[-1]
    rest_r = np.empty(cov.shape[:-1])
    if_deleted = np.empty(cov.shape[:-1])
    for j in range(k):
        others = [m for m in range(k) if m != j]
        sub = cov[:, others][:, :, others]
        cov_rest = cov[:, j, others].sum(axis=-1)
        var_rest = sub.sum(axis=(-1, -2))
        rest_r[:, j] = cov_rest / np.sqrt(cov[:, j, j] * var_rest)
        if_deleted[:, j] = _alpha(sub) if len(others) > 1 else np.nan
    return rest_r, if_deleted


def _omega(cov: np.ndarray, items: Sequence[str]) -> np.ndarray:
    """Omega total of a one-factor model fitted by ML to every (R, k, k) covariance."""
    pt = build(*parse(f"f =~ {' + '.join(items)}"))
    model, _ = ram_from_partable(pt)
    r, k = cov.shape[0], cov.shape[-1]
    moments = Moments(np.zeros((r, 1, k)), cov[:, None], np.ones((r, 1)))
    theta0 = start_values(pt, Moments(moments.mean[:1], moments.cov[:1], moments.n[:1]))
    theta, _, _ = fisher_scoring(model, np.repeat(theta0, r, axis=0), moments)
    loading = np.ones((r, k))
    resid = np.zeros((r, k))
    psi = np.zeros(r)
    index = {v: j for j, v in enumerate(items)}
    for i in range(len(pt)):
        par = pt.free[i]
        if par < 0:
            continue
        if pt.op[i] == "=~":
            loading[:, index[pt.rhs[i]]] = theta[:, par]
        elif pt.lhs[i] == "f":
            psi = theta[:, par]
        else:
            resid[:, index[pt.lhs[i]]] = theta[:, par]
    common = loading.sum(axis=1) ** 2 * psi
    return np.asarray(common / (common + resid.sum(axis=1)))


def _statistics(cov: np.ndarray, items: Sequence[str]) -> np.ndarray:
    rest_r, if_deleted = _item_stats(cov)
    return np.column_stack([_alpha(cov), _omega(cov, items), rest_r, if_deleted])


def reliability(
    data: pd.DataFrame | SurveyDesign,
    items: Sequence[str],
    *,
    level: float = 0.95,
    na_rm: bool = False,
) -> SurveyEstimate:
    """Estimate Cronbach's alpha, McDonald's omega and item statistics under the design.

    Parameters
    ----------
    data : DataFrame or SurveyDesign
        A DataFrame is a simple random sample.
    items : sequence of str
        Two or more numeric item columns (reverse-coded items already reversed).
    level : float, default 0.95
    na_rm : bool, default False
        Use the complete rows only (as a domain of the design).

    Returns
    -------
    SurveyEstimate
        ``statistic="reliability"``; rows ``alpha``, ``omega``, ``item_rest:<item>``
        for every item and ``alpha_if_deleted:<item>`` for every item.

    Notes
    -----
    All statistics are functions of the design-weighted covariance matrix ``S``
    (divisor: the sum of weights): ``alpha = k/(k-1) (1 - tr S / 1'S1)``; the
    item-rest correlation of item ``j`` is that of ``x_j`` with the sum of the
    other items; ``omega = (sum lambda)^2 psi / ((sum lambda)^2 psi + sum theta)``
    from a one-factor model fitted to ``S`` by ML. Linearization: the delta method
    (numerical Jacobian in ``vech S``) on the design covariance of the influence
    values ``w_i [(x_i - xbar)(x_i - xbar)^T - S] / sum w``; replicate designs
    recompute every statistic (omega by a refit) under every replicate weight.

    References
    ----------
    Cronbach (1951); McDonald (1999). R: ``psych::alpha``, ``semTools::reliability``
    (unweighted, no design SEs).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> f = rng.normal(size=400)
    >>> df = pd.DataFrame({f"q{j}": f + rng.normal(size=400) for j in range(4)})
    >>> res = reliability(df, ["q0", "q1", "q2", "q3"])
    >>> res.to_frame()["variable"].tolist()[:2]
    ['alpha', 'omega']
    """
    items = list(items)
    if len(items) < 2:
        raise DataError(f"reliability needs two or more items; got {items}.")
    design = data if isinstance(data, SurveyDesign) else SurveyDesign(data)
    d = prepare(design, items, None, None, None, na_rm)
    spread = d.x.max(axis=0) - d.x.min(axis=0)
    if (spread == 0).any():
        bad = [items[j] for j in np.flatnonzero(spread == 0)]
        raise ModelError(f"item(s) {bad} are constant; drop them from the scale.")
    full = sample_moments(d.x, d.raw_w, d.groups, 1)
    cov = full.cov[:, 0]
    estimate = _statistics(cov, items)[0]
    names = (["alpha", "omega"] + [f"item_rest:{v}" for v in items]
             + [f"alpha_if_deleted:{v}" for v in items])  # fmt: skip
    if design.replicates is not None:
        reps = replicate_moments(design, d, 1, full)
        draws = _statistics(reps.cov[:, 0], items)
        vcov = design.replicates.vcov(draws, estimate)
        return make_estimate(
            "reliability", names, estimate, vcov, design.df, method=design.method,
            replicate_estimates=draws, conf_level=level, seed=design.replicates.seed,
        )  # fmt: skip
    k = len(items)
    iu = np.triu_indices(k)
    dev = d.x - full.mean[0, 0]
    products = (dev[:, :, None] * dev[:, None, :])[:, iu[0], iu[1]] - cov[0][iu][None, :]
    influence = np.zeros((d.n_rows, len(iu[0])))
    influence[d.rows] = products * (d.raw_w / d.raw_w.sum())[:, None]
    v_s = design.vcov_totals(influence)
    steps = 1e-5 * np.sqrt(np.outer(np.diag(cov[0]), np.diag(cov[0])))[iu]
    batch = np.repeat(cov, 2 * len(iu[0]), axis=0)
    for e in range(len(iu[0])):
        a, b = iu[0][e], iu[1][e]
        for sign, row in ((1.0, 2 * e), (-1.0, 2 * e + 1)):
            batch[row, a, b] += sign * steps[e]
            if a != b:
                batch[row, b, a] += sign * steps[e]
    values = _statistics(batch, items)
    jac = ((values[0::2] - values[1::2]) / (2 * steps[:, None])).T
    vcov = jac @ v_s @ jac.T
    return make_estimate("reliability", names, estimate, vcov, design.df,
                         method=design.method, conf_level=level)  # fmt: skip

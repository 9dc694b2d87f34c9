"""Replicate refits of a non-linear design GLM over partition sums, all replicates at once.

As ``glm._replicate_coefs`` in memory: replicate ``r`` refits IRLS from the
full-sample coefficients with prior weights ``w_i F[psu_i, r]`` scaled to mean 1
over the rows they keep, and stops by R's ``glm.fit`` rule on its own deviance.
Each pass evaluates every replicate that has not converged: per row block the
linear predictors of all of them (``X B``, shape ``(n, R)``) and, per replicate,
the deviance and the weighted least-squares sums ``X' W_r X`` and ``X' W_r z_r``.
Replicate weights are never stored: they are the row's weight times its PSU's
factor, formed block by block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from govstats.design._dask_estimators import replicate_factors
from govstats.design._dask_run import run_partitions
from govstats.design._irls import deviance
from govstats.errors import ConvergenceError

if TYPE_CHECKING:
    from govstats.design._dask_glm import Model
    from govstats.design.distributed import DistributedDesign

#: Replicates evaluated together in one block product.
_CHUNK = 32


def _valid_columns(kind: str, mu: np.ndarray) -> np.ndarray:
    ok = np.isfinite(mu).all(axis=0)
    if kind == "binomial":
        ok &= ((mu > 0) & (mu < 1)).all(axis=0)
    elif kind == "poisson":
        ok &= (mu > 0).all(axis=0)
    return np.asarray(ok)


def replicate_part(
    part: pd.DataFrame,
    number: int,
    model: Model,
    factors: np.ndarray,
    scales: np.ndarray,
    coefs: np.ndarray,
) -> dict[str, np.ndarray]:
    """Deviances, validity and WLS sums of replicates with coefficients ``coefs`` (R, p)."""
    a = model.arrays(part)
    use = a["use"]
    x, y = a["x"][use], a["y"][use]
    psu = a["psu"][use]
    w = a["w"][use]
    link, fam = model.family.link, model.family
    n_rep, p = coefs.shape
    dev = np.zeros(n_rep)
    invalid = np.zeros(n_rep)
    a_sum = np.zeros((n_rep, p, p))
    b_sum = np.zeros((n_rep, p))
    for start in range(0, n_rep, _CHUNK):
        sl = slice(start, min(start + _CHUNK, n_rep))
        prior = w[:, None] * factors[psu, sl] / scales[None, sl]
        eta = x @ coefs[sl].T
        mu = link.inverse(eta)
        ok = _valid_columns(model.kind, mu) if len(mu) else np.ones(eta.shape[1], bool)
        invalid[sl] = ~ok
        for j in range(eta.shape[1]):
            if ok[j]:
                dev[start + j] = deviance(model.kind, y, mu[:, j], prior[:, j])
        safe = np.where(ok[None, :], mu, 0.5)
        mu_eta = link.inverse_deriv(np.where(ok[None, :], eta, 0.0))
        ww = prior * mu_eta**2 / fam.variance(safe)
        z = np.where(ok[None, :], eta, 0.0) + (y[:, None] - safe) / mu_eta
        a_sum[sl] = np.einsum("ir,ij,ik->rjk", ww, x, x)
        b_sum[sl] = np.einsum("ir,ij->rj", ww * z, x)
    return {"dev": dev, "invalid": invalid, "A": a_sum, "b": b_sum}


def _add(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: np.sum([p[key] for p in parts], axis=0) for key in parts[0]}


def replicate_coefs(
    design: DistributedDesign,
    data: Any,
    model: Model,
    coef: np.ndarray,
    psu_rows: np.ndarray,
    psu_weights: np.ndarray,
    maxiter: int,
    tol: float,
) -> np.ndarray:
    """Coefficients of every replicate refit, (R, p), as ``glm._replicate_coefs``.

    ``psu_rows`` and ``psu_weights`` are the rows and weight totals of the fit's rows
    in every PSU (they give each replicate's mean weight over the rows it keeps).
    """
    factors = replicate_factors(design)
    n_rep = factors.shape[1]
    kept = factors.T @ psu_weights
    rows = (factors > 0).T.astype(float) @ psu_rows
    scales = kept / rows
    current = np.tile(coef, (n_rep, 1))
    out = run_partitions(data, replicate_part, model, factors, scales, current, combine=_add)
    dev_old = out["dev"]
    done = np.zeros(n_rep, dtype=bool)
    previous = current.copy()
    step = out
    for _ in range(maxiter):
        todo = np.flatnonzero(~done)
        if todo.size == 0:
            break
        new = current.copy()
        new[todo] = np.linalg.solve(step["A"][todo], step["b"][todo][:, :, None])[:, :, 0]
        res = run_partitions(data, replicate_part, model, factors, scales, new, combine=_add)
        halvings = 0
        bad = todo[(res["invalid"][todo] > 0) | ~np.isfinite(res["dev"][todo])]
        while bad.size:
            if halvings > 30:
                raise ConvergenceError(
                    "a replicate GLM fit left the valid range of the mean and could not step "
                    "back; check the response coding and for separation."
                )
            new[bad] = (new[bad] + previous[bad]) / 2
            res = run_partitions(data, replicate_part, model, factors, scales, new, combine=_add)
            bad = todo[(res["invalid"][todo] > 0) | ~np.isfinite(res["dev"][todo])]
            halvings += 1
        change = np.abs(res["dev"] - dev_old) / (np.abs(res["dev"]) + 0.1)
        converged = todo[change[todo] < tol]
        current[todo] = new[todo]
        done[converged] = True
        previous[todo] = new[todo]
        dev_old = np.where(done, dev_old, res["dev"])
        step = res
    if not done.all():
        raise ConvergenceError(
            f"{int((~done).sum())} replicate GLM fits did not converge in {maxiter} iterations; "
            "raise maxiter or check for separation / extreme weights."
        )
    return current

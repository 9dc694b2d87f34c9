"""From the parameter table to the RAM kernel; sample moments, scores, observed information.

Array code only (numpy in, numpy out) apart from the parameter table it reads.
"""

from __future__ import annotations

import numpy as np

from govstats.sem._partable import ParTable
from govstats.sem._ram import GroupMatrices, Moments, RamModel

__all__ = [
    "casewise_scores",
    "observed_information",
    "ram_from_partable",
    "sample_moments",
    "start_values",
]


def ram_from_partable(pt: ParTable) -> tuple[RamModel, tuple[str, ...]]:
    """RAM positions of every row of ``pt``; returns the model and the variable order."""
    names = tuple(pt.roles.ov) + tuple(pt.roles.lv)
    index = {v: i for i, v in enumerate(names)}
    groups = []
    for g in range(pt.n_groups):
        a: list[tuple[int, int, int, float]] = []
        s: list[tuple[int, int, int, float]] = []
        m: list[tuple[int, int, float]] = []
        for i in np.flatnonzero(pt.group == g):
            lhs, op, rhs = pt.lhs[i], pt.op[i], pt.rhs[i]
            par, value = int(pt.free[i]), float(pt.value[i])
            if par < 0 and not pt.exo[i] and np.isnan(value):
                value = 0.0
            if op == "=~":
                a.append((index[rhs], index[lhs], par, value))
            elif op == "~":
                a.append((index[lhs], index[rhs], par, value))
            elif op == "~~":
                s.append((index[lhs], index[rhs], par, value))
            elif op == "~1":
                m.append((index[lhs], par, value))
        groups.append(
            GroupMatrices(
                n_obs=len(pt.roles.ov),
                n_var=len(names),
                a_row=np.array([e[0] for e in a], dtype=np.int64),
                a_col=np.array([e[1] for e in a], dtype=np.int64),
                a_par=np.array([e[2] for e in a], dtype=np.int64),
                a_value=np.array([e[3] for e in a], dtype=np.float64),
                s_row=np.array([e[0] for e in s], dtype=np.int64),
                s_col=np.array([e[1] for e in s], dtype=np.int64),
                s_par=np.array([e[2] for e in s], dtype=np.int64),
                s_value=np.array([e[3] for e in s], dtype=np.float64),
                m_row=np.array([e[0] for e in m], dtype=np.int64),
                m_par=np.array([e[1] for e in m], dtype=np.int64),
                m_value=np.array([e[2] for e in m], dtype=np.float64),
            )
        )
    return RamModel(tuple(groups), pt.n_free, pt.meanstructure), names


def sample_moments(x: np.ndarray, w: np.ndarray, groups: np.ndarray, n_groups: int) -> Moments:
    """Weighted means and ML covariances (divisor: the sum of weights) of every group.

    Parameters
    ----------
    x : ndarray, shape (n, p)
    w : ndarray, shape (n,)
        Weights (zero rows are ignored).
    groups : ndarray of int, shape (n,)
    n_groups : int
    """
    p = x.shape[1]
    mean = np.zeros((1, n_groups, p))
    cov = np.zeros((1, n_groups, p, p))
    n = np.zeros((1, n_groups))
    for g in range(n_groups):
        wg = np.where(groups == g, w, 0.0)
        total = wg.sum()
        mu = wg @ x / total
        dev = x - mu
        mean[0, g] = mu
        cov[0, g] = (dev * wg[:, None]).T @ dev / total
        n[0, g] = total
    return Moments(mean, cov, n)


def start_values(pt: ParTable, moments: Moments) -> np.ndarray:
    """Return starting values (shape (1, q)) close to lavaan's defaults.

    Observed residual variances are half the sample variance and observed
    intercepts the sample means (lavaan ``start = "simple"``). A factor whose
    first indicator is observed gets its variance from that marker's
    covariances with the other indicators (``S_mk S_ml / S_kl``, the one-factor
    identity; cf. lavaan's ``fabin3``) and loadings ``S_mj / psi``; other latent
    variances start at 0.05, other loadings at 1, everything else at 0.
    """
    theta = np.zeros(pt.n_free)
    ov = {v: i for i, v in enumerate(pt.roles.ov)}
    lv = set(pt.roles.lv)
    psi: dict[tuple[int, str], float] = {}
    for g in range(pt.n_groups):
        cov = moments.cov[0, g]
        for f in pt.roles.lv:
            rows = [i for i in range(len(pt)) if pt.group[i] == g and pt.op[i] == "=~"
                    and pt.lhs[i] == f]  # fmt: skip
            items = [pt.rhs[i] for i in rows if pt.rhs[i] in ov]
            if len(items) < 2 or len(items) != len(rows):
                continue
            m, others = ov[items[0]], [ov[v] for v in items[1:]]
            if len(others) >= 2:
                guesses = [cov[m, k] * cov[m, el] / cov[k, el]
                           for a, k in enumerate(others) for el in others[a + 1 :]
                           if abs(cov[k, el]) > 1e-12]  # fmt: skip
                value = float(np.median(guesses)) if guesses else 0.05
            else:
                value = float(cov[m, others[0]])
            psi[(g, f)] = float(np.clip(value, 0.05 * cov[m, m], 0.95 * cov[m, m]))
    for i in range(len(pt)):
        k = pt.free[i]
        if k < 0:
            continue
        g = int(pt.group[i])
        lhs, op, rhs = pt.lhs[i], pt.op[i], pt.rhs[i]
        cov = moments.cov[0, g]
        if op == "=~":
            theta[k] = 1.0
            marker = next((pt.rhs[j] for j in range(len(pt)) if pt.group[j] == g
                           and pt.op[j] == "=~" and pt.lhs[j] == lhs), None)  # fmt: skip
            if (g, lhs) in psi and rhs in ov and marker in ov:
                theta[k] = float(np.clip(cov[ov[marker], ov[rhs]] / psi[(g, lhs)], -5, 5))
        elif op == "~~" and lhs == rhs:
            if lhs in lv:
                theta[k] = psi.get((g, lhs), 0.05)
            else:
                theta[k] = 0.5 * cov[ov[lhs], ov[lhs]]
        elif op == "~1" and lhs in ov:
            theta[k] = moments.mean[0, g, ov[lhs]]
    return theta[None, :]


def casewise_scores(
    model: RamModel,
    theta: np.ndarray,
    moments: Moments,
    x: np.ndarray,
    groups: np.ndarray,
) -> np.ndarray:
    """Score of every row for the free parameters (unweighted), shape (n, q).

    ``u_i = 1/2 [z_i^T dSigma_k z_i - tr(Sigma^{-1} dSigma_k)] + z_i^T dmu_k`` with
    ``z_i = Sigma^{-1}(x_i - mu)``; without a mean structure ``mu`` is the
    (weighted) sample mean and the mean term is absent (lavaan ``lav_scores_ml``).
    The weighted sum over rows is ``-N`` times the gradient of ``F``.
    """
    n, p = x.shape
    out = np.zeros((n, model.n_free))
    th = theta.reshape(1, -1)
    for g in range(len(model.groups)):
        rows = np.flatnonzero(groups == g)
        if rows.size == 0:
            continue
        sigma, mu, b, full, bm = model.implied(g, th, moments)
        d_sigma, d_mu = model.jacobian(g, b, full, bm)
        inv = np.linalg.inv(sigma[0])
        centre = mu[0] if model.meanstructure else moments.mean[0, g]
        z = (x[rows] - centre) @ inv
        ds = d_sigma[0].reshape(model.n_free, p * p)
        quad = (z[:, :, None] * z[:, None, :]).reshape(len(rows), p * p) @ ds.T
        trace = np.einsum("ab,kba->k", inv, d_sigma[0])
        score = 0.5 * (quad - trace[None, :])
        if model.meanstructure:
            score += z @ d_mu[0].T
        out[rows] = score
    return out


def observed_information(
    model: RamModel, theta: np.ndarray, moments: Moments, step: float = 1e-5
) -> np.ndarray:
    """Hessian of F at ``theta`` (q,) by Richardson differences of the analytic gradient.

    Four-point central differences ``(g(-2h) - 8g(-h) + 8g(h) - g(2h)) / 12h``,
    symmetrised (lavaan ``lav_model_hessian``).
    """
    q = theta.shape[-1]
    th = theta.reshape(-1)
    eye = np.eye(q) * step
    points = np.concatenate([th - 2 * eye, th - eye, th + eye, th + 2 * eye])
    batch = Moments(
        np.repeat(moments.mean, 4 * q, axis=0),
        np.repeat(moments.cov, 4 * q, axis=0),
        np.repeat(moments.n, 4 * q, axis=0),
    )
    _, grad = model.gradient(points, batch)
    m2, m1, p1, p2 = grad[:q], grad[q : 2 * q], grad[2 * q : 3 * q], grad[3 * q :]
    hess = (m2 - 8 * m1 + 8 * p1 - p2) / (12 * step)
    return np.asarray(0.5 * (hess + hess.T))


def score_meat(
    scores: np.ndarray, w: np.ndarray, groups: np.ndarray, cluster: np.ndarray | None
) -> np.ndarray:
    """Sum of outer products of weighted scores (cluster sums with lavaan's ``nC/(nC-1)``)."""
    weighted = scores * w[:, None]
    if cluster is None:
        return np.asarray(weighted.T @ weighted)
    out = np.zeros((weighted.shape[1], weighted.shape[1]))
    for g in np.unique(groups):
        in_g = groups == g
        _, local = np.unique(cluster[in_g], return_inverse=True)
        n_c = int(local.max()) + 1
        sums = np.zeros((n_c, weighted.shape[1]))
        np.add.at(sums, local, weighted[in_g])
        out += sums.T @ sums * (n_c / (n_c - 1))
    return out

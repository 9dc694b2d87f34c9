"""Array kernels of Fairlie's non-linear decomposition: weighted logit, coupling, orderings.

Notation (Fairlie 2005): groups A (code 0) and B (code 1), ``F`` the logistic CDF,
``b*`` the reference coefficients. The explained part
``F_A - F_B = sum_A w F(x b*) / W_A - sum_B w F(x b*) / W_B`` is split across terms by
pairing A and B rows with the same rank of predicted probability and switching each
term's values from B's to A's in turn.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

__all__ = ["LogitFit", "Pairs", "couple", "logit", "shapley_table", "subset_values"]


@dataclass(frozen=True)
class LogitFit:
    """Weighted logit estimate: coef (p,), converged flag, iterations, max |x b|."""

    coef: np.ndarray
    converged: bool
    iterations: int
    max_abs_eta: float


def logit(x: np.ndarray, y: np.ndarray, w: np.ndarray, start: np.ndarray | None = None) -> LogitFit:
    """Weighted maximum (pseudo-)likelihood logit by Newton–Raphson with step halving.

    Weights are rescaled to mean 1 over rows in use (the estimate does not change).
    """
    use = w > 0
    xw, yw = x[use], y[use]
    ww = w[use] / w[use].mean()
    b = np.zeros(x.shape[1]) if start is None else start.copy()

    def loglik(beta: np.ndarray) -> float:
        eta = xw @ beta
        return float(ww @ (yw * eta - np.logaddexp(0.0, eta)))

    ll = loglik(b)
    for it in range(1, 101):
        p = expit(xw @ b)
        grad = xw.T @ (ww * (yw - p))
        hess = (xw * (ww * p * (1 - p))[:, None]).T @ xw
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-8:
            cand = b + t * step
            ll_new = loglik(cand)
            if ll_new >= ll - 1e-12:
                break
            t /= 2
        b, ll_old, ll = cand, ll, ll_new
        if np.max(np.abs(t * step)) < 1e-10 or abs(ll - ll_old) < 1e-13 * (1 + abs(ll)):
            return LogitFit(b, True, it, float(np.max(np.abs(xw @ b))))
    return LogitFit(b, False, 100, float(np.max(np.abs(xw @ b))))


@dataclass(frozen=True)
class Pairs:
    """A weighted rank coupling: row ``a[i]`` of A with row ``b[i]`` of B, mass ``m[i]``."""

    a: np.ndarray
    b: np.ndarray
    mass: np.ndarray


def couple(p_a: np.ndarray, w_a: np.ndarray, p_b: np.ndarray, w_b: np.ndarray) -> Pairs:
    """Pair the weighted distributions of predicted probabilities rank by rank.

    Both groups are sorted by probability; their cumulative weight shares split [0, 1]
    into segments, each pairing one A row with one B row. With equal group sizes and
    equal weights this is Fairlie's one-to-one rank matching; otherwise it is its exact
    limit (no random subsample of the larger group). Masses sum to 1 and the pairs'
    marginals reproduce both weighted distributions exactly.
    Indices refer to positions in ``p_a`` and ``p_b``.
    """
    oa = np.argsort(p_a, kind="stable")
    ob = np.argsort(p_b, kind="stable")
    ca = np.cumsum(w_a[oa]) / w_a.sum()
    cb = np.cumsum(w_b[ob]) / w_b.sum()
    ca[-1] = cb[-1] = 1.0
    cuts = np.unique(np.concatenate([[0.0], ca, cb]))
    mids = 0.5 * (cuts[:-1] + cuts[1:])
    ia = np.minimum(np.searchsorted(ca, mids, side="left"), len(ca) - 1)
    ib = np.minimum(np.searchsorted(cb, mids, side="left"), len(cb) - 1)
    return Pairs(a=oa[ia], b=ob[ib], mass=np.diff(cuts))


def subset_values(eta_b: np.ndarray, delta: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """``v(S) = sum_i mass_i F(eta_b_i + sum_{k in S} delta_ik)`` for every subset S.

    Subsets are encoded as bit masks (bit k = term k switched to A's values);
    returns (2^K,).
    """
    k = delta.shape[1]
    out = np.empty(2**k)
    for s in range(2**k):
        cols = [j for j in range(k) if s >> j & 1]
        out[s] = mass @ expit(eta_b + delta[:, cols].sum(axis=1))
    return out


def shapley_table(values: np.ndarray, k: int) -> np.ndarray:
    """Average over all K! orderings of each term's switch contribution (Shapley value)."""
    phi = np.zeros(k)
    for s in range(2**k):
        size = bin(s).count("1")
        for j in range(k):
            if not s >> j & 1:
                weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
                phi[j] += weight * (values[s | 1 << j] - values[s])
    return phi


def ordering_contributions(values: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """(n_orderings, K) switch contributions of each term under each ordering."""
    n, k = orders.shape
    out = np.empty((n, k))
    for i, order in enumerate(orders):
        s = 0
        for j in order:
            out[i, j] = values[s | 1 << j] - values[s]
            s |= 1 << j
    return out


def all_orders(k: int) -> np.ndarray:
    """Every permutation of range(k), (k!, k) — for brute-force checks on small K."""
    return np.array(list(itertools.permutations(range(k))))

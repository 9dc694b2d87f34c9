"""Array kernels for composite indices: entropy weights, TOPSIS, coupling coordination."""

from __future__ import annotations

import numpy as np

__all__ = ["coupling", "entropy_weight_kernel", "minmax", "topsis_kernel"]


def minmax(x: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """Min–max normalise every column of ``x`` (n, m) to [0, 1] in its declared direction.

    ``positive`` (m,) bool: True -> (x - min)/(max - min); False -> (max - x)/(max - min).
    """
    lo = x.min(axis=0)
    hi = x.max(axis=0)
    span = hi - lo
    up = (x - lo) / span
    return np.asarray(np.where(positive, up, 1.0 - up))


def entropy_weight_kernel(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entropy weights of normalised scores ``z`` (n, m), each column >= 0 and not all 0.

    Returns ``(entropy e (m,), divergence d = 1 - e (m,), weights d / sum d (m,))`` with
    ``p_ij = z_ij / sum_i z_ij``, ``e_j = -(1/ln n) sum_i p_ij ln p_ij`` and ``0 ln 0 = 0``.
    """
    n = z.shape[0]
    p = z / z.sum(axis=0)
    plogp = np.zeros_like(p)
    pos = p > 0
    plogp[pos] = p[pos] * np.log(p[pos])
    e = -plogp.sum(axis=0) / np.log(n)
    d = 1.0 - e
    return e, d, d / d.sum()


def topsis_kernel(
    x: np.ndarray, weights: np.ndarray, positive: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TOPSIS closeness with vector normalisation.

    ``r_ij = x_ij / sqrt(sum_i x_ij^2)``, ``v = r * w``; ideal = column max of benefit and
    min of cost columns, anti-ideal the reverse. Returns ``(d_plus, d_minus, closeness)``
    with ``closeness = d_minus / (d_plus + d_minus)``.
    """
    r = x / np.sqrt((x**2).sum(axis=0))
    v = r * weights
    best = np.where(positive, v.max(axis=0), v.min(axis=0))
    worst = np.where(positive, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(axis=1))
    return d_plus, d_minus, d_minus / (d_plus + d_minus)


def coupling(
    u1: np.ndarray, u2: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coupling degree C, comprehensive index T and coordination degree D of two systems.

    ``C = 2 sqrt(u1 u2) / (u1 + u2)``, ``T = alpha u1 + (1 - alpha) u2``, ``D = sqrt(C T)``.
    """
    c = 2.0 * np.sqrt(u1 * u2) / (u1 + u2)
    t = alpha * u1 + (1.0 - alpha) * u2
    return c, t, np.sqrt(c * t)

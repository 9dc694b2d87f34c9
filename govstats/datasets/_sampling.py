"""Array kernels for the simulated multistage sample: allocation and selection.

Stage 1: counties drawn with probability proportional to (adult) size within each
province stratum (systematic PPS). Stage 2: an equal number of households per
sampled county, spread over communities. Stage 3: one adult per household
(Kish selection), so the inclusion probability of person k in county i of
stratum h is ``pi = (a_h M_hi / M_h) * (m_hi / H_hi) * (1 / A_k)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def largest_remainder(total: int, shares: np.ndarray, minimum: int) -> np.ndarray:
    """Integer allocation of ``total`` proportional to ``shares`` with a floor of ``minimum``."""
    n = shares.size
    base = np.full(n, minimum, dtype=np.int64)
    rest = total - int(base.sum())
    if rest < 0:
        raise ValueError(f"cannot give {minimum} to each of {n} strata out of {total}")
    quota = shares / shares.sum() * rest
    floor = np.floor(quota).astype(np.int64)
    left = rest - int(floor.sum())
    order = np.argsort(-(quota - floor), kind="stable")
    floor[order[:left]] += 1
    return np.asarray(base + floor)


@dataclass(frozen=True)
class SampledCounties:
    """Sampled counties of all strata, concatenated.

    Attributes
    ----------
    stratum : ndarray of int, shape (n_sampled,)
        Index of the stratum of each sampled county.
    size : ndarray of float, shape (n_sampled,)
        Adult population ``M_hi`` of each sampled county.
    prob : ndarray of float, shape (n_sampled,)
        First-stage inclusion probability ``a_h M_hi / M_h`` (capped at 1).
    """

    stratum: np.ndarray
    size: np.ndarray
    prob: np.ndarray


def draw_counties(
    rng: np.random.Generator,
    adults: np.ndarray,
    n_counties: np.ndarray,
    n_sampled: np.ndarray,
    size_sigma: float = 0.6,
) -> SampledCounties:
    """Build each stratum's county sizes and draw ``n_sampled`` of them by systematic PPS."""
    strata: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    probs: list[np.ndarray] = []
    for h, (total, big_n, a) in enumerate(zip(adults, n_counties, n_sampled, strict=True)):
        raw = rng.lognormal(0.0, size_sigma, size=int(big_n))
        size = raw / raw.sum() * total
        prob = np.minimum(1.0, a * size / total)
        cumulative = np.cumsum(prob)
        start = rng.uniform(0.0, 1.0)
        points = start + np.arange(int(a))
        chosen = np.searchsorted(cumulative, points, side="left")
        chosen = np.unique(np.minimum(chosen, int(big_n) - 1))
        if chosen.size < a:  # only possible with rounding at the end: fill deterministically
            spare = np.setdiff1d(np.arange(int(big_n)), chosen)[: int(a) - chosen.size]
            chosen = np.sort(np.concatenate([chosen, spare]))
        strata.append(np.full(int(a), h, dtype=np.int64))
        sizes.append(size[chosen])
        probs.append(prob[chosen])
    return SampledCounties(np.concatenate(strata), np.concatenate(sizes), np.concatenate(probs))


def split_even(total: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """Split each ``total[h]`` into ``parts[h]`` integers differing by at most one."""
    out: list[np.ndarray] = []
    for t, p in zip(total, parts, strict=True):
        base = np.full(int(p), int(t) // int(p), dtype=np.int64)
        base[: int(t) % int(p)] += 1
        out.append(base)
    return np.concatenate(out)


def logistic(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def calibrate_intercept(
    linear: np.ndarray, weights: np.ndarray, target: float, iterations: int = 50
) -> float:
    """Intercept ``c`` with ``sum(w * logistic(c + linear)) / sum(w) == target`` (Newton)."""
    c = float(np.log(target / (1.0 - target)))
    wsum = float(weights.sum())
    for _ in range(iterations):
        p = logistic(c + linear)
        gap = float(weights @ p) / wsum - target
        slope = float(weights @ (p * (1.0 - p))) / wsum
        step = gap / slope
        c -= step
        if abs(step) < 1e-12:
            break
    return c


def ordinal(latent: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Categories 1..len(cuts)+1 of ``latent`` cut at the increasing ``cuts``."""
    return (np.searchsorted(cuts, latent, side="right") + 1).astype(np.int64)

"""The sampling structure the chain needs, read from a SurveyDesign or a DataFrame.

A plain DataFrame is treated as R ``svydesign(id = ~1, weights = ~w)``: every row
its own PSU in one stratum, with-replacement variance ``n/(n-1) * sum (u - ubar)^2``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from govstats.design import SurveyDesign
from govstats.design.replicates import Replicates

VcovTotals = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Sampling:
    """Arrays describing the sample (n rows, n_psu first-stage PSUs)."""

    weights: np.ndarray  # (n,) analysis weights, 0 for rows outside the analysis
    psu_index: np.ndarray  # (n,) int64
    strata_index: np.ndarray  # (n,) int64
    n_psu: int
    df: int
    has_strata: bool
    has_clusters: bool
    vcov_totals: VcovTotals
    replicates: Replicates | None
    design: SurveyDesign | None

    @property
    def equal_weights(self) -> bool:
        """Whether every row in the analysis has the same weight."""
        w = self.weights[self.weights > 0]
        return bool(w.size == 0 or np.ptp(w) <= 1e-12 * np.abs(w).max())

    @property
    def psu_strata(self) -> np.ndarray:
        """(n_psu,) stratum code of every PSU."""
        out = np.zeros(self.n_psu, dtype=np.int64)
        out[self.psu_index] = self.strata_index
        return out


def srs_vcov_totals(scores: np.ndarray) -> np.ndarray:
    """(n, p) weighted scores -> (p, p): ``n/(n-1) sum (u_i - ubar)(u_i - ubar)'``.

    R ``svyrecvar`` for one stratum of n single-row PSUs sampled with replacement.
    """
    n = scores.shape[0]
    centred = scores - scores.mean(axis=0)
    return np.asarray(centred.T @ centred * (n / (n - 1)))


def from_frame(weights: np.ndarray) -> Sampling:
    """Describe the sampling structure of a DataFrame with (optional) weights."""
    n = weights.size
    return Sampling(
        weights=weights,
        psu_index=np.arange(n, dtype=np.int64),
        strata_index=np.zeros(n, dtype=np.int64),
        n_psu=n,
        df=n - 1,
        has_strata=False,
        has_clusters=False,
        vcov_totals=srs_vcov_totals,
        replicates=None,
        design=None,
    )


def from_design(design: SurveyDesign) -> Sampling:
    """Describe the sampling structure of a ``SurveyDesign`` (linearization or replicate)."""
    return Sampling(
        weights=np.asarray(design.weights_array, dtype=float),
        psu_index=np.asarray(design.psu_index, dtype=np.int64),
        strata_index=np.asarray(design.strata_index, dtype=np.int64),
        n_psu=int(design.n_psu),
        df=int(design.df),
        has_strata=design.strata is not None,
        has_clusters=design.psu is not None,
        vcov_totals=design.vcov_totals,
        replicates=design.replicates,
        design=design,
    )


def jackknife_crossproducts(psu_cross: np.ndarray, psu_strata: np.ndarray) -> np.ndarray:
    """Delete-one-PSU (JKn) cross-products, (J, pairs), for every PSU in a stratum of >= 2.

    Deleting PSU i of stratum h rescales the other PSUs of h by n_h/(n_h - 1):
    ``S_(-i) = S - S_h + n_h/(n_h-1) (S_h - S_i)``; no factor matrix is formed.
    """
    n_strata = int(psu_strata.max()) + 1
    n_h = np.bincount(psu_strata, minlength=n_strata)
    s_h = np.zeros((n_strata, psu_cross.shape[1]))
    np.add.at(s_h, psu_strata, psu_cross)
    keep = n_h[psu_strata] >= 2
    h = psu_strata[keep]
    ratio = (n_h[h] / (n_h[h] - 1))[:, None]
    total = psu_cross.sum(axis=0)
    return np.asarray(total - s_h[h] + ratio * (s_h[h] - psu_cross[keep]))


def normal_draws(
    rng: np.random.Generator, mean: np.ndarray, cov: np.ndarray, size: int
) -> np.ndarray:
    """(size, p) normal draws through a symmetric square root (robust to a singular cov)."""
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    return np.asarray(mean + rng.standard_normal((size, mean.size)) @ root.T)

"""Array kernels for Taylor-linearization variances of multistage stratified samples.

Everything here takes and returns numpy arrays; nothing knows about pandas.

The variance of a vector of estimated totals ``sum_i z_i`` (``z`` already
multiplied by the analysis weights) follows R ``survey::svyrecvar``
(Lumley 2004): at each stage the cluster totals are centred within their
stratum and

    V_h = f_h * n_h / (n_h - 1) * sum_j (z_hj - zbar_h)(z_hj - zbar_h)^T,

with ``f_h = (N_h - n_h) / N_h`` when the stratum population size ``N_h`` is
known and ``f_h = 1`` (with replacement) otherwise. Later stages add their own
variance, multiplied by the sampling fractions ``n/N`` of every earlier stage,
and are only computed when finite-population sizes were given (as R).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from govstats.errors import DesignError

LONELY_RULES = ("fail", "remove", "adjust", "average", "certainty")
_CERTAINTY_TOL = 1e-7  # R onestrat(): f < 1e-7 marks a self-representing stratum


@dataclass(frozen=True)
class Stage:
    """The clusters and strata of one sampling stage.

    Attributes
    ----------
    cluster : ndarray, shape (n,)
        Cluster code 0..n_clusters-1 of every row, unique across the whole sample.
    cluster_stratum : ndarray, shape (n_clusters,)
        Stratum code 0..n_strata-1 of every cluster.
    n_sampled : ndarray, shape (n_strata,)
        Clusters sampled in every stratum (R ``fpc$sampsize``).
    pop_size : ndarray or None, shape (n_strata,)
        Clusters in the population of every stratum (R ``fpc$popsize``); ``None``
        means sampling with replacement.
    multiplier : ndarray, shape (n_strata,)
        Product of the sampling fractions ``n/N`` of all earlier stages.
    stratum_labels : tuple of str
        Printable name of every stratum, for messages.
    """

    cluster: np.ndarray
    cluster_stratum: np.ndarray
    n_sampled: np.ndarray
    pop_size: np.ndarray | None
    multiplier: np.ndarray
    stratum_labels: tuple[str, ...]

    @property
    def n_clusters(self) -> int:
        """Number of clusters at this stage."""
        return int(self.cluster_stratum.shape[0])

    @property
    def n_strata(self) -> int:
        """Number of strata at this stage."""
        return int(self.n_sampled.shape[0])


def cluster_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``values`` (n, p) within the groups ``codes`` (n,) -> (n_groups, p)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    out = np.empty((n_groups, values.shape[1]), dtype=np.float64)
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=n_groups)
    return out


def stage_variance(
    totals: np.ndarray,
    stage: Stage,
    lonely_psu: str,
    stratum_present: np.ndarray,
    stage_number: int,
    strata_name: str | None,
    clusters_present: np.ndarray | None = None,
) -> np.ndarray:
    """Variance contribution of one stage from its cluster totals.

    Parameters
    ----------
    totals : ndarray, shape (n_clusters, p)
        Weighted score totals of every cluster of the stage.
    stage : Stage
        Stratum membership, sample and population sizes of the clusters.
    lonely_psu : str
        One of ``LONELY_RULES`` (R option ``survey.lonely.psu``).
    stratum_present : ndarray of bool, shape (n_strata,)
        Strata that hold at least one row of the domain being estimated; R drops
        the others from a subset design, which matters for ``"average"`` and ``"fail"``.
    stage_number : int
        1 for PSUs, 2 for second-stage units, ... (used in messages).
    strata_name : str or None
        Column that defines the strata (used in messages).
    clusters_present : ndarray of int, shape (n_strata,), optional
        Clusters of every stratum that hold a row of the domain. When given, a
        stratum with several sampled clusters of which only one is in the domain is
        treated by the lonely-PSU rule (R option ``survey.adjust.domain.lonely``):
        ``"adjust"`` centres it at zero, ``"average"`` replaces it by the average
        of the other strata; the other rules leave it as it is (R ``onestrat``).

    Returns
    -------
    ndarray, shape (p, p)
    """
    p = totals.shape[1]
    n_h = stage.n_sampled.astype(np.float64)
    if stage.pop_size is None:
        f = np.ones_like(n_h)
    else:
        pop = stage.pop_size
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(np.isinf(pop), 1.0, (pop - n_h) / pop)
    multi = n_h > 1
    scale = np.where(multi, f * n_h / np.where(multi, n_h - 1, 1.0), f)
    certain = f < _CERTAINTY_TOL
    lonely = ~multi & ~certain & stratum_present
    if clusters_present is None:
        domain_lonely = np.zeros_like(lonely)
    else:
        domain_lonely = multi & ~certain & stratum_present & (clusters_present == 1)
    if lonely.any() and lonely_psu == "fail":
        label = stage.stratum_labels[int(np.flatnonzero(lonely)[0])]
        where = f" of column {strata_name!r}" if strata_name and stage_number == 1 else ""
        raise DesignError(
            f"Stratum ({label}){where} has only one PSU at stage {stage_number}; its variance "
            "cannot be estimated. Collapse it with a neighbouring stratum, or choose a rule with "
            "lonely_psu='adjust' | 'average' | 'remove' | 'certainty'."
        )
    if lonely.any() and lonely_psu == "average" and stage_number > 1:
        raise DesignError(
            f"lonely_psu='average' is undefined for a single sampled unit at stage {stage_number} "
            f"(stratum {stage.stratum_labels[int(np.flatnonzero(lonely)[0])]}); "
            "use lonely_psu='adjust', 'remove' or 'certainty'."
        )
    strat = stage.cluster_stratum
    sums = cluster_sums(totals, strat, stage.n_strata)
    means = sums / n_h[:, None]
    centred = totals - means[strat]
    if lonely_psu == "adjust":
        # R centres a lonely PSU at zero, i.e. at the grand mean of the (zero-sum) scores.
        keep = (~multi | domain_lonely)[strat]
        centred[keep] = totals[keep]
    weight = scale * stage.multiplier
    weight = np.where(certain, 0.0, weight)
    if lonely_psu in ("remove", "certainty", "average"):
        weight = np.where(~multi, 0.0, weight)
    if lonely_psu == "average":
        weight = np.where(domain_lonely, 0.0, weight)
    v = (centred * weight[strat][:, None]).T @ centred
    if lonely_psu == "average" and (lonely.any() or domain_lonely.any()):
        n_strat = int(stratum_present.sum())
        n_ok = n_strat - int(lonely.sum()) - int(domain_lonely.sum())
        if n_ok == 0:
            raise DesignError(
                "lonely_psu='average' needs at least one stratum with two or more PSUs; "
                "every stratum in this sample has a single PSU."
            )
        v = v * n_strat / n_ok
    return np.asarray(v.reshape(p, p))


def design_variance(
    scores: np.ndarray,
    stages: Sequence[Stage],
    lonely_psu: str,
    row_present: np.ndarray,
    strata_name: str | None,
    domains: np.ndarray | None = None,
    n_domains: int = 1,
    adjust_domain: bool = False,
) -> np.ndarray:
    """Covariance of the column sums of ``scores`` under a multistage design.

    Parameters
    ----------
    scores : ndarray, shape (n, k)
        Weighted influence values of every row (zero outside the domain).
    stages : sequence of Stage
        The stages whose variance is added (R recurses into stage 2 and later only
        when population sizes were given).
    lonely_psu : str
        The lonely-PSU rule.
    row_present : ndarray of bool, shape (n,)
        Rows of the domain(s) being estimated.
    strata_name : str or None
        Column of first-stage strata (used in messages).
    domains : ndarray of int, shape (n,), optional
        Domain code of every row (-1 outside all domains). The scores of a row
        then count for its own domain only: the result is the covariance of the
        ``n_domains * k`` domain totals, without forming an (n, n_domains * k) matrix.
    n_domains : int
        Number of domains.
    adjust_domain : bool
        Apply the lonely-PSU rule to a stratum with a single cluster in the domain
        (R option ``survey.adjust.domain.lonely``).

    Returns
    -------
    ndarray, shape (n_domains * k, n_domains * k)
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = scores[:, None]
    k = scores.shape[1]
    whole = domains is None
    if domains is None:
        domains = np.zeros(scores.shape[0], dtype=np.int64)
        n_domains = 1
    inside = domains >= 0
    everywhere = bool(row_present.all())
    v = np.zeros((n_domains * k, n_domains * k))
    for number, stage in enumerate(stages, start=1):
        n_bins = stage.n_clusters * n_domains
        if whole:  # one domain holding every row: the clusters are the bins
            key = stage.cluster
        else:
            key = np.where(inside, stage.cluster * n_domains + domains, n_bins)
        totals = np.empty((n_bins, k))
        for j in range(k):
            totals[:, j] = np.bincount(key, weights=scores[:, j], minlength=n_bins + 1)[:n_bins]
        present_clusters: np.ndarray = (
            np.bincount(stage.cluster, minlength=stage.n_clusters).astype(np.float64)
            if everywhere
            else np.bincount(
                stage.cluster, weights=row_present.astype(np.float64), minlength=stage.n_clusters
            )
        )
        present = (
            np.bincount(stage.cluster_stratum, weights=present_clusters, minlength=stage.n_strata)
            > 0
        )
        v += stage_variance(
            totals.reshape(stage.n_clusters, n_domains * k),
            stage,
            lonely_psu,
            present,
            number,
            strata_name,
            np.bincount(
                stage.cluster_stratum,
                weights=(present_clusters > 0).astype(np.float64),
                minlength=stage.n_strata,
            )
            if adjust_domain
            else None,
        )
    return v

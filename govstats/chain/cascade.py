"""The descriptive cascade: the mean of every link of the chain by x, and the gap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstats.chain._sampling import Sampling
from govstats.chain.spec import ChainSpec
from govstats.design import _kernel
from govstats.design.inference import t_interval

__all__ = ["cascade_table"]


def cascade_table(
    z: np.ndarray,
    sampling: Sampling,
    spec: ChainSpec,
    level: float,
    *,
    psu_cross: np.ndarray | None = None,
) -> pd.DataFrame:
    """Weighted mean of every mediator and the outcome for x = 0 and x = 1, and the gap.

    Parameters
    ----------
    z : (n, q) array
        The chain's data matrix (column 1 is a binary x).
    sampling : Sampling
        Weights and design (linearization through ``vcov_totals``; replicate designs
        through their replicate weights).
    spec : ChainSpec
    level : float
    psu_cross : (n_psu, q(q+1)/2) array, optional
        Per-PSU packed cross-products of ``z`` under ``sampling.weights`` when the
        caller has them already (the chain fit does).

    Returns
    -------
    pandas.DataFrame
        Columns ``link``, ``group``, ``estimate``, ``se``, ``ci_low``, ``ci_high``,
        ``df``; per link the rows ``"<x> = 0"``, ``"<x> = 1"`` and ``"gap"`` (1 minus 0).

    Notes
    -----
    The mean of link y in group g is the ratio ``sum w d_g y / sum w d_g``; its
    influence value is ``w d_g (y - ybar_g) / N_g`` (Lumley 2010, sec. 2.3), and the
    gap's variance comes from the joint covariance of both groups' influence values,
    so the covariance induced by shared PSUs is included.

    Every total it needs is an entry of the per-PSU cross-products of ``z`` (x is
    0/1, so ``sum w x y`` is the x = 1 total of y and ``sum w x`` its size): when the
    variance needs only PSU totals (replicates held as per-unit factors, or a
    one-stage uncalibrated design) nothing goes back over the rows.
    """
    fast = _from_crossproducts(z, sampling, spec, psu_cross)
    if fast is not None:
        means, vcov, df = fast
    else:
        means, vcov, df = _from_rows(z, sampling, spec)
    return _table(spec, means, vcov, df, level)


def _from_crossproducts(
    z: np.ndarray, sampling: Sampling, spec: ChainSpec, psu_cross: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Means (links, 2), covariance and df from per-unit cross-products, or None."""
    rep = sampling.replicates
    design = sampling.design
    if rep is not None:
        if rep.factors is None:
            return None
        units, n_units = rep.unit_index, rep.n_units
    elif design is not None and design.can_aggregate:
        units, n_units = sampling.psu_index, sampling.n_psu
    else:
        return None
    same_units = units is sampling.psu_index or np.array_equal(units, sampling.psu_index)
    if psu_cross is None or not same_units:
        psu_cross = _kernel.psu_crossproducts(z, sampling.weights, units, n_units)
    q = z.shape[1]
    pos = np.zeros((q, q), dtype=np.int64)
    rows, cols = _kernel.packed_index(q)
    pos[rows, cols] = np.arange(rows.size)
    cols_y = [spec.mediator_column(j) for j in range(spec.k)] + [spec.outcome_column]
    size_all, size_1 = psu_cross[:, pos[0, 0]], psu_cross[:, pos[0, 1]]
    total_all, total_1 = psu_cross[:, pos[0, cols_y]], psu_cross[:, pos[1, cols_y]]
    # (n_units, 2 * links): columns (link 0: x=0, x=1), (link 1: x=0, x=1), ...
    num = np.stack([total_all - total_1, total_1], axis=2).reshape(n_units, -1)
    den = np.column_stack([size_all - size_1, size_1])
    sizes = den.sum(axis=0)
    means = (num.sum(axis=0) / np.tile(sizes, len(cols_y))).reshape(len(cols_y), 2)
    if rep is not None:
        rep_num, rep_den = rep.replicate_totals(num), rep.replicate_totals(den)
        vcov = rep.vcov(rep_num / np.tile(rep_den, len(cols_y)), means.ravel())
        return means, vcov, float(rep.df)
    assert design is not None
    scores = (num - np.tile(den, len(cols_y)) * means.ravel()) / np.tile(sizes, len(cols_y))
    vcov = design.vcov_psu_totals(scores, present=sampling.weights != 0)
    return means, vcov, float(sampling.df)


def _from_rows(
    z: np.ndarray, sampling: Sampling, spec: ChainSpec
) -> tuple[np.ndarray, np.ndarray, float]:
    """Means, covariance and df from row-level influence values (general designs)."""
    w = sampling.weights
    x = z[:, 1]
    cols = [spec.mediator_column(j) for j in range(spec.k)] + [spec.outcome_column]
    # (n, 2) domain weights of x = 0 and x = 1; columns of every block below run
    # (link 0: x=0, x=1), (link 1: x=0, x=1), ...
    domain = np.column_stack([w * (x == 0), w * (x == 1)])
    sizes = domain.sum(axis=0)
    values = z[:, cols]
    weighted = (values[:, :, None] * domain[:, None, :]).reshape(len(w), 2 * len(cols))
    means = (weighted.sum(axis=0) / np.tile(sizes, len(cols))).reshape(len(cols), 2)
    rep = sampling.replicates
    if rep is not None:
        # Unweighted domain indicators: the replicate weights supply w (PSU factors
        # times w, or explicit replicate weights).
        member = np.column_stack([(x == 0) & (w > 0), (x == 1) & (w > 0)]).astype(float)
        indicated = (values[:, :, None] * member[:, None, :]).reshape(len(w), 2 * len(cols))
        totals = rep.weighted_totals(w, np.hstack([indicated, member]))
        num, den = totals[:, : weighted.shape[1]], totals[:, weighted.shape[1] :]
        vcov = rep.vcov(num / np.tile(den, len(cols)), means.ravel())
        df = float(rep.df)
    else:
        centred = values[:, :, None] - means[None, :, :]
        scores = (centred * (domain / sizes)[:, None, :]).reshape(len(w), 2 * len(cols))
        vcov = sampling.vcov_totals(scores)
        df = float(sampling.df)
    return means, vcov, df


def _table(
    spec: ChainSpec, means: np.ndarray, vcov: np.ndarray, df: float, level: float
) -> pd.DataFrame:
    links = [*spec.mediators, spec.outcome]
    rows = []
    for i, link in enumerate(links):
        a, b = 2 * i, 2 * i + 1
        for label, est, var in (
            (f"{spec.x} = 0", means[i, 0], vcov[a, a]),
            (f"{spec.x} = 1", means[i, 1], vcov[b, b]),
            ("gap", means[i, 1] - means[i, 0], vcov[a, a] + vcov[b, b] - 2 * vcov[a, b]),
        ):
            rows.append((link, label, est, float(np.sqrt(max(var, 0.0)))))
    frame = pd.DataFrame(rows, columns=["link", "group", "estimate", "se"])
    low, high = t_interval(frame["estimate"].to_numpy(), frame["se"].to_numpy(), df, level)
    frame["ci_low"], frame["ci_high"], frame["df"] = low, high, df
    return frame

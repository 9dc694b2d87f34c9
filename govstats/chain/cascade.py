"""The descriptive cascade: the mean of every link of the chain by x, and the gap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstats.chain._sampling import Sampling
from govstats.chain.spec import ChainSpec
from govstats.design.inference import t_interval

__all__ = ["cascade_table"]


def cascade_table(z: np.ndarray, sampling: Sampling, spec: ChainSpec, level: float) -> pd.DataFrame:
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
    """
    w = sampling.weights
    x = z[:, 1]
    links = [*spec.mediators, spec.outcome]
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

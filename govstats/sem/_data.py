"""Rows in use, their weights and groups; design meat and replicate moments of a fit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govstats.design.survey_design import SurveyDesign
from govstats.errors import DataError, DesignError, ModelError
from govstats.sem._baseline import MeatFunction
from govstats.sem._model import score_meat
from govstats.sem._ram import Moments

__all__ = ["Data", "check_items", "meat_function", "prepare", "replicate_moments"]


@dataclass(frozen=True)
class Data:
    """Model variables of the rows in use, their weights, groups and clusters."""

    x: np.ndarray  # (n, p) rows with positive weight
    w: np.ndarray  # (n,) weights normalised to sum to n (lavaan "total")
    raw_w: np.ndarray  # (n,) weights as given
    groups: np.ndarray  # (n,) group code
    labels: tuple[str, ...]
    cluster: np.ndarray | None
    rows: np.ndarray  # positions of the rows used in the original data
    n_rows: int


def prepare(
    data: pd.DataFrame | SurveyDesign,
    variables: Sequence[str],
    weights: str | None,
    cluster: str | None,
    group: str | None,
    na_rm: bool,
) -> Data:
    design = data if isinstance(data, SurveyDesign) else None
    frame = design.data if design is not None else data
    if not isinstance(frame, pd.DataFrame):
        raise DataError("data must be a pandas DataFrame or a SurveyDesign.")
    needed = list(variables) + [c for c in (weights, cluster, group) if c is not None]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            f"the model uses column(s) {missing} that are not in the data; check the item "
            f"names in the model syntax (available: {list(frame.columns)[:20]})."
        )
    if design is not None:
        if weights is not None or cluster is not None:
            raise DesignError(
                "weights= and cluster= are for a plain DataFrame; a SurveyDesign carries its "
                "own weights and PSUs."
            )
        raw = np.asarray(design.weights_array, dtype=np.float64)
    elif weights is not None:
        raw = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=np.float64)
        if not np.isfinite(raw).all() or (raw < 0).any():
            raise DataError(f"weights column {weights!r} has missing or negative values.")
    else:
        raw = np.ones(len(frame))
    try:
        x_all = frame[list(variables)].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        bad = [v for v in variables if not pd.api.types.is_numeric_dtype(frame[v])]
        raise DataError(f"model variables {bad} are not numeric.") from None
    complete = np.isfinite(x_all).all(axis=1)
    if group is not None:
        complete &= frame[group].notna().to_numpy()
    if not complete[raw > 0].all():
        bad = [v for v in variables if frame[v].isna().to_numpy()[raw > 0].any()]
        if not na_rm:
            raise DataError(
                f"columns {bad or [group]} have missing values; pass na_rm=True to fit on the "
                f"complete rows (lavaan's listwise deletion)."
            )
    rows = np.flatnonzero(complete & (raw > 0))
    if rows.size == 0:
        raise DataError("no row has complete model variables and a positive weight.")
    if group is not None:
        values = frame[group].to_numpy()[rows]
        labels = tuple(str(v) for v in pd.unique(values))
        codes = pd.Index(pd.unique(values)).get_indexer(values)
    else:
        labels, codes = ("",), np.zeros(rows.size, dtype=np.int64)
    clus = None
    if cluster is not None:
        clus = pd.factorize(frame[cluster].to_numpy()[rows])[0]
    raw_w = raw[rows]
    w = raw_w * rows.size / raw_w.sum()
    return Data(x_all[rows], w, raw_w, np.asarray(codes), labels, clus, rows, len(frame))


def check_items(data: Data, names: Sequence[str]) -> None:
    for g in range(len(data.labels)):
        xg = data.x[data.groups == g]
        spread = xg.max(axis=0) - xg.min(axis=0)
        if (spread == 0).any():
            bad = [names[int(j)] for j in np.flatnonzero(spread == 0)]
            where = f" in group {data.labels[g]!r}" if len(data.labels) > 1 else ""
            raise ModelError(
                f"item(s) {bad} are constant{where}; a constant item carries no information "
                f"about a latent variable: drop it from the model."
            )


def meat_function(d: Data, design: SurveyDesign | None) -> MeatFunction:
    """First-order information of scores per unit of normalised weight (see MeatFunction).

    Without a design: lavaan's ``sum (w u)(w u)^T / N`` (cluster sums times
    ``nC/(nC-1)`` with clusters). With a design: ``N / W^2 V_design(sum w u)`` (``W`` the
    sum of the design weights), so that ``A^{-1} B A^{-1} / N`` is the design sandwich.
    """

    def meat_of(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
        n_sub = float(d.w[rows].sum())
        if design is None:
            cluster = None if d.cluster is None else d.cluster[rows]
            return score_meat(scores[rows], d.w[rows], d.groups[rows], cluster) / n_sub
        full = np.zeros((d.n_rows, scores.shape[1]))
        full[d.rows[rows]] = scores[rows] * d.raw_w[rows, None]
        w_sub = float(d.raw_w[rows].sum())
        return np.asarray(n_sub * design.vcov_totals(full) / w_sub**2)

    return meat_of


def replicate_moments(design: SurveyDesign, d: Data, n_groups: int, full: Moments) -> Moments:
    """Means and covariances under every replicate weight from one pass of PSU sums."""
    assert design.replicates is not None
    p = d.x.shape[1]
    iu = np.triu_indices(p)
    blocks = []
    for g in range(n_groups):
        in_g = (d.groups == g).astype(np.float64)
        dev = d.x - full.mean[0, g]
        products = (dev[:, :, None] * dev[:, None, :])[:, iu[0], iu[1]]
        blocks.append(np.hstack([in_g[:, None], dev * in_g[:, None], products * in_g[:, None]]))
    values = np.zeros((d.n_rows, n_groups * (1 + p + len(iu[0]))))
    values[d.rows] = np.hstack(blocks)
    base = np.zeros(d.n_rows)
    base[d.rows] = d.raw_w
    totals = design.replicates.weighted_totals(base, values)
    r = totals.shape[0]
    mean = np.zeros((r, n_groups, p))
    cov = np.zeros((r, n_groups, p, p))
    n = np.zeros((r, n_groups))
    width = 1 + p + len(iu[0])
    for g in range(n_groups):
        block = totals[:, g * width : (g + 1) * width]
        sw = block[:, 0]
        shift = block[:, 1 : 1 + p] / sw[:, None]
        second = np.zeros((r, p, p))
        second[:, iu[0], iu[1]] = block[:, 1 + p :] / sw[:, None]
        second[:, iu[1], iu[0]] = second[:, iu[0], iu[1]]
        mean[:, g] = full.mean[0, g] + shift
        cov[:, g] = second - shift[:, :, None] * shift[:, None, :]
        n[:, g] = sw
    return Moments(mean, cov, n)

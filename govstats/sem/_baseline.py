"""The independence (baseline) model and the Yuan-Bentler (Mplus) scaling factor."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from govstats.sem import _fitmeasures as fm
from govstats.sem._model import casewise_scores, observed_information, score_meat
from govstats.sem._partable import ParTable
from govstats.sem._ram import GroupMatrices, Moments, RamModel

if TYPE_CHECKING:
    from govstats.sem.fit import _Data

__all__ = ["baseline_fit", "scaling_factor"]

_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)


def _x_index(pt: ParTable) -> np.ndarray:
    ov = list(pt.roles.ov)
    return np.array([ov.index(v) for v in pt.roles.ov_x], dtype=np.int64)


def scaling_factor(
    pt: ParTable,
    ram: RamModel,
    theta: np.ndarray,
    moments: Moments,
    d: _Data,
    observed: np.ndarray,
    meat: np.ndarray,
    dof: float,
) -> float:
    """Yuan-Bentler scaling factor, Mplus variant (lavaan ``yuan.bentler.mplus``).

    ``c = [sum_g tr(A1_g^{-1} B1_g) - tr(B0 E^{-1})] / df`` with ``A1``/``B1`` the
    expected and first-order information of the saturated model at the sample
    moments and ``B0``/``E`` the first-order and observed information of the model.
    """
    x_idx = _x_index(pt)
    trace_h1 = 0.0
    for g in range(pt.n_groups):
        rows = d.groups == g
        trace_h1 += fm.h1_trace(
            d.x[rows], d.w[rows], moments.mean[0, g], moments.cov[0, g], x_idx,
            ram.meanstructure, None if d.cluster is None else d.cluster[rows],
        )  # fmt: skip
    trace_h0 = float(np.trace(np.linalg.solve(observed, meat)))
    return (trace_h1 - trace_h0) / dof


def _independence(pt: ParTable) -> tuple[RamModel, np.ndarray, int]:
    p = len(pt.roles.ov)
    x_idx = set(_x_index(pt).tolist())
    nox = [j for j in range(p) if j not in x_idx]
    xs = sorted(x_idx)
    groups = []
    k = 0
    for _g in range(pt.n_groups):
        s_row, s_col, s_par = [], [], []
        for j in nox:
            s_row.append(j)
            s_col.append(j)
            s_par.append(k)
            k += 1
        for a in range(len(xs)):
            for b in range(a, len(xs)):
                s_row.append(xs[b])
                s_col.append(xs[a])
                s_par.append(-1)
        m_row, m_par = [], []
        if pt.meanstructure:
            for j in nox:
                m_row.append(j)
                m_par.append(k)
                k += 1
            for j in xs:
                m_row.append(j)
                m_par.append(-1)
        groups.append(GroupMatrices(
            p, p, _EMPTY_I, _EMPTY_I, _EMPTY_I, _EMPTY_F,
            np.asarray(s_row, dtype=np.int64), np.asarray(s_col, dtype=np.int64),
            np.asarray(s_par, dtype=np.int64), np.full(len(s_row), np.nan),
            np.asarray(m_row, dtype=np.int64), np.asarray(m_par, dtype=np.int64),
            np.full(len(m_row), np.nan),
        ))  # fmt: skip
    return RamModel(tuple(groups), k, pt.meanstructure), np.asarray(nox), k


def baseline_fit(pt: ParTable, moments: Moments, d: _Data, robust: bool) -> dict[str, float]:
    """Chi-square, df and (when ``robust``) scaling factor of the independence model."""
    model, nox, k = _independence(pt)
    theta = []
    for g in range(pt.n_groups):
        theta.extend(np.diag(moments.cov[0, g])[nox])
        if pt.meanstructure:
            theta.extend(moments.mean[0, g][nox])
    th = np.asarray(theta)[None, :]
    n_total = float(moments.n.sum())
    f = float(model.objective(th, moments)[0])
    chisq = 2 * n_total * f
    p = len(pt.roles.ov)
    nx = len(pt.roles.ov_x)
    per_group = p * (p + 1) // 2 - nx * (nx + 1) // 2 + ((p - nx) if pt.meanstructure else 0)
    dof = float(per_group * pt.n_groups - k)
    out = {"chisq": chisq, "df": dof, "scaling": np.nan}
    if robust and dof > 0:
        observed = observed_information(model, th[0], moments)
        scores = casewise_scores(model, th[0], moments, d.x, d.groups)
        meat = score_meat(scores, d.w, d.groups, d.cluster) / n_total
        out["scaling"] = scaling_factor(pt, model, th[0], moments, d, observed, meat, dof)
    return out

"""The independence (baseline) model and the Yuan-Bentler (Mplus) scaling factor."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from govstats.sem import _fitmeasures as fm
from govstats.sem._model import casewise_scores, observed_information
from govstats.sem._partable import ParTable
from govstats.sem._ram import GroupMatrices, Moments, RamModel

if TYPE_CHECKING:
    from govstats.sem._data import Data

__all__ = [
    "MeatFunction",
    "baseline_fit",
    "data_only",
    "same_data",
    "saturated_trace",
    "scaling_factor",
]

#: Results that depend on the data only (the independence model, the saturated trace),
#: kept while :func:`same_data` is active: the fits inside see one data set.
_SHARED: ContextVar[dict[Hashable, Any] | None] = ContextVar("govstats_sem_shared", default=None)


@contextmanager
def same_data() -> Iterator[None]:
    """Share data-only results among the fits in the block (all on the same data).

    :func:`govstats.sem.invariance` fits one model at several levels of equality to one
    data set and one grouping: the baseline model and the saturated model's trace are
    the same for every level, so they are computed once.
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def data_only(key: Hashable, compute: Callable[[], _T]) -> _T:
    """``compute()``, or its value from an earlier fit inside :func:`same_data`."""
    shared = _SHARED.get()
    if shared is None:
        return compute()
    if key not in shared:
        shared[key] = compute()
    return cast(_T, shared[key])


#: ``meat(scores (n, k), rows (n,) bool) -> (k, k)``: first-order information of the
#: scores of the selected rows per unit of (normalised) weight -- the outer
#: products of weighted scores (lavaan), their cluster sums, or the design variance.
MeatFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]

_T = TypeVar("_T")
_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)


def _x_index(pt: ParTable) -> np.ndarray:
    ov = list(pt.roles.ov)
    return np.array([ov.index(v) for v in pt.roles.ov_x], dtype=np.int64)


def saturated_trace(pt: ParTable, moments: Moments, d: Data, meat_of: MeatFunction) -> float:
    """``sum_g tr(A1_g^{-1} B1_g)`` of the saturated model at the sample moments.

    It depends on the data, the groups and the mean structure only, so one fit computes
    it once for the model's and the baseline's scaling factors.
    """
    x_idx = _x_index(pt)
    trace = 0.0
    for g in range(pt.n_groups):
        rows = d.groups == g
        cov = moments.cov[0, g]
        part = fm.moment_scores(d.x[rows], moments.mean[0, g], np.linalg.inv(cov),
                                pt.meanstructure)  # fmt: skip
        scores = np.zeros((d.x.shape[0], part.shape[1]))
        scores[rows] = part
        trace += fm.h1_trace(meat_of(scores, rows), cov, x_idx, pt.meanstructure)
    return trace


def scaling_factor(observed: np.ndarray, meat: np.ndarray, dof: float, trace_h1: float) -> float:
    """Yuan-Bentler scaling factor, Mplus variant (lavaan ``yuan.bentler.mplus``).

    ``c = [sum_g tr(A1_g^{-1} B1_g) - tr(B0 E^{-1})] / df`` with ``A1``/``B1`` the
    expected and first-order information of the saturated model at the sample
    moments (``trace_h1``, :func:`saturated_trace`) and ``B0``/``E`` the first-order
    and observed information of the model.
    """
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


def baseline_fit(
    pt: ParTable,
    moments: Moments,
    d: Data,
    meat_of: MeatFunction | None,
    *,
    expected: bool = False,
    trace_h1: float | None = None,
) -> dict[str, float]:
    """Chi-square, df and (with ``meat_of``) scaling factor of the independence model.

    ``expected`` takes the expected instead of the observed information as the
    bread of the scaling factor (lavaan with ``information = "expected"``);
    ``trace_h1`` is :func:`saturated_trace` when the caller has it.
    """
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
    if meat_of is not None and dof > 0:
        if expected:
            _, _, info = model.derivatives(th, moments)
            assert info is not None
            observed = info[0]
        else:
            observed = observed_information(model, th[0], moments)
        scores = casewise_scores(model, th[0], moments, d.x, d.groups)
        meat = meat_of(scores, np.ones(d.x.shape[0], dtype=bool))
        if trace_h1 is None:
            trace_h1 = saturated_trace(pt, moments, d, meat_of)
        out["scaling"] = scaling_factor(observed, meat, dof, trace_h1)
    return out

"""Means, totals, proportions, ratios and replicate weights of a distributed design.

Each estimator makes one pass: every partition is reduced to sums per (PSU,
calibration cell, domain) of ``1``, ``w``, ``w v`` (and, when needed, ``v`` and
``w v^2``) by :func:`govstats.design._partition.bin_sums`; the sums are added on the
workers and the algebra of :mod:`govstats.design.estimators` runs on the client on
the (n_psu, cells, domains) array. Factor levels are found by a light pass over the
factor columns only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from govstats.design import _partition
from govstats.design import _replicates as _k
from govstats.design._dask_run import run_partitions
from govstats.design._structure import as_list
from govstats.design.categorical import _plain, factor_levels, group_codes, is_categorical
from govstats.design.inference import (
    DEFAULT_LEVEL,
    DEFAULT_REPLICATES,
    SeedLike,
    check_level,
)
from govstats.design.results import SurveyEstimate, make_estimate
from govstats.errors import DataError, DesignError

if TYPE_CHECKING:
    from govstats.design._psu_table import Layout
    from govstats.design.distributed import DistributedDesign

_METHODS = ("jk1", "jkn", "brr", "fay", "bootstrap")


# ---------------------------------------------------------------------- partition side


@dataclass(frozen=True)
class Request:
    """What a partition computes for a linear estimator (small and picklable).

    Attributes
    ----------
    layout : Layout
    psu_strata : ndarray, shape (n_psu,)
    numeric : tuple of str
        Numeric analysis columns (bool columns as 0/1).
    factors : tuple of (str, tuple)
        Factor columns and their levels (one indicator column per level).
    by : tuple of str
    cells : object or None
        Calibration cells (``_dask_calibration.Cells``): gives every row its cell and
        its calibrated weight.
    unweighted : bool
        Also sum the unweighted values (raking residuals need them).
    squares : bool
        Also sum ``w v^2`` (design effects).
    """

    layout: Layout
    psu_strata: np.ndarray
    numeric: tuple[str, ...]
    factors: tuple[tuple[str, tuple[object, ...]], ...]
    by: tuple[str, ...]
    cells: Any
    unweighted: bool
    squares: bool

    @property
    def k(self) -> int:
        """Number of analysis value columns."""
        return len(self.numeric) + sum(len(levels) for _, levels in self.factors)


def rows_and_weights(
    part: pd.DataFrame, layout: Layout, psu_strata: np.ndarray, cells: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """PSU code, calibration cell, analysis weight and base weight of every row."""
    psu = layout.psu_codes(part)
    w0 = np.asarray(layout.base_weights(part, psu, psu_strata), dtype=np.float64)
    if cells is None:
        return psu, np.zeros(len(part), dtype=np.int64), w0, w0
    cell = cells.codes(part)
    return psu, cell, w0 * cells.factor[cell], w0


def _values(part: pd.DataFrame, req: Request) -> list[np.ndarray]:
    """Analysis value columns of a partition (NaN where missing), one array per column."""
    out = [part[name].to_numpy(dtype=np.float64, na_value=np.nan) for name in req.numeric]
    for name, levels in req.factors:
        series = part[name]
        values = series.to_numpy(dtype=object)
        missing = pd.isna(series).to_numpy()
        for level in levels:
            column = (values == level).astype(np.float64)
            column[missing] = np.nan
            out.append(column)
    return out


def local_domains(
    part: pd.DataFrame, by: Sequence[str], valid: np.ndarray
) -> tuple[np.ndarray, list[tuple[object, ...]]]:
    """Domain code of every row among this partition's own domains (-1: none) and their labels."""
    n = len(part)
    if not by:
        return np.where(valid, 0, -1).astype(np.int64), [()]
    combined = np.zeros(n, dtype=np.int64)
    uniques_all = []
    for name in by:
        codes, uniques = pd.factorize(part[name])
        valid = valid & (codes >= 0)
        combined = combined * (len(uniques) + 1) + codes
        uniques_all.append(uniques)
    local, keys = pd.factorize(combined[valid])
    out = np.full(n, -1, dtype=np.int64)
    out[valid] = local
    labels = []
    for key in np.asarray(keys):
        parts = []
        for uniques in reversed(uniques_all):
            parts.append(_plain(uniques[int(key % (len(uniques) + 1))]))
            key //= len(uniques) + 1
        labels.append(tuple(reversed(parts)))
    return out, labels


def estimator_part(
    part: pd.DataFrame, number: int, req: Request, na_rm: bool
) -> tuple[_partition.BinSums, np.ndarray]:
    """One partition's sums for a linear estimator, and its missing-value counts per column.

    Columns of the sums: ``1``, ``w``, ``w v`` (k), then ``v`` (k, if
    ``req.unweighted``), ``w v^2`` (k, if ``req.squares``), ``1[w == 0]``.
    """
    psu, cell, w, _ = rows_and_weights(part, req.layout, req.psu_strata, req.cells)
    values = _values(part, req)
    active = w != 0
    nans = [np.isnan(v) for v in values]
    missing = np.array([float(np.count_nonzero(m & active)) for m in nans])
    if na_rm:
        for m in nans:
            active = active & ~m
    domain, labels = local_domains(part, req.by, active)
    inside = domain >= 0
    filled = [np.where(inside & ~m, v, 0.0) for v, m in zip(values, nans, strict=True)]
    wv = [v * w for v in filled]
    columns = [np.ones(len(part)), w, *wv]
    if req.unweighted:
        columns.extend(filled)
    if req.squares:
        columns.extend(a * v for a, v in zip(wv, filled, strict=True))
    columns.append((w == 0).astype(np.float64))
    sums = _partition.bin_sums(psu, cell, domain, labels, columns)
    return sums, missing


def merge_with_missing(
    parts: Sequence[tuple[_partition.BinSums, np.ndarray]],
) -> tuple[_partition.BinSums, np.ndarray]:
    """Add partition results of :func:`estimator_part`."""
    return _partition.merge([p[0] for p in parts]), np.sum([p[1] for p in parts], axis=0)


# ---------------------------------------------------------------------- client side


def _known_categories(dtype: Any) -> bool:
    """Whether a dask column's Categorical dtype has known categories."""
    return (
        isinstance(dtype, pd.CategoricalDtype)
        and dtype.categories is not None
        and (len(dtype.categories) > 0 or bool(dtype.ordered))
    )


def _as_column(values: Any, dtype: Any, name: str) -> pd.Series:
    """Lay collected distinct values out as a small Series of the column's dtype."""
    series = pd.Series(np.asarray(values, dtype=object), name=name, dtype=object)
    if _known_categories(dtype):
        return series.astype(dtype)
    if pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(series.tolist(), name=name)
    return series


def collected_levels(data: Any, names: Sequence[str], *, observed: bool) -> dict[str, list[object]]:
    """Levels of columns of a dask frame under the one categorical rule (``factor_levels``).

    A Categorical with known categories needs no pass (unless ``observed``); the
    other columns' distinct values are collected in one light pass over those columns
    only, then ordered by :func:`govstats.design.categorical.factor_levels`.
    """
    meta: pd.DataFrame = data._meta
    out: dict[str, list[object]] = {}
    pending = []
    for name in names:
        if _known_categories(meta[name].dtype) and not observed:
            out[name] = factor_levels(meta[name])
        else:
            pending.append(name)
    if pending:
        import dask

        found = dask.compute(*[data[name].dropna().unique() for name in pending])  # type: ignore[attr-defined, no-untyped-call]
        for name, values in zip(pending, found, strict=True):
            column = _as_column(values, meta[name].dtype, name)
            out[name] = factor_levels(column, observed=observed)
    return out


def _factor_levels(
    design: DistributedDesign, names: Sequence[str]
) -> dict[str, tuple[object, ...]]:
    """Levels of factor columns in R order, as ``_columns.expand`` (``factor_levels``)."""
    levels = collected_levels(design.data, names, observed=False)
    return {name: tuple(values) for name, values in levels.items()}


@dataclass(frozen=True)
class Columns:
    """Analysis columns of a request: the source column and level of every value column."""

    numeric: tuple[str, ...]
    factors: tuple[tuple[str, tuple[object, ...]], ...]
    variable: tuple[str, ...]
    level: tuple[str | None, ...]


def analysis_columns(
    design: DistributedDesign, variables: str | Sequence[str], text_as_factor: bool, role: str
) -> Columns:
    """Split ``variables`` into numeric and factor columns, as ``_columns.expand``."""
    names = as_list(variables)
    if not names:
        raise DataError(f"no {role} variable given; name at least one column.")
    meta: pd.DataFrame = design.data._meta  # type: ignore[assignment]
    for name in names:
        if name not in meta.columns:
            shown = ", ".join(map(repr, list(meta.columns)[:12]))
            raise DataError(
                f"{role} column {name!r} is not in the data; available columns include {shown}. "
                "Check the spelling (names are case-sensitive)."
            )
    numeric, factor_names = [], []
    for name in names:
        dtype = meta[name].dtype
        if not is_categorical(meta[name]):
            numeric.append(name)
        elif isinstance(dtype, pd.CategoricalDtype) or text_as_factor:
            factor_names.append(name)
        else:
            raise DataError(
                f"column {name!r} is not numeric (dtype {dtype}); a mean or total needs "
                f"numbers. Use proportion({name!r}) for the share of each of its values, or "
                f"convert it with data[{name!r}].astype('category') to treat it as a factor."
            )
    levels = _factor_levels(design, factor_names)
    # value columns follow the order of ``variables`` (as expand): numeric then factors
    # would reorder, so keep the user's order by building the labels in that order
    variable: list[str] = []
    level: list[str | None] = []
    order_numeric, order_factor = [], []
    for name in names:
        if name in levels:
            variable.extend([name] * len(levels[name]))
            level.extend(str(v) for v in levels[name])
            order_factor.append((name, levels[name]))
        else:
            variable.append(name)
            level.append(None)
            order_numeric.append(name)
    return Columns(tuple(order_numeric), tuple(order_factor), tuple(variable), tuple(level))


def _user_order(columns: Columns, names: Sequence[str]) -> np.ndarray:
    """Permutation from the request's value columns (numeric, then factors) to the user's order."""
    position: dict[str, list[int]] = {}
    j = 0
    for name in columns.numeric:
        position[name] = [j]
        j += 1
    for name, levels in columns.factors:
        position[name] = list(range(j, j + len(levels)))
        j += len(levels)
    return np.array([i for name in names for i in position[name]], dtype=np.int64)


@dataclass(frozen=True)
class Pass:
    """The merged sums of one estimator pass, laid out densely on the client.

    Attributes
    ----------
    counts, weights, zero : ndarray, shape (n_psu, n_cell, D + 1)
        Rows, weight sums and zero-weight rows per bin (last domain slot: outside).
    wv : ndarray, shape (n_psu, n_cell, D + 1, k)
    v, wvv : ndarray or None
        Unweighted sums and weighted squares, when asked.
    labels : list of tuple
        Domain labels, sorted as R ``svyby``.
    """

    counts: np.ndarray
    weights: np.ndarray
    zero: np.ndarray
    wv: np.ndarray
    v: np.ndarray | None
    wvv: np.ndarray | None
    labels: list[tuple[object, ...]]

    @property
    def n_domains(self) -> int:
        """Number of domains."""
        return len(self.labels)


def _sorted_labels(
    labels: Sequence[tuple[object, ...]], names: Sequence[str], meta: pd.DataFrame
) -> list[tuple[object, ...]]:
    """Domain labels in R ``svyby`` order, by :func:`~govstats.design.categorical.group_codes`.

    The observed combinations are few; they are laid out as a small frame with the
    columns' dtypes (a Categorical keeps its declared order) and ordered by the one
    categorical rule of the in-memory estimators.
    """
    if not names or not labels:
        return list(labels)
    frame = pd.DataFrame(
        {
            name: _as_column([lab[j] for lab in labels], meta[name].dtype, name)
            for j, name in enumerate(names)
        }
    )
    _, ordered, _ = group_codes(frame, list(names), np.ones(len(frame), dtype=bool))
    return ordered


def run_pass(
    design: DistributedDesign,
    numeric: Sequence[str],
    factors: Sequence[tuple[str, tuple[object, ...]]],
    by: str | Sequence[str] | None,
    na_rm: bool,
    *,
    variables_for_errors: Sequence[str],
    squares: bool,
) -> Pass:
    """Run one estimator pass and lay the sums out densely (raises on missing values)."""
    by_names = tuple(as_list(by))
    for name in by_names:
        if name not in design.data._meta.columns:
            raise DataError(f"by column {name!r} is not in the data; check the spelling.")
    table = design.table
    assert table is not None
    cells = getattr(design.calibration, "cells", None)
    req = Request(
        layout=table.layout,
        psu_strata=table.psu_strata,
        numeric=tuple(numeric),
        factors=tuple(factors),
        by=by_names,
        cells=cells,
        unweighted=cells is not None and cells.kind == "rake",
        squares=squares,
    )
    read = [*table.layout.columns, *numeric, *(name for name, _ in factors), *by_names]
    read += list(cells.variables) if cells is not None else []
    merged, missing = run_partitions(
        design.data, estimator_part, req, na_rm, combine=merge_with_missing, columns=read
    )
    k = req.k
    source = list(numeric) + [name for name, levels in factors for _ in levels]
    if missing.any() and not na_rm:
        counts: dict[str, int] = {}
        for j, name in enumerate(source):
            counts[name] = max(counts.get(name, 0), int(missing[j]))
        shown = ", ".join(f"{n!r} ({c} missing)" for n, c in counts.items() if c)
        active_rows = int(np.sum(table.psu_active))
        raise DataError(
            f"missing values in {shown} among the {active_rows} rows in the design; pass "
            "na_rm=True to leave those rows out of the estimate (the design is kept, as R's "
            "na.rm=TRUE), or impute them first."
        )
    labels = _sorted_labels(merged.labels, by_names, design.data._meta)  # type: ignore[arg-type]
    if not labels:
        if by_names:
            raise DesignError(f"no rows with non-missing {list(by_names)} in the design's domain.")
        raise DesignError(
            "no rows left to estimate from in the design after removing missing values in "
            f"{sorted(set(variables_for_errors))}."
        )
    n_cell = 1 if cells is None else cells.n_cells
    full = _partition.dense(merged, design.n_psu, n_cell, labels)
    j = 2 + k
    v = wvv = None
    if req.unweighted:
        v = full[..., j : j + k]
        j += k
    if squares:
        wvv = full[..., j : j + k]
        j += k
    return Pass(full[..., 0], full[..., 1], full[..., j], full[..., 2 : 2 + k], v, wvv, labels)


def psu_score_totals(
    design: DistributedDesign, pas: Pass, weighted: np.ndarray, unweighted: np.ndarray | None
) -> np.ndarray:
    """PSU totals of weighted scores, residualized for calibration as R ``svyrecvar``.

    Parameters
    ----------
    weighted : ndarray, shape (n_psu, n_cell, D + 1, k)
        Sums of ``w * score`` per bin (zero outside the domains).
    unweighted : ndarray or None, shape (n_psu, n_cell, D + 1, k)
        Sums of ``score`` per bin (raked designs).

    Returns
    -------
    ndarray, shape (n_psu, D * k)
        Domain-major blocks, as the in-memory estimators lay them out.
    """
    n_dom = pas.n_domains
    inside = weighted[:, :, :n_dom, :]
    if design.calibration is not None:
        from govstats.design import _dask_calibration

        inside = _dask_calibration.residual_totals(design, pas, inside, unweighted)
    else:
        inside = inside.sum(axis=1)
    return np.asarray(inside.reshape(design.n_psu, -1))


def _vcov(design: DistributedDesign, pas: Pass, z: np.ndarray, k: int) -> np.ndarray:
    """Linearization covariance from PSU totals, per-domain blocks as in memory."""
    n_dom = pas.n_domains
    present_d = pas.counts[:, :, :n_dom].sum(axis=1) > 0  # (n_psu, D)
    out = design.vcov_psu_totals(z, present=present_d.any(axis=1))
    if n_dom > 1 and (design.lonely_psu == "average" or design.adjust_domain_lonely):
        for d in range(n_dom):
            cut = slice(d * k, (d + 1) * k)
            out[cut, cut] = design.vcov_psu_totals(z[:, cut], present=present_d[:, d])
    return np.asarray(out)


def _deff(
    vcov: np.ndarray, pas: Pass, means: np.ndarray, big_n: np.ndarray, statistic: str, replace: bool
) -> np.ndarray:
    """Design effects as ``estimators._deff`` from the per-domain sums of ``w v^2``."""
    assert pas.wvv is not None
    n_dom = pas.n_domains
    k = pas.wv.shape[-1]
    wvv = pas.wvv[:, :, :n_dom, :].sum(axis=(0, 1))  # (D, k)
    means = means.reshape(n_dom, k)
    big = big_n.reshape(n_dom, 1)
    ss = wvv - big * means**2
    nobs = pas.counts[:, :, :n_dom].sum(axis=(0, 1)).astype(np.float64)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = ss / big * nobs / (nobs - 1)
        if replace:
            vsrs = s2 / nobs
        else:
            vsrs = s2 * (big - nobs) / (big * nobs)
            vsrs = np.where(big < nobs, np.nan, vsrs)
        if statistic == "total":
            vsrs = vsrs * big**2
        out = np.diag(vcov).reshape(n_dom, k) / vsrs
    return np.asarray(out.reshape(-1))


def _finish(
    design: DistributedDesign,
    statistic: str,
    estimate: np.ndarray,
    vcov: np.ndarray,
    pas: Pass,
    by: str | Sequence[str] | None,
    variable: Sequence[str],
    level: Sequence[str | None],
    deff: np.ndarray | None,
    replicate_estimates: np.ndarray | None,
    conf_level: float,
) -> SurveyEstimate:
    names = as_list(by)
    var: list[str] = []
    lev: list[str | None] = []
    dom: list[tuple[object, ...]] = []
    for label in pas.labels:
        var.extend(variable)
        lev.extend(level)
        dom.extend([label] * len(variable))
    return make_estimate(
        statistic,
        var,
        estimate,
        vcov,
        design.df,
        level=lev,
        by=names,
        domain=dom if names else (),
        deff=deff,
        method=design.method,
        replicate_estimates=replicate_estimates,
        conf_level=conf_level,
        seed=None if design.replicates is None else design.replicates.seed,
    )


def _reorder(pas: Pass, order: np.ndarray) -> Pass:
    def pick(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else a[..., order]

    return Pass(pas.counts, pas.weights, pas.zero, pas.wv[..., order], pick(pas.v), pick(pas.wvv),
                pas.labels)  # fmt: skip


def mean_or_total(
    design: DistributedDesign,
    variables: str | Sequence[str],
    statistic: str,
    *,
    by: str | Sequence[str] | None,
    na_rm: bool,
    text_as_factor: bool,
    deff: bool | str = False,
    level: float = DEFAULT_LEVEL,
) -> SurveyEstimate:
    """Domain means or totals from one pass (``estimators.mean_or_total`` on partition sums)."""
    level = check_level(level)
    if deff not in (True, False, "replace"):
        raise DataError(f"deff={deff!r} is not supported; use True, False or 'replace'.")
    columns = analysis_columns(design, variables, text_as_factor, "analysis")
    pas = run_pass(
        design, columns.numeric, columns.factors, by, na_rm,
        variables_for_errors=columns.variable, squares=bool(deff),
    )  # fmt: skip
    pas = _reorder(pas, _user_order(columns, as_list(variables)))
    n_dom = pas.n_domains
    k = pas.wv.shape[-1]
    psu_y = pas.wv[:, :, :n_dom, :].sum(axis=1).reshape(design.n_psu, n_dom * k)
    psu_w = pas.weights[:, :, :n_dom].sum(axis=1)  # (n_psu, D)
    num = psu_y.sum(axis=0)
    den = np.repeat(psu_w.sum(axis=0), k)
    if statistic == "mean":
        if (den == 0).any():
            raise DesignError("a domain has zero total weight; its mean is undefined.")
        estimate = num / den
    else:
        estimate = num
    replicate_estimates = None
    if design.replicates is not None:
        per_cell_y = pas.wv[:, :, :n_dom, :].reshape(design.n_psu, -1, n_dom * k)
        rep_y = replicate_totals(design, per_cell_y)
        rep_w = replicate_totals(design, pas.weights[:, :, :n_dom])
        replicate_estimates = rep_y / np.repeat(rep_w, k, axis=1) if statistic == "mean" else rep_y
        vcov = design.replicates.vcov(replicate_estimates, estimate)
    else:
        ratio = estimate.reshape(n_dom, k)
        total = den.reshape(n_dom, k)
        if statistic == "mean":
            weighted = (pas.wv - pas.weights[..., None] * _pad(ratio)) / _pad(total, 1.0)
            unweighted = None
            if pas.v is not None:
                unweighted = (pas.v - pas.counts[..., None] * _pad(ratio)) / _pad(total, 1.0)
        else:
            weighted, unweighted = pas.wv, pas.v
        z = psu_score_totals(design, pas, weighted, unweighted)
        vcov = _vcov(design, pas, z, k)
    means = (num / den).reshape(n_dom, k) if (den > 0).all() else estimate
    effects = (
        _deff(vcov, pas, means, den[::k], statistic, replace=deff == "replace") if deff else None
    )
    return _finish(design, statistic, estimate, vcov, pas, by, columns.variable, columns.level,
                   effects, replicate_estimates, level)  # fmt: skip


def replicate_factors(design: DistributedDesign) -> np.ndarray:
    """(n_psu, R) replicate factors of a dask design's PSUs.

    Raises :class:`DesignError` for replicates re-calibrated per cell (estimators that
    take their totals per PSU and cell use :func:`replicate_totals`) or without PSU
    factors: applying PSU factors alone would give wrong replicate estimates.
    """
    reps = design.replicates
    cells = getattr(design.calibration, "cells", None)
    if cells is not None and cells.replicate is not None:
        raise DesignError(
            "this estimator does not support the re-calibrated replicates of a post-stratified "
            "or raked dask design yet (means, totals, proportions, ratios and linear GLMs do); "
            "use linearization for the calibrated design, or estimate in memory."
        )
    if reps is None or reps.psu_factors is None:
        raise DesignError(
            "the replicates of this design are not factors per PSU (a user-supplied replicate "
            "design), which a dask DataFrame does not support; estimate in memory."
        )
    return reps.psu_factors


def replicate_totals(design: DistributedDesign, per_cell: np.ndarray) -> np.ndarray:
    """(R, m) replicate totals of ``(n_psu, n_cells, m)`` sums of calibrated weighted values.

    Uncalibrated designs apply the PSU factors to the PSU totals; calibrated ones the
    factor of every (PSU, cell) unit, re-calibration included.
    """
    cells = getattr(design.calibration, "cells", None)
    if cells is not None and cells.replicate is not None:
        assert design.replicates is not None and design.replicates.psu_factors is not None
        return np.asarray(cells.replicate.totals(design.replicates.psu_factors, per_cell))
    return np.asarray(replicate_factors(design).T @ per_cell.sum(axis=1))


def _pad(values: np.ndarray, outside: float = 0.0) -> np.ndarray:
    """(D, k) per-domain constants -> (1, 1, D + 1, k), with ``outside`` for the last slot."""
    extra = np.full((1, values.shape[1]), outside)
    return np.vstack([values, extra])[None, None, :, :]


def ratio(
    design: DistributedDesign,
    numerator: str | Sequence[str],
    denominator: str | Sequence[str],
    *,
    by: str | Sequence[str] | None,
    na_rm: bool,
    deff: bool = False,
    level: float = DEFAULT_LEVEL,
) -> SurveyEstimate:
    """Ratios of totals from one pass (``estimators.ratio`` on partition sums)."""
    level = check_level(level)
    if deff:
        raise DesignError(
            "ratio(deff=True) is not supported on a dask DataFrame yet; omit deff or compute "
            "the design effects in memory."
        )
    num_cols = analysis_columns(design, numerator, False, "numerator")
    den_cols = analysis_columns(design, denominator, False, "denominator")
    names = list(num_cols.numeric) + list(den_cols.numeric)
    pas = run_pass(design, names, (), by, na_rm, variables_for_errors=names, squares=False)
    nn, nd = len(num_cols.numeric), len(den_cols.numeric)
    ii = np.tile(np.arange(nn), nd)
    jj = np.repeat(np.arange(nd), nn) + nn
    n_dom = pas.n_domains
    k = nn * nd
    wy, wx = pas.wv[..., ii], pas.wv[..., jj]
    psu_y = wy[:, :, :n_dom].sum(axis=1).reshape(design.n_psu, n_dom * k)
    psu_x = wx[:, :, :n_dom].sum(axis=1).reshape(design.n_psu, n_dom * k)
    ty, tx = psu_y.sum(axis=0), psu_x.sum(axis=0)
    if (tx == 0).any():
        raise DesignError(
            f"the denominator total of {list(den_cols.variable)} is zero in a domain; "
            "the ratio is undefined there."
        )
    estimate = ty / tx
    replicate_estimates = None
    if design.replicates is not None:
        n_cells = wy.shape[1]
        per_cell_y = wy[:, :, :n_dom].reshape(design.n_psu, n_cells, n_dom * k)
        per_cell_x = wx[:, :, :n_dom].reshape(design.n_psu, n_cells, n_dom * k)
        replicate_estimates = replicate_totals(design, per_cell_y) / replicate_totals(
            design, per_cell_x
        )
        vcov = design.replicates.vcov(replicate_estimates, estimate)
    else:
        r = estimate.reshape(n_dom, k)
        big_x = tx.reshape(n_dom, k)
        weighted = (wy - _pad(r) * wx) / _pad(big_x, 1.0)
        unweighted = None
        if pas.v is not None:
            unweighted = (pas.v[..., ii] - _pad(r) * pas.v[..., jj]) / _pad(big_x, 1.0)
        z = psu_score_totals(design, pas, weighted, unweighted)
        vcov = _vcov(design, pas, z, k)
    labels = [
        f"{num_cols.variable[i]}/{den_cols.variable[j - nn]}" for i, j in zip(ii, jj, strict=True)
    ]
    return _finish(design, "ratio", estimate, vcov, pas, by, labels, [None] * k, None,
                   replicate_estimates, level)  # fmt: skip


# ---------------------------------------------------------------------- replicates


def to_replicates(
    design: DistributedDesign,
    method: str = "bootstrap",
    replicates: int = DEFAULT_REPLICATES,
    *,
    seed: SeedLike = None,
    fay_rho: float = 0.0,
    mse: bool = False,
) -> DistributedDesign:
    """Replicate factors per PSU from the PSU table, as ``replicates.to_replicates``.

    The same seed draws the same bootstrap factors as in memory (the PSU table keeps
    the in-memory PSU coding) and is recorded in ``replicates.seed``.
    """
    from govstats.design.replicates import psu_replicates

    method = method.lower()
    if method not in _METHODS:
        raise DesignError(f"unknown replicate method {method!r}; choose one of {_METHODS}")
    if design.replicates is not None:
        raise DesignError(
            "the design already has replicate weights; build replicates from the original design"
        )
    table = design.table
    assert table is not None
    psu_strata, psu_order = table.psu_strata, table.psu_order
    labels = list(table.stratum_labels)
    fractions = table.fractions()
    reps = psu_replicates(
        method,
        psu_strata,
        psu_order,
        labels,
        lambda: fractions,
        np.arange(design.n_psu, dtype=np.int64),
        strata=design.strata,
        lonely_psu=design.lonely_psu,
        replicates=replicates,
        seed=seed,
        fay_rho=fay_rho,
        mse=mse,
    )
    if (table.psu_active == 0).any():
        assert reps.psu_factors is not None  # factors per PSU, never rows
        reps = replace(reps, df=_k.rank_df(reps.psu_factors[table.psu_active > 0]))
    out = design._new(replicates=reps)
    if design.calibration is None:
        return out
    from govstats.design._dask_calibrated_replicates import recalibrate

    return recalibrate(out)  # R re-calibrates every replicate of a calibrated design

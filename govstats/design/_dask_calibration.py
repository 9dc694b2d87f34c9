"""Post-stratification and raking of a distributed design, and their linearization.

One pass returns the base-weight total and row count of every observed combination
of the calibration variables (the joint cells); post-stratification factors, or
R ``rake()``'s iterative proportional fitting, then run on the client on that small
table with the in-memory kernels (``_calibrate.poststratify_weights`` /
``rake_weights``), one pseudo-row per joint cell -- the same factors as row by row,
because every row of a joint cell is scaled alike. Estimators give each row the
factor of its cell.

The variance follows R ``svyrecvar`` (``calibration.residualize``): within the
estimator's pass every (PSU, cell) bin carries the sums of weighted and unweighted
scores, and the residual PSU totals are formed from those sums exactly
(post-stratification subtracts the cell means; raking makes R's 10 projection
sweeps, each of which subtracts a per-cell constant times the base weight).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from govstats.design import _calibrate as _k
from govstats.design._dask_run import run_partitions
from govstats.design.calibration import ConvergenceReport, _as_population, _level_key
from govstats.errors import ConvergenceError, DataError, DesignError

if TYPE_CHECKING:
    from govstats.design._dask_calibrated_replicates import CellReplicates
    from govstats.design._dask_estimators import Pass
    from govstats.design._psu_table import Layout
    from govstats.design.distributed import DistributedDesign


@dataclass(frozen=True)
class Cells:
    """Joint calibration cells and their weight factors (small, sent to every partition).

    Attributes
    ----------
    kind : {"poststratify", "rake"}
    variables : tuple of str
    level_maps : tuple of dict
        Per variable, level label (``calibration._level_key``) -> level number.
    joint_keys : ndarray of int64, shape (n_cells,)
        Sorted mixed-radix keys of the observed joint cells.
    factor : ndarray, shape (n_cells,)
        Calibrated weight over base weight of every joint cell.
    group : ndarray of int64, shape (n_cells,)
        Post-stratum of every joint cell (post-stratification).
    margin_codes : ndarray of int64, shape (n_margins, n_cells)
        Level of every margin in every joint cell (raking).
    margin_factors : ndarray, shape (n_margins, n_cells)
        Weights right after each margin's adjustment in the last sweep, over base
        weights (R's ``psw``; raking).
    base_totals : ndarray, shape (n_cells,)
        Base-weight total of every joint cell.
    rows : ndarray, shape (n_cells,)
        Rows (of any weight) in every joint cell.
    report : ConvergenceReport or None
    populations : tuple of ndarray
        Population totals of the post-strata (one array) or of every margin (raking).
    sweeps : int
        Raking sweeps of the full sample (replicates are re-raked with as many).
    replicate : CellReplicates or None
        Re-calibration of every replicate per cell, once the design has replicates.
    """

    kind: str
    variables: tuple[str, ...]
    level_maps: tuple[dict[str, int], ...]
    joint_keys: np.ndarray
    factor: np.ndarray
    group: np.ndarray
    margin_codes: np.ndarray
    margin_factors: np.ndarray
    base_totals: np.ndarray
    rows: np.ndarray
    report: ConvergenceReport | None
    populations: tuple[np.ndarray, ...] = ()
    sweeps: int = 0
    replicate: CellReplicates | None = None

    @property
    def n_cells(self) -> int:
        """Number of joint cells."""
        return int(self.joint_keys.shape[0])

    @property
    def cells(self) -> Cells:
        """The cells themselves (a calibrated dask design's ``calibration``)."""
        return self

    @property
    def reports(self) -> tuple[ConvergenceReport, ...]:
        """Convergence reports (raking), as ``CalibrationInfo.reports``."""
        return () if self.report is None else (self.report,)

    def codes(self, part: pd.DataFrame) -> np.ndarray:
        """Joint cell of every row of a partition (rows of unknown levels: cell 0)."""
        key = np.zeros(len(part), dtype=np.int64)
        known = np.ones(len(part), dtype=bool)
        for name, levels in zip(self.variables, self.level_maps, strict=True):
            codes, uniques = pd.factorize(part[name])
            lookup = np.array([levels.get(_level_key(v), -1) for v in uniques] + [-1])
            level = lookup[codes]
            known &= level >= 0
            key = key * (len(levels) + 1) + np.where(level >= 0, level, 0)
        cell = np.searchsorted(self.joint_keys, key)
        cell = np.clip(cell, 0, self.n_cells - 1)
        ok = known & (self.joint_keys[cell] == key)
        return np.where(ok, cell, 0).astype(np.int64)


def _combos_part(
    part: pd.DataFrame, number: int, layout: Layout, psu_strata: np.ndarray, names: Sequence[str]
) -> pd.DataFrame:
    """Base-weight totals, rows and missing values of every combination in one partition."""
    psu = layout.psu_codes(part)
    w = np.asarray(layout.base_weights(part, psu, psu_strata), dtype=np.float64)
    frame = part[list(names)].copy()
    frame["__w"] = w
    frame["__n"] = 1.0
    frame["__active"] = (w != 0).astype(np.float64)
    grouped = frame.groupby(list(names), sort=False, dropna=False)
    return grouped[["__w", "__n", "__active"]].sum().reset_index()


def _joint_table(design: DistributedDesign, names: Sequence[str]) -> pd.DataFrame:
    table = design.table
    assert table is not None
    meta = design.data._meta
    for name in names:
        if name not in meta.columns:
            raise DataError(
                f"calibration variable {name!r} is not a column of the data; available columns "
                f"start with {list(meta.columns[:8])}. Fix the name or add the column"
            )
    parts = run_partitions(
        design.data, _combos_part, table.layout, table.psu_strata, list(names),
        columns=[*table.layout.columns, *names],
    )  # fmt: skip
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    frame = frame.groupby(list(names), sort=False, dropna=False).sum().reset_index()
    for name in names:
        bad = frame[name].isna() & (frame["__active"] > 0)
        if bad.any():
            raise DataError(
                f"calibration variable {name!r} is missing for "
                f"{int(frame.loc[bad, '__active'].sum())} rows; impute it or drop those rows "
                "before building the design"
            )
    return pd.DataFrame(frame)


def _levels(frame: pd.DataFrame, name: str) -> dict[str, int]:
    keys = sorted({_level_key(v) for v in frame[name] if not pd.isna(v)})
    return {k: i for i, k in enumerate(keys)}


def _check_levels(data_levels: set[str], pop: dict[str, float], name: str) -> tuple[str, ...]:
    absent = sorted(data_levels - {k for k, v in pop.items() if v > 0})
    if absent:
        raise DataError(
            f"levels {absent} of {name!r} occur in the data but have no (or a zero) total in "
            f"the population table (which has {sorted(pop)}); add their totals or recode the data"
        )
    empty = sorted(k for k, v in pop.items() if v > 0 and k not in data_levels)
    if empty:
        raise DataError(
            f"levels {empty} of {name!r} have population totals but no sampled rows; "
            "collapse them with a neighbouring level in both the data and the population"
        )
    return tuple(k for k in pop if k in data_levels)


def _joint(
    frame: pd.DataFrame, names: Sequence[str]
) -> tuple[tuple[dict[str, int], ...], np.ndarray, np.ndarray]:
    maps = tuple(_levels(frame, n) for n in names)
    key = np.zeros(len(frame), dtype=np.int64)
    for name, levels in zip(names, maps, strict=True):
        level = np.array(
            [levels.get(_level_key(v), 0) if not pd.isna(v) else 0 for v in frame[name]]
        )
        key = key * (len(levels) + 1) + level
    joint_keys, cell = np.unique(key, return_inverse=True)
    return maps, joint_keys, cell.reshape(-1)


def _check_design(design: DistributedDesign) -> None:
    if design.calibration is not None:
        raise DesignError(
            "the design is already calibrated; on a dask DataFrame only one post-stratification "
            "or raking step is supported. Calibrate the original design once."
        )
    if design.replicates is not None and design.replicates.psu_factors is None:
        raise DesignError(
            "the replicates of this design are not factors per PSU; a dask design re-calibrates "
            "only replicates made with to_replicates()"
        )


def _calibrated(design: DistributedDesign, cells: Cells) -> DistributedDesign:
    """Attach the calibration cells; a replicate design re-calibrates every replicate."""
    out = design._new(calibration=cells)
    if out.replicates is None:
        return out
    from govstats.design._dask_calibrated_replicates import recalibrate

    return recalibrate(out)


def poststratify(design: DistributedDesign, variable: Any, population: Any) -> DistributedDesign:
    """Post-stratify a dask design (``calibration.poststratify``) from one pass of cell totals."""
    _check_design(design)
    names = (variable,) if isinstance(variable, str) else tuple(variable)
    frame = _joint_table(design, names)
    maps, joint_keys, cell = _joint(frame, names)
    n_cells = joint_keys.shape[0]
    active = frame["__active"].to_numpy() > 0
    if len(names) == 1:
        labels = [_level_key(v) for v in frame[names[0]]]
        pop = _as_population(population, names[0])
        title = names[0]
    else:
        labels = [
            _level_key(tuple(_level_key(v) for v in row))
            for row in frame[list(names)].itertuples(index=False)
        ]
        title = " x ".join(names)
        if isinstance(population, pd.DataFrame):
            rows = population[[*names, "Freq"]].itertuples(index=False)
            items = [(tuple(row[:-1]), row[-1]) for row in rows]
        else:
            items = list(dict(population).items())
        pop = {}
        for level, total in items:
            key = _level_key(tuple(_level_key(v) for v in level))
            pop[key] = pop.get(key, 0.0) + float(total)
    levels = _check_levels({lab for lab, a in zip(labels, active, strict=True) if a}, pop, title)
    index = {k: i for i, k in enumerate(levels)}
    group_of_row = np.array([index.get(lab, 0) for lab in labels], dtype=np.int64)
    group = np.zeros(n_cells, dtype=np.int64)
    group[cell] = group_of_row
    base = np.bincount(cell, weights=frame["__w"].to_numpy(), minlength=n_cells)
    n_rows = np.bincount(cell, weights=frame["__n"].to_numpy(), minlength=n_cells)
    totals = np.array([pop[k] for k in levels])
    new = _k.poststratify_weights(group, base, totals)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(base > 0, new / base, 1.0)
    no_margins = np.zeros((0, n_cells), dtype=np.int64)
    cells = Cells("poststratify", names, maps, joint_keys, factor, group,
                  no_margins, no_margins.astype(float), base, n_rows, None,
                  populations=(totals,))  # fmt: skip
    return _calibrated(design, cells)


def rake(
    design: DistributedDesign,
    margins: Mapping[str, Any],
    *,
    max_iter: int = 10,
    tol: float = 1.0,
    margin_rtol: float = 1e-6,
) -> DistributedDesign:
    """Rake a dask design (``calibration.rake``): one pass, then IPF on the joint-cell table."""
    _check_design(design)
    if not margins:
        raise DataError("rake() needs at least one margin: {variable: {level: total}}")
    names = tuple(margins)
    frame = _joint_table(design, names)
    maps, joint_keys, cell = _joint(frame, names)
    n_cells = joint_keys.shape[0]
    active = frame["__active"].to_numpy() > 0
    base = np.bincount(cell, weights=frame["__w"].to_numpy(), minlength=n_cells)
    rows = np.bincount(cell, weights=frame["__n"].to_numpy(), minlength=n_cells)
    codes, pops = [], []
    for name in names:
        labels = [_level_key(v) for v in frame[name]]
        pop = _as_population(margins[name], name)
        levels = _check_levels({lab for lab, a in zip(labels, active, strict=True) if a}, pop, name)
        index = {k: i for i, k in enumerate(levels)}
        per_cell = np.zeros(n_cells, dtype=np.int64)
        per_cell[cell] = [index.get(lab, 0) for lab in labels]
        codes.append(per_cell)
        pops.append(np.array([pop[k] for k in levels]))
    grand = np.array([p.sum() for p in pops])
    if np.max(np.abs(grand - grand[0])) > margin_rtol * np.max(np.abs(grand)):
        listing = ", ".join(f"{n}: {g:.10g}" for n, g in zip(names, grand, strict=True))
        raise DataError(
            f"the margins do not add up to the same population total ({listing}); raking "
            "cannot satisfy all of them. Use margins from the same source or rescale them, or "
            "raise margin_rtol= if the gap is rounding"
        )
    eps = tol * float(base.sum()) if tol < 1 else float(tol)
    res = _k.rake_weights(codes, pops, base, np.arange(n_cells), n_cells, max_iter, eps)
    report = ConvergenceReport("rake", res.iterations, res.max_change, res.converged)
    if not res.converged:
        raise ConvergenceError(
            f"raking on {list(names)} did not converge in {max_iter} sweeps (largest change of a "
            f"cell {res.max_change:.4g}, tol {eps:.4g}); increase max_iter, loosen tol, "
            "or collapse sparse levels"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(base > 0, res.weights / base, 1.0)
        margin_factors = np.array([np.where(base > 0, mw / base, 1.0) for mw in res.margin_weights])
    cells = Cells("rake", names, maps, joint_keys, factor, np.zeros(n_cells, dtype=np.int64),
                  np.array(codes), margin_factors, base, rows, report,
                  populations=tuple(pops), sweeps=res.iterations + 1)  # fmt: skip
    return _calibrated(design, cells)


def residual_totals(
    design: DistributedDesign, pas: Pass, weighted: np.ndarray, unweighted: np.ndarray | None
) -> np.ndarray:
    """PSU totals of calibration residuals of weighted scores (R ``svyrecvar``'s postStrata).

    Parameters
    ----------
    pas : Pass
        The estimator pass (weights of every (PSU, cell) bin, domains included).
    weighted : ndarray, shape (n_psu, n_cell, D, k)
        Sums of ``w * score`` inside the domains.
    unweighted : ndarray or None, shape (n_psu, n_cell, D + 1, k)
        Sums of ``score`` (raking).

    Returns
    -------
    ndarray, shape (n_psu, D, k)
    """
    cells: Cells = design.calibration  # type: ignore[assignment]
    psu_totals = weighted.sum(axis=1)
    cell_totals = weighted.sum(axis=0)  # (n_cell, D, k)
    calibrated = pas.weights.sum(axis=2)  # (n_psu, n_cell): every row, in or out of domains
    if cells.kind == "poststratify":
        n_groups = int(cells.group.max()) + 1
        g = np.zeros(n_groups)
        base = np.bincount(cells.group, weights=cells.base_totals, minlength=n_groups)
        new = np.bincount(cells.group, weights=cells.base_totals * cells.factor, minlength=n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(base > 0, new / base, 0.0)
        z = np.zeros((n_groups, *cell_totals.shape[1:]))
        np.add.at(z, cells.group, cell_totals)
        with np.errstate(divide="ignore", invalid="ignore"):
            means = np.where(base[:, None, None] > 0, z / (g * base)[:, None, None], 0.0)
        psw = calibrated + pas.zero.sum(axis=2)  # R: psw = 1 where old and new weights are 0
        return np.asarray(psu_totals - np.einsum("pc,cdk->pdk", psw, means[cells.group]))
    assert unweighted is not None
    n_dom = weighted.shape[2]
    u = unweighted[:, :, :n_dom, :].sum(axis=0) * cells.factor[:, None, None]  # (n_cell, D, k)
    base_psu = calibrated / cells.factor[None, :]
    n_j = cells.rows
    constant = np.zeros_like(u)
    for _ in range(10):
        for m in range(cells.margin_codes.shape[0]):
            code, a = cells.margin_codes[m], cells.margin_factors[m]
            n_levels = int(code.max()) + 1
            part = (u - n_j[:, None, None] * constant) / a[:, None, None]
            level_sums = np.zeros((n_levels, *u.shape[1:]))
            np.add.at(level_sums, code, part)
            count = np.bincount(code, weights=n_j, minlength=n_levels)
            means = level_sums / np.where(count > 0, count, 1.0)[:, None, None]
            constant = constant + a[:, None, None] * means[code]
    return np.asarray(psu_totals - np.einsum("pc,cdk->pdk", base_psu, constant))

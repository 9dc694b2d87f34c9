"""Replicate weights of a post-stratified or raked dask design, per (PSU, cell) unit.

R re-calibrates every replicate of a calibrated replicate design. Every row of a joint
calibration cell within a PSU (a *unit*) shares its replicate factor, so, as in memory
(``calibration._recalibrate_cells``), the calibration is re-run on the small
``(cells, R)`` table of replicate start totals ``T[c, r] = sum_psu M[c, psu] F[psu, r]``
(``M``: base-weight totals per cell and PSU, one pass of partition sums) and the
design keeps, besides the PSU factors ``F``, one adjustment per cell and replicate:
a row's replicate weight is its calibrated weight times ``F[psu, r] A[cell, r]``.
Replicate totals are then ``sum_u F[psu_u, r] A[cell_u, r] S_u`` over the units'
calibrated sums ``S_u`` that every estimator's pass already returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
import scipy.sparse

from govstats.design import _calibrate as _k
from govstats.design import _replicates as _rk
from govstats.design._dask_run import run_partitions

if TYPE_CHECKING:
    from govstats.design._dask_calibration import Cells
    from govstats.design._psu_table import Layout
    from govstats.design.distributed import DistributedDesign

__all__ = ["CellReplicates", "Units", "calibration_units", "recalibrate"]


@dataclass(frozen=True)
class Units:
    """The (PSU, calibration cell) pairs with rows: the bins of calibrated estimators.

    Attributes
    ----------
    unit_psu, unit_cell : ndarray of int64, shape (U,)
        PSU and joint cell of every unit, sorted by ``cell * n_psu + psu``.
    n_psu : int
        PSUs of the design.
    base : ndarray, shape (U,)
        Base-weight total of every unit.
    """

    unit_psu: np.ndarray
    unit_cell: np.ndarray
    n_psu: int
    base: np.ndarray

    @property
    def n_units(self) -> int:
        """Number of (PSU, cell) units."""
        return int(self.unit_psu.shape[0])

    def index(self, psu: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """Return the unit of every row (every row's pair is a unit)."""
        keys = self.unit_cell * self.n_psu + self.unit_psu  # sorted, as built
        found = np.searchsorted(keys, cell * self.n_psu + psu)
        return np.asarray(np.minimum(found, self.n_units - 1), dtype=np.int64)

    def to_psu(self, values: np.ndarray, axis: int = 0) -> np.ndarray:
        """Add per-unit values (units on ``axis``) up to the PSUs."""
        moved = np.moveaxis(values, axis, 0)
        out = np.zeros((self.n_psu, *moved.shape[1:]))
        np.add.at(out, self.unit_psu, moved)
        return np.moveaxis(out, 0, axis)

    def dense(self, values: np.ndarray, n_cells: int) -> np.ndarray:
        """Per-unit values ``(U, ...)`` as a dense ``(n_psu, n_cells, ...)`` array."""
        out = np.zeros((self.n_psu, n_cells, *values.shape[1:]))
        out[self.unit_psu, self.unit_cell] = values
        return out


@dataclass(frozen=True)
class CellReplicates(Units):
    """Re-calibration of every replicate, per joint cell.

    Attributes
    ----------
    adjust : ndarray, shape (n_cells, R)
        Replicate re-calibration over the full-sample calibration in every cell.
    """

    adjust: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def unit_factors(self, psu_factors: np.ndarray) -> np.ndarray:
        """(U, R) replicate factors of the units: ``F[psu_u] * A[cell_u]``."""
        return np.asarray(psu_factors[self.unit_psu] * self.adjust[self.unit_cell])

    def totals(self, psu_factors: np.ndarray, per_cell: np.ndarray) -> np.ndarray:
        """(R, m) replicate totals from ``(n_psu, n_cells, m)`` calibrated sums."""
        sums = per_cell[self.unit_psu, self.unit_cell]
        return np.asarray(self.unit_factors(psu_factors).T @ sums)


def _unit_part(
    part: pd.DataFrame,
    number: int,
    layout: Layout,
    psu_strata: np.ndarray,
    cells: Cells,
    n_psu: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Base-weight total of every (cell, PSU) pair with rows in one partition."""
    psu = layout.psu_codes(part)
    w = np.asarray(layout.base_weights(part, psu, psu_strata), dtype=np.float64)
    keys, inverse = np.unique(cells.codes(part) * n_psu + psu, return_inverse=True)
    return keys, np.bincount(inverse.reshape(-1), weights=w, minlength=keys.shape[0])


def _add_units(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.concatenate([k for k, _ in parts])
    sums = np.concatenate([s for _, s in parts])
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse.reshape(-1), weights=sums, minlength=unique.shape[0])


def calibration_units(design: DistributedDesign) -> Units:
    """Every (PSU, joint cell) pair with rows and its base-weight total: one pass."""
    cells = cast("Cells", design.calibration)
    table = design.table
    assert cells is not None and table is not None
    n_psu = design.n_psu
    keys, base = run_partitions(
        design.data, _unit_part, table.layout, table.psu_strata, cells, n_psu,
        combine=_add_units, columns=[*table.layout.columns, *cells.variables],
    )  # fmt: skip
    unit_cell, unit_psu = np.divmod(keys, n_psu)
    return Units(unit_psu, unit_cell, n_psu, base)


def recalibrate(design: DistributedDesign) -> DistributedDesign:
    """Give a calibrated dask design with PSU replicate factors its re-calibrated replicates.

    One pass for the base-weight totals per (cell, PSU); the steps (post-stratification,
    or raking with the sweeps of the full sample) are re-run on the ``(cells, R)`` table.
    The replicate degrees of freedom become the rank of the new replicate factors over
    the units, as R's ``degf()`` after ``postStratify``/``rake`` of a replicate design.
    """
    cells = cast("Cells", design.calibration)  # the caller attached post-strata or raking cells
    reps = design.replicates
    table = design.table
    assert cells is not None and reps is not None and table is not None
    assert reps.psu_factors is not None
    n_psu = design.n_psu
    found = calibration_units(design)
    unit_psu, unit_cell, base = found.unit_psu, found.unit_cell, found.base
    start_by_psu = scipy.sparse.csr_matrix(
        (base, (unit_cell, unit_psu)), shape=(cells.n_cells, n_psu)
    )
    start = np.asarray(start_by_psu @ reps.psu_factors)  # (n_cells, R)
    if cells.kind == "poststratify":
        calibrated = _k.poststratify_weights(cells.group, start, cells.populations[0])
    else:
        margins = list(cells.margin_codes)
        calibrated = _k.rake_sweeps(margins, cells.populations, start, cells.sweeps)
    with np.errstate(divide="ignore", invalid="ignore"):
        # the replicate's calibration over the full sample's (factor = final / base weight)
        adjust = np.where(start > 0, calibrated / start, 0.0) / cells.factor[:, None]
    units = CellReplicates(unit_psu, unit_cell, n_psu, base, adjust)
    # R's degf(): the rank over the units that keep a row of positive weight
    keep = base > 0
    df = _rk.product_rank_df(reps.psu_factors, adjust, unit_psu[keep], unit_cell[keep])
    return design._new(calibration=replace(cells, replicate=units), replicates=replace(reps, df=df))

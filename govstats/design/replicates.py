"""Replicate-weight designs: JK1, JKn, BRR, Fay, Rao–Wu bootstrap and user-supplied weights.

A replicate design is a :class:`~govstats.design.SurveyDesign` whose ``replicates``
attribute holds a :class:`Replicates`. Replicates are stored as factors per PSU
(``psu_factors``, shape ``(n_psu, R)``), so a design with a million rows and 200
replicates keeps a few megabytes, never an ``n x R`` weight matrix. Post-stratified and
raked designs re-calibrate every replicate on the table of joint calibration cells and
add one adjustment per cell (``cell_factors``, shape ``(n_cells, R)``): the replicate
weight of row ``i`` is ``w_i * cell_psu_factors[psu_i, r] * cell_factors[cell_i, r]``
(``psu_factors`` is None for them; ``Replicates.factors`` gives either). Code
that needs replicate totals sums its values per *unit* (``unit_index``: a PSU, or a PSU
within a calibration cell) and calls :meth:`Replicates.replicate_totals`. Only
GREG-calibrated replicates (or weights supplied by a data producer) carry explicit
``row_weights``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from govstats.design import _replicates as _k
from govstats.design.calibration import recalibrate_replicates
from govstats.design.inference import (
    DEFAULT_REPLICATES,
    SeedLike,
    check_replicates,
    replicate_vcov,
    resolve_seed,
)
from govstats.errors import DataError, DesignError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign

__all__ = ["Replicates", "to_replicates", "user_replicates"]

_METHODS = ("jk1", "jkn", "brr", "fay", "bootstrap", "user")


@dataclass(frozen=True, eq=False)
class Replicates:
    """Replicate weights of a design and the constants of their variance formula.

    Attributes
    ----------
    method : str
        ``"jk1"``, ``"jkn"``, ``"brr"``, ``"fay"``, ``"bootstrap"`` or ``"user"``.
    scale : float
        Overall constant of the replicate variance.
    rscales : ndarray, shape (R,)
        Per-replicate constants.
    mse : bool
        Centre the squared deviations on the full-sample estimate (True) or on the
        mean of the replicate estimates (False, R's default).
    psu_index : ndarray of int64, shape (n,)
        First-stage PSU of every row (the design's coding).
    psu_factors : ndarray, shape (n_psu, R), or None
        Multiplier of the full-sample weight of every row in that PSU.
    row_weights : ndarray, shape (n, R), or None
        Explicit replicate weights (user-supplied or re-calibrated); used instead of
        ``psu_factors`` when set.
    seed : int or None
        Seed actually used by a bootstrap (None for deterministic methods).
    df : int
        Degrees of freedom as R ``degf()``: rank of the replicate weights minus one.
    cell_index : ndarray of int64, shape (n,), or None
        Joint calibration cell of every row (post-stratified or raked designs).
    cell_factors : ndarray, shape (n_cells, R), or None
        Replicate re-calibration of every cell relative to the full sample: a further
        multiplier of the weights of that cell's rows.
    cell_psu_factors : ndarray, shape (n_psu, R), or None
        The PSU factors that ``cell_factors`` multiply (``psu_factors`` is then None,
        so that code which knows only PSU factors cannot ignore the cells).

    Notes
    -----
    ``var(theta) = scale * sum_r rscales[r] (theta_r - c)(theta_r - c)^T`` with
    ``c`` the mean of the replicate estimates, or the full-sample estimate when
    ``mse=True`` (R ``svrVar``).
    """

    method: str
    scale: float
    rscales: np.ndarray
    mse: bool
    psu_index: np.ndarray
    psu_factors: np.ndarray | None
    row_weights: np.ndarray | None
    seed: int | None
    df: int
    cell_index: np.ndarray | None = None
    cell_factors: np.ndarray | None = None
    cell_psu_factors: np.ndarray | None = None

    @property
    def n_replicates(self) -> int:
        """Number of replicates ``R``."""
        return int(self.rscales.shape[0])

    @property
    def factors(self) -> np.ndarray | None:
        """(n_psu, R) PSU factors: ``psu_factors``, or those the cell adjustments multiply.

        None for explicit row weights. Code that only knows ``psu_factors`` sees None
        for re-calibrated replicates and must go through :meth:`weighted_totals`,
        :meth:`weight_chunks` or :meth:`replicate_totals`, which apply the cells.
        """
        return self.psu_factors if self.psu_factors is not None else self.cell_psu_factors

    @cached_property
    def _units(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit of every row, and the PSU and cell of every unit (PSU x calibration cell)."""
        assert self.factors is not None
        if self.cell_index is None or self.cell_factors is None:
            n_psu = self.factors.shape[0]
            return self.psu_index, np.arange(n_psu), np.zeros(n_psu, dtype=np.int64)
        n_cells = self.cell_factors.shape[0]
        unit, values = _k.dense_codes(self.psu_index * n_cells + self.cell_index)
        return unit, values // n_cells, values % n_cells

    @property
    def unit_index(self) -> np.ndarray:
        """(n,) unit of every row: its PSU, or its PSU within its calibration cell.

        Replicate weights are constant multiples of the full-sample weights within a
        unit, so per-unit totals and :meth:`replicate_totals` give every replicate total.
        """
        return self._units[0]

    @property
    def n_units(self) -> int:
        """Number of units (see :attr:`unit_index`)."""
        return int(self._units[1].shape[0])

    def replicate_totals(self, unit_totals: np.ndarray) -> np.ndarray:
        """(n_units, k) per-unit weighted totals -> (R, k) totals under every replicate.

        ``sum_u F[psu_u, r] C[cell_u, r] T_u``: with PSU factors alone one product
        ``F' T``; with cell factors, one product per calibration cell over its units,
        so no (units x R) matrix is formed.
        """
        assert self.factors is not None
        totals = np.asarray(unit_totals, dtype=float)
        if self.cell_index is None or self.cell_factors is None:
            return np.asarray(self.factors.T @ totals)
        _, unit_psu, unit_cell = self._units
        out = np.zeros((self.n_replicates, totals.shape[1]))
        order = np.argsort(unit_cell, kind="stable")
        bounds = np.searchsorted(unit_cell[order], np.arange(self.cell_factors.shape[0] + 1))
        for c in range(self.cell_factors.shape[0]):
            members = order[bounds[c] : bounds[c + 1]]
            if members.size:
                part = self.factors[unit_psu[members]].T @ totals[members]
                out += self.cell_factors[c][:, None] * part
        return out

    @cached_property
    def _cell_layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rows ordered by cell with bounds; units ordered by cell with bounds; unit ranks."""
        assert self.cell_index is not None and self.cell_factors is not None
        n_cells = self.cell_factors.shape[0]
        _, _, unit_cell = self._units
        keys = self.cell_index.astype(np.uint16) if n_cells <= 1 << 16 else self.cell_index
        rows = np.argsort(keys, kind="stable")
        row_bounds = np.searchsorted(self.cell_index[rows], np.arange(n_cells + 1))
        units = np.argsort(unit_cell, kind="stable")
        unit_bounds = np.searchsorted(unit_cell[units], np.arange(n_cells + 1))
        rank = np.empty(unit_cell.shape[0], dtype=np.int64)
        rank[units] = np.arange(units.shape[0]) - unit_bounds[unit_cell[units]]
        return rows, row_bounds, units, unit_bounds, rank

    def domain_replicate_totals(
        self, weighted_values: np.ndarray, domains: np.ndarray, n_domains: int
    ) -> np.ndarray:
        """(n, k) weighted row values and domain codes -> (R, n_domains * k) replicate totals.

        Domain-major columns (domain 0's k totals, then domain 1's, ...); rows with a
        negative domain code count nowhere. With cell factors the rows are taken one
        calibration cell at a time, so memory stays at one cell's (units x domains x k).
        """
        assert self.factors is not None
        vals = np.asarray(weighted_values, dtype=float)
        if vals.ndim == 1:
            vals = vals[:, None]
        k = vals.shape[1]
        out = np.zeros((self.n_replicates, n_domains * k))
        if self.cell_index is None or self.cell_factors is None:
            n_units = self.factors.shape[0]
            n_bins = n_units * n_domains
            key = np.where(domains >= 0, self.psu_index * n_domains + domains, n_bins)
            totals = np.empty((n_bins, k))
            for j in range(k):
                totals[:, j] = np.bincount(key, weights=vals[:, j], minlength=n_bins + 1)[:-1]
            return np.asarray(self.factors.T @ totals.reshape(n_units, n_domains * k))
        unit, unit_psu, _ = self._units
        rows, row_bounds, units, unit_bounds, rank = self._cell_layout
        for c in range(self.cell_factors.shape[0]):
            members = rows[row_bounds[c] : row_bounds[c + 1]]
            if members.size == 0:
                continue
            cell_units = units[unit_bounds[c] : unit_bounds[c + 1]]
            m = cell_units.shape[0]
            dom = domains[members]
            key = np.where(dom >= 0, rank[unit[members]] * n_domains + dom, m * n_domains)
            totals = np.empty((m * n_domains, k))
            for j in range(k):
                totals[:, j] = np.bincount(
                    key, weights=vals[members, j], minlength=m * n_domains + 1
                )[:-1]
            part = self.factors[unit_psu[cell_units]].T @ totals.reshape(m, n_domains * k)
            out += self.cell_factors[c][:, None] * part
        return out

    def unit_factor_chunks(self, chunk: int) -> Iterator[np.ndarray]:
        """Yield (n_units, c) factors of consecutive replicates (for refitting kernels)."""
        assert self.factors is not None
        _, unit_psu, unit_cell = self._units
        for start in range(0, self.n_replicates, chunk):
            sl = slice(start, min(start + chunk, self.n_replicates))
            block = self.factors[unit_psu, sl]
            if self.cell_factors is not None:
                block = block * self.cell_factors[unit_cell, sl]
            yield block

    def __repr__(self) -> str:
        kind = (
            "row weights"
            if self.row_weights is not None
            else "PSU factors" + (" x cell factors" if self.cell_factors is not None else "")
        )
        return (
            f"Replicates(method={self.method!r}, R={self.n_replicates}, scale={self.scale:.6g}, "
            f"mse={self.mse}, df={self.df}, {kind})"
        )

    def _row_mask(self, base_weights: np.ndarray) -> np.ndarray:
        # explicit replicate weights know nothing of a domain: rows the estimator has
        # zero-weighted (outside a subset) are zeroed in every replicate, as R's
        # subset() of a replicate design drops them
        return np.asarray(np.asarray(base_weights) != 0, dtype=np.float64)

    def weighted_totals(self, base_weights: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Column totals of ``values`` under every replicate weight.

        Parameters
        ----------
        base_weights : ndarray, shape (n,)
            Current analysis weights (zero outside a domain).
        values : ndarray, shape (n,) or (n, p)

        Returns
        -------
        ndarray, shape (R,) or (R, p)
            With PSU factors: per-PSU totals once, then one matrix product
            ``F^T @ T_psu``; no ``(n, R)`` matrix is formed.
        """
        vals = np.asarray(values, dtype=float)
        one_d = vals.ndim == 1
        if one_d:
            vals = vals[:, None]
        w = np.asarray(base_weights, dtype=float)
        if self.row_weights is not None:
            out = self.row_weights.T @ (vals * self._row_mask(w)[:, None])
        else:
            totals = _k.psu_totals(self.unit_index, self.n_units, vals * w[:, None])
            out = self.replicate_totals(totals)
        return np.asarray(out[:, 0] if one_d else out)

    def weight_chunks(
        self, base_weights: np.ndarray, chunk: int = 64
    ) -> Iterator[tuple[slice, np.ndarray]]:
        """Yield ``(replicate slice, (n, c) replicate weights)`` for estimators that refit.

        Examples
        --------
        >>> import numpy as np
        >>> reps = Replicates("jk1", 0.5, np.ones(2), False, np.array([0, 0, 1]),
        ...                   np.array([[0.0, 2.0], [2.0, 0.0]]), None, None, 1)
        >>> [w.tolist() for _, w in reps.weight_chunks(np.array([1.0, 2.0, 3.0]))]
        [[[0.0, 2.0], [0.0, 4.0], [6.0, 0.0]]]
        """
        w = np.asarray(base_weights, dtype=float)
        mask = self._row_mask(w)
        for start in range(0, self.n_replicates, chunk):
            sl = slice(start, min(start + chunk, self.n_replicates))
            if self.row_weights is not None:
                yield sl, self.row_weights[:, sl] * mask[:, None]
            else:
                assert self.factors is not None
                block = w[:, None] * self.factors[self.psu_index, sl]
                if self.cell_index is not None and self.cell_factors is not None:
                    block *= self.cell_factors[self.cell_index, sl]
                yield sl, block

    def vcov(self, replicate_estimates: np.ndarray, full_estimate: np.ndarray) -> np.ndarray:
        """(R, p), (p,) -> (p, p) replicate covariance (see Notes of the class)."""
        return replicate_vcov(
            replicate_estimates, full_estimate, self.scale, self.rscales, self.mse
        )

    def domain_df(self, base_weights: np.ndarray) -> int:
        """R ``degf`` of the design restricted to rows with non-zero ``base_weights``.

        R drops the rows outside a domain and recomputes the rank of the remaining
        replicate weights; with PSU factors that is the rank of the factors of the PSUs
        that keep a row.
        """
        active = np.asarray(base_weights) != 0
        if self.factors is not None:
            units = np.flatnonzero(np.bincount(self.unit_index[active], minlength=self.n_units))
            if units.shape[0] == self.n_units:
                return self.df
            if self.cell_factors is None:
                return _k.rank_df(self.factors[units])
            _, unit_psu, unit_cell = self._units
            return _k.product_rank_df(
                self.factors, self.cell_factors, unit_psu[units], unit_cell[units]
            )
        assert self.row_weights is not None
        if active.all():
            return self.df
        return _k.rank_df(self.row_weights[active])

    def reweighted(
        self,
        base_weights: np.ndarray,
        adjust: Callable[[np.ndarray], np.ndarray],
        chunk: int = 64,
    ) -> Replicates:
        """Replicates whose weights are re-adjusted in every replicate, as explicit row weights.

        For weights that are estimated from the sample (propensity weights,
        non-response adjustments): ``adjust`` maps an ``(n, c)`` block of replicate
        weights to the adjusted block, so the estimation is repeated per replicate
        and its uncertainty enters the replicate variance (as calibration does with
        :func:`~govstats.design.calibration.recalibrate_replicates`). The variance
        constants and df are kept.

        Examples
        --------
        >>> import numpy as np
        >>> reps = Replicates("jk1", 0.5, np.ones(2), False, np.array([0, 1]),
        ...                   np.array([[0.0, 2.0], [2.0, 0.0]]), None, None, 1)
        >>> reps.reweighted(np.array([1.0, 1.0]), lambda w: 3 * w).row_weights.tolist()
        [[0.0, 6.0], [6.0, 0.0]]
        """
        blocks = [
            np.asarray(adjust(w), dtype=float) for _, w in self.weight_chunks(base_weights, chunk)
        ]
        return replace(self, psu_factors=None, row_weights=np.hstack(blocks))

    def full_row_weights(self, base_weights: np.ndarray) -> np.ndarray:
        """(n, R) replicate weights; materialises the matrix (small designs, tests)."""
        return np.hstack([w for _, w in self.weight_chunks(base_weights, self.n_replicates)])


def _psu_structure(design: SurveyDesign) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """PSU strata codes, first-appearance ranks, stratum labels and first row of every PSU."""
    psu_index = np.asarray(design.psu_index, dtype=np.int64)
    strata_index = np.asarray(design.strata_index, dtype=np.int64)
    n_psu = int(design.n_psu)
    first_row = np.full(n_psu, psu_index.shape[0], dtype=np.int64)
    np.minimum.at(first_row, psu_index, np.arange(psu_index.shape[0]))
    psu_order = np.empty(n_psu, dtype=np.int64)
    psu_order[np.argsort(first_row, kind="stable")] = np.arange(n_psu)
    psu_strata = strata_index[first_row]
    n_strata = int(strata_index.max()) + 1 if strata_index.size else 1
    labels = [str(h) for h in range(n_strata)]
    if design.strata is not None:
        col = design.data[design.strata].to_numpy()
        first_of_stratum = np.full(n_strata, psu_index.shape[0], dtype=np.int64)
        np.minimum.at(first_of_stratum, strata_index, np.arange(strata_index.shape[0]))
        for h in range(n_strata):
            if first_of_stratum[h] < psu_index.shape[0]:
                labels[h] = str(col[first_of_stratum[h]])
    return psu_strata, psu_order, labels, first_row


def _first_stage_fraction(
    design: SurveyDesign, psu_strata: np.ndarray, first_row: np.ndarray, n_strata: int
) -> np.ndarray:
    """Return the first-stage sampling fraction ``f_h`` per stratum code (0 without fpc)."""
    fractions = np.zeros(n_strata)
    fpc = design.fpc
    if fpc is None or (not isinstance(fpc, str) and len(fpc) == 0):
        return fractions
    column = fpc if isinstance(fpc, str) else fpc[0]
    values = pd.to_numeric(design.data[column], errors="coerce").to_numpy(dtype=float)
    n_h = np.bincount(psu_strata, minlength=n_strata)
    for h in range(n_strata):
        rows = first_row[psu_strata == h]
        if rows.size == 0:
            continue
        vals = np.unique(values[rows])
        if vals.size != 1 or not np.isfinite(vals[0]):
            raise DataError(
                f"fpc column {column!r} must hold one finite value per stratum; stratum "
                f"code {h} has {vals.tolist()[:5]}"
            )
        v = float(vals[0])
        fractions[h] = n_h[h] / v if v > 1 else v
    return fractions


# Above this many PSUs and replicates the bootstrap rank is taken from its structure.
_SVD_RANK_LIMIT = 400


def _replicate_df(method: str, fs: _k.FactorSet, psu_strata: np.ndarray) -> int:
    """R ``degf``: rank of the replicate weights minus one.

    Large jackknives (thousands of PSUs) use the known rank instead of an SVD of an
    ``n_psu x n_psu`` matrix: JK1 has full rank; in JKn the replicates of each stratum
    add up to the same vector, so the rank is ``R - (strata with replicates) + 1``.
    Large Rao–Wu bootstraps likewise: every replicate's factors in stratum ``h`` sum to
    ``n_h``, so the replicates span at most ``n_psu - H + 1`` dimensions, and independent
    draws span all of them (or all ``R``), which the SVD would take seconds to confirm.
    """
    n_rep = fs.factors.shape[1]
    if method == "bootstrap" and min(fs.factors.shape) > _SVD_RANK_LIMIT:
        n_strata = np.unique(psu_strata).shape[0]
        return int(min(n_rep, fs.factors.shape[0] - n_strata + 1) - 1)
    if fs.factors.size <= 4_000_000 or method not in ("jk1", "jkn"):
        return _k.rank_df(fs.factors)
    if method == "jk1":
        return int(n_rep) - 1
    deleted = np.argmin(fs.factors, axis=0)
    return int(n_rep - np.unique(psu_strata[deleted]).shape[0])


def to_replicates(
    design: SurveyDesign,
    method: str = "bootstrap",
    replicates: int = DEFAULT_REPLICATES,
    *,
    seed: SeedLike = None,
    fay_rho: float = 0.0,
    mse: bool = False,
) -> SurveyDesign:
    """Turn a design into a replicate-weight design, as R ``as.svrepdesign``.

    Parameters
    ----------
    design : SurveyDesign
        A linearization design (possibly calibrated).
    method : {"jk1", "jkn", "brr", "fay", "bootstrap"}
        JK1 for unstratified designs; JKn (stratified jackknife); BRR or Fay (two
        PSUs per stratum; Fay with ``fay_rho``); Rao–Wu rescaled bootstrap.
    replicates : int, default 1000
        Number of bootstrap replicates (R's ``as.svrepdesign`` makes 50, enough for
        standard errors only). Ignored by the other methods.
    seed : int, numpy.random.Generator or None, keyword-only
        Seed of the bootstrap; ``None`` draws fresh entropy. The seed used is
        recorded in ``design.replicates.seed`` (and in every result's ``seed``).
    fay_rho : float
        Fay's coefficient (``method="fay"``; ``"brr"`` with ``fay_rho > 0`` is Fay).
    mse : bool
        Centre the variance on the full-sample estimate.

    Returns
    -------
    SurveyDesign
        The same rows and analysis weights with ``replicates`` set. A calibrated
        design is re-calibrated in every replicate, so the replicate variance
        reflects the calibration (R: ``calibrate``/``postStratify``/``rake`` applied
        to the replicate design).

    Notes
    -----
    As R, only the first-stage fpc enters (JK1: ``scale = (1-f)(n-1)/n``; JKn:
    ``rscales = (1-f_h)(n_h-1)/n_h``); BRR, Fay and the bootstrap ignore the fpc.

    References
    ----------
    Rao, J.N.K. and Wu, C.F.J. (1988) Resampling inference with complex survey data.
    JASA 83, 231-241. R: ``as.svrepdesign(design, type=...)``, ``subbootweights``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "h": [1, 1, 2, 2], "w": [2.0] * 4})
    >>> rep = to_replicates(SurveyDesign(df, weights="w", strata="h"), "jkn")
    >>> rep.replicates.n_replicates
    4
    """
    method = method.lower()
    if method not in _METHODS[:-1]:
        raise DesignError(f"unknown replicate method {method!r}; choose one of {_METHODS[:-1]}")
    if design.replicates is not None:
        raise DesignError(
            "the design already has replicate weights; build replicates from the original design"
        )
    psu_strata, psu_order, labels, first_row = _psu_structure(design)
    n_strata = len(labels)
    reps = psu_replicates(
        method,
        psu_strata,
        psu_order,
        labels,
        lambda: _first_stage_fraction(design, psu_strata, first_row, n_strata),
        np.asarray(design.psu_index, dtype=np.int64),
        strata=design.strata,
        lonely_psu=design.lonely_psu,
        replicates=replicates,
        seed=seed,
        fay_rho=fay_rho,
        mse=mse,
    )
    if np.any(design.weights_array == 0):
        reps = replace(reps, df=reps.domain_df(design.weights_array))
    if design.calibration is not None:
        reps = recalibrate_replicates(design, reps)
    return design.with_weights(
        design.weights_array, calibration=design.calibration, replicates=reps
    )


def user_replicates(
    base: SurveyDesign,
    replicate_weights: Sequence[str] | np.ndarray,
    *,
    method: str = "user",
    scale: float,
    rscales: Sequence[float] | np.ndarray | None = None,
    mse: bool = False,
) -> Replicates:
    """Validate replicate weights supplied by a data producer (R ``svrepdesign``).

    The design is built by :meth:`SurveyDesign.from_replicate_weights`, which
    documents the arguments; this function checks them and returns the
    :class:`Replicates` (explicit ``row_weights`` of shape ``(n, R)``).
    """
    data = base.data
    method = method.lower()
    if method not in _METHODS:
        raise DesignError(f"unknown replicate method {method!r}; choose one of {_METHODS}")
    if isinstance(replicate_weights, np.ndarray):
        matrix = np.asarray(replicate_weights, dtype=float)
    else:
        cols = list(replicate_weights)
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise DataError(
                f"replicate weight columns {missing} are not in the data; check the names"
            )
        matrix = data[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != len(data) or matrix.shape[1] < 2:
        raise DataError(
            f"replicate weights must be an (n, R) matrix with n = {len(data)} rows and R >= 2; "
            f"got shape {matrix.shape}"
        )
    if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        bad = np.flatnonzero(~np.isfinite(matrix).all(axis=1) | (matrix < 0).any(axis=1))
        raise DataError(f"replicate weights are missing or negative in rows {bad[:10].tolist()}")
    n_rep = matrix.shape[1]
    rs = np.ones(n_rep) if rscales is None else np.asarray(rscales, dtype=float)
    if rs.shape != (n_rep,):
        raise DataError(f"rscales has {rs.shape[0]} values for {n_rep} replicates")
    if not np.isfinite(scale) or scale <= 0:
        raise DataError(f"scale must be a positive number; got {scale}")
    return Replicates(
        method=method,
        scale=float(scale),
        rscales=rs,
        mse=bool(mse),
        psu_index=np.asarray(base.psu_index, dtype=np.int64),
        psu_factors=None,
        row_weights=matrix,
        seed=None,
        df=_k.rank_df(matrix),
    )


def psu_replicates(
    method: str,
    psu_strata: np.ndarray,
    psu_order: np.ndarray,
    labels: list[str],
    fractions: Callable[[], np.ndarray],
    psu_index: np.ndarray,
    *,
    strata: str | None,
    lonely_psu: str,
    replicates: int,
    seed: SeedLike,
    fay_rho: float,
    mse: bool,
) -> Replicates:
    """Replicates from factors of every PSU for ``method`` (``psu_index``: PSU of every row).

    Shared by in-memory and partitioned designs: both describe their PSUs by stratum
    code, first-appearance order and stratum labels; ``fractions`` gives the
    first-stage sampling fraction per stratum (called for the jackknives only).
    """
    rng_seed: int | None = None
    if method == "jk1":
        if strata is not None and len(set(psu_strata.tolist())) > 1:
            raise DesignError(
                f"JK1 is for unstratified designs; this one is stratified by {strata!r}. "
                "Use method='jkn'"
            )
        fs = _k.jk1_factors(psu_order, float(fractions()[psu_strata[0]]))
    elif method == "jkn":
        fs = _k.jkn_factors(psu_strata, psu_order, fractions(), labels, lonely_psu)
    elif method in ("brr", "fay"):
        if strata is None:
            raise DesignError(
                "BRR and Fay need a stratified design with two PSUs per stratum; "
                "use jk1 or bootstrap"
            )
        fs = _k.brr_factors(psu_strata, psu_order, labels, fay_rho)
        method = "fay" if fay_rho > 0 else "brr"
    else:
        n_rep = check_replicates(replicates)
        rng_seed, _ = resolve_seed(seed)
        fs = _k.rao_wu_factors(psu_strata, labels, n_rep, rng_seed, lonely_psu)
    return Replicates(
        method=method,
        scale=fs.scale,
        rscales=fs.rscales,
        mse=bool(mse),
        psu_index=psu_index,
        psu_factors=fs.factors,
        row_weights=None,
        seed=rng_seed,
        df=_replicate_df(method, fs, psu_strata),
    )

"""Array kernels for calibration: post-stratification, raking, GREG / bounded calibration.

Weights may be one vector ``(n,)`` or a block of replicate weights ``(n, c)``; every
kernel that re-weights works column by column on the block, so replicates are
re-calibrated exactly as the full sample is. The residualisation kernels reproduce
the ``postStrata`` branch of R ``survey::svyrecvar``.

Notation (Deville and Särndal 1992): ``d`` design weights, ``x`` calibration
variables (model matrix rows), ``X`` population totals, ``g`` the calibration factor
(new weight ``w = d g``), ``F`` the calibration function (``g = F(x'eta)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.linalg

from govstats.errors import ConvergenceError

__all__ = [
    "JointCells",
    "RakeResult",
    "cell_totals",
    "grake",
    "linear_greg",
    "poststratify_weights",
    "qr_basis",
    "rake_weights",
    "resid_greg",
    "resid_poststrat",
    "resid_raking",
    "resid_raking_cells",
]


def cell_totals(codes: np.ndarray, n_cells: int, weights: np.ndarray) -> np.ndarray:
    """(n,), (n,) or (n, c) -> (n_cells,) or (n_cells, c) weighted counts per cell."""
    if weights.ndim == 1:
        return np.bincount(codes, weights=weights, minlength=n_cells)
    out = np.empty((n_cells, weights.shape[1]))
    for j in range(weights.shape[1]):
        out[:, j] = np.bincount(codes, weights=weights[:, j], minlength=n_cells)
    return out


def poststratify_weights(
    codes: np.ndarray, weights: np.ndarray, population: np.ndarray
) -> np.ndarray:
    """Scale the weights of every cell so that they add up to its population count.

    ``w_i <- w_i * N_c / sum_{j in c} w_j`` (R ``postStratify``). Works on a vector
    or on an ``(n, c)`` block of replicate weights (each column on its own).
    """
    totals = cell_totals(codes, population.shape[0], weights)
    pop = population if weights.ndim == 1 else population[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(totals > 0, pop / totals, 0.0)
    return np.asarray(weights * ratio[codes])


@dataclass(frozen=True)
class RakeResult:
    """Outcome of iterative proportional fitting.

    Attributes
    ----------
    weights : ndarray, shape (n,)
        Raked weights.
    iterations : int
        Sweeps over all margins.
    max_change : float
        Largest absolute change of a cell of the joint weighted table in the last sweep.
    converged : bool
    joint : JointCells
        The joint cells and, per margin, the factor of every joint cell right after
        that margin's adjustment in the last sweep.
    cell_totals : ndarray, shape (n_joint,)
        Raked weight total of every joint cell (the margins achieved follow from it
        without another pass over the rows).
    """

    weights: np.ndarray
    iterations: int
    max_change: float
    converged: bool
    joint: JointCells
    cell_totals: np.ndarray

    @property
    def margin_weights(self) -> tuple[np.ndarray, ...]:
        """Weights right after each margin's adjustment in the last sweep (R's ``raking``)."""
        return self.joint.margin_weights()


@dataclass(frozen=True, eq=False)
class JointCells:
    """The cells of the cross-classification of all margins, and factors per cell.

    Attributes
    ----------
    codes : ndarray of int64, shape (n,)
        Joint cell of every row.
    margin_cells : tuple of ndarray of int64, each shape (n_joint,)
        Cell of margin ``m`` that every joint cell lies in.
    factors : tuple of ndarray, each shape (n_joint,)
        Calibration factor of every joint cell right after margin ``m``'s adjustment in
        the last sweep (the last one is the final factor).
    start : ndarray, shape (n,)
        The weights before raking (``margin_weights[m] = start * factors[m][codes]``).
    """

    codes: np.ndarray
    margin_cells: tuple[np.ndarray, ...]
    factors: tuple[np.ndarray, ...]
    start: np.ndarray

    @cached_property
    def counts(self) -> np.ndarray:
        """Rows in every joint cell (read by the variance only, so counted on demand)."""
        n_joint = self.factors[0].shape[0] if self.factors else int(self.codes.max()) + 1
        return np.bincount(self.codes, minlength=n_joint).astype(np.float64)

    @cached_property
    def first_margin_weights(self) -> np.ndarray:
        """Weights right after the first margin's adjustment (the variance divides by them)."""
        return np.asarray(self.start * self.factors[0][self.codes])

    def margin_weights(self) -> tuple[np.ndarray, ...]:
        """``start * factors[m][codes]`` for every margin ``m``: n-vectors, built on demand."""
        return tuple(self.start * f[self.codes] for f in self.factors)


def margin_cells_of_joint(
    margin_codes: Sequence[np.ndarray], joint_codes: np.ndarray, n_joint: int
) -> tuple[np.ndarray, ...]:
    """Cell of every margin for every joint cell (joint cells nest in margin cells)."""
    out = []
    for codes in margin_codes:
        cells = np.zeros(n_joint, dtype=np.int64)
        cells[joint_codes] = codes
        out.append(cells)
    return tuple(out)


def rake_weights(
    margin_codes: Sequence[np.ndarray],
    populations: Sequence[np.ndarray],
    weights: np.ndarray,
    joint_codes: np.ndarray,
    n_joint: int,
    max_iter: int,
    tol: float,
    margin_cells: Sequence[np.ndarray] | None = None,
) -> RakeResult:
    """Raking by iterative proportional fitting with R ``rake()``'s stopping rule.

    A sweep post-stratifies on every margin in turn; after each sweep the weighted
    joint table of all margin variables (cells ``joint_codes``) is compared with the
    one before, and the loop stops when the largest absolute change is below
    ``tol`` (already on the absolute scale) or after ``max_iter`` sweeps.

    Every row of a joint cell is multiplied by the same factors, so the sweeps run on
    the (n_joint,) table of weighted counts -- one pass over the rows to build it and
    one to apply the final factors -- instead of re-weighting every row at every step.
    ``margin_cells`` (the cell of every margin for every joint cell) is derived from
    the rows when not given.
    """
    w = np.asarray(weights, dtype=float)
    base: np.ndarray = np.bincount(joint_codes, weights=w, minlength=n_joint)
    cells = (
        margin_cells_of_joint(margin_codes, joint_codes, n_joint)
        if margin_cells is None
        else tuple(np.asarray(c, dtype=np.int64) for c in margin_cells)
    )
    factor = np.ones(n_joint)
    old: np.ndarray = base.copy()
    iterations = 0
    delta = np.inf
    after: list[np.ndarray] = []
    converged = False
    with np.errstate(divide="ignore", invalid="ignore"):
        while iterations < max_iter:
            after = []
            for cell, pop in zip(cells, populations, strict=True):
                totals = np.bincount(cell, weights=base * factor, minlength=pop.shape[0])
                ratio = np.where(totals > 0, pop / totals, 0.0)
                factor = factor * ratio[cell]
                after.append(factor)
            new = base * factor
            delta = float(np.max(np.abs(old - new)))
            if delta < tol:
                converged = True
                break
            old = new
            iterations += 1
    joint = JointCells(np.asarray(joint_codes, dtype=np.int64), cells, tuple(after), w)
    # the margin weights (n-vectors) of R's raking object are left to the variance
    final = w * factor[joint_codes]
    return RakeResult(final, iterations, delta, converged, joint, base * factor)


def rake_sweeps(
    margin_codes: Sequence[np.ndarray],
    populations: Sequence[np.ndarray],
    weights: np.ndarray,
    sweeps: int,
) -> np.ndarray:
    """Apply a fixed number of raking sweeps to an ``(n, c)`` block (replicates)."""
    w = weights.astype(float, copy=True)
    for _ in range(sweeps):
        for codes, pop in zip(margin_codes, populations, strict=True):
            w = poststratify_weights(codes, w, pop)
    return w


def _calfun(
    name: str, bounds: tuple[float, float]
) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """``F - 1`` and ``F'`` of R's linear, raking and logit calibration functions."""
    lo, hi = bounds
    if name == "linear":
        return (
            lambda u: np.minimum(np.maximum(u + 1.0, lo), hi) - 1.0,
            lambda u: ((u < hi - 1.0) & (u > lo - 1.0)).astype(float),
        )
    if name == "raking":
        return (
            lambda u: np.minimum(np.maximum(np.exp(u), lo), hi) - 1.0,
            lambda u: np.where((u < hi - 1.0) & (u > lo - 1.0), np.exp(u), 0.0),
        )
    a = (hi - lo) / ((hi - 1.0) * (1.0 - lo))

    def fm1(u: np.ndarray) -> np.ndarray:
        e = np.exp(a * u)
        return (lo * (hi - 1.0) + hi * (1.0 - lo) * e) / (hi - 1.0 + (1.0 - lo) * e) - 1.0

    def df(u: np.ndarray) -> np.ndarray:
        e = np.exp(a * u)
        den = hi - 1.0 + (1.0 - lo) * e
        return (
            hi * (1.0 - lo) * e * a / den
            - (lo * (hi - 1.0) + hi * (1.0 - lo) * e) * ((1.0 - lo) * e * a) / den**2
        )

    return fm1, df


def grake(
    mm: np.ndarray,
    weights: np.ndarray,
    calfun: str,
    bounds: tuple[float, float],
    population: np.ndarray,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int, float]:
    """Generalised raking (R ``grake``): Newton steps on ``eta`` with a pseudo-inverse.

    Returns ``(g, iterations, misfit)`` with ``misfit = max |X - sum d g x| / (1 + |X|)``.
    Raises :class:`ConvergenceError` after ``max_iter`` steps, which is also what
    unattainable bounds produce.
    """
    fm1, dfun = _calfun(calfun, bounds)
    sample_total = mm.T @ weights
    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    iteration = 1
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            tmat = (mm * (weights * dfun(xeta))[:, None]).T @ mm
            misfit = population - sample_total - mm.T @ (weights * fm1(xeta))
            if not (np.all(np.isfinite(tmat)) and np.all(np.isfinite(misfit))):
                raise ConvergenceError(
                    f"{calfun} calibration with bounds {bounds} diverged at iteration "
                    f"{iteration}; the totals may be unattainable within the bounds: widen "
                    "them or check the population totals"
                )
            eta = eta + np.linalg.pinv(tmat) @ misfit
            xeta = mm @ eta
            misfit = population - sample_total - mm.T @ (weights * fm1(xeta))
            rel = np.abs(misfit) / (1.0 + np.abs(population))
            worst = float(np.max(rel)) if np.all(np.isfinite(rel)) else np.inf
            if worst < tol:
                return 1.0 + fm1(xeta), iteration, worst
            iteration += 1
            if iteration > max_iter:
                raise ConvergenceError(
                    f"{calfun} calibration with bounds {bounds} did not converge in {max_iter} "
                    f"iterations (largest relative misfit {worst:.3g}); the bounds may be "
                    "unattainable: widen them, increase max_iter, or check the population totals"
                )


def linear_greg(mm: np.ndarray, weights: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Unbounded linear calibration (R ``regcalibrate``): ``g = 1 + x' T^{-1}(X - x_hat)``.

    ``weights`` may be an ``(n, c)`` block; each column is calibrated on its own.
    """
    if weights.ndim == 1:
        tmat = (mm * weights[:, None]).T @ mm
        lam = np.linalg.solve(tmat, population - mm.T @ weights)
        return 1.0 + mm @ lam
    out = np.empty_like(weights)
    for j in range(weights.shape[1]):
        out[:, j] = linear_greg(mm, weights[:, j], population)
    return out


def qr_basis(matrix: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Orthonormal basis of the column space (pivoted QR, rank as R's ``qr`` tolerance)."""
    q, r, _ = scipy.linalg.qr(matrix, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > tol * diag[0])) if diag.size and diag[0] > 0 else 0
    return np.asarray(q[:, :rank])


def resid_greg(x: np.ndarray, basis: np.ndarray, w: np.ndarray) -> np.ndarray:
    """R: ``qr.resid(qr, x / w) * w`` with ``qr`` of ``mm * sqrt(d)`` and ``w = g sqrt(d)``."""
    y = x / w[:, None]
    y = y - basis @ (basis.T @ y)
    return np.asarray(y * w[:, None])


def resid_poststrat(
    x: np.ndarray, codes: np.ndarray, n_cells: int, new_w: np.ndarray, old_w: np.ndarray
) -> np.ndarray:
    """Post-stratification branch of R: ``x - new_w * (old-weighted cell mean of x/new_w)``."""
    psw = np.where((new_w == 0) & (old_w == 0), 1.0, new_w)
    sums = np.empty((n_cells, x.shape[1]))
    z = x * (old_w / psw)[:, None]
    for j in range(x.shape[1]):
        sums[:, j] = np.bincount(codes, weights=z[:, j], minlength=n_cells)
    denom = np.bincount(codes, weights=old_w, minlength=n_cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(denom[:, None] != 0, sums / denom[:, None], 0.0)
    return np.asarray(x - means[codes] * psw[:, None])


def resid_raking_cells(
    x: np.ndarray,
    n_cells_of_margins: Sequence[int],
    joint: JointCells,
    sweeps: int = 10,
) -> np.ndarray:
    """:func:`resid_raking` from joint-cell sums: one pass over the rows to read, one to write.

    Within a joint cell every ``psw_k / psw_m`` is the constant ``g_k / g_m`` of the
    cell's factors, so after any number of sweeps ``x - out = sum_m psw_m A_m[c_m]``
    for per-margin cell arrays ``A_m``, and the cell mean of ``out / psw_m`` needs only
    the joint-cell sums of ``x / psw_1`` and the joint-cell counts. The sweeps update
    the small ``A_m``; the rows are touched to sum ``x / psw_1`` and to form the result.
    """
    p = x.shape[1]
    n_joint = joint.counts.shape[0]
    first_psw = joint.first_margin_weights
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_rows = x / first_psw[:, None]
        sums = np.empty((n_joint, p))
        for j in range(p):
            sums[:, j] = np.bincount(joint.codes, weights=ratio_rows[:, j], minlength=n_joint)
        del ratio_rows
        g = joint.factors
        observed = joint.counts > 0  # empty joint cells may carry 0/0 factor ratios
        # S_m[c]: cell sums of x / psw_m; rel[m][k]: psw_k / psw_m in every joint cell
        s_m = [
            np.stack(
                [
                    np.bincount(
                        cell,
                        weights=np.where(observed, sums[:, j] * g[0] / g[m], 0.0),
                        minlength=n_cells,
                    )
                    for j in range(p)
                ],
                axis=1,
            )
            for m, (cell, n_cells) in enumerate(
                zip(joint.margin_cells, n_cells_of_margins, strict=True)
            )
        ]
        rel = [[np.where(observed, g[k] / g[m], 0.0) for k in range(len(g))] for m in range(len(g))]
    cnt = [
        np.bincount(cell, weights=joint.counts, minlength=n_cells)
        for cell, n_cells in zip(joint.margin_cells, n_cells_of_margins, strict=True)
    ]
    acc = [np.zeros((n_cells, p)) for n_cells in n_cells_of_margins]
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(sweeps):
            for m, (cell, n_cells) in enumerate(
                zip(joint.margin_cells, n_cells_of_margins, strict=True)
            ):
                spent = sum(
                    (rel[m][k][:, None] * acc[k][joint.margin_cells[k]] for k in range(len(acc))),
                    start=np.zeros((n_joint, p)),
                )
                taken = np.stack(
                    [
                        np.bincount(cell, weights=joint.counts * spent[:, j], minlength=n_cells)
                        for j in range(p)
                    ],
                    axis=1,
                )
                acc[m] = acc[m] + (s_m[m] - taken) / np.where(cnt[m] > 0, cnt[m], 1.0)[:, None]
    # x - sum_m psw_m A_m[c_m] = x - start * K[joint cell]: one gather, not one per margin
    with np.errstate(invalid="ignore"):
        per_cell = sum(
            (g[m][:, None] * acc[m][joint.margin_cells[m]] for m in range(len(acc))),
            start=np.zeros((n_joint, p)),
        )
    return np.asarray(x - joint.start[:, None] * per_cell[joint.codes])


def resid_raking(
    x: np.ndarray, margins: Sequence[tuple[np.ndarray, int, np.ndarray]], sweeps: int = 10
) -> np.ndarray:
    """R's raking branch: ``sweeps`` passes of ``x <- x - psw * ave(x / psw, margin)``.

    ``ave`` is the unweighted mean within the margin's cells; ``psw`` the weights right
    after that margin's adjustment. R always makes 10 passes.
    """
    out = x.astype(float, copy=True)
    counts = [np.bincount(codes, minlength=n_cells).astype(float) for codes, n_cells, _ in margins]
    for _ in range(sweeps):
        for (codes, n_cells, psw), cnt in zip(margins, counts, strict=True):
            z = out / psw[:, None]
            means = np.empty((n_cells, out.shape[1]))
            for j in range(out.shape[1]):
                means[:, j] = np.bincount(codes, weights=z[:, j], minlength=n_cells)
            means /= np.where(cnt > 0, cnt, 1.0)[:, None]
            out = out - psw[:, None] * means[codes]
    return out

"""Array kernels of weighted two-stage least squares from a moment matrix.

Everything here takes and returns numpy arrays. Every quantity of the IV fit (the
2SLS coefficients, the first stages, the control-function regression) is a
function of one weighted moment matrix ``M = sum_i w_i u_i u_i^T`` of the columns
``u = [exog, endog, instruments, y]``, so replicate designs need only ``M`` under
every replicate weight (R x k x k numbers), never a refit on the rows.

Symbols (Wooldridge 2010, ch. 5): ``X = [exog, endog]`` (n x p) the regressors,
``Z = [exog, instruments]`` (n x k_z) the instruments, ``Pi = (Z'WZ)^{-1} Z'WX``
the first stage, ``Xhat = Z Pi``, ``beta = (Xhat'WX)^{-1} Xhat'Wy``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A first-stage residual sum of squares below this share of the total counts as zero.
EXACT = 1e-10


@dataclass(frozen=True)
class Layout:
    """Column positions inside ``u = [exog, endog, instruments, y]``.

    Attributes
    ----------
    n_exog, n_endog, n_instr : int
        Numbers of exogenous regressors, endogenous regressors and excluded instruments.
    """

    n_exog: int
    n_endog: int
    n_instr: int

    @property
    def x(self) -> np.ndarray:
        """Regressor columns (exog then endog), length p."""
        return np.arange(self.n_exog + self.n_endog)

    @property
    def z(self) -> np.ndarray:
        """Instrument columns (exog then excluded instruments), length k_z."""
        return np.concatenate(
            [
                np.arange(self.n_exog),
                self.n_exog + self.n_endog + np.arange(self.n_instr),
            ]
        )

    @property
    def exog(self) -> np.ndarray:
        """Exogenous regressor columns."""
        return np.arange(self.n_exog)

    @property
    def endog(self) -> np.ndarray:
        """Endogenous regressor columns."""
        return self.n_exog + np.arange(self.n_endog)

    @property
    def y(self) -> int:
        """The response column."""
        return self.n_exog + self.n_endog + self.n_instr

    @property
    def k(self) -> int:
        """Number of columns of ``u``."""
        return self.y + 1


@dataclass(frozen=True)
class MomentFit:
    """Everything the IV result needs, from one moment matrix (or a stack of them).

    Attributes
    ----------
    beta : ndarray, shape (..., p)
        2SLS coefficients.
    first_stage : ndarray, shape (..., k_z, n_endog)
        First-stage coefficients of every endogenous regressor on ``Z``.
    control : ndarray, shape (..., p + n_endog)
        Coefficients of ``y ~ X + Vhat`` (control function, ``Vhat`` the first-stage residuals).
    """

    beta: np.ndarray
    first_stage: np.ndarray
    control: np.ndarray


def moments(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted moment matrix ``sum_i w_i u_i u_i^T``, (n, k), (n,) -> (k, k)."""
    return np.asarray((u * w[:, None]).T @ u)


def outer_rows(u: np.ndarray) -> np.ndarray:
    """Row-wise outer products flattened, (n, k) -> (n, k*k), for replicate totals."""
    n, k = u.shape
    return np.asarray((u[:, :, None] * u[:, None, :]).reshape(n, k * k))


def control_map(layout: Layout, first_stage: np.ndarray) -> np.ndarray:
    """Matrix ``L`` (..., k, p + n_endog) with ``[X, Vhat] = u L``.

    ``Vhat_j = endog_j - Z gamma_j``: ``+1`` on the endogenous column and
    ``-gamma_j`` on the instrument columns.
    """
    batch = first_stage.shape[:-2]
    p = layout.n_exog + layout.n_endog
    out = np.zeros((*batch, layout.k, p + layout.n_endog))
    x = layout.x
    out[..., x, np.arange(p)] = 1.0
    for j, col in enumerate(layout.endog):
        out[..., col, p + j] = 1.0
        out[..., layout.z, p + j] -= first_stage[..., :, j]
    return out


def fit_moments(m: np.ndarray, layout: Layout) -> MomentFit:
    """2SLS, first stages and the control function from ``M``, shape (..., k, k)."""
    z, x, y = layout.z, layout.x, layout.y
    mzz = m[..., z[:, None], z]
    mzx = m[..., z[:, None], x]
    pi = np.linalg.solve(mzz, mzx)
    a = np.swapaxes(pi, -1, -2) @ mzx
    b = np.swapaxes(pi, -1, -2) @ m[..., z, y][..., None]
    beta = np.linalg.solve(a, b)[..., 0]
    first = pi[..., :, layout.endog]
    lmap = control_map(layout, first)
    lt = np.swapaxes(lmap, -1, -2)
    rr = lt @ m @ lmap
    ry = lt @ m[..., :, y][..., None]
    p = layout.n_exog + layout.n_endog
    control = np.full((*m.shape[:-2], p + layout.n_endog), np.nan)
    ok = np.all(residual_share(m, layout) > EXACT, axis=-1)
    if np.any(ok):
        control[ok] = np.linalg.solve(rr[ok], ry[ok])[..., 0]
    return MomentFit(beta=beta, first_stage=first, control=control)


def residual_share(m: np.ndarray, layout: Layout) -> np.ndarray:
    """First-stage residual sum of squares over the total, per endogenous regressor.

    Shape (..., n_endog). At (about) zero the instruments reproduce the regressor
    exactly: the control-function regression is singular and the first-stage F infinite.
    """
    z, endog = layout.z, layout.endog
    mzz = m[..., z[:, None], z]
    mze = m[..., z[:, None], endog]
    gamma = np.linalg.solve(mzz, mze)
    total = np.diagonal(m[..., endog[:, None], endog], axis1=-2, axis2=-1)
    fitted = np.einsum("...ij,...ij->...j", gamma, mze)
    return np.asarray((total - fitted) / np.abs(total))


def influence(u: np.ndarray, w: np.ndarray, layout: Layout, fit: MomentFit) -> np.ndarray:
    """Row influence values of all estimates, (n, p + k_z * n_endog + p + n_endog).

    Column blocks: the 2SLS coefficients, ``e_i Xhat_i (Xhat'WXhat)^{-1}`` (R
    ``estfun(ivreg) / w %*% cov.unscaled``); every first stage,
    ``v_ij Z_i (Z'WZ)^{-1}``; the control-function regression,
    ``r_i R_i (R'WR)^{-1}``. Multiply by ``w`` for the design covariance of their totals.
    """
    z = u[:, layout.z]
    x = u[:, layout.x]
    y = u[:, layout.y]
    zwz = (z * w[:, None]).T @ z
    pi = np.linalg.solve(zwz, (z * w[:, None]).T @ x)
    xhat = z @ pi
    e = y - x @ fit.beta
    bread = np.linalg.inv((xhat * w[:, None]).T @ xhat)
    blocks = [(e[:, None] * xhat) @ bread]
    zinv = np.linalg.inv(zwz)
    for j, col in enumerate(layout.endog):
        v = u[:, col] - z @ fit.first_stage[:, j]
        blocks.append((v[:, None] * z) @ zinv)
    if np.isnan(fit.control).any():
        return np.hstack([*blocks, np.zeros((u.shape[0], fit.control.size))])
    regressors = u @ control_map(layout, fit.first_stage)
    r = y - regressors @ fit.control
    rinv = np.linalg.inv((regressors * w[:, None]).T @ regressors)
    blocks.append((r[:, None] * regressors) @ rinv)
    return np.hstack(blocks)


def partial_r2(m: np.ndarray, layout: Layout) -> np.ndarray:
    """Partial R^2 of the excluded instruments for every endogenous regressor, (n_endog,).

    ``1 - SSR(endog ~ Z) / SSR(endog ~ exog)`` with weighted sums of squares.
    """
    out = np.empty(layout.n_endog)
    z, ex = layout.z, layout.exog
    for j, col in enumerate(layout.endog):
        full = m[col, col] - m[col, z] @ np.linalg.solve(m[np.ix_(z, z)], m[z, col])
        if ex.size:
            restricted = m[col, col] - m[col, ex] @ np.linalg.solve(m[np.ix_(ex, ex)], m[ex, col])
        else:
            restricted = m[col, col]
        out[j] = 1.0 - full / restricted
    return out


def wald(estimate: np.ndarray, vcov: np.ndarray) -> float:
    """Wald statistic ``b' V^{-1} b`` (pseudo-inverse when V is singular)."""
    return float(estimate @ np.linalg.pinv(vcov) @ estimate)

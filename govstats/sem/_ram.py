"""Array kernel of the ML fitter: RAM matrices, implied moments, gradient, information.

A model with ``p`` observed and ``m`` latent variables is written in the RAM
form of McArdle & McDonald (1984): ``A`` (directed paths, ``(p+m) x (p+m)``),
``S`` (variances and covariances) and ``M`` (intercepts). With
``B = (I - A)^{-1}`` the implied moments of the observed variables are

    Sigma = F B S B^T F^T,      mu = F B M,

(``F`` selects the observed rows). Every function works on a batch of ``R``
parameter vectors at once (``theta`` of shape ``(R, q)``), so that the refits of
``R`` replicates run as one vectorised Fisher scoring, not ``R`` loops.

The ML discrepancy of group ``g`` (lavaan's objective, Joreskog 1969) is

    F_g = 1/2 [log|Sigma| + tr(S_g Sigma^{-1}) - log|S_g| - p + (m_g - mu)^T Sigma^{-1} (m_g - mu)]

and ``F = sum_g (N_g / N) F_g``; the chi-square is ``2 N F`` at the minimum. The
expected information per observation is
``1/2 tr(Sigma^{-1} dSigma_k Sigma^{-1} dSigma_l) + dmu_k^T Sigma^{-1} dmu_l``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from govstats.errors import ConvergenceError

__all__ = ["GroupMatrices", "Moments", "RamModel", "fisher_scoring", "refit_near"]


@dataclass(frozen=True)
class GroupMatrices:
    """Where every parameter of one group sits in the RAM matrices.

    Entries of a kind (``a``: directed, ``s``: symmetric, ``m``: intercept) are
    stored as parallel arrays: ``*_row``, ``*_col`` (matrix position, variables
    numbered observed first), ``*_par`` (free parameter, -1 fixed) and
    ``*_value`` (fixed value; NaN for exogenous moments taken from the sample,
    whose observed positions are ``*_row`` / ``*_col`` as well).
    """

    n_obs: int
    n_var: int
    a_row: np.ndarray
    a_col: np.ndarray
    a_par: np.ndarray
    a_value: np.ndarray
    s_row: np.ndarray
    s_col: np.ndarray
    s_par: np.ndarray
    s_value: np.ndarray
    m_row: np.ndarray
    m_par: np.ndarray
    m_value: np.ndarray


@dataclass(frozen=True)
class Moments:
    """Sample moments of a batch: ``mean`` (R, G, p), ``cov`` (R, G, p, p), ``n`` (R, G)."""

    mean: np.ndarray
    cov: np.ndarray
    n: np.ndarray

    @property
    def n_batch(self) -> int:
        """Number of moment sets ``R`` in the batch."""
        return int(self.mean.shape[0])


def _inv_logdet(sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sign, logdet = np.linalg.slogdet(sigma)
    ok = sign > 0
    safe = np.where(ok[:, None, None], sigma, np.eye(sigma.shape[-1]))
    return np.linalg.inv(safe), logdet, ok


@dataclass(frozen=True)
class RamModel:
    """A multi-group model: one :class:`GroupMatrices` per group, ``n_free`` parameters.

    ``meanstructure`` says whether means are modelled (otherwise the sample
    means are saturated and drop out of the fit).
    """

    groups: tuple[GroupMatrices, ...]
    n_free: int
    meanstructure: bool

    # ------------------------------------------------------------------ matrices
    def matrices(
        self, g: int, theta: np.ndarray, moments: Moments
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return A (R, n, n), S (R, n, n), M (R, n) of group ``g`` for every row of ``theta``."""
        gm = self.groups[g]
        r = theta.shape[0]
        n = gm.n_var
        a = np.zeros((r, n, n))
        s = np.zeros((r, n, n))
        m = np.zeros((r, n))
        cov = moments.cov[:, g]
        mean = moments.mean[:, g]
        for row, col, par, value, target, symmetric in (
            (gm.a_row, gm.a_col, gm.a_par, gm.a_value, a, False),
            (gm.s_row, gm.s_col, gm.s_par, gm.s_value, s, True),
        ):
            free = par >= 0
            vals = np.where(free[None, :], theta[:, np.maximum(par, 0)], value[None, :])
            exo = ~free & np.isnan(value)
            if exo.any():
                vals[:, exo] = cov[:, row[exo], col[exo]]
            target[:, row, col] = vals
            if symmetric:
                target[:, col, row] = vals
        free = gm.m_par >= 0
        vals = np.where(free[None, :], theta[:, np.maximum(gm.m_par, 0)], gm.m_value[None, :])
        exo = ~free & np.isnan(gm.m_value)
        if exo.any():
            vals[:, exo] = mean[:, gm.m_row[exo]]
        m[:, gm.m_row] = vals
        return a, s, m

    def implied(
        self, g: int, theta: np.ndarray, moments: Moments
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return Sigma (R, p, p), mu (R, p), B (R, n, n), full covariance (R, n, n), B M (R, n)."""
        a, s, m = self.matrices(g, theta, moments)
        n = a.shape[-1]
        b = np.linalg.inv(np.eye(n)[None] - a)
        full = b @ s @ np.swapaxes(b, 1, 2)
        bm = np.einsum("rij,rj->ri", b, m)
        p = self.groups[g].n_obs
        return full[:, :p, :p], bm[:, :p], b, full, bm

    def jacobian(
        self, g: int, b: np.ndarray, full: np.ndarray, bm: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return dSigma (R, q, p, p) and dmu (R, q, p) of group ``g`` (free parameters)."""
        gm = self.groups[g]
        p, q, r = gm.n_obs, self.n_free, b.shape[0]
        bo = b[:, :p, :]
        d_sigma = np.zeros((r, q, p, p))
        d_mu = np.zeros((r, q, p))
        free = gm.a_par >= 0
        if free.any():
            i, j, k = gm.a_row[free], gm.a_col[free], gm.a_par[free]
            u = np.swapaxes(bo[:, :, i], 1, 2)  # (R, E, p)
            v = full[:, j, :p]  # (R, E, p)
            grad = u[:, :, :, None] * v[:, :, None, :]
            grad = grad + np.swapaxes(grad, 2, 3)
            _accumulate(d_sigma, k, grad)
            _accumulate(d_mu, k, u * bm[:, j][:, :, None])
        free = gm.s_par >= 0
        if free.any():
            i, j, k = gm.s_row[free], gm.s_col[free], gm.s_par[free]
            u = np.swapaxes(bo[:, :, i], 1, 2)
            w = np.swapaxes(bo[:, :, j], 1, 2)
            grad = u[:, :, :, None] * w[:, :, None, :]
            off = (i != j)[None, :, None, None]
            grad = grad + np.where(off, np.swapaxes(grad, 2, 3), 0.0)
            _accumulate(d_sigma, k, grad)
        free = gm.m_par >= 0
        if free.any():
            i, k = gm.m_row[free], gm.m_par[free]
            _accumulate(d_mu, k, np.swapaxes(bo[:, :, i], 1, 2))
        return d_sigma, d_mu

    # ------------------------------------------------------------------ objective
    def objective(self, theta: np.ndarray, moments: Moments) -> np.ndarray:
        """Return F (R,), infinite where an implied covariance is not positive definite."""
        total = np.zeros(theta.shape[0])
        weights = moments.n / moments.n.sum(axis=1, keepdims=True)
        for g in range(len(self.groups)):
            sigma, mu, *_ = self.implied(g, theta, moments)
            total += weights[:, g] * self._group_f(g, sigma, mu, moments)
        return total

    def _group_f(self, g: int, sigma: np.ndarray, mu: np.ndarray, moments: Moments) -> np.ndarray:
        inv, logdet, ok = _inv_logdet(sigma)
        cov = moments.cov[:, g]
        p = sigma.shape[-1]
        _, logdet_s = np.linalg.slogdet(cov)
        f = logdet + np.einsum("rij,rji->r", cov, inv) - logdet_s - p
        if self.meanstructure:
            d = moments.mean[:, g] - mu
            f = f + np.einsum("ri,rij,rj->r", d, inv, d)
        return np.where(ok, 0.5 * f, np.inf)

    def gradient(self, theta: np.ndarray, moments: Moments) -> tuple[np.ndarray, np.ndarray]:
        """Return F (R,) and its gradient (R, q) without forming dSigma.

        With ``W = Sigma^{-1}(Sigma - S - d d^T)Sigma^{-1}`` and ``Bo`` the observed
        rows of ``B``, the gradient of a path entry ``(i, j)`` is
        ``(Bo^T W C)_{ij}`` (``C`` the observed columns of the full covariance), of a
        covariance entry ``(Bo^T W Bo)_{ij}`` (half on the diagonal), and the mean
        part subtracts ``(Bo^T Sigma^{-1} d)_i`` times ``(B M)_j`` (or 1 for intercepts).
        """
        r, q = theta.shape
        f = np.zeros(r)
        grad = np.zeros((r, q))
        weights = moments.n / moments.n.sum(axis=1, keepdims=True)
        for g, gm in enumerate(self.groups):
            sigma, mu, b, full, bm = self.implied(g, theta, moments)
            wg = weights[:, g]
            f += wg * self._group_f(g, sigma, mu, moments)
            inv, _, _ = _inv_logdet(sigma)
            p = gm.n_obs
            resid = sigma - moments.cov[:, g]
            d = moments.mean[:, g] - mu
            if self.meanstructure:
                resid = resid - d[:, :, None] * d[:, None, :]
            w = inv @ resid @ inv
            bo_t = np.swapaxes(b[:, :p, :], 1, 2)  # (R, n, p)
            bw = bo_t @ w
            part = np.zeros((r, q))
            zb = bo_t @ np.einsum("rab,rb->ra", inv, d)[:, :, None] if self.meanstructure else None
            free = gm.a_par >= 0
            if free.any():
                i, j, k = gm.a_row[free], gm.a_col[free], gm.a_par[free]
                g_a = bw @ full[:, :p, :]
                vals = g_a[:, i, j]
                if zb is not None:
                    vals = vals - zb[:, i, 0] * bm[:, j]
                np.add.at(part.T, k, vals.T)
            free = gm.s_par >= 0
            if free.any():
                i, j, k = gm.s_row[free], gm.s_col[free], gm.s_par[free]
                g_s = bw @ b[:, :p, :]
                vals = g_s[:, i, j] * np.where(i == j, 0.5, 1.0)[None, :]
                np.add.at(part.T, k, vals.T)
            free = gm.m_par >= 0
            if free.any() and zb is not None:
                i, k = gm.m_row[free], gm.m_par[free]
                np.add.at(part.T, k, -zb[:, i, 0].T)
            grad += wg[:, None] * part
        return f, grad

    def derivatives(
        self, theta: np.ndarray, moments: Moments, information: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Return F (R,), its gradient (R, q) and the expected information per observation."""
        r, q = theta.shape
        f = np.zeros(r)
        grad = np.zeros((r, q))
        info = np.zeros((r, q, q)) if information else None
        weights = moments.n / moments.n.sum(axis=1, keepdims=True)
        for g in range(len(self.groups)):
            sigma, mu, b, full, bm = self.implied(g, theta, moments)
            wg = weights[:, g]
            f += wg * self._group_f(g, sigma, mu, moments)
            inv, _, _ = _inv_logdet(sigma)
            d_sigma, d_mu = self.jacobian(g, b, full, bm)
            resid = sigma - moments.cov[:, g]
            d = moments.mean[:, g] - mu
            if self.meanstructure:
                resid = resid - d[:, :, None] * d[:, None, :]
            w = inv @ resid @ inv
            p = sigma.shape[-1]
            g_part = 0.5 * np.einsum("rkab,rab->rk", d_sigma, w)
            if self.meanstructure:
                g_part -= np.einsum("rka,ra->rk", d_mu, np.einsum("rab,rb->ra", inv, d))
            grad += wg[:, None] * g_part
            if info is not None:
                x = inv[:, None] @ d_sigma  # (R, q, p, p)
                xf = x.reshape(r, q, p * p)
                xt = np.swapaxes(x, 2, 3).reshape(r, q, p * p)
                part = 0.5 * xf @ np.swapaxes(xt, 1, 2)
                if self.meanstructure:
                    part += d_mu @ inv @ np.swapaxes(d_mu, 1, 2)
                info += wg[:, None, None] * part
        return f, grad, info


def _accumulate(target: np.ndarray, par: np.ndarray, values: np.ndarray) -> None:
    # add entry derivatives into their parameters' slots (several entries share a
    # parameter under equality constraints)
    if np.unique(par).size == par.size:
        target[:, par] += values
        return
    order = np.argsort(par, kind="stable")
    par_sorted = par[order]
    starts = np.flatnonzero(np.r_[True, par_sorted[1:] != par_sorted[:-1]])
    summed = np.add.reduceat(values[:, order], starts, axis=1)
    target[:, par_sorted[starts]] += summed


def fisher_scoring(
    model: RamModel,
    theta0: np.ndarray,
    moments: Moments,
    *,
    max_iter: int = 500,
    tol: float = 1e-10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise F for every row of ``theta0`` (R, q) by Fisher scoring with step halving.

    Converged when the largest Fisher step of a row is below ``tol * (1 + |theta|)``.

    Returns
    -------
    theta (R, q), F (R,), iterations used (R,)

    Raises
    ------
    ConvergenceError
        Some row did not converge within ``max_iter`` iterations.
    """
    theta = np.array(theta0, dtype=np.float64)
    r = theta.shape[0]
    done = np.zeros(r, dtype=bool)
    iterations = np.zeros(r, dtype=np.int64)
    f_all = model.objective(theta, moments)
    if not np.isfinite(f_all).all():
        bad = int(np.flatnonzero(~np.isfinite(f_all))[0])
        raise ConvergenceError(
            f"the starting values give an implied covariance matrix that is not positive "
            f"definite (batch row {bad}); check the model and that the items vary."
        )
    for _ in range(max_iter):
        active = np.flatnonzero(~done)
        if active.size == 0:
            break
        sub = _take(moments, active)
        th = theta[active]
        f, grad, info = model.derivatives(th, sub)
        assert info is not None
        try:
            step = np.linalg.solve(info, grad[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(info[i], grad[i], rcond=None)[0]
                             for i in range(len(active))])  # fmt: skip
        # damp steps that would move a parameter by more than twice its size (far from
        # the optimum, a full Fisher step can flip a loading's sign)
        relative = np.max(np.abs(step) / (1 + np.abs(th)), axis=1)
        alpha = np.minimum(1.0, 2.0 / np.maximum(relative, 1e-300))
        new = th - alpha[:, None] * step
        f_new = model.objective(new, sub)
        # near the optimum F changes at rounding level only: a small step is taken whole
        tiny = relative < 1e-6
        for _half in range(40):
            worse = ~((f_new <= f + 1e-14 + 1e-12 * np.abs(f)) | tiny)
            if not worse.any():
                break
            alpha[worse] /= 2
            new[worse] = th[worse] - alpha[worse, None] * step[worse]
            f_new[worse] = model.objective(new[worse], _take(sub, np.flatnonzero(worse)))
        theta[active] = new
        f_all[active] = f_new
        iterations[active] += 1
        small = np.max(np.abs(step) / (1 + np.abs(th)), axis=1) < tol
        stuck = alpha < 2.0**-39
        done[active[small | stuck]] = True
    if not done.all():
        bad = int(np.flatnonzero(~done)[0])
        raise ConvergenceError(
            f"the ML fit did not converge in max_iter={max_iter} iterations (batch row {bad}); "
            "the model may not be identified, or raise max_iter."
        )
    return theta, f_all, iterations


def refit_near(
    model: RamModel,
    theta0: np.ndarray,
    moments: Moments,
    hessian: np.ndarray,
    *,
    max_iter: int = 500,
    tol: float = 1e-9,
) -> np.ndarray:
    """Refit a batch of moment sets that lie near the one ``theta0`` solves (replicates).

    Newton steps with the fixed Hessian ``hessian`` (q, q) of the full-sample fit
    need only gradients; rows whose objective rises or that have not converged in
    30 steps finish by :func:`fisher_scoring`.

    Returns
    -------
    ndarray, shape (R, q)
    """
    h_inv = np.linalg.inv(hessian)
    theta = np.array(theta0, dtype=np.float64)
    done = np.zeros(theta.shape[0], dtype=bool)
    failed = np.zeros_like(done)
    f_prev = model.objective(theta, moments)
    for _ in range(30):
        active = np.flatnonzero(~done & ~failed)
        if active.size == 0:
            break
        sub = _take(moments, active)
        _, grad = model.gradient(theta[active], sub)
        step = grad @ h_inv.T
        new = theta[active] - step
        f_new = model.objective(new, sub)
        bad = ~(f_new <= f_prev[active] + 1e-10 * (1 + np.abs(f_prev[active])))
        failed[active[bad]] = True
        ok = active[~bad]
        theta[ok] = new[~bad]
        f_prev[ok] = f_new[~bad]
        small = np.max(np.abs(step) / (1 + np.abs(theta[active])), axis=1) < tol
        done[active[small & ~bad]] = True
    rest = np.flatnonzero(~done)
    if rest.size:
        theta[rest], _, _ = fisher_scoring(
            model, theta[rest], _take(moments, rest), max_iter=max_iter, tol=tol
        )
    return theta


def _take(moments: Moments, rows: np.ndarray) -> Moments:
    return Moments(moments.mean[rows], moments.cov[rows], moments.n[rows])

"""Array kernels for logistic diffusion curves: p(t) = K / (1 + exp(-r (t - t0)))."""

from __future__ import annotations

import numpy as np
from scipy import optimize

__all__ = ["fit", "fit_many", "logistic", "start_values", "unpack"]


def logistic(t: np.ndarray, k: float, r: float, t0: float) -> np.ndarray:
    """Logistic curve with ceiling ``k``, rate ``r`` and midpoint ``t0``."""
    return np.asarray(k / (1.0 + np.exp(-r * (t - t0))))


def unpack(theta: np.ndarray, model: str, ceiling: float | None) -> np.ndarray:
    """Map free parameters to ``[K_u, r_u, t0_u, K_r, r_r, t0_r]``.

    ``model="shared"``: theta = (K, r, t0_u, lag) or (r, t0_u, lag) with a fixed ceiling;
    ``model="separate"``: theta = (K_u, r_u, t0_u, K_r, r_r, t0_r) or without the Ks.
    """
    if model == "shared":
        if ceiling is None:
            k, r, t0, lag = theta
        else:
            r, t0, lag = theta
            k = ceiling
        return np.array([k, r, t0, k, r, t0 + lag])
    if ceiling is None:
        return np.asarray(theta, dtype=float)
    ru, tu, rr, tr = theta
    return np.array([ceiling, ru, tu, ceiling, rr, tr])


def _unpack_matrix(k: int, model: str, ceiling: float | None) -> np.ndarray:
    """(6, k) d unpack / d theta: :func:`unpack` is affine, so its columns are exact."""
    origin = unpack(np.zeros(k), model, ceiling)
    return np.column_stack([unpack(np.eye(k)[j], model, ceiling) - origin for j in range(k)])


def _curves(
    theta: np.ndarray, t_u: np.ndarray, t_r: np.ndarray, model: str, ceiling: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Both fitted curves and their Jacobian for ``B`` parameter vectors (rows of theta).

    Returns ``fitted (B, m_u + m_r)`` (urban, then rural) and ``jacobian (B, m_u + m_r,
    k)``: the logistic curve's derivatives in (K, r, t0) times the affine map of
    :func:`unpack`.
    """
    b, k = theta.shape
    unpack_map = _unpack_matrix(k, model, ceiling)
    six = unpack(np.zeros(k), model, ceiling) + theta @ unpack_map.T
    m_u = t_u.shape[0]
    fitted = np.empty((b, m_u + t_r.shape[0]))
    jac = np.zeros((*fitted.shape, 6))
    for part, t, cols in ((slice(None, m_u), t_u, 0), (slice(m_u, None), t_r, 3)):
        k_, r_, t0 = (six[:, cols + j, None] for j in range(3))
        e = np.exp(-r_ * (t - t0))
        share = 1.0 / (1.0 + e)
        slope = k_ * e * share * share
        fitted[:, part] = k_ * share
        jac[:, part, cols] = share
        jac[:, part, cols + 1] = slope * (t - t0)
        jac[:, part, cols + 2] = -slope * r_
    return fitted, jac @ unpack_map


def _residuals(
    theta: np.ndarray,
    t_u: np.ndarray,
    y_u: np.ndarray,
    t_r: np.ndarray,
    y_r: np.ndarray,
    model: str,
    ceiling: float | None,
) -> np.ndarray:
    fitted, _ = _curves(theta[None, :], t_u, t_r, model, ceiling)
    return np.asarray(fitted[0] - np.concatenate([y_u, y_r]))


def _jacobian(
    theta: np.ndarray,
    t_u: np.ndarray,
    y_u: np.ndarray,
    t_r: np.ndarray,
    y_r: np.ndarray,
    model: str,
    ceiling: float | None,
) -> np.ndarray:
    """Analytic Jacobian of :func:`_residuals` (a finite-difference one costs 5 more calls)."""
    return np.asarray(_curves(theta[None, :], t_u, t_r, model, ceiling)[1][0])


def start_values(
    t_u: np.ndarray,
    y_u: np.ndarray,
    t_r: np.ndarray,
    y_r: np.ndarray,
    model: str,
    ceiling: float | None,
    upper: float,
) -> np.ndarray:
    """Return starting values from straight-line fits of the logit transform."""
    k0 = ceiling if ceiling is not None else min(upper, 1.15 * max(y_u.max(), y_r.max()))

    def line(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        z = np.log(np.clip(y, 1e-9, k0 * 0.999) / (k0 - np.clip(y, 1e-9, k0 * 0.999)))
        slope, icept = np.polyfit(t, z, 1)
        slope = max(float(slope), 1e-3)
        return slope, -icept / slope

    ru, tu = line(t_u, y_u)
    rr, tr = line(t_r, y_r)
    if model == "shared":
        r = 0.5 * (ru + rr)
        return np.array([k0, r, tu, tr - tu] if ceiling is None else [r, tu, tr - tu])
    if ceiling is None:
        return np.array([k0, ru, tu, k0, rr, tr])
    return np.array([ru, tu, rr, tr])


def _bounds(
    model: str, ceiling: float | None, ymax: float, upper: float
) -> tuple[np.ndarray, np.ndarray]:
    inf = np.inf
    kb = ([ymax], [upper])
    if model == "shared":
        lo, hi = [1e-6, -inf, -inf], [inf, inf, inf]
        if ceiling is None:
            lo, hi = kb[0] + lo, kb[1] + hi
        return np.array(lo), np.array(hi)
    if ceiling is None:
        lo = [ymax, 1e-6, -inf, ymax, 1e-6, -inf]
        hi = [upper, inf, inf, upper, inf, inf]
    else:
        lo, hi = [1e-6, -inf, 1e-6, -inf], [inf, inf, inf, inf]
    return np.array(lo), np.array(hi)


def fit(
    t_u: np.ndarray,
    y_u: np.ndarray,
    t_r: np.ndarray,
    y_r: np.ndarray,
    *,
    model: str,
    ceiling: float | None,
    upper: float,
    x0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Least-squares fit of both curves.

    Returns ``(theta, jacobian (m, k), converged)``; the ceiling is bounded below by the
    largest observation of the series it applies to and above by ``upper``.
    """
    if x0 is None:
        x0 = start_values(t_u, y_u, t_r, y_r, model, ceiling, upper)
    ymax = float(max(y_u.max(), y_r.max())) if model == "shared" else 0.0
    lo, hi = _bounds(model, ceiling, ymax, upper)
    if model == "separate" and ceiling is None:
        lo[0], lo[3] = float(y_u.max()), float(y_r.max())
    x0 = _feasible_start(x0, lo, hi)
    sol = optimize.least_squares(
        _residuals,
        x0,
        jac=_jacobian,
        bounds=(lo, hi),
        args=(t_u, y_u, t_r, y_r, model, ceiling),
        method="trf",
        x_scale="jac",
        max_nfev=2000,
    )
    return sol.x, sol.jac, bool(sol.success)


def _feasible_start(x0: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Move a start on (or beyond) a bound just inside it, as ``least_squares`` needs."""
    x0 = np.array(x0, dtype=float)
    low_hit = np.isfinite(lo) & (x0 <= lo)
    high_hit = np.isfinite(hi) & (x0 >= hi)
    x0[low_hit] = lo[low_hit] + 1e-6 * (1 + np.abs(lo[low_hit]))
    x0[high_hit] = hi[high_hit] - 1e-6 * (1 + np.abs(hi[high_hit]))
    return x0


#: Levenberg-Marquardt iterations of the batched refits before a refit goes to scipy.
_LM_STEPS = 60


def fit_many(
    t_u: np.ndarray,
    ys_u: np.ndarray,
    t_r: np.ndarray,
    ys_r: np.ndarray,
    *,
    model: str,
    ceiling: float | None,
    upper: float,
    x0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Refit ``B`` pairs of series (rows of ``ys_u``, ``ys_r``) from one start.

    Every refit takes Levenberg-Marquardt steps on all ``B`` problems at once (the
    ``k × k`` normal equations of each, with the analytic Jacobian). A step that crosses a
    bound (the ceiling below the largest draw) is projected onto it, and that parameter
    is held there; a refit is kept when its steps vanish (relative change below 1e-12)
    and every held parameter satisfies the Karush-Kuhn-Tucker condition (the cost rises
    into the box). One that does not settle, or whose held parameter should move back
    inside, goes to :func:`fit` — ``scipy.optimize.least_squares`` with the same bounds.
    Returns ``(theta (B, k), converged (B,))``.
    """
    b, k = ys_u.shape[0], x0.shape[0]
    lo, hi = _bounds(model, ceiling, 0.0, upper)
    lo, hi = np.tile(lo, (b, 1)), np.tile(hi, (b, 1))
    if ceiling is None:
        if model == "shared":
            lo[:, 0] = np.maximum(ys_u.max(axis=1), ys_r.max(axis=1))
        else:
            lo[:, 0], lo[:, 3] = ys_u.max(axis=1), ys_r.max(axis=1)
    theta = np.array([_feasible_start(x0, lo[i], hi[i]) for i in range(b)])
    y = np.concatenate([ys_u, ys_r], axis=1)

    def residuals_and_jacobian(th: np.ndarray, yy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fitted, jac = _curves(th, t_u, t_r, model, ceiling)
        return fitted - yy, jac

    resid, jac = residuals_and_jacobian(theta, y)
    cost = np.einsum("bi,bi->b", resid, resid)
    damping = np.full(b, 1e-3)
    settled = np.zeros(b, dtype=bool)
    fixed = np.zeros((b, k), dtype=bool)  # parameters held at the bound a step reached
    eye = np.eye(k)
    for _ in range(_LM_STEPS):
        idx = np.flatnonzero(~settled)
        if idx.size == 0:
            break
        free = ~fixed[idx]
        gram = np.einsum("bij,bik->bjk", jac[idx], jac[idx])
        grad = np.einsum("bij,bi->bj", jac[idx], resid[idx])
        scale = np.maximum(np.einsum("bjj->bj", gram), 1e-300)
        lhs = gram + damping[idx, None, None] * scale[:, :, None] * eye
        # a held parameter takes no step: its row and column become the identity's
        lhs = np.where(free[:, :, None] & free[:, None, :], lhs, eye)
        with np.errstate(all="ignore"):
            step = -np.linalg.solve(lhs, np.where(free, grad, 0.0)[..., None])[..., 0]
        trial = theta[idx] + step
        hit = free & ((trial <= lo[idx]) | (trial >= hi[idx]))
        trial = np.clip(trial, lo[idx], hi[idx])  # a projected step: onto the bound it crossed
        trial_resid, trial_jac = residuals_and_jacobian(trial, y[idx])
        trial_cost = np.einsum("bi,bi->b", trial_resid, trial_resid)
        better = np.isfinite(trial_cost) & (trial_cost <= cost[idx])
        take = idx[better]
        theta[take], resid[take], jac[take] = trial[better], trial_resid[better], trial_jac[better]
        fixed[take] |= hit[better]
        small = np.abs(step).max(axis=1) <= 1e-12 * (1.0 + np.abs(theta[idx]).max(axis=1))
        settled[idx[better & small & ~hit.any(axis=1)]] = True
        cost[take] = trial_cost[better]
        damping[take] = np.maximum(damping[take] / 10.0, 1e-12)
        damping[idx[~better]] *= 10.0
    # a parameter held at a bound must be where the cost rises into the box (KKT);
    # otherwise the bounded solver decides
    grad = np.einsum("bij,bi->bj", jac, resid)
    size = 1e-8 * np.sqrt(np.einsum("bij,bij->bj", jac, jac) * cost[:, None])
    at_low = theta <= lo
    inward = np.where(at_low, grad < -size, grad > size)
    settled &= ~(fixed & inward).any(axis=1)
    ok = settled & np.isfinite(theta).all(axis=1)
    for i in np.flatnonzero(~ok):
        try:
            theta[i], _, ok[i] = fit(
                t_u, ys_u[i], t_r, ys_r[i], model=model, ceiling=ceiling, upper=upper, x0=x0
            )
        except ValueError:
            ok[i] = False
    return theta, ok


def predict(
    theta: np.ndarray, t_u: np.ndarray, t_r: np.ndarray, model: str, ceiling: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values of both series."""
    ku, ru, tu, kr, rr, tr = unpack(theta, model, ceiling)
    return logistic(t_u, ku, ru, tu), logistic(t_r, kr, rr, tr)

"""Iteratively reweighted least squares exactly as R ``glm.fit`` (start, steps, stopping rule).

Arrays only. The family object supplies ``link`` (with ``inverse`` and
``inverse_deriv``) and ``variance`` as statsmodels families do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from govstats.design import _guards
from govstats.errors import ConvergenceError, ModelError

_QR_TOL = 1e-11  # R glm.fit: min(1e-7, epsilon / 1000)


@dataclass(frozen=True)
class IRLSFit:
    """A converged IRLS fit.

    Attributes
    ----------
    coef : ndarray, shape (p,)
    mu, eta : ndarray, shape (n,)
        Fitted means and linear predictors.
    working_weights : ndarray, shape (n,)
        Weights of the last weighted least-squares step (R ``glm$weights``).
    working_residuals : ndarray, shape (n,)
        ``(y - mu) / (dmu/deta)`` at the final fit (R ``resid(glm, "working")``).
    bread : ndarray, shape (p, p)
        ``(X' W X)^{-1}`` with the last working weights (R ``cov.unscaled``).
    iterations : int
    relative : ndarray, shape (p,), optional
        ``|diag(R)|`` over the column norms of ``sqrt(W) X`` at the last step (R's
        aliasing measure, read by ``_glm_checks.check_fit``).
    """

    coef: np.ndarray
    mu: np.ndarray
    eta: np.ndarray
    working_weights: np.ndarray
    working_residuals: np.ndarray
    bread: np.ndarray
    iterations: int
    relative: np.ndarray | None = None


def family_kind(family: Any) -> str:
    """``"gaussian"``, ``"binomial"`` or ``"poisson"`` from a statsmodels family object."""
    name = type(family).__name__.lower()
    for kind in ("gaussian", "binomial", "poisson"):
        if kind in name:
            return kind
    raise ModelError(
        f"family {type(family).__name__} is not supported; use gaussian, binomial or poisson."
    )


def deviance(kind: str, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """Sum of R ``family$dev.resids``."""
    if kind == "gaussian":
        return float(np.sum(w * (y - mu) ** 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "binomial":
            a = np.where(y > 0, y * np.log(y / mu), 0.0)
            b = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
            return float(np.sum(2 * w * (a + b)))
        a = np.where(y > 0, y * np.log(y / mu), 0.0)
        return float(np.sum(2 * w * (a - (y - mu))))


def _start_mu(kind: str, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    if kind == "binomial":
        return np.asarray((w * y + 0.5) / (w + 1))
    if kind == "poisson":
        return y + 0.1
    return y.copy()


def _valid(kind: str, mu: np.ndarray) -> bool:
    if not np.isfinite(mu).all():
        return False
    if kind == "binomial":
        return bool(((mu > 0) & (mu < 1)).all())
    if kind == "poisson":
        return bool((mu > 0).all())
    return True


#: Rows per block of the Gram-matrix products: bounded temporaries whatever n.
_BLOCK = 262_144
#: Smallest ``diag(R) / column norm`` (after equilibration) for which the Gram route is used:
#: its squared condition number times machine epsilon stays below 1e-8, so one refinement
#: step reaches the accuracy of a QR solve; below it the QR route decides.
_GRAM_MIN = 1e-4


@dataclass(frozen=True)
class WLSStep:
    """One weighted least-squares step.

    Attributes
    ----------
    coef : ndarray, shape (p,)
    gram : ndarray, shape (p, p)
        ``X' W X`` with the step's weights.
    relative : ndarray, shape (p,)
        ``|diag(R)|`` of ``sqrt(W) X`` over its column norms (R's aliasing measure).
    """

    coef: np.ndarray
    gram: np.ndarray
    relative: np.ndarray


def _products(x: np.ndarray, ww: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X' W X`` and ``X' W z`` in row blocks (no (n, p) temporary)."""
    p = x.shape[1]
    gram, xtz = np.zeros((p, p)), np.zeros(p)
    for lo in range(0, x.shape[0], _BLOCK):
        xb = x[lo : lo + _BLOCK]
        xw = xb * ww[lo : lo + _BLOCK, None]
        gram += xw.T @ xb
        xtz += xw.T @ z[lo : lo + _BLOCK]
    return gram, xtz


def _residual_products(
    x: np.ndarray, ww: np.ndarray, z: np.ndarray, coef: np.ndarray
) -> np.ndarray:
    """``X' W (z - X coef)`` in row blocks."""
    out = np.zeros(x.shape[1])
    for lo in range(0, x.shape[0], _BLOCK):
        xb = x[lo : lo + _BLOCK]
        out += (xb * ww[lo : lo + _BLOCK, None]).T @ (z[lo : lo + _BLOCK] - xb @ coef)
    return out


def _wls_gram(x: np.ndarray, z: np.ndarray, ww: np.ndarray) -> WLSStep | None:
    """WLS by corrected semi-normal equations on the Cholesky factor of ``X'WX``.

    ``R'R = X'WX`` is the R of a QR of ``sqrt(W) X`` (up to signs), formed in one
    blocked pass; one step of iterative refinement from the exact residuals gives the
    accuracy of a QR solve for a well-conditioned (equilibrated) matrix (Bjorck 1987).
    None when the matrix is too ill-conditioned for this route.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # not finite: the QR route says why
        gram, xtz = _products(x, ww, z)
    norms = np.sqrt(np.diag(gram))
    if not (np.all(np.isfinite(gram)) and np.all(norms > 0)):
        return None
    scaled = gram / np.outer(norms, norms)
    try:
        r = scipy.linalg.cholesky(scaled, lower=False)
    except np.linalg.LinAlgError:
        return None
    relative = np.abs(np.diag(r))
    if relative.min() <= _GRAM_MIN:
        return None

    def solve(rhs: np.ndarray) -> np.ndarray:
        return np.asarray(scipy.linalg.cho_solve((r, False), rhs / norms) / norms)

    coef = solve(xtz)
    coef = coef + solve(_residual_products(x, ww, z, coef))
    return WLSStep(coef, gram, relative)


def _wls(x: np.ndarray, z: np.ndarray, ww: np.ndarray, names: list[str]) -> WLSStep:
    """Weighted least squares: the Gram route when well conditioned, else a QR of sqrt(W) X.

    The QR route uses corrected semi-normal equations on the R factor of the weighted
    X (without forming Q, which is slow for tall matrices) and names the aliased
    columns of a rank-deficient matrix as R's QR does.
    """
    fast = _wls_gram(x, z, ww)
    if fast is not None:
        return fast
    # the rare route: name a column with infinite or overflowing values first
    _guards.check_value_scale(x, names)
    sw = np.sqrt(ww)
    xs = x * sw[:, None]
    zs = z * sw
    r = np.asarray(np.linalg.qr(xs, mode="r"))
    diag = np.abs(np.diag(r))
    norms = np.linalg.norm(xs, axis=0)
    if diag.size and diag.min() <= _QR_TOL * diag.max():
        # Name the offending columns as R's QR does: a term whose part not explained by
        # the terms before it is negligible (R drops that later term as aliased); else
        # fall back to a rank-revealing (pivoted) QR.
        dropped = [names[j] for j in range(diag.size) if diag[j] <= _QR_TOL * norms[j]]
        if not dropped:
            _, r_piv, piv = scipy.linalg.qr(xs, mode="economic", pivoting=True)
            d_piv = np.abs(np.diag(r_piv))
            rank = int(np.sum(d_piv > _QR_TOL * d_piv[0]))
            dropped = [names[i] for i in piv[rank:]] or [names[int(np.argmin(diag))]]
        raise ModelError(
            f"model matrix is rank deficient: {dropped} are constant or collinear with the other "
            "terms in the estimation rows; drop or combine them."
        )

    def solve(rhs: np.ndarray) -> np.ndarray:
        inner = scipy.linalg.solve_triangular(r, rhs, trans="T")
        return np.asarray(scipy.linalg.solve_triangular(r, inner))

    coef = solve(xs.T @ zs)
    coef = coef + solve(xs.T @ (zs - xs @ coef))
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(norms > 0, diag / norms, 0.0)
    return WLSStep(np.asarray(coef), r.T @ r, relative)


def _linear(x: np.ndarray, y: np.ndarray, prior: np.ndarray, names: list[str]) -> IRLSFit:
    """Fit a linear model: R ``glm.fit``'s first step is the fit (``z = y``, ``W`` = prior).

    The same numbers as the general loop (whose second step changes nothing), without
    its per-row temporaries: one weighted least-squares step, then ``mu = X b``.
    """
    good = prior > 0
    every = bool(good.all())
    xs, ys, ws = (x, y, prior) if every else (x[good], y[good], prior[good])
    step = _wls(xs, ys, ws, names)
    mu = x @ step.coef
    if every:
        return IRLSFit(step.coef, mu, mu, prior, y - mu, np.linalg.inv(step.gram), 1, step.relative)
    mu = np.where(good, mu, 0.0)
    return IRLSFit(
        step.coef,
        mu,
        mu,
        np.where(good, prior, 0.0),
        np.where(good, y - mu, 0.0),
        np.linalg.inv(step.gram),
        1,
        step.relative,
    )


def irls(
    x: np.ndarray,
    y: np.ndarray,
    prior: np.ndarray,
    family: Any,
    names: list[str],
    *,
    start: np.ndarray | None = None,
    max_iter: int = 25,
    tol: float = 1e-8,
) -> IRLSFit:
    """Fit a GLM by IRLS on the rows with positive prior weight, as R ``glm.fit``.

    Parameters
    ----------
    x : ndarray, shape (n, p)
    y : ndarray, shape (n,)
    prior : ndarray, shape (n,)
        Prior weights (rows with weight 0 are ignored).
    family : statsmodels family
    names : list of str
        Column names of ``x`` (for messages).
    start : ndarray, optional
        Starting coefficients (R ``start=``); otherwise R's ``mustart``.
    max_iter, tol : int, float
        R ``glm.control(maxit, epsilon)``: stop when
        ``|dev - dev_old| / (|dev| + 0.1) < tol``.
    """
    kind = family_kind(family)
    if kind == "gaussian" and type(family.link).__name__ == "Identity" and start is None:
        return _linear(x, y, prior, names)
    good = prior > 0
    if good.all():  # the usual case: no copy of X
        w = prior
    else:
        x, y, w = x[good], y[good], prior[good]
    link = family.link
    if start is None:
        mu = _start_mu(kind, y, w)
        eta = link(mu)
    else:
        eta = x @ start
        mu = link.inverse(eta)
    dev_old = deviance(kind, y, mu, w)
    coef_old = start
    for iteration in range(1, max_iter + 1):
        mu_eta = link.inverse_deriv(eta)
        var = family.variance(mu)
        z = eta + (y - mu) / mu_eta
        ww = w * mu_eta**2 / var
        step = _wls(x, z, ww, names)
        coef = step.coef
        eta_new = x @ coef
        mu_new = link.inverse(eta_new)
        dev = deviance(kind, y, mu_new, w)
        halvings = 0
        while not (np.isfinite(dev) and _valid(kind, mu_new)):
            if coef_old is None or halvings > 30:
                raise ConvergenceError(
                    "the GLM fit left the valid range of the mean and could not step back; "
                    "check the response coding and for separation."
                )
            coef = (coef + coef_old) / 2
            eta_new = x @ coef
            mu_new = link.inverse(eta_new)
            dev = deviance(kind, y, mu_new, w)
            halvings += 1
        # A linear model is solved exactly by one weighted least-squares step; R's
        # second iteration reproduces the same coefficients and stops.
        exact = kind == "gaussian" and type(link).__name__ == "Identity"
        converged = exact or abs(dev - dev_old) / (abs(dev) + 0.1) < tol
        eta, mu = eta_new, mu_new
        if converged:
            bread = np.linalg.inv(step.gram)  # X'WX of the last step: no further pass
            full = np.zeros(good.size)
            full[good] = ww
            resid = np.zeros(good.size)
            resid[good] = (y - mu) / link.inverse_deriv(eta)
            mu_full = np.zeros(good.size)
            mu_full[good] = mu
            eta_full = np.zeros(good.size)
            eta_full[good] = eta
            return IRLSFit(coef, mu_full, eta_full, full, resid, bread, iteration, step.relative)
        dev_old = dev
        coef_old = coef
    raise ConvergenceError(
        f"the GLM fit did not converge in {max_iter} iterations (relative deviance change "
        f"still >= {tol}); raise max_iter or check for separation / extreme weights."
    )

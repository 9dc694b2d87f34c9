"""Array kernels of the causal family: weighted logit, weighted least squares, IPW and AIPW.

Arrays only; nothing here knows pandas or designs. Symbols: ``x`` (n, p) covariates
with an intercept column, ``t`` (n,) treatment 0/1, ``y`` (n,) outcome, ``w`` (n,)
survey weights (zero outside the domain), ``e`` (n,) propensity scores.
"""

from __future__ import annotations

import numpy as np

from govstats.errors import ConvergenceError, ModelError

#: Propensity scores this close to 0 or 1 are treated as 0 or 1 (no overlap).
EXTREME = 1e-6


def logit(
    x: np.ndarray,
    t: np.ndarray,
    w: np.ndarray,
    start: np.ndarray | None = None,
    max_iter: int = 25,
    tol: float = 1e-10,
) -> np.ndarray:
    """Weighted logistic regression by Newton-Raphson, (n, p), (n,), (n,) -> (p,).

    Stops when the largest absolute change of a coefficient is below ``tol`` times
    (1 + its size). Under separation the coefficients diverge and fitted scores run
    to 0 or 1: the last iterate is returned so that the caller refuses (or trims)
    those scores; any other failure to converge is a :class:`ConvergenceError`.
    """
    beta = np.zeros(x.shape[1]) if start is None else np.array(start, dtype=np.float64)
    for _ in range(max_iter):
        eta = np.clip(x @ beta, -40, 40)
        mu = 1.0 / (1.0 + np.exp(-eta))
        grad = x.T @ (w * (t - mu))
        hess = (x * (w * mu * (1 - mu))[:, None]).T @ x
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError as error:
            raise ModelError(
                "the propensity model is singular: a covariate is constant or collinear "
                "among the rows with weight."
            ) from error
        beta = beta + step
        if np.max(np.abs(step) / (1.0 + np.abs(beta))) < tol:
            return beta
    fitted = predict(x, beta)[w > 0]
    if np.any((fitted < EXTREME) | (fitted > 1 - EXTREME)):
        return beta
    raise ConvergenceError(
        f"the propensity logit did not converge in {max_iter} Newton steps; a covariate may "
        "separate treated from untreated (propensity 0 or 1). Drop or coarsen it, or trim."
    )


def predict(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Logistic probabilities ``1 / (1 + exp(-x beta))``."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x @ beta, -700, 700))))


def ipw(t: np.ndarray, e: np.ndarray, w: np.ndarray, estimand: str, stabilize: bool) -> np.ndarray:
    """Inverse-probability weights (n,).

    ATE: ``t/e + (1-t)/(1-e)``; ATT: ``t + (1-t) e/(1-e)``. Stabilised ATE weights
    multiply by the weighted share of the row's own group (Robins et al. 2000);
    stabilised ATT weights rescale the controls to the treated group's weighted total.
    """
    if estimand == "ATE":
        out = t / e + (1 - t) / (1 - e)
        if stabilize:
            p1 = float(np.sum(w * t) / np.sum(w))
            out = out * np.where(t == 1, p1, 1 - p1)
        return np.asarray(out)
    out = t + (1 - t) * e / (1 - e)
    if stabilize:
        controls = float(np.sum(w * (1 - t) * e / (1 - e)))
        out = t + (1 - t) * e / (1 - e) * float(np.sum(w * t)) / controls
    return np.asarray(out)


def wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least squares coefficients (p,)."""
    xtx = (x * w[:, None]).T @ x
    return np.asarray(np.linalg.solve(xtx, (x * w[:, None]).T @ y))


def aipw_scores(
    x: np.ndarray, t: np.ndarray, y: np.ndarray, w: np.ndarray, e: np.ndarray, estimand: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Doubly robust estimates and per-row scores.

    Returns
    -------
    estimate : ndarray, shape (3,)
        ``[effect, mean of Y(1), mean of Y(0)]`` (ATE: population means; ATT: among the
        treated).
    score : ndarray, shape (n, 3)
        Per-row terms ``psi_i`` whose weighted mean is the estimate.
    denominator : ndarray, shape (n,)
        The row's contribution to the normalising total (1 for ATE, ``t`` for ATT).

    Notes
    -----
    Outcome models ``m_a(x)`` are weighted linear regressions within each arm.
    ATE (Robins, Rotnitzky and Zhao 1994; Kang and Schafer 2007):
    ``mu_1 = sum w [m_1 + t (y - m_1)/e] / sum w``,
    ``mu_0 = sum w [m_0 + (1-t)(y - m_0)/(1-e)] / sum w``.
    ATT (Moodie et al. 2018): ``mu_1 = sum w t y / sum w t`` and
    ``mu_0 = sum w [t m_0 + (1-t) e/(1-e) (y - m_0)] / sum w t``.
    """
    treated, control = (w > 0) & (t == 1), (w > 0) & (t == 0)
    m1 = x @ wls(x[treated], y[treated], w[treated])
    m0 = x @ wls(x[control], y[control], w[control])
    if estimand == "ATE":
        psi1 = m1 + t * (y - m1) / e
        psi0 = m0 + (1 - t) * (y - m0) / (1 - e)
        denominator = np.ones_like(t)
    else:
        psi1 = t * y
        psi0 = t * m0 + (1 - t) * e / (1 - e) * (y - m0)
        denominator = t.astype(np.float64)
    score = np.column_stack([psi1 - psi0, psi1, psi0])
    estimate = (w @ score) / float(w @ denominator)
    return estimate, score, denominator

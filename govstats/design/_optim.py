"""R's variable-metric minimiser (``optim(method="BFGS")``, C ``vmmin``) and ``optimhess``.

Arrays only. The ordinal models reproduce R ``svyolr`` and ``MASS::polr``, which stop
where R's BFGS stops (a relative change of the objective below ``reltol``); running
the same iterations from the same start gives R's estimates, not merely a nearby
optimum. The step rules are those of Nash (1990), *Compact Numerical Methods*,
algorithm 21, as implemented in R's ``src/appl/optim.c``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from govstats.errors import ConvergenceError

_STEPREDN = 0.2
_ACCTOL = 0.0001
_RELTEST = 10.0
#: R optim's default ``reltol``: ``sqrt(.Machine$double.eps)``.
RELTOL = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True)
class Minimum:
    """Result of :func:`vmmin`: parameters, objective value, counts and convergence code."""

    par: np.ndarray
    value: float
    fn_count: int
    gr_count: int
    converged: bool


def vmmin(
    fn: Callable[[np.ndarray], float],
    gr: Callable[[np.ndarray], np.ndarray],
    start: np.ndarray,
    *,
    max_iter: int = 100,
    tol: float = RELTOL,
) -> Minimum:
    """Minimise ``fn`` with gradient ``gr`` by R's BFGS (``optim(method="BFGS")``).

    Parameters
    ----------
    fn, gr : callable
        Objective and its gradient, of a parameter vector of shape (k,).
    start : ndarray, shape (k,)
    max_iter : int, default 100
        R ``control$maxit``.
    tol : float
        R ``control$reltol``: stop when an accepted step changes the objective by
        less than ``tol * (|f| + tol)``.

    Returns
    -------
    Minimum
    """
    b = np.array(start, dtype=np.float64)
    n = b.size
    f = fn(b)
    if not np.isfinite(f):
        raise ConvergenceError("the initial value of the likelihood is not finite.")
    fmin = f
    funcount = gradcount = 1
    g = np.asarray(gr(b), dtype=np.float64)
    iteration = 1
    ilast = gradcount
    bmat = np.eye(n)
    x = b.copy()
    c = g.copy()
    t = np.zeros(n)
    count = 0
    while True:
        if ilast == gradcount:
            bmat = np.eye(n)
        x = b.copy()
        c = g.copy()
        t = -(bmat @ g)
        gradproj = float(t @ g)
        if gradproj < 0.0:
            steplength = 1.0
            accpoint = False
            while True:
                b = x + steplength * t
                count = int(np.sum(_RELTEST + x == _RELTEST + b))
                if count < n:
                    f = fn(b)
                    funcount += 1
                    accpoint = bool(np.isfinite(f)) and f <= fmin + gradproj * steplength * _ACCTOL
                    if not accpoint:
                        steplength *= _STEPREDN
                if count == n or accpoint:
                    break
            enough = f > -np.inf and abs(f - fmin) > tol * (abs(fmin) + tol)
            if not enough:
                count = n
                fmin = f
            if count < n:
                fmin = f
                g = np.asarray(gr(b), dtype=np.float64)
                gradcount += 1
                iteration += 1
                t = steplength * t
                c = g - c
                d1 = float(t @ c)
                if d1 > 0:
                    xv = bmat @ c
                    d2 = 1.0 + float(xv @ c) / d1
                    bmat = bmat + (d2 * np.outer(t, t) - np.outer(xv, t) - np.outer(t, xv)) / d1
                else:
                    ilast = gradcount
            elif ilast < gradcount:
                count = 0
                ilast = gradcount
        else:
            count = 0
            if ilast == gradcount:
                count = n
            else:
                ilast = gradcount
        if iteration >= max_iter:
            break
        if gradcount - ilast > 2 * n:
            ilast = gradcount
        if count == n and ilast == gradcount:
            break
    converged = iteration < max_iter
    return Minimum(b, float(fmin), funcount, gradcount, converged)


def optimhess(
    gr: Callable[[np.ndarray], np.ndarray], par: np.ndarray, ndeps: float = 1e-3
) -> np.ndarray:
    """Hessian by central differences of the gradient, symmetrised, as R ``optimhess``."""
    par = np.asarray(par, dtype=np.float64)
    k = par.size
    hess = np.empty((k, k))
    for i in range(k):
        up = par.copy()
        up[i] += ndeps
        down = up.copy()
        down[i] -= 2 * ndeps
        hess[i] = (np.asarray(gr(up)) - np.asarray(gr(down))) / (2 * ndeps)
    return (hess + hess.T) / 2

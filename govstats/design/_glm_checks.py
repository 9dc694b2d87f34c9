"""Checks of a design GLM fit that R makes (or that keep infinite t values out).

* a response constant in the estimation rows: no slope can be estimated and every
  SE is 0 (t = +-inf): :class:`ModelError` naming the response;
* fitted probabilities numerically 0 or 1 (separation): :class:`GovstatsWarning`
  with R ``glm.fit``'s words;
* terms collinear with earlier ones within R ``lm``'s aliasing tolerance (1e-7
  relative to the column's norm; ``glm`` itself only aliases below 1e-11, which the
  fit refuses): :class:`GovstatsWarning` naming the terms, whose coefficients are
  then huge and meaningless;
* an essentially perfect fit (residuals zero to rounding): :class:`GovstatsWarning`
  as R ``summary.lm``.
"""

from __future__ import annotations

import warnings

import numpy as np

from govstats.errors import GovstatsWarning, ModelError

#: R ``glm.fit``: ``eps <- 10 * .Machine$double.eps`` for fitted probabilities.
PROBABILITY_EPS = 10 * np.finfo(np.float64).eps
#: R ``lm``'s QR tolerance: a column whose part not explained by the earlier columns
#: is below this fraction of its norm is aliased.
ALIAS_TOL = 1e-7
#: Residuals smaller than this fraction of the response's spread: a perfect fit.
PERFECT_FIT_TOL = 1e-10


def check_response(y: np.ndarray, name: str) -> None:
    """Refuse a response with a single value in the estimation rows, shape (n_active,)."""
    if y.size and np.all(y == y[0]):
        raise ModelError(
            f"the response {name!r} takes the single value {y[0]:g} in every estimation row: "
            "no coefficient but the intercept can be estimated and every standard error "
            "would be 0 (t = +-inf). Check the subset or the coding of the response."
        )


def check_fit(
    x: np.ndarray,
    y: np.ndarray,
    mu: np.ndarray,
    working_weights: np.ndarray,
    names: list[str],
    kind: str,
    relative: np.ndarray | None = None,
) -> None:
    """Warn on separation, near-aliased terms and perfect fits (rows: estimation rows only).

    Parameters
    ----------
    x : ndarray, shape (n, p)
    y, mu, working_weights : ndarray, shape (n,)
    names : list of str, length p
    kind : str
        ``"gaussian"``, ``"binomial"`` or ``"poisson"``.
    relative : ndarray, shape (p,), optional
        ``|diag(R)|`` over the column norms of ``sqrt(W) X`` if the fit has them
        (``IRLSFit.relative``); otherwise a QR computes them.
    """
    if kind == "binomial" and ((mu < PROBABILITY_EPS) | (mu > 1 - PROBABILITY_EPS)).any():
        warnings.warn(
            "glm.fit: fitted probabilities numerically 0 or 1 occurred (as R warns): the "
            "predictors separate the response (almost) perfectly, so the coefficients and "
            "standard errors are not meaningful. Drop or merge the separating terms, or "
            "use a penalised (Firth) model.",
            GovstatsWarning,
            stacklevel=3,
        )
    if relative is None and x.shape[1] > 1:
        xs = x * np.sqrt(working_weights)[:, None]
        norms = np.linalg.norm(xs, axis=0)
        if np.all(norms > 0):
            relative = np.abs(np.diag(np.linalg.qr(xs, mode="r"))) / norms
    if relative is not None and x.shape[1] > 1 and np.all(np.isfinite(relative)):
        aliased = [names[j] for j in np.flatnonzero(relative < ALIAS_TOL)]
        if aliased:
            warnings.warn(
                f"the terms {aliased} are collinear with the terms before them (the part "
                f"of each that they do not explain is below {ALIAS_TOL:g} of its size, R "
                "lm's aliasing tolerance): their coefficients and standard errors are not "
                "meaningful. Drop or combine them.",
                GovstatsWarning,
                stacklevel=3,
            )
    if kind == "gaussian":
        spread = float(np.max(np.abs(y - y.mean()))) if y.size else 0.0
        if spread > 0 and float(np.max(np.abs(y - mu))) <= PERFECT_FIT_TOL * spread:
            warnings.warn(
                "essentially perfect fit: the residuals are zero to rounding, so the "
                "standard errors and t values are unreliable (as R summary.lm warns).",
                GovstatsWarning,
                stacklevel=3,
            )

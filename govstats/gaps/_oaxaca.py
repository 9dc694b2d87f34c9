"""Array kernel of the Oaxaca–Blinder decomposition (weighted least squares).

Notation (Jann 2008): groups A (code 0) and B (code 1), ``xbar_g`` weighted covariate
means, ``b_g`` group coefficients, ``b*`` the reference (non-discriminatory) coefficients.
Gap ``R = ybar_A - ybar_B = xbar_A b_A - xbar_B b_B``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CategoricalBlock", "decompose", "n_outputs", "wls"]


@dataclass(frozen=True)
class CategoricalBlock:
    """Columns of one treatment-coded factor, for the normalised detailed decomposition.

    Attributes
    ----------
    columns : tuple of int
        Positions of the dummy columns in the design matrix (reference level omitted).
    """

    columns: tuple[int, ...]


def wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least squares coefficients from the normal equations, (n, p) -> (p,)."""
    xw = x * w[:, None]
    return np.asarray(np.linalg.solve(xw.T @ x, xw.T @ y))


def _normalise(
    b: np.ndarray, xbar: np.ndarray, intercept: int | None, blocks: tuple[CategoricalBlock, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Yun (2005) / Gardeazabal–Ugidos (2004) normalisation of treatment-coded factors.

    For every factor with dummy coefficients ``b_J`` (reference 0), subtract their mean
    over all levels, ``m = sum b_J / (|J| + 1)``, add ``m`` to the intercept and append the
    reference level's coefficient ``-m`` with its mean share ``1 - sum xbar_J``. Fitted
    values are unchanged; coefficients no longer depend on the omitted level.
    Returns the extended (b, xbar); the appended entries follow the original p.
    """
    if not blocks or intercept is None:
        return b, xbar
    b = b.copy()
    extra_b, extra_x = [], []
    for blk in blocks:
        cols = list(blk.columns)
        m = b[cols].sum() / (len(cols) + 1)
        b[cols] -= m
        b[intercept] += m
        extra_b.append(-m)
        extra_x.append(1.0 - xbar[cols].sum())
    return np.concatenate([b, extra_b]), np.concatenate([xbar, extra_x])


def n_outputs(q: int) -> int:
    """Length of :func:`decompose`'s output for ``q`` detailed terms."""
    return 8 + 5 * q


def decompose(
    x: np.ndarray,
    y: np.ndarray,
    in_b: np.ndarray,
    w: np.ndarray,
    *,
    reference: str | float,
    intercept: int | None,
    blocks: tuple[CategoricalBlock, ...],
) -> np.ndarray:
    """Twofold and threefold Oaxaca–Blinder decomposition with detailed contributions.

    Parameters
    ----------
    x : (n, p) design matrix (with intercept); y : (n,) outcome; in_b : (n,) bool, group B;
    w : (n,) weights (0 = row not used).
    reference : "pooled" (pooled model with a group indicator, Jann 2008), "neumark"
        (pooled model without it), "group0", "group1", "reimers" (0.5), "cotton"
        (group-A weight share) or a float omega: ``b* = omega b_A + (1 - omega) b_B``.
    intercept : column of the intercept (needed for normalisation), or None.
    blocks : factors to normalise.

    Returns
    -------
    numpy.ndarray
        ``[ybar_A, ybar_B, gap, explained, unexplained, endowments, coefficients,
        interaction]`` followed by q detailed values each of explained, unexplained,
        endowments, coefficients, interaction (q = p + number of blocks).
        Twofold: ``explained_k = (xA_k - xB_k) b*_k``,
        ``unexplained_k = xA_k (bA_k - b*_k) + xB_k (b*_k - bB_k)``.
        Threefold (group-B coefficients as reference, as Stata ``oaxaca`` and
        statsmodels): ``E_k = (xA_k - xB_k) bB_k``, ``C_k = xB_k (bA_k - bB_k)``,
        ``I_k = (xA_k - xB_k)(bA_k - bB_k)``.
    """
    wa = np.where(in_b, 0.0, w)
    wb = np.where(in_b, w, 0.0)
    sa, sb = wa.sum(), wb.sum()
    xa = wa @ x / sa
    xb = wb @ x / sb
    ya = wa @ y / sa
    yb = wb @ y / sb
    ba = wls(x, y, wa)
    bb = wls(x, y, wb)
    if reference == "pooled":
        bstar = wls(np.column_stack([x, in_b.astype(float)]), y, w)[:-1]
    elif reference == "neumark":
        bstar = wls(x, y, w)
    else:
        if reference == "group0":
            omega = 1.0
        elif reference == "group1":
            omega = 0.0
        elif reference == "reimers":
            omega = 0.5
        elif reference == "cotton":
            omega = sa / (sa + sb)
        else:
            omega = float(reference)
        bstar = omega * ba + (1 - omega) * bb
    xa_n, bb_n = xa, bb
    ba_n, xa_n = _normalise(ba, xa, intercept, blocks)
    bb_n, xb_n = _normalise(bb, xb, intercept, blocks)
    bs_n, _ = _normalise(bstar, xa, intercept, blocks)
    dx = xa_n - xb_n
    explained = dx * bs_n
    unexplained = xa_n * (ba_n - bs_n) + xb_n * (bs_n - bb_n)
    endow = dx * bb_n
    coef = xb_n * (ba_n - bb_n)
    inter = dx * (ba_n - bb_n)
    head = [
        ya,
        yb,
        ya - yb,
        explained.sum(),
        unexplained.sum(),
        endow.sum(),
        coef.sum(),
        inter.sum(),
    ]
    return np.concatenate([head, explained, unexplained, endow, coef, inter])

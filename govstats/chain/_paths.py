"""Array kernels: weighted cross-products and the path equations of the chain.

Notation: ``Z`` is the (n, q) matrix ``[1, x, C..., M1..Mk, Y]``; a packed
cross-product is the upper triangle (``np.triu_indices(q)`` order) of
``Z' diag(w) Z``. Every equation ``response ~ regressors`` is solved from the
cross-product alone, so replicate fits need only per-PSU cross-products
``S_p`` (n_psu, q(q+1)/2) and the replicate factor matrix ``F`` (n_psu, R):
replicate r's cross-product is ``F[:, r] @ S_p`` (one matrix product for all).
Nothing here knows pandas.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from govstats.design import _kernel

Equation = tuple[str, list[int], int]

#: A regressor whose residual sum of squares, given the regressors before it, is below
#: this fraction of its own (centred) sum of squares is treated as collinear.
COLLINEAR_TOL = 1e-10


def pair_index(q: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the packed upper triangle of a (q, q) matrix."""
    return _kernel.packed_index(q)


def unpack(packed: np.ndarray, q: int) -> np.ndarray:
    """(..., q(q+1)/2) packed upper triangles -> (..., q, q) symmetric matrices."""
    return _kernel.unpack(packed, q)


def psu_crossproducts(
    z: np.ndarray, weights: np.ndarray, psu_index: np.ndarray, n_psu: int
) -> np.ndarray:
    """Per-PSU weighted cross-products, (n_psu, q(q+1)/2) packed.

    The shared one-pass kernel :func:`govstats.design._kernel.psu_crossproducts`
    (one small product per PSU on PSU-ordered, column-major rows).
    """
    return _kernel.psu_crossproducts(z, weights, psu_index, n_psu)


def row_crossproducts(z: np.ndarray) -> np.ndarray:
    """(n, q) -> (n, q(q+1)/2): every row's packed outer product ``z_i z_i'``."""
    rows, cols = pair_index(z.shape[1])
    return np.asarray(z[:, rows] * z[:, cols])


def solve_equations(full: np.ndarray, equations: Sequence[Equation]) -> list[np.ndarray]:
    """Solve every equation's normal equations for a batch of cross-products.

    Parameters
    ----------
    full : (R, q, q) float64 array
        Weighted cross-products of ``Z``, one per replicate (R = 1 for the full sample).
    equations : sequence of (name, regressor columns, response column)

    Returns
    -------
    list of (R, p_e) float64 arrays
        Coefficients of every equation, regressors in the given order.

    Raises
    ------
    numpy.linalg.LinAlgError
        If a replicate's normal equations are singular.
    """
    coefs = []
    for _, regs, resp in equations:
        idx = np.asarray(regs)
        a = full[:, idx[:, None], idx[None, :]]
        b = full[:, idx, resp]
        coefs.append(np.linalg.solve(a, b[..., None])[..., 0])
    return coefs


def first_collinear(full: np.ndarray, order: Sequence[int]) -> tuple[int, str] | None:
    """Find the first column of ``order`` that is constant or explained by earlier ones.

    ``full`` is a (q, q) weighted cross-product whose column 0 is the intercept.
    The check runs on the weighted correlation matrix, so columns with large means
    (income in yuan) do not lose precision. Returns (column, "constant" | "collinear")
    or None.
    """
    total_w = full[0, 0]
    mean = full[0] / total_w
    cov = full / total_w - np.outer(mean, mean)
    var = np.diag(cov).copy()
    second = np.diag(full) / total_w
    for col in order:
        if col != 0 and var[col] <= COLLINEAR_TOL * max(second[col], 1e-300):
            return col, "constant"
    cols = [c for c in order if c != 0]
    sd = np.sqrt(var[cols])
    corr = cov[np.ix_(cols, cols)] / np.outer(sd, sd)
    for pos in range(1, len(cols)):
        r = corr[:pos, pos]
        explained = r @ np.linalg.lstsq(corr[:pos, :pos], r, rcond=None)[0]
        if 1.0 - explained <= COLLINEAR_TOL:
            return cols[pos], "collinear"
    return None


def influence(
    z: np.ndarray,
    weights: np.ndarray,
    full: np.ndarray,
    coefs: Sequence[np.ndarray],
    equations: Sequence[Equation],
) -> np.ndarray:
    """Weighted influence values of every coefficient of every equation, stacked.

    Row i of equation e is ``w_i e_i (X'WX)^{-1} x_i`` with ``e_i`` the residual; the
    column sums are zero at the solution and their design covariance is the
    linearization (sandwich) covariance of the coefficients, across equations.

    Parameters
    ----------
    z : (n, q) array
    weights : (n,) array
    full : (q, q) array
        Full-sample weighted cross-product.
    coefs : sequence of (p_e,) arrays
    equations : sequence of (name, regressor columns, response column)

    Returns
    -------
    (n, sum p_e) float64 array
    """
    blocks = []
    for beta, (_, regs, resp) in zip(coefs, equations, strict=True):
        idx = np.asarray(regs)
        x = z[:, idx]
        resid = z[:, resp] - x @ beta
        bread = np.linalg.inv(full[np.ix_(idx, idx)])
        blocks.append((x * (weights * resid)[:, None]) @ bread)
    return np.hstack(blocks)


def model_vcov(
    full: np.ndarray, coefs: Sequence[np.ndarray], equations: Sequence[Equation], n_rows: int
) -> np.ndarray:
    """Model-based covariance of every equation's coefficients (R ``lm``, Stata ``regress``).

    ``sigma2_e (X_e' W X_e)^-1`` per equation with ``sigma2_e = sum w e^2 / (n - p_e)``
    (``p_e`` counts the intercept), as ``vcov(lm(..., weights = w))``; invariant to the
    scale of the weights. Equations are independent: zero covariance across them.

    Parameters
    ----------
    full : (q, q) float64 array
        Weighted cross-products of ``Z`` (full sample).
    coefs : sequence of (p_e,) float64 arrays
        Coefficients of every equation.
    equations : sequence of (name, regressor columns, response column)
    n_rows : int
        Rows with a positive weight.

    Returns
    -------
    (sum p_e, sum p_e) float64 array
        Block diagonal, equations in the given order.
    """
    blocks = []
    for beta, (_, regs, resp) in zip(coefs, equations, strict=True):
        idx = np.asarray(regs)
        a = full[idx[:, None], idx[None, :]]
        rss = float(full[resp, resp] - beta @ full[idx, resp])
        blocks.append(max(rss, 0.0) / (n_rows - idx.size) * np.linalg.inv(a))
    size = sum(b.shape[0] for b in blocks)
    out = np.zeros((size, size))
    start = 0
    for block in blocks:
        end = start + block.shape[0]
        out[start:end, start:end] = block
        start = end
    return out

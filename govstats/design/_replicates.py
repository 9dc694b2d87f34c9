"""Array kernels for replicate weights: factor generators, replicate totals and variance.

Every generator works on PSUs, not rows. Its input describes the first-stage
sampling units (``psu_strata``: the stratum code of every PSU, ``psu_order``: the
rank of every PSU by first appearance in the data, which is R's ``unique(psu)``
order) and it returns a factor matrix ``F`` of shape ``(n_psu, R)``: the replicate
weight of row ``i`` in replicate ``r`` is ``w_i * F[psu_i, r]``. Nothing here knows
pandas or the design object.

Symbols follow R ``survey`` (Lumley 2010, ch. 2.3): ``n_h`` PSUs sampled in stratum
``h``, ``f_h`` the first-stage sampling fraction, ``scale`` and ``rscales`` the
constants of ``var = scale * sum_r rscales[r] (theta_r - centre)^2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from govstats.design import inference
from govstats.errors import DesignError

__all__ = [
    "FactorSet",
    "brr_factors",
    "dense_codes",
    "hadamard",
    "jk1_factors",
    "jkn_factors",
    "paley",
    "product_rank_df",
    "psu_totals",
    "rank_df",
    "rao_wu_factors",
]


@dataclass(frozen=True)
class FactorSet:
    """Replicate factors of one method.

    Attributes
    ----------
    factors : ndarray, shape (n_psu, R)
        Multiplier of the full-sample weight of every row of PSU ``k`` in replicate ``r``.
    scale : float
        Overall variance constant.
    rscales : ndarray, shape (R,)
        Per-replicate variance constants.
    """

    factors: np.ndarray
    scale: float
    rscales: np.ndarray


def _first_appearance_order(psu_order: np.ndarray) -> np.ndarray:
    """PSU codes sorted by their first appearance in the data (R ``unique(psu)``)."""
    return np.argsort(psu_order, kind="stable")


def jk1_factors(psu_order: np.ndarray, fpc_fraction: float = 0.0) -> FactorSet:
    """Delete-one-PSU jackknife for an unstratified design, as R ``jk1weights``.

    Parameters
    ----------
    psu_order : ndarray, shape (n_psu,)
        Rank of every PSU by first appearance in the data; replicate ``r`` deletes
        the PSU of rank ``r``.
    fpc_fraction : float
        First-stage sampling fraction ``f = n / N`` (0 without fpc).

    Returns
    -------
    FactorSet
        ``F = n/(n-1) (J - I)`` in appearance order, ``scale = (1-f)(n-1)/n``,
        ``rscales = 1``.
    """
    n = psu_order.shape[0]
    if n < 2:
        raise DesignError(
            f"JK1 replicates need at least 2 PSUs; the design has {n}. "
            "Use linearization for this design."
        )
    order = _first_appearance_order(psu_order)
    factors = np.full((n, n), n / (n - 1.0))
    factors[order, np.arange(n)] = 0.0
    scale = (1.0 - fpc_fraction) * (n - 1.0) / n
    return FactorSet(factors, float(scale), np.ones(n))


def jkn_factors(
    psu_strata: np.ndarray,
    psu_order: np.ndarray,
    fpc_fraction: np.ndarray,
    stratum_labels: list[str],
    lonely_psu: str = "fail",
) -> FactorSet:
    """Stratified delete-one-PSU jackknife, as R ``jknweights``.

    Parameters
    ----------
    psu_strata : ndarray of int, shape (n_psu,)
        Stratum code of every PSU.
    psu_order : ndarray of int, shape (n_psu,)
        Rank of every PSU by first appearance in the data.
    fpc_fraction : ndarray, shape (n_strata,)
        First-stage sampling fraction ``f_h`` per stratum code (0 without fpc).
    stratum_labels : list of str
        Label of every stratum code (for messages and R's stratum order).
    lonely_psu : str
        R ``survey.lonely.psu``: a stratum with one PSU fails, is skipped
        (``"remove"``, ``"certainty"``, ``"average"``) or gets one replicate that
        drops it and scales every other stratum by ``H/(H-1)`` (``"adjust"``).

    Returns
    -------
    FactorSet
        One replicate per PSU; ``rscales = (n_h-1)/n_h (1-f_h)``; ``scale = 1``
        (``"average"`` multiplies it by ``n_psu / R``). Strata sampled completely
        (``f_h = 1``) get no replicates, as R does with ``survey.drop.replicates``.
    """
    n_psu = psu_strata.shape[0]
    order = _first_appearance_order(psu_order)
    # R walks strata in order of first appearance of the stratum in the data
    first_rank = np.full(len(stratum_labels), np.iinfo(np.int64).max)
    np.minimum.at(first_rank, psu_strata, psu_order)
    strata_walk = [int(h) for h in np.argsort(first_rank, kind="stable") if first_rank[h] < n_psu]
    n_strata = len(strata_walk)
    columns: list[np.ndarray] = []
    rscales: list[float] = []
    for h in strata_walk:
        members = order[psu_strata[order] == h]
        n_h = members.shape[0]
        f_h = float(fpc_fraction[h])
        if f_h >= 1.0:
            continue
        if n_h == 1:
            if lonely_psu == "fail":
                raise DesignError(
                    f"stratum {stratum_labels[h]!r} has only one PSU, so it cannot be "
                    "jackknifed; choose lonely_psu='adjust', 'average', 'remove' or "
                    "'certainty' on the design, or merge the stratum with a neighbour"
                )
            if lonely_psu == "adjust":
                col = np.full(n_psu, n_strata / (n_strata - 1.0))
                col[psu_strata == h] = 0.0
                columns.append(col)
                rscales.append((n_strata - 1.0) / n_strata)
            continue
        for k in members:
            col = np.ones(n_psu)
            col[members] = n_h / (n_h - 1.0)
            col[k] = 0.0
            columns.append(col)
            rscales.append((1.0 - f_h) * (n_h - 1.0) / n_h)
    if not columns:
        raise DesignError(
            "every stratum was sampled completely (fpc equals the sample size): there is "
            "no sampling variance to replicate"
        )
    scale = 1.0
    if len(columns) < n_psu and lonely_psu == "average":
        scale = n_psu / len(columns)
    return FactorSet(np.column_stack(columns), scale, np.asarray(rscales))


_SMALL_PRIMES_3MOD4 = [
    p for p in range(3, 8000) if p % 4 == 3 and all(p % d for d in range(2, int(p**0.5) + 1))
]


def paley(n: int) -> np.ndarray | None:
    """Build R ``paley(n)``: 0/1 Hadamard matrix of size p + 1 (least prime p >= n, p = 3 mod 4)."""
    candidates = [p for p in _SMALL_PRIMES_3MOD4 if p >= n]
    if not candidates:
        return None
    p = candidates[0]
    m = np.add.outer(np.arange(p), np.arange(p)) % p
    residues = {0, 1} | {(i * i) % p for i in range(2, (p - 1) // 2 + 1)}
    m = np.where(np.isin(m, list(residues)), 0, 1)
    top = np.ones((1, p), dtype=np.int64)
    body = np.vstack([top, m])
    return np.hstack([np.ones((p + 1, 1), dtype=np.int64), body])


def _sylvester(size: int) -> np.ndarray:
    """0/1 Sylvester matrix by R's ``hadamard.doubler`` (``[[H, H], [H, 1-H]]``)."""
    h = np.array([[1, 1], [1, 0]], dtype=np.int64)
    while h.shape[0] < size:
        h = np.block([[h, h], [h, 1 - h]])
    return h


def hadamard(n: int) -> np.ndarray:
    """Return a 0/1 Hadamard matrix with more than ``n`` rows, as R ``survey::hadamard``.

    Sizes up to 4 and every power of two are Sylvester matrices built by R's doubling
    rule; other sizes use the Paley construction (R ``paley``) or a doubled one,
    whichever is smallest. R stores a few matrices (28 and 36 rows) from published
    tables that are not rebuilt here: designs needing exactly those sizes get a
    different, equally balanced, set of half-samples.
    """
    target = n + 1
    best: tuple[int, int, np.ndarray] | None = None
    size = 4
    while size < target:
        size *= 2
    best = (size, 0, _sylvester(size))
    pal = paley(n)
    if pal is not None and pal.shape[0] < best[0]:
        best = (pal.shape[0], 1, pal)
    for doublings in range(1, 8):
        base = paley(max(3, -(-target // 2**doublings) - 1))
        if base is None:
            continue
        h = base
        for _ in range(doublings):
            h = np.block([[h, h], [h, 1 - h]])
        if target <= h.shape[0] < best[0]:
            best = (h.shape[0], 2, h)
    return best[2]


def brr_factors(
    psu_strata: np.ndarray,
    psu_order: np.ndarray,
    stratum_labels: list[str],
    fay_rho: float = 0.0,
) -> FactorSet:
    """Balanced repeated replication (and Fay's variant), as R ``brrweights``.

    Parameters
    ----------
    psu_strata, psu_order : ndarray of int, shape (n_psu,)
        Stratum code and first-appearance rank of every PSU.
    stratum_labels : list of str
        Stratum labels; R numbers the half-sample pairs in sorted label order,
        strata with more than two PSUs (split into consecutive pairs) first.
    fay_rho : float
        Fay's coefficient; 0 gives BRR.

    Returns
    -------
    FactorSet
        Factors ``2 - rho`` for the PSU in the half-sample and ``rho`` for its partner,
        one replicate per column of the Hadamard matrix; ``scale = 1/(R (1-rho)^2)``.
    """
    if not 0.0 <= fay_rho < 1.0:
        raise DesignError(f"fay_rho must be in [0, 1); got {fay_rho}")
    n_psu = psu_strata.shape[0]
    order = _first_appearance_order(psu_order)
    sizes = np.bincount(psu_strata, minlength=len(stratum_labels))
    present = [h for h in range(len(stratum_labels)) if sizes[h] > 0]
    small = [stratum_labels[h] for h in present if sizes[h] < 2]
    if small:
        raise DesignError(
            f"BRR needs two PSUs per stratum; strata {small} have one. Merge each with a "
            "neighbouring stratum, or use jkn/bootstrap replicates"
        )
    odd = [stratum_labels[h] for h in present if sizes[h] > 2 and sizes[h] % 2 == 1]
    if odd:
        raise DesignError(
            f"BRR splits strata with more than two PSUs into pairs; strata {odd} have an odd "
            "number of PSUs. Use jkn or bootstrap replicates"
        )
    first_col = np.zeros(n_psu, dtype=np.int64)  # which half (0/1) the PSU is in
    pair = np.zeros(n_psu, dtype=np.int64)
    upto = 0
    by_label = sorted(present, key=lambda h: stratum_labels[h])
    large = [h for h in by_label if sizes[h] > 2]
    good = [h for h in by_label if sizes[h] == 2]
    for h in large + good:
        members = order[psu_strata[order] == h]
        first_col[members] = np.arange(members.shape[0]) % 2
        pair[members] = upto + np.arange(members.shape[0]) // 2
        upto += members.shape[0] // 2
    h_mat = hadamard(upto)
    signs = h_mat[1 : upto + 1, :][pair]  # (n_psu, R): 1 selects the first PSU of the pair
    in_half = np.where(first_col[:, None] == 0, signs, 1 - signs)
    factors = np.where(in_half == 1, 2.0 - fay_rho, fay_rho)
    n_rep = factors.shape[1]
    return FactorSet(factors, 1.0 / (n_rep * (1.0 - fay_rho) ** 2), np.ones(n_rep))


def rao_wu_factors(
    psu_strata: np.ndarray,
    stratum_labels: list[str],
    replicates: int,
    seed: int,
    lonely_psu: str = "fail",
) -> FactorSet:
    """Rao–Wu rescaled bootstrap with ``m_h = n_h - 1``, as R ``subbootweights``.

    The draws are :func:`govstats.design.inference.rao_wu_factors` (one child
    generator per stratum, spawned from ``seed``); here a stratum with a single
    PSU is refused unless the lonely-PSU rule gives it no variance
    (``"certainty"``, ``"remove"``: factor 1). ``scale = 1/(R-1)``, ``rscales = 1``.
    """
    if replicates < 2:
        raise DesignError(f"the bootstrap needs at least 2 replicates; got {replicates}")
    if lonely_psu not in ("certainty", "remove"):
        sizes = np.bincount(psu_strata, minlength=len(stratum_labels))
        lonely = np.flatnonzero(sizes == 1)
        if lonely.size:
            raise DesignError(
                f"stratum {stratum_labels[int(lonely[0])]!r} has only one PSU, which the "
                "rescaled bootstrap cannot resample; merge it with a neighbouring stratum or set "
                "lonely_psu='certainty' (no variance contribution) on the design"
            )
    factors = np.hstack(list(inference.rao_wu_factors(psu_strata, replicates, seed=seed)))
    return FactorSet(factors, 1.0 / (replicates - 1.0), np.ones(replicates))


def psu_totals(psu_index: np.ndarray, n_psu: int, weighted_values: np.ndarray) -> np.ndarray:
    """(n,), (n, p) -> (n_psu, p): column sums of ``weighted_values`` within every PSU."""
    out = np.empty((n_psu, weighted_values.shape[1]))
    for j in range(weighted_values.shape[1]):
        out[:, j] = np.bincount(psu_index, weights=weighted_values[:, j], minlength=n_psu)
    return out


def dense_codes(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes ``0..k-1`` of the distinct values of non-negative integers, and those values.

    Examples
    --------
    >>> codes, values = dense_codes(np.array([7, 3, 7]))
    >>> codes.tolist(), values.tolist()
    ([1, 0, 1], [3, 7])
    """
    raw = np.asarray(raw, dtype=np.int64)
    if raw.size == 0:
        return raw, raw
    size = int(raw.max()) + 1
    if size <= 4 * raw.shape[0] + 1024:
        present = np.bincount(raw, minlength=size) > 0
        return np.cumsum(present)[raw] - 1, np.flatnonzero(present)
    values, codes = np.unique(raw, return_inverse=True)
    return codes.astype(np.int64).reshape(-1), values


def product_rank_df(
    psu_factors: np.ndarray,
    cell_factors: np.ndarray,
    unit_psu: np.ndarray,
    unit_cell: np.ndarray,
    block: int = 2_000_000,
) -> int:
    """R ``degf`` of replicate weights ``F[psu_u] * C[cell_u]`` over the given units.

    The rank is at most R; when the units of one cell already reach it (the usual
    case: a cell's rows are ``F`` rescaled column by column) no larger matrix is
    formed. Otherwise the rank comes from a blockwise QR (the singular values of the
    final triangle are those of the whole matrix), with ``matrix_rank``'s tolerance.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return _product_rank_df(psu_factors, cell_factors, unit_psu, unit_cell, block)


def _product_rank_df(
    psu_factors: np.ndarray,
    cell_factors: np.ndarray,
    unit_psu: np.ndarray,
    unit_cell: np.ndarray,
    block: int,
) -> int:
    n_rep = psu_factors.shape[1]
    if unit_psu.size == 0:
        return 0
    counts = np.bincount(unit_cell)
    largest = int(np.argmax(counts))
    rows = unit_psu[unit_cell == largest]
    if rows.size >= n_rep:
        sub = psu_factors[rows] * cell_factors[largest]
        if int(np.linalg.matrix_rank(sub)) == n_rep:
            return int(n_rep - 1)
    step = max(n_rep, block // max(n_rep, 1))
    triangles = []
    for lo in range(0, unit_psu.size, step):
        part = psu_factors[unit_psu[lo : lo + step]] * cell_factors[unit_cell[lo : lo + step]]
        triangles.append(np.linalg.qr(part, mode="r"))
    tri = np.linalg.qr(np.vstack(triangles), mode="r") if len(triangles) > 1 else triangles[0]
    sing = np.linalg.svd(tri, compute_uv=False)
    if sing.size == 0 or sing[0] == 0:
        return -1
    tol = sing[0] * max(unit_psu.size, n_rep) * np.finfo(float).eps
    return int(np.sum(sing > tol)) - 1


def rank_df(matrix: np.ndarray) -> int:
    """R ``degf`` of a replicate design: rank of the replicate weights minus one.

    The SVD runs on one BLAS thread: for these sizes (hundreds of PSUs by a thousand
    replicates) waking the threads of a busy machine costs up to 30 times the SVD.
    """
    from threadpoolctl import threadpool_limits

    if matrix.size == 0:
        return 0
    with threadpool_limits(1, user_api="blas"):
        return int(np.linalg.matrix_rank(matrix)) - 1

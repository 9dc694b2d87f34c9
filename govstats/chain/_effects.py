"""Array kernels: chain effects as products of path coefficients, and their gradients.

Coefficients of all equations are stacked in one vector (equation by equation, in
the order of ``ChainSpec.equations``). A specific indirect effect along mediators
``j1 < j2 < ... < jm`` is ``a_{j1} * d_{j2 j1} * ... * d_{jm j(m-1)} * b_{jm}``
(Hayes 2018, ch. 5), with ``a_j`` the x coefficient in the equation of ``Mj``,
``d_{jl}`` the coefficient of ``Ml`` in the equation of ``Mj`` and ``b_l`` the
coefficient of ``Ml`` in the outcome equation; the direct effect is ``c'``, the
x coefficient in the outcome equation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EffectMap:
    """Where every effect's factors sit in the stacked coefficient vector.

    Attributes
    ----------
    factors : list of list of int
        For each specific indirect effect, the stacked positions of its factors.
    direct : int
        Position of ``c'``.
    offsets : (n_equations + 1,) int array
        Start of every equation's block in the stacked vector.
    """

    factors: list[list[int]]
    direct: int
    offsets: np.ndarray

    @classmethod
    def from_sizes(cls, sizes: Sequence[int], paths: Sequence[tuple[int, ...]]) -> EffectMap:
        """Build the map from the number of coefficients of every equation."""
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        k = len(sizes) - 1

        def a(j: int) -> int:
            return int(offsets[j]) + 1

        def d(j: int, ell: int) -> int:
            return int(offsets[j]) + 2 + ell

        def b(ell: int) -> int:
            return int(offsets[k]) + 2 + ell

        factors = []
        for path in paths:
            pos = [a(path[0])]
            pos.extend(d(path[i], path[i - 1]) for i in range(1, len(path)))
            pos.append(b(path[-1]))
            factors.append(pos)
        return cls(factors=factors, direct=int(offsets[k]) + 1, offsets=offsets)


def effects(coefs: np.ndarray, emap: EffectMap) -> np.ndarray:
    """(R, P) stacked coefficients -> (R, E) effects.

    Columns: every specific indirect effect, indirect_total, direct, total,
    proportion_mediated (NaN where the total is exactly 0).
    """
    specific = np.stack([np.prod(coefs[:, f], axis=1) for f in emap.factors], axis=1)
    indirect = specific.sum(axis=1)
    direct = coefs[:, emap.direct]
    total = indirect + direct
    with np.errstate(divide="ignore", invalid="ignore"):
        proportion = np.where(total != 0, indirect / np.where(total != 0, total, 1.0), np.nan)
    return np.column_stack([specific, indirect, direct, total, proportion])


def effect_gradients(coef: np.ndarray, emap: EffectMap) -> np.ndarray:
    """(P,) stacked coefficients -> (E, P) exact gradient of every effect."""
    n_specific = len(emap.factors)
    grad = np.zeros((n_specific + 4, coef.size))
    for e, f in enumerate(emap.factors):
        for i, pos in enumerate(f):
            others = [p for j, p in enumerate(f) if j != i]
            grad[e, pos] += np.prod(coef[others])
    g_ind = grad[:n_specific].sum(axis=0)
    g_dir = np.zeros(coef.size)
    g_dir[emap.direct] = 1.0
    g_tot = g_ind + g_dir
    grad[n_specific] = g_ind
    grad[n_specific + 1] = g_dir
    grad[n_specific + 2] = g_tot
    value = effects(coef[None, :], emap)[0]
    ind, tot = value[n_specific], value[n_specific + 2]
    if tot != 0:
        grad[n_specific + 3] = (g_ind * tot - ind * g_tot) / tot**2
    else:
        grad[n_specific + 3] = np.nan
    return grad

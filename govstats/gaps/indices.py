"""Composite indices: entropy-weight index, TOPSIS and the coupling coordination degree."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstats.errors import DataError
from govstats.gaps._indices import coupling, entropy_weight_kernel, minmax, topsis_kernel
from govstats.gaps._tables import summary_text

__all__ = [
    "COORDINATION_BANDS",
    "CouplingResult",
    "EntropyWeightsResult",
    "TopsisResult",
    "coupling_coordination",
    "entropy_weights",
    "topsis",
]

#: The ten coordination grades (十级) on D in [0, 1]: (lower bound, Chinese, English).
#: Band k covers [k/10, (k+1)/10); D = 1 belongs to the top band.
COORDINATION_BANDS: tuple[tuple[float, str, str], ...] = (
    (0.0, "极度失调", "extreme imbalance"),
    (0.1, "严重失调", "severe imbalance"),
    (0.2, "中度失调", "moderate imbalance"),
    (0.3, "轻度失调", "mild imbalance"),
    (0.4, "濒临失调", "on the verge of imbalance"),
    (0.5, "勉强协调", "barely coordinated"),
    (0.6, "初级协调", "primary coordination"),
    (0.7, "中级协调", "intermediate coordination"),
    (0.8, "良好协调", "good coordination"),
    (0.9, "优质协调", "high-quality coordination"),
)


def _indicator_matrix(df: pd.DataFrame, indicators: Sequence[str]) -> np.ndarray:
    if isinstance(indicators, str):
        indicators = [indicators]
    missing = [c for c in indicators if c not in df.columns]
    if missing:
        raise DataError(f"indicator columns {missing} not found; available: {list(df.columns)}.")
    if len(indicators) == 0:
        raise DataError("no indicator columns given; pass a list of column names.")
    if len(df) < 2:
        raise DataError(f"need at least two rows (units) to compare, got {len(df)}.")
    out = np.empty((len(df), len(indicators)))
    for j, col in enumerate(indicators):
        try:
            vals = df[col].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"indicator column {col!r} is not numeric; convert it.") from None
        bad = ~np.isfinite(vals)
        if bad.any():
            raise DataError(
                f"indicator column {col!r} has {int(bad.sum())} missing or infinite values "
                f"(rows {list(df.index[bad][:5])}); impute or drop those units first."
            )
        out[:, j] = vals
    return out


def _directions(
    indicators: Sequence[str], direction: Mapping[str, str | int] | None
) -> tuple[np.ndarray, list[str]]:
    direction = dict(direction or {})
    unknown = set(direction) - set(indicators)
    if unknown:
        raise DataError(f"direction names columns {sorted(unknown)} that are not indicators.")
    positive, labels = [], []
    for col in indicators:
        d = direction.get(col, "+")
        if d in ("+", "positive", "benefit", 1):
            positive.append(True)
            labels.append("+")
        elif d in ("-", "negative", "cost", -1):
            positive.append(False)
            labels.append("-")
        else:
            raise DataError(
                f"direction of {col!r} is {d!r}; use '+' (larger is better) or '-' (smaller "
                "is better)."
            )
    return np.array(positive), labels


@dataclass(frozen=True)
class EntropyWeightsResult:
    """Entropy weights of a set of indicators and the resulting composite index.

    Attributes
    ----------
    weights : pandas.Series
        Weight of every indicator (sums to 1).
    entropy, divergence : pandas.Series
        Information entropy ``e_j`` and divergence ``1 - e_j`` of every indicator.
    direction : pandas.Series
        "+" or "-" per indicator.
    normalised : pandas.DataFrame
        Min–max scores in [0, 1] oriented so that larger is better.
    index : pandas.Series
        Composite index ``sum_j w_j z_ij`` in [0, 1], indexed like the input rows.
    """

    weights: pd.Series = field(repr=False)
    entropy: pd.Series = field(repr=False)
    divergence: pd.Series = field(repr=False)
    direction: pd.Series = field(repr=False)
    normalised: pd.DataFrame = field(repr=False)
    index: pd.Series = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: variable, direction, entropy, divergence, weight."""
        return pd.DataFrame(
            {
                "variable": self.weights.index,
                "direction": self.direction.to_numpy(),
                "entropy": self.entropy.to_numpy(),
                "divergence": self.divergence.to_numpy(),
                "weight": self.weights.to_numpy(),
            }
        )

    def summary(self) -> str:
        """Plain-text summary."""
        head = [f"units: {len(self.index)}    indicators: {len(self.weights)}"]
        return summary_text("Entropy-weight index", head, self.to_frame())

    def _repr_html_(self) -> str:
        return f"<p><code>{html.escape(repr(self))}</code></p>" + self.to_frame().to_html()

    def __repr__(self) -> str:
        w = ", ".join(f"{k}={v:.3f}" for k, v in self.weights.items())
        return f"EntropyWeightsResult(n_units={len(self.index)}, weights=[{w}])"


def entropy_weights(
    data: pd.DataFrame,
    indicators: Sequence[str],
    direction: Mapping[str, str | int] | None = None,
) -> EntropyWeightsResult:
    """Entropy-weight method: objective indicator weights and a composite index.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (province, county, year ...).
    indicators : sequence of str
        Numeric indicator columns.
    direction : mapping, optional
        ``{column: "+" | "-"}``; "+" (default) means larger is better, "-" smaller is
        better (e.g. a price or a gap).

    Returns
    -------
    EntropyWeightsResult

    Notes
    -----
    1. Min–max normalise in the declared direction: ``z = (x - min)/(max - min)`` or
       ``(max - x)/(max - min)``.
    2. ``p_ij = z_ij / sum_i z_ij``; entropy ``e_j = -(1/ln n) sum_i p_ij ln p_ij`` with
       ``0 ln 0 = 0`` (no additive shift; a shift such as ``+0.0001`` changes the weights).
    3. ``w_j = (1 - e_j) / sum_k (1 - e_k)``; index ``s_i = sum_j w_j z_ij``.

    A constant indicator has no min–max range and no defined entropy: it is rejected.
    The index is monotone in the declared direction: a unit that is at least as good as
    another on every indicator has an index at least as high.

    References
    ----------
    Shannon (1948); the entropy-weight method as used for composite indices, e.g.
    Zou, Yun & Sun (2006), J. Environmental Sciences 18(5), 1020-1023.

    Examples
    --------
    >>> import pandas as pd
    >>> import govstats as gs
    >>> df = pd.DataFrame({"broadband": [10.0, 20, 30, 40], "gap": [5.0, 4, 1, 2]})
    >>> res = gs.gaps.entropy_weights(df, ["broadband", "gap"], direction={"gap": "-"})
    >>> round(float(res.weights.sum()), 12)
    1.0
    >>> [round(float(v), 4) for v in res.index]
    [0.0, 0.2897, 0.8412, 0.8691]
    """
    indicators = [indicators] if isinstance(indicators, str) else list(indicators)
    x = _indicator_matrix(data, indicators)
    positive, labels = _directions(indicators, direction)
    const = x.max(axis=0) == x.min(axis=0)
    if const.any():
        cols = [c for c, k in zip(indicators, const, strict=True) if k]
        raise DataError(
            f"indicator column(s) {cols} are constant across all {len(data)} units; their "
            "entropy weight is undefined (0/0) — drop them from the indicator list."
        )
    z = minmax(x, positive)
    e, d, w = entropy_weight_kernel(z)
    idx = pd.Index(indicators, name="variable")
    return EntropyWeightsResult(
        weights=pd.Series(w, index=idx, name="weight"),
        entropy=pd.Series(e, index=idx, name="entropy"),
        divergence=pd.Series(d, index=idx, name="divergence"),
        direction=pd.Series(labels, index=idx, name="direction"),
        normalised=pd.DataFrame(z, index=data.index, columns=indicators),
        index=pd.Series(z @ w, index=data.index, name="entropy_index"),
    )


@dataclass(frozen=True)
class TopsisResult:
    """TOPSIS distances, closeness and ranks.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed like the input: ``d_plus``, ``d_minus``, ``closeness`` (in [0, 1]) and
        ``rank`` (1 = closest to the ideal).
    weights : pandas.Series
        Indicator weights used (normalised to sum 1).
    direction : pandas.Series
        "+" or "-" per indicator.
    """

    table: pd.DataFrame = field(repr=False)
    weights: pd.Series = field(repr=False)
    direction: pd.Series = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Copy of :attr:`table`."""
        return self.table.copy()

    def summary(self) -> str:
        """Plain-text summary."""
        w = ", ".join(f"{k}={v:.4g}" for k, v in self.weights.items())
        return summary_text("TOPSIS", [f"weights: {w}"], self.table)

    def _repr_html_(self) -> str:
        return f"<p><code>{html.escape(repr(self))}</code></p>" + self.to_frame().to_html()

    def __repr__(self) -> str:
        best = self.table["closeness"].idxmax()
        return f"TopsisResult(n_units={len(self.table)}, best={best!r})"


def topsis(
    data: pd.DataFrame,
    indicators: Sequence[str],
    weights: Mapping[str, float] | Sequence[float] | EntropyWeightsResult | None = None,
    direction: Mapping[str, str | int] | None = None,
) -> TopsisResult:
    """TOPSIS: rank units by relative closeness to the ideal solution.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit.
    indicators : sequence of str
        Non-negative numeric indicator columns.
    weights : mapping, sequence, EntropyWeightsResult or None
        Indicator weights (>= 0, rescaled to sum 1); None gives equal weights; an
        :class:`EntropyWeightsResult` supplies its weights (and, unless ``direction`` is
        given, its directions).
    direction : mapping, optional
        ``{column: "+" | "-"}`` as in :func:`entropy_weights`.

    Returns
    -------
    TopsisResult

    Notes
    -----
    ``r_ij = x_ij / sqrt(sum_i x_ij^2)`` (vector normalisation), ``v_ij = w_j r_ij``;
    ideal ``v+_j`` = max over units for "+" columns and min for "-" columns, anti-ideal
    the reverse; ``D+_i = ||v_i - v+||``, ``D-_i = ||v_i - v-||``,
    closeness ``C_i = D-_i / (D+_i + D-_i)``.

    References
    ----------
    Hwang, C.-L. & Yoon, K. (1981). Multiple Attribute Decision Making. Springer.

    Examples
    --------
    >>> import pandas as pd
    >>> import govstats as gs
    >>> df = pd.DataFrame({"a": [3.0, 4.0], "b": [4.0, 3.0]}, index=["x", "y"])
    >>> res = gs.gaps.topsis(df, ["a", "b"], weights={"a": 1, "b": 1}, direction={"b": "-"})
    >>> res.to_frame()["rank"].to_dict()
    {'x': 2, 'y': 1}
    """
    indicators = [indicators] if isinstance(indicators, str) else list(indicators)
    if isinstance(weights, EntropyWeightsResult):
        if direction is None:
            direction = {str(k): v for k, v in weights.direction.items()}
        weights = {str(k): float(v) for k, v in weights.weights.items()}
    x = _indicator_matrix(data, indicators)
    positive, labels = _directions(indicators, direction)
    if weights is None:
        w = np.full(len(indicators), 1.0)
    elif isinstance(weights, Mapping):
        absent = [c for c in indicators if c not in weights]
        if absent or set(weights) - set(indicators):
            raise DataError(
                f"weights must name exactly the indicators; missing {absent}, extra "
                f"{sorted(set(weights) - set(indicators))}."
            )
        w = np.array([float(weights[c]) for c in indicators])
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(indicators),):
            raise DataError(f"got {w.size} weights for {len(indicators)} indicators.")
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise DataError(f"weights must be finite, >= 0 and not all 0; got {w.tolist()}.")
    w = w / w.sum()
    neg = np.asarray((x < 0).any(axis=0))
    if neg.any():
        cols = [c for c, k in zip(indicators, neg, strict=True) if k]
        raise DataError(
            f"indicator column(s) {cols} have negative values; TOPSIS vector normalisation "
            "needs values >= 0 — shift or min–max normalise them first."
        )
    zero = np.asarray((x == 0).all(axis=0))
    if zero.any():
        cols = [c for c, k in zip(indicators, zero, strict=True) if k]
        raise DataError(f"indicator column(s) {cols} are all zero; drop them.")
    d_plus, d_minus, close = (
        topsis_kernel(x, w, positive) if not np.allclose(x, x[0]) else (None, None, None)
    )
    if close is None or d_plus is None or d_minus is None or np.any(d_plus + d_minus == 0):
        raise DataError(
            "every unit has the same weighted indicator profile; TOPSIS closeness is 0/0 — "
            "check the indicators and weights."
        )
    table = pd.DataFrame(
        {"d_plus": d_plus, "d_minus": d_minus, "closeness": close}, index=data.index
    )
    table["rank"] = table["closeness"].rank(ascending=False, method="min").astype(int)
    idx = pd.Index(indicators, name="variable")
    return TopsisResult(
        table=table,
        weights=pd.Series(w, index=idx, name="weight"),
        direction=pd.Series(labels, index=idx, name="direction"),
    )


@dataclass(frozen=True)
class CouplingResult:
    """Coupling degree C, comprehensive index T, coordination degree D and grade bands.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``u1``, ``u2``, ``C``, ``T``, ``D``, ``grade`` (1-10), ``band`` (Chinese)
        and ``band_en``, indexed like the inputs.
    weight_a : float
        Weight of the first system in ``T``.
    """

    table: pd.DataFrame = field(repr=False)
    weight_a: float

    def to_frame(self) -> pd.DataFrame:
        """Copy of :attr:`table`."""
        return self.table.copy()

    def summary(self) -> str:
        """Plain-text summary."""
        head = [f"weight_a: {self.weight_a}    T = a*u1 + (1-a)*u2, D = sqrt(C*T)"]
        return summary_text("Coupling coordination degree", head, self.table)

    def _repr_html_(self) -> str:
        return f"<p><code>{html.escape(repr(self))}</code></p>" + self.to_frame().to_html()

    def __repr__(self) -> str:
        return (
            f"CouplingResult(n={len(self.table)}, mean_D={self.table['D'].mean():.4f}, "
            f"weight_a={self.weight_a})"
        )


def coupling_coordination(
    index_a: Sequence[float] | pd.Series | np.ndarray,
    index_b: Sequence[float] | pd.Series | np.ndarray,
    *,
    weight_a: float = 0.5,
) -> CouplingResult:
    """Coupling coordination degree of two systems (e.g. digital governance × integration).

    Parameters
    ----------
    index_a, index_b : array-like or pandas.Series
        Comprehensive indices of the two systems in [0, 1] (e.g. entropy-weight indices),
        one value per unit; a Series keeps its index.
    weight_a : float, default 0.5
        Weight ``a`` of the first system in ``T`` (0.5 = equally important; the
        literature's alpha).

    Returns
    -------
    CouplingResult

    Notes
    -----
    ``C = 2 sqrt(u1 u2) / (u1 + u2)`` (equal to ``[u1 u2 / ((u1+u2)/2)^2]^(1/2)``),
    ``T = a u1 + (1 - a) u2``, ``D = sqrt(C T)``. D in [0, 1] is graded in ten
    equal bands (十级): [0, 0.1) 极度失调 extreme imbalance, [0.1, 0.2) 严重失调,
    [0.2, 0.3) 中度失调, [0.3, 0.4) 轻度失调, [0.4, 0.5) 濒临失调, [0.5, 0.6) 勉强协调,
    [0.6, 0.7) 初级协调, [0.7, 0.8) 中级协调, [0.8, 0.9) 良好协调, [0.9, 1] 优质协调
    (see :data:`COORDINATION_BANDS`). Some authors use ``C`` without the square root
    (``k = 2``); that variant is not provided.

    References
    ----------
    Liao, C. (1999). Quantitative judgement and classification system for coordinated
    development of environment and economy. Tropical Geography 19(2), 171-177.

    Examples
    --------
    >>> import govstats as gs
    >>> res = gs.gaps.coupling_coordination([0.8, 0.3], [0.6, 0.1])
    >>> res.to_frame()[["C", "D", "band"]].round(4).values.tolist()
    [[0.9897, 0.8324, '良好协调'], [0.866, 0.4162, '濒临失调']]
    """
    if not 0 <= weight_a <= 1:
        raise DataError(f"weight_a must be in [0, 1], got {weight_a}.")
    index = index_a.index if isinstance(index_a, pd.Series) else None
    u1 = np.asarray(index_a, dtype=float)
    u2 = np.asarray(index_b, dtype=float)
    if u1.shape != u2.shape or u1.ndim != 1:
        raise DataError(
            f"index_a and index_b must be 1-d of equal length; got {u1.shape}, {u2.shape}."
        )
    for name, u in (("index_a", u1), ("index_b", u2)):
        bad = ~np.isfinite(u) | (u < 0) | (u > 1)
        if bad.any():
            raise DataError(
                f"{name} has {int(bad.sum())} values outside [0, 1] or missing (positions "
                f"{np.flatnonzero(bad)[:5].tolist()}); pass normalised indices, e.g. from "
                "entropy_weights(...).index."
            )
    both_zero = (u1 + u2) == 0
    if both_zero.any():
        raise DataError(
            "index_a and index_b are both 0 at positions "
            f"{np.flatnonzero(both_zero)[:5].tolist()}; the coupling degree is 0/0 there — "
            "drop those units."
        )
    c, t, d = coupling(u1, u2, weight_a)
    grade = np.minimum(np.floor(d * 10 + 1e-12).astype(int), 9)
    table = pd.DataFrame(
        {
            "u1": u1,
            "u2": u2,
            "C": c,
            "T": t,
            "D": d,
            "grade": grade + 1,
            "band": [COORDINATION_BANDS[g][1] for g in grade],
            "band_en": [COORDINATION_BANDS[g][2] for g in grade],
        },
        index=index,
    )
    return CouplingResult(table=table, weight_a=weight_a)

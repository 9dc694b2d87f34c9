"""Theil and Gini inequality indices with between/within decompositions."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstats.design import SurveyDesign
from govstats.design.categorical import group_codes
from govstats.design.inference import (
    DEFAULT_LEVEL,
    DEFAULT_REPLICATES,
    SeedLike,
    check_level,
)
from govstats.errors import DataError
from govstats.gaps._common import (
    Inference,
    by_name,
    check_columns,
    check_complete,
    resolve,
    run_replicates,
)
from govstats.gaps._inequality import gini_components, theil_components
from govstats.gaps._tables import estimate_frame, summary_text

__all__ = ["InequalityResult", "gini", "theil"]


@dataclass(frozen=True)
class InequalityResult:
    """A Theil or Gini index and its decomposition by groups.

    Attributes
    ----------
    measure : str
        "theil" or "gini".
    variable, by : str, str or None
        The income-like column and the grouping column (several joined by ``":"``).
    levels : tuple
        Group levels in code order.
    table : pandas.DataFrame
        Tidy table (see :meth:`to_frame`).
    replicate_estimates : numpy.ndarray or None
        (R, p) replicate estimates in the row order of ``table``.
    variance_method : str
        How standard errors were obtained.
    conf_level : float
        Confidence level of the intervals.
    seed : int or None
        Seed the bootstrap replicate weights were drawn with (``None``: no draws).
    n_obs : int
        Rows with positive weight.
    """

    measure: str
    variable: str
    by: str | None
    levels: tuple[object, ...]
    table: pd.DataFrame = field(repr=False)
    replicate_estimates: np.ndarray | None = field(repr=False)
    variance_method: str
    conf_level: float
    seed: int | None
    n_obs: int

    @property
    def estimate(self) -> np.ndarray:
        """Point estimates, one per row of :meth:`to_frame`."""
        return self.table["estimate"].to_numpy()

    @property
    def se(self) -> np.ndarray:
        """Standard errors, one per row of :meth:`to_frame` (NaN without replicates)."""
        return self.table["se"].to_numpy()

    @property
    def df(self) -> float:
        """Degrees of freedom of the t intervals."""
        return float(self.table["df"].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: index, component, <by>, variable, estimate, se, ci_low, ci_high, df.

        ``component`` is ``total``, ``within``, ``between`` (Theil) or ``total``,
        ``within``, ``net_between``, ``transvariation`` (Gini) for the whole sample, and
        ``group`` (index inside one group), ``between_pair`` (Dagum's G_jh) or
        ``affluence`` (Dagum's D_jh) for group rows; ``share`` is the component's share of
        the total index.
        """
        return self.table.copy()

    def summary(self) -> str:
        """Plain-text summary."""
        head = [
            f"variable: {self.variable}    by: {self.by}    n: {self.n_obs}",
            f"standard errors: {self.variance_method}, {self.conf_level:.0%} t intervals"
            + (f", seed {self.seed}" if self.seed is not None else ""),
        ]
        return summary_text(f"{self.measure.title()} inequality decomposition", head, self.table)

    def _repr_html_(self) -> str:
        return f"<p><code>{html.escape(repr(self))}</code></p>" + self.to_frame().to_html()

    def __repr__(self) -> str:
        total = self.table.loc[self.table["component"] == "total", "estimate"].to_numpy()
        vals = ", ".join(f"{v:.4g}" for v in total)
        return (
            f"InequalityResult(measure={self.measure!r}, variable={self.variable!r}, "
            f"by={self.by!r}, total=[{vals}], n_obs={self.n_obs})"
        )


def _prepare(
    data: pd.DataFrame | SurveyDesign,
    variable: str,
    by: str | Sequence[str] | None,
    weights: str | None,
    replicates: int,
    seed: SeedLike,
) -> tuple[Inference, np.ndarray, np.ndarray, tuple[object, ...]]:
    inf = resolve(data, weights=weights, replicates=replicates, seed=seed)
    by_cols = [] if by is None else [by] if isinstance(by, str) else list(by)
    cols = [variable, *by_cols]
    check_columns(inf.data, cols)
    check_complete(inf.data, cols, inf.weights)
    try:
        y = inf.data[variable].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError(
            f"column {variable!r} is not numeric; pass an income-like column."
        ) from None
    # rows outside the analysis (zero weight, e.g. outside a domain) never count; give
    # them a harmless positive value so that logs stay finite
    y = np.where(inf.weights > 0, y, 1.0)
    if not by_cols:
        codes = np.zeros(len(y), dtype=np.int64)
        levels: tuple[object, ...] = ("all",)
    else:
        active = inf.weights > 0
        found, labels, _ = group_codes(inf.data, by_cols, active)
        levels = tuple(lab[0] if len(lab) == 1 else ":".join(map(str, lab)) for lab in labels)
        if len(levels) < 2:
            raise DataError(
                f"by={by!r} has {len(levels)} level(s) among the analysed rows; a "
                "decomposition needs at least two groups — choose another by variable."
            )
        codes = np.where(found >= 0, found, 0)
    return inf, y, codes, levels


def _check_values(y: np.ndarray, w: np.ndarray, variable: str, *, strict: bool) -> None:
    active = w > 0
    bad = (y[active] <= 0) if strict else (y[active] < 0)
    if bad.any():
        what = "zero or negative" if strict else "negative"
        fix = (
            "Theil L (GE(0)) takes logs of every value: drop or bottom-code those rows, or "
            "use measure='T' (allows zeros) or gini()"
            if strict
            else "inequality indices need non-negative values: drop or recode those rows"
        )
        raise DataError(
            f"column {variable!r} has {int(bad.sum())} {what} values (min {y[active].min():g}); "
            f"{fix}."
        )
    if not np.any(y[active] > 0):
        raise DataError(f"column {variable!r} is zero for every analysed row; nothing to compare.")


def theil(
    data: pd.DataFrame | SurveyDesign,
    variable: str,
    *,
    by: str | Sequence[str] | None = None,
    measure: str = "both",
    weights: str | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: SeedLike = None,
    level: float = DEFAULT_LEVEL,
) -> InequalityResult:
    """Theil T (GE(1)) and Theil L (GE(0)) with the exact between/within split.

    Parameters
    ----------
    data : SurveyDesign or pandas.DataFrame
        With a design, its analysis weights give the point estimates and its replicate
        weights (or Rao–Wu bootstrap weights drawn with ``seed``) the standard errors.
        A DataFrame is treated as a simple random sample (row bootstrap).
    variable : str
        Income-like column, >= 0 (> 0 when Theil L is wanted).
    by : str or sequence of str, optional, keyword-only
        Grouping column (e.g. ``"rural"``) or columns (their observed combinations,
        labelled ``"a:b"``); any number of groups >= 2.
    measure : {"both", "T", "L"}
        Which index to compute. ``"T"`` accepts zero values (``0 ln 0 = 0``).
    weights : str, optional
        Weight column (DataFrame input only).
    replicates : int, default 1000
        Bootstrap replicates when the input has none; 0 switches standard errors off.
    seed : int, numpy.random.Generator or None, keyword-only
        Seed of the bootstrap replicate weights (``None``: fresh entropy); the seed
        used is recorded in ``result.seed``.
    level : float, default 0.95
        Confidence level of the t intervals (design degrees of freedom).

    Returns
    -------
    InequalityResult

    Notes
    -----
    With weights ``w_i``, ``mu = sum w y / sum w``:
    ``T = (1/W) sum w_i (y_i/mu) ln(y_i/mu)``, ``L = (1/W) sum w_i ln(mu/y_i)``.
    With population shares ``p_g`` and income shares ``s_g``,
    ``T = sum_g s_g T_g + sum_g s_g ln(mu_g/mu)`` and
    ``L = sum_g p_g L_g + sum_g p_g ln(mu/mu_g)``; both splits are exact.
    Weights act as frequency weights (integer weights equal duplicated rows).
    Maxima: with ``N`` equal-weight rows and one holding everything, ``T = ln N``.

    References
    ----------
    Shorrocks, A. F. (1980). The class of additively decomposable inequality measures.
    Econometrica 48(3). Stata: ``ineqdeco income [pw=w], bygroup(rural)``.

    Examples
    --------
    >>> import pandas as pd
    >>> import govstats as gs
    >>> df = pd.DataFrame({"income": [1.0, 2, 3, 4, 10, 20], "rural": [1, 1, 1, 0, 0, 0]})
    >>> res = gs.gaps.theil(df, "income", by="rural", replicates=0)
    >>> tab = res.to_frame().set_index(["index", "component"])
    >>> round(float(tab.loc[("T", "total"), "estimate"]), 4)
    0.4321
    >>> bool(abs(tab.loc[("T", "within"), "estimate"] + tab.loc[("T", "between"), "estimate"]
    ...          - tab.loc[("T", "total"), "estimate"]) < 1e-12)
    True
    """
    if measure not in ("both", "T", "L"):
        raise DataError(f"measure must be 'both', 'T' or 'L', got {measure!r}.")
    level = check_level(level)
    inf, y, codes, levels = _prepare(data, variable, by, weights, replicates, seed)
    group_col = "group" if by is None else by_name(by)
    want_l = measure in ("both", "L")
    _check_values(y, inf.weights, variable, strict=want_l)
    ng = len(levels)

    def estimator(w: np.ndarray) -> np.ndarray:
        return theil_components(y, w, codes, ng, want_l=want_l)

    full = estimator(inf.weights)
    reps, se = run_replicates(inf, estimator, full)
    names = ["T", "L"] if want_l else ["T"]
    rows: list[tuple[str, str, object]] = []
    for idx_name in names:
        rows += [(idx_name, comp, None) for comp in ("total", "within", "between")]
        rows += [(idx_name, "group", lev) for lev in levels]
    keep = np.ones(full.size, dtype=bool)
    if measure == "L":
        keep[: 3 + ng] = False
        rows = rows[3 + ng :]
    labels = pd.DataFrame(rows, columns=["index", "component", group_col])
    labels["variable"] = variable
    frame = estimate_frame(labels, full[keep], se[keep], inf, level)
    totals = frame.groupby("index")["estimate"].transform(lambda s: s.iloc[0])
    frame["share"] = np.where(frame["component"] == "group", np.nan, frame["estimate"] / totals)
    reps = None if reps is None else reps[:, keep]
    if by is None:  # one group: the split is trivial, report the totals only
        only = (frame["component"] == "total").to_numpy()
        frame = frame[only].drop(columns="group").reset_index(drop=True)
        reps = None if reps is None else reps[:, only]
    return InequalityResult(
        measure="theil",
        variable=variable,
        by=None if by is None else group_col,
        levels=levels,
        table=frame,
        replicate_estimates=reps,
        variance_method=inf.variance_method,
        conf_level=level,
        seed=inf.seed,
        n_obs=int(np.sum(inf.weights > 0)),
    )


def gini(
    data: pd.DataFrame | SurveyDesign,
    variable: str,
    *,
    by: str | Sequence[str] | None = None,
    weights: str | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: SeedLike = None,
    level: float = DEFAULT_LEVEL,
) -> InequalityResult:
    """Gini coefficient with Dagum's within / net-between / transvariation split.

    Parameters
    ----------
    data : SurveyDesign or pandas.DataFrame
        As in :func:`theil`.
    variable : str
        Non-negative income-like column.
    by : str, optional
        Grouping column with two or more levels.
    weights, replicates, seed, level
        As in :func:`theil`.

    Returns
    -------
    InequalityResult

    Notes
    -----
    ``G = sum_i sum_r w_i w_r |y_i - y_r| / (2 W^2 mu)`` (no small-sample correction:
    with ``N`` equal weights and one row holding everything, ``G = (N-1)/N``).
    Dagum (1997): ``G = G_w + G_nb + G_t`` with ``G_w = sum_j G_jj p_j s_j``,
    ``G_nb = sum_{j<h} G_jh (p_j s_h + p_h s_j) D_jh`` and
    ``G_t = sum_{j<h} G_jh (p_j s_h + p_h s_j)(1 - D_jh)``, where
    ``G_jh = sum_{i in j} sum_{r in h} w_i w_r |y_i - y_r| / (W_j W_h (mu_j + mu_h))`` and
    ``D_jh`` is the relative economic affluence of the richer group. Computed in
    O(n log n) from sorted cumulative sums.

    References
    ----------
    Dagum, C. (1997). A new approach to the decomposition of the Gini income
    inequality ratio. Empirical Economics 22(4), 515-531.

    Examples
    --------
    >>> import pandas as pd
    >>> import govstats as gs
    >>> df = pd.DataFrame({"income": [0.0, 0, 0, 12], "rural": [1, 1, 0, 0]})
    >>> res = gs.gaps.gini(df, "income", by="rural", replicates=0)
    >>> float(res.to_frame().query("component == 'total'")["estimate"].iloc[0])
    0.75
    """
    level = check_level(level)
    inf, y, codes, levels = _prepare(data, variable, by, weights, replicates, seed)
    group_col = "group" if by is None else by_name(by)
    _check_values(y, inf.weights, variable, strict=False)
    ng = len(levels)

    def estimator(w: np.ndarray) -> np.ndarray:
        return gini_components(y, w, codes, ng)

    full = estimator(inf.weights)
    reps, se = run_replicates(inf, estimator, full)
    rows: list[tuple[str, object]] = [
        ("total", None),
        ("within", None),
        ("net_between", None),
        ("transvariation", None),
    ]
    if by is None:  # one group: the split is trivial, report the total only
        full, se = full[:1], se[:1]
        reps = None if reps is None else reps[:, :1]
        rows = rows[:1]
    else:
        rows += [("group", lev) for lev in levels]
        pairs = [f"{levels[j]} vs {levels[h]}" for j in range(ng) for h in range(j + 1, ng)]
        rows += [("between_pair", p) for p in pairs]
        rows += [("affluence", p) for p in pairs]
    labels = pd.DataFrame(rows, columns=["component", group_col])
    if by is None:
        labels = labels.drop(columns=group_col)
    labels.insert(0, "index", "Gini")
    labels["variable"] = variable
    frame = estimate_frame(labels, full, se, inf, level)
    frame["share"] = np.where(
        frame["component"].isin(["total", "within", "net_between", "transvariation"]),
        frame["estimate"] / full[0],
        np.nan,
    )
    return InequalityResult(
        measure="gini",
        variable=variable,
        by=None if by is None else group_col,
        levels=levels,
        table=frame,
        replicate_estimates=reps,
        variance_method=inf.variance_method,
        conf_level=level,
        seed=inf.seed,
        n_obs=int(np.sum(inf.weights > 0)),
    )

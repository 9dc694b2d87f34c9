"""Fairlie's decomposition of a gap in a binary outcome (logit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

from govstats.design import SurveyDesign
from govstats.design.inference import (
    DEFAULT_LEVEL,
    DEFAULT_REPLICATES,
    SeedLike,
    check_level,
    resolve_seed,
    spawn,
)
from govstats.errors import DataError, ModelError
from govstats.gaps._common import by_name, resolve, run_replicates, two_groups
from govstats.gaps._fairlie import (
    couple,
    logit,
    ordering_contributions,
    shapley_table,
    subset_values,
)
from govstats.gaps._formula import ModelFrame, build, check_rank
from govstats.gaps._tables import DecompositionTable, estimate_frame, summary_text

__all__ = ["FairlieResult", "fairlie"]

_MAX_TERMS = 10


@dataclass(frozen=True)
class FairlieResult(DecompositionTable):
    """Fairlie decomposition: explained part of a binary-outcome gap and its split by term.

    Attributes
    ----------
    outcome, by : str
        Outcome column and group column (several columns joined by ``":"``).
    groups : tuple
        ``(level0, level1)``; the gap is ``P(y=1 | level0) - P(y=1 | level1)``.
    reference : str
        Coefficients used: "pooled", "group0" or "group1".
    orderings : int or str
        Number of random variable orderings averaged, or "all" (exact average).
    coefficients : pandas.Series
        Reference logit coefficients.
    reference_levels : dict
        Omitted level of every categorical term.
    table : pandas.DataFrame
        Tidy table (see :meth:`to_frame`).
    ordering_spread : pandas.Series
        Standard deviation of each term's contribution across the orderings used
        (0 for "all"); the Monte Carlo error of the average is this / sqrt(orderings).
    replicate_estimates : numpy.ndarray or None
    variance_method : str
    conf_level : float
        Confidence level of the intervals.
    seed : int or None
        Seed of the random orderings and bootstrap replicate weights (``None`` when
        nothing was random); a rerun with it reproduces every number.
    n_obs : tuple of int
    """

    outcome: str
    by: str
    groups: tuple[object, object]
    reference: str
    orderings: int | str
    coefficients: pd.Series = field(repr=False)
    reference_levels: dict[str, object]
    table: pd.DataFrame = field(repr=False)
    ordering_spread: pd.Series = field(repr=False)
    replicate_estimates: np.ndarray | None = field(repr=False)
    variance_method: str
    conf_level: float
    seed: int | None
    n_obs: tuple[int, int]

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Tidy frame: component, term, estimate, se, ci_low, ci_high, df, share.

        Components: ``mean_group0``, ``mean_group1``, ``gap``, ``explained``,
        ``unexplained`` (``term == "(total)"``) and ``contribution`` (one row per
        formula term; a categorical term's dummies are switched together). ``share`` is
        the fraction of the gap.
        """
        return super().to_frame(names=names)

    def summary(self) -> str:
        """Plain-text summary."""
        refs = ", ".join(f"{k}: {v}" for k, v in self.reference_levels.items()) or "none"
        head = [
            f"outcome: {self.outcome}    gap = P({self.by}={self.groups[0]!r}) - "
            f"P({self.by}={self.groups[1]!r})    n = {self.n_obs}",
            f"logit coefficients: {self.reference}    orderings: {self.orderings}",
            f"categorical reference levels: {refs}",
            f"standard errors: {self.variance_method}, {self.conf_level:.0%} t intervals"
            + (f", seed {self.seed}" if self.seed is not None else ""),
        ]
        return summary_text("Fairlie decomposition", head, self.table)

    def __repr__(self) -> str:
        return (
            f"FairlieResult(outcome={self.outcome!r}, by={self.by!r}, "
            f"gap={self.get('gap'):.4g}, explained={self.get('explained'):.4g}, "
            f"orderings={self.orderings!r})"
        )


def _binary(mf: ModelFrame, w: np.ndarray) -> None:
    vals = np.unique(mf.y[w > 0])
    if not np.all(np.isin(vals, [0.0, 1.0])) or vals.size != 2:
        raise DataError(
            f"outcome {mf.outcome!r} must be binary 0/1 with both values present; found "
            f"{vals[:6].tolist()} — recode it (e.g. (x > 0).astype(int))."
        )


def _check_separation(
    mf: ModelFrame, x: np.ndarray, names: list[str], w: np.ndarray, where: str
) -> None:
    """Name a dummy column that perfectly predicts the outcome among the rows used."""
    use = w > 0
    y = mf.y[use]
    for j, name in enumerate(names):
        col = x[use, j]
        if name == "Intercept" or not np.all(np.isin(col, [0.0, 1.0])):
            continue
        for v in (0.0, 1.0):
            sel = col == v
            if sel.any() and sel.sum() < use.sum() and np.ptp(y[sel]) == 0:
                raise ModelError(
                    f"perfect separation in the logit ({where}): whenever {name} = {v:g} the "
                    f"outcome {mf.outcome!r} is {y[sel][0]:g} ({int(sel.sum())} rows), so its "
                    "coefficient is infinite — merge that category with another or drop the "
                    "covariate."
                )


def _fit(mf: ModelFrame, x: np.ndarray, names: list[str], w: np.ndarray, where: str) -> np.ndarray:
    _check_separation(mf, x, names, w, where)
    res = logit(x, mf.y, w)
    if not res.converged or res.max_abs_eta > 30:
        top = [names[k] for k in np.argsort(-np.abs(res.coef))[:3]]
        raise ModelError(
            f"the logit ({where}) does not converge to finite coefficients (max |x b| = "
            f"{res.max_abs_eta:.3g}): a combination of {top} (largest coefficients) separates "
            f"the outcome {mf.outcome!r} — drop or merge those covariates."
        )
    return res.coef


def fairlie(
    data: pd.DataFrame | SurveyDesign,
    formula: str,
    *,
    by: str | Sequence[str],
    reference: str = "pooled",
    orderings: int | str = 1000,
    weights: str | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: SeedLike = None,
    level: float = DEFAULT_LEVEL,
) -> FairlieResult:
    """Fairlie (2005) decomposition of the gap in a binary outcome between two groups.

    Parameters
    ----------
    data : SurveyDesign or pandas.DataFrame
        As in :func:`govstats.gaps.oaxaca`: design weights for point estimates and its
        replicate (or Rao–Wu bootstrap) weights for standard errors; a DataFrame is a
        simple random sample.
    formula : str
        ``"y ~ covariates"`` with a 0/1 outcome; each formula term (a categorical's
        dummies together) is one variable of the decomposition (at most 10).
    by : str or sequence of str, keyword-only
        Two-level column (or columns whose combinations are two groups); the gap is
        ``P(y=1 | level 0) - P(y=1 | level 1)``.
    reference : {"pooled", "group0", "group1"}
        Logit coefficients ``b*``: the pooled sample with a group indicator (Fairlie
        2005; the indicator is used in estimation only) or one group's own.
    orderings : int or "all"
        The contribution of a term depends on the order in which terms are switched;
        it is averaged over this many random orderings (drawn with ``seed``), or over
        all K! orderings exactly with ``"all"`` (the Shapley value).
    weights : str, optional
        Weight column (DataFrame input only).
    replicates : int, default 1000
        Bootstrap replicates when the input has none; 0 switches standard errors off.
    seed : int, numpy.random.Generator or None, keyword-only
        Seed of the orderings and of bootstrap replicate weights (``None``: fresh
        entropy); the seed used is recorded in ``result.seed``.
    level : float, default 0.95
        Confidence level of the t intervals.

    Returns
    -------
    FairlieResult

    Notes
    -----
    Explained part: ``E = sum_{A} w F(x b*)/W_A - sum_{B} w F(x b*)/W_B``; unexplained
    = gap - E. For the split, rows of A and B are paired by rank of predicted
    probability: the weighted rank coupling (cumulative weight shares of both groups
    cut [0, 1] into segments, each pairing one A row with one B row). With equal group
    sizes and weights this is Fairlie's one-to-one matching; otherwise it replaces his
    random subsample of the larger group by its exact limit, so the contributions sum
    exactly to ``E``. A term's contribution is the mean change in ``F`` when its values
    switch from the B row's to the A row's, given the terms switched before it; averaged
    over orderings. Replicates reuse the same orderings.

    References
    ----------
    Fairlie, R. W. (2005). An extension of the Blinder-Oaxaca decomposition technique to
    logit and probit models. Journal of Economic and Social Measurement 30, 305-316.
    Stata: ``fairlie internet edu age, by(rural) pooled(edu age) ro``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import govstats as gs
    >>> rng = np.random.default_rng(0)
    >>> n = 600
    >>> rural = rng.integers(0, 2, n)
    >>> edu = rng.normal(12 - 3 * rural, 2)
    >>> age = rng.uniform(18, 80, n)
    >>> p = 1 / (1 + np.exp(-(-3 + 0.35 * edu - 0.02 * age - 0.4 * rural)))
    >>> df = pd.DataFrame({"internet": rng.binomial(1, p), "rural": rural, "edu": edu,
    ...                    "age": age})
    >>> res = gs.gaps.fairlie(df, "internet ~ edu + age", by="rural", seed=1,
    ...                       replicates=20)
    >>> contrib = res.get("contribution", "edu") + res.get("contribution", "age")
    >>> bool(abs(contrib - res.get("explained")) < 1e-12)
    True
    """
    if reference not in ("pooled", "group0", "group1"):
        raise DataError(f"reference must be 'pooled', 'group0' or 'group1', got {reference!r}.")
    if not (orderings == "all" or (isinstance(orderings, int) and orderings >= 1)):
        raise DataError(f"orderings must be a positive integer or 'all', got {orderings!r}.")
    level = check_level(level)
    seed_used, _ = resolve_seed(seed)
    # the orderings and the bootstrap draw from two children of the one recorded seed
    orderings_seed, bootstrap_seed = (int(g.integers(0, 2**63)) for g in spawn(seed_used, 2))
    rng = np.random.default_rng(orderings_seed)
    inf = resolve(data, weights=weights, replicates=replicates, seed=bootstrap_seed)
    drew = replicates > 0 and not (isinstance(data, SurveyDesign) and data.replicates is not None)
    in_b, groups = two_groups(inf.data, by, inf.weights)
    group = by_name(by)
    mf = build(formula, inf.data, inf.weights, by)
    _binary(mf, inf.weights)
    w_a = np.where(in_b, 0.0, inf.weights)
    w_b = np.where(in_b, inf.weights, 0.0)
    names = list(mf.columns)
    if reference == "pooled":
        x_fit = np.column_stack([mf.x, in_b.astype(float)])
        fit_names = [*names, f"{group}={groups[1]}"]
        check_rank(mf, inf.weights, "both", group)
    else:
        x_fit, fit_names = mf.x, names
    fit_w = {"pooled": inf.weights, "group0": w_a, "group1": w_b}[reference]
    where = {"pooled": "pooled sample", "group0": f"{group}={groups[0]}"}.get(
        reference, f"{group}={groups[1]}"
    )
    coef = _fit(mf, x_fit, fit_names, fit_w, where)
    term_labels = [t for t in dict.fromkeys(mf.terms) if t != "Intercept"]
    if not term_labels:
        raise DataError(f"formula {formula!r} has no covariates to decompose.")
    if len(term_labels) > _MAX_TERMS:
        raise DataError(
            f"{len(term_labels)} terms; the exact ordering average supports at most "
            f"{_MAX_TERMS} — group covariates or use fewer terms."
        )
    term_cols = [np.array([j for j, t in enumerate(mf.terms) if t == lab]) for lab in term_labels]
    k = len(term_labels)
    if orderings == "all":
        orders = None
    else:
        orders = np.array([rng.permutation(k) for _ in range(int(orderings))])
    p = len(names)

    def decompose(w: np.ndarray, beta: np.ndarray) -> np.ndarray:
        wa = np.where(in_b, 0.0, w)
        wb = np.where(in_b, w, 0.0)
        ya, yb = (wa @ mf.y) / wa.sum(), (wb @ mf.y) / wb.sum()
        values = _subset_values(mf, beta, in_b, w, term_cols)
        explained = values[-1] - values[0]
        if orders is None:
            contrib = shapley_table(values, k)
        else:
            contrib = ordering_contributions(values, orders).mean(axis=0)
        return np.concatenate([[ya, yb, ya - yb, explained, ya - yb - explained], contrib])

    def estimator(w: np.ndarray) -> np.ndarray:
        fw = {"pooled": w, "group0": np.where(in_b, 0.0, w), "group1": np.where(in_b, w, 0.0)}
        return decompose(w, logit(x_fit, mf.y, fw[reference], start=coef).coef[:p])

    full = decompose(inf.weights, coef[:p])
    if orders is not None and len(orders) > 1:
        values = _subset_values(mf, coef[:p], in_b, inf.weights, term_cols)
        spread_vals = ordering_contributions(values, orders).std(axis=0, ddof=1)
    else:
        spread_vals = np.zeros(k)
    reps, se = run_replicates(inf, estimator, full)
    rows = [
        ("mean_group0", "(total)"),
        ("mean_group1", "(total)"),
        ("gap", "(total)"),
        ("explained", "(total)"),
        ("unexplained", "(total)"),
    ] + [("contribution", lab) for lab in term_labels]
    labels = pd.DataFrame(rows, columns=["component", "term"])
    frame = estimate_frame(labels, full, se, inf, level)
    frame["share"] = np.where(
        frame["component"].isin(["mean_group0", "mean_group1"]),
        np.nan,
        frame["estimate"] / full[2] if full[2] != 0 else np.nan,
    )
    return FairlieResult(
        outcome=mf.outcome,
        by=group,
        groups=groups,
        reference=reference,
        orderings=orderings if orderings == "all" else int(orderings),
        coefficients=pd.Series(coef, index=fit_names, name="coef"),
        reference_levels=dict(mf.reference_levels),
        table=frame,
        ordering_spread=pd.Series(spread_vals, index=term_labels, name="sd_across_orderings"),
        replicate_estimates=reps,
        variance_method=inf.variance_method,
        conf_level=level,
        seed=seed_used if orderings != "all" or drew else None,
        n_obs=(int(np.sum(w_a > 0)), int(np.sum(w_b > 0))),
    )


def _subset_values(
    mf: ModelFrame, beta: np.ndarray, in_b: np.ndarray, w: np.ndarray, term_cols: list[np.ndarray]
) -> np.ndarray:
    """Subset values ``v(S)`` of the rank coupling under weights ``w``, (2^K,)."""
    wa = np.where(in_b, 0.0, w)
    wb = np.where(in_b, w, 0.0)
    eta = mf.x @ beta
    ia, ib = np.flatnonzero(wa > 0), np.flatnonzero(wb > 0)
    pairs = couple(expit(eta[ia]), wa[ia], expit(eta[ib]), wb[ib])
    ra, rb = ia[pairs.a], ib[pairs.b]
    delta = np.column_stack([(mf.x[ra][:, c] - mf.x[rb][:, c]) @ beta[c] for c in term_cols])
    return subset_values(eta[rb], delta, pairs.mass)

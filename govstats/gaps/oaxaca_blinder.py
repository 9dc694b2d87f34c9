"""Oaxaca–Blinder decomposition of a mean gap between two groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstats.design import SurveyDesign
from govstats.design.inference import (
    DEFAULT_LEVEL,
    DEFAULT_REPLICATES,
    SeedLike,
    check_level,
)
from govstats.errors import DataError
from govstats.gaps._common import by_name, resolve, run_replicates, two_groups
from govstats.gaps._formula import ModelFrame, build, check_rank
from govstats.gaps._oaxaca import decompose
from govstats.gaps._tables import DecompositionTable, estimate_frame, summary_text

__all__ = ["OaxacaResult", "oaxaca"]

_REFERENCES = ("pooled", "neumark", "group0", "group1", "reimers", "cotton")


@dataclass(frozen=True)
class OaxacaResult(DecompositionTable):
    """Twofold and threefold Oaxaca–Blinder decomposition.

    Attributes
    ----------
    outcome, by : str
        Outcome column and group column (several columns joined by ``":"``).
    groups : tuple
        ``(level0, level1)``; the gap is ``mean(level0) - mean(level1)``.
    reference : str or float
        Reference coefficients of the twofold decomposition.
    normalized : bool
        Whether categorical covariates use the normalised (reference-invariant) coding.
    reference_levels : dict
        Omitted level of every categorical term in the fitted models.
    table : pandas.DataFrame
        Tidy table (see :meth:`to_frame`).
    replicate_estimates : numpy.ndarray or None
        (R, rows of ``table``) replicate estimates.
    variance_method : str
    conf_level : float
        Confidence level of the intervals.
    seed : int or None
        Seed the bootstrap replicate weights were drawn with (``None``: no draws).
    n_obs : tuple of int
        Rows with positive weight in each group.
    """

    outcome: str
    by: str
    groups: tuple[object, object]
    reference: str | float
    normalized: bool
    reference_levels: dict[str, object]
    table: pd.DataFrame = field(repr=False)
    replicate_estimates: np.ndarray | None = field(repr=False)
    variance_method: str
    conf_level: float
    seed: int | None
    n_obs: tuple[int, int]

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Tidy frame: decomposition, component, term, estimate, se, ci_low, ci_high, df, covariate.

        ``decomposition`` is ``overall`` (rows ``mean_group0``, ``mean_group1``,
        ``gap``), ``twofold`` (``explained``, ``unexplained``) or ``threefold``
        (``endowments``, ``coefficients``, ``interaction``). Aggregate rows have
        ``term == "(total)"``; detailed rows name the model-matrix column (with
        normalised factors, every level including the reference one) and
        ``covariate`` the formula term it belongs to.
        """
        return super().to_frame(names=names)

    def summary(self) -> str:
        """Plain-text summary."""
        refs = ", ".join(f"{k}: {v}" for k, v in self.reference_levels.items()) or "none"
        head = [
            f"outcome: {self.outcome}    gap = mean({self.by}={self.groups[0]!r}) - "
            f"mean({self.by}={self.groups[1]!r})    n = {self.n_obs}",
            f"twofold reference: {self.reference}    threefold: group-1 coefficients",
            f"categorical reference levels: {refs}"
            + ("  (normalised detailed decomposition)" if self.normalized else ""),
            f"standard errors: {self.variance_method}, {self.conf_level:.0%} t intervals"
            + (f", seed {self.seed}" if self.seed is not None else ""),
        ]
        agg = self.table[self.table["term"] == "(total)"].drop(columns=["term", "covariate"])
        det = self.table[self.table["term"] != "(total)"]
        return (
            summary_text("Oaxaca–Blinder decomposition", head, agg)
            + "\n\nDetailed contributions\n"
            + det.to_string(index=False)
        )

    def __repr__(self) -> str:
        return (
            f"OaxacaResult(outcome={self.outcome!r}, by={self.by!r}, "
            f"gap={self.get('gap'):.4g}, explained={self.get('explained'):.4g}, "
            f"unexplained={self.get('unexplained'):.4g}, reference={self.reference!r})"
        )


def oaxaca(
    data: pd.DataFrame | SurveyDesign,
    formula: str,
    *,
    by: str | Sequence[str],
    reference: str | float = "pooled",
    normalize: bool = True,
    weights: str | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: SeedLike = None,
    level: float = DEFAULT_LEVEL,
) -> OaxacaResult:
    """Oaxaca–Blinder decomposition of the gap in a mean between two groups.

    Parameters
    ----------
    data : SurveyDesign or pandas.DataFrame
        With a design, point estimates use its analysis weights and standard errors its
        replicate weights (Rao–Wu bootstrap weights drawn with ``seed`` when it has
        none). A DataFrame is a simple random sample (optional ``weights`` column,
        row bootstrap).
    formula : str
        ``"outcome ~ covariates"`` (formulaic syntax; ``C(x)`` for categorical). The
        omitted level of a categorical term is its first level unless chosen with
        ``C(x, contr.treatment("level"))``; it is reported in ``reference_levels``.
    by : str or sequence of str, keyword-only
        Two-level column (or columns whose observed combinations are two groups).
        The gap is ``mean(level 0) - mean(level 1)`` with levels in the order of the
        categorical rule, so for ``rural`` (0/1) it is urban minus rural.
    reference : {"pooled", "neumark", "group0", "group1", "reimers", "cotton"} or float
        Reference coefficients ``b*`` of the twofold decomposition: ``"pooled"`` the
        pooled regression with a group indicator (Jann 2008; Fortin 2008), ``"neumark"``
        the pooled regression without it (Neumark 1988), ``"group0"``/``"group1"`` one
        group's coefficients (Oaxaca 1973; Blinder 1973), ``"reimers"`` their average,
        ``"cotton"`` weighted by group size, a float ``w`` gives ``w b0 + (1 - w) b1``.
    normalize : bool
        Normalise treatment-coded factors (Yun 2005; Gardeazabal & Ugidos 2004) so that
        the detailed contributions do not depend on the omitted category; the
        reference level then gets its own row.
    weights : str, optional
        Weight column (DataFrame input only).
    replicates : int, default 1000
        Bootstrap replicates when the input has none; 0 switches standard errors off.
    seed : int, numpy.random.Generator or None, keyword-only
        Seed of the bootstrap replicate weights; ``None`` draws fresh entropy. The
        seed used is recorded in ``result.seed``.
    level : float, default 0.95
        Confidence level of the t intervals.

    Returns
    -------
    OaxacaResult

    Notes
    -----
    With weighted least squares fits ``b_0``, ``b_1`` in each group and weighted means
    ``xbar_0``, ``xbar_1``, the gap ``R = ybar_0 - ybar_1`` splits as
    ``R = (xbar_0 - xbar_1) b* + [xbar_0 (b_0 - b*) + xbar_1 (b* - b_1)]``
    (explained + unexplained) and as
    ``R = (xbar_0 - xbar_1) b_1 + xbar_1 (b_0 - b_1) + (xbar_0 - xbar_1)(b_0 - b_1)``
    (endowments + coefficients + interaction). Detailed contributions are the
    per-column terms and sum exactly to each part. Unweighted, the estimates equal
    statsmodels' ``OaxacaBlinder`` and Stata's ``oaxaca``. Rows with missing values in a
    used column are an error, never silently dropped.

    References
    ----------
    Jann, B. (2008). The Blinder–Oaxaca decomposition for linear regression models.
    Stata Journal 8(4), 453-479. Yun, M.-S. (2005). A simple solution to the
    identification problem in detailed wage decompositions. Economic Inquiry 43(4).
    Stata: ``oaxaca y x1 x2 [pw=w], by(rural) pooled``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import govstats as gs
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> rural = rng.integers(0, 2, n)
    >>> edu = rng.normal(12 - 3 * rural, 2)
    >>> df = pd.DataFrame({"rural": rural, "edu": edu,
    ...                    "service": 1 + 0.5 * edu - 0.8 * rural + rng.normal(0, 1, n)})
    >>> res = gs.gaps.oaxaca(df, "service ~ edu", by="rural", replicates=50, seed=1)
    >>> bool(abs(res.get("explained") + res.get("unexplained") - res.get("gap")) < 1e-10)
    True
    >>> round(res.get("gap"), 2)
    2.36
    """
    if isinstance(reference, str) and reference not in _REFERENCES:
        raise DataError(f"reference must be one of {_REFERENCES} or a number, got {reference!r}.")
    if not isinstance(reference, str) and not 0 <= float(reference) <= 1:
        raise DataError(f"a numeric reference weight must be in [0, 1], got {reference}.")
    level = check_level(level)
    inf = resolve(data, weights=weights, replicates=replicates, seed=seed)
    in_b, groups = two_groups(inf.data, by, inf.weights)
    group = by_name(by)
    mf = build(formula, inf.data, inf.weights, by)
    check_rank(mf, np.where(in_b, 0.0, inf.weights), str(groups[0]), group)
    check_rank(mf, np.where(in_b, inf.weights, 0.0), str(groups[1]), group)
    blocks = mf.blocks if normalize else ()

    def estimator(w: np.ndarray) -> np.ndarray:
        return decompose(
            mf.x, mf.y, in_b, w, reference=reference, intercept=mf.intercept, blocks=blocks
        )

    full = estimator(inf.weights)
    reps, se = run_replicates(inf, estimator, full)
    labels = _labels(mf, normalize)
    frame = estimate_frame(labels, full, se, inf, level)
    frame["covariate"] = frame.pop("covariate")
    return OaxacaResult(
        outcome=mf.outcome,
        by=group,
        groups=groups,
        reference=reference,
        normalized=normalize and bool(mf.blocks),
        reference_levels=dict(mf.reference_levels),
        table=frame,
        replicate_estimates=reps,
        variance_method=inf.variance_method,
        conf_level=level,
        seed=inf.seed,
        n_obs=(int(np.sum((inf.weights > 0) & ~in_b)), int(np.sum((inf.weights > 0) & in_b))),
    )


def _labels(mf: ModelFrame, normalize: bool) -> pd.DataFrame:
    names = list(mf.columns)
    terms = list(mf.terms)
    if normalize and mf.blocks:
        for blk, term, levels in zip(mf.blocks, mf.block_terms, mf.block_levels, strict=True):
            prefix = names[blk.columns[0]].rsplit("[", 1)[0]
            for pos, lev in zip(blk.columns, levels[1:], strict=True):
                names[pos] = f"{prefix}[{lev}]"
            names.append(f"{prefix}[{levels[0]}]")
            terms.append(term)
    rows = [
        ("overall", "mean_group0"),
        ("overall", "mean_group1"),
        ("overall", "gap"),
        ("twofold", "explained"),
        ("twofold", "unexplained"),
        ("threefold", "endowments"),
        ("threefold", "coefficients"),
        ("threefold", "interaction"),
    ]
    out = [(d, c, "(total)", "(total)") for d, c in rows]
    for d, c in rows[3:]:
        out += [(d, c, v, t) for t, v in zip(terms, names, strict=True)]
    return pd.DataFrame(out, columns=["decomposition", "component", "term", "covariate"])

"""Design-based quantiles with Woodruff confidence intervals (R ``svyquantile``, survey 4.x)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from govstats.design._columns import check_missing, domain_codes, expand
from govstats.design._guards import check_probabilities
from govstats.design._proportion import proportion_limits
from govstats.design.inference import DEFAULT_LEVEL, check_level, critical_value
from govstats.design.results import SurveyEstimate
from govstats.errors import DataError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign

__all__ = ["qrule_hf7", "qrule_math", "quantile", "zeroin"]


def _cumulative(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    # R's sum() and cumsum() accumulate in long double; the quantile rules compare
    # cumulative weights with p * sum(w) exactly, so the same accumulation is used.
    order = np.argsort(x, kind="stable")
    cumw, total = _accumulate(w[order])
    return x[order], cumw, total


def _accumulate(sorted_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Cumulative and total weight in long double (as R), returned as float64."""
    long = sorted_weights.astype(np.longdouble)
    return np.cumsum(long).astype(np.float64), float(np.sum(long))


def _math_sorted(xs: np.ndarray, cumw: np.ndarray, total: float, p: float) -> float:
    # the last position whose cumulative weight is <= p * total (cumw never decreases)
    pos = max(int(np.searchsorted(cumw, p * total, side="right")) - 1, 0)
    pos_next = pos if pos == xs.size - 1 else pos + 1
    w_low = p - cumw[pos] / total
    return float(xs[pos] if w_low == 0 else xs[pos_next])


def _hf7_sorted(xs: np.ndarray, cumw: np.ndarray, total: float, p: float) -> float:
    if xs.size == 1:
        return float(xs[0])
    pk = np.concatenate([[0.0], cumw[:-1]]) / cumw[-2]
    return float(np.interp(p, pk, xs))


def qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """Smallest ``x`` whose weighted CDF reaches ``p`` (R ``qrule_math`` / ``qrule_hf1``).

    Examples
    --------
    >>> import numpy as np
    >>> qrule_math(np.array([3.0, 1.0, 2.0]), np.ones(3), 0.5)
    2.0
    """
    keep = w != 0
    return _math_sorted(*_cumulative(x[keep], w[keep]), p)


def qrule_hf7(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """Weighted analogue of Hyndman and Fan's type 7 quantile (R ``qrule_hf7``).

    Examples
    --------
    >>> import numpy as np
    >>> qrule_hf7(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4), 0.5)
    2.5
    """
    keep = w != 0
    return _hf7_sorted(*_cumulative(x[keep], w[keep]), p)


class _SortedRule:
    """One variable in one domain, sorted once; the quantile rule at any probability.

    The estimate and both Woodruff limits read the same sorted values and cumulative
    weights instead of sorting the data three times.
    """

    def __init__(self, rule_name: str, x: np.ndarray, w: np.ndarray) -> None:
        keep = np.flatnonzero(w != 0)
        self.order = keep[np.argsort(x[keep], kind="stable")]
        self.xs = x[self.order]
        self.cumw, self.total = _accumulate(w[self.order])
        self.rule = _SORTED_RULES[rule_name]

    def __call__(self, p: float) -> float:
        return self.rule(self.xs, self.cumw, self.total, p)

    def replicate(self, weights_sorted: np.ndarray, p: float) -> float:
        """Apply the rule under other weights given in this sorted order (zeros dropped)."""
        keep = weights_sorted != 0
        cumw, total = _accumulate(weights_sorted[keep])
        return self.rule(self.xs[keep], cumw, total, p)


_SORTED_RULES = {"math": _math_sorted, "hf1": _math_sorted, "hf7": _hf7_sorted}


_RULES = {"math": qrule_math, "hf1": qrule_math, "hf7": qrule_hf7}


_INTERVALS = ("mean", "xlogit", "asin", "beta", "score", "quantile")
_EPS = float(np.finfo(np.float64).eps)


def zeroin(
    f: Callable[[float], float], lower: float, upper: float, tol: float, max_iter: int = 1000
) -> float:
    """Brent's root finder step for step as R ``uniroot`` (``R_zeroin2``).

    A step function such as a score test has no exact zero; which side of a jump
    the search stops on then decides the interval, so R's iteration is followed
    exactly rather than delegated to another implementation.

    Examples
    --------
    >>> round(zeroin(lambda t: t * t - 2.0, 0.0, 2.0, 1e-10), 8)
    1.41421356
    """
    a, b = lower, upper
    fa, fb = f(a), f(b)
    if fa * fb > 0:
        raise DataError(
            "the score interval search found no sign change between the data limits; "
            "use interval_type='mean'."
        )
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(max_iter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def _woodruff(
    design: SurveyDesign,
    x: np.ndarray,
    qhat: float,
    p: float,
    rule: Callable[[float], float],
    alpha: float,
    interval_type: str = "mean",
) -> tuple[float, float]:
    below = pd.DataFrame({"below": (x <= qhat).astype(np.float64)}, index=design.data.index)
    probe = dataclasses.replace(design, data=below, analysis_weights=design.weights_array)
    m = probe.mean("below", deff=False)
    crit = critical_value(design.df, 1 - alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        low_p, high_p = proportion_limits(
            float(m.estimate[0]),
            float(m.se[0]),
            crit,
            interval_type,
            alpha,
            int(np.count_nonzero(design.weights_array)),
            design.df,
        )
    low = np.nan if np.isnan(low_p) or low_p < 0 else rule(low_p)
    high = np.nan if np.isnan(high_p) or high_p > 1 else rule(high_p)
    return low, high


def _score_interval(
    design: SurveyDesign, x: np.ndarray, p: float, rule: Callable[[float], float], alpha: float
) -> tuple[float, float]:
    """Francisco-Fuller score interval (R ``ffullerCI``, ``interval.type="score"``).

    The limits are the roots of ``mean(U(theta)) / se(U(theta)) = -/+ t`` with
    ``U = 1(x > theta) - (1 - p)``; each root is turned into the unweighted share
    of the sample at or below it, and that share into a quantile of ``x``.
    """
    active = design.weights_array != 0
    xs = x[active]
    crit = critical_value(design.df, 1 - alpha)
    q25, q75 = np.quantile(xs, [0.25, 0.75])
    iqr = float(q75 - q25)
    lower_t, upper_t = float(xs.min()) + iqr / 100, float(xs.max()) - iqr / 100
    tol = 1 / (100 * np.sqrt(xs.size))

    def score(theta: float, limit: float) -> float:
        u = pd.DataFrame({"u": (x > theta) - (1 - p)}, index=design.data.index)
        probe = dataclasses.replace(design, data=u, analysis_weights=design.weights_array)
        m = probe.mean("u", deff=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(m.estimate[0] / m.se[0] - limit)

    low = zeroin(lambda t: score(t, crit), lower_t, upper_t, tol)
    high = zeroin(lambda t: score(t, -crit), lower_t, upper_t, tol)
    return rule(float(np.mean(xs <= low))), rule(float(np.mean(xs <= high)))


#: Replicates whose weights are formed at once in the replicate interval (rows x this).
_REPLICATE_BLOCK = 4


def _replicate_interval(
    design: SurveyDesign, x: np.ndarray, qhat: float, p: float, rule: _SortedRule, alpha: float
) -> tuple[float, float]:
    """R ``repCI``: the quantile under every replicate weight, variance by ``svrVar``.

    The rows are sorted once; replicate weights come in blocks of
    ``_REPLICATE_BLOCK`` replicates, taken in that order.
    """
    reps = design.replicates
    assert reps is not None
    chunk = _REPLICATE_BLOCK
    values: list[float] = []
    if reps.factors is not None and reps.row_weights is None:
        # factors gathered straight into the sorted order, one replicate per row
        psu_sorted = reps.psu_index[rule.order]
        w_sorted = design.weights_array[rule.order]
        cells = reps.cell_index is not None and reps.cell_factors is not None
        cell_sorted = reps.cell_index[rule.order] if cells else None  # type: ignore[index]
        for lo in range(0, reps.n_replicates, chunk):
            sl = slice(lo, min(lo + chunk, reps.n_replicates))
            block = np.take(reps.factors[:, sl].T, psu_sorted, axis=1)
            if cell_sorted is not None:
                assert reps.cell_factors is not None
                block *= np.take(reps.cell_factors[:, sl].T, cell_sorted, axis=1)
            block *= w_sorted
            values.extend(rule.replicate(row, p) for row in block)
    else:
        for _, block in reps.weight_chunks(design.weights_array, chunk):
            ordered = np.ascontiguousarray(block[rule.order].T)  # one gather of whole rows
            values.extend(rule.replicate(row, p) for row in ordered)
    v = float(reps.vcov(np.asarray(values)[:, None], np.array([qhat]))[0, 0])
    half = critical_value(design.df, 1 - alpha) * np.sqrt(v)
    return qhat - half, qhat + half


def quantile(
    design: SurveyDesign,
    variables: str | Sequence[str],
    q: float | Sequence[float] = 0.5,
    *,
    by: str | Sequence[str] | None = None,
    qrule: str = "math",
    level: float = DEFAULT_LEVEL,
    na_rm: bool = False,
    interval_type: str = "mean",
) -> SurveyEstimate:
    """Quantiles of numeric columns with Woodruff intervals, as R ``svyquantile``.

    Parameters
    ----------
    design : SurveyDesign
        Linearization or replicate design.
    variables : str or sequence of str
        Numeric columns.
    q : float or sequence of float
        Probabilities in [0, 1].
    by : str or sequence of str, optional
        Domain columns; every domain is estimated on ``design.subset(domain)``.
    qrule : {"math", "hf7"}
        ``"math"`` (R default; also ``"hf1"``): the smallest value whose weighted
        CDF is at least ``q``. ``"hf7"``: interpolation as Hyndman-Fan type 7.
    level : float, default 0.95
        Confidence level of the intervals (R ``alpha = 1 - level``).
    na_rm : bool
        Leave rows with missing values out (as a domain).
    interval_type : {"mean", "xlogit", "asin", "beta", "score", "quantile"}
        R ``interval.type``. Woodruff intervals build the interval for the CDF
        on the probability scale (``"mean"``), the logit (``"xlogit"``) or
        arcsine-square-root scale (``"asin"``), or as a Korn-Graubard beta
        interval (``"beta"``); ``"score"`` inverts a score test (Francisco and
        Fuller 1991; R ``ffullerCI``, linearization designs). On replicate designs
        ``"xlogit"``, ``"asin"`` and ``"beta"`` give the ``"mean"`` interval, as
        R ``svyquantile.svyrep.design`` does. ``"quantile"``
        (replicate designs only): the quantile is recomputed under every
        replicate weight and the interval is ``qhat -/+ t * se`` with the
        replicate variance (R ``repCI``).

    Returns
    -------
    SurveyEstimate
        ``statistic="quantile"``; ``ci_low``/``ci_high`` are the Woodruff limits,
        ``se = (ci_high - ci_low) / (2 t_{df, (1+level)/2})`` as R reports, and
        ``vcov`` is diagonal.

    Notes
    -----
    Woodruff (1952): the interval for the CDF at the estimated quantile,
    ``F(q) -/+ t * se(F(q))`` (``svymean`` of ``x <= q`` under the design), is
    mapped back through the same quantile rule. A limit outside [0, 1] is NaN,
    exactly as R reports it; degrees of freedom are ``design.df``.

    References
    ----------
    Woodruff, R. S. (1952). Confidence intervals for medians and other position
    measures. *JASA* 47, 635-646. R: ``svyquantile(~x, design, quantiles=q,
    qrule="math", interval.type="mean")``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [float(v) for v in range(1, 21)]})
    >>> r = SurveyDesign(df).quantile("y", q=0.5)
    >>> float(r.estimate[0])
    10.0
    """
    alpha = 1.0 - check_level(level)
    if qrule not in _RULES:
        raise DataError(f"qrule={qrule!r} is not supported; use 'math' (R default) or 'hf7'.")
    if interval_type not in _INTERVALS:
        raise DataError(
            f"interval_type={interval_type!r} is not supported; use one of {', '.join(_INTERVALS)}."
        )
    if interval_type == "score" and design.replicates is not None:
        raise DataError(
            "interval_type='score' is for linearization designs (as R); use 'mean' or "
            "'quantile' with replicate weights."
        )
    if design.replicates is not None and interval_type in ("xlogit", "asin", "beta"):
        # R svyquantile.svyrep.design accepts these but calls woodruffCI with its default
        # method, so the interval is the "mean" one; so is it here
        interval_type = "mean"
    if interval_type == "quantile" and design.replicates is None:
        raise DataError(
            "interval_type='quantile' needs replicate weights (R: svrepdesign only); "
            "use a Woodruff interval ('mean', 'xlogit', 'asin', 'beta') on this design."
        )
    probs = check_probabilities(q)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise DataError(
            f"alpha={alpha!r} is outside (0, 1): pass the error rate of the interval, e.g. "
            "alpha=0.05 for 95% limits."
        )
    columns = expand(design.data, variables, text_as_factor=False)
    active, matrix = check_missing(
        columns,
        design.weights_array != 0,
        na_rm,
        "in the design" if design.is_full else "in the domain",
    )
    codes, labels, names = domain_codes(design.data, by, active)
    rows: dict[str, list[object]] = {"variable": [], "quantile": [], "domain": []}
    est, low, high, dfs = [], [], [], []
    for d, label in enumerate(labels):
        sub = design.with_weights(np.where(codes == d, design.weights_array, 0.0))
        for j, variable in enumerate(columns.variable):
            x = matrix[:, j]
            rule = _SortedRule(qrule, x, sub.weights_array)
            for p in probs:
                qhat = rule(p)
                if interval_type == "quantile":
                    lo, hi = _replicate_interval(sub, x, qhat, p, rule, alpha)
                elif interval_type == "score":
                    lo, hi = _score_interval(sub, x, p, rule, alpha)
                else:
                    lo, hi = _woodruff(sub, x, qhat, p, rule, alpha, interval_type)
                est.append(qhat)
                low.append(lo)
                high.append(hi)
                dfs.append(sub.df)
                rows["variable"].append(variable)
                rows["quantile"].append(p)
                rows["domain"].append(label)
    low_a, high_a = np.asarray(low), np.asarray(high)
    crit = np.array([critical_value(df, level) for df in dfs])
    se = (high_a - low_a) / (2 * crit)
    return SurveyEstimate(
        statistic="quantile",
        variable=tuple(str(v) for v in rows["variable"]),
        estimate=np.asarray(est, dtype=np.float64),
        vcov=np.diag(se**2),
        df=int(design.df),  # R: degf(design); intervals use the df after na.rm
        ci_low=low_a,
        ci_high=high_a,
        by=tuple(names),
        domain=tuple(rows["domain"]) if names else (),  # type: ignore[arg-type]
        method=design.method,
        conf_level=float(level),
        quantile=tuple(float(v) for v in rows["quantile"]),  # type: ignore[arg-type]
        seed=None if design.replicates is None else design.replicates.seed,
    )

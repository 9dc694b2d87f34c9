"""The one inference kernel: seeds, confidence levels, t intervals and replicate variances.

Every family (design, chain, gaps, sem, causal, panel) takes its intervals,
replicate variances and random generators from here, so that the same regression
on the same design gets the same standard error whichever family fits it, and a
bad ``seed``, ``level`` or ``replicates`` gets the same message everywhere.

The functions take and return arrays; they know nothing of pandas.
"""

from __future__ import annotations

import numbers
import operator

import numpy as np
from scipy import stats

from govstats.errors import GovstatsError

__all__ = [
    "DEFAULT_LEVEL",
    "DEFAULT_REPLICATES",
    "SeedLike",
    "check_level",
    "check_replicates",
    "critical_value",
    "percentile_interval",
    "replicate_variance",
    "replicate_vcov",
    "resolve_seed",
    "spawn",
    "t_interval",
]

#: Confidence level of every interval unless ``level=`` says otherwise.
DEFAULT_LEVEL = 0.95
#: Number of bootstrap / Monte Carlo replicates unless ``replicates=`` says otherwise
#: (enough for percentile intervals; R's ``as.svrepdesign`` default of 50 is for SEs only).
DEFAULT_REPLICATES = 1000

SeedLike = int | np.random.Generator | None

# Seeds are drawn below 2**63 so that they print, store in JSON and round-trip as int64.
_SEED_BOUND = 2**63


def resolve_seed(seed: SeedLike, *, argument: str = "seed") -> tuple[int, np.random.Generator]:
    """Return the integer seed actually used and a Generator built from it.

    ``None`` draws fresh entropy; a ``numpy.random.Generator`` is asked for one
    integer, so that the run is reproducible from the returned seed alone. The
    same integer seed always gives the same Generator (``numpy.random.default_rng``).

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
        A non-negative integer, a Generator, or ``None`` for fresh entropy.
    argument : str, default "seed"
        Name of the argument, for the error message.

    Returns
    -------
    (int, numpy.random.Generator)
        The seed to record in the result, and the generator to draw from.

    Raises
    ------
    GovstatsError
        ``seed`` is a float, a string, a bool or a negative integer.

    Examples
    --------
    >>> used, rng = resolve_seed(7)
    >>> used
    7
    >>> float(rng.random()) == float(resolve_seed(used)[1].random())
    True
    """
    if seed is None:
        used = int(np.random.SeedSequence().generate_state(2, np.uint32).view(np.uint64)[0])
        used %= _SEED_BOUND
    elif isinstance(seed, np.random.Generator):
        used = int(seed.integers(0, _SEED_BOUND))
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise GovstatsError(
            f"{argument}={seed!r} is not a seed: pass a non-negative integer, a "
            f"numpy.random.Generator, or None for fresh entropy (the result records the "
            f"seed used)."
        )
    else:
        used = operator.index(seed)
        if used < 0:
            raise GovstatsError(f"{argument}={seed} is negative: pass a non-negative integer seed.")
    return used, np.random.default_rng(used)


def spawn(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent child generators of an integer seed (for parallel or batched draws)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def check_level(level: float, *, argument: str = "level") -> float:
    """Validate a confidence level: a number strictly between 0 and 1.

    Examples
    --------
    >>> check_level(0.9)
    0.9
    """
    if isinstance(level, bool) or not isinstance(level, numbers.Real):
        raise GovstatsError(
            f"{argument}={level!r} is not a confidence level: pass a number between 0 and 1, "
            f"such as 0.95."
        )
    value = float(level)
    if not 0.0 < value < 1.0:
        hint = f" (did you mean {value / 100:g}?)" if 1.0 < value < 100.0 else ""
        raise GovstatsError(
            f"{argument}={level!r} is outside (0, 1): pass a confidence level such as 0.95{hint}."
        )
    return value


def check_replicates(replicates: int, *, minimum: int = 2, argument: str = "replicates") -> int:
    """Validate a number of replicates (an integer of at least ``minimum``).

    Examples
    --------
    >>> check_replicates(200)
    200
    """
    if isinstance(replicates, bool) or not isinstance(replicates, numbers.Integral):
        raise GovstatsError(
            f"{argument}={replicates!r} is not a number of replicates: pass an integer of at "
            f"least {minimum}."
        )
    value = operator.index(replicates)
    if value < minimum:
        raise GovstatsError(
            f"{argument}={value} is too few: a variance needs at least {minimum} replicates "
            f"(1000 or more for percentile intervals)."
        )
    return value


def critical_value(df: float, level: float) -> float:
    """Two-sided critical value: t on ``df`` degrees of freedom, normal when ``df`` is infinite.

    A design with ``df <= 0`` (every stratum lonely and removed, one PSU) has no
    t interval; that is an error, never a silent NaN.
    """
    level = check_level(level)
    if not np.isfinite(df):
        return float(stats.norm.ppf(0.5 + level / 2))
    if df <= 0:
        raise GovstatsError(
            f"the design has {df:g} degrees of freedom (PSUs minus strata), so no interval "
            f"can be formed: check the lonely_psu rule and that strata hold two or more PSUs."
        )
    return float(stats.t.ppf(0.5 + level / 2, df))


def t_interval(
    estimate: np.ndarray, se: np.ndarray, df: float, level: float = DEFAULT_LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits ``estimate -/+ t_{df, (1+level)/2} * se`` (normal when df is infinite).

    Parameters
    ----------
    estimate, se : ndarray, shape (k,)
    df : float
        Design degrees of freedom (R ``degf``), or ``inf`` for normal limits.
    level : float

    Examples
    --------
    >>> low, high = t_interval(np.array([1.0]), np.array([0.5]), float("inf"))
    >>> round(float(high[0]), 4)
    1.98
    """
    crit = critical_value(df, level)
    estimate = np.asarray(estimate, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    return estimate - crit * se, estimate + crit * se


def replicate_vcov(
    replicate_estimates: np.ndarray,
    full_estimate: np.ndarray,
    scale: float,
    rscales: np.ndarray,
    mse: bool,
) -> np.ndarray:
    """Replicate covariance as R ``survey:::svrVar``.

    ``V = scale * sum_r rscales[r] (theta_r - c)(theta_r - c)^T`` where ``c`` is the
    full-sample estimate when ``mse`` and otherwise the mean of the replicates with
    ``rscales > 0`` (R's centring; replicates with a zero scale do not move it).
    Replicates with a missing estimate are dropped, as R's ``na.rm`` in ``svrVar``.

    Parameters
    ----------
    replicate_estimates : ndarray, shape (R, k)
    full_estimate : ndarray, shape (k,)
    scale : float
    rscales : ndarray, shape (R,)
    mse : bool

    Returns
    -------
    ndarray, shape (k, k)
    """
    theta = np.asarray(replicate_estimates, dtype=np.float64)
    if theta.ndim == 1:
        theta = theta[:, None]
    rscales = np.asarray(rscales, dtype=np.float64)
    keep = np.isfinite(theta).all(axis=1)
    theta, rscales = theta[keep], rscales[keep]
    if mse:
        centre = np.asarray(full_estimate, dtype=np.float64).reshape(-1)
    else:
        positive = rscales > 0
        centre = theta[positive].mean(axis=0) if positive.any() else theta.mean(axis=0)
    dev = theta - centre
    return np.asarray(scale * (dev.T * rscales) @ dev)


def replicate_variance(
    replicate_estimates: np.ndarray,
    full_estimate: np.ndarray,
    scale: float,
    rscales: np.ndarray,
    mse: bool,
) -> np.ndarray:
    """Return the diagonal of :func:`replicate_vcov`, shape (k,), without the k x k matrix."""
    theta = np.asarray(replicate_estimates, dtype=np.float64)
    if theta.ndim == 1:
        theta = theta[:, None]
    rscales = np.asarray(rscales, dtype=np.float64)
    keep = np.isfinite(theta).all(axis=1)
    theta, rscales = theta[keep], rscales[keep]
    if mse:
        centre = np.asarray(full_estimate, dtype=np.float64).reshape(-1)
    else:
        positive = rscales > 0
        centre = theta[positive].mean(axis=0) if positive.any() else theta.mean(axis=0)
    return np.asarray(scale * rscales @ (theta - centre) ** 2)


def percentile_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles ``(1 -/+ level)/2`` of every column of (R, k) draws."""
    tail = (1 - check_level(level)) / 2
    low, high = np.quantile(np.asarray(draws, dtype=np.float64), [tail, 1 - tail], axis=0)
    return low, high

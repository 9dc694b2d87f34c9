"""The one inference kernel: seeds, levels, t intervals, replicate variances, bootstrap draws.

Every family (design, chain, gaps, sem, causal, panel) takes its intervals,
replicate variances and random generators from here, so that the same regression
on the same design gets the same standard error whichever family fits it, and a
bad ``seed``, ``level`` or ``replicates`` gets the same message everywhere.

The functions take and return arrays; they know nothing of pandas.
"""

from __future__ import annotations

import numbers
import operator
import warnings
from collections.abc import Iterator

import numpy as np
from scipy import stats

from govstats._random import SeedLike, resolve_seed, spawn
from govstats.errors import GovstatsError, GovstatsWarning

__all__ = [
    "DEFAULT_LEVEL",
    "DEFAULT_REPLICATES",
    "SeedLike",
    "check_level",
    "check_replicates",
    "critical_value",
    "domain_interval",
    "iid_counts",
    "percentile_interval",
    "rao_wu_factors",
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
        hint = f" (did you mean {value / 100:g}?)" if 50.0 <= value < 100.0 else ""
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


def _centred(
    replicate_estimates: np.ndarray, full_estimate: np.ndarray, rscales: np.ndarray, mse: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Finite replicates, their rscales and R ``svrVar``'s centre."""
    theta = np.asarray(replicate_estimates, dtype=np.float64)
    if theta.ndim == 1:
        theta = theta[:, None]
    rscales = np.asarray(rscales, dtype=np.float64)
    keep = np.isfinite(theta).all(axis=1)
    if not keep.all():
        if not keep.any():
            raise GovstatsError(
                "every replicate estimate is missing or infinite (each replicate left a domain "
                "or a denominator empty); use another replicate method or a larger domain."
            )
        warnings.warn(
            f"{int((~keep).sum())} of {keep.size} replicates gave missing or infinite estimates "
            "and were dropped from the variance (as R's svrVar); a domain or denominator is "
            "empty in those replicates.",
            GovstatsWarning,
            stacklevel=4,
        )
        theta, rscales = theta[keep], rscales[keep]
    if mse:
        centre = np.asarray(full_estimate, dtype=np.float64).reshape(-1)
    else:
        positive = rscales > 0
        centre = theta[positive].mean(axis=0) if positive.any() else theta.mean(axis=0)
    return theta, rscales, centre


def domain_interval(
    estimate: np.ndarray, se: np.ndarray, df: float, level: float = DEFAULT_LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`t_interval`, except that ``df <= 0`` gives missing limits with a warning.

    A domain (or a model with as many parameters as PSUs minus strata) can have no
    degrees of freedom while its estimate and standard error still exist; R then
    prints ``NaN`` limits (``qt(0.975, 0)``). Here the limits are NaN too, and a
    :class:`GovstatsWarning` says why, so the result is never a silent NaN.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", GovstatsWarning)
    ...     low, high = domain_interval(np.array([1.0]), np.array([0.5]), 0)
    >>> bool(np.isnan(low[0]))
    True
    """
    if np.isfinite(df) and df <= 0:
        check_level(level)
        warnings.warn(
            f"{df:g} degrees of freedom (PSUs minus strata in the domain, less the model's "
            "parameters): the estimate and standard error are reported, the t interval is "
            "not (NaN, as R). Widen the domain or merge strata.",
            GovstatsWarning,
            stacklevel=3,
        )
        nan = np.full(np.shape(estimate), np.nan)
        return nan, nan.copy()
    return t_interval(estimate, se, df, level)


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
    Replicates with a missing estimate are dropped with a :class:`GovstatsWarning`
    naming how many, as R's ``svrVar`` does ("replicates gave NA estimates and were
    dropped"); if none is left the result is an error.

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
    theta, rscales, centre = _centred(replicate_estimates, full_estimate, rscales, mse)
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
    theta, rscales, centre = _centred(replicate_estimates, full_estimate, rscales, mse)
    return np.asarray(scale * rscales @ (theta - centre) ** 2)


def percentile_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles ``(1 -/+ level)/2`` of every column of (R, k) draws."""
    tail = (1 - check_level(level)) / 2
    low, high = np.quantile(np.asarray(draws, dtype=np.float64), [tail, 1 - tail], axis=0)
    return low, high


def rao_wu_factors(
    psu_strata: np.ndarray, replicates: int, *, seed: SeedLike = None, chunk: int = 256
) -> Iterator[np.ndarray]:
    """Rao-Wu rescaled bootstrap factors, shape (n_psu, c), for consecutive chunks of replicates.

    In every stratum h with ``n_h >= 2`` PSUs, ``n_h - 1`` PSUs are drawn with
    replacement; a PSU drawn ``t`` times gets the factor ``t n_h / (n_h - 1)``
    (R ``subbootweights``; variance ``scale = 1/(R-1)``, ``rscales = 1``). A
    stratum with one PSU keeps factor 1 in every replicate: the caller decides
    whether that is allowed (the lonely-PSU rule) before drawing.

    Every stratum draws from its own child generator spawned from ``seed``, so the
    factors do not depend on ``chunk``: a design that keeps all replicates and a
    fit that streams them in chunks get the same bootstrap from the same seed.

    Parameters
    ----------
    psu_strata : ndarray of int, shape (n_psu,)
        Stratum code of every PSU.
    replicates : int
    seed : int, numpy.random.Generator or None, keyword-only
        Passed through :func:`resolve_seed`; callers pass the integer they record.
    chunk : int
        Replicates per yielded block.

    Examples
    --------
    >>> f = np.hstack(list(rao_wu_factors(np.array([0, 0, 1, 1, 1]), 4, seed=1, chunk=3)))
    >>> f.shape, np.allclose(f[:2].sum(axis=0), 2.0), np.allclose(f[2:].sum(axis=0), 3.0)
    ((5, 4), True, True)
    """
    replicates = check_replicates(replicates)
    used, _ = resolve_seed(seed)
    psu_strata = np.asarray(psu_strata)
    strata = np.unique(psu_strata)
    members = [np.flatnonzero(psu_strata == h) for h in strata]
    generators = spawn(used, len(members))
    for start in range(0, replicates, max(1, chunk)):
        c = min(max(1, chunk), replicates - start)
        out = np.ones((psu_strata.shape[0], c))
        for idx, rng in zip(members, generators, strict=True):
            n_h = idx.shape[0]
            if n_h < 2:
                continue
            # n_h - 1 draws with replacement per replicate, counted per PSU
            picks = rng.integers(0, n_h, size=(c, n_h - 1)) + n_h * np.arange(c)[:, None]
            counts = np.bincount(picks.ravel(), minlength=c * n_h).reshape(c, n_h)
            out[idx] = counts.T * (n_h / (n_h - 1.0))
        yield out


def iid_counts(
    n: int, replicates: int, *, seed: SeedLike = None, chunk: int = 256
) -> Iterator[np.ndarray]:
    """Row-resampling counts of the i.i.d. bootstrap, shape (n, c), per chunk of replicates.

    Replicate ``r`` draws ``n`` rows with replacement (PROCESS's bootstrap; R
    ``survey``'s ``type="bootstrap"`` with every row its own PSU, without the
    ``n/(n-1)`` rescaling). The draws do not depend on ``chunk``.

    Examples
    --------
    >>> counts = np.hstack(list(iid_counts(5, 3, seed=2, chunk=2)))
    >>> counts.shape, counts.sum(axis=0).tolist()
    ((5, 3), [5.0, 5.0, 5.0])
    """
    replicates = check_replicates(replicates)
    _, rng = resolve_seed(seed)
    step = max(1, chunk)
    for start in range(0, replicates, step):
        c = min(step, replicates - start)
        idx = rng.integers(0, n, size=(c, n))
        flat = (idx + n * np.arange(c)[:, None]).ravel()
        yield np.bincount(flat, minlength=c * n).reshape(c, n).T.astype(np.float64)

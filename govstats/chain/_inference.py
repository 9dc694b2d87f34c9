"""BCa intervals of bootstrap draws (t, percentile and replicate variances: design.inference).

BCa follows Efron (1987) and Efron & Tibshirani (1993, ch. 14): with the bootstrap
distribution theta_r, the bias correction is ``z0 = Phi^-1(#{theta_r < theta_hat} / R)``
(ties count half) and the acceleration from jackknife values theta_(i) is
``a = sum (mean - theta_(i))^3 / (6 [sum (mean - theta_(i))^2]^(3/2))``; the interval
takes the replicate quantiles at ``Phi(z0 + (z0 + z_alpha) / (1 - a (z0 + z_alpha)))``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from govstats.errors import ModelError

#: Inference methods of the chain and interval types.
INFERENCE = ("replicate", "linearization", "montecarlo", "bootstrap", "model", "none")
CI_TYPES = ("percentile", "bca", "wald")


def check_ci(ci: str | None, allowed: Sequence[str], default: str, what: str) -> str:
    """Return the interval type asked for (``default`` when None) if ``what`` allows it."""
    if ci is None:
        return default
    if ci not in CI_TYPES:
        raise ModelError(f"ci={ci!r}; choose one of {CI_TYPES}")
    if ci not in allowed:
        raise ModelError(
            f"ci={ci!r} is not available with inference {what}; use one of {list(allowed)}"
        )
    return ci


#: BCa needs enough replicates for its adjusted tail quantiles (Efron & Tibshirani
#: recommend 1000 or more; below this many we refuse).
MIN_BCA_REPLICATES = 200


def acceleration(jack: np.ndarray) -> np.ndarray:
    """(J, E) jackknife values -> (E,) BCa acceleration."""
    dev = jack.mean(axis=0) - jack
    num = (dev**3).sum(axis=0)
    den = 6.0 * (dev**2).sum(axis=0) ** 1.5
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def bca_interval(
    draws: np.ndarray,
    full: np.ndarray,
    jack: np.ndarray,
    level: float,
    names: list[str],
    *,
    strict: bool = True,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """BCa interval of every column of (R, E) draws; see the module docstring.

    A column whose bias correction is infinite (every replicate on one side of the
    estimate) or whose adjusted quantiles fall beyond the most extreme replicate has
    no BCa interval. With ``strict`` that raises; otherwise its bounds are NaN and
    its name is returned so the caller can say so.

    Returns
    -------
    (E,) low, (E,) high, list of the names without a BCa interval

    Raises
    ------
    ModelError
        Too few replicates; with ``strict``, a column without a BCa interval.
    """
    n_rep = draws.shape[0]
    if n_rep < MIN_BCA_REPLICATES:
        raise ModelError(
            f"ci='bca' needs at least {MIN_BCA_REPLICATES} replicates (1000 or more is "
            f"advisable) but got {n_rep}; ask for more replicates or use ci='percentile'"
        )
    below = (draws < full).sum(axis=0) + 0.5 * (draws == full).sum(axis=0)
    share = below / n_rep
    one_sided = (share <= 0) | (share >= 1) | ~np.isfinite(full)
    z0 = stats.norm.ppf(np.clip(share, 0.5 / n_rep, 1 - 0.5 / n_rep))
    acc = acceleration(jack)
    tail = (1 - level) / 2
    probs = []
    for z_alpha in (stats.norm.ppf(tail), stats.norm.ppf(1 - tail)):
        probs.append(stats.norm.cdf(z0 + (z0 + z_alpha) / (1 - acc * (z0 + z_alpha))))
    low_p, high_p = probs
    beyond = np.minimum(low_p, 1 - high_p) * n_rep < 1
    failed = one_sided | beyond | ~np.isfinite(draws).all(axis=0)
    bad = [names[i] for i in np.flatnonzero(failed)]
    if bad and strict:
        raise ModelError(
            f"no BCa interval for {bad}: the replicates lie (almost) all on one side of the "
            f"estimate or the adjusted quantiles fall beyond the most extreme of the {n_rep} "
            "replicates; ask for more replicates or use ci='percentile'"
        )
    low = np.full(draws.shape[1], np.nan)
    high = np.full(draws.shape[1], np.nan)
    for e in np.flatnonzero(~failed):
        low[e] = np.quantile(draws[:, e], low_p[e])
        high[e] = np.quantile(draws[:, e], high_p[e])
    return low, high, bad

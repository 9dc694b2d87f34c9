"""Turn estimates plus their uncertainty (draws, jackknife, covariance) into tables.

Every reported quantity -- a path coefficient, an effect, a difference between
groups, a contrast -- is a linear combination ``L @ theta`` of one stacked vector
``theta`` whose uncertainty is stored once, as replicate or Monte Carlo draws
(with the jackknife values BCa needs) or as a covariance matrix (delta method).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import block_diag

from govstats.chain import _effects, _inference, _sampling
from govstats.chain._inference import check_ci
from govstats.design.inference import (
    DEFAULT_REPLICATES,
    percentile_interval,
    replicate_variance,
    t_interval,
)


@dataclass(frozen=True)
class Uncertainty:
    """How the uncertainty of a stacked estimate vector is represented.

    Attributes
    ----------
    method : str
        "linearization", "replicate", "bootstrap", "montecarlo" or "none".
    ci : str
        "wald", "percentile" or "bca".
    level : float
    df : float
        Degrees of freedom of t intervals (``inf`` for normal).
    draws : (R, m) array or None
        Replicate / Monte Carlo values of theta.
    jack : (J, m) array or None
        Delete-one-PSU jackknife values of theta (BCa acceleration).
    vcov : (m, m) array or None
        Covariance of theta (linearization / delta method).
    scale, rscales, mse
        Replicate variance constants (R survey ``svrVar``).
    """

    method: str
    ci: str
    level: float
    df: float
    draws: np.ndarray | None = None
    jack: np.ndarray | None = None
    vcov: np.ndarray | None = None
    scale: float = 1.0
    rscales: np.ndarray | None = None
    mse: bool = False


def summarise(
    theta: np.ndarray,
    unc: Uncertainty,
    combo: np.ndarray,
    names: list[str],
    *,
    strict: bool = True,
    failed: list[str] | None = None,
) -> dict[str, np.ndarray]:
    """Estimate, se, ci_low, ci_high of ``combo @ theta`` (combo: (c, m)).

    With ``strict=False`` a quantity without a BCa interval gets NaN bounds and its
    name is appended to ``failed`` (the caller reports it); otherwise it raises.
    """
    est = combo @ theta
    nan = np.full(est.shape, np.nan)
    if unc.method == "none":
        return {"estimate": est, "se": nan, "ci_low": nan, "ci_high": nan}
    if unc.draws is not None:
        draws = unc.draws @ combo.T
        if unc.method == "montecarlo":
            se = draws.std(axis=0, ddof=1)
        else:
            rscales = unc.rscales if unc.rscales is not None else np.ones(draws.shape[0])
            se = np.sqrt(replicate_variance(draws, est, unc.scale, rscales, unc.mse))
        if unc.ci == "percentile":
            low, high = percentile_interval(draws, unc.level)
        elif unc.ci == "bca":
            assert unc.jack is not None
            low, high, bad = _inference.bca_interval(
                draws, est, unc.jack @ combo.T, unc.level, names, strict=strict
            )
            if failed is not None:
                failed.extend(bad)
        else:
            low, high = t_interval(est, se, unc.df, unc.level)
        return {"estimate": est, "se": se, "ci_low": low, "ci_high": high}
    assert unc.vcov is not None
    var = np.einsum("cm,mn,cn->c", combo, unc.vcov, combo)
    se = np.sqrt(np.maximum(var, 0.0))
    low, high = t_interval(est, se, unc.df, unc.level)
    return {"estimate": est, "se": se, "ci_low": low, "ci_high": high}


def effect_table(
    theta: np.ndarray,
    unc: Uncertainty,
    names: list[str],
    groups: tuple[str, ...],
    by: str | None,
    failed: list[str],
) -> pd.DataFrame:
    """Effects of every group: indexed by effect, or by (group, effect) with ``by``."""
    labels = [f"{g}{n}" for g in ([f"{by}={lab}: " for lab in groups] or [""]) for n in names]
    table = summarise(theta, unc, np.eye(theta.size), labels, strict=False, failed=failed)
    if not groups:
        return pd.DataFrame(table, index=pd.Index(names, name="effect"))
    index = pd.MultiIndex.from_product([groups, names], names=[by, "effect"])
    return pd.DataFrame(table, index=index)


def difference_table(
    theta: np.ndarray,
    unc: Uncertainty,
    names: list[str],
    groups: tuple[str, ...],
    by: str | None,
    failed: list[str],
) -> pd.DataFrame:
    """Every effect of each group minus the first group, indexed by (comparison, effect)."""
    e = len(names)
    combos, labels = [], []
    for g in range(1, len(groups)):
        combo = np.zeros((e, theta.size))
        combo[:, g * e : (g + 1) * e] = np.eye(e)
        combo[:, :e] -= np.eye(e)
        combos.append(combo)
        labels.append(f"{groups[g]} - {groups[0]}")
    table = summarise(
        theta,
        unc,
        np.vstack(combos),
        [f"{lab}: {n}" for lab in labels for n in names],
        strict=False,
        failed=failed,
    )
    index = pd.MultiIndex.from_product([labels, names], names=["comparison", "effect"])
    return pd.DataFrame(table, index=index)


def analytic_uncertainty(
    inference: str,
    ci: str | None,
    level: float,
    df: float,
    vcov: np.ndarray,
    coefs: Sequence[np.ndarray],
    emap: _effects.EffectMap,
    rng: np.random.Generator,
    theta: np.ndarray,
    replicates: int | None,
) -> tuple[Uncertainty, Uncertainty]:
    """Paths' and effects' uncertainty from the joint covariance of the paths.

    ``"linearization"``: the delta method with the exact effect gradients;
    ``"montecarlo"``: draws from the joint normal of the paths (``replicates`` of them),
    each turned into effects. ``coefs`` holds the stacked coefficients of every group.
    """
    if inference == "linearization":
        ci_used = check_ci(ci, ("wald",), "wald", inference)
        grad = block_diag(*(_effects.effect_gradients(c, emap) for c in coefs))
        return (
            Uncertainty("linearization", ci_used, level, df, vcov=vcov),
            Uncertainty("linearization", ci_used, level, df, vcov=grad @ vcov @ grad.T),
        )
    ci_used = check_ci(ci, ("percentile", "wald"), "percentile", inference)
    draws = _sampling.normal_draws(rng, theta, vcov, replicates or DEFAULT_REPLICATES)
    eff_draws = np.hstack([_effects.effects(part, emap) for part in np.hsplit(draws, len(coefs))])
    return (
        Uncertainty("montecarlo", ci_used, level, df, draws=draws),
        Uncertainty("montecarlo", ci_used, level, df, draws=eff_draws),
    )

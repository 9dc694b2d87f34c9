"""Means, totals and ratios (and proportions, the means of level indicators), by domain.

"Methods orchestrate, numbers happen in functions": every estimator here is a
smooth function of weighted totals. Linearization designs get the variance of
the influence values from :meth:`SurveyDesign.vcov_totals` (R ``svyrecvar``);
replicate designs recompute the totals under every replicate weight.

Domains never drop rows: out-of-domain rows contribute zero, so every PSU of
the full design counts (R ``subset()`` / ``svyby``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from govstats.design import _deff
from govstats.design._columns import expand
from govstats.design._domains import (
    Domains,
    factor_totals,
    linear_vcov,
    prepare,
    psu_domain_bins,
    psu_domain_totals,
    replicate_totals,
)
from govstats.design.inference import DEFAULT_LEVEL, check_level
from govstats.design.results import SurveyEstimate, make_estimate
from govstats.errors import DataError, DesignError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign


def _expand_labels(
    domains: Domains, variable: Sequence[str], level: Sequence[str | None]
) -> tuple[list[str], list[str | None], list[tuple[object, ...]]]:
    var: list[str] = []
    lev: list[str | None] = []
    dom: list[tuple[object, ...]] = []
    for label in domains.labels:
        var.extend(variable)
        lev.extend(level)
        dom.extend([label] * len(variable))
    return var, lev, dom


def _finish(
    design: SurveyDesign,
    statistic: str,
    estimate: np.ndarray,
    vcov: np.ndarray,
    domains: Domains,
    variable: Sequence[str],
    level: Sequence[str | None],
    deff: np.ndarray | None,
    replicate_estimates: np.ndarray | None,
    conf_level: float,
) -> SurveyEstimate:
    var, lev, dom = _expand_labels(domains, variable, level)
    df = design.df
    return make_estimate(
        statistic,
        var,
        estimate,
        vcov,
        df,
        level=lev,
        by=domains.names,
        domain=dom if domains.names else (),
        deff=deff,
        method=design.method,
        replicate_estimates=replicate_estimates,
        seed=None if design.replicates is None else design.replicates.seed,
        conf_level=conf_level,
    )


def mean_or_total(
    design: SurveyDesign,
    variables: str | Sequence[str],
    statistic: str,
    *,
    by: str | Sequence[str] | None = None,
    na_rm: bool = False,
    text_as_factor: bool = False,
    deff: bool | str = False,
    level: float = DEFAULT_LEVEL,
) -> SurveyEstimate:
    """Domain means (``statistic="mean"``) or totals (``"total"``) of ``variables``.

    ``deff``: True (SRS without replacement, R ``deff=TRUE``), ``"replace"`` (with
    replacement) or False (no design effects).
    """
    check_level(level)
    if deff not in (True, False, "replace"):
        raise DataError(f"deff={deff!r} is not supported; use True, False or 'replace'.")
    columns = expand(design.data, variables, text_as_factor=text_as_factor)
    (values,), domains = prepare(design, [columns], by, na_rm)
    w = design.weights_array
    p = values.shape[1]
    cells = psu_domain_bins(design, domains)
    psu_y = psu_domain_totals(design, values, domains, w, bins=cells)
    psu_w = psu_domain_totals(design, None, domains, w, bins=cells)
    num = psu_y.sum(axis=0)
    den = np.repeat(psu_w.sum(axis=0), p)
    if statistic == "mean":
        if (den == 0).any():
            raise DesignError("a domain has zero total weight; its mean is undefined.")
        estimate = num / den
    else:
        estimate = num
    replicate_estimates = None
    if design.replicates is not None:
        if design.replicates.factors is not None:
            rep_y = factor_totals(design, values, domains, w, psu_y)
            rep_w = factor_totals(design, None, domains, w, psu_w)
        else:
            stacked = np.hstack([values, np.ones((len(w), 1))])
            reps = replicate_totals(design, stacked, domains, w).reshape(-1, domains.n, p + 1)
            rep_y = reps[:, :, :p].reshape(-1, domains.n * p)
            rep_w = reps[:, :, p]
        if statistic == "mean":
            replicate_estimates = rep_y / np.repeat(rep_w, p, axis=1)
        else:
            replicate_estimates = rep_y
        vcov = design.replicates.vcov(replicate_estimates, estimate)
    elif statistic == "mean":
        psu_den = np.repeat(psu_w, p, axis=1)
        ones = np.ones((len(w), p))
        vcov = linear_vcov(design, domains, w, values, ones, estimate, den, psu_y, psu_den)
    else:
        vcov = linear_vcov(design, domains, w, values, None, None, None, psu_y, None)
    means = (num / den).reshape(domains.n, p) if (den > 0).all() else estimate
    if deff is True:
        _deff.warn_normalised_weights(w)
    effects = (
        _deff.deff(vcov, values, w, domains, means, den[::p], statistic, replace=deff == "replace")
        if deff
        else None
    )
    return _finish(
        design, statistic, estimate, vcov, domains, columns.variable, columns.level, effects,
        replicate_estimates, level,
    )  # fmt: skip


def ratio(
    design: SurveyDesign,
    numerator: str | Sequence[str],
    denominator: str | Sequence[str],
    *,
    by: str | Sequence[str] | None = None,
    na_rm: bool = False,
    deff: bool = False,
    level: float = DEFAULT_LEVEL,
) -> SurveyEstimate:
    """Ratios of totals ``sum(w y) / sum(w x)`` for every numerator over every denominator.

    ``deff=True`` adds design effects as R ``svyratio(deff=TRUE)``.
    """
    check_level(level)
    num_cols = expand(design.data, numerator, text_as_factor=False, role="numerator")
    den_cols = expand(design.data, denominator, text_as_factor=False, role="denominator")
    (num_v, den_v), domains = prepare(design, [num_cols, den_cols], by, na_rm)
    nn, nd = num_v.shape[1], den_v.shape[1]
    ii = np.tile(np.arange(nn), nd)
    jj = np.repeat(np.arange(nd), nn)
    y, x = num_v[:, ii], den_v[:, jj]
    w = design.weights_array
    psu_y = psu_domain_totals(design, y, domains, w)
    psu_x = psu_domain_totals(design, x, domains, w)
    ty, tx = psu_y.sum(axis=0), psu_x.sum(axis=0)
    if (tx == 0).any():
        raise DesignError(
            f"the denominator total of {list(den_cols.variable)} is zero in a domain; "
            "the ratio is undefined there."
        )
    estimate = ty / tx
    k = nn * nd
    replicate_estimates = None
    if design.replicates is not None:
        if design.replicates.factors is not None:
            replicate_estimates = factor_totals(design, y, domains, w, psu_y) / factor_totals(
                design, x, domains, w, psu_x
            )
        else:
            reps = replicate_totals(design, np.hstack([y, x]), domains, w)
            reps = reps.reshape(-1, domains.n, 2 * k)
            replicate_estimates = (reps[:, :, :k] / reps[:, :, k:]).reshape(-1, domains.n * k)
        vcov = design.replicates.vcov(replicate_estimates, estimate)
    else:
        vcov = linear_vcov(design, domains, w, y, x, estimate, tx, psu_y, psu_x)
    names = [f"{num_cols.variable[i]}/{den_cols.variable[j]}" for i, j in zip(ii, jj, strict=True)]
    effects = _deff.ratio_deff(design, domains, w, y, x, estimate, tx, vcov) if deff else None
    return _finish(
        design, "ratio", estimate, vcov, domains, names, [None] * k, effects,
        replicate_estimates, level,
    )  # fmt: skip

"""Means, totals, ratios and proportions, overall and by domain, for any design.

"Methods orchestrate, numbers happen in functions": every estimator here is a
smooth function of weighted totals. Linearization designs get the variance of
the influence values from :meth:`SurveyDesign.vcov_totals` (R ``svyrecvar``);
replicate designs recompute the totals under every replicate weight.

Domains never drop rows: out-of-domain rows contribute zero, so every PSU of
the full design counts (R ``subset()`` / ``svyby``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from govstats.design._columns import Columns, check_missing, domain_codes, expand
from govstats.design.results import SurveyEstimate, make_estimate
from govstats.errors import DataError, DesignError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign


@dataclass(frozen=True)
class _Domains:
    codes: np.ndarray  # (n,) domain of every row, -1 outside
    labels: list[tuple[object, ...]]
    names: list[str]

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def everything(self) -> bool:
        return bool((self.codes >= 0).all())


def _active(design: SurveyDesign) -> np.ndarray:
    return np.asarray(design.weights_array != 0)


def _where(design: SurveyDesign) -> str:
    return "in the design" if design.is_full else "in the domain"


def _prepare(
    design: SurveyDesign, columns: Sequence[Columns], by: str | Sequence[str] | None, na_rm: bool
) -> tuple[list[np.ndarray], _Domains]:
    active = _active(design)
    matrices = []
    for cols in columns:
        active, matrix = check_missing(cols, active, na_rm, _where(design))
        matrices.append(matrix)
    codes, labels, names = domain_codes(design.data, by, active)
    return matrices, _Domains(codes, labels, names)


def _bins(
    design: SurveyDesign, domains: _Domains, units: tuple[np.ndarray, int] | None = None
) -> tuple[np.ndarray, int]:
    """Bin of every row in the (PSU, domain) grid; rows outside every domain go to a last bin.

    ``units`` replaces the PSUs by other units (index of every row, number of units).
    """
    index, n_units = (design.psu_index, design.n_psu) if units is None else units
    n_bins = n_units * domains.n
    if domains.n == 1 and domains.everything:
        return index, n_bins
    if domains.everything:
        return index * domains.n + domains.codes, n_bins
    key = np.where(domains.codes >= 0, index * domains.n + domains.codes, n_bins)
    return key, n_bins


def _psu_domain_totals(
    design: SurveyDesign,
    values: np.ndarray | None,
    domains: _Domains,
    weights: np.ndarray,
    units: tuple[np.ndarray, int] | None = None,
    bins: tuple[np.ndarray, int] | None = None,
) -> np.ndarray:
    """Per-PSU, per-domain weighted totals of ``values`` (n, p) -> (n_psu, n_domains * p).

    ``values=None`` totals the weights themselves; ``units`` as in :func:`_bins`;
    ``bins`` is the result of :func:`_bins` when the caller has it already.
    """
    key, n_bins = _bins(design, domains, units) if bins is None else bins
    columns = (
        [weights] if values is None else [values[:, j] * weights for j in range(values.shape[1])]
    )
    out = np.empty((n_bins, len(columns)))
    for j, column in enumerate(columns):
        out[:, j] = np.bincount(key, weights=column, minlength=n_bins + 1)[:n_bins]
    return out.reshape(n_bins // domains.n, domains.n * len(columns))


def _replicate_units(design: SurveyDesign) -> tuple[np.ndarray, int] | None:
    """Return the units of the replicate factors when they are not the PSUs, else None.

    Replicates of a post-stratified or raked design also adjust every calibration cell,
    so their totals are taken per PSU within a cell (``replicates.unit_index``).
    """
    replicates = design.replicates
    assert replicates is not None and replicates.factors is not None
    if replicates.cell_factors is None:
        return None
    return replicates.unit_index, replicates.n_units


def _factor_totals(
    design: SurveyDesign,
    values: np.ndarray | None,
    domains: _Domains,
    weights: np.ndarray,
    psu_totals: np.ndarray,
) -> np.ndarray:
    """Replicate totals ``F' T`` from PSU totals, or from unit totals when units differ."""
    replicates = design.replicates
    assert replicates is not None and replicates.factors is not None
    units = _replicate_units(design)
    if units is None:
        return replicates.replicate_totals(psu_totals)
    return _cell_replicate_totals(design, values, domains, weights, units)


def _cell_replicate_totals(
    design: SurveyDesign,
    values: np.ndarray | None,
    domains: _Domains,
    weights: np.ndarray,
    units: tuple[np.ndarray, int],
) -> np.ndarray:
    """Replicate totals of re-calibrated replicates (one calibration cell at a time)."""
    replicates = design.replicates
    assert replicates is not None
    weighted = weights[:, None] if values is None else values * weights[:, None]
    return replicates.domain_replicate_totals(weighted, domains.codes, domains.n)


def _replicate_totals(
    design: SurveyDesign, values: np.ndarray, domains: _Domains, weights: np.ndarray
) -> np.ndarray:
    """Totals of ``values`` in every domain under every replicate weight -> (R, n_domains * p)."""
    replicates = design.replicates
    assert replicates is not None
    if replicates.factors is not None:
        units = _replicate_units(design)
        if units is not None:
            return _cell_replicate_totals(design, values, domains, weights, units)
        return replicates.replicate_totals(_psu_domain_totals(design, values, domains, weights))
    p = values.shape[1]
    blocks = []
    for d in range(domains.n):
        mask = (domains.codes == d).astype(np.float64)
        blocks.append(replicates.weighted_totals(design.weights_array, values * mask[:, None]))
    return np.hstack(blocks).reshape(-1, domains.n * p)


def _linear_vcov(
    design: SurveyDesign,
    domains: _Domains,
    weights: np.ndarray,
    y: np.ndarray,
    x: np.ndarray | None,
    ratio: np.ndarray | None,
    x_total: np.ndarray | None,
    psu_y: np.ndarray,
    psu_x: np.ndarray | None,
) -> np.ndarray:
    """Linearization covariance of domain totals (``x is None``) or ratios ``sum(w y)/sum(w x)``.

    The influence of a row of domain d on ratio k is ``w (y_k - r_dk x_k) / X_dk``
    and on a total ``w y_k``; zero outside the domain. When the variance only
    needs first-stage PSU totals (one stage, or no fpc, and no calibration) the
    per-PSU, per-domain totals ``psu_y``/``psu_x`` (n_psu, n_domains * k) are
    combined directly, never an (n, domains) matrix.
    """
    k = y.shape[1]
    n_domains = domains.n

    def cut(d: int) -> slice:
        return slice(d * k, (d + 1) * k)

    compute: Callable[[int | None, np.ndarray], np.ndarray]
    if design.can_aggregate:
        if x is None:
            z = psu_y
        else:
            assert ratio is not None and x_total is not None and psu_x is not None
            z = (psu_y - ratio[None, :] * psu_x) / x_total[None, :]

        def compute(d: int | None, present: np.ndarray) -> np.ndarray:
            return design.vcov_psu_totals(z if d is None else z[:, cut(d)], present=present)

    else:
        inside = domains.codes >= 0
        values = y
        if x is not None:
            assert ratio is not None and x_total is not None
            if n_domains == 1:
                values = (y - ratio[None, :] * x) / x_total[None, :]
            else:
                # rows outside every domain read domain 0's constants; zeroed below
                own = np.where(inside, domains.codes, 0)
                r = ratio.reshape(n_domains, k)[own]
                total = x_total.reshape(n_domains, k)[own]
                values = (y - r * x) / total
        values = values * weights[:, None]
        if not domains.everything:
            values = np.where(inside[:, None], values, 0.0)
        if design.calibration is None:

            def compute(d: int | None, present: np.ndarray) -> np.ndarray:
                if d is None:
                    return design.vcov_domain_rows(values, domains.codes, n_domains, present)
                own = np.where(domains.codes == d, 0, -1)
                return design.vcov_domain_rows(values, own, 1, present)

        else:
            if n_domains == 1:
                scores = values
            else:
                scores = np.zeros((len(weights), n_domains * k))
                for d in range(n_domains):
                    scores[:, cut(d)] = np.where((domains.codes == d)[:, None], values, 0.0)

            def compute(d: int | None, present: np.ndarray) -> np.ndarray:
                return design.vcov_rows(scores if d is None else scores[:, cut(d)], present)

    out = compute(None, domains.codes >= 0)
    if n_domains > 1 and (design.lonely_psu == "average" or design.adjust_domain_lonely):
        # Each domain's block counts only its own strata, as R svyby (one subset per domain).
        for d in range(n_domains):
            out[cut(d), cut(d)] = compute(d, domains.codes == d)
    return out


def _deff(
    design_var: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    domains: _Domains,
    means: np.ndarray,
    totals_of_weights: np.ndarray,
    statistic: str,
    replace: bool = False,
) -> np.ndarray:
    """Design effects as R ``deff=TRUE``: design variance over the SRS-without-replacement one.

    ``vsrs = s^2 (N - n) / (N n)`` for a mean (``replace=True``, R
    ``deff="replace"``: ``s^2 / n``), times ``N^2`` for a total, with
    ``s^2`` the weighted variance with Kish's ``n / (n - 1)`` (R ``svyvar``),
    ``n`` the rows and ``N`` the sum of weights in the domain. NaN when the
    weights sum to less than the rows (weights not scaled to the population), as R.
    """
    p = values.shape[1]
    key = (
        domains.codes
        if domains.everything
        else np.where(domains.codes >= 0, domains.codes, domains.n)
    )
    means = means.reshape(domains.n, p)
    big_n = totals_of_weights.reshape(domains.n, 1)
    shift = (means * big_n).sum(axis=0) / big_n.sum()  # keeps the sums of squares well scaled
    ss = np.empty((domains.n, p))
    single = domains.n == 1 and domains.everything
    for j in range(p):
        centred = values[:, j] - shift[j]
        if single:
            ss[0, j] = np.dot(weights * centred, centred)
        else:
            squares = weights * centred**2
            ss[:, j] = np.bincount(key, weights=squares, minlength=domains.n + 1)[: domains.n]
    ss = ss - big_n * (means - shift) ** 2
    if single:
        nobs = np.array([[float(len(key))]])
    else:
        nobs = np.bincount(key, minlength=domains.n + 1)[: domains.n].astype(np.float64)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = ss / big_n * nobs / (nobs - 1)
        if replace:
            vsrs = s2 / nobs
        else:
            vsrs = s2 * (big_n - nobs) / (big_n * nobs)
            vsrs = np.where(big_n < nobs, np.nan, vsrs)
        if statistic == "total":
            vsrs = vsrs * big_n**2
        out = np.diag(design_var).reshape(domains.n, p) / vsrs
    return np.asarray(out.reshape(-1))


def _expand_labels(
    domains: _Domains, variable: Sequence[str], level: Sequence[str | None]
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
    domains: _Domains,
    variable: Sequence[str],
    level: Sequence[str | None],
    deff: np.ndarray | None,
    replicate_estimates: np.ndarray | None,
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
    )


def mean_or_total(
    design: SurveyDesign,
    variables: str | Sequence[str],
    statistic: str,
    *,
    by: str | Sequence[str] | None,
    na_rm: bool,
    text_as_factor: bool,
    deff: bool | str = True,
) -> SurveyEstimate:
    """Domain means (``statistic="mean"``) or totals (``"total"``) of ``variables``.

    ``deff``: True (SRS without replacement, R ``deff=TRUE``), ``"replace"`` (with
    replacement) or False (no design effects).
    """
    if deff not in (True, False, "replace"):
        raise DataError(f"deff={deff!r} is not supported; use True, False or 'replace'.")
    columns = expand(design.data, variables, text_as_factor=text_as_factor)
    (values,), domains = _prepare(design, [columns], by, na_rm)
    w = design.weights_array
    p = values.shape[1]
    bins = _bins(design, domains)
    psu_y = _psu_domain_totals(design, values, domains, w, bins=bins)
    psu_w = _psu_domain_totals(design, None, domains, w, bins=bins)
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
            rep_y = _factor_totals(design, values, domains, w, psu_y)
            rep_w = _factor_totals(design, None, domains, w, psu_w)
        else:
            stacked = np.hstack([values, np.ones((len(w), 1))])
            reps = _replicate_totals(design, stacked, domains, w).reshape(-1, domains.n, p + 1)
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
        vcov = _linear_vcov(design, domains, w, values, ones, estimate, den, psu_y, psu_den)
    else:
        vcov = _linear_vcov(design, domains, w, values, None, None, None, psu_y, None)
    means = (num / den).reshape(domains.n, p) if (den > 0).all() else estimate
    effects = (
        _deff(vcov, values, w, domains, means, den[::p], statistic, replace=deff == "replace")
        if deff
        else None
    )
    return _finish(
        design, statistic, estimate, vcov, domains, columns.variable, columns.level, effects,
        replicate_estimates,
    )  # fmt: skip


def ratio(
    design: SurveyDesign,
    numerator: str | Sequence[str],
    denominator: str | Sequence[str],
    *,
    by: str | Sequence[str] | None,
    na_rm: bool,
    deff: bool = False,
) -> SurveyEstimate:
    """Ratios of totals ``sum(w y) / sum(w x)`` for every numerator over every denominator.

    ``deff=True`` adds design effects as R ``svyratio(deff=TRUE)``.
    """
    num_cols = expand(design.data, numerator, text_as_factor=False, role="numerator")
    den_cols = expand(design.data, denominator, text_as_factor=False, role="denominator")
    (num_v, den_v), domains = _prepare(design, [num_cols, den_cols], by, na_rm)
    nn, nd = num_v.shape[1], den_v.shape[1]
    ii = np.tile(np.arange(nn), nd)
    jj = np.repeat(np.arange(nd), nn)
    y, x = num_v[:, ii], den_v[:, jj]
    w = design.weights_array
    psu_y = _psu_domain_totals(design, y, domains, w)
    psu_x = _psu_domain_totals(design, x, domains, w)
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
            replicate_estimates = _factor_totals(design, y, domains, w, psu_y) / _factor_totals(
                design, x, domains, w, psu_x
            )
        else:
            reps = _replicate_totals(design, np.hstack([y, x]), domains, w)
            reps = reps.reshape(-1, domains.n, 2 * k)
            replicate_estimates = (reps[:, :, :k] / reps[:, :, k:]).reshape(-1, domains.n * k)
        vcov = design.replicates.vcov(replicate_estimates, estimate)
    else:
        vcov = _linear_vcov(design, domains, w, y, x, estimate, tx, psu_y, psu_x)
    names = [f"{num_cols.variable[i]}/{den_cols.variable[j]}" for i, j in zip(ii, jj, strict=True)]
    effects = _ratio_deff(design, domains, w, y, x, estimate, tx, vcov) if deff else None
    return _finish(
        design, "ratio", estimate, vcov, domains, names, [None] * k, effects, replicate_estimates
    )


def _ratio_deff(
    design: SurveyDesign,
    domains: _Domains,
    weights: np.ndarray,
    y: np.ndarray,
    x: np.ndarray,
    ratio: np.ndarray,
    x_total: np.ndarray,
    vcov: np.ndarray,
) -> np.ndarray:
    """Design effects of ratios as R ``svyratio(deff=TRUE)``.

    Those of the total of ``r = (y - R x) / X`` (``deff(svytotal(r, design))``).
    For linearization designs the design variance of that total is the ratio's
    variance; replicate designs recompute the total of ``r`` (fixed ``R``) under
    every replicate (R 4.1-1 itself fails there).
    """
    k = y.shape[1]
    inside = domains.codes >= 0
    own = np.where(inside, domains.codes, 0)
    r_rows = ratio.reshape(domains.n, k)[own]
    totals = x_total.reshape(domains.n, k)[own]
    r = np.where(inside[:, None], (y - r_rows * x) / totals, 0.0)
    if design.replicates is not None:
        replicate_totals = _replicate_totals(design, r, domains, weights)
        full = _psu_domain_totals(design, r, domains, weights).sum(axis=0)
        design_var = design.replicates.vcov(replicate_totals, full)
    else:
        design_var = vcov
    psu_r = _psu_domain_totals(design, r, domains, weights).sum(axis=0).reshape(domains.n, k)
    big_n = _psu_domain_totals(design, None, domains, weights).sum(axis=0)
    return _deff(design_var, r, weights, domains, psu_r / big_n[:, None], big_n, "total")

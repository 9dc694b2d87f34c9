"""Domain totals per PSU and under every replicate, and their linearization covariance.

The machinery behind :mod:`govstats.design.estimators`: rows outside a domain
contribute zero, so every PSU of the full design counts (R ``subset()`` / ``svyby``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from govstats.design._columns import Columns, check_missing, domain_codes

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign


@dataclass(frozen=True)
class Domains:
    codes: np.ndarray  # (n,) domain of every row, -1 outside
    labels: list[tuple[object, ...]]
    names: list[str]

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def everything(self) -> bool:
        return bool((self.codes >= 0).all())


def active_rows(design: SurveyDesign) -> np.ndarray:
    return np.asarray(design.weights_array != 0)


def where(design: SurveyDesign) -> str:
    return "in the design" if design.is_full else "in the domain"


def prepare(
    design: SurveyDesign, columns: Sequence[Columns], by: str | Sequence[str] | None, na_rm: bool
) -> tuple[list[np.ndarray], Domains]:
    active = active_rows(design)
    matrices = []
    for cols in columns:
        active, matrix = check_missing(cols, active, na_rm, where(design))
        matrices.append(matrix)
    codes, labels, names = domain_codes(design.data, by, active)
    return matrices, Domains(codes, labels, names)


def psu_domain_bins(
    design: SurveyDesign, domains: Domains, units: tuple[np.ndarray, int] | None = None
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


def psu_domain_totals(
    design: SurveyDesign,
    values: np.ndarray | None,
    domains: Domains,
    weights: np.ndarray,
    units: tuple[np.ndarray, int] | None = None,
    bins: tuple[np.ndarray, int] | None = None,
) -> np.ndarray:
    """Per-PSU, per-domain weighted totals of ``values`` (n, p) -> (n_psu, n_domains * p).

    ``values=None`` totals the weights themselves; ``units`` as in :func:`psu_domain_bins`;
    ``bins`` is the result of :func:`psu_domain_bins` when the caller has it already.
    """
    key, n_bins = psu_domain_bins(design, domains, units) if bins is None else bins
    columns = (
        [weights] if values is None else [values[:, j] * weights for j in range(values.shape[1])]
    )
    out = np.empty((n_bins, len(columns)))
    for j, column in enumerate(columns):
        out[:, j] = np.bincount(key, weights=column, minlength=n_bins + 1)[:n_bins]
    return out.reshape(n_bins // domains.n, domains.n * len(columns))


def replicate_units(design: SurveyDesign) -> tuple[np.ndarray, int] | None:
    """Return the units of the replicate factors when they are not the PSUs, else None.

    Replicates of a post-stratified or raked design also adjust every calibration cell,
    so their totals are taken per PSU within a cell (``replicates.unit_index``).
    """
    replicates = design.replicates
    assert replicates is not None and replicates.factors is not None
    if replicates.cell_factors is None:
        return None
    return replicates.unit_index, replicates.n_units


def factor_totals(
    design: SurveyDesign,
    values: np.ndarray | None,
    domains: Domains,
    weights: np.ndarray,
    psu_totals: np.ndarray,
) -> np.ndarray:
    """Replicate totals ``F' T`` from PSU totals, or from unit totals when units differ."""
    replicates = design.replicates
    assert replicates is not None and replicates.factors is not None
    units = replicate_units(design)
    if units is None:
        return replicates.replicate_totals(psu_totals)
    return cell_replicate_totals(design, values, domains, weights, units)


def cell_replicate_totals(
    design: SurveyDesign,
    values: np.ndarray | None,
    domains: Domains,
    weights: np.ndarray,
    units: tuple[np.ndarray, int],
) -> np.ndarray:
    """Replicate totals of re-calibrated replicates (one calibration cell at a time)."""
    replicates = design.replicates
    assert replicates is not None
    weighted = weights[:, None] if values is None else values * weights[:, None]
    return replicates.domain_replicate_totals(weighted, domains.codes, domains.n)


def replicate_totals(
    design: SurveyDesign, values: np.ndarray, domains: Domains, weights: np.ndarray
) -> np.ndarray:
    """Totals of ``values`` in every domain under every replicate weight -> (R, n_domains * p)."""
    replicates = design.replicates
    assert replicates is not None
    if replicates.factors is not None:
        units = replicate_units(design)
        if units is not None:
            return cell_replicate_totals(design, values, domains, weights, units)
        return replicates.replicate_totals(psu_domain_totals(design, values, domains, weights))
    p = values.shape[1]
    blocks = []
    for d in range(domains.n):
        mask = (domains.codes == d).astype(np.float64)
        blocks.append(replicates.weighted_totals(design.weights_array, values * mask[:, None]))
    return np.hstack(blocks).reshape(-1, domains.n * p)


def linear_vcov(
    design: SurveyDesign,
    domains: Domains,
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

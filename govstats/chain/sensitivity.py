"""Sensitivity of the chain's effects to correlated errors, and E-values.

The chain's effects rest on sequential ignorability: no unmeasured variable moves
both a mediator and a later link. This module asks how far the effects move when
the error of the equation of mediator ``M_j`` and the error of a later equation
(mediator ``M_l``, l > j, or the outcome) are correlated with correlation ``rho``
(Imai, Keele and Yamamoto 2010, for linear structural equations), generalised to
the serial chain; and how strong an unmeasured confounder of x and the outcome
would have to be to explain away the total and the direct effect (E-values,
VanderWeele and Ding 2017).

The generalisation. Write the equation of ``M_j`` as ``M_j = g_j' r_j + e_j``
(``r_j`` its regressors: intercept, x, earlier mediators, covariates) and a later
equation as ``V_l = h_l' r_l + e_l``, where ``r_l`` contains ``M_j`` and all of
``r_j``. If ``corr(e_j, e_l) = rho`` and ``e_l`` is otherwise independent of
``r_l``, then ``e_l = kappa e_j + nu`` with ``kappa = rho sd(e_l) / sd(e_j)``, and
least squares on ``r_l`` estimates ``h_l + kappa c_j``, where ``c_j`` expresses
``e_j = M_j - g_j' r_j`` in the coordinates of ``r_l`` (``+1`` on ``M_j``,
``-g_j`` on ``r_j``). The residual variance of least squares is
``sd(e_l)^2 (1 - rho^2)``. Hence, with the estimated residual standard deviations
``s_j``, ``s_l``,

    kappa(rho) = rho * s_l / (s_j * sqrt(1 - rho^2)),
    h_l(rho)   = h_l_hat - kappa(rho) * c_j,

and every effect is recomputed from the corrected paths. For one mediator this
is exactly IKY's ``ACME(rho) = (beta_2 sigma_1 / sigma_2) (rho~ - rho sqrt((1 -
rho~^2)/(1 - rho^2)))``; the total effect of x on every variable is unchanged
(x's own coefficient absorbs ``+kappa g_j``), so only the split between direct
and indirect moves. ``rho = 0`` reproduces the fit.

Intervals at every ``rho`` apply the correction to each replicate's (or Monte
Carlo draw's) paths, so they are computed on the design replicates the result
keeps; ``kappa`` uses the full-sample residual standard deviations in every
replicate (their sampling error is of a smaller order than the paths').
Linearization results use the delta method with the Jacobian of the corrected
effects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from govstats.chain import _effects
from govstats.chain._summarise import Uncertainty, summarise
from govstats.chain.spec import specific_paths
from govstats.errors import ModelError

if TYPE_CHECKING:
    from govstats.chain.results import ChainResult

__all__ = ["SensitivityResult", "e_value", "sensitivity"]

#: Default grid of error correlations.
DEFAULT_RHO = np.round(np.linspace(-0.9, 0.9, 37), 10)
#: VanderWeele & Ding's approximation RR = exp(0.91 d) for a standardized mean difference d.
_RR_PER_SMD = 0.91


@dataclass(frozen=True)
class SensitivityResult:
    """Effects of the chain as functions of an error correlation, with E-values.

    Attributes
    ----------
    link : tuple of str
        The mediator whose equation error is correlated, and the later variable.
    rho : ndarray
        The grid of correlations.
    curves : pandas.DataFrame
        Tidy: ``term``, ``rho``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``
        for every specific indirect effect, ``indirect_total``, ``direct`` and ``total``.
    thresholds : pandas.DataFrame
        Per effect: ``term``, ``estimate`` (at rho = 0), ``rho_estimate_zero`` (where
        the estimate is 0, exact: every effect is linear in kappa; NaN if it never
        moves), ``rho_interval_zero`` (the rho of smallest ``|rho|`` whose interval
        covers 0, bracketed by the grid and refined by bisection to 1e-6; 0 if it
        already does at rho = 0; NaN if not within the grid).
    evalues : pandas.DataFrame
        ``term`` (``total``, ``direct``), ``estimate``, ``smd`` (effect / SD of the
        outcome), ``rr`` (``exp(0.91 smd)``, at least 1), ``e_value`` and
        ``e_value_ci`` (for the interval limit closest to the null).
    method : str
    conf_level : float
        Confidence level of the intervals (the chain's).
    """

    link: tuple[str, str]
    rho: np.ndarray
    curves: pd.DataFrame
    thresholds: pd.DataFrame
    evalues: pd.DataFrame
    method: str
    conf_level: float

    @property
    def estimate(self) -> np.ndarray:
        """Every effect at every rho, in the rows of :meth:`to_frame`."""
        return self.curves["estimate"].to_numpy(dtype=np.float64)

    @property
    def se(self) -> np.ndarray:
        """Standard errors in the rows of :meth:`to_frame`."""
        return self.curves["se"].to_numpy(dtype=np.float64)

    @property
    def df(self) -> float:
        """Degrees of freedom of the intervals (the chain's)."""
        return float(self.curves["df"].iloc[0]) if len(self.curves) else float("nan")

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Return the tidy curves: ``term, estimate, se, ci_low, ci_high, df, rho``.

        The ``curves`` attribute holds the same rows; ``names`` is accepted as by every
        chain table (effect names are the same in R).
        """
        columns = ["term", "estimate", "se", "ci_low", "ci_high", "df"]
        rest = [c for c in self.curves.columns if c not in columns]
        return self.curves[columns + rest].copy()

    def summary(self) -> str:
        """Thresholds and E-values as text."""
        return "\n".join(
            [
                f"Sensitivity to corr(error of {self.link[0]}, error of {self.link[1]}) "
                f"({self.method}, level {self.conf_level:.0%})",
                self.thresholds.to_string(index=False, float_format="{:.4g}".format),
                "E-values (VanderWeele-Ding, RR = exp(0.91 d)):",
                self.evalues.to_string(index=False, float_format="{:.4g}".format),
            ]
        )

    def _repr_html_(self) -> str:
        return self.thresholds.to_html(index=False)

    def __repr__(self) -> str:
        return (
            f"SensitivityResult(link={self.link[0]!r} -> {self.link[1]!r}, "
            f"{self.rho.size} rho values, {self.method})"
        )


def e_value(rr: np.ndarray) -> np.ndarray:
    """Return the E-value of a risk ratio, ``RR + sqrt(RR (RR - 1))`` (VanderWeele-Ding 2017).

    Ratios below 1 are inverted first.

    Examples
    --------
    >>> float(e_value(np.array([2.0]))[0])
    3.414213562373095
    """
    rr = np.asarray(rr, dtype=np.float64)
    rr = np.where(rr < 1, 1 / rr, rr)
    return np.asarray(rr + np.sqrt(rr * (rr - 1)))


def _parse_link(
    link: str | Sequence[str], mediators: Sequence[str], outcome: str
) -> tuple[int, int]:
    if isinstance(link, str):
        parts = [p.strip() for p in link.split("->")]
    else:
        parts = [str(p) for p in link]
    if len(parts) != 2:
        raise ModelError(
            f"link={link!r}: name a mediator and a later mediator or the outcome, e.g. "
            f"('{mediators[0]}', '{outcome}') or '{mediators[0]} -> {outcome}'."
        )
    first, later = parts
    if first not in mediators:
        raise ModelError(f"link: {first!r} is not a mediator of the chain {list(mediators)}.")
    j = list(mediators).index(first)
    if later == outcome:
        return j, len(mediators)
    if later not in mediators or list(mediators).index(later) <= j:
        raise ModelError(
            f"link: {later!r} must be a mediator after {first!r} or the outcome {outcome!r}."
        )
    return j, list(mediators).index(later)


def corrected_paths(
    coefs: np.ndarray, offsets: np.ndarray, k: int, j: int, later: int, kappa: float
) -> np.ndarray:
    """Paths (R, P) corrected for ``corr(e_j, e_l)`` through ``kappa`` (see module notes).

    Equation ``e`` has regressors ``[1, x, M_0..M_{e-1}, C...]`` (the outcome is
    equation ``k`` with all ``k`` mediators).
    """
    out = np.array(coefs, dtype=np.float64, copy=True)
    gj = coefs[:, offsets[j] : offsets[j + 1]]
    n_cov = gj.shape[1] - 2 - j
    c = np.zeros((coefs.shape[0], offsets[later + 1] - offsets[later]))
    c[:, 2 + j] = 1.0
    c[:, : 2 + j] = -gj[:, : 2 + j]
    if n_cov:
        c[:, 2 + later : 2 + later + n_cov] = -gj[:, 2 + j :]
    out[:, offsets[later] : offsets[later + 1]] -= kappa * c
    return out


def sensitivity(
    result: ChainResult,
    link: str | Sequence[str],
    rho: Sequence[float] | np.ndarray | None = None,
) -> SensitivityResult:
    """Move the chain's effects along a correlation of two equation errors.

    Parameters
    ----------
    result : ChainResult
        A chain fitted without ``by=``.
    link : str or (str, str)
        ``(mediator, later)``: the mediator whose equation error is correlated with the
        error of a later mediator's or the outcome's equation; ``"M1 -> Y"`` also works.
    rho : sequence of float, optional
        Correlations in (-1, 1); default -0.9 to 0.9 by 0.05 (0 is always added).

    Returns
    -------
    SensitivityResult

    Notes
    -----
    See the module docstring for the formula. E-values treat the total and the
    direct effect of x (per unit of x) as a standardized mean difference
    ``d = effect / SD(Y)``, approximate a risk ratio ``RR = exp(0.91 d)`` and report
    ``RR + sqrt(RR (RR - 1))``: the minimum strength of association (risk-ratio scale)
    an unmeasured confounder would need with both x and the outcome to explain the
    effect away; ``e_value_ci`` does the same for the interval limit nearest the null
    (1 when the interval covers 0).

    References
    ----------
    Imai, K., Keele, L. and Yamamoto, T. (2010). Identification, inference and
    sensitivity analysis for causal mediation effects. *Statistical Science* 25,
    51-71 (R ``mediation::medsens``). VanderWeele, T. J. and Ding, P. (2017).
    Sensitivity analysis in observational research: introducing the E-value.
    *Annals of Internal Medicine* 167, 268-274 (R ``EValue::evalues.OLS``).
    """
    if result.groups:
        raise ModelError("sensitivity needs a chain fitted without by=; fit each group alone.")
    if result.residual_sd is None or result.outcome_sd is None:
        raise ModelError("this chain result does not carry residual SDs; refit it.")
    spec = result.spec
    k = spec.k
    j, later = _parse_link(link, spec.mediators, spec.outcome)
    grid = DEFAULT_RHO if rho is None else np.asarray(rho, dtype=np.float64).ravel()
    if grid.size == 0 or np.any(np.abs(grid) >= 1) or not np.isfinite(grid).all():
        raise ModelError(f"rho must hold correlations strictly between -1 and 1; got {grid}.")
    grid = np.unique(np.concatenate([grid, [0.0]]))
    sizes = [len(regs) for _, regs, _ in spec.equations()]
    emap = _effects.EffectMap.from_sizes(sizes, specific_paths(k))
    offsets = emap.offsets
    sd = np.asarray(result.residual_sd, dtype=np.float64).reshape(-1)
    ratio = float(sd[later] / sd[j])
    names = spec.effect_names()
    keep = [i for i, n in enumerate(names) if n != "proportion_mediated"]
    terms = [names[i] for i in keep]
    theta = result.path_theta[None, :]
    unc = result.path_uncertainty

    def table(value: float) -> dict[str, np.ndarray]:
        kappa = value * ratio / np.sqrt(1 - value**2)
        est = _effects.effects(corrected_paths(theta, offsets, k, j, later, kappa), emap)[0]
        return summarise(est, _effect_uncertainty(unc, offsets, k, j, later, kappa, emap, theta),
                         np.eye(est.size)[keep], terms)  # fmt: skip

    rows = []
    for value in grid:
        values = table(float(value))
        for pos, term in enumerate(terms):
            rows.append((term, float(value), *(float(values[c][pos]) for c in
                         ("estimate", "se", "ci_low", "ci_high"))))  # fmt: skip
    curves = pd.DataFrame(rows, columns=["term", "rho", "estimate", "se", "ci_low", "ci_high"])
    curves["df"] = float(result.df)
    order = {n: i for i, n in enumerate(names)}
    curves = curves.sort_values(["term", "rho"], key=lambda s: s.map(order) if s.name == "term"
                                else s).reset_index(drop=True)  # fmt: skip
    at = {0.0: _effects.effects(theta, emap)[0][keep]}
    at[1.0] = _effects.effects(corrected_paths(theta, offsets, k, j, later, 1.0), emap)[0][keep]
    thresholds = pd.DataFrame(
        {
            "term": terms,
            "estimate": at[0.0],
            "rho_estimate_zero": [_root(at[0.0][p], at[1.0][p] - at[0.0][p], ratio)
                                  for p in range(len(terms))],
            "rho_interval_zero": [_first_cover(curves, term, pos, table)
                                  for pos, term in enumerate(terms)],
        }
    )  # fmt: skip
    return SensitivityResult(
        link=(spec.mediators[j], spec.mediators[later] if later < k else spec.outcome),
        rho=grid,
        curves=curves,
        thresholds=thresholds,
        evalues=_evalues(result, float(np.asarray(result.outcome_sd).reshape(-1)[0])),
        method=result.method,
        conf_level=result.level,
    )


def _root(value: float, slope: float, ratio: float) -> float:
    """Return the rho where ``value + slope * kappa(rho)`` is 0 (effects are linear in kappa).

    ``kappa = rho r / sqrt(1 - rho^2)`` inverts to ``rho = kappa / sqrt(r^2 + kappa^2)``.
    """
    if value == 0:
        return 0.0
    if slope == 0:
        return float("nan")
    kappa = -value / slope
    return float(kappa / np.sqrt(ratio**2 + kappa**2))


def _first_cover(
    curves: pd.DataFrame, term: str, pos: int, table: Callable[[float], dict[str, np.ndarray]]
) -> float:
    """Smallest |rho| whose interval covers 0: the grid brackets it, bisection refines it."""
    part = curves[curves["term"] == term]
    rho = part["rho"].to_numpy()
    covers = ((part["ci_low"] <= 0) & (part["ci_high"] >= 0)).to_numpy()
    zero = int(np.flatnonzero(rho == 0)[0])
    if covers[zero]:
        return 0.0
    found = []
    for side in (1, -1):
        idx = range(zero, len(rho)) if side > 0 else range(zero, -1, -1)
        inside = [i for i in idx if covers[i]]
        if not inside:
            continue
        hi = rho[inside[0]]
        lo = rho[[i for i in idx if not covers[i] and abs(rho[i]) < abs(hi)][-1]]
        for _ in range(40):
            mid = (lo + hi) / 2
            values = table(float(mid))
            if values["ci_low"][pos] <= 0 <= values["ci_high"][pos]:
                hi = mid
            else:
                lo = mid
            if abs(hi - lo) < 1e-6:
                break
        found.append(float(hi))
    if not found:
        return float("nan")
    return min(found, key=abs)


def _effect_uncertainty(
    unc: Uncertainty,
    offsets: np.ndarray,
    k: int,
    j: int,
    later: int,
    kappa: float,
    emap: _effects.EffectMap,
    theta: np.ndarray,
) -> Uncertainty:
    def effects_of(paths: np.ndarray) -> np.ndarray:
        return _effects.effects(corrected_paths(paths, offsets, k, j, later, kappa), emap)

    if unc.draws is not None:
        jack = None if unc.jack is None else effects_of(unc.jack)
        ci = unc.ci if (unc.ci != "bca" or jack is not None) else "percentile"
        return replace(unc, draws=effects_of(unc.draws), jack=jack, vcov=None, ci=ci)
    if unc.vcov is None:
        return unc
    # delta method: Jacobian of the corrected effects by central differences
    base = theta[0]
    step = 1e-6 * np.maximum(np.abs(base), 1.0)
    plus = base[None, :] + np.diag(step)
    minus = base[None, :] - np.diag(step)
    jac = ((effects_of(plus) - effects_of(minus)) / (2 * step[:, None])).T
    jac = np.nan_to_num(jac)
    return replace(unc, vcov=jac @ unc.vcov @ jac.T)


def _evalues(result: ChainResult, outcome_sd: float) -> pd.DataFrame:
    rows = []
    for term in ("total", "direct"):
        row = result.effects.loc[term, ["estimate", "ci_low", "ci_high"]]
        est, low, high = (float(v) for v in np.asarray(row, dtype=np.float64))
        smd = est / outcome_sd
        rr = float(np.exp(_RR_PER_SMD * abs(smd)))
        if low <= 0 <= high or not np.isfinite([low, high]).all():
            ci_value = 1.0
        else:
            near = low if est > 0 else high
            ci_value = float(e_value(np.array([np.exp(_RR_PER_SMD * abs(near) / outcome_sd)]))[0])
        rows.append((term, est, smd, rr, float(e_value(np.array([rr]))[0]), ci_value))
    return pd.DataFrame(rows, columns=["term", "estimate", "smd", "rr", "e_value", "e_value_ci"])

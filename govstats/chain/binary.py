"""The divide chain with a binary outcome: natural effects on the probability scale.

Mediator equations stay linear (``Mj ~ 1 + x + M1..M(j-1) + C``, design-weighted least
squares); the outcome equation is a design-weighted logit
(``logit P(Y = 1) = 1 + x + M1..Mk + C``). Effects follow the counterfactual
(natural-effect) definitions, on the probability scale (risk differences):

* total effect ``TE = E[Y(1, M(1))] - E[Y(0, M(0))]``,
* natural direct effect ``NDE = E[Y(1, M(0))] - E[Y(0, M(0))]``,
* natural indirect effect ``NIE = E[Y(1, M(1))] - E[Y(1, M(0))]``,

so that ``TE = NDE + NIE`` exactly, and the proportion mediated ``NIE / TE``. The
counterfactual mediators keep every respondent's own residuals:
``M_j(x') = M_j + D_j (x' - x)``, with ``D_j`` the total effect of ``x`` on ``M_j``
through the linear chain, and the expectations are design-weighted means of the
fitted logit probabilities (the g-formula with the empirical residual distribution).
All of it is recomputed under every replicate weight of the design (its own
replicates, or a Rao–Wu bootstrap made with ``seed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from statsmodels.genmod import families

from govstats.chain.spec import ChainSpec
from govstats.design._irls import irls
from govstats.design.inference import (
    check_level,
    check_replicates,
    percentile_interval,
    resolve_seed,
    t_interval,
)
from govstats.errors import DataError, ModelError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign

__all__ = ["BinaryChainResult", "binary_chain"]

EFFECTS = ("total", "direct", "indirect", "proportion_mediated")
_LOGIT = families.Binomial()
_GAUSSIAN = families.Gaussian()


@dataclass(frozen=True, eq=False)
class BinaryChainResult:
    """Natural effects of a chain with a binary outcome.

    Attributes
    ----------
    estimate, se, ci_low, ci_high : ndarray, shape (4,)
        ``total``, ``direct``, ``indirect`` (risk differences for ``x`` from
        ``x_values[0]`` to ``x_values[1]``) and ``proportion_mediated``.
    df : float
        Degrees of freedom of the t intervals (replicate designs; ``inf`` with
        percentile intervals).
    scale : str
        ``"probability"`` (logit outcome) or ``"outcome"`` (linear outcome).
    paths : pandas.DataFrame
        Coefficients of every equation (``equation``, ``term``, ``estimate``, ``se``).
    replicate_estimates : ndarray, shape (R, 4)
    method, ci : str
        Replicate method and interval type (``"t"`` or ``"percentile"``).
    conf_level : float
    seed : int or None

    Examples
    --------
    >>> import govstats as gs
    >>> sim = gs.datasets.simulate_survey(seed=7, n_persons=1500)
    >>> data = sim.data.assign(good=(sim.data["service"] > sim.data["service"].median()) * 1.0)
    >>> design = gs.SurveyDesign(data, weights="weight", strata="stratum", psu="county")
    >>> res = binary_chain(design, "rural", ["info_access"], "good", replicates=50, seed=1)
    >>> res.to_frame()["term"].tolist()
    ['total', 'direct', 'indirect', 'proportion_mediated']
    """

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: float
    scale: str
    paths: pd.DataFrame
    replicate_estimates: np.ndarray = field(repr=False)
    method: str = "bootstrap"
    ci: str = "percentile"
    conf_level: float = 0.95
    seed: int | None = None

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """One row per effect: ``term, estimate, se, ci_low, ci_high, df, scale``.

        ``names`` is accepted as by every chain table (effect names are the same in R).
        """
        return pd.DataFrame(
            {
                "term": list(EFFECTS),
                "estimate": self.estimate,
                "se": self.se,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "df": float(self.df),
                "scale": [self.scale] * 3 + ["ratio"],
            }
        )

    def summary(self) -> str:
        """Effects table with the scale and the inference stated."""
        head = (
            f"Natural effects on the {self.scale} scale ({self.method} replicates, "
            f"{self.ci} intervals, seed={self.seed})"
        )
        return (
            head + "\n" + self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.6g}")
        )

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={e:.4g}" for n, e in zip(EFFECTS, self.estimate, strict=True))
        return f"BinaryChainResult({self.scale}: {shown})"


def _fit(
    z: np.ndarray,
    w: np.ndarray,
    spec: ChainSpec,
    family: str,
    x_values: tuple[float, float],
    start: np.ndarray | None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Effects (4,) and the coefficients of every equation under weights ``w``."""
    keep = w > 0
    zk, wk = z[keep], w[keep]
    equations = spec.equations()
    coefs: list[np.ndarray] = []
    sw = np.sqrt(wk)
    for _, regs, response in equations[:-1]:
        beta, *_ = np.linalg.lstsq(zk[:, regs] * sw[:, None], zk[:, response] * sw, rcond=None)
        coefs.append(beta)
    _, regs, response = equations[-1]
    names = [spec.columns[c] for c in regs]
    fam = _LOGIT if family == "binomial" else _GAUSSIAN
    outcome = irls(zk[:, regs], zk[:, response], wk / wk.mean(), fam, names, start=start)
    coefs.append(outcome.coef)
    # total effect of x on every mediator through the linear chain
    total = np.zeros(spec.k)
    for j in range(spec.k):
        beta = coefs[j]
        total[j] = beta[1] + sum(beta[2 + i] * total[i] for i in range(j))
    x = zk[:, 1]
    mediator_cols = [spec.mediator_column(j) for j in range(spec.k)]

    def mean_outcome(x_direct: float, x_mediators: float) -> float:
        design = zk[:, regs].copy()
        design[:, 1] = x_direct
        for j, col in enumerate(mediator_cols):
            design[:, regs.index(col)] = zk[:, col] + total[j] * (x_mediators - x)
        mu = fam.link.inverse(design @ outcome.coef)
        return float(wk @ mu / wk.sum())

    low, high = x_values
    p11 = mean_outcome(high, high)
    p10 = mean_outcome(high, low)
    p00 = mean_outcome(low, low)
    te, nde, nie = p11 - p00, p10 - p00, p11 - p10
    return np.array([te, nde, nie, nie / te if te != 0 else np.nan]), coefs


def binary_chain(
    design: SurveyDesign,
    x: str,
    mediators: Sequence[str],
    outcome: str,
    covariates: Sequence[str] = (),
    *,
    family: str = "binomial",
    x_values: tuple[float, float] = (0.0, 1.0),
    replicates: int | None = None,
    seed: int | np.random.Generator | None = None,
    level: float = 0.95,
    na_rm: bool = False,
) -> BinaryChainResult:
    """Estimate the divide chain's natural effects with a binary (logit) outcome.

    Parameters
    ----------
    design : SurveyDesign
        The survey design (replicate designs use their own replicates).
    x, mediators, outcome, covariates
        As :class:`~govstats.chain.DivideChain`; the outcome is coded 0/1.
    family : {"binomial", "gaussian"}
        Outcome equation: logit (effects on the probability scale) or linear (effects
        on the outcome's scale; the natural indirect effect is then the chain's total
        indirect effect, the sum of products of paths).
    x_values : (float, float)
        The two exposure values compared (default 0 -> 1: rural = 1).
    replicates : int, optional
        Number of Rao–Wu bootstrap replicates for a design without replicate weights
        (default 1000); omit for a replicate design.
    seed : int or numpy.random.Generator, keyword-only
        Seed of the bootstrap replicates (recorded in ``result.seed``).
    level : float, default 0.95
    na_rm : bool, default False
        Leave incomplete rows out (as a domain).

    Returns
    -------
    BinaryChainResult

    Notes
    -----
    See the module docstring for the definitions. Identification needs no
    unmeasured confounding of x-M, x-Y and M-Y given the covariates, and no
    mediator-outcome confounder affected by x. Intervals: percentile for bootstrap
    replicates, t on the design df for jackknife/BRR replicates.

    References
    ----------
    VanderWeele, T. J. (2015). *Explanation in Causal Inference*, ch. 2-5.
    Imai, K., Keele, L. and Tingley, D. (2010). A general approach to causal
    mediation analysis. *Psychological Methods* 15, 309-334.
    """
    level = check_level(level)
    if family not in ("binomial", "gaussian"):
        raise ModelError(f"family={family!r} is not 'binomial' or 'gaussian'.")
    spec = ChainSpec.build(design.data, x, mediators, outcome, covariates)
    z = spec.matrix(design.data)
    active = design.weights_array != 0
    incomplete = active & np.isnan(z).any(axis=1)
    if incomplete.any():
        if not na_rm:
            raise DataError(
                f"{int(incomplete.sum())} rows have missing values in {list(spec.used_columns)}; "
                "pass na_rm=True to leave them out (as a domain)."
            )
        design = design.subset(~incomplete)
    z = np.where(np.isnan(z), 0.0, z)
    y = z[design.weights_array != 0, spec.outcome_column]
    if family == "binomial" and not set(np.unique(y)) <= {0.0, 1.0}:
        raise DataError(f"outcome {outcome!r} must be coded 0/1 for a logit equation.")
    used_seed = None
    if design.replicates is None:
        used_seed, _ = resolve_seed(seed)
        count = check_replicates(replicates if replicates is not None else 1000)
        design = design.to_replicates("bootstrap", count, seed=used_seed)
    elif replicates is not None:
        raise DataError("the design carries replicate weights; omit replicates=.")
    reps = design.replicates
    assert reps is not None
    w = design.weights_array
    estimate, coefs = _fit(z, w, spec, family, x_values, None)
    start = coefs[-1]
    draws = []
    for _, chunk in reps.weight_chunks(w):
        for r in range(chunk.shape[1]):
            draws.append(_fit(z, chunk[:, r], spec, family, x_values, start)[0])
    replicate_estimates = np.asarray(draws)
    se = np.sqrt(np.diag(reps.vcov(replicate_estimates, estimate)))
    if reps.method == "bootstrap":
        low, high = percentile_interval(replicate_estimates, level)
        df, ci = float("inf"), "percentile"
    else:
        df, ci = float(design.df), "t"
        low, high = t_interval(estimate, se, df, level)
    rows = []
    for (name, regs, _), beta in zip(spec.equations(), coefs, strict=True):
        for c, b in zip(regs, beta, strict=True):
            rows.append({"equation": name, "term": spec.columns[c], "estimate": float(b)})
    return BinaryChainResult(
        estimate=estimate,
        se=se,
        ci_low=np.asarray(low),
        ci_high=np.asarray(high),
        df=df,
        scale="probability" if family == "binomial" else "outcome",
        paths=pd.DataFrame(rows),
        replicate_estimates=replicate_estimates,
        method=str(reps.method),
        ci=ci,
        conf_level=level,
        seed=used_seed if used_seed is not None else reps.seed,
    )

"""The measurement section of the report: numbers only (rendering and wording live elsewhere).

Reliability of every scale, CFA loadings and fit, the urban-rural invariance
verdict, and the latent chain beside the observed-score chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from govstats.chain import DivideChain
from govstats.design.survey_design import SurveyDesign
from govstats.sem import InvarianceResult, fit, invariance, latent_chain, reliability

__all__ = ["MeasurementSection", "measurement_section"]


@dataclass(frozen=True, eq=False)
class MeasurementSection:
    """Tables of the measurement section.

    Attributes
    ----------
    reliability : DataFrame
        One row per construct: ``construct, items, alpha, alpha_se, omega, omega_se``.
    loadings : DataFrame
        CFA loadings: ``construct, item, estimate, se, std_all``.
    fit : Series
        CFA fit measures (``chisq, df, cfi, tli, rmsea, srmr`` and scaled versions).
    invariance : InvarianceResult
    chains : DataFrame
        Index ``effect``; ``observed`` and ``latent`` estimates with their SEs.
    """

    reliability: pd.DataFrame
    loadings: pd.DataFrame
    fit: pd.Series
    invariance: InvarianceResult
    chains: pd.DataFrame


def measurement_section(
    design: SurveyDesign,
    measurement: Mapping[str, Sequence[str]],
    *,
    x: str = "rural",
    mediators: Sequence[str] = ("info_access", "participation", "expression"),
    outcome: str = "service",
    covariates: Sequence[str] = (),
    scores: Mapping[str, str] | None = None,
) -> MeasurementSection:
    """Compute the measurement section for a design and item lists.

    Parameters
    ----------
    design : SurveyDesign
    measurement : mapping of str to sequence of str
        Items of every construct.
    x, mediators, outcome, covariates
        The chain.
    scores : mapping of str to str, optional
        Observed score column of every construct for the observed-score chain
        (default: the mean of its items, as a scale score).

    Returns
    -------
    MeasurementSection

    Examples
    --------
    >>> import govstats as gs
    >>> sim = gs.datasets.simulate_survey(seed=2, n_persons=800)
    >>> items = gs.datasets.simulate_items(sim.data, seed=3)
    >>> design = gs.SurveyDesign(items.data, **sim.design_columns)
    >>> section = measurement_section(design, items.measurement)
    >>> list(section.chains.columns)
    ['observed', 'observed_se', 'latent', 'latent_se']
    """
    rows = []
    for construct, items in measurement.items():
        est = reliability(design, list(items)).to_frame().set_index("variable")
        rows.append({
            "construct": construct, "items": len(items),
            "alpha": est.loc["alpha", "estimate"], "alpha_se": est.loc["alpha", "se"],
            "omega": est.loc["omega", "estimate"], "omega_se": est.loc["omega", "se"],
        })  # fmt: skip
    model = "\n".join(f"{c} =~ {' + '.join(items)}" for c, items in measurement.items())
    cfa = fit(model, design)
    table = cfa.to_frame()
    loadings = table[table["op"] == "=~"].rename(columns={"lhs": "construct", "rhs": "item"})
    fit_names = ["chisq", "df", "pvalue", "chisq.scaled", "cfi", "tli", "cfi.robust", "rmsea",
                 "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.robust", "srmr"]  # fmt: skip
    measures = cfa.fit_measures()
    inv = invariance(model, design, group=x)
    if scores is None:
        columns = {f"{c}_score": design.data[list(items)].mean(axis=1)
                   for c, items in measurement.items()}  # fmt: skip
        design = replace(design, data=design.data.assign(**columns))
        scores = {c: f"{c}_score" for c in measurement}
    score_of = dict(scores)
    observed_names = [score_of.get(m, m) for m in mediators]
    observed = DivideChain(
        design, x=x, mediators=observed_names, outcome=score_of.get(outcome, outcome),
        covariates=list(covariates),
    ).fit(inference="linearization")  # fmt: skip
    latent = latent_chain(design, x=x, mediators=list(mediators), outcome=outcome,
                          measurement=measurement, covariates=covariates)  # fmt: skip
    chains = pd.DataFrame(
        {
            "observed": observed.effects["estimate"].to_numpy(),
            "observed_se": observed.effects["se"].to_numpy(),
            "latent": latent.effects["estimate"].to_numpy(),
            "latent_se": latent.effects["se"].to_numpy(),
        },
        index=latent.effects.index,
    )
    return MeasurementSection(
        reliability=pd.DataFrame(rows),
        loadings=loadings[["construct", "item", "estimate", "se", "std_all"]].reset_index(
            drop=True
        ),
        fit=measures[[n for n in fit_names if n in measures.index]],
        invariance=inv,
        chains=chains,
    )

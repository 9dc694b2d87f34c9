"""Recovery and coverage of the divide chain on simulate_survey data (slow).

Every repetition draws a new stratified multistage sample (different seed) of
3,000 adults with the known divide-chain truth and fits the chain on the full
design. Linearization intervals are checked on 300 repetitions; Rao-Wu replicate
intervals (300 replicates each, to keep the run to about a minute) on 200.
With 95% intervals the coverage over R repetitions has sampling SD
sqrt(0.95 * 0.05 / R) (1.3% for 300, 1.5% for 200), so 92-98% is a check at
about 2 SD; the seeds are fixed, so the test is deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest

import govstats as gs

MAIN = "rural -> info_access -> participation -> expression -> service"
MEDIATORS = ["info_access", "participation", "expression"]
COVARIATES = ["age", "female", "edu_years", "log_income"]
N_LINEARIZATION, N_REPLICATE, N_PERSONS = 300, 200, 3000


def _run() -> dict[str, np.ndarray]:
    out: dict[str, list] = {"lin": [], "rep": [], "est": []}
    for i in range(N_LINEARIZATION):
        sim = gs.datasets.simulate_survey(seed=5000 + i, n_persons=N_PERSONS)
        design = gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")
        chain = gs.DivideChain(
            design, x="rural", mediators=MEDIATORS, outcome="service", covariates=COVARIATES
        )
        truth = sim.truth.effects
        names = [MAIN, "indirect_total"]
        lin = chain.fit(inference="linearization").effects.loc[names]
        out["lin"].append(
            [lin.loc[n, "ci_low"] <= truth[n] <= lin.loc[n, "ci_high"] for n in names]
        )
        out["est"].append(lin["estimate"].to_numpy() - truth[names].to_numpy())
        if i < N_REPLICATE:
            rep = chain.fit(inference="replicate", replicates=300, seed=i, progress=False)
            eff = rep.effects.loc[names]
            out["rep"].append(
                [eff.loc[n, "ci_low"] <= truth[n] <= eff.loc[n, "ci_high"] for n in names]
            )
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


@pytest.fixture(scope="module")
def study() -> dict[str, np.ndarray]:
    return _run()


@pytest.mark.slow
def test_estimates_recover_the_truth(study) -> None:
    bias = study["est"].mean(axis=0)
    spread = study["est"].std(axis=0, ddof=1) / np.sqrt(len(study["est"]))
    # Mean error within 3 Monte Carlo standard errors of zero: consistent estimates.
    assert np.all(np.abs(bias) < 3 * spread)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["lin", "rep"])
def test_intervals_cover_the_truth(study, method) -> None:
    coverage = study[method].mean(axis=0)
    assert np.all((coverage >= 0.92) & (coverage <= 0.98)), coverage

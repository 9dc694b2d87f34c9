"""Recovery and interval coverage of IV, IPW and AIPW on repeated simulated surveys (slow).

simulate_survey's causal columns have known truths (causal_truth): least squares is
biased for both (an unmeasured confounder of internet hours; effects of home broadband
that differ with a covariate that also drives treatment), IV-2SLS, propensity weighting
and AIPW are not. Over repeated samples the 95% intervals should cover the truth about
95% of the time.
"""

from __future__ import annotations

import numpy as np
import pytest

import govstats as gs
from govstats.causal import aipw, propensity_weights

RUNS = 200
# 95% coverage estimated from RUNS samples: +-2.6 binomial SEs (~ +-4 points) around 0.95
LOW, HIGH = 0.95 - 2.6 * np.sqrt(0.95 * 0.05 / RUNS), 0.95 + 2.6 * np.sqrt(0.95 * 0.05 / RUNS)


def _run(seed: int) -> dict[str, tuple[float, float, float]]:
    sim = gs.datasets.simulate_survey(seed=seed, n_persons=8000)
    truth = sim.causal_truth
    d = gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")
    cols = ["estimate", "ci_low", "ci_high"]
    iv = d.ivreg("egov_use ~ 1 + rural + edu_years + [internet_hours ~ z_broadband]")
    ols = d.glm("egov_use ~ rural + edu_years + internet_hours")
    weighted = propensity_weights(d, "broadband_home", list(truth.covariates))
    ipw = weighted.glm("egov_use ~ broadband_home")
    naive = d.glm("egov_use ~ broadband_home + digital_skill + rural + edu_years")
    dr = aipw(d, "broadband_home", "egov_use", list(truth.covariates))
    return {
        "iv": tuple(iv.to_frame().set_index("term").loc["internet_hours", cols]),
        "ols_hours": tuple(ols.to_frame().set_index("term").loc["internet_hours", cols]),
        "ipw": tuple(ipw.to_frame().set_index("term").loc["broadband_home", cols]),
        "ols_treatment": tuple(naive.to_frame().set_index("term").loc["broadband_home", cols]),
        "aipw": tuple(dr.to_frame().set_index("term").loc["ATE", cols]),
    }


@pytest.fixture(scope="module")
def runs() -> list[dict[str, tuple[float, float, float]]]:
    return [_run(20_000 + s) for s in range(RUNS)]


TRUTH = {"iv": 0.08, "ols_hours": 0.08, "ipw": 0.6, "ols_treatment": 0.6, "aipw": 0.6}


@pytest.mark.slow
@pytest.mark.parametrize("method", ["iv", "ipw", "aipw"])
def test_unbiased_and_intervals_cover(runs, method) -> None:
    est = np.array([r[method][0] for r in runs])
    covered = np.mean([r[method][1] <= TRUTH[method] <= r[method][2] for r in runs])
    assert abs(est.mean() - TRUTH[method]) < 3 * est.std() / np.sqrt(RUNS) + 0.01 * TRUTH[method]
    assert LOW <= covered <= HIGH


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ols_hours", "ols_treatment"])
def test_least_squares_is_biased(runs, method) -> None:
    est = np.array([r[method][0] for r in runs])
    covered = np.mean([r[method][1] <= TRUTH[method] <= r[method][2] for r in runs])
    assert abs(est.mean() - TRUTH[method]) > 10 * est.std() / np.sqrt(RUNS)
    assert covered < 0.5
